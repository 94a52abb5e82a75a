"""Reading the licensing pages' forms: each value parsed with the error that belongs next to its field.

A page collects errors in a :class:`FormErrors` (field → message) and shows them beside the inputs, with the
form refilled from what was typed. Only the *shape* of input is checked here (a date, an amount, a number);
the licensing rules stay in the services, whose refusals are placed on fields through :func:`place`.
No session, no I/O.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from panhuo.licensing.rules import FieldError, LicensingError, Problem, RuleViolation, check_date

MONEY_LIMIT = Decimal("1e14")


class FormErrors(dict):
    """field → message; the first message for a field wins (it is the one the person fixes first)."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def text(form, key: str, limit: int = 300) -> str:
    """The stripped text of a field, cut at ``limit`` characters."""
    return str(form.get(key) or "").strip()[:limit]


def day(form, key: str, errors: FormErrors, *, required: bool = True, label: str | None = None) -> date | None:
    """A YYYY-MM-DD date (years 1985–2200), or None when empty and not required."""
    raw = text(form, key, 40)
    what = label or key.replace("_", " ")
    if not raw:
        if required:
            errors.add(key, f"{what} is required (YYYY-MM-DD)")
        return None
    try:
        return check_date(date.fromisoformat(raw), what)
    except LicensingError as exc:  # a ValueError too: caught first
        errors.add(key, str(exc))
    except ValueError:
        errors.add(key, f"'{raw}' is not a date (YYYY-MM-DD)")
    return None


def amount(form, key: str, errors: FormErrors, *, required: bool = False, label: str | None = None,
           maximum: Decimal = MONEY_LIMIT) -> Decimal | None:
    """A non-negative decimal (thousands separators allowed) below ``maximum``, or None when empty."""
    raw = text(form, key, 40).replace(",", "").replace("，", "")
    what = label or key.replace("_", " ")
    if not raw:
        if required:
            errors.add(key, f"{what} is required")
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.add(key, f"{what}: '{raw}' is not a number")
        return None
    if not value.is_finite() or value < 0 or value >= maximum:
        errors.add(key, f"{what}: '{raw}' is out of range (0 to below {maximum:,.0f})")
        return None
    return value


def whole(form, key: str, errors: FormErrors, *, default: int = 0, low: int = 0, high: int = 1200,
          label: str | None = None) -> int:
    """A whole number within ``low``–``high`` (empty: ``default``)."""
    raw = text(form, key, 12)
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not low <= int(raw) <= high:
        errors.add(key, f"{label or key.replace('_', ' ')}: '{raw}' must be a whole number from {low} to {high}")
        return default
    return int(raw)


def ids(form, key: str) -> list[int]:
    """Every value of a multi-valued id field that is a plain positive number (others are ignored)."""
    values = form.all(key) if hasattr(form, "all") else [form.get(key)]
    return [int(v) for v in values if isinstance(v, str) and re.fullmatch(r"[0-9]{1,9}", v) and int(v) > 0]


_WEIGHT_LINE = re.compile(r"^(?P<name>.+?)\s*[:：=,，\t ]\s*(?P<value>[0-9]+(?:\.[0-9]+)?)\s*$")


def weights(form, key: str, errors: FormErrors, *, label: str) -> dict[str, float]:
    """Lines of ``name: number`` (贡献积分, contribution weights, ownership shares); a bare name weighs 1."""
    out: dict[str, float] = {}
    for n, line in enumerate(text(form, key, 4000).splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _WEIGHT_LINE.match(line)
        if match:
            name, value = match["name"].strip(), float(match["value"])
        elif not re.search(r"[:：=]", line):
            name, value = line, 1.0
        else:
            errors.add(key, f"{label}, line {n}: '{line[:60]}' is not 'name: number'")
            continue
        if name in out:
            errors.add(key, f"{label}, line {n}: {name} is listed twice")
        out[name] = value
    return out


def weights_text(values: dict | None) -> str:
    """The inverse of :func:`weights`, to refill a textarea."""
    return "\n".join(f"{k}: {v:g}" if isinstance(v, float) else f"{k}: {v}" for k, v in (values or {}).items())


FEE_MODES = ("lump_sum", "royalty", "entry_plus_royalty", "free")


def fee_terms(form, errors: FormErrors, *, required: bool = True) -> dict | None:
    """许可使用费: mode, fixed amount (一次性 / 入门费), royalty rate and basis, months before payment."""
    mode = text(form, "fee_mode", 30)
    if not mode:
        if required:
            errors.add("fee_mode", "choose how the fee is paid")
        return None
    terms = {"mode": mode, "lump_sum": amount(form, "lump_sum", errors, label="fixed amount"),
             "royalty_pct": amount(form, "royalty_pct", errors, label="royalty rate", maximum=Decimal(1000)),
             "royalty_basis": text(form, "royalty_basis", 20) or None,
             "payable_after_months": whole(form, "payable_after_months", errors, label="months before payment")}
    if terms["royalty_pct"] is None:
        terms["royalty_basis"] = None
    return terms


# Where a named check's refusal is shown on the pages' forms.
PROBLEM_FIELDS = {
    "patent_number": "patent", "patentee": "patentee", "payment_mode": "fee_mode", "fee_standard": "fee_mode",
    "fee_cap": "fee_mode", "royalty_basis": "royalty_basis", "term": "term", "term_minimum": "term", "term_within_expiry": "term",
    "promotional_language": "other_terms", "team_share": "team_share", "team_share_floor": "team_share",
    "staff_share_floor": "staff_share",
}


def place(exc: LicensingError, errors: FormErrors, *, default: str = "form") -> None:
    """Put a service's refusal next to the field it concerns (named checks and field errors), else on top."""
    if isinstance(exc, RuleViolation):
        for problem in exc.problems:
            errors.add(PROBLEM_FIELDS.get(problem.check, default), f"[{problem.check}] {problem.message}")
    elif isinstance(exc, FieldError):
        errors.add(exc.field, str(exc))
    else:
        errors.add(default, str(exc))


def problems_by_check(problems: list[dict] | list[Problem]) -> dict[str, list[str]]:
    """check name → messages, for the tables that list every check by name."""
    out: dict[str, list[str]] = {}
    for p in problems:
        check, message = (p["check"], p["message"]) if isinstance(p, dict) else (p.check, p.message)
        out.setdefault(check, []).append(message)
    return out
