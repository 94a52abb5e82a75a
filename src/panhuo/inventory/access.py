"""Which patents a person may see, and library publication (what an institution shows enterprises).

Keyword-only, session first, never commit. Internal records are listed only inside the owning institution
and for the operator; enterprises reach a patent only through its :class:`LibraryPublication`, and then only the
published fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from panhuo.accounts import service as accounts_service
from panhuo.accounts.permissions import PermissionDenied, Principal, can, patent_scope, require
from panhuo.db import utcnow
from panhuo.inventory.models import LibraryPublication
from panhuo.patents.models import Patent, PatentParty
from panhuo.patents.service import SUMMARY_FIELDS

# Fields an institution may publish; the first group is always published (identity of the record).
ALWAYS_PUBLISHED = ("application_no", "publication_no", "title", "patent_type", "legal_status", "synthetic")
PUBLISHABLE = ALWAYS_PUBLISHED + ("abstract", "first_claim", "ipc_main", "filing_date", "grant_date",
                                  "expiry_date", "claims_count", "region_code", "applicants", "inventors",
                                  "asking_price", "open_licence")
DEFAULT_PUBLISHED = ALWAYS_PUBLISHED + ("abstract", "ipc_main", "filing_date", "grant_date", "applicants",
                                        "open_licence")


@dataclass(frozen=True)
class PatentAccess:
    """A patent as a permission resource."""

    institution_id: int | None
    department_id: int | None
    published: bool


def get_publication(*, db_session: Session, patent_id: int) -> LibraryPublication | None:
    """The live (not withdrawn) publication of a patent."""
    return db_session.scalars(select(LibraryPublication).where(LibraryPublication.patent_id == patent_id,
                                                        LibraryPublication.withdrawn_at.is_(None))).first()


def access_for(*, db_session: Session, patent: Patent) -> PatentAccess:
    published = get_publication(db_session=db_session, patent_id=patent.id) is not None
    return PatentAccess(patent.institution_id, patent.department_id, published)


def get_patent_for(*, db_session: Session, principal: Principal, patent_id: int) -> tuple[Patent, bool] | None:
    """``(patent, internal)`` if the principal may open it: internal view, or its published view.

    Returns ``None`` when the patent does not exist; raises PermissionDenied when it exists but is hidden
    (the web turns both into 404 for enterprises so that existence does not leak).
    """
    patent = db_session.get(Patent, patent_id, options=(
        joinedload(Patent.parties).joinedload(PatentParty.party), selectinload(Patent.events)))
    if patent is None:
        return None
    resource = access_for(db_session=db_session, patent=patent)
    if can(principal, "patent.view", resource):
        return patent, True
    require(principal, "patent.view_published", resource)
    return patent, False


def _internal_query(principal: Principal):
    stmt = select(Patent)
    scope = patent_scope(principal)
    if scope is not None:
        stmt = stmt.where(Patent.institution_id.in_(scope or [-1]))
    return stmt


def list_visible(*, db_session: Session, principal: Principal, q: str | None = None,
                 legal_status: str | None = None, patent_type: str | None = None, ids: list[int] | None = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[Patent], int]:
    """Internal patent records the principal may list (with a total count), newest filing first.

    Only the summary columns are loaded (``patents.service.SUMMARY_FIELDS``)."""
    if principal.is_enterprise and not principal.institution_ids() and not principal.is_operator:
        raise PermissionDenied("patent.view", principal)
    stmt = _internal_query(principal)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Patent.title.ilike(like), Patent.application_no.ilike(like),
                              Patent.publication_no.ilike(like)))
    if ids is not None:
        stmt = stmt.where(Patent.id.in_(ids or [-1]))
    if legal_status:
        stmt = stmt.where(Patent.legal_status == legal_status)
    if patent_type:
        stmt = stmt.where(Patent.patent_type == patent_type)
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    summary = load_only(*(getattr(Patent, f) for f in SUMMARY_FIELDS), Patent.institution_id, Patent.department_id)
    rows = db_session.scalars(stmt.options(summary).order_by(Patent.filing_date.desc().nullslast(), Patent.id.desc())
                              .limit(limit).offset(offset))
    return list(rows), total


def publish(*, db_session: Session, principal: Principal, patent: Patent, fields: list[str] | None = None,
            open_licence: bool = False, asking_price: float | None = None) -> LibraryPublication:
    """Publish a patent to the library with the chosen fields (always including its identity); audited."""
    require(principal, "patent.publish", patent)
    chosen = list(dict.fromkeys([*ALWAYS_PUBLISHED, *(fields or DEFAULT_PUBLISHED)]))
    unknown = [f for f in chosen if f not in PUBLISHABLE]
    if unknown:
        raise ValueError(f"fields that cannot be published: {', '.join(unknown)}")
    pub = get_publication(db_session=db_session, patent_id=patent.id)
    before = {"fields": pub.fields, "open_licence": pub.open_licence} if pub else {}
    if pub is None:
        pub = db_session.scalars(select(LibraryPublication).where(LibraryPublication.patent_id == patent.id)).first()
        if pub is None:
            pub = LibraryPublication(patent_id=patent.id, institution_id=patent.institution_id)
            db_session.add(pub)
    pub.fields, pub.open_licence, pub.asking_price = chosen, open_licence, asking_price
    pub.withdrawn_at, pub.published_at, pub.published_by = None, utcnow(), principal.username
    db_session.flush()
    accounts_service.record_audit(db_session=db_session, action="patent.publish", actor=principal.username,
                                  entity="patent", entity_id=patent.id, organisation_id=patent.institution_id,
                                  before=before, after={"fields": chosen, "open_licence": open_licence})
    return pub


def withdraw(*, db_session: Session, principal: Principal, patent: Patent) -> bool:
    """Withdraw a patent from the library; audited. False when it was not published."""
    require(principal, "patent.publish", patent)
    pub = get_publication(db_session=db_session, patent_id=patent.id)
    if pub is None:
        return False
    pub.withdrawn_at = utcnow()
    accounts_service.record_audit(db_session=db_session, action="patent.withdraw", actor=principal.username,
                                  entity="patent", entity_id=patent.id, organisation_id=patent.institution_id,
                                  before={"fields": pub.fields}, after={})
    db_session.flush()
    return True


def published_view(patent: Patent, publication: LibraryPublication) -> dict:
    """Only the fields the institution chose to publish (plus the library id)."""
    out: dict = {"id": patent.id}
    for name in publication.fields:
        if name == "applicants":
            out[name] = [p.raw_name for p in patent.parties if p.role in ("applicant", "patentee")]
        elif name == "inventors":
            out[name] = [p.raw_name for p in patent.parties if p.role == "inventor"]
        elif name in ("open_licence", "asking_price"):
            out[name] = getattr(publication, name)
        else:
            out[name] = getattr(patent, name)
    return out


def list_library(*, db_session: Session, q: str | None = None, open_licence: bool | None = None,
                 ipc_prefix: str | None = None, region_prefix: str | None = None, ids: list[int] | None = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[tuple[Patent, LibraryPublication]], int]:
    """Published patents (any signed-in user), filtered; the caller shows :func:`published_view` only."""
    stmt = (select(Patent, LibraryPublication).join(LibraryPublication, LibraryPublication.patent_id == Patent.id)
            .where(LibraryPublication.withdrawn_at.is_(None)))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Patent.title.ilike(like), Patent.application_no.ilike(like)))
    if open_licence is not None:
        stmt = stmt.where(LibraryPublication.open_licence.is_(open_licence))
    if ipc_prefix:
        stmt = stmt.where(Patent.ipc_main.ilike(f"{ipc_prefix.strip()}%"))
    if region_prefix:
        stmt = stmt.where(Patent.region_code.ilike(f"{region_prefix.strip()}%"))
    if ids is not None:
        stmt = stmt.where(Patent.id.in_(ids or [-1]))
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db_session.execute(stmt.order_by(LibraryPublication.published_at.desc(), Patent.id.desc())
                              .limit(limit).offset(offset))
    return list(rows), total
