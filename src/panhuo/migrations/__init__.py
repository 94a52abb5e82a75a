"""Alembic migrations.

One linear *core* history plus one branch per feature (``branch_labels``), each branching from
the core revision it needs; ``alembic upgrade heads`` (what :func:`panhuo.db.migrate` runs) applies
them all. A feature that adds tables adds a revision file named ``<feature>_NNNN_<what>.py``.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(connection=None, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg
