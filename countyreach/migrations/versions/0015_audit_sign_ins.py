"""An index of the audit log's rows by action and user (``ix_audit_action_user_at``).

The accounts list (``countyreach users list``, the app's Account page) shows each account's
last sign-in, the latest ``login`` row of the audit log per user. The log gains a row for
every outcome, plan and sign-in: a lender's year is millions of rows, which the list would
read whole without this index; with it, the newest sign-in of each user is read from the
index alone.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_action_user_at', 'audit_log', ['action', 'username', 'at'])


def downgrade() -> None:
    op.drop_index('ix_audit_action_user_at', table_name='audit_log')
