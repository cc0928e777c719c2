"""Migration 0004 on a store that already holds rows: every row gets its opaque id, and it downgrades."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from marketplace_returns.service.db import make_engine, upgrade_database
from service_db import fresh_postgres


def _check(url: str) -> None:
    upgrade_database(url, revision="0003")
    engine = make_engine(url)
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO cases (shop_id, platform, refund_id, dispute, "
                              "dispute_seller_fault) VALUES ('s', 'taobao', :r, false, false)"),
                         {"r": f"r{i}"})
        conn.execute(text("INSERT INTO audit_log (actor, event) VALUES ('poller', 'batch')"))
    upgrade_database(url)
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT public_id FROM cases")).scalars().all()
        events = conn.execute(text("SELECT public_id FROM audit_log")).scalars().all()
    assert len(ids) == 3 and all(i and i.startswith("cs_") and len(i) == 19 for i in ids)
    assert len(set(ids)) == 3 and events[0].startswith("ev_")
    with as_file(files("marketplace_returns") / "migrations") as location:  # and it downgrades
        cfg = Config()
        cfg.set_main_option("script_location", str(location))
        cfg.attributes["engine"] = engine
        command.downgrade(cfg, "0003")
    with engine.connect() as conn:
        columns = list(conn.execute(text("SELECT * FROM cases LIMIT 1")).keys())
    assert "public_id" not in columns and "retriage_reason" not in columns
    engine.dispose()


def test_0004_backfills_opaque_ids_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_0004_backfills_opaque_ids_on_postgres(postgres_url: str) -> None:
    with fresh_postgres(postgres_url) as url:
        _check(url)
