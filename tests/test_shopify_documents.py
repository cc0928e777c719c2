"""Every GraphQL document the Shopify connector ships validates against Shopify's Admin schema 2026-10."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_client_schema, parse, validate

from marketplace_returns.connectors.shopify import documents


@pytest.fixture(scope="session")
def admin_schema(shared_dir: Path) -> GraphQLSchema:
    path = shared_dir / "vendor" / "shopify" / "admin_2026-10.json.gz"
    if not path.is_file():
        pytest.skip(f"{path} is absent: Shopify's Admin schema is not here")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return build_client_schema(data.get("data", data), assume_valid=True)


def test_documents_are_shipped() -> None:
    assert {"OrdersWithReturns", "ReturnById", "ReturnApproveRequest", "ReturnDeclineRequest",
            "ReturnProcess", "RefundCreate"} <= set(documents.names())


@pytest.mark.parametrize("name", documents.names())
def test_document_validates_against_admin_schema(admin_schema: GraphQLSchema, name: str) -> None:
    errors = validate(admin_schema, parse(documents.load(name)))
    assert errors == [], [e.message for e in errors]


def test_validation_would_catch_a_wrong_field(admin_schema: GraphQLSchema) -> None:
    bad = documents.load("ReturnApproveRequest").replace("status", "state")
    assert validate(admin_schema, parse(bad))
