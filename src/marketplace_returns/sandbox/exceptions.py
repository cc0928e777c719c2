"""The sandbox state's refusals (re-exported by ``state.py``); the routers turn each into their wire error.

Why not in ``errors.py``: nothing outside the sandbox ever sees these — a connector sees the platform
error the router renders (TOP's isv.* sub_code, Shopify's userErrors) and maps that to the package tree.
"""

from __future__ import annotations

from marketplace_returns.errors import MarketplaceReturnsError


class SandboxError(MarketplaceReturnsError):
    """Base of the sandbox state's refusals."""


class SandboxNotFound(SandboxError):
    """Raised when the refund does not exist or belongs to another shop."""


class SandboxStale(SandboxError):
    """Raised when the expected version differs or the action does not apply to the current status."""


class SandboxInvalid(SandboxError):
    """Raised when the action's parameters are wrong (an amount out of range, an empty message)."""
