"""The annual-fee engine (pure: no I/O, no session).

Conventions (see docs/fees.md):

- Patent year n runs from the (n−1)th to the nth anniversary of the filing date (专利法 Art. 42).
- Fees are payable from the grant year g (Art. 43). The grant-year fee is paid with registration
  (细则 Art. 114): its due date is taken as the grant date. The fee for a later year n is due on the
  anniversary that starts it, ``filing + (n−1) years`` (Art. 115, "在上一年度期满前").
- 费减 applies to years g … g+9 (ten years from the grant year); the open-licence 15 % applies to fees
  falling due while the open licence is in force; the two are never combined: the larger one applies.
- Money is integer fen (分). Percentages are integers; a reduced fee is rounded half-up to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from panhuo.fees.dates import add_months, add_years, full_years_between
from panhuo.fees.schedule import FeeSchedule

FEN = 100  # fen per yuan

BASIS_NONE = "none"
BASIS_FEE_REDUCTION = "fee_reduction"  # 费减
BASIS_OPEN_LICENCE = "open_licence"  # 开放许可年费减缴
BASIS_COMPENSATION = "term_compensation"  # 补偿期年费


def yuan_to_fen(yuan: int) -> int:
    return int(yuan) * FEN


def reduce_fen(full_fen: int, pct: int) -> int:
    """``full_fen`` less ``pct`` per cent, rounded half-up to the fen."""
    return (full_fen * (100 - pct) + 50) // 100


# ------------------------------------------------------------------------------------------ patent years


def patent_year(filing_date: date, on: date) -> int:
    """The patent year that contains ``on`` (year 1 starts on the filing date)."""
    return full_years_between(filing_date, on) + 1


def anniversary_due(filing_date: date, year: int) -> date:
    """The anniversary that starts patent year ``year`` (the ordinary due date of its fee)."""
    return add_years(filing_date, year - 1)


def expiry_date(filing_date: date, term_years: int) -> date:
    """The day the statutory term ends (the last day in force is the day before)."""
    return add_years(filing_date, term_years)


# ---------------------------------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class ReductionDecision:
    """The 费减 rate the owners qualify for, with the reason in Chinese and English and any flags."""

    pct: int
    reason: str
    flags: tuple[str, ...] = ()


def reduction_for_owners(eligible: Sequence[bool | None], schedule: FeeSchedule, *,
                         unknown_as: bool = False) -> ReductionDecision:
    """费减 rate from each owner's eligibility (True, False, or None = unknown, counted as ``unknown_as``).

    One eligible owner → the sole-owner rate (85 %); two or more, all eligible → the joint rate (70 %);
    any ineligible owner → no reduction, flagged ``joint_ineligible_owner`` when the others qualify.
    """
    if not eligible:
        return ReductionDecision(0, "权利人未知，不计费减 / owners unknown: no reduction", ("owners_unknown",))
    flags: list[str] = []
    if any(e is None for e in eligible):
        flags.append("eligibility_assumed")
    resolved = [unknown_as if e is None else bool(e) for e in eligible]
    if not all(resolved):
        if len(resolved) > 1 and any(resolved):
            flags.append("joint_ineligible_owner")
            return ReductionDecision(0, "共有权利人中有不符合费减条件者，不能费减 / a co-owner does not qualify: "
                                        "no reduction", tuple(flags))
        return ReductionDecision(0, "权利人不符合费减条件 / the owner does not qualify", tuple(flags))
    if len(resolved) == 1:
        return ReductionDecision(schedule.sole_owner_pct, f"单一权利人符合费减条件，减缴{schedule.sole_owner_pct}% / "
                                                          f"sole eligible owner: {schedule.sole_owner_pct} % off",
                                 tuple(flags))
    return ReductionDecision(schedule.joint_owners_pct, f"全部{len(resolved)}个共有权利人均符合费减条件，减缴"
                                                        f"{schedule.joint_owners_pct}% / all {len(resolved)} co-owners "
                                                        f"qualify: {schedule.joint_owners_pct} % off", tuple(flags))


# ---------------------------------------------------------------------------------------- fee by year


@dataclass(frozen=True)
class FeeCase:
    """What the engine needs to know about one patent."""

    patent_type: str  # invention / utility_model / design
    filing_date: date
    grant_date: date | None = None
    reduction_pct: int = 0  # 费减 rate the owners qualify for (0, 70, 85)
    open_licence_since: date | None = None
    open_licence_until: date | None = None
    compensation_days: int = 0  # granted patent-term compensation (发明), in days


@dataclass(frozen=True)
class FeeYear:
    """One annual fee: the patent year, when it is due, the full fee, the reduction applied and the amount."""

    year: int
    due_date: date
    full_fen: int
    pct: int
    basis: str
    fee_fen: int


def grant_year(case: FeeCase) -> int | None:
    """Patent year in which the patent was granted (None while pending)."""
    return patent_year(case.filing_date, case.grant_date) if case.grant_date else None


def reduction_window(case: FeeCase, schedule: FeeSchedule) -> tuple[int, int] | None:
    """First and last patent year with 费减 (if the owners qualify), capped at the term."""
    g = grant_year(case)
    if g is None:
        return None
    return g, min(g + schedule.window_years - 1, schedule.term(case.patent_type))


def reduction_window_end(case: FeeCase, schedule: FeeSchedule) -> date | None:
    """The date the 费减 window closes: the start of year g+10, or the expiry date if that comes first."""
    window = reduction_window(case, schedule)
    return None if window is None else add_years(case.filing_date, window[1])


def due_date(case: FeeCase, year: int) -> date:
    """Due date of the fee for ``year``: the grant date for the grant year, else the anniversary."""
    g = grant_year(case)
    if g is not None and year == g:
        return case.grant_date  # type: ignore[return-value]
    return anniversary_due(case.filing_date, year)


def open_licence_active(case: FeeCase, on: date) -> bool:
    """Whether an open licence is in force on ``on``."""
    return (case.open_licence_since is not None and case.open_licence_since <= on
            and (case.open_licence_until is None or on <= case.open_licence_until))


def fee_for_year(case: FeeCase, year: int, schedule: FeeSchedule) -> FeeYear:
    """The fee for one patent year of a granted patent, with the single most favourable reduction."""
    due = due_date(case, year)
    full = yuan_to_fen(schedule.full_fee(case.patent_type, year))
    window = reduction_window(case, schedule)
    fr = case.reduction_pct if window and window[0] <= year <= window[1] else 0
    ol = schedule.open_licence_pct if open_licence_active(case, due) else 0
    if fr <= 0 and ol <= 0:
        return FeeYear(year, due, full, 0, BASIS_NONE, full)
    pct, basis = (fr, BASIS_FEE_REDUCTION) if fr >= ol else (ol, BASIS_OPEN_LICENCE)
    return FeeYear(year, due, full, pct, basis, reduce_fen(full, pct))


def compensation_years(case: FeeCase, schedule: FeeSchedule) -> int:
    """Whole years of term compensation charged (a part-year is not charged)."""
    if case.compensation_days <= 0:
        return 0
    end = expiry_date(case.filing_date, schedule.term(case.patent_type))
    return full_years_between(end, end + timedelta(days=case.compensation_days))


def fee_years(case: FeeCase, schedule: FeeSchedule) -> list[FeeYear]:
    """Every annual fee from the grant year to the end of the term, then the compensation years."""
    g = grant_year(case)
    if g is None:
        return []
    term = schedule.term(case.patent_type)
    years = [fee_for_year(case, n, schedule) for n in range(g, term + 1)]
    comp = yuan_to_fen(schedule.compensation_annual_fee)
    for i in range(1, compensation_years(case, schedule) + 1):
        years.append(FeeYear(term + i, anniversary_due(case.filing_date, term + i), comp, 0, BASIS_COMPENSATION,
                             comp))
    return years


# ----------------------------------------------------------------------------------------- per patent


@dataclass(frozen=True)
class Cliff:
    """A year whose fee is higher than the year before: a natural review point."""

    year: int
    due_date: date
    fee_before_fen: int
    fee_after_fen: int
    kinds: tuple[str, ...]  # schedule_step, reduction_end, open_licence_end, term_compensation

    @property
    def ratio(self) -> float:
        return self.fee_after_fen / self.fee_before_fen if self.fee_before_fen else float("inf")


@dataclass(frozen=True)
class FeeFacts:
    """Fee facts of one patent as of a date."""

    as_of: date
    patent_year: int
    grant_year: int | None
    next_due: FeeYear | None
    cost_to_expiry_fen: int
    reduction_window: tuple[int, int] | None
    reduction_window_end: date | None
    expiry_date: date
    cliffs: list[Cliff] = field(default_factory=list)
    open_licence_saving_fen: int = 0  # what an open licence (the one in force, or one declared now) saves
    remaining: list[FeeYear] = field(default_factory=list)

    @property
    def next_cliff(self) -> Cliff | None:
        return self.cliffs[0] if self.cliffs else None


def _cliffs(years: list[FeeYear], first_index: int) -> list[Cliff]:
    found = []
    for i in range(max(first_index, 1), len(years)):
        before, after = years[i - 1], years[i]
        if after.fee_fen <= before.fee_fen:
            continue
        kinds = []
        if after.basis == BASIS_COMPENSATION:
            kinds.append("term_compensation")
        elif after.full_fen > before.full_fen:
            kinds.append("schedule_step")
        if before.basis == BASIS_FEE_REDUCTION and after.pct < before.pct:
            kinds.append("reduction_end")
        if before.basis == BASIS_OPEN_LICENCE and after.pct < before.pct:
            kinds.append("open_licence_end")
        found.append(Cliff(after.year, after.due_date, before.fee_fen, after.fee_fen, tuple(kinds)))
    return found


def cost_to_expiry(case: FeeCase, as_of: date, schedule: FeeSchedule) -> int:
    """Fen still to pay: every fee due on or after ``as_of``."""
    return sum(y.fee_fen for y in fee_years(case, schedule) if y.due_date >= as_of)


def fee_facts(case: FeeCase, as_of: date, schedule: FeeSchedule) -> FeeFacts:
    """Next due fee, cost to expiry, 费减 window, cliffs and the open-licence effect, as of ``as_of``.

    Fees due on or after ``as_of`` are counted as unpaid; earlier ones as paid.
    """
    years = fee_years(case, schedule)
    first = next((i for i, y in enumerate(years) if y.due_date >= as_of), len(years))
    remaining = years[first:]
    without_ol = replace(case, open_licence_since=None, open_licence_until=None)
    with_ol = case if case.open_licence_since else replace(case, open_licence_since=as_of)
    saving = cost_to_expiry(without_ol, as_of, schedule) - cost_to_expiry(with_ol, as_of, schedule)
    return FeeFacts(
        as_of=as_of, patent_year=patent_year(case.filing_date, as_of), grant_year=grant_year(case),
        next_due=remaining[0] if remaining else None, cost_to_expiry_fen=sum(y.fee_fen for y in remaining),
        reduction_window=reduction_window(case, schedule), reduction_window_end=reduction_window_end(case, schedule),
        expiry_date=expiry_date(case.filing_date, schedule.term(case.patent_type)),
        cliffs=_cliffs(years, first), open_licence_saving_fen=saving, remaining=remaining,
    )


# ------------------------------------------------------------------------------- late payment and lapse


@dataclass(frozen=True)
class LatePayment:
    """The surcharge (滞纳金) for paying after the due date."""

    due_date: date
    paid_on: date
    late_month: int  # 0 = on time; N = paid in the Nth month after the due date
    surcharge_pct: int
    surcharge_fen: int
    grace_end: date
    lapsed: bool  # paid after the grace period: too late, the patent has terminated
    month_rule: str


def late_month(due: date, paid_on: date) -> int:
    """0 if paid on or before ``due``; else N where ``due + (N−1) months < paid_on <= due + N months``."""
    if paid_on <= due:
        return 0
    n = 1
    while add_months(due, n) < paid_on:
        n += 1
    return n


def surcharge_pct(month: int, schedule: FeeSchedule, rule: str | None = None) -> int:
    """Surcharge per cent for paying in late month ``month`` under ``rule`` (default: the schedule's)."""
    rule = rule or schedule.month_rule
    if month <= 0:
        return 0
    counted = month - 1 if rule == "full_months" else month
    if rule not in ("full_months", "started_months"):
        raise ValueError(f"unknown month rule {rule!r}")
    return schedule.surcharge_pct_per_month * counted


def late_payment(full_fen: int, due: date, paid_on: date, schedule: FeeSchedule,
                 rule: str | None = None) -> LatePayment:
    """Surcharge on the FULL fee for a payment on ``paid_on``; ``lapsed`` when past the grace period."""
    rule = rule or schedule.month_rule
    month = late_month(due, paid_on)
    grace_end = add_months(due, schedule.grace_months)
    if month > schedule.grace_months:
        return LatePayment(due, paid_on, month, 0, 0, grace_end, True, rule)
    pct = surcharge_pct(month, schedule, rule)
    return LatePayment(due, paid_on, month, pct, (full_fen * pct + 50) // 100, grace_end, False, rule)


@dataclass(frozen=True)
class LapseFacts:
    """What happens when a fee is not paid: grace end, termination date, restoration deadline and cost."""

    due_date: date
    grace_end: date
    lapse_effective: date  # the patent terminates as of the original due date
    notice_date: date
    notice_estimated: bool
    restore_deadline: date
    restoration_cost_fen: int  # the fee + the maximum surcharge + the restoration fee


def lapse_facts(fee: FeeYear, schedule: FeeSchedule, *, notice_date: date | None = None,
                electronic: bool = True) -> LapseFacts:
    """Lapse and restoration facts for an unpaid fee.

    Without the CNIPA notice date, the notice is assumed to issue at the end of the grace period (the earliest
    possible). A postal notice is deemed received ``deemed_receipt_days`` after it is sent; electronic on the day.
    """
    grace_end = add_months(fee.due_date, schedule.grace_months)
    notice = notice_date or grace_end
    receipt = notice if electronic else notice + timedelta(days=schedule.deemed_receipt_days)
    max_pct = surcharge_pct(schedule.grace_months, schedule)
    cost = fee.fee_fen + (fee.full_fen * max_pct + 50) // 100 + yuan_to_fen(schedule.restoration_fee)
    return LapseFacts(fee.due_date, grace_end, fee.due_date, notice, notice_date is None,
                      add_months(receipt, schedule.restoration_months), cost)


def compensation_fees(case: FeeCase, schedule: FeeSchedule) -> tuple[int, int]:
    """(years charged, total fen incl. the request fee) for the patent-term compensation of ``case``."""
    years = compensation_years(case, schedule)
    if case.compensation_days <= 0:
        return 0, 0
    return years, yuan_to_fen(schedule.compensation_request_fee) + years * yuan_to_fen(
        schedule.compensation_annual_fee)
