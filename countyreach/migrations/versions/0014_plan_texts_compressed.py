"""Plan versions' problem and "why this lead" texts kept compressed (``problem_z``,
``explanations_z``).

A version's ``problem_json`` held every lead of the day's problem (about 1.5 MB of JSON a
version at 20,000 leads) and ``explanations_json`` the reasons shown on the officers' lists
(about 0.3 MB): with one version a day, most of a county's store after its matrices were
trimmed (revision 0013). Both are now kept zlib-compressed, through the store's own
:func:`~countyreach.store.rows.pack_text` and :func:`~countyreach.store.rows.unpack_text`.
The texts themselves, and so the versions' content hashes, do not change.

The upgrade converts every stored version, one at a time; the downgrade puts the texts
back. The old columns are dropped in place (SQLite >= 3.35 can): a batch copy of ``plans``
would drop the table ``plan_stops`` refers to, which SQLite's foreign keys refuse. For the
same reason the new columns stay nullable in the database (a column added with ``NOT
NULL`` needs a default); the store always writes them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
from collections.abc import Callable
from typing import Any

from alembic import op
import sqlalchemy as sa

from countyreach.store.rows import pack_text, unpack_text


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_plans = sa.table('plans', sa.column('county_id', sa.String), sa.column('plan_date', sa.String),
                  sa.column('version', sa.Integer), sa.column('problem_json', sa.Text),
                  sa.column('explanations_json', sa.Text),
                  sa.column('problem_z', sa.LargeBinary),
                  sa.column('explanations_z', sa.LargeBinary))


def _each_version(conn: sa.Connection, read: tuple[str, str], write: tuple[str, str],
                  convert: Callable[[Any], Any]) -> None:
    # one version at a time: a store's versions together may not fit in memory
    keys = conn.execute(sa.select(_plans.c.county_id, _plans.c.plan_date,
                                  _plans.c.version)).all()
    for county_id, plan_date, version in keys:
        where = (_plans.c.county_id == county_id, _plans.c.plan_date == plan_date,
                 _plans.c.version == version)
        row = conn.execute(sa.select(*(_plans.c[c] for c in read)).where(*where)).one()
        conn.execute(_plans.update().where(*where).values(
            {write[0]: convert(row[0]), write[1]: convert(row[1])}))


def upgrade() -> None:
    op.add_column('plans', sa.Column('problem_z', sa.LargeBinary(), nullable=True))
    op.add_column('plans', sa.Column('explanations_z', sa.LargeBinary(), nullable=True))
    _each_version(op.get_bind(), ('problem_json', 'explanations_json'),
                  ('problem_z', 'explanations_z'), lambda text: pack_text(text or ''))
    with op.batch_alter_table('plans', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('problem_json')
        batch_op.drop_column('explanations_json')


def downgrade() -> None:
    # NOT NULL as 0001 made them, with a default SQLite needs to add such a column
    op.add_column('plans', sa.Column('problem_json', sa.Text(), nullable=False,
                                     server_default=''))
    op.add_column('plans', sa.Column('explanations_json', sa.Text(), nullable=False,
                                     server_default='{}'))
    _each_version(op.get_bind(), ('problem_z', 'explanations_z'),
                  ('problem_json', 'explanations_json'), unpack_text)
    with op.batch_alter_table('plans', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('problem_z')
        batch_op.drop_column('explanations_z')
