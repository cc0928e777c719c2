"""Manual tasks: an accepted action the platform cannot carry out becomes work a rep must do by hand.

Why: an exchange on TOP, a parcel interception, a repair or an escalation has no API to call. Accepting
one used to write an audit line and answer "accepted (nothing to push)"; nothing listed it, and the
platform's timer refunded the case while nobody acted. A task says what to do (the action and the
platform's own "how"), for which case, by when (the platform's deadline on the case) and who has it.
Reps list, close and reassign tasks (CLI ``tasks``, HTTP ``/tasks``, both scoped to one shop like the
queue); the deadline job escalates open tasks whose deadline nears or passed; the report counts them.
A task is named by an opaque id (``tk_…``, like the API's ``cs_``/``dc_`` ids) wherever a person or a
caller sees it, and its case and decision by theirs: the table's sequential integer never leaves the store.

The table is described here, not in ``tables.py``: Alembic owns the schema (migration 0005), and a
module of its own keeps the feature in one place.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Numeric, String
from sqlmodel import Field, Session, SQLModel, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from marketplace_returns.errors import InputError
from marketplace_returns.service import repository as repo
from marketplace_returns.service.tables import CaseRecord, DecisionRecord, Shop, new_public_id

OPEN = "open"
DONE = "done"
DEFAULT_MARGIN_S = 6 * 3600
"""How near a deadline an open task is escalated when the shop sets no ``deadline_margin_s``."""


class ManualTask(SQLModel, table=True):
    """One piece of manual work on a case; closed by a rep (``done``), never deleted."""

    __tablename__ = "tasks"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=lambda: new_public_id("tk_"),
                           sa_column=Column(String, nullable=False, unique=True, index=True))
    """The task's only name outside the store (API, CLI, audit details)."""
    shop_id: str
    case_id: int = Field(foreign_key="cases.id")
    decision_id: int | None = Field(default=None, foreign_key="decisions.id")
    refund_id: str
    action: str
    what: str
    """One sentence for the rep: the action and how it is carried out on this platform."""
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    currency: str | None = None
    reply_text: str | None = None
    due_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    """The platform's deadline on the case when the task was made (``None``: the platform sets none)."""
    status: str = OPEN
    assignee: str | None = None
    created_by: str
    created_at: datetime | None = Field(default=None,
                                        sa_column=Column(DateTime(timezone=True), nullable=True))
    escalated_at: datetime | None = Field(default=None,
                                          sa_column=Column(DateTime(timezone=True), nullable=True))
    done_by: str | None = None
    done_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    note: str | None = None


class TaskNotFound(InputError):
    """The task does not exist or belongs to another shop (the same answer for both)."""


class TaskOut(BaseModel):
    """A task as the API and the CLI show it: opaque ids (``tk_``, ``cs_``, ``dc_``) only."""

    id: str
    shop_id: str
    case_id: str
    decision_id: str | None
    refund_id: str
    action: str
    what: str
    amount: Decimal | None
    currency: str | None
    reply_text: str | None
    due_at: datetime | None
    overdue: bool
    escalated: bool
    status: str
    assignee: str | None
    created_by: str
    created_at: datetime | None
    done_by: str | None
    done_at: datetime | None
    note: str | None


Row = tuple[ManualTask, str | None, str | None]
"""A task with its case's and its decision's opaque ids."""


def _with_refs() -> SelectOfScalar[Any]:
    """Tasks joined to the opaque ids of their case and decision (one query, however many tasks)."""
    return (select(ManualTask, CaseRecord.public_id, DecisionRecord.public_id)  # type: ignore[return-value]
            .join(CaseRecord, col(CaseRecord.id) == ManualTask.case_id)
            .outerjoin(DecisionRecord, col(DecisionRecord.id) == ManualTask.decision_id))


