"""The service's commands: shops file (one bad shop stops only itself), tokens, and the review queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from marketplace_returns.cli import app
from marketplace_returns.connectors.base import FetchedCase
from marketplace_returns.models import Case, Classification, Decision, Recommendation, Reply
from marketplace_returns.models.vocabulary import Action, Category, Family
from marketplace_returns.service import repository as repo
from marketplace_returns.service.db import make_engine
from marketplace_returns.service.tables import Shop

NOW = datetime(2026, 11, 11, tzinfo=UTC)
SHOPS = """\
shops:
  - shop_id: tb1
    platform: taobao
    base_url: http://127.0.0.1:9/router/rest
    credentials: {app_key: env:TB1_KEY, app_secret: env:TB1_SECRET, session: env:TB1_SESSION}
    poll_interval_s: 30
  - shop_id: tb2
    platform: taobao
    base_url: http://127.0.0.1:9/router/rest
    credentials: {app_secret: plain-secret-value}
"""


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    shops = tmp_path / "shops.yaml"
    shops.write_text(SHOPS, encoding="utf-8")
    code, out = cli("shops", "add", str(shops), "--db", url)
    assert code == 1 and "tb2" in out and "not a plain value" in out  # the bad shop, loudly
    return url


def _seed(url: str) -> dict[str, str]:
    """Three pending suggestions on shop tb1; refund id → the decision's opaque id (dc_…)."""
    engine = make_engine(url)
    ids = {}
    with Session(engine) as session:
        for n, (rid, action, to) in enumerate([("r-edit", Action.REFUND_WITHOUT_RETURN, None),
                                               ("r-steer", Action.REQUEST_REASON_CHANGE, "7天无理由"),
                                               ("r-reject", Action.RETURN_AND_REFUND, None)]):
            case = Case(refund_id=rid, platform="taobao", item_price=Decimal("60"), reason="质量问题")
            row, _ = repo.upsert_case(session, shop_id="tb1", platform="taobao", now=NOW, fetched=FetchedCase(
                refund_id=rid, case=case, raw={"refund_id": rid}, version="1",
                deadline=NOW + timedelta(hours=3 - n)))
            assert row.id is not None
            decision = Decision(refund_id=rid, rule="r", classification=Classification(
                family=Family.NON_QUALITY, category=Category.SIZE_FIT, confidence=0.7, evidence=["尺码偏小"]),
                recommendation=Recommendation(action=action, amount=Decimal("20"), reason_change_to=to),
                reply=Reply(lang="zh", text="您好，已为您处理。"), money={"saved": Decimal("8")})
            record = repo.record_decision(session, case_id=row.id, decision=decision, now=NOW)
            ids[rid] = record.public_id or ""
        session.commit()
    engine.dispose()
    return ids


def test_shops_file_saves_good_shops_and_flags_the_bad_one(db: str) -> None:
    engine = make_engine(db)
    with Session(engine) as session:
        good, bad = session.get(Shop, "tb1"), session.get(Shop, "tb2")
        assert good is not None and good.config_error is None and good.credentials_ref == {
            "app_key": "env:TB1_KEY", "app_secret": "env:TB1_SECRET", "session": "env:TB1_SESSION"}
        assert bad is not None and bad.config_error and "plain-secret-value" not in bad.config_error
        assert [e.event for e in repo.list_audit(session, shop_id="tb2")] == ["config_error"]
    engine.dispose()
    code, out = cli("shops", "list", "--db", db)
    assert code == 0 and "tb1" in out and "active" in out


def test_token_create(db: str) -> None:
    code, out = cli("token", "create", "--shop", "tb1", "--db", db)
    assert code == 0 and out.strip().startswith("mrt_")
    code, out = cli("token", "create", "--shop", "nope", "--db", db)
    assert code == 2 and "no shop" in out


def test_queue_list_show_accept_edit_reject(db: str) -> None:
    ids = _seed(db)
    code, out = cli("queue", "list", "--json", "--db", db)
    assert code == 0
    assert [i["refund_id"] for i in json.loads(out)] == ["r-reject", "r-steer", "r-edit"]  # by deadline
    code, out = cli("queue", "show", ids["r-steer"], "--json", "--db", db)
    detail = json.loads(out)
    assert detail["evidence"] == ["尺码偏小"] and detail["reason_change_to"] == "7天无理由"

    code, out = cli("queue", "edit", ids["r-edit"], "--reply", "如果您给好评，我们就退款", "--db", db)
    assert code == 2 and "给好评" in out  # refused, naming the phrase
    code, out = cli("queue", "edit", ids["r-edit"], "--amount", "12.5", "--reply", "已为您退款12.5元",
                    "--as", "ann", "--db", db)
    assert code == 0, out
    code, _ = cli("queue", "accept", ids["r-steer"], "--as", "bo", "--db", db)
    assert code == 0
    code, _ = cli("queue", "reject", ids["r-reject"], "--as", "bo", "--note", "called buyer", "--db", db)
    assert code == 0
    code, out = cli("queue", "accept", ids["r-reject"], "--db", db)
    assert code == 2 and f"ID: decision {ids['r-reject']} is rejected, not pending" in " ".join(out.split())

    engine = make_engine(db)
    with Session(engine) as session:
        rows = {a.refund_id: a for a in repo.list_actions(session)}
        events = {(e.event, e.actor) for e in repo.list_audit(session, shop_id="tb1")}
        assert set(rows) == {"r-edit", "r-steer"}
        assert (rows["r-edit"].amount, rows["r-edit"].reply_text) == (Decimal("12.50"), "已为您退款12.5元")
        assert rows["r-steer"].reason_change_to == "7天无理由"
        assert {("edited", "rep:ann"), ("accepted", "rep:bo"), ("rejected", "rep:bo")} <= events
        dead, dead_id = rows["r-edit"].public_id, rows["r-edit"].id
        assert dead_id is not None
        rows["r-edit"].status = "sending"  # as a worker's claim leaves it
        session.add(rows["r-edit"])
        session.flush()
        repo.mark_dead(session, action_id=dead_id, error="refused by the platform", now=NOW)
        session.commit()
    engine.dispose()
    code, out = cli("queue", "dead", "--db", db)  # the dead letter names its rows as the API does
    assert code == 0 and dead is not None and dead.startswith("ob_") and dead in out and "r-edit" in out


@pytest.mark.parametrize(("reply", "rule"), [
    ("Please change the reason to 'no reason', otherwise we cannot refund.", "refund_threat"),
    ("请把原因改成七天无理由，否则无法退款。", "refund_threat"),
    ("Happy to refund! Please switch the reason to \"Other\" first. We'll add $5 as thanks.",
     "money_for_reason"),
    ("親，好評返現10元哦", "money_for_review"),
])
def test_queue_edit_refuses_what_the_guardrail_blocks_in_either_language(db: str, reply: str,
                                                                         rule: str) -> None:
    ids = _seed(db)
    code, out = cli("queue", "edit", ids["r-edit"], "--reply", reply, "--as", "ann", "--db", db)
    assert code == 2 and rule in out, out
    engine = make_engine(db)
    with Session(engine) as session:
        assert repo.list_actions(session) == []  # nothing was queued for the platform
    engine.dispose()
