"""The HTTP API (FastAPI): the review queue and read access to cases, decisions, actions and audit.

Why every lookup is filtered by the token's shop in the query itself: a token belongs to one shop, and
asking for another shop's decision must look exactly like asking for one that does not exist (404,
same body), so nothing leaks which ids or shops exist. A missing, malformed or unknown token is 401
alike. Bodies are pydantic models with ``extra="forbid"``: a bad payload gets a 422 naming the field;
ids, pages, amounts, text and the body's size are bounded in ``bounds.py`` (413 / 422, never a 500).
Handlers are plain functions (run in FastAPI's thread pool) because the store is synchronous
SQLAlchemy; the scheduler's jobs keep the event loop.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as ApiPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlmodel import Session

from marketplace_returns.errors import GuardrailViolation, InputError
from marketplace_returns.metrics.api import router as metrics_router
from marketplace_returns.models.vocabulary import Action
from marketplace_returns.security.purge import purge_buyer
from marketplace_returns.security.tokens import bearer_token, shop_for_token
from marketplace_returns.service import queue, tasks
from marketplace_returns.service import repository as repo
from marketplace_returns.service.bounds import (
    MAX_BODY_BYTES,
    Amount,
    Offset,
    SafeText,
    validation_error,
)
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.guardrail_api import GuardrailIn, GuardrailOut, check_text
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction
from marketplace_returns.service.tasks_api import router as tasks_router
from marketplace_returns.service.web import install as install_review_page

_bearer = HTTPBearer(auto_error=False, description="A shop's API token (`marketplace-returns token create`)")
STATUS_PATTERN = "^(pending|sending|done|dead|cancelled)$"
Rep = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@ -]+$")]


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep


class EditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep
    amount: Amount | None = None
    reply: SafeText | None = Field(default=None, min_length=1, max_length=2000)
    action: Action | None = None


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep
    note: SafeText | None = Field(default=None, max_length=2000)


class ReviewResult(BaseModel):
    decision_id: str
    status: str
    outbox_id: str | None = None
    idempotency_key: str | None = None
    task_id: str | None = None
    """The manual task an accept opened (the platform cannot carry the action out), by its opaque
    ``tk_…`` id: ``GET /tasks``, ``POST /tasks/{id}/done``."""


class PurgeIn(BaseModel):
    """In the body, not the path: a buyer id must not end up in access logs."""

    model_config = ConfigDict(extra="forbid")
    buyer_id: SafeText = Field(min_length=1, max_length=200)


class PurgeOut(BaseModel):
    buyer: str
    """The pseudonym the cases now carry (never the id)."""
    cases: int
    decisions_masked: int
    audit_events_masked: int
    outbox_masked: int = 0


class CaseOut(BaseModel):
    id: str
    shop_id: str
    platform: str
    refund_id: str
    order_id: str | None
    reason: str | None
    message: str | None
    currency: str | None
    item_price: Decimal | None
    refund_amount: Decimal | None
    platform_status: str | None
    deadline: datetime | None
    mapping_error: str | None
    escalated_at: datetime | None
    first_seen_at: datetime | None


class DecisionOut(BaseModel):
    id: str
    case_id: str
    version: int
    playbook: str | None
    rule: str | None
    family: str | None
    category: str | None
    action: str | None
    amount: Decimal | None
    reason_change_to: str | None
    auto: bool
    needs_approval: bool
    status: str
    reviewed_by: str | None
    decision_json: dict[str, Any] | None


class ActionOut(BaseModel):
    id: str
    case_id: str
    refund_id: str
    action: str
    amount: Decimal | None
    status: str
    outcome: str | None
    attempts: int
    last_error: str | None
    idempotency_key: str


class AuditOut(BaseModel):
    id: str
    at: datetime | None
    case_id: str | None
    actor: str
    event: str
    detail: dict[str, Any] | None


class QueueItemOut(queue.PublicItem):
    """A queue item as the API shows it: opaque ids, never the tables' sequential integers."""


class QueueDetailOut(queue.PublicDetail):
    """One suggestion in full, with opaque ids (as the CLI's ``queue show --json``)."""


class HealthOut(BaseModel):
    status: str
    open_actions: int | None = None
    """Only with a valid token, and only that shop's (strangers learn nothing but "ok")."""


