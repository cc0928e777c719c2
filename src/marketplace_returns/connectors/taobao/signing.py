"""TOP request signing and timestamps.

Why a module of its own: the signature is the one part of the TOP wire format that both sides must
compute bit for bit the same way — the connector signs, the sandbox router verifies — so there is a
single implementation, property-tested, that both import.

The rule (TOP's public SDKs and the vendor README): sort the parameters by key, leave out ``sign``,
uploaded files and empty values, concatenate ``key + value`` for each, then

* ``md5``:         MD5(secret + s + secret)
* ``hmac``:        HMAC-MD5(key=secret, s)
* ``hmac-sha256``: HMAC-SHA256(key=secret, s)

and write the digest as upper-case hex. Timestamps are ``yyyy-MM-dd HH:mm:ss`` in GMT+8, the
platform's own clock, whatever the caller's zone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Final

SIGN_METHODS: Final = ("md5", "hmac", "hmac-sha256")
GMT8: Final = timezone(timedelta(hours=8), "GMT+8")
TIMESTAMP_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


def string_to_sign(params: Mapping[str, object]) -> str:
    """The canonical string: sorted ``key + value`` pairs, without ``sign`` and empty values."""
    parts: list[str] = []
    for key in sorted(params):
        if key == "sign":
            continue
        value = params[key]
        if value is None or isinstance(value, bytes | bytearray):  # files are never signed
            continue
        text = str(value)
        if text == "":
            continue
        parts.append(key + text)
    return "".join(parts)


def sign(params: Mapping[str, object], secret: str, method: str) -> str:
    """The upper-case hex signature of ``params`` with ``secret`` by ``method``."""
    s = string_to_sign(params).encode("utf-8")
    key = secret.encode("utf-8")
    if method == "md5":
        digest = hashlib.md5(key + s + key, usedforsecurity=False).hexdigest()
    elif method == "hmac":
        digest = hmac.new(key, s, hashlib.md5).hexdigest()
    elif method == "hmac-sha256":
        digest = hmac.new(key, s, hashlib.sha256).hexdigest()
    else:
        raise ValueError(f"unknown sign_method {method!r}; expected one of {', '.join(SIGN_METHODS)}")
    return digest.upper()


def verify(params: Mapping[str, object], secret: str) -> bool:
    """True when ``params['sign']`` matches the signature by ``params['sign_method']`` (default md5)."""
    given = str(params.get("sign") or "")
    method = str(params.get("sign_method") or "md5")
    if method not in SIGN_METHODS or not given:
        return False
    return hmac.compare_digest(given.upper(), sign(params, secret, method))


def format_timestamp(moment: datetime) -> str:
    """``moment`` as TOP writes it: GMT+8 wall time. Naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _gmt8_text(moment)


@lru_cache(maxsize=8192)
def _gmt8_text(moment: datetime) -> str:
    """Cached: the same few instants are written again and again (a listing page renders each refund's
    times; a window's bounds are sent with every page), and ``astimezone`` + ``strftime`` was a fifth
    of the sandbox's CPU for a TOP listing."""
    return moment.astimezone(GMT8).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """A TOP ``yyyy-MM-dd HH:mm:ss`` (GMT+8) as an aware datetime; ValueError if malformed."""
    return datetime.strptime(text.strip(), TIMESTAMP_FORMAT).replace(tzinfo=GMT8)


def now_timestamp() -> str:
    return datetime.now(GMT8).strftime(TIMESTAMP_FORMAT)  # a new instant each call: not worth caching
