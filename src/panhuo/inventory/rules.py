"""Pure rules of the 盘点 campaign: the review chain, the self-assessment form, 盘点率 and overdue items.

Review chain (zjweu guidance, rules-and-valuation.md §3.3): 发明人/学院建档 → 学院审核 → 学校审核 → 入库,
with return-for-correction (a comment is required) at both review steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class ItemStatus(StrEnum):
    ASSIGNED = "assigned"  # 待建档
    RETURNED = "returned"  # 退回修改
    SUBMITTED = "submitted"  # 待学院审核
    DEPARTMENT_APPROVED = "department_approved"  # 待学校审核
    ACCEPTED = "accepted"  # 已入库 (盘点完成)


STATUS_ZH = {
    ItemStatus.ASSIGNED: "待建档", ItemStatus.RETURNED: "退回修改", ItemStatus.SUBMITTED: "待学院审核",
    ItemStatus.DEPARTMENT_APPROVED: "待学校审核", ItemStatus.ACCEPTED: "已入库",
}
OPEN_STATUSES = frozenset({ItemStatus.ASSIGNED, ItemStatus.RETURNED})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    permission: str  # named permission in accounts/permissions.py
    comment_required: bool = False


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", frozenset({ItemStatus.ASSIGNED, ItemStatus.RETURNED}), ItemStatus.SUBMITTED, "item.fill"),
    Transition("department_approve", frozenset({ItemStatus.SUBMITTED}), ItemStatus.DEPARTMENT_APPROVED,
               "item.review_department"),
    Transition("department_return", frozenset({ItemStatus.SUBMITTED}), ItemStatus.RETURNED,
               "item.review_department", comment_required=True),
    Transition("institution_approve", frozenset({ItemStatus.DEPARTMENT_APPROVED}), ItemStatus.ACCEPTED,
               "item.review_institution"),
    Transition("institution_return", frozenset({ItemStatus.DEPARTMENT_APPROVED}), ItemStatus.RETURNED,
               "item.review_institution", comment_required=True),
)}


class TransitionError(ValueError):
    """A review step that is not allowed from the item's current status, or lacks a comment."""


def check_transition(status: str, name: str, comment: str = "") -> Transition:
    """The transition, if it may be applied to an item in ``status``; raises :class:`TransitionError`."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise TransitionError(f"unknown review step {name!r}")
    if status not in t.sources:
        raise TransitionError(f"cannot {name} an item that is {status}")
    if t.comment_required and not comment.strip():
        raise TransitionError(f"{name} needs a comment saying what to correct")
    return t


def available_transitions(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]


# ---------------------------------------------------------------- the self-assessment form

_TRUE = {"1", "true", "yes", "y", "是", "有", "愿意", "✓", "√"}
_FALSE = {"0", "false", "no", "n", "否", "无", "不愿意", "", "×"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _option_value(spec: dict, raw: Any) -> str:
    text = str(raw).strip()
    for opt in spec["options"]:
        if text in (str(opt["value"]), opt["zh"], opt["en"]):
            return opt["value"]
    allowed = "/".join(o["zh"] for o in spec["options"])
    raise ValueError(f"must be one of {allowed}")


def _coerce(spec: dict, raw: Any) -> Any:
    kind = spec["kind"]
    if kind == "choice":
        return _option_value(spec, raw)
    if kind == "multi":
        items = raw if isinstance(raw, list | tuple) else str(raw).replace("，", ",").replace("、", ",").split(",")
        return sorted({_option_value(spec, i) for i in items if str(i).strip()})
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("must be 是 or 否 (yes/no)")
    if kind in ("int", "number"):
        try:
            number = float(str(raw).strip().replace(",", "")) if not isinstance(raw, int | float) else float(raw)
        except ValueError:
            raise ValueError("must be a number") from None
        if kind == "int":
            if number != int(number):
                raise ValueError("must be a whole number")
            number = int(number)
        if number < spec.get("min", float("-inf")) or number > spec.get("max", float("inf")):
            raise ValueError(f"must be between {spec.get('min')} and {spec.get('max')}")
        return number
    text = str(raw).strip()
    if len(text) > spec.get("max", 2000):
        raise ValueError(f"must be at most {spec.get('max', 2000)} characters")
    return text


def clean_assessment(raw: dict, fields: list[dict]) -> tuple[dict, dict[str, str]]:
    """Coerce form or spreadsheet values; returns ``(clean values, {field: error})``.

    Blank values are dropped (a draft may be partial); unknown keys are ignored.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields:
        name = spec["name"]
        if name not in raw or _blank(raw[name]):
            continue
        try:
            clean[name] = _coerce(spec, raw[name])
        except ValueError as exc:
            errors[name] = str(exc)
    return clean, errors


def missing_required(values: dict, fields: list[dict]) -> list[str]:
    """Required fields that are still empty (a submission needs them all); 转化方式 when willing."""
    missing = [f["name"] for f in fields if f.get("required") and _blank(values.get(f["name"]))]
    if values.get("willing") is True and _blank(values.get("modes")) and any(f["name"] == "modes" for f in fields):
        missing.append("modes")
    return missing


# ---------------------------------------------------------------- progress

def inventory_rate(accepted: int, total: int) -> float | None:
    """盘点率 = items accepted (学校审核通过, 入库) ÷ items in scope; ``None`` for an empty scope."""
    return None if total == 0 else accepted / total


def is_overdue(status: str, deadline: date | None, today: date) -> bool:
    """An item not yet submitted (or returned and not resubmitted) after the campaign deadline."""
    return deadline is not None and today > deadline and status in OPEN_STATUSES


def needs_reminder(status: str, deadline: date | None, today: date, days_before: int = 7) -> bool:
    """Open items within ``days_before`` days of the deadline, or past it."""
    if deadline is None or status not in OPEN_STATUSES:
        return False
    return (deadline - today).days <= days_before
