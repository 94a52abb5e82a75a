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


EDITABLE_FIELDS = frozenset(DETAIL_FIELDS) - {"application_no", "edited_fields", "synthetic"} | {
    "department_id", "institution_id", "lapse_date", "exam_request_date", "agents", "examiner"}


class EditError(ValueError):
    """An edit that cannot be applied (unknown or protected field)."""


def edit_patent(*, db_session: Session, patent: Patent, changes: dict, editor: str) -> dict:
    """Apply a person's edit: set the fields, list them in ``edited_fields`` (imports keep them from now on),
    record ``FieldProvenance.edited_by`` and an audit event. Returns ``{field: [before, after]}`` of real changes.
    """
    from panhuo.accounts import service as accounts_service
    from panhuo.db import utcnow

    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise EditError(f"these fields cannot be edited: {', '.join(unknown)}")
    diff = {name: [getattr(patent, name), value] for name, value in changes.items()
            if getattr(patent, name) != value}
    if not diff:
        return {}
    now = utcnow()
    for name, (_before, after) in diff.items():
        setattr(patent, name, after)
        row = db_session.scalars(select(FieldProvenance).where(FieldProvenance.patent_id == patent.id,
                                                               FieldProvenance.field == name)).first()
        if row is None:
            row = FieldProvenance(patent_id=patent.id, field=name)
            db_session.add(row)
        row.source_file, row.source_row, row.import_id = None, None, None
        row.edited_by, row.recorded_at = editor, now
    patent.edited_fields = sorted(set(patent.edited_fields or []) | set(diff))
    db_session.flush()
    jsonable = {k: [_json_value(b), _json_value(a)] for k, (b, a) in diff.items()}
    accounts_service.record_audit(db_session=db_session, action="patent.edit", actor=editor, entity="patent",
                                  entity_id=patent.id, before={k: v[0] for k, v in jsonable.items()},
                                  after={k: v[1] for k, v in jsonable.items()})
    return diff


def _json_value(value):
    from datetime import date

    return value.isoformat() if isinstance(value, date) else value
