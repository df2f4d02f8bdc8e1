"""Alembic schema migrations of the countyreach store (run by ``Store.open``)."""
