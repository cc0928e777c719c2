"""TaobaoConnector over respx: paging and window edges, dedupe, and each action's TOP call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace_returns.connectors import create_connector
from marketplace_returns.connectors.base import (
    ActionOutcome,
    ActionRequest,
    Connector,
    FetchBatch,
    ShopConfig,
)
from marketplace_returns.connectors.taobao.actions import truncate_utf8
from marketplace_returns.connectors.taobao.connector import TaobaoConnector, TmallConnector, change_token
from marketplace_returns.connectors.taobao.signing import format_timestamp, parse_timestamp
from marketplace_returns.errors import PlatformUnavailable
from marketplace_returns.models.vocabulary import Action
from taobao_payloads import (
    APP_KEY,
    APP_SECRET,
    MESSAGE,
    ROUTER,
    SESSION,
    agree_ok,
    error,
    listed,
    messages_get,
    ok,
    receive_page,
    refund,
    refund_get,
    shop,
)

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


async def _no_sleep(_: float) -> None:
    return None


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


class FakeTop:
    """Serves refunds.receive.get from a list, honouring the window and paging like TOP."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.windows: list[tuple[str, str, int, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = _form(request)
        start, end = parse_timestamp(form["start_modified"]), parse_timestamp(form["end_modified"])
        page_no, size = int(form["page_no"]), int(form["page_size"])
        self.windows.append((form["start_modified"], form["end_modified"], page_no, size))
        hits = [r for r in self.records if start <= parse_timestamp(r["modified"]) <= end]
        page = hits[(page_no - 1) * size: page_no * size]
        return httpx.Response(200, json=receive_page(page, has_next=len(hits) > page_no * size))


def _records(n: int, at: Callable[[int], datetime], status: str = "SUCCESS") -> list[dict[str, Any]]:
    return [listed(refund_id=1000 + i, status=status, modified=format_timestamp(at(i))) for i in range(n)]


async def _collect(conn: TaobaoConnector, cursor: str | None) -> list[FetchBatch]:
    return [b async for b in conn.fetch_changed(shop(), cursor)]


def _connector(**kw: Any) -> TaobaoConnector:
    # httpx's own transport, which respx patches; the connector's default client sends over aiohttp
    # (tests/test_transport.py, and the sandbox end-to-end tests)
    kw.setdefault("client", httpx.AsyncClient())
    kw.setdefault("clock", lambda: NOW)
    return TaobaoConnector(sleep=_no_sleep, **kw)


def test_satisfies_protocol_and_capabilities() -> None:
    conn = _connector()
    assert isinstance(conn, Connector)
    caps = conn.capabilities()
    assert caps.supports(Action.OFFER_PARTIAL_REFUND) and not caps.supports(Action.EXCHANGE)
    assert "negotiatereturn" in caps.actions[Action.OFFER_PARTIAL_REFUND].how
    assert TmallConnector(clock=lambda: NOW).capabilities().platform == "tmall"


@pytest.mark.parametrize(("n", "pages"), [(0, 1), (1, 1), (99, 1), (100, 1), (101, 2), (250, 3)])
@respx.mock
async def test_paging_edges(n: int, pages: int) -> None:
    fake = FakeTop(_records(n, lambda i: NOW - timedelta(minutes=30)))
    respx.post(ROUTER, data__contains={"method": "taobao.refunds.receive.get"}, name="receive").mock(
        side_effect=fake)
    conn = _connector(window_seconds=3600)
    batches = await _collect(conn, (NOW - timedelta(hours=1)).isoformat())
    ids = [c.refund_id for b in batches for c in b.cases]
    assert len(ids) == len(set(ids)) == n
    # a window of several pages is read once more to catch refunds shifted between pages
    read: dict[tuple[str, str], list[int]] = {}
    for start, end, page_no, _ in fake.windows:
        read.setdefault((start, end), []).append(page_no)
    first_pass = list(range(1, pages + 1))
    assert next(iter(read.values())) == (first_pass if pages == 1 else first_pass * 2)
    assert all(p == [1] for p in list(read.values())[1:])
    assert all(w[3] == 100 for w in fake.windows)
    assert batches[-1].cursor == NOW.isoformat()
    assert sum(b.api_calls for b in batches) == conn.client.total_calls
    await conn.aclose()


