"""Demand pages: enterprises post demands and see ranked matches with explanations; institutions answer
the demands routed to them (企业出题、高校答题) within the deadline; response times are shown."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from panhuo.accounts.permissions import can
from panhuo.demands import service as demands_service
from panhuo.matching import service as matching_service
from panhuo.web.deps import CsrfForm, CurrentPrincipal, DbSession, Id, render

router = APIRouter(include_in_schema=False)


def _float(value) -> float | None:
    text = str(value or "").strip()
    return float(text) if text else None


@router.get("/demands")
def demands_page(request: Request, db: DbSession, principal: CurrentPrincipal):
    """The demands the person may see, and the posting form for enterprises."""
    demands = demands_service.list_for(db_session=db, principal=principal)
    mine = principal.institution_ids()
    routes = [r for d in demands for r in d.routes if r.institution_id in mine]
    return render(request, "demands.html", demands=demands, can_post=can(principal, "demand.create"),
                  routes=routes, stats=demands_service.route_stats(routes) if routes else None, today=date.today())


@router.post("/demands")
def post_demand(request: Request, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Post a demand, rank the library against it and route it."""
    try:
        deadline = date.fromisoformat(form["deadline"]) if form.get("deadline") else None
        demand, note = demands_service.post_demand(
            db_session=db, principal=principal, title=str(form.get("title", "")), text=str(form.get("text", "")),
            region_code=str(form.get("region_code") or "") or None, budget_wan=_float(form.get("budget_wan")),
            preferred_mode=str(form.get("preferred_mode") or "") or None, deadline=deadline,
            workspace=request.app.state.settings.workspace)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    db.commit()
    return RedirectResponse(f"/demands/{demand.id}" + ("?pending=1" if note else ""), status_code=303)


@router.get("/demands/{demand_id}")
def demand_page(request: Request, db: DbSession, principal: CurrentPrincipal, demand_id: Id, pending: int = 0):
    """One demand: ranked matches with their explanations, routes with deadlines and response times."""
    demand = demands_service.get_for(db_session=db, principal=principal, demand_id=demand_id)
    if demand is None:
        raise HTTPException(404, "no such demand")
    matches = demands_service.visible_matches(db_session=db, principal=principal, demand=demand)
    answerable = [r for r in demand.routes if r.status == "waiting" and can(principal, "demand.answer", r)]
    return render(request, "demand.html", demand=demand, matches=matches, answerable=answerable,
                  stats=demands_service.route_stats(demand), pending=bool(pending), today=date.today(),
                  can_manage=can(principal, "demand.manage", demands_service.access_for(demand)))


@router.post("/demands/{demand_id}/refresh")
def refresh_demand(request: Request, db: DbSession, principal: CurrentPrincipal, demand_id: Id, form: CsrfForm):
    """Recompute matches (after the library changed) and route to institutions not yet asked."""
    demand = demands_service.get_for(db_session=db, principal=principal, demand_id=demand_id)
    if demand is None:
        raise HTTPException(404, "no such demand")
    if not can(principal, "demand.manage", demands_service.access_for(demand)):
        raise HTTPException(403, "only the enterprise that posted the demand may refresh it")
    note = demands_service.refresh_and_route(db_session=db, demand=demand,
                                             workspace=request.app.state.settings.workspace)
    db.commit()
    return RedirectResponse(f"/demands/{demand_id}" + ("?pending=1" if note else ""), status_code=303)


@router.post("/demands/{demand_id}/routes/{route_id}/answer")
def answer_route(db: DbSession, principal: CurrentPrincipal, demand_id: Id, route_id: Id, form: CsrfForm):
    """An institution's answer: proposed patents, a collaboration offer, or a decline with a reason."""
    try:
        ids = [int(i) for i in form.all("patent_ids")]
        demands_service.answer_route(db_session=db, principal=principal, route_id=route_id,
                                     kind=str(form.get("kind", "")), patent_ids=ids,
                                     message=str(form.get("message") or "") or None)
    except (ValueError, LookupError, matching_service.MatchingError) as exc:
        raise HTTPException(400, str(exc)) from None
    db.commit()
    return RedirectResponse(f"/demands/{demand_id}", status_code=303)
