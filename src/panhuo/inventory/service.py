"""盘点 campaigns: scope, assignment, the self-assessment, the review chain and progress.

Keyword-only, session first, never commit. Every function that acts for a person takes ``principal`` and
checks the named permission itself (accounts/permissions.py), so the web pages, the API and the CLI share
one policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.accounts.models import Organisation, User
from panhuo.accounts.permissions import Principal, patent_scope, require
from panhuo.db import utcnow
from panhuo.inventory import rules, vocabulary
from panhuo.inventory.models import InventoryCampaign, InventoryComment, InventoryItem
from panhuo.patents.models import Patent


@dataclass(frozen=True)
class Scope:
    """An institution as a permission resource (campaign creation, dashboards)."""

    institution_id: int | None


class InventoryError(ValueError):
    """A campaign request that cannot be honoured (the message says why)."""


# ---------------------------------------------------------------- campaigns

def create_campaign(*, db_session: Session, principal: Principal, institution_id: int, name: str,
                    deadline: date | None = None, scope: dict | None = None) -> InventoryCampaign:
    """Start a campaign for an institution (institution admin or operator)."""
    require(principal, "campaign.create", Scope(institution_id))
    if not name.strip():
        raise InventoryError("a campaign needs a name")
    campaign = InventoryCampaign(institution_id=institution_id, name=name.strip()[:200], deadline=deadline,
                        scope=scope or {"legal_status": ["valid"]}, created_by=principal.username)
    db_session.add(campaign)
    db_session.flush()
    accounts_service.record_audit(db_session=db_session, action="campaign.create", actor=principal.username,
                                  entity="campaign", entity_id=campaign.id, organisation_id=institution_id,
                                  after={"name": campaign.name, "deadline": deadline and deadline.isoformat()})
    return campaign


def get_campaign(*, db_session: Session, campaign_id: int) -> InventoryCampaign | None:
    return db_session.get(InventoryCampaign, campaign_id)


def get_campaign_for(*, db_session: Session, principal: Principal, campaign_id: int) -> InventoryCampaign | None:
    """The campaign if the principal may view it (raises PermissionDenied otherwise; None when missing)."""
    campaign = get_campaign(db_session=db_session, campaign_id=campaign_id)
    if campaign is not None:
        require(principal, "campaign.view", campaign)
    return campaign


def list_campaigns(*, db_session: Session, principal: Principal) -> list[InventoryCampaign]:
    """Campaigns the principal may see (their institutions; all for the operator)."""
    stmt = select(InventoryCampaign).order_by(InventoryCampaign.created_at.desc(), InventoryCampaign.id.desc())
    scope = patent_scope(principal)
    if scope is not None:
        stmt = stmt.where(InventoryCampaign.institution_id.in_(scope or [-1]))
    return list(db_session.scalars(stmt))


def add_scope(*, db_session: Session, principal: Principal, campaign: InventoryCampaign,
              patent_ids: list[int] | None = None) -> int:
    """Add the institution's patents in the campaign's scope (or the given ones); returns how many were added.

    Items take the patent's department when it is known; patents already in the campaign are skipped.
    """
    require(principal, "campaign.manage", campaign)
    stmt = select(Patent.id, Patent.department_id).where(Patent.institution_id == campaign.institution_id)
    statuses = (campaign.scope or {}).get("legal_status")
    if patent_ids is not None:
        stmt = stmt.where(Patent.id.in_(patent_ids))
    elif statuses:
        stmt = stmt.where(Patent.legal_status.in_(statuses))
    present = set(db_session.scalars(select(InventoryItem.patent_id).where(InventoryItem.campaign_id == campaign.id)))
    added = 0
    for patent_id, department_id in db_session.execute(stmt):
        if patent_id in present:
            continue
        db_session.add(InventoryItem(campaign_id=campaign.id, patent_id=patent_id, department_id=department_id,
                                    institution_id=campaign.institution_id))
        added += 1
    db_session.flush()
    return added


def assign(*, db_session: Session, principal: Principal, item: InventoryItem, department_id: int | None = None,
           inventor_user_id: int | None = None) -> InventoryItem:
    """Assign an item to a department of the institution and/or an inventor."""
    require(principal, "campaign.manage", item)
    if department_id is not None:
        dept = db_session.get(Organisation, department_id)
        if dept is None or dept.parent_id != item.institution_id:
            raise InventoryError(f"organisation {department_id} is not a department of this institution")
        item.department_id = department_id
    if inventor_user_id is not None:
        if db_session.get(User, inventor_user_id) is None:
            raise InventoryError(f"no user {inventor_user_id}")
        item.inventor_user_id = inventor_user_id
    db_session.flush()
    return item


# ---------------------------------------------------------------- items

def get_item(*, db_session: Session, item_id: int) -> InventoryItem | None:
    return db_session.get(InventoryItem, item_id)


def get_item_for(*, db_session: Session, principal: Principal, item_id: int) -> InventoryItem | None:
    item = get_item(db_session=db_session, item_id=item_id)
    if item is not None:
        require(principal, "item.view", item)
    return item


def list_items(*, db_session: Session, principal: Principal, campaign: InventoryCampaign, status: str | None = None,
               department_id: int | None = None, mine: bool = False, limit: int = 200,
               offset: int = 0) -> list[tuple[InventoryItem, Patent]]:
    """Items of a campaign with their patents, filtered; ``mine`` keeps the principal's assignments."""
    require(principal, "campaign.view", campaign)
    stmt = (select(InventoryItem, Patent).join(Patent, Patent.id == InventoryItem.patent_id)
            .where(InventoryItem.campaign_id == campaign.id).order_by(InventoryItem.id))
    if status:
        stmt = stmt.where(InventoryItem.status == status)
    if department_id:
        stmt = stmt.where(InventoryItem.department_id == department_id)
    if mine:
        stmt = stmt.where(InventoryItem.inventor_user_id == principal.user_id)
    return list(db_session.execute(stmt.limit(limit).offset(offset)))