@respx.mock
async def test_window_edges_lookback_and_cursor_cap() -> None:
    cursor = NOW - timedelta(hours=3)
    # one refund exactly on every hour edge, one exactly at the cursor, one inside the lookback
    times = [cursor - timedelta(seconds=200), cursor, *(cursor + timedelta(hours=h) for h in (1, 2, 3))]
    fake = FakeTop(_records(len(times), lambda i: times[i]))
    respx.post(ROUTER, name="receive").mock(side_effect=fake)
    conn = _connector(window_seconds=3600, max_window_seconds=3600)
    batches = await _collect(conn, cursor.isoformat())
    ids = sorted(c.refund_id for b in batches for c in b.cases)
    assert ids == [str(1000 + i) for i in range(len(times))]  # none lost, none twice
    assert fake.windows[0][0] == format_timestamp(cursor - timedelta(seconds=300))
    for earlier, later in zip(fake.windows, fake.windows[1:], strict=False):
        assert later[0] == earlier[1]  # consecutive windows share their edge second
    assert max(parse_timestamp(w[1]) for w in fake.windows) == NOW
    assert batches[-1].cursor == NOW.isoformat()


@respx.mock
async def test_mid_window_pages_keep_the_window_start_as_cursor() -> None:
    fake = FakeTop(_records(150, lambda i: NOW - timedelta(minutes=10)))
    respx.post(ROUTER, name="receive").mock(side_effect=fake)
    start = NOW - timedelta(minutes=30)
    batches = await _collect(_connector(), start.isoformat())
    assert [len(b.cases) for b in batches] == [100, 50, 0, 0]  # the confirming pass finds nothing new
    assert parse_timestamp(fake.windows[0][0]) == datetime.fromisoformat(batches[0].cursor)
    assert {b.cursor for b in batches[:-1]} == {batches[0].cursor}
    assert batches[-1].cursor == NOW.isoformat()


@respx.mock
async def test_duplicated_and_reordered_pages_yield_each_refund_once() -> None:
    records = _records(30, lambda i: NOW - timedelta(minutes=5))
    pages = [receive_page(records[:20][::-1], has_next=True),
             receive_page(records[10:30], has_next=False)]  # overlap of 10, first page reversed
    respx.post(ROUTER, name="receive").mock(side_effect=[httpx.Response(200, json=p) for p in pages * 2])
    batches = await _collect(_connector(), (NOW - timedelta(minutes=20)).isoformat())
    ids = [c.refund_id for b in batches for c in b.cases]
    assert sorted(ids) == sorted(str(r["refund_id"]) for r in records)


@respx.mock
async def test_open_refunds_are_detailed_and_bad_ones_flagged() -> None:
    good = listed(refund_id=1, status="WAIT_SELLER_AGREE", modified=format_timestamp(NOW))
    weird = listed(refund_id=2, status="WAIT_ALIENS", modified=format_timestamp(NOW))
    respx.post(ROUTER, data__contains={"method": "taobao.refunds.receive.get"}, name="receive").mock(
        return_value=httpx.Response(200, json=receive_page([good, weird], has_next=False)))
    detail = respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="detail").mock(
        return_value=httpx.Response(200, json=refund_get(refund(refund_id=1))))
    log = respx.post(ROUTER, data__contains={"method": "taobao.refund.messages.get"}, name="messages").mock(
        return_value=httpx.Response(200, json=messages_get([MESSAGE])))
    conn = _connector()
    batches = await _collect(conn, (NOW - timedelta(minutes=1)).isoformat())
    by_id = {c.refund_id: c for b in batches for c in b.cases}
    assert log.call_count == 1 and by_id["1"].case is not None and by_id["1"].case.photos == 2
    assert by_id["1"].version == "1732069132000|aftersale" and by_id["1"].deadline is not None
    assert by_id["2"].case is None and by_id["2"].mapping_issue is not None
    assert by_id["2"].mapping_issue.field == "status" and by_id["2"].raw == weird
    assert detail.call_count == 1 and conn.mapping_issues == 1


