"""Travel matrices of past days trimmed to their routes (``plan_matrices.routes_only``).

A day's matrix is kept whole while the day may still be planned again; after the county's
retention (:attr:`countyreach.settings.Settings.matrix_keep_days`) only what its plan versions
use stays: the legs between each officer's own nodes (start, end and stops). The column says
which matrices were trimmed (:mod:`countyreach.store.compaction`), so a trimmed day is not
read again. Existing matrices are all whole.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_matrices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routes_only', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    # a trimmed matrix stays trimmed: its versions read as they did, without the legs
    # nobody drove
    with op.batch_alter_table('plan_matrices', schema=None) as batch_op:
        batch_op.drop_column('routes_only')
