"""Reliability: stale pushes go back to triage; outbox claims carry a fencing epoch.

Why ``cases.retriage_reason``: a push the platform answered "stale" (the refund moved under an
approved decision) used to close the outbox row as done and nothing looked at the case again unless
the listing happened to show it once more; the pusher now sets this, in the same transaction as
closing the row, and the next poll of the shop re-reads the refund and triages it again (a new
decision version in the queue), clearing it with an audit event.

Why ``outbox.lease_epoch``: a claim increments it and every close (done, retry, dead, park, heartbeat)
names the epoch it claimed with, so a worker whose lease expired while its call was still in flight
(and whose row another worker re-claimed) cannot overwrite the newer holder's record.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("retriage_reason", sa.String(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_epoch", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_cases_shop_retriage", "cases", ["shop_id", "retriage_reason"])


def downgrade() -> None:
    op.drop_index("ix_cases_shop_retriage", table_name="cases")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_epoch")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("retriage_reason")
