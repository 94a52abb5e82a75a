"""Patent queries and edits. Keyword-only, session first, no commit."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from panhuo.patents.models import FieldProvenance, Patent

SUMMARY_FIELDS = ("application_no", "publication_no", "patent_type", "title", "legal_status", "filing_date",
                  "grant_date", "ipc_main", "synthetic")
DETAIL_FIELDS = SUMMARY_FIELDS + (
    "grant_no", "title_en", "abstract", "first_claim", "claims_count", "independent_claims_count",
    "publication_date", "expiry_date", "legal_status_raw", "ipc_all", "cpc", "priorities", "pct",
    "family_size", "family_countries", "backward_citation_count", "forward_citation_count", "agency",
    "region_code", "edited_fields", "extra",
)


def get(*, db_session: Session, patent_id: int) -> Patent | None:
    return db_session.get(Patent, patent_id)


def get_by_number(*, db_session: Session, number: str) -> Patent | None:
    """Find a patent by application, publication or grant number, as typed by a person."""
    candidates = _number_candidates(number)
    stmt = select(Patent).where(
        or_(Patent.application_no.in_(candidates), Patent.publication_no.in_(candidates),
            Patent.grant_no.in_(candidates))
    )
    return db_session.scalars(stmt.limit(1)).first()


def _number_candidates(number: str) -> list[str]:
    from panhuo.patents import numbers

    raw = number.strip()
    found = {raw, raw.upper()}
    for parse in (numbers.parse_application_number, numbers.parse_publication_number):
        try:
            found.add(parse(raw).canonical)
        except numbers.NumberError:
            pass
    return sorted(found)


def list_patents(*, db_session: Session, q: str | None = None, legal_status: str | None = None,
                 institution_id: int | None = None, limit: int = 50, offset: int = 0) -> list[Patent]:
    stmt = select(Patent).order_by(Patent.filing_date.desc().nullslast(), Patent.id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Patent.title.ilike(like), Patent.application_no.ilike(like)))
    if legal_status:
        stmt = stmt.where(Patent.legal_status == legal_status)
    if institution_id is not None:
        stmt = stmt.where(Patent.institution_id == institution_id)
    return list(db_session.scalars(stmt.limit(limit).offset(offset)))


def summary(patent: Patent) -> dict:
    return {f: getattr(patent, f) for f in SUMMARY_FIELDS}


def detail(patent: Patent) -> dict:
    data = {f: getattr(patent, f) for f in DETAIL_FIELDS}
    data["parties"] = [
        {"role": pp.role, "position": pp.position, "name": pp.party.name, "raw": pp.raw_name, "kind": pp.party.kind}
        for pp in patent.parties
    ]
    data["events"] = [
        {"date": e.event_date, "kind": e.kind, "code": e.code, "counterparty": e.counterparty,
         "description": e.description}
        for e in patent.events
    ]
    return data


def provenance(*, db_session: Session, patent_id: int) -> list[FieldProvenance]:
    stmt = select(FieldProvenance).where(FieldProvenance.patent_id == patent_id).order_by(FieldProvenance.field)
    return list(db_session.scalars(stmt))


def with_relations():
    """Loader options for pages that show parties and events."""
    return (selectinload(Patent.parties), selectinload(Patent.events))