@respx.mock
async def test_records_the_store_holds_in_the_same_listing_state_are_skipped_before_detail_reads() -> None:
    same = listed(refund_id=1, status="WAIT_SELLER_AGREE", modified=format_timestamp(NOW))
    moved = listed(refund_id=3, status="WAIT_SELLER_AGREE", modified=format_timestamp(NOW))
    new = listed(refund_id=4, status="WAIT_SELLER_AGREE", modified=format_timestamp(NOW))
    respx.post(ROUTER, data__contains={"method": "taobao.refunds.receive.get"}, name="receive").mock(
        return_value=httpx.Response(200, json=receive_page([same, moved, new], has_next=False)))
    detail = respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="detail").mock(
        side_effect=lambda request: httpx.Response(200, json=refund_get(refund(
            refund_id=int(_form(request)["refund_id"])))))
    respx.post(ROUTER, data__contains={"method": "taobao.refund.messages.get"}, name="messages").mock(
        return_value=httpx.Response(200, json=messages_get([MESSAGE])))
    asked: list[list[str]] = []

    async def known(refund_ids: list[str]) -> dict[str, str | None]:
        asked.append(refund_ids)
        # refund 1 stored in exactly this state; refund 3 stored before its last change; 4 never
        return {"1": change_token(same), "3": "WAIT_SELLER_AGREE|2026-11-22 10:00:00"}

    conn = _connector()
    since = (NOW - timedelta(minutes=1)).isoformat()
    batches = [b async for b in conn.fetch_changed(shop(), since, known=known)]
    fetched = [c for b in batches for c in b.cases]
    assert asked == [["1", "3", "4"]]
    assert sorted(c.refund_id for c in fetched) == ["3", "4"]
    assert detail.call_count == 2
    assert {c.change_token for c in fetched} == {change_token(moved)}  # the listed state, stored with it
    assert batches[-1].cursor == NOW.isoformat()  # the cursor moves on all the same


@respx.mock
async def test_a_refund_shifted_into_an_already_read_page_is_found_by_the_confirming_pass() -> None:
    records = _records(150, lambda i: NOW - timedelta(minutes=10, seconds=-i))
    fake = FakeTop(records)

    def shifting(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if _form(request)["page_no"] == "1" and len(fake.windows) == 1:
            # a refund of page 1 is modified (say, this seller's own push) right after page 1 is read:
            # it leaves the window and the first refund of page 2 moves up into page 1
            records[0] = {**records[0], "modified": format_timestamp(NOW + timedelta(minutes=5))}
        return answer

    respx.post(ROUTER, name="receive").mock(side_effect=shifting)
    batches = await _collect(_connector(), (NOW - timedelta(minutes=30)).isoformat())
    ids = [c.refund_id for b in batches for c in b.cases]
    assert len(ids) == len(set(ids)) == 150  # none lost, none twice
    # the shifted one on the second pass; a third finds nothing more and ends the window
    assert [len(b.cases) for b in batches] == [100, 49, 1, 0, 0, 0]


def _action(action: Action, **kw: Any) -> ActionRequest:
    return ActionRequest(refund_id="178232201573110528", action=action, idempotency_key="k1",
                         expected_version="1732069132000|aftersale", **kw)


def _mock_state(record: dict[str, Any], messages: list[dict[str, Any]] | None = None) -> None:
    respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="detail").mock(
        return_value=httpx.Response(200, json=refund_get(record)))
    respx.post(ROUTER, data__contains={"method": "taobao.refund.messages.get"}, name="messages").mock(
        return_value=httpx.Response(200, json=messages_get(messages or [])))


