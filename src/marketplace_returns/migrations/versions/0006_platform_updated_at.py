"""cases.platform_updated_at: when the platform last changed the refund, as the stored read says.

Why: a platform may answer with an older state of a refund than one already stored (a listing served
from a lagging replica, a detail read cached upstream, a retried page). Written over the newer row, it
rolled the case back and put a decision on a state that no longer exists in the queue. With the time
of the stored state the store refuses to go backwards (``repository.older_than_stored``). Rows stored
before this revision have none and take the next read as they always did.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("platform_updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("platform_updated_at")