def out(row: Row, now: datetime) -> TaskOut:
    task, case_ref, decision_ref = row
    due = repo.as_utc(task.due_at)
    return TaskOut(id=task.public_id, shop_id=task.shop_id, case_id=case_ref or "", decision_id=decision_ref,
                   refund_id=task.refund_id, action=task.action, what=task.what, amount=task.amount,
                   currency=task.currency, reply_text=task.reply_text, due_at=due,
                   overdue=task.status == OPEN and due is not None and due < now,
                   escalated=task.escalated_at is not None, status=task.status, assignee=task.assignee,
                   created_by=task.created_by, created_at=repo.as_utc(task.created_at), done_by=task.done_by,
                   done_at=repo.as_utc(task.done_at), note=task.note)


def open_task(session: Session, *, case: CaseRecord, decision: DecisionRecord | None, action: str,
              how: str | None, amount: Decimal | None, reply_text: str | None, rep: str,
              now: datetime) -> ManualTask:
    """Record the manual work an accept implies, in the accept's transaction; the accepting rep has it."""
    assert case.id is not None
    what = f"{action.replace('_', ' ')}: {how}" if how else action.replace("_", " ")
    task = ManualTask(shop_id=case.shop_id, case_id=case.id, decision_id=decision.id if decision else None,
                      refund_id=case.refund_id, action=action, what=what, amount=amount,
                      currency=case.currency,
                      reply_text=reply_text, due_at=repo.as_utc(case.deadline), assignee=rep,
                      created_by=rep, created_at=now)
    session.add(task)
    session.flush()
    repo.append_audit(session, actor=f"rep:{rep}", event="task_opened", now=now, shop_id=case.shop_id,
                      case_id=case.id, detail={"task": task.public_id, "action": action,
                                               "due_at": task.due_at.isoformat() if task.due_at else None})
    return task


def describe(session: Session, task: ManualTask, now: datetime) -> TaskOut:
    """One task as it is shown, with its case's and decision's opaque ids."""
    found = session.exec(_with_refs().where(ManualTask.id == task.id)).one()
    return out((found[0], found[1], found[2]), now)


def for_decision(session: Session, *, decision_id: int) -> ManualTask | None:
    """The task an accept of this decision opened, if any."""
    return session.exec(select(ManualTask).where(ManualTask.decision_id == decision_id)
                        .order_by(col(ManualTask.id).desc())).first()


def list_tasks(session: Session, *, now: datetime, shop_id: str | None = None, status: str | None = OPEN,
               assignee: str | None = None, limit: int = 100) -> list[TaskOut]:
    """Tasks nearest deadline first (those without one last)."""
    query = _with_refs()
    if shop_id is not None:
        query = query.where(ManualTask.shop_id == shop_id)
    if status is not None:
        query = query.where(ManualTask.status == status)
    if assignee is not None:
        query = query.where(ManualTask.assignee == assignee)
    query = query.order_by(col(ManualTask.due_at).is_(None), col(ManualTask.due_at), col(ManualTask.id))
    return [out((t, c, d), now) for t, c, d in session.exec(query.limit(limit)).all()]


def _load(session: Session, task_id: str, shop_id: str | None) -> Row:
    """A task by its opaque id, within ``shop_id`` when given: one query with the shop in it, so another
    shop's task and a missing one take the same path, the same work and the same answer."""
    query = _with_refs().where(ManualTask.public_id == task_id)
    if shop_id is not None:
        query = query.where(ManualTask.shop_id == shop_id)
    found = session.exec(query).first()
    if found is None:
        raise TaskNotFound(f"no task {task_id}", field="id")
    return found[0], found[1], found[2]


def _open(task: ManualTask) -> None:
    if task.status != OPEN:
        raise InputError(f"task {task.public_id} is already {task.status}", field="id")


def complete(session: Session, *, task_id: str, rep: str, now: datetime, shop_id: str | None = None,
             note: str | None = None) -> TaskOut:
    """Close a task (by its ``tk_`` id) as done by ``rep``; the audit log keeps who, when and the note."""
    row = _load(session, task_id, shop_id)
    task = row[0]
    _open(task)
    task.status, task.done_by, task.done_at, task.note = DONE, rep, now, note
    session.add(task)
    repo.append_audit(session, actor=f"rep:{rep}", event="task_done", now=now, shop_id=task.shop_id,
                      case_id=task.case_id, detail={"task": task.public_id, "note": note})
    return out(row, now)


