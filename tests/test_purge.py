"""purge_buyer: one buyer's personal data leaves the store; business facts and other buyers stay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from marketplace_returns.errors import InputError
from marketplace_returns.security.pii import PURGED
from marketplace_returns.security.purge import buyer_pseudonym, is_purged, purge_buyer, purge_record
from marketplace_returns.security.replay import WebhookReceipt  # noqa: F401 - registers webhook_receipts
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction

NOW = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
BUYER = "AAHk5d-EAAeGwJedwSHpg8bT"
OTHER = "AAGvXj-QAAZ8lPKEeFrSBJtC"


def _raw(nick: str, name: str, phone: str, desc: str, uid: str = BUYER) -> dict[str, object]:
    return {"refund_id": "x", "buyer_nick": nick, "buyer_open_uid": uid, "receiver_name": name,
            "receiver_mobile": phone, "receiver_address": "浙江省杭州市西湖区文三路123号", "desc": desc,
            "reason": "质量问题", "refund_fee": "199.00", "title": "法式碎花连衣裙"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
        SQLModel.metadata.create_all(eng)
        yield eng
        eng.dispose()
        return
    # A schema of its own on the shared server: the service's migrations own "public".
    url = request.getfixturevalue("postgres_url")
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS purge_test CASCADE"))
        conn.execute(text("CREATE SCHEMA purge_test"))
    eng = create_engine(url, connect_args={"options": "-csearch_path=purge_test"})
    SQLModel.metadata.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA purge_test CASCADE"))
        admin.dispose()


def _seed(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        mine = [CaseRecord(shop_id=shop, platform="taobao", refund_id=rid, buyer_id=BUYER, reason="质量问题",
                           message="衣服有个洞，我是小明，电话13812345678", item_price=Decimal("199.00"),
                           raw=_raw("tb小明", "王小明", "13812345678", "衣服有个洞，电话13812345678"),
                           case_json={"refund_id": rid, "platform": "taobao", "item_price": 199.0,
                                      "reason": "质量问题", "message": "衣服有个洞", "buyer_id": BUYER})
                for shop, rid in (("shop-a", "r1"), ("shop-b", "r2"))]
        theirs = CaseRecord(shop_id="shop-a", platform="taobao", refund_id="r3", buyer_id=OTHER,
                            reason="7天无理由", message="不想要了，电话13900001111",
                            item_price=Decimal("59.00"),
                            raw=_raw("tb阿花", "李阿花", "13900001111", "不想要了", OTHER))
        s.add_all([*mine, theirs])
        s.flush()
        assert mine[0].id is not None and theirs.id is not None
        s.add(DecisionRecord(case_id=mine[0].id, rule="quality.defect", action="return_and_refund",
                             amount=Decimal("199.00"),
                             decision_json={
                                 "reply": {"lang": "zh", "text": "王小明您好，已为您安排退货退款。"},
                                 "classification": {"evidence": ["电话13812345678", "有个洞"]}}))
        s.add(AuditEvent(at=NOW, shop_id="shop-a", case_id=mine[0].id, actor="rep:amy", event="edited",
                         detail={"reply_text": "王小明您好，请寄回"}))
        s.commit()
        return mine[0].id, mine[1].id or 0, theirs.id


def test_purge_blanks_the_buyer_and_keeps_the_business_record(engine: Engine) -> None:
    first, second, other = _seed(engine)
    with Session(engine) as s:
        report = purge_buyer(s, buyer_id=BUYER, actor="rep:dpo", now=NOW)
        s.commit()
    assert report.case_ids == [first, second] and report.cases == 2
    assert report.decisions_masked == 1 and report.audit_events_masked == 1
    assert report.buyer == buyer_pseudonym(BUYER) and BUYER not in report.buyer

    with Session(engine) as s:
        for case_id in (first, second):
            case = s.get(CaseRecord, case_id)
            assert case is not None and case.raw is not None and case.case_json is not None
            assert case.message is None and case.buyer_id == report.buyer
            assert case.raw["buyer_nick"] == case.raw["receiver_name"] == case.raw["desc"] == PURGED
            assert case.raw["receiver_mobile"] == case.raw["receiver_address"] == PURGED
            assert case.raw["reason"] == "质量问题" and case.raw["refund_fee"] == "199.00"
            assert case.raw["title"] == "法式碎花连衣裙" and case.item_price == Decimal("199.00")
            assert case.case_json["message"] is None and case.case_json["buyer_id"] == report.buyer
            stored = json.dumps([case.raw, case.case_json, case.message], ensure_ascii=False)
            for personal in ("小明", "13812345678", "文三路", BUYER):
                assert personal not in stored
        decision = s.exec(select(DecisionRecord)).one()
        text = json.dumps(decision.decision_json, ensure_ascii=False)
        assert "王小明" not in text and "13812345678" not in text and "安排退货退款" in text
        edited = s.exec(select(AuditEvent).where(AuditEvent.event == "edited")).one()
        assert "王小明" not in json.dumps(edited.detail, ensure_ascii=False)
        purged = s.exec(select(AuditEvent).where(AuditEvent.event == "pii_purged")).all()
        assert sorted(e.case_id or 0 for e in purged) == [first, second]
        assert all(e.actor == "rep:dpo" and e.detail and e.detail["buyer"] == report.buyer for e in purged)
        assert BUYER not in json.dumps([e.detail for e in purged])

        theirs = s.get(CaseRecord, other)
        assert theirs is not None and theirs.raw is not None
        assert theirs.message == "不想要了，电话13900001111" and theirs.raw["receiver_name"] == "李阿花"
        assert theirs.buyer_id == theirs.raw["buyer_open_uid"] == OTHER


def test_purge_twice_finds_the_same_cases_and_an_unknown_buyer_finds_none(engine: Engine) -> None:
    _seed(engine)
    with Session(engine) as s:
        purge_buyer(s, buyer_id=BUYER, now=NOW)
        s.commit()
        again = purge_buyer(s, buyer_id=BUYER, now=NOW)
        s.commit()
        assert again.cases == 2 and again.decisions_masked == 0
        assert purge_buyer(s, buyer_id="nobody-at-all", now=NOW).cases == 0


def test_purge_is_all_or_nothing_inside_the_callers_transaction(engine: Engine) -> None:
    first, _, _ = _seed(engine)
    with Session(engine) as s:
        purge_buyer(s, buyer_id=BUYER, now=NOW)
        s.rollback()
    with Session(engine) as s:
        case = s.get(CaseRecord, first)
        assert case is not None and case.buyer_id == BUYER and case.message is not None
        assert s.exec(select(AuditEvent).where(AuditEvent.event == "pii_purged")).all() == []


def test_empty_buyer_id_is_refused(engine: Engine) -> None:
    with Session(engine) as s, pytest.raises(InputError):
        purge_buyer(s, buyer_id="  ")


def test_a_fresh_copy_from_the_platform_is_purged_the_same_way(engine: Engine) -> None:
    first, _, _ = _seed(engine)
    with Session(engine) as s:
        purge_buyer(s, buyer_id=BUYER, now=NOW)
        s.commit()
        stored = s.get(CaseRecord, first)
        assert stored is not None and is_purged(stored.buyer_id) and not is_purged(BUYER)
        fresh = _raw("tb小明", "王小明", "13812345678", "衣服有个洞，电话13812345678")
        assert purge_record(fresh, buyer_id=BUYER) == stored.raw  # nothing new to write back
        assert not is_purged(None) and purge_record(None, buyer_id=BUYER) is None


def test_purge_limited_to_a_shop_leaves_the_other_shops_cases(engine: Engine) -> None:
    _seed(engine)
    with Session(engine) as s:
        report = purge_buyer(s, buyer_id=BUYER, now=NOW, shop_id="shop-a")
        s.commit()
        rows = {c.refund_id: c for c in s.exec(select(CaseRecord)).all()}
    assert len(report.case_ids) == 1
    assert rows["r1"].buyer_id == buyer_pseudonym(BUYER) and rows["r1"].message is None
    assert rows["r2"].buyer_id == BUYER and rows["r2"].message  # shop-b: untouched


def test_purge_command_needs_yes_without_a_terminal_and_reports_counts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from marketplace_returns.cli import app
    from marketplace_returns.service.db import make_engine, upgrade_database

    url = upgrade_database(f"sqlite:///{tmp_path / 'svc.db'}")
    engine = make_engine(url)
    _seed(engine)
    runner = CliRunner()
    refused = runner.invoke(app, ["buyers", "purge", "--buyer", BUYER, "--db", url])
    assert refused.exit_code == 2 and "--yes" in refused.output
    done = runner.invoke(app, ["buyers", "purge", "--buyer", BUYER, "--db", url, "--yes"])
    assert done.exit_code == 0, done.output
    assert "purged 2 cases as purged:" in done.output and BUYER not in done.output
    with Session(engine) as s:
        assert {c.buyer_id for c in s.exec(select(CaseRecord)).all()} == {buyer_pseudonym(BUYER), OTHER}
    engine.dispose()


def test_purge_reaches_every_table_that_holds_buyer_text(engine: Engine) -> None:
    """Outbox replies, ``edited`` audit events and evidence quotes too; names masked unlabelled, the
    nick masked even when it is the (short) buyer id itself."""
    nick, name, said = "tb阿明", "陈阿明", "盒子坏了"
    with Session(engine) as s:
        case = CaseRecord(shop_id="shop-a", platform="taobao", refund_id="r9", buyer_id=nick, message=said,
                          raw={"refund_id": "r9", "buyer_nick": nick, "receiver_name": name, "desc": said},
                          case_json={"refund_id": "r9", "message": said, "buyer_id": nick})
        s.add(case)
        s.flush()
        assert case.id is not None
        decision = DecisionRecord(case_id=case.id, action="return_and_refund", decision_json={
            "reply": {"text": f"{nick} 您好，已为您安排退货。"},
            "classification": {"evidence": [f'message "{said}" → damaged', 'reason "质量问题" → defect']}})
        s.add(decision)
        s.flush()
        assert decision.id is not None
        s.add(OutboxAction(case_id=case.id, decision_id=decision.id, shop_id="shop-a", refund_id="r9",
                           action="return_and_refund", reply_text=f"{name}您好，请寄回",
                           idempotency_key="k9"))
        s.add(AuditEvent(at=NOW, shop_id="shop-a", case_id=case.id, actor="rep:amy", event="edited",
                         detail={"reply": f"{name}您好，请寄回", "engine": {"reply": f"{nick} 您好"}}))
        s.add(AuditEvent(at=NOW, shop_id="shop-a", case_id=case.id, actor="engine", event="decided",
                         detail={"evidence": [f'message "{said}" → damaged']}))
        s.commit()
    with Session(engine) as s:
        report = purge_buyer(s, buyer_id=nick, now=NOW)
        s.commit()
    assert report.cases == 1 and report.outbox_masked == 1 and report.audit_events_masked == 2
    def readable(value: object) -> str:  # JSON columns come back as text with \\u escapes on SQLite
        if isinstance(value, str) and value[:1] in "[{":
            try:
                return json.dumps(json.loads(value), ensure_ascii=False)
            except ValueError:
                return value
        return json.dumps(value, ensure_ascii=False, default=str)

    with engine.connect() as conn:
        dump = " ".join(readable(v) for t in ("cases", "decisions", "outbox", "audit_log", "webhook_receipts")
                        for row in conn.execute(text(f'SELECT * FROM "{t}"')) for v in row)
    for personal in (nick, name, said):
        assert personal not in dump, personal
    assert "安排退货" in dump and "请寄回" in dump and "质量问题" in dump  # the seller's text stays
