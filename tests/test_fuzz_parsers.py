"""Every parser of inbound data, fed arbitrary JSON-ish input: it answers or raises our typed errors.

"Typed errors" means pydantic's ValidationError (turned into 422s and mapping issues at the boundary)
and the package's own tree; anything else (KeyError, TypeError, AttributeError, RecursionError,
OverflowError, decimal exceptions) is a crash the service would turn into a 500 and is a failure here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from marketplace_returns.connectors.base import ShopConfig
from marketplace_returns.connectors.shopify import errors as shopify_errors
from marketplace_returns.connectors.shopify import mapping as shopify_mapping
from marketplace_returns.connectors.shopify import wire as shopify_wire
from marketplace_returns.connectors.shopify.client import ShopifyClient
from marketplace_returns.connectors.taobao import mapping as taobao_mapping
from marketplace_returns.connectors.taobao import wire as taobao_wire
from marketplace_returns.connectors.taobao.client import TopClient
from marketplace_returns.errors import MarketplaceReturnsError, WebhookRejected
from marketplace_returns.models.case import Case
from marketplace_returns.security.pii import mask_payload, mask_text, redact_secrets
from marketplace_returns.security.webhooks import (
    RefundPayload,
    ReturnPayload,
    ShopifyWebhookEvent,
    sign_body,
    verify_delivery,
    webhook_router,
)
from taobao_payloads import REFUND
from taobao_payloads import shop as taobao_shop

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TYPED = (ValidationError, MarketplaceReturnsError)

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=40)
           | st.sampled_from(["", "0", "-1", "1e400", "NaN", "199.00", "2026-11-20 10:15:32", "\ud800",
                              "gid://shopify/Return/1", "9" * 400, "质量问题", "WAIT_SELLER_AGREE"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=25)
json_objects = st.dictionaries(st.text(max_size=16), json_values, max_size=8)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()


# --- the webhook receiver ---------------------------------------------------------------------------

RETURN_KEYS = ["id", "admin_graphql_api_id", "status", "name", "order", "return_line_items"]
REFUND_KEYS = ["id", "order_id", "admin_graphql_api_id", "created_at", "note", "return"]


def _shaped(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys))


@FUZZ
@given(doc=json_objects | _shaped(RETURN_KEYS) | _shaped(REFUND_KEYS) | json_values)
def test_webhook_payload_models_raise_only_validation_errors(doc: Any) -> None:
    for model in (ReturnPayload, RefundPayload):
        with contextlib.suppress(ValidationError):
            model.model_validate_json(_dumps(doc))


NOW = datetime(2026, 11, 11, tzinfo=UTC)


@FUZZ
@given(body=st.binary(max_size=300) | json_values.map(_dumps) | _shaped(RETURN_KEYS).map(_dumps),
       topic=st.sampled_from(["returns/request", "refunds/create", "orders/create", ""]),
       stamp=st.sampled_from(["", "2026-11-11T00:00:00Z", "garbage", "2026-13-45T99:00:00Z"])
       | st.text(max_size=30),
       webhook_id=st.text(max_size=20))
def test_verify_delivery_raises_only_webhook_rejected(body: bytes, topic: str, stamp: str,
                                                      webhook_id: str) -> None:
    # Header values arrive as bytes; any byte may be there (Starlette decodes them as latin-1).
    headers = httpx.Headers({
        "X-Shopify-Hmac-Sha256": sign_body("k", body), "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "s.myshopify.com",
        "X-Shopify-Triggered-At": stamp.encode("utf-8", "surrogatepass"),
        "X-Shopify-Webhook-Id": webhook_id.encode("utf-8", "surrogatepass"),
    }, encoding="latin-1")
    try:
        event = verify_delivery(headers, body, secrets=["k"], now=NOW, tolerance=timedelta(days=36500))
    except WebhookRejected as exc:
        assert exc.status in (200, 401, 422)
    else:
        assert isinstance(event, ShopifyWebhookEvent) and event.resource_gid.startswith("gid://shopify/")


header_bytes = st.binary(max_size=40).filter(lambda b: b"\r" not in b and b"\n" not in b)


def _receiver_app() -> FastAPI:
    app = FastAPI()
    app.include_router(webhook_router(secrets_for=lambda shop: ["k"] if shop == "s.myshopify.com" else [],
                                      on_event=lambda event: None, clock=lambda: NOW,
                                      tolerance=timedelta(days=36500)))
    return app


RECEIVER = _receiver_app()


VALID_RETURN = {"id": 1, "admin_graphql_api_id": "gid://shopify/Return/1",
                "order": {"id": 2, "admin_graphql_api_id": "gid://shopify/Order/2"}}
nearly_valid = st.dictionaries(st.sampled_from([*RETURN_KEYS, "x"]), json_values, max_size=1).map(
    lambda over: _dumps({**VALID_RETURN, **over}))


@FUZZ
@given(body=nearly_valid | st.binary(max_size=200) | json_values.map(_dumps)
       | _shaped(REFUND_KEYS).map(_dumps),
       wellformed=st.booleans(), signed=st.booleans(),
       topic=st.sampled_from([b"returns/request", b"refunds/create"]) | header_bytes,
       shop=st.sampled_from([b"s.myshopify.com", b""]) | header_bytes,
       stamp=st.sampled_from([b"2026-11-11T00:00:00Z", b""]) | header_bytes,
       webhook_id=st.uuids().map(lambda u: str(u).encode()) | header_bytes)
def test_the_webhook_endpoint_never_answers_500(body: bytes, wellformed: bool, signed: bool, topic: bytes,
                                                 shop: bytes, stamp: bytes, webhook_id: bytes) -> None:
    if wellformed:  # only the body varies: reach parsing, dedupe and the callback
        signed, topic, shop, stamp = True, b"returns/request", b"s.myshopify.com", b"2026-11-11T00:00:00Z"
    headers = [(b"x-shopify-topic", topic), (b"x-shopify-shop-domain", shop),
               (b"x-shopify-triggered-at", stamp), (b"x-shopify-webhook-id", webhook_id)]
    if signed:
        headers.append((b"x-shopify-hmac-sha256", sign_body("k", body).encode()))

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=RECEIVER, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post("/webhooks/shopify", content=body, headers=headers)

    response = asyncio.run(post())
    answer = response.json()
    event(f"{response.status_code} {answer.get('status', '') if response.status_code == 200 else ''}")
    assert response.status_code in (200, 401, 413, 422), response.text


# --- masking never crashes on what it is asked to mask ----------------------------------------------

@FUZZ
@given(doc=json_values, text=st.text(max_size=200))
def test_masking_accepts_anything(doc: Any, text: str) -> None:
    mask_payload(doc)
    mask_payload(doc, purge=True)
    redact_secrets(doc)
    assert isinstance(mask_text(text), str)


# --- the triage contract line parser ------------------------------------------------------------------

CASE_KEYS = ["refund_id", "platform", "item_price", "refund_amount", "reason", "message", "photos",
             "goods_status", "wants_return", "ship_by", "shipped_at", "size_deviation_cm", "currency"]
VALID_CASE = {"refund_id": "r1", "platform": "taobao", "item_price": 99, "reason": "质量问题"}


@FUZZ
@given(doc=json_objects | _shaped(CASE_KEYS) | json_values,
       over=st.dictionaries(st.sampled_from(CASE_KEYS), json_values, max_size=3),
       raw=st.binary(max_size=80))
def test_case_lines_raise_only_validation_errors(doc: Any, over: dict[str, Any], raw: bytes) -> None:
    for line in (_dumps(doc), _dumps({**VALID_CASE, **over}), raw):
        with contextlib.suppress(ValidationError):
            Case.model_validate_json(line)


# --- the Taobao connector's wire models and mapping -----------------------------------------------------


TOP_KEYS = ["refund_id", "status", "order_status", "good_status", "refund_fee", "total_fee", "price",
            "reason", "desc", "created", "modified", "refund_remind_timeout", "refund_version",
            "refund_phase", "consign_time", "ship_by", "num", "cs_status", "has_good_return",
            "buyer_open_uid", "title"]


SHOP = taobao_shop()


top_records = st.builds(lambda doc, over, base: {**base, **over} if base else doc,
                        json_objects | _shaped(TOP_KEYS),
                        st.dictionaries(st.sampled_from(TOP_KEYS), json_values, max_size=4),
                        st.sampled_from([{}, dict(REFUND)]))


@FUZZ
@given(raw=top_records, messages=st.none() | st.lists(json_objects, max_size=2))
def test_taobao_mapping_raises_only_typed_errors(raw: dict[str, Any],
                                                  messages: list[dict[str, Any]] | None) -> None:
    try:
        fetched = taobao_mapping.map_refund(raw, SHOP, messages=messages)
    except TYPED:
        return
    assert (fetched.case is None) == (fetched.mapping_issue is not None)


def test_taobao_mapping_keeps_a_non_string_status_as_a_mapping_issue() -> None:
    fetched = taobao_mapping.map_refund({**REFUND, "refund_id": None, "status": []}, SHOP)
    assert fetched.case is None and fetched.mapping_issue is not None


@FUZZ
@given(doc=json_objects | _shaped(TOP_KEYS))
def test_taobao_wire_models_raise_only_validation_errors(doc: dict[str, Any]) -> None:
    for model in (taobao_wire.Refund, taobao_wire.RefundMessage):
        with contextlib.suppress(*TYPED):
            model.model_validate(doc)
    with contextlib.suppress(*TYPED):
        taobao_wire.ReceivePage.from_body(doc)


# --- every TOP answer goes through one parser ------------------------------------------------------------

# sub_code of any JSON shape, error_response of any JSON shape (both crashed once: see the tests below)
error_bodies = st.fixed_dictionaries({}, optional={
    "code": json_values, "msg": json_values, "sub_code": json_values | st.text(max_size=30)
    | st.sampled_from(["isp.top-remote-connection-timeout", "isv.refund-version-not-match",
                       "accesscontrol.limited-by-app-access-count"]),
    "sub_msg": json_values, "request_id": json_values})
top_answers = (json_values | st.builds(lambda e: {"error_response": e}, error_bodies | json_values)
               | st.builds(lambda inner: {"refund_get_response": inner}, json_values))


TOP = TopClient(httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(500))))
"""Only its answer parser is used: nothing is sent."""


def _top_parse(body: bytes, status: int = 200, write: bool = False) -> dict[str, Any]:
    answer = httpx.Response(status, content=body)
    parsed: dict[str, Any] = TOP._parse("taobao.refund.get", answer, write=write)
    return parsed


@FUZZ
@given(body=top_answers.map(_dumps) | st.binary(max_size=60),
       status=st.sampled_from([200, 200, 429, 500, 403]), write=st.booleans())
def test_top_answers_raise_only_connector_errors(body: bytes, status: int, write: bool) -> None:
    with contextlib.suppress(MarketplaceReturnsError):
        assert isinstance(_top_parse(body, status, write), dict)


def test_top_error_response_that_is_not_an_object_is_a_connector_error() -> None:
    with pytest.raises(MarketplaceReturnsError):
        _top_parse(b'{"error_response": 1}')


def test_top_sub_code_that_is_not_text_is_a_connector_error() -> None:
    with pytest.raises(MarketplaceReturnsError):
        _top_parse(b'{"error_response": {"code": 15, "sub_code": true}}')


# --- the Shopify connector: wire models, mapping, the GraphQL answer parser, userErrors ----------------

SHOPIFY_SHOP = ShopConfig(shop_id="fuzz", platform="shopify", base_url="https://fuzz.myshopify.com",
                          credentials={"access_token": SecretStr("shpat_" + "0" * 32)})
SHOPIFY_RETURN: dict[str, Any] = {
    "id": "gid://shopify/Return/9001", "name": "#1001-R1", "status": "REQUESTED",
    "createdAt": "2026-11-20T08:15:00Z", "closedAt": None, "requestApprovedAt": None, "decline": None,
    "returnLineItems": {"nodes": [{
        "id": "gid://shopify/ReturnLineItem/701", "quantity": 1, "returnReason": "SIZE_TOO_SMALL",
        "returnReasonNote": "", "customerNote": "Runs small",
        "fulfillmentLineItem": {"lineItem": {
            "id": "gid://shopify/LineItem/801", "sku": "TEE-001", "title": "Linen tee",
            "originalUnitPriceSet": {"shopMoney": {"amount": "59.00", "currencyCode": "USD"}}}}}]},
}
SHOPIFY_ORDER: dict[str, Any] = {
    "id": "gid://shopify/Order/5001", "name": "#1001", "createdAt": "2026-11-10T08:00:00Z",
    "updatedAt": "2026-11-20T08:15:00Z", "currencyCode": "USD", "customerLocale": "en",
    "displayFulfillmentStatus": "FULFILLED", "fulfillments": [
        {"createdAt": "2026-11-11T08:00:00Z", "deliveredAt": "2026-11-14T08:00:00Z",
         "displayStatus": "DELIVERED"}],
    "transactions": [],
}
RETURN_FIELDS = [*SHOPIFY_RETURN, "refunds", "order"]
ORDER_FIELDS = [*SHOPIFY_ORDER, "customer", "returnStatus"]


def _overlay(base: dict[str, Any], keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=3).map(lambda over: {**base, **over})


@FUZZ
@given(ret=_overlay(SHOPIFY_RETURN, RETURN_FIELDS) | json_objects,
       order=_overlay(SHOPIFY_ORDER, ORDER_FIELDS) | json_objects)
def test_shopify_wire_and_mapping_raise_only_typed_errors(ret: dict[str, Any], order: dict[str, Any]) -> None:
    for model, doc in ((shopify_wire.Return, ret), (shopify_wire.Order, order),
                       (shopify_wire.OrderConnection, order)):
        with contextlib.suppress(ValidationError):
            model.model_validate(doc)
    try:
        fetched = shopify_mapping.map_return(ret, order, SHOPIFY_SHOP)
    except TYPED:
        return
    assert (fetched.case is None) == (fetched.mapping_issue is not None)


def test_the_unfuzzed_shopify_records_map_to_a_case() -> None:
    fetched = shopify_mapping.map_return(SHOPIFY_RETURN, SHOPIFY_ORDER, SHOPIFY_SHOP)
    assert fetched.case is not None, fetched.mapping_issue  # the fuzz above starts from a valid record


SHOPIFY = ShopifyClient(httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(500))))
# "extensions", query costs and userErrors' code/field are drawn in any JSON shape: connectors/shopify
# ignores malformed costs and types odd userErrors (both were fuzzing findings, now fixed).
numbers = st.none() | st.integers(min_value=0, max_value=10**6) | st.floats(0, 1e6) | json_values
costs = st.fixed_dictionaries({}, optional={
    "requestedQueryCost": numbers, "actualQueryCost": numbers, "throttleStatus": json_values})
graphql_answers = st.fixed_dictionaries({}, optional={
    "data": json_values, "errors": json_values,
    "extensions": json_values | st.fixed_dictionaries({}, optional={"cost": json_values | costs})})


def _shopify_parse(body: bytes, status: int = 200) -> dict[str, Any]:
    data: dict[str, Any] = SHOPIFY._parse(SHOPIFY_SHOP, "ReturnsPage", httpx.Response(status, content=body))
    return data


@FUZZ
@given(body=graphql_answers.map(_dumps) | json_values.map(_dumps) | st.binary(max_size=40),
       status=st.sampled_from([200, 200, 401, 429, 500]))
def test_shopify_answers_raise_only_connector_errors(body: bytes, status: int) -> None:
    with contextlib.suppress(MarketplaceReturnsError):
        assert isinstance(_shopify_parse(body, status), dict)


user_errors = st.lists(st.fixed_dictionaries({}, optional={
    "code": st.sampled_from(["INVALID_STATE", "NOT_FOUND"]) | json_values,
    "field": st.lists(st.none() | st.text(max_size=10), max_size=3) | json_values, "message": json_values}),
    min_size=1, max_size=2)


@FUZZ
@given(errors=user_errors)
def test_shopify_user_errors_become_connector_errors(errors: list[dict[str, Any]]) -> None:
    assert isinstance(shopify_errors.error_from_user_errors("returnApproveRequest", errors),
                      MarketplaceReturnsError)


def test_shopify_extensions_that_are_not_an_object_are_ignored() -> None:
    assert _shopify_parse(b'{"data": {"node": null}, "extensions": true}') == {"node": None}


@pytest.mark.parametrize("cost", [b'{"requestedQueryCost": [null]}', b'{"requestedQueryCost": "n/a"}'])
def test_shopify_odd_query_costs_are_ignored_or_a_connector_error(cost: bytes) -> None:
    with contextlib.suppress(MarketplaceReturnsError):
        _shopify_parse(b'{"data": {}, "extensions": {"cost": ' + cost + b"}}")


@pytest.mark.parametrize("error", [{"code": [None]}, {"field": [None]}])
def test_shopify_odd_user_errors_are_connector_errors(error: dict[str, Any]) -> None:
    assert isinstance(shopify_errors.error_from_user_errors("returnApproveRequest", [error]),
                      MarketplaceReturnsError)
