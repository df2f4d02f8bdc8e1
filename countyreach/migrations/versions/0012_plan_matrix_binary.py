"""Travel matrices of plan versions kept as compressed binary (``plan_matrices.matrix_z``).

``plan_matrices.matrix_json`` held the JSON of a day's matrix (77 MB at 45 officers on a
20,000-lead county), which an officer's first list parsed whole. A matrix is now kept as
:mod:`countyreach.store.matrix_blob`'s binary, read without JSON or base64. The upgrade
converts every stored matrix, the downgrade converts it back to the JSON text 0011 wrote.

A matrix is named by the digest of what is stored (save_plan); each conversion renames it
and rewrites the versions naming it (``matrix_ref`` in ``problem_json``, ``matrix_digest``,
the content hash), as 0010 did, so a store migrated down and up again holds the same texts
and hashes, and a version saved after the upgrade shares the matrix of one saved before.

The conversion goes through the store's own writer and reader (``pack_matrix``,
``unpack_matrix``), the JSON codec and the content hash of the application rather than
copies of them: a copy could drift from what the store reads, and the reader reads every
layout it ever wrote.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import hashlib
import json
from collections.abc import Callable

from alembic import op
import sqlalchemy as sa

from countyreach.serialize import matrix_from_dict, matrix_to_dict
from countyreach.store.matrix_blob import pack_matrix, unpack_matrix
from countyreach.store.rows import plan_hash


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_plans = sa.table('plans', sa.column('county_id', sa.String), sa.column('plan_date', sa.String),
                  sa.column('version', sa.Integer), sa.column('problem_json', sa.Text),
                  sa.column('plan_json', sa.Text), sa.column('explanations_json', sa.Text),
                  sa.column('content_hash', sa.String), sa.column('matrix_digest', sa.String))
_matrices = sa.table('plan_matrices', sa.column('county_id', sa.String),
                     sa.column('digest', sa.String), sa.column('matrix_json', sa.Text),
                     sa.column('matrix_z', sa.LargeBinary))


def _convert(conn: sa.Connection, old: sa.ColumnClause, new: sa.ColumnClause,
             to_new: Callable[[object], tuple[object, str]]) -> None:
    """Every stored matrix from column ``old`` into ``new`` under its new digest."""
    # one matrix at a time: a store's matrices together may not fit in memory
    keys = conn.execute(sa.select(_matrices.c.county_id, _matrices.c.digest)).all()
    for county_id, digest in keys:
        where = (_matrices.c.county_id == county_id, _matrices.c.digest == digest)
        value, renamed = to_new(conn.execute(sa.select(old).where(*where)).scalar_one())
        known = renamed != digest and conn.execute(sa.select(_matrices.c.digest).where(
            _matrices.c.county_id == county_id, _matrices.c.digest == renamed)).first()
        if known:  # the same matrix, stored twice in two JSON encodings: keep one
            conn.execute(_matrices.delete().where(*where))
        else:
            conn.execute(_matrices.update().where(*where).values(
                {new.name: value, 'digest': renamed}))
        if renamed != digest:
            _rename(conn, county_id, digest, renamed)


def _rename(conn: sa.Connection, county_id: str, digest: str, renamed: str) -> None:
    # the versions naming the matrix, rewritten as save_plan writes them
    naming = (_plans.c.county_id == county_id, _plans.c.matrix_digest == digest)
    for v in conn.execute(sa.select(_plans.c.plan_date, _plans.c.version)
                          .where(*naming)).all():
        key = (*naming, _plans.c.plan_date == v.plan_date, _plans.c.version == v.version)
        row = conn.execute(sa.select(_plans.c.problem_json, _plans.c.plan_json,
                                     _plans.c.explanations_json).where(*key)).one()
        problem = json.loads(row.problem_json)
        problem['matrix_ref'] = renamed
        problem_json = json.dumps(problem, ensure_ascii=False, separators=(',', ':'))
        conn.execute(_plans.update().where(*key).values(
            problem_json=problem_json, matrix_digest=renamed,
            content_hash=plan_hash(problem_json, row.plan_json, row.explanations_json)))


def _to_binary(text: object) -> tuple[bytes, str]:
    blob = pack_matrix(matrix_from_dict(json.loads(str(text))))
    return blob, hashlib.sha256(blob).hexdigest()


def _to_json(blob: object) -> tuple[str, str]:
    # as 0011's save_plan wrote it
    assert isinstance(blob, (bytes, memoryview))  # LargeBinary: bytes, or a driver's view
    text = json.dumps(matrix_to_dict(unpack_matrix(bytes(blob))), separators=(',', ':'))
    return text, hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('plan_matrices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matrix_z', sa.LargeBinary(), nullable=True))
    _convert(op.get_bind(), _matrices.c.matrix_json, _matrices.c.matrix_z, _to_binary)
    # no foreign key refers to plan_matrices: SQLite's batch copy of it is safe
    with op.batch_alter_table('plan_matrices', schema=None) as batch_op:
        batch_op.alter_column('matrix_z', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('matrix_json')


def downgrade() -> None:
    with op.batch_alter_table('plan_matrices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matrix_json', sa.Text(), nullable=True))
    _convert(op.get_bind(), _matrices.c.matrix_z, _matrices.c.matrix_json, _to_json)
    with op.batch_alter_table('plan_matrices', schema=None) as batch_op:
        batch_op.alter_column('matrix_json', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('matrix_z')
