"""Resolvers for the sandbox's Shopify endpoint: ``orders`` paging, ``node``/``return``, four mutations.

Why hand-written over graphql-core's executor: graphql-core does the selection, typing and nulls; these
functions only find records in the state and turn writes into ``state.transition`` calls. Paging is
keyset on ``(updatedAt, id)`` with an opaque base64 cursor, as Shopify's cursors are, so a record that
changes while a backfill pages through is seen again later rather than shifting the pages.
"""

from __future__ import annotations

import base64
import random
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import orjson
from graphql import GraphQLError, GraphQLResolveInfo, StringValueNode, VariableNode

from marketplace_returns.sandbox import shopify_render as render
from marketplace_returns.sandbox.exceptions import SandboxError, SandboxNotFound, SandboxStale

MAX_FIRST: Final = 250
_TERM = re.compile(r"updated_at:(>=|<=|>|<)'?([0-9T:\-+.Z]+)'?")
_STALE = {"approve_return": "Return is not approvable. Only returns with status REQUESTED can be approved.",
          "decline_return": "Return is not declinable. Only returns with status REQUESTED can be declined.",
          "process_return": "Return is not processable in its current status.",
          "refund_create": "The order is no longer refundable: its return status moved on."}


@dataclass
class Context:
    state: Any
    shop: Any
    faults: Any
    order_index: dict[str, str] = field(default_factory=dict)


def _cursor(refund: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([refund.modified.isoformat(), refund.refund_id])).decode()


def _uncursor(text: str) -> tuple[datetime, str]:
    try:
        when, rid = orjson.loads(base64.urlsafe_b64decode(text.encode()))
        return datetime.fromisoformat(when), str(rid)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise GraphQLError(f"Invalid cursor: {text[:40]}") from None


def search_window(query: str | None) -> tuple[datetime | None, datetime | None]:
    start = end = None
    for op, value in _TERM.findall(query or ""):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise GraphQLError(f"Invalid updated_at value {value!r}") from None
        if op in (">=", ">"):
            start = moment + (timedelta(seconds=1) if op == ">" else timedelta(0))
        else:
            end = moment + (timedelta(seconds=1) if op == "<=" else timedelta(0))
    return start, end


def orders(ctx: Context, first: int | None = None, after: str | None = None, query: str | None = None,
           reverse: bool | None = None, **_: Any) -> dict[str, Any]:
    size = 50 if first is None else first
    if not 1 <= size <= MAX_FIRST:
        raise GraphQLError(f"first must be between 1 and {MAX_FIRST}")
    start, end = search_window(query)
    with ctx.state.lock:
        items = ctx.state.refunds_changed("shopify", ctx.shop.shop_id, start, end)
        keys = [(r.modified, r.refund_id) for r in items]
        i = bisect_right(keys, _uncursor(after)) if after else 0
        page = items[i:i + size]
        nodes = [render.order(r, ctx.state) for r in page]
        if i and ctx.faults.draw("duplicate_page"):  # repeat the tail of the previous page
            ctx.state.counters["shopify.fault.duplicate_page"] += 1
            nodes = [render.order(r, ctx.state) for r in items[max(0, i - 3):i]] + nodes
        if len(nodes) > 1 and ctx.faults.draw("reorder_page"):
            ctx.state.counters["shopify.fault.reorder_page"] += 1
            random.Random(i).shuffle(nodes)
    more = i + size < len(items)
    return {"nodes": nodes, "pageInfo": {"hasNextPage": more, "hasPreviousPage": i > 0,
                                         "startCursor": _cursor(page[0]) if page else None,
                                         "endCursor": _cursor(page[-1]) if page else None}}


def _refund(ctx: Context, return_gid: str) -> Any:
    rid = render.parse_gid(return_gid, "Return")
    refund = ctx.state.get(rid) if rid else None
    if refund is None or refund.platform != "shopify" or refund.shop_id != ctx.shop.shop_id:
        return None
    return refund


def node(ctx: Context, id: str) -> dict[str, Any] | None:
    with ctx.state.lock:
        refund = _refund(ctx, id)
        return render.return_(refund, ctx.state) if refund is not None else None


