"""API tokens: stored only as SHA-256, verified in constant time, scoped to one shop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel, select

from marketplace_returns.security.tokens import (
    TOKEN_PREFIX,
    bearer_token,
    generate_token,
    hash_token,
    issue_token,
    shop_for_token,
    verify_token,
)
from marketplace_returns.service.tables import ApiToken


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_tokens_are_random_prefixed_and_hashed() -> None:
    a, b = generate_token(), generate_token()
    assert a != b and a.startswith(TOKEN_PREFIX) and len(a) > 40
    assert hash_token(a) != a and len(hash_token(a)) == 64
    assert verify_token(a, hash_token(a)) and not verify_token(b, hash_token(a))


def test_the_database_holds_only_the_hash_and_each_token_sees_one_shop(session: Session) -> None:
    mine = issue_token(session, shop_id="shop-a", name="rep laptop")
    theirs = issue_token(session, shop_id="shop-b")
    session.commit()
    rows = session.exec(select(ApiToken)).all()
    assert {r.token_hash for r in rows} == {hash_token(mine), hash_token(theirs)}
    assert all(mine not in (r.token_hash, r.name) for r in rows)
    assert shop_for_token(session, mine) == "shop-a" and shop_for_token(session, theirs) == "shop-b"


@pytest.mark.parametrize("token", [None, "", "mrt_unknown", "no-prefix", "mrt_" + "x" * 300])
def test_unknown_or_malformed_tokens_resolve_to_nothing(session: Session, token: str | None) -> None:
    issue_token(session, shop_id="shop-a")
    assert shop_for_token(session, token) is None


def test_bearer_header_parsing() -> None:
    assert bearer_token("Bearer mrt_abc") == "mrt_abc" and bearer_token("bearer  mrt_abc ") == "mrt_abc"
    assert bearer_token("Basic dXNlcg==") is None and bearer_token("Bearer ") is None
    assert bearer_token(None) is None
