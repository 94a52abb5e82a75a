"""区域定向许可 campaigns: enterprises imported from CSV, push lists (the Shandong rule), the per-item
lifecycle pushed → interested → trial → licensed | declined, and funnel metrics.
Keyword-only, session first, never commits; every transition is audited."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import IO

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.licensing import adapters, pushlist, rules
from panhuo.licensing import contracts as contract_service
from panhuo.licensing.funnel import FunnelItem, funnel
from panhuo.licensing.lifecycle import audit, get_or_raise, move
from panhuo.licensing.models import Campaign, CampaignEnterprise, PushItem, TrialCheckin
from panhuo.licensing.rules import LicensingError
from panhuo.patents.models import Patent

ENTERPRISE_FIELDS = ("name", "region_code", "industry_codes", "needs", "contact", "credit_code")
_REGION = re.compile(r"^\d{6}$")


def get(*, db_session: Session, campaign_id: int) -> Campaign | None:
    return db_session.get(Campaign, campaign_id)


def list_campaigns(*, db_session: Session) -> list[Campaign]:
    return list(db_session.scalars(select(Campaign).order_by(Campaign.id.desc())))


def create_campaign(*, db_session: Session, name: str, region_codes: list[str], institution_ids: list[int],
                    target_industries: list[str] | None = None, clusters: list[str] | None = None,
                    trial_months: int = 6, trial_terms: str | None = None, push_size: int = 10,
                    starts_on: date | None = None, ends_on: date | None = None,
                    actor: str | None = None) -> Campaign:
    """A campaign over GB/T 2260 regions with the participating institutions and the trial terms."""
    bad = [c for c in region_codes if not _REGION.match(str(c))]
    if not name.strip():
        raise LicensingError("a campaign needs a name")
    if not region_codes or bad:
        raise LicensingError(f"region codes must be 6-digit GB/T 2260 codes (bad: {', '.join(map(str, bad)) or 'none given'})")
    for oid in institution_ids:
        if accounts_service.get_organisation(db_session=db_session, organisation_id=oid) is None:
            raise LicensingError(f"participating institution {oid} does not exist")
    if trial_months < 0 or push_size < 1:
        raise LicensingError("trial_months must be ≥ 0 and push_size ≥ 1")
    campaign = Campaign(name=name.strip(), region_codes=[str(c) for c in region_codes],
                        institution_ids=list(institution_ids), target_industries=list(target_industries or []),
                        clusters=list(clusters or []), trial_months=trial_months, trial_terms=trial_terms,
                        push_size=push_size, starts_on=starts_on, ends_on=ends_on, created_by=actor)
    db_session.add(campaign)
    db_session.flush()
    audit(db_session, action="campaign.create", entity="campaign", entity_id=campaign.id, actor=actor,
          after={"name": campaign.name, "regions": campaign.region_codes})
    return campaign


def _split_codes(raw: str | list | None) -> list[str]:
    if isinstance(raw, list):
        return [str(x).strip() for x in raw if str(x).strip()]
    return [x.strip() for x in re.split(r"[;；,，\s]+", raw or "") if x.strip()]


def add_enterprises(*, db_session: Session, campaign_id: int, rows: Iterable[dict],
                    actor: str | None = None) -> dict:
    """Add enterprises (name, region_code, industry_codes, needs, contact, credit_code). A bad row is
    reported with its number and reason; the good rows are kept."""
    campaign = get_or_raise(db_session, Campaign, campaign_id, "campaign")
    known = {e.organisation_id for e in campaign.enterprises}
    added, errors = [], []
    for number, row in enumerate(rows, start=2):  # row 1 is the CSV header
        problem = _row_problem(row)
        if problem:
            errors.append({"row": number, "name": row.get("name"), "error": problem})
            continue
        org = accounts_service.get_or_create_organisation(
            db_session=db_session, name=row["name"].strip(), kind="enterprise",
            region_code=row.get("region_code"), credit_code=row.get("credit_code") or None)
        if org.id in known:
            errors.append({"row": number, "name": row["name"], "error": "already in the campaign"})
            continue
        ent = CampaignEnterprise(campaign_id=campaign.id, organisation_id=org.id, name=org.name,
                                 region_code=str(row.get("region_code") or "") or None,
                                 industry_codes=_split_codes(row.get("industry_codes")),
                                 needs=row.get("needs") or None, contact=row.get("contact") or None)
        campaign.enterprises.append(ent)
        known.add(org.id)
        added.append(ent)
    db_session.flush()
    audit(db_session, action="campaign.enterprises", entity="campaign", entity_id=campaign.id, actor=actor,
          after={"added": len(added), "errors": len(errors)})
    return {"added": len(added), "errors": errors, "enterprise_ids": [e.id for e in added]}


def _row_problem(row: dict) -> str | None:
    if not (row.get("name") or "").strip():
        return "name is empty"
    region = str(row.get("region_code") or "").strip()
    if region and not _REGION.match(region):
        return f"region_code '{region}' is not a 6-digit GB/T 2260 code"
    codes = _split_codes(row.get("industry_codes"))
    if not codes:
        return "industry_codes is empty (GB/T 4754 codes such as C3511, separated by ;)"
    bad = [c for c in codes if not re.match(r"^[A-Ta-t]?\d{0,4}$", c) or c.isalpha() and len(c) > 1]
    if bad:
        return f"industry code(s) {', '.join(bad)} are not GB/T 4754 codes"
    return None


def read_enterprise_csv(stream: IO[str]) -> list[dict]:
    """Rows of an enterprise CSV (UTF-8, header with at least name and industry_codes)."""
    reader = csv.DictReader(stream)
    missing = {"name", "industry_codes"} - set(reader.fieldnames or [])
    if missing:
        raise LicensingError(f"enterprise CSV lacks column(s) {', '.join(sorted(missing))} "
                             f"(expected: {', '.join(ENTERPRISE_FIELDS)})")
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


# -- push lists ---------------------------------------------------------------------------------------------

def _province_prefixes(campaign: Campaign) -> set[str]:
    return {str(code)[:2] for code in campaign.region_codes}


def _in_campaign(campaign: Campaign):
    """Valid, and of a participating institution or the campaign's province (GB/T 2260 first two digits)."""
    return (Patent.legal_status == "valid") & or_(
        Patent.institution_id.in_(sorted(set(campaign.institution_ids))),
        func.substr(Patent.region_code, 1, 2).in_(sorted(_province_prefixes(campaign))))


