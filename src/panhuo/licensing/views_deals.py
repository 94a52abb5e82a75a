"""Contract forms: a new licence / transfer / 作价投资 contract — standalone (from the contracts list or a patent
page) or from a 区域定向许可 campaign item that reached ``licensed`` (patent and enterprise prefilled) — with
the pricing assistant's proposal as guidance and the 协议定价 公示 started when asked; and the income
distribution of a contract (gross income, costs, the rule; the split to the team, the transfer staff and the
institution, checked against the statutory floors by :mod:`panhuo.licensing.rewards`).

Who may act: the institution's admins over their institution's patents, and the operator
(:mod:`panhuo.licensing.deals`). Everything else goes through the services; a refused form comes back with
what was typed and the reason next to the field (status 400).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from panhuo.accounts.enums import Role
from panhuo.accounts.models import Organisation
from panhuo.accounts.permissions import PermissionDenied, Principal
from panhuo.licensing import contracts as contract_service
from panhuo.licensing import deals, rewards
from panhuo.licensing import webforms as wf
from panhuo.licensing.lifecycle import ConflictError, NotFound
from panhuo.licensing.models import Contract, PushItem
from panhuo.licensing.policy import contract_policy
from panhuo.licensing.rules import LicensingError
from panhuo.licensing.views import CONTRACT_FLASH, contract_page_response, distribution_values, translator
from panhuo.patents import service as patents_service
from panhuo.patents.models import Patent
from panhuo.web.deps import CsrfForm, CurrentPrincipal, DbSession, Id, OptionalId, lang_of, render

router = APIRouter(prefix="/licensing", include_in_schema=False)


def _render(request: Request, template: str, status_code: int = 200, **context):
    return render(request, template, status_code=status_code, t=translator(lang_of(request)),
                  today=date.today().isoformat(), **context)


def _require_maker(principal: Principal) -> None:
    """Institution admins (technology-transfer office) and the operator draw up contracts."""
    if not (principal.is_operator or principal.institution_ids(Role.INSTITUTION_ADMIN)):
        raise PermissionDenied("contract.create", principal)


def _enterprises(db) -> list[Organisation]:
    return list(db.scalars(select(Organisation).where(Organisation.kind == "enterprise")
                           .order_by(Organisation.name).limit(500)))


def _defaults() -> dict:
    rule = rewards.DistributionRule.default()
    return {"kind": "licence", "licence_type": "ordinary", "patents": "", "licensee_id": "", "licensee_name": "",
            "title": "", "territory": "中国", "term_start": "", "term_end": "", "price": "",
            "pricing_route": "agreement", "listing_ref": "", "fee_mode": "", "lump_sum": "", "royalty_pct": "",
            "royalty_basis": "net_sales", "payable_after_months": "0", "item": "",
            "team_share": f"{rule.team_share * 100:g}", "staff_share": f"{rule.staff_share_of_reward * 100:g}",
            "rule_source": rule.source, "institution_rule": False, "publicity": False,
            "publicity_start": date.today().isoformat(), "publicity_days": str(contract_policy()["publicity_days"])}


def _guidance(db, patents: list[Patent]) -> dict | None:
    """The pricing assistant's proposal for the first patent (guidance only: the price is the person's)."""
    if not patents:
        return None
    try:
        return contract_service.price_proposal(db_session=db, patent_id=patents[0].id)
    except LicensingError:
        return None


def _page(request, db, values: dict, errors: wf.FormErrors, patents: list[Patent], status_code: int = 200,
          item=None, contract: Contract | None = None):
    pol = contract_policy()
    return _render(request, "licensing/contract_new.html", status_code=status_code, values=values, errors=errors,
                   patents=patents, item=item, enterprises=_enterprises(db), kinds=pol["kinds"],
                   licence_types=pol["licence_types"], routes=pol["pricing_routes"], modes=wf.FEE_MODES,
                   proposal=_guidance(db, patents), contract=contract,
                   action=f"/licensing/contracts/{contract.id}/edit" if contract else "/licensing/contracts/new")


@router.get("/contracts/new")
def contract_form(request: Request, db: DbSession, principal: CurrentPrincipal, patent: OptionalId = None,
                  item: OptionalId = None):
    """The new-contract form; ``patent`` prefills the patent, ``item`` (a licensed campaign item) the patent,
    the enterprise, the title and the agreed price."""
    _require_maker(principal)
    values, errors, patents, found_item = _defaults(), wf.FormErrors(), [], None
    try:
        if item is not None:
            found_item, enterprise = deals.licensed_item(db, item)
            existing = contract_service.contract_for_item(db_session=db, push_item_id=found_item.id)
            if existing is not None:  # one item, one contract: complete the draft, or open what it became
                deals.get_for(db_session=db, principal=principal, contract_id=existing.id, action="contract.manage")
                where = "edit" if existing.status == "draft" else ""
                return RedirectResponse(f"/licensing/contracts/{existing.id}/{where}".rstrip("/"), status_code=303)
            _prefill_from_item(db, values, found_item, enterprise)
            patent = found_item.patent_id
        if patent is not None:
            patents = deals._manage_patents(db, principal, [patent])
    except NotFound:
        raise HTTPException(404, "no such campaign item") from None
    except LicensingError as exc:
        wf.place(exc, errors)
    if patents:
        values["patents"] = "\n".join(p.application_no for p in patents)
        values["title"] = values["title"] or patents[0].title or ""
    return _page(request, db, values, errors, patents, 400 if errors else 200, found_item)


def _prefill_from_item(db, values: dict, item, enterprise) -> None:
    values["item"] = str(item.id)
    if enterprise is not None:
        values["licensee_id"] = str(enterprise.organisation_id)
        values["licensee_name"] = enterprise.name
    drafted = db.scalars(select(Contract).where(Contract.push_item_id == item.id).order_by(Contract.id.desc())).first()
    if drafted is not None and drafted.price is not None:  # a cancelled draft's agreed price
        values["price"] = str(drafted.price)


_NUMBER_SPLIT = re.compile(r"[\s,，;；、]+")


def _read_patents(db, raw: str, errors: wf.FormErrors) -> list[int]:
    found, unknown = [], []
    for number in (n for n in _NUMBER_SPLIT.split(raw) if n):
        patent = patents_service.get_by_number(db_session=db, number=number[:40])
        (found if patent else unknown).append(patent.id if patent else number[:40])
    if unknown:
        errors.add("patents", f"unknown patent number(s): {', '.join(unknown[:10])}")
    elif not found:
        errors.add("patents", "list at least one patent (application or grant number)")
    return found


def _share(form, key: str, errors: wf.FormErrors, label: str) -> Decimal | None:
    pct = wf.amount(form, key, errors, required=True, label=label, maximum=Decimal("100.0001"))
    return None if pct is None else pct / 100


def _read_rule(form, errors: wf.FormErrors) -> dict | None:
    team = _share(form, "team_share", errors, "team share (%)")
    staff = _share(form, "staff_share", errors, "transfer staff share of the reward (%)")
    if team is None or staff is None:
        return None
    return {"team_share": str(team), "staff_share_of_reward": str(staff),
            "source": wf.text(form, "rule_source", 200) or "institution rule",
            "institution_rule": bool(form.get("institution_rule"))}


def _read_contract(db, form, errors: wf.FormErrors) -> tuple[dict, dict]:
    keys = ("kind", "licence_type", "patents", "licensee_id", "licensee_name", "title", "territory", "term_start",
            "term_end", "price", "pricing_route", "listing_ref", "fee_mode", "lump_sum", "royalty_pct",
            "royalty_basis", "payable_after_months", "item", "team_share", "staff_share", "rule_source",
            "publicity_start", "publicity_days")
    values = {k: wf.text(form, k, 2000) for k in keys}
    values["institution_rule"] = bool(form.get("institution_rule"))
    values["publicity"] = bool(form.get("publicity"))
    licensee_ids = wf.ids(form, "licensee_id")
    licensee = db.get(Organisation, licensee_ids[0]) if licensee_ids else None
    if licensee_ids and (licensee is None or licensee.kind != "enterprise"):
        errors.add("licensee", "choose an enterprise from the list, or type the licensee's name")
    args = {
        "patent_ids": _read_patents(db, values["patents"], errors),
        "kind": values["kind"], "licence_type": values["licence_type"] or None,
        "licensee_id": licensee.id if licensee else None,
        "licensee_name": licensee.name if licensee else values["licensee_name"][:300],
        "title": values["title"][:300], "territory": values["territory"][:200] or "中国",
        "term_start": wf.day(form, "term_start", errors, required=False, label="term start"),
        "term_end": wf.day(form, "term_end", errors, required=False, label="term end"),
        "price": wf.amount(form, "price", errors, label="price"),
        "pricing_route": values["pricing_route"] or "agreement", "listing_ref": values["listing_ref"][:200] or None,
        "fee_terms": wf.fee_terms(form, errors, required=False),
        "distribution_rule": _read_rule(form, errors),
        "item_id": (wf.ids(form, "item") or [None])[0],
        "publicity_start": wf.day(form, "publicity_start", errors, label="公示 start") if values["publicity"] else None,
        "publicity_days": wf.whole(form, "publicity_days", errors, default=0, low=1, high=366,
                                   label="公示 days") or None if values["publicity"] else None,
    }
    if errors.get("term_start") or errors.get("term_end"):
        errors.add("term", errors.get("term_start") or errors.get("term_end"))
    return values, args


@router.post("/contracts/new")
def contract_create(request: Request, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Draw up the draft contract (and start its 公示 when asked); refusals come back next to their fields."""
    _require_maker(principal)
    errors = wf.FormErrors()
    values, args = _read_contract(db, form, errors)
    patents = [p for p in (db.get(Patent, i) for i in args["patent_ids"]) if p is not None]
    item = db.get(PushItem, args["item_id"]) if args["item_id"] is not None else None
    if not errors:
        try:
            contract = deals.create_for(db_session=db, principal=principal, **args)
            db.commit()
            request.session[CONTRACT_FLASH] = {"ok": True, "action": "con_created"}
            return RedirectResponse(f"/licensing/contracts/{contract.id}", status_code=303)
        except NotFound:
            db.rollback()
            errors.add("item", f"no campaign item {args['item_id']}")
        except PermissionDenied:
            db.rollback()
            errors.add("patents", "you may not draw up contracts over these patents (not your institution's)")
        except LicensingError as exc:
            db.rollback()
            wf.place(exc, errors)
    return _page(request, db, values, errors, patents, 400, item)


