"""Open-licensing pages (专利法 Art. 50–52): the declarations of an institution with their checks by name and
the forms to draft, file, publish, reject and withdraw them (the institution's admins and the operator); the
published open licences every signed-in person may read, where an enterprise takes one by written notice;
and the licences taken, whose payment, effectiveness and 备案 the institution records.

Who may act: ``patent.dispose`` on the declaration's patent (:mod:`panhuo.accounts.permissions`). Enterprises
see the published declarations and only their own licences. Every write goes through
:mod:`panhuo.licensing.service` (rules, state machines, audit); the request commits. A refused form is shown
again with what was typed and the reason next to the field (status 400); a refused move is a message on the
page and changes nothing.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from panhuo.accounts.models import Organisation
from panhuo.accounts.permissions import PermissionDenied, Principal, can, require
from panhuo.licensing import service as declaration_service
from panhuo.licensing import states
from panhuo.licensing import webforms as wf
from panhuo.licensing.lifecycle import NotFound
from panhuo.licensing.models import Declaration, OpenLicence
from panhuo.licensing.rules import ELIGIBILITY_CHECKS, LicensingError
from panhuo.licensing.views import translator
from panhuo.patents import service as patents_service
from panhuo.patents.models import Patent
from panhuo.web.deps import CsrfForm, CurrentPrincipal, DbSession, Id, lang_of, render

router = APIRouter(prefix="/licensing", include_in_schema=False)
FLASH = "declaration_flash"
DECLARATION_ACTIONS = {"file": "filed", "publish": "published", "reject": "rejected", "withdraw": "withdrawn"}
LICENCE_ACTIONS = {"pay": "paid", "effective": "effective", "record": "recorded", "terminate": "terminated"}


def _render(request: Request, template: str, status_code: int = 200, **context):
    return render(request, template, status_code=status_code, t=translator(lang_of(request)),
                  today=date.today().isoformat(), **context)


def _scope(institution_id: int | None) -> SimpleNamespace:
    return SimpleNamespace(institution_id=institution_id)


def _require_tto(principal: Principal) -> None:
    """The institution's admins (technology-transfer office) and the operator."""
    if not (principal.is_operator or any(can(principal, "patent.dispose", _scope(i))
                                         for i in principal.institution_ids())):
        raise PermissionDenied("licensing.declaration.view", principal)


def _patent_for_tto(db, principal: Principal, patent_id: int) -> Patent:
    """The patent when the principal may declare it; 404 when missing or outside their institutions."""
    patent = db.get(Patent, patent_id)
    if patent is None or not can(principal, "patent.view", patent):
        raise HTTPException(404, "no such patent")
    require(principal, "patent.dispose", patent)
    return patent


# -- the declarations page -------------------------------------------------------------------------------------

@router.get("/declarations")
def declarations_page(request: Request, db: DbSession, principal: CurrentPrincipal):
    """The open-licence declarations of the person's institutions (all for the operator), each with its
    content and eligibility checks by name, its next moves and the licences taken under it."""
    _require_tto(principal)
    rows = []
    for declaration in declaration_service.list_declarations(db_session=db):
        patent = db.get(Patent, declaration.patent_id)
        if patent is None or not can(principal, "patent.dispose", patent):
            continue
        rows.append(_declaration_row(db, declaration, patent))
    return _render(request, "licensing/declarations.html", rows=rows, checks=ELIGIBILITY_CHECKS,
                   flash=request.session.pop(FLASH, None))


def _declaration_row(db, declaration: Declaration, patent: Patent) -> dict:
    result = declaration_service.check(db_session=db, declaration_id=declaration.id)
    return {"declaration": declaration, "patent": patent, "content": result["content"],
            "failed": wf.problems_by_check(result["eligibility"]), "ok": result["ok"],
            "next": states.allowed("declaration", declaration.status),
            "licences": [_licence_row(lic) for lic in declaration.licences]}


def _licence_row(licence: OpenLicence) -> dict:
    overdue = bool(licence.status == "effective" and licence.recordal_deadline
                   and licence.recordal_deadline < date.today())
    return {"licence": licence, "next": states.allowed("open_licence", licence.status), "overdue": overdue,
            "upfront": declaration_service.upfront_fee(licence.declaration)}


# -- a new declaration -----------------------------------------------------------------------------------------

