"""API tokens: made once, shown once, stored only as a hash, scoped to one shop.

Why a hash and not the token: a copy of the database (a backup, a support dump) must not let anyone
call the API. A token is 32 random bytes (``secrets.token_urlsafe``), so a plain SHA-256 is enough
(no salt or slow hash needed: there is no dictionary to attack, unlike a password). The hash is the
lookup key (``api_tokens.token_hash`` is unique), and the final comparison is constant-time anyway.

The prefix ``mrt_`` makes a leaked token recognisable to secret scanners and to
:func:`marketplace_returns.security.pii.redact_secrets`.

A token may carry an expiry (``token create --expires 30d``) and be revoked (``token revoke``); both
are checked in the same lookup, and a revoked or expired token is refused like an unknown one.
``list_tokens`` shows what exists (id, shop, name, dates), never a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from marketplace_returns.errors import InputError
from marketplace_returns.service.tables import ApiToken

TOKEN_PREFIX = "mrt_"
_TOKEN_BYTES = 32


def generate_token() -> str:
    """A new API token (plain text). Show it to the user once; store only :func:`hash_token`."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 hex of the token: what ``api_tokens.token_hash`` holds."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def verify_token(token: str, token_hash: str) -> bool:
    """Whether ``token`` hashes to ``token_hash``, compared in constant time."""
    return hmac.compare_digest(hash_token(token), token_hash)


def issue_token(session: Session, *, shop_id: str, name: str | None = None,
                expires_at: datetime | None = None, now: datetime | None = None) -> str:
    """Store a new token for one shop and return its plain text (the only time it exists).

    The caller commits; the token is usable once the transaction is committed (until ``expires_at``).
    """
    token = generate_token()
    session.add(ApiToken(token_hash=hash_token(token), shop_id=shop_id, name=name,
                         created_at=now or datetime.now(UTC), expires_at=expires_at))
    session.flush()
    return token


_DURATION = re.compile(r"(\d{1,5})\s*([dhm])", re.ASCII)


def parse_expiry(text: str, *, now: datetime) -> datetime:
    """``30d``, ``12h``, ``90m`` from ``now``, or an ISO date/time (UTC when no offset); InputError else."""
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if match:
        amount, unit = int(match[1]), match[2]
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount),
                 "m": timedelta(minutes=amount)}[unit]
        if amount == 0:
            raise InputError("an expiry must lie in the future", field="expires")
        return now + delta
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"expiry {text!r} is neither a duration (30d, 12h, 90m) nor an ISO date",
                         field="expires") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment <= now:
        raise InputError("an expiry must lie in the future", field="expires")
    return moment


def list_tokens(session: Session, *, shop_id: str | None = None) -> list[ApiToken]:
    """Every token (of one shop), oldest first; rows carry no plain token, and callers show no hash."""
    query = select(ApiToken)
    if shop_id is not None:
        query = query.where(ApiToken.shop_id == shop_id)
    return list(session.exec(query.order_by(col(ApiToken.id))).all())


def revoke_token(session: Session, *, token_id: int, now: datetime | None = None) -> bool:
    """Revoke one token by its id; ``False`` when there is no such token or it was already revoked."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now or datetime.now(UTC)
    session.add(row)
    session.flush()
    return True


def shop_for_token(session: Session, token: str | None, *, now: datetime | None = None) -> str | None:
    """The shop a token is scoped to, or ``None`` for a missing, malformed, unknown, revoked or expired
    token.

    ``None`` for every failure on purpose: the API answers 401 alike, so a caller learns nothing
    about which shops or tokens exist.
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 256:
        return None
    wanted = hash_token(token)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == wanted)).first()
    if row is None or not verify_token(token, row.token_hash) or row.revoked_at is not None:
        return None
    expires = row.expires_at
    if expires is not None:
        expires = expires.replace(tzinfo=UTC) if expires.tzinfo is None else expires
        if expires <= (now or datetime.now(UTC)):
            return None
    return row.shop_id


def bearer_token(authorization: str | None) -> str | None:
    """The token from an ``Authorization: Bearer <token>`` header value, else ``None``."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
