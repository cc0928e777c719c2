"""The sandbox's TOP router over loopback HTTP: signatures, errors, faults, paging, writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from marketplace_returns.connectors.base import ShopConfig
from marketplace_returns.connectors.taobao.client import TopClient
from marketplace_returns.connectors.taobao.signing import sign
from marketplace_returns.errors import AuthError, RateLimited
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
        assert info.value.code == "7" and info.value.retry_after == 1.0 and list(top.waits) == [1.0]


async def test_get_with_query_string_and_bad_timestamp() -> None:
    state = _state(2)
    async with serve(Starlette(routes=routes(state))) as url, httpx.AsyncClient() as http:
        top = TopClient(http, max_attempts=1, sleep=_no_sleep)
        form = top.signed_params(_shop(url), "taobao.refund.get", {"refund_id": "10001"})
        answer = (await http.get(f"{url}/router/rest", params=form)).json()
        assert answer["refund_get_response"]["refund"]["refund_id"] == 10001
        form["timestamp"] = "2026/11/22 10:00"
        form["sign"] = sign(form, "secret-1", form["sign_method"])
        error = (await http.post(f"{url}/router/rest", data=form)).json()["error_response"]
        assert error["code"] == 31
        form = top.signed_params(_shop(url), "taobao.refund.get", {"refund_id": "99"})
        error = (await http.post(f"{url}/router/rest", data=form)).json()["error_response"]
        assert error["sub_code"] == "isv.refund-not-exist"