# -- completing or editing a draft ------------------------------------------------------------------------------

def _pct(value) -> str:
    return format((Decimal(str(value)) * 100).normalize(), "f")


def _values_from(contract: Contract, patents: list[Patent]) -> dict:
    """The form's values from a stored draft (the page a person completes)."""
    terms, rule = contract.fee_terms or {}, contract.distribution_rule or {}
    values = _defaults()
    values.update({
        "kind": contract.kind, "licence_type": contract.licence_type or "ordinary",
        "patents": "\n".join(p.application_no for p in patents), "licensee_id": str(contract.licensee_id or ""),
        "licensee_name": "" if contract.licensee_id else contract.licensee_name, "title": contract.title or "",
        "territory": contract.territory or "", "price": "" if contract.price is None else str(contract.price),
        "term_start": contract.term_start.isoformat() if contract.term_start else "",
        "term_end": contract.term_end.isoformat() if contract.term_end else "",
        "pricing_route": contract.pricing_route, "listing_ref": contract.listing_ref or "",
        "fee_mode": terms.get("mode") or "", "lump_sum": terms.get("lump_sum") or "",
        "royalty_pct": terms.get("royalty_pct") or "", "royalty_basis": terms.get("royalty_basis") or "net_sales",
        "payable_after_months": str(terms.get("payable_after_months") or 0),
        "item": str(contract.push_item_id or ""), "version": str(contract.version_id)})
    if rule:
        values.update({"team_share": _pct(rule["team_share"]), "staff_share": _pct(rule["staff_share_of_reward"]),
                       "rule_source": rule.get("source", ""), "institution_rule": bool(rule.get("institution_rule"))})
    return values


