"""The review page ``run`` serves at ``/review``: the queue, one suggestion, the manual tasks, rendered on
the server (Jinja2, autoescaped) for reps who would rather not use a terminal or raw JSON.

Why server-rendered forms and no JavaScript: a rep needs to read a case and accept, change or reject it;
plain HTML does that in any browser and keeps the page's rules the API's (the same ``queue`` and
``tasks`` functions, the same guardrail, the same one-shop scope).

Who may see what: the rep pastes the shop's API token once (``token create``); it is kept in an
HttpOnly, ``SameSite=Strict`` cookie scoped to ``/review`` and checked on every request exactly like a
bearer token, so another shop's ids are "not found" here too. ``SameSite=Strict`` keeps other sites'
forms from posting with it, and a POST whose ``Origin`` names another host is refused. The language is
``?lang=zh|en`` (kept in a cookie), else the browser's ``Accept-Language``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from marketplace_returns import i18n
from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.security.tokens import shop_for_token
from marketplace_returns.service import queue, tasks
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope

COOKIE, LANG_COOKIE, REP_COOKIE = "mr_review", "mr_lang", "mr_rep"
MAX_FORM_BYTES = 20_000

router = APIRouter(prefix="/review", include_in_schema=False)
_env = Environment(loader=PackageLoader("marketplace_returns.service", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_env.globals.update(t=i18n.t, word=i18n.word)


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in i18n.LANGS:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "zh" if accept.lower().startswith("zh") else "en"


def _shop(request: Request) -> str | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with Session(_ctx(request).db) as session:
        return shop_for_token(session, token)


def _page(request: Request, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    lang = _lang(request)
    i18n.set_lang(lang)
    html = _env.get_template(name).render(lang=lang, shop=values.pop("shop", None),
                                          rep=request.cookies.get(REP_COOKIE, ""), **values)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, _lang(request), path="/review", samesite="strict", httponly=True)
    return response


def _money(currency: str | None) -> Any:
    from marketplace_returns.cli.fmt import money

    return lambda amount: money(amount, currency)


def _due(moment: datetime | None, now: datetime) -> tuple[str, bool]:
    from marketplace_returns.cli.fmt import due_parts

    if moment is None:
        return "-", False
    stamp, rest, late = due_parts(moment, now)
    return f"{stamp} ({rest})", late


async def _form(request: Request) -> dict[str, str]:
    """The posted form, after checking it came from this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "form posted from another site")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "form too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def _to(path: str, flash: str | None = None) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={flash}" if flash else path, status_code=303)


FLASH = {"accepted": "accepted: queued for the platform", "task": "accepted: a manual task was opened",
         "rejected": "rejected", "done": "done"}


@router.get("", response_class=HTMLResponse)
def review_queue(request: Request) -> HTMLResponse:
    shop = _shop(request)
    if shop is None:
        return _page(request, "review_login.html", title="login")
    i18n.set_lang(_lang(request))
    ctx = _ctx(request)
    now = ctx.now()
    with Session(ctx.db) as session:
        pending = queue.list_pending(session, shop_id=shop, limit=200)
    items = []
    for i in pending:
        due, late = _due(i.deadline, now)
        items.append({**i.model_dump(), "due": due, "late": late,
                      "amount": _money(i.currency)(i.amount) if i.amount is not None else ""})
    done = request.query_params.get("done")
    flash = i18n.t(FLASH[done]) if done in FLASH else None
    return _page(request, "review_queue.html", title="queue", shop=shop, items=items, flash=flash)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    token = form.get("token", "").strip()
    engine = _ctx(request).db

    def lookup() -> str | None:
        with Session(engine) as session:
            return shop_for_token(session, token)

    shop = await run_in_threadpool(lookup)
    if shop is None:
        return _page(request, "review_login.html", status=401, title="login", flash=i18n.t("unknown token"),
                     error=True)
    response = _to("/review")
    response.set_cookie(COOKIE, token, path="/review", samesite="strict", httponly=True)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    response = _to("/review")
    response.delete_cookie(COOKIE, path="/review")
    return response


@router.get("/tasks", response_class=HTMLResponse)
def review_tasks(request: Request) -> Response:
    shop = _shop(request)
    if shop is None:
        return _to("/review")
    i18n.set_lang(_lang(request))
    ctx = _ctx(request)
    now = ctx.now()
    with Session(ctx.db) as session:
        rows = tasks.list_tasks(session, now=now, shop_id=shop)
    shown = [{**k.model_dump(), "due": _due(k.due_at, now)[0]} for k in rows]
    done = request.query_params.get("done")
    return _page(request, "review_tasks.html", title="tasks", shop=shop, tasks=shown,
                 flash=i18n.t(FLASH[done]) if done in FLASH else None)


