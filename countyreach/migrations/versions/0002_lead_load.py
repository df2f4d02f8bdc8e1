"""Leads carry a load (units of what officers carry that the visit uses).

Before this revision an imported ``load`` column was dropped by the store: it is one of
the known lead columns, so it was not kept among the extra columns either. Existing rows
get 0, which is what they were planned with.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('load', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('load')
