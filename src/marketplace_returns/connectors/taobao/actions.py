"""The seller's actions on TOP: which API carries each normalised action, stale-proof and repeatable.

Why this shape: every TOP write names the refund's ``refund_version`` (and ``refund_phase``), so a
decision taken on an old read is refused by the platform instead of misapplied. Before writing we read
the refund once: if it already shows the effect the answer is ``ALREADY_DONE`` (a retry after a crash),
if its version moved past the decision's it is ``STALE``; only then do we write, with the version we
just read. TOP has no idempotency key, so a write that failed ambiguously (a timeout) is followed by a
look at the refund before the error is passed on as ``WriteOutcomeUnknown`` — the write may still land
(TOP goes on after the client gave up), so the outbox leaves the row for a settle window and then calls
``find_applied`` (the refund and its message log) before anything is written again.

Action → TOP API:

* refund_without_return → ``taobao.rp.refunds.agree`` (``refund_id|fen|version|phase``)
* return_and_refund     → ``taobao.rp.returngoods.agree``; once the goods are back (WAIT_SELLER_CONFIRM_GOODS)
                          → ``taobao.rp.refunds.agree`` pays out
* refuse                → ``taobao.refund.refuse``; goods already back → ``taobao.rp.returngoods.refuse``
* request_evidence, request_reason_change → ``taobao.refund.message.add`` (≤ 400 bytes)
* offer_partial_refund  → ``taobao.refund.negotiatereturn`` with the lower amount (fen, carrying the
                          version), then ``taobao.refund.message.add`` with the proposal; the buyer accepts it
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError

from marketplace_returns.connectors.base import (
    ActionOutcome,
    ActionRequest,
    ActionResult,
    ActionSupport,
    Capabilities,
    ShopConfig,
    unreadable,
)
from marketplace_returns.connectors.taobao.mapping import split_version, version_of
from marketplace_returns.connectors.taobao.wire import Refund, unwrap_list
from marketplace_returns.errors import ConnectorError, PlatformRejected, StaleVersion
from marketplace_returns.models.vocabulary import Action

if TYPE_CHECKING:
    from marketplace_returns.connectors.taobao.connector import TaobaoConnector

MESSAGE_MAX_BYTES: Final = 400
SELLER_ROLE: Final = "2"
MESSAGE_ACTIONS: Final = frozenset({Action.REQUEST_EVIDENCE, Action.REQUEST_REASON_CHANGE,
                                    Action.OFFER_PARTIAL_REFUND})
_HOW: Final[dict[Action, str]] = {
    Action.REFUND_WITHOUT_RETURN: "taobao.rp.refunds.agree with refund_id|amount in fen|version|phase.",
    Action.RETURN_AND_REFUND: "taobao.rp.returngoods.agree (seller's return address); after the goods are "
                              "back, taobao.rp.refunds.agree pays out.",
    Action.OFFER_PARTIAL_REFUND: "Proposed in a refund message (taobao.refund.message.add) and a "
                                 "taobao.refund.negotiatereturn counter-offer; the buyer lowers the amount.",
    Action.REQUEST_EVIDENCE: "A refund message asking for photos (taobao.refund.message.add, ≤ 400 bytes).",
    Action.REQUEST_REASON_CHANGE: "A refund message asking the buyer to re-file under the accurate reason; "
                                  "only the buyer can change it.",
    Action.REFUSE: "taobao.refund.refuse with a message; taobao.rp.returngoods.refuse once goods are back.",
    Action.EXCHANGE: "No TOP refund API turns a refund into an exchange; a rep arranges it.",
    Action.INTERCEPT: "Parcel interception is not offered through the refund APIs we use; a rep does it.",
    Action.REPAIR: "No TOP refund API for repairs; a rep arranges it.",
    Action.ESCALATE: "Internal: handed to a rep, nothing is sent to the platform.",
}
SUPPORTED: Final = frozenset({Action.REFUND_WITHOUT_RETURN, Action.RETURN_AND_REFUND, Action.REFUSE,
                              *MESSAGE_ACTIONS})


def capabilities(platform: str) -> Capabilities:
    return Capabilities(platform=platform, actions={
        a: ActionSupport(action=a, supported=a in SUPPORTED, how=_HOW[a]) for a in Action})


def fen(amount: Decimal) -> int:
    """Yuan → fen, half up (rp.refunds.agree and negotiatereturn take fen)."""
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def truncate_utf8(text: str, limit: int = MESSAGE_MAX_BYTES) -> str:
    """At most ``limit`` bytes of UTF-8, never cutting a character in half."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def message_text(action: ActionRequest) -> str:
    text = (action.reply_text or "").strip()
    if not text:
        raise PlatformRejected(f"{action.action.value} needs reply_text", platform="taobao")
    return truncate_utf8(text)


