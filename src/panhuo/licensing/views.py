"""Licensing pages: 区域定向许可 campaigns with their funnel and push items (operators), the open-licence
declarations of an institution with their checks by name (institution admins), and licence/transfer contracts
with their payment schedule, receipts and income distribution (institution admins act; enterprises read
their own; see :mod:`panhuo.licensing.deals`).

Every write goes through the licensing services (which enforce the state machines and write the audit log);
the request commits. A refused move is shown as a message on the campaign page and changes nothing.
Who may do what comes from :mod:`panhuo.accounts.permissions`: ``dashboard.operator`` manages campaigns;
``campaign.view`` over a participating institution lets its members read a campaign; ``patent.dispose``
(the institution's admins, and the operator) lists a patent's declarations.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import yaml
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from panhuo.accounts import service as accounts_service
from panhuo.accounts.permissions import PermissionDenied, Principal, can, require
from panhuo.licensing import campaigns as campaign_service
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import deals, states
from panhuo.licensing.lifecycle import NotFound, check_version
from panhuo.licensing.models import CampaignEnterprise, Contract, Payment, PushItem, TrialCheckin
from panhuo.licensing.rules import LicensingError, check_date
from panhuo.patents.models import Patent
from panhuo.web import charts, i18n
from panhuo.web.deps import ApiPrincipal, CsrfForm, CurrentPrincipal, DbSession, Id, lang_of, render

router = APIRouter(prefix="/licensing", include_in_schema=False)
ACTIONS = ("interested", "trial", "checkin", "license", "decline")
FLASH = "licensing_flash"


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    path = Path(__file__).resolve().parent / "data" / "web_messages.yaml"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["messages"]


def translator(lang: str):
    """This feature's messages first, then the web catalogue (Chinese by default)."""
    base = i18n.translator(lang)

    def t(key: str) -> str:
        entry = _messages().get(key)
        return (entry.get(lang) or entry.get("zh")) if entry else base(key)

    return t


def _render(request: Request, template: str, status_code: int = 200, **context):
    return render(request, template, status_code=status_code, t=translator(lang_of(request)), **context)


def _scope(institution_id: int | None) -> SimpleNamespace:
    return SimpleNamespace(institution_id=institution_id)


def _may_view(principal: Principal, campaign) -> bool:
    return can(principal, "dashboard.operator") or any(
        can(principal, "campaign.manage", _scope(i)) for i in campaign.institution_ids)


def _campaign_or_404(db, principal: Principal, campaign_id: int):
    campaign = campaign_service.get(db_session=db, campaign_id=campaign_id)
    if campaign is None:
        raise HTTPException(404, "no such campaign")
    if not _may_view(principal, campaign):
        raise PermissionDenied("licensing.campaign.view", principal)
    return campaign


def _require_campaign_reader(principal: Principal) -> None:
    """Operators, or admins of some institution (they then see the campaigns their institution is in)."""
    if not (can(principal, "dashboard.operator")
            or any(can(principal, "campaign.manage", _scope(i)) for i in principal.institution_ids())):
        raise PermissionDenied("licensing.campaign.view", principal)


@router.get("/campaigns")
def campaigns_page(request: Request, db: DbSession, principal: CurrentPrincipal):
    """Campaigns the person may see, each with its funnel counts, and the funnel over all of them."""
    _require_campaign_reader(principal)
    visible = [c for c in campaign_service.list_campaigns(db_session=db) if _may_view(principal, c)]
    funnels = {row["group"]: row for row in campaign_service.funnel_metrics(db_session=db, by="campaign")}
    overall = None
    if can(principal, "dashboard.operator"):
        overall = campaign_service.funnel_metrics(db_session=db)[0]
    return _render(request, "licensing/campaigns.html", campaigns=visible, funnels=funnels, overall=overall)


