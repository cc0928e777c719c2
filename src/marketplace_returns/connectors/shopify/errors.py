"""Shopify's failures, classified in one table each: HTTP status, top-level GraphQL ``errors`` codes, and
mutation ``userErrors``.

Why tables: the retry loop (client.py) and the connector read the class, never the text. Shopify
answers throttling with HTTP 200 and ``errors[].extensions.code == "THROTTLED"``, so the status alone
says little; the code wins whatever the status. A write's ``userErrors`` are the merchant-level "no":
a return that is no longer ``REQUESTED`` cannot be approved or declined (the refund moved on: stale),
anything else is refused for good.
"""

from __future__ import annotations

from typing import Any, Final

from marketplace_returns.errors import (
    AuthError,
    ConnectorError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    StaleVersion,
)

PLATFORM: Final = "shopify"

GRAPHQL_CODES: Final[dict[str, type[ConnectorError]]] = {
    "THROTTLED": RateLimited,
    "MAX_COST_EXCEEDED": PlatformRejected,
    "ACCESS_DENIED": AuthError,
    "UNAUTHORIZED": AuthError,
    "INTERNAL_SERVER_ERROR": PlatformUnavailable,
    "SERVICE_UNAVAILABLE": PlatformUnavailable,
    "GRAPHQL_VALIDATION_FAILED": PlatformRejected,
    "BAD_REQUEST": PlatformRejected,
    "NOT_FOUND": PlatformRejected,
}
"""``errors[].extensions.code`` → error class. An unknown code is refused for good (PlatformRejected)."""

USER_ERROR_CODES: Final[dict[str, type[ConnectorError]]] = {
    "INVALID_STATE": StaleVersion,
    "NOT_EDITABLE": StaleVersion,
    "ALREADY_EXISTS": StaleVersion,
}
"""``ReturnUserError.code`` → class; other codes (and refundCreate's code-less UserError) → rejected."""

STALE_PHRASES: Final = ("not approvable", "not declinable", "no longer", "already", "status")


def error_from_status(status: int, *, retry_after: float | None, body: str = "") -> ConnectorError | None:
    """The error an HTTP status means before the body is read; None for 200."""
    if status == 200:
        return None
    if status == 429:
        return RateLimited("HTTP 429 Too Many Requests", platform=PLATFORM, code="429",
                           retry_after=retry_after)
    if status in (401, 403):
        return AuthError(f"HTTP {status}: access token refused", platform=PLATFORM, code=str(status))
    if status >= 500:
        return PlatformUnavailable(f"HTTP {status}", platform=PLATFORM, code=str(status),
                                   retry_after=retry_after)
    return PlatformRejected(f"HTTP {status}: {body[:200]}", platform=PLATFORM, code=str(status))


def error_from_errors(errors: Any, *, retry_after: float | None = None) -> ConnectorError:
    """Top-level ``errors`` → one typed error (the first classified code wins)."""
    if isinstance(errors, str):  # Shopify's 401 body: {"errors": "[API] Invalid API key ..."}
        return AuthError(errors[:200], platform=PLATFORM, code="ACCESS_DENIED")
    items = errors if isinstance(errors, list) else [errors]
    first_message, code = "GraphQL error", None
    for item in items:
        if not isinstance(item, dict):
            continue
        ext = item.get("extensions") or {}
        code = code or (ext.get("code") if isinstance(ext, dict) else None)
        first_message = str(item.get("message") or first_message)
        if code:
            break
    cls = GRAPHQL_CODES.get(code or "", PlatformRejected)
    return cls(first_message[:300], platform=PLATFORM, code=code,
               retry_after=retry_after if cls is RateLimited else None, response={"errors": items})


def error_from_user_errors(mutation: str, user_errors: list[dict[str, Any]]) -> ConnectorError:
    """A mutation's ``userErrors`` → StaleVersion when the return moved on, else PlatformRejected."""
    first = user_errors[0] if user_errors and isinstance(user_errors[0], dict) else {}
    code = first.get("code") if isinstance(first.get("code"), str) else None
    message = str(first.get("message") or "user error")
    cls = USER_ERROR_CODES.get(code or "")
    if cls is None and not code and any(p in message.lower() for p in STALE_PHRASES):
        cls = StaleVersion
    cls = cls or PlatformRejected
    path = first.get("field")
    field = ".".join(str(p) for p in path if p is not None) if isinstance(path, list) else ""
    return cls(f"{mutation}: {message}" + (f" ({field})" if field else ""), platform=PLATFORM,
               code=code or "USER_ERROR", response={"userErrors": user_errors})
