"""Pages: home, dashboards, the internal patent list and page, publication, the library, enterprise feedback."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from panhuo.accounts import service as accounts_service
from panhuo.accounts.permissions import PermissionDenied, can
from panhuo.inventory import access, stats
from panhuo.inventory import service as inventory_service
from panhuo.patents import service as patents_service
from panhuo.web import charts, extras, xlsx
from panhuo.web.deps import CsrfForm, CurrentPrincipal, DbSession, Id, OptionalId, render

router = APIRouter(include_in_schema=False)
PAGE = 25


@router.get("/")
def home(request: Request, db: DbSession, principal: CurrentPrincipal):
    """Start page: the personal task queue and the dashboard of the person's scope."""
    if principal.is_enterprise and not principal.institution_ids():
        return RedirectResponse("/library", status_code=303)
    tasks = inventory_service.my_items(db_session=db, principal=principal, limit=50)
    return render(request, "home.html", tasks=tasks)


@router.get("/dashboard")
def dashboard(request: Request, db: DbSession, principal: CurrentPrincipal, institution_id: OptionalId = None):
    """Operator (province-wide) or institution dashboard with SVG charts."""
    if institution_id is None and not principal.is_operator:
        institution_id = min(principal.institution_ids(), default=-1)
    data = stats.dashboard(db_session=db, principal=principal, institution_id=institution_id)
    t = render_t(request)
    chart = lambda key, mapping, prefix="": charts.bar_chart(
        [(t(prefix + k) if prefix else k, v) for k, v in sorted(mapping.items(), key=lambda kv: -kv[1])],
        title=t(key))
    svgs = [chart("legal_distribution", data["by_legal_status"], "ls_"),
            chart("industry_distribution", data["by_ipc_section"]),
            chart("status_distribution", data["items_by_status"], "status_"),
            chart("grade_distribution", data["self_grades"]),
            chart("valuation_grades", data["grades"]),
            chart("disposition_distribution", data["dispositions"])]
    if data["per_institution"]:
        svgs.insert(0, charts.bar_chart([(e["name"], e["rate"] or 0) for e in data["per_institution"]],
                                        title=t("progress"), unit="%"))
    calendar = extras.fee_calendar(db_session=db, institution_id=institution_id)
    return render(request, "dashboard.html", data=data, svgs=svgs, rate_bar=charts.progress_bar(data["inventory_rate"]),
                  calendar=calendar)


@router.get("/dashboard.xlsx")
def dashboard_export(db: DbSession, principal: CurrentPrincipal, institution_id: OptionalId = None):
    """The dashboard's figures as an Excel sheet (one row per distribution entry)."""
    if institution_id is None and not principal.is_operator:
        institution_id = min(principal.institution_ids(), default=-1)
    data = stats.dashboard(db_session=db, principal=principal, institution_id=institution_id)
    rows = [{"figure": "patents", "key": "", "value": data["patents"]},
            {"figure": "library", "key": "", "value": data["library"]},
            {"figure": "inventory_rate", "key": "", "value": data["inventory_rate"]}]
    for figure in ("by_legal_status", "by_type", "by_ipc_section", "items_by_status", "self_grades", "grades",
                   "dispositions"):
        rows += [{"figure": figure, "key": str(k), "value": v} for k, v in data[figure].items()]
    rows += [{"figure": "inventory_rate_by_institution", "key": e["name"], "value": e["rate"]}
             for e in data["per_institution"]]
    return Response(xlsx.workbook(rows, sheet="dashboard"), media_type=xlsx.MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="dashboard.xlsx"'})


def render_t(request: Request):
    from panhuo.web import i18n
    from panhuo.web.deps import lang_of

    return i18n.translator(lang_of(request))


@router.get("/patents")
def patents_page(request: Request, db: DbSession, principal: CurrentPrincipal, q: str | None = None,
                 legal_status: str | None = None, patent_type: str | None = None, page: int = 1):
    """Internal patent list with filters and full-text search (the person's institutions; all for the operator)."""
    page = max(1, min(page, 10_000))
    ids = extras.search_ids(db_session=db, q=q, workspace=request.app.state.settings.workspace) if q else None
    rows, total = access.list_visible(db_session=db, principal=principal, q=None if ids is not None else q,
                                      ids=ids, legal_status=legal_status or None, patent_type=patent_type or None,
                                      limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "patents.html", rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE)),
                  q=q or "", legal_status=legal_status or "", patent_type=patent_type or "")


