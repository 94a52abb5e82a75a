"""Enterprise demands as the web sees them: permission checks around ``panhuo.matching.service``.

The matching feature owns demands, ranking and routing (企业出题、高校答题); this module adds who may do what and
what an enterprise may see of a match (only library-published patents, with their published fields).
Keyword-only, session first, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.accounts.permissions import Principal, can, require
from panhuo.inventory import access
from panhuo.inventory.models import LibraryPublication
from panhuo.matching import rules as matching_rules
from panhuo.matching import service as matching_service
from panhuo.matching.models import Demand, DemandRoute
from panhuo.patents.models import Patent

# What of a match explanation each side may see: outsiders get no internal data (grade, availability, abstract
# highlights), only why the texts match.
WHY_PUBLIC = ("matched_terms", "shared_keywords", "similarity", "shared_fields")
WHY_INTERNAL = WHY_PUBLIC + ("keywords", "ipc", "shared_ipc", "grade", "availability", "bm25", "legal_status")


@dataclass(frozen=True)
class DemandAccess:
    enterprise_id: int | None
    routed_institution_ids: tuple[int, ...]


def access_for(demand: Demand) -> DemandAccess:
    return DemandAccess(demand.enterprise_id, tuple(r.institution_id for r in demand.routes))


def post_demand(*, db_session: Session, principal: Principal, title: str, text: str = "",
                region_code: str | None = None, budget_wan: float | None = None, preferred_mode: str | None = None,
                deadline: date | None = None, workspace: Path | None = None,
                max_institutions: int = 3) -> tuple[Demand, str | None]:
    """Post a demand for the principal's enterprise, rank the library against it and route it to institutions.

    Returns the demand and a note when matching could not run (e.g. the search index is not built yet).
    """
    require(principal, "demand.create")
    if not title.strip():
        raise ValueError("a demand needs a title")
    enterprise_id = min(principal.enterprise_ids())
    org = accounts_service.get_organisation(db_session=db_session, organisation_id=enterprise_id)
    demand_in = matching_rules.DemandIn(title=title.strip()[:500], text=text.strip(), region_code=region_code or None,
                                        enterprise_name=org.name if org else None, budget_wan=budget_wan,
                                        preferred_mode=preferred_mode or None, deadline=deadline)
    demand = matching_service.create(db_session=db_session, demand_in=demand_in, enterprise_id=enterprise_id,
                                     source="web")
    accounts_service.record_audit(db_session=db_session, action="demand.create", actor=principal.username,
                                  entity="demand", entity_id=demand.id, organisation_id=enterprise_id,
                                  after={"title": demand.title})
    note = refresh_and_route(db_session=db_session, demand=demand, workspace=workspace,
                             max_institutions=max_institutions)
    return demand, note


def refresh_and_route(*, db_session: Session, demand: Demand, workspace: Path | None = None,
                      max_institutions: int = 3) -> str | None:
    """Recompute matches and route to the best institutions; a note says why not when it cannot."""
    try:
        matching_service.refresh(db_session=db_session, demand=demand, workspace=workspace)
    except (LookupError, OSError, ValueError) as exc:  # IndexMissing is a LookupError
        return f"matching unavailable: {exc}"
    if demand.matches:
        matching_service.route(db_session=db_session, demand=demand, max_institutions=max_institutions)
    return None


def list_for(*, db_session: Session, principal: Principal) -> list[Demand]:
    """Demands the principal may see: their enterprise's, those routed to their institution, all for the operator."""
    stmt = select(Demand).order_by(Demand.id.desc()).limit(200)
    if not principal.is_operator:
        mine = list(principal.enterprise_ids()) or [-1]
        routed = select(DemandRoute.demand_id).where(DemandRoute.institution_id.in_(
            list(principal.institution_ids()) or [-1]))
        stmt = stmt.where(Demand.enterprise_id.in_(mine) | Demand.id.in_(routed))
    return list(db_session.scalars(stmt))


def get_for(*, db_session: Session, principal: Principal, demand_id: int) -> Demand | None:
    demand = matching_service.get(db_session=db_session, demand_id=demand_id)
    if demand is not None:
        require(principal, "demand.view", access_for(demand))
    return demand


def visible_matches(*, db_session: Session, principal: Principal, demand: Demand) -> list[dict]:
    """Ranked matches with explanations; patents the principal may not open internally show published fields only,
    and unpublished ones are left out."""
    require(principal, "demand.view", access_for(demand))
    ids = [m.patent_id for m in demand.matches]
    patents = {p.id: p for p in db_session.scalars(select(Patent).where(Patent.id.in_(ids or [-1])))}
    pubs = {p.patent_id: p for p in db_session.scalars(select(LibraryPublication).where(
        LibraryPublication.patent_id.in_(ids or [-1]), LibraryPublication.withdrawn_at.is_(None)))}
    out = []
    for match in demand.matches:
        patent = patents.get(match.patent_id)
        if patent is None:
            continue
        resource = access.PatentAccess(patent.institution_id, patent.department_id, match.patent_id in pubs)
        if can(principal, "patent.view", resource):
            view = {"id": patent.id, "application_no": patent.application_no, "title": patent.title,
                    "synthetic": patent.synthetic, "internal": True, "published": resource.published}
        elif resource.published:
            view = {**access.published_view(patent, pubs[patent.id]), "internal": False, "published": True}
        else:
            continue
        keys = WHY_INTERNAL if view["internal"] else WHY_PUBLIC
        why = {k: v for k, v in (match.why or {}).items() if k in keys and v not in (None, [], {})}
        out.append({"rank": match.rank, "score": match.score, "why": why, "patent": view})
    return out


def answer_route(*, db_session: Session, principal: Principal, route_id: int, kind: str,
                 patent_ids: list[int] | None = None, message: str | None = None) -> DemandRoute:
    """An institution answers a routed demand (proposal / collaboration / decline with a reason); audited."""
    route = db_session.get(DemandRoute, route_id)
    if route is None:
        raise LookupError(f"no routed demand {route_id}")
    require(principal, "demand.answer", route)
    answered = matching_service.answer(db_session=db_session, route_id=route_id, kind=kind,
                                       responder=principal.username, patent_ids=patent_ids or [], message=message)
    accounts_service.record_audit(db_session=db_session, action="demand.answer", actor=principal.username,
                                  entity="demand", entity_id=route.demand_id, organisation_id=route.institution_id,
                                  after={"kind": kind, "patents": patent_ids or []})
    return answered


def route_stats(demand_or_routes) -> dict:
    """Waiting / answered / overdue counts and the median response time (hours)."""
    routes = demand_or_routes.routes if isinstance(demand_or_routes, Demand) else demand_or_routes
    return matching_service.route_stats(routes)


def organisation_names(*, db_session: Session, ids: list[int]) -> dict[int, str]:
    """Names of the institutions a demand was routed to (public: institutions are named in the library)."""
    from panhuo.accounts.models import Organisation

    rows = db_session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids or [-1])))
    return dict(rows.all())
