"""An async TOP client: signs, posts, classifies the answer, retries by the table.

Why it exists apart from the connector: every TOP call shares one envelope (method, app_key, session,
timestamp, v=2.0, format=json, sign_method, sign), one answer shape (``<name>_response`` or
``error_response``) and one retry policy. Keeping that here means the connector only deals in refunds.

* Retries are configured once, in the constructor, with tenacity: exponential backoff with full
  jitter, except that the server's hint wins (TOP's "This ban will last for N more seconds").
* httpx exceptions become ``TransportError`` in ``_post`` and nowhere else.
* Writes are retried only when the router certainly refused the call (flow control, an ``isp.*``
  error_response); an ambiguous failure (timeout, bare 5xx) is raised so that the connector can look
  whether the effect is already there before anything is sent twice.
* The shop's credentials are read per call from ``ShopConfig`` (``SecretStr``) and never kept on the
  client, logged, or put into an error's text.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from marketplace_returns.connectors.base import WAITS_KEPT, ShopConfig, at_url
from marketplace_returns.connectors.taobao.errors import error_from_response, error_from_status
from marketplace_returns.connectors.taobao.signing import SIGN_METHODS, now_timestamp, sign
from marketplace_returns.errors import (
    ConfigError,
    ConnectorError,
    RateLimited,
    TransportError,
    WriteOutcomeUnknown,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class _Ambiguous(ConnectorError):
    """Internal marker: a write failed without a TOP answer (it may or may not have taken effect)."""


def response_key(method: str) -> str:
    """``taobao.refunds.receive.get`` answers under ``refunds_receive_get_response``."""
    name = method.removeprefix("taobao.").removeprefix("tmall.")
    return name.replace(".", "_") + "_response"


class TopClient:
    """Calls TOP methods for any shop; one instance per connector, shared by all its shops."""

    def __init__(self, http: httpx.AsyncClient, *, platform: str = "taobao", max_attempts: int = 6,
                 backoff_base: float = 0.5, backoff_max: float = 30.0, max_hint: float = 120.0,
                 sleep: Sleep = asyncio.sleep) -> None:
        if max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1", path="max_attempts")
        self.http = http
        self.platform = platform
        self.max_attempts = max_attempts
        self.max_hint = max_hint
        self.calls: Counter[str] = Counter()
        """API calls sent (each attempt counts), by TOP method name."""
        self.waits: deque[float] = deque(maxlen=WAITS_KEPT)
        """Seconds waited before the latest retries (for tests; bounded, a worker runs for weeks)."""
        self.wait_count = 0
        self.waited_s = 0.0
        """Retries and seconds waited over the client's life (for the benchmarks)."""
        self._backoff = wait_random_exponential(multiplier=backoff_base, max=backoff_max)
        self.sleep = sleep
        common: dict[str, Any] = {"stop": stop_after_attempt(max_attempts), "wait": self._wait,
                                  "reraise": True, "sleep": self._do_sleep,
                                  "before_sleep": self._log_retry}
        self._read_retrying = AsyncRetrying(retry=retry_if_exception(_retry_read), **common)
        self._write_retrying = AsyncRetrying(retry=retry_if_exception(_retry_write), **common)

    def __repr__(self) -> str:
        return f"TopClient(platform={self.platform!r}, max_attempts={self.max_attempts})"

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    async def call(self, shop: ShopConfig, method: str, params: Mapping[str, object] | None = None,
                   *, write: bool = False) -> dict[str, Any]:
        """Call ``method`` for ``shop``; the body under ``<name>_response``, or a typed error."""
        retrying = self._write_retrying if write else self._read_retrying
        try:
            result: dict[str, Any] = await retrying(self._once, shop, method, dict(params or {}), write)
        except _Ambiguous as exc:
            raise WriteOutcomeUnknown(exc.message, platform=self.platform, code=exc.code) from None
        return result

    def signed_params(self, shop: ShopConfig, method: str, params: Mapping[str, object]) -> dict[str, str]:
        """The full form TOP expects, signed. Values are strings; empty ones are left out."""
        if shop.sign_method not in SIGN_METHODS:
            raise ConfigError(f"unknown sign_method {shop.sign_method!r}",
                              path=f"shops.{shop.shop_id}.sign_method", hint=", ".join(SIGN_METHODS))
        form: dict[str, str] = {
            "method": method, "app_key": shop.secret("app_key"), "session": shop.secret("session"),
            "timestamp": now_timestamp(), "format": "json", "v": "2.0", "sign_method": shop.sign_method,
        }
        for key, value in params.items():
            if value is None:
                continue
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if text != "":
                form[key] = text
        form["sign"] = sign(form, shop.secret("app_secret"), shop.sign_method)
        return form

    async def _once(self, shop: ShopConfig, method: str, params: dict[str, object],
                    write: bool) -> dict[str, Any]:
        form = self.signed_params(shop, method, params)
        self.calls[method] += 1
        response = await self._post(shop.base_url, form, write=write)
        return self._parse(method, response, write=write)

    async def _post(self, url: str, form: dict[str, str], *, write: bool) -> httpx.Response:
        """The one place where httpx exceptions are translated."""
        try:
            return await self.http.post(url, data=form)
        except httpx.TimeoutException as exc:
            cls = _Ambiguous if write else TransportError
            raise cls(f"timed out ({type(exc).__name__}) at {url}", platform=self.platform) from None
        except httpx.HTTPError as exc:
            # A connect error means nothing was sent: safe to retry even a write.
            connect = isinstance(exc, httpx.ConnectError)
            cls = _Ambiguous if write and not connect else TransportError
            raise cls(f"connection failed ({type(exc).__name__}) to {url}", platform=self.platform) from None

    def _parse(self, method: str, response: httpx.Response, *, write: bool) -> dict[str, Any]:
        body: Any = None
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict) and "error_response" in body:
            error = error_from_response(body, platform=self.platform)
            if error is None:
                return {"ignored_error": body["error_response"]}
            raise error
        if response.status_code != 200 or not isinstance(body, dict):
            error = at_url(error_from_status(response.status_code, platform=self.platform,
                                             reason=response.reason_phrase if response.status_code != 200
                                             else "answer is not a JSON object"), response)
            if write and error.retryable and not isinstance(error, RateLimited):
                raise _Ambiguous(error.message, platform=self.platform, code=error.code)
            raise error
        inner = body.get(response_key(method))
        if not isinstance(inner, dict):
            raise error_from_status(502, platform=self.platform,
                                    reason=f"no {response_key(method)} in answer")
        return inner

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "retry_after", None)
        if isinstance(hint, int | float) and hint >= 0:
            return float(min(hint, self.max_hint))  # the server's hint wins over our backoff
        return float(self._backoff(state))

    async def _do_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.wait_count += 1
        self.waited_s += seconds
        await self.sleep(seconds)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info("TOP %s retry %d after %s", self.platform, state.attempt_number, exc)


def _retry_read(exc: BaseException) -> bool:
    return isinstance(exc, ConnectorError) and exc.retryable


def _retry_write(exc: BaseException) -> bool:
    return isinstance(exc, ConnectorError) and exc.retryable and not isinstance(exc, _Ambiguous)