@router.get("/funnel.svg")
def funnel_svg(request: Request, db: DbSession, principal: CurrentPrincipal):
    """The funnel of all campaigns as an SVG bar chart (the operator dashboard shows it)."""
    require(principal, "dashboard.operator")
    t = translator(lang_of(request))
    total = campaign_service.funnel_metrics(db_session=db)[0]
    svg = charts.bar_chart([(t(f"stage_{s}"), total[s]) for s in ("pushed", "interested", "trial", "licensed",
                                                                  "declined")], title=t("lic_funnel_all"))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _item_rows(db, campaign_id: int) -> list[dict]:
    items = campaign_service.push_items(db_session=db, campaign_id=campaign_id)
    if not items:
        return []
    ids = [i.id for i in items]
    enterprises = {e.id: e for e in db.scalars(select(CampaignEnterprise)
                                               .where(CampaignEnterprise.campaign_id == campaign_id))}
    patents = {p.id: p for p in db.scalars(select(Patent).where(Patent.id.in_({i.patent_id for i in items})))}
    checkins: dict[int, list] = {}
    for c in db.scalars(select(TrialCheckin).where(TrialCheckin.item_id.in_(ids)).order_by(TrialCheckin.on)):
        checkins.setdefault(c.item_id, []).append(c)
    contracts: dict[int, Contract] = {}
    for c in db.scalars(select(Contract).where(Contract.push_item_id.in_(ids)).order_by(Contract.id.desc())):
        best = contracts.get(c.push_item_id)  # the item's live contract, else its latest cancelled one
        if best is None or (best.status == "cancelled" and c.status != "cancelled"):
            contracts[c.push_item_id] = c
    return [{"item": i, "enterprise": enterprises.get(i.enterprise_id), "patent": patents.get(i.patent_id),
             "checkins": checkins.get(i.id, []), "contract": contracts.get(i.id)} for i in items]


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, db: DbSession, principal: CurrentPrincipal, campaign_id: Id):
    """One campaign: its funnel (overall, by institution, by industry) and its push items with their reasons."""
    campaign = _campaign_or_404(db, principal, campaign_id)
    funnel = {by or "all": campaign_service.funnel_metrics(db_session=db, campaign_id=campaign.id, by=by)
              for by in (None, "institution", "industry")}
    names = [accounts_service.get_organisation(db_session=db, organisation_id=i) for i in campaign.institution_ids]
    flash = request.session.pop(FLASH, None)
    return _render(request, "licensing/campaign.html", campaign=campaign, funnel=funnel, rows=_item_rows(db, campaign.id),
                   institutions=[o.name for o in names if o], can_manage=can(principal, "dashboard.operator"),
                   flash=flash, allowed=lambda status: states.allowed("push_item", status))


def _date(form, key: str) -> date:
    raw = str(form.get(key) or "").strip()
    try:
        day = date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        raise LicensingError(f"'{raw[:40]}' is not a date (YYYY-MM-DD)") from None
    return check_date(day, key.replace("_", " "))


def _version(form) -> int | None:
    raw = str(form.get("version") or "").strip()
    return int(raw) if re.fullmatch(r"[0-9]{1,10}", raw) else None


