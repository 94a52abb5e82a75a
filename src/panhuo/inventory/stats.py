"""Dashboard figures for the operator and for an institution (scoped by the principal's permissions)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhuo.accounts.models import Organisation
from panhuo.accounts.permissions import Principal, require
from panhuo.inventory.models import InventoryCampaign, InventoryItem, LibraryPublication
from panhuo.inventory.service import Scope
from panhuo.patents.models import Patent


def _where(stmt, column, institution_id: int | None):
    return stmt if institution_id is None else stmt.where(column == institution_id)


def dashboard(*, db_session: Session, principal: Principal, institution_id: int | None = None) -> dict:
    """Counts and distributions; ``institution_id=None`` is the operator's province-wide view."""
    if institution_id is None:
        require(principal, "dashboard.operator")
    else:
        require(principal, "dashboard.institution", Scope(institution_id))
    counts = lambda col: dict(db_session.execute(
        _where(select(col, func.count(Patent.id)), Patent.institution_id, institution_id).group_by(col)).all())
    by_status = counts(Patent.legal_status)
    by_type = counts(Patent.patent_type)
    sections = Counter()
    for ipc, n in counts(Patent.ipc_main).items():
        sections[(ipc or "?")[:1]] += n
    items = _where(select(InventoryItem.status, func.count(InventoryItem.id)), InventoryItem.institution_id,
                   institution_id).group_by(InventoryItem.status)
    item_status = dict(db_session.execute(items).all())
    self_grades = Counter()
    stmt = _where(select(InventoryItem.assessment), InventoryItem.institution_id, institution_id)
    for (assessment,) in db_session.execute(stmt.where(InventoryItem.status == "accepted")):
        self_grades[(assessment or {}).get("value_grade", "?")] += 1
    library = db_session.scalar(_where(select(func.count(LibraryPublication.id))
                                       .where(LibraryPublication.withdrawn_at.is_(None)),
                                       LibraryPublication.institution_id, institution_id)) or 0
    total_items = sum(item_status.values())
    grades, dispositions = _valuation(db_session, institution_id)
    return {"institution_id": institution_id, "patents": sum(by_status.values()), "by_legal_status": by_status,
            "by_type": by_type, "by_ipc_section": dict(sorted(sections.items())), "items_by_status": item_status,
            "inventory_rate": (item_status.get("accepted", 0) / total_items) if total_items else None,
            "self_grades": dict(self_grades), "grades": grades, "dispositions": dispositions, "library": library,
            "top_matches": _top_matches(db_session, institution_id),
            "per_institution": _per_institution(db_session) if institution_id is None else []}


def _per_institution(db_session: Session) -> list[dict]:
    """盘点率 per institution across all its campaigns (operator view)."""
    rows = db_session.execute(
        select(Organisation.id, Organisation.name, InventoryItem.status, func.count(InventoryItem.id))
        .join(InventoryCampaign, InventoryCampaign.institution_id == Organisation.id)
        .join(InventoryItem, InventoryItem.campaign_id == InventoryCampaign.id)
        .group_by(Organisation.id, Organisation.name, InventoryItem.status)).all()
    out: dict[int, dict] = {}
    for org_id, name, status, n in rows:
        entry = out.setdefault(org_id, {"institution_id": org_id, "name": name, "total": 0, "accepted": 0})
        entry["total"] += n
        entry["accepted"] += n if status == "accepted" else 0
    for entry in out.values():
        entry["rate"] = entry["accepted"] / entry["total"] if entry["total"] else None
    return sorted(out.values(), key=lambda e: e["name"])


def _scope_ids(db_session: Session, institution_id: int | None) -> list[int] | None:
    if institution_id is None:
        return None
    return list(db_session.scalars(select(Patent.id).where(Patent.institution_id == institution_id)))


def _valuation(db_session: Session, institution_id: int | None) -> tuple[dict, dict]:
    """Grade and disposition distributions from valuation's latest evaluations."""
    from panhuo.valuation import service as valuation_service

    ids = _scope_ids(db_session, institution_id)
    grades = Counter(valuation_service.grades_for(db_session=db_session, patent_ids=ids).values())
    dispositions = Counter(valuation_service.latest_dispositions(db_session=db_session, patent_ids=ids).values())
    return dict(grades), dict(dispositions)


def _top_matches(db_session: Session, institution_id: int | None, limit: int = 10) -> list[dict]:
    """The best demand ↔ patent matches involving the scope's patents (from ``panhuo.matching``)."""
    from panhuo.matching.models import Demand, DemandMatch

    stmt = (select(DemandMatch.score, Demand.id, Demand.title, Demand.enterprise_name, Patent.id, Patent.title)
            .join(Demand, Demand.id == DemandMatch.demand_id).join(Patent, Patent.id == DemandMatch.patent_id)
            .order_by(DemandMatch.score.desc()).limit(limit))
    stmt = _where(stmt, Patent.institution_id, institution_id)
    return [{"score": score, "demand_id": did, "demand": dtitle, "enterprise": ent, "patent_id": pid,
             "patent": ptitle} for score, did, dtitle, ent, pid, ptitle in db_session.execute(stmt)]
