"""The seller's actions on Shopify, and how to tell afterwards whether one took effect.

What each normalised action becomes (``capabilities()`` says the same to reps):

* ``return_and_refund``: ``returnApproveRequest`` (the return goes ``REQUESTED`` → ``OPEN`` and the
  buyer gets the return instructions). When the goods are back, the service sends the same action
  again with ``context={"stage": "process"}``: ``returnProcess`` confirms the returned quantities and
  issues the refund (``financialTransfer.issueRefund`` against the order's paid transaction).
* ``refuse``: ``returnDeclineRequest`` with a ``ReturnDeclineReason`` (``context["decline_reason"]``:
  ``RETURN_PERIOD_ENDED`` / ``FINAL_SALE`` / ``OTHER``, default ``OTHER``) and the reply as the note.
* ``refund_without_return`` and an accepted ``offer_partial_refund``: ``refundCreate`` for the amount,
  goods kept (``restockType: NO_RESTOCK``), with ``@idempotent(key:)`` = the action's idempotency key
  and the key in the refund's ``note`` so that ``find_applied`` can recognise it.
* ``exchange``, ``request_evidence``, ``request_reason_change``, ``intercept``, ``repair``,
  ``escalate``: not through this API. Shopify has no buyer message API for returns; the service hands
  the text to a rep or to e-mail.

Every write first reads the return fresh (one ``ReturnById``): it gives the order's transaction and
line ids the mutations need, and refuses a stale decision (the return's status moved on since the
decision's ``expected_version``) before anything is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from pydantic import Field, ValidationError

from marketplace_returns.connectors.base import (
    ActionOutcome,
    ActionRequest,
    ActionResult,
    ActionSupport,
    Capabilities,
    ShopConfig,
    unreadable,
)
from marketplace_returns.connectors.shopify.wire import ReturnLineItems, Transaction, Wire
from marketplace_returns.errors import PlatformRejected, StaleVersion
from marketplace_returns.models.vocabulary import Action

if TYPE_CHECKING:
    from marketplace_returns.connectors.shopify.connector import ShopifyConnector

NOTE_PREFIX: Final = "marketplace-returns"
DECLINE_REASONS: Final = frozenset({"RETURN_PERIOD_ENDED", "FINAL_SALE", "OTHER"})
PAID_KINDS: Final = ("SALE", "CAPTURE")
_HOW: Final[dict[Action, tuple[bool, str]]] = {
    Action.RETURN_AND_REFUND: (True, "returnApproveRequest, then returnProcess with the refund when "
                                     "the goods are back (context stage=process)."),
    Action.REFUSE: (True, "returnDeclineRequest with a ReturnDeclineReason; the reply is the decline note."),
    Action.REFUND_WITHOUT_RETURN: (True, "refundCreate for the amount, goods kept (NO_RESTOCK), "
                                         "idempotent key."),
    Action.OFFER_PARTIAL_REFUND: (True, "Once accepted: refundCreate for the lower amount, goods kept. "
                                        "Shopify cannot propose an amount to the buyer; a rep/e-mail does."),
    Action.EXCHANGE: (False, "Needs exchange line items on the return (returnProcess exchangeLineItems); "
                             "not automated: a rep does it in the Shopify admin."),
    Action.REQUEST_EVIDENCE: (False, "Shopify has no buyer message API for returns: the service hands the "
                                     "request to a rep or e-mail."),
    Action.REQUEST_REASON_CHANGE: (False, "No metric to protect and no message API: never sent."),
    Action.INTERCEPT: (False, "Fulfillment holds are outside the returns API: a rep does it."),
    Action.REPAIR: (False, "No repair flow in the Admin API: a rep arranges it."),
    Action.ESCALATE: (False, "Internal to the service (review queue); nothing is sent to Shopify."),
}


class _RefundSeen(Wire):
    id: str | None = None
    note: str | None = None


class _RefundsSeen(Wire):
    nodes: list[_RefundSeen] = Field(default_factory=list)


class _OrderSeen(Wire):
    id: str | None = None
    currency_code: str | None = None
    transactions: list[Transaction] = Field(default_factory=list)


class _ReturnSeen(Wire):
    """What a write reads off the fresh ``ReturnById`` node: only the fields it acts on, checked once
    so that a malformed answer refuses the write (nothing is sent) instead of failing halfway through."""

    id: str
    status: str | None = None
    request_approved_at: str | None = None
    return_line_items: ReturnLineItems | None = None
    order: _OrderSeen | None = None
    refunds: _RefundsSeen | None = None


async def _read(conn: ShopifyConnector, shop: ShopConfig, refund_id: str) -> _ReturnSeen:
    node = await conn.read_return(shop, refund_id)
    try:
        return _ReturnSeen.model_validate(node)
    except ValidationError as exc:
        raise unreadable(exc, "ReturnById answered a return we cannot read", platform=conn.platform,
                         code="BAD_ANSWER") from None


def capabilities() -> Capabilities:
    return Capabilities(platform="shopify", actions={
        a: ActionSupport(action=a, supported=ok, how=how) for a, (ok, how) in _HOW.items()})


def _result(outcome: ActionOutcome, message: str, calls: int, *, ref: str | None = None,
            response: dict[str, Any] | None = None) -> ActionResult:
    return ActionResult(outcome=outcome, message=message, api_calls=calls, platform_ref=ref,
                        response=response or {})


def _note(action: ActionRequest) -> str:
    return f"{NOTE_PREFIX} {action.idempotency_key}"


def _effect(node: _ReturnSeen, action: ActionRequest) -> str | None:
    """What on the fresh return shows that ``action`` took effect (a description), or None."""
    status = node.status
    if action.action is Action.REFUSE:
        return "return is DECLINED" if status == "DECLINED" else None
    if action.action is Action.RETURN_AND_REFUND and action.context.get("stage") != "process":
        approved = status in ("OPEN", "CLOSED") and node.request_approved_at
        return f"return is {status}" if approved else None
    for refund in node.refunds.nodes if node.refunds else []:
        if action.idempotency_key in (refund.note or ""):
            return f"refund {refund.id} carries our key"
    if action.action is Action.RETURN_AND_REFUND and status == "CLOSED":
        return "return is CLOSED"
    return None


async def find_applied(conn: ShopifyConnector, shop: ShopConfig,
                       action: ActionRequest) -> ActionResult | None:
    before = conn.client.total_calls
    node = await _read(conn, shop, action.refund_id)
    seen = _effect(node, action)
    if seen is None:
        return None
    return _result(ActionOutcome.ALREADY_DONE, seen, conn.client.total_calls - before, ref=node.id)


async def apply(conn: ShopifyConnector, shop: ShopConfig, action: ActionRequest) -> ActionResult:
    supported, how = _HOW.get(action.action, (False, "unknown action"))
    if not supported:
        return _result(ActionOutcome.REJECTED, how, 0)
    before = conn.client.total_calls

    def calls() -> int:
        return conn.client.total_calls - before

    node = await _read(conn, shop, action.refund_id)
    seen = _effect(node, action)
    if seen is not None:
        return _result(ActionOutcome.ALREADY_DONE, seen, calls(), ref=node.id)
    expected = (action.expected_version or "").partition("|")[0]
    if expected and expected != node.status:
        return _result(ActionOutcome.STALE, f"return was {expected}, is now {node.status}", calls())
    try:
        field, payload = await _send(conn, shop, action, node)
    except StaleVersion as exc:
        fresh = await _read(conn, shop, action.refund_id)
        seen = _effect(fresh, action)
        if seen is not None:
            return _result(ActionOutcome.ALREADY_DONE, seen, calls(), ref=fresh.id)
        return _result(ActionOutcome.STALE, exc.message, calls(), response={"userErrors": exc.response})
    except PlatformRejected as exc:
        return _result(ActionOutcome.REJECTED, exc.message, calls(), response={"error": exc.message})
    obj = payload.get("refund") or payload.get("return")
    ref = obj.get("id") if isinstance(obj, dict) else None  # the write is done even if its echo is odd
    return _result(ActionOutcome.APPLIED, f"{field} applied", calls(),
                   ref=ref if isinstance(ref, str) else None, response=payload)


async def _send(conn: ShopifyConnector, shop: ShopConfig, action: ActionRequest,
                node: _ReturnSeen) -> tuple[str, dict[str, Any]]:
    rid = action.refund_id
    if action.action is Action.REFUSE:
        reason = str(action.context.get("decline_reason") or "OTHER")
        if reason not in DECLINE_REASONS:
            raise PlatformRejected(f"decline reason {reason!r} is not a ReturnDeclineReason",
                                   platform="shopify")
        variables: dict[str, Any] = {"id": rid, "declineReason": reason, "declineNote": action.reply_text,
                     "notifyCustomer": True}
        return "returnDeclineRequest", await conn.client.mutate(shop, "ReturnDeclineRequest",
                                                                "returnDeclineRequest", variables)
    if action.action is Action.RETURN_AND_REFUND and action.context.get("stage") != "process":
        return "returnApproveRequest", await conn.client.mutate(
            shop, "ReturnApproveRequest", "returnApproveRequest", {"id": rid, "notifyCustomer": True})
    order = node.order or _OrderSeen()
    lines = node.return_line_items.nodes if node.return_line_items else []
    paid = next((t for t in order.transactions
                 if t.kind in PAID_KINDS and t.status in (None, "SUCCESS")), None)
    if paid is None or not order.id:
        raise PlatformRejected("the order has no paid transaction to refund against", platform="shopify")
    full = sum((ln.fulfillment_line_item.line_item.original_unit_price_set.shop_money.amount * ln.quantity
                for ln in lines if ln.fulfillment_line_item), Decimal(0))
    amount = action.amount if action.amount is not None else full
    if action.action is Action.OFFER_PARTIAL_REFUND and action.amount is None:
        raise PlatformRejected("an accepted partial refund needs its amount", platform="shopify")
    if amount <= 0 or amount > full:
        raise PlatformRejected(f"amount {amount} is outside (0, {full}]", platform="shopify")
    currency = order.currency_code or "USD"
    if action.action is Action.RETURN_AND_REFUND:
        money = {"amount": str(amount), "currencyCode": currency}
        issue = {"orderTransactions": [{"parentId": paid.id, "transactionAmount": money}]}
        process: dict[str, Any] = {
            "returnId": rid, "note": _note(action), "notifyCustomer": True,
            "returnLineItems": [{"id": ln.id, "quantity": ln.quantity} for ln in lines],
            "financialTransfer": {"issueRefund": issue},
        }
        return "returnProcess", await conn.client.mutate(shop, "ReturnProcess", "returnProcess",
                                                         {"input": process})
    transaction = {"orderId": order.id, "parentId": paid.id, "gateway": paid.gateway,
                   "kind": "REFUND", "amount": str(amount)}
    refund_input: dict[str, Any] = {"orderId": order.id, "note": _note(action), "notify": True,
                                    "currency": currency, "transactions": [transaction]}
    if action.action is Action.REFUND_WITHOUT_RETURN and amount == full:
        refund_input["refundLineItems"] = [
            {"lineItemId": ln.fulfillment_line_item.line_item.id, "quantity": ln.quantity,
             "restockType": "NO_RESTOCK"} for ln in lines if ln.fulfillment_line_item]
    variables = {"input": refund_input, "idempotencyKey": action.idempotency_key}
    return "refundCreate", await conn.client.mutate(shop, "RefundCreate", "refundCreate", variables)
