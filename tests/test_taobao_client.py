"""TopClient over respx: the request it builds, each error class, retries and the server's hint."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from marketplace_returns.connectors.taobao.client import TopClient
from marketplace_returns.connectors.taobao.errors import ban_seconds, classify
from marketplace_returns.connectors.taobao.signing import verify
from marketplace_returns.errors import (
    AuthError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    StaleVersion,
    TransportError,
)
from taobao_payloads import (
    APP_KEY,
    APP_SECRET,
    ROUTER,
    SESSION,
    THROTTLED,
    error,
    receive_page,
    refund_get,
    shop,
)


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def client() -> TopClient:
    http = httpx.AsyncClient()
    top = TopClient(http, max_attempts=4, sleep=_no_sleep)
    yield top  # type: ignore[misc]
    await http.aclose()


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


@respx.mock
async def test_request_is_signed_classic_envelope(client: TopClient) -> None:
    route = respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="refund_get").mock(
        return_value=httpx.Response(200, json=refund_get({"refund_id": 1, "status": "SUCCESS"})))
    body = await client.call(shop(), "taobao.refund.get", {"refund_id": 1, "fields": "refund_id,status",
                                                           "blank": "", "flag": True})
    assert body["refund"]["status"] == "SUCCESS"
    form = _form(route.calls.last.request)
    assert form["app_key"] == APP_KEY and form["session"] == SESSION
    assert form["v"] == "2.0" and form["format"] == "json" and form["sign_method"] == "hmac-sha256"
    assert "simplify" not in form and "blank" not in form and form["flag"] == "true"
    assert len(form["timestamp"]) == 19
    assert verify(form, APP_SECRET)
    assert client.calls["taobao.refund.get"] == 1


@pytest.mark.parametrize("method", ["md5", "hmac", "hmac-sha256"])
@respx.mock
async def test_each_sign_method_verifies(client: TopClient, method: str) -> None:
    answer = httpx.Response(200, json=refund_get({"refund_id": 1}))
    route = respx.post(ROUTER, name="any").mock(return_value=answer)
    await client.call(shop(sign_method=method), "taobao.refund.get", {"refund_id": 1})
    form = _form(route.calls.last.request)
    assert form["sign_method"] == method and verify(form, APP_SECRET)
    assert not verify(form, "wrong-secret")


@pytest.mark.parametrize(("body", "status", "cls"), [
    (THROTTLED, 200, RateLimited),
    (error(15, "Remote service error", "isp.top-remote-connection-timeout", "timeout"), 200,
     PlatformUnavailable),
    (error(10, "Service currently unavailable"), 200, PlatformUnavailable),
    (None, 503, PlatformUnavailable),
    (error(27, "Invalid session", "invalid-sessionkey"), 200, AuthError),
    (error(25, "Invalid signature"), 200, AuthError),
    (error(29, "Invalid app Key"), 200, AuthError),
    (error(15, "Remote service error", "isv.refund-version-not-match", "版本不一致"), 200, StaleVersion),
    (error(15, "Remote service error", "isv.invalid-parameter", "refund_id 不合法"), 200, PlatformRejected),
    (error(41, "Invalid arguments:refund_id"), 200, PlatformRejected),
])
@respx.mock
async def test_error_classes(body: dict[str, object] | None, status: int, cls: type[Exception]) -> None:
    http = httpx.AsyncClient()
    top = TopClient(http, max_attempts=1, sleep=_no_sleep)
    respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="refund_get").mock(
        return_value=httpx.Response(status, json=body) if body else httpx.Response(status, text="busy"))
    with pytest.raises(cls) as info:
        await top.call(shop(), "taobao.refund.get", {"refund_id": 1})
    text = str(info.value) + repr(info.value) + repr(top)
    for secret in (APP_SECRET, SESSION):
        assert secret not in text
    await http.aclose()


@pytest.mark.parametrize("failures", [0, 1, 2, 3])
@respx.mock
async def test_retries_taken(client: TopClient, failures: int) -> None:
    answers = [httpx.Response(200, json=error(15, "Remote service error", "isp.unknown-error"))] * failures
    route = respx.post(ROUTER, data__contains={"method": "taobao.refunds.receive.get"}, name="receive").mock(
        side_effect=[*answers, httpx.Response(200, json=receive_page([], has_next=False))])
    body = await client.call(shop(), "taobao.refunds.receive.get", {"page_no": 1})
    assert body["has_next"] is False
    assert route.call_count == failures + 1 == client.total_calls
    assert len(client.waits) == client.wait_count == failures


@respx.mock
async def test_gives_up_after_max_attempts(client: TopClient) -> None:
    route = respx.post(ROUTER, name="all").mock(return_value=httpx.Response(500, text="oops"))
    with pytest.raises(PlatformUnavailable):
        await client.call(shop(), "taobao.refund.get", {"refund_id": 1})
    assert route.call_count == 4


@respx.mock
async def test_ban_seconds_hint_wins_over_backoff(client: TopClient) -> None:
    respx.post(ROUTER, name="receive").mock(side_effect=[
        httpx.Response(200, json=error(7, "App Call Limited", "accesscontrol.limited-by-api-access-count",
                                       "This ban will last for 17 more seconds")),
        httpx.Response(200, json=receive_page([], has_next=False))])
    await client.call(shop(), "taobao.refunds.receive.get")
    assert list(client.waits) == [17.0] and client.waited_s == 17.0


@respx.mock
async def test_auth_errors_are_not_retried(client: TopClient) -> None:
    route = respx.post(ROUTER, name="all").mock(
        return_value=httpx.Response(200, json=error(27, "Invalid session", "invalid-sessionkey")))
    with pytest.raises(AuthError):
        await client.call(shop(), "taobao.refund.get", {"refund_id": 1})
    assert route.call_count == 1


@respx.mock
async def test_timeouts_become_transport_errors_and_reads_retry(client: TopClient) -> None:
    route = respx.post(ROUTER, name="all").mock(side_effect=[
        httpx.ReadTimeout("read timed out"), httpx.Response(200, json=refund_get({"refund_id": 1}))])
    assert (await client.call(shop(), "taobao.refund.get", {"refund_id": 1}))["refund"]["refund_id"] == 1
    assert route.call_count == 2


@respx.mock
async def test_ambiguous_write_failure_is_not_resent(client: TopClient) -> None:
    route = respx.post(ROUTER, name="all").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(TransportError) as info:
        await client.call(shop(), "taobao.refund.message.add", {"refund_id": 1, "content": "x"}, write=True)
    assert route.call_count == 1
    assert SESSION not in str(info.value)


@respx.mock
async def test_throttled_write_is_resent(client: TopClient) -> None:
    route = respx.post(ROUTER, name="all").mock(side_effect=[
        httpx.Response(200, json=THROTTLED), httpx.Response(200, json={"refund_message_add_response": {}})])
    await client.call(shop(), "taobao.refund.message.add", {"refund_id": 1, "content": "x"}, write=True)
    assert route.call_count == 2 and list(client.waits) == [1.0]


def test_table_lookup_order_and_ban_parsing() -> None:
    assert classify(15, "isp.call-limited").disposition == "rate_limited"
    assert classify(7, None).disposition == "rate_limited"
    assert classify(15, "isv.refund-phase-not-match").disposition == "stale"
    assert classify(15, "isv.item-not-exist").disposition == "fail"
    assert classify(999, None).disposition == "fail"
    assert ban_seconds("This ban will last for 1 more seconds") == 1.0
    assert ban_seconds("禁止访问，12秒后解除") == 12.0
    assert ban_seconds(None) is None
