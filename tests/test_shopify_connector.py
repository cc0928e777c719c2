"""The Shopify connector over respx: paging and cursors, lookback, dedupe, get, actions and capabilities."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from marketplace_returns.connectors.base import ActionOutcome, ActionRequest, Connector
from marketplace_returns.connectors.registry import create_connector
from marketplace_returns.connectors.shopify.connector import ShopifyConnector
from marketplace_returns.errors import PlatformRejected, WriteOutcomeUnknown
from marketplace_returns.models.vocabulary import Action
from shopify_payloads import URL, line, mutation, order_node, orders_page, return_by_id, return_node, shop

pytestmark = pytest.mark.timeout(20)
RUN_START = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


async def _no_sleep(_: float) -> None:
    return None


def connector(http: httpx.AsyncClient) -> ShopifyConnector:
    return ShopifyConnector(client=http, sleep=_no_sleep, clock=lambda: RUN_START)


def pager(pages: dict[str | None, dict[str, Any]], seen: list[dict[str, Any]]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        seen.append(variables)
        return httpx.Response(200, json=pages[variables["after"]])
    return answer


def _order(n: int, minute: int) -> dict[str, Any]:
    return order_node(5000 + n, updated=f"2026-11-21T10:{minute:02d}:00Z", returns=[return_node(9000 + n)])


@respx.mock
async def test_pages_follow_end_cursor_and_each_batch_carries_a_safe_cursor() -> None:
    seen: list[dict[str, Any]] = []
    pages = {None: orders_page([_order(1, 1), _order(2, 2)], next_cursor="c1"),
             "c1": orders_page([_order(2, 2), _order(3, 5)], next_cursor="c2"),  # order 2 repeated
             "c2": orders_page([_order(4, 9)])}
    respx.post(URL, json__operationName="OrdersWithReturns").mock(side_effect=pager(pages, seen))
    async with httpx.AsyncClient() as http:
        conn = connector(http)
        batches = [b async for b in conn.fetch_changed(shop(page_size=100), "2026-11-21T10:00:00+00:00")]
    assert [[c.refund_id[-4:] for c in b.cases] for b in batches] == [["9001", "9002"], ["9003"], ["9004"]]
    assert [b.cursor for b in batches] == ["2026-11-21T10:02:00+00:00", "2026-11-21T10:05:00+00:00",
                                           RUN_START.isoformat()]
    assert [v["after"] for v in seen] == [None, "c1", "c2"] and seen[0]["first"] == 20
    query = seen[0]["query"]
    assert "updated_at:>='2026-11-21T09:55:00Z'" in query  # cursor minus the 300 s lookback
    assert "updated_at:<='2026-11-22T12:00:00Z'" in query and "-return_status:no_return" in query
    assert conn.duplicates_dropped == 1 and all(b.api_calls == 1 for b in batches)


@respx.mock
async def test_reordered_page_still_commits_its_largest_time() -> None:
    pages = {None: orders_page([_order(2, 7), _order(1, 3)], next_cursor="c1"), "c1": orders_page([])}
    respx.post(URL).mock(side_effect=pager(pages, []))
    async with httpx.AsyncClient() as http:
        batches = [b async for b in connector(http).fetch_changed(shop(), None)]
    assert batches[0].cursor == "2026-11-21T10:07:00+00:00" and batches[1].cursor == RUN_START.isoformat()


@respx.mock
async def test_nothing_changed_still_moves_the_cursor_to_the_run_start() -> None:
    seen: list[dict[str, Any]] = []
    respx.post(URL).mock(side_effect=pager({None: orders_page([])}, seen))
    async with httpx.AsyncClient() as http:
        batches = [b async for b in connector(http).fetch_changed(shop(), "2026-11-22T11:59:00Z")]
    assert len(batches) == 1 and batches[0].cases == [] and batches[0].cursor == RUN_START.isoformat()


@respx.mock
async def test_cursor_never_passes_the_run_start() -> None:
    late = order_node(7001, updated="2026-11-22T12:30:00Z", returns=[return_node(7002)])
    respx.post(URL).mock(side_effect=pager({None: orders_page([late], next_cursor="c1"),
                                            "c1": orders_page([])}, []))
    async with httpx.AsyncClient() as http:
        batches = [b async for b in connector(http).fetch_changed(shop(), None)]
    assert batches[0].cursor == RUN_START.isoformat()


@respx.mock
async def test_a_bad_record_is_flagged_and_the_poll_goes_on() -> None:
    bad = return_node(9100, status="ARCHIVED")
    page = orders_page([order_node(5100, returns=[bad, return_node(9101)])])
    respx.post(URL).mock(side_effect=pager({None: page}, []))
    async with httpx.AsyncClient() as http:
        conn = connector(http)
        cases = [c async for b in conn.fetch_changed(shop(), None) for c in b.cases]
    assert [c.case is None for c in cases] == [True, False] and conn.mapping_issues == 1
    assert cases[0].mapping_issue is not None and cases[0].mapping_issue.field == "status"


@respx.mock
async def test_get_reads_one_return_and_keeps_its_refunds() -> None:
    ret, order = return_node(), order_node()
    respx.post(URL, json__operationName="ReturnById", json__variables__id=ret["id"]).mock(
        return_value=httpx.Response(200, json=return_by_id(ret, order)))
    respx.post(URL, json__operationName="ReturnById").mock(
        return_value=httpx.Response(200, json={"data": {"node": None}}))
    async with httpx.AsyncClient() as http:
        conn = connector(http)
        fetched = await conn.get(shop(), ret["id"])
        with pytest.raises(PlatformRejected, match="no return"):
            await conn.get(shop(), "gid://shopify/Return/404")
    assert fetched.case is not None and fetched.raw["refunds"] == {"nodes": []}


def _reads(ret: dict[str, Any], order: dict[str, Any]) -> respx.Route:
    return respx.post(URL, json__operationName="ReturnById").mock(
        return_value=httpx.Response(200, json=return_by_id(ret, order)))


def _req(action: Action, **kw: Any) -> ActionRequest:
    kw.setdefault("idempotency_key", "out-1")
    return ActionRequest(refund_id="gid://shopify/Return/9001", action=action, **kw)


@respx.mock
async def test_return_and_refund_approves_the_request() -> None:
    ret, order = return_node(), order_node()
    _reads(ret, order)
    approve = respx.post(URL, json__operationName="ReturnApproveRequest").mock(return_value=httpx.Response(
        200, json=mutation("returnApproveRequest", {"return": {"id": ret["id"], "status": "OPEN"}})))
    async with httpx.AsyncClient() as http:
        req = _req(Action.RETURN_AND_REFUND, expected_version="REQUESTED|x")
        result = await connector(http).apply(shop(), req)
    assert result.outcome is ActionOutcome.APPLIED and result.api_calls == 2
    sent = json.loads(approve.calls.last.request.content)["variables"]
    assert sent == {"id": ret["id"], "notifyCustomer": True}


@respx.mock
async def test_partial_refund_keeps_the_goods_and_carries_the_idempotency_key() -> None:
    ret, order = return_node(lines=[line(price="80.00")]), order_node()
    _reads(ret, order)
    create = respx.post(URL, json__operationName="RefundCreate").mock(return_value=httpx.Response(
        200, json=mutation("refundCreate", {"refund": {"id": "gid://shopify/Refund/77"}})))
    async with httpx.AsyncClient() as http:
        req = _req(Action.OFFER_PARTIAL_REFUND, amount=Decimal("20.00"))
        result = await connector(http).apply(shop(), req)
    sent = json.loads(create.calls.last.request.content)
    assert result.outcome is ActionOutcome.APPLIED and result.platform_ref == "gid://shopify/Refund/77"
    assert sent["variables"]["idempotencyKey"] == "out-1"
    assert "@idempotent(key: $idempotencyKey)" in sent["query"]
    refund = sent["variables"]["input"]
    assert refund["transactions"] == [{"orderId": order["id"], "parentId": "gid://shopify/OrderTransaction/50011",
                                       "gateway": "shopify_payments", "kind": "REFUND",
                                       "amount": "20.00"}]
    assert "refundLineItems" not in refund and "out-1" in refund["note"]


@respx.mock
async def test_a_refund_that_timed_out_is_looked_for_not_sent_again() -> None:
    """The write landed after the client gave up: the outbox's later look finds it by the key in its note."""
    ret, order = return_node(lines=[line(price="80.00")]), order_node()
    reads = respx.post(URL, json__operationName="ReturnById").mock(side_effect=[
        httpx.Response(200, json=return_by_id(ret, order)),
        httpx.Response(200, json=return_by_id(ret, order, refunds=[
            {"id": "gid://shopify/Refund/79", "note": "marketplace-returns out-1"}]))])
    create = respx.post(URL, json__operationName="RefundCreate").mock(side_effect=httpx.ReadTimeout("slow"))
    async with httpx.AsyncClient() as http:
        conn = connector(http)
        with pytest.raises(WriteOutcomeUnknown):
            await conn.apply(shop(), _req(Action.REFUND_WITHOUT_RETURN))
        found = await conn.find_applied(shop(), _req(Action.REFUND_WITHOUT_RETURN))
    assert create.call_count == 1 and reads.call_count == 2
    assert found is not None and found.outcome is ActionOutcome.ALREADY_DONE
    assert "gid://shopify/Refund/79" in (found.message or "")


