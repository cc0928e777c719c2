"""Hand-built sandbox refunds for the sandbox tests: every field explicit, overridable by keyword."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace_returns.sandbox.clock import SandboxClock
from marketplace_returns.sandbox.config import default_shops
from marketplace_returns.sandbox.state import SandboxRefund, SandboxState

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def refund(n: int, **kw: Any) -> SandboxRefund:
    created = kw.pop("created", T0 - timedelta(hours=1))
    fields: dict[str, Any] = dict(
        refund_id=str(70_000_000_000_000 + n), platform="taobao", shop_id="demo-tb", order_id=str(3000 + n),
        line_id=str(30001 + n * 10), buyer_id=f"buyer-{n}", buyer_nick=f"买家{n}", sku="APP-01-02",
        title="纯棉短袖T恤", category="apparel", currency="CNY", item_price=Decimal("120.00"),
        refund_amount=Decimal("120.00"), reason="质量问题", message="开线了", photos=1,
        goods_status="received",
        wants_return=True, return_shipping_cost=Decimal("12"), forward_shipping_cost=Decimal("12"),
        ship_by=created - timedelta(days=5), shipped_at=created - timedelta(days=6),
        delivered_at=created - timedelta(days=3), created=created, modified=created,
        deadline=created + timedelta(hours=120), phase="aftersale")
    fields.update(kw)
    return SandboxRefund(**fields)


def frozen_state(*refunds: SandboxRefund, seed: int = 0) -> SandboxState:
    state = SandboxState(default_shops(seed), clock=SandboxClock(T0, speed=0), seed=seed)
    state.add_refunds(refunds)
    return state
