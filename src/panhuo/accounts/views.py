"""Sign-in, sign-out, language switch, the account page (API tokens, own password), user administration
(list, invite, deactivate, one-time password links), and ``/api/v1/me``."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from panhuo.accounts import admin
from panhuo.accounts import service as accounts_service
from panhuo.accounts.enums import ROLE_ORG_KINDS, ROLE_ZH, Role
from panhuo.web import i18n
from panhuo.web.deps import (
    MAX_ID,
    ApiPrincipal,
    CsrfForm,
    CurrentPrincipal,
    DbSession,
    Id,
    OptionalId,
    optional_principal,
    render,
)

router = APIRouter(tags=["accounts"], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths (no scheme, no //host) so that sign-in cannot redirect elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
async def login_page(request: Request, db: DbSession, next: str = "/"):
    """The sign-in form."""
    await optional_principal(request, db)
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(request: Request, db: DbSession, form: CsrfForm):
    """Check the password (audited, throttled) and start a fresh session."""
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    source = request.client.host if request.client else None
    try:
        user = accounts_service.authenticate(db_session=db, username=username, password=password, source=source)
    except accounts_service.SignInThrottled:
        db.commit()
        return render(request, "login.html", status_code=429, next=target, error="throttled")
    db.commit()
    if user is None:
        return render(request, "login.html", status_code=401, next=target, error="bad_login")
    lang = request.session.get("lang")
    request.session.clear()  # no session fixation: a new CSRF token after sign-in
    request.session.update({"uid": user.id, "pw": user.password_hash[-12:], "lang": lang or user.locale})
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, form: CsrfForm):
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/"):
    """Switch the UI language (zh / en)."""
    if code in i18n.LANGUAGES:
        request.session["lang"] = code
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/account")
def account_page(request: Request, db: DbSession, principal: CurrentPrincipal):
    """The signed-in user's roles and API tokens."""
    user = accounts_service.get_user(db_session=db, user_id=principal.user_id)
    tokens = accounts_service.list_api_tokens(db_session=db, user=user)
    return render(request, "account.html", user=user, tokens=tokens, new_token=None)


