"""tasks: manual work a rep accepted but the platform cannot carry out (exchange, interception, repair,
escalation), with what to do, for which case, by when (the platform's deadline) and who has it.

Why a table and not only an audit event: an accepted exchange on TOP used to be recorded as a
``manual_action`` audit line and nothing listed it, so nobody did it and the platform's timer refunded
the case. A task is listed (``tasks list``, ``GET /tasks``), closed by a rep, and escalated by the
deadline job when its deadline nears.

Why ``tasks.public_id``: like cases, decisions, outbox rows and audit events since 0004, a task is named
outside the store only by a random opaque id (``tk_…``): the API and the CLI never publish the table's
sequential integer. The table is new here, so every row gets one when it is written (NOT NULL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(), nullable=False),
        sa.Column("shop_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=True),
        sa.Column("refund_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("what", sa.String(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("reply_text", sa.String(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(), nullable=False, server_default="open"),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_index("ix_tasks_shop_status_due", "tasks", ["shop_id", "status", "due_at"])
    op.create_index("ix_tasks_case_id", "tasks", ["case_id"])
    op.create_index("ix_tasks_public_id", "tasks", ["public_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_tasks_public_id", table_name="tasks")
    op.drop_index("ix_tasks_case_id", table_name="tasks")
    op.drop_index("ix_tasks_shop_status_due", table_name="tasks")
    op.drop_table("tasks")
