"""Fee facts for patents in the database: owners' 费减 eligibility, open licences, calendars, portfolio totals.

Keyword-only functions, ``db_session`` first, never commit. The rules themselves are in
:mod:`panhuo.fees.engine`; this module only gathers the inputs.

Owner eligibility (费减): the current patentees (else the applicants). An owner linked to an
:class:`~panhuo.accounts.models.Organisation` with ``fee_reduction_eligible`` set uses that value. Otherwise
universities, institutes, hospitals and public bodies qualify (the schedule's ``eligible_kinds``); enterprises
get :attr:`EligibilityPolicy.enterprise` (default: not eligible — their income is unknown); individuals and
unknown kinds get :attr:`EligibilityPolicy.individual` (default: unknown). Unknown counts as
:attr:`EligibilityPolicy.unknown_as` (default: not eligible, so costs are never under-estimated).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from panhuo.accounts.models import Organisation
from panhuo.fees import engine
from panhuo.fees.dates import add_months
from panhuo.fees.schedule import PATENT_TYPES, FeeSchedule, schedule_for
from panhuo.patents.models import Patent, PatentParty

IN_FORCE_STATUSES = ("valid", "unknown")


@dataclass(frozen=True)
class EligibilityPolicy:
    """How owners whose eligibility is not recorded are treated."""

    enterprise: bool | None = False
    individual: bool | None = None
    unknown_as: bool = False


@dataclass(frozen=True)
class OwnerEligibility:
    name: str
    kind: str
    eligible: bool | None
    why: str


@dataclass
class PatentFees:
    """Everything `panhuo fees show` prints for one patent."""

    patent: Patent
    owners: list[OwnerEligibility]
    decision: engine.ReductionDecision
    case: engine.FeeCase | None
    facts: engine.FeeFacts | None
    problems: list[str] = field(default_factory=list)


def owners_of(patent: Patent) -> list[PatentParty]:
    """Current patentees, else the applicants."""
    return patent.parties_in("patentee") or patent.parties_in("applicant")


def owner_eligibility(*, db_session: Session, patent: Patent, schedule: FeeSchedule,
                      policy: EligibilityPolicy = EligibilityPolicy()) -> list[OwnerEligibility]:
    """Each owner's 费减 eligibility with the reason."""
    result = []
    for slot in owners_of(patent):
        party = slot.party
        org = db_session.get(Organisation, party.organisation_id) if party.organisation_id else None
        kind = party.kind or "unknown"
        if org is not None and org.fee_reduction_eligible is not None:
            eligible, why = org.fee_reduction_eligible, "机构记录 / recorded on the organisation"
        elif kind in schedule.eligible_kinds or (org is not None and org.kind in schedule.eligible_kinds):
            eligible, why = True, "事业单位/非营利科研机构 / public or non-profit research body"
        elif kind == "enterprise":
            eligible, why = policy.enterprise, "企业，收入未知，按设置 / enterprise, income unknown: policy default"
        else:
            eligible, why = policy.individual, "个人或类型未知，按设置 / individual or unknown kind: policy default"
        result.append(OwnerEligibility(slot.raw_name or party.name, kind, eligible, why))
    return result


def open_licence_since(*, db_session: Session, patent_id: int, on: date) -> date | None:
    """Start of the open licence in force on ``on`` (licensing's declarations), or None."""
    from panhuo.licensing import service as licensing_service  # here: licensing calls back into fees

    return licensing_service.active_open_licence_since(db_session=db_session, patent_id=patent_id, on=on)


def fees_for(*, db_session: Session, patent: Patent, as_of: date, schedule: FeeSchedule | None = None,
             policy: EligibilityPolicy = EligibilityPolicy()) -> PatentFees:
    """Fee facts of one patent as of ``as_of``; ``problems`` says why facts are missing."""
    schedule = schedule or schedule_for(as_of)
    owners = owner_eligibility(db_session=db_session, patent=patent, schedule=schedule, policy=policy)
    decision = engine.reduction_for_owners([o.eligible for o in owners], schedule, unknown_as=policy.unknown_as)
    problems = []
    if patent.patent_type not in PATENT_TYPES:
        problems.append(f"unknown patent type {patent.patent_type!r}")
    if patent.filing_date is None:
        problems.append("no filing date")
    if patent.grant_date is None:
        problems.append("not granted (no grant date): no annual fees yet")
    if patent.legal_status not in IN_FORCE_STATUSES:
        problems.append(f"legal status is {patent.legal_status}: no fees are payable")
    if patent.patent_type not in PATENT_TYPES or patent.filing_date is None:
        return PatentFees(patent, owners, decision, None, None, problems)
    case = engine.FeeCase(
        patent.patent_type, patent.filing_date, patent.grant_date, decision.pct,
        open_licence_since(db_session=db_session, patent_id=patent.id, on=as_of),
        compensation_days=int((patent.extra or {}).get("term_compensation_days") or 0),
    )
    return PatentFees(patent, owners, decision, case, engine.fee_facts(case, as_of, schedule), problems)


