"""API tokens: made once, shown once, stored only as a hash, scoped to one shop.

Why a hash and not the token: a copy of the database (a backup, a support dump) must not let anyone
call the API. A token is 32 random bytes (``secrets.token_urlsafe``), so a plain SHA-256 is enough
(no salt or slow hash needed: there is no dictionary to attack, unlike a password). The hash is the
lookup key (``api_tokens.token_hash`` is unique), and the final comparison is constant-time anyway.

The prefix ``mrt_`` makes a leaked token recognisable to secret scanners and to
:func:`marketplace_returns.security.pii.redact_secrets`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

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


def issue_token(session: Session, *, shop_id: str, name: str | None = None) -> str:
    """Store a new token for one shop and return its plain text (the only time it exists).

    The caller commits; the token is usable once the transaction is committed.
    """
    token = generate_token()
    session.add(ApiToken(token_hash=hash_token(token), shop_id=shop_id, name=name))
    session.flush()
    return token


def shop_for_token(session: Session, token: str | None) -> str | None:
    """The shop a token is scoped to, or ``None`` for a missing, malformed or unknown token.

    ``None`` for every failure on purpose: the API answers 401 alike, so a caller learns nothing
    about which shops or tokens exist.
    """
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 256:
        return None
    wanted = hash_token(token)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == wanted)).first()
    if row is None or not verify_token(token, row.token_hash):
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
