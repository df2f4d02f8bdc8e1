"""The audit log: who did what, when — written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import AccessDenied, InputError
from countyreach.store import schema as S
from countyreach.store.access import Guard, Principal
from countyreach.store.checks import aware, parse_enum
from countyreach.store.engine import Database
from countyreach.store.records import AuditAction, AuditEntry, Role, Session

__all__ = ["AuditLog", "AUDIT_LIMIT_MAX", "TARGET_MAX_CHARS"]

#: Most rows one read of the log returns.
AUDIT_LIMIT_MAX = 100_000
#: Longest ``target`` kept (the schema's column width).
TARGET_MAX_CHARS = 200


class AuditLog:
    """Appends audit rows and reads them back by role.

    Parameters
    ----------
    db : Database
    guard : Guard
    """

    def __init__(self, db: Database, guard: Guard) -> None:
        self._db = db
        self._guard = guard

    def write(self, conn: Connection, who: Principal, action: AuditAction,
              county_id: str | None, target: str = "", **detail: Any) -> None:
        """Append one row inside the caller's transaction (so it commits or rolls back with it).

        Parameters
        ----------
        conn : Connection
            The transaction of the change being audited.
        who : Principal
            Who made it.
        action : AuditAction
        county_id : str or None
            The county concerned (None for store-wide actions).
        target : str
            What was acted on (cut to 200 characters).
        **detail
            Stored as JSON (values that are not JSON are written as text).
        """
        conn.execute(S.audit_log.insert().values(
            at=self._db.now(), username=who.username, role=who.role.value,
            action=AuditAction(action).value, county_id=county_id,
            target=target[:TARGET_MAX_CHARS],
            detail_json=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)))

    def entries(self, session: Session, county_id: str | None = None, *,
                since: dt.datetime | None = None, until: dt.datetime | None = None,
                username: str | None = None, action: AuditAction | str | None = None,
                limit: int = 1000) -> list[AuditEntry]:
        """Audit rows, newest first. Admins see all; managers their county (``county_id``).

        Parameters
        ----------
        session : Session
        county_id : str, optional
            One county's rows (required of a manager).
        since, until : datetime, optional
            Rows at or after ``since`` and before ``until`` (aware, or naive UTC).
        username : str, optional
            One user's rows.
        action : AuditAction or str, optional
            One kind of row.
        limit : int
            Most rows returned (the newest).

        Raises
        ------
        InputError
            ``limit`` outside ``[1, 100000]``, or an unknown ``action``.
        AccessDenied
            Neither an admin nor a manager of ``county_id``.
        """
        if not isinstance(limit, int) or not 1 <= limit <= AUDIT_LIMIT_MAX:
            raise InputError("limit must be in [1, 100000]", field="limit")
        kind = None if action is None else parse_enum(AuditAction, action, "action")

        def run(conn: Connection) -> list[AuditEntry]:
            who = self._guard.principal(conn, session)
            a = S.audit_log
            q = sa.select(a)
            if who.role is Role.ADMIN:
                if county_id is not None:
                    q = q.where(a.c.county_id == county_id)
            else:
                if county_id is None:
                    raise AccessDenied("managers read the audit log of a county: give county_id")
                self._guard.scope(conn, who, county_id, Role.MANAGER)
                q = q.where(a.c.county_id == county_id)
            if since is not None:
                q = q.where(a.c.at >= _utc(since))
            if until is not None:
                q = q.where(a.c.at < _utc(until))
            if username is not None:
                q = q.where(a.c.username == username)
            if kind is not None:
                q = q.where(a.c.action == kind.value)
            rows = conn.execute(q.order_by(a.c.audit_id.desc()).limit(limit)).mappings().all()
            return [AuditEntry(r["audit_id"], aware(r["at"]), r["username"], r["role"],
                               r["action"], r["county_id"], r["target"],
                               json.loads(r["detail_json"])) for r in rows]

        return self._db.read(run)


def _utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC, as the log's times are written (a naive one is taken as UTC)."""
    return aware(moment).astimezone(dt.UTC)
