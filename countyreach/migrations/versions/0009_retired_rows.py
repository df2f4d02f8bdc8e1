"""Leads and officers a county import no longer lists (``retired_at``).

A county folder is the county: a lead its leads file drops (the business closed or moved)
or an officer its roster drops must not be planned again, yet its outcomes, history and
loans stay. Rows stay, marked with when they were retired.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('leads', 'officers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True),
                                          nullable=True))


def downgrade() -> None:
    for table in ('leads', 'officers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('retired_at')
