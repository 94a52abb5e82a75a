"""Scores, confidence and grades, vectorised (pure).

Each leaf of the tree turns its input indicator into a score 0–100 (``s:<leaf>``) and a confidence 0–1
(``c:<leaf>``): the data source's reliability when the value is present, 0 when it is missing, halved when a
cohort-normalised value comes from a cohort smaller than ``min_cohort``. A parent's score is the weighted mean
of the children that have a score (missing children are left out, never counted as zero); its confidence is
the weighted sum of the children's confidences, so missing evidence shows as lower confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import polars as pl
import yaml

from panhuo.valuation.tree import DATA_DIR, Leaf, Node, Tree

DEFAULT_GRADES = DATA_DIR / "grades-v1.yaml"


class GradeError(ValueError):
    """A malformed grade-band file."""


@dataclass(frozen=True)
class GradeBands:
    version: str
    min_confidence: float
    bands: tuple[dict, ...]  # ordered best first, each {grade, en, rank, above}
    ungraded: dict
    source: str = ""


def load_grades(path: Path | str | None = None) -> GradeBands:
    """Read and check the grade bands (thresholds strictly decreasing, last band open)."""
    raw = yaml.safe_load(Path(path or DEFAULT_GRADES).read_text(encoding="utf-8"))
    bands = raw.get("bands") if isinstance(raw, dict) else None
    if not bands:
        raise GradeError("grades: 'bands' must be a non-empty list")
    limits = [b.get("above") for b in bands]
    if limits[-1] is not None or any(v is None for v in limits[:-1]):
        raise GradeError("grades: every band but the last needs 'above'; the last band has above: null")
    if any(a <= b for a, b in pairwise(limits[:-1])):
        raise GradeError("grades: 'above' thresholds must decrease from the first band to the last")
    return GradeBands(version=str(raw.get("version", "1")), min_confidence=float(raw.get("min_confidence", 0)),
                      bands=tuple(bands), ungraded=raw.get("ungraded") or {"grade": "待定", "rank": 0},
                      source=str(raw.get("source", "")))


def score_leaves(frame: pl.DataFrame, tree: Tree) -> pl.DataFrame:
    """Add ``s:<leaf>`` and ``c:<leaf>`` for every leaf (scenario-independent)."""
    exprs: list[pl.Expr] = []
    for leaf in tree.leaves():
        value = pl.col(leaf.input) if leaf.input in frame.columns else pl.lit(None, dtype=pl.Float64)
        score, factor = _normalise(value.cast(pl.Float64), leaf)
        reliability = tree.reliability(leaf.source)
        exprs.append(score.alias(f"s:{leaf.id}"))
        exprs.append(pl.when(score.is_not_null()).then(reliability * factor).otherwise(0.0).alias(f"c:{leaf.id}"))
    return frame.with_columns(exprs)


def _normalise(x: pl.Expr, leaf: Leaf) -> tuple[pl.Expr, pl.Expr | float]:
    spec = leaf.normalisation
    kind = spec["kind"]
    if kind == "linear":
        worst, best = float(spec["worst"]), float(spec["best"])
        return ((x - worst) / (best - worst)).clip(0, 1) * 100, 1.0
    if kind == "log":
        return (x.clip(lower_bound=0).log1p() / math.log1p(float(spec["cap"]))).clip(0, 1) * 100, 1.0
    if kind == "boolean":
        return pl.when(x.is_null()).then(None).when(x > 0).then(float(spec["if_true"])) \
            .otherwise(float(spec["if_false"])), 1.0
    if kind == "identity":
        return x.clip(0, 100), 1.0
    if kind == "map":
        mapping = {float(k): float(v) for k, v in spec["values"].items()}
        return x.replace_strict(mapping, default=None, return_dtype=pl.Float64), 1.0
    return _cohort_percentile(x, invert=bool(spec.get("invert", False)), min_cohort=int(spec.get("min_cohort", 5)))


def _cohort_percentile(x: pl.Expr, *, invert: bool, min_cohort: int) -> tuple[pl.Expr, pl.Expr]:
    """Percentile rank within the cohort (IPC subclass × filing year); ties share the mean rank."""
    n = x.count().over("cohort")
    rank = x.rank("average").over("cohort")
    pct = pl.when(n > 1).then((rank - 1) / (n - 1) * 100).otherwise(50.0)
    pct = pl.when(x.is_null()).then(None).otherwise(100 - pct if invert else pct)
    return pct, pl.when(n >= min_cohort).then(1.0).otherwise(0.5)


def aggregate(frame: pl.DataFrame, tree: Tree, scenario: str) -> pl.DataFrame:
    """Indicator, dimension and composite scores and confidences for one scenario."""
    tree.check_scenario(scenario)
    frame = frame.with_columns([e for ind in tree.indicators() for e in _combine(ind, scenario)])
    frame = frame.with_columns([e for dim in tree.dimensions for e in _combine(dim, scenario)])
    root = Node(id="composite", zh="综合", en="composite", weights={}, weight_provenance="", children=tree.dimensions)
    return frame.with_columns(_combine(root, scenario))


def _combine(node: Node, scenario: str) -> list[pl.Expr]:
    kids = [(c.id, c.weights[scenario]) for c in node.children if c.weights[scenario] > 0]
    if not kids:
        return [pl.lit(None, dtype=pl.Float64).alias(f"s:{node.id}"), pl.lit(0.0).alias(f"c:{node.id}")]
    num = pl.sum_horizontal([pl.col(f"s:{cid}").fill_null(0) * w for cid, w in kids])
    den = pl.sum_horizontal([pl.col(f"s:{cid}").is_not_null().cast(pl.Float64) * w for cid, w in kids])
    conf = pl.sum_horizontal([pl.col(f"c:{cid}") * w for cid, w in kids])
    return [pl.when(den > 0).then(num / den).otherwise(None).alias(f"s:{node.id}"),
            conf.alias(f"c:{node.id}")]


def grade(frame: pl.DataFrame, bands: GradeBands) -> pl.DataFrame:
    """Add ``grade`` and ``grade_rank`` from ``s:composite`` and ``c:composite``."""
    score, conf = pl.col("s:composite"), pl.col("c:composite")
    ungraded = score.is_null() | (conf < bands.min_confidence)
    label = pl.when(ungraded).then(pl.lit(bands.ungraded["grade"]))
    rank = pl.when(ungraded).then(pl.lit(int(bands.ungraded.get("rank", 0))))
    for band in bands.bands:
        cond = score > band["above"] if band["above"] is not None else pl.lit(True)
        label = label.when(cond).then(pl.lit(band["grade"]))
        rank = rank.when(cond).then(pl.lit(int(band["rank"])))
    return frame.with_columns(label.alias("grade"), rank.alias("grade_rank"))


def score_frame(frame: pl.DataFrame, tree: Tree, scenario: str, bands: GradeBands) -> pl.DataFrame:
    """Leaves → indicators → dimensions → composite → grade, for one scenario."""
    return grade(aggregate(score_leaves(frame, tree), tree, scenario), bands)