def _blank_values(patent: Patent | None) -> dict:
    start = date.today()
    return {"patent": str(patent.id) if patent else "", "fee_mode": "", "lump_sum": "", "royalty_pct": "",
            "royalty_basis": "net_sales", "payable_after_months": "0", "trial_months": "0",
            "term_start": start.isoformat(), "term_end": "", "other_terms": "", "patentee": "",
            "consenting_owners": [], "pledgee_consent": False, "evaluation_report_no": "",
            "evaluation_report": ""}


def _form_page(request, db, principal, patent: Patent | None, values: dict, errors: wf.FormErrors,
               checks: dict | None, status_code: int = 200):
    owners = declaration_service.owners(patent) if patent else []
    proposal = None
    if patent is not None:
        proposal = declaration_service.standing_declaration(db_session=db, patent_id=patent.id)
    return _render(request, "licensing/declaration_new.html", status_code=status_code, patent=patent,
                   owners=owners, values=values, errors=errors, checks=checks,
                   failed=wf.problems_by_check(checks["eligibility"]) if checks else {},
                   names=ELIGIBILITY_CHECKS, standing=proposal, modes=wf.FEE_MODES,
                   expiry=declaration_service.patent_expiry(patent) if patent else None)


@router.get("/declarations/new")
def declaration_form(request: Request, db: DbSession, principal: CurrentPrincipal, patent: str | None = None):
    """The form for a new declaration; ``patent`` is the patent's id or its number. With a patent, the
    eligibility checks from the register are shown before anything is saved."""
    _require_tto(principal)
    found, errors = None, wf.FormErrors()
    raw = (patent or "").strip()[:40]
    if raw:
        found = _lookup_patent(db, principal, raw, errors)
    values = _blank_values(found)
    values["patent"] = str(found.id) if found else raw
    checks = None
    if found is not None:
        checks = declaration_service.preview_checks(db_session=db, patent_id=found.id, fee_terms={"mode": "free"},
                                                    term_start=None, term_end=None)
        checks["content"] = []  # nothing typed yet: only the register's facts are judged
    return _form_page(request, db, principal, found, values, errors, checks, 404 if raw and not found else 200)


