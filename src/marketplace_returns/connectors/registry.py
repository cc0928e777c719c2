"""Connectors are discovered by name through the ``marketplace_returns.connectors`` entry point group.

A third party adds a platform by publishing a package with an entry point in that group whose object
is a class implementing ``Connector``; the built-in ones are declared the same way in pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from marketplace_returns.connectors.base import Connector
from marketplace_returns.errors import ConfigError

GROUP = "marketplace_returns.connectors"
_BUILTIN = {
    "taobao": "marketplace_returns.connectors.taobao.connector:TaobaoConnector",
    "tmall": "marketplace_returns.connectors.taobao.connector:TmallConnector",
    "shopify": "marketplace_returns.connectors.shopify.connector:ShopifyConnector",
}


def _targets() -> dict[str, str]:
    found = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


def connector_names() -> list[str]:
    return sorted(_targets())


def connector_class(name: str) -> type[Any]:
    target = _targets().get(name)
    if target is None:
        raise ConfigError(f"no connector named {name!r}", path="platform",
                          hint="known: " + ", ".join(connector_names()))
    module_name, _, attr = target.partition(":")
    from importlib import import_module

    obj: type[Any] = getattr(import_module(module_name), attr)
    return obj


def create_connector(name: str, **kwargs: Any) -> Connector:
    connector: Connector = connector_class(name)(**kwargs)
    return connector
