"""Small fakes for the service's unit tests: an engine port, a connector, a settable clock.

The fake connector keeps the platform's state (refunds and the effects applied to them), so tests
judge "exactly once" by what the platform holds, as the e2e tests do with the sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace_returns.connectors.base import (
    ActionOutcome,
    ActionRequest,
    ActionResult,
    ActionSupport,
    Capabilities,
    FetchBatch,
    FetchedCase,
    ShopConfig,
)
from marketplace_returns.errors import GuardrailViolation
from marketplace_returns.models import Case, Classification, Decision, Recommendation, Reply
from marketplace_returns.models.vocabulary import Action, Category, Family
from marketplace_returns.service.context import ServiceContext, Triage
from marketplace_returns.service.db import make_engine
from marketplace_returns.service.tables import Shop

T0 = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def fake_evaluate(case: Case, playbook: Any) -> Decision:
    """reason 'auto' → auto refund; 'steer' → reason change (needs approval); else manual return."""
    if case.reason == "auto":
        action, auto, approval, to = Action.REFUND_WITHOUT_RETURN, True, False, None
    elif case.reason == "steer":
        action, auto, approval, to = Action.REQUEST_REASON_CHANGE, True, True, "size_fit"
    else:
        action, auto, approval, to = Action.RETURN_AND_REFUND, False, False, None
    family = Family.NON_QUALITY if case.reason == "steer" else Family.QUALITY
    category = Category.SIZE_FIT if case.reason == "steer" else Category.DEFECT
    return Decision(refund_id=case.refund_id, rule=f"rule-{case.reason}", playbook=str(playbook), auto=auto,
                    needs_approval=approval,
                    classification=Classification(family=family, category=category, confidence=0.8,
                                                  evidence=[f"reason {case.reason}"]),
                    recommendation=Recommendation(action=action, amount=case.asked, reason_change_to=to,
                                                  rationale="because"),
                    reply=Reply(lang="en", text=case.message or "We are sorry."),
                    money={"saved": Decimal("5")})


def fake_check(text: str) -> None:
    for phrase in ("good review", "好评"):
        if phrase in text:
            raise GuardrailViolation("money tied to a review", phrase=phrase, rule="no-review-inducement")


FAKE_TRIAGE = Triage(evaluate=fake_evaluate, load_playbook=lambda name, overrides=None: name,
                     default_playbook_for=lambda case: f"{case.platform}-default", check_outgoing=fake_check)


@dataclass
class FakeConnector:
    platform: str = "fake"
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    applied: dict[str, list[str]] = field(default_factory=dict)
    """refund_id → actions applied (the platform's own record)."""
    errors: list[Exception] = field(default_factory=list)
    """Raised by apply() one per call, before the effect, until empty."""
    answer: ActionOutcome | None = None
    """Force an outcome instead of applying (STALE, REJECTED, ALREADY_DONE)."""
    apply_calls: int = 0
    find_calls: int = 0
    fetch_calls: int = 0
    fetch_delay: float = 0.0
    apply_delay: float = 0.0
    get_errors: list[Exception] = field(default_factory=list)
    """Raised by get() one per call, until empty."""
    lagging: list[dict[str, Any]] = field(default_factory=list)
    """Records get() answers one per call, until empty, instead of the current one (a lagging replica)."""
    """Seconds apply() takes (real time) before it lands: a slow platform write."""

    def add(self, refund_id: str, reason: str = "auto", price: str = "20", message: str | None = None,
            version: str = "1", deadline: datetime | None = None, updated: datetime | None = None) -> None:
        self.refunds[refund_id] = {"refund_id": refund_id, "reason": reason, "price": price,
                                   "message": message, "version": version,
                                   "deadline": deadline.isoformat() if deadline else None,
                                   "updated": updated.isoformat() if updated else None}

    def capabilities(self) -> Capabilities:
        return Capabilities(platform=self.platform, actions={
            a: ActionSupport(action=a, supported=True, how="fake") for a in Action})

    def _fetched(self, raw: dict[str, Any]) -> FetchedCase:
        case = Case(refund_id=raw["refund_id"], platform=self.platform, item_price=Decimal(raw["price"]),
                    reason=raw["reason"], message=raw["message"])
        deadline = datetime.fromisoformat(raw["deadline"]) if raw["deadline"] else None
        updated = datetime.fromisoformat(raw["updated"]) if raw.get("updated") else None
        return FetchedCase(refund_id=raw["refund_id"], case=case, raw=dict(raw), platform_status="OPEN",
                           version=raw["version"], deadline=deadline, updated_at=updated)

    async def fetch_changed(self, shop: ShopConfig, since_cursor: str | None, *,
                            known: Any = None) -> AsyncIterator[FetchBatch]:
        import asyncio

        self.fetch_calls += 1
        if self.fetch_delay:
            await asyncio.sleep(self.fetch_delay)
        items = sorted(self.refunds.values(), key=lambda r: r["refund_id"])
        start = int(since_cursor or 0)
        for i in range(start, len(items), 2):
            page = [self._fetched(r) for r in items[i:i + 2]]
            yield FetchBatch(cases=page, cursor=str(min(i + 2, len(items))))

    async def get(self, shop: ShopConfig, refund_id: str) -> FetchedCase:
        if self.get_errors:
            raise self.get_errors.pop(0)
        if self.lagging:
            return self._fetched(self.lagging.pop(0))
        return self._fetched(self.refunds[refund_id])

    async def apply(self, shop: ShopConfig, action: ActionRequest) -> ActionResult:
        import asyncio

        self.apply_calls += 1
        if self.apply_delay:
            await asyncio.sleep(self.apply_delay)
        if self.errors:
            raise self.errors.pop(0)
        if self.answer is not None:
            return ActionResult(outcome=self.answer, message=f"forced {self.answer.value}")
        done = self.applied.setdefault(action.refund_id, [])
        if action.action.value in done:
            return ActionResult(outcome=ActionOutcome.ALREADY_DONE, message="already")
        done.append(action.action.value)
        return ActionResult(outcome=ActionOutcome.APPLIED, platform_ref=action.refund_id)

    async def find_applied(self, shop: ShopConfig, action: ActionRequest) -> ActionResult | None:
        self.find_calls += 1
        if action.action.value in self.applied.get(action.refund_id, []):
            return ActionResult(outcome=ActionOutcome.ALREADY_DONE, message="found")
        return None

    async def aclose(self) -> None:
        return None


def make_context(url: str, connector: FakeConnector, clock: FakeClock, *, worker: str = "w1",
                 shops: tuple[str, ...] = ("shop-a",), **kwargs: Any) -> ServiceContext:
    from sqlmodel import Session

    engine = make_engine(url)
    with Session(engine) as session:
        for shop_id in shops:
            if session.get(Shop, shop_id) is None:
                session.add(Shop(shop_id=shop_id, platform="fake", base_url="http://fake", poll_interval_s=1,
                                 credentials_ref={}))
        session.commit()
    return ServiceContext(db=engine, triage=FAKE_TRIAGE, clock=clock, worker=worker,
                          connector_factory=lambda name: connector, **kwargs)


async def polled_with_tokens(ctx: ServiceContext, *, shops: tuple[str, ...] = ("shop-a", "shop-b"),
                             poll: str = "shop-a") -> dict[str, Any]:
    """Poll ``poll``, issue one API token per shop, and name ``poll``'s queue by refund id.

    The set-up the HTTP tests share (API, tasks, review page): ``{"tokens": {shop: token}, "ids":
    {refund_id: decision public id}}``.
    """
    from sqlmodel import Session

    from marketplace_returns.security.tokens import issue_token
    from marketplace_returns.service import repository as repo
    from marketplace_returns.service.poller import poll_shop

    await poll_shop(ctx, poll)
    with Session(ctx.db) as session:
        tokens = {s: issue_token(session, shop_id=s) for s in shops}
        session.commit()
        ids = {c.refund_id: d.public_id for d, c in repo.list_queue(session, shop_id=poll)}
    return {"tokens": tokens, "ids": ids}
