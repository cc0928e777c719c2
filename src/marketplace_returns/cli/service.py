"""Commands of the service area: ``db``, ``shops``, ``token``, ``queue``, ``run`` and ``demo``.

The store is ``--db URL``, else ``$MARKETPLACE_RETURNS_DATABASE_URL``, else the SQLite file in the
user's data directory; every command brings it to the latest migration first (idempotent, fast).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from marketplace_returns.errors import ConfigError, GuardrailViolation, InputError, MarketplaceReturnsError
from marketplace_returns.i18n import t

if TYPE_CHECKING:
    from sqlmodel import Session

    from marketplace_returns.service.tables import CaseRecord, DecisionRecord

DB_ENV = "MARKETPLACE_RETURNS_DATABASE_URL"
Db = Annotated[str | None, typer.Option("--db", help="Database URL (sqlite:///file or postgresql+psycopg://...)")]
err = Console(stderr=True)


def _url(db: str | None) -> str:
    from marketplace_returns.service.db import default_url

    return db or os.environ.get(DB_ENV) or default_url()


def _store(db: str | None) -> Engine:
    from marketplace_returns.service.db import make_engine, upgrade_database

    try:
        url = upgrade_database(_url(db))
        return make_engine(url)
    except MarketplaceReturnsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from None


def _fail(exc: Exception | str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code)


def _now() -> datetime:
    return datetime.now(UTC)


# -- db / shops / token ------------------------------------------------------------------------------

def db_upgrade(db: Db = None) -> None:
    """Create or migrate the store to the latest schema."""
    from marketplace_returns.service.db import upgrade_database

    upgrade_database(_url(db))
    err.print("store is at the latest migration")


def shops_add(file: Annotated[Path, typer.Argument(help="shops.yaml")], db: Db = None) -> None:
    """Load shops from a YAML file (credentials as env:VAR or file:/path references only)."""
    from marketplace_returns.service.db import session_scope
    from marketplace_returns.service.shops import load_shops_file, save_shops

    engine = _store(db)
    try:
        entries, errors = load_shops_file(file)
    except ConfigError as exc:
        raise _fail(exc) from None
    with session_scope(engine) as session:
        save_shops(session, entries=entries, errors=errors, now=_now())
    for entry in entries:
        err.print(f"[green]ok[/green] {entry.shop_id} ({entry.platform})")
    for error in errors:
        err.print(f"[red]stopped[/red] {error.shop_id or '?'}: {error.message}")
    if errors:
        raise typer.Exit(1)


def shops_list(db: Db = None) -> None:
    """List shops with their platform, interval and state: active, off, stopped by a configuration error,
    or failing (its last poll failed: a refused token, a wrong base_url), with when it last polled."""
    from rich.markup import escape
    from sqlmodel import Session

    from marketplace_returns.cli import fmt
    from marketplace_returns.service import repository as repo
    from marketplace_returns.service.tables import PollCursor

    now = _now()
    with Session(_store(db)) as session:
        table = fmt.table("shop", "platform", "every", "playbook", "state")
        for shop in repo.list_shops(session):
            cursor = session.get(PollCursor, shop.shop_id)
            polled = repo.as_utc(cursor.polled_at) if cursor is not None else None
            last = "\n" + (t("last poll {time} ago", time=fmt.left((now - polled).total_seconds())) if polled
                            else t("not polled yet"))
            if shop.config_error:
                state = f"[red]{t('stopped')}: {escape(shop.config_error)}[/red]"
            elif not shop.active:
                state = t("off")
            elif cursor is not None and cursor.last_error:
                state = f"[red]{t('failing')}: {escape(cursor.last_error)}[/red]{last}"
            else:
                state = f"[green]{t('active')}[/green]{last}"
            table.add_row(shop.shop_id, shop.platform, f"{shop.poll_interval_s} s",
                          shop.playbook or "(default)", state)
    Console().print(table)


def shops_remove(shop: Annotated[str, typer.Argument(help="The shop to remove")],
                 force: Annotated[bool, typer.Option("--force", help="Even with actions still to push")]
                 = False, db: Db = None) -> None:
    """Remove a shop (settings, cursor, API tokens); its cases and audit trail are kept."""
    from marketplace_returns.service.db import session_scope
    from marketplace_returns.service.shops import remove_shop

    try:
        with session_scope(_store(db)) as session:
            kept = remove_shop(session, shop_id=shop, now=_now(), force=force)
    except InputError as exc:
        raise _fail(exc) from None
    err.print(f"removed {shop} ({kept} cases kept for the record)")


def token_create(shop: Annotated[str, typer.Option("--shop", help="The shop the token may see")],
                 name: Annotated[str | None, typer.Option(help="A label for the token")] = None,
                 expires: Annotated[str | None, typer.Option(
                     "--expires", help="30d, 12h, 90m or an ISO date/time (UTC); default: no expiry")] = None,
                 db: Db = None) -> None:
    """Make an API token for one shop; it is printed once and stored only as a hash."""
    from marketplace_returns.security.tokens import issue_token, parse_expiry
    from marketplace_returns.service.db import session_scope
    from marketplace_returns.service.tables import Shop

    now = datetime.now(UTC)
    try:
        until = parse_expiry(expires, now=now) if expires else None
    except InputError as exc:
        raise _fail(exc) from None
    with session_scope(_store(db)) as session:
        if session.get(Shop, shop) is None:
            raise _fail(InputError(f"no shop {shop!r}", field="shop"))
        token = issue_token(session, shop_id=shop, name=name, expires_at=until, now=now)
    typer.echo(token)


def token_list(shop: Annotated[str | None, typer.Option("--shop", help="Only this shop's tokens")] = None,
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines")] = False,
               db: Db = None) -> None:
    """List API tokens: id, shop, name, created, expires, revoked (never the token or its hash)."""
    from sqlmodel import Session

    from marketplace_returns.security.tokens import list_tokens
    from marketplace_returns.service.db import utc

    now = datetime.now(UTC)
    with Session(_store(db)) as session:
        rows = list_tokens(session, shop_id=shop)
    for row in rows:
        created, expires, revoked = utc(row.created_at), utc(row.expires_at), utc(row.revoked_at)
        state = "revoked" if revoked else ("expired" if expires and expires <= now else "active")
        doc = {"id": row.id, "shop": row.shop_id, "name": row.name, "state": state,
               "created_at": created.isoformat() if created else None,
               "expires_at": expires.isoformat() if expires else None,
               "revoked_at": revoked.isoformat() if revoked else None}
        typer.echo(json.dumps(doc) if as_json else "\t".join(str(doc[k] if doc[k] is not None else "-")
                                                            for k in doc))


def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id (token list)", min=1)],
                 db: Db = None) -> None:
    """Revoke one API token at once; the row is kept for the record."""
    from marketplace_returns.security.tokens import revoke_token
    from marketplace_returns.service.db import session_scope

    with session_scope(_store(db)) as session:
        if not revoke_token(session, token_id=token_id):
            raise _fail(InputError(f"no active token {token_id}", field="token_id"))
    typer.echo(f"revoked token {token_id}")


# -- queue -------------------------------------------------------------------------------------------
#
# A suggestion is named by its decision's opaque id (dc_…), the one the HTTP API, the review page and the
# tasks use; `queue show` also takes its case's id (cs_…) and shows the case's current suggestion. The
# store's integer ids are not taken: they said how many rows exist and differed from every other surface.

DecisionId = Annotated[str, typer.Argument(metavar="ID", show_default=False,
                                           help="The suggestion's decision id, dc_… (queue list shows it)")]
ShowId = Annotated[str, typer.Argument(metavar="ID", show_default=False,
                                       help="A decision id (dc_…), or a case id (cs_…) for its current "
                                            "suggestion")]


def _ctx(engine: Engine) -> Any:
    from marketplace_returns.service.context import ServiceContext, real_triage

    return ServiceContext(db=engine, triage=real_triage())


def _bad_id(message: str, **values: str) -> typer.Exit:
    from rich.markup import escape

    from marketplace_returns.cli import fmt

    return fmt.fail(t("ID: " + message, **{k: escape(v) for k, v in values.items()}))  # "[/x]" is text


def _find(session: Session, ref: str, shop: str | None, *,
          case_ok: bool) -> tuple[DecisionRecord, CaseRecord]:
    """The decision and case an ``ID`` argument names, or ``typer.Exit`` with one sentence naming ``ID``."""
    from marketplace_returns.service import queue

    ref = ref.strip()
    try:
        if queue.DECISION_REF.match(ref):
            return queue.find(session, ref, shop_id=shop)
        if queue.CASE_REF.match(ref):
            if case_ok:
                return queue.current_for_case(session, ref, shop_id=shop)
            raise _bad_id("{ref} is a case; give the decision id (dc_…) its card shows "
                          "(queue show {ref}), so that a newer suggestion is never acted on unseen", ref=ref)
    except queue.NotFound:
        if ref.startswith("dc_"):
            raise (_bad_id("no decision {ref} in shop {shop}", ref=ref, shop=shop) if shop
                   else _bad_id("no decision {ref}", ref=ref)) from None
        raise (_bad_id("no case {ref} with a suggestion in shop {shop}", ref=ref, shop=shop) if shop
               else _bad_id("no case {ref} with a suggestion", ref=ref)) from None
    if ref.isdigit():
        raise _bad_id('"{ref}" is a number; queue commands take the dc_… id queue list shows '
                      "(numeric ids were dropped)", ref=ref)
    raise _bad_id('"{ref}" is not a decision id; give the dc_… id queue list shows', ref=ref)


def queue_list(shop: Annotated[str | None, typer.Option("--shop")] = None,
               limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
               as_json: Annotated[bool, typer.Option("--json")] = False, db: Db = None) -> None:
    """Pending suggestions, nearest platform deadline first, each by its decision id (dc_…)."""
    from sqlmodel import Session

    from marketplace_returns.service import queue

    with Session(_store(db)) as session:
        items = queue.list_public(session, shop_id=shop, limit=limit)
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False))
        return
    from marketplace_returns.cli.queue_views import print_queue

    print_queue(items, _now())


def queue_show(decision_id: ShowId,
               shop: Annotated[str | None, typer.Option("--shop")] = None,
               as_json: Annotated[bool, typer.Option("--json", help="The full record as JSON (for machines)")]
               = False, db: Db = None) -> None:
    """One suggestion as a card: the case, the buyer's words, the suggestion, its reply and money."""
    from sqlmodel import Session

    from marketplace_returns.cli.queue_views import print_card
    from marketplace_returns.service import queue

    with Session(_store(db)) as session:
        d, c = _find(session, decision_id, shop, case_ok=True)
        detail = queue.public_detail(session, d, c)
    if as_json:
        typer.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    print_card(detail, _now())


