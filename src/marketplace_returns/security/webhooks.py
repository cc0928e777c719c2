"""Shopify webhooks (``returns/*``, ``refunds/create``) for shops that prefer push to polling.

A webhook here is a *hint*: it tells the service "this shop has news, poll it now". The poller stays the
source of truth (it reads the return through the Admin API with its cursor discipline), so a lost or
refused webhook costs latency, never data. That shapes every answer below:

- the signature is checked first (``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256 of the raw body with
  the app's client secret, constant-time compare; several secrets accepted during a rotation, which
  Shopify says can take an hour). Bad or missing: 401, and an unknown shop looks exactly the same;
- headers, then the ``X-Shopify-Triggered-At`` window (default 5 min old, 1 min ahead), then the body;
- a delivery outside the window or already seen (``X-Shopify-Webhook-Id``) is refused *with a 200*:
  Shopify re-sends retries with the original ``Triggered-At`` for 4 hours and deletes an API-made
  subscription after 8 failed attempts, so a 4xx would only trade a harmless, ignored hint for a lost
  subscription. The ``status`` in the answer says what happened (``stale``, ``duplicate``);
- a body that does not match the topic's model: 422 naming the field (never quoting the value);
- the callback failing: the receipt is released and the answer is 503, so Shopify retries;
  nothing here answers 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeAlias

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace_returns.errors import WebhookRejected
from marketplace_returns.security.replay import InMemoryReplayGuard, ReplayGuard

log = logging.getLogger(__name__)

RETURN_TOPICS = frozenset({
    "returns/request", "returns/approve", "returns/decline", "returns/close", "returns/reopen",
    "returns/cancel", "returns/process", "returns/update",
})
REFUND_TOPICS = frozenset({"refunds/create"})
TOPICS = RETURN_TOPICS | REFUND_TOPICS
"""Topics as named in Shopify's WebhookSubscriptionTopic enum (RETURNS_REQUEST → ``returns/request``)."""

