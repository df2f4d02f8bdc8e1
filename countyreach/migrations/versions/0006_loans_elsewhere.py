"""Loans from other lenders that the bank knows of (``loans_elsewhere.csv``).

A business that borrowed elsewhere recently has little to gain from a visit; the bank knows
some such loans from a credit report the owner agreed to, the county's rural
credit-information system or an officer's notes. Kept beside the loan book, replaced by each
``county import`` and deleted with a lead's personal data.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loans_elsewhere',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('loan_yuan', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'lead_id', 'month')
    )


def downgrade() -> None:
    op.drop_table('loans_elsewhere')