def _review(db: str | None, ref: str, rep: str, edit: Any) -> None:
    import asyncio

    from marketplace_returns.cli import fmt
    from marketplace_returns.service import queue, tasks
    from marketplace_returns.service.db import session_scope

    engine = _store(db)
    ctx = _ctx(engine)
    try:
        with session_scope(engine) as session:
            d, _ = _find(session, ref, None, case_ok=False)
            assert d.id is not None
            action = queue.accept(session, ctx, decision_id=d.id, rep=rep, now=_now(), edit=edit)
            key = action.idempotency_key if action else None
            task = tasks.for_decision(session, decision_id=d.id) if action is None else None
            task_out = tasks.describe(session, task, _now()) if task is not None else None
    except GuardrailViolation as exc:
        raise _fail(f"refused: the reply contains {exc.phrase!r} ({exc.rule})") from None
    except InputError as exc:
        raise _fail(f"{fmt.option_for(exc.field)}: {exc.message}") from None
    finally:
        asyncio.run(ctx.aclose())
    if task_out is not None:
        err.print(t("manual task {id} for {rep}: {what} Due {due}. Close it with `tasks done {id}`.",
                    id=task_out.id, rep=task_out.assignee, what=task_out.what,
                    due=fmt.due(task_out.due_at, _now())), highlight=False)
        return
    err.print(t("queued for the platform (key {key})", key=key) if key else t("accepted (nothing to push)"))


