"""Fresh databases for the service tests: a SQLite file, or a throwaway PostgreSQL database.

On PostgreSQL each call creates ``mr_svc_<random>`` beside the CI database and drops it afterwards
(``WITH (FORCE)``, so a leaked connection cannot keep it alive), so tests never see each other's rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from marketplace_returns.service.db import make_engine, upgrade_database


@contextmanager
def fresh_postgres(base_url: str) -> Iterator[str]:
    name = "mr_svc_" + secrets.token_hex(6)
    admin = make_engine(base_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated(kind: str, tmp_path: Path, pg_base: str | None) -> Iterator[str]:
    """A migrated database URL of ``kind`` (``sqlite`` or ``postgres``)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade_database(url)
        yield url
        return
    assert pg_base is not None
    with fresh_postgres(pg_base) as url:
        upgrade_database(url)
        yield url
