"""Reliability and tenancy: stale pushes re-triaged, fenced outbox claims, opaque ids, token lifetimes.

Why ``cases.retriage_reason``: a push the platform answered "stale" (the refund moved under an
approved decision) used to close the outbox row as done and nothing looked at the case again unless
the listing happened to show it once more; the pusher now sets this, in the same transaction as
closing the row, and the next poll of the shop re-reads the refund and triages it again (a new
decision version in the queue), clearing it with an audit event.

Why ``outbox.lease_epoch``: a claim increments it and every close (done, retry, dead, park, heartbeat)
names the epoch it claimed with, so a worker whose lease expired while its call was still in flight
(and whose row another worker re-claimed) cannot overwrite the newer holder's record.

Why ``public_id`` on cases, decisions, outbox and audit_log: the API used to publish the tables' global
sequential integers, which tell a caller how many records every shop together holds and let them walk
ids; each row now also has a random opaque id (``cs_…``, ``dc_…``, ``ob_…``, ``ev_…``) and the API speaks
only those. Existing rows are given one here.

Why ``api_tokens.expires_at`` / ``revoked_at``: a token can be listed, revoked and made to expire
(``token list|revoke``, ``token create --expires``); rows are kept after revocation for the record.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


PUBLIC_IDS = {"cases": "cs_", "decisions": "dc_", "outbox": "ob_", "audit_log": "ev_"}


def _backfill(table: str, prefix: str) -> None:
    """Give every existing row its opaque id (in pages, so a big audit log does not sit in memory)."""
    conn = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    while True:
        ids = conn.execute(sa.select(rows.c.id).where(rows.c.public_id.is_(None)).limit(5000)).scalars().all()
        if not ids:
            return
        conn.execute(sa.update(rows).where(rows.c.id == sa.bindparam("row_id"))
                     .values(public_id=sa.bindparam("new_id")),
                     [{"row_id": i, "new_id": prefix + secrets.token_urlsafe(12)} for i in ids])


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("retriage_reason", sa.String(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_epoch", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_cases_shop_retriage", "cases", ["shop_id", "retriage_reason"])
    for table, prefix in PUBLIC_IDS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("public_id", sa.String(), nullable=True))
        _backfill(table, prefix)
        op.create_index(f"ix_{table}_public_id", table, ["public_id"], unique=True)
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
    for table in PUBLIC_IDS:
        op.drop_index(f"ix_{table}_public_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("public_id")
    op.drop_index("ix_cases_shop_retriage", table_name="cases")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_epoch")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("retriage_reason")
