"""The CLI as reps read it: the queue fits 80 columns with ids whole, a suggestion is a readable card
(JSON on request), every amount shows its currency, and a bad value is one sentence naming the option."""

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
from marketplace_returns.service.db import make_engine, upgrade_database
from marketplace_returns.service.tables import Shop

LONG_REFUND = "700001234567890123"
LONG_SHOP = "demo-taobao-flagship-store"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(Shop(shop_id=LONG_SHOP, platform="taobao", base_url="http://127.0.0.1:9/router/rest",
                         credentials_ref={}))
        case = Case(refund_id=LONG_REFUND, platform="taobao", item_price=Decimal("60"), currency="CNY",
                    refund_amount=Decimal("60"), reason="质量问题", message="衣服有个洞，线头很多")
        fetched = FetchedCase(refund_id=LONG_REFUND, case=case, raw={}, version="1",
                              deadline=now + timedelta(hours=5, minutes=1))
        row, _ = repo.upsert_case(session, shop_id=LONG_SHOP, platform="taobao", now=now, fetched=fetched)
        assert row.id is not None
        decision = Decision(refund_id=LONG_REFUND, rule="small-defect-partial",
                            classification=Classification(family=Family.QUALITY, category=Category.DEFECT,
                                                          confidence=0.8, evidence=["线头很多"]),
                            recommendation=Recommendation(
                                action=Action.OFFER_PARTIAL_REFUND, amount=Decimal("10"),
                                rationale="minor defect: offer below the return leg"),
                            reply=Reply(lang="zh", text="您好，给您补偿10元可以吗？"),
                            money={"price": Decimal("60"), "offer": Decimal("10"), "saved": Decimal("2")})
        record = repo.record_decision(session, case_id=row.id, decision=decision, now=now)
        decision_id = record.public_id or ""
        session.commit()
    engine.dispose()
    return url, decision_id


def test_queue_list_fits_80_columns_with_ids_whole_and_currency(db: tuple[str, str]) -> None:
    url, _ = db
    code, out = cli("queue", "list", "--db", url)
    assert code == 0, out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out
    assert LONG_REFUND in out  # whole on one line: a rep copies it
    assert LONG_SHOP[:len(LONG_REFUND)] in out and LONG_SHOP[-7:] in out  # folded, not cut to "demo-…"
    assert "10.00 CNY" in out
    assert "5h 0" in out and "left" in out  # time to the platform's deadline


def test_queue_show_is_a_card_and_json_on_request(db: tuple[str, str]) -> None:
    url, decision_id = db
    assert decision_id.startswith("dc_")
    code, out = cli("queue", "show", decision_id, "--db", url)
    assert code == 0, out
    assert not out.lstrip().startswith("{")
    for expected in ("offer partial refund 10.00 CNY", "60.00 CNY of 60.00 CNY paid", "衣服有个洞",
                     "给您补偿10元", "saved 2.00 CNY", "线头很多", f"suggestion {decision_id} · pending",
                     f"queue accept {decision_id}", f"queue edit {decision_id} --amount",
                     f"queue reject {decision_id}"):
        assert expected in out, expected
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out = cli("queue", "show", decision_id, "--json", "--db", url)
    detail = json.loads(out)
    assert (detail["currency"], detail["amount"], detail["evidence"]) == ("CNY", "10.00", ["线头很多"])
    assert detail["id"] == decision_id and detail["case_id"].startswith("cs_")  # the API's ids, not integers


def test_queue_list_prints_the_opaque_id_a_rep_types_next(db: tuple[str, str]) -> None:
    url, decision_id = db
    code, out = cli("queue", "list", "--db", url)
    assert code == 0 and decision_id in out  # whole on one line, copyable
    code, out = cli("queue", "list", "--json", "--db", url)
    [item] = json.loads(out)
    assert item["id"] == decision_id and item["case_id"].startswith("cs_")


def test_queue_show_takes_the_case_id_for_its_current_suggestion(db: tuple[str, str]) -> None:
    url, decision_id = db
    case_id = json.loads(cli("queue", "show", decision_id, "--json", "--db", url)[1])["case_id"]
    code, out = cli("queue", "show", case_id, "--db", url)
    assert code == 0, out
    assert f"suggestion {decision_id} · pending" in out and case_id in out and "衣服有个洞" in out
    code, out = cli("queue", "show", case_id, "--shop", "another-shop", "--db", url)
    text = " ".join(out.split())
    assert code == 2 and f"ID: no case {case_id} with a suggestion in shop another-shop" in text


def test_accept_and_reject_refuse_a_case_id_and_point_at_the_card(db: tuple[str, str]) -> None:
    url, decision_id = db
    case_id = json.loads(cli("queue", "show", decision_id, "--json", "--db", url)[1])["case_id"]
    for command in ("accept", "reject"):
        code, out = cli("queue", command, case_id, "--db", url)
        text = " ".join(out.split())
        assert code == 2 and text.startswith(f"error: ID: {case_id} is a case;"), text
        assert f"queue show {case_id}" in text
    code, out = cli("queue", "list", "--json", "--db", url)
    assert [i["id"] for i in json.loads(out)] == [decision_id]  # still pending: nothing was done


@pytest.mark.parametrize(("ref", "sentence"), [
    ("1", 'ID: "1" is a number; queue commands take the dc_… id queue list shows (numeric ids were dropped)'),
    ("r-42", 'ID: "r-42" is not a decision id; give the dc_… id queue list shows'),
    ("dc_short", 'ID: "dc_short" is not a decision id'),
    ("dc_AAAAAAAAAAAAAAAA", "ID: no decision dc_AAAAAAAAAAAAAAAA"),
    ("[/bold]", 'ID: "[/bold]" is not a decision id'),  # printed as typed, not read as markup
])
@pytest.mark.parametrize("command", ["show", "accept", "edit", "reject"])
def test_an_unknown_or_malformed_id_is_one_sentence_naming_the_argument(db: tuple[str, str], command: str,
                                                                        ref: str, sentence: str) -> None:
    url, decision_id = db
    code, out = cli("queue", command, ref, "--db", url)
    text = " ".join(out.split())
    assert code == 2 and text.startswith(f"error: {sentence}"), text
    assert "Traceback" not in out
    code, out = cli("queue", "list", "--json", "--db", url)
    assert [i["id"] for i in json.loads(out)] == [decision_id]


@pytest.mark.parametrize(("args", "sentence"), [
    (["--amount", "abc"], '--amount: "abc" is not an amount; give a number such as 12.50'),
    (["--amount", "-5"], '--amount: "-5" is below zero; give a number such as 12.50'),
    (["--amount", "1.234"], '--amount: "1.234" has more than two decimals; give a number such as 12.50'),
    (["--amount", "nan"], '--amount: "nan" is not an amount; give a number such as 12.50'),
    (["--amount", "70"], "--amount: amount 70 is above the price paid 60.00"),
    (["--action", "refnd"], '--action: "refnd" is not one of refund_without_return, '),
    (["--reply", " "], "--reply: the reply is empty"),
])
def test_bad_values_are_one_sentence_naming_the_option(db: tuple[str, str], args: list[str],
                                                       sentence: str) -> None:
    url, decision_id = db
    code, out = cli("queue", "edit", decision_id, *args, "--db", url)
    assert code == 2
    text = " ".join(out.split())
    assert text.startswith(f"error: {sentence}"), text
    assert "Traceback" not in out and "pydantic" not in out and "class" not in out
    code, out = cli("queue", "list", "--json", "--db", url)
    assert [i["id"] for i in json.loads(out)] == [decision_id]  # nothing was accepted
