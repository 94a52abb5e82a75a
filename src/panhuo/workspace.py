"""A workspace: a folder with panhuo.toml, the SQLite database (or a URL to PostgreSQL) and indexes."""

from __future__ import annotations

from pathlib import Path

from panhuo.config import WORKSPACE_FILE, get_settings
from panhuo.db import get_engine, migrate


def init_workspace(directory: Path, *, db_url: str | None = None) -> dict:
    """Create (or bring up to date) a workspace; safe to run twice."""
    directory.mkdir(parents=True, exist_ok=True)
    for sub in ("index", "reports", "imports"):
        (directory / sub).mkdir(exist_ok=True)
    config = directory / WORKSPACE_FILE
    if not config.exists():
        lines = ["# Panhuo workspace", "[workspace]", 'name = "panhuo"', ""]
        if db_url:
            lines += ["[database]", f'url = "{db_url}"', ""]
        config.write_text("\n".join(lines), encoding="utf-8")
    settings = get_settings(workspace=directory, db=db_url)
    migrate(get_engine(settings.db_url))
    return {"workspace": str(directory), "database": _redact(settings.db_url)}


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
