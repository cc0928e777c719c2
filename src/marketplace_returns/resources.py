"""Where the shipped data folders live: ``connectors/`` and ``playbooks/``.

In a wheel they sit inside the package as ``_data/``; in a source checkout (editable install) they
sit at the repository's top level. Read them with ``importlib.resources`` in both cases.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def data_dir(name: str) -> Traversable:
    """The shipped data folder ``name`` (``connectors`` or ``playbooks``)."""
    packaged = resources.files("marketplace_returns") / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"shipped data folder {name!r} is missing from this installation")
