"""The sandbox's Shopify cost model and bucket, and its search-window parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, parse

from marketplace_returns.connectors.shopify import documents
from marketplace_returns.connectors.shopify.connector import MAX_PAGE_SIZE, search_query
from marketplace_returns.sandbox.shopify_api import subset_schema
from marketplace_returns.sandbox.shopify_cost import MAX_QUERY_COST, CostCalculator, LeakyBucket, actual_cost
from marketplace_returns.sandbox.shopify_resolvers import search_window


def _cost(name: str, variables: dict[str, object]) -> int:
    doc = parse(documents.load(name))
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    return CostCalculator(subset_schema(), frags, variables).operation(op)


def test_a_full_page_stays_under_the_single_query_limit() -> None:
    full = _cost("OrdersWithReturns", {"first": MAX_PAGE_SIZE})
    assert full <= MAX_QUERY_COST < _cost("OrdersWithReturns", {"first": MAX_PAGE_SIZE + 2})
    assert _cost("OrdersWithReturns", {"first": 1}) * MAX_PAGE_SIZE < full + 2 * MAX_PAGE_SIZE
    assert _cost("ReturnApproveRequest", {}) == 10


def test_connection_cost_is_two_plus_first_times_the_node() -> None:
    doc = parse("{ orders(first: 7) { pageInfo { hasNextPage } nodes { id customer { id } } } }")
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    assert CostCalculator(subset_schema(), {}, {}).operation(op) == 2 + 7 * 2


def test_actual_cost_counts_objects_returned() -> None:
    assert actual_cost({"orders": {"nodes": [{"id": "a", "customer": {"id": "c"}}], "pageInfo": {}}}) == 4


def test_bucket_takes_refuses_refills_and_gives_back() -> None:
    now = [0.0]
    bucket = LeakyBucket(1000, 100, clock=lambda: now[0])
    assert bucket.take(900) and not bucket.take(200)
    assert bucket.status()["currentlyAvailable"] == 100
    now[0] += 1.0
    assert bucket.take(200)
    bucket.give_back(5000)
    assert bucket.status() == {"maximumAvailable": 1000, "currentlyAvailable": 1000, "restoreRate": 100}


def test_search_window_round_trip() -> None:
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC)
    got_start, got_end = search_window(search_query(start, end))
    assert got_start == start and got_end is not None and (got_end - end).total_seconds() == 1
    with pytest.raises(GraphQLError):
        search_window("updated_at:>='2026-13-45'")
