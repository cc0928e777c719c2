"""Manual tasks over HTTP: ``GET /tasks``, ``POST /tasks/{id}/done``, ``POST /tasks/{id}/reassign``.

Scoped like the queue: the bearer token names one shop, every lookup is filtered by it in the query,
and another shop's task answers exactly like a missing one (404 ``not found``): one query with the shop
in it for both. A task is named by its opaque ``tk_…`` id (pattern-checked in the path, 422 otherwise,
like the ``dc_`` routes), and it shows its case and decision by their ``cs_``/``dc_`` ids. A task already
closed is a 409. The service mounts ``router`` on its app (``app.state.ctx`` holds the store and the clock).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as ApiPath
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from marketplace_returns.errors import InputError
from marketplace_returns.security.tokens import shop_for_token
from marketplace_returns.service import tasks
from marketplace_returns.service.context import ServiceContext
from marketplace_returns.service.db import session_scope

router = APIRouter(tags=["tasks"])
_bearer = HTTPBearer(auto_error=False, description="A shop's API token (`marketplace-returns token create`)")
Rep = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@ -]+$")]
TaskRef = Annotated[str, ApiPath(pattern=r"^tk_[A-Za-z0-9_-]{16}$", description="A task's id")]
_REFUSALS: dict[int | str, dict[str, object]] = {
    404: {"description": "Not found (another shop's tasks are not found either)"},
    409: {"description": "The task is already done"},
    400: {"description": "The body could not be read (not UTF-8)"},
}


class DoneBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep
    note: str | None = Field(default=None, max_length=2000)


class ReassignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rep: Rep
    """Who hands the task on (recorded in the audit log)."""
    to: Rep


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def _shop(request: Request,
          creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    token = creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else None
    with Session(_ctx(request).db) as session:
        shop_id = shop_for_token(session, token)
    if shop_id is None:
        raise HTTPException(401, "missing or invalid token", headers={"WWW-Authenticate": "Bearer"})
    return shop_id


ShopId = Annotated[str, Depends(_shop)]


@router.get("/tasks", response_model=list[tasks.TaskOut])
def list_tasks(request: Request, shop_id: ShopId,
               status: Annotated[str | None, Query(pattern="^(open|done|all)$")] = "open",
               assignee: Annotated[str | None, Query(max_length=100)] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[tasks.TaskOut]:
    """This shop's manual tasks, nearest platform deadline first (``status=all`` for closed ones too)."""
    ctx = _ctx(request)
    with Session(ctx.db) as session:
        return tasks.list_tasks(session, now=ctx.now(), shop_id=shop_id,
                                status=None if status == "all" else status, assignee=assignee, limit=limit)


def _closed(exc: InputError) -> HTTPException:
    if isinstance(exc, tasks.TaskNotFound):
        return HTTPException(404, "not found")
    return HTTPException(409, exc.message)


@router.post("/tasks/{task_id}/done", response_model=tasks.TaskOut, responses={**_REFUSALS})
def done(task_id: TaskRef, body: DoneBody, request: Request, shop_id: ShopId) -> tasks.TaskOut:
    """Close a task: the rep did the manual work."""
    ctx = _ctx(request)
    try:
        with session_scope(ctx.db) as session:
            return tasks.complete(session, task_id=task_id, rep=body.rep, now=ctx.now(), shop_id=shop_id,
                                  note=body.note)
    except InputError as exc:
        raise _closed(exc) from None


@router.post("/tasks/{task_id}/reassign", response_model=tasks.TaskOut, responses={**_REFUSALS})
def reassign(task_id: TaskRef, body: ReassignBody, request: Request, shop_id: ShopId) -> tasks.TaskOut:
    """Hand an open task to another rep."""
    ctx = _ctx(request)
    try:
        with session_scope(ctx.db) as session:
            return tasks.reassign(session, task_id=task_id, to=body.to, rep=body.rep, now=ctx.now(),
                                  shop_id=shop_id)
    except InputError as exc:
        raise _closed(exc) from None
