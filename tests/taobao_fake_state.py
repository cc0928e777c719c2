"""A small stand-in for the sandbox state, with the interface ``sandbox/taobao_api.py`` uses.

Used by the router's loopback tests so that they exercise the real HTTP path (signing, envelopes,
faults, paging) independently of the full sandbox; the e2e tests use the real ``SandboxState``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any


class SandboxNotFound(Exception):
    pass


class SandboxStale(Exception):
    pass


class SandboxInvalid(Exception):
    pass


@dataclass
class Shop:
    shop_id: str
    app_key: str
    app_secret: str
    session: str
    platform: str = "taobao"


@dataclass
class Refund:
    refund_id: str
    shop_id: str
    modified: datetime
    status: str = "WAIT_SELLER_AGREE"
    version: int = 1
    phase: str = "aftersale"
    refund_fee: Decimal = Decimal("89.00")
    messages: list[dict[str, Any]] = field(default_factory=list)

    def to_top(self) -> dict[str, Any]:
        return {"refund_id": int(self.refund_id), "tid": int(self.refund_id) + 7, "status": self.status,
                "good_status": "BUYER_RECEIVED", "order_status": "WAIT_BUYER_CONFIRM_GOODS",
                "has_good_return": True, "total_fee": Decimal("89.00"), "refund_fee": self.refund_fee,
                "reason": "质量问题", "desc": "开线了", "created": self.modified - timedelta(hours=1),
                "modified": self.modified, "refund_version": self.version, "refund_phase": self.phase,
                "title": "T恤", "refund_remind_timeout": {"exist_timeout": True,
                                                          "timeout": self.modified + timedelta(days=2)}}

    def top_messages(self) -> list[dict[str, Any]]:
        return self.messages


class Faults:
    def __init__(self, rate: float = 0.0, kinds: tuple[str, ...] = (), seed: int = 1) -> None:
        self.rate, self.kinds, self.rnd = rate, set(kinds), random.Random(seed)
        self.timeout_seconds = 0.3

    def draw(self, kind: str) -> bool:
        return kind in self.kinds and self.rnd.random() < self.rate


class FakeState:
    def __init__(self, n: int, *, start: datetime, spacing: timedelta, faults: Faults | None = None) -> None:
        self.shops = {"s1": Shop("s1", "app-1", "secret-1", "session-1")}
        self.refunds = {str(10_000 + i): Refund(str(10_000 + i), "s1", start + spacing * i) for i in range(n)}
        self.faults = faults or Faults()
        self.counters: Counter[str] = Counter()
        self.actions: list[dict[str, Any]] = []

    def shop_with(self, credential: str, value: str, platform: str | None = None) -> Shop | None:
        return next((s for s in self.shops.values() if value and getattr(s, credential) == value), None)

    def refunds_changed(self, platform: str, shop_id: str, start: datetime | None,
                        end: datetime | None) -> list[Refund]:
        return sorted((r for r in self.refunds.values() if r.shop_id == shop_id
                       and (start is None or r.modified >= start) and (end is None or r.modified < end)),
                      key=lambda r: (r.modified, r.refund_id))

    def get(self, refund_id: str) -> Refund:
        if refund_id not in self.refunds:
            raise SandboxNotFound(refund_id)
        return self.refunds[refund_id]

    def transition(self, refund_id: str, *, action: str, api_method: str, shop_id: str,
                   params: dict[str, str], expected_version: str | None,
                   idempotency_key: str | None) -> Refund:
        refund = self.get(refund_id)
        if expected_version and expected_version != f"{refund.version}|{refund.phase}":
            raise SandboxStale(f"{expected_version} != {refund.version}|{refund.phase}")
        moves = {"agree_refund": "SUCCESS", "agree_return": "WAIT_BUYER_RETURN_GOODS",
                 "refuse": "SELLER_REFUSE_BUYER", "confirm_goods": "SUCCESS"}
        if action in moves:
            if refund.status not in ("WAIT_SELLER_AGREE", "WAIT_SELLER_CONFIRM_GOODS"):
                raise SandboxInvalid(f"{refund.status} does not allow {action}")
            refund.status = moves[action]
        elif action == "message":
            refund.messages.append({"id": len(refund.messages) + 1, "refund_id": int(refund_id),
                                    "owner_role": "2", "content": params["content"],
                                    "created": datetime.now(UTC)})
        elif action == "negotiate":
            refund.refund_fee = Decimal(params["amount"])
        refund.version += 1
        refund.modified = datetime.now(UTC).replace(microsecond=0)
        self.actions.append({"refund_id": refund_id, "action": action, "api_method": api_method})
        return refund
