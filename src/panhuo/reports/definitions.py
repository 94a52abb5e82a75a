"""The metric definitions of ``reports/data/metrics-v1.yaml``, loaded and checked once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
DEFAULT_FILE = "metrics-v1.yaml"
LABELS = ("C", "S", "U", "I")
KINDS = ("rate", "count", "amount")


class DefinitionError(ValueError):
    """A metric definition file that cannot be used (the message names the metric and the field)."""


@dataclass(frozen=True)
class Definition:
    """One metric as defined in the YAML file."""

    id: str
    group: str
    kind: str
    zh: str
    en: str
    label: str
    source: str
    notes: str = ""
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    figure: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class MetricSet:
    """The whole file: version, parameters, groups and definitions in order."""

    id: str
    version: str
    effective_date: str
    source: str
    parameters: dict
    groups: tuple[dict, ...]
    metrics: tuple[Definition, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def get(self, metric_id: str) -> Definition:
        base = metric_id.split(".", 1)[0]
        for d in self.metrics:
            if d.id == base:
                return d
        raise KeyError(metric_id)


def _definition(raw: dict, groups: set[str]) -> Definition:
    mid = raw.get("id") or "?"
    for key in ("id", "group", "kind", "zh", "en", "label", "source"):
        if not raw.get(key):
            raise DefinitionError(f"metric {mid}: '{key}' is required")
    if raw["group"] not in groups:
        raise DefinitionError(f"metric {mid}: unknown group {raw['group']!r}")
    if raw["kind"] not in KINDS:
        raise DefinitionError(f"metric {mid}: kind must be one of {', '.join(KINDS)}")
    if str(raw["label"]) not in LABELS:
        raise DefinitionError(f"metric {mid}: evidence label must be one of {', '.join(LABELS)}")
    if not raw.get("figure") and not (raw.get("numerator") and raw.get("denominator")):
        raise DefinitionError(f"metric {mid}: needs numerator and denominator facts, or a figure")
    return Definition(id=raw["id"], group=raw["group"], kind=raw["kind"], zh=raw["zh"], en=raw["en"],
                      label=str(raw["label"]), source=raw["source"], notes=raw.get("notes", ""),
                      numerator=tuple(raw.get("numerator") or ()), denominator=tuple(raw.get("denominator") or ()),
                      variants=tuple(raw.get("variants") or ()), figure=raw.get("figure"), unit=raw.get("unit"))


def parse(raw: dict) -> MetricSet:
    """A :class:`MetricSet` from the parsed YAML; raises :class:`DefinitionError` on the first problem."""
    groups = tuple(raw.get("groups") or ())
    names = {g["id"] for g in groups}
    metrics = tuple(_definition(m, names) for m in raw.get("metrics") or ())
    seen = [m.id for m in metrics]
    dupes = sorted({m for m in seen if seen.count(m) > 1})
    if dupes:
        raise DefinitionError(f"metric ids used twice: {', '.join(dupes)}")
    return MetricSet(id=raw.get("id", "metrics"), version=str(raw.get("version", "?")),
                     effective_date=str(raw.get("effective_date", "")), source=raw.get("source", ""),
                     parameters=dict(raw.get("parameters") or {}), groups=groups, metrics=metrics)


@lru_cache(maxsize=4)
def load(path: str | None = None) -> MetricSet:
    """The packaged definitions (or another file with the same layout)."""
    file = Path(path) if path else DATA / DEFAULT_FILE
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(f"cannot read metric definitions {file}: {exc}") from exc
    return parse(raw or {})
