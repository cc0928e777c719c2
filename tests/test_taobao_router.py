"""The sandbox's TOP router over loopback HTTP: signatures, errors, faults, paging, writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from marketplace_returns.connectors.base import ActionOutcome, ActionRequest, ShopConfig
from marketplace_returns.connectors.taobao.client import TopClient
from marketplace_returns.connectors.taobao.connector import TaobaoConnector
from marketplace_returns.errors import AuthError, RateLimited
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.sandbox.taobao_api import routes
from taobao_fake_state import FakeState, Faults
from taobao_loopback import serve

pytestmark = pytest.mark.timeout(60)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def _no_sleep(_: float) -> None:
    return None


def _shop(url: str, **over: Any) -> ShopConfig:
    creds = {"app_key": "app-1", "app_secret": "secret-1", "session": "session-1"}
    creds.update(over.pop("creds", {}))
    return ShopConfig(shop_id="s1", platform="taobao", base_url=f"{url}/router/rest",
                      credentials={k: SecretStr(v) for k, v in creds.items()}, **over)


def _state(n: int = 250, faults: Faults | None = None) -> FakeState:
    return FakeState(n, start=NOW - timedelta(hours=20), spacing=timedelta(minutes=4), faults=faults)


@pytest.mark.parametrize("method", ["md5", "hmac", "hmac-sha256"])
async def test_signed_calls_pass_and_wrong_credentials_get_top_codes(method: str) -> None:
    state = _state(3)
    async with serve(Starlette(routes=routes(state))) as url, httpx.AsyncClient() as http:
        top = TopClient(http, max_attempts=1, sleep=_no_sleep)
        body = await top.call(_shop(url, sign_method=method), "taobao.refund.get",
                              {"refund_id": "10000", "fields": "refund_id,status"})
        assert body["refund"]["status"] == "WAIT_SELLER_AGREE"
        for creds, code in (({"app_secret": "nope"}, "25"), ({"session": "nope"}, "27"),
                            ({"app_key": "nope"}, "29")):
            with pytest.raises(AuthError) as info:
                await top.call(_shop(url, sign_method=method, creds=creds), "taobao.refund.get",
                               {"refund_id": "10000"})
            assert info.value.code == code and "secret-1" not in str(info.value)


async def test_throttle_answers_code_7_with_ban_seconds() -> None:
    state = _state(1, Faults(1.0, ("throttle",)))
    async with serve(Starlette(routes=routes(state))) as url, httpx.AsyncClient() as http:
        top = TopClient(http, max_attempts=2, sleep=_no_sleep)
        with pytest.raises(RateLimited) as info:
            await top.call(_shop(url), "taobao.refund.get", {"refund_id": "10000"})
        assert info.value.code == "7" and info.value.retry_after == 1.0 and top.waits == [1.0]


async def test_backfill_under_faults_misses_nothing_and_yields_each_once() -> None:
    kinds = ("5xx", "throttle", "duplicate_page", "reorder_page", "timeout")
    state = _state(150, Faults(0.2, kinds, seed=3))
    state.faults.timeout_seconds = 0.5
    async with serve(Starlette(routes=routes(state))) as url:
        conn = TaobaoConnector(sleep=_no_sleep, clock=lambda: NOW, max_attempts=12, timeout=0.25,
                               backfill_seconds=86400, details="all")
        ids = [c.refund_id async for b in conn.fetch_changed(_shop(url), None) for c in b.cases]
        await conn.aclose()
    assert sorted(ids) == sorted(state.refunds) and len(ids) == len(set(ids))
    assert state.counters["top.requests"] > conn.client.total_calls * 0.5


async def test_actions_apply_once_and_stale_is_refused() -> None:
    state = _state(3)
    async with serve(Starlette(routes=routes(state))) as url:
        conn = TaobaoConnector(sleep=_no_sleep, clock=lambda: NOW)
        shop = _shop(url)
        fetched = await conn.get(shop, "10000")
        req = ActionRequest(refund_id="10000", action=Action.REFUND_WITHOUT_RETURN, idempotency_key="a",
                            expected_version=fetched.version)
        assert (await conn.apply(shop, req)).outcome is ActionOutcome.APPLIED
        assert (await conn.apply(shop, req)).outcome is ActionOutcome.ALREADY_DONE
        offer = ActionRequest(refund_id="10001", action=Action.OFFER_PARTIAL_REFUND, amount=Decimal("20"),
                              reply_text="可以补偿您20元，商品不用退回", idempotency_key="b",
                              expected_version=(await conn.get(shop, "10001")).version)
        assert (await conn.apply(shop, offer)).outcome is ActionOutcome.APPLIED
        assert (await conn.find_applied(shop, offer)) is not None
        assert state.refunds["10001"].refund_fee == Decimal("20")
        stale = ActionRequest(refund_id="10002", action=Action.REFUSE, idempotency_key="c",
                              expected_version="0|aftersale")
        assert (await conn.apply(shop, stale)).outcome is ActionOutcome.STALE
        await conn.aclose()
    assert [a["action"] for a in state.actions] == ["agree_refund", "negotiate", "message"]
