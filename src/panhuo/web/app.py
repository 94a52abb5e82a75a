"""The web application: ``create_app(settings)`` wires sessions, templates, static files and every router."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from panhuo import __version__
from panhuo.accounts.permissions import PermissionDenied
from panhuo.config import Settings
from panhuo.db import make_engine
from panhuo.web import deps

HERE = Path(__file__).resolve().parent
SESSION_MAX_AGE = 8 * 3600
POOL_SIZE, POOL_MAX = 20, 60  # per worker process
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
]


class SecurityHeaders:
    """Adds the security headers to every HTTP response (a plain ASGI middleware: cheap)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        return await self.app(scope, receive, send_with_headers)


MIN_SECRET_CHARS = 32


def secret_key(settings: Settings) -> str:
    """``PANHUO_SECRET_KEY``, else a random key kept in the workspace (``.secret_key``, mode 0600).

    The file is created atomically (written to a private temporary file, then linked into place, which fails if
    another process got there first), so concurrent workers all end up with the one key; a key file that is
    empty or too short is an error, never a weak signing key."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.workspace / ".secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic; FileExistsError when another worker created it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_CHARS:
        raise RuntimeError(f"{path} holds no usable key (fewer than {MIN_SECRET_CHARS} characters): "
                           "delete it to have a new one made, or set PANHUO_SECRET_KEY")
    return key


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI application for one workspace (pages, ``/api/v1`` and its OpenAPI schema)."""
    settings = settings or Settings()
    app = FastAPI(title="Panhuo 盘活 API", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/v1/openapi.json", redoc_url=None)
    app.state.settings = settings
    # Connections returned above the pool size are closed, and reopening them (PostgreSQL backends, SQLite
    # PRAGMAs) under load costs more than the queries: keep POOL_SIZE open, allow bursts up to POOL_MAX.
    app.state.engine = make_engine(settings.db_url, pool_size=POOL_SIZE, max_overflow=POOL_MAX - POOL_SIZE)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    templates.env.auto_reload = False  # templates ship in the package: no stat() of every template per render
    app.state.templates = templates
    app.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="panhuo_session",
                       max_age=SESSION_MAX_AGE, same_site="lax", https_only=False)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _routers(app)
    _error_handlers(app)
    return app


def _routers(app: FastAPI) -> None:
    from panhuo.accounts import views as accounts_views
    from panhuo.demands import views as demands_views
    from panhuo.inventory import views as inventory_views
    from panhuo.library import views as library_views
    from panhuo.licensing import views as licensing_views
    from panhuo.licensing import views_deals as licensing_forms
    from panhuo.licensing import views_open as licensing_open
    from panhuo.web import api as web_api
    from panhuo.web import views as web_views

    app.include_router(accounts_views.router)
    app.include_router(web_views.router)
    app.include_router(inventory_views.router)
    app.include_router(demands_views.router)
    app.include_router(accounts_views.api, prefix="/api/v1")
    app.include_router(web_api.router, prefix="/api/v1")
    app.include_router(inventory_views.api, prefix="/api/v1")
    app.include_router(demands_views.api, prefix="/api/v1")
    app.include_router(licensing_forms.router)  # before licensing_views: /contracts/new is not a contract id
    app.include_router(licensing_open.router)
    app.include_router(licensing_views.router)
    app.include_router(licensing_views.api, prefix="/api/v1")
    app.include_router(library_views.router)
    app.include_router(library_views.api, prefix="/api/v1")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(deps.NotSignedIn)
    async def not_signed_in(request: Request, exc: deps.NotSignedIn):
        if _wants_json(request):
            return JSONResponse({"detail": "sign in required"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, exc: PermissionDenied):
        if _wants_json(request):
            return JSONResponse({"detail": f"not allowed: {exc.action}"}, status_code=403)
        return deps.render(request, "error.html", status_code=403, code=403, message_key="forbidden",
                           detail=exc.action)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if _wants_json(request) or exc.status_code == 401:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        key = {403: "forbidden", 404: "not_found"}.get(exc.status_code, "bad_request")
        return deps.render(request, "error.html", status_code=exc.status_code, code=exc.status_code,
                           message_key=key, detail=str(exc.detail))
