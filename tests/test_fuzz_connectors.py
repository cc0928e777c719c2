"""The connectors end to end over a fuzzed platform: every answer they read may be malformed.

``test_fuzz_parsers.py`` feeds the wire models, the mappings and the answer parsers one at a time. What
sits between them — the connector reading a listing page, a refund's detail, its message log, an
action's answer; Shopify's orders page, a return's detail, a mutation's payload — also digs into the
platform's JSON. Here an ``httpx.MockTransport`` answers every call with a mutation of a real answer
(a subtree replaced by any JSON value, a key dropped) and the connector's public methods
(``fetch_changed``, ``get``, ``apply``, ``find_applied``) run over it. The contract the service relies
on: each returns, or raises one of the package's own errors (the poller and the pusher catch those and
nothing else; anything else — AttributeError, TypeError, KeyError, a stray ValidationError — would
stop a shop's poll or leave an outbox row "unexpected"). A record the mapping cannot read comes back
kept raw with its ``mapping_issue``, never as an exception. The transport refuses after a few calls so
a platform that always says "there is a next page" cannot keep a run here forever.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from marketplace_returns.connectors.base import ActionRequest, FetchedCase
from marketplace_returns.connectors.shopify.connector import ShopifyConnector
from marketplace_returns.connectors.taobao.connector import TaobaoConnector
from marketplace_returns.errors import MarketplaceReturnsError
from marketplace_returns.models.vocabulary import Action
from shopify_payloads import line, mutation, order_node, orders_page, return_by_id, return_node
from shopify_payloads import shop as shopify_shop
from taobao_payloads import MESSAGE, agree_ok, listed, messages_get, ok, receive_page, refund, refund_get
from taobao_payloads import shop as taobao_shop

FUZZ = settings(max_examples=150, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
MAX_CALLS = 12
"""Calls a fuzzed platform answers before it refuses (a 401: not retried)."""

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
           | st.sampled_from(["", "0", "-1", "NaN", "1e400", "199.00", "2026-11-20 10:15:32", "SUCCESS",
                              "WAIT_SELLER_AGREE", "gid://shopify/Return/1", "9" * 60]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
_DROP = object()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _paths(child, (*prefix, key))
    return found


def _replace(template: Any, changes: list[tuple[tuple[Any, ...], Any]]) -> Any:
    doc = copy.deepcopy(template)
    for path, value in changes:
        if not path:
            doc = value if value is not _DROP else {}
            continue
        parent = doc
        for key in path[:-1]:
            in_dict = isinstance(parent, dict) and key in parent
            in_list = isinstance(parent, list) and isinstance(key, int) and key < len(parent)
            if in_dict or in_list:
                parent = parent[key]
            else:
                break
        else:
            last = path[-1]
            if isinstance(parent, dict) and last in parent:
                if value is _DROP:
                    del parent[last]
                else:
                    parent[last] = value
            elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
                parent[last] = None if value is _DROP else value
    return doc


def mutated(template: Any) -> st.SearchStrategy[Any]:
    """``template`` with up to three of its nodes (any depth, the root included) replaced by any JSON
    value or dropped: most of the answer stays real, so the connector gets past the first checks and
    reaches the code that reads deep inside it."""
    paths = _paths(template)
    change = st.tuples(st.sampled_from(paths), json_values | st.just(_DROP))
    return st.lists(change, max_size=3).map(lambda changes: _replace(template, changes))


def _answers(templates: dict[str, list[dict[str, Any]]]) -> st.SearchStrategy[dict[str, list[Any]]]:
    """Per method, the answers it gives in turn."""
    return st.fixed_dictionaries({name: st.tuples(*(mutated(t) for t in answers)).map(list)
                                  for name, answers in templates.items()})


class FuzzedPlatform:
    """Answers each call with the next drawn answer for its method (the last one repeats)."""

    def __init__(self, answers: dict[str, list[Any]], method_of: Any) -> None:
        self.answers = answers
        self.method_of = method_of
        self.served: dict[str, int] = {}
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls > MAX_CALLS:
            return httpx.Response(401, json={"errors": "enough"})
        name = self.method_of(request)
        given = self.answers.get(name) or [{}]
        n = self.served.get(name, 0)
        self.served[name] = n + 1
        body = given[min(n, len(given) - 1)]
        return httpx.Response(200, content=body if isinstance(body, bytes) else json.dumps(body).encode())


def _check(fetched: FetchedCase) -> None:
    assert (fetched.case is None) == (fetched.mapping_issue is not None), fetched


async def _no_sleep(_: float) -> None:
    return None


async def _exercise(connector: Any, shop: Any, action: ActionRequest) -> None:
    """Every public reading and writing method; each may only return or raise our own errors."""
    try:
        cases = issues = 0
        try:
            async for batch in connector.fetch_changed(shop, None):
                for fetched in batch.cases:
                    _check(fetched)
                    cases += fetched.case is not None
                    issues += fetched.case is None
            event(f"fetch: {'cases' if cases else 'no case'}{', mapping issues' if issues else ''}")
        except MarketplaceReturnsError as exc:
            event(f"fetch: {type(exc).__name__}")
        for name, step in (("get", lambda: connector.get(shop, action.refund_id)),
                           ("apply", lambda: connector.apply(shop, action)),
                           ("find_applied", lambda: connector.find_applied(shop, action))):
            try:
                result = await step()
            except MarketplaceReturnsError as exc:
                event(f"{name}: {type(exc).__name__}")
                continue
            if isinstance(result, FetchedCase):
                _check(result)
                event(f"{name}: {'case' if result.case else 'mapping issue'}")
            else:
                event(f"{name}: {getattr(result, 'outcome', result)}")
    finally:
        await connector.aclose()


actions = st.builds(
    lambda action, amount, text, version: (action, amount, text, version),
    st.sampled_from([Action.REFUND_WITHOUT_RETURN, Action.RETURN_AND_REFUND, Action.REFUSE,
                     Action.REQUEST_EVIDENCE, Action.OFFER_PARTIAL_REFUND, Action.EXCHANGE]),
    st.none() | st.decimals(min_value=0, max_value=500, places=2),
    st.none() | st.sampled_from(["请补充照片", "Please send a photo"]),
    st.none() | st.sampled_from(["1732069132000|aftersale", "REQUESTED|", "OPEN"]))


# --- Taobao / Tmall over TOP ------------------------------------------------------------------------

RID = str(refund()["refund_id"])
TOP_ANSWERS = {
    "taobao.refunds.receive.get": [receive_page([listed(), listed(refund_id=1, status="SUCCESS")],
                                                has_next=True),
                                   receive_page([listed()], has_next=False)],
    "taobao.refund.get": [refund_get(refund()), refund_get(refund(status="WAIT_SELLER_CONFIRM_GOODS"))],
    "taobao.refund.messages.get": [messages_get([copy.deepcopy(MESSAGE),
                                                 {**MESSAGE, "owner_role": "2", "content": "请补充照片"}])],
    "taobao.rp.refunds.agree": [agree_ok(RID)],
    "taobao.rp.returngoods.agree": [ok("taobao.rp.returngoods.agree")],
    "taobao.rp.returngoods.refuse": [ok("taobao.rp.returngoods.refuse")],
    "taobao.refund.refuse": [ok("taobao.refund.refuse")],
    "taobao.refund.negotiatereturn": [ok("taobao.refund.negotiatereturn")],
    "taobao.refund.message.add": [ok("taobao.refund.message.add", refund_message={"id": 1})],
}


def _top_method(request: httpx.Request) -> str:
    return dict(httpx.QueryParams(request.content.decode())).get("method", "")


def test_the_top_templates_read_cleanly() -> None:
    """The fuzz starts from answers the connector reads without a mapping issue (else it tests little)."""
    platform = FuzzedPlatform({k: v for k, v in TOP_ANSWERS.items()}, _top_method)
    connector = TaobaoConnector(client=httpx.AsyncClient(transport=httpx.MockTransport(platform)),
                                sleep=_no_sleep, max_attempts=1, clock=lambda: NOW, backfill_seconds=3600)

    async def run() -> list[FetchedCase]:
        found = [c async for batch in connector.fetch_changed(taobao_shop(), None) for c in batch.cases]
        return [*found, await connector.get(taobao_shop(), RID)]

    fetched = asyncio.run(run())
    assert fetched and all(f.case is not None for f in fetched), [f.mapping_issue for f in fetched]


@FUZZ
@given(answers=_answers(TOP_ANSWERS), action=actions)
def test_taobao_connector_over_a_fuzzed_top(answers: dict[str, list[Any]],
                                            action: tuple[Action, Decimal | None, str | None, str | None]
                                            ) -> None:
    kind, amount, text, version = action
    platform = FuzzedPlatform(answers, _top_method)
    connector = TaobaoConnector(client=httpx.AsyncClient(transport=httpx.MockTransport(platform)),
                                sleep=_no_sleep, max_attempts=2, clock=lambda: NOW, backfill_seconds=3600,
                                messages="all")
    request = ActionRequest(refund_id=RID, action=kind, amount=amount, reply_text=text,
                            idempotency_key="k-1", expected_version=version)
    asyncio.run(_exercise(connector, taobao_shop(), request))


# --- Shopify over GraphQL -----------------------------------------------------------------------------

RETURN = return_node(9001, lines=[line(1), line(2, price="20.00", quantity=2)])
ORDER = order_node(5001, returns=[RETURN])
SHOPIFY_ANSWERS = {
    "OrdersWithReturns": [orders_page([ORDER], next_cursor="c1"), orders_page([ORDER])],
    "ReturnById": [return_by_id(RETURN, ORDER, [{"id": "gid://shopify/Refund/1", "note": "x"}])],
    "ReturnApproveRequest": [mutation("returnApproveRequest", {"return": {"id": RETURN["id"]}})],
    "ReturnDeclineRequest": [mutation("returnDeclineRequest", {"return": {"id": RETURN["id"]}},
                                      [{"code": "INVALID_STATE", "field": ["id"], "message": "no"}])],
    "ReturnProcess": [mutation("returnProcess", {"return": {"id": RETURN["id"]}})],
    "RefundCreate": [mutation("refundCreate", {"refund": {"id": "gid://shopify/Refund/2"}})],
}


def _operation(request: httpx.Request) -> str:
    return str(json.loads(request.content).get("operationName", ""))


def test_the_shopify_templates_read_cleanly() -> None:
    platform = FuzzedPlatform(SHOPIFY_ANSWERS, _operation)
    connector = ShopifyConnector(client=httpx.AsyncClient(transport=httpx.MockTransport(platform)),
                                 sleep=_no_sleep, max_attempts=1, clock=lambda: NOW)

    async def run() -> list[FetchedCase]:
        found = [c async for batch in connector.fetch_changed(shopify_shop(), None) for c in batch.cases]
        return [*found, await connector.get(shopify_shop(), RETURN["id"])]

    fetched = asyncio.run(run())
    assert fetched and all(f.case is not None for f in fetched), [f.mapping_issue for f in fetched]


@FUZZ
@given(answers=_answers(SHOPIFY_ANSWERS), action=actions,
       context=st.sampled_from([{}, {"stage": "process"}, {"decline_reason": "FINAL_SALE"}]))
def test_shopify_connector_over_a_fuzzed_graphql(
        answers: dict[str, list[Any]], action: tuple[Action, Decimal | None, str | None, str | None],
        context: dict[str, Any]) -> None:
    kind, amount, text, version = action
    platform = FuzzedPlatform(answers, _operation)
    connector = ShopifyConnector(client=httpx.AsyncClient(transport=httpx.MockTransport(platform)),
                                 sleep=_no_sleep, max_attempts=2, clock=lambda: NOW)
    request = ActionRequest(refund_id=RETURN["id"], action=kind, amount=amount, reply_text=text,
                            idempotency_key="k-1", expected_version=version, context=context)
    asyncio.run(_exercise(connector, shopify_shop(), request))


@pytest.mark.parametrize("platform", ["taobao", "shopify"])
def test_a_platform_that_always_has_a_next_page_ends_in_a_typed_error(platform: str) -> None:
    """Paging follows the platform's word; the run still ends (here: the transport's refusal)."""
    if platform == "taobao":
        page = receive_page([listed()], has_next=True)
        answers: dict[str, list[Any]] = {"taobao.refunds.receive.get": [page],
                                         "taobao.refund.get": [refund_get(refund())],
                                         "taobao.refund.messages.get": [messages_get([])]}
        conn: Any = TaobaoConnector(client=httpx.AsyncClient(transport=httpx.MockTransport(
            FuzzedPlatform(answers, _top_method))), sleep=_no_sleep, max_attempts=1, clock=lambda: NOW,
            backfill_seconds=3600)
        shop = taobao_shop()
    else:
        answers = {"OrdersWithReturns": [orders_page([ORDER], next_cursor="again")]}
        conn = ShopifyConnector(client=httpx.AsyncClient(transport=httpx.MockTransport(
            FuzzedPlatform(answers, _operation))), sleep=_no_sleep, max_attempts=1, clock=lambda: NOW)
        shop = shopify_shop()

    async def run() -> None:
        async for _ in conn.fetch_changed(shop, None):
            pass

    with pytest.raises(MarketplaceReturnsError):
        asyncio.run(run())
