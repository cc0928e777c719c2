"""Setting the service up live: platforms checked at ``shops add``, ``shops remove``, a shop whose polls
fail shows as failing, errors name the URL, a missing shops file is reported before the store exists,
and ``run`` logs each poll and each case it decided."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.connectors.base import ShopConfig
from marketplace_returns.connectors.registry import create_connector
from marketplace_returns.connectors.shopify.connector import ShopifyConnector
from marketplace_returns.errors import PlatformRejected
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext, real_triage
from marketplace_returns.service.db import make_engine
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.scheduler import ServiceScheduler
from marketplace_returns.service.tables import CaseRecord
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context

SHOPS = """\
shops:
  - shop_id: tb-down
    platform: taobao
    base_url: http://127.0.0.1:9/router/rest
    credentials: {app_key: env:MR_T_KEY, app_secret: env:MR_T_SECRET, session: env:MR_T_SESSION}
  - shop_id: typo
    platform: shopfy
    base_url: https://typo.myshopify.com
    credentials: {access_token: env:MR_T_TOKEN}
  - shop_id: not-a-url
    platform: shopify
    base_url: typo.myshopify.com
    credentials: {access_token: env:MR_T_TOKEN}
"""


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80", "MR_T_KEY": "k", "MR_T_SECRET": "s",
                                                      "MR_T_SESSION": "x", "MR_T_TOKEN": "t"})
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    shops = tmp_path / "shops.yaml"
    shops.write_text(SHOPS, encoding="utf-8")
    code, out = cli("shops", "add", str(shops), "--db", url)
    assert code == 1
    text = " ".join(out.split())
    assert "unknown platform 'shopfy'; did you mean 'shopify'?" in text  # at add, not at the first poll
    assert "base_url 'typo.myshopify.com' must start with https://" in text
    return url


async def test_a_failing_shop_is_listed_as_failing(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MR_T_KEY", "MR_T_SECRET", "MR_T_SESSION"):
        monkeypatch.setenv(var, "x")
    code, out = cli("shops", "list", "--db", db)
    assert "active" in out and "not polled yet" in out
    engine = make_engine(db)
    ctx = ServiceContext(db=engine, triage=real_triage(),
                         connector_factory=lambda p: create_connector(p, max_attempts=1))
    try:
        report = await poll_shop(ctx, "tb-down")
    finally:
        await ctx.aclose()
        engine.dispose()
    assert report.error and "http://127.0.0.1:9/router/rest" in report.error
    code, out = cli("shops", "list", "--db", db)
    text = " ".join(out.split())
    assert code == 0 and "failing: taobao: connection failed" in text
    assert "active" not in text.split("tb-down")[1]


async def test_a_wrong_shopify_base_url_is_named_in_the_error() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404, text="Not Found")))
    conn = ShopifyConnector(client=http, max_attempts=1)
    shop = ShopConfig(shop_id="s", platform="shopify", base_url="https://wrong.example.com",
                      credentials={"access_token": SecretStr("t")})
    with pytest.raises(PlatformRejected) as caught:
        async for _ in conn.fetch_changed(shop, None):
            pass
    assert "HTTP 404" in str(caught.value) and "https://wrong.example.com/admin/api/" in str(caught.value)
    await http.aclose()


def test_shops_remove_keeps_the_record_and_refuses_unknown_shops(db: str) -> None:
    engine = make_engine(db)
    with Session(engine) as session:
        session.add(CaseRecord(shop_id="tb-down", platform="taobao", refund_id="r1"))
        session.commit()
    code, out = cli("shops", "remove", "nosuch", "--db", db)
    assert code == 2 and "no shop 'nosuch'" in out
    code, out = cli("shops", "remove", "tb-down", "--db", db)
    assert code == 0 and "1 cases kept" in out
    code, out = cli("shops", "list", "--db", db)
    assert "tb-down" not in out
    with Session(engine) as session:
        assert [c.refund_id for c in repo.list_cases(session, shop_id="tb-down")] == ["r1"]
        assert "shop_removed" in [e.event for e in repo.list_audit(session, shop_id="tb-down")]
    engine.dispose()


def test_run_reports_a_missing_shops_file_before_creating_the_store(tmp_path: Path) -> None:
    store = tmp_path / "never.db"
    code, out = cli("run", "--shops", str(tmp_path / "missing.yaml"), "--db", f"sqlite:///{store}")
    assert code == 2 and "--shops: no file" in out and "missing.yaml" in out
    assert not store.exists()


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[ServiceContext]:
    platform = FakeConnector()
    platform.add("r1", reason="manual", price="80")
    platform.add("r2", reason="auto", price="20")
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock())
        yield c
        c.db.dispose()


async def test_each_poll_logs_one_line_and_one_line_per_new_case(ctx: ServiceContext,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    sched = ServiceScheduler(ctx, push_interval_s=30, deadline_interval_s=30, sync_interval_s=30)
    sched.kick_push = lambda: None  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="marketplace_returns.service.poll"):
        await sched._poll("shop-a")
        await sched._poll("shop-a")  # nothing new: still one line
    lines = [r.getMessage() for r in caplog.records if r.name == "marketplace_returns.service.poll"]
    assert lines[0].startswith("poll shop-a: 2 seen, 2 new or changed, 2 decided")
    assert any("shop-a/r1: quality/defect → return_and_refund" in line
               and "waits for a rep (queue show dc_" in line for line in lines[1:3])
    assert any("shop-a/r2:" in line and "sent automatically" in line for line in lines[1:3])
    assert lines[3].startswith("poll shop-a: ") and "0 decided" in lines[3] and len(lines) == 4
