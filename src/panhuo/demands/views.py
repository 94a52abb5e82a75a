"""Demand pages: enterprises post demands and see ranked matches with explanations; institutions answer
the demands routed to them (企业出题、高校答题) within the deadline; response times are shown."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from panhuo.accounts.permissions import can
from panhuo.demands import service as demands_service
from panhuo.matching import service as matching_service
from panhuo.web.deps import ApiPrincipal, CsrfForm, CurrentPrincipal, DbSession, Id, render

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
    org_names = demands_service.organisation_names(db_session=db, ids=[r.institution_id for r in demand.routes])
    return render(request, "demand.html", demand=demand, matches=matches, answerable=answerable,
                  stats=demands_service.route_stats(demand), org_names=org_names, pending=bool(pending), today=date.today(),
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


# ---------------------------------------------------------------- API

api = APIRouter(tags=["demands"])


class DemandIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    text: str = Field("", max_length=20_000)
    region_code: str | None = Field(None, max_length=12)
    budget_wan: float | None = Field(None, ge=0, le=1e9)
    preferred_mode: str | None = Field(None, max_length=20)
    deadline: date | None = None


class RouteRead(BaseModel):
    id: int
    institution_id: int
    respond_by: date
    status: str
    response_kind: str | None = None
    message: str | None = None
    response_hours: float | None = None


class DemandRead(BaseModel):
    id: int
    title: str
    text: str
    enterprise_id: int | None
    status: str
    synthetic: bool
    matches_pending: bool
    matches: list[dict[str, Any]] = []
    routes: list[RouteRead] = []


class AnswerIn(BaseModel):
    kind: str = Field(description="proposal, collaboration or decline")
    patent_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(default_factory=list, max_length=50)
    message: str | None = Field(None, max_length=4000)


def _read(db, principal, demand) -> DemandRead:
    from panhuo.matching import rules as matching_rules

    routes = [RouteRead(id=r.id, institution_id=r.institution_id, respond_by=r.respond_by, status=r.status,
                        response_kind=r.response_kind, message=r.message,
                        response_hours=matching_rules.response_hours(r.routed_at, r.responded_at))
              for r in demand.routes]
    return DemandRead(id=demand.id, title=demand.title, text=demand.text or "", enterprise_id=demand.enterprise_id,
                      status=demand.status, synthetic=demand.synthetic, matches_pending=demand.refreshed_at is None,
                      matches=demands_service.visible_matches(db_session=db, principal=principal, demand=demand),
                      routes=routes)


@api.get("/demands", response_model=list[DemandRead])
def api_demands(db: DbSession, principal: ApiPrincipal):
    """Demands visible to the caller (own enterprise's, routed to own institution; all for the operator)."""
    return [_read(db, principal, d) for d in demands_service.list_for(db_session=db, principal=principal)]


@api.post("/demands", response_model=DemandRead, status_code=201)
def api_post_demand(request: Request, db: DbSession, principal: ApiPrincipal, body: DemandIn):
    """Post a demand (enterprise users); it is matched and routed at once when the search index exists."""
    try:
        demand, _ = demands_service.post_demand(db_session=db, principal=principal,
                                                workspace=request.app.state.settings.workspace, **body.model_dump())
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    db.commit()
    return _read(db, principal, demand)


@api.get("/demands/{demand_id}", response_model=DemandRead)
def api_demand(db: DbSession, principal: ApiPrincipal, demand_id: Id):
    """One demand with its ranked matches (with explanations) and routes."""
    demand = demands_service.get_for(db_session=db, principal=principal, demand_id=demand_id)
    if demand is None:
        raise HTTPException(404, "no such demand")
    return _read(db, principal, demand)


@api.post("/demands/{demand_id}/routes/{route_id}/answer", response_model=RouteRead)
def api_answer(db: DbSession, principal: ApiPrincipal, demand_id: Id, route_id: Id, body: AnswerIn):
    """Answer a demand routed to the caller's institution."""
    try:
        r = demands_service.answer_route(db_session=db, principal=principal, route_id=route_id, kind=body.kind,
                                         patent_ids=body.patent_ids, message=body.message)
    except LookupError:
        raise HTTPException(404, "no such routed demand") from None
    except (ValueError, matching_service.MatchingError) as exc:
        raise HTTPException(422, str(exc)) from None
    db.commit()
    return RouteRead(id=r.id, institution_id=r.institution_id, respond_by=r.respond_by, status=r.status,
                     response_kind=r.response_kind, message=r.message)