@router.post("/account/tokens")
def create_token(request: Request, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Create an API token; its clear value is shown once."""
    user = accounts_service.get_user(db_session=db, user_id=principal.user_id)
    _, clear = accounts_service.create_api_token(db_session=db, user=user, name=str(form.get("name") or "token"))
    db.commit()
    tokens = accounts_service.list_api_tokens(db_session=db, user=user)
    return render(request, "account.html", user=user, tokens=tokens, new_token=clear)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: Id, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Revoke one of the user's tokens."""
    user = accounts_service.get_user(db_session=db, user_id=principal.user_id)
    if not accounts_service.revoke_api_token(db_session=db, user=user, token_id=token_id):
        raise HTTPException(404, "no such token")
    db.commit()
    return RedirectResponse("/account", status_code=303)


class GrantRead(BaseModel):
    role: str
    organisation_id: int
    institution_id: int | None = None
    department_id: int | None = None


class MeRead(BaseModel):
    user_id: int
    username: str
    display_name: str
    grants: list[GrantRead]


api = APIRouter(tags=["accounts"])


@api.get("/me", response_model=MeRead)
def me(principal: ApiPrincipal):
    """Who the token belongs to, and their roles."""
    return MeRead(user_id=principal.user_id, username=principal.username, display_name=principal.display_name,
                  grants=[GrantRead(**g.__dict__) for g in principal.grants])



# ---------------------------------------------------------------- user administration and passwords
# Who may manage whom is decided in :mod:`panhuo.accounts.admin` (``user.manage``), never in the templates.

def _users_page(request: Request, db, principal, organisation_id: int | None = None, *, status_code: int = 200,
                link: dict | None = None, error: str | None = None):
    orgs = admin.manageable_organisations(db_session=db, principal=principal)
    rows = admin.list_users(db_session=db, principal=principal, organisation_id=organisation_id)
    names = {o.id: o for o in orgs}
    return render(request, "admin_users.html", status_code=status_code, rows=rows, orgs=orgs, names=names,
                  organisation_id=organisation_id, roles=_grantable_roles(orgs), link=link, error=error,
                  role_label=lambda r: ROLE_ZH.get(r, r))


def _grantable_roles(orgs) -> list[str]:
    """Roles that fit at least one of the organisations the admin manages (the service checks the pair)."""
    kinds = {o.kind for o in orgs}
    return [str(r) for r in Role if ROLE_ORG_KINDS[r] & kinds]


def _link(request: Request, token: str, username: str, purpose: str) -> dict:
    return {"url": f"{str(request.base_url).rstrip('/')}/password/{token}", "username": username,
            "purpose": purpose}


@router.get("/admin/users")
def users_page(request: Request, db: DbSession, principal: CurrentPrincipal, organisation_id: OptionalId = None):
    """Users of the organisations the admin manages (all for the operator), with the invite form."""
    return _users_page(request, db, principal, organisation_id)


@router.post("/admin/users")
def invite(request: Request, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """Create a user with a role; the one-time link to set their password is shown once."""
    raw_org = str(form.get("organisation_id") or "")
    org_id = int(raw_org) if re.fullmatch(r"[0-9]{1,10}", raw_org) and int(raw_org) <= MAX_ID else 0
    try:
        user, token = admin.invite_user(db_session=db, principal=principal, username=str(form.get("username", "")),
                                        organisation_id=org_id, role=str(form.get("role", "")),
                                        display_name=str(form.get("display_name", "")),
                                        email=str(form.get("email", "")))
    except accounts_service.AccountError as exc:
        db.rollback()
        return _users_page(request, db, principal, status_code=400, error=str(exc))
    db.commit()
    return _users_page(request, db, principal, link=_link(request, token, user.username, "invite"))


def _attempt(db, work):
    """Run one admin write: ``(result, None)`` committed, or ``(None, message)`` rolled back."""
    try:
        result = work()
    except accounts_service.AccountError as exc:
        db.rollback()
        return None, str(exc)
    db.commit()
    return result, None


def _set_active(request: Request, db, principal, user_id: int, active: bool):
    _, error = _attempt(db, lambda: admin.set_active(db_session=db, principal=principal, user_id=user_id,
                                                     active=active))
    if error:
        return _users_page(request, db, principal, status_code=400, error=error)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(request: Request, db: DbSession, principal: CurrentPrincipal, user_id: Id, form: CsrfForm):
    """Deactivate a user (sign-in and API tokens refused; open sessions end within a minute)."""
    return _set_active(request, db, principal, user_id, False)


@router.post("/admin/users/{user_id}/activate")
def activate(request: Request, db: DbSession, principal: CurrentPrincipal, user_id: Id, form: CsrfForm):
    """Reactivate a user."""
    return _set_active(request, db, principal, user_id, True)


@router.post("/admin/users/{user_id}/reset")
def reset(request: Request, db: DbSession, principal: CurrentPrincipal, user_id: Id, form: CsrfForm):
    """Issue a one-time password link for the user (shown once; there is no mail)."""
    token, error = _attempt(db, lambda: admin.issue_password_reset(db_session=db, principal=principal,
                                                                   user_id=user_id))
    if error:
        return _users_page(request, db, principal, status_code=400, error=error)
    user = accounts_service.get_user(db_session=db, user_id=user_id)
    return _users_page(request, db, principal, link=_link(request, token, user.username, "reset"))


@router.get("/password/{token}")
async def password_link_page(request: Request, db: DbSession, token: str):
    """The page behind a one-time link: set a new password (no sign-in needed)."""
    await optional_principal(request, db)
    try:
        _, user = admin.link_user(db_session=db, token=token)
    except admin.ResetLinkInvalid as exc:
        return render(request, "password_link.html", status_code=404, user=None, error=str(exc), done=False)
    return render(request, "password_link.html", user=user, error=None, done=False)


@router.post("/password/{token}")
def password_link_set(request: Request, db: DbSession, token: str, form: CsrfForm):
    """Set the password through the link; the link is spent."""
    try:
        user = admin.set_password_with_link(db_session=db, token=token, password=str(form.get("password", "")),
                                            confirm=str(form.get("confirm", "")))
    except admin.ResetLinkInvalid as exc:
        db.rollback()
        return render(request, "password_link.html", status_code=404, user=None, error=str(exc), done=False)
    except accounts_service.AccountError as exc:
        db.rollback()
        _, user = admin.link_user(db_session=db, token=token)
        return render(request, "password_link.html", status_code=400, user=user, error=str(exc), done=False)
    db.commit()
    return render(request, "password_link.html", user=user, error=None, done=True)


@router.post("/account/password")
def change_own_password(request: Request, db: DbSession, principal: CurrentPrincipal, form: CsrfForm):
    """The signed-in user changes their password (current one required); the session stays signed in."""
    user = accounts_service.get_user(db_session=db, user_id=principal.user_id)
    try:
        admin.change_password(db_session=db, user=user, current=str(form.get("current", "")),
                              password=str(form.get("password", "")), confirm=str(form.get("confirm", "")))
    except accounts_service.AccountError as exc:
        db.commit()  # keeps the audit event of a wrong current password; nothing else was changed
        tokens = accounts_service.list_api_tokens(db_session=db, user=user)
        return render(request, "account.html", status_code=400, user=user, tokens=tokens, new_token=None,
                      password_error=str(exc))
    db.commit()
    request.session["pw"] = user.password_hash[-12:]
    request.session.pop("principal", None)
    tokens = accounts_service.list_api_tokens(db_session=db, user=user)
    return render(request, "account.html", user=user, tokens=tokens, new_token=None, password_changed=True)