def _lookup_patent(db, principal: Principal, raw: str, errors: wf.FormErrors) -> Patent | None:
    patent = db.get(Patent, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if patent is None:
        patent = patents_service.get_by_number(db_session=db, number=raw)
    if patent is None or not can(principal, "patent.view", patent):
        errors.add("patent", f"no patent '{raw}' in your institution's records")
        return None
    if not can(principal, "patent.dispose", patent):
        errors.add("patent", f"you may not declare patent {patent.application_no} (not your institution's)")
        return None
    return patent


def _read_declaration_form(form, errors: wf.FormErrors) -> tuple[dict, dict]:
    """(values to refill the form, arguments for the service)."""
    values = {key: wf.text(form, key, 2000) for key in
              ("patent", "fee_mode", "lump_sum", "royalty_pct", "royalty_basis", "payable_after_months",
               "trial_months", "term_start", "term_end", "other_terms", "patentee", "evaluation_report_no",
               "evaluation_report")}
    values["consenting_owners"] = [str(v)[:300] for v in form.all("consenting_owners") if str(v).strip()]
    values["pledgee_consent"] = bool(form.get("pledgee_consent"))
    report = values["evaluation_report"]
    args = {
        "fee_terms": wf.fee_terms(form, errors) or {},
        "term_start": wf.day(form, "term_start", errors, label="licence term start"),
        "term_end": wf.day(form, "term_end", errors, label="licence term end"),
        "other_terms": values["other_terms"] or None, "patentee": values["patentee"] or None,
        "trial_months": wf.whole(form, "trial_months", errors, high=120, label="free trial months"),
        "consenting_owners": values["consenting_owners"], "pledgee_consent": values["pledgee_consent"],
        "evaluation_report_no": values["evaluation_report_no"][:60] or None,
        "evaluation_report_positive": {"positive": True, "negative": False}.get(report),
    }
    if errors.get("term_start") or errors.get("term_end"):
        errors.add("term", errors.get("term_start") or errors.get("term_end"))
    return values, args


@router.post("/declarations/new")
def declaration_create(request: Request, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Save a draft declaration (or, with ``check``, only show the checks it would get). Content problems
    (missing items, promotional wording, fee caps, term) are refused next to their fields."""
    _require_tto(principal)
    errors = wf.FormErrors()
    patent = _lookup_patent(db, principal, wf.text(form, "patent", 40), errors) if wf.text(form, "patent", 40) \
        else None
    if patent is None:
        errors.add("patent", "choose the patent to declare (its number)")
    values, args = _read_declaration_form(form, errors)
    checks = None
    if patent is not None and not errors:
        preview = {k: v for k, v in args.items() if k not in ("trial_months", "evaluation_report_no")}
        checks = declaration_service.preview_checks(db_session=db, patent_id=patent.id, **preview)
    if errors or form.get("check") or patent is None:
        status = 400 if errors else 200
        return _form_page(request, db, principal, patent, values, errors, checks, status)
    try:
        declaration = declaration_service.create_declaration(db_session=db, patent_id=patent.id,
                                                             actor=principal.username, **args)
        db.commit()
    except LicensingError as exc:
        db.rollback()
        wf.place(exc, errors)
        return _form_page(request, db, principal, patent, values, errors, checks, 400)
    request.session[FLASH] = {"ok": True, "id": declaration.id, "action": "dec_act_create"}
    return RedirectResponse(f"/licensing/declarations#declaration-{declaration.id}", status_code=303)


# -- moves of a declaration ------------------------------------------------------------------------------------

def _declaration_for(db, principal: Principal, declaration_id: int) -> Declaration:
    declaration = db.get(Declaration, declaration_id)
    patent = db.get(Patent, declaration.patent_id) if declaration else None
    if patent is None or not can(principal, "patent.view", patent):
        raise HTTPException(404, "no such declaration")
    require(principal, "patent.dispose", patent)
    return declaration


def _move_declaration(db, declaration: Declaration, action: str, form, actor: str) -> None:
    errors = wf.FormErrors()
    common = {"db_session": db, "declaration_id": declaration.id, "actor": actor,
              "expected_version": _version(form)}
    on = wf.day(form, "on", errors, label="the date") if action != "reject" else None
    reason = wf.text(form, "reason", 500)
    if action == "reject" and not reason:
        errors.add("reason", "give CNIPA's reason for the rejection")
    if errors:
        raise LicensingError("; ".join(errors.values()))
    if action == "file":
        declaration_service.file_declaration(**common, on=on)
    elif action == "publish":
        declaration_service.publish_declaration(**common, on=on, cnipa_ref=wf.text(form, "cnipa_ref", 60) or None)
    elif action == "reject":
        declaration_service.reject_declaration(**common, reason=reason)
    else:
        declaration_service.withdraw_declaration(**common, on=on)


def _version(form) -> int | None:
    raw = wf.text(form, "version", 12)
    return int(raw) if raw.isdigit() and len(raw) <= 10 else None


@router.post("/declarations/{declaration_id}/{action}")
def declaration_move(request: Request, db: DbSession, principal: CurrentPrincipal, declaration_id: Id,
                     action: str, form: CsrfForm):
    """draft → file (every check must pass, each failure named) → publish | reject; published → withdraw."""
    if action not in DECLARATION_ACTIONS:
        raise HTTPException(404, f"unknown action '{action}' (one of: {', '.join(DECLARATION_ACTIONS)})")
    declaration = _declaration_for(db, principal, declaration_id)
    try:
        _move_declaration(db, declaration, action, form, principal.username)
        db.commit()
        request.session[FLASH] = {"ok": True, "id": declaration_id, "action": f"dec_act_{action}"}
    except LicensingError as exc:
        db.rollback()
        request.session[FLASH] = {"ok": False, "id": declaration_id, "action": f"dec_act_{action}",
                                  "message": str(exc)}
    return RedirectResponse(f"/licensing/declarations#declaration-{declaration_id}", status_code=303)


# -- published open licences: read by everyone signed in, taken by enterprises ----------------------------------

OPEN_FLASH = "open_licence_flash"


def _enterprises(db, principal: Principal) -> list[Organisation]:
    ids = sorted(principal.enterprise_ids())
    return list(db.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id))) \
        if ids else []


@router.get("/open-licences")
def open_licences_page(request: Request, db: DbSession, principal: CurrentPrincipal):
    """Published open licences (patent, patentee, fee terms, term); enterprises take one here and see the
    licences they hold, with what is due and the 备案 deadline."""
    published = declaration_service.list_declarations(db_session=db, status="published")
    patents = {p.id: p for p in db.scalars(select(Patent).where(Patent.id.in_({d.patent_id for d in published})))} \
        if published else {}
    companies = _enterprises(db, principal)
    mine = declaration_service.list_open_licences(db_session=db, licensee_ids=[o.id for o in companies]) \
        if companies else []
    held = {(lic.declaration_id, lic.licensee_id) for lic in mine if lic.status not in ("cancelled", "terminated")}
    rows = [{"declaration": d, "patent": patents.get(d.patent_id), "upfront": declaration_service.upfront_fee(d),
             "held": {o.id for o in companies if (d.id, o.id) in held}} for d in published]
    return _render(request, "licensing/open_licences.html", rows=rows, companies=companies,
                   mine=[_licence_row(lic) for lic in mine], flash=request.session.pop(OPEN_FLASH, None))


@router.post("/open-licences/{declaration_id}/take")
def open_licence_take(request: Request, db: DbSession, principal: CurrentPrincipal, declaration_id: Id,
                      form: CsrfForm):
    """An enterprise's written notice under a published declaration; the licensee is its own organisation."""
    if not principal.is_enterprise:
        raise PermissionDenied("licensing.open_licence.take", principal)
    companies = {o.id: o for o in _enterprises(db, principal)}
    chosen = wf.ids(form, "licensee_id")
    org = companies.get(chosen[0]) if chosen else next(iter(companies.values()), None)
    if org is None:
        raise PermissionDenied("licensing.open_licence.take", principal)  # not one of their organisations
    declaration = db.get(Declaration, declaration_id)
    if declaration is None or declaration.status not in ("published", "withdrawn"):
        raise HTTPException(404, "no such published declaration")
    errors = wf.FormErrors()
    on = wf.day(form, "notified_on", errors, label="the notice date")
    try:
        if errors:
            raise LicensingError("; ".join(errors.values()))
        licence = declaration_service.take_open_licence(
            db_session=db, declaration_id=declaration.id, licensee_name=org.name, licensee_id=org.id,
            notified_on=on, actor=principal.username)
        db.commit()
        request.session[OPEN_FLASH] = {"ok": True, "id": declaration_id, "licence": licence.id}
    except LicensingError as exc:
        db.rollback()
        request.session[OPEN_FLASH] = {"ok": False, "id": declaration_id, "message": str(exc),
                                       "notified_on": wf.text(form, "notified_on", 40)}
    return RedirectResponse(f"/licensing/open-licences#declaration-{declaration_id}", status_code=303)


@router.post("/licences/{licence_id}/{action}")
def open_licence_move(request: Request, db: DbSession, principal: CurrentPrincipal, licence_id: Id,
                      action: str, form: CsrfForm):
    """The institution records a licence's payment, its effective date (the 3-month 备案 deadline starts),
    its recordal with CNIPA, and its termination (date and reason, which the licensee sees)."""
    if action not in LICENCE_ACTIONS:
        raise HTTPException(404, f"unknown action '{action}' (one of: {', '.join(LICENCE_ACTIONS)})")
    licence = db.get(OpenLicence, licence_id)
    if licence is None:
        raise HTTPException(404, "no such licence")
    _declaration_for(db, principal, licence.declaration_id)
    declaration_id = licence.declaration_id
    errors = wf.FormErrors()
    on = wf.day(form, "on", errors, label="the date")
    common = {"db_session": db, "licence_id": licence.id, "actor": principal.username,
              "expected_version": _version(form)}
    try:
        if action == "pay":
            paid = wf.amount(form, "amount", errors, required=True, label="amount paid")
            if errors:
                raise LicensingError("; ".join(errors.values()))
            declaration_service.pay_open_licence(**common, paid_on=on, amount=paid)
        elif errors:
            raise LicensingError("; ".join(errors.values()))
        elif action == "effective":
            declaration_service.licence_effective(**common, on=on)
        elif action == "terminate":
            declaration_service.terminate_open_licence(**common, on=on, reason=wf.text(form, "reason", 500))
        else:
            declaration_service.record_open_licence(**common, on=on)
        db.commit()
        request.session[FLASH] = {"ok": True, "id": declaration_id, "action": f"ol_act_{action}"}
    except NotFound:
        db.rollback()
        raise HTTPException(404, "no such licence") from None
    except LicensingError as exc:
        db.rollback()
        request.session[FLASH] = {"ok": False, "id": declaration_id, "action": f"ol_act_{action}",
                                  "message": str(exc)}
    return RedirectResponse(f"/licensing/declarations#licence-{licence_id}", status_code=303)
