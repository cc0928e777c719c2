"""The sandbox's ASGI app: the platform routers over one state, plus the ``/_sandbox`` control endpoints.

Why control endpoints over HTTP: the demo, the end-to-end tests and the benchmarks drive a sandbox
running in another thread or process exactly as they drive the platform — over loopback — so they
set fault rates, add traffic, move the clock and read back the recorded actions with plain requests.
The platform routers are mounted when their modules are present (each exposes ``routes(state)``).
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from marketplace_returns.connectors.platform_clock import NOW_HEADER, SPEED_HEADER
from marketplace_returns.sandbox.state import SandboxRefund, SandboxState
from marketplace_returns.sandbox.traffic import TrafficGenerator

PLATFORM_ROUTERS = ("taobao_api", "shopify_api")
MAX_TRAFFIC_PER_CALL = 100_000


def jsonable(value: Any) -> Any:
    """Decimals as strings (never floats), datetimes as ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def refund_dict(refund: SandboxRefund) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(asdict(refund))
    return data


def platform_routes(state: SandboxState) -> list[BaseRoute]:
    """The routes of every platform router module that exists."""
    found: list[BaseRoute] = []
    for name in PLATFORM_ROUTERS:
        qualified = f"marketplace_returns.sandbox.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            continue
        found.extend(module.routes(state))
    return found


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def control_routes(state: SandboxState) -> list[BaseRoute]:
    traffic_lock = asyncio.Lock()

    async def actions(request: Request) -> JSONResponse:
        refund_id = request.query_params.get("refund_id")
        since = int(request.query_params.get("since_seq", "0") or 0)
        with state.lock:
            found = [a.as_dict() for a in state.actions[since:]
                     if refund_id is None or a.refund_id == refund_id]
        return JSONResponse(jsonable(found))

    async def snapshot(request: Request) -> JSONResponse:
        refund_id = request.query_params.get("refund_id")
        if refund_id is not None:
            refund = state.get(refund_id)
            if refund is None:
                return JSONResponse({"error": f"no refund {refund_id}"}, status_code=404)
            with state.lock:
                return JSONResponse(refund_dict(refund))
        return JSONResponse(jsonable(state.snapshot()))

    async def faults(request: Request) -> JSONResponse:
        try:
            body = await _body(request)
            rates = body.get("rates", {k: v for k, v in body.items() if k not in ("seed", "timeout_seconds")})
            state.faults.update({str(k): float(v) for k, v in rates.items()}, seed=body.get("seed"),
                                timeout_seconds=body.get("timeout_seconds"))
        except (ValueError, TypeError, AttributeError) as exc:
            return _bad(str(exc))
        return JSONResponse(state.faults.as_dict())

    async def traffic(request: Request) -> JSONResponse:
        try:
            body = await _body(request)
            count = int(body.get("count", 0))
            spread = float(body.get("spread_seconds", 0))
            if not 0 < count <= MAX_TRAFFIC_PER_CALL or spread < 0:
                raise ValueError(f"count must be within 1..{MAX_TRAFFIC_PER_CALL}, spread_seconds >= 0")
            names = body.get("shops") or list(state.shops)
            shops = [state.shops[str(n)] for n in names]
        except KeyError as exc:
            return _bad(f"unknown shop {exc.args[0]}")
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        async with traffic_lock:  # one generator run at a time; generation happens off the event loop
            with state.lock:
                if "seed" in body or state.traffic is None:
                    seed = int(body.get("seed", state.seed))
                    state.traffic = TrafficGenerator(seed, first_serial=state.serial + 1)
                generator = state.traffic
                generator.serial = max(generator.serial, state.serial + 1)
                start = state.clock.now_s()
            made = await run_in_threadpool(generator.generate, count, shops, start=start,
                                           spread=timedelta(seconds=spread),
                                           bursts=int(body.get("bursts", 3)))
            state.add_refunds(made)
        return JSONResponse({"added": len(made), "first": made[0].refund_id, "last": made[-1].refund_id,
                             "pending_traffic": state.pending})

    async def advance(request: Request) -> JSONResponse:
        try:
            body = await _body(request)
            seconds = float(body.get("seconds", 0))
            if "speed" in body:
                state.clock.set_speed(float(body["speed"]))
            done = state.advance(seconds)
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        return JSONResponse({"now": state.clock.now().isoformat(), "speed": state.clock.speed, "done": done})

    async def shops(request: Request) -> JSONResponse:
        return JSONResponse([s.as_dict() for s in state.shops.values()])

    return [
        Route("/_sandbox/actions", actions, methods=["GET"]),
        Route("/_sandbox/state", snapshot, methods=["GET"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST"]),
        Route("/_sandbox/traffic", traffic, methods=["POST"]),
        Route("/_sandbox/advance", advance, methods=["POST"]),
        Route("/_sandbox/shops", shops, methods=["GET"]),
    ]


class ClockHeaders:
    """Every answer states the sandbox's time, as a platform's ``Date`` header does: ``Date`` from the
    sandbox clock, plus ``X-Sandbox-Now`` (to the microsecond) and ``X-Sandbox-Speed``, so a connector
    caps its poll window on this clock even when it runs ahead of real time (connectors/platform_clock.py).
    """

    def __init__(self, app: Any, state: SandboxState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Any) -> None:
            if message["type"] == "http.response.start":
                now = self.state.clock.now()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers += [(b"date", format_datetime(now, usegmt=True).encode()),
                            (NOW_HEADER.encode(), now.isoformat().encode()),
                            (SPEED_HEADER.encode(), repr(self.state.clock.speed).encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, stamped)


def build_app(state: SandboxState) -> Starlette:
    """The sandbox marketplace over ``state``: platform routers and control endpoints."""
    app = Starlette(routes=[*platform_routes(state), *control_routes(state)],
                    middleware=[Middleware(ClockHeaders, state=state)])
    app.state.sandbox = state
    return app
