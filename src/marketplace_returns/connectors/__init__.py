"""Connectors: one per platform, all behind the small ``Connector`` protocol of ``base``."""

from marketplace_returns.connectors.base import (
    ActionOutcome,
    ActionRequest,
    ActionResult,
    ActionSupport,
    Capabilities,
    Connector,
    FetchBatch,
    FetchedCase,
    MappingIssue,
    ShopConfig,
)
from marketplace_returns.connectors.registry import connector_class, connector_names, create_connector

__all__ = [
    "ActionOutcome",
    "ActionRequest",
    "ActionResult",
    "ActionSupport",
    "Capabilities",
    "Connector",
    "FetchBatch",
    "FetchedCase",
    "MappingIssue",
    "ShopConfig",
    "connector_class",
    "connector_names",
    "create_connector",
]
