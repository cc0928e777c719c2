"""poll_cursors.polled_at: when the shop's last poll ended, so several workers keep its interval.

Why: with ``run --workers N`` every worker's scheduler ticks every shop. The lease stops two polls at
once; ``polled_at`` stops the next worker from polling again right after the first released the
lease, so a shop is read about once per interval however many workers run (API quota is the seller's).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("poll_cursors") as batch:
        batch.add_column(sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("poll_cursors") as batch:
        batch.drop_column("polled_at")
