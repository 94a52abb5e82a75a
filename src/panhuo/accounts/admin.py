"""User administration: operator and institution admins list, invite, deactivate and reset the passwords of the
users of their organisations; everyone may change their own password. Keyword-only, session first, no commit.

Authorisation is ``user.manage`` (:mod:`panhuo.accounts.permissions`) on the organisation's institution: the
operator manages every organisation (enterprises and the operator included); an institution admin manages
the institution and its departments. A user is managed only when *all* their memberships are in
organisations the admin manages (an institution admin cannot lock out someone who also works elsewhere).

There is no mail: invitations and resets produce a one-time link the admin hands over. Only the link's
SHA-256 is stored; it expires after ``RESET_TTL``; a newer link, a change of the user's own password and a
deactivation cancel open links. Using a link spends it atomically and revokes the user's API tokens. Wrong
current passwords on a password change are throttled like failed sign-ins. Every step is audited, with the
user's organisation.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, timedelta
from types import SimpleNamespace

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from panhuo.accounts import service
from panhuo.accounts.enums import INSTITUTION_KINDS, ROLE_ORG_KINDS, OrgKind, Role
from panhuo.accounts.models import ApiToken, AuditEvent, Membership, Organisation, PasswordReset, User
from panhuo.accounts.permissions import PermissionDenied, Principal, can
from panhuo.accounts.service import (
    FAILURE_WINDOW,
    MAX_FAILURES,
    AccountError,
    _hasher,
    _token_digest,
    record_audit,
)
from panhuo.db import utcnow

USERNAME = re.compile(r"[\w.@-]{2,80}")
RESET_TTL = timedelta(hours=24)
INVITE_TTL = timedelta(days=7)


class ResetLinkInvalid(AccountError):
    """The password link is unknown, already used, expired or superseded."""


class PasswordChangeThrottled(AccountError):
    """Too many wrong current passwords on password change; try again later."""


def _home_organisation_id(db_session: Session, user: User) -> int | None:
    """The organisation audit rows about ``user`` are filed under: their first membership's."""
    return db_session.scalar(select(Membership.organisation_id).where(Membership.user_id == user.id)
                             .order_by(Membership.id).limit(1))


def _spend_open_links(db_session: Session, user: User) -> int:
    """Mark every unused link of ``user`` used, so none can set a password any more; how many there were."""
    result = db_session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                                            PasswordReset.used_at.is_(None))
                                .values(used_at=utcnow()))
    return result.rowcount or 0


def _scope(org: Organisation) -> SimpleNamespace:
    """The permission resource of an organisation: its institution (itself, or a department's parent)."""
    if org.kind in INSTITUTION_KINDS:
        return SimpleNamespace(institution_id=org.id)
    if org.kind == OrgKind.DEPARTMENT:
        return SimpleNamespace(institution_id=org.parent_id)
    return SimpleNamespace(institution_id=None)  # operator and enterprises: the operator only


def may_manage_org(principal: Principal, org: Organisation) -> bool:
    return can(principal, "user.manage", _scope(org))


def manageable_organisations(*, db_session: Session, principal: Principal) -> list[Organisation]:
    """Organisations whose users the principal administers (all for the operator), by kind and name."""
    stmt = select(Organisation).order_by(Organisation.kind, Organisation.name)
    if not principal.is_operator:
        ids = sorted(principal.institution_ids("institution_admin"))
        stmt = stmt.where((Organisation.id.in_(ids)) | (Organisation.parent_id.in_(ids)))
    return [o for o in db_session.scalars(stmt) if may_manage_org(principal, o)]


def _memberships(db_session: Session, user_ids: list[int]) -> dict[int, list[Membership]]:
    found: dict[int, list[Membership]] = {uid: [] for uid in user_ids}
    if user_ids:
        for m in db_session.scalars(select(Membership).where(Membership.user_id.in_(user_ids))
                                    .order_by(Membership.id)):
            found[m.user_id].append(m)
    return found


