"""Pure computation of the 统计 metrics from counts and sets of patent ids. No I/O, no session.

A *fact* is a set of patent ids with one property (valid, inventoried, licensed …), or ``None`` when the
feature that owns it is not available (then ``reasons[name]`` says why). Rate metrics combine facts as
their definition says (reports/data/metrics-v1.yaml).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from panhuo.reports.definitions import Definition

INVENTION = "invention"


@dataclass(frozen=True)
class Metric:
    """One computed metric. ``value`` is a ratio (0–1) for rates, a number for counts and amounts;
    ``available`` is False (with ``reason``) when the data to compute it is missing."""

    id: str
    name: str
    name_en: str
    group: str
    kind: str
    label: str
    value: float | None
    numerator: float | None
    denominator: float | None
    available: bool
    reason: str | None = None
    breakdown: dict[str, Any] = field(default_factory=dict)
    unit: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "name_en": self.name_en, "group": self.group, "kind": self.kind,
                "label": self.label, "value": self.value, "numerator": self.numerator,
                "denominator": self.denominator, "available": self.available, "reason": self.reason,
                "breakdown": self.breakdown, "unit": self.unit}


def ratio(numerator: float | Decimal | None, denominator: float | Decimal | None) -> float | None:
    """numerator ÷ denominator rounded to 4 places; None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(float(numerator) / float(denominator), 4)


def unavailable(defn: Definition, reason: str, *, metric_id: str | None = None, name_suffix: str = "") -> Metric:
    """A metric that cannot be computed, saying why (never a silent 0)."""
    return Metric(metric_id or defn.id, defn.zh + name_suffix, defn.en + name_suffix, defn.group, defn.kind,
                  defn.label, None, None, None, False, reason, unit=defn.unit)


def _intersection(names: tuple[str, ...], facts: dict[str, set[int] | None]) -> set[int]:
    sets = [facts[n] for n in names]
    out = set(sets[0])
    for s in sets[1:]:
        out &= s
    return out


def rate_metric(defn: Definition, facts: dict[str, set[int] | None], reasons: dict[str, str],
                variant: str | None = None) -> Metric:
    """numerator = (union of the numerator facts) ∩ denominator; denominator = ∩ of the denominator facts.

    A missing denominator fact, or all numerator facts missing, makes the metric unavailable. Some numerator
    facts missing gives a lower bound: available, with the reason saying which evidence was left out.
    """
    den_names = defn.denominator + ((variant,) if variant else ())
    mid = f"{defn.id}.{variant}" if variant else defn.id
    suffix = {INVENTION: "(发明)"}.get(variant or "", f"({variant})" if variant else "")
    suffix_en = {INVENTION: " (inventions)"}.get(variant or "", f" ({variant})" if variant else "")
    for name in den_names:
        if facts.get(name) is None:
            return unavailable(defn, f"{name}: {reasons.get(name, 'not available')}", metric_id=mid,
                               name_suffix=suffix)
    missing = [n for n in defn.numerator if facts.get(n) is None]
    if len(missing) == len(defn.numerator):
        why = "; ".join(f"{n}: {reasons.get(n, 'not available')}" for n in missing)
        return unavailable(defn, why, metric_id=mid, name_suffix=suffix)
    denominator = _intersection(den_names, facts)
    if not denominator:
        return Metric(mid, defn.zh + suffix, defn.en + suffix_en, defn.group, defn.kind, defn.label, None, 0, 0,
                      False, f"no patents in the denominator ({' ∩ '.join(den_names)}) in this scope")
    hit: set[int] = set()
    breakdown: dict[str, int] = {}
    for name in defn.numerator:
        if facts.get(name) is not None:
            part = facts[name] & denominator
            breakdown[name] = len(part)
            hit |= part
    reason = None
    if missing:
        reason = "partial (lower bound): " + "; ".join(f"{n}: {reasons.get(n, 'not available')}" for n in missing)
    return Metric(mid, defn.zh + suffix, defn.en + suffix_en, defn.group, defn.kind, defn.label,
                  ratio(len(hit), len(denominator)), len(hit), len(denominator), True, reason,
                  breakdown if len(defn.numerator) > 1 else {})


