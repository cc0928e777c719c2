"""Which shop a Shopify webhook belongs to, and which client secret(s) may have signed it.

Why a lookup at each delivery and no cache: the store keeps references (``env:VAR``, ``file:/path``),
never secret values, and a rotated secret must take effect without a restart. A delivery costs one
indexed query and one environment or file read, which is small beside Shopify's 5-second budget.

A shop's webhook signing secret is its app's *client secret* (credential ``client_secret``); during a
rotation Shopify may still sign with the old one for up to an hour, so ``client_secret_previous`` is
accepted too when set. The shop is matched by the host of its ``base_url`` (``https://x.myshopify.com``)
or by its ``shop_id`` when that is the domain, in one query that the database filters (a primary-key
match, or a LIKE over the Shopify shops' URLs: no rows are loaded for a domain nobody owns).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from marketplace_returns.security.webhooks import SecretLookup
from marketplace_returns.service.tables import Shop

log = logging.getLogger(__name__)

SECRET_NAMES = ("client_secret", "client_secret_previous")


def _domains(shop: Shop) -> set[str]:
    found = {shop.shop_id.lower()}
    host = urlsplit(shop.base_url).hostname if shop.base_url else None
    if host:
        found.add(host.lower())
    return found


def shop_for_domain(session: Session, domain: str) -> Shop | None:
    """The active Shopify shop a webhook's ``X-Shopify-Shop-Domain`` names, if any."""
    wanted = domain.strip().lower()
    if not wanted or len(wanted) > 255:
        return None
    pattern = "%//" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    candidates = session.exec(select(Shop).where(
        col(Shop.platform) == "shopify", col(Shop.active).is_(True),
        or_(func.lower(col(Shop.shop_id)) == wanted,
            func.lower(col(Shop.base_url)).like(pattern, escape="\\")))).all()
    return next((shop for shop in candidates if wanted in _domains(shop)), None)


def shop_secret_lookup(engine: Engine, *, resolve: Callable[[str], str]) -> SecretLookup:
    """A ``secrets_for`` for :func:`webhook_router`, reading shops from the store.

    ``resolve`` turns a stored reference (``env:VAR``, ``file:/path``) into the secret; it is the
    service's own resolver. A reference that does not resolve is logged by name, never by value, and
    that secret is skipped (the delivery then fails verification: 401, and Shopify retries).
    """

    def secrets_for(domain: str) -> list[str]:
        with Session(engine) as session:
            shop = shop_for_domain(session, domain)
        if shop is None or not shop.credentials_ref:
            return []
        found: list[str] = []
        for name in SECRET_NAMES:
            ref = shop.credentials_ref.get(name)
            if not ref:
                continue
            try:
                value = resolve(ref)
            except Exception as exc:  # a missing env var or file must not turn into a 500
                log.warning("shop %s: credential %s does not resolve (%s)", shop.shop_id, name,
                            type(exc).__name__)
                continue
            if value:
                found.append(value)
        return found

    return secrets_for
