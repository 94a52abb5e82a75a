"""盘点 pages (campaigns, progress, items, the self-assessment form, review) and their ``/api/v1`` twins."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from panhuo.accounts.permissions import PermissionDenied, Principal, can
from panhuo.inventory import excel, rules, schemas, vocabulary
from panhuo.inventory import service as inventory_service
from panhuo.inventory.models import InventoryItem
from panhuo.patents.models import Patent
from panhuo.web import charts, xlsx
from panhuo.web.deps import ApiPrincipal, CsrfForm, CurrentPrincipal, DbSession, Id, OptionalId, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["inventory"])


def _campaign(db: Session, principal: Principal, campaign_id: Id):
    campaign = inventory_service.get_campaign_for(db_session=db, principal=principal, campaign_id=campaign_id)
    if campaign is None:
        raise HTTPException(404, "no such campaign")
    return campaign


def _item(db: Session, principal: Principal, item_id: Id) -> tuple[InventoryItem, Patent]:
    item = inventory_service.get_item_for(db_session=db, principal=principal, item_id=item_id)
    if item is None:
        raise HTTPException(404, "no such item")
    return item, db.get(Patent, item.patent_id)


# ---------------------------------------------------------------- pages

@router.get("/campaigns")
def campaigns_page(request: Request, db: DbSession, principal: CurrentPrincipal):
    """Campaigns of the person's institutions, and a form to start one."""
    campaigns = inventory_service.list_campaigns(db_session=db, principal=principal)
    institutions = sorted(i for i in principal.institution_ids()
                          if can(principal, "campaign.create", inventory_service.Scope(i)))
    return render(request, "campaigns.html", campaigns=campaigns, institutions=institutions)


