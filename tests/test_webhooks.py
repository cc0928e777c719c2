"""Shopify webhook receiver: signature, window, replay, body errors, callback failures."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from marketplace_returns.security.replay import InMemoryReplayGuard, SqlReplayGuard, WebhookReceipt
from marketplace_returns.security.webhooks import (
    ShopifyWebhookEvent,
    sign_body,
    verify_signature,
    webhook_router,
)

SECRET = "shpss_test_client_secret"
SHOP = "dress-shop.myshopify.com"
NOW = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)

RETURN_REQUEST = {
    "id": 3547267221,
    "admin_graphql_api_id": "gid://shopify/Return/3547267221",
    "status": "requested",
    "order": {"id": 5196695273621, "admin_graphql_api_id": "gid://shopify/Order/5196695273621"},
    "total_return_line_items": 1,
    "name": "#1106-R2",
    "return_line_items": [{
        "id": 6200524949,
        "admin_graphql_api_id": "gid://shopify/ReturnLineItem/6200524949",
        "fulfillment_line_item": {"id": 10736341352597, "line_item": {"id": 12695210000}},
        "quantity": 1,
        "return_reason": "size_too_small",
        "return_reason_note": "",
        "customer_note": "Runs small, I need an M",
    }],
}
REFUND_CREATE = {
    "id": 887838376150,
    "order_id": 5361237360854,
    "created_at": "2026-11-11T00:04:10-05:00",
    "note": None,
    "restock": True,
    "return": {"id": 5966856406, "admin_graphql_api_id": "gid://shopify/Return/5966856406"},
    "admin_graphql_api_id": "gid://shopify/Refund/887838376150",
    "refund_line_items": [],
    "transactions": [],
}


def _stamp(at: datetime) -> str:
    """Shopify's form: UTC with nanoseconds and a Z."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


class Receiver:
    def __init__(self, *, fail: int = 0, guard: Any = None) -> None:
        self.events: list[ShopifyWebhookEvent] = []
        self.fail = fail
        self.now = NOW
        app = FastAPI()
        app.include_router(webhook_router(
            secrets_for=lambda shop: [SECRET, "shpss_old_secret"] if shop == SHOP else [],
            on_event=self.handle, guard=guard or InMemoryReplayGuard(), clock=lambda: self.now))
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                        base_url="http://testserver")

    async def handle(self, event: ShopifyWebhookEvent) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("queue is down")
        self.events.append(event)

    async def post(self, payload: Any = None, *, body: bytes | None = None, topic: str = "returns/request",
             webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", triggered: datetime | None = None,
             secret: str = SECRET, shop: str = SHOP, drop: tuple[str, ...] = (), **extra: str | bytes) -> Any:
        doc = payload if payload is not None else RETURN_REQUEST
        raw = body if body is not None else json.dumps(doc).encode()
        headers: dict[str, str | bytes] = {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": sign_body(secret, raw),
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Triggered-At": _stamp(triggered or NOW - timedelta(seconds=3)),
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            **extra,
        }
        for name in drop:
            headers.pop(name)
        return await self.client.post("/webhooks/shopify", content=raw, headers=headers)


async def test_valid_signature_is_accepted_and_handed_over() -> None:
    r = Receiver()
    res = await r.post()
    assert res.status_code == 200 and res.json()["status"] == "accepted"
    [event] = r.events
    assert event.topic == "returns/request" and event.shop_domain == SHOP
    assert event.resource_gid == event.return_gid == "gid://shopify/Return/3547267221"
    assert event.order_gid == "gid://shopify/Order/5196695273621"
    assert event.triggered_at == NOW - timedelta(seconds=3)
    assert event.event_id == "98880550-7158-44d4-b7cd-2c97c8a091b5"


async def test_refund_create_names_its_order_and_return() -> None:
    r = Receiver()
    assert (await r.post(REFUND_CREATE, topic="refunds/create")).json()["status"] == "accepted"
    [event] = r.events
    assert event.resource_gid == "gid://shopify/Refund/887838376150"
    assert event.order_gid == "gid://shopify/Order/5361237360854"
    assert event.return_gid == "gid://shopify/Return/5966856406"


async def test_a_secret_being_rotated_out_still_verifies() -> None:
    assert (await Receiver().post(secret="shpss_old_secret")).status_code == 200