def reassign(session: Session, *, task_id: str, to: str, rep: str, now: datetime,
             shop_id: str | None = None) -> TaskOut:
    """Hand an open task (by its ``tk_`` id) to another rep."""
    row = _load(session, task_id, shop_id)
    task = row[0]
    _open(task)
    before, task.assignee = task.assignee, to
    session.add(task)
    repo.append_audit(session, actor=f"rep:{rep}", event="task_reassigned", now=now, shop_id=task.shop_id,
                      case_id=task.case_id, detail={"task": task.public_id, "from": before, "to": to})
    return out(row, now)


def escalate_due(session: Session, *, now: datetime) -> int:
    """Escalate open tasks whose deadline is within their shop's margin (or past); each once."""
    margins = {s.shop_id: timedelta(seconds=float((s.options or {}).get("deadline_margin_s",
                                                                        DEFAULT_MARGIN_S)))
               for s in session.exec(select(Shop)).all()}
    if not margins:
        return 0
    widest = max(margins.values())
    rows = session.exec(select(ManualTask).where(
        ManualTask.status == OPEN, col(ManualTask.escalated_at).is_(None),
        col(ManualTask.due_at).is_not(None), col(ManualTask.due_at) <= now + widest)).all()
    escalated = 0
    for task in rows:
        due = repo.as_utc(task.due_at)
        margin = margins.get(task.shop_id, timedelta(seconds=DEFAULT_MARGIN_S))
        if due is None or due > now + margin:
            continue
        task.escalated_at = now
        session.add(task)
        repo.append_audit(session, actor="scheduler", event="task_escalated", now=now, shop_id=task.shop_id,
                          case_id=task.case_id, detail={"task": task.public_id, "due_at": due.isoformat(),
                                                        "overdue": due < now, "assignee": task.assignee})
        escalated += 1
    return escalated


def counts(session: Session, *, shop_ids: list[str] | None, now: datetime,
           since: datetime | None = None, until: datetime | None = None) -> dict[str, int]:
    """Tasks opened in the period, and of them how many are open, overdue (open past the deadline), done
    and done after their deadline: what the report shows an owner."""
    query = select(ManualTask)
    if shop_ids is not None:
        query = query.where(col(ManualTask.shop_id).in_(shop_ids))
    if since is not None:
        query = query.where(col(ManualTask.created_at) >= since)
    if until is not None:
        query = query.where(col(ManualTask.created_at) < until)
    result = {"opened": 0, "open": 0, "overdue": 0, "done": 0, "done_late": 0}
    for task in session.exec(query).all():
        due, done_at = repo.as_utc(task.due_at), repo.as_utc(task.done_at)
        result["opened"] += 1
        if task.status == OPEN:
            result["open"] += 1
            result["overdue"] += int(due is not None and due < now)
        else:
            result["done"] += 1
            result["done_late"] += int(due is not None and done_at is not None and done_at > due)
    return result


def count_open(session: Session, *, shop_id: str | None = None) -> int:
    query = select(func.count()).select_from(ManualTask).where(ManualTask.status == OPEN)
    if shop_id is not None:
        query = query.where(ManualTask.shop_id == shop_id)
    return int(session.exec(query).one())


def as_json(tasks: list[TaskOut]) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json") for t in tasks]


__all__ = ["DONE", "OPEN", "ManualTask", "TaskNotFound", "TaskOut", "complete", "count_open", "counts",
           "describe", "escalate_due", "for_decision", "list_tasks", "open_task", "reassign"]


def mask_personal(session: Session, *, case_id: int, names: set[str]) -> int:
    """Mask a purged buyer's personal data in the reply and note of the case's tasks (security/purge.py:
    a reply may greet the buyer by name); returns how many tasks changed."""
    from marketplace_returns.security.pii import mask_payload

    changed = 0
    for task in session.exec(select(ManualTask).where(ManualTask.case_id == case_id)).all():
        before = {"reply_text": task.reply_text, "note": task.note}
        after = mask_payload(before, names=names)
        if after != before:
            task.reply_text, task.note = after["reply_text"], after["note"]
            session.add(task)
            changed += 1
    return changed