def _draft_for(request: Request, db, principal: Principal, contract_id: int):
    """The draft the principal may manage (404 hidden or missing, 403 read-only); a contract past its draft
    sends the person back to its page with the reason."""
    try:
        contract = deals.get_for(db_session=db, principal=principal, contract_id=contract_id,
                                 action="contract.manage")
    except NotFound:
        raise HTTPException(404, "no such contract") from None
    if contract.status != "draft":
        request.session[CONTRACT_FLASH] = {"ok": False, "action": "con_edit",
                                           "message": f"contract {contract.id} is '{contract.status}'"}
        return contract, RedirectResponse(f"/licensing/contracts/{contract.id}", status_code=303)
    return contract, None


@router.get("/contracts/{contract_id}/edit")
def contract_edit_form(request: Request, db: DbSession, principal: CurrentPrincipal, contract_id: Id):
    """The draft in the contract form (e.g. the draft made when a campaign item reached 已许可), to complete."""
    contract, away = _draft_for(request, db, principal, contract_id)
    if away:
        return away
    patents = [p for p in (db.get(Patent, cp.patent_id) for cp in contract.patents) if p is not None]
    item = db.get(PushItem, contract.push_item_id) if contract.push_item_id else None
    return _page(request, db, _values_from(contract, patents), wf.FormErrors(), patents, item=item,
                 contract=contract)


