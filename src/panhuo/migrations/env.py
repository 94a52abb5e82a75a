"""Alembic environment: runs on the connection handed over by panhuo.db.migrate, or on sqlalchemy.url."""

from alembic import context
from sqlalchemy import create_engine

from panhuo.db import Base, load_all_models

load_all_models()
target_metadata = Base.metadata
config = context.config


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run(conn)
