"""The connector protocol: what the service asks of every platform, and what it gets back.

A connector turns a platform's wire format into normalised ``Case`` records and normalised actions
back into platform calls. It never touches the database: ``fetch_changed`` yields batches, each with
the cursor that is safe to store *together with* that batch (records and cursor commit in one
transaction, so a crash between batches re-reads at most one batch, and upserts by natural key make
the overlap harmless).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from marketplace_returns.errors import ConnectorError, PlatformRejected
from marketplace_returns.models.case import Case
from marketplace_returns.models.vocabulary import Action

WAITS_KEPT = 1000
"""Latest retry waits a platform client keeps for inspection (its totals are counted apart)."""


class ShopConfig(BaseModel):
    """One seller's shop on one platform, as the service hands it to a connector.

    ``credentials`` hold secrets (``SecretStr``: never printed, never logged). Taobao/Tmall use
    ``app_key``, ``app_secret``, ``session``; Shopify uses ``access_token``.
    """

    model_config = ConfigDict(extra="forbid")

    shop_id: str
    platform: str
    base_url: str
    """TOP router URL (``.../router/rest``) or the Shopify shop origin (``https://x.myshopify.com``)."""
    credentials: dict[str, SecretStr] = Field(default_factory=dict)
    sign_method: str = "hmac-sha256"
    lookback_seconds: int = Field(default=300, ge=0)
    page_size: int = Field(default=100, ge=1, le=250)
    options: dict[str, Any] = Field(default_factory=dict)

    def secret(self, name: str) -> str:
        value = self.credentials.get(name)
        if value is None:
            from marketplace_returns.errors import ConfigError

            raise ConfigError(f"credential {name!r} is not set", path=f"shops.{self.shop_id}.credentials")
        return value.get_secret_value()


class MappingIssue(BaseModel):
    """Why a platform record could not become a Case: the field that failed and what was wrong."""

    field: str
    message: str


class FetchedCase(BaseModel):
    """A refund as read from the platform: the normalised case, the raw record, its platform state."""

    refund_id: str
    case: Case | None
    """None when the mapping failed (then ``mapping_issue`` says why and ``raw`` is kept)."""
    raw: dict[str, Any]
    platform_status: str | None = None
    version: str | None = None
    """Whatever the platform uses to refuse stale actions (TOP refund_version|refund_phase)."""
    deadline: datetime | None = None
    """The live seller deadline the platform gave (TOP refund_remind_timeout), if any."""
    updated_at: datetime | None = None
    mapping_issue: MappingIssue | None = None
    change_token: str | None = None
    """What the listing says of the record's state (TOP: status and modified); the store keeps it so a
    later poll's lookback can skip records it already holds in that state (see :data:`KnownTokens`)."""


KnownTokens = Callable[[list[str]], Awaitable[dict[str, str | None]]]
"""Refund ids → the ``change_token`` the store holds for each (ids never stored are absent).

Why: every poll re-reads its lookback window so that nothing on a window edge is lost, and in a burst
that window holds thousands of refunds already stored in the same state. A connector given this skips
them before their detail reads; the answer comes from committed rows, so a batch that was rolled back
is read again, never skipped.
"""


class FetchBatch(BaseModel):
    """A batch of changed refunds plus the cursor to commit with it."""

    cases: list[FetchedCase]
    cursor: str
    api_calls: int = 0


class ActionRequest(BaseModel):
    """A normalised seller action to apply on the platform.

    ``idempotency_key`` is created once, when the outbox row is written, and reused on every retry.
    """

    model_config = ConfigDict(extra="forbid")

    refund_id: str
    action: Action
    amount: Decimal | None = None
    reply_text: str | None = None
    reason_change_to: str | None = None
    idempotency_key: str
    expected_version: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    """Platform ids a connector needs besides the refund id (order id, line ids), from the raw record."""
    may_have_been_sent: bool = False
    """An earlier attempt may have reached the platform (its worker died mid-send, or its answer was
    lost): a connector that cannot see every effect in the platform's record reads a moved version as
    its own write having landed (TOP's counter-offer) instead of answering stale."""


class ActionOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY_DONE = "already_done"
    """The platform already shows this effect (a retry after a crash, or a duplicate): done, not failed."""
    STALE = "stale"
    """The refund moved on since the decision; the action no longer applies: closed, not failed."""
    REJECTED = "rejected"
    """The platform refused it for good: goes to dead letter for a rep."""


class ActionResult(BaseModel):
    outcome: ActionOutcome
    platform_ref: str | None = None
    response: dict[str, Any] = Field(default_factory=dict)
    message: str | None = None
    api_calls: int = 0


class ActionSupport(BaseModel):
    action: Action
    supported: bool
    how: str
    """One sentence: how the platform carries this action out (shown to reps and in docs)."""


class Capabilities(BaseModel):
    platform: str
    actions: dict[Action, ActionSupport]

    def supports(self, action: Action) -> bool:
        support = self.actions.get(action)
        return bool(support and support.supported)


@runtime_checkable
class Connector(Protocol):
    """What the service needs of a platform. Implementations own their httpx client and retries."""

    platform: str

    def capabilities(self) -> Capabilities: ...

    def fetch_changed(self, shop: ShopConfig, since_cursor: str | None, *,
                      known: KnownTokens | None = None) -> AsyncIterator[FetchBatch]:
        """Yield batches of refunds changed since ``since_cursor`` (None: the initial backfill); records
        whose listing matches what ``known`` says is stored may be left out."""
        ...

    async def get(self, shop: ShopConfig, refund_id: str) -> FetchedCase:
        """Read one refund fresh from the platform."""
        ...

    async def apply(self, shop: ShopConfig, action: ActionRequest) -> ActionResult:
        """Carry out one action; safe to call again with the same idempotency key."""
        ...

    async def find_applied(self, shop: ShopConfig, action: ActionRequest) -> ActionResult | None:
        """After a crash between a call and its record: does the platform already show this effect?"""
        ...

    async def aclose(self) -> None: ...


def unreadable(exc: ValidationError, what: str, *, platform: str, code: str) -> PlatformRejected:
    """A platform answer our wire model refuses, as the typed error the poller and pusher catch: the
    first failing field's path and message, never its value (answers carry buyers' data)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "answer"
    return PlatformRejected(f"{what} ({where}: {first['msg']})", platform=platform, code=code)


def at_url(error: ConnectorError, response: Any) -> ConnectorError:
    """``error`` with the URL of the answer it came from in its message, so a wrong ``base_url`` is seen at
    once ("HTTP 404 (at https://x.myshopify.com/admin/...)"). The query is left out: it may carry a
    signature. An answer made without a request (tests) leaves the error as it is."""
    try:
        where = str(response.request.url).split("?", 1)[0]
    except RuntimeError:  # httpx: "The request instance has not been set on this response."
        return error
    return type(error)(f"{error.message} (at {where})", platform=error.platform, code=error.code,
                       sub_code=error.sub_code, retry_after=error.retry_after, response=error.response)
