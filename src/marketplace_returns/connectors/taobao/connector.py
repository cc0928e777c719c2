"""The Taobao/Tmall connector: incremental listing, details, and the seller's actions over TOP.

Why it reads the way it does (cursor discipline):

* the run's start is frozen once; windows of ``start_modified``/``end_modified`` run from
  ``cursor - lookback`` to that frozen start, never past it, so the new cursor is capped there;
* TOP's bounds are inclusive and consecutive windows share their edge second, so a refund modified
  exactly on an edge is read twice rather than never; duplicates (edges, lookback, a platform that
  repeats or reorders a page) are dropped within the run by ``refund_id + modified`` and are harmless
  across runs because the store upserts by refund id;
* one ``FetchBatch`` per page; a page's cursor is the start of its window until the window's last page,
  whose cursor is the window's end — so committing a batch with its cursor never skips a record;
* windows adapt: a sparse window doubles the next one, a crowded one halves it, which keeps listing near
  the page-size floor (≈ 0.01 calls per refund) on a long backfill.

Listing gives no ``refund_version`` or ``refund_remind_timeout``; open refunds (the ones we may act on)
are therefore read again with ``taobao.refund.get``, concurrently, a few at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

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
    unreadable,
)
from marketplace_returns.connectors.platform_clock import PlatformClock
from marketplace_returns.connectors.taobao import actions
from marketplace_returns.connectors.taobao.client import Sleep, TopClient
from marketplace_returns.connectors.taobao.mapping import OPEN_STATUSES, map_refund
from marketplace_returns.connectors.taobao.signing import format_timestamp, parse_timestamp
from marketplace_returns.connectors.taobao.wire import ReceivePage, unwrap_list
from marketplace_returns.connectors.transport import platform_http_client
from marketplace_returns.errors import ConnectorError, InputError

LIST_FIELDS = ("refund_id,tid,oid,title,buyer_nick,seller_nick,total_fee,status,created,refund_fee,"
               "good_status,company_name,sid,payment,reason,desc,has_good_return,modified,order_status,"
               "refund_phase,dispute_type")
DETAIL_FIELDS = (LIST_FIELDS + ",refund_version,refund_remind_timeout,num_iid,num,price,sku,outer_id,"
                 "cs_status,buyer_open_uid,good_return_time,operation_contraint,attribute")
MESSAGE_FIELDS = ("id,refund_id,owner_id,owner_nick,owner_role,content,created,message_type,refund_phase,"
                  "pic_urls")
MAX_PAGE_SIZE = 100
MESSAGE_PAGE_SIZE = 100
CONFIRM_PASSES = 3
"""How many times a window of several pages may be read again (see ``_window``)."""
Details = Literal["open", "all", "none"]
Messages = Literal["waiting", "all", "none"]


def parse_cursor(cursor: str) -> datetime:
    """Cursors are ISO 8601 instants; a TOP ``yyyy-MM-dd HH:mm:ss`` (GMT+8) is accepted too."""
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        try:
            return parse_timestamp(cursor)
        except ValueError:
            raise InputError(f"not a cursor: {cursor!r}", field="cursor") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page(body: dict[str, Any], platform: str) -> ReceivePage:
    """A listing page, or a typed error: a page we cannot read fails its batch (the cursor stays)."""
    try:
        return ReceivePage.from_body(body)
    except ValidationError as exc:
        raise unreadable(exc, "refunds page does not match the schema", platform=platform,
                         code="BAD_PAGE") from None


def _total_results(value: Any) -> int | None:
    """TOP's ``total_results`` (a number, sometimes as text); None when it is anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def change_token(listed: dict[str, Any]) -> str:
    """A listed record's state as the store keeps it: status and modified time (TOP bumps ``modified``
    on every change of the refund, messages included)."""
    return f"{listed.get('status')}|{listed.get('modified')}"