def queue_accept(decision_id: DecisionId, rep: Annotated[str, typer.Option("--as", help="Rep name")] = "rep",
                 db: Db = None) -> None:
    """Accept a suggestion as it is (reason-change requests need exactly this)."""
    _review(db, decision_id, rep, None)


def queue_edit(decision_id: DecisionId,
               amount: Annotated[str | None, typer.Option(help="The amount to push, e.g. 12.50")] = None,
               reply: Annotated[str | None, typer.Option(help="The reply text to send instead")] = None,
               action: Annotated[str | None, typer.Option(help="Another action, e.g. offer_partial_refund")]
               = None,
               rep: Annotated[str, typer.Option("--as", help="Rep name")] = "rep", db: Db = None) -> None:
    """Change amount, reply or action, then accept: the edit is what gets pushed."""
    from marketplace_returns.cli import fmt
    from marketplace_returns.models.vocabulary import Action
    from marketplace_returns.service.queue import Edit

    value = fmt.parse_amount("--amount", amount)
    chosen = fmt.parse_choice("--action", action, [a.value for a in Action])
    if reply is not None and not reply.strip():
        raise _fail("--reply: the reply is empty; give the text to send, or leave --reply out")
    if reply is not None and len(reply) > 2000:
        raise _fail(f"--reply: the reply has {len(reply)} characters; at most 2000 are sent")
    edit = Edit(amount=value, reply=reply, action=Action(chosen) if chosen else None)
    _review(db, decision_id, rep, edit)


