"""The Shopify connector: orders changed since a cursor with their returns, one return fresh, and actions.

Cursor discipline (there is no root ``returns`` query, so we page ``orders``):

* the run's start is frozen once; the search is ``updated_at:>='cursor - lookback'`` and
  ``updated_at:<='run start'``, orders with a return only (``-return_status:no_return``), sorted by
  ``UPDATED_AT`` and paged with ``pageInfo.endCursor``;
* one ``FetchBatch`` per page; a page's cursor is the largest ``updatedAt`` read so far (capped at the
  run's start), the last page's is the run's start. Pages are sorted between them, so committing a
  batch with its cursor never skips an order; ties on the edge are re-read (``>=``) rather than lost;
* duplicates (the lookback overlap, a page that repeats or reorders orders) are dropped within the run
  by ``return id + version`` and are harmless across runs because the store upserts by refund id.

The seller's actions live in ``actions.py``; wire shapes in ``wire.py``; the mapping in ``mapping.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import ValidationError

from marketplace_returns.connectors.base import (
    ActionRequest,
    ActionResult,
    Capabilities,
    FetchBatch,
    FetchedCase,
    KnownTokens,
    ShopConfig,
)
from marketplace_returns.connectors.platform_clock import PlatformClock
from marketplace_returns.connectors.shopify import actions
from marketplace_returns.connectors.shopify.client import ShopifyClient, Sleep
from marketplace_returns.connectors.shopify.mapping import map_return
from marketplace_returns.connectors.shopify.wire import OrderConnection
from marketplace_returns.connectors.transport import platform_http_client
from marketplace_returns.errors import InputError, PlatformRejected

MAX_PAGE_SIZE = 20
"""Orders per page: at ~46 points an order (2 returns × 3 lines, 2 fulfillments, 2 transactions), 20
orders stay under Shopify's single-query limit of 1,000 points."""
RETURN_FILTER = "-return_status:no_return"


def parse_cursor(cursor: str) -> datetime:
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        raise InputError(f"not a cursor: {cursor!r}", field="cursor") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def search_query(start: datetime | None, end: datetime) -> str:
    """Shopify's search syntax for the window (a variable value, not part of a document)."""
    parts = [f"updated_at:<='{_iso(end)}'", RETURN_FILTER]
    if start is not None:
        parts.insert(0, f"updated_at:>='{_iso(start)}'")
    return " AND ".join(parts)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyConnector:
    """Implements ``Connector`` for Shopify's Admin GraphQL API (version pinned in client.py)."""

    platform = "shopify"

    def __init__(self, *, client: httpx.AsyncClient | None = None, max_attempts: int = 6,
                 timeout: float = 10.0, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], datetime] | None = None,
                 backfill_seconds: int | None = 30 * 86400) -> None:
        self._owns_http = client is None
        self.http = client or platform_http_client(timeout=timeout)
        self.client = ShopifyClient(self.http, max_attempts=max_attempts, sleep=sleep)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.platform_clock = PlatformClock(self.clock) if clock is None and self._owns_http else None
        """Without a clock of its own the window is capped on the platform's clock (platform_clock.py)."""
        if self.platform_clock is not None:
            self.http.event_hooks["response"].append(self.platform_clock.hook)
        self.backfill_seconds = backfill_seconds
        self.mapping_issues = 0
        self.duplicates_dropped = 0

    def __repr__(self) -> str:
        return f"ShopifyConnector(client={self.client!r})"

    def capabilities(self) -> Capabilities:
        return actions.capabilities()

    async def fetch_changed(self, shop: ShopConfig, since_cursor: str | None, *,
                            known: KnownTokens | None = None) -> AsyncIterator[FetchBatch]:
        """``known`` is not used: an orders page carries its returns whole (no detail calls to save)."""
        if self.platform_clock is not None:
            await self.platform_clock.learn(self.http, shop.base_url)
        now = self.platform_clock.now(shop.base_url) if self.platform_clock is not None else self.clock()
        run_start = now.astimezone(UTC).replace(microsecond=0)
        if since_cursor is not None:
            start: datetime | None = parse_cursor(since_cursor) - timedelta(seconds=shop.lookback_seconds)
        elif self.backfill_seconds is not None:
            start = run_start - timedelta(seconds=self.backfill_seconds)
        else:
            start = None
        variables: dict[str, Any] = {"first": min(shop.page_size, MAX_PAGE_SIZE), "after": None,
                                     "query": search_query(start, run_start)}
        seen: set[tuple[str, str | None]] = set()
        high = start or datetime.min.replace(tzinfo=UTC)
        while True:
            before = self.client.total_calls
            data = await self.client.execute(shop, "OrdersWithReturns", variables)
            try:
                page = OrderConnection.model_validate(data.get("orders") or {})
            except ValidationError as exc:  # the page itself is unreadable: fail the batch, keep the cursor
                raise PlatformRejected(f"orders page does not match the schema: {exc.errors()[0]['msg']}",
                                       platform=self.platform, code="BAD_PAGE") from None
            cases = []
            for order in page.nodes:
                high = max(high, self._updated(order, high))
                returns = order.get("returns")
                nodes = returns.get("nodes") if isinstance(returns, dict) else None
                for ret in nodes if isinstance(nodes, list) else []:
                    fetched = map_return(ret, order, shop)
                    key = (fetched.refund_id, fetched.version)
                    if key in seen:
                        self.duplicates_dropped += 1
                        continue
                    seen.add(key)
                    self.mapping_issues += fetched.case is None
                    cases.append(fetched)
            last = not page.page_info.has_next_page or not page.page_info.end_cursor
            cursor = run_start if last else min(high, run_start)
            calls = self.client.total_calls - before
            yield FetchBatch(cases=cases, cursor=cursor.isoformat(), api_calls=calls)
            if last:
                return
            variables["after"] = page.page_info.end_cursor

    @staticmethod
    def _updated(order: dict[str, Any], default: datetime) -> datetime:
        try:
            return parse_cursor(str(order["updatedAt"]))
        except (KeyError, InputError):
            return default

    async def read_return(self, shop: ShopConfig, refund_id: str) -> dict[str, Any]:
        """The raw Return node (with ``order`` and ``refunds``), or PlatformRejected NOT_FOUND."""
        data = await self.client.execute(shop, "ReturnById", {"id": refund_id})
        node = data.get("node")
        if not isinstance(node, dict) or not node.get("id"):
            raise PlatformRejected(f"no return {refund_id}", platform=self.platform, code="NOT_FOUND")
        return node

    async def get(self, shop: ShopConfig, refund_id: str) -> FetchedCase:
        node = await self.read_return(shop, refund_id)
        ret = {k: v for k, v in node.items() if k not in ("order", "refunds")}
        fetched = map_return(ret, node.get("order") or {}, shop)  # a bad order comes back kept raw
        fetched.raw["refunds"] = node.get("refunds")
        return fetched

    async def apply(self, shop: ShopConfig, action: ActionRequest) -> ActionResult:
        return await actions.apply(self, shop, action)

    async def find_applied(self, shop: ShopConfig, action: ActionRequest) -> ActionResult | None:
        return await actions.find_applied(self, shop, action)

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()
