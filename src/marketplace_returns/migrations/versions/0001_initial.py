"""Initial schema: every table of service/tables.py, plus webhook_receipts (security/replay.py).

Written out as explicit operations (never ``metadata.create_all``) so that later changes to the
table classes show up as new revisions, and the metrics helper's queries keep reading the columns
they were written against.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(), nullable=False),
    sa.Column('shop_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_api_tokens_shop_id'), 'api_tokens', ['shop_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shop_id', sa.String(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('event', sa.String(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_case_id'), 'audit_log', ['case_id'], unique=False)
    op.create_index(op.f('ix_audit_log_shop_id'), 'audit_log', ['shop_id'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('refund_id', sa.String(), nullable=False),
    sa.Column('order_id', sa.String(), nullable=True),
    sa.Column('sku', sa.String(), nullable=True),
    sa.Column('batch', sa.String(), nullable=True),
    sa.Column('buyer_id', sa.String(), nullable=True),
    sa.Column('product_category', sa.String(), nullable=True),
    sa.Column('currency', sa.String(), nullable=True),
    sa.Column('item_price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('refund_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('reason', sa.String(), nullable=True),
    sa.Column('reason_penalises', sa.String(), nullable=True),
    sa.Column('message', sa.String(), nullable=True),
    sa.Column('goods_status', sa.String(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('platform_status', sa.String(), nullable=True),
    sa.Column('platform_version', sa.String(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('case_json', sa.JSON(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('mapping_error', sa.String(), nullable=True),
    sa.Column('dispute', sa.Boolean(), nullable=False),
    sa.Column('dispute_seller_fault', sa.Boolean(), nullable=False),
    sa.Column('completed_by', sa.String(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shop_id', 'refund_id', name='uq_cases_shop_refund')
    )
    op.create_index(op.f('ix_cases_buyer_id'), 'cases', ['buyer_id'], unique=False)
    op.create_index(op.f('ix_cases_deadline'), 'cases', ['deadline'], unique=False)
    op.create_index(op.f('ix_cases_shop_id'), 'cases', ['shop_id'], unique=False)
    op.create_index('ix_cases_shop_requested', 'cases', ['shop_id', 'requested_at'], unique=False)
    op.create_index(op.f('ix_cases_sku'), 'cases', ['sku'], unique=False)
    op.create_table('order_counts',
    sa.Column('shop_id', sa.String(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('paid_orders', sa.Integer(), nullable=False),
    sa.Column('signed_orders', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('shop_id', 'day')
    )
    op.create_table('poll_cursors',
    sa.Column('shop_id', sa.String(), nullable=False),
    sa.Column('cursor', sa.String(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('shop_id')
    )
    op.create_table('shops',
    sa.Column('shop_id', sa.String(), nullable=False),
    sa.Column('platform', sa.String(), nullable=False),
    sa.Column('base_url', sa.String(), nullable=False),
    sa.Column('credentials_ref', sa.JSON(), nullable=True),
    sa.Column('sign_method', sa.String(), nullable=False),
    sa.Column('poll_interval_s', sa.Integer(), nullable=False),
    sa.Column('playbook', sa.String(), nullable=True),
    sa.Column('overrides', sa.JSON(), nullable=True),
    sa.Column('auto_rules', sa.JSON(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('config_error', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('shop_id')
    )
    op.create_index(op.f('ix_shops_platform'), 'shops', ['platform'], unique=False)
    op.create_table('webhook_receipts',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_webhook_receipts_received_at'), 'webhook_receipts', ['received_at'],
                    unique=False)
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('playbook', sa.String(), nullable=True),
    sa.Column('rule', sa.String(), nullable=True),
    sa.Column('family', sa.String(), nullable=True),
    sa.Column('category', sa.String(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('action', sa.String(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('reason_change_to', sa.String(), nullable=True),
    sa.Column('penalising', sa.Boolean(), nullable=False),
    sa.Column('penalising_metric', sa.String(), nullable=True),
    sa.Column('auto', sa.Boolean(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('shipping_saved', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('decision_json', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('reviewed_by', sa.String(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'version', name='uq_decisions_case_version')
    )
    op.create_index(op.f('ix_decisions_case_id'), 'decisions', ['case_id'], unique=False)
    op.create_index(op.f('ix_decisions_rule'), 'decisions', ['rule'], unique=False)
    op.create_index(op.f('ix_decisions_status'), 'decisions', ['status'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('shop_id', sa.String(), nullable=False),
    sa.Column('refund_id', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('reply_text', sa.String(), nullable=True),
    sa.Column('reason_change_to', sa.String(), nullable=True),
    sa.Column('expected_version', sa.String(), nullable=True),
    sa.Column('idempotency_key', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('platform_response', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index(op.f('ix_outbox_case_id'), 'outbox', ['case_id'], unique=False)
    op.create_index(op.f('ix_outbox_shop_id'), 'outbox', ['shop_id'], unique=False)
    op.create_index('ix_outbox_status_next', 'outbox', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_status_next', table_name='outbox')
    op.drop_index(op.f('ix_outbox_shop_id'), table_name='outbox')
    op.drop_index(op.f('ix_outbox_case_id'), table_name='outbox')
    op.drop_table('outbox')
    op.drop_index(op.f('ix_decisions_status'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_rule'), table_name='decisions')
    op.drop_index(op.f('ix_decisions_case_id'), table_name='decisions')
    op.drop_table('decisions')
    op.drop_index(op.f('ix_webhook_receipts_received_at'), table_name='webhook_receipts')
    op.drop_table('webhook_receipts')
    op.drop_index(op.f('ix_shops_platform'), table_name='shops')
    op.drop_table('shops')
    op.drop_table('poll_cursors')
    op.drop_table('order_counts')
    op.drop_index(op.f('ix_cases_sku'), table_name='cases')
    op.drop_index('ix_cases_shop_requested', table_name='cases')
    op.drop_index(op.f('ix_cases_shop_id'), table_name='cases')
    op.drop_index(op.f('ix_cases_deadline'), table_name='cases')
    op.drop_index(op.f('ix_cases_buyer_id'), table_name='cases')
    op.drop_table('cases')
    op.drop_index(op.f('ix_audit_log_shop_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_case_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_api_tokens_shop_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