def _price(form) -> Decimal | None:
    raw = str(form.get("price") or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise LicensingError(f"fee '{raw}' is not a number") from None
    if value < 0:
        raise LicensingError("the fee cannot be negative")
    return value


def _apply(db, item: PushItem, action: str, form, actor: str) -> None:
    common = {"db_session": db, "item_id": item.id, "actor": actor}
    # Checked here, once: licensing and declining first end an active trial, which bumps the version.
    check_version(item, _version(form), "push item")
    if action == "interested":
        campaign_service.mark_interested(**common, on=_date(form, "on"))
    elif action == "trial":
        campaign_service.start_trial(**common, start=_date(form, "on"))
    elif action == "checkin":
        campaign_service.check_in(**common, on=_date(form, "on"), note=str(form.get("note") or ""))
    elif action == "license":
        licensor = str(form.get("licensor") or "").strip()
        if not licensor:
            patent = db.get(Patent, item.patent_id)
            org = accounts_service.get_organisation(db_session=db, organisation_id=patent.institution_id) \
                if patent.institution_id else None
            licensor = org.name if org else ""
        if not licensor:
            raise LicensingError("name the licensor (the patentee) to draw up the licence contract")
        campaign_service.license_item(**common, on=_date(form, "on"), licensor_name=licensor, price=_price(form))
    else:
        campaign_service.decline_item(**common, on=_date(form, "on"), reason=str(form.get("reason") or ""))


@router.post("/items/{item_id}/{action}")
def item_action(request: Request, db: DbSession, principal: CurrentPrincipal, item_id: Id, action: str,
                form: CsrfForm):
    """Move a push item along pushed → interested → trial → licensed | declined (or record a trial check-in)."""
    require(principal, "dashboard.operator")
    if action not in ACTIONS:
        raise HTTPException(404, f"unknown action '{action}' (one of: {', '.join(ACTIONS)})")
    item = db.get(PushItem, item_id)
    if item is None:
        raise HTTPException(404, "no such push item")
    campaign_id = item.campaign_id
    try:
        _apply(db, item, action, form, principal.username)
        db.commit()
        request.session[FLASH] = {"ok": True, "item": item_id, "action": action}
    except LicensingError as exc:
        db.rollback()
        request.session[FLASH] = {"ok": False, "item": item_id, "action": action, "message": str(exc)}
    return RedirectResponse(f"/licensing/campaigns/{campaign_id}#item-{item_id}", status_code=303)


# The declarations page and the open-licence forms: :mod:`panhuo.licensing.views_open`.


# -- contracts: list, detail, payments, transitions ----------------------------------------------------------
# Who may see and do what is decided in :mod:`panhuo.licensing.deals`; hidden contracts are 404 here.

CONTRACT_FLASH = "contract_flash"


def _amount(form, key: str, *, required: bool = True) -> Decimal | None:
    raw = str(form.get(key) or "").strip().replace(",", "")
    if not raw:
        if required:
            raise LicensingError(f"{key.replace('_', ' ')} is required")
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise LicensingError(f"'{raw}' is not an amount") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e14"):
        raise LicensingError(f"amount '{raw}' is out of range")
    return value


def _contract_or_404(db, principal: Principal, contract_id: int):
    try:
        return deals.view_for(db_session=db, principal=principal, contract_id=contract_id)
    except NotFound:
        raise HTTPException(404, "no such contract") from None


@router.get("/contracts")
def contracts_page(request: Request, db: DbSession, principal: CurrentPrincipal, status: str | None = None,
                   kind: str | None = None, q: str | None = None):
    """Contracts the person may see (operator: all; institution admins: their institution's; enterprises:
    those they are the licensee of), filtered by status, kind and text."""
    status = status if status in states.MACHINES["contract"] else None
    kind = kind if kind in deals.KINDS else None
    rows = deals.list_for(db_session=db, principal=principal, status=status, kind=kind, q=q)
    return _render(request, "licensing/contracts.html", rows=rows, status=status or "", kind=kind or "",
                   q=(q or "")[:100], statuses=list(states.MACHINES["contract"]), kinds=deals.KINDS)


@router.get("/contracts/{contract_id}")
def contract_page(request: Request, db: DbSession, principal: CurrentPrincipal, contract_id: Id):
    """One contract: parties, state, patents, payment schedule with receipts, and (inside the institution)
    the income distribution; the forms the institution's admins need."""
    return contract_page_response(request, db, principal, contract_id)


def distribution_values(contract: Contract, form=None) -> dict:
    """The income-distribution form's values: the contract's rule at first, else what was typed."""
    from panhuo.licensing import rewards

    if form is None:
        rule = contract.distribution_rule or rewards.DistributionRule.default().to_dict()
        return {"gross_income": "", "costs": "0", "staff_points": "", "inventors": "", "owners": "",
                "team_share": f"{Decimal(str(rule['team_share'])) * 100:g}",
                "staff_share": f"{Decimal(str(rule['staff_share_of_reward'])) * 100:g}",
                "rule_source": rule.get("source", ""), "institution_rule": bool(rule.get("institution_rule"))}
    values = {k: str(form.get(k) or "").strip()[:4000] for k in ("gross_income", "costs", "staff_points",
                                                                  "inventors", "owners", "team_share",
                                                                  "staff_share", "rule_source")}
    values["institution_rule"] = bool(form.get("institution_rule"))
    return values


def contract_page_response(request: Request, db, principal: Principal, contract_id: int, *,
                           dist_values: dict | None = None, dist_errors: dict | None = None,
                           dist_preview: list | None = None, status_code: int = 200):
    """The contract page; the income-distribution form refilled with ``dist_values`` and its errors, or a
    preview of the split (nothing saved)."""
    view = _contract_or_404(db, principal, contract_id)
    return _render(request, "licensing/contract.html", status_code=status_code, v=view, c=view.contract,
                   flash=request.session.pop(CONTRACT_FLASH, None), payment_kinds=contract_service.PAYMENT_KINDS,
                   today=date.today().isoformat(), dist_values=dist_values or distribution_values(view.contract),
                   dist_errors=dist_errors or {}, dist_preview=dist_preview,
                   fee_warnings=contract_service.fee_warnings(view.contract))


def _contract_action(request: Request, db, contract_id: int, what: str, work) -> RedirectResponse:
    """Run one write; a refused move is a message on the contract page and changes nothing."""
    try:
        work()
        db.commit()
        request.session[CONTRACT_FLASH] = {"ok": True, "action": what}
    except NotFound:
        db.rollback()
        raise HTTPException(404, "no such contract or payment") from None
    except LicensingError as exc:
        db.rollback()
        request.session[CONTRACT_FLASH] = {"ok": False, "action": what, "message": str(exc)}
    return RedirectResponse(f"/licensing/contracts/{contract_id}", status_code=303)


@router.post("/contracts/{contract_id}/move/{action}")
def contract_move(request: Request, db: DbSession, principal: CurrentPrincipal, contract_id: Id, action: str,
                  form: CsrfForm):
    """Move a contract: publicity (公示) → approve → sign → record (备案) → terminate, or back to draft."""
    if action not in deals.TRANSITIONS:
        raise HTTPException(404, f"unknown action '{action}' (one of: {', '.join(deals.TRANSITIONS)})")
    return _contract_action(request, db, contract_id, f"con_act_{action}", lambda: deals.transition(
        db_session=db, principal=principal, contract_id=contract_id, action=action,
        expected_version=_version(form), on=_date(form, "on"), reason=str(form.get("reason") or "")[:500]))


@router.post("/contracts/{contract_id}/payments")
def contract_schedule_payment(request: Request, db: DbSession, principal: CurrentPrincipal, contract_id: Id,
                              form: CsrfForm):
    """Add a scheduled payment (lump sum, instalment, milestone, royalty period)."""
    kind = str(form.get("kind") or "")
    return _contract_action(request, db, contract_id, "con_schedule_payment", lambda: deals.schedule(
        db_session=db, principal=principal, contract_id=contract_id, kind=kind, due_date=_date(form, "due_date"),
        amount_due=_amount(form, "amount", required=kind != "royalty"),
        milestone=str(form.get("milestone") or "")[:300]))


def _payment_contract(db, principal: Principal, payment_id: int) -> int:
    """The contract id of a payment the principal may see (else 404)."""
    payment = db.get(Payment, payment_id)
    if payment is None:
        raise HTTPException(404, "no such payment")
    _contract_or_404(db, principal, payment.contract_id)
    return payment.contract_id


@router.post("/payments/{payment_id}/receipts")
def payment_receipt(request: Request, db: DbSession, principal: CurrentPrincipal, payment_id: Id,
                    form: CsrfForm):
    """Record money received on a scheduled payment (partial or in full; over-payment is refused)."""
    contract_id = _payment_contract(db, principal, payment_id)
    return _contract_action(request, db, contract_id, "con_record_payment", lambda: deals.record_receipt(
        db_session=db, principal=principal, payment_id=payment_id, amount=_amount(form, "amount"),
        received_on=_date(form, "on"), reference=str(form.get("reference") or "")[:200],
        expected_version=_version(form)))


@router.post("/payments/{payment_id}/royalty")
def payment_royalty(request: Request, db: DbSession, principal: CurrentPrincipal, payment_id: Id,
                    form: CsrfForm):
    """Enter the licensee's royalty report for a royalty period."""
    contract_id = _payment_contract(db, principal, payment_id)
    return _contract_action(request, db, contract_id, "con_royalty_report", lambda: deals.report_royalty(
        db_session=db, principal=principal, payment_id=payment_id, reported_base=_amount(form, "reported_base"),
        royalty_pct=_amount(form, "royalty_pct", required=False), expected_version=_version(form)))


# -- API: contracts (read only; same checks as the pages) ----------------------------------------------------

class PaymentRead(BaseModel):
    id: int
    kind: str
    status: str
    due_date: date
    amount_due: Decimal | None
    outstanding: Decimal
    received: Decimal


class ContractRead(BaseModel):
    id: int
    kind: str
    licence_type: str | None
    status: str
    title: str
    licensor_name: str
    licensee_name: str
    territory: str
    term_start: date | None
    term_end: date | None
    price: Decimal | None
    pricing_route: str
    signed_on: date | None
    recordal_deadline: date | None
    recorded_on: date | None
    version_id: int
    payments: list[PaymentRead] = []


def _contract_read(contract: Contract, with_payments: bool) -> ContractRead:
    payments = [PaymentRead(id=p.id, kind=p.kind, status=p.status, due_date=p.due_date, amount_due=p.amount_due,
                            outstanding=contract_service.outstanding(p),
                            received=sum((r.amount for r in p.receipts), Decimal(0)))
                for p in contract.payments] if with_payments else []
    fields = {k: getattr(contract, k) for k in ContractRead.model_fields if k != "payments"}
    return ContractRead(**fields, payments=payments)


api = APIRouter(tags=["licensing"])


@api.get("/contracts", response_model=list[ContractRead])
def api_contracts(db: DbSession, principal: ApiPrincipal, status: str | None = None, kind: str | None = None):
    """Contracts the token's user may see (operator: all; institution admins: their institution's;
    enterprises: those they are the licensee of)."""
    rows = deals.list_for(db_session=db, principal=principal, status=(status or "")[:20] or None,
                          kind=(kind or "")[:20] or None)
    return [_contract_read(c, with_payments=False) for c in rows]


@api.get("/contracts/{contract_id}", response_model=ContractRead)
def api_contract(db: DbSession, principal: ApiPrincipal, contract_id: Id):
    """One contract with its payment schedule; 404 when missing or hidden from the user."""
    try:
        contract = deals.get_for(db_session=db, principal=principal, contract_id=contract_id)
    except NotFound:
        raise HTTPException(404, "no such contract") from None
    return _contract_read(contract, with_payments=True)