def queue_reject(decision_id: DecisionId, rep: Annotated[str, typer.Option("--as", help="Rep name")] = "rep",
                 note: Annotated[str | None, typer.Option()] = None, db: Db = None) -> None:
    """Reject a suggestion: nothing is pushed; the audit log keeps who and why."""
    from marketplace_returns.service import queue
    from marketplace_returns.service.db import session_scope

    try:
        with session_scope(_store(db)) as session:
            d, _ = _find(session, decision_id, None, case_ok=False)
            assert d.id is not None
            queue.reject(session, decision_id=d.id, rep=rep, now=_now(), note=note)
    except InputError as exc:
        raise _fail(f"ID: {exc.message}") from None
    err.print(t("rejected"))


def queue_dead(shop: Annotated[str | None, typer.Option("--shop")] = None, db: Db = None) -> None:
    """The dead letter: actions the platform refused for good, for a rep to handle."""
    from sqlmodel import Session

    from marketplace_returns.cli import fmt
    from marketplace_returns.service import repository as repo
    from marketplace_returns.service.tables import CaseRecord

    with Session(_store(db)) as session:
        rows = repo.list_actions(session, shop_id=shop, status="dead")
        currency = {r.case_id: c.currency for r in rows if (c := session.get(CaseRecord, r.case_id))}
    if not rows:
        err.print("the dead letter is empty")
        return
    table = fmt.table("id", "refund · shop", "action", "tries", "error")
    for r in rows:
        action = r.action.replace("_", " ")
        if r.amount is not None:
            action += f" {fmt.money(r.amount, currency.get(r.case_id))}"
        table.add_row(r.public_id or "-", f"{r.refund_id}\n[dim]{r.shop_id}[/dim]", action, str(r.attempts),
                      r.last_error or "")
    table.columns[0].no_wrap = True  # the id stays whole: the API's GET /actions names the row by it
    Console().print(table)


# -- buyers --------------------------------------------------------------------------------------------

def buyers_purge(buyer: Annotated[str, typer.Option("--buyer", help="The buyer's platform id")],
                 shop: Annotated[str | None, typer.Option("--shop", help="Only this shop's cases")] = None,
                 yes: Annotated[bool, typer.Option("--yes", help="Purge without asking")] = False,
                 db: Db = None) -> None:
    """Erase one buyer's personal data (names, contacts, addresses, their words) from the store."""
    from marketplace_returns.security.purge import purge_buyer
    from marketplace_returns.service.db import session_scope

    if not yes:
        if not sys.stdin.isatty():
            raise _fail("refusing to purge without --yes when nobody can confirm at a terminal")
        typer.confirm(f"Erase this buyer's personal data from {shop or 'every shop'}?", abort=True)
    engine = _store(db)
    try:
        with session_scope(engine) as session:
            report = purge_buyer(session, buyer_id=buyer, shop_id=shop, actor="cli")
    except InputError as exc:
        raise _fail(exc) from None
    typer.echo(f"purged {len(report.case_ids)} cases as {report.buyer} "
               f"({report.decisions_masked} decisions, {report.outbox_masked} outbox replies, "
               f"{report.audit_events_masked} audit events masked)")


