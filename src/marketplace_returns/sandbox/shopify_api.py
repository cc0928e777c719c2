"""The sandbox's Shopify endpoint: ``POST /admin/api/2026-10/graphql.json`` over the shared state.

Why it is strict: the connector's end-to-end tests and benchmarks run against it, so it refuses what
Shopify refuses. A wrong ``X-Shopify-Access-Token`` is HTTP 401 with Shopify's body; every document is
parsed and validated against ``shopify_admin_subset.graphql`` (the part of the Admin schema 2026-10
served here, same names and types) and an invalid one gets ``errors`` with locations; a query over
1,000 points is MAX_COST_EXCEEDED; each shop has a leaky bucket (2,000 points, 100 a second) and a
call that does not fit is THROTTLED with HTTP 200, as Shopify does. Every answer carries
``extensions.cost``. Faults drawn from ``state.faults``: 502/503, slow answers, THROTTLED, and on
``orders`` pages repeated or reordered orders; ``stale`` is applied by the state on a write.

Documents are executed by graphql-core over dicts from ``shopify_render``; the four mutations map to
``state.transition`` (approve_return, decline_return, process_return, refund_create).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any, Final

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from marketplace_returns.sandbox import shopify_resolvers as resolvers
from marketplace_returns.sandbox.shopify_cost import MAX_QUERY_COST, CostCalculator, LeakyBucket, actual_cost

PATH: Final = "/admin/api/2026-10/graphql.json"
INVALID_TOKEN: Final = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@cache
def subset_schema() -> GraphQLSchema:
    text = files("marketplace_returns.sandbox").joinpath("shopify_admin_subset.graphql").read_text("utf-8")
    return build_schema(text)


@lru_cache(maxsize=256)
def checked(query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    """``query`` parsed and validated, or the errors Shopify would answer with.

    Cached by text: a client sends the same few documents over and over, and validation walked the
    whole document on every request (the larger part of the sandbox's CPU for a Shopify call).
    """
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (_located(exc, "GRAPHQL_PARSE_FAILED"),)
    invalid = validate(subset_schema(), document)
    return (None if invalid else document), tuple(_located(e, "GRAPHQL_VALIDATION_FAILED") for e in invalid)


def _errors(errors: list[dict[str, Any]], cost: dict[str, Any] | None = None, status: int = 200) -> Response:
    body: dict[str, Any] = {"errors": errors}
    if cost is not None:
        body["extensions"] = {"cost": cost}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _located(err: GraphQLError, code: str) -> dict[str, Any]:
    out: dict[str, Any] = {"message": err.message, "extensions": {"code": code}}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if err.path:
        out["path"] = list(err.path)
    return out


def routes(state: Any, *, maximum: float = 2000.0, restore_rate: float = 100.0,
           clock: Callable[[], float] | None = None) -> list[BaseRoute]:
    """The Shopify endpoint over ``state``; ``maximum``/``restore_rate`` size each shop's bucket."""
    buckets: dict[str, LeakyBucket] = {}

    def bucket(shop_id: str) -> LeakyBucket:
        if shop_id not in buckets:
            buckets[shop_id] = LeakyBucket(maximum, restore_rate, **({"clock": clock} if clock else {}))
        return buckets[shop_id]

    async def graphql(request: Request) -> Response:
        state.counters["shopify.requests"] += 1
        token = request.headers.get("x-shopify-access-token", "")
        shop = state.shop_with("access_token", token, platform="shopify")
        if shop is None:
            state.counters["shopify.refused"] += 1
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        try:
            body = orjson.loads(await request.body())
            query, variables = body["query"], body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError("query must be a string and variables an object")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            return _errors([{"message": f"Bad request: {exc}", "extensions": {"code": "BAD_REQUEST"}}],
                           status=400)
        document, refusals = checked(query)
        if document is None:
            if refusals[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED":
                state.counters["shopify.invalid_documents"] += 1
            return _errors(list(refusals))
        faulted = await _fault(state, bucket(shop.shop_id))
        if faulted is not None:
            return faulted
        if _mutation(document, body.get("operationName")) and state.faults.draw("slow_write"):
            await asyncio.sleep(state.faults.timeout_seconds)  # then it lands, whoever still listens
        return _run(state, shop, document, variables, body.get("operationName"), bucket(shop.shop_id))

    return [Route(PATH, graphql, methods=["POST"], name="shopify_graphql")]


def _operation(document: DocumentNode, operation: object) -> OperationDefinitionNode | None:
    """The operation a request names (by ``operationName``), else the document's first."""
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return next((o for o in ops if o.name and o.name.value == operation), ops[0] if ops else None)


def _mutation(document: DocumentNode, operation: object) -> bool:
    op = _operation(document, operation)
    return op is not None and op.operation.value == "mutation"


def _run(state: Any, shop: Any, document: DocumentNode, variables: dict[str, Any], operation: str | None,
         bucket: LeakyBucket) -> Response:
    op = _operation(document, operation)
    if op is None:
        return _errors([{"message": "No operation", "extensions": {"code": "BAD_REQUEST"}}])
    frags = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    requested = CostCalculator(subset_schema(), frags, variables).operation(op)
    if requested > MAX_QUERY_COST:
        cost = {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": bucket.status()}
        message = (f"Query cost is {requested}, which exceeds the single query max cost limit "
                   f"({MAX_QUERY_COST}).")
        return _errors([{"message": message, "extensions": {"code": "MAX_COST_EXCEEDED"}}], cost)
    if not bucket.take(requested):
        state.counters["shopify.throttled"] += 1
        cost = {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": bucket.status()}
        return _errors([{"message": "Throttled", "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits"}}], cost)
    context = resolvers.Context(state=state, shop=shop, faults=state.faults)
    result = execute(subset_schema(), document, root_value=resolvers.root(context), context_value=context,
                     variable_values=variables, operation_name=op.name.value if op.name else None)
    if not isinstance(result, ExecutionResult):  # our resolvers are all synchronous
        raise TypeError("asynchronous execution is not expected")
    actual = min(actual_cost(result.data), requested) if op.operation.value == "query" else requested
    bucket.give_back(requested - actual)
    state.counters[f"shopify.{op.name.value if op.name else 'anonymous'}"] += 1
    out: dict[str, Any] = {"data": result.data, "extensions": {"cost": {
        "requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": bucket.status()}}}
    if result.errors:
        out["errors"] = [_located(e, "INTERNAL_SERVER_ERROR") for e in result.errors]
    return Response(orjson.dumps(out), media_type="application/json")


async def _fault(state: Any, bucket: LeakyBucket) -> Response | None:
    faults = state.faults
    if faults.draw("timeout"):
        await asyncio.sleep(getattr(faults, "timeout_seconds", 2.0))
    if faults.draw("throttle"):
        state.counters["shopify.fault.throttle"] += 1
        cost = {"requestedQueryCost": 100, "actualQueryCost": None, "throttleStatus": bucket.status()}
        return _errors([{"message": "Throttled", "extensions": {"code": "THROTTLED"}}], cost)
    if faults.draw("5xx"):
        state.counters["shopify.fault.5xx"] += 1
        status = random.choice((502, 503))
        return Response("<html><body><h1>Bad Gateway</h1></body></html>" if status == 502
                        else "Service Unavailable", status_code=status, media_type="text/html",
                        headers={"Retry-After": "1"} if status == 503 else None)
    return None


__all__ = ["PATH", "GraphQLResolveInfo", "routes", "subset_schema"]