@respx.mock
async def test_refund_without_return_sends_fen_version_phase() -> None:
    _mock_state(refund(refund_fee="89.05"))
    agree = respx.post(ROUTER, data__contains={"method": "taobao.rp.refunds.agree"}, name="agree").mock(
        return_value=httpx.Response(200, json=agree_ok(178232201573110528)))
    result = await _connector().apply(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert result.outcome is ActionOutcome.APPLIED and result.api_calls == 2
    infos = _form(agree.calls.last.request)["refund_infos"]
    assert infos == "178232201573110528|8905|1732069132000|aftersale"


@pytest.mark.parametrize(("status", "method"), [
    ("WAIT_SELLER_AGREE", "taobao.rp.returngoods.agree"),
    ("WAIT_SELLER_CONFIRM_GOODS", "taobao.rp.refunds.agree"),
])
@respx.mock
async def test_return_and_refund_by_status(status: str, method: str) -> None:
    _mock_state(refund(status=status))
    route = respx.post(ROUTER, data__contains={"method": method}, name="write").mock(
        return_value=httpx.Response(200, json=agree_ok(178232201573110528) if "refunds" in method
                                    else ok(method)))
    result = await _connector().apply(shop(options={"seller_address_id": 77}),
                                      _action(Action.RETURN_AND_REFUND))
    assert result.outcome is ActionOutcome.APPLIED and route.call_count == 1
    form = _form(route.calls.last.request)
    if method == "taobao.rp.returngoods.agree":
        assert form["refund_version"] == "1732069132000" and form["seller_address_id"] == "77"


@pytest.mark.parametrize(("status", "method"), [
    ("WAIT_SELLER_AGREE", "taobao.refund.refuse"),
    ("WAIT_SELLER_CONFIRM_GOODS", "taobao.rp.returngoods.refuse"),
])
@respx.mock
async def test_refuse_by_status(status: str, method: str) -> None:
    _mock_state(refund(status=status))
    route = respx.post(ROUTER, data__contains={"method": method}, name="write").mock(
        return_value=httpx.Response(200, json=ok(method)))
    result = await _connector().apply(shop(), _action(Action.REFUSE, reply_text="已发货，物流显示已签收"))
    assert result.outcome is ActionOutcome.APPLIED
    assert _form(route.calls.last.request)["refund_phase"] == "aftersale"


@respx.mock
async def test_partial_offer_is_a_message_then_negotiatereturn() -> None:
    _mock_state(refund())
    add = respx.post(ROUTER, data__contains={"method": "taobao.refund.message.add"}, name="add").mock(
        return_value=httpx.Response(200, json=ok("taobao.refund.message.add")))
    neg = respx.post(ROUTER, data__contains={"method": "taobao.refund.negotiatereturn"}, name="neg").mock(
        return_value=httpx.Response(200, json=ok("taobao.refund.negotiatereturn")))
    text = "亲，给您补偿20元可以吗？" * 40
    result = await _connector().apply(
        shop(), _action(Action.OFFER_PARTIAL_REFUND, amount=Decimal("20.00"), reply_text=text))
    assert result.outcome is ActionOutcome.APPLIED
    content = _form(add.calls.last.request)["content"]
    assert len(content.encode()) <= 400 and text.startswith(content)
    assert _form(neg.calls.last.request)["refund_fee"] == "2000"


@respx.mock
async def test_stale_version_is_not_sent() -> None:
    _mock_state(refund(refund_version=1732069999000))
    agree = respx.post(ROUTER, data__contains={"method": "taobao.rp.refunds.agree"}, name="agree")
    result = await _connector().apply(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert result.outcome is ActionOutcome.STALE and agree.call_count == 0


@respx.mock
@pytest.mark.parametrize("may_have_been_sent", [False, True])
async def test_a_counter_offer_that_may_have_landed_is_not_offered_again(may_have_been_sent: bool) -> None:
    # The refund moved since the decision. A first attempt (its worker killed after negotiatereturn,
    # before message.add) may have moved it: TOP shows no counter-offer on the refund, so then the
    # offer is taken as landed and only its message goes out; otherwise the push is stale (re-triage).
    _mock_state(refund(refund_version=1732069999000))
    add = respx.post(ROUTER, data__contains={"method": "taobao.refund.message.add"}, name="add").mock(
        return_value=httpx.Response(200, json=ok("taobao.refund.message.add")))
    neg = respx.post(ROUTER, data__contains={"method": "taobao.refund.negotiatereturn"}, name="neg")
    result = await _connector().apply(shop(), _action(
        Action.OFFER_PARTIAL_REFUND, amount=Decimal("20.00"), reply_text="亲，给您补偿20元可以吗？",
        may_have_been_sent=may_have_been_sent))
    assert neg.call_count == 0
    if may_have_been_sent:
        assert result.outcome is ActionOutcome.APPLIED and add.call_count == 1
        assert _form(add.calls.last.request)["content"] == "亲，给您补偿20元可以吗？"
    else:
        assert result.outcome is ActionOutcome.STALE and add.call_count == 0


@respx.mock
async def test_platform_stale_answer_is_stale() -> None:
    _mock_state(refund())
    respx.post(ROUTER, data__contains={"method": "taobao.rp.refunds.agree"}, name="agree").mock(
        return_value=httpx.Response(200, json=error(15, "Remote service error",
                                                    "isv.refund-version-not-match")))
    result = await _connector().apply(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert result.outcome is ActionOutcome.STALE


@respx.mock
async def test_already_agreed_is_already_done_and_found() -> None:
    _mock_state(refund(status="SUCCESS"))
    conn = _connector()
    result = await conn.apply(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert result.outcome is ActionOutcome.ALREADY_DONE
    found = await conn.find_applied(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert found is not None and found.outcome is ActionOutcome.ALREADY_DONE


@respx.mock
async def test_message_already_posted_is_found_and_missing_one_is_not() -> None:
    text = "请补充商品破损处的照片，谢谢"
    _mock_state(refund(), [{"id": 1, "owner_role": "2", "content": text, "refund_id": 1}])
    conn = _connector()
    assert await conn.find_applied(shop(), _action(Action.REQUEST_EVIDENCE, reply_text=text)) is not None
    assert await conn.find_applied(shop(), _action(Action.REQUEST_EVIDENCE, reply_text="别的")) is None


@respx.mock
async def test_ambiguous_timeout_then_effect_present_is_already_done() -> None:
    respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="detail").mock(side_effect=[
        httpx.Response(200, json=refund_get(refund())),
        httpx.Response(200, json=refund_get(refund(status="SUCCESS")))])
    respx.post(ROUTER, data__contains={"method": "taobao.rp.refunds.agree"}, name="agree").mock(
        side_effect=httpx.ReadTimeout("timed out"))
    result = await _connector().apply(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert result.outcome is ActionOutcome.ALREADY_DONE


async def test_unsupported_action_is_rejected_without_a_call() -> None:
    result = await _connector().apply(shop(), _action(Action.EXCHANGE))
    assert result.outcome is ActionOutcome.REJECTED and result.api_calls == 0


def test_truncate_never_splits_a_character() -> None:
    text = "退" * 200  # 600 bytes
    cut = truncate_utf8(text)
    assert cut == "退" * 133 and len(cut.encode()) == 399


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.integers(min_value=0, max_value=6 * 3600), max_size=60),
       window=st.sampled_from([60, 600, 3600, 7200]), lookback=st.integers(min_value=0, max_value=900),
       split=st.integers(min_value=1, max_value=6 * 3600))
def test_two_runs_cover_every_refund_once_per_run(offsets: list[int], window: int, lookback: int,
                                                  split: int) -> None:
    """Whatever the windows and lookback, run 1 (up to ``split``) + run 2 (from its cursor) miss nothing."""
    origin = NOW - timedelta(hours=6)
    times = [origin + timedelta(seconds=o) for o in offsets]
    records = _records(len(times), lambda i: times[i])
    first_now = origin + timedelta(seconds=split)

    async def run() -> tuple[list[str], list[str]]:
        with respx.mock:
            fake = FakeTop(records)
            respx.post(ROUTER, name="receive").mock(side_effect=fake)
            s = shop(lookback_seconds=lookback)
            one = _connector(clock=lambda: first_now, window_seconds=window, backfill_seconds=6 * 3600)
            first = [b async for b in one.fetch_changed(s, None)]
            # refunds modified after the first run's frozen start are not in it
            two = _connector(window_seconds=window)
            second = [b async for b in two.fetch_changed(s, first[-1].cursor)]
        return ([c.refund_id for b in first for c in b.cases], [c.refund_id for b in second for c in b.cases])

    first_ids, second_ids = asyncio.run(run())
    assert len(first_ids) == len(set(first_ids)) and len(second_ids) == len(set(second_ids))
    expected_first = {str(r["refund_id"]) for r, t in zip(records, times, strict=True) if t <= first_now}
    assert set(first_ids) == expected_first
    assert set(first_ids) | set(second_ids) == {str(r["refund_id"]) for r in records}


@respx.mock
async def test_agree_refused_in_results_is_rejected_unless_it_moved() -> None:
    respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="detail").mock(
        return_value=httpx.Response(200, json=refund_get(refund())))
    body = agree_ok(178232201573110528)
    inner = body["rp_refunds_agree_response"]
    inner.update(succ=False, msg_code="OP_FAILURE_UE")
    inner["results"]["refund_mapping_result"][0].update(succ=False, message="需要短信验证码")
    respx.post(ROUTER, data__contains={"method": "taobao.rp.refunds.agree"}, name="agree").mock(
        return_value=httpx.Response(200, json=body))
    result = await _connector().apply(shop(), _action(Action.REFUND_WITHOUT_RETURN))
    assert result.outcome is ActionOutcome.REJECTED and result.message == "需要短信验证码"


@pytest.mark.parametrize(("answer", "outcome"), [
    (httpx.Response(200, json=error(15, "Remote service error", "isv.refund-not-exist")), "fallback"),
    (httpx.Response(503, text="busy"), "raise"),
])
@respx.mock
async def test_detail_failure_falls_back_or_fails_the_batch(answer: httpx.Response, outcome: str) -> None:
    respx.post(ROUTER, data__contains={"method": "taobao.refunds.receive.get"}, name="receive").mock(
        return_value=httpx.Response(200, json=receive_page(
            [listed(refund_id=5, status="WAIT_SELLER_AGREE", modified=format_timestamp(NOW))],
            has_next=False)))
    respx.post(ROUTER, data__contains={"method": "taobao.refund.get"}, name="detail").mock(
        return_value=answer)
    conn = _connector(max_attempts=2)
    if outcome == "raise":
        with pytest.raises(PlatformUnavailable):
            await _collect(conn, (NOW - timedelta(minutes=1)).isoformat())
        return
    batches = await _collect(conn, (NOW - timedelta(minutes=1)).isoformat())
    (fetched,) = [c for b in batches for c in b.cases]
    assert fetched.case is not None and fetched.version is None


def test_discovered_by_name() -> None:
    conn = create_connector("tmall")
    assert isinstance(conn, TmallConnector) and conn.platform == "tmall"
    assert ShopConfig.model_fields["credentials"].annotation is not None
    assert "secret" not in repr(conn).lower()


@respx.mock
async def test_retry_logs_carry_no_credentials(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(ROUTER, name="all").mock(side_effect=[
        httpx.Response(500, text="x"), httpx.Response(200, json=refund_get(refund()))])
    with caplog.at_level(logging.DEBUG):
        await _connector(messages="none").get(shop(), "178232201573110528")
    assert "retry" in caplog.text
    for secret in (APP_SECRET, SESSION, APP_KEY):
        assert secret not in caplog.text
