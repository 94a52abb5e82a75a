"""What every route shares: the request's session, the signed-in principal, CSRF, rendering.

- ``DbSession``: one SQLAlchemy session per request; write handlers call ``db.commit()`` (the edge commits).
- ``CurrentPrincipal`` (pages): from the signed session cookie; anonymous visitors are sent to /login.
- ``ApiPrincipal`` (``/api/v1``): from ``Authorization: Bearer <token>`` (hashed per-user API tokens).
- ``CsrfForm``: the parsed form of a POST, after checking its ``csrf_token`` against the session.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session

from panhuo.accounts import service as accounts_service
from panhuo.accounts.permissions import Grant, Principal
from panhuo.db import session_factory
from panhuo.web import i18n


class NotSignedIn(Exception):
    """The page needs a signed-in user."""


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session (async dependency: creating a session does no I/O, and this avoids a thread hop)."""
    db = session_factory(request.app.state.engine)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


DbSession = Annotated[Session, Depends(get_db)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


# The principal is kept in the signed session for this long, then re-read (deactivation, password change and
# membership changes take effect within this window).
PRINCIPAL_TTL_SECONDS = 60


def _principal_from_session(request: Request, db: Session) -> Principal | None:
    user_id = request.session.get("uid")
    if not user_id:
        return None
    cached = request.session.get("principal")
    if cached and time.time() - cached.get("at", 0) < PRINCIPAL_TTL_SECONDS:
        return Principal(user_id=user_id, username=cached["username"], display_name=cached["display_name"],
                         grants=tuple(Grant(*g) for g in cached["grants"]))
    user = accounts_service.get_user(db_session=db, user_id=user_id)
    if user is None or not user.active or request.session.get("pw") != user.password_hash[-12:]:
        request.session.pop("uid", None)
        request.session.pop("principal", None)
        return None
    principal = accounts_service.principal_for(db_session=db, user=user)
    request.session["principal"] = {
        "at": time.time(), "username": principal.username, "display_name": principal.display_name,
        "grants": [[g.role, g.organisation_id, g.institution_id, g.department_id] for g in principal.grants]}
    return principal


async def optional_principal(request: Request, db: DbSession) -> Principal | None:
    principal = _principal_from_session(request, db)
    request.state.principal = principal
    return principal


async def current_principal(request: Request, db: DbSession) -> Principal:
    principal = await optional_principal(request, db)
    if principal is None:
        raise NotSignedIn()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def api_principal(request: Request, db: DbSession) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    user = accounts_service.user_for_token(db_session=db, token=token.strip())
    if user is None:
        raise HTTPException(401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return accounts_service.principal_for(db_session=db, user=user)


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


class FormData(dict):
    """A POSTed form: ``form["x"]`` is the last value, ``form.all("x")`` every value."""

    def __init__(self, multi: list[tuple[str, Any]]):
        super().__init__(multi)
        self._multi = multi

    def all(self, key: str) -> list:
        return [v for k, v in self._multi if k == key]


async def csrf_form(request: Request) -> FormData:
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
    return FormData(list(form.multi_items()))


CsrfForm = Annotated[FormData, Depends(csrf_form)]


def lang_of(request: Request) -> str:
    lang = request.session.get("lang")
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT


def render(request: Request, template: str, status_code: int = 200, **context: Any):
    """Render a page with the shared context (principal, language, CSRF token, translator)."""
    lang = lang_of(request)
    base = {"request": request, "principal": getattr(request.state, "principal", None), "lang": lang,
            "t": i18n.translator(lang), "label": i18n.labeller(lang), "csrf_token": csrf_token(request)}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context},
                                                        status_code=status_code)


# Database ids in paths and queries: bounded so that a fuzzer's huge integers are a 422, not a driver overflow.
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
