"""Alembic environment: runs online against the engine ``upgrade_database`` hands over.

Why no URL in an ini file: the URL comes from the command line or the service settings, and may hold
a password; it is passed as a live engine in ``config.attributes`` and never written anywhere.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from marketplace_returns.service.db import make_engine

config = context.config


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    owned = engine is None
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as connection:
            context.configure(connection=connection, target_metadata=None,
                              render_as_batch=connection.dialect.name == "sqlite")
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL) migrations are not supported; run `marketplace-returns db upgrade`")
run_migrations_online()