# -- run / demo --------------------------------------------------------------------------------------

ShopsFile = Annotated[Path | None, typer.Option("--shops", help="shops.yaml to load")]


def run(db: Db = None, shops: ShopsFile = None,
        host: str = "127.0.0.1", port: int = 8787,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                             help="Worker processes (above 1 needs PostgreSQL)")] = 1,
        api: Annotated[bool, typer.Option("--api/--no-api",
                                          help="Serve the HTTP API (--no-api: scheduler only)")] = True,
        poll_lease_s: Annotated[float, typer.Option(
            min=1, help="Seconds a dead worker's shop poll stays leased")] = 120.0,
        push_lease_s: Annotated[float, typer.Option(
            min=1, help="Seconds a dead worker's outbox claim holds")] = 60.0,
        push_interval_s: Annotated[float, typer.Option(min=0.05, help="Seconds between outbox drains")] = 1.0,
        unknown_settle_s: Annotated[float, typer.Option(
            min=0, help="Seconds a timed-out write waits before the platform is asked if it landed")] = 60.0,
        platform_timeout_s: Annotated[float | None, typer.Option(
            min=0.1, help="Seconds a platform call may take (default: the connector's)")] = None,
        ) -> None:
    """Run the service: the scheduler (polls, pushes, deadlines) and the HTTP API under uvicorn."""
    from marketplace_returns.service.runner import serve
    from marketplace_returns.service.workers import WorkerOptions

    if shops is not None and not shops.is_file():  # before anything is created or migrated
        raise _fail(f"--shops: no file {shops}")
    url = _url(db)
    options = WorkerOptions(url=url, poll_lease_s=poll_lease_s, push_lease_s=push_lease_s,
                            push_interval_s=push_interval_s, unknown_settle_s=unknown_settle_s,
                            platform_timeout_s=platform_timeout_s)
    try:
        serve(url, shops_file=shops, host=host, port=port, workers=workers, api=api, options=options)
    except MarketplaceReturnsError as exc:
        raise _fail(exc) from None


def demo(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
         seconds: Annotated[float, typer.Option(min=2, max=55, help="Wall seconds of traffic")] = 12.0,
         seed: Annotated[int, typer.Option(help="Traffic seed")] = 7) -> None:
    """Sandbox marketplace + service on a fresh SQLite file: seeded traffic, triage, pushes, a summary."""
    from marketplace_returns.service.demo import print_summary, run_demo

    summary = run_demo(seconds=seconds, seed=seed, progress=not as_json or sys.stderr.isatty())
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        print_summary(summary, Console())


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    db_app = typer.Typer(help="The store (migrations).", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    app.add_typer(db_app, name="db")
    shops_app = typer.Typer(help="Shops and their connector settings.", no_args_is_help=True)
    shops_app.command("add")(shops_add)
    shops_app.command("list")(shops_list)
    shops_app.command("remove")(shops_remove)
    app.add_typer(shops_app, name="shops")
    token_app = typer.Typer(help="Per-shop API tokens.", no_args_is_help=True)
    token_app.command("create")(token_create)
    token_app.command("list")(token_list)
    token_app.command("revoke")(token_revoke)
    app.add_typer(token_app, name="token")
    buyers_app = typer.Typer(help="Buyers' personal data.", no_args_is_help=True)
    buyers_app.command("purge")(buyers_purge)
    app.add_typer(buyers_app, name="buyers")
    queue_app = typer.Typer(help="The review queue.", no_args_is_help=True)
    for name, fn in (("list", queue_list), ("show", queue_show), ("accept", queue_accept),
                     ("edit", queue_edit), ("reject", queue_reject), ("dead", queue_dead)):
        queue_app.command(name)(fn)
    app.add_typer(queue_app, name="queue")
    app.command("run")(run)
    app.command("demo")(demo)