def rate_metrics(defn: Definition, facts: dict[str, set[int] | None], reasons: dict[str, str]) -> list[Metric]:
    """The metric and its variants (e.g. ``inventory_rate`` and ``inventory_rate.invention``)."""
    return [rate_metric(defn, facts, reasons)] + [rate_metric(defn, facts, reasons, v) for v in defn.variants]


def figure_metric(defn: Definition, value: float | Decimal | None, *, numerator: float | Decimal | None = None,
                  denominator: float | Decimal | None = None, breakdown: dict | None = None) -> Metric:
    """A count or amount metric; for rates with a figure, value = numerator ÷ denominator."""
    num = None if numerator is None else float(numerator)
    den = None if denominator is None else float(denominator)
    if defn.kind == "rate":
        if not den:
            return Metric(defn.id, defn.zh, defn.en, defn.group, defn.kind, defn.label, None, num, den, False,
                          "nothing to measure yet (denominator is 0)", breakdown or {}, defn.unit)
        val = ratio(num, den)
    else:
        val = None if value is None else round(float(value), 2)
    return Metric(defn.id, defn.zh, defn.en, defn.group, defn.kind, defn.label, val, num, den, True, None,
                  breakdown or {}, defn.unit)


# ------------------------------------------------------------------ transactions

def contract_mode(kind: str, licence_type: str | None) -> str:
    """Reporting mode of a contract: ``transfer``, ``equity`` or ``licence:<type>``; open licences are
    ``open_licence``."""
    if kind == "licence":
        return f"licence:{licence_type or 'ordinary'}"
    return kind


def by_mode(deals: list[tuple[str, Decimal | None, bool]]) -> dict[str, dict]:
    """``[(mode, value, recorded)]`` → ``{mode: {count, value, recorded, not_recorded}}`` sorted by mode."""
    out: dict[str, dict] = {}
    for mode, value, recorded in deals:
        row = out.setdefault(mode, {"count": 0, "value": 0.0, "recorded": 0, "not_recorded": 0})
        row["count"] += 1
        row["value"] = round(row["value"] + float(value or 0), 2)
        row["recorded" if recorded else "not_recorded"] += 1
    return dict(sorted(out.items()))


def reward_share(allocations: list[dict], net_income: Decimal | float) -> float | None:
    """Share of the institution's net income that went to people as reward (inventors and transfer staff).

    Under 赋权, individual owners first take their ownership share (role ``owner``); the reward is measured
    against what remains for the institution."""
    owned = sum(Decimal(str(a.get("amount", 0))) for a in allocations if a.get("role") == "owner")
    base = Decimal(str(net_income or 0)) - owned
    if base <= 0:
        return None
    reward = sum(Decimal(str(a.get("amount", 0))) for a in allocations if a.get("role") in ("inventor", "staff"))
    return float(reward / base)


def art45_class(share: float | None, *, floor: float, institution_rule: bool) -> str:
    """``statutory`` (share ≥ floor), ``institution_rule`` (below the floor but set by the institution's own
    rule, which Art. 45 lets prevail), ``below_floor``, or ``no_income``."""
    if share is None:
        return "no_income"
    if share + 1e-9 >= floor:
        return "statutory"
    return "institution_rule" if institution_rule else "below_floor"


def art45_summary(classes: list[str]) -> tuple[int, int, dict[str, int]]:
    """(compliant, counted, breakdown) over the distributions' classes; ``no_income`` is not counted."""
    counts = Counter(classes)
    counted = sum(n for c, n in counts.items() if c != "no_income")
    compliant = counts["statutory"] + counts["institution_rule"]
    return compliant, counted, dict(sorted(counts.items()))


def distribution(values: list[str | None], *, missing: str = "未评估") -> dict[str, int]:
    """Counts per value, biggest first, ``None`` counted as ``missing``."""
    counts = Counter(v if v not in (None, "") else missing for v in values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
