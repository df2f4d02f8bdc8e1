"""Checks of loans elsewhere that found none (``loans_elsewhere_none``,
``outcomes.other_loan_asked``).

Without them a business nobody asked about loans from other lenders looks exactly like one
that has none. A county's report of record (``loans_elsewhere.csv``) lists the leads it shows
without any in rows without a month; an officer records that they asked (the owner's answer
is ``other_loan_month``, NULL for none). Outcomes that recorded a month were asked: they are
backfilled.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loans_elsewhere_none',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'lead_id')
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_loan_asked', sa.Boolean(), nullable=True))
    outcomes = sa.table('outcomes', sa.column('other_loan_month', sa.String(7)),
                        sa.column('other_loan_asked', sa.Boolean()))
    op.execute(outcomes.update().where(outcomes.c.other_loan_month.is_not(None))
               .values(other_loan_asked=True))


def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_column('other_loan_asked')
    op.drop_table('loans_elsewhere_none')
