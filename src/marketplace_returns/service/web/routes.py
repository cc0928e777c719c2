"""The review page's routes under ``/ui``: login, queue, case card, accept/edit/reject, manual tasks.

Why server-rendered forms: a rep on a shared shop PC needs a page that works with scripts off and no
front-end build; every action is a plain ``<form method="post">`` answered by a redirect (or, when
refused, by the same card re-rendered with the refusal next to the field). The page calls the same
functions as the HTTP API (``service.queue``, ``service.tasks``), so an accept here writes the same
audit line and outbox row and passes the same guardrail as ``POST /queue/{id}/accept``.

Login keeps the shop token in an HttpOnly, SameSite=Strict cookie scoped to ``/ui``; the token is
checked against the store on every request (a revoked token logs the rep out at the next click), and
another shop's decision or task answers 404 exactly like a missing one. Every POST carries a CSRF
token: an HMAC, under a key drawn when the app starts, of a random nonce kept in its own HttpOnly
cookie; a form without it, or from before a restart, is refused with 403 and nothing is done.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session

from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.security.tokens import shop_for_token
from marketplace_returns.service import queue, tasks
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.tables import DecisionRecord
from marketplace_returns.service.web.i18n import Messages, pick

PREFIX = "/ui"
TOKEN_COOKIE = "mr_token"
REP_COOKIE = "mr_rep"
NONCE_COOKIE = "mr_nonce"
LANG_COOKIE = "mr_lang"
MAX_FORM_BYTES = 64 * 1024
"""A review form is a few kilobytes at most (a reply is capped at 2,000 characters)."""
REP_PATTERN = re.compile(r"^[\w.@ -]{1,100}$")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
STATIC = Path(__file__).parent / "static"
_env = Environment(loader=PackageLoader("marketplace_returns.service.web", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


R = TypeVar("R", bound=Response)


class CsrfRefused(Exception):
    """A POST whose CSRF token is missing or does not match the nonce cookie."""


@dataclass
class Page:
    """What every handler knows about the request: the language and, once logged in, shop and rep."""

    request: Request
    t: Messages
    nonce: str
    csrf: str
    new_nonce: bool
    set_lang: bool
    shop_id: str | None = None
    rep: str | None = None

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        now = _ctx(self.request).now()
        html = _env.get_template(template).render(
            t=self.t, lang=self.t.lang, csrf=self.csrf, shop_id=self.shop_id, rep=self.rep,
            prefix=PREFIX, path=_here(self.request), left=lambda at: _left(self.t, at, now), **values)
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, to: str, **query: str) -> RedirectResponse:
        url = f"{PREFIX}{to}" + (f"?{urlencode(query)}" if query else "")
        response = RedirectResponse(url, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: R) -> R:
        secure = self.request.url.scheme == "https"
        if self.new_nonce:
            response.set_cookie(NONCE_COOKIE, self.nonce, httponly=True, samesite="strict", path=PREFIX,
                                secure=secure)
        if self.set_lang:
            response.set_cookie(LANG_COOKIE, self.t.lang, httponly=True, samesite="strict", path=PREFIX,
                                secure=secure, max_age=365 * 86400)
        response.headers.update(SECURITY_HEADERS)
        return response


def _here(request: Request) -> str:
    """The page a language link reloads: after a POST, the card or list the form was on."""
    path = request.url.path
    if request.method == "GET":
        return path
    path = re.sub(r"^(/ui/queue/[\w-]+)/\w+$", r"\1", path)
    return re.sub(r"^/ui/tasks/.*$", "/ui/tasks", path)


def _left(t: Messages, at: datetime | None, now: datetime) -> str:
    """Time to a platform deadline as a rep reads it: ``2h 52m left``, ``1d 4h left``, ``overdue``."""
    if at is None:
        return ""
    seconds = int((at - now).total_seconds())
    if seconds < 0:
        return t("overdue")
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    span = f"{days}d {hours}h" if days else f"{hours}h {minutes}m"
    return t("left").format(span=span)


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def _csrf_for(key: bytes, nonce: str) -> str:
    return hmac.new(key, nonce.encode("utf-8"), hashlib.sha256).hexdigest()


def _key(request: Request) -> bytes:
    """The app's CSRF key, drawn once per process (forms from before a restart are refused)."""
    state = request.app.state
    if not hasattr(state, "web_csrf_key"):
        state.web_csrf_key = secrets.token_bytes(32)
    key: bytes = state.web_csrf_key
    return key


