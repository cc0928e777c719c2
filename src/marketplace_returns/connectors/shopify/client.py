"""An async Shopify Admin GraphQL client: one POST per operation, cost-aware, retried by the table.

Why it exists apart from the connector: every call shares one endpoint (the API version is pinned in
``API_VERSION`` and nowhere else), one header (``X-Shopify-Access-Token``), one answer shape
(``data`` / ``errors`` / ``extensions.cost``) and one retry policy.

* Cost-based throttling: Shopify keeps a leaky bucket per shop (``throttleStatus``: maximumAvailable,
  currentlyAvailable, restoreRate per second). After every answer we remember the bucket and each
  operation's ``requestedQueryCost``; before the next call we project the bucket forward and, if the
  call would not fit, wait ``(cost - available) / restoreRate`` first. We slow down before Shopify
  says THROTTLED, rather than after.
* Retries are configured once, with tenacity: exponential backoff with jitter; the server's hint wins
  (``Retry-After`` on 429/5xx, the bucket's refill time on THROTTLED). THROTTLED is recognised by
  ``errors[].extensions.code`` whatever the HTTP status (Shopify sends it with 200).
* Writes are retried only where the answer proves nothing happened: THROTTLED / 429 (never executed)
  and a refused connection (nothing sent). A mutation that timed out, lost its connection mid-call or
  got a bare 5xx may still land, so it is not sent again here: ``mutate`` raises
  ``WriteOutcomeUnknown`` and the outbox reads the return (``find_applied``) after a settle window before
  any second write. ``refundCreate``'s ``@idempotent(key:)`` is the platform's guard behind ours, not a
  reason to resend: a second write with the key is a second write all the same.
* httpx exceptions become ``TransportError`` in ``_post`` and nowhere else. The access token is read
  per call from ``ShopConfig`` (``SecretStr``), sent only as a header, never kept, logged or quoted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from marketplace_returns.connectors.base import WAITS_KEPT, ShopConfig, at_url
from marketplace_returns.connectors.shopify import documents
from marketplace_returns.connectors.shopify.errors import (
    PLATFORM,
    error_from_errors,
    error_from_status,
    error_from_user_errors,
)
from marketplace_returns.errors import (
    ConfigError,
    ConnectorError,
    RateLimited,
    TransportError,
    WriteOutcomeUnknown,
)

log = logging.getLogger(__name__)

API_VERSION: Final = "2026-10"
TOKEN_HEADER: Final = "X-Shopify-Access-Token"
DEFAULT_COST: Final = 100.0
Sleep = Callable[[float], Awaitable[None]]


class _Ambiguous(ConnectorError):
    """Internal marker: a mutation failed without an answer that says whether it ran."""


def endpoint(shop: ShopConfig) -> str:
    """``{shop origin}/admin/api/2026-10/graphql.json`` (the sandbox serves the same path)."""
    return f"{shop.base_url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"


@dataclass
class Bucket:
    """What Shopify last told us of one shop's leaky bucket, and when."""

    maximum: float
    available: float
    restore_rate: float
    at: float

    def projected(self, now: float) -> float:
        return min(self.maximum, self.available + (now - self.at) * self.restore_rate)


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class ShopifyClient:
    """Runs the package's GraphQL documents for any shop; one instance per connector."""

    def __init__(self, http: httpx.AsyncClient, *, max_attempts: int = 6, backoff_base: float = 0.5,
                 backoff_max: float = 30.0, max_hint: float = 60.0, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1", path="max_attempts")
        self.http = http
        self.max_attempts = max_attempts
        self.max_hint = max_hint
        self.sleep = sleep
        self.clock = clock
        self.calls: Counter[str] = Counter()
        """HTTP requests sent (each attempt counts), by operation name."""
        self.cost_requested = 0.0
        self.cost_actual = 0.0
        self.waits: deque[float] = deque(maxlen=WAITS_KEPT)
        """Seconds of the latest waits, before retries and pre-emptive slow-downs (for tests; bounded,
        a worker runs for weeks)."""
        self.wait_count = 0
        self.waited_s = 0.0
        """Waits and seconds waited over the client's life (for the benchmarks)."""
        self.buckets: dict[str, Bucket] = {}
        self._costs: dict[str, float] = {}
        self._backoff = wait_random_exponential(multiplier=backoff_base, max=backoff_max)
        self._retrying = AsyncRetrying(retry=retry_if_exception(_retryable),
                                       stop=stop_after_attempt(max_attempts), wait=self._wait,
                                       sleep=self._do_sleep, reraise=True, before_sleep=self._log_retry)
        self._write_retrying = self._retrying.copy(retry=retry_if_exception(_retryable_write))

    def __repr__(self) -> str:
        return f"ShopifyClient(api_version={API_VERSION!r}, max_attempts={self.max_attempts})"

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    async def execute(self, shop: ShopConfig, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Run document ``operation``; its ``data``, or a typed error (retried ones already retried)."""
        query = documents.load(operation)
        result: dict[str, Any] = await self._retrying(self._once, shop, operation, query, variables)
        return result

    async def mutate(self, shop: ShopConfig, operation: str, field: str,
                     variables: dict[str, Any]) -> dict[str, Any]:
        """Run a mutation; its payload under ``field``; ``userErrors`` become typed errors.

        Raises ``WriteOutcomeUnknown`` when the mutation may have run without our seeing its answer.
        """
        query = documents.load(operation)
        try:
            data: dict[str, Any] = await self._write_retrying(self._once, shop, operation, query, variables,
                                                              True)
        except _Ambiguous as exc:
            raise WriteOutcomeUnknown(exc.message, platform=PLATFORM, code=exc.code) from None
        payload = data.get(field)
        if not isinstance(payload, dict):
            raise error_from_errors([{"message": f"{field} returned no payload"}])
        user_errors = payload.get("userErrors") or []
        if not isinstance(user_errors, list):  # Shopify sends a list; anything else is still a refusal
            user_errors = [user_errors]
        if user_errors:
            raise error_from_user_errors(field, user_errors)
        return payload

    # ------------------------------------------------------------------ one attempt
    async def _once(self, shop: ShopConfig, operation: str, query: str,
                    variables: dict[str, Any], write: bool = False) -> dict[str, Any]:
        await self._pace(shop, operation)
        body = orjson.dumps({"query": query, "operationName": operation, "variables": variables})
        headers = {TOKEN_HEADER: shop.secret("access_token"), "Content-Type": "application/json",
                   "Accept": "application/json"}
        self.calls[operation] += 1
        response = await self._post(endpoint(shop), body, headers, write=write)
        try:
            return self._parse(shop, operation, response)
        except (RateLimited, TransportError):
            raise
        except ConnectorError as exc:  # a 5xx or an internal error: it may have run before it failed
            if write and exc.retryable:
                raise _Ambiguous(exc.message, platform=PLATFORM, code=exc.code) from None
            raise

    async def _post(self, url: str, body: bytes, headers: dict[str, str], *, write: bool) -> httpx.Response:
        """The one place where httpx exceptions are translated."""
        try:
            return await self.http.post(url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            cls = _Ambiguous if write else TransportError
            raise cls(f"timed out ({type(exc).__name__}) at {url}", platform=PLATFORM,
                      code="timeout") from None
        except httpx.HTTPError as exc:
            # A refused connection sent nothing: safe to retry even a write.
            cls = _Ambiguous if write and not isinstance(exc, httpx.ConnectError) else TransportError
            raise cls(f"connection failed ({type(exc).__name__}) to {url}", platform=PLATFORM,
                      code="connect") from None

    def _parse(self, shop: ShopConfig, operation: str, response: httpx.Response) -> dict[str, Any]:
        hint = _retry_after(response.headers)
        try:
            payload = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict):
            failed = error_from_status(response.status_code, retry_after=hint)
            raise at_url(failed or error_from_errors([{"message": "answer is not a JSON object"}]),
                         response)
        extensions = payload.get("extensions")
        cost = extensions.get("cost") if isinstance(extensions, dict) else None
        throttle_wait = self._record_cost(shop, operation, cost) if isinstance(cost, dict) else None
        errors = payload.get("errors")
        if errors and (response.status_code == 200 or not isinstance(errors, str)
                       or response.status_code in (401, 403)):
            raise error_from_errors(errors, retry_after=hint if hint is not None else throttle_wait)
        failed = error_from_status(response.status_code, retry_after=hint)
        if failed is not None:
            raise at_url(failed, response)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise error_from_errors([{"message": "answer has no data"}])
        return data

    # ------------------------------------------------------------------ cost
    def _record_cost(self, shop: ShopConfig, operation: str, cost: dict[str, Any]) -> float | None:
        """Remember the bucket; return the refill time a THROTTLED answer implies."""
        requested = _number(cost.get("requestedQueryCost")) or 0.0
        actual = _number(cost.get("actualQueryCost"))
        if requested:
            self._costs[operation] = requested
        status = cost.get("throttleStatus")
        keys = ("maximumAvailable", "currentlyAvailable", "restoreRate")
        figures = [_number(status.get(k)) for k in keys] if isinstance(status, dict) else [None]
        if any(f is None or f == float("inf") for f in figures):
            return None
        maximum, available, rate = (float(f) for f in figures if f is not None)
        bucket = Bucket(maximum, min(available, maximum), rate, self.clock())
        self.buckets[shop.shop_id] = bucket
        if actual is None:  # not executed (throttled): nothing charged
            if not bucket.restore_rate:
                return None
            return max(0.0, requested - bucket.available) / bucket.restore_rate
        self.cost_requested += requested
        self.cost_actual += actual
        return None

    async def _pace(self, shop: ShopConfig, operation: str) -> None:
        """Wait, before sending, for the bucket to hold what this operation cost last time."""
        bucket = self.buckets.get(shop.shop_id)
        if bucket is None or bucket.restore_rate <= 0:
            return
        cost = min(self._costs.get(operation, DEFAULT_COST), bucket.maximum)
        available = bucket.projected(self.clock())
        if cost > available:
            wait = min((cost - available) / bucket.restore_rate, self.max_hint)
            self._waited(wait)
            await self.sleep(wait)
        bucket.available, bucket.at = bucket.projected(self.clock()) - cost, self.clock()

    # ------------------------------------------------------------------ retry policy
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "retry_after", None)
        if hint is not None:
            return min(float(hint), self.max_hint)
        return float(self._backoff(state))

    async def _do_sleep(self, seconds: float) -> None:
        self._waited(seconds)
        await self.sleep(seconds)

    def _waited(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.wait_count += 1
        self.waited_s += seconds

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("shopify: attempt %d failed (%s), retrying", state.attempt_number, exc)


def _number(value: object) -> float | None:
    """A cost figure as Shopify sends it (a JSON number); anything else is ignored, not trusted."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and value >= 0 else None


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ConnectorError) and exc.retryable


def _retryable_write(exc: BaseException) -> bool:
    return _retryable(exc) and not isinstance(exc, _Ambiguous)


__all__ = ["API_VERSION", "Bucket", "RateLimited", "ShopifyClient", "endpoint"]
