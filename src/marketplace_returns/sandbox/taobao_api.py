"""The sandbox's TOP router: ``/router/rest`` speaking Taobao's request and answer formats.

Why it is strict: the sandbox is what the connector's end-to-end tests and benchmarks run against, so
it refuses what TOP refuses — a wrong signature (any of the three sign methods) is code 25, an unknown
app key 29, a wrong session 27, a malformed timestamp 31, an unknown method 22 — and it answers in
TOP's classic envelope (``<name>_response`` / ``error_response``). Faults drawn from ``state.faults``
imitate the platform on a bad day: flow control (code 7 with the ban's seconds), 5xx both as a bare
HTTP 500/503 and as an ``isp.*`` error_response, slow answers, and listing pages that repeat records
of the previous page or come in another order.

All refund state lives in ``state`` (``sandbox/state.py``); this module only translates.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from marketplace_returns.connectors.taobao.client import response_key
from marketplace_returns.connectors.taobao.signing import SIGN_METHODS, parse_timestamp, verify
from marketplace_returns.sandbox import taobao_render as render
from marketplace_returns.sandbox.taobao_render import TopError

Handler = Callable[[Any, Any, dict[str, str]], Awaitable[dict[str, Any]]]
TIMEOUT_SECONDS = 3.0


def _json(body: dict[str, Any], status: int = 200) -> Response:
    """Compact UTF-8 JSON, as Starlette's ``JSONResponse`` writes it, by orjson (the stdlib encoder was
    an eighth of the router's CPU on listing pages)."""
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _error(code: int, msg: str, sub_code: str | None = None, sub_msg: str | None = None,
           status: int = 200) -> Response:
    body: dict[str, Any] = {"code": code, "msg": msg, "request_id": f"sbx{random.getrandbits(40):x}"}
    if sub_code:
        body["sub_code"] = sub_code
    if sub_msg:
        body["sub_msg"] = sub_msg
    return _json({"error_response": body}, status=status)


def routes(state: Any) -> list[BaseRoute]:
    """The TOP router over ``state``, for the sandbox app to mount."""

    async def router(request: Request) -> Response:
        params: dict[str, str] = dict(request.query_params)
        if request.method == "POST":  # urlencoded form, read without python-multipart
            text = (await request.body()).decode("utf-8", "replace")
            params.update(parse_qsl(text, keep_blank_values=True))
        state.counters["top.requests"] += 1
        refused = _authenticate(state, params)
        if isinstance(refused, Response):
            state.counters["top.refused"] += 1
            return refused
        shop = refused
        method = params["method"]
        handler = HANDLERS.get(method)
        if handler is None:
            return _error(22, "Invalid method", "isv.method-not-exist", f"{method} is not served")
        faulted = await _fault(state)
        if faulted is not None:
            return faulted
        if method in WRITE_METHODS and state.faults.draw("slow_write"):
            await asyncio.sleep(state.faults.timeout_seconds)  # then it lands, whoever still listens
        try:
            body = await handler(state, shop, params)
        except TopError as exc:
            state.counters[f"top.error.{exc.sub_code or exc.code}"] += 1
            return _error(exc.code, exc.msg, exc.sub_code, exc.sub_msg)
        state.counters[f"top.{method}"] += 1
        return _json({response_key(method): {**body, "request_id": f"sbx{random.getrandbits(40):x}"}})

    return [Route("/router/rest", router, methods=["GET", "POST"], name="top_router")]


def _authenticate(state: Any, params: dict[str, str]) -> Any:
    """The shop these parameters sign for, or the error_response TOP would give."""
    if not params.get("method"):
        return _error(21, "Missing method")
    app_key = params.get("app_key")
    if not app_key:
        return _error(28, "Missing app key")
    shop = state.shop_with("app_key", app_key)
    if shop is None:
        return _error(29, "Invalid app Key", "isv.appkey-not-exists")
    if not params.get("sign"):
        return _error(24, "Missing signature")
    if params.get("sign_method", "md5") not in SIGN_METHODS:
        return _error(41, "Invalid arguments:sign_method")
    if not verify(params, shop.app_secret):
        return _error(25, "Invalid signature")
    if not params.get("session"):
        return _error(26, "Missing session")
    if params["session"] != shop.session:
        return _error(27, "Invalid session", "invalid-sessionkey", "SessionKey非法")
    try:
        parse_timestamp(params.get("timestamp", ""))
    except ValueError:
        return _error(31, "Invalid timestamp", "isv.invalid-timestamp", "yyyy-MM-dd HH:mm:ss in GMT+8")
    return shop


async def _fault(state: Any) -> Response | None:
    faults = state.faults
    if faults.draw("timeout"):  # a stall, then the call goes on: a write may land after the client gave up
        await asyncio.sleep(getattr(faults, "timeout_seconds", TIMEOUT_SECONDS))
    if faults.draw("throttle"):
        return _error(7, "App Call Limited", "accesscontrol.limited-by-app-access-count",
                      "This ban will last for 1 more seconds")
    if faults.draw("5xx"):
        rng = getattr(faults, "rng", random)  # the plan's seeded generator, so a failing run replays
        if rng.random() < 0.5:
            return Response("Service Unavailable", status_code=rng.choice((500, 503)))
        return _error(15, "Remote service error", "isp.top-remote-connection-timeout",
                      "远程服务调用超时")
    return None


