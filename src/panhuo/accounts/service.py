"""Organisations, users, memberships, sign-in, API tokens and the audit log. Keyword-only, session first, no commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from panhuo.accounts.enums import INSTITUTION_KINDS, ROLE_ORG_KINDS, OrgKind, Role
from panhuo.accounts.models import ApiToken, AuditEvent, Membership, Organisation, User
from panhuo.accounts.permissions import Grant, Principal
from panhuo.db import utcnow

_hasher = PasswordHasher()

# Login throttling: this many failures for one user name within the window lock further attempts.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A user or membership request that cannot be honoured (message says why)."""


class SignInThrottled(AccountError):
    """Too many failed sign-ins for this user name; try again later."""


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


AUDIT_BATCH = 5000


def record_audit_many(*, db_session: Session, rows: list[dict]) -> int:
    """Append many audit events with bulk INSERTs (``AUDIT_BATCH`` rows per executemany, no ORM objects).

    Each row has the :class:`AuditEvent` columns (``action`` and ``entity_id`` as strings; ``at`` defaults
    to now). Returns how many were written.
    """
    now = utcnow()
    for start in range(0, len(rows), AUDIT_BATCH):
        batch = [{"at": now, "before": {}, "after": {}, **row} for row in rows[start:start + AUDIT_BATCH]]
        db_session.execute(insert(AuditEvent.__table__), batch)  # Core executemany: no ORM bookkeeping
    return len(rows)


def audit_trail(*, db_session: Session, entity: str, entity_id: Any) -> list[AuditEvent]:
    stmt = (select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.at, AuditEvent.id))
    return list(db_session.scalars(stmt))


# ---------------------------------------------------------------- users and memberships

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(*, db_session: Session, username: str, password: str, display_name: str = "",
                email: str | None = None, locale: str = "zh", synthetic: bool = False) -> User:
    """A new user with an argon2id password hash; user names are unique and case-insensitive."""
    username = username.strip().lower()
    if not username or len(username) > 80:
        raise AccountError("user name must be 1–80 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if get_user_by_username(db_session=db_session, username=username) is not None:
        raise AccountError(f"user name {username!r} is taken")
    user = User(username=username, display_name=display_name or username, email=email,
                password_hash=hash_password(password), locale=locale, synthetic=synthetic)
    db_session.add(user)
    db_session.flush()
    return user


def get_user(*, db_session: Session, user_id: int) -> User | None:
    return db_session.get(User, user_id)


def get_user_by_username(*, db_session: Session, username: str) -> User | None:
    return db_session.scalars(select(User).where(User.username == username.strip().lower())).first()


def add_membership(*, db_session: Session, user: User, organisation: Organisation, role: str) -> Membership:
    """Give ``user`` a role in ``organisation``; the role must fit the organisation's kind."""
    role = Role(role)
    if organisation.kind not in ROLE_ORG_KINDS[role]:
        raise AccountError(f"role {role} cannot be held in a {organisation.kind} organisation")
    found = db_session.scalars(select(Membership).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation.id,
        Membership.role == role)).first()
    if found:
        return found
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
    db_session.add(membership)
    db_session.flush()
    return membership


def principal_for(*, db_session: Session, user: User) -> Principal:
    """The user's grants, each resolved to its institution (and department)."""
    rows = db_session.execute(
        select(Membership.role, Organisation.id, Organisation.kind, Organisation.parent_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id)).all()
    grants = []
    for role, org_id, kind, parent_id in rows:
        if kind == OrgKind.DEPARTMENT:
            grants.append(Grant(role=role, organisation_id=org_id, institution_id=parent_id, department_id=org_id))
        elif kind in INSTITUTION_KINDS:
            grants.append(Grant(role=role, organisation_id=org_id, institution_id=org_id))
        else:
            grants.append(Grant(role=role, organisation_id=org_id))
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name,
                     grants=tuple(sorted(grants, key=lambda g: (g.role, g.organisation_id))))


def departments_of(*, db_session: Session, institution_id: int) -> list[Organisation]:
    stmt = (select(Organisation).where(Organisation.parent_id == institution_id,
                                       Organisation.kind == OrgKind.DEPARTMENT).order_by(Organisation.name))
    return list(db_session.scalars(stmt))


def members_of(*, db_session: Session, organisation_ids: list[int], role: str | None = None) -> list[User]:
    stmt = (select(User).join(Membership).where(Membership.organisation_id.in_(organisation_ids))
            .order_by(User.username).distinct())
    if role:
        stmt = stmt.where(Membership.role == role)
    return list(db_session.scalars(stmt))


# ---------------------------------------------------------------- sign-in

def recent_failures(*, db_session: Session, username: str) -> int:
    since = utcnow() - FAILURE_WINDOW
    stmt = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "sign-in.failed", AuditEvent.entity == "user",
        AuditEvent.entity_id == username.strip().lower(), AuditEvent.at >= since)
    return db_session.scalar(stmt) or 0


def authenticate(*, db_session: Session, username: str, password: str, source: str | None = None) -> User | None:
    """Check a password; every attempt is audited and repeated failures throttle the user name.

    Returns the user, or ``None`` for a wrong name/password; raises :class:`SignInThrottled` when locked.
    """
    name = username.strip().lower()[:80]
    if recent_failures(db_session=db_session, username=name) >= MAX_FAILURES:
        record_audit(db_session=db_session, action="sign-in.throttled", actor=name, entity="user",
                     entity_id=name, note=source)
        raise SignInThrottled(f"too many failed sign-ins for {name!r}; wait {FAILURE_WINDOW.seconds // 60} minutes")
    user = get_user_by_username(db_session=db_session, username=name)
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # same cost whether or not the user exists
    if not ok:
        record_audit(db_session=db_session, action="sign-in.failed", actor=name, entity="user",
                     entity_id=name, note=source)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record_audit(db_session=db_session, action="sign-in", actor=name, entity="user", entity_id=name, note=source)
    return user


# ---------------------------------------------------------------- API tokens

def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(*, db_session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for machine clients; the clear token is returned once and never stored."""
    clear = "ph_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100] or "token", token_hash=_token_digest(clear), prefix=clear[:10])
    db_session.add(token)
    db_session.flush()
    record_audit(db_session=db_session, action="token.create", actor=user.username, entity="user",
                 entity_id=user.username, after={"token": token.prefix, "name": token.name})
    return token, clear


def user_for_token(*, db_session: Session, token: str) -> User | None:
    """The active user owning a non-revoked token, or ``None``."""
    if not token or len(token) > 200:
        return None
    row = db_session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                    ApiToken.revoked_at.is_(None))).first()
    if row is None or not row.user.active:
        return None
    return row.user


def revoke_api_token(*, db_session: Session, user: User, token_id: int) -> bool:
    row = db_session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def list_api_tokens(*, db_session: Session, user: User) -> list[ApiToken]:
    return list(db_session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def record_patent_changes(*, db_session: Session, actor: str | None, field: str,
                          changes: list[tuple[int, Any, Any]], organisation_id: int | None = None,
                          note: str | None = None) -> int:
    """Audit a batch of changes to one patent field (``grade``, ``disposition``, …): ``(patent_id, before, after)``.

    Unchanged values are skipped; returns how many events were written. For features that change grades or
    dispositions in bulk (valuation runs, manual overrides).
    """
    events = [AuditEvent(action=f"patent.{field}", actor=actor, entity="patent", entity_id=str(pid),
                         before={field: before}, after={field: after}, organisation_id=organisation_id, note=note)
              for pid, before, after in changes if before != after]
    db_session.add_all(events)
    db_session.flush()
    return len(events)
