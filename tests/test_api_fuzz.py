"""Schemathesis drives every operation of the published OpenAPI document with generated requests.

Checks on each answer (schemathesis' own): never a 500, the status code and body match the published
schema, a schema-invalid request is refused; and a refused request (4xx) wrote nothing — every table
holds the same number of rows afterwards. The store
is a temp SQLite file with one shop, polled once through the fake platform so the queue holds items, and
a token for that shop (sent with most requests; schemathesis also tries without and with broken ones).
``positive_data_acceptance`` is left out: a schema-valid request may still be refused for what the
schema cannot say (``since`` after ``until``, an id that is not pending any more), with 409 or 422.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from sqlalchemy import text
from sqlmodel import Session

from marketplace_returns.security.tokens import issue_token
from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.poller import poll_shop
from service_db import migrated
from service_fakes import FakeClock, FakeConnector, make_context


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, ServiceContext, str]]:
    platform = FakeConnector()
    platform.add("r1", reason="manual", price="80", message="Sorry about that.")
    platform.add("r2", reason="steer", price="50")
    platform.add("r3", reason="manual", price="20")
    with migrated("sqlite", tmp_path_factory.mktemp("fuzz"), None) as url:
        ctx = make_context(url, platform, FakeClock(), shops=("shop-a", "shop-b"))
        asyncio.run(poll_shop(ctx, "shop-a"))
        with Session(ctx.db) as session:
            token = issue_token(session, shop_id="shop-a")
            session.commit()
        yield create_app(ctx), ctx, token
        ctx.db.dispose()


@pytest.fixture(scope="module")
def api_schema(api: tuple[Any, ServiceContext, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", api[0])


def _row_counts(ctx: ServiceContext) -> dict[str, int]:
    """Rows per table, every table the migrations made."""
    with ctx.db.connect() as conn:
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        return {name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in names}


MAX_EXAMPLES = 25


def test_every_operation_answers_by_its_schema_and_never_500(api: tuple[Any, ServiceContext, str],
                                                             api_schema: Any) -> None:
    _, ctx, token = api
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def one(case: Any) -> None:
            before = _row_counts(ctx)
            sent = case.headers or {}
            headers = None if "Authorization" in sent else {"Authorization": f"Bearer {token}"}
            response = case.call_and_validate(headers=headers,
                                              excluded_checks=[positive_data_acceptance])
            assert response.status_code < 500
            if response.status_code >= 400:
                assert _row_counts(ctx) == before, \
                    f"{case.method} {case.path} answered {response.status_code} but changed the store"

        one()


def test_the_published_document_covers_the_routes(api_schema: Any) -> None:
    paths = {op.path for op in (result.ok() for result in api_schema.get_all_operations())}
    assert {"/queue", "/queue/{decision_id}/accept", "/buyers/purge", "/cases", "/audit"} <= paths