@pytest.mark.parametrize("position", [0, 17, -1])
async def test_one_changed_byte_is_rejected(position: int) -> None:
    r = Receiver()
    raw = bytearray(json.dumps(RETURN_REQUEST).encode())
    good = sign_body(SECRET, bytes(raw))
    raw[position] ^= 0x01
    res = await r.client.post("/webhooks/shopify", content=bytes(raw), headers={
        "X-Shopify-Hmac-Sha256": good, "X-Shopify-Topic": "returns/request",
        "X-Shopify-Shop-Domain": SHOP, "X-Shopify-Webhook-Id": "w1",
        "X-Shopify-Triggered-At": NOW.isoformat()})
    assert res.status_code == 401 and r.events == []


async def test_wrong_secret_missing_signature_and_unknown_shop_look_alike() -> None:
    r = Receiver()
    wrong = await r.post(secret="not-the-secret")
    missing = await r.post(drop=("X-Shopify-Hmac-Sha256",))
    unknown = await r.post(shop="someone-else.myshopify.com")
    odd = await r.post(**{"X-Shopify-Hmac-Sha256": "clé==".encode("latin-1")})
    assert {x.status_code for x in (wrong, missing, unknown, odd)} == {401}
    assert wrong.json() == unknown.json() == missing.json()
    assert r.events == []


async def test_replay_is_answered_200_and_not_handed_over_twice() -> None:
    r = Receiver()
    first = await r.post()
    second = await r.post()
    assert first.json()["status"] == "accepted"
    assert second.status_code == 200 and second.json()["status"] == "duplicate"
    assert len(r.events) == 1
    # the same signed body under a fresh (unsigned) id is still a replay; a different body is not
    assert (await r.post(webhook_id="another-delivery")).json()["status"] == "duplicate"
    other = {**RETURN_REQUEST, "status": "open"}
    assert (await r.post(other, webhook_id="another-delivery-2")).json()["status"] == "accepted"
    assert len(r.events) == 2


@pytest.mark.parametrize("age", [timedelta(minutes=5, seconds=1), timedelta(hours=3), -timedelta(minutes=2)])
async def test_triggered_at_outside_the_window_is_not_acted_on(age: timedelta) -> None:
    r = Receiver()
    res = await r.post(triggered=NOW - age)
    assert res.status_code == 200 and res.json()["status"] == "stale"
    assert r.events == []


async def test_triggered_at_inside_the_window_and_a_little_skew_pass() -> None:
    r = Receiver()
    old = await r.post(triggered=NOW - timedelta(minutes=4, seconds=59), webhook_id="a")
    ahead = await r.post({**RETURN_REQUEST, "status": "open"}, triggered=NOW + timedelta(seconds=30),
                         webhook_id="b")
    assert old.json()["status"] == ahead.json()["status"] == "accepted"


async def test_bad_body_is_422_naming_the_field() -> None:
    r = Receiver()
    broken = {**RETURN_REQUEST, "admin_graphql_api_id": "gid://shopify/Return/not-a-number"}
    res = await r.post(broken)
    assert res.status_code == 422
    [err] = res.json()["detail"]
    assert err["loc"] == ["body", "admin_graphql_api_id"]
    assert "not-a-number" not in res.text  # the value is never echoed
    no_order = {k: v for k, v in REFUND_CREATE.items() if k != "order_id"}
    missing = await r.post(no_order, topic="refunds/create")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "order_id"]
    nested = await r.post({**RETURN_REQUEST, "return_line_items": [{"quantity": "two"}]})
    assert nested.json()["detail"][0]["loc"] == ["body", "return_line_items", "0", "quantity"]
    assert (await r.post(body=b"{not json")).json()["detail"][0]["loc"] == ["body"]
    assert (await r.post(body=b"[]")).status_code == 422
    assert r.events == []


async def test_bad_or_missing_headers_are_422_naming_the_header() -> None:
    r = Receiver()
    res = await r.post(drop=("X-Shopify-Webhook-Id",))
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["X-Shopify-Webhook-Id"]
    res = await r.post(**{"X-Shopify-Triggered-At": "yesterday"})
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["X-Shopify-Triggered-At"]


async def test_unhandled_topic_is_acknowledged_and_ignored() -> None:
    r = Receiver()
    res = await r.post(topic="orders/create")
    assert res.status_code == 200 and res.json()["status"] == "ignored" and r.events == []


