"""Passwords an admin chose are for the first sign-in only (``users.must_change_password``).

An account made by ``countyreach users add`` or ``users import``, or on the Account page,
and a password an admin gave a user who forgot theirs, was typed (or drawn) by someone else
and handed over on paper or by phone: the user picks their own at the next sign-in before
any other page opens. Existing accounts keep their passwords as they are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN, not a batch copy of the table: SQLite would rebuild ``users`` and
    # its foreign keys would end every session
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('users', 'must_change_password')
