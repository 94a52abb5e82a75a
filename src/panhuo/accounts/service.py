"""Organisations and the audit log. Keyword-only, session first, no commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from panhuo.accounts.models import AuditEvent, Organisation


def get_organisation(*, db_session: Session, organisation_id: int) -> Organisation | None:
    return db_session.get(Organisation, organisation_id)


def get_or_create_organisation(*, db_session: Session, name: str, kind: str, parent_id: int | None = None,
                               **fields: Any) -> Organisation:
    stmt = select(Organisation).where(Organisation.name == name, Organisation.kind == kind,
                                      Organisation.parent_id.is_(None) if parent_id is None
                                      else Organisation.parent_id == parent_id)
    org = db_session.scalars(stmt).first()
    if org is None:
        org = Organisation(name=name, kind=kind, parent_id=parent_id, **fields)
        db_session.add(org)
        db_session.flush()
    return org


def record_audit(*, db_session: Session, action: str, actor: str | None, entity: str | None = None,
                 entity_id: Any = None, before: dict | None = None, after: dict | None = None,
                 organisation_id: int | None = None, note: str | None = None) -> AuditEvent:
    """Append one audit event (values must be JSON-serialisable)."""
    event = AuditEvent(action=action, actor=actor, entity=entity,
                       entity_id=None if entity_id is None else str(entity_id),
                       before=before or {}, after=after or {}, organisation_id=organisation_id, note=note)
    db_session.add(event)
    db_session.flush()
    return event


def audit_trail(*, db_session: Session, entity: str, entity_id: Any) -> list[AuditEvent]:
    stmt = (select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.at, AuditEvent.id))
    return list(db_session.scalars(stmt))
