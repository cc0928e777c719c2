"""The poller: bad settings stop only their shop (loudly), mapping failures keep the raw record,
and each batch commits with its cursor so a failure mid-poll loses nothing and repeats nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from marketplace_returns.connectors.base import FetchBatch, FetchedCase, MappingIssue, ShopConfig
from marketplace_returns.errors import PlatformUnavailable, PlaybookError
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.poller import poll_shop
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, PollCursor, Shop
from service_db import migrated
from service_fakes import FAKE_TRIAGE, FakeClock, FakeConnector, make_context


def _load(name: str, overrides: Any = None) -> str:
    if name == "broken":
        raise PlaybookError("unknown field 'colour'", file="broken.yaml", path="rules.0.when", line=3)
    return name


@pytest.fixture
def platform() -> FakeConnector:
    conn = FakeConnector()
    for i in range(5):
        conn.add(f"r{i}", reason="manual")
    return conn


@pytest.fixture
def ctx(tmp_path: Path, platform: FakeConnector) -> Iterator[ServiceContext]:
    with migrated("sqlite", tmp_path, None) as url:
        c = make_context(url, platform, FakeClock(), shops=("good", "bad-playbook", "bad-secret"))
        c = dataclasses.replace(c, triage=dataclasses.replace(FAKE_TRIAGE, load_playbook=_load))
        with Session(c.db) as session:
            unset = {"token": "env:MR_TEST_SURELY_UNSET"}
            for shop_id, values in (("bad-playbook", {"playbook": "broken"}),
                                    ("bad-secret", {"credentials_ref": unset})):
                shop = session.get(Shop, shop_id)
                assert shop is not None
                for k, v in values.items():
                    setattr(shop, k, v)
                session.add(shop)
            session.commit()
        yield c
        c.db.dispose()


async def test_a_bad_shop_stops_alone_and_loudly(ctx: ServiceContext,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    reports = {s: await poll_shop(ctx, s) for s in ("bad-playbook", "good", "bad-secret")}
    assert reports["good"].decisions == 5 and reports["good"].skipped is None
    for bad, words in (("bad-playbook", "colour"), ("bad-secret", "MR_TEST_SURELY_UNSET")):
        assert "configuration error" in (reports[bad].skipped or "")
        with Session(ctx.db) as session:
            shop = session.get(Shop, bad)
            assert shop is not None and words in (shop.config_error or "")
            assert [e.event for e in repo.list_audit(session, shop_id=bad)] == ["config_error"]
        assert any(bad in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    again = await poll_shop(ctx, "bad-playbook")  # stays stopped until the settings are fixed
    assert "configuration error" in (again.skipped or "")


async def test_mapping_failures_keep_the_raw_record_and_are_flagged(ctx: ServiceContext,
                                                                    platform: FakeConnector) -> None:
    original = platform._fetched

    def fetched(raw: dict[str, Any]) -> FetchedCase:
        if raw["refund_id"] == "r2":
            return FetchedCase(refund_id="r2", case=None, raw=raw, version="1",
                               mapping_issue=MappingIssue(field="refund_fee", message="not a number"))
        return original(raw)

    platform._fetched = fetched  # type: ignore[method-assign]
    report = await poll_shop(ctx, "good")
    assert (report.mapping_issues, report.decisions) == (1, 4)
    with Session(ctx.db) as session:
        row = session.exec(select(CaseRecord).where(CaseRecord.refund_id == "r2")).one()
        assert row.raw is not None and row.raw["refund_id"] == "r2"
        assert row.mapping_error == "refund_fee: not a number"
        assert "mapping_error" in [e.event for e in repo.list_audit(session, shop_id="good")]


class FailingAfterOneBatch(FakeConnector):
    fail = True

    async def fetch_changed(self, shop: ShopConfig, since_cursor: str | None, *,
                            known: Any = None) -> AsyncIterator[FetchBatch]:
        async for batch in super().fetch_changed(shop, since_cursor):
            yield batch
            if self.fail:
                self.fail = False
                raise PlatformUnavailable("503 after the first page", platform="fake")


async def test_each_batch_commits_with_its_cursor(tmp_path: Path) -> None:
    platform = FailingAfterOneBatch()
    for i in range(5):
        platform.add(f"r{i}", reason="manual")
    with migrated("sqlite", tmp_path, None) as url:
        ctx = make_context(url, platform, FakeClock(), shops=("good",))
        first = await poll_shop(ctx, "good")
        assert first.error and "503" in first.error and first.batches == 1
        with Session(ctx.db) as session:
            cursor = session.get(PollCursor, "good")
            assert cursor is not None and cursor.cursor == "2" and cursor.lease_owner is None
            assert "503" in (cursor.last_error or "")
        second = await poll_shop(ctx, "good")
        assert second.error is None and second.decisions == 3
        with Session(ctx.db) as session:
            assert len(session.exec(select(DecisionRecord.id)).all()) == 5  # each refund triaged once
        ctx.db.dispose()


async def test_a_refund_closed_on_the_platform_leaves_the_queue(tmp_path: Path) -> None:
    platform = FakeConnector()
    platform.add("r0", reason="manual")
    with migrated("sqlite", tmp_path, None) as url:
        ctx = make_context(url, platform, FakeClock(), shops=("good",))
        await poll_shop(ctx, "good")
        original = platform._fetched

        def closed(raw: dict[str, Any]) -> FetchedCase:
            return original(raw).model_copy(update={"platform_status": "CLOSED", "version": "2"})

        platform._fetched = closed  # type: ignore[method-assign]
        with Session(ctx.db) as session:
            session.get(PollCursor, "good").cursor = None  # type: ignore[union-attr]
            session.commit()
        report = await poll_shop(ctx, "good")
        assert report.decisions == 0
        with Session(ctx.db) as session:
            assert repo.list_queue(session) == []
            [d] = session.exec(select(DecisionRecord)).all()
            assert (d.status, d.reviewed_by) == ("expired", "platform")
            case = session.exec(select(CaseRecord)).one()
            assert case.completed_at is not None
        ctx.db.dispose()
