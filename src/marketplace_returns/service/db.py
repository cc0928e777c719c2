"""The database: one engine from a URL, SQLite by default, PostgreSQL by URL, one code path for both.

Why SQLite pragmas here: a laptop seller runs the poller, the pusher and the API in one process with
several threads. WAL lets readers (the API, reports) read while the poller writes; ``busy_timeout``
makes a writer wait for the lock instead of failing at once; ``foreign_keys`` makes SQLite enforce the
references PostgreSQL enforces anyway, so a test that passes on one passes on the other.

Alembic owns the schema. ``upgrade_database(url)`` runs the migrations shipped inside the package
(``marketplace_returns/migrations``, found through ``importlib.resources`` so it works from a wheel).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from marketplace_returns.errors import ConfigError, StoreError

log = logging.getLogger(__name__)

APP_NAME = "marketplace-returns"
BUSY_TIMEOUT_MS = 10_000


def default_url() -> str:
    """``sqlite:///<user data dir>/marketplace-returns.db`` (the directory is created)."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir(APP_NAME))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'marketplace-returns.db'}"


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path)}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """An engine for ``url`` (default: the SQLite file in the user's data directory)."""
    url = url or default_url()
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError or ValueError
        raise ConfigError(f"not a database URL: {type(exc).__name__}", path="db") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(f"unsupported database {parsed.get_backend_name()!r}", path="db",
                          hint="sqlite:///path or postgresql+psycopg://user@host/db")
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         **_native_placeholders(parsed.get_driver_name()))


def _native_placeholders(driver: str) -> dict[str, Any]:
    """psycopg 3 with PostgreSQL's own ``$1`` placeholders: SQLAlchemy writes them, a ``RawCursor`` sends
    the statement as it is.

    Why: with the default ``%(name)s`` style psycopg rewrites every statement in Python before sending
    it, and caches only short ones. A poll stores a page of cases with multi-row INSERTs of hundreds of
    parameters, so that rewrite was about an eighth of a worker's CPU in a burst (bench/burst.py).
    Binding is server-side either way; only the client-side parsing goes.
    """
    if driver != "psycopg":
        return {}
    import psycopg

    return {"paramstyle": "numeric_dollar", "connect_args": {"cursor_factory": psycopg.RawCursor}}


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success, rolled back on any error (SQLAlchemy errors become StoreError)."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        raise StoreError(f"database error: {type(exc).__name__}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade_database(url: str | None = None, *, revision: str = "head") -> str:
    """Bring the database at ``url`` to ``revision`` with the package's migrations; returns the URL."""
    from alembic import command
    from alembic.config import Config

    url = url or default_url()
    engine = make_engine(url)
    try:
        with as_file(files("marketplace_returns") / "migrations") as location:
            cfg = Config()
            cfg.set_main_option("script_location", str(location))
            cfg.attributes["engine"] = engine
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
    return url


def utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive values, stored as UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
