"""What each seller action does to a sandbox refund, and from which statuses it is allowed.

Why a table: the allowed-from sets are the platforms' rules in one place (TOP refuses to agree a
refund that is already closed; Shopify refuses to approve a return that is not requested), and an
action outside its set is *stale* — the refund moved on since the seller read it — not a bad call.
Amounts are checked here (``SandboxInvalid``): never zero or negative, never above what may be paid.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from marketplace_returns.sandbox.exceptions import SandboxInvalid, SandboxStale
from marketplace_returns.sandbox.records import SandboxRefund

if TYPE_CHECKING:
    from marketplace_returns.sandbox.state import SandboxState

WAIT_AGREE, WAIT_RETURN = "WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS"
WAIT_CONFIRM = "WAIT_SELLER_CONFIRM_GOODS"
ALLOWED: dict[str, frozenset[str]] = {
    "agree_refund": frozenset({WAIT_AGREE, WAIT_CONFIRM}),
    "agree_return": frozenset({WAIT_AGREE}),
    "approve_return": frozenset({WAIT_AGREE}),
    "refuse": frozenset({WAIT_AGREE}),
    "decline_return": frozenset({WAIT_AGREE}),
    "refuse_return": frozenset({WAIT_CONFIRM}),
    "negotiate": frozenset({WAIT_AGREE, WAIT_CONFIRM}),
    "confirm_goods": frozenset({WAIT_CONFIRM}),
    "process_return": frozenset({WAIT_RETURN, WAIT_CONFIRM}),
    "refund_create": frozenset({WAIT_AGREE, WAIT_RETURN, WAIT_CONFIRM}),
    "message": frozenset({WAIT_AGREE, WAIT_RETURN, WAIT_CONFIRM, "SELLER_REFUSE_BUYER"}),
}
TAOBAO_MESSAGE_BYTES = 400
RETURN_SHIP_HOURS = (2.0, 48.0)
NEGOTIATION_REPLY_HOURS = (0.2, 6.0)
AFTER_REFUSAL_HOURS = (1.0, 24.0)


def _amount(params: dict[str, Any], default: Decimal) -> Decimal:
    raw = params.get("amount")
    if raw is None or raw == "":
        return default
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except InvalidOperation:
        raise SandboxInvalid(f"amount {raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise SandboxInvalid(f"amount must be positive, got {value}")
    if value != value.quantize(Decimal("0.01")):
        raise SandboxInvalid(f"amount {value} has more than two decimals")
    return value


def _limit(value: Decimal, ceiling: Decimal, what: str) -> Decimal:
    if value > ceiling:
        raise SandboxInvalid(f"amount {value} exceeds {what} {ceiling}")
    return value


def apply(state: SandboxState, refund: SandboxRefund, action: str, params: dict[str, Any]) -> None:
    """Apply ``action`` to ``refund`` in place (version and modified bumped) or raise."""
    allowed = ALLOWED.get(action)
    if allowed is None:
        raise SandboxInvalid(f"unknown action {action!r}")
    if refund.status not in allowed:
        raise SandboxStale(f"{action} does not apply to refund {refund.refund_id} in status {refund.status}")
    now = state.clock.now_s()
    if action == "message":
        content = str(params.get("content") or params.get("message") or "").strip()
        if not content:
            raise SandboxInvalid("message content is empty")
        if refund.platform != "shopify" and len(content.encode("utf-8")) > TAOBAO_MESSAGE_BYTES:
            raise SandboxInvalid(f"message longer than {TAOBAO_MESSAGE_BYTES} bytes")
        refund.messages.append({"id": f"{refund.refund_id}{len(refund.messages) + 1:02d}",
                                "owner_role": "seller", "content": content, "created": now})
        return  # a message changes neither status nor version, as on TOP
    if action in ("agree_refund", "confirm_goods", "process_return"):
        amount = _limit(_amount(params, refund.refund_amount), refund.refund_amount, "the requested amount")
        _succeed(state, refund, amount)
    elif action == "refund_create":
        amount = _limit(_amount(params, refund.refund_amount), refund.item_price, "the price paid")
        _succeed(state, refund, amount)
    elif action in ("agree_return", "approve_return"):
        if not refund.wants_return and refund.goods_status == "not_shipped":
            raise SandboxInvalid("the goods were never shipped; there is nothing to return")
        refund.status = WAIT_RETURN
        refund.wants_return = True
        low, high = RETURN_SHIP_HOURS
        state.schedule(now + timedelta(hours=state.rng.uniform(low, high)), "ship_back", refund.refund_id)
    elif action in ("refuse", "decline_return", "refuse_return"):
        refund.status = "SELLER_REFUSE_BUYER"
        low, high = AFTER_REFUSAL_HOURS
        state.schedule(now + timedelta(hours=state.rng.uniform(low, high)), "after_refusal",
                       refund.refund_id)
    elif action == "negotiate":
        offer = _amount(params, Decimal(0)) if params.get("amount") not in (None, "") else None
        if offer is None:
            raise SandboxInvalid("a counter-offer needs an amount")
        if offer >= refund.refund_amount:
            raise SandboxInvalid(f"counter-offer {offer} is not below the requested {refund.refund_amount}")
        refund.negotiated_amount = offer
        low, high = NEGOTIATION_REPLY_HOURS
        state.schedule(now + timedelta(hours=state.rng.uniform(low, high)), "negotiation_reply",
                       refund.refund_id)
    state.touch(refund)
    state.counters[f"applied.{action}"] += 1


def _succeed(state: SandboxState, refund: SandboxRefund, amount: Decimal) -> None:
    refund.status, refund.refunded_amount = "SUCCESS", amount
    state.counters[f"refunded.{refund.currency}.count"] += 1