@router.post("/contracts/{contract_id}/edit")
def contract_update(request: Request, db: DbSession, principal: CurrentPrincipal, contract_id: Id,
                    form: CsrfForm):
    """Save the completed draft through :func:`contracts.update_contract` with the version the page was read
    at (a stale page is refused, 409, and changes nothing); refusals come back next to their fields."""
    contract, away = _draft_for(request, db, principal, contract_id)
    if away:
        return away
    errors = wf.FormErrors()
    values, args = _read_contract(db, form, errors)
    values["version"] = wf.text(form, "version", 12)
    version = int(values["version"]) if re.fullmatch(r"[0-9]{1,10}", values["version"]) else None
    if version is None:
        errors.add("form", "the page has no version: reload it")
    args.pop("item_id")
    patents = [p for p in (db.get(Patent, i) for i in args["patent_ids"]) if p is not None]
    item = db.get(PushItem, contract.push_item_id) if contract.push_item_id else None
    status = 400
    if not errors:
        try:
            deals.update_for(db_session=db, principal=principal, contract_id=contract.id, expected_version=version,
                             **args)
            db.commit()
            request.session[CONTRACT_FLASH] = {"ok": True, "action": "con_updated"}
            return RedirectResponse(f"/licensing/contracts/{contract_id}", status_code=303)
        except PermissionDenied:
            db.rollback()
            errors.add("patents", "you may not draw up contracts over these patents (not your institution's)")
        except ConflictError as exc:
            db.rollback()
            errors.add("form", str(exc))
            status = 409
        except LicensingError as exc:
            db.rollback()
            wf.place(exc, errors)
        contract = db.get(Contract, contract_id)
    return _page(request, db, values, errors, patents, status, item, contract=contract)


# -- income distribution ---------------------------------------------------------------------------------------

@router.post("/contracts/{contract_id}/distribution")
def contract_distribution(request: Request, db: DbSession, principal: CurrentPrincipal, contract_id: Id,
                          form: CsrfForm):
    """Record (or, with ``preview``, only compute) an income distribution: net = gross − costs shared by the
    rule to inventors, transfer staff by 贡献积分 and the institution (赋权 owners first)."""
    try:
        contract = deals.get_for(db_session=db, principal=principal, contract_id=contract_id,
                                 action="contract.rewards")
    except NotFound:
        raise HTTPException(404, "no such contract") from None
    errors = wf.FormErrors()
    values = distribution_values(contract, form)
    args = {"gross_income": wf.amount(form, "gross_income", errors, required=True, label="gross income"),
            "costs": wf.amount(form, "costs", errors, label="costs") or Decimal(0),
            "staff_points": wf.weights(form, "staff_points", errors, label="贡献积分"),
            "inventors": wf.weights(form, "inventors", errors, label="inventors"),
            "owners": wf.weights(form, "owners", errors, label="owners (赋权)"),
            "rule": _read_rule(form, errors)}
    if errors:
        return contract_page_response(request, db, principal, contract_id, dist_values=values, dist_errors=errors,
                              status_code=400)
    try:
        dist = deals.distribute_for(db_session=db, principal=principal, contract_id=contract_id, **args)
    except LicensingError as exc:
        db.rollback()
        wf.place(exc, errors, default="distribution")
        return contract_page_response(request, db, principal, contract_id, dist_values=values, dist_errors=errors,
                              status_code=400)
    if form.get("preview"):
        allocations = list(dist.allocations)
        db.rollback()  # a preview saves nothing
        return contract_page_response(request, db, principal, contract_id, dist_values=values, dist_preview=allocations)
    db.commit()
    request.session[CONTRACT_FLASH] = {"ok": True, "action": "con_distributed"}
    return RedirectResponse(f"/licensing/contracts/{contract_id}#rewards", status_code=303)
