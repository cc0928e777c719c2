"""``marketplace-returns run``: the scheduler and the HTTP API in one process, one event loop
(plus, with ``--workers N``, N-1 scheduler-only processes over the same PostgreSQL store).

Why one loop: the API handlers run in uvicorn's thread pool and the jobs on the loop, so a rep's
accept can wake the push job directly (``ctx.kick_push``), which is what keeps "accept → platform
confirmation" under a second without polling the outbox fast.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marketplace_returns.security.logmask import install_log_masking
from marketplace_returns.service import eventloop
from marketplace_returns.service.api import create_app
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope, upgrade_database
from marketplace_returns.service.scheduler import ServiceScheduler
from marketplace_returns.service.shops import ShopEntry, ShopFileError, load_shops_file, save_shops
from marketplace_returns.service.workers import (
    Supervisor,
    WorkerOptions,
    check_workers,
    make_context,
    run_scheduler_only,
)

log = logging.getLogger(__name__)


def load_shops(ctx: ServiceContext, path: Path,
               parsed: tuple[list[ShopEntry], list[ShopFileError]] | None = None) -> None:
    """Load a shops file into the store; malformed shops are flagged (and logged), the rest saved."""
    entries, errors = parsed if parsed is not None else load_shops_file(path)
    with session_scope(ctx.db) as session:
        save_shops(session, entries=entries, errors=errors, now=datetime.now(UTC))
    log.info("shops file %s: %d shops loaded, %d stopped by errors", path, len(entries), len(errors))


def build_app(ctx: ServiceContext, **scheduler_options: Any) -> tuple[Any, ServiceScheduler]:
    """The API app whose lifespan starts and stops this worker's scheduler."""
    scheduler = ServiceScheduler(ctx, **scheduler_options)

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()
            await ctx.aclose()

    app = create_app(ctx, lifespan=lifespan)
    app.include_router(_webhooks(ctx, scheduler))
    return app, scheduler


def _webhooks(ctx: ServiceContext, scheduler: ServiceScheduler) -> Any:
    """Shopify webhooks as hints: a verified, fresh, first-seen delivery makes the shop's poll run now.

    The poller stays the source of truth (security/webhooks.py says why), so all a delivery does is
    wake that shop's poll job; signature, window, replay (``webhook_receipts``) are checked before.
    """
    from sqlmodel import Session

    from marketplace_returns.security.replay import SqlReplayGuard
    from marketplace_returns.security.shop_secrets import shop_for_domain, shop_secret_lookup
    from marketplace_returns.security.webhooks import ShopifyWebhookEvent, webhook_router
    from marketplace_returns.service.shops import resolve_secret

    def wake(event: ShopifyWebhookEvent) -> None:
        with Session(ctx.db) as session:
            shop = shop_for_domain(session, event.shop_domain)
        if shop is not None:
            scheduler.poll_now(shop.shop_id)

    return webhook_router(secrets_for=shop_secret_lookup(ctx.db, resolve=resolve_secret), on_event=wake,
                          guard=SqlReplayGuard(ctx.db))


QUIET_LOGGERS = ("httpx", "apscheduler.executors.default")
"""Loggers kept to warnings: one INFO line per HTTP call and per job run. In a Double-11 burst that was
nine lines in ten of the log and about 5 % of a worker's CPU (each line is built and masked), and it
buried the service's own lines; their failures (warnings and errors) still show."""


def configure_logging() -> None:
    """Log lines with personal data and secrets masked (security/logmask.py), to stderr."""
    # uvicorn's access formatter needs the record's args, which masking folds into the message; its
    # lines hold only method, path and status (no bodies, no tokens), so it is left out.
    install_log_masking(prefixes=("marketplace_returns", "httpx", "httpcore", "sqlalchemy", "apscheduler",
                                  "alembic", "uvicorn.error"))
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def serve(url: str, *, shops_file: Path | None, host: str, port: int, workers: int = 1, api: bool = True,
          options: WorkerOptions | None = None) -> None:
    """The service: ``workers`` processes over the store at ``url``; this one serves the API (unless
    ``api`` is off) and is worker 0, the others run only their schedulers (workers.py says why)."""
    import uvicorn

    check_workers(url, workers)
    configure_logging()
    # a missing or unreadable shops file is reported before the store is created or migrated
    parsed = load_shops_file(shops_file) if shops_file is not None else None
    upgrade_database(url)
    options = options or WorkerOptions(url=url)
    ctx = make_context(options)
    if shops_file is not None:
        load_shops(ctx, shops_file, parsed)
    supervisor = Supervisor(options, workers).start() if workers > 1 else None
    try:
        if api:
            app, _ = build_app(ctx, push_interval_s=options.push_interval_s)
            uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info")).run()
        else:
            eventloop.run(run_scheduler_only(ctx, push_interval_s=options.push_interval_s))
    finally:
        if supervisor is not None:
            supervisor.stop()