def list_users(*, db_session: Session, principal: Principal,
               organisation_id: int | None = None) -> list[tuple[User, list[Membership], bool]]:
    """Users with a membership in the principal's organisations (or in one of them): ``(user, memberships,
    manageable)``; ``manageable`` is False when the user also belongs to an organisation outside the scope."""
    orgs = {o.id: o for o in manageable_organisations(db_session=db_session, principal=principal)}
    if organisation_id is not None:
        if organisation_id not in orgs:
            raise PermissionDenied("user.manage", principal)
        ids = [organisation_id]
    else:
        ids = list(orgs)
    if not ids:
        raise PermissionDenied("user.manage", principal)
    users = list(db_session.scalars(select(User).join(Membership).where(Membership.organisation_id.in_(ids))
                                    .order_by(User.username).distinct()))
    members = _memberships(db_session, [u.id for u in users])
    return [(u, members[u.id], all(m.organisation_id in orgs for m in members[u.id])) for u in users]


def _managed_user(db_session: Session, principal: Principal, user_id: int) -> User:
    """The user, when every one of their memberships is in an organisation the principal manages."""
    user = db_session.get(User, user_id)
    if user is None:
        raise AccountError(f"user {user_id} does not exist")
    members = _memberships(db_session, [user.id])[user.id]
    orgs = [db_session.get(Organisation, m.organisation_id) for m in members]
    if not orgs or not all(o is not None and may_manage_org(principal, o) for o in orgs):
        raise PermissionDenied("user.manage", principal)
    return user


def _issue_link(db_session: Session, user: User, *, purpose: str, by: str) -> str:
    """A new one-time link token for ``user``; earlier unused links stop working."""
    _spend_open_links(db_session, user)
    now = utcnow()
    clear = secrets.token_urlsafe(32)
    ttl = INVITE_TTL if purpose == "invite" else RESET_TTL
    db_session.add(PasswordReset(user_id=user.id, token_hash=_token_digest(clear), purpose=purpose, created_by=by,
                                 created_at=now, expires_at=now + ttl))
    db_session.flush()
    return clear


def invite_user(*, db_session: Session, principal: Principal, username: str, organisation_id: int, role: str,
                display_name: str = "", email: str | None = None) -> tuple[User, str]:
    """Create a user with a role in one of the principal's organisations; returns the user and the clear
    token of their one-time link to set a password (valid ``INVITE_TTL``). The user cannot sign in before."""
    org = db_session.get(Organisation, organisation_id)
    if org is None or not may_manage_org(principal, org):
        raise PermissionDenied("user.manage", principal)
    if not USERNAME.fullmatch(username.strip().lower()):
        raise AccountError("user name: 2–80 letters, digits, '.', '_', '-' or '@' (no spaces)")
    if role not in {str(r) for r in Role} or org.kind not in ROLE_ORG_KINDS[Role(role)]:
        raise AccountError(f"role '{role}' cannot be held in {org.name} ({org.kind})")
    # An unguessable password nobody knows: the account is usable only through the invitation link.
    user = service.create_user(db_session=db_session, username=username, password=secrets.token_urlsafe(24),
                               display_name=display_name.strip()[:200], email=(email or "").strip()[:200] or None)
    service.add_membership(db_session=db_session, user=user, organisation=org, role=role)
    record_audit(db_session=db_session, action="user.create", actor=principal.username, entity="user",
                 entity_id=user.username, organisation_id=org.id, after={"role": role, "organisation": org.name})
    return user, _issue_link(db_session, user, purpose="invite", by=principal.username)


def set_active(*, db_session: Session, principal: Principal, user_id: int, active: bool) -> User:
    """Deactivate (no sign-in, API tokens refused, open sessions end within a minute, open invitation and
    reset links cancelled, so reactivating does not bring them back) or reactivate a user."""
    user = _managed_user(db_session, principal, user_id)
    if user.id == principal.user_id and not active:
        raise AccountError("you cannot deactivate your own account")
    if user.active != active:
        user.active = active
        spent = 0 if active else _spend_open_links(db_session, user)
        db_session.flush()
        record_audit(db_session=db_session, action="user.activate" if active else "user.deactivate",
                     actor=principal.username, entity="user", entity_id=user.username,
                     organisation_id=_home_organisation_id(db_session, user),
                     before={"active": not active}, after={"active": active},
                     note=f"{spent} open password link(s) cancelled" if spent else None)
    return user


def issue_password_reset(*, db_session: Session, principal: Principal, user_id: int) -> str:
    """A one-time link token (valid ``RESET_TTL``) for a managed user to set a new password."""
    user = _managed_user(db_session, principal, user_id)
    if not user.active:
        raise AccountError(f"{user.username} is deactivated: reactivate the account first")
    clear = _issue_link(db_session, user, purpose="reset", by=principal.username)
    record_audit(db_session=db_session, action="user.password_reset_issued", actor=principal.username,
                 entity="user", entity_id=user.username, organisation_id=_home_organisation_id(db_session, user),
                 note=f"expires in {RESET_TTL}")
    return clear


