"""The base of the store's repositories: the engine, the access guard and the audit log."""

from __future__ import annotations

from countyreach.store.access import Guard
from countyreach.store.audit import AuditLog
from countyreach.store.engine import Database

__all__ = ["Repository"]


class Repository:
    """What every repository works through (one instance of each, shared by the facade).

    Parameters
    ----------
    db : Database
    guard : Guard
    audit : AuditLog
    """

    def __init__(self, db: Database, guard: Guard, audit: AuditLog) -> None:
        self._db = db
        self._guard = guard
        self._audit = audit