def _idempotency_key(info: GraphQLResolveInfo) -> str | None:
    for directive in info.field_nodes[0].directives:
        if directive.name.value == "idempotent":
            for arg in directive.arguments:
                if isinstance(arg.value, VariableNode):
                    return str(info.variable_values.get(arg.value.name.value) or "") or None
                if isinstance(arg.value, StringValueNode):
                    return arg.value.value or None
    return None


def _write(ctx: Context, refund_id: str | None, action: str, api: str, params: dict[str, Any],
           key: str | None, field_name: str) -> tuple[Any, list[dict[str, Any]]]:
    refund = ctx.state.get(refund_id) if refund_id else None
    try:
        if refund is None or refund.platform != "shopify":
            raise SandboxNotFound(f"{field_name} does not exist")
        refund = ctx.state.transition(refund.refund_id, action=action, api_method=api,
                                      shop_id=ctx.shop.shop_id, params=params,
                                      expected_version=refund.version, idempotency_key=key)
    except SandboxNotFound:
        message = f"{field_name.title()} does not exist."
        return None, [{"code": "NOT_FOUND", "field": ["id"], "message": message}]
    except SandboxStale:
        return None, [{"code": "INVALID_STATE", "field": ["id"], "message": _STALE[action]}]
    except SandboxError as exc:
        return None, [{"code": "INVALID", "field": ["input"], "message": str(exc)}]
    return refund, []


def return_mutation(action: str, api: str) -> Any:
    def resolve(ctx: Context, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        params = {k: v for k, v in input.items() if k not in ("id", "returnId", "returnLineItems",
                                                                "financialTransfer")}
        transfer = ((input.get("financialTransfer") or {}).get("issueRefund") or {}).get("orderTransactions")
        if transfer:
            amounts = (Decimal(str(t["transactionAmount"]["amount"])) for t in transfer)
            params["amount"] = sum(amounts, Decimal(0))
        rid = render.parse_gid(str(input.get("id") or input.get("returnId") or ""), "Return")
        with ctx.state.lock:
            refund, errors = _write(ctx, rid, action, api, params, _idempotency_key(info), "return")
            return {"return": render.return_(refund, ctx.state) if refund else None, "userErrors": errors}

    return resolve


def refund_create(ctx: Context, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    order_id = render.parse_gid(str(input.get("orderId") or ""), "Order") or ""
    refunds = [t for t in input.get("transactions") or [] if t.get("kind") == "REFUND"]
    amounts = (Decimal(str(t["amount"])) for t in refunds)
    amount = sum(amounts, Decimal(0))
    with_return = any(li.get("restockType") == "RETURN" for li in input.get("refundLineItems") or [])
    params = {"amount": amount if amount else None, "with_return": with_return, "note": input.get("note")}
    key = _idempotency_key(info)
    with ctx.state.lock:
        refund, errors = _write(ctx, _by_order(ctx, order_id), "refund_create", "refundCreate", params, key,
                                "order")
        if errors:
            return {"refund": None, "order": None,
                    "userErrors": [{"field": e["field"], "message": e["message"]} for e in errors]}
        node_ = render.return_(refund, ctx.state)
        made = [r for r in node_["refunds"]["nodes"] if key is None or key in str(r.get("note") or "")]
        return {"refund": (made or node_["refunds"]["nodes"])[-1], "order": node_["order"], "userErrors": []}


def _by_order(ctx: Context, order_id: str) -> str | None:
    if order_id not in ctx.order_index:
        ctx.order_index.update({r.order_id: r.refund_id for r in ctx.state.refunds.values()
                                if r.platform == "shopify" and r.shop_id == ctx.shop.shop_id})
    return ctx.order_index.get(order_id)


def root(ctx: Context) -> dict[str, Any]:
    """The root value: graphql-core calls each callable with ``(info, **arguments)``."""
    approve = return_mutation("approve_return", "returnApproveRequest")
    decline = return_mutation("decline_return", "returnDeclineRequest")
    process = return_mutation("process_return", "returnProcess")
    return {
        "orders": lambda info, **kw: orders(ctx, **kw),
        "node": lambda info, id: node(ctx, id),
        "return": lambda info, id: node(ctx, id),
        "returnApproveRequest": lambda info, input: approve(ctx, info, input),
        "returnDeclineRequest": lambda info, input: decline(ctx, info, input),
        "returnProcess": lambda info, input: process(ctx, info, input),
        "refundCreate": lambda info, input: refund_create(ctx, info, input),
    }
