"""Commands of the sandbox area: ``marketplace-returns sandbox`` serves the local marketplace.

Why it prints credentials: this is the sandbox; a connector (or the demo) needs the app key, secret,
session and Shopify token it serves, and they are made up from the seed unless given.
"""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command("sandbox")
    def sandbox(
        port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8750,
        seed: Annotated[int, typer.Option(help="Seed for credentials, traffic and faults.")] = 0,
        refunds: Annotated[int, typer.Option(help="Refunds created over the last week at start.")] = 200,
        live: Annotated[int, typer.Option(help="Further refunds arriving over the next simulated hour.")] = 0,
        speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1.0,
        app_key: Annotated[str | None, typer.Option(help="TOP app key of the Taobao shop.")] = None,
        app_secret: Annotated[str | None, typer.Option(help="TOP app secret of the Taobao shop.")] = None,
        session: Annotated[str | None, typer.Option(help="TOP session of the Taobao shop.")] = None,
        shopify_token: Annotated[str | None, typer.Option(help="Shopify Admin access token.")] = None,
    ) -> None:
        """Serve the sandbox marketplace (TOP at /router/rest, Shopify GraphQL) until Ctrl-C."""
        from datetime import timedelta

        from marketplace_returns.sandbox.config import Credentials, build_state
        from marketplace_returns.sandbox.server import SandboxServer

        given = Credentials(app_key=app_key, app_secret=app_secret, session=session,
                            shopify_token=shopify_token)
        state = build_state(seed=seed, refunds=refunds, credentials=given, speed=speed)
        if live:
            from marketplace_returns.sandbox.traffic import TrafficGenerator

            generator = state.traffic or TrafficGenerator(seed, first_serial=state.serial + 1)
            generator.serial = max(generator.serial, state.serial + 1)
            state.add_refunds(generator.generate(live, list(state.shops.values()), start=state.clock.now_s(),
                                                 spread=timedelta(hours=1)))
        server = SandboxServer(state, port=port).start()
        typer.echo(f"sandbox marketplace at {server.url}  (seed {seed}, speed x{speed})")
        typer.echo(f"  TOP router       {server.url}/router/rest")
        typer.echo(f"  Shopify GraphQL  {server.url}/admin/api/2026-10/graphql.json")
        typer.echo(f"  control          {server.url}/_sandbox/ state | actions | faults | traffic | advance")
        for shop in state.shops.values():
            shown = shop.as_dict().items()
            creds = "  ".join(f"{k}={v}" for k, v in shown if k not in ("shop_id", "platform"))
            typer.echo(f"  shop {shop.shop_id:<10} {shop.platform:<8} {creds}")
        typer.echo(f"{len(state.refunds)} refunds now, {state.pending} arriving later. Ctrl-C stops.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            typer.echo("stopped")
