"""What every licensing service shares: not-found and conflict errors, optimistic-lock checks, and the one
function that moves a record through its state machine and writes the audit event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from panhuo.accounts import service as accounts_service
from panhuo.licensing.rules import LicensingError
from panhuo.licensing.states import check_transition

T = TypeVar("T")


class NotFound(LicensingError):
    """The record does not exist."""


class ConflictError(LicensingError):
    """Someone else changed the record since it was read: reload and retry (nothing was overwritten)."""


def get_or_raise(db_session: Session, model: type[T], entity_id: int, entity: str) -> T:
    obj = db_session.get(model, entity_id)
    if obj is None:
        raise NotFound(f"{entity} {entity_id} does not exist")
    return obj


def check_version(obj: Any, expected_version: int | None, entity: str) -> None:
    """Fail when the caller read an older version than the one stored."""
    if expected_version is not None and obj.version_id != expected_version:
        raise ConflictError(f"{entity} {obj.id} was changed by someone else (now version {obj.version_id}, "
                            f"you read version {expected_version}): reload and retry")


def flush(db_session: Session, obj: Any, entity: str) -> None:
    """Flush, turning a concurrent update (0 rows matched the version) into a :class:`ConflictError`."""
    ident = obj.__dict__.get("id", "?")  # read before flushing: after a failed flush the session is unusable
    try:
        db_session.flush()
    except StaleDataError as exc:
        raise ConflictError(f"{entity} {ident} was changed by someone else while you were "
                            f"editing it: reload and retry") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def move(db_session: Session, obj: Any, *, machine: str, target: str, entity: str, actor: str | None,
         expected_version: int | None = None, note: str | None = None, field: str = "status",
         **changes: Any) -> Any:
    """Check the transition, apply it with ``changes``, flush (optimistic lock) and audit it."""
    check_version(obj, expected_version, entity)
    current = getattr(obj, field)
    check_transition(machine, current, target)
    before = {field: current, **{k: _plain(getattr(obj, k)) for k in changes}}
    setattr(obj, field, target)
    for key, value in changes.items():
        setattr(obj, key, value)
    flush(db_session, obj, entity)
    accounts_service.record_audit(
        db_session=db_session, action=f"{entity}.{target}", actor=actor, entity=entity, entity_id=obj.id,
        before=before, after={field: target, **{k: _plain(v) for k, v in changes.items()}}, note=note)
    return obj


def audit(db_session: Session, *, action: str, entity: str, entity_id: Any, actor: str | None,
          after: dict | None = None, note: str | None = None, before: dict | None = None) -> None:
    """Audit a change that is not a state transition (creation, edit, check-in, receipt)."""
    accounts_service.record_audit(db_session=db_session, action=action, actor=actor, entity=entity,
                                  entity_id=entity_id, after={k: _plain(v) for k, v in (after or {}).items()},
                                  before={k: _plain(v) for k, v in before.items()} if before else None,
                                  note=note)
