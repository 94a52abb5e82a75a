"""Shared fixtures.

Database tests run on both back ends: SQLite always, PostgreSQL when ``PANHUO_TEST_PG`` names a server
(``make test`` starts a private one; under ``CI=true`` a missing server is an error, not a skip).

- ``session``: a session on a migrated database, rolled back after each test (fast; most tests).
- ``db_url``: a fresh, migrated, empty database of its own (for CLI, web and concurrency tests that commit).
- ``data_dir`` / ``require_data(name)``: the shared reference data; tests skip with a clear reason when absent.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from panhuo.config import default_data_dir
from panhuo.db import make_engine, migrate

BACKENDS = ["sqlite", "postgresql"]
PG_BASE = os.environ.get("PANHUO_TEST_PG")


def _pg_admin():
    return make_engine(PG_BASE, isolation_level="AUTOCOMMIT", poolclass=__import__("sqlalchemy.pool").pool.NullPool)


def _skip_or_fail_pg() -> None:
    if os.environ.get("CI") == "true":
        pytest.fail("PANHUO_TEST_PG is not set: CI must run the suite on PostgreSQL too")
    pytest.skip("PostgreSQL tests need PANHUO_TEST_PG (make test starts a private server)")


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    """One migrated template database per back end, created lazily."""
    made: dict[str, str] = {}
    yield made
    if "postgresql" in made:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{made["postgresql"]}"'))
        admin.dispose()


def _template(backend: str, templates: dict, tmp_path_factory) -> str:
    if backend in templates:
        return templates[backend]
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("tmpl") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        templates[backend] = str(path)
    else:
        name = f"panhuo_tmpl_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(_pg_url(name))
        migrate(engine)
        engine.dispose()
        templates[backend] = name
    return templates[backend]


def _pg_url(database: str) -> str:
    return make_url(PG_BASE).set(database=database).render_as_string(hide_password=False)


def _new_database(backend: str, templates: dict, tmp_path_factory) -> tuple[str, callable]:
    if backend == "postgresql" and not PG_BASE:
        _skip_or_fail_pg()
    template = _template(backend, templates, tmp_path_factory)
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "panhuo.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}", lambda: None
    name = f"panhuo_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return _pg_url(name), drop


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request, _templates, tmp_path_factory):
    url, drop = _new_database(request.param, _templates, tmp_path_factory)
    eng = make_engine(url)
    yield eng
    eng.dispose()
    drop()


@pytest.fixture
def session(engine):
    """A session whose work is rolled back after the test (services may flush, never commit)."""
    connection = engine.connect()
    outer = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield db_session
    db_session.close()
    outer.rollback()
    connection.close()


@pytest.fixture(params=BACKENDS)
def db_url(request, _templates, tmp_path_factory):
    """URL of a fresh, migrated database that the test may commit to."""
    url, drop = _new_database(request.param, _templates, tmp_path_factory)
    yield url
    from panhuo.db import _engines

    eng = _engines.pop(url, None)
    if eng is not None:
        eng.dispose()
    drop()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return default_data_dir()


@pytest.fixture
def require_data(data_dir):
    """Call with a data set's name; skips the test with a clear reason when it is absent."""

    def need(name: str) -> Path:
        path = data_dir / name
        if not path.exists():
            pytest.skip(f"reference data set '{name}' not found in {data_dir} (set PANHUO_DATA)")
        return path

    return need