def candidate_patents(db_session: Session, campaign: Campaign) -> list[Patent]:
    """Valid patents of the participating institutions plus the provincial library (same GB/T 2260 province)."""
    return list(db_session.scalars(select(Patent).where(_in_campaign(campaign)).order_by(Patent.id)))


def _candidate_rows(db_session: Session, campaign: Campaign) -> list:
    """:func:`candidate_patents` as rows of the columns a push list reads (a provincial campaign has 8万+
    candidates: whole ORM objects would decode every JSON column of each)."""
    stmt = select(Patent.id, Patent.title, Patent.abstract, Patent.institution_id, Patent.extra).where(
        _in_campaign(campaign)).order_by(Patent.id)
    return list(db_session.execute(stmt))


def _candidates(db_session: Session, campaign: Campaign) -> tuple[list[pushlist.Candidate], dict]:
    patents = _candidate_rows(db_session, campaign)
    industries, ind_source = adapters.patent_industries(db_session, patents)
    grades, grade_source = adapters.patent_grades(db_session, [p.id for p in patents])
    terms = adapters.text_terms(f"{p.title} {p.abstract or ''}" for p in patents)
    own = set(campaign.institution_ids)
    cands = [pushlist.Candidate(p.id, p.title, tuple(industries.get(p.id, ())), t, grades.get(p.id),
                                p.institution_id in own) for p, t in zip(patents, terms)]
    if campaign.target_industries:
        cands = pushlist.in_target_industries(campaign.target_industries, cands)
    return cands, {"industries": ind_source, "grades": grade_source, "candidates": len(cands)}