def my_items(*, db_session: Session, principal: Principal, limit: int = 100) -> list[tuple[InventoryItem, Patent]]:
    """Items waiting for this person: assigned to them to fill, or in their review queue."""
    from panhuo.accounts.enums import Role

    clauses = [(InventoryItem.inventor_user_id == principal.user_id)
               & InventoryItem.status.in_(list(rules.OPEN_STATUSES))]
    depts = principal.department_ids(Role.DEPARTMENT_REVIEWER)
    if depts:
        clauses.append(InventoryItem.department_id.in_(depts) & (InventoryItem.status == rules.ItemStatus.SUBMITTED))
    insts = principal.institution_ids(Role.INSTITUTION_ADMIN)
    if insts:
        clauses.append(InventoryItem.institution_id.in_(insts)
                       & (InventoryItem.status == rules.ItemStatus.DEPARTMENT_APPROVED))
    from sqlalchemy import or_

    stmt = (select(InventoryItem, Patent).join(Patent, Patent.id == InventoryItem.patent_id)
            .where(or_(*clauses)).order_by(InventoryItem.id).limit(limit))
    return list(db_session.execute(stmt))


def save_assessment(*, db_session: Session, principal: Principal, item: InventoryItem,
                    values: dict[str, Any]) -> dict[str, str]:
    """Merge form values into the item's self-assessment; returns ``{field: error}`` (nothing saved for those).

    Good fields are saved even when others are wrong. Only items being filled (assigned/returned) are editable.
    """
    require(principal, "item.fill", item)
    if item.status not in rules.OPEN_STATUSES:
        raise rules.TransitionError(f"the self-assessment is {item.status} and can no longer be edited")
    clean, errors = rules.clean_assessment(values, vocabulary.fields())
    cleared = [f["name"] for f in vocabulary.fields() if f["name"] in values and f["name"] not in clean
               and f["name"] not in errors]
    merged = {k: v for k, v in (item.assessment or {}).items() if k not in cleared}
    merged.update(clean)
    item.assessment = merged
    item.updated_at = utcnow()
    db_session.flush()
    return errors


def transition(*, db_session: Session, principal: Principal, item: InventoryItem, name: str,
               comment: str = "") -> InventoryItem:
    """Apply one review step (submit, department_approve/return, institution_approve/return) with a comment."""
    step = rules.check_transition(item.status, name, comment)
    require(principal, step.permission, item)
    if name == "submit":
        missing = rules.missing_required(item.assessment or {}, vocabulary.fields())
        if missing:
            raise rules.TransitionError("the self-assessment is incomplete: " + ", ".join(missing))
        item.submitted_at = utcnow()
    before = item.status
    item.status = step.target
    if step.target == rules.ItemStatus.ACCEPTED:
        item.accepted_at = utcnow()
        _hand_to_valuation(db_session=db_session, item=item, actor=principal.username)
    db_session.add(InventoryComment(item_id=item.id, author=principal.username, action=name, from_status=before,
                                 to_status=step.target, comment=comment.strip()[:4000]))
    accounts_service.record_audit(db_session=db_session, action=f"inventory.{name}", actor=principal.username,
                                  entity="patent", entity_id=item.patent_id, organisation_id=item.institution_id,
                                  before={"status": before}, after={"status": step.target}, note=comment[:500] or None)
    db_session.flush()
    return item


