"""Travel matrices of plan versions stored once per content (``plan_matrices``).

Every saved version of a day (each draft, each re-optimisation, the published one) kept its
own copy of the day's travel matrix inside ``problem_json``: tens of MB a version for 45
officers on a 20,000-lead county, the same matrix each time. A version now names its matrix
by digest (``plans.matrix_digest``, and ``matrix_ref`` in ``problem_json``, so the version's
content hash still covers it); the upgrade moves the existing versions' matrices out, the
downgrade puts them back.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_plans = sa.table('plans', sa.column('county_id', sa.String), sa.column('plan_date', sa.String),
                  sa.column('version', sa.Integer), sa.column('problem_json', sa.Text),
                  sa.column('plan_json', sa.Text), sa.column('explanations_json', sa.Text),
                  sa.column('content_hash', sa.String), sa.column('matrix_digest', sa.String))
_matrices = sa.table('plan_matrices', sa.column('county_id', sa.String),
                     sa.column('digest', sa.String), sa.column('matrix_json', sa.Text))


def _rewrite(conn: sa.Connection, key: sa.Row, problem: dict, digest: str | None) -> None:
    # as countyreach.store.plans writes a version (its texts and their content hash)
    problem_json = json.dumps(problem, ensure_ascii=False, separators=(',', ':'))
    texts = conn.execute(sa.select(_plans.c.plan_json, _plans.c.explanations_json)
                         .where(*_key(key))).one()
    content_hash = hashlib.sha256('\n'.join((problem_json, texts.plan_json,
                                             texts.explanations_json)).encode()).hexdigest()
    conn.execute(_plans.update().where(*_key(key)).values(
        problem_json=problem_json, content_hash=content_hash, matrix_digest=digest))


def _key(key: sa.Row) -> tuple:
    return (_plans.c.county_id == key.county_id, _plans.c.plan_date == key.plan_date,
            _plans.c.version == key.version)


def _versions(conn: sa.Connection) -> list[sa.Row]:
    # one version's text at a time: a store's versions together may not fit in memory
    return list(conn.execute(sa.select(_plans.c.county_id, _plans.c.plan_date,
                                       _plans.c.version)).all())


def upgrade() -> None:
    op.create_table(
        'plan_matrices',
        sa.Column('county_id', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('matrix_json', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['counties.county_id']),
        sa.PrimaryKeyConstraint('county_id', 'digest'),
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matrix_digest', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for key in _versions(conn):
        problem = json.loads(conn.execute(sa.select(_plans.c.problem_json)
                                          .where(*_key(key))).scalar_one())
        if 'matrix' not in problem:
            continue
        matrix_json = json.dumps(problem.pop('matrix'), separators=(',', ':'))
        digest = hashlib.sha256(matrix_json.encode()).hexdigest()
        known = conn.execute(sa.select(_matrices.c.digest).where(
            _matrices.c.county_id == key.county_id, _matrices.c.digest == digest)).first()
        if known is None:
            conn.execute(_matrices.insert().values(county_id=key.county_id, digest=digest,
                                                   matrix_json=matrix_json))
        problem['matrix_ref'] = digest
        _rewrite(conn, key, problem, digest)


def downgrade() -> None:
    conn = op.get_bind()
    for key in _versions(conn):
        row = conn.execute(sa.select(_plans.c.problem_json, _plans.c.matrix_digest)
                           .where(*_key(key))).one()
        if row.matrix_digest is None:
            continue
        problem = json.loads(row.problem_json)
        problem.pop('matrix_ref', None)
        problem['matrix'] = json.loads(conn.execute(sa.select(_matrices.c.matrix_json).where(
            _matrices.c.county_id == key.county_id,
            _matrices.c.digest == row.matrix_digest)).scalar_one())
        _rewrite(conn, key, problem, None)
    # dropped in place (SQLite >= 3.35 can): a batch copy of plans would drop the table
    # plan_stops refers to, which SQLite's foreign keys refuse
    with op.batch_alter_table('plans', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('matrix_digest')
    op.drop_table('plan_matrices')