ShopifyId: TypeAlias = StrictInt | Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\d+$")]
Gid: TypeAlias = Annotated[str, Field(max_length=200, pattern=r"^gid://shopify/[A-Za-z]+/\d+$")]
_Text: TypeAlias = Annotated[str, Field(max_length=10_000)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GidRef(_Wire):
    id: ShopifyId | None = None
    admin_graphql_api_id: Gid | None = None


class ReturnLineItemPayload(_Wire):
    id: ShopifyId | None = None
    quantity: StrictInt | None = None
    return_reason: _Text | None = None
    return_reason_note: _Text | None = None
    customer_note: _Text | None = None


class ReturnPayload(_Wire):
    """The REST-shaped body of ``returns/*`` deliveries (only what the receiver needs)."""

    id: ShopifyId
    admin_graphql_api_id: Gid
    status: _Text | None = None
    name: _Text | None = None
    order: GidRef | None = None
    return_line_items: list[ReturnLineItemPayload] = Field(default_factory=list, max_length=1000)


class RefundPayload(_Wire):
    """The REST-shaped body of ``refunds/create`` deliveries."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    id: ShopifyId
    admin_graphql_api_id: Gid | None = None
    order_id: ShopifyId
    created_at: datetime | None = None
    note: _Text | None = None
    return_: GidRef | None = Field(default=None, alias="return")


class ShopifyWebhookEvent(BaseModel):
    """A verified, fresh, first-seen delivery, as handed to the service's callback."""

    model_config = ConfigDict(frozen=True)

    topic: str
    shop_domain: str
    webhook_id: str
    event_id: str | None
    triggered_at: datetime
    api_version: str | None
    resource_gid: str
    """The Return (``returns/*``) or Refund (``refunds/create``) the event is about."""
    return_gid: str | None
    order_gid: str | None
    payload: ReturnPayload | RefundPayload


AckStatus = Literal["accepted", "duplicate", "stale", "ignored"]


class WebhookAck(BaseModel):
    status: AckStatus
    webhook_id: str | None = None


SecretLookup = Callable[[str], Sequence[str]]
"""Shop domain → the app client secret(s) that may sign its webhooks (empty: unknown shop)."""
EventHandler = Callable[[ShopifyWebhookEvent], Awaitable[None] | None]


def sign_body(secret: str, body: bytes) -> str:
    """``X-Shopify-Hmac-Sha256`` for ``body``: base64 of HMAC-SHA256 keyed with the client secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode("ascii")


def verify_signature(body: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """Whether ``header`` is the body's HMAC under any of ``secrets`` (constant-time per secret)."""
    if not header or not secrets:
        return False
    try:
        given = header.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    ok = False
    for secret in secrets:  # no early exit: the time taken does not depend on which secret matched
        ok |= hmac.compare_digest(sign_body(secret, body).encode("ascii"), given)
    return ok


def _header(headers: Mapping[str, str], name: str, *, max_len: int = 255) -> str:
    value = (headers.get(name) or "").strip()
    if not value or len(value) > max_len or not value.isprintable():
        raise WebhookRejected(f"missing or malformed header {name}", status=422, reason="header", field=name)
    return value


def _parse_time(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise WebhookRejected("X-Shopify-Triggered-At is not an ISO 8601 time", status=422,
                              reason="header", field="X-Shopify-Triggered-At") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _body_error(exc: ValidationError) -> WebhookRejected:
    first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    return WebhookRejected(f"body.{field}: {first['msg']}" if field != "body" else f"body: {first['msg']}",
                           status=422, reason="body", field=f"body.{field}" if field != "body" else "body")


def verify_delivery(headers: Mapping[str, str], body: bytes, *, secrets: Sequence[str], now: datetime,
                    tolerance: timedelta = timedelta(minutes=5),
                    skew: timedelta = timedelta(minutes=1)) -> ShopifyWebhookEvent:
    """Check one delivery and return its event; raises :class:`WebhookRejected` saying why not.

    ``headers`` must look names up case-insensitively (Starlette's and httpx's do). Replays are not
    checked here (that needs a :class:`ReplayGuard`); everything else is.
    """
    if not verify_signature(body, headers.get("x-shopify-hmac-sha256"), secrets):
        raise WebhookRejected("signature does not verify", status=401, reason="signature")
    topic = _header(headers, "X-Shopify-Topic", max_len=64)
    if topic not in TOPICS:
        raise WebhookRejected(f"topic {topic!r} is not handled", status=200, reason="topic",
                              field="X-Shopify-Topic")
    webhook_id = _header(headers, "X-Shopify-Webhook-Id", max_len=200)
    triggered_at = _parse_time(_header(headers, "X-Shopify-Triggered-At", max_len=64))
    if triggered_at < now - tolerance or triggered_at > now + skew:
        raise WebhookRejected("X-Shopify-Triggered-At is outside the accepted window", status=200,
                              reason="stale", field="X-Shopify-Triggered-At")
    try:
        payload: ReturnPayload | RefundPayload = (
            ReturnPayload.model_validate_json(body) if topic in RETURN_TOPICS
            else RefundPayload.model_validate_json(body))
    except ValidationError as exc:
        raise _body_error(exc) from None
    return_gid: str | None
    if isinstance(payload, ReturnPayload):
        resource = return_gid = payload.admin_graphql_api_id
        order_gid = payload.order.admin_graphql_api_id if payload.order else None
    else:
        resource = payload.admin_graphql_api_id or f"gid://shopify/Refund/{payload.id}"
        return_gid = payload.return_.admin_graphql_api_id if payload.return_ else None
        order_gid = f"gid://shopify/Order/{payload.order_id}"
    return ShopifyWebhookEvent(
        topic=topic, shop_domain=_header(headers, "X-Shopify-Shop-Domain").lower(), webhook_id=webhook_id,
        event_id=(headers.get("x-shopify-event-id") or None), triggered_at=triggered_at,
        api_version=(headers.get("x-shopify-api-version") or None), resource_gid=resource,
        return_gid=return_gid, order_gid=order_gid, payload=payload)


def _ack(status: AckStatus, webhook_id: str | None) -> JSONResponse:
    return JSONResponse(WebhookAck(status=status, webhook_id=(webhook_id or "")[:255] or None)
                        .model_dump(mode="json"))


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` inlined: ``#/$defs/...`` would not resolve once the
    schema sits inside the OpenAPI document (these models are not recursive)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def _problem(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def webhook_router(*, secrets_for: SecretLookup, on_event: EventHandler, guard: ReplayGuard | None = None,
                   tolerance: timedelta = timedelta(minutes=5), skew: timedelta = timedelta(minutes=1),
                   clock: Callable[[], datetime] = lambda: datetime.now(UTC), path: str = "/webhooks/shopify",
                   max_body: int = 1_048_576) -> APIRouter:
    """A router with ``POST {path}``: verify, check the window, parse, dedupe, then ``on_event``.

    ``secrets_for`` and a SQL ``guard`` may block (file, database): they run in a worker thread.
    ``on_event`` may be sync or async; it should be quick (enqueue a poll), as Shopify waits 5 s.
    """
    replay = guard if guard is not None else InMemoryReplayGuard()
    router = APIRouter(tags=["webhooks"])
    body_schema = {"anyOf": [_inline(ReturnPayload.model_json_schema()),
                             _inline(RefundPayload.model_json_schema(by_alias=True))]}

    @router.post(path, response_model=WebhookAck, summary="Shopify returns/* and refunds/create webhooks",
                 responses={401: {"description": "signature missing or wrong"},
                            413: {"description": "body too large"},
                            422: {"description": "a header or body field is malformed (named in detail)"},
                            503: {"description": "not handled now; Shopify retries"}},
                 openapi_extra={"requestBody": {"required": True,
                                                "content": {"application/json": {"schema": body_schema}}}})
    async def receive(
        request: Request,
        x_shopify_hmac_sha256: Annotated[str | None, Header()] = None,
        x_shopify_topic: Annotated[str | None, Header()] = None,
        x_shopify_shop_domain: Annotated[str | None, Header()] = None,
        x_shopify_webhook_id: Annotated[str | None, Header()] = None,
        x_shopify_triggered_at: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        try:
            return await _receive(request)
        except Exception:  # the last line of defence: log (masked) and let Shopify retry
            log.exception("webhook handling failed")
            return _problem(503, "webhook not handled; retry later")

    async def _receive(request: Request) -> JSONResponse:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_body:
            return _problem(413, "body too large")
        body = await request.body()
        if len(body) > max_body:
            return _problem(413, "body too large")
        shop = (request.headers.get("x-shopify-shop-domain") or "").strip().lower()
        secrets: Sequence[str] = []
        if shop and len(shop) <= 255 and shop.isprintable() and request.headers.get("x-shopify-hmac-sha256"):
            secrets = await run_in_threadpool(secrets_for, shop)
        try:
            event = verify_delivery(request.headers, body, secrets=secrets, now=clock(),
                                    tolerance=tolerance, skew=skew)
        except WebhookRejected as exc:
            if exc.status == 200:
                log.warning("shopify webhook from %s not acted on: %s", shop, exc.message)
                return _ack("stale" if exc.reason == "stale" else "ignored",
                            request.headers.get("x-shopify-webhook-id"))
            if exc.status == 422:
                return _problem(422, [{"loc": (exc.field or "body").split("."), "msg": exc.message,
                                       "type": exc.reason}])
            return _problem(exc.status, exc.message)
        # Replay is judged on what the signature covers: the body. The Webhook-Id header is not signed,
        # so a captured delivery re-sent under a fresh id must still be a duplicate.
        digest = f"shopify:sha256:{hashlib.sha256(body).hexdigest()}"
        key = f"shopify:{event.webhook_id}"

        def claim_both() -> bool:
            if not replay.claim(digest, now=clock()):
                return False
            if not replay.claim(key, now=clock()):
                replay.release(digest)
                return False
            return True

        if not await run_in_threadpool(claim_both):
            return _ack("duplicate", event.webhook_id)
        try:
            if inspect.iscoroutinefunction(on_event):
                await on_event(event)
            else:  # a plain function may block (a database insert): keep it off the event loop
                result = await run_in_threadpool(on_event, event)
                if inspect.isawaitable(result):
                    await result
        except Exception:
            await run_in_threadpool(replay.release, key)
            await run_in_threadpool(replay.release, digest)
            log.exception("webhook callback failed for %s %s", event.topic, event.shop_domain)
            return _problem(503, "webhook not handled; retry later")
        return _ack("accepted", event.webhook_id)

    return router
