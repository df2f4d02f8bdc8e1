"""Who is calling, and may they: sessions checked against the database, roles and scopes.

* ``officer`` — reads and records only the visits on their own route;
* ``manager`` — everything in their county (or every county of their region);
* ``planner`` — aggregates, pseudonymous outcome rows and plans with names,
  phones and addresses removed;
* ``admin`` — everything, including users and counties.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import AccessDenied, InputError
from countyreach.store import schema as S
from countyreach.store.checks import aware, check_id
from countyreach.store.engine import Database
from countyreach.store.records import Role, Session

__all__ = ["Principal", "BOOTSTRAP", "Guard", "token_hash"]


@dataclass(frozen=True)
class Principal:
    """The user behind a session, as the database knows them (never the client's copy)."""

    user_id: int
    username: str
    role: Role
    officer_id: str | None
    county_id: str | None
    region: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))


#: Who creates the first user of an empty store (no session exists yet).
BOOTSTRAP = Principal(0, "bootstrap", Role.ADMIN, None, None, None)


def token_hash(token: str) -> str:
    """sha256 of a bearer token: the database keeps only this, so a leak leaks no session."""
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


class Guard:
    """Checks sessions and enforces roles and county scopes for every repository.

    Parameters
    ----------
    db : Database
        Its clock decides whether a session has expired.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def principal(self, conn: Connection, session: Session, *,
                  own_account: bool = False) -> Principal:
        """The live user of ``session``.

        A user whose password an admin chose (``must_change_password``) is let through only
        to their own account (``own_account``: changing the password, the language) until
        they have picked their own.

        Raises
        ------
        AccessDenied
            Not a session, logged out or forged token, expired, a disabled account, or a
            password still to be changed.
        """
        if not isinstance(session, Session):
            raise AccessDenied("a login session is required")
        row = conn.execute(
            sa.select(S.users, S.sessions.c.expires_at)
            .join(S.sessions, S.sessions.c.user_id == S.users.c.user_id)
            .where(S.sessions.c.token_hash == token_hash(session.token))
        ).mappings().first()
        if row is None:
            raise AccessDenied("session is not valid (logged out?); please log in again")
        if aware(row["expires_at"]) <= self._db.now():
            raise AccessDenied("session expired; please log in again")
        if not row["active"]:
            raise AccessDenied("account is disabled")
        if row["must_change_password"] and not own_account:
            raise AccessDenied("choose your own password first: the one you were given is "
                               "for the first sign-in only")
        # Roles and scopes come from the database, not from the client's copy of the session.
        return Principal(row["user_id"], row["username"], row["role"], row["officer_id"],
                         row["county_id"], row["region"])

    @staticmethod
    def require(who: Principal, *roles: Role) -> None:
        """Refuse unless ``who`` has one of ``roles``.

        Raises
        ------
        AccessDenied
        """
        if who.role not in roles:
            raise AccessDenied(f"role {who.role.value!r} may not do this "
                               f"(needs {' or '.join(roles)})")

    def scope(self, conn: Connection, who: Principal, county_id: str, *roles: Role) -> None:
        """Refuse unless ``who`` has one of ``roles`` and covers ``county_id``.

        Raises
        ------
        InputError
            A malformed county id, or (for an admin) an unknown county.
        AccessDenied
            The wrong role, or a county outside the user's county or region.
        """
        check_id(county_id, "county_id")
        self.require(who, *roles)
        region = conn.execute(sa.select(S.counties.c.region)
                              .where(S.counties.c.county_id == county_id)).scalar()
        if region is None:
            if who.role is Role.ADMIN:
                raise InputError(f"unknown county {county_id!r}", field="county_id")
            raise AccessDenied(f"no access to county {county_id!r}")
        if not self.covers(who, county_id, region):
            raise AccessDenied(f"no access to county {county_id!r}")

    @staticmethod
    def covers(who: Principal, county_id: str, region: str) -> bool:
        """Whether ``who``'s scope takes in the county ``county_id`` of ``region`` (the rule
        :meth:`scope` applies; a listing of many counties asks it without a query each)."""
        if who.role is Role.ADMIN or who.county_id == county_id:
            return True
        if who.role in (Role.MANAGER, Role.PLANNER) and who.region and region == who.region:
            return True
        # a head-office planner sees aggregates of every county
        return who.role is Role.PLANNER and who.county_id is None and who.region is None

    def county(self, conn: Connection, session: Session, county_id: str,
               *roles: Role) -> Principal:
        """:meth:`principal` of ``session``, refused unless :meth:`scope` allows ``county_id``."""
        who = self.principal(conn, session)
        self.scope(conn, who, county_id, *roles)
        return who
