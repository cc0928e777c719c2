"""The report's figures over HTTP: ``GET /metrics`` and ``GET /metrics/anomalies``, scoped to one shop.

The shop is the one the caller's API token is scoped to (``Authorization: Bearer <token>``, see
``security.tokens``); nobody reads another shop's figures. The service mounts ``router`` on its app;
the engine is ``app.state.engine`` or the service context's ``app.state.ctx.db`` (or override
``get_engine``). The body is the same ``Report`` the CLI renders, so the API, the terminal and the
HTML never disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from marketplace_returns.errors import ConfigError, MarketplaceReturnsError
from marketplace_returns.metrics import anomalies
from marketplace_returns.metrics.report import Report, build_report
from marketplace_returns.metrics.scope import Scope
from marketplace_returns.security.tokens import bearer_token, shop_for_token
from marketplace_returns.service.bounds import FIRST_DAY, LAST_DAY, MAX_PERIOD_DAYS, check_period

router = APIRouter(tags=["metrics"])


def get_engine(request: Request) -> Engine:
    """The store: ``app.state.engine``, or the service context's (``app.state.ctx.db``)."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        engine = getattr(getattr(request.app.state, "ctx", None), "db", None)
    if not isinstance(engine, Engine):
        raise HTTPException(status_code=503, detail="the store is not configured")
    return engine


def token_shop(
    engine: Annotated[Engine, Depends(get_engine)],
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The shop of the bearer token; 401 without a valid one."""
    with Session(engine) as session:
        shop = shop_for_token(session, bearer_token(authorization))
    if shop is None:
        raise HTTPException(
            status_code=401, detail="a valid API token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return shop


def _refuse(field: str, message: str) -> HTTPException:
    # shaped like FastAPI's own validation errors (the published 422 schema), naming the field
    return HTTPException(status_code=422, detail=[{"loc": ["query", field], "msg": message,
                                                   "type": "value_error"}])


def _scope(shop: str, since: date | None, until: date | None, days: int) -> Scope:
    """The period asked for, bounded (service/bounds.py): a day before year 2000 or a period longer than
    a year is a 422 before any query runs (``since=0002-01-01`` was 663 MB of answer after 18 s)."""
    last = until or datetime.now(UTC).date()
    field = "since" if since else ("until" if until else "days")
    try:
        first = since or last - timedelta(days=days - 1)
        end = last + timedelta(days=1)
    except OverflowError:  # a day near year 1 or 9999
        raise _refuse(field, f"the period must lie between {FIRST_DAY} and {LAST_DAY}") from None
    problem = check_period(first, last, max_days=max(MAX_PERIOD_DAYS, days))
    if problem is not None:
        raise _refuse(field, problem)
    try:
        return Scope(since=first, until=end, shop_id=shop)
    except MarketplaceReturnsError as exc:
        raise _refuse(field, str(exc)) from None


Since = Annotated[date | None, Query(description="first day (default: `days` before `until`)")]
Until = Annotated[date | None, Query(description="last day included (default: today, UTC)")]
Days = Annotated[int, Query(ge=1, le=366)]


@router.get("/metrics", response_model=Report)
def metrics(
    shop: Annotated[str, Depends(token_shop)],
    engine: Annotated[Engine, Depends(get_engine)],
    since: Since = None,
    until: Until = None,
    days: Days = 30,
    top: Annotated[int, Query(ge=1, le=500)] = 20,
) -> Report:
    """Every figure of the report for the token's shop."""
    scope = _scope(shop, since, until, days)
    try:
        with engine.connect() as conn:
            return build_report(conn, scope, top=top)
    except ConfigError as exc:  # e.g. a third-party platform that ships no metrics.yaml
        raise HTTPException(status_code=404, detail=f"no metrics for this shop: {exc}") from None


@router.get("/metrics/anomalies")
def metrics_anomalies(
    shop: Annotated[str, Depends(token_shop)],
    engine: Annotated[Engine, Depends(get_engine)],
    until: Until = None,
    recent_days: Annotated[int, Query(ge=1, le=90)] = 7,
    baseline_days: Annotated[int, Query(ge=7, le=365)] = 28,
    q: Annotated[float, Query(gt=0, lt=1)] = 0.05,
    min_orders: Annotated[int, Query(ge=2, le=100)] = 3,
) -> dict[str, Any]:
    """Flagged SKUs and batches (with the figures behind each) and repeat refunders."""
    scope = _scope(shop, None, until, recent_days + baseline_days)
    with engine.connect() as conn:
        flagged = anomalies.detect(conn, scope, recent_days=recent_days, baseline_days=baseline_days, q=q)
        repeat = anomalies.repeat_refunders(conn, scope, min_orders=min_orders)
    return {
        "shop_id": shop,
        "until": scope.until.isoformat(),
        "anomalies": [a.model_dump() for a in flagged],
        "repeat_refunders": [r.model_dump() for r in repeat],
    }
