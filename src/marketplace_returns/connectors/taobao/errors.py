"""What each TOP failure means for us: one table, read by the client's retry loop.

Why a table: TOP reports every failure as ``error_response`` {code, msg, sub_code, sub_msg}, and the
same numeric code covers very different situations (code 15 "Remote service error" carries both
``isp.*`` platform faults, worth a retry, and ``isv.*`` refusals of our request, never worth one). The
classification is data, kept here in one place, so that the retry loop, the connector's outcome
mapping and the sandbox all agree on it.

Lookup order: the exact ``sub_code``; a credential or flow-control ``code`` (these outrank generic
prefixes: code 29 comes with ``isv.appkey-not-exists``); the longest matching ``sub_code`` prefix;
``code``; then the fallback (``fail``). Dispositions:

* ``rate_limited`` → ``RateLimited`` with the ban's seconds from ``sub_msg`` (retried after the hint)
* ``retry``        → ``PlatformUnavailable`` (retried with backoff)
* ``auth``         → ``AuthError`` (reported, never retried: a person must re-authorise)
* ``stale``        → ``StaleVersion`` (the refund moved on: the action is closed, not failed)
* ``ignore``       → nothing raised: the effect is already there (e.g. a duplicate message)
* ``fail``         → ``PlatformRejected`` (reported to a rep)

Version/phase mismatch sub-codes are not published by TOP in a machine-readable list; the ones below
are what the sandbox answers and what we have seen described. Any other ``isv.*refund-version*`` or
``*phase*`` sub-code is classified stale by the pattern rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from marketplace_returns.errors import (
    AuthError,
    ConnectorError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    StaleVersion,
)


class Disposition(StrEnum):
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    AUTH = "auth"
    STALE = "stale"
    IGNORE = "ignore"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Rule:
    disposition: Disposition
    meaning: str


# Numeric TOP platform codes (the first line of defence; sub_code rules below take precedence).
CODE_TABLE: Final[dict[str, Rule]] = {
    "7": Rule(Disposition.RATE_LIMITED, "App Call Limited: flow control, wait the ban out"),
    "10": Rule(Disposition.RETRY, "Service currently unavailable"),
    "11": Rule(Disposition.FAIL, "Insufficient ISV permissions: the app lacks this API"),
    "12": Rule(Disposition.AUTH, "Insufficient user permissions: the seller did not grant it"),
    "15": Rule(Disposition.FAIL, "Remote service error (decided by sub_code)"),
    "21": Rule(Disposition.FAIL, "Missing method"),
    "22": Rule(Disposition.FAIL, "Invalid method"),
    "24": Rule(Disposition.AUTH, "Missing signature"),
    "25": Rule(Disposition.AUTH, "Invalid signature"),
    "26": Rule(Disposition.AUTH, "Missing session"),
    "27": Rule(Disposition.AUTH, "Invalid session: the seller must re-authorise"),
    "28": Rule(Disposition.AUTH, "Missing app key"),
    "29": Rule(Disposition.AUTH, "Invalid app key"),
    "31": Rule(Disposition.FAIL, "Invalid timestamp (clock skew over 10 minutes?)"),
    "40": Rule(Disposition.FAIL, "Missing required arguments"),
    "41": Rule(Disposition.FAIL, "Invalid arguments"),
    "42": Rule(Disposition.FAIL, "Forbidden request"),
    "53": Rule(Disposition.AUTH, "Session is not allowed for this app"),
}

SUB_CODE_TABLE: Final[dict[str, Rule]] = {
    "isv.refund-version-not-match": Rule(Disposition.STALE, "refund_version is not the current one"),
    "isv.refund-phase-not-match": Rule(Disposition.STALE, "refund_phase is not the current one"),
    "isv.refund-status-not-support": Rule(Disposition.STALE, "the refund's status no longer allows it"),
    "isv.refund-message-duplicate": Rule(Disposition.IGNORE, "the same message was already posted"),
    "isv.invalid-permission": Rule(Disposition.AUTH, "the session lacks the refund scope"),
    "isv.session-expired": Rule(Disposition.AUTH, "the seller's session expired"),
}

# Prefixes, longest first at lookup time.
SUB_CODE_PREFIXES: Final[dict[str, Rule]] = {
    "accesscontrol.limited-by-": Rule(Disposition.RATE_LIMITED, "flow control by app/api/user"),
    "isp.call-limited": Rule(Disposition.RATE_LIMITED, "the service provider throttled the call"),
    "isp.": Rule(Disposition.RETRY, "the platform's own fault (the official SDK retries these)"),
    "isv.": Rule(Disposition.FAIL, "the platform refused our request"),
}

_STALE_PATTERN: Final = re.compile(r"^isv\..*(refund-version|refund-phase|version-not|phase-not)")
_BAN_SECONDS: Final = re.compile(r"(\d+(?:\.\d+)?)\s*(?:more\s*)?(?:seconds?|秒)")

_ERROR_CLASS: Final[dict[Disposition, type[ConnectorError]]] = {
    Disposition.RETRY: PlatformUnavailable,
    Disposition.RATE_LIMITED: RateLimited,
    Disposition.AUTH: AuthError,
    Disposition.STALE: StaleVersion,
    Disposition.FAIL: PlatformRejected,
}


def classify(code: str | int | None, sub_code: str | None) -> Rule:
    """The rule for one ``error_response``: sub_code first, then code, then ``fail``."""
    sub = (sub_code or "").strip()
    by_code = CODE_TABLE.get(str(code).strip()) if code is not None else None
    if sub in SUB_CODE_TABLE:
        return SUB_CODE_TABLE[sub]
    if by_code is not None and by_code.disposition in (Disposition.AUTH, Disposition.RATE_LIMITED):
        return by_code  # a credential or flow-control code outranks a generic isv.*/isp.* prefix
    if sub:
        if _STALE_PATTERN.search(sub):
            return Rule(Disposition.STALE, "a version/phase mismatch")
        for prefix in sorted(SUB_CODE_PREFIXES, key=len, reverse=True):
            if sub.startswith(prefix):
                return SUB_CODE_PREFIXES[prefix]
    return by_code or Rule(Disposition.FAIL, "unclassified TOP error")


def ban_seconds(sub_msg: str | None) -> float | None:
    """The wait named in a flow-control ``sub_msg`` ("This ban will last for 1 more seconds")."""
    match = _BAN_SECONDS.search(sub_msg or "")
    return float(match.group(1)) if match else None


def error_from_response(body: dict[str, Any], *, platform: str) -> ConnectorError | None:
    """The typed error for an ``error_response`` body, or None when the rule says ``ignore``.

    The text names code, msg, sub_code, sub_msg and request_id — never a request parameter, so no
    credential can leak through it.
    """
    found = body.get("error_response") or {}
    # a body of another shape is still an error: typed, classified "fail", never an AttributeError
    err: dict[str, Any] = found if isinstance(found, dict) else {
        "msg": f"error_response is a {type(found).__name__}, not an object"}
    code = str(err.get("code", "")) or None
    sub = err.get("sub_code")
    sub_code = sub if isinstance(sub, str) and sub.strip() else None
    msg = str(err.get("msg") or "")
    sub_msg = str(err.get("sub_msg") or "")
    rule = classify(code, sub_code)
    if rule.disposition is Disposition.IGNORE:
        return None
    text = msg + (f": {sub_msg}" if sub_msg else "")
    if err.get("request_id"):
        text += f" (request_id {err['request_id']})"
    retry_after = ban_seconds(sub_msg) if rule.disposition is Disposition.RATE_LIMITED else None
    cls = _ERROR_CLASS[rule.disposition]
    return cls(text or rule.meaning, platform=platform, code=code, sub_code=sub_code,
               retry_after=retry_after, response=err)


def error_from_status(status: int, *, platform: str, reason: str = "") -> ConnectorError:
    """A non-200 HTTP answer without a TOP body: 5xx and 429 are retried, the rest reported."""
    text = f"HTTP {status}" + (f" {reason}" if reason else "")
    if status == 429:
        return RateLimited(text, platform=platform, code=str(status))
    if status >= 500:
        return PlatformUnavailable(text, platform=platform, code=str(status))
    if status in (401, 403):
        return AuthError(text, platform=platform, code=str(status))
    return PlatformRejected(text, platform=platform, code=str(status))