def _result(outcome: ActionOutcome, refund: Refund | None, message: str, calls: int,
            response: dict[str, Any] | None = None) -> ActionResult:
    return ActionResult(outcome=outcome, platform_ref=refund.refund_id if refund else None,
                        response=response or {}, message=message, api_calls=calls)


def _done(action: ActionRequest, refund: Refund, messages: list[dict[str, Any]] | None) -> bool:
    """Does the refund already show the effect of ``action``?"""
    status = refund.status
    if action.action is Action.REFUND_WITHOUT_RETURN:
        return status == "SUCCESS"
    if action.action is Action.RETURN_AND_REFUND:
        return status in ("WAIT_BUYER_RETURN_GOODS", "SUCCESS")
    if action.action is Action.REFUSE:
        return status in ("SELLER_REFUSE_BUYER", "CLOSED")
    if action.action in MESSAGE_ACTIONS and messages is not None and (action.reply_text or "").strip():
        wanted = message_text(action)
        posted = any(m.get("content") == wanted and str(m.get("owner_role", SELLER_ROLE)) == SELLER_ROLE
                     for m in messages)
        # for a counter-offer the message is posted after negotiatereturn succeeded: it marks both done
        return posted
    return False


async def _state(conn: TaobaoConnector, shop: ShopConfig, action: ActionRequest
                 ) -> tuple[Refund, list[dict[str, Any]] | None]:
    try:
        refund = Refund.model_validate(await conn.read_raw(shop, action.refund_id))
    except ValidationError as exc:  # nothing is written on a refund we cannot read: a rep looks
        raise unreadable(exc, "taobao.refund.get answered a refund we cannot read", platform=conn.platform,
                         code="BAD_ANSWER") from None
    messages = None
    if action.action in MESSAGE_ACTIONS:
        messages = await conn.read_messages(shop, action.refund_id, refund.refund_phase)
    return refund, messages


def _counter_offer_landed(action: ActionRequest, refund: Refund) -> bool:
    """A counter-offer whose earlier attempt may have landed, on a refund still open to one."""
    return (action.action is Action.OFFER_PARTIAL_REFUND and action.may_have_been_sent
            and refund.status in ("WAIT_SELLER_AGREE", "WAIT_SELLER_CONFIRM_GOODS"))


async def find_applied(conn: TaobaoConnector, shop: ShopConfig, action: ActionRequest) -> ActionResult | None:
    before = conn.client.total_calls
    refund, messages = await _state(conn, shop, action)
    if _done(action, refund, messages):
        return _result(ActionOutcome.ALREADY_DONE, refund, f"refund is {refund.status}",
                       conn.client.total_calls - before)
    return None


async def apply(conn: TaobaoConnector, shop: ShopConfig, action: ActionRequest) -> ActionResult:
    before = conn.client.total_calls

    def calls() -> int:
        return conn.client.total_calls - before

    if action.action not in SUPPORTED:
        return _result(ActionOutcome.REJECTED, None, _HOW[action.action], 0)
    if action.action in MESSAGE_ACTIONS and not (action.reply_text or "").strip():
        return _result(ActionOutcome.REJECTED, None, f"{action.action.value} needs reply_text", 0)
    refund, messages = await _state(conn, shop, action)
    if _done(action, refund, messages):
        return _result(ActionOutcome.ALREADY_DONE, refund, f"refund is already {refund.status}", calls())
    current = version_of(refund.refund_version, refund.refund_phase)
    if action.expected_version and current and action.expected_version != current:
        if _counter_offer_landed(action, refund):
            # TOP shows no counter-offer on the refund: after an attempt that may have been sent, the
            # version moving is read as our negotiatereturn having landed (a fresh offer on re-triage
            # would be a second one). Its message still goes out, once: the log was read above.
            response = await _write(conn, shop, action.model_copy(update={"amount": None}), refund, messages)
            return _result(ActionOutcome.APPLIED, refund,
                           f"counter-offer taken as landed (refund moved from {action.expected_version} "
                           f"to {current} after an attempt that may have been sent); message sent",
                           calls(), response if isinstance(response, dict) else None)
        return _result(ActionOutcome.STALE, refund,
                       f"refund moved from {action.expected_version} to {current}", calls())
    try:
        response = await _write(conn, shop, action, refund, messages)
    except StaleVersion as exc:
        return _result(ActionOutcome.STALE, refund, exc.message, calls())
    except PlatformRejected as exc:
        return _result(ActionOutcome.REJECTED, refund, str(exc), calls(),
                       response={"error_response": exc.response} if exc.response else None)
    except ConnectorError as exc:
        if exc.retryable:  # ambiguous: did it land before the failure?
            try:
                found = await find_applied(conn, shop, action)
            except ConnectorError:  # the look failed too: the write's own error (outcome unknown) stands
                raise exc from None
            if found is not None:
                return found.model_copy(update={"api_calls": calls()})
        raise
    if isinstance(response, ActionResult):  # the batch answer refused our refund: look why
        now, _ = await _state(conn, shop, action)
        if _done(action, now, None):
            return _result(ActionOutcome.ALREADY_DONE, now, f"refund is already {now.status}", calls())
        if version_of(now.refund_version, now.refund_phase) != current:
            return _result(ActionOutcome.STALE, now, response.message or "refund moved on", calls())
        return response.model_copy(update={"api_calls": calls()})
    if "ignored_error" in response:  # the table says the platform already has it (duplicate message)
        return _result(ActionOutcome.ALREADY_DONE, refund, "platform reports it already done", calls(),
                       response)
    return _result(ActionOutcome.APPLIED, refund, f"{action.action.value} sent", calls(), response)


