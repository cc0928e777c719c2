"""Scheduler and its jobs with a fake clock: jobs derived from the database, one poll per shop at a
time (in a process and across workers), leases that expire, deadlines that escalate or accept."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from marketplace_returns.service import queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.deadlines import run_deadlines
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.scheduler import ServiceScheduler
from marketplace_returns.service.tables import PollCursor, Shop
from service_db import migrated
from service_fakes import T0, FakeClock, FakeConnector, make_context


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with migrated("sqlite", tmp_path, None) as u:
        yield u


@pytest.fixture
def platform() -> FakeConnector:
    conn = FakeConnector()
    conn.add("r1", reason="auto", deadline=T0 + timedelta(hours=10))
    conn.add("r2", reason="manual", deadline=T0 + timedelta(hours=10))
    conn.add("r3", reason="steer", deadline=T0 + timedelta(hours=10))
    return conn


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(url: str, platform: FakeConnector, clock: FakeClock) -> Iterator[ServiceContext]:
    c = make_context(url, platform, clock, shops=("shop-a", "shop-b"))
    yield c
    c.db.dispose()


def _set_shop(ctx: ServiceContext, shop_id: str, **values: object) -> None:
    with Session(ctx.db) as session:
        shop = session.get(Shop, shop_id)
        assert shop is not None
        for k, v in values.items():
            setattr(shop, k, v)
        session.add(shop)
        session.commit()


async def test_jobs_are_derived_from_the_database(ctx: ServiceContext) -> None:
    with Session(ctx.db) as session:
        session.add(Shop(shop_id="broken", platform="fake", base_url="x", config_error="bad playbook"))
        session.add(Shop(shop_id="off", platform="fake", base_url="x", active=False))
        session.commit()
    sched = ServiceScheduler(ctx, push_interval_s=30, deadline_interval_s=30, sync_interval_s=30)
    sched.start()
    try:
        jobs = {j["id"]: j for j in sched.jobs()}
        assert set(jobs) == {"poll:shop-a", "poll:shop-b", "push", "deadline", "sync"}
        assert all(j["max_instances"] == 1 and j["coalesce"] for j in jobs.values())
        _set_shop(ctx, "shop-b", active=False)
        _set_shop(ctx, "off", active=True)
        sched.sync_shops()
        assert {j["id"] for j in sched.jobs() if j["id"].startswith("poll:")} == {"poll:shop-a", "poll:off"}
    finally:
        sched.shutdown()


async def test_the_running_scheduler_polls_and_pushes(ctx: ServiceContext, platform: FakeConnector) -> None:
    sched = ServiceScheduler(ctx, push_interval_s=0.2, deadline_interval_s=30, sync_interval_s=30)
    sched.start()
    try:
        for _ in range(100):
            if platform.applied:
                break
            await asyncio.sleep(0.05)
    finally:
        sched.shutdown()
    assert platform.applied == {"r1": ["refund_without_return"]}


async def test_one_poll_per_shop_at_a_time_in_a_process(ctx: ServiceContext, platform: FakeConnector) -> None:
    platform.fetch_delay = 0.3
    first, second = await asyncio.gather(poll_shop(ctx, "shop-a"), poll_shop(ctx, "shop-a"))
    skipped = [r for r in (first, second) if r.skipped]
    assert len(skipped) == 1 and "already running" in (skipped[0].skipped or "")
    assert platform.fetch_calls == 1


async def test_one_poll_per_shop_across_workers_until_the_lease_expires(
        ctx: ServiceContext, url: str, platform: FakeConnector, clock: FakeClock) -> None:
    other = make_context(url, platform, clock, worker="w2")
    with Session(ctx.db) as session:  # a worker took the lease and died
        assert repo.acquire_poll_lease(session, shop_id="shop-a", owner="dead", now=clock(),
                                       ttl=ctx.poll_lease)
        session.commit()
    report = await poll_shop(other, "shop-a")
    assert report.skipped == "leased by another worker" and platform.fetch_calls == 0
    clock.advance(ctx.poll_lease.total_seconds() + 1)
    report = await poll_shop(other, "shop-a")
    assert report.skipped is None and report.decisions == 3 and platform.fetch_calls == 1
    with Session(ctx.db) as session:
        cursor = session.get(PollCursor, "shop-a")
        assert cursor is not None and cursor.lease_owner is None and cursor.cursor == "3"
    other.db.dispose()


async def test_deadlines_escalate_when_near(ctx: ServiceContext, clock: FakeClock) -> None:
    await poll_shop(ctx, "shop-a")
    assert await run_deadlines(ctx) == 0
    with Session(ctx.db) as session:
        assert not any(i.escalated for i in queue.list_pending(session))
    clock.advance(5 * 3600)  # 5 h left < the 6 h margin
    assert await run_deadlines(ctx) == 0
    with Session(ctx.db) as session:
        events = [e for e in repo.list_audit(session, shop_id="shop-a") if e.event == "deadline_escalated"]
    assert len(events) == 2  # r2 (manual) and r3 (reason change); r1 went out automatically
    assert await run_deadlines(ctx) == 0  # once


async def test_deadline_accept_never_accepts_a_reason_change(ctx: ServiceContext, clock: FakeClock) -> None:
    _set_shop(ctx, "shop-a", options={"deadline_action": "accept"})
    await poll_shop(ctx, "shop-a")
    clock.advance(5 * 3600)
    assert await run_deadlines(ctx) == 1  # r2 accepted on the shop's rule
    with Session(ctx.db) as session:
        by_refund = {a.refund_id: a.status for a in repo.list_actions(session)}
        escalated = [e.case_id for e in repo.list_audit(session, shop_id="shop-a")
                     if e.event == "deadline_escalated"]
    assert set(by_refund) == {"r1", "r2"} and len(escalated) == 1


async def test_a_verified_shopify_webhook_wakes_that_shops_poll(ctx: ServiceContext,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from datetime import UTC, datetime

    import httpx

    from marketplace_returns.security.webhooks import sign_body
    from marketplace_returns.service.runner import build_app

    monkeypatch.setenv("MR_TEST_HOOK_SECRET", "hook-secret")
    _set_shop(ctx, "shop-b", platform="shopify", base_url="https://shop-b.myshopify.com",
              credentials_ref={"client_secret": "env:MR_TEST_HOOK_SECRET"})
    app, sched = build_app(ctx, push_interval_s=30, deadline_interval_s=30, sync_interval_s=30)
    sched.start()
    try:
        later = datetime.now(UTC) + timedelta(hours=1)
        sched.scheduler.get_job("poll:shop-b").modify(next_run_time=later)
        body = json.dumps({"id": 7, "admin_graphql_api_id": "gid://shopify/Return/7"}).encode()

        def headers(secret: str, hook_id: str) -> dict[str, str]:
            return {"X-Shopify-Hmac-Sha256": sign_body(secret, body), "X-Shopify-Topic": "returns/request",
                    "X-Shopify-Shop-Domain": "shop-b.myshopify.com", "X-Shopify-Webhook-Id": hook_id,
                    "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
                    "Content-Type": "application/json"}

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
            forged = await http.post("/webhooks/shopify", content=body, headers=headers("wrong", "h1"))
            assert forged.status_code == 401
            assert sched.scheduler.get_job("poll:shop-b").next_run_time == later
            ok = await http.post("/webhooks/shopify", content=body, headers=headers("hook-secret", "h2"))
            assert ok.json()["status"] == "accepted"
        await asyncio.sleep(0.05)
        assert sched.scheduler.get_job("poll:shop-b").next_run_time < later - timedelta(minutes=59)
    finally:
        sched.shutdown()