DecisionRef = Annotated[str, ApiPath(pattern=r"^dc_[A-Za-z0-9_-]{16}$", description="A decision's id")]
CaseRef = Annotated[str, ApiPath(pattern=r"^cs_[A-Za-z0-9_-]{16}$", description="A case's id")]
CaseRefQuery = Annotated[str | None, Query(pattern=r"^cs_[A-Za-z0-9_-]{16}$")]


def _with_ids(doc: dict[str, Any], **ids: str | None) -> dict[str, Any]:
    return {**doc, **ids}


def _case_out(row: CaseRecord) -> CaseOut:
    return CaseOut.model_validate(_with_ids(row.model_dump(), id=row.public_id))


def _actions_out(session: Session, rows: list[OutboxAction]) -> list[ActionOut]:
    cases = repo.public_ids(session, CaseRecord, [a.case_id for a in rows])
    return [ActionOut.model_validate(_with_ids(a.model_dump(), id=a.public_id, case_id=cases.get(a.case_id)))
            for a in rows]


_DETAIL_IDS: dict[str, type[DecisionRecord] | type[OutboxAction]] = {
    "decision_id": DecisionRecord, "outbox_id": OutboxAction}


def _audit_out(session: Session, rows: list[AuditEvent]) -> list[AuditOut]:
    """Audit events with every internal id they carry (case, decision, outbox row) made opaque."""
    cases = repo.public_ids(session, CaseRecord, [e.case_id for e in rows])
    refs = {key: repo.public_ids(session, model, [(e.detail or {}).get(key) for e in rows
                                                  if isinstance((e.detail or {}).get(key), int)])
            for key, model in _DETAIL_IDS.items()}
    out = []
    for e in rows:
        detail = dict(e.detail) if e.detail is not None else None
        for key in _DETAIL_IDS:
            if detail is not None and isinstance(detail.get(key), int):
                detail[key] = refs[key].get(detail[key])
        case = cases.get(e.case_id) if e.case_id else None
        out.append(AuditOut(id=e.public_id or "", at=e.at, case_id=case, actor=e.actor, event=e.event,
                            detail=detail))
    return out


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _shop_of(request: Request, creds: Credentials) -> str:
    """The shop the bearer token is scoped to; 401 alike for missing, malformed and unknown tokens."""
    ctx: ServiceContext = request.app.state.ctx
    token = creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else None
    with Session(ctx.db) as session:
        shop_id = shop_for_token(session, token)
    if shop_id is None:
        raise HTTPException(401, "missing or invalid token", headers={"WWW-Authenticate": "Bearer"})
    return shop_id


ShopId = Annotated[str, Depends(_shop_of)]


class ErrorOut(BaseModel):
    """A refusal that names no field: an unknown or foreign id (404), a bad token (401), a conflict."""

    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, malformed or unknown token"},
    404: {"model": ErrorOut, "description": "Not found (another shop's records are not found either)"},
    409: {"description": "The item is no longer pending (accepted, rejected or superseded)"},
    400: {"model": ErrorOut, "description": "The body could not be read (not UTF-8)"},
    413: {"description": "The body is larger than 1 MiB (refused as it streams in)"},
}


def _document_errors(app: FastAPI) -> None:
    """Publish the refusals every token-guarded route can give, so the OpenAPI document is complete
    (included routers get theirs where they are included)."""
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        route.responses.setdefault(413, _ERRORS[413])  # every route, /health too: the limit is app-wide
        if route.path == "/health":
            continue
        route.responses.setdefault(401, _ERRORS[401])
        if "{" in route.path:
            route.responses.setdefault(404, _ERRORS[404])
        if "POST" in (route.methods or ()) and route.path.startswith("/queue/"):
            route.responses.setdefault(409, _ERRORS[409])
        if route.body_field is not None:  # FastAPI's own answer to bytes that do not decode
            route.responses.setdefault(400, _ERRORS[400])


