"""The daily loop: county map files, visit history, follow-ups and the model registry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('county_files',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('crs', sa.String(length=8), nullable=False),
    sa.Column('manifest_json', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id')
    )
    op.create_table('visit_history',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('took_loan', sa.Integer(), nullable=False),
    sa.Column('loan_yuan', sa.Float(), nullable=True),
    sa.Column('defaulted', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'lead_id', 'month')
    )
    op.create_table('follow_ups',
    sa.Column('outcome_id', sa.String(length=36), nullable=False),
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=False),
    sa.Column('due_date', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('outcome_id')
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_due', ['county_id', 'due_date'], unique=False)
    op.create_table('models',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.Column('code_version', sa.String(length=64), nullable=False),
    sa.Column('artefact_sha256', sa.String(length=64), nullable=False),
    sa.Column('n_train', sa.Integer(), nullable=False),
    sa.Column('metrics_json', sa.Text(), server_default='{}', nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('candidate','promoted','retired')", name='ck_models_status'),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'version')
    )
    with op.batch_alter_table('models', schema=None) as batch_op:
        batch_op.create_index('uq_models_one_promoted', ['county_id'], unique=True,
                              sqlite_where=sa.text("status = 'promoted'"),
                              postgresql_where=sa.text("status = 'promoted'"))


def downgrade() -> None:
    with op.batch_alter_table('models', schema=None) as batch_op:
        batch_op.drop_index('uq_models_one_promoted')
    op.drop_table('models')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_due')
    op.drop_table('follow_ups')
    op.drop_table('visit_history')
    op.drop_table('county_files')