async def _write(conn: TaobaoConnector, shop: ShopConfig, action: ActionRequest, refund: Refund,
                 messages: list[dict[str, Any]] | None) -> dict[str, Any] | ActionResult:
    version, phase = split_version(version_of(refund.refund_version, refund.refund_phase))
    ident = {"refund_id": refund.refund_id, "refund_version": version, "refund_phase": phase}
    call = conn.client.call
    if action.action is Action.REFUND_WITHOUT_RETURN or (
            action.action is Action.RETURN_AND_REFUND and refund.status == "WAIT_SELLER_CONFIRM_GOODS"):
        amount = action.amount if action.amount is not None else refund.refund_fee
        if amount is None:
            raise PlatformRejected("no amount to refund", platform=conn.platform)
        info = f"{refund.refund_id}|{fen(amount)}|{version or ''}|{phase or ''}"
        body = await call(shop, "taobao.rp.refunds.agree", {"refund_infos": info}, write=True)
        return _agree_outcome(body, refund)
    if action.action is Action.RETURN_AND_REFUND:
        return await call(shop, "taobao.rp.returngoods.agree", {
            **ident, "seller_address_id": shop.options.get("seller_address_id"),
            "remark": truncate_utf8(action.reply_text or "", 200) or None}, write=True)
    if action.action is Action.REFUSE:
        if refund.status == "WAIT_SELLER_CONFIRM_GOODS":
            return await call(shop, "taobao.rp.returngoods.refuse", {
                **ident, "refuse_reason_id": shop.options.get("refuse_reason_id")}, write=True)
        text = truncate_utf8(action.reply_text or "", 200) or "卖家拒绝退款"
        return await call(shop, "taobao.refund.refuse", {
            **ident, "refuse_message": text, "refuse_reason_id": shop.options.get("refuse_reason_id")},
            write=True)
    # message actions; a counter-offer goes first, while the version we read is still current
    text = message_text(action)
    response: dict[str, Any] = {}
    lower = action.amount is not None and (refund.refund_fee is None or action.amount < refund.refund_fee)
    if action.action is Action.OFFER_PARTIAL_REFUND and action.amount is not None and lower:
        response = await call(shop, "taobao.refund.negotiatereturn", {
            **ident, "refund_fee": fen(action.amount),
            "address_id": shop.options.get("seller_address_id")}, write=True)
    if not any(m.get("content") == text for m in messages or []):
        posted = await call(shop, "taobao.refund.message.add",
                            {"refund_id": refund.refund_id, "content": text}, write=True)
        response = {**response, **posted}
    return response


def _agree_outcome(body: dict[str, Any], refund: Refund) -> dict[str, Any] | ActionResult:
    """rp.refunds.agree answers per refund in ``results.refund_mapping_result``."""
    items = unwrap_list(body.get("results"), "refund_mapping_result")
    mine = [r for r in items if isinstance(r, dict) and str(r.get("refund_id")) == refund.refund_id]
    if body.get("succ") is False or (mine and not mine[0].get("succ", True)):
        text = (mine[0].get("message") if mine else None) or body.get("message") or "agree refused"
        return _result(ActionOutcome.REJECTED, refund, str(text), 0, body)
    return body