def create_app(ctx: ServiceContext, *, lifespan: Any = None) -> FastAPI:
    app = FastAPI(title="marketplace-returns", version="0.1.0", lifespan=lifespan,
                  max_body_size=MAX_BODY_BYTES,  # streamed, chunked too, before the token is looked at
                  description="Review queue and records of the refund triage service. "
                              "Every route but /health needs `Authorization: Bearer <shop token>`.")

    app.state.ctx = ctx
    # GET /metrics, /metrics/anomalies (the token's shop)
    app.include_router(metrics_router, responses={401: _ERRORS[401], 404: _ERRORS[404]})
    # GET /tasks, POST /tasks/{id}/done|reassign (the token's shop; 400, 404 and 409 declared on the routes,
    # 413 here: the body limit is app-wide, and the pass below does not reach included routers)
    app.include_router(tasks_router, responses={401: _ERRORS[401], 413: _ERRORS[413]})

    app.add_exception_handler(RequestValidationError, validation_error)

    @app.exception_handler(queue.NotFound)
    def _not_found(_: Request, exc: queue.NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(GuardrailViolation)
    def _guardrail(_: Request, exc: GuardrailViolation) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": ["body", "reply"], "type": "guardrail", "phrase": exc.phrase,
                                         "rule": exc.rule, "msg": str(exc)}]}, status_code=422)

    @app.exception_handler(InputError)
    def _input(_: Request, exc: InputError) -> JSONResponse:
        status = 409 if exc.field == "id" else 422
        return JSONResponse({"detail": [{"loc": ["body", exc.field or "body"], "msg": exc.message,
                                         "type": "value_error"}]}, status_code=status)

    @app.get("/health", response_model=HealthOut, response_model_exclude_none=True, tags=["service"])
    def health(request: Request) -> HealthOut:
        """"ok" to anyone; with a shop's token also that shop's open outbox rows. (The header is read by
        hand: the route is public, and declaring the bearer scheme would publish it as guarded.)"""
        token = bearer_token(request.headers.get("authorization"))
        with Session(ctx.db) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            shop_id = shop_for_token(session, token) if token else None
            if shop_id is None:
                return HealthOut(status="ok")
            return HealthOut(status="ok", open_actions=repo.count_open_actions(session, shop_id=shop_id))

    def _item_out(session: Session, d: DecisionRecord, c: CaseRecord) -> QueueItemOut:
        return QueueItemOut.model_validate(queue.public_item(d, c).model_dump())

    @app.get("/queue", response_model=list[QueueItemOut], tags=["queue"])
    def list_queue(shop_id: ShopId,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[QueueItemOut]:
        with Session(ctx.db) as session:
            pending = repo.list_queue(session, shop_id=shop_id, limit=limit)
            return [_item_out(session, d, c) for d, c in pending]

    def _decision(session: Session, ref: str, shop_id: str) -> tuple[DecisionRecord, CaseRecord]:
        found = repo.load_decision(session, public_id=ref, shop_id=shop_id)
        if found is None:  # missing or another shop's: the same single query, the same answer
            raise queue.NotFound("no such decision", field="id")
        return found

    @app.get("/queue/{decision_id}", response_model=QueueDetailOut, tags=["queue"])
    def show(decision_id: DecisionRef, shop_id: ShopId) -> QueueDetailOut:
        with Session(ctx.db) as session:
            d, c = _decision(session, decision_id, shop_id)
            return QueueDetailOut.model_validate(queue.public_detail(session, d, c).model_dump())

    def _review(ref: str, shop_id: str, rep: str, edit: queue.Edit | None) -> ReviewResult:
        with session_scope(ctx.db) as session:
            d, _ = _decision(session, ref, shop_id)
            assert d.id is not None
            action = queue.accept(session, ctx, decision_id=d.id, rep=rep, now=ctx.now(), shop_id=shop_id,
                                  edit=edit)
            status = d.status
            outbox = action.public_id if action else None
            key = action.idempotency_key if action else None
            task = tasks.for_decision(session, decision_id=d.id) if action is None else None
        if action is not None and ctx.kick_push is not None:
            ctx.kick_push()
        return ReviewResult(decision_id=ref, status=status, outbox_id=outbox, idempotency_key=key,
                            task_id=task.public_id if task else None)

    @app.post("/queue/{decision_id}/accept", response_model=ReviewResult, tags=["queue"])
    def accept(decision_id: DecisionRef, body: AcceptBody, shop_id: ShopId) -> ReviewResult:
        return _review(decision_id, shop_id, body.rep, None)

    @app.post("/queue/{decision_id}/edit", response_model=ReviewResult, tags=["queue"])
    def edit(decision_id: DecisionRef, body: EditBody, shop_id: ShopId) -> ReviewResult:
        return _review(decision_id, shop_id, body.rep,
                       queue.Edit(amount=body.amount, reply=body.reply, action=body.action))

    @app.post("/queue/{decision_id}/reject", response_model=ReviewResult, tags=["queue"])
    def reject(decision_id: DecisionRef, body: RejectBody, shop_id: ShopId) -> ReviewResult:
        with session_scope(ctx.db) as session:
            d, _ = _decision(session, decision_id, shop_id)
            assert d.id is not None
            queue.reject(session, decision_id=d.id, rep=body.rep, now=ctx.now(), shop_id=shop_id,
                         note=body.note)
        return ReviewResult(decision_id=decision_id, status="rejected")

    @app.get("/cases", response_model=list[CaseOut], tags=["records"])
    def cases(shop_id: ShopId, limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Offset = 0) -> list[CaseOut]:
        with Session(ctx.db) as session:
            rows = repo.list_cases(session, shop_id=shop_id, limit=limit, offset=offset)
            return [_case_out(r) for r in rows]

    def _case(session: Session, ref: str, shop_id: str) -> CaseRecord:
        row = repo.find_case(session, public_id=ref, shop_id=shop_id)
        if row is None:
            raise queue.NotFound("no such case", field="case_id")
        return row

    @app.get("/cases/{case_id}", response_model=CaseOut, tags=["records"])
    def case(case_id: CaseRef, shop_id: ShopId) -> CaseOut:
        with Session(ctx.db) as session:
            return _case_out(_case(session, case_id, shop_id))

    @app.get("/cases/{case_id}/decisions", response_model=list[DecisionOut], tags=["records"])
    def decisions(case_id: CaseRef, shop_id: ShopId) -> list[DecisionOut]:
        with Session(ctx.db) as session:
            row = _case(session, case_id, shop_id)
            assert row.id is not None
            return [DecisionOut.model_validate(_with_ids(d.model_dump(), id=d.public_id, case_id=case_id))
                    for d in repo.list_decisions(session, case_id=row.id)]

    @app.get("/actions", response_model=list[ActionOut], tags=["records"])
    def actions(shop_id: ShopId, status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[ActionOut]:
        with Session(ctx.db) as session:
            return _actions_out(session, repo.list_actions(session, shop_id=shop_id, status=status,
                                                           limit=limit))

    @app.post("/buyers/purge", response_model=PurgeOut, tags=["privacy"])
    def purge(body: PurgeIn, shop_id: ShopId) -> PurgeOut:
        """Erase one buyer's personal data from this shop's cases (security/purge.py says what goes)."""
        with session_scope(ctx.db) as session:
            report = purge_buyer(session, buyer_id=body.buyer_id, shop_id=shop_id, actor="api")
        return PurgeOut(buyer=report.buyer, cases=len(report.case_ids),
                        decisions_masked=report.decisions_masked,
                        audit_events_masked=report.audit_events_masked,
                        outbox_masked=report.outbox_masked)

    @app.get("/audit", response_model=list[AuditOut], tags=["records"])
    def audit(shop_id: ShopId, case_id: CaseRefQuery = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditOut]:
        with Session(ctx.db) as session:
            internal: int | None = None
            if case_id is not None:
                row = repo.find_case(session, public_id=case_id, shop_id=shop_id)
                if row is None:  # an unknown or foreign case has no events here
                    return []
                internal = row.id
            return _audit_out(session, repo.list_audit(session, shop_id=shop_id, case_id=internal,
                                                       limit=limit))

    @app.post("/guardrail/check", response_model=GuardrailOut, tags=["guardrail"])
    def guardrail_check(body: GuardrailIn, _shop: ShopId) -> GuardrailOut:
        """Would this outgoing text be blocked by the honest-steering rule, and why."""
        return check_text(body.text)

    _document_errors(app)
    install_review_page(app)  # the review page under /ui (service/web/)
    return app