@router.post("/campaigns")
def create_campaign(db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Start a campaign and take its scope (the institution's valid patents)."""
    try:
        deadline = date.fromisoformat(form["deadline"]) if form.get("deadline") else None
        institution_id = int(form.get("institution_id") or 0)
        campaign = inventory_service.create_campaign(db_session=db, principal=principal,
                                                     institution_id=institution_id,
                                                     name=str(form.get("name", "")), deadline=deadline)
    except (ValueError, inventory_service.InventoryError) as exc:
        raise HTTPException(400, str(exc)) from None
    inventory_service.add_scope(db_session=db, principal=principal, campaign=campaign)
    db.commit()
    return RedirectResponse(f"/campaigns/{campaign.id}", status_code=303)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, db: DbSession, principal: CurrentPrincipal, campaign_id: Id,
                  status: str | None = None, department_id: OptionalId = None, mine: int = 0):
    """Progress (盘点率) by department, the reminder list and the items."""
    campaign = _campaign(db, principal, campaign_id)
    progress = reminders = None
    if can(principal, "campaign.progress", campaign):
        progress = inventory_service.progress(db_session=db, principal=principal, campaign=campaign)
        for entry in progress["departments"]:
            entry["bar"] = charts.progress_bar(entry["rate"])
        progress["bar"] = charts.progress_bar(progress["rate"], width=240)
        reminders = inventory_service.reminders(db_session=db, principal=principal, campaign=campaign,
                                                today=date.today())
    items = inventory_service.list_items(db_session=db, principal=principal, campaign=campaign,
                                         status=status or None, department_id=department_id, mine=bool(mine))
    return render(request, "campaign.html", campaign=campaign, progress=progress, reminders=reminders,
                  items=items, status=status or "", statuses=list(rules.ItemStatus), mine=mine,
                  can_manage=can(principal, "campaign.manage", campaign), report=None,
                  **_assignment_choices(db, campaign))


def _assignment_choices(db: Session, campaign) -> dict:
    from panhuo.accounts import service as accounts_service
    from panhuo.accounts.enums import Role

    departments = accounts_service.departments_of(db_session=db, institution_id=campaign.institution_id)
    inventors = accounts_service.members_of(db_session=db, role=Role.INVENTOR,
                                            organisation_ids=[campaign.institution_id, *(d.id for d in departments)])
    return {"departments": departments, "inventors": inventors}


@router.post("/campaigns/{campaign_id}/assign")
def campaign_assign(db: DbSession, principal: CurrentPrincipal, campaign_id: Id, form: CsrfForm):
    """Assign the ticked items to a department and/or an inventor."""
    campaign = _campaign(db, principal, campaign_id)
    try:
        department_id = int(form["department_id"]) if form.get("department_id") else None
        inventor_id = int(form["inventor_user_id"]) if form.get("inventor_user_id") else None
        for raw in form.all("item_ids"):
            item = inventory_service.get_item(db_session=db, item_id=int(raw))
            if item is None or item.campaign_id != campaign.id:
                raise inventory_service.InventoryError(f"item {raw} is not in this campaign")
            inventory_service.assign(db_session=db, principal=principal, item=item, department_id=department_id,
                                     inventor_user_id=inventor_id)
    except (ValueError, inventory_service.InventoryError) as exc:
        raise HTTPException(400, str(exc)) from None
    db.commit()
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.get("/campaigns/{campaign_id}/export.xlsx")
def campaign_export(db: DbSession, principal: CurrentPrincipal, campaign_id: Id, mine: int = 0):
    """The self-assessment sheet of the campaign (or of the person's own items) to fill offline."""
    campaign = _campaign(db, principal, campaign_id)
    content = excel.export_items(db_session=db, principal=principal, campaign=campaign, mine=bool(mine))
    return Response(content, media_type=xlsx.MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.xlsx"'})


@router.post("/campaigns/{campaign_id}/import")
async def campaign_import(request: Request, db: DbSession, principal: CurrentPrincipal, campaign_id: Id,
                          form: CsrfForm):
    """Import a filled sheet: every good row is saved, every bad row is reported with its row number."""
    campaign = _campaign(db, principal, campaign_id)
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise HTTPException(400, "choose an .xlsx file")
    content = await upload.read()
    report = excel.import_items(db_session=db, principal=principal, campaign=campaign, content=content)
    db.commit()
    items = inventory_service.list_items(db_session=db, principal=principal, campaign=campaign)
    return render(request, "campaign.html", campaign=campaign, progress=None, reminders=None, items=items,
                  status="", statuses=list(rules.ItemStatus), mine=0,
                  can_manage=can(principal, "campaign.manage", campaign), report=report,
                  **_assignment_choices(db, campaign))


def _item_page(request: Request, db: Session, principal: Principal, item: InventoryItem, patent: Patent,
               errors: dict | None = None, message: str | None = None, status_code: int = 200):
    steps = [t for t in rules.available_transitions(item.status) if can(principal, t.permission, item)]
    return render(request, "item.html", status_code=status_code, item=item, patent=patent,
                  fields=vocabulary.fields(), values=item.assessment or {}, errors=errors or {}, message=message,
                  editable=item.status in rules.OPEN_STATUSES and can(principal, "item.fill", item), steps=steps)


@router.get("/items/{item_id}")
def item_page(request: Request, db: DbSession, principal: CurrentPrincipal, item_id: Id):
    """The self-assessment form of one patent, its review steps and history."""
    item, patent = _item(db, principal, item_id)
    return _item_page(request, db, principal, item, patent)


@router.post("/items/{item_id}/assessment")
def item_save(request: Request, db: DbSession, principal: CurrentPrincipal, item_id: Id, form: CsrfForm):
    """Save the form (good fields are kept even when others are wrong)."""
    item, patent = _item(db, principal, item_id)
    values = {f["name"]: (form.all(f["name"]) if f["kind"] == "multi" else form.get(f["name"]))
              for f in vocabulary.fields()}
    try:
        errors = inventory_service.save_assessment(db_session=db, principal=principal, item=item, values=values)
    except rules.TransitionError as exc:
        raise HTTPException(409, str(exc)) from None
    db.commit()
    return _item_page(request, db, principal, item, patent, errors=errors,
                      message=None if errors else "saved", status_code=422 if errors else 200)


@router.post("/items/{item_id}/transition")
def item_transition(request: Request, db: DbSession, principal: CurrentPrincipal, item_id: Id, form: CsrfForm):
    """Apply a review step (submit / approve / return with a comment)."""
    item, patent = _item(db, principal, item_id)
    try:
        inventory_service.transition(db_session=db, principal=principal, item=item, name=str(form.get("step", "")),
                                     comment=str(form.get("comment", "")))
    except rules.TransitionError as exc:
        db.rollback()
        item, patent = _item(db, principal, item_id)
        return _item_page(request, db, principal, item, patent, errors={"_step": str(exc)}, status_code=409)
    db.commit()
    return RedirectResponse(f"/items/{item_id}", status_code=303)


# ---------------------------------------------------------------- API

def _item_read(item: InventoryItem, patent: Patent) -> schemas.ItemRead:
    return schemas.ItemRead(id=item.id, campaign_id=item.campaign_id, patent_id=item.patent_id,
                            application_no=patent.application_no, title=patent.title,
                            department_id=item.department_id, inventor_user_id=item.inventor_user_id,
                            status=item.status, assessment=item.assessment or {}, synthetic=patent.synthetic)


@api.get("/campaigns", response_model=list[schemas.CampaignRead])
def api_campaigns(db: DbSession, principal: ApiPrincipal):
    """Campaigns visible to the caller."""
    return inventory_service.list_campaigns(db_session=db, principal=principal)


@api.post("/campaigns", response_model=schemas.CampaignRead, status_code=201)
def api_create_campaign(db: DbSession, principal: ApiPrincipal, body: schemas.CampaignCreate):
    """Start a campaign for an institution and take its scope (institution admin or operator)."""
    try:
        campaign = inventory_service.create_campaign(db_session=db, principal=principal,
                                                     institution_id=body.institution_id, name=body.name,
                                                     deadline=body.deadline,
                                                     scope={"legal_status": body.legal_status})
    except inventory_service.InventoryError as exc:
        raise HTTPException(422, str(exc)) from None
    inventory_service.add_scope(db_session=db, principal=principal, campaign=campaign)
    db.commit()
    return campaign


@api.put("/items/{item_id}/assignment", response_model=schemas.ItemRead)
def api_assign(db: DbSession, principal: ApiPrincipal, item_id: Id, body: schemas.AssignmentIn):
    """Assign an item to a department and/or an inventor."""
    item, patent = _item(db, principal, item_id)
    try:
        inventory_service.assign(db_session=db, principal=principal, item=item, department_id=body.department_id,
                                 inventor_user_id=body.inventor_user_id)
    except inventory_service.InventoryError as exc:
        raise HTTPException(422, str(exc)) from None
    db.commit()
    return _item_read(item, patent)


@api.get("/campaigns/{campaign_id}/progress", response_model=schemas.ProgressRead)
def api_progress(db: DbSession, principal: ApiPrincipal, campaign_id: Id):
    """盘点率 by department."""
    campaign = _campaign(db, principal, campaign_id)
    return inventory_service.progress(db_session=db, principal=principal, campaign=campaign)


@api.get("/campaigns/{campaign_id}/items", response_model=list[schemas.ItemRead])
def api_items(db: DbSession, principal: ApiPrincipal, campaign_id: Id, status: rules.ItemStatus | None = None,
              limit: int = 200, offset: int = 0):
    """Items of a campaign."""
    campaign = _campaign(db, principal, campaign_id)
    rows = inventory_service.list_items(db_session=db, principal=principal, campaign=campaign, status=status,
                                        limit=max(1, min(limit, 1000)), offset=max(0, offset))
    return [_item_read(i, p) for i, p in rows]


@api.get("/items/{item_id}", response_model=schemas.ItemDetail)
def api_item(db: DbSession, principal: ApiPrincipal, item_id: Id):
    """One item with its review history."""
    item, patent = _item(db, principal, item_id)
    return schemas.ItemDetail(**_item_read(item, patent).model_dump(),
                              comments=[schemas.CommentRead.model_validate(c) for c in item.comments])


@api.put("/items/{item_id}/assessment", response_model=schemas.AssessmentResult)
def api_save_assessment(db: DbSession, principal: ApiPrincipal, item_id: Id, body: schemas.AssessmentIn):
    """Merge self-assessment values; invalid fields are returned in ``errors`` and not saved."""
    item, patent = _item(db, principal, item_id)
    try:
        errors = inventory_service.save_assessment(db_session=db, principal=principal, item=item,
                                                   values=body.model_dump(exclude_unset=True))
    except rules.TransitionError as exc:
        raise HTTPException(409, str(exc)) from None
    db.commit()
    return schemas.AssessmentResult(item=_item_read(item, patent), errors=errors)


@api.post("/items/{item_id}/transitions", response_model=schemas.ItemRead)
def api_transition(db: DbSession, principal: ApiPrincipal, item_id: Id, body: schemas.TransitionIn):
    """Apply a review step."""
    item, patent = _item(db, principal, item_id)
    try:
        inventory_service.transition(db_session=db, principal=principal, item=item, name=body.step,
                                     comment=body.comment)
    except rules.TransitionError as exc:
        raise HTTPException(409, str(exc)) from None
    db.commit()
    return _item_read(item, patent)


__all__ = ["PermissionDenied", "api", "router"]
