"""Left-out leads of plan versions stored once per content, compressed (``plan_dropped``).

A version's ``plan_json`` held every lead the plan left out, each with its reason: at 20,000
leads about 3.6 MB of JSON a version, mostly the same few reason texts. A version now names
its list by digest (``plans.dropped_digest``, and ``dropped_ref`` in ``plan_json``, so the
version's content hash still covers it); the list is kept zlib-compressed, once per county
and content. The upgrade moves the existing versions' lists out, the downgrade puts them
back (with the texts and content hashes they had).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
import hashlib
import json
import zlib

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_plans = sa.table('plans', sa.column('county_id', sa.String), sa.column('plan_date', sa.String),
                  sa.column('version', sa.Integer), sa.column('problem_json', sa.Text),
                  sa.column('plan_json', sa.Text), sa.column('explanations_json', sa.Text),
                  sa.column('content_hash', sa.String), sa.column('dropped_digest', sa.String))
_dropped = sa.table('plan_dropped', sa.column('county_id', sa.String),
                    sa.column('digest', sa.String), sa.column('dropped_z', sa.LargeBinary))


def _rewrite(conn: sa.Connection, key: sa.Row, plan: dict, digest: str | None) -> None:
    # as countyreach.store.plans writes a version (its texts and their content hash)
    plan_json = json.dumps(plan, ensure_ascii=False, separators=(',', ':'))
    texts = conn.execute(sa.select(_plans.c.problem_json, _plans.c.explanations_json)
                         .where(*_key(key))).one()
    content_hash = hashlib.sha256('\n'.join((texts.problem_json, plan_json,
                                             texts.explanations_json)).encode()).hexdigest()
    conn.execute(_plans.update().where(*_key(key)).values(
        plan_json=plan_json, content_hash=content_hash, dropped_digest=digest))


def _key(key: sa.Row) -> tuple:
    return (_plans.c.county_id == key.county_id, _plans.c.plan_date == key.plan_date,
            _plans.c.version == key.version)


def _versions(conn: sa.Connection) -> list[sa.Row]:
    # one version's text at a time: a store's versions together may not fit in memory
    return list(conn.execute(sa.select(_plans.c.county_id, _plans.c.plan_date,
                                       _plans.c.version)).all())


def upgrade() -> None:
    op.create_table(
        'plan_dropped',
        sa.Column('county_id', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('dropped_z', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['counties.county_id']),
        sa.PrimaryKeyConstraint('county_id', 'digest'),
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_digest', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for key in _versions(conn):
        plan = json.loads(conn.execute(sa.select(_plans.c.plan_json)
                                       .where(*_key(key))).scalar_one())
        if 'dropped' not in plan:
            continue
        # the ref takes the list's place at the end, as save_plan writes it
        text = json.dumps(plan.pop('dropped'), ensure_ascii=False,
                          separators=(',', ':')).encode()
        digest = hashlib.sha256(text).hexdigest()
        known = conn.execute(sa.select(_dropped.c.digest).where(
            _dropped.c.county_id == key.county_id, _dropped.c.digest == digest)).first()
        if known is None:
            conn.execute(_dropped.insert().values(county_id=key.county_id, digest=digest,
                                                  dropped_z=zlib.compress(text, 6)))
        plan['dropped_ref'] = digest
        _rewrite(conn, key, plan, digest)


def downgrade() -> None:
    conn = op.get_bind()
    for key in _versions(conn):
        row = conn.execute(sa.select(_plans.c.plan_json, _plans.c.dropped_digest)
                           .where(*_key(key))).one()
        if row.dropped_digest is None:
            continue
        plan = json.loads(row.plan_json)
        plan.pop('dropped_ref', None)
        plan['dropped'] = json.loads(zlib.decompress(conn.execute(
            sa.select(_dropped.c.dropped_z).where(
                _dropped.c.county_id == key.county_id,
                _dropped.c.digest == row.dropped_digest)).scalar_one()))
        _rewrite(conn, key, plan, None)
    # dropped in place (SQLite >= 3.35 can): a batch copy of plans would drop the table
    # plan_stops refers to, which SQLite's foreign keys refuse
    with op.batch_alter_table('plans', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('dropped_digest')
    op.drop_table('plan_dropped')