def _int(params: dict[str, str], name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise TopError(41, f"Invalid arguments:{name}", "isv.invalid-parameter", f"{name} 不是整数") from None
    if value < low or (high is not None and value > high):
        raise TopError(41, f"Invalid arguments:{name}", "isv.invalid-parameter", f"{name} 超出范围")
    return value


def _time(params: dict[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise TopError(41, f"Invalid arguments:{name}", "isv.invalid-parameter",
                       f"{name} 格式应为 yyyy-MM-dd HH:mm:ss") from None


def _fields(params: dict[str, str]) -> set[str] | None:
    text = params.get("fields")
    return {f.strip() for f in text.split(",") if f.strip()} if text else None


async def receive_get(state: Any, shop: Any, params: dict[str, str]) -> dict[str, Any]:
    start, end = _time(params, "start_modified"), _time(params, "end_modified")
    page_no = _int(params, "page_no", 1)
    page_size = _int(params, "page_size", 40, high=100)
    hits = render.changed(state, shop, start, end, params.get("status"))
    offset = (page_no - 1) * page_size
    page = hits[offset: offset + page_size]
    if state.faults.draw("duplicate_page") and offset:
        page = hits[max(0, offset - 5): offset] + page  # records of the previous page again
    if state.faults.draw("reorder_page"):
        page = page[::-1]
    fields = _fields(params)
    body: dict[str, Any] = {"refunds": {"refund": [render.listed(r, fields) for r in page]}}
    if params.get("use_has_next") == "true":
        body["has_next"] = offset + page_size < len(hits)
    else:
        body["total_results"] = len(hits)
    return body


async def refund_get(state: Any, shop: Any, params: dict[str, str]) -> dict[str, Any]:
    refund = render.owned(state, shop, params.get("refund_id"))
    return {"refund": render.detail(refund, _fields(params))}


async def messages_get(state: Any, shop: Any, params: dict[str, str]) -> dict[str, Any]:
    refund = render.owned(state, shop, params.get("refund_id"))
    messages = render.messages(refund)
    page_no, page_size = _int(params, "page_no", 1), _int(params, "page_size", 40, high=100)
    page = messages[(page_no - 1) * page_size: page_no * page_size]
    return {"refund_messages": {"refund_message": page}, "total_results": len(messages)}


async def refunds_agree(state: Any, shop: Any, params: dict[str, str]) -> dict[str, Any]:
    infos = [i for i in (params.get("refund_infos") or "").split(",") if i.strip()]
    if not infos or len(infos) > 20:
        raise TopError(41, "Invalid arguments:refund_infos", "isv.invalid-parameter", "1 到 20 笔退款")
    results = []
    for info in infos:
        parts = info.split("|")
        if len(parts) != 4 or not parts[1].isdigit():
            raise TopError(41, "Invalid arguments:refund_infos", "isv.invalid-parameter",
                           "格式 refund_id|amount|version|phase")
        refund_id, fen, version, phase = parts
        render.transition(state, shop, refund_id, "rp.refunds.agree", params,
                          version=version, phase=phase, amount_fen=int(fen))
        results.append({"refund_id": refund_id, "succ": True, "message": "操作成功"})
    return {"results": {"refund_mapping_result": results}, "msg_code": "OP_SUCC", "succ": True}


def _single(api: str, *, amount: bool = False) -> Handler:
    async def handler(state: Any, shop: Any, params: dict[str, str]) -> dict[str, Any]:
        fen = _int(params, "refund_fee", 0, low=0) if amount else None
        refund = render.transition(state, shop, params.get("refund_id"), api, params,
                                   version=params.get("refund_version"), phase=params.get("refund_phase"),
                                   amount_fen=fen)
        if api == "refund.message.add":
            return {"refund_message": render.last_message(refund)}
        if api == "refund.refuse":
            return {"is_success": True, "refund": render.summary(refund)}
        return {"is_success": True}

    return handler


WRITE_METHODS = frozenset({"taobao.rp.refunds.agree", "taobao.rp.returngoods.agree",
                           "taobao.rp.returngoods.refuse", "taobao.refund.refuse",
                           "taobao.refund.message.add", "taobao.refund.negotiatereturn"})
"""The methods that change a refund (the ``slow_write`` fault stalls these alone)."""

HANDLERS: dict[str, Handler] = {
    "taobao.refunds.receive.get": receive_get,
    "taobao.refund.get": refund_get,
    "taobao.refund.messages.get": messages_get,
    "taobao.rp.refunds.agree": refunds_agree,
    "taobao.rp.returngoods.agree": _single("rp.returngoods.agree"),
    "taobao.rp.returngoods.refuse": _single("rp.returngoods.refuse"),
    "taobao.refund.refuse": _single("refund.refuse"),
    "taobao.refund.message.add": _single("refund.message.add"),
    "taobao.refund.negotiatereturn": _single("refund.negotiatereturn", amount=True),
}
