"""The migrations and the ORM models describe the same schema, on every back end."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from panhuo.db import Base, load_all_models


def test_migrations_match_models(engine):
    load_all_models()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_sqlite_uses_wal(tmp_path):
    from sqlalchemy import text

    from panhuo.db import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