def _hand_to_valuation(*, db_session: Session, item: InventoryItem, actor: str) -> None:
    """Give the accepted self-assessment to valuation (``valuation.service.save_self_assessment``)."""
    from panhuo.valuation import service as valuation_service

    data = {**valuation_values(item.assessment or {}),
            "provenance": f"inventory campaign {item.campaign_id} item {item.id}"}
    valuation_service.save_self_assessment(db_session=db_session, patent_id=item.patent_id, data=data, author=actor)


def valuation_values(assessment: dict) -> dict:
    """The form's values in valuation's units (asking price 万元 → CNY, scenarios as a list)."""
    out = {k: assessment.get(k) for k in ("value_grade", "trl", "willing", "implemented", "implementation_note",
                                          "free_trial")}
    spec = next(f for f in vocabulary.fields() if f["name"] == "modes")
    mapped = {o["value"]: o.get("valuation", o["zh"]) for o in spec["options"]}
    out["modes"] = list(dict.fromkeys(mapped.get(m, m) for m in assessment.get("modes") or []))
    text = assessment.get("scenarios") or ""
    out["scenarios"] = [s.strip() for s in text.replace("；", ";").replace("\n", ";").split(";") if s.strip()]
    price = assessment.get("asking_price")
    out["asking_price"] = None if price is None else float(price) * 10_000
    return out


# ---------------------------------------------------------------- progress

def progress(*, db_session: Session, principal: Principal, campaign: InventoryCampaign) -> dict:
    """盘点率 by department and for the institution, with counts per status."""
    require(principal, "campaign.progress", campaign)
    rows = db_session.execute(
        select(InventoryItem.department_id, InventoryItem.status, func.count(InventoryItem.id))
        .where(InventoryItem.campaign_id == campaign.id)
        .group_by(InventoryItem.department_id, InventoryItem.status)).all()
    names = dict(db_session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.parent_id == campaign.institution_id)).all())
    departments: dict[int | None, dict] = {}
    for dept, status, count in rows:
        entry = departments.setdefault(dept, {"department_id": dept, "department": names.get(dept, "未分配"),
                                              "total": 0, "by_status": {}})
        entry["total"] += count
        entry["by_status"][status] = count
    for entry in departments.values():
        entry["accepted"] = entry["by_status"].get(rules.ItemStatus.ACCEPTED, 0)
        entry["rate"] = rules.inventory_rate(entry["accepted"], entry["total"])
    total = sum(e["total"] for e in departments.values())
    accepted = sum(e["accepted"] for e in departments.values())
    return {"campaign_id": campaign.id, "total": total, "accepted": accepted,
            "rate": rules.inventory_rate(accepted, total),
            "departments": sorted(departments.values(), key=lambda e: (e["department"] or ""))}


def reminders(*, db_session: Session, principal: Principal, campaign: InventoryCampaign, today: date,
              days_before: int = 7) -> list[dict]:
    """Open items near or past the deadline, with whom to remind (inventor, else the department)."""
    require(principal, "campaign.progress", campaign)
    if campaign.deadline is None:
        return []
    stmt = (select(InventoryItem, Patent, User).join(Patent, Patent.id == InventoryItem.patent_id)
            .outerjoin(User, User.id == InventoryItem.inventor_user_id)
            .where(InventoryItem.campaign_id == campaign.id,
                   InventoryItem.status.in_(list(rules.OPEN_STATUSES))).order_by(InventoryItem.id))
    names = dict(db_session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.parent_id == campaign.institution_id)).all())
    out = []
    for item, patent, user in db_session.execute(stmt):
        if not rules.needs_reminder(item.status, campaign.deadline, today, days_before):
            continue
        out.append({"item_id": item.id, "patent_id": patent.id, "application_no": patent.application_no,
                    "title": patent.title, "status": item.status, "department_id": item.department_id,
                    "department": names.get(item.department_id),
                    "inventor": user.username if user else None,
                    "overdue": rules.is_overdue(item.status, campaign.deadline, today),
                    "days_left": (campaign.deadline - today).days})
    return out
