"""An httpx transport that sends over aiohttp, and the platform clients' default ``httpx.AsyncClient``.

Why: a worker spends most of its CPU on HTTP. httpcore checks every idle pooled connection (a poll()
and a getpeername()) before each request and runs through anyio; aiohttp's pool and its C parser do
the same job for half to a fifth of the CPU per call (bench/http_client.py measures both). The clients
keep httpx's API, so retries, errors, respx in unit tests and anything a caller passes in are
unchanged: only the bytes go another way.

The one thing a transport must get right here is which failures may have reached the platform. The
TOP client retries a write only after a ``ConnectError`` (nothing was sent); every other failure of a
write is ambiguous and is looked up before it is sent again (Shopify's writes carry Shopify's own
idempotency key as well). So aiohttp's errors are mapped narrowly: only a failure to connect is a
``ConnectError``; a connection that broke after the request went out is a read error or a protocol
error, and a timeout keeps its phase.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.request
from collections.abc import Iterator

import aiohttp
import httpx

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0)
"""As many kept connections as open ones: a worker polls hundreds of shops at once, and a pool that
closes a connection each time it goes idle reconnects for nearly every request. Idle ones go after 5 s,
httpx's own default, before most servers drop them (a request racing the server's close fails)."""

_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    # most specific first: the first match wins
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
    (aiohttp.ClientOSError, httpx.ReadError),
    (aiohttp.ClientError, httpx.RemoteProtocolError),
    (TimeoutError, httpx.ReadTimeout),
)


def translated(exc: BaseException) -> type[httpx.TransportError] | None:
    """The httpx exception class an aiohttp failure stands for (None: not a transport failure)."""
    for source, target in _ERRORS:
        if isinstance(exc, source):
            return target
    return None


@contextlib.contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        target = translated(exc)
        if target is None:
            raise
        raise target(f"{type(exc).__name__}: {exc}", request=request) from exc


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests with one ``aiohttp.ClientSession``, opened in the loop that first uses it and
    bound to it until ``aclose``.

    The response is read whole before it is handed back (platform answers are small JSON documents),
    still encoded: httpx decodes ``Content-Encoding`` as it would for its own transport.
    """

    def __init__(self, *, limits: httpx.Limits = DEFAULT_LIMITS, verify: bool = True,
                 trust_env: bool = True) -> None:
        self.limits = limits
        self.verify = verify
        self.trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._env_proxies = urllib.request.getproxies() if trust_env else {}
        self._proxy_for: dict[tuple[str, str], str | None] = {}

    def proxy(self, url: httpx.URL) -> str | None:
        """The proxy from the environment (``HTTPS_PROXY``, ``NO_PROXY``...) for ``url``'s origin.

        Read once per origin: aiohttp's own ``trust_env`` reads the environment on every request, which
        doubled the CPU of a call.
        """
        key = (url.scheme, url.host)
        if key not in self._proxy_for:
            proxy = self._env_proxies.get(url.scheme) or self._env_proxies.get("all")
            if proxy and urllib.request.proxy_bypass(url.host):
                proxy = None
            self._proxy_for[key] = proxy or None
        return self._proxy_for[key]

    def _session_here(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and not self._session.closed and self._loop is not loop:
            raise RuntimeError("this platform HTTP client was opened in another event loop; "
                               "close it there (aclose) or make one client per loop")
        if self._session is None or self._session.closed:
            ssl = httpx.create_ssl_context(verify=self.verify, trust_env=self.trust_env)
            connector = aiohttp.TCPConnector(limit=self.limits.max_connections or 0, limit_per_host=0,
                                             keepalive_timeout=self.limits.keepalive_expiry, ssl=ssl)
            # cookies are httpx's alone: a jar here would be a second copy (a cleared cookie still sent)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                                  cookie_jar=aiohttp.DummyCookieJar())
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        limits = aiohttp.ClientTimeout(connect=timeout.get("pool"), sock_connect=timeout.get("connect"),
                                       sock_read=timeout.get("read"))
        body = await request.aread()
        session = self._session_here()
        with _httpx_errors(request):
            async with session.request(
                request.method, str(request.url), headers=[(k.decode("latin-1"), v.decode("latin-1"))
                                                           for k, v in request.headers.raw],
                data=body or None, allow_redirects=False, compress=False, proxy=self.proxy(request.url),
                timeout=limits,
            ) as answer:
                content = await answer.read()
                status, reason, headers = answer.status, answer.reason, answer.raw_headers
        extensions: dict[str, object] = {"http_version": b"HTTP/1.1"}
        if reason:
            extensions["reason_phrase"] = reason.encode("ascii", "replace")
        return httpx.Response(status, headers=list(headers), stream=httpx.ByteStream(content),
                              request=request, extensions=extensions)

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def platform_http_client(*, timeout: float) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` a connector makes for itself when it is given none.

    httpx's own ``trust_env`` is off so that it mounts no proxy transports of its own: the transport
    reads the proxy settings (and ``SSL_CERT_FILE``) from the environment itself.
    """
    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(), trust_env=False)
