"""Commands of the report area: ``report`` (figures, charts, anomalies) and ``orders import``."""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import Connection, Engine

from marketplace_returns.errors import InputError, MarketplaceReturnsError

if TYPE_CHECKING:
    from marketplace_returns.metrics.scope import Scope

FORMATS = ("table", "csv", "json", "html")
DB_ENV = "MARKETPLACE_RETURNS_DATABASE_URL"


def database_url(explicit: str | None) -> str:
    """--db, else $MARKETPLACE_RETURNS_DATABASE_URL, else the service's store in the user's data directory."""
    if explicit:
        return explicit
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    from marketplace_returns.service.db import default_url

    return default_url()


def _engine(db: str | None) -> Engine:
    from marketplace_returns.service.db import make_engine

    url = database_url(db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise typer.BadParameter(
            f"no store at {url} (run the service first, or pass --db URL)", param_hint="--db"
        )
    try:
        return make_engine(url)
    except MarketplaceReturnsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from None


def _fail(exc: MarketplaceReturnsError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def report(
    db: Annotated[
        str | None, typer.Option(help=f"Database URL (default: ${DB_ENV} or the local store).")
    ] = None,
    shop: Annotated[str | None, typer.Option(help="Only this shop.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    since: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default: --days before --until).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day included, YYYY-MM-DD (default: today, UTC).")
    ] = None,
    days: Annotated[int, typer.Option(help="Length of the period when --since is not given.")] = 30,
    out: Annotated[
        Path | None, typer.Option(help="Write report.json, CSVs and report.html into this folder.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json | html")] = "table",
    thresholds: Annotated[Path | None, typer.Option(help="YAML of metric → limit (see README).")] = None,
    threshold: Annotated[list[str] | None, typer.Option(help="KEY=NUMBER, repeatable.")] = None,
    top: Annotated[int, typer.Option(help="Rows per breakdown.")] = 20,
) -> None:
    """Refund figures, platform standing, anomalies and charts for a period."""
    from marketplace_returns.metrics import render_csv, render_html, render_table
    from marketplace_returns.metrics import thresholds as th
    from marketplace_returns.metrics.definitions import definitions_for
    from marketplace_returns.metrics.report import build_report, platforms_of
    from marketplace_returns.metrics.scope import Scope

    if fmt not in FORMATS:
        raise typer.BadParameter(f"one of {', '.join(FORMATS)}", param_hint="--format")
    try:
        last = date.fromisoformat(until) if until else datetime.now(UTC).date()
        first = date.fromisoformat(since) if since else last - timedelta(days=days - 1)
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD ({exc})") from None
    if first > last:
        typer.echo(f"error: --since {first} is after --until {last}: the period is empty", err=True)
        raise typer.Exit(2)
    engine = _engine(db)
    try:
        scope = Scope(since=first, until=last + timedelta(days=1), shop_id=shop, platform=platform)
        with engine.connect() as conn:
            problem = _unknown_scope(conn, scope)
            if problem:
                typer.echo(f"error: {problem}", err=True)
                raise typer.Exit(2 if problem.startswith("--") else 1)
            defs = definitions_for(platforms_of(conn, scope))
            limits = th.load_thresholds(thresholds, defs) if thresholds else {}
            limits.update(th.parse_option(threshold or [], defs))
            result = build_report(conn, scope, thresholds=limits, top=top)
    except MarketplaceReturnsError as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    if fmt == "table":
        render_table.render(result, Console())
    elif fmt == "json" and out is None:
        sys.stdout.buffer.write(render_csv.report_json(result) + b"\n")
    if out is None and fmt in ("csv", "html"):
        out = Path("report")
    if out is not None:
        written = render_csv.write_files(result, out) if fmt in ("table", "csv", "json") else []
        if fmt in ("table", "html"):
            page = out / "report.html"
            out.mkdir(parents=True, exist_ok=True)
            page.write_text(render_html.render_html(result), encoding="utf-8")
            written.append(page)
        typer.echo(f"wrote {len(written)} files to {out}/", err=True)


def _unknown_scope(conn: Connection, scope: Scope) -> str | None:
    """Why a report of ``scope`` would be empty for a reason the user should hear: a shop or platform the
    store does not know, or a period without a single refund request, completion or order count."""
    from sqlalchemy import func, or_, select

    from marketplace_returns.metrics.scope import table

    shops, cases, orders = table("shops"), table("cases"), table("order_counts")
    if scope.shop_id:
        known = conn.execute(select(shops.c.shop_id).where(shops.c.shop_id == scope.shop_id)).first() or \
            conn.execute(select(cases.c.id).where(cases.c.shop_id == scope.shop_id).limit(1)).first()
        if known is None:
            names = sorted(str(n) for n in conn.execute(select(shops.c.shop_id)).scalars())
            return f"--shop: no shop {scope.shop_id!r} in the store (known: {', '.join(names) or 'none'})"
    if scope.platform:
        found = conn.execute(select(shops.c.shop_id).where(shops.c.platform == scope.platform)).first() or \
            conn.execute(select(cases.c.id).where(cases.c.platform == scope.platform).limit(1)).first()
        if found is None:
            return f"--platform: no shop or case of platform {scope.platform!r} in the store"
    where = [or_(cases.c.requested_at.between(scope.start, scope.end),
                 cases.c.completed_at.between(scope.start, scope.end))]
    if scope.shop_id:
        where.append(cases.c.shop_id == scope.shop_id)
    if scope.platform:
        where.append(cases.c.platform == scope.platform)
    order_where = [orders.c.day >= scope.since, orders.c.day < scope.until]
    if scope.shop_id:
        order_where.append(orders.c.shop_id == scope.shop_id)
    has_cases = conn.execute(select(func.count()).select_from(cases).where(*where)).scalar_one()
    has_orders = conn.execute(select(func.count()).select_from(orders).where(*order_where)).scalar_one()
    if not has_cases and not has_orders:
        who = f" for {scope.shop_id}" if scope.shop_id else ""
        return (f"no refund requests, completions or order counts{who} from {scope.since} to "
                f"{scope.until - timedelta(days=1)}: nothing to report (widen --since/--until)")
    return None


def orders_import(
    file: Annotated[Path, typer.Argument(help="CSV: day,paid_orders,signed_orders[,shop_id]")],
    db: Annotated[
        str | None, typer.Option(help=f"Database URL (default: ${DB_ENV} or the local store).")
    ] = None,
    shop: Annotated[str | None, typer.Option(help="The shop, when the CSV has no shop_id column.")] = None,
) -> None:
    """Import order counts per shop and day (the denominators of refund rates)."""
    from marketplace_returns.metrics.orders import parse_orders, upsert_orders

    try:
        rows = parse_orders(file.read_text(encoding="utf-8"), shop_id=shop)
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror}", param_hint="FILE") from None
    except InputError as exc:
        where = f"{file}:{exc.line}" if exc.line else str(file)
        typer.echo(f"error: {where}: {exc.field + ': ' if exc.field else ''}{exc.message}", err=True)
        raise typer.Exit(2) from None
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            n = upsert_orders(conn, rows)
    finally:
        engine.dispose()
    typer.echo(f"imported {n} day(s) of order counts")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("report")(report)
    orders = typer.Typer(
        help="Order counts per shop and day: the denominators of refund rates.", no_args_is_help=True
    )
    orders.command("import")(orders_import)
    app.add_typer(orders, name="orders")
