"""``/api/v1``: patents, the library, feedback, publication and dashboards (token auth, same permissions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from panhuo.accounts.permissions import PermissionDenied
from panhuo.inventory import access, stats
from panhuo.patents import service as patents_service
from panhuo.web import extras
from panhuo.web.deps import ApiPrincipal, DbSession, Id, OptionalId

router = APIRouter(tags=["patents"])


class PatentSummary(BaseModel):
    id: int
    application_no: str
    publication_no: str | None = None
    patent_type: str | None = None
    title: str
    legal_status: str
    filing_date: date | None = None
    grant_date: date | None = None
    ipc_main: str | None = None
    synthetic: bool = False


class PatentPage(BaseModel):
    total: int
    items: list[PatentSummary]


class LibraryPage(BaseModel):
    total: int
    items: list[dict[str, Any]]


class PublishIn(BaseModel):
    fields: list[str] = Field(default_factory=lambda: list(access.DEFAULT_PUBLISHED))
    open_licence: bool = False
    asking_price: float | None = Field(None, ge=0)


class FeedbackIn(BaseModel):
    prospect: int = Field(ge=1, le=5, description="产业化前景 1–5")
    cooperation: int = Field(ge=1, le=5, description="合作意愿 1–5")
    improvement_need: str | None = Field(None, max_length=2000)


def _summary(p) -> PatentSummary:
    return PatentSummary(id=p.id, **patents_service.summary(p))


def _found(db, principal, patent_id: Id):
    try:
        found = access.get_patent_for(db_session=db, principal=principal, patent_id=patent_id)
    except PermissionDenied:
        found = None
    if found is None:
        raise HTTPException(404, "no such patent")
    return found


@router.get("/patents", response_model=PatentPage)
def list_patents(db: DbSession, principal: ApiPrincipal, q: str | None = None, legal_status: str | None = None,
                 patent_type: str | None = None, limit: int = 50, offset: int = 0):
    """Internal patent records of the caller's institutions (all for the operator)."""
    rows, total = access.list_visible(db_session=db, principal=principal, q=q, legal_status=legal_status,
                                      patent_type=patent_type, limit=max(1, min(limit, 500)),
                                      offset=max(0, min(offset, 10**9)))
    return PatentPage(total=total, items=[_summary(p) for p in rows])


@router.get("/patents/{patent_id}", response_model=dict[str, Any])
def get_patent(db: DbSession, principal: ApiPrincipal, patent_id: Id):
    """All bibliographic data for insiders; the published fields only for others (404 when unpublished)."""
    patent, internal = _found(db, principal, patent_id)
    if not internal:
        return access.published_view(patent, access.get_publication(db_session=db, patent_id=patent_id))
    detail = patents_service.detail(patent)
    detail["id"] = patent.id
    pub = access.get_publication(db_session=db, patent_id=patent_id)
    detail["publication"] = pub and {"fields": pub.fields, "open_licence": pub.open_licence}
    detail["valuation"] = extras.valuation_for(db_session=db, patent=patent)
    return detail


@router.put("/patents/{patent_id}/publication", response_model=dict[str, Any])
def publish_patent(db: DbSession, principal: ApiPrincipal, patent_id: Id, body: PublishIn):
    """Publish to the library with the chosen fields (institution admin)."""
    patent, _ = _found(db, principal, patent_id)
    try:
        pub = access.publish(db_session=db, principal=principal, patent=patent, fields=body.fields,
                             open_licence=body.open_licence, asking_price=body.asking_price)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    db.commit()
    return {"patent_id": patent_id, "fields": pub.fields, "open_licence": pub.open_licence}


@router.delete("/patents/{patent_id}/publication", response_model=dict[str, Any])
def withdraw_patent(db: DbSession, principal: ApiPrincipal, patent_id: Id):
    """Withdraw from the library."""
    patent, _ = _found(db, principal, patent_id)
    done = access.withdraw(db_session=db, principal=principal, patent=patent)
    db.commit()
    return {"patent_id": patent_id, "withdrawn": done}


@router.get("/library", response_model=LibraryPage, tags=["library"])
def library(db: DbSession, principal: ApiPrincipal, q: str | None = None, open_licence: bool | None = None,
            ipc: str | None = None, region: str | None = None, limit: int = 50, offset: int = 0):
    """Published patents with their published fields."""
    rows, total = access.list_library(db_session=db, q=q, open_licence=open_licence, ipc_prefix=ipc,
                                      region_prefix=region, limit=max(1, min(limit, 500)),
                                      offset=max(0, min(offset, 10**9)))
    return LibraryPage(total=total, items=[access.published_view(p, pub) for p, pub in rows])


@router.post("/library/{patent_id}/feedback", response_model=dict[str, Any], tags=["library"])
def feedback(db: DbSession, principal: ApiPrincipal, patent_id: Id, body: FeedbackIn):
    """Enterprise 市场评价 on a published patent (feeds valuation)."""
    patent, _ = _found(db, principal, patent_id)
    try:
        saved = extras.save_feedback(db_session=db, principal=principal, patent=patent, values=body.model_dump())
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    db.commit()
    return {"patent_id": patent_id, **saved}


@router.get("/dashboard", response_model=dict[str, Any], tags=["dashboard"])
def dashboard(db: DbSession, principal: ApiPrincipal, institution_id: OptionalId = None):
    """Dashboard figures (operator: province-wide when no institution is given)."""
    return stats.dashboard(db_session=db, principal=principal, institution_id=institution_id)
