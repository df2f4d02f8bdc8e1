"""Failed sign-ins (``sign_in_failures``): a name with too many recent failures is refused
for a while, so a password cannot be guessed at the speed of the server.

A row per failure, keyed by the sha256 of the name typed (a password typed into the name box
by mistake is not kept), for any name, known or not: the refusal says nothing about which
accounts exist. Rows older than the lock's window are deleted as sign-ins come.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_failures',
        sa.Column('failure_id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('name_hash', sa.String(64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_sign_in_failures_name_at', 'sign_in_failures', ['name_hash', 'at'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_failures_name_at', table_name='sign_in_failures')
    op.drop_table('sign_in_failures')
