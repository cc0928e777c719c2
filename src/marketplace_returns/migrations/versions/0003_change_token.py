"""cases.change_token: the listing state a connector read a record in, so polls skip what is stored.

Why: each poll re-reads its lookback window (nothing on a window edge may be lost); in a burst that
window holds thousands of refunds already stored unchanged, and each cost a detail call or two. With
the token the connector leaves those out before reading details (connectors/base.py ``KnownTokens``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("change_token", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("change_token")
