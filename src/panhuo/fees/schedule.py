"""The fee schedule as data: load, validate and pick an edition by effective date.

An edition is one YAML file in ``panhuo/fees/data/`` (or a folder the user names) with the annual fees by
patent year, the 费减 and open-licence reductions, the grace/surcharge rule, restoration and term
compensation. Every number has a source and an evidence label (C/S/U/I). :func:`load_schedule` rejects
malformed files with errors that name the file and the offending key; :func:`schedule_for` returns the
edition in force on a date.

Example::

    schedule = schedule_for(date(2025, 1, 1))
    schedule.full_fee("invention", 14)        # 6000
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
PATENT_TYPES = ("invention", "utility_model", "design")
LABELS = {"C", "S", "U", "I"}
MONTH_RULES = ("full_months", "started_months")


class FeeScheduleError(ValueError):
    """A fee schedule file is missing, malformed or inconsistent."""


class NoScheduleInForce(LookupError):
    """No loaded edition was in force on the requested date."""


@dataclass(frozen=True)
class FeeSchedule:
    """One validated edition of the fee rules. Amounts in CNY, percentages as integers."""

    edition: str
    effective_from: date
    terms: dict[str, int]
    fees: dict[str, tuple[int, ...]]  # patent type → fee for patent year 1 … term (index 0 = year 1)
    sole_owner_pct: int = 85
    joint_owners_pct: int = 70
    window_years: int = 10
    eligible_kinds: frozenset[str] = frozenset({"university", "institute", "hospital", "government"})
    open_licence_pct: int = 15
    grace_months: int = 6
    surcharge_pct_per_month: int = 5
    month_rule: str = "full_months"
    restoration_months: int = 2
    deemed_receipt_days: int = 15
    restoration_fee: int = 1000
    compensation_request_fee: int = 200
    compensation_annual_fee: int = 8000
    title: str = ""
    provenance: dict[str, dict] = field(default_factory=dict)  # key → {"source", "label", "note"}
    sources: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    def term(self, patent_type: str) -> int:
        """Statutory term in years (专利法 Art. 42)."""
        return self.terms[_check_type(patent_type)]

    def full_fee(self, patent_type: str, year: int) -> int:
        """Un-reduced annual fee (CNY) for a patent year; 0 outside 1 … term."""
        table = self.fees[_check_type(patent_type)]
        return table[year - 1] if 1 <= year <= len(table) else 0

    def total(self, patent_type: str) -> int:
        """Full-price total over the whole term."""
        return sum(self.fees[_check_type(patent_type)])

    def remaining_from(self, patent_type: str, year: int) -> int:
        """Full-price cost of years ``year`` … term."""
        return sum(self.fees[_check_type(patent_type)][max(year, 1) - 1:])

    def with_month_rule(self, rule: str) -> FeeSchedule:
        """A copy with another surcharge month-counting rule (``full_months`` or ``started_months``)."""
        if rule not in MONTH_RULES:
            raise FeeScheduleError(f"unknown month rule {rule!r}; expected one of {', '.join(MONTH_RULES)}")
        from dataclasses import replace

        return replace(self, month_rule=rule)


def _check_type(patent_type: str) -> str:
    if patent_type not in PATENT_TYPES:
        raise ValueError(f"unknown patent type {patent_type!r}; expected one of {', '.join(PATENT_TYPES)}")
    return patent_type


# ---------------------------------------------------------------------------------------------- loading


class _Reader:
    """Walks the parsed YAML and raises errors that name the file and the key path."""

    def __init__(self, doc: dict, origin: str):
        self.doc = doc
        self.origin = origin
        self.provenance: dict[str, dict] = {}

    def error(self, where: str, message: str) -> FeeScheduleError:
        return FeeScheduleError(f"{self.origin}: {where}: {message}")

    def node(self, *keys: str) -> Any:
        current: Any = self.doc
        for i, key in enumerate(keys):
            if not isinstance(current, dict) or key not in current:
                raise self.error(".".join(keys[: i + 1]), "missing")
            current = current[key]
        return current

    def valued(self, *keys: str, kind: type | tuple = int, lo: int | None = None, hi: int | None = None) -> Any:
        """A ``{value, source, label}`` entry; checks the type, range and evidence label."""
        where = ".".join(keys)
        entry = self.node(*keys)
        if not isinstance(entry, dict) or "value" not in entry:
            raise self.error(where, "expected a mapping with value, source and label")
        self._check_provenance(where, entry)
        value = entry["value"]
        if isinstance(value, bool) and kind is not bool:
            raise self.error(where, f"expected {getattr(kind, '__name__', kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.error(where, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
        if lo is not None and value < lo or hi is not None and value > hi:
            raise self.error(where, f"{value} is outside {lo} … {hi}")
        return value

    def _check_provenance(self, where: str, entry: dict) -> None:
        if not entry.get("source"):
            raise self.error(where, "every number needs a source")
        if entry.get("label") not in LABELS:
            raise self.error(where, f"evidence label must be one of C, S, U, I (got {entry.get('label')!r})")
        sources = self.doc.get("sources") or {}
        if entry["source"] not in sources:
            raise self.error(where, f"source {entry['source']!r} is not listed under 'sources'")
        self.provenance[where] = {k: entry.get(k) for k in ("source", "label", "note") if entry.get(k) is not None}

    def fee_table(self, patent_type: str, term: int) -> tuple[int, ...]:
        where = f"annual_fees.{patent_type}"
        entry = self.node("annual_fees", patent_type)
        if not isinstance(entry, dict) or not isinstance(entry.get("steps"), list):
            raise self.error(where, "expected a mapping with source, label and a list of steps")
        self._check_provenance(where, entry)
        table: list[int | None] = [None] * term
        for i, step in enumerate(entry["steps"]):
            at = f"{where}.steps[{i}]"
            years, fee = (step or {}).get("years"), (step or {}).get("fee")
            if not (isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years)):
                raise self.error(at, f"years must be [first, last], got {years!r}")
            if not isinstance(fee, int) or isinstance(fee, bool) or fee <= 0:
                raise self.error(at, f"fee must be a positive whole number of yuan, got {fee!r}")
            first, last = years
            if not 1 <= first <= last <= term:
                raise self.error(at, f"years {first}–{last} are outside the {term}-year term")
            for year in range(first, last + 1):
                if table[year - 1] is not None:
                    raise self.error(at, f"patent year {year} is listed twice")
                table[year - 1] = fee
        missing = [str(i + 1) for i, v in enumerate(table) if v is None]
        if missing:
            raise self.error(where, f"no fee for patent year(s) {', '.join(missing)}")
        return tuple(table)  # type: ignore[arg-type]


def parse_schedule(doc: Any, origin: str = "<schedule>") -> FeeSchedule:
    """Validate a parsed YAML document and build a :class:`FeeSchedule`."""
    if not isinstance(doc, dict):
        raise FeeScheduleError(f"{origin}: expected a YAML mapping at the top level")
    r = _Reader(doc, origin)
    edition = r.node("edition")
    effective = r.node("effective_from")
    if not isinstance(edition, str) or not edition:
        raise r.error("edition", "expected a non-empty name")
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            raise r.error("effective_from", f"not an ISO date: {effective!r}") from None
    if not isinstance(effective, date):
        raise r.error("effective_from", f"expected a date (YYYY-MM-DD), got {effective!r}")
    terms = {t: r.valued("term_years", t, lo=1, hi=30) for t in PATENT_TYPES}
    fees = {t: r.fee_table(t, terms[t]) for t in PATENT_TYPES}
    kinds = r.valued("fee_reduction", "eligible_kinds", kind=list)
    combine = r.valued("open_licence", "combine", kind=str)
    if combine != "most_favourable":
        raise r.error("open_licence.combine", f"only 'most_favourable' is supported, got {combine!r}")
    if r.valued("late_payment", "surcharge_base", kind=str) != "full":
        raise r.error("late_payment.surcharge_base", "only 'full' (the un-reduced fee) is supported")
    month_rule = r.valued("late_payment", "month_rule", kind=str)
    if month_rule not in MONTH_RULES:
        raise r.error("late_payment.month_rule", f"expected one of {', '.join(MONTH_RULES)}, got {month_rule!r}")
    if r.valued("term_compensation", "part_year_charged", kind=bool):
        raise r.error("term_compensation.part_year_charged", "charging part-years is not supported")
    r.valued("late_payment", "lapse_effective", kind=str)
    return FeeSchedule(
        edition=edition, effective_from=effective, terms=terms, fees=fees,
        sole_owner_pct=r.valued("fee_reduction", "sole_owner_pct", lo=0, hi=100),
        joint_owners_pct=r.valued("fee_reduction", "joint_owners_pct", lo=0, hi=100),
        window_years=r.valued("fee_reduction", "window_years", lo=0, hi=30),
        eligible_kinds=frozenset(str(k) for k in kinds),
        open_licence_pct=r.valued("open_licence", "reduction_pct", lo=0, hi=100),
        grace_months=r.valued("late_payment", "grace_months", lo=0, hi=24),
        surcharge_pct_per_month=r.valued("late_payment", "surcharge_pct_per_month", lo=0, hi=100),
        month_rule=month_rule,
        restoration_months=r.valued("restoration", "deadline_months", lo=0, hi=48),
        deemed_receipt_days=r.valued("restoration", "deemed_receipt_days", lo=0, hi=60),
        restoration_fee=r.valued("restoration", "fee", lo=0),
        compensation_request_fee=r.valued("term_compensation", "request_fee", lo=0),
        compensation_annual_fee=r.valued("term_compensation", "annual_fee", lo=0),
        title=str(doc.get("title") or ""), provenance=r.provenance,
        sources={str(k): str(v) for k, v in (doc.get("sources") or {}).items()}, path=origin,
    )


def load_schedule(path: Path | str) -> FeeSchedule:
    """Read and validate one edition file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeeScheduleError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise FeeScheduleError(f"{path}: not valid YAML ({exc})") from None
    return parse_schedule(doc, str(path))