class TaobaoConnector:
    """``Connector`` for Taobao over TOP. Owns its httpx client unless one is given."""

    platform = "taobao"

    def __init__(self, *, client: httpx.AsyncClient | None = None, max_attempts: int = 6,
                 window_seconds: int = 3600, max_window_seconds: int = 7 * 86400,
                 backfill_seconds: int = 30 * 86400, details: Details = "open",
                 messages: Messages = "waiting",
                 concurrency: int = 4, timeout: float = 10.0, sleep: Sleep | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._owns_http = client is None
        http = client or platform_http_client(timeout=timeout)
        extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self.client = TopClient(http, platform=self.platform, max_attempts=max_attempts, **extra)
        self.window_seconds = window_seconds
        self.max_window_seconds = max(window_seconds, max_window_seconds)
        self.backfill_seconds = backfill_seconds
        self.details: Details = details
        self.messages: Messages = messages
        """Whose message log to read (photos): ``waiting`` = refunds waiting for the seller's answer."""
        self.concurrency = max(1, concurrency)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.platform_clock = PlatformClock(self.clock) if clock is None and self._owns_http else None
        """Without a clock of its own the window is capped on the platform's clock (platform_clock.py)."""
        if self.platform_clock is not None:
            http.event_hooks["response"].append(self.platform_clock.hook)
        self.mapping_issues = 0
        """Records kept raw because the mapping could not read them (counted over this connector's life)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(window_seconds={self.window_seconds}, details={self.details!r})"

    def capabilities(self) -> Capabilities:
        return actions.capabilities(self.platform)

    async def aclose(self) -> None:
        if self._owns_http:
            await self.client.http.aclose()

    # -- reading -----------------------------------------------------------------------------------

    async def fetch_changed(self, shop: ShopConfig, since_cursor: str | None, *,
                            known: KnownTokens | None = None) -> AsyncIterator[FetchBatch]:
        if self.platform_clock is not None:
            await self.platform_clock.learn(self.client.http, shop.base_url)
        now = self.platform_clock.now(shop.base_url) if self.platform_clock is not None else self.clock()
        run_start = now.astimezone(UTC).replace(microsecond=0)
        if since_cursor:
            start = parse_cursor(since_cursor) - timedelta(seconds=shop.lookback_seconds)
        else:
            start = run_start - timedelta(seconds=self.backfill_seconds)
        start = min(start.astimezone(UTC), run_start)
        page_size = min(shop.page_size, MAX_PAGE_SIZE)
        seen: set[tuple[str, str]] = set()
        window = timedelta(seconds=self.window_seconds)
        while True:
            end = min(start + window, run_start)
            listed = 0
            async for batch, count, last in self._window(shop, start, end, page_size, seen, known):
                listed += count
                if last:
                    batch.cursor = end.isoformat()
                yield batch
            if end >= run_start:
                return
            start = end  # inclusive bounds: the edge second is read by both windows
            window = self._next_window(window, listed, page_size)

    def _next_window(self, window: timedelta, listed: int, page_size: int) -> timedelta:
        seconds = window.total_seconds()
        if listed < page_size // 2:
            seconds = min(seconds * 2, self.max_window_seconds)
        elif listed > 10 * page_size:
            seconds = max(seconds / 2, 60)
        return timedelta(seconds=seconds)

    async def _window(self, shop: ShopConfig, start: datetime, end: datetime, page_size: int,
                      seen: set[tuple[str, str]], known: KnownTokens | None,
                      ) -> AsyncIterator[tuple[FetchBatch, int, bool]]:
        """Read one window page by page; a window of several pages is read again until a pass finds
        nothing new (at most ``CONFIRM_PASSES`` more times).

        Why again: TOP pages by offset over the window ordered by ``modified``. A refund modified while
        the pages are read (the buyer, or this seller's own push) leaves the window, and every refund
        after it moves up a slot: the one that crosses into an already-read page is skipped. The
        lookback re-reads only the last minutes before the cursor, so under load such a refund could
        be lost for good (a 100,000-refund burst lost 112 this way). ``seen`` makes a second pass yield
        only what the first one missed.
        """
        passes = 0
        while True:
            passes += 1
            pages = found = 0
            page_no = 1
            while True:
                calls_before = self.client.total_calls
                body = await self.client.call(shop, "taobao.refunds.receive.get", {
                    "fields": LIST_FIELDS, "start_modified": format_timestamp(start),
                    "end_modified": format_timestamp(end), "page_no": page_no, "page_size": page_size,
                    "use_has_next": True,
                })
                page = _page(body, self.platform)
                pages += 1
                fresh: list[dict[str, Any]] = []
                for raw in page.refunds:
                    key = (str(raw.get("refund_id") or ""), str(raw.get("modified") or ""))
                    if key in seen:
                        continue
                    seen.add(key)
                    fresh.append(raw)
                found += len(fresh)
                if known is not None and fresh:
                    stored = await known([str(raw.get("refund_id") or "") for raw in fresh])
                    fresh = [raw for raw in fresh
                             if stored.get(str(raw.get("refund_id") or "")) != change_token(raw)]
                cases = await self._complete(shop, fresh)
                has_next = (bool(page.has_next) if page.has_next is not None
                            else len(page.refunds) >= page_size)
                done = not has_next and (pages == 1 or (passes > 1 and found == 0)
                                         or passes > CONFIRM_PASSES)
                batch = FetchBatch(cases=cases, cursor=start.isoformat(),
                                   api_calls=self.client.total_calls - calls_before)
                yield batch, len(page.refunds) if passes == 1 else 0, done
                if done:
                    return
                if not has_next:
                    break
                page_no += 1

    async def _complete(self, shop: ShopConfig, listed: list[dict[str, Any]]) -> list[FetchedCase]:
        """Map the listed records, reading details first for those that need them."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(raw: dict[str, Any]) -> FetchedCase:
            fetched = await read(raw)
            fetched.change_token = change_token(raw)
            return fetched

        async def read(raw: dict[str, Any]) -> FetchedCase:
            status = raw.get("status")
            wanted = self.details == "all" or (self.details == "open" and isinstance(status, str)
                                               and status in OPEN_STATUSES)
            if not wanted or not raw.get("refund_id"):
                return self._count(map_refund(raw, shop))
            async with gate:
                try:
                    return await self._read(shop, str(raw["refund_id"]))
                except ConnectorError as exc:
                    if exc.retryable:
                        raise  # the retries are spent: fail the batch, its cursor is not committed
                    return self._count(map_refund(raw, shop))  # refused detail: the listing will do

        try:
            async with asyncio.TaskGroup() as group:  # one failure cancels the siblings
                tasks = [group.create_task(one(raw)) for raw in listed]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    def _count(self, fetched: FetchedCase) -> FetchedCase:
        if fetched.mapping_issue is not None:
            self.mapping_issues += 1
        return fetched

    async def read_raw(self, shop: ShopConfig, refund_id: str) -> dict[str, Any]:
        body = await self.client.call(shop, "taobao.refund.get", {"refund_id": refund_id,
                                                                  "fields": DETAIL_FIELDS})
        refund = body.get("refund")
        if not isinstance(refund, dict):
            raise InputError(f"taobao.refund.get gave no refund for {refund_id}", field="refund")
        return refund

    async def read_messages(self, shop: ShopConfig, refund_id: str,
                            refund_phase: str | None = None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        page_no = 1
        while True:
            body = await self.client.call(shop, "taobao.refund.messages.get", {
                "refund_id": refund_id, "fields": MESSAGE_FIELDS, "page_no": page_no,
                "page_size": MESSAGE_PAGE_SIZE, "refund_phase": refund_phase})
            page = unwrap_list(body.get("refund_messages"), "refund_message")
            messages.extend(m for m in page if isinstance(m, dict))  # a non-object says nothing we can use
            total = _total_results(body.get("total_results"))
            if not page or len(messages) >= (total if total is not None else MESSAGE_PAGE_SIZE * page_no):
                return messages
            page_no += 1

    async def _read(self, shop: ShopConfig, refund_id: str) -> FetchedCase:
        raw = await self.read_raw(shop, refund_id)
        messages = None
        waiting = raw.get("status") == "WAIT_SELLER_AGREE"
        if self.messages == "all" or (self.messages == "waiting" and waiting):
            messages = await self.read_messages(shop, refund_id, raw.get("refund_phase"))
        return self._count(map_refund(raw, shop, messages=messages))

    async def get(self, shop: ShopConfig, refund_id: str) -> FetchedCase:
        return await self._read(shop, refund_id)

    # -- acting ------------------------------------------------------------------------------------

    async def apply(self, shop: ShopConfig, action: ActionRequest) -> ActionResult:
        return await actions.apply(self, shop, action)

    async def find_applied(self, shop: ShopConfig, action: ActionRequest) -> ActionResult | None:
        return await actions.find_applied(self, shop, action)


class TmallConnector(TaobaoConnector):
    """Tmall runs on the same TOP refund APIs; its profile (deadlines) and phase rules differ."""

    platform = "tmall"