@router.post("/tasks/{task_id}/done")
async def task_done(task_id: int, request: Request) -> Response:
    shop = _shop(request)
    if shop is None:
        return _to("/review")
    form = await _form(request)
    rep = form.get("rep", "").strip() or "rep"
    ctx = _ctx(request)

    def close() -> None:
        with session_scope(ctx.db) as session:
            tasks.complete(session, task_id=task_id, rep=rep, now=ctx.now(), shop_id=shop)

    try:
        await run_in_threadpool(close)
    except tasks.TaskNotFound:
        raise HTTPException(404, "not found") from None
    except InputError:
        return _to("/review/tasks")
    return _to("/review/tasks", "done")


def _item_page(request: Request, shop: str, decision_id: int, *, flash: str | None = None,
               status: int = 200) -> HTMLResponse:
    ctx = _ctx(request)
    i18n.set_lang(_lang(request))
    with Session(ctx.db) as session:
        try:
            detail = queue.show(session, decision_id=decision_id, shop_id=shop)
        except queue.NotFound:
            raise HTTPException(404, "not found") from None
    due, _ = _due(detail.deadline, ctx.now())
    return _page(request, "review_item.html", status=status, title=f"#{decision_id}", shop=shop, d=detail,
                 due=due, money=_money(detail.currency), actions=[a.value for a in Action], flash=flash,
                 error=flash is not None)


@router.get("/{decision_id}", response_class=HTMLResponse)
def review_item(decision_id: int, request: Request) -> Response:
    shop = _shop(request)
    if shop is None:
        return _to("/review")
    return _item_page(request, shop, decision_id)


def _edit(form: dict[str, str], detail: queue.QueueDetail) -> tuple[queue.Edit | None, str | None]:
    """The rep's changes to the suggestion (None: accepted as it is), or one sentence saying what is wrong."""
    from marketplace_returns.cli.fmt import read_amount

    amount: Decimal | None = None
    if form.get("amount", "").strip():
        amount, problem = read_amount(i18n.t("amount"), form["amount"])
        if problem:
            return None, problem
    action = form.get("action") or None
    if action is not None and action not in {a.value for a in Action}:
        return None, f"action {action!r} is not one of ours"
    reply = form.get("reply", "").replace("\r\n", "\n").strip() or None
    changed = {
        "amount": amount if amount is not None and amount != detail.amount else None,
        "action": Action(action) if action and action != detail.action else None,
        "reply": reply if reply and reply != (detail.reply or "").strip() else None,
    }
    if all(v is None for v in changed.values()):
        return None, None
    return queue.Edit(**changed), None


@router.post("/{decision_id}/accept")
async def accept(decision_id: int, request: Request) -> Response:
    shop = _shop(request)
    if shop is None:
        return _to("/review")
    form = await _form(request)
    rep = form.get("rep", "").strip()
    ctx = _ctx(request)
    i18n.set_lang(_lang(request))
    with Session(ctx.db) as session:
        try:
            detail = queue.show(session, decision_id=decision_id, shop_id=shop)
        except queue.NotFound:
            raise HTTPException(404, "not found") from None
    edit, problem = _edit(form, detail)
    if not rep:
        problem = i18n.t("rep") + ": " + i18n.t("give your name")
    if problem:
        return _item_page(request, shop, decision_id, flash=problem, status=422)

    def take() -> bool:
        with session_scope(ctx.db) as session:
            action = queue.accept(session, ctx, decision_id=decision_id, rep=rep, now=ctx.now(), shop_id=shop,
                                  edit=edit)
            return action is not None

    try:
        pushed = await run_in_threadpool(take)
    except GuardrailViolation as exc:
        return _item_page(request, shop, decision_id, status=422,
                          flash=f"refused: the reply contains {exc.phrase!r} ({exc.rule})")
    except InputError as exc:
        return _item_page(request, shop, decision_id, flash=exc.message, status=422)
    if pushed and ctx.kick_push is not None:
        ctx.kick_push()
    response = _to("/review", "accepted" if pushed else "task")
    response.set_cookie(REP_COOKIE, rep, path="/review", samesite="strict", httponly=True)
    return response


@router.post("/{decision_id}/reject")
async def reject(decision_id: int, request: Request) -> Response:
    shop = _shop(request)
    if shop is None:
        return _to("/review")
    form = await _form(request)
    rep = form.get("rep", "").strip() or "rep"
    ctx = _ctx(request)

    def drop() -> None:
        with session_scope(ctx.db) as session:
            queue.reject(session, decision_id=decision_id, rep=rep, now=ctx.now(), shop_id=shop,
                         note=form.get("note") or None)

    try:
        await run_in_threadpool(drop)
    except queue.NotFound:
        raise HTTPException(404, "not found") from None
    except InputError as exc:
        return _item_page(request, shop, decision_id, flash=exc.message, status=409)
    return _to("/review", "rejected")
