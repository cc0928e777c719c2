"""The GraphQL documents the Shopify connector sends, read from ``graphql/*.graphql`` in the package.

Why files and not strings in code: a document is data that a test validates against Shopify's
published Admin schema (tests/test_shopify_documents.py), and queries are never assembled from
strings; values travel as variables. Shared fragments live in ``_fragments.graphql`` and are appended
to the documents that spread them (only those, since an unused fragment makes a document invalid).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

PACKAGE = "marketplace_returns.connectors.shopify.graphql"
FRAGMENTS = "_fragments"
_FRAGMENT = re.compile(r"^fragment (\w+) on \w+ \{$.*?^\}$", re.M | re.S)


def names() -> list[str]:
    """Every operation document shipped (fragments excluded)."""
    return sorted(p.name.removesuffix(".graphql") for p in files(PACKAGE).iterdir()
                  if p.name.endswith(".graphql") and not p.name.startswith("_"))


@cache
def _fragments() -> dict[str, str]:
    text = files(PACKAGE).joinpath(f"{FRAGMENTS}.graphql").read_text("utf-8")
    return {m.group(1): m.group(0) for m in _FRAGMENT.finditer(text)}


@cache
def load(name: str) -> str:
    """The document ``name`` plus the fragments it needs (transitively)."""
    text = files(PACKAGE).joinpath(f"{name}.graphql").read_text("utf-8")
    frags = _fragments()
    wanted: list[str] = []
    pending = [text]
    while pending:
        for used in re.findall(r"\.\.\.(\w+)", pending.pop()):
            if used in frags and used not in wanted:
                wanted.append(used)
                pending.append(frags[used])
    return "\n".join([text, *(frags[f] for f in wanted)])
