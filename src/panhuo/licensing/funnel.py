"""Pure funnel metrics for campaigns: pushed → interested → trial → licensed, rates and time to licence."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

STAGES = ("pushed", "interested", "trial", "licensed")


@dataclass(frozen=True)
class FunnelItem:
    """One push item's milestones and the keys it is grouped by (campaign, region, institution, industry)."""

    pushed_on: date
    interested_on: date | None = None
    trial_start: date | None = None
    licensed_on: date | None = None
    declined: bool = False
    groups: dict[str, str] = field(default_factory=dict)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise(items: list[FunnelItem]) -> dict:
    """Counts per stage reached, conversion rates, and days from push to licence."""
    pushed = len(items)
    interested = sum(1 for i in items if i.interested_on or i.trial_start or i.licensed_on)
    trial = [i for i in items if i.trial_start]
    licensed = [i for i in items if i.licensed_on]
    days = [(i.licensed_on - i.pushed_on).days for i in licensed]
    return {
        "pushed": pushed, "interested": interested, "trial": len(trial), "licensed": len(licensed),
        "declined": sum(1 for i in items if i.declined),
        "interest_rate": _rate(interested, pushed),
        "trial_rate": _rate(len(trial), interested),
        "trial_conversion": _rate(sum(1 for i in trial if i.licensed_on), len(trial)),
        "licence_rate": _rate(len(licensed), pushed),
        "median_days_to_licence": statistics.median(days) if days else None,
        "mean_days_to_licence": round(statistics.fmean(days), 1) if days else None,
    }


def funnel(items: list[FunnelItem], by: str | None = None) -> list[dict]:
    """One summary for all items, or one per value of the group key ``by`` (sorted by value)."""
    if by is None:
        return [{"group": "all", **summarise(items)}]
    groups: dict[str, list[FunnelItem]] = defaultdict(list)
    for item in items:
        groups[item.groups.get(by) or "(none)"].append(item)
    return [{"group": key, **summarise(groups[key])} for key in sorted(groups)]
