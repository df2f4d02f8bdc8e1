"""Initial schema: counties, users, sessions, leads, officers, versioned plans, outcomes,
do-not-visit list and audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('audit_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('county_id', sa.String(length=64), nullable=True),
    sa.Column('target', sa.String(length=200), server_default='', nullable=False),
    sa.Column('detail_json', sa.Text(), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('audit_id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_county_at', ['county_id', 'at'], unique=False)

    op.create_table('counties',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('region', sa.String(length=64), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('county_id')
    )
    op.create_table('users',
    sa.Column('user_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=True),
    sa.Column('county_id', sa.String(length=64), nullable=True),
    sa.Column('region', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('officer','manager','planner','admin')", name='ck_users_role'),
    sa.PrimaryKeyConstraint('user_id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('do_not_visit',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'lead_id')
    )
    op.create_table('leads',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('industry', sa.String(length=40), nullable=False),
    sa.Column('village', sa.String(length=200), server_default='', nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('phone', sa.String(length=40), server_default='', nullable=False),
    sa.Column('address', sa.String(length=200), server_default='', nullable=False),
    sa.Column('service_s', sa.Integer(), nullable=False),
    sa.Column('windows_json', sa.Text(), server_default='[]', nullable=False),
    sa.Column('pinned_officer_id', sa.String(length=64), nullable=True),
    sa.Column('extra_json', sa.Text(), server_default='{}', nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'lead_id')
    )
    op.create_table('officers',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('data_json', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'officer_id')
    )
    op.create_table('outcomes',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('outcome_id', sa.String(length=36), nullable=False),
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('plan_date', sa.String(length=10), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('amount_yuan', sa.Float(), nullable=True),
    sa.Column('notes', sa.String(length=500), server_default='', nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('opt_out', sa.Boolean(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('met','not_there','not_interested','interested','applied','approved')", name='ck_outcomes_outcome'),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('outcome_id')
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_outcomes_visit', ['county_id', 'plan_date', 'lead_id'], unique=False)

    op.create_table('plans',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('plan_date', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('problem_json', sa.Text(), nullable=False),
    sa.Column('plan_json', sa.Text(), nullable=False),
    sa.Column('explanations_json', sa.Text(), server_default='{}', nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft','published','superseded')", name='ck_plans_status'),
    sa.ForeignKeyConstraint(['county_id'], ['counties.county_id'], ),
    sa.PrimaryKeyConstraint('county_id', 'plan_date', 'version')
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('uq_plans_one_published', ['county_id', 'plan_date'], unique=True, sqlite_where=sa.text("status = 'published'"), postgresql_where=sa.text("status = 'published'"))

    op.create_table('sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('plan_stops',
    sa.Column('county_id', sa.String(length=64), nullable=False),
    sa.Column('plan_date', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('arrival_s', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['county_id', 'plan_date', 'version'], ['plans.county_id', 'plans.plan_date', 'plans.version'], name='fk_plan_stops_plan'),
    sa.PrimaryKeyConstraint('county_id', 'plan_date', 'version', 'lead_id')
    )
    with op.batch_alter_table('plan_stops', schema=None) as batch_op:
        batch_op.create_index('ix_plan_stops_officer', ['county_id', 'plan_date', 'officer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_stops', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_stops_officer')

    op.drop_table('plan_stops')
    op.drop_table('sessions')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('uq_plans_one_published', sqlite_where=sa.text("status = 'published'"), postgresql_where=sa.text("status = 'published'"))

    op.drop_table('plans')
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_outcomes_visit')

    op.drop_table('outcomes')
    op.drop_table('officers')
    op.drop_table('leads')
    op.drop_table('do_not_visit')
    op.drop_table('users')
    op.drop_table('counties')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_county_at')

    op.drop_table('audit_log')
