"""The bank's records a visit's value is learnt from: the loan book and randomised visits.

Both were files under the data directory; as records of the bank they belong in the store,
under its access rules and its erasure. Existing history rows get ``randomised = false``
(import the county again to mark its randomised visits).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loan_book',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('loan_yuan', sa.Float(), nullable=True),
    sa.Column('defaulted', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'lead_id', 'month')
    )
    with op.batch_alter_table('visit_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('randomised', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('visit_history', schema=None) as batch_op:
        batch_op.drop_column('randomised')
    op.drop_table('loan_book')
