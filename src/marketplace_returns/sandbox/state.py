"""The sandbox's one in-memory state machine of refunds, shared by the TOP and Shopify routers.

Why one machine for both platforms: the refund flow is the same trade (the buyer applies, the seller
agrees or refuses, the goods come back, the money goes out); only the wire differs, and the routers
translate. Statuses are TOP's names; the Shopify router maps them to ``ReturnStatus``.

What it enforces, as the platforms do: a write must match the refund's current version (and phase
when given) and apply to its status, or it is refused as stale; a repeated idempotency key has no
second effect; a request left waiting for the seller past its deadline is granted automatically on
Taobao/Tmall. Every write is recorded (``actions``) so a test can check each applied exactly once.
Simulated buyers (``buyers.py``) ship returns back and answer counter-offers on ``advance()``.

Indexes: per (platform, shop) a list of ``(modified, refund_id)`` kept sorted, so an incremental
window over 100,000 refunds is two bisects, not a scan.
"""

from __future__ import annotations

import heapq
import random
import threading
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from marketplace_returns.sandbox import buyers, transitions
from marketplace_returns.sandbox.clock import SandboxClock
from marketplace_returns.sandbox.exceptions import SandboxError, SandboxInvalid, SandboxNotFound, SandboxStale
from marketplace_returns.sandbox.faults import FaultPlan
from marketplace_returns.sandbox.records import RecordedAction, SandboxRefund, SandboxShop

if TYPE_CHECKING:
    from marketplace_returns.sandbox.traffic import TrafficGenerator

__all__ = ["RecordedAction", "SandboxError", "SandboxInvalid", "SandboxNotFound", "SandboxRefund",
           "SandboxShop", "SandboxStale", "SandboxState"]

SECRET_PARAMS = frozenset({"app_secret", "session", "sign", "access_token", "x-shopify-access-token",
                           "password", "secret", "token"})
AUTO_GRANT_PLATFORMS = frozenset({"taobao", "tmall"})
CONFIRM_GOODS_HOURS = 240