def portfolio(*, db_session: Session, institution_id: int | None = None,
              patent_ids: list[int] | None = None) -> list[Patent]:
    """Granted patents in force (status valid, or unknown with a grant date), with their owners loaded."""
    stmt = (select(Patent).options(selectinload(Patent.parties).selectinload(PatentParty.party))
            .where(Patent.grant_date.is_not(None), Patent.legal_status.in_(IN_FORCE_STATUSES))
            .order_by(Patent.id))
    if institution_id is not None:
        stmt = stmt.where(or_(Patent.institution_id == institution_id, Patent.department_id == institution_id))
    if patent_ids is not None:
        stmt = stmt.where(Patent.id.in_(patent_ids))
    return list(db_session.scalars(stmt))


@dataclass(frozen=True)
class CalendarEntry:
    """One fee falling due in the calendar window."""

    patent_id: int
    application_no: str
    title: str
    year: int
    due_date: date
    grace_end: date
    full_fen: int
    fee_fen: int
    pct: int
    basis: str


def payment_calendar(*, db_session: Session, as_of: date, months: int = 12, institution_id: int | None = None,
                     policy: EligibilityPolicy = EligibilityPolicy()) -> list[CalendarEntry]:
    """Every fee due in ``[as_of, as_of + months)``, by due date."""
    schedule, end = schedule_for(as_of), add_months(as_of, months)
    entries = []
    for patent in portfolio(db_session=db_session, institution_id=institution_id):
        pf = fees_for(db_session=db_session, patent=patent, as_of=as_of, schedule=schedule, policy=policy)
        if pf.facts is None:
            continue
        for fy in pf.facts.remaining:
            if fy.due_date >= end:
                break
            entries.append(CalendarEntry(patent.id, patent.application_no, patent.title, fy.year, fy.due_date,
                                         add_months(fy.due_date, schedule.grace_months), fy.full_fen, fy.fee_fen,
                                         fy.pct, fy.basis))
    return sorted(entries, key=lambda e: (e.due_date, e.application_no))


def monthly_totals(entries: list[CalendarEntry]) -> dict[str, int]:
    """Fen due per calendar month (``YYYY-MM``)."""
    totals: dict[str, int] = defaultdict(int)
    for e in entries:
        totals[e.due_date.strftime("%Y-%m")] += e.fee_fen
    return dict(sorted(totals.items()))


@dataclass(frozen=True)
class PortfolioCost:
    patents: int
    cost_to_expiry_fen: int
    next_12_months_fen: int
    dropped: int = 0
    saving_fen: int = 0
    saving_next_12_months_fen: int = 0
    without_facts: int = 0


def portfolio_cost(*, db_session: Session, as_of: date, institution_id: int | None = None,
                   drop_ids: set[int] | None = None,
                   policy: EligibilityPolicy = EligibilityPolicy()) -> PortfolioCost:
    """Total cost to expiry and over the next 12 months, and the saving if ``drop_ids`` are let lapse."""
    schedule, horizon = schedule_for(as_of), add_months(as_of, 12)
    drop_ids = drop_ids or set()
    total = year = saving = saving_year = counted = dropped = missing = 0
    for patent in portfolio(db_session=db_session, institution_id=institution_id):
        pf = fees_for(db_session=db_session, patent=patent, as_of=as_of, schedule=schedule, policy=policy)
        if pf.facts is None:
            missing += 1
            continue
        cost = pf.facts.cost_to_expiry_fen
        soon = sum(fy.fee_fen for fy in pf.facts.remaining if fy.due_date < horizon)
        counted, total, year = counted + 1, total + cost, year + soon
        if patent.id in drop_ids:
            dropped, saving, saving_year = dropped + 1, saving + cost, saving_year + soon
    return PortfolioCost(counted, total, year, dropped, saving, saving_year, missing)


def termination_set(*, db_session: Session, institution_id: int | None = None) -> set[int]:
    """Patent ids whose current disposition is 终止维持 (valuation's latest evaluations)."""
    from panhuo.valuation import service as valuation_service  # here: valuation's costs call into fees

    return set(valuation_service.patent_ids_with_disposition(db_session=db_session, disposition="终止维持",
                                                             institution_id=institution_id))


def resolve_institution(*, db_session: Session, ref: str) -> Organisation | None:
    """An organisation by id or exact name."""
    if ref.isdigit():
        return db_session.get(Organisation, int(ref))
    return db_session.scalars(select(Organisation).where(Organisation.name == ref).limit(1)).first()
