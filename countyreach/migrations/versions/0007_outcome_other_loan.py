"""A loan elsewhere an officer records at a visit (``outcomes.other_loan_month``).

The owner may tell the officer they borrowed from another lender: with their consent the
month is kept on the outcome, read with the county's ``loans_elsewhere`` rows by planning
and training, and blanked when the lead's personal data is erased.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_loan_month', sa.String(length=7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_column('other_loan_month')