class SandboxState:
    """Shops, refunds, recorded actions, counters, the fault plan and the clock of one sandbox."""

    def __init__(self, shops: Iterable[SandboxShop] = (), *, clock: SandboxClock | None = None,
                 faults: FaultPlan | None = None, seed: int = 0) -> None:
        self.shops: dict[str, SandboxShop] = {s.shop_id: s for s in shops}
        self.refunds: dict[str, SandboxRefund] = {}
        self.actions: list[RecordedAction] = []
        self.counters: Counter[str] = Counter()
        self.faults = faults or FaultPlan(seed=seed)
        self.clock = clock or SandboxClock()
        self.seed = seed
        self.rng = random.Random(seed ^ 0x5A5A)
        self.lock = threading.RLock()
        self._index: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
        self._pending: list[tuple[datetime, str, SandboxRefund]] = []
        self._deadlines: list[tuple[datetime, str]] = []
        self._events: list[tuple[datetime, int, str, str]] = []
        self._event_seq = 0
        self._keys: dict[tuple[str, str, str], RecordedAction] = {}
        self._effects: dict[str, list[RecordedAction]] = {}  # applied actions per refund, for effects()
        self.traffic: TrafficGenerator | None = None  # set by whoever seeds the first traffic
        self.serial = 0  # refunds ever added, so a later generator's ids do not collide
        self._shops_by: dict[tuple[str, str], SandboxShop] = {}

    def shop_with(self, credential: str, value: str, platform: str | None = None) -> SandboxShop | None:
        """The shop that ``credential`` (``app_key``, ``access_token``) names, or None.

        Why an index: every request names its shop, and a scan of 500 shops per request was a visible
        share of the sandbox's CPU in a burst. The index is checked on each hit and rebuilt on a miss,
        so shops added or credentials changed after construction are still found.
        """
        if not value:
            return None
        shop = self._shops_by.get((credential, value))
        if shop is None or getattr(shop, credential) != value or self.shops.get(shop.shop_id) is not shop:
            self._shops_by = {}
            for each in self.shops.values():  # the first shop with a credential wins, as a scan would
                for name in ("app_key", "access_token"):
                    if getattr(each, name):
                        self._shops_by.setdefault((name, getattr(each, name)), each)
            shop = self._shops_by.get((credential, value))
        if shop is None or (platform is not None and shop.platform != platform):
            return None
        return shop

    # ----------------------------------------------------------------- refunds in and out
    def add_refunds(self, refunds: Iterable[SandboxRefund]) -> int:
        """Take generated refunds: those already created appear now, later ones on ``advance()``."""
        now, n = self.clock.now(), 0
        with self.lock:
            for refund in refunds:
                if refund.created <= now:
                    self._publish(refund)
                else:
                    heapq.heappush(self._pending, (refund.created, refund.refund_id, refund))
                n += 1
            self.serial += n
        return n

    def _publish(self, refund: SandboxRefund) -> None:
        if refund.refund_id in self.refunds:
            raise SandboxInvalid(f"refund {refund.refund_id} exists already")
        self.refunds[refund.refund_id] = refund
        insort(self._index.setdefault((refund.platform, refund.shop_id), []),
               (refund.modified, refund.refund_id))
        self.counters[f"refunds.{refund.platform}"] += 1
        if refund.status in ("WAIT_SELLER_AGREE", "WAIT_SELLER_CONFIRM_GOODS"):
            heapq.heappush(self._deadlines, (refund.deadline, refund.refund_id))

    def touch(self, refund: SandboxRefund, *, bump: bool = True) -> None:
        """Mark ``refund`` changed now: new ``modified`` (index kept sorted) and, by default, version+1."""
        key = self._index[(refund.platform, refund.shop_id)]
        old = (refund.modified, refund.refund_id)
        i = bisect_left(key, old)
        if i < len(key) and key[i] == old:
            del key[i]
        refund.modified = max(self.clock.now_s(), refund.modified)
        insort(key, (refund.modified, refund.refund_id))
        if bump:
            refund.version += 1

    def set_deadline(self, refund: SandboxRefund, hours: float) -> None:
        refund.deadline = self.clock.now_s() + timedelta(hours=hours)
        heapq.heappush(self._deadlines, (refund.deadline, refund.refund_id))

    def schedule(self, due: datetime, kind: str, refund_id: str) -> None:
        """A simulated buyer's move on ``refund_id`` at ``due`` (see ``buyers.py``)."""
        self._event_seq += 1
        heapq.heappush(self._events, (due, self._event_seq, kind, refund_id))

    def get(self, refund_id: str) -> SandboxRefund | None:
        return self.refunds.get(refund_id)

    def refunds_changed(self, platform: str, shop_id: str, start: datetime | None,
                        end: datetime | None) -> list[SandboxRefund]:
        """Refunds of one shop modified in ``[start, end)`` (None: open), by (modified, refund_id)."""
        with self.lock:
            key = self._index.get((platform, shop_id), [])
            lo = 0 if start is None else bisect_left(key, (start, ""))
            hi = len(key) if end is None else bisect_left(key, (end, ""))
            return [self.refunds[rid] for _, rid in key[lo:hi]]

    def effects(self, refund_id: str) -> list[RecordedAction]:
        """The actions that changed ``refund_id`` (outcome ``applied``), in order."""
        return list(self._effects.get(refund_id, ()))

    # ----------------------------------------------------------------- seller writes
    def transition(self, refund_id: str, *, action: str, api_method: str, shop_id: str,
                   params: dict[str, Any], expected_version: int | str | None = None,
                   idempotency_key: str | None = None) -> SandboxRefund:
        """Apply one seller action; every call is recorded, whatever its outcome.

        ``expected_version`` is the refund's version as an int, or TOP's ``"version|phase"`` token.
        """
        with self.lock:
            refund = self.refunds.get(refund_id)
            record = self._record(refund, refund_id, shop_id, action, api_method, params, idempotency_key)
            try:
                if refund is None or refund.shop_id != shop_id:
                    raise SandboxNotFound(f"refund {refund_id} not found in shop {shop_id}")
                key = (refund_id, action, idempotency_key) if idempotency_key else None
                if key is not None and key in self._keys:
                    record.outcome, record.version_after = "duplicate", refund.version
                    record.detail = f"first applied as action #{self._keys[key].seq}"
                    self.counters["actions.duplicate"] += 1
                    return refund
                if expected_version is not None and self.faults.draw("stale"):
                    self.touch(refund)  # a buyer edited the request just before the write landed
                    self.counters["fault.stale"] += 1
                    record.version_before = refund.version
                self._check_version(refund, expected_version)
                transitions.apply(self, refund, action, params)
            except SandboxStale as exc:
                record.outcome, record.detail = "stale", str(exc)
                self.counters["actions.stale"] += 1
                raise
            except SandboxError as exc:
                record.outcome, record.detail = "rejected", str(exc)
                self.counters["actions.rejected"] += 1
                raise
            finally:
                record.version_after = refund.version if refund else None
            record.outcome = "applied"
            self.counters["actions.applied"] += 1
            self._effects.setdefault(refund_id, []).append(record)
            if key is not None:
                self._keys[key] = record
            return refund

    def _record(self, refund: SandboxRefund | None, refund_id: str, shop_id: str, action: str,
                api_method: str, params: dict[str, Any], idempotency_key: str | None) -> RecordedAction:
        clean = {k: str(v) for k, v in params.items() if k.lower() not in SECRET_PARAMS}
        record = RecordedAction(
            seq=len(self.actions) + 1, at=self.clock.now(),
            platform=refund.platform if refund else self.shops[shop_id].platform
            if shop_id in self.shops else "", shop_id=shop_id, refund_id=refund_id, action=action,
            api_method=api_method, params=clean, idempotency_key=idempotency_key, outcome="pending",
            version_before=refund.version if refund else None, version_after=None)
        self.actions.append(record)
        return record

    @staticmethod
    def _check_version(refund: SandboxRefund, expected: int | str | None) -> None:
        if expected is None:
            return
        if isinstance(expected, int):
            version, phase = str(expected), None
        else:
            version, _, phase = expected.partition("|")
        if version != str(refund.version) or (phase and phase != refund.phase):
            raise SandboxStale(f"expected version {expected}, refund {refund.refund_id} is at "
                               f"{refund.version}|{refund.phase}")

    # ----------------------------------------------------------------- time passing
    def advance(self, seconds: float = 0.0) -> dict[str, int]:
        """Move the clock ``seconds`` forward, then release traffic, run buyers and enforce deadlines."""
        if seconds:
            self.clock.advance(seconds)
        now = self.clock.now()
        done: Counter[str] = Counter()
        with self.lock:
            while self._pending and self._pending[0][0] <= now:
                arrived = heapq.heappop(self._pending)[2]
                # visible from now on: a refund never appears behind a poller's cursor, however coarse
                # the ticks (at speed x60 a 0.2 s tick is 12 simulated seconds)
                arrived.modified = max(arrived.modified, now.replace(microsecond=0))
                self._publish(arrived)
                done["released"] += 1
            while self._events and self._events[0][0] <= now:
                _, _, kind, refund_id = heapq.heappop(self._events)
                moving = self.refunds.get(refund_id)
                if moving is not None and buyers.act(self, moving, kind):
                    done[f"buyer.{kind}"] += 1
            while self._deadlines and self._deadlines[0][0] <= now:
                deadline, refund_id = heapq.heappop(self._deadlines)
                waiting = self.refunds[refund_id]
                if waiting.deadline == deadline and self._auto_grant(waiting):
                    done["auto_granted_by_deadline"] += 1
        return dict(done)

    tick = advance

    def _auto_grant(self, refund: SandboxRefund) -> bool:
        if refund.status not in ("WAIT_SELLER_AGREE", "WAIT_SELLER_CONFIRM_GOODS"):
            return False
        if refund.platform not in AUTO_GRANT_PLATFORMS:
            self.counters["deadline_passed_no_auto_grant"] += 1
            return False
        refund.status, refund.refunded_amount = "SUCCESS", refund.refund_amount
        self.touch(refund)
        self.counters["auto_granted_by_deadline"] += 1
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    # ----------------------------------------------------------------- reporting
    def snapshot(self) -> dict[str, Any]:
        """Counts by platform, shop and status; counters; faults; the clock (for /_sandbox/state)."""
        with self.lock:
            by: dict[str, dict[str, Counter[str]]] = {}
            money: Counter[str] = Counter()
            for r in self.refunds.values():
                by.setdefault(r.platform, {}).setdefault(r.shop_id, Counter())[r.status] += 1
                if r.refunded_amount is not None:
                    money[r.currency] += r.refunded_amount  # type: ignore[assignment]
            return {
                "now": self.clock.now().isoformat(), "speed": self.clock.speed, "seed": self.seed,
                "refunds": len(self.refunds), "pending_traffic": len(self._pending),
                "by_shop": {p: {s: dict(c) for s, c in shops.items()} for p, shops in by.items()},
                "refunded": {cur: str(Decimal(v)) for cur, v in money.items()},
                "actions": len(self.actions), "counters": dict(self.counters),
                "faults": self.faults.as_dict(),
            }
