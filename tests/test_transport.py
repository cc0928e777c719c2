"""The aiohttp-backed httpx transport, over real loopback sockets.

What matters most is which failures say "nothing was sent": the platform clients retry a write only
after a ``ConnectError``, so a connection that broke after the request went out must not become one.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest

from marketplace_returns.connectors.transport import AiohttpTransport, platform_http_client

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_a_form_post_round_trips_with_status_headers_and_gzip_decoded() -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                seen.append(await read_request(reader))
            except asyncio.IncompleteReadError:
                break
            body = gzip.compress(orjson.dumps({"ok": len(seen)}))
            writer.write(b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                         b"Content-Encoding: gzip\r\nRetry-After: 7\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
        writer.close()

    async with raw_server(handler) as url, platform_http_client(timeout=5) as http:
        first = await http.post(url + "/router/rest", data={"method": "taobao.refund.get", "x": "a b&c"})
        second = await http.post(url + "/router/rest", data={"n": "2"})

    assert first.status_code == 429
    assert first.reason_phrase == "Too Many Requests"
    assert first.headers["Retry-After"] == "7"
    assert first.json() == {"ok": 1}  # decoded by httpx from the gzip bytes
    assert second.json() == {"ok": 2}
    head, body = seen[0]
    assert head.startswith(b"POST /router/rest HTTP/1.1\r\n")
    assert b"content-type: application/x-www-form-urlencoded" in head.lower()
    assert body == b"method=taobao.refund.get&x=a+b%26c"
    assert len(seen) == 2


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with platform_http_client(timeout=5) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(f"http://127.0.0.1:{free_port()}/", data={"a": "1"})


async def test_a_connection_closed_after_the_request_is_not_a_connect_error() -> None:
    """The request reached the server: a write may have taken effect, so this must stay ambiguous."""
    received: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append((await read_request(reader))[1])
        writer.close()

    async with raw_server(handler) as url, platform_http_client(timeout=5) as http:
        with pytest.raises(httpx.TransportError) as caught:
            await http.post(url, data={"refund_id": "1"})
    assert received == [b"refund_id=1"]
    assert not isinstance(caught.value, httpx.ConnectError)
    assert isinstance(caught.value, httpx.RemoteProtocolError)


async def test_a_silent_server_is_a_read_timeout() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()
        writer.close()

    async with raw_server(handler) as url, platform_http_client(timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post(url, data={"a": "1"})
        release.set()


async def test_connections_are_kept_and_reused() -> None:
    peers: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer.get_extra_info("peername")[1])
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
        writer.close()

    async with raw_server(handler) as url, platform_http_client(timeout=5) as http:
        for _ in range(20):
            assert (await http.post(url, data={"a": "1"})).status_code == 200
    assert len(peers) == 1


def test_a_client_is_bound_to_its_event_loop_until_closed() -> None:
    """An aiohttp session belongs to one loop: another loop gets a clear error, not a hang."""
    http = platform_http_client(timeout=5)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()
        writer.close()

    async def once() -> int:
        async with raw_server(handler) as url:
            return (await http.post(url, data={"a": "1"})).status_code

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(once()) == 204
        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(once())
        assert loop.run_until_complete(once()) == 204
        loop.run_until_complete(http.aclose())
    finally:
        loop.close()


def test_proxies_come_from_the_environment_once_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy.internal:3128")
    monkeypatch.setenv("no_proxy", "eco.taobao.com")
    transport = AiohttpTransport()
    assert transport.proxy(httpx.URL("https://shop-1.myshopify.com/admin/api")) == "http://proxy.internal:3128"
    assert transport.proxy(httpx.URL("https://eco.taobao.com/router/rest")) is None  # NO_PROXY
    assert transport.proxy(httpx.URL("http://127.0.0.1:8000/")) is None  # no proxy for http
    assert AiohttpTransport(trust_env=False).proxy(httpx.URL("https://shop-1.myshopify.com/")) is None


async def test_cookies_are_httpx_s_alone() -> None:
    """httpx keeps the cookies. A jar in the transport's session would be a second copy: a cookie
    cleared from the client would still be sent."""
    heads: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                heads.append((await read_request(reader))[0])
            except asyncio.IncompleteReadError:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nSet-Cookie: _session=abc; Path=/\r\n"
                         b"Content-Length: 2\r\n\r\n{}")
            await writer.drain()
        writer.close()

    def cookies(head: bytes) -> list[bytes]:
        return [line.lower() for line in head.split(b"\r\n") if line.lower().startswith(b"cookie:")]

    async with raw_server(handler) as url, platform_http_client(timeout=5) as http:
        named = url.replace("127.0.0.1", "localhost")  # a jar keeps no cookies for a bare IP address
        await http.post(named + "/a", data={"a": "1"})
        await http.post(named + "/b", data={"a": "2"})
        http.cookies.clear()
        await http.post(named + "/c", data={"a": "3"})
    assert cookies(heads[1]) == [b"cookie: _session=abc"]
    assert cookies(heads[2]) == []


@pytest.mark.parametrize("platform", ["taobao", "tmall", "shopify"])
async def test_a_connector_given_no_client_sends_over_aiohttp(platform: str) -> None:
    from marketplace_returns.connectors.registry import create_connector

    connector: Any = create_connector(platform)
    http = connector.client.http
    assert isinstance(http._transport, AiohttpTransport)
    assert http.timeout.read == 10.0 and not http.trust_env
    await connector.aclose()
    assert http.is_closed
