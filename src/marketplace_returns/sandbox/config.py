"""The sandbox's default shops and their credentials, derived from the seed unless given.

Why derived from the seed: a demo or a test started twice with the same seed serves the same app key,
secret, session and token, so a connector configured once keeps working; ``--app-key`` and friends
override them for a connector that already holds credentials. These are sandbox credentials only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marketplace_returns.sandbox.clock import SandboxClock
from marketplace_returns.sandbox.records import SandboxShop
from marketplace_returns.sandbox.state import SandboxState
from marketplace_returns.sandbox.traffic import TrafficGenerator

DEFAULT_TAOBAO, DEFAULT_TMALL, DEFAULT_SHOPIFY = "demo-tb", "demo-tm", "demo-shop"


@dataclass(frozen=True, slots=True)
class Credentials:
    """Credentials set on the command line; None means derive from the seed."""

    app_key: str | None = None
    app_secret: str | None = None
    session: str | None = None
    shopify_token: str | None = None


def default_shops(seed: int = 0, given: Credentials | None = None) -> list[SandboxShop]:
    """A Taobao shop, a Tmall shop and a Shopify shop.

    Given TOP credentials go to the Taobao shop; the Tmall shop always gets its own app key (the
    TOP router finds the shop by app key, so two shops cannot share one).
    """
    given = given or Credentials()
    rng = random.Random(f"sandbox-credentials-{seed}")

    def hex_(n: int) -> str:
        return f"{rng.getrandbits(4 * n):0{n}x}"

    # every value is drawn whether or not it is given, so giving one leaves the others unchanged
    drawn = [str(rng.randrange(10**7, 10**8)), hex_(32), f"6100{hex_(36)}",
             str(rng.randrange(10**7, 10**8)), hex_(32), f"6100{hex_(36)}", f"shpat_{hex_(32)}"]
    taobao = SandboxShop(DEFAULT_TAOBAO, "taobao", app_key=given.app_key or drawn[0],
                         app_secret=given.app_secret or drawn[1], session=given.session or drawn[2])
    tmall = SandboxShop(DEFAULT_TMALL, "tmall", app_key=drawn[3], app_secret=drawn[4], session=drawn[5])
    if tmall.app_key == taobao.app_key:
        tmall.app_key = str(int(tmall.app_key) + 1)
    shopify = SandboxShop(DEFAULT_SHOPIFY, "shopify", shop_domain=f"{DEFAULT_SHOPIFY}.myshopify.com",
                          access_token=given.shopify_token or drawn[6])
    return [taobao, tmall, shopify]


def build_state(*, seed: int = 0, refunds: int = 0, credentials: Credentials | None = None,
                speed: float = 1.0, start: datetime | None = None, history_days: float = 7.0,
                shops: list[SandboxShop] | None = None) -> SandboxState:
    """A sandbox with the default shops and ``refunds`` refunds created over the last ``history_days``.

    Refunds whose deadline has already passed come settled (``TrafficGenerator.settle_past``).

    ``speed`` is the clock's factor (0 freezes it: tests step it with ``advance``).
    """
    clock = SandboxClock(start or datetime.now(UTC).replace(microsecond=0), speed=speed)
    state = SandboxState(shops or default_shops(seed, credentials), clock=clock, seed=seed)
    if refunds:
        now = clock.now_s()
        generator = TrafficGenerator(seed)
        span = timedelta(days=history_days)
        made = generator.generate(refunds, list(state.shops.values()), start=now - span, spread=span)
        generator.settle_past(made, now)
        state.add_refunds(made)
        state.traffic = generator
    return state