def link_user(*, db_session: Session, token: str) -> tuple[PasswordReset, User]:
    """The live link and its user; raises :class:`ResetLinkInvalid` (one message for every failure)."""
    row = None
    if token and len(token) <= 100:
        row = db_session.scalars(select(PasswordReset).where(PasswordReset.token_hash == _token_digest(token))).first()
    user = db_session.get(User, row.user_id) if row is not None else None
    expired = row is not None and _aware(row.expires_at) <= utcnow()
    if row is None or row.used_at is not None or expired or user is None or not user.active:
        raise ResetLinkInvalid("this link is invalid, used or expired: ask your administrator for a new one")
    return row, user


def _aware(value):
    """SQLite returns naive datetimes for timezone columns: read them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _check_new_password(user: User, password: str, confirm: str) -> None:
    if password != confirm:
        raise AccountError("the two passwords differ")
    if len(password) < service.MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {service.MIN_PASSWORD_LENGTH} characters")
    if len(password) > 200:
        raise AccountError("password must have at most 200 characters")
    if password.strip().lower() == user.username:
        raise AccountError("the password cannot be the user name")


def set_password_with_link(*, db_session: Session, token: str, password: str, confirm: str) -> User:
    """Set the password through a one-time link (argon2id). The link is spent atomically (of two requests
    racing with the same link only one succeeds) and the user's API tokens are revoked."""
    row, user = link_user(db_session=db_session, token=token)
    _check_new_password(user, password, confirm)
    now = utcnow()
    spent = db_session.execute(update(PasswordReset).where(PasswordReset.id == row.id,
                                                           PasswordReset.used_at.is_(None))
                               .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise ResetLinkInvalid("this link is invalid, used or expired: ask your administrator for a new one")
    revoked = db_session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    user.password_hash = service.hash_password(password)
    db_session.flush()
    db_session.expire(row)
    record_audit(db_session=db_session, action=f"user.password_set_by_{row.purpose}", actor=user.username,
                 entity="user", entity_id=user.username, organisation_id=_home_organisation_id(db_session, user),
                 note=f"link issued by {row.created_by}; {revoked or 0} API token(s) revoked")
    return user


def recent_password_change_failures(*, db_session: Session, user: User) -> int:
    """Wrong current passwords given by ``user`` within ``FAILURE_WINDOW`` (as for sign-ins)."""
    stmt = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "user.password_change_failed", AuditEvent.entity == "user",
        AuditEvent.entity_id == user.username, AuditEvent.at >= utcnow() - FAILURE_WINDOW)
    return db_session.scalar(stmt) or 0


def change_password(*, db_session: Session, user: User, current: str, password: str, confirm: str) -> User:
    """The signed-in user changes their own password (the current one is checked; after ``MAX_FAILURES``
    wrong ones within ``FAILURE_WINDOW`` further attempts are refused with :class:`PasswordChangeThrottled`).
    Open invitation and reset links of the user stop working."""
    org_id = _home_organisation_id(db_session, user)
    if recent_password_change_failures(db_session=db_session, user=user) >= MAX_FAILURES:
        record_audit(db_session=db_session, action="user.password_change_throttled", actor=user.username,
                     entity="user", entity_id=user.username, organisation_id=org_id)
        raise PasswordChangeThrottled(f"too many wrong current passwords: wait {FAILURE_WINDOW.seconds // 60} "
                                      f"minutes before trying again")
    try:
        ok = _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        record_audit(db_session=db_session, action="user.password_change_failed", actor=user.username,
                     entity="user", entity_id=user.username, organisation_id=org_id)
        raise AccountError("the current password is wrong")
    _check_new_password(user, password, confirm)
    if password == current:
        raise AccountError("the new password is the same as the current one")
    user.password_hash = service.hash_password(password)
    spent = _spend_open_links(db_session, user)
    db_session.flush()
    record_audit(db_session=db_session, action="user.password_change", actor=user.username, entity="user",
                 entity_id=user.username, organisation_id=org_id,
                 note=f"{spent} open password link(s) cancelled" if spent else None)
    return user