@router.get("/patents.xlsx")
def patents_export(db: DbSession, principal: CurrentPrincipal, q: str | None = None,
                   legal_status: str | None = None):
    """The filtered internal list as an Excel file."""
    rows, _ = access.list_visible(db_session=db, principal=principal, q=q, legal_status=legal_status or None,
                                  limit=50_000)
    content = xlsx.workbook([patents_service.summary(p) for p in rows], sheet="patents")
    return Response(content, media_type=xlsx.MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="patents.xlsx"'})


def _patent_or_404(db, principal, patent_id: Id):
    try:
        found = access.get_patent_for(db_session=db, principal=principal, patent_id=patent_id)
    except PermissionDenied:
        found = None  # hidden patents look the same as missing ones: existence does not leak
    if found is None:
        raise HTTPException(404, "no such patent")
    return found


@router.get("/patents/{patent_id}")
def patent_page(request: Request, db: DbSession, principal: CurrentPrincipal, patent_id: Id):
    """The internal patent page; people outside the institution are sent to its library page."""
    patent, internal = _patent_or_404(db, principal, patent_id)
    if not internal:
        return RedirectResponse(f"/library/{patent_id}", status_code=303)
    detail = patents_service.detail(patent)
    publication = access.get_publication(db_session=db, patent_id=patent.id)
    trail = accounts_service.audit_trail(db_session=db, entity="patent", entity_id=patent.id)
    return render(request, "patent.html", patent=patent, detail=detail, publication=publication, trail=trail,
                  publishable=access.PUBLISHABLE, default_fields=access.DEFAULT_PUBLISHED,
                  can_publish=can(principal, "patent.publish", patent),
                  valuation=extras.valuation_for(db_session=db, patent=patent),
                  fees=extras.fees_for(db_session=db, patent=patent, as_of=date.today()),
                  matches=extras.matches_for(db_session=db, patent=patent))


@router.post("/patents/{patent_id}/publish")
def publish(db: DbSession, principal: CurrentPrincipal, patent_id: Id, form: CsrfForm):
    """Publish (or re-publish) to the library with the chosen fields."""
    patent, _ = _patent_or_404(db, principal, patent_id)
    price = str(form.get("asking_price") or "").strip()
    try:
        access.publish(db_session=db, principal=principal, patent=patent, fields=form.all("fields"),
                       open_licence=form.get("open_licence") == "1", asking_price=float(price) if price else None)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    db.commit()
    return RedirectResponse(f"/patents/{patent_id}", status_code=303)


@router.post("/patents/{patent_id}/withdraw")
def withdraw(db: DbSession, principal: CurrentPrincipal, patent_id: Id, form: CsrfForm):
    """Withdraw from the library."""
    patent, _ = _patent_or_404(db, principal, patent_id)
    access.withdraw(db_session=db, principal=principal, patent=patent)
    db.commit()
    return RedirectResponse(f"/patents/{patent_id}", status_code=303)


@router.get("/library")
def library_page(request: Request, db: DbSession, principal: CurrentPrincipal, q: str | None = None,
                 open_licence: str | None = None, ipc: str | None = None, region: str | None = None,
                 page: int = 1):
    """The library: published patents, with the published fields only."""
    page = max(1, min(page, 10_000))
    ids = extras.search_ids(db_session=db, q=q, workspace=request.app.state.settings.workspace) if q else None
    rows, total = access.list_library(db_session=db, q=None if ids is not None else q, ids=ids,
                                      open_licence=True if open_licence == "1" else None, ipc_prefix=ipc,
                                      region_prefix=region, limit=PAGE, offset=(page - 1) * PAGE)
    views = [access.published_view(p, pub) for p, pub in rows]
    return render(request, "library.html", rows=views, total=total, page=page, pages=max(1, -(-total // PAGE)),
                  q=q or "", open_licence=open_licence or "", ipc=ipc or "", region=region or "")


@router.get("/library/{patent_id}")
def library_patent(request: Request, db: DbSession, principal: CurrentPrincipal, patent_id: Id,
                   sent: int = 0):
    """A published patent as enterprises see it; unpublished patents are 404 here for everyone."""
    patent, _ = _patent_or_404(db, principal, patent_id)
    publication = access.get_publication(db_session=db, patent_id=patent_id)
    if publication is None:
        raise HTTPException(404, "not in the library")
    return render(request, "library_patent.html", view=access.published_view(patent, publication),
                  can_feedback=can(principal, "patent.feedback", access.access_for(db_session=db, patent=patent)),
                  sent=bool(sent))


@router.post("/library/{patent_id}/feedback")
def library_feedback(db: DbSession, principal: CurrentPrincipal, patent_id: Id, form: CsrfForm):
    """Enterprise 市场评价 (产业化前景, 技术改进需求, 合作意愿) on a published patent; feeds valuation."""
    patent, _ = _patent_or_404(db, principal, patent_id)
    try:
        extras.save_feedback(db_session=db, principal=principal, patent=patent, values=dict(form))
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    db.commit()
    return RedirectResponse(f"/library/{patent_id}?sent=1", status_code=303)