def _page(request: Request) -> Page:
    query_lang = request.query_params.get("lang")
    t = Messages(pick(query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")))
    nonce = request.cookies.get(NONCE_COOKIE) or ""
    new_nonce = len(nonce) != 43
    if new_nonce:
        nonce = secrets.token_urlsafe(32)
    page = Page(request=request, t=t, nonce=nonce, csrf=_csrf_for(_key(request), nonce),
                new_nonce=new_nonce, set_lang=query_lang == t.lang)
    token = request.cookies.get(TOKEN_COOKIE)
    if token:
        with Session(_ctx(request).db) as session:
            page.shop_id = shop_for_token(session, token)
        rep = unquote(request.cookies.get(REP_COOKIE) or "")  # percent-encoded: a cookie is ASCII
        page.rep = rep if REP_PATTERN.match(rep) else None
    return page


class LoginRequired(Exception):
    """A page that needs a shop was asked for without a valid token cookie."""

    def __init__(self, page: Page) -> None:
        self.page = page


def _logged_in(page: Annotated[Page, Depends(_page)]) -> Page:
    if page.shop_id is None or page.rep is None:
        raise LoginRequired(page)
    return page


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded body, first value of each field; larger than a review form can be is refused."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "form too large")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _checked(page: Page, form: dict[str, str]) -> None:
    sent = form.get("csrf", "")
    if page.new_nonce or not hmac.compare_digest(sent, page.csrf):
        raise CsrfRefused()


AnyPage = Annotated[Page, Depends(_page)]
Rep = Annotated[Page, Depends(_logged_in)]
Form = Annotated[dict[str, str], Depends(_form)]


def _money(detail: queue.QueueDetail) -> list[tuple[str, Any]]:
    order = ("price", "asked", "return_leg", "round_trip", "offer", "saved")
    money = detail.money or {}
    return [(k, _cents(money[k])) for k in order if money.get(k) is not None]


def _cents(value: Any) -> Any:
    """The money compared is stored as JSON numbers (12.0): shown as amounts (12.00)."""
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return value


def _open_tasks(page: Page) -> list[tasks.TaskOut]:
    ctx = _ctx(page.request)
    with Session(ctx.db) as session:
        return tasks.list_tasks(session, now=ctx.now(), shop_id=page.shop_id, status=tasks.OPEN, limit=200)


def _resolve(page: Page, ref: str) -> int:
    """The decision behind an opaque id (``dc_…``, as in the API), within the page's shop: another shop's
    and a missing one take the same single query and the same 404."""
    with Session(_ctx(page.request).db) as session:
        found = repo.load_decision(session, public_id=ref, shop_id=page.shop_id) if len(ref) <= 64 else None
    if found is None or found[0].id is None:
        raise queue.NotFound("no such decision", field="id")
    return found[0].id


def _card(page: Page, decision_id: int, *, status: int = 200, refusal: GuardrailViolation | None = None,
          error: str | None = None, draft: dict[str, str] | None = None) -> HTMLResponse:
    assert page.shop_id is not None
    with Session(_ctx(page.request).db) as session:
        detail = queue.show(session, decision_id=decision_id, shop_id=page.shop_id)
        record = session.get(DecisionRecord, decision_id)
        ref = record.public_id if record is not None else None
    return page.render("case.html", status=status, d=detail, ref=ref, money=_money(detail),
                       actions=list(Action), refusal=refusal, error=error, draft=draft or {})


def build_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/static/page.css")
    def css() -> FileResponse:
        return FileResponse(STATIC / "page.css", media_type="text/css",
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})

    @router.get("", response_class=HTMLResponse)
    @router.get("/", response_class=HTMLResponse)
    def home(page: AnyPage) -> Response:
        return page.redirect("/queue" if page.shop_id else "/login")

    @router.get("/login", response_class=HTMLResponse)
    def login_form(page: AnyPage) -> Response:
        return page.render("login.html")

    @router.post("/login", response_class=HTMLResponse)
    def login(page: AnyPage, form: Form) -> Response:
        _checked(page, form)
        token, rep = form.get("token", "").strip(), form.get("rep", "").strip()
        with Session(_ctx(page.request).db) as session:
            shop_id = shop_for_token(session, token) if token else None
        if shop_id is None:
            return page.render("login.html", status=401, error=page.t("bad_token"), rep_value=rep)
        if not REP_PATTERN.match(rep):
            return page.render("login.html", status=422, error=page.t("bad_rep"), rep_value=rep)
        response = page.redirect("/queue")
        secure = page.request.url.scheme == "https"
        for name, value in ((TOKEN_COOKIE, token), (REP_COOKIE, quote(rep, safe=""))):
            response.set_cookie(name, value, httponly=True, samesite="strict", path=PREFIX, secure=secure)
        return response

    @router.post("/logout", response_class=HTMLResponse)
    def logout(page: AnyPage, form: Form) -> Response:
        _checked(page, form)
        response = page.redirect("/login")
        for name in (TOKEN_COOKIE, REP_COOKIE):
            response.delete_cookie(name, path=PREFIX)
        return response

    @router.get("/queue", response_class=HTMLResponse)
    def queue_page(page: Rep) -> Response:
        with Session(_ctx(page.request).db) as session:
            items = [(queue.item(d, c), d.public_id)
                     for d, c in repo.list_queue(session, shop_id=page.shop_id, limit=200)]
        return page.render("queue.html", items=items, notice=page.request.query_params.get("done"))

    @router.get("/queue/{ref}", response_class=HTMLResponse)
    def card(ref: str, page: Rep) -> Response:
        return _card(page, _resolve(page, ref))

    def _review(page: Page, decision_id: int, edit: queue.Edit | None, draft: dict[str, str]) -> Response:
        ctx = _ctx(page.request)
        assert page.rep is not None
        try:
            with session_scope(ctx.db) as session:
                action = queue.accept(session, ctx, decision_id=decision_id, rep=page.rep, now=ctx.now(),
                                      shop_id=page.shop_id, edit=edit)
        except GuardrailViolation as exc:
            return _card(page, decision_id, status=422, refusal=exc, draft=draft)
        except queue.NotFound:
            raise
        except InputError as exc:
            return _card(page, decision_id, status=409 if exc.field == "id" else 422, error=exc.message,
                         draft=draft)
        if action is not None and ctx.kick_push is not None:
            ctx.kick_push()
        return page.redirect("/queue", done="done_accepted" if action is not None else "done_task")

    @router.post("/queue/{ref}/accept", response_class=HTMLResponse)
    def accept(ref: str, page: Rep, form: Form) -> Response:
        _checked(page, form)
        return _review(page, _resolve(page, ref), None, {})

    @router.post("/queue/{ref}/edit", response_class=HTMLResponse)
    def edit(ref: str, page: Rep, form: Form) -> Response:
        _checked(page, form)
        assert page.shop_id is not None
        decision_id = _resolve(page, ref)
        with Session(_ctx(page.request).db) as session:
            before = queue.show(session, decision_id=decision_id, shop_id=page.shop_id)
        draft = {k: form.get(k, "") for k in ("amount", "reply", "action")}
        try:
            change = _edit_from(form, before)
        except InputError as exc:
            return _card(page, decision_id, status=422, error=exc.message, draft=draft)
        return _review(page, decision_id, change, draft)

    @router.post("/queue/{ref}/reject", response_class=HTMLResponse)
    def reject(ref: str, page: Rep, form: Form) -> Response:
        _checked(page, form)
        decision_id = _resolve(page, ref)
        ctx = _ctx(page.request)
        assert page.rep is not None
        note = form.get("note", "").strip()[:2000] or None
        try:
            with session_scope(ctx.db) as session:
                queue.reject(session, decision_id=decision_id, rep=page.rep, now=ctx.now(),
                             shop_id=page.shop_id, note=note)
        except queue.NotFound:
            raise
        except InputError as exc:
            return _card(page, decision_id, status=409, error=exc.message)
        return page.redirect("/queue", done="done_rejected")

    @router.get("/tasks", response_class=HTMLResponse)
    def tasks_page(page: Rep) -> Response:
        return page.render("tasks.html", rows=_open_tasks(page), notice=page.request.query_params.get("done"))

    def _task(page: Page, task_id: str, form: dict[str, str], *, to: str | None) -> Response:
        _checked(page, form)
        ctx = _ctx(page.request)
        assert page.rep is not None
        try:
            with session_scope(ctx.db) as session:
                if to is None:
                    tasks.complete(session, task_id=task_id, rep=page.rep, now=ctx.now(),
                                   shop_id=page.shop_id, note=form.get("note", "").strip()[:2000] or None)
                else:
                    tasks.reassign(session, task_id=task_id, to=to, rep=page.rep, now=ctx.now(),
                                   shop_id=page.shop_id)
        except tasks.TaskNotFound:
            raise queue.NotFound(f"no task {task_id}", field="id") from None
        except InputError as exc:
            return page.render("tasks.html", status=409, rows=_open_tasks(page), error=exc.message,
                               notice=None)
        return page.redirect("/tasks", done="done_task_closed" if to is None else "done_task_moved")

    @router.post("/tasks/{task_id}/done", response_class=HTMLResponse)
    def task_done(task_id: str, page: Rep, form: Form) -> Response:
        return _task(page, task_id, form, to=None)

    @router.post("/tasks/{task_id}/reassign", response_class=HTMLResponse)
    def task_reassign(task_id: str, page: Rep, form: Form) -> Response:
        to = form.get("to", "").strip()
        if not REP_PATTERN.match(to):
            _checked(page, form)
            return page.render("tasks.html", status=422, rows=_open_tasks(page), error=page.t("bad_rep"),
                               notice=None)
        return _task(page, task_id, form, to=to)

    return router


def _edit_from(form: dict[str, str], before: queue.QueueDetail) -> queue.Edit:
    """Only what the rep changed: an untouched field keeps the engine's value (and is not an edit)."""
    amount: Decimal | None = None
    raw = form.get("amount", "").strip()
    if raw:
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise InputError(f"amount {raw!r} is not a number", field="amount") from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise InputError(f"amount {raw!r} is not an amount with at most two decimals", field="amount")
        if before.amount is not None and amount == before.amount:
            amount = None
    reply = form.get("reply", "").replace("\r\n", "\n").strip()
    if len(reply) > 2000:
        raise InputError("the reply is longer than 2,000 characters", field="reply")
    reply_change = reply if reply and reply != (before.reply or "").strip() else None
    raw_action = form.get("action", "").strip()
    action: Action | None = None
    if raw_action:
        try:
            action = Action(raw_action)
        except ValueError:
            raise InputError(f"unknown action {raw_action!r}", field="action") from None
        if action.value == before.action:
            action = None
    return queue.Edit(amount=amount, reply=reply_change, action=action)


def install(app: Any) -> None:
    """Mount the page on the service's app: the router and its three refusals as HTML pages."""
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    app.include_router(build_router())

    def _html_page(request: Request) -> Page:
        return _page(request)

    @app.exception_handler(LoginRequired)
    def _login(_: Request, exc: LoginRequired) -> Response:
        return exc.page.redirect("/login")

    @app.exception_handler(CsrfRefused)
    def _csrf(request: Request, _: CsrfRefused) -> Response:
        page = _html_page(request)
        return page.render("error.html", status=403, message=page.t("csrf"))

    previous = app.exception_handlers.get(queue.NotFound)

    def _not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX + "/"):
            page = _html_page(request)
            return page.render("error.html", status=404, message=page.t("not_found"))
        assert previous is not None
        result = previous(request, exc)
        assert isinstance(result, Response)  # the API's handler is a plain function
        return result

    if previous is not None:
        app.add_exception_handler(queue.NotFound, _not_found)


__all__ = ["PREFIX", "build_router", "install"]
