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


def test_sandbox_schema_subset_agrees_with_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    """The sandbox validates against its own subset: every name and type in it must be the real one's."""
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

    from marketplace_returns.sandbox.shopify_api import subset_schema

    problems = []
    for name, sub in subset_schema().type_map.items():
        if name.startswith("__"):
            continue
        real = admin_schema.type_map.get(name)
        if real is None:
            problems.append(f"type {name} is not in the Admin schema")
        elif isinstance(sub, GraphQLEnumType):
            assert isinstance(real, GraphQLEnumType)
            problems += [f"{name}.{v}" for v in sub.values if v not in real.values]
        elif isinstance(sub, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            real_fields = real.fields  # type: ignore[union-attr]
            for fname, field in sub.fields.items():
                other = real_fields.get(fname)
                if other is None or str(other.type) != str(field.type):
                    problems.append(f"{name}.{fname}: {field.type} vs {other.type if other else None}")
                    continue
                for arg, spec in getattr(field, "args", {}).items():
                    if arg not in other.args or str(other.args[arg].type) != str(spec.type):
                        problems.append(f"{name}.{fname}({arg})")
    assert problems == []