@respx.mock
async def test_refund_without_return_refunds_the_lines_with_no_restock() -> None:
    ret, order = return_node(lines=[line(price="80.00")]), order_node()
    _reads(ret, order)
    create = respx.post(URL, json__operationName="RefundCreate").mock(return_value=httpx.Response(
        200, json=mutation("refundCreate", {"refund": {"id": "gid://shopify/Refund/78"}})))
    async with httpx.AsyncClient() as http:
        await connector(http).apply(shop(), _req(Action.REFUND_WITHOUT_RETURN))
    refund = json.loads(create.calls.last.request.content)["variables"]["input"]
    assert refund["transactions"][0]["amount"] == "80.00"
    assert refund["refundLineItems"] == [{"lineItemId": "gid://shopify/LineItem/801", "quantity": 1,
                                          "restockType": "NO_RESTOCK"}]


@respx.mock
async def test_refusal_declines_with_a_schema_reason_and_note() -> None:
    ret, order = return_node(), order_node()
    _reads(ret, order)
    decline = respx.post(URL, json__operationName="ReturnDeclineRequest").mock(return_value=httpx.Response(
        200, json=mutation("returnDeclineRequest", {"return": {"id": ret["id"], "status": "DECLINED"}})))
    async with httpx.AsyncClient() as http:
        req = _req(Action.REFUSE, reply_text="Outside the 30-day window",
                   context={"decline_reason": "RETURN_PERIOD_ENDED"})
        result = await connector(http).apply(shop(), req)
    sent = json.loads(decline.calls.last.request.content)["variables"]
    assert result.outcome is ActionOutcome.APPLIED
    assert sent["declineReason"] == "RETURN_PERIOD_ENDED"
    assert sent["declineNote"] == "Outside the 30-day window"