def load_schedules(*folders: Path | str) -> list[FeeSchedule]:
    """Every edition in the package's data folder and in ``folders``, oldest first."""
    seen: dict[str, FeeSchedule] = {}
    for folder in (DATA_DIR, *folders):
        for path in sorted(Path(folder).glob("*.y*ml")):
            schedule = load_schedule(path)
            if schedule.edition in seen and seen[schedule.edition].path != schedule.path:
                raise FeeScheduleError(f"{path}: edition {schedule.edition!r} is also defined in "
                                       f"{seen[schedule.edition].path}")
            seen[schedule.edition] = schedule
    return sorted(seen.values(), key=lambda s: s.effective_from)


@lru_cache(maxsize=1)
def _bundled() -> tuple[FeeSchedule, ...]:
    return tuple(load_schedules())


def schedule_for(on: date | None = None, editions: list[FeeSchedule] | None = None) -> FeeSchedule:
    """The edition in force on ``on`` (default: the newest).

    Dates before the oldest edition get the oldest one (the amounts predate its legal date); an empty pool
    raises :class:`NoScheduleInForce`.
    """
    pool = list(editions) if editions is not None else list(_bundled())
    if not pool:
        raise NoScheduleInForce("no fee schedule editions are loaded")
    pool.sort(key=lambda s: s.effective_from)
    if on is None:
        return pool[-1]
    in_force = [s for s in pool if s.effective_from <= on]
    return in_force[-1] if in_force else pool[0]


def default_schedule() -> FeeSchedule:
    """The newest bundled edition."""
    return schedule_for(None)
