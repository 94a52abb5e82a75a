"""Facts for the metrics: sets of patent ids with one property each, read through the features that own
the data. Every other feature is imported lazily; when one is missing, its facts are ``None`` and
``reasons`` says why, so the metric is reported as unavailable instead of 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhuo.patents.models import LegalEvent, Patent

SIGNED = ("signed", "recorded", "terminated")  # a contract that was signed (it may have ended since)
OPEN_LICENCE_IN_USE = ("effective", "recorded", "terminated")


@dataclass(frozen=True)
class Scope:
    """Whose patents: everyone's (operator), one institution's, or one department's; facts up to ``as_of``
    (None = everything recorded so far). Legal status is always the current one."""

    institution_id: int | None = None
    department_id: int | None = None
    as_of: date | None = None

    @property
    def cutoff(self) -> datetime | None:
        """First instant after ``as_of`` (for timestamps)."""
        if self.as_of is None:
            return None
        return datetime.combine(self.as_of + timedelta(days=1), time.min, tzinfo=UTC)


@dataclass
class Facts:
    """Fact sets by name and the reason for each missing one."""

    sets: dict[str, set[int] | None] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    scope_ids: set[int] = field(default_factory=set)

    def put(self, name: str, ids, scope_ids: set[int]) -> None:
        self.sets[name] = set(ids) & scope_ids

    def missing(self, name: str, reason: str) -> None:
        self.sets[name] = None
        self.reasons[name] = reason


def scoped_patents(stmt, scope: Scope):
    """Restrict a statement that selects from ``patents`` to the scope."""
    if scope.institution_id is not None:
        stmt = stmt.where(Patent.institution_id == scope.institution_id)
    if scope.department_id is not None:
        stmt = stmt.where(Patent.department_id == scope.department_id)
    return stmt


def _on_or_before(column, day: date | None):
    return True if day is None else (column.is_(None) | (column <= day))


def patent_facts(db_session: Session, scope: Scope, facts: Facts) -> None:
    """``scope`` (every patent in scope), ``valid``, ``invention``, ``lapsed``, and legal-event evidence."""
    rows = db_session.execute(scoped_patents(
        select(Patent.id, Patent.legal_status, Patent.patent_type, Patent.extra), scope)).all()
    ids = {r[0] for r in rows}
    facts.scope_ids = ids
    facts.put("scope", ids, ids)
    facts.put("valid", (r[0] for r in rows if r[1] == "valid"), ids)
    facts.put("invention", (r[0] for r in rows if r[2] == "invention"), ids)
    facts.put("lapsed", (r[0] for r in rows if r[1] == "lapsed"), ids)
    facts.put("flagged_industrialised", (r[0] for r in rows if (r[3] or {}).get("industrialised")), ids)
    events = db_session.execute(
        select(LegalEvent.patent_id, LegalEvent.kind)
        .where(LegalEvent.kind.in_(("licence", "transfer")), _on_or_before(LegalEvent.event_date, scope.as_of))).all()
    facts.put("licence_event", (p for p, k in events if k == "licence"), ids)
    facts.put("transfer_event", (p for p, k in events if k == "transfer"), ids)


def inventory_facts(db_session: Session, scope: Scope, facts: Facts) -> None:
    """``inventoried`` (record approved by the institution) and ``in_library`` (published, not withdrawn)."""
    try:
        from panhuo.inventory.models import InventoryItem, LibraryPublication
        from panhuo.inventory.rules import ItemStatus
    except ImportError as exc:
        for name in ("inventoried", "in_library"):
            facts.missing(name, f"the inventory feature is not installed ({exc.name})")
        return
    stmt = select(InventoryItem.patent_id).where(InventoryItem.status == ItemStatus.ACCEPTED)
    if scope.cutoff is not None:
        stmt = stmt.where(InventoryItem.accepted_at < scope.cutoff)
    facts.put("inventoried", db_session.scalars(stmt), facts.scope_ids)
    pub = select(LibraryPublication.patent_id)
    if scope.cutoff is None:
        pub = pub.where(LibraryPublication.withdrawn_at.is_(None))
    else:
        pub = pub.where(LibraryPublication.published_at < scope.cutoff,
                        LibraryPublication.withdrawn_at.is_(None) | (LibraryPublication.withdrawn_at >= scope.cutoff))
    facts.put("in_library", db_session.scalars(pub), facts.scope_ids)


def valuation_facts(db_session: Session, scope: Scope, facts: Facts, *, min_grade: int) -> None:
    """From the latest self-assessment: ``good_prospect`` and ``self_implemented``; ``enterprise_evaluated``."""
    try:
        from panhuo.valuation.models import EnterpriseFeedback, SelfAssessment
    except ImportError as exc:
        for name in ("good_prospect", "self_implemented", "enterprise_evaluated"):
            facts.missing(name, f"the valuation feature is not installed ({exc.name})")
        return
    newest = select(func.max(SelfAssessment.id)).group_by(SelfAssessment.patent_id)
    if scope.as_of is not None:
        newest = newest.where(SelfAssessment.assessed_on <= scope.as_of)
    rows = db_session.execute(select(SelfAssessment.patent_id, SelfAssessment.value_grade,
                                     SelfAssessment.implemented).where(SelfAssessment.id.in_(newest))).all()
    facts.put("good_prospect", (p for p, g, _ in rows if g is not None and g >= min_grade), facts.scope_ids)
    facts.put("self_implemented", (p for p, _, imp in rows if imp), facts.scope_ids)
    fb = select(EnterpriseFeedback.patent_id).distinct()
    if scope.as_of is not None:
        fb = fb.where(EnterpriseFeedback.given_on <= scope.as_of)
    facts.put("enterprise_evaluated", db_session.scalars(fb), facts.scope_ids)


def licensing_facts(db_session: Session, scope: Scope, facts: Facts) -> None:
    """``licensed``, ``transferred``, ``equity`` (signed contracts, open licences in use, legal events) and
    ``industrialised`` (royalty periods with reported sales or profit, or a flagged record)."""
    try:
        from panhuo.licensing.models import Contract, ContractPatent, OpenLicence, Payment
    except ImportError as exc:
        for name in ("licensed", "transferred", "equity"):
            facts.missing(name, f"the licensing feature is not installed ({exc.name}); legal events alone "
                                f"are not used so that the rate is not silently understated")
        facts.put("industrialised", facts.sets["flagged_industrialised"], facts.scope_ids)
        return
    rows = db_session.execute(
        select(ContractPatent.patent_id, Contract.kind).join(Contract, Contract.id == ContractPatent.contract_id)
        .where(Contract.status.in_(SIGNED), _on_or_before(Contract.signed_on, scope.as_of))).all()
    used = select(OpenLicence.patent_id).where(OpenLicence.status.in_(OPEN_LICENCE_IN_USE),
                                               _on_or_before(OpenLicence.effective_on, scope.as_of))
    ids = facts.scope_ids
    facts.put("licensed", {p for p, k in rows if k == "licence"} | set(db_session.scalars(used))
              | facts.sets["licence_event"], ids)
    facts.put("transferred", {p for p, k in rows if k == "transfer"} | facts.sets["transfer_event"], ids)
    facts.put("equity", (p for p, k in rows if k == "equity"), ids)
    sales = (select(ContractPatent.patent_id).join(Payment, Payment.contract_id == ContractPatent.contract_id)
             .where(Payment.kind == "royalty", Payment.reported_base > 0,
                    _on_or_before(Payment.due_date, scope.as_of)))
    facts.put("industrialised", set(db_session.scalars(sales)) | facts.sets["flagged_industrialised"], ids)


def gather(db_session: Session, scope: Scope, *, min_grade: int = 4) -> Facts:
    """Every fact set the metric definitions may name."""
    facts = Facts()
    patent_facts(db_session, scope, facts)
    inventory_facts(db_session, scope, facts)
    valuation_facts(db_session, scope, facts, min_grade=min_grade)
    licensing_facts(db_session, scope, facts)
    return facts
