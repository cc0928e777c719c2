"""Sandbox refunds as TOP records, and TOP writes as sandbox transitions.

Why apart from the router: the router speaks the wire (signatures, envelopes, faults); this module is
the only place that knows the sandbox state's objects, so a change in ``state.py`` touches one file.
Records are written the way TOP writes them: ids as numbers, money as yuan strings with two decimals,
times as GMT+8 ``yyyy-MM-dd HH:mm:ss``.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace_returns.connectors.taobao.signing import format_timestamp

STALE_SUB_CODE = "isv.refund-version-not-match"


class TopError(Exception):
    """Raised by a handler to answer with an ``error_response``."""

    def __init__(self, code: int, msg: str, sub_code: str | None = None, sub_msg: str | None = None) -> None:
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg
        super().__init__(msg)


LIST_FIELDS = frozenset({
    "refund_id", "tid", "oid", "title", "buyer_nick", "seller_nick", "total_fee", "status", "created",
    "refund_fee", "good_status", "company_name", "sid", "payment", "reason", "desc", "has_good_return",
    "modified", "order_status", "refund_phase", "dispute_type",
})
# Sandbox extras served on the refund (TOP keeps them on the trade): see connectors/taobao/README.md.
EXTRA_FIELDS = frozenset({"ship_by", "consign_time"})
API_ACTIONS = {
    "rp.returngoods.agree": "agree_return",
    "rp.returngoods.refuse": "refuse_return",
    "refund.refuse": "refuse",
    "refund.message.add": "message",
    "refund.negotiatereturn": "negotiate",
}


def _wire(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def record(refund: Any) -> dict[str, Any]:
    """The full TOP ``Refund`` of a sandbox refund."""
    data: dict[str, Any] = refund.to_top()
    return {k: _wire(v) for k, v in data.items() if v is not None}


def listed(refund: Any, fields: set[str] | None) -> dict[str, Any]:
    wanted = (fields & LIST_FIELDS) if fields else LIST_FIELDS
    return {k: v for k, v in record(refund).items() if k in wanted or k in EXTRA_FIELDS}


def detail(refund: Any, fields: set[str] | None) -> dict[str, Any]:
    full = record(refund)
    if not fields:
        return full
    return {k: v for k, v in full.items() if k in fields or k in EXTRA_FIELDS}


def summary(refund: Any) -> dict[str, Any]:
    full = record(refund)
    return {k: full[k] for k in ("refund_id", "status", "modified") if k in full}


def messages(refund: Any) -> list[dict[str, Any]]:
    return [_wire(m) for m in refund.top_messages()]


def last_message(refund: Any) -> dict[str, Any]:
    found = messages(refund)
    return {k: found[-1][k] for k in ("id", "created") if k in found[-1]} if found else {}


def changed(state: Any, shop: Any, start: datetime | None, end: datetime | None,
            status: str | None) -> list[Any]:
    # TOP's end_modified is inclusive and whole seconds; the state's windows are [start, end).
    stop = end + timedelta(seconds=1) if end is not None else None
    hits = state.refunds_changed(getattr(shop, "platform", "taobao"), shop.shop_id, start, stop)
    return [r for r in hits if not status or r.status == status]


def _state_error(state: Any, name: str) -> type[Exception]:
    """The state's own exception class ``name`` (SandboxNotFound, SandboxStale, SandboxInvalid)."""
    found: type[Exception] = getattr(sys.modules[type(state).__module__], name)
    return found


def owned(state: Any, shop: Any, refund_id: str | None) -> Any:
    not_found = _state_error(state, "SandboxNotFound")
    if not refund_id:
        raise TopError(40, "Missing required arguments:refund_id", "isv.missing-parameter")
    try:
        refund = state.get(str(refund_id))
    except not_found:
        refund = None
    if refund is None or refund.shop_id != shop.shop_id:
        raise TopError(15, "Remote service error", "isv.refund-not-exist", f"退款 {refund_id} 不存在")
    return refund


def transition(state: Any, shop: Any, refund_id: str | None, api: str, params: dict[str, str], *,
               version: str | None, phase: str | None, amount_fen: int | None) -> Any:
    """Apply one TOP write to the state; the state's refusals become TOP's error answers."""
    stale, invalid = _state_error(state, "SandboxStale"), _state_error(state, "SandboxInvalid")
    refund = owned(state, shop, refund_id)
    if api == "rp.refunds.agree":
        action = "confirm_goods" if refund.status == "WAIT_SELLER_CONFIRM_GOODS" else "agree_refund"
    else:
        action = API_ACTIONS[api]
    payload = dict(params)
    if amount_fen is not None:
        payload["amount"] = str(Decimal(amount_fen) / 100)
    expected = f"{version}|{phase or ''}" if version else None
    try:
        return state.transition(str(refund_id), action=action, api_method=f"taobao.{api}",
                                shop_id=shop.shop_id, params=payload, expected_version=expected,
                                idempotency_key=None)
    except stale as exc:
        raise TopError(15, "Remote service error", STALE_SUB_CODE, f"退款版本已变更: {exc}") from None
    except invalid as exc:
        raise TopError(15, "Remote service error", "isv.refund-status-not-support", str(exc)) from None
