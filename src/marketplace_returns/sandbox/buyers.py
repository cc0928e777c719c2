"""Simulated buyers: what a buyer does after the seller has acted, drawn from the sandbox's seed.

Why: a connector only proves itself on a refund that moves without it — goods shipped back after a
return was agreed (the refund comes back as WAIT_SELLER_CONFIRM_GOODS with a courier and tracking
number), a counter-offer accepted or declined, a refusal escalated to the platform or dropped.
Each move bumps the refund's version, so a seller holding an old read is refused as stale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from marketplace_returns.sandbox.records import SandboxRefund

if TYPE_CHECKING:
    from marketplace_returns.sandbox.state import SandboxState

COURIERS = ("中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运")
CARRIERS = ("UPS", "USPS", "FedEx", "DHL")
ESCALATE_RATE = 0.35
ACCEPT = {"zh": ("好的，那就按这个金额退吧。", "可以，接受这个补偿。", "行吧，同意。"),
          "en": ("OK, that works for me.", "Fine, I'll accept that.", "Deal, thanks.")}
DECLINE = {"zh": ("这个金额太少了，我还是要退货退款。", "不接受，请按原金额处理。"),
           "en": ("That's too little, I'd rather return it.", "No thanks, please refund in full.")}


def act(state: SandboxState, refund: SandboxRefund, kind: str) -> bool:
    """Perform the buyer's scheduled move ``kind``; False when the refund has moved on meanwhile."""
    rng, now = state.rng, state.clock.now_s()
    if kind == "ship_back":
        if refund.status != "WAIT_BUYER_RETURN_GOODS":
            return False
        refund.status, refund.returned_at = "WAIT_SELLER_CONFIRM_GOODS", now
        if refund.platform == "shopify":
            refund.return_company = rng.choice(CARRIERS)
            refund.return_tracking = f"1Z{rng.getrandbits(48):012X}"
        else:
            refund.return_company = rng.choice(COURIERS)
            refund.return_tracking = f"{rng.randrange(10**11, 10**12)}"
        state.touch(refund)
        state.set_deadline(refund, 240)
        state.counters["buyer.shipped_back"] += 1
        return True
    if kind == "negotiation_reply":
        offer = refund.negotiated_amount
        if refund.status not in ("WAIT_SELLER_AGREE", "WAIT_SELLER_CONFIRM_GOODS") or offer is None:
            return False
        share = float(offer / refund.refund_amount) if refund.refund_amount else 0.0
        accepted = rng.random() < 0.2 + 0.7 * share
        texts = (ACCEPT if accepted else DECLINE)[refund.lang if refund.lang in ACCEPT else "en"]
        _say(refund, rng.choice(texts), now)
        if accepted:
            refund.refund_amount = Decimal(offer)
        state.touch(refund)
        state.counters["buyer.negotiation_accepted" if accepted else "buyer.negotiation_declined"] += 1
        return True
    if kind == "after_refusal":
        if refund.status != "SELLER_REFUSE_BUYER":
            return False
        if rng.random() < ESCALATE_RATE:
            refund.dispute = True
            state.counters["buyer.escalated"] += 1
        else:
            refund.status = "CLOSED"
            state.counters["buyer.closed"] += 1
        state.touch(refund)
        return True
    return False


def _say(refund: SandboxRefund, text: str, now: object) -> None:
    refund.messages.append({"id": f"{refund.refund_id}{len(refund.messages) + 1:02d}",
                            "owner_role": "buyer", "content": text, "created": now})
