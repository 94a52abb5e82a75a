"""The indicator tree: load a YAML file, validate it, and expose it as typed nodes.

A tree is data (``valuation/data/trees/*.yaml``): dimension → indicator → sub-indicator, each with
weights per scenario. :func:`parse_tree` validates a mapping and raises :class:`TreeError` naming
the offending node; :func:`load_tree` reads a file. Pure apart from reading the file.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_TREE = DATA_DIR / "trees" / "panhuo-gbt42748-seed-v1.yaml"
KNOWN_SOURCES = ("bibliographic", "legal_events", "self_assessment", "enterprise_feedback", "expert")
NORMALISATIONS = {
    "linear": ("worst", "best"),
    "log": ("cap",),
    "boolean": ("if_true", "if_false"),
    "cohort_percentile": (),
    "map": ("values",),
    "identity": (),
}
WEIGHT_TOLERANCE = 1e-6


class TreeError(ValueError):
    """A malformed indicator tree; the message names the node and the problem."""


@dataclass(frozen=True)
class Leaf:
    """A measured sub-indicator (三级指标)."""

    id: str
    zh: str
    en: str
    measure: str
    source: str
    input: str
    scale: dict
    normalisation: dict
    weights: dict[str, float]
    weight_provenance: str


@dataclass(frozen=True)
class Node:
    """A dimension (一级) or an indicator (二级) with its children."""

    id: str
    zh: str
    en: str
    weights: dict[str, float]
    weight_provenance: str
    children: tuple = ()
    structure: str = ""


@dataclass(frozen=True)
class Tree:
    id: str
    version: str
    title: str
    effective_date: str
    scenarios: dict[str, dict]
    sources: dict[str, str]
    data_sources: dict[str, dict]
    dimensions: tuple[Node, ...]
    digest: str = field(default="")

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def leaves(self) -> list[Leaf]:
        return [leaf for dim in self.dimensions for ind in dim.children for leaf in ind.children]

    def indicators(self) -> list[Node]:
        return [ind for dim in self.dimensions for ind in dim.children]

    def node(self, node_id: str) -> Node | Leaf | None:
        for dim in self.dimensions:
            if dim.id == node_id:
                return dim
            for ind in dim.children:
                if ind.id == node_id:
                    return ind
                for leaf in ind.children:
                    if leaf.id == node_id:
                        return leaf
        return None

    def reliability(self, source: str) -> float:
        return float(self.data_sources[source]["reliability"])

    def check_scenario(self, scenario: str) -> str:
        if scenario not in self.scenarios:
            raise TreeError(f"unknown scenario {scenario!r}; this tree has {', '.join(self.scenarios)}")
        return scenario


def load_tree(path: Path | str | None = None, *, known_inputs: set[str] | None = None) -> Tree:
    """Read and validate a tree file (the seed tree when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_TREE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TreeError(f"cannot read tree file {path}: {exc.strerror}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TreeError(f"{path.name}: not valid YAML ({exc})") from exc
    return parse_tree(raw, known_inputs=known_inputs)


def parse_tree(raw: Any, *, known_inputs: set[str] | None = None) -> Tree:
    """Validate a tree mapping; ``known_inputs`` restricts the indicator inputs (``expert.*`` always allowed)."""
    if not isinstance(raw, dict):
        raise TreeError("tree: the file must hold a mapping with id, version, scenarios and dimensions")
    for key in ("id", "version", "scenarios", "data_sources", "dimensions"):
        if key not in raw:
            raise TreeError(f"tree: missing top-level key '{key}'")
    scenarios = raw["scenarios"]
    if not isinstance(scenarios, dict) or not scenarios:
        raise TreeError("tree: 'scenarios' must be a non-empty mapping of scenario name → description")
    data_sources = _check_sources(raw["data_sources"])
    ctx = _Ctx(scenarios=list(scenarios), sources=data_sources, known_inputs=known_inputs)
    dims = raw["dimensions"]
    if not isinstance(dims, list) or not dims:
        raise TreeError("tree: 'dimensions' must be a non-empty list")
    dimensions = tuple(_node(d, ctx, level="dimension", where="tree") for d in dims)
    _check_sum([d.weights for d in dimensions], [d.id for d in dimensions], "tree (dimensions)", ctx.scenarios)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
    return Tree(id=str(raw["id"]), version=str(raw["version"]), title=str(raw.get("title", raw["id"])),
                effective_date=str(raw.get("effective_date", "")), scenarios=dict(scenarios),
                sources=dict(raw.get("sources") or {}), data_sources=data_sources, dimensions=dimensions,
                digest=digest[:16])


@dataclass
class _Ctx:
    scenarios: list[str]
    sources: dict[str, dict]
    known_inputs: set[str] | None
    seen: set[str] = field(default_factory=set)


def _check_sources(raw: Any) -> dict[str, dict]:
    if not isinstance(raw, dict) or not raw:
        raise TreeError("tree: 'data_sources' must map each data source to {reliability: 0–1}")
    for name, spec in raw.items():
        if name not in KNOWN_SOURCES:
            raise TreeError(f"data source '{name}': unknown (known: {', '.join(KNOWN_SOURCES)})")
        rel = (spec or {}).get("reliability") if isinstance(spec, dict) else None
        if not isinstance(rel, (int, float)) or not 0 < rel <= 1:
            raise TreeError(f"data source '{name}': reliability must be a number in (0, 1]")
    return raw


_CHILD_KEY = {"dimension": ("indicators", "indicator"), "indicator": ("subindicators", "subindicator")}


def _node(raw: Any, ctx: _Ctx, *, level: str, where: str) -> Node | Leaf:
    if not isinstance(raw, dict):
        raise TreeError(f"{where}: each {level} must be a mapping")
    node_id = raw.get("id")
    if not node_id or not isinstance(node_id, str):
        raise TreeError(f"{where}: a {level} has no id")
    if node_id in ctx.seen:
        raise TreeError(f"{level} '{node_id}': duplicate id")
    ctx.seen.add(node_id)
    for key in ("zh", "en"):
        if not raw.get(key):
            raise TreeError(f"{level} '{node_id}': missing '{key}' name")
    weights = _weights(raw, node_id, level, ctx.scenarios)
    if not raw.get("weight_provenance"):
        raise TreeError(f"{level} '{node_id}': missing 'weight_provenance' (say where the weights come from)")
    if level == "subindicator":
        return _leaf(raw, node_id, weights, ctx)
    child_key, child_level = _CHILD_KEY[level]
    kids = raw.get(child_key)
    if not isinstance(kids, list) or not kids:
        raise TreeError(f"{level} '{node_id}': needs a non-empty '{child_key}' list")
    children = tuple(_node(k, ctx, level=child_level, where=f"{level} '{node_id}'") for k in kids)
    _check_sum([c.weights for c in children], [c.id for c in children], f"{level} '{node_id}'", ctx.scenarios)
    return Node(id=node_id, zh=raw["zh"], en=raw["en"], weights=weights,
                weight_provenance=str(raw["weight_provenance"]), children=children,
                structure=str(raw.get("structure", "")))


def _leaf(raw: dict, node_id: str, weights: dict, ctx: _Ctx) -> Leaf:
    where = f"subindicator '{node_id}'"
    source = raw.get("source")
    if source not in ctx.sources:
        raise TreeError(f"{where}: unknown data source {source!r} (declared: {', '.join(ctx.sources)})")
    inp = raw.get("input")
    if not inp or not isinstance(inp, str):
        raise TreeError(f"{where}: missing 'input' (the computed indicator it scores)")
    if ctx.known_inputs is not None and inp not in ctx.known_inputs and not inp.startswith("expert."):
        raise TreeError(f"{where}: input '{inp}' is not an indicator Panhuo computes")
    if not raw.get("measure"):
        raise TreeError(f"{where}: missing 'measure' (how it is measured)")
    scale = raw.get("scale")
    if not isinstance(scale, dict) or not _num(scale.get("min")) or not _num(scale.get("max")) \
            or scale["min"] >= scale["max"]:
        raise TreeError(f"{where}: scale must have numeric min < max")
    return Leaf(id=node_id, zh=raw["zh"], en=raw["en"], measure=str(raw["measure"]), source=source, input=inp,
                scale=scale, normalisation=_normalisation(raw.get("normalisation"), where),
                weights=weights, weight_provenance=str(raw["weight_provenance"]))


def _normalisation(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict) or raw.get("kind") not in NORMALISATIONS:
        raise TreeError(f"{where}: normalisation kind must be one of {', '.join(NORMALISATIONS)}")
    kind = raw["kind"]
    for key in NORMALISATIONS[kind]:
        if key not in raw:
            raise TreeError(f"{where}: {kind} normalisation needs '{key}'")
    if kind == "linear" and (not _num(raw["worst"]) or not _num(raw["best"]) or raw["worst"] == raw["best"]):
        raise TreeError(f"{where}: linear normalisation needs numeric worst ≠ best")
    if kind == "log" and (not _num(raw["cap"]) or raw["cap"] <= 0):
        raise TreeError(f"{where}: log normalisation needs a positive cap")
    scores = [raw["if_true"], raw["if_false"]] if kind == "boolean" else (
        list(raw["values"].values()) if kind == "map" and isinstance(raw["values"], dict) else [])
    if kind == "map" and not isinstance(raw["values"], dict):
        raise TreeError(f"{where}: map normalisation needs 'values' as a mapping")
    if any(not _num(s) or not 0 <= s <= 100 for s in scores):
        raise TreeError(f"{where}: {kind} normalisation scores must lie in 0–100")
    return dict(raw)


def _weights(raw: dict, node_id: str, level: str, scenarios: list[str]) -> dict[str, float]:
    weights = raw.get("weights")
    if not isinstance(weights, dict):
        raise TreeError(f"{level} '{node_id}': 'weights' must map each scenario to a number")
    missing = [s for s in scenarios if s not in weights]
    if missing:
        raise TreeError(f"{level} '{node_id}': no weight for scenario(s) {', '.join(missing)}")
    extra = [s for s in weights if s not in scenarios]
    if extra:
        raise TreeError(f"{level} '{node_id}': weight for unknown scenario(s) {', '.join(map(str, extra))}")
    for scen, w in weights.items():
        if not _num(w) or w < 0 or w > 1:
            raise TreeError(f"{level} '{node_id}': weight for {scen} must be a number in 0–1, got {w!r}")
    return {s: float(weights[s]) for s in scenarios}


def _check_sum(weight_maps: list[dict], ids: list[str], where: str, scenarios: list[str]) -> None:
    for scen in scenarios:
        total = sum(w[scen] for w in weight_maps)
        if not math.isclose(total, 1.0, abs_tol=WEIGHT_TOLERANCE):
            raise TreeError(f"{where}: weights for {scen} sum to {total:g}, not 1 ({', '.join(ids)})")


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