@respx.mock
async def test_moved_on_is_stale_and_already_effected_is_already_done() -> None:
    ret, order = return_node(status="OPEN"), order_node()
    _reads(ret, order)
    async with httpx.AsyncClient() as http:
        conn = connector(http)
        old = "REQUESTED|2026-11-20T08:15:02Z"
        stale = await conn.apply(shop(), _req(Action.REFUSE, expected_version=old))
        approved = return_node(status="OPEN", requestApprovedAt="2026-11-21T00:00:00Z")
        respx.post(URL, json__operationName="ReturnById").mock(
            return_value=httpx.Response(200, json=return_by_id(approved, order)))
        done = await conn.apply(shop(), _req(Action.RETURN_AND_REFUND))
        found = await conn.find_applied(shop(), _req(Action.RETURN_AND_REFUND))
        none = await conn.find_applied(shop(), _req(Action.REFUND_WITHOUT_RETURN))
    assert stale.outcome is ActionOutcome.STALE and done.outcome is ActionOutcome.ALREADY_DONE
    assert found is not None and found.outcome is ActionOutcome.ALREADY_DONE and none is None


@respx.mock
async def test_user_error_after_a_race_is_stale_when_the_effect_is_absent() -> None:
    ret, order = return_node(), order_node()
    reads = respx.post(URL, json__operationName="ReturnById").mock(side_effect=[
        httpx.Response(200, json=return_by_id(ret, order)),
        httpx.Response(200, json=return_by_id(return_node(status="CANCELED"), order))])
    respx.post(URL, json__operationName="ReturnApproveRequest").mock(return_value=httpx.Response(
        200, json=mutation("returnApproveRequest", {"return": None}, [
            {"code": "INVALID_STATE", "field": ["id"], "message": "Return is not approvable."}])))
    async with httpx.AsyncClient() as http:
        result = await connector(http).apply(shop(), _req(Action.RETURN_AND_REFUND))
    assert result.outcome is ActionOutcome.STALE and reads.call_count == 2


async def test_unsupported_actions_are_rejected_without_a_call() -> None:
    async with httpx.AsyncClient() as http:
        conn = connector(http)
        for action in (Action.REQUEST_EVIDENCE, Action.EXCHANGE, Action.REQUEST_REASON_CHANGE):
            result = await conn.apply(shop(), _req(action, reply_text="Please send a photo"))
            assert result.outcome is ActionOutcome.REJECTED and result.api_calls == 0


def test_capabilities_and_discovery() -> None:
    conn = create_connector("shopify")
    assert isinstance(conn, Connector) and isinstance(conn, ShopifyConnector)
    caps = conn.capabilities()
    assert set(caps.actions) == set(Action)
    assert caps.supports(Action.REFUND_WITHOUT_RETURN) and caps.supports(Action.REFUSE)
    assert not caps.supports(Action.REQUEST_EVIDENCE)
    assert "no buyer message API" in caps.actions[Action.REQUEST_EVIDENCE].how
    assert "refundCreate" in caps.actions[Action.OFFER_PARTIAL_REFUND].how


@respx.mock
async def test_an_unreadable_page_fails_the_batch_with_a_typed_error() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json={"data": {"orders": {"nodes": "oops"}}}))
    async with httpx.AsyncClient() as http:
        with pytest.raises(PlatformRejected, match="orders page"):
            async for _ in connector(http).fetch_changed(shop(), None):
                pass