def build_push_lists(*, db_session: Session, campaign_id: int, on: date, size: int | None = None,
                     min_score: float = 0.2, actor: str | None = None) -> dict:
    """Propose and save each enterprise's push list; items already pushed are kept as they are."""
    campaign = get_or_raise(db_session, Campaign, campaign_id, "campaign")
    cands, sources = _candidates(db_session, campaign)
    pool = pushlist.prepare(cands)  # per-patent facts once for every enterprise
    existing = {(i.enterprise_id, i.patent_id) for i in db_session.scalars(
        select(PushItem).where(PushItem.campaign_id == campaign.id))}
    created = 0
    per_enterprise = {}
    ent_terms = adapters.text_terms(e.needs for e in campaign.enterprises)
    for ent, terms in zip(campaign.enterprises, ent_terms):
        profile = pushlist.EnterpriseProfile(ent.id, ent.name, tuple(ent.industry_codes), terms)
        ranked = pushlist.push_list(profile, pool, size=size or campaign.push_size, min_score=min_score)
        per_enterprise[ent.name] = {"items": len(ranked), "provincial": sum(r.source == "provincial" for r in ranked)}
        for rank, item in enumerate(ranked, start=1):
            if (ent.id, item.patent_id) in existing:
                continue
            db_session.add(PushItem(campaign_id=campaign.id, enterprise_id=ent.id, patent_id=item.patent_id,
                                    rank=rank, score=item.score, source=item.source, reasons=item.reasons,
                                    status="pushed", pushed_on=on))
            created += 1
    db_session.flush()
    audit(db_session, action="campaign.push", entity="campaign", entity_id=campaign.id, actor=actor,
          after={"created": created, **sources})
    return {"campaign_id": campaign.id, "created": created, "enterprises": per_enterprise, "sources": sources}


def push_items(*, db_session: Session, campaign_id: int, enterprise_id: int | None = None,
               status: str | None = None) -> list[PushItem]:
    stmt = select(PushItem).where(PushItem.campaign_id == campaign_id).order_by(PushItem.enterprise_id,
                                                                                PushItem.rank)
    if enterprise_id is not None:
        stmt = stmt.where(PushItem.enterprise_id == enterprise_id)
    if status:
        stmt = stmt.where(PushItem.status == status)
    return list(db_session.scalars(stmt))


# -- item lifecycle -----------------------------------------------------------------------------------------

def _item(db_session: Session, item_id: int) -> PushItem:
    return get_or_raise(db_session, PushItem, item_id, "push item")


def mark_interested(*, db_session: Session, item_id: int, on: date, actor: str | None = None,
                    expected_version: int | None = None) -> PushItem:
    return move(db_session, _item(db_session, item_id), machine="push_item", target="interested",
                entity="push_item", actor=actor, expected_version=expected_version, interested_on=on)


def start_trial(*, db_session: Session, item_id: int, start: date, months: int | None = None,
                actor: str | None = None, expected_version: int | None = None) -> PushItem:
    """interested → trial: the free trial (先免费试用) runs for the campaign's trial months by default."""
    item = _item(db_session, item_id)
    campaign = db_session.get(Campaign, item.campaign_id)
    span = campaign.trial_months if months is None else months
    if span < 1:
        raise LicensingError("a free trial must last at least one month")
    return move(db_session, item, machine="push_item", target="trial", entity="push_item", actor=actor,
                expected_version=expected_version, trial_status="active", trial_start=start,
                trial_end=rules.add_months(start, span) - timedelta(days=1))


def check_in(*, db_session: Session, item_id: int, on: date, note: str, actor: str | None = None) -> TrialCheckin:
    """A usage check-in during an active trial."""
    item = _item(db_session, item_id)
    if item.trial_status != "active":
        raise LicensingError(f"push item {item.id} has no active trial (trial: {item.trial_status or 'none'})")
    if not note.strip():
        raise LicensingError("a check-in needs a note on how the patent is being used")
    if on < item.trial_start:
        raise LicensingError(f"check-in on {on} is before the trial started ({item.trial_start})")
    checkin = TrialCheckin(item_id=item.id, on=on, note=note.strip(), by=actor)
    db_session.add(checkin)
    db_session.flush()
    audit(db_session, action="push_item.checkin", entity="push_item", entity_id=item.id, actor=actor,
          after={"on": on, "note": note[:200]})
    return checkin


