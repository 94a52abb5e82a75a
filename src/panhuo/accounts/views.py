"""Sign-in, sign-out, language switch, the account page (API tokens), and ``/api/v1/me``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from panhuo.accounts import service as accounts_service
from panhuo.web import i18n
from panhuo.web.deps import (
    ApiPrincipal,
    CsrfForm,
    CurrentPrincipal,
    DbSession,
    Id,
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

