"""The 转化资源库 pages: a region's clusters with their patents, filtered by industry, cluster, SEI, grade and
disposition (``/resources``), and the same as JSON (``/api/v1/resources``).

Only internal users see it (their institutions' patents; the operator all of them).  Missing reference sets, an
unbuilt library and a broken cluster file are said plainly on the page instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.orm import Session

from panhuo.accounts.permissions import PermissionDenied, Principal, patent_scope
from panhuo.library import service as library_service
from panhuo.taxonomy import clusters as cluster_rules
from panhuo.taxonomy import datasets
from panhuo.web.deps import ApiPrincipal, CurrentPrincipal, DbSession, render

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
             "built": library_service.built_patents(db) > 0}
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