def end_trial(*, db_session: Session, item_id: int, outcome: str, completed: bool = True,
              actor: str | None = None, expected_version: int | None = None) -> PushItem:
    """active → completed | abandoned, with the outcome in words."""
    item = _item(db_session, item_id)
    if not outcome.strip():
        raise LicensingError("say how the trial ended (outcome)")
    if item.trial_status is None:
        raise LicensingError(f"push item {item.id} has no trial to end")
    return move(db_session, item, machine="trial", target="completed" if completed else "abandoned",
                entity="push_item", actor=actor, expected_version=expected_version, field="trial_status",
                trial_outcome=outcome.strip())


def license_item(*, db_session: Session, item_id: int, on: date, licensor_name: str, price=None,
                 fee_terms: dict | None = None, licence_type: str = "ordinary", actor: str | None = None,
                 expected_version: int | None = None):
    """interested | trial → licensed: the draft licence contract is created and linked to the item."""
    item = _item(db_session, item_id)
    if item.trial_status == "active":
        end_trial(db_session=db_session, item_id=item.id, outcome="licence agreed", actor=actor)
    ent = db_session.get(CampaignEnterprise, item.enterprise_id)
    move(db_session, item, machine="push_item", target="licensed", entity="push_item", actor=actor,
         expected_version=expected_version, licensed_on=on)
    patent = db_session.get(Patent, item.patent_id)
    contract = contract_service.create_contract(
        db_session=db_session, kind="licence", licence_type=licence_type, patent_ids=[item.patent_id],
        licensor_name=licensor_name, licensor_id=patent.institution_id, licensee_name=ent.name,
        licensee_id=ent.organisation_id, title=patent.title, price=price, fee_terms=fee_terms,
        push_item_id=item.id, actor=actor)
    return item, contract


def decline_item(*, db_session: Session, item_id: int, on: date, reason: str, actor: str | None = None,
                 expected_version: int | None = None) -> PushItem:
    """→ declined, with the enterprise's reason (required: it feeds the campaign review)."""
    if not reason.strip():
        raise LicensingError("a decline needs the enterprise's reason")
    item = _item(db_session, item_id)
    if item.trial_status == "active":
        end_trial(db_session=db_session, item_id=item.id, outcome=f"declined: {reason}", completed=False,
                  actor=actor)
    return move(db_session, item, machine="push_item", target="declined", entity="push_item", actor=actor,
                expected_version=expected_version, declined_on=on, decline_reason=reason.strip(), note=reason)


# -- metrics ------------------------------------------------------------------------------------------------

def funnel_metrics(*, db_session: Session, campaign_id: int | None = None, by: str | None = None) -> list[dict]:
    """Funnel by ``by`` ∈ {None, campaign, region, institution, industry}."""
    if by not in (None, "campaign", "region", "institution", "industry"):
        raise LicensingError(f"cannot group the funnel by '{by}' (use campaign, region, institution or industry)")
    stmt = (select(PushItem, CampaignEnterprise, Campaign, Patent)
            .join(CampaignEnterprise, CampaignEnterprise.id == PushItem.enterprise_id)
            .join(Campaign, Campaign.id == PushItem.campaign_id).join(Patent, Patent.id == PushItem.patent_id))
    if campaign_id is not None:
        stmt = stmt.where(PushItem.campaign_id == campaign_id)
    rows = db_session.execute(stmt).all()
    names = {}
    items = []
    for item, ent, camp, patent in rows:
        inst = patent.institution_id
        if inst not in names:
            org = accounts_service.get_organisation(db_session=db_session, organisation_id=inst) if inst else None
            names[inst] = org.name if org else "(unknown)"
        items.append(FunnelItem(
            pushed_on=item.pushed_on, interested_on=item.interested_on, trial_start=item.trial_start,
            licensed_on=item.licensed_on, declined=item.status == "declined",
            groups={"campaign": camp.name, "region": ent.region_code or "(none)", "institution": names[inst],
                    "industry": (ent.industry_codes or ["(none)"])[0][:3]}))
    return funnel(items, by)
