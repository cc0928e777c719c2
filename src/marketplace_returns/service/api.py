"""The HTTP API (FastAPI): the review queue and read access to cases, decisions, actions and audit.

Why every lookup is filtered by the token's shop in the query itself: a token belongs to one shop, and
asking for another shop's decision must look exactly like asking for one that does not exist (404,
same body), so nothing leaks which ids or shops exist. A missing, malformed or unknown token is 401
alike. Bodies are pydantic models with ``extra="forbid"``: a bad payload gets a 422 naming the field.
Handlers are plain functions (run in FastAPI's thread pool) because the store is synchronous
SQLAlchemy; the scheduler's jobs keep the event loop.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
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
from marketplace_returns.security.tokens import shop_for_token
from marketplace_returns.service import queue
from marketplace_returns.service import repository as repo
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope
from marketplace_returns.service.guardrail_api import GuardrailIn, GuardrailOut, check_text
from marketplace_returns.service.tables import AuditEvent, CaseRecord, DecisionRecord, OutboxAction

_bearer = HTTPBearer(auto_error=False, description="A shop's API token (`marketplace-returns token create`)")
STATUS_PATTERN = "^(pending|sending|done|dead|cancelled)$"
Rep = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@ -]+$")]


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep


class EditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    reply: str | None = Field(default=None, min_length=1, max_length=2000)
    action: Action | None = None


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep
    note: str | None = Field(default=None, max_length=2000)


class ReviewResult(BaseModel):
    decision_id: int
    status: str
    outbox_id: int | None = None
    idempotency_key: str | None = None


class PurgeIn(BaseModel):
    """In the body, not the path: a buyer id must not end up in access logs."""

    model_config = ConfigDict(extra="forbid")
    buyer_id: str = Field(min_length=1, max_length=200)


class PurgeOut(BaseModel):
    buyer: str
    """The pseudonym the cases now carry (never the id)."""
    cases: int
    decisions_masked: int
    audit_events_masked: int


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
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
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
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
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
    refund_id: str
    action: str
    amount: Decimal | None
    status: str
    outcome: str | None
    attempts: int
    last_error: str | None
    idempotency_key: str


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime | None
    case_id: int | None
    actor: str
    event: str
    detail: dict[str, Any] | None


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
}


def _document_errors(app: FastAPI) -> None:
    """Publish the refusals every token-guarded route can give, so the OpenAPI document is complete
    (included routers get theirs where they are included)."""
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path == "/health":
            continue
        route.responses.setdefault(401, _ERRORS[401])
        if "{" in route.path:
            route.responses.setdefault(404, _ERRORS[404])
        if "POST" in (route.methods or ()) and route.path.startswith("/queue/"):
            route.responses.setdefault(409, _ERRORS[409])


def create_app(ctx: ServiceContext, *, lifespan: Any = None) -> FastAPI:
    app = FastAPI(title="marketplace-returns", version="0.1.0", lifespan=lifespan,
                  description="Review queue and records of the refund triage service. "
                              "Every route but /health needs `Authorization: Bearer <shop token>`.")

    app.state.ctx = ctx
    # GET /metrics, /metrics/anomalies (the token's shop)
    app.include_router(metrics_router, responses={401: _ERRORS[401], 404: _ERRORS[404]})

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

    @app.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        with Session(ctx.db) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            open_actions = repo.count_open_actions(session)
        return {"status": "ok", "open_actions": open_actions}

    @app.get("/queue", response_model=list[queue.QueueItem], tags=["queue"])
    def list_queue(shop_id: ShopId,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[queue.QueueItem]:
        with Session(ctx.db) as session:
            return queue.list_pending(session, shop_id=shop_id, limit=limit)

    @app.get("/queue/{decision_id}", response_model=queue.QueueDetail, tags=["queue"])
    def show(decision_id: int, shop_id: ShopId) -> queue.QueueDetail:
        with Session(ctx.db) as session:
            return queue.show(session, decision_id=decision_id, shop_id=shop_id)

    def _review(decision_id: int, shop_id: str, rep: str, edit: queue.Edit | None) -> ReviewResult:
        with session_scope(ctx.db) as session:
            action = queue.accept(session, ctx, decision_id=decision_id, rep=rep, now=ctx.now(),
                                  shop_id=shop_id, edit=edit)
            decision = session.get(DecisionRecord, decision_id)
            status = decision.status if decision else "accepted"
        if action is not None and ctx.kick_push is not None:
            ctx.kick_push()
        return ReviewResult(decision_id=decision_id, status=status, outbox_id=action.id if action else None,
                            idempotency_key=action.idempotency_key if action else None)

    @app.post("/queue/{decision_id}/accept", response_model=ReviewResult, tags=["queue"])
    def accept(decision_id: int, body: AcceptBody, shop_id: ShopId) -> ReviewResult:
        return _review(decision_id, shop_id, body.rep, None)

    @app.post("/queue/{decision_id}/edit", response_model=ReviewResult, tags=["queue"])
    def edit(decision_id: int, body: EditBody, shop_id: ShopId) -> ReviewResult:
        return _review(decision_id, shop_id, body.rep,
                       queue.Edit(amount=body.amount, reply=body.reply, action=body.action))

    @app.post("/queue/{decision_id}/reject", response_model=ReviewResult, tags=["queue"])
    def reject(decision_id: int, body: RejectBody, shop_id: ShopId) -> ReviewResult:
        with session_scope(ctx.db) as session:
            queue.reject(session, decision_id=decision_id, rep=body.rep, now=ctx.now(), shop_id=shop_id,
                         note=body.note)
        return ReviewResult(decision_id=decision_id, status="rejected")

    @app.get("/cases", response_model=list[CaseOut], tags=["records"])
    def cases(shop_id: ShopId, limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0) -> list[CaseRecord]:
        with Session(ctx.db) as session:
            return repo.list_cases(session, shop_id=shop_id, limit=limit, offset=offset)

    def _case(session: Session, case_id: int, shop_id: str) -> CaseRecord:
        row = repo.get_case(session, case_id=case_id, shop_id=shop_id)
        if row is None:
            raise queue.NotFound(f"no case {case_id}", field="case_id")
        return row

    @app.get("/cases/{case_id}", response_model=CaseOut, tags=["records"])
    def case(case_id: int, shop_id: ShopId) -> CaseRecord:
        with Session(ctx.db) as session:
            return _case(session, case_id, shop_id)

    @app.get("/cases/{case_id}/decisions", response_model=list[DecisionOut], tags=["records"])
    def decisions(case_id: int, shop_id: ShopId) -> list[DecisionRecord]:
        with Session(ctx.db) as session:
            _case(session, case_id, shop_id)
            return repo.list_decisions(session, case_id=case_id)

    @app.get("/actions", response_model=list[ActionOut], tags=["records"])
    def actions(shop_id: ShopId, status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[OutboxAction]:
        with Session(ctx.db) as session:
            return repo.list_actions(session, shop_id=shop_id, status=status, limit=limit)

    @app.post("/buyers/purge", response_model=PurgeOut, tags=["privacy"])
    def purge(body: PurgeIn, shop_id: ShopId) -> PurgeOut:
        """Erase one buyer's personal data from this shop's cases (security/purge.py says what goes)."""
        with session_scope(ctx.db) as session:
            report = purge_buyer(session, buyer_id=body.buyer_id, shop_id=shop_id, actor="api")
        return PurgeOut(buyer=report.buyer, cases=len(report.case_ids),
                        decisions_masked=report.decisions_masked,
                        audit_events_masked=report.audit_events_masked)

    @app.get("/audit", response_model=list[AuditOut], tags=["records"])
    def audit(shop_id: ShopId, case_id: int | None = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditEvent]:
        with Session(ctx.db) as session:
            return repo.list_audit(session, shop_id=shop_id, case_id=case_id, limit=limit)

    @app.post("/guardrail/check", response_model=GuardrailOut, tags=["guardrail"])
    def guardrail_check(body: GuardrailIn, _shop: ShopId) -> GuardrailOut:
        """Would this outgoing text be blocked by the honest-steering rule, and why."""
        return check_text(body.text)

    _document_errors(app)
    return app