async def test_callback_failure_is_503_and_the_retry_is_accepted() -> None:
    r = Receiver(fail=1)
    assert (await r.post()).status_code == 503
    assert (await r.post()).json()["status"] == "accepted"  # the receipt was released: Shopify's retry counts
    assert len(r.events) == 1


async def test_too_large_body_is_413() -> None:
    r = Receiver()
    assert (await r.post(body=b" " * 1_048_577)).status_code == 413


def test_signature_check_is_per_byte() -> None:
    body = b'{"id": 1}'
    assert verify_signature(body, sign_body("k", body), ["k"])
    assert not verify_signature(body + b" ", sign_body("k", body), ["k"])
    assert not verify_signature(body, None, ["k"]) and not verify_signature(body, sign_body("k", body), [])


def test_memory_guard_forgets_after_ttl() -> None:
    guard = InMemoryReplayGuard(ttl=timedelta(minutes=10), max_entries=3)
    assert guard.claim("a", now=NOW) and not guard.claim("a", now=NOW + timedelta(minutes=9))
    assert guard.claim("a", now=NOW + timedelta(minutes=11))
    for name in "bcd":
        guard.claim(name, now=NOW + timedelta(minutes=12))
    assert len(guard) == 3


def _sql_guard(url: str) -> SqlReplayGuard:
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    return SqlReplayGuard(engine, ttl=timedelta(minutes=15))


def test_sql_guard_dedupes_expires_and_releases(tmp_path: Path) -> None:
    guard = _sql_guard(f"sqlite:///{tmp_path / 'receipts.db'}")
    assert guard.claim("x", now=NOW)
    assert not guard.claim("x", now=NOW + timedelta(minutes=1))
    guard.release("x")
    assert guard.claim("x", now=NOW + timedelta(minutes=2))
    assert guard.claim("x", now=NOW + timedelta(minutes=30))  # expired receipt taken over
    assert guard.prune(now=NOW + timedelta(hours=2)) == 1
    guard.engine.dispose()


async def test_router_with_sql_guard(tmp_path: Path) -> None:
    guard = _sql_guard(f"sqlite:///{tmp_path / 'receipts.db'}")
    r = Receiver(guard=guard)
    assert [(await r.post()).json()["status"] for _ in range(3)] == ["accepted", "duplicate", "duplicate"]
    guard.engine.dispose()


@pytest.mark.postgres
def test_sql_guard_on_postgres_lets_one_of_many_concurrent_claims_win(postgres_url: str) -> None:
    # A schema of its own: the service's migrations own the tables in "public".
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS security_test"))
    engine = create_engine(postgres_url, connect_args={"options": "-csearch_path=security_test"})
    WebhookReceipt.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    guard = SqlReplayGuard(engine)
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        wins.append(guard.claim("race", now=datetime.now(UTC)))

    try:
        threads = [threading.Thread(target=claim) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA security_test CASCADE"))
        admin.dispose()
    assert sorted(wins) == [False] * 7 + [True]


def test_secrets_come_from_the_store_by_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlmodel import Session

    from marketplace_returns.security.shop_secrets import shop_for_domain, shop_secret_lookup
    from marketplace_returns.service.tables import Shop

    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all([
            Shop(shop_id="dress", platform="shopify", base_url=f"https://{SHOP}",
                 credentials_ref={"client_secret": "env:DRESS_SECRET", "client_secret_previous": "env:OLD"}),
            Shop(shop_id="shoe_shop.myshopify.com", platform="shopify", base_url="http://127.0.0.1:9/",
                 credentials_ref={"client_secret": "env:MISSING"}),
            Shop(shop_id="tb", platform="taobao", base_url="https://eco.taobao.com/router/rest",
                 credentials_ref={"client_secret": "env:DRESS_SECRET"}),
        ])
        s.commit()
        assert (shop := shop_for_domain(s, SHOP.upper())) is not None and shop.shop_id == "dress"
        assert shop_for_domain(s, "shoeXshop.myshopify.com") is None  # "_" is not a wildcard
        assert shop_for_domain(s, "eco.taobao.com") is None
    monkeypatch.setenv("DRESS_SECRET", SECRET)

    def resolve(ref: str) -> str:
        import os

        return os.environ[ref.removeprefix("env:")]

    lookup = shop_secret_lookup(engine, resolve=resolve)
    assert lookup(SHOP) == [SECRET]  # the previous secret's variable is not set: skipped
    assert lookup("shoe_shop.myshopify.com") == [] and lookup("nobody.myshopify.com") == []
    engine.dispose()
