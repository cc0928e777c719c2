"""The Shopify GraphQL client: cost-based pacing, THROTTLED/429/5xx retries, typed errors, no token leaks."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from marketplace_returns.connectors.shopify.client import API_VERSION, ShopifyClient, endpoint
from marketplace_returns.errors import (
    AuthError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    StaleVersion,
    TransportError,
    WriteOutcomeUnknown,
)
from shopify_payloads import TOKEN, URL, answer, mutation, orders_page, shop, throttled

pytestmark = pytest.mark.timeout(20)
VARS = {"first": 20, "after": None, "query": "updated_at:>='2026-11-01T00:00:00Z'"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(http: httpx.AsyncClient, **kw: object) -> tuple[ShopifyClient, list[float], Clock]:
    slept: list[float] = []
    clock = Clock()

    async def sleep(seconds: float) -> None:  # the wait patched to zero, but recorded
        slept.append(seconds)
        clock.now += seconds

    return ShopifyClient(http, sleep=sleep, clock=clock, **kw), slept, clock  # type: ignore[arg-type]


def test_endpoint_pins_the_version() -> None:
    assert API_VERSION == "2026-10"
    local = shop(base_url="http://127.0.0.1:8000/")
    assert endpoint(local) == "http://127.0.0.1:8000/admin/api/2026-10/graphql.json"


@respx.mock
async def test_sends_token_operation_and_variables_and_counts_cost() -> None:
    route = respx.post(URL, json__operationName="OrdersWithReturns").mock(
        return_value=httpx.Response(200, json=orders_page([])))
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        data = await client.execute(shop(), "OrdersWithReturns", VARS)
    assert data["orders"]["nodes"] == []
    sent = route.calls.last.request
    assert sent.headers["X-Shopify-Access-Token"] == TOKEN
    body = httpx.Response(200, content=sent.content).json()
    assert body["variables"] == VARS and "query OrdersWithReturns(" in body["query"]
    assert client.calls["OrdersWithReturns"] == 1 and client.cost_requested == 922 and client.cost_actual == 2
    assert client.buckets["returns-demo"].restore_rate == 100 and slept == []


@pytest.mark.parametrize("failures", [1, 2, 4])
@respx.mock
async def test_throttled_with_http_200_is_retried_after_the_refill_time(failures: int) -> None:
    answers = [httpx.Response(200, json=throttled(requested=922, available=122.0))] * failures
    respx.post(URL, json__operationName="OrdersWithReturns").mock(
        side_effect=[*answers, httpx.Response(200, json=orders_page([]))])
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        await client.execute(shop(), "OrdersWithReturns", VARS)
    assert client.calls["OrdersWithReturns"] == failures + 1
    assert slept[:1] == [pytest.approx(8.0)]  # (922 - 122) / 100, the server's bucket, not a guess
    assert client.cost_requested == 922  # throttled attempts are not charged


@respx.mock
async def test_throttled_every_time_gives_up_with_rate_limited() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json=throttled()))
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http, max_attempts=3)
        with pytest.raises(RateLimited) as caught:
            await client.execute(shop(), "OrdersWithReturns", VARS)
    assert client.total_calls == 3 and caught.value.code == "THROTTLED"


@respx.mock
async def test_429_retry_after_wins_over_backoff() -> None:
    too_many = httpx.Response(429, headers={"Retry-After": "2.0"}, text="Too Many Requests")
    respx.post(URL).mock(side_effect=[too_many, httpx.Response(200, json=orders_page([]))])
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        await client.execute(shop(), "OrdersWithReturns", VARS)
    assert slept == [2.0]


@pytest.mark.parametrize("failures", [1, 3])
@pytest.mark.parametrize("status", [500, 502, 503])
@respx.mock
async def test_5xx_is_retried(failures: int, status: int) -> None:
    respx.post(URL).mock(side_effect=[httpx.Response(status, text="<html>Bad Gateway</html>")] * failures
                         + [httpx.Response(200, json=orders_page([]))])
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        await client.execute(shop(), "OrdersWithReturns", VARS)
    assert client.total_calls == failures + 1 and len(slept) == failures


@respx.mock
async def test_5xx_exhausted_raises_platform_unavailable() -> None:
    respx.post(URL).mock(return_value=httpx.Response(503, text="Service Unavailable"))
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http, max_attempts=2)
        with pytest.raises(PlatformUnavailable):
            await client.execute(shop(), "ReturnById", {"id": "gid://shopify/Return/1"})
    assert client.total_calls == 2


@respx.mock
async def test_timeouts_become_transport_errors_and_are_retried() -> None:
    respx.post(URL).mock(side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=orders_page([]))])
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        await client.execute(shop(), "OrdersWithReturns", VARS)
        respx.post(URL).mock(side_effect=httpx.ConnectError("refused"))
        client2, _, _ = make(http, max_attempts=2)
        with pytest.raises(TransportError):
            await client2.execute(shop(), "OrdersWithReturns", VARS)
    assert client.total_calls == 2


@pytest.mark.parametrize("status", [401, 403])
@respx.mock
async def test_bad_token_is_auth_error_not_retried_and_never_quoted(
        status: int, caplog: pytest.LogCaptureFixture) -> None:
    respx.post(URL).mock(return_value=httpx.Response(status, json={
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}))
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        with pytest.raises(AuthError) as caught:
            await client.execute(shop(), "OrdersWithReturns", VARS)
    assert client.total_calls == 1
    for text in (str(caught.value), repr(caught.value), repr(client), repr(shop()), caplog.text):
        assert TOKEN not in text


@respx.mock
async def test_access_denied_code_is_auth_error() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json={"errors": [
        {"message": "Access denied for returns field.", "extensions": {"code": "ACCESS_DENIED"}}]}))
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        with pytest.raises(AuthError):
            await client.execute(shop(), "OrdersWithReturns", VARS)


@respx.mock
async def test_validation_error_is_rejected_without_retry() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json={"errors": [{
        "message": "Field 'state' doesn't exist on type 'Return'", "locations": [{"line": 4, "column": 7}],
        "extensions": {"code": "undefinedField", "typeName": "Return", "fieldName": "state"}}]}))
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        with pytest.raises(PlatformRejected, match="doesn't exist"):
            await client.execute(shop(), "ReturnById", {"id": "gid://shopify/Return/1"})
    assert client.total_calls == 1


@respx.mock
async def test_paces_before_the_bucket_empties() -> None:
    route = respx.post(URL, json__operationName="OrdersWithReturns").mock(
        return_value=httpx.Response(200, json=orders_page([])))
    route.side_effect = [httpx.Response(200, json={**orders_page([]), "extensions": {"cost": {
        "requestedQueryCost": 922, "actualQueryCost": 2,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 500.0, "restoreRate": 100.0}}}}),
        httpx.Response(200, json=orders_page([]))]
    async with httpx.AsyncClient() as http:
        client, slept, clock = make(http)
        await client.execute(shop(), "OrdersWithReturns", VARS)
        clock.now += 1.0  # 100 points back: 600 available, 922 wanted
        await client.execute(shop(), "OrdersWithReturns", VARS)
    assert slept == [pytest.approx(3.22)]
    assert route.call_count == 2


@respx.mock
async def test_a_full_bucket_sends_at_once() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json=orders_page([])))
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        for _ in range(2):
            await client.execute(shop(), "OrdersWithReturns", VARS)
    assert slept == []


@respx.mock
async def test_user_errors_become_stale_or_rejected() -> None:
    respx.post(URL, json__operationName="ReturnApproveRequest").mock(return_value=httpx.Response(
        200, json=mutation("returnApproveRequest", {"return": None}, [{
            "code": "INVALID_STATE", "field": ["id"],
            "message": "Return is not approvable. Only returns with status REQUESTED can be approved."}])))
    respx.post(URL, json__operationName="RefundCreate").mock(return_value=httpx.Response(
        200, json=mutation("refundCreate", {"refund": None}, [{
            "field": ["transactions", "0", "amount"],
            "message": "Amount cannot be greater than the refundable"}])))
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        with pytest.raises(StaleVersion, match="not approvable"):
            await client.mutate(shop(), "ReturnApproveRequest", "returnApproveRequest",
                                {"id": "gid://x"})
        with pytest.raises(PlatformRejected, match=r"transactions\.0\.amount"):
            await client.mutate(shop(), "RefundCreate", "refundCreate", {"input": {}, "idempotencyKey": "k"})
    assert client.total_calls == 2


REFUND_VARS = {"input": {"orderId": "gid://shopify/Order/1"}, "idempotencyKey": "k-1"}


@pytest.mark.parametrize("failure", [
    httpx.ReadTimeout("slow"),
    httpx.RemoteProtocolError("server disconnected"),
    httpx.Response(502, text="<html>Bad Gateway</html>"),
    httpx.Response(200, json={"errors": [{"message": "Internal error",
                                          "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}),
], ids=["timeout", "dropped", "502", "internal-error"])
@respx.mock
async def test_a_mutation_that_may_have_run_is_not_sent_again(failure: object) -> None:
    """Sent twice, even with the key, it would be two writes: the outbox looks before any second one."""
    route = respx.post(URL).mock(side_effect=[failure, httpx.Response(200, json=mutation("refundCreate", {
        "refund": {"id": "gid://shopify/Refund/9"}}))])
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await client.mutate(shop(), "RefundCreate", "refundCreate", REFUND_VARS)
    assert route.call_count == 1 and slept == []
    assert caught.value.platform == "shopify"


@pytest.mark.parametrize("failure", [
    httpx.Response(200, json=throttled(requested=10, available=0.0)),
    httpx.Response(429, headers={"Retry-After": "1"}, text="Too Many Requests"),
    httpx.ConnectError("refused"),
], ids=["throttled", "429", "refused"])
@respx.mock
async def test_a_mutation_that_did_not_run_is_retried(failure: object) -> None:
    route = respx.post(URL).mock(side_effect=[failure, httpx.Response(200, json=mutation("refundCreate", {
        "refund": {"id": "gid://shopify/Refund/9"}}))])
    async with httpx.AsyncClient() as http:
        client, slept, _ = make(http)
        payload = await client.mutate(shop(), "RefundCreate", "refundCreate", REFUND_VARS)
    assert payload["refund"]["id"] == "gid://shopify/Refund/9"
    assert route.call_count == 2 and len(slept) == 1


@respx.mock
async def test_reads_still_retry_a_timeout() -> None:
    route = respx.post(URL).mock(side_effect=[httpx.ReadTimeout("slow"),
                                              httpx.Response(200, json=orders_page([]))])
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        await client.execute(shop(), "OrdersWithReturns", VARS)
    assert route.call_count == 2


@respx.mock
async def test_field_errors_with_data_are_raised() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json={**answer({"node": None}),
                                                                "errors": [{"message": "Internal error"}]}))
    async with httpx.AsyncClient() as http:
        client, _, _ = make(http)
        with pytest.raises(PlatformRejected):
            await client.execute(shop(), "ReturnById", {"id": "gid://shopify/Return/1"})
