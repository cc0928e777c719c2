"""The repository on SQLite and PostgreSQL: upserts, versions, outbox keys and claims, leases, queue order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from marketplace_returns.connectors.base import FetchedCase, MappingIssue
from marketplace_returns.errors import InputError
from marketplace_returns.models import Case, Classification, Decision, Recommendation
from marketplace_returns.models.vocabulary import Action, Category, Family
from marketplace_returns.service import repository as repo
from marketplace_returns.service.db import make_engine, utc
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop
from service_db import migrated

NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    base = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with migrated(request.param, tmp_path, base) as url:
        yield url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as s:
        s.add(Shop(shop_id="s1", platform="taobao", base_url="http://x"))
        s.add(Shop(shop_id="s2", platform="taobao", base_url="http://y"))
        s.commit()
        yield s
    engine.dispose()


def fetched(refund_id: str, *, version: str = "v1", price: str = "30", deadline: datetime | None = None,
            mapped: bool = True) -> FetchedCase:
    case = Case(refund_id=refund_id, platform="taobao", shop_id="s1", item_price=Decimal(price),
                reason="质量问题", message="开线了") if mapped else None
    issue = None if mapped else MappingIssue(field="refund_fee", message="not money")
    return FetchedCase(refund_id=refund_id, case=case, raw={"refund_id": refund_id, "v": version},
                       platform_status="WAIT_SELLER_AGREE", version=version, deadline=deadline,
                       mapping_issue=issue)


def put(session: Session, f: FetchedCase) -> tuple[CaseRecord, bool]:
    return repo.upsert_case(session, shop_id="s1", platform="taobao", fetched=f, now=NOW)


def decision(refund_id: str, action: Action = Action.REFUND_WITHOUT_RETURN) -> Decision:
    return Decision(refund_id=refund_id, rule="r1", playbook="pb", auto=True,
                    classification=Classification(family=Family.QUALITY, category=Category.DEFECT,
                                                  confidence=0.9),
                    recommendation=Recommendation(action=action, amount=Decimal("30")),
                    money={"saved": Decimal("12")})


def test_migration_creates_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"shops", "poll_cursors", "cases", "decisions", "outbox", "audit_log", "order_counts",
            "api_tokens", "webhook_receipts", "alembic_version"} <= names


def test_upsert_case_by_natural_key_detects_moves(session: Session) -> None:
    row, changed = put(session, fetched("r1"))
    assert changed and row.id is not None and row.item_price == Decimal("30.00")
    again, changed = put(session, fetched("r1"))
    assert again.id == row.id and not changed
    moved, changed = repo.upsert_case(session, shop_id="s1", platform="taobao",
                                      fetched=fetched("r1", version="v2"), now=NOW)
    assert moved.id == row.id and changed and moved.platform_version == "v2"
    bad, _ = put(session, fetched("r2", mapped=False))
    assert bad.mapping_error == "refund_fee: not money" and bad.raw == {"refund_id": "r2", "v": "v1"}
    session.commit()


def test_a_read_older_than_the_stored_state_changes_nothing(session: Session) -> None:
    def at(version: str, minute: int) -> FetchedCase:
        when = NOW + timedelta(minutes=minute)
        return fetched("r1", version=version).model_copy(update={"updated_at": when})

    row, changed = put(session, at("v2", 10))
    assert changed and row.platform_updated_at == NOW + timedelta(minutes=10)
    again, changed = put(session, at("v1", 5))  # a lagging replica's answer
    assert not changed and again.platform_version == "v2" and repo.older_than_stored(again, at("v1", 5))
    later, changed = put(session, at("v3", 11))
    assert changed and later.platform_version == "v3"
    same_time, changed = put(session, at("v4", 11))  # the same second: order unknown, the read is taken
    assert changed and same_time.platform_version == "v4"
    undated, changed = put(session, fetched("r1", version="v5"))  # a platform that gives no time
    assert changed and undated.platform_version == "v5"
    session.commit()


def test_record_decision_versions_and_supersedes(session: Session) -> None:
    case, _ = put(session, fetched("r1"))
    assert case.id is not None
    d1 = repo.record_decision(session, case_id=case.id, decision=decision("r1"), now=NOW)
    a1 = repo.enqueue_action(session, case=case, decision=d1, action="refund_without_return", now=NOW)
    d2 = repo.record_decision(session, case_id=case.id, decision=decision("r1", Action.EXCHANGE), now=NOW)
    session.commit()
    session.refresh(d1)
    session.refresh(a1)
    assert (d1.version, d2.version) == (1, 2)
    assert d1.status == "superseded" and d2.status == "pending"
    assert a1.status == "cancelled"
    assert d2.shipping_saved == Decimal("12.00") and d2.action == "exchange"


def test_enqueue_is_idempotent_by_stable_key(session: Session) -> None:
    case, _ = put(session, fetched("r1"))
    assert case.id is not None
    d1 = repo.record_decision(session, case_id=case.id, decision=decision("r1"), now=NOW)
    a = repo.enqueue_action(session, case=case, decision=d1, action="refund_without_return", now=NOW)
    b = repo.enqueue_action(session, case=case, decision=d1, action="refund_without_return", now=NOW)
    session.commit()
    assert a.id == b.id
    assert a.idempotency_key == repo.idempotency_key(shop_id="s1", refund_id="r1", decision_version=1,
                                                     action="refund_without_return")
    assert a.idempotency_key != repo.idempotency_key(shop_id="s2", refund_id="r1", decision_version=1,
                                                     action="refund_without_return")


def test_claim_marks_sending_and_expired_claims_come_back_recovering(session: Session) -> None:
    case, _ = put(session, fetched("r1"))
    assert case.id is not None
    d1 = repo.record_decision(session, case_id=case.id, decision=decision("r1"), now=NOW)
    repo.enqueue_action(session, case=case, decision=d1, action="refund_without_return", now=NOW)
    session.commit()
    first = repo.claim_actions(session, worker="w1", now=NOW, lease=LEASE)
    session.commit()
    assert [(a.status, rec) for a, rec in first] == [("sending", False)]
    assert repo.claim_actions(session, worker="w2", now=NOW + timedelta(seconds=5),
                              lease=LEASE) == []
    later = repo.claim_actions(session, worker="w2", now=NOW + timedelta(seconds=31), lease=LEASE)
    session.commit()
    assert [(a.claimed_by, rec, a.attempts) for a, rec in later] == [("w2", True, 2)]
    action_id = later[0][0].id
    assert action_id is not None
    assert not repo.mark_done(session, action_id=action_id, outcome="applied", response={}, now=NOW,
                              worker="w1")
    assert repo.mark_done(session, action_id=action_id, outcome="applied", response={"ok": 1}, now=NOW,
                          worker="w2")
    session.commit()
    assert repo.list_actions(session, status="done")[0].outcome == "applied"


def test_poll_lease_excludes_a_second_owner_until_it_expires(session: Session) -> None:
    ttl = timedelta(seconds=60)
    assert repo.acquire_poll_lease(session, shop_id="s1", owner="a", now=NOW, ttl=ttl)
    session.commit()
    assert not repo.acquire_poll_lease(session, shop_id="s1", owner="b", now=NOW + timedelta(seconds=10),
                                       ttl=ttl)
    assert repo.acquire_poll_lease(session, shop_id="s2", owner="b", now=NOW, ttl=ttl)
    assert repo.commit_cursor(session, shop_id="s1", owner="a", cursor="c1", now=NOW, ttl=ttl)
    assert not repo.commit_cursor(session, shop_id="s1", owner="b", cursor="c2", now=NOW, ttl=ttl)
    session.commit()
    assert repo.read_cursor(session, shop_id="s1") == "c1"
    assert repo.acquire_poll_lease(session, shop_id="s1", owner="b", now=NOW + timedelta(seconds=61), ttl=ttl)
    repo.release_poll_lease(session, shop_id="s1", owner="b")
    assert repo.acquire_poll_lease(session, shop_id="s1", owner="c", now=NOW, ttl=ttl)
    session.commit()


def test_poll_spacing_keeps_a_shop_from_being_polled_again_right_after_another_worker(
        session: Session) -> None:
    ttl, gap = timedelta(seconds=60), timedelta(seconds=30)
    assert repo.acquire_poll_lease(session, shop_id="s1", owner="a", now=NOW, ttl=ttl, spacing=gap)
    repo.release_poll_lease(session, shop_id="s1", owner="a", now=NOW + timedelta(seconds=5))
    session.commit()
    # the lease is free, but the shop was read 10 s ago: worker b waits out the spacing
    assert not repo.acquire_poll_lease(session, shop_id="s1", owner="b", now=NOW + timedelta(seconds=15),
                                       ttl=ttl, spacing=gap)
    assert repo.acquire_poll_lease(session, shop_id="s1", owner="b", now=NOW + timedelta(seconds=35),
                                   ttl=ttl, spacing=gap)
    session.commit()


def test_queue_lists_pending_by_deadline_per_shop(session: Session) -> None:
    ids = []
    for rid, hours in (("late", 30), ("soon", 2), ("none", None)):
        deadline = NOW + timedelta(hours=hours) if hours is not None else None
        case, _ = put(session, fetched(rid, deadline=deadline))
        assert case.id is not None
        ids.append(repo.record_decision(session, case_id=case.id, decision=decision(rid), now=NOW).id)
    session.commit()
    rows = repo.list_queue(session, shop_id="s1")
    assert [c.refund_id for _, c in rows] == ["soon", "late", "none"]
    assert utc(rows[0][1].deadline) == NOW + timedelta(hours=2)
    assert repo.list_queue(session, shop_id="s2") == []


def test_audit_is_scoped_to_its_shop(session: Session) -> None:
    repo.append_audit(session, actor="engine", event="decided", now=NOW, shop_id="s1", detail={"rule": "r1"})
    repo.append_audit(session, actor="engine", event="decided", now=NOW, shop_id="s2")
    session.commit()
    assert [e.detail for e in repo.list_audit(session, shop_id="s1")] == [{"rule": "r1"}]


def test_concurrent_claims_take_disjoint_rows(db_url: str, session: Session) -> None:
    """PostgreSQL: a second worker skips the rows the first holds locked (no wait, no overlap).
    SQLite (one writer at a time): the second claim, after the first commits, gets the rest."""
    for i in range(6):
        case, _ = put(session, fetched(f"c{i}"))
        assert case.id is not None
        d = repo.record_decision(session, case_id=case.id, decision=decision(f"c{i}"), now=NOW)
        repo.enqueue_action(session, case=case, decision=d, action="refund_without_return", now=NOW)
    session.commit()
    engine = make_engine(db_url)
    with Session(engine) as first, Session(engine) as second:
        ids_a = {r.id for r, _ in repo.claim_actions(first, worker="w1", now=NOW, lease=LEASE, limit=3)}
        if "sqlite" in db_url:
            first.commit()
        ids_b = {r.id for r, _ in repo.claim_actions(second, worker="w2", now=NOW, lease=LEASE, limit=10)}
        first.commit()
        second.commit()
    engine.dispose()
    assert len(ids_a) == 3 and len(ids_b) == 3 and not ids_a & ids_b
    owners = {r.id: r.claimed_by for r in repo.list_actions(session)}
    assert all(owners[i] == "w1" for i in ids_a) and all(owners[i] == "w2" for i in ids_b)


def test_two_movers_of_one_pending_decision_one_wins_the_other_is_told(db_url: str) -> None:
    """A deadline job and a rep (or two workers) moving the same decision at once: exactly one move."""
    engine = make_engine(db_url)
    with Session(engine) as s:
        row, _ = put(s, fetched("race"))
        assert row.id is not None
        d = repo.record_decision(s, case_id=row.id, decision=decision("race"), now=NOW)
        s.commit()
        decision_id = d.id
    first, second = Session(engine), Session(engine)
    try:
        a, b = first.get(DecisionRecord, decision_id), second.get(DecisionRecord, decision_id)
        assert a is not None and b is not None and a.status == b.status == repo.OPEN_DECISION
        repo.set_decision_status(first, decision=a, status="accepted", now=NOW, by="rep:amy")
        first.commit()
        with pytest.raises(InputError, match="no longer pending"):
            repo.set_decision_status(second, decision=b, status="accepted", now=NOW, by="deadline")
        second.rollback()
    finally:
        first.close()
        second.close()
    with Session(engine) as s:
        stored = s.get(DecisionRecord, decision_id)
        assert stored is not None and stored.status == "accepted" and stored.reviewed_by == "rep:amy"
    engine.dispose()


def put_batch(session: Session, *batch: FetchedCase) -> list[tuple[CaseRecord, bool, bool]]:
    return repo.upsert_cases(session, shop_id="s1", platform="taobao", fetched=list(batch), now=NOW)


def stored_rows(session: Session) -> list[tuple[str, str | None]]:
    """(refund_id, platform_version) of every stored case, read from the database, not the session."""
    rows = session.execute(select(col(CaseRecord.refund_id), col(CaseRecord.platform_version))
                           .where(col(CaseRecord.shop_id) == "s1").order_by(col(CaseRecord.refund_id)))
    return [(refund_id, version) for refund_id, version in rows]


def test_upsert_cases_flags_new_unchanged_and_moved_rows_in_input_order(session: Session) -> None:
    same, _ = put(session, fetched("same"))
    moving, _ = put(session, fetched("moving"))
    session.commit()
    out = put_batch(session, fetched("same"), fetched("new"), fetched("moving", version="v2"))
    assert [(row.refund_id, moved, created) for row, moved, created in out] == [
        ("same", False, False), ("new", True, True), ("moving", True, False)]
    assert all(row.id is not None for row, _, _ in out)
    assert out[0][0].id == same.id and out[2][0].id == moving.id
    assert out[1][0].id not in (same.id, moving.id)
    assert out[2][0].platform_version == "v2"
    session.commit()
    assert stored_rows(session) == [("moving", "v2"), ("new", "v1"), ("same", "v1")]


def test_upsert_cases_a_refund_listed_twice_makes_one_row_with_the_later_version(session: Session) -> None:
    out = put_batch(session, fetched("twice", version="v1"), fetched("other"), fetched("twice", version="v2"))
    (first, _, first_created), _, (second, second_moved, second_created) = out
    assert first_created and not second_created and second_moved
    assert first is second and first.id is not None
    assert first.platform_version == "v2" and first.raw == {"refund_id": "twice", "v": "v2"}
    session.commit()
    assert stored_rows(session) == [("other", "v1"), ("twice", "v2")]


def test_first_decision_of_a_new_case_waits_for_the_flush_and_is_superseded_later(session: Session) -> None:
    [(case, _, created)] = put_batch(session, fetched("fresh"))
    assert created and case.id is not None
    d1 = repo.record_decision(session, case_id=case.id, decision=decision("fresh"), now=NOW, first=True)
    assert d1.version == 1 and d1.id is None and d1.status == repo.OPEN_DECISION
    session.flush()
    assert d1.id is not None
    d2 = repo.record_decision(session, case_id=case.id, decision=decision("fresh", Action.EXCHANGE), now=NOW)
    assert d2.version == 2 and d2.id is not None
    session.commit()
    session.expire_all()  # read the statuses back from the database, not the session's objects
    assert [(d.version, d.status) for d in repo.list_decisions(session, case_id=case.id)] == [
        (1, "superseded"), (2, "pending")]


def test_enqueue_action_flushes_a_first_decision_not_yet_flushed(session: Session) -> None:
    [(case, _, _)] = put_batch(session, fetched("fresh"))
    assert case.id is not None
    d1 = repo.record_decision(session, case_id=case.id, decision=decision("fresh"), now=NOW, first=True)
    assert d1.id is None
    action = repo.enqueue_action(session, case=case, decision=d1, action="refund_without_return", now=NOW)
    assert action.id is not None and d1.id is not None
    assert (action.decision_id, action.case_id) == (d1.id, case.id)
    assert action.idempotency_key == repo.idempotency_key(shop_id="s1", refund_id="fresh", decision_version=1,
                                                          action="refund_without_return")
    session.commit()
    assert [(a.id, a.decision_id, a.status) for a in repo.list_actions(session, case_id=case.id)] == [
        (action.id, d1.id, "pending")]


def test_statements_with_percent_signs_colons_and_bound_values_run_alike(session: Session) -> None:
    """On PostgreSQL the store writes native ``$1`` placeholders and psycopg sends them unparsed; a
    literal ``%`` or a ``::`` cast must mean the same as on SQLite (where nothing changed)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        assert session.get_bind().dialect.paramstyle == "numeric_dollar"
    put(session, fetched("100%"))
    put(session, fetched("1001"))
    session.commit()
    like = select(CaseRecord.refund_id).where(col(CaseRecord.refund_id).like("100%"))
    assert sorted(session.exec(like)) == ["100%", "1001"]
    literal = sa.text("SELECT refund_id FROM cases WHERE refund_id LIKE '%\\%' ESCAPE '\\' "
                      "AND shop_id = :shop")
    assert list(session.execute(literal, {"shop": "s1"}).scalars()) == ["100%"]
    if postgres:
        cast = sa.text("SELECT CAST(:n AS integer) + '2'::integer")
        assert session.execute(cast, {"n": "40"}).scalar() == 42
