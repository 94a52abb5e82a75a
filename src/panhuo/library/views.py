"""The 转化资源库 pages: a region's clusters with their patents, filtered by industry, cluster, SEI, grade and
disposition (``/resources``); one patent's classification with sources and the reviewer's corrections
(``/resources/patents/{id}``); the same as JSON under ``/api/v1/resources``.

Only internal users see it (their institutions' patents; the operator all of them).  Missing reference sets, an
unbuilt library and a broken cluster file are said plainly on the page instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from panhuo.accounts.permissions import PermissionDenied, Principal, can, patent_scope
from panhuo.library import service as library_service
from panhuo.library.models import SCHEMES, LibraryOverride
from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy import datasets
from panhuo.taxonomy import service as taxonomy_service
from panhuo.web.deps import ApiPrincipal, CsrfForm, CurrentPrincipal, DbSession, Id, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["library"])
PAGE = 50
FILTERS = ("industry", "cluster", "sei", "wipo", "grade", "disposition")


def _scope(principal: Principal) -> frozenset[int] | None:
    if principal.is_enterprise and not principal.institution_ids() and not principal.is_operator:
        raise PermissionDenied("patent.view", principal)
    return patent_scope(principal)


def _clusters(workspace: Path) -> tuple[list[cluster_rules.Cluster], str | None]:
    try:
        return cluster_rules.load_clusters(library_service.clusters_dir(workspace)), None
    except cluster_rules.ClusterFileError as exc:
        return cluster_rules.load_clusters(), str(exc)


def resources(db: Session, principal: Principal, *, workspace: Path, data_dir: Path, region: str | None,
              filters: dict[str, str], page: int = 1, top: int = 5, own: bool = False) -> dict:
    """Everything the page shows: notes, the region's clusters (count + best fits) and the filtered list;
    ``own`` keeps the patents whose owner is in the region (else any owner's patents that fit its clusters)."""
    scope = _scope(principal)
    clusters, cluster_error = _clusters(workspace)
    regions = sorted({(c.region, c.set_id) for c in clusters})
    region = region if region is not None else (regions[0][0] if regions else "")
    notes = {"missing_sets": datasets.missing_sets(datasets.effective_data_dir(data_dir, workspace)),
             "cluster_error": cluster_error,
             "built": library_service.is_built(db)}
    view = library_service.by_cluster(db, region=region or None, clusters=clusters, top=top,
                                      owner_region=region if own and region else None, institution_ids=scope)
    result, error = None, None
    wanted = {k: v for k, v in filters.items() if v}
    if wanted:
        try:
            result = library_service.query(db, **wanted, limit=PAGE, offset=(page - 1) * PAGE,
                                           institution_ids=scope)
        except library_service.LibraryError as exc:
            error = str(exc)
    return {"region": region, "own": own, "regions": [{"code": c, "set": s} for c, s in regions], "notes": notes,
            "clusters": view, "filters": wanted, "results": result, "error": error}


@router.get("/resources")
def resources_page(request: Request, db: DbSession, principal: CurrentPrincipal, region: str | None = None,
                   industry: str = "", cluster: str = "", sei: str = "", wipo: str = "", grade: str = "",
                   disposition: str = "", own: int = 0, page: int = 1):
    """A region's 转化资源库: patents by cluster, and the library filtered by industry, cluster, SEI, grade…"""
    settings = request.app.state.settings
    page = max(1, min(page, 10_000))
    filters = {"industry": industry.strip()[:20], "cluster": cluster.strip()[:60], "sei": sei.strip()[:4],
               "wipo": wipo.strip()[:3], "grade": grade.strip()[:10], "disposition": disposition.strip()[:10]}
    data = resources(db, principal, workspace=settings.workspace, data_dir=settings.data,
                     region=region.strip()[:6] if region is not None else None, filters=filters, page=page,
                     own=bool(own))
    total = data["results"]["total"] if data["results"] else 0
    query = urlencode([("region", data["region"]), ("own", int(bool(own))), *filters.items()])
    return render(request, "resources.html", **data, form=filters, page=page, pages=max(1, -(-total // PAGE)),
                  query=query)


@api.get("/resources")
def resources_api(request: Request, db: DbSession, principal: ApiPrincipal, region: str | None = None,
                  industry: str = "", cluster: str = "", sei: str = "", wipo: str = "", grade: str = "",
                  disposition: str = "", own: bool = False, page: int = 1):
    """The region's clusters with their best-fitting patents and, with any filter, the matching patents."""
    settings = request.app.state.settings
    filters = {"industry": industry, "cluster": cluster, "sei": sei, "wipo": wipo, "grade": grade,
               "disposition": disposition}
    data = resources(db, principal, workspace=settings.workspace, data_dir=settings.data, region=region,
                     filters=filters, page=max(1, min(page, 10_000)), own=own)
    if data["error"]:
        raise HTTPException(400, data["error"])
    return data


# ---------------------------------------------------------------- one patent's classification and overrides

def _patent(db: Session, principal: Principal, patent_id: int):
    """The patent if the principal may see its internal record, else 404 (existence does not leak)."""
    from panhuo.inventory import access
    from panhuo.patents.models import Patent

    patent = db.get(Patent, patent_id)
    if patent is None or not can(principal, "patent.view", access.access_for(db_session=db, patent=patent)):
        raise HTTPException(404, "no such patent")
    may_edit = can(principal, "patent.grade", access.access_for(db_session=db, patent=patent))
    return patent, may_edit


def classification(db: Session, principal: Principal, patent_id: int, *, settings) -> dict:
    """A patent's assignments by scheme (code, name, weight, source) and its reviewer overrides."""
    patent, may_edit = _patent(db, principal, patent_id)
    cat = taxonomy_service.catalog(data_dir=settings.data, workspace=settings.workspace)
    clusters, _ = _clusters(settings.workspace)
    overrides = [{"id": o.id, "scheme": o.scheme, "code": o.code, "action": o.action, "weight": o.weight,
                  "reviewer": o.reviewer, "reason": o.reason, "at": o.created_at.isoformat(), "active": o.active}
                 for o in library_service.overrides(db, patent_id=patent.id)]
    return {"patent_id": patent.id, "application_no": patent.application_no, "title": patent.title,
            "ipc": list(dict.fromkeys(c for c in [patent.ipc_main, *(patent.ipc_all or [])] if c)),
            "may_edit": may_edit,
            "assignments": library_service.assignments(db, patent.id, catalog=cat, clusters=clusters),
            "overrides": overrides, "missing_sets": cat.missing}


@router.get("/resources/patents/{patent_id}")
def classification_page(request: Request, db: DbSession, principal: CurrentPrincipal, patent_id: Id,
                         error: str = ""):
    """Fields, industries, SEI, 专利密集型 and cluster fits of one patent (with sources), and the reviewer's
    corrections; institution admins may add or withdraw one."""
    data = classification(db, principal, patent_id, settings=request.app.state.settings)
    return render(request, "resources_patent.html", **data, schemes=SCHEMES, error=error[:300], form={})


@router.post("/resources/patents/{patent_id}/overrides")
def add_override(request: Request, db: DbSession, principal: CurrentPrincipal, patent_id: Id, form: CsrfForm):
    """Record a reviewer's correction (who = the signed-in user, when = now, why = the reason given)."""
    patent, may_edit = _patent(db, principal, patent_id)
    if not may_edit:
        raise PermissionDenied("patent.grade", principal)
    settings = request.app.state.settings
    try:
        weight = float(form["weight"]) if form.get("weight") else None
        cat = taxonomy_service.catalog(data_dir=settings.data, workspace=settings.workspace)
        library_service.override(db, patent_id=patent.id, scheme=str(form.get("scheme", "")),
                                 code=str(form.get("code", ""))[:60], action=str(form.get("action", "add")),
                                 reviewer=principal.display_name or principal.username,
                                 reason=str(form.get("reason", ""))[:2000], weight=weight, catalog=cat,
                                 clusters=_clusters(settings.workspace)[0])
    except (ValueError, library_service.LibraryError) as exc:  # said on the page, the form as the user filled it
        db.rollback()
        data = classification(db, principal, patent.id, settings=settings)
        return render(request, "resources_patent.html", status_code=400, **data, schemes=SCHEMES,
                      error=str(exc)[:300], form={k: str(form.get(k, ""))[:2000] for k in
                                                  ("scheme", "code", "action", "weight", "reason")})
    db.commit()
    return RedirectResponse(f"/resources/patents/{patent.id}", status_code=303)


@router.post("/resources/overrides/{override_id}/withdraw")
def withdraw_override(request: Request, db: DbSession, principal: CurrentPrincipal, override_id: Id,
                      form: CsrfForm):
    """Withdraw a correction (kept in the history) and recompute that patent."""
    row = db.get(LibraryOverride, override_id)
    if row is None:
        raise HTTPException(404, "no such override")
    patent, may_edit = _patent(db, principal, row.patent_id)
    if not may_edit:
        raise PermissionDenied("patent.grade", principal)
    settings = request.app.state.settings
    library_service.withdraw_override(db, override_id=row.id)
    cat = taxonomy_service.catalog(data_dir=settings.data, workspace=settings.workspace)
    library_service.build(db, catalog=cat, clusters=_clusters(settings.workspace)[0], patent_ids=[patent.id],
                          classify=taxonomy_service.text_classifier(workspace=settings.workspace))
    db.commit()
    return RedirectResponse(f"/resources/patents/{patent.id}", status_code=303)


@api.get("/resources/patents/{patent_id}")
def classification_api(request: Request, db: DbSession, principal: ApiPrincipal, patent_id: Id):
    """One patent's assignments by scheme, with weights and sources, and its reviewer overrides."""
    return classification(db, principal, patent_id, settings=request.app.state.settings)
