"""The countyreach store: a SQL database behind SQLAlchemy (SQLite by default, PostgreSQL by URL).

Every public method takes the caller's :class:`Session`, checks it against the
database (a token that expired or was logged out is refused) and enforces the
role of its user:

* ``officer`` — reads and records only the visits on their own route;
* ``manager`` — everything in their county (or every county of their region);
* ``planner`` — aggregates, pseudonymous outcome rows and plans with names,
  phones and addresses removed;
* ``admin`` — everything, including users and counties.

Every write runs in one transaction together with its audit-log row, so a
failure anywhere leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import bcrypt
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.officer_day import OfficerDay, officer_day
from countyreach.serialize import (
    officer_from_dict,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
)
from countyreach.store import schema as S
from countyreach.store.rows import (
    RejectedRow,
    ValidRows,
    content_hash,
    officer_record,
    validate_lead_rows,
    validate_officer_rows,
)
from propensity.outcomes import FOLLOW_UP_OUTCOMES, LOAN_OUTCOMES, Outcome
from routing.plan import Plan
from routing.problem import Officer, RoutingProblem, TimeWindow

__all__ = [
    "ROLES",
    "OUTCOME_CODES",
    "Session",
    "ImportReport",
    "PlanVersion",
    "OutcomeRecord",
    "AuditEntry",
    "Store",
]

log = logging.getLogger(__name__)

ROLES = ("officer", "manager", "planner", "admin")
#: Outcome codes an officer can record (:class:`propensity.outcomes.Outcome`).
OUTCOME_CODES = tuple(o.value for o in Outcome)
#: Outcomes that ask for a follow-up visit.
FOLLOW_UP_CODES = tuple(o.value for o in FOLLOW_UP_OUTCOMES)
NOTES_MAX = 500
REASON_MAX = 200
AMOUNT_MAX_YUAN = 1e8
DEFAULT_TTL_S = 12 * 3600
DEFAULT_BCRYPT_ROUNDS = 12

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# PIPL "sensitive personal information": identity-card and bank-card numbers never belong in a
# visit note. 15-19 digit runs (spaces/dashes allowed) or an 18-character ID ending in X.
_SENSITIVE_RE = re.compile(r"(?<!\d)(?:\d[ -]?){14,18}[\dXx](?![\dXx])")

T = TypeVar("T")


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _check_id(value: object, field_name: str) -> str:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InputError(f"{value!r} is not a valid id (1-64 of letters, digits, '-', '_', '.', "
                         "':')", field=field_name)
    return value


def _check_date(value: object, field_name: str = "plan_date") -> str:
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise InputError(f"expected a date like 2025-03-01, got {value!r}", field=field_name)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a calendar date: {value!r}", field=field_name) from None
    return value


def _check_text(value: object, field_name: str, max_len: int, *, multiline: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"expected text, got {type(value).__name__}", field=field_name)
    text = value.strip()
    bad = _CONTROL_RE if multiline else re.compile(r"[\x00-\x1f\x7f]")
    if bad.search(text):
        raise InputError("contains control characters", field=field_name)
    if len(text) > max_len:
        raise InputError(f"longer than {max_len} characters", field=field_name)
    return text


# ------------------------------------------------------------------------------ values


@dataclass(frozen=True)
class Session:
    """A logged-in user. Pass it to every store call; the token is checked each time."""

    token: str = field(repr=False)
    username: str
    role: str
    officer_id: str | None
    county_id: str | None
    region: str | None
    expires_at: dt.datetime


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ids inserted, updated and unchanged, and the rows it rejected.

    ``committed`` is False when nothing was written (an all-or-nothing import with a bad row).
    """

    kind: str
    file: str
    county_id: str
    mode: str
    inserted: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    rejected: tuple[RejectedRow, ...]
    committed: bool

    @property
    def counts(self) -> dict[str, int]:
        """``{"inserted": n, "updated": n, "unchanged": n, "rejected": n}``."""
        return {"inserted": len(self.inserted), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "rejected": len(self.rejected)}


class ImportRejected(InputError):
    """An all-or-nothing import refused because of bad rows; ``report`` lists every one."""

    def __init__(self, report: ImportReport) -> None:
        first = report.rejected[0]
        more = f" (and {len(report.rejected) - 1} more bad rows)" if len(report.rejected) > 1 \
            else ""
        super().__init__(first.message + more + "; nothing was imported", file=report.file,
                         row=first.row, field=first.field)
        self.report = report


@dataclass(frozen=True)
class PlanVersion:
    """One saved version of a county's plan for a day."""

    county_id: str
    plan_date: str
    version: int
    status: str  # draft | published | superseded
    content_hash: str
    created_by: str
    created_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None


@dataclass(frozen=True)
class OutcomeRecord:
    """One recorded visit outcome (as stored)."""

    outcome_id: str
    county_id: str
    plan_date: str
    officer_id: str
    lead_id: str
    outcome: str
    reason: str
    amount_yuan: float | None
    notes: str
    consent: bool
    opt_out: bool
    plan_version: int | None
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when."""

    audit_id: int
    at: dt.datetime
    username: str
    role: str
    action: str
    county_id: str | None
    target: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class _Principal:
    user_id: int
    username: str
    role: str
    officer_id: str | None
    county_id: str | None
    region: str | None


# ------------------------------------------------------------------------------ the store


class Store:
    """The countyreach database.

    Open with :meth:`open`; the schema is migrated to the newest version on open.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        A configured engine (use :meth:`open`).
    bcrypt_rounds : int
        Cost of password hashing (12 in production; tests use 4).
    clock : callable, optional
        Returns the current UTC time; tests move it to expire sessions.
    """

    def __init__(self, engine: Engine, *, bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.engine = engine
        self.bcrypt_rounds = int(bcrypt_rounds)
        self._clock = clock or _now_utc
        self._is_sqlite = engine.dialect.name == "sqlite"
        self._dummy_hash = bcrypt.hashpw(b"countyreach-no-such-user",
                                         bcrypt.gensalt(self.bcrypt_rounds))
        self._local = threading.local()

    # -------------------------------------------------------------- opening
    @classmethod
    def open(cls, url: str = "sqlite:///countyreach.sqlite", *,
             bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
             clock: Callable[[], dt.datetime] | None = None,
             busy_timeout_s: float = 30.0) -> Store:
        """Open (creating and migrating) the store at ``url``.

        Parameters
        ----------
        url : str
            ``sqlite:///path.sqlite`` (the embedded default) or
            ``postgresql+psycopg2://user:password@host:5432/db``.
        bcrypt_rounds : int
            Password hashing cost.
        clock : callable, optional
            Current UTC time (tests).
        busy_timeout_s : float
            How long a SQLite writer waits for another writer before failing.

        Returns
        -------
        Store
        """
        engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        try:
            migrate(engine)
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            detail = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot open the store at {engine.url!r}: {detail}") from exc
        return cls(engine, bcrypt_rounds=bcrypt_rounds, clock=clock)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        """The store's clock (UTC, timezone-aware)."""
        t = self._clock()
        return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)

    # -------------------------------------------------------------- transactions
    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Connection]:
        conn = self.engine.connect()
        try:
            if self._is_sqlite:
                conn = conn.execution_options(countyreach_write=write)
            with conn.begin():
                yield conn
        finally:
            conn.close()

    def _write(self, fn: Callable[[Connection], T], *, retries: int = 8) -> T:
        """Run ``fn`` in a write transaction, retrying lock conflicts and deadlocks."""
        for attempt in range(retries + 1):
            try:
                with self._tx(write=True) as conn:
                    return fn(conn)
            except sa.exc.OperationalError as exc:
                text = str(exc.orig).lower()
                transient = ("deadlock" in text or "database is locked" in text
                             or "could not serialize" in text)
                if not transient or attempt == retries:
                    raise StoreError(f"database error: {exc.orig}") from exc
                time.sleep(0.02 * (attempt + 1) + secrets.randbelow(20) / 1000)
        raise AssertionError("unreachable")

    def _read(self, fn: Callable[[Connection], T]) -> T:
        with self._tx(write=False) as conn:
            return fn(conn)

    def _audit(self, conn: Connection, who: _Principal, action: str, county_id: str | None,
               target: str = "", **detail: Any) -> None:
        conn.execute(S.audit_log.insert().values(
            at=self.now(), username=who.username, role=who.role, action=action,
            county_id=county_id, target=target[:200],
            detail_json=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)))

    # -------------------------------------------------------------- users and sessions
    def _hash(self, password: str) -> str:
        return bcrypt.hashpw(password.encode("utf-8"),
                             bcrypt.gensalt(self.bcrypt_rounds)).decode("ascii")

    def create_user(self, username: str, password: str, role: str,
                    officer_id: str | None = None, county_id: str | None = None, *,
                    region: str | None = None, session: Session | None = None) -> int:
        """Create a user (admins only; the very first user may be created without a session).

        Parameters
        ----------
        username, password : str
            Login; the password (8-128 characters) is stored as a bcrypt hash.
        role : {"officer", "manager", "planner", "admin"}
        officer_id : str, optional
            Required for officers: whose route they see.
        county_id : str, optional
            Required for officers; a manager's (or planner's) county.
        region : str, optional
            A manager or planner who covers every county of this region.
        session : Session, optional
            An admin's session; omitted only to bootstrap an empty store.

        Returns
        -------
        int
            The new user id.
        """
        _check_id(username, "username")
        if not isinstance(password, str) or not 8 <= len(password) <= 128:
            raise InputError("password must be 8 to 128 characters", field="password")
        if role not in ROLES:
            raise InputError(f"role must be one of {ROLES}, got {role!r}", field="role")
        if officer_id is not None:
            _check_id(officer_id, "officer_id")
        if county_id is not None:
            _check_id(county_id, "county_id")
        if region is not None:
            _check_id(region, "region")
        if role == "officer" and (officer_id is None or county_id is None):
            raise InputError("an officer account needs officer_id and county_id",
                             field="officer_id")
        if role == "manager" and county_id is None and region is None:
            raise InputError("a manager account needs a county_id or a region", field="county_id")
        pw_hash = self._hash(password)

        def run(conn: Connection) -> int:
            n_users = conn.execute(sa.select(sa.func.count()).select_from(S.users)).scalar_one()
            if session is None:
                if n_users:
                    raise AccessDenied("only an admin can create users")
                who = _Principal(0, "bootstrap", "admin", None, None, None)
            else:
                who = self._principal(conn, session)
                self._require(who, "admin")
            if conn.execute(sa.select(S.users.c.user_id)
                            .where(S.users.c.username == username)).first():
                raise InputError(f"user {username!r} already exists", field="username")
            uid = conn.execute(S.users.insert().values(
                username=username, password_hash=pw_hash, role=role, officer_id=officer_id,
                county_id=county_id, region=region, active=True, created_at=self.now(),
            ).returning(S.users.c.user_id)).scalar_one()
            self._audit(conn, who, "create_user", county_id, username, role=role,
                        officer_id=officer_id, region=region)
            return int(uid)

        return self._write(run)

    def login(self, username: str, password: str, ttl_s: float = DEFAULT_TTL_S) -> Session:
        """Check a password and open a session that expires after ``ttl_s`` seconds.

        Raises
        ------
        AccessDenied
            Unknown user, wrong password or a disabled account (one message for all).
        """
        if not isinstance(username, str) or not isinstance(password, str):
            raise AccessDenied("wrong username or password")
        if not (0 < ttl_s <= 30 * 86400):
            raise InputError("session lifetime must be between 0 and 30 days", field="ttl_s")
        row = self._read(lambda c: c.execute(
            sa.select(S.users).where(S.users.c.username == username)).mappings().first())
        stored = row["password_hash"].encode("ascii") if row else self._dummy_hash
        # bcrypt runs for unknown users too, so timing does not reveal which names exist
        ok = bcrypt.checkpw(password.encode("utf-8")[:72], stored)
        if row is None or not ok or not row["active"]:
            raise AccessDenied("wrong username or password")
        token = secrets.token_urlsafe(32)
        now = self.now()
        expires = now + dt.timedelta(seconds=ttl_s)
        who = _Principal(row["user_id"], row["username"], row["role"], row["officer_id"],
                         row["county_id"], row["region"])

        def run(conn: Connection) -> None:
            conn.execute(S.sessions.delete().where(S.sessions.c.expires_at < now))
            conn.execute(S.sessions.insert().values(
                token_hash=_token_hash(token), user_id=row["user_id"], created_at=now,
                expires_at=expires))
            self._audit(conn, who, "login", row["county_id"], username)

        self._write(run)
        return Session(token, row["username"], row["role"], row["officer_id"], row["county_id"],
                       row["region"], expires)

    def logout(self, session: Session) -> None:
        """End a session (its token stops working at once)."""
        self._write(lambda c: c.execute(
            S.sessions.delete().where(S.sessions.c.token_hash == _token_hash(session.token))))

    def _principal(self, conn: Connection, session: Session) -> _Principal:
        if not isinstance(session, Session):
            raise AccessDenied("a login session is required")
        row = conn.execute(
            sa.select(S.users, S.sessions.c.expires_at)
            .join(S.sessions, S.sessions.c.user_id == S.users.c.user_id)
            .where(S.sessions.c.token_hash == _token_hash(session.token))
        ).mappings().first()
        if row is None:
            raise AccessDenied("session is not valid (logged out?); please log in again")
        if _aware(row["expires_at"]) <= self.now():  # type: ignore[operator]
            raise AccessDenied("session expired; please log in again")
        if not row["active"]:
            raise AccessDenied("account is disabled")
        # Roles and scopes come from the database, not from the client's copy of the session.
        return _Principal(row["user_id"], row["username"], row["role"], row["officer_id"],
                          row["county_id"], row["region"])

    @staticmethod
    def _require(who: _Principal, *roles: str) -> None:
        if who.role not in roles:
            raise AccessDenied(f"role {who.role!r} may not do this (needs {' or '.join(roles)})")

    def _county_scope(self, conn: Connection, who: _Principal, county_id: str,
                      *roles: str) -> None:
        """Refuse unless ``who`` has one of ``roles`` and covers ``county_id``."""
        _check_id(county_id, "county_id")
        self._require(who, *roles)
        region = conn.execute(sa.select(S.counties.c.region)
                              .where(S.counties.c.county_id == county_id)).scalar()
        if region is None:
            if who.role == "admin":
                raise InputError(f"unknown county {county_id!r}", field="county_id")
            raise AccessDenied(f"no access to county {county_id!r}")
        if who.role == "admin":
            return
        if who.county_id == county_id:
            return
        if who.role in ("manager", "planner") and who.region and region == who.region:
            return
        if who.role == "planner" and who.county_id is None and who.region is None:
            return  # a head-office planner sees aggregates of every county
        raise AccessDenied(f"no access to county {county_id!r}")

    # -------------------------------------------------------------- counties
    def ensure_county(self, session: Session, county_id: str, name: str = "",
                      region: str = "") -> None:
        """Create a county, or update its name and region (admins)."""
        _check_id(county_id, "county_id")
        name = _check_text(name, "name", 200)
        if region:
            _check_id(region, "region")

        def run(conn: Connection) -> None:
            who = self._principal(conn, session)
            self._require(who, "admin")
            exists = conn.execute(sa.select(S.counties.c.county_id)
                                  .where(S.counties.c.county_id == county_id)).first()
            if exists:
                conn.execute(S.counties.update().where(S.counties.c.county_id == county_id)
                             .values(name=name, region=region))
            else:
                conn.execute(S.counties.insert().values(county_id=county_id, name=name,
                                                        region=region, created_at=self.now()))
            self._audit(conn, who, "ensure_county", county_id, county_id, name=name,
                        region=region)

        self._write(run)

    # -------------------------------------------------------------- imports
    def import_leads(self, path: str | Path, county_id: str, *, session: Session,
                     mode: str = "all_or_nothing", crs: str = "wgs84",
                     progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Import (insert or update) the leads of a county from a CSV file.

        Rows are validated by :func:`countyreach.io.read_leads_table`; the import
        is idempotent: a row whose content did not change is left alone, a
        corrected row updates the stored lead. Leads missing from the file are kept.

        Parameters
        ----------
        path : str or Path
            Leads CSV (see :data:`countyreach.io.LEAD_COLUMNS`).
        county_id : str
        session : Session
            A manager of the county or an admin.
        mode : {"all_or_nothing", "skip_bad"}
            With a bad row, refuse the whole file (raising :class:`ImportRejected`
            that lists every bad row) or import the good rows and report the bad ones.
        crs : str
            Coordinate system of the file (``wgs84``, ``gcj02``, ``bd09``).
        progress : callable, optional
            Called as ``progress(done, total)`` after each row is written, inside
            the transaction: an exception it raises rolls the whole import back.

        Returns
        -------
        ImportReport
        """
        rows = validate_lead_rows(path, crs=crs)
        return self._import("leads", path, county_id, session, mode, rows, progress)

    def import_officers(self, path: str | Path, county_id: str, *, session: Session,
                        mode: str = "all_or_nothing", crs: str = "wgs84",
                        progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Import a county's officer roster (validated by :func:`countyreach.io.read_officers`).

        Same contract as :meth:`import_leads`.
        """
        rows = validate_officer_rows(path, crs=crs)
        return self._import("officers", path, county_id, session, mode, rows, progress)

    def _import(self, kind: str, path: str | Path, county_id: str, session: Session,
                mode: str, rows: ValidRows,
                progress: Callable[[int, int], None] | None) -> ImportReport:
        if mode not in ("all_or_nothing", "skip_bad"):
            raise InputError("mode must be all_or_nothing or skip_bad", field="mode")
        _check_id(county_id, "county_id")
        if kind == "leads":
            table, key = S.leads, "lead_id"
            items = [(r["lead_id"], r, content_hash(r)) for _, r in rows.records]
        else:
            table, key = S.officers, "officer_id"
            items = []
            for _, o in rows.records:
                d = officer_record(o)
                items.append((o.officer_id, d, content_hash(d)))
        base = ImportReport(kind, str(path), county_id, mode, (), (), (), rows.rejected, False)
        if rows.rejected and mode == "all_or_nothing":
            # still check the caller may import here before telling them about their file
            self._read(lambda c: self._county_scope(c, self._principal(c, session), county_id,
                                                    "manager", "admin"))
            raise ImportRejected(base)

        def run(conn: Connection) -> ImportReport:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "manager", "admin")
            existing = dict(conn.execute(
                sa.select(table.c[key], table.c.content_hash)
                .where(table.c.county_id == county_id)).all())
            inserted: list[str] = []
            updated: list[str] = []
            unchanged: list[str] = []
            now = self.now()
            for i, (rid, rec, h) in enumerate(items, start=1):
                values = _row_values(kind, rec)
                if rid not in existing:
                    conn.execute(table.insert().values(county_id=county_id, content_hash=h,
                                                       updated_at=now, **values))
                    inserted.append(rid)
                elif existing[rid] != h:
                    conn.execute(table.update()
                                 .where(table.c.county_id == county_id, table.c[key] == rid)
                                 .values(content_hash=h, updated_at=now, **values))
                    updated.append(rid)
                else:
                    unchanged.append(rid)
                if progress is not None:
                    progress(i, len(items))
            report = replace(base, inserted=tuple(inserted), updated=tuple(updated),
                             unchanged=tuple(unchanged), committed=True)
            self._audit(conn, who, f"import_{kind}", county_id, Path(path).name,
                        mode=mode, **report.counts,
                        rejected_rows=[r.row for r in rows.rejected][:100])
            return report

        return self._write(run)

    def officers(self, session: Session, county_id: str) -> tuple[Officer, ...]:
        """The county's imported officer roster (managers, admins)."""

        def run(conn: Connection) -> tuple[Officer, ...]:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "manager", "admin")
            rows = conn.execute(sa.select(S.officers.c.data_json)
                                .where(S.officers.c.county_id == county_id)
                                .order_by(S.officers.c.officer_id)).scalars().all()
            return tuple(officer_from_dict(json.loads(r)) for r in rows)

        return self._read(run)

    def leads_frame(self, session: Session, county_id: str, *,
                    include_do_not_visit: bool = False) -> pd.DataFrame:
        """The county's leads shaped like :func:`countyreach.io.read_leads_table` output.

        Do-not-visit leads are left out unless asked for, so a plan built from
        this table never offers them. Managers and admins only (personal data).
        """

        def run(conn: Connection) -> pd.DataFrame:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "manager", "admin")
            q = sa.select(S.leads).where(S.leads.c.county_id == county_id)
            if not include_do_not_visit:
                dnv = sa.select(S.do_not_visit.c.lead_id).where(
                    S.do_not_visit.c.county_id == county_id)
                q = q.where(S.leads.c.lead_id.not_in(dnv))
            return pd.DataFrame(conn.execute(q.order_by(S.leads.c.lead_id)).mappings().all())

        df = self._read(run)
        cols = ["lead_id", "name", "industry", "village", "lat", "lon", "phone", "address",
                "service_s", "windows", "pinned_officer_id", "load"]
        if df.empty:
            return pd.DataFrame(columns=cols)
        out = df[["lead_id", "name", "industry", "village", "lat", "lon", "phone", "address",
                  "service_s", "pinned_officer_id", "load"]].copy()
        out["windows"] = [tuple(TimeWindow(int(a), int(b)) for a, b in json.loads(w))
                          for w in df["windows_json"]]
        extras = pd.DataFrame([json.loads(x) for x in df["extra_json"]], index=df.index)
        out = pd.concat([out, extras.drop(columns=[c for c in extras.columns if c in out],
                                          errors="ignore")], axis=1)
        return out

    # -------------------------------------------------------------- plans
    def save_plan(self, session: Session, county_id: str, plan_date: str,
                  problem: RoutingProblem, plan: Plan, *,
                  explanations: Mapping[str, str] | None = None) -> int:
        """Save a plan as a new draft version and return its version number.

        Parameters
        ----------
        session : Session
            A manager of the county or an admin.
        county_id, plan_date : str
            Which county and day (``YYYY-MM-DD``).
        problem, plan
            The solved day; stored as :func:`problem_to_dict`/:func:`plan_to_dict` JSON.
        explanations : mapping of lead_id to text, optional
            "Why this lead" shown on the officer's list.

        Returns
        -------
        int
            Version number, 1 for the day's first plan.
        """
        _check_id(county_id, "county_id")
        plan_date = _check_date(plan_date)
        if not isinstance(problem, RoutingProblem) or not isinstance(plan, Plan):
            raise InputError("save_plan needs a RoutingProblem and a Plan", field="plan")
        leads = problem.lead_by_id
        officer_ids = set(problem.officer_by_id)
        stops: list[dict[str, Any]] = []
        seen: set[str] = set()
        for r in plan.routes:
            if r.officer_id not in officer_ids:
                raise InputError(f"route of unknown officer {r.officer_id!r}", field="officer_id")
            for seq, s in enumerate(r.stops, start=1):
                if s.lead_id not in leads:
                    raise InputError(f"route visits unknown lead {s.lead_id!r}", field="lead_id")
                if s.lead_id in seen:
                    raise InputError(f"lead {s.lead_id!r} is visited twice", field="lead_id")
                seen.add(s.lead_id)
                stops.append({"lead_id": s.lead_id, "officer_id": r.officer_id, "seq": seq,
                              "arrival_s": s.arrival_s})
        expl = {str(k): _check_text(v, "explanations", 1000, multiline=True)
                for k, v in (explanations or {}).items()}
        problem_json = json.dumps(problem_to_dict(problem), ensure_ascii=False,
                                  separators=(",", ":"))
        plan_json = json.dumps(plan_to_dict(plan), ensure_ascii=False, separators=(",", ":"))
        expl_json = json.dumps(expl, ensure_ascii=False, sort_keys=True)
        h = hashlib.sha256("\n".join((problem_json, plan_json, expl_json)).encode()).hexdigest()

        def run(conn: Connection) -> int:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "manager", "admin")
            self._lock_county(conn, county_id)
            version = int(conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(S.plans.c.version), 0))
                .where(S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date)
            ).scalar_one()) + 1
            conn.execute(S.plans.insert().values(
                county_id=county_id, plan_date=plan_date, version=version, status="draft",
                problem_json=problem_json, plan_json=plan_json, explanations_json=expl_json,
                content_hash=h, created_by=who.username, created_at=self.now()))
            if stops:
                conn.execute(S.plan_stops.insert(), [
                    {"county_id": county_id, "plan_date": plan_date, "version": version, **s}
                    for s in stops])
            self._audit(conn, who, "save_plan", county_id, f"{plan_date} v{version}",
                        visits=len(stops), content_hash=h)
            return version

        return self._write(run)

    def _lock_county(self, conn: Connection, county_id: str) -> None:
        # Serialises plan writes of one county: PostgreSQL row lock; SQLite writers are already
        # serialised by BEGIN IMMEDIATE.
        conn.execute(sa.select(S.counties.c.county_id)
                     .where(S.counties.c.county_id == county_id).with_for_update())

    def publish(self, session: Session, county_id: str, plan_date: str, version: int) -> None:
        """Publish a saved version; the previously published one becomes ``superseded``.

        The versions' content never changes and recorded outcomes are untouched.
        Publishing an older version again is allowed (a rollback).

        Raises
        ------
        InputError
            Unknown version, or the plan visits a lead on the do-not-visit list.
        """
        _check_id(county_id, "county_id")
        plan_date = _check_date(plan_date)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise InputError(f"version must be a positive integer, got {version!r}",
                             field="version")

        def run(conn: Connection) -> None:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "manager", "admin")
            self._lock_county(conn, county_id)
            key = (S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date)
            status = conn.execute(sa.select(S.plans.c.status)
                                  .where(*key, S.plans.c.version == version)).scalar()
            if status is None:
                raise InputError(f"no plan version {version} for {county_id} on {plan_date}",
                                 field="version")
            if status == "published":
                return
            blocked = conn.execute(
                sa.select(S.plan_stops.c.lead_id)
                .join(S.do_not_visit, sa.and_(
                    S.do_not_visit.c.county_id == S.plan_stops.c.county_id,
                    S.do_not_visit.c.lead_id == S.plan_stops.c.lead_id))
                .where(S.plan_stops.c.county_id == county_id,
                       S.plan_stops.c.plan_date == plan_date,
                       S.plan_stops.c.version == version)).scalars().all()
            if blocked:
                raise InputError(f"plan visits lead(s) on the do-not-visit list: "
                                 f"{sorted(blocked)[:10]}; re-plan without them",
                                 field="lead_id")
            conn.execute(S.plans.update().where(*key, S.plans.c.status == "published")
                         .values(status="superseded"))
            conn.execute(S.plans.update().where(*key, S.plans.c.version == version)
                         .values(status="published", published_by=who.username,
                                 published_at=self.now()))
            self._audit(conn, who, "publish", county_id, f"{plan_date} v{version}")

        self._write(run)

    def plan_versions(self, session: Session, county_id: str,
                      plan_date: str) -> list[PlanVersion]:
        """Every saved version of the county's plan for the day, oldest first."""
        plan_date = _check_date(plan_date)

        def run(conn: Connection) -> list[PlanVersion]:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "manager", "admin", "planner")
            rows = conn.execute(
                sa.select(S.plans.c.version, S.plans.c.status, S.plans.c.content_hash,
                          S.plans.c.created_by, S.plans.c.created_at, S.plans.c.published_by,
                          S.plans.c.published_at)
                .where(S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date)
                .order_by(S.plans.c.version)).mappings().all()
            return [PlanVersion(county_id, plan_date, r["version"], r["status"],
                                r["content_hash"], r["created_by"],
                                _aware(r["created_at"]),  # type: ignore[arg-type]
                                r["published_by"], _aware(r["published_at"])) for r in rows]

        return self._read(run)

    def _plan_row(self, conn: Connection, county_id: str, plan_date: str,
                  version: int | None) -> sa.RowMapping:
        q = sa.select(S.plans).where(S.plans.c.county_id == county_id,
                                     S.plans.c.plan_date == plan_date)
        q = q.where(S.plans.c.status == "published") if version is None \
            else q.where(S.plans.c.version == version)
        row = conn.execute(q).mappings().first()
        if row is None:
            what = "published plan" if version is None else f"plan version {version}"
            raise InputError(f"no {what} for {county_id} on {plan_date}", field="plan_date")
        return row

    def published_plan(self, session: Session, county_id: str,
                       plan_date: str) -> tuple[RoutingProblem, Plan, int]:
        """The published plan of the day: ``(problem, plan, version)``.

        Managers and admins get it whole; an officer gets only their own route
        (the other officers, their leads and routes removed); a planner gets
        every route with names, phones and addresses removed.
        """
        return self.plan(session, county_id, plan_date, None)

    def plan(self, session: Session, county_id: str, plan_date: str,
             version: int | None = None) -> tuple[RoutingProblem, Plan, int]:
        """A saved version of the day's plan (the published one when ``version`` is None)."""
        plan_date = _check_date(plan_date)

        def run(conn: Connection) -> tuple[Any, _Principal, int]:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "manager", "admin", "planner", "officer")
            if who.role == "officer" and version is not None:
                raise AccessDenied("officers see the published plan only")
            row = self._plan_row(conn, county_id, plan_date, version)
            return row, who, int(row["version"])

        row, who, v = self._read(run)
        problem = problem_from_dict(json.loads(row["problem_json"]))
        plan = plan_from_dict(json.loads(row["plan_json"]))
        if who.role == "officer":
            problem, plan = _only_officer(problem, plan, who.officer_id or "")
        elif who.role == "planner":
            problem = _redact(problem)
        return problem, plan, v

    def visit_list(self, session: Session, county_id: str, plan_date: str,
                   officer_id: str | None = None, *, lang: str = "zh") -> OfficerDay:
        """An officer's day from the published plan (see :mod:`countyreach.officer_day`).

        Officers may ask only for their own list (``officer_id`` None or their
        own); managers and admins for any officer of the county; planners not at all.
        """
        plan_date = _check_date(plan_date)
        if officer_id is not None:
            _check_id(officer_id, "officer_id")

        def run(conn: Connection) -> tuple[sa.RowMapping, str]:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "officer", "manager", "admin")
            oid = officer_id
            if who.role == "officer":
                if oid is not None and oid != who.officer_id:
                    raise AccessDenied("officers may only open their own visit list")
                oid = who.officer_id
            if oid is None:
                raise InputError("which officer's list? give officer_id", field="officer_id")
            return self._plan_row(conn, county_id, plan_date, None), oid

        row, oid = self._read(run)
        problem = problem_from_dict(json.loads(row["problem_json"]))
        plan = plan_from_dict(json.loads(row["plan_json"]))
        expl = json.loads(row["explanations_json"])
        problem, plan = _only_officer(problem, plan, oid)
        return officer_day(problem, plan, oid, expl, lang, plan_date=plan_date)

    # -------------------------------------------------------------- outcomes
    def record_outcome(self, session: Session, *, outcome_id: str, county_id: str,
                       plan_date: str, lead_id: str, outcome: str, reason: str = "",
                       amount_yuan: float | str | None = None, notes: str = "",
                       consent: bool, opt_out: bool = False) -> OutcomeRecord:
        """Record the outcome of a visit; a retried call with the same ``outcome_id`` is a no-op.

        Parameters
        ----------
        session : Session
            The officer whose published route has the lead (or a manager/admin
            recording for that officer).
        outcome_id : str
            A UUID the phone generates once per tap; retries send the same one.
        county_id, plan_date, lead_id : str
            The visit.
        outcome : {"met", "not_there", "not_interested", "interested", "applied", "approved"}
        reason : str
            Why not interested (at most 200 characters).
        amount_yuan : float, optional
            Loan amount asked for or approved (``applied``/``approved`` only).
        notes : str
            Short free text (at most 500 characters). ID-card or bank-card
            numbers are refused: they are sensitive personal data under PIPL.
        consent : bool
            The business agreed that the visit details are recorded. Without it
            only the outcome code is stored (no notes, no amount), and
            ``applied``/``approved`` cannot be recorded.
        opt_out : bool
            The business asks not to be visited again: the lead goes on the
            do-not-visit list and out of every future plan.

        Returns
        -------
        OutcomeRecord
            The stored record (the original one when this was a retry).
        """
        try:
            oid = str(uuid.UUID(str(outcome_id)))
        except ValueError:
            raise InputError(f"outcome_id must be a UUID, got {outcome_id!r}",
                             field="outcome_id") from None
        _check_id(county_id, "county_id")
        plan_date = _check_date(plan_date)
        _check_id(lead_id, "lead_id")
        if outcome not in OUTCOME_CODES:
            raise InputError(f"outcome must be one of {OUTCOME_CODES}, got {outcome!r}",
                             field="outcome")
        if not isinstance(consent, bool) or not isinstance(opt_out, bool):
            raise InputError("consent and opt_out must be true or false", field="consent")
        reason = _check_text(reason, "reason", REASON_MAX)
        notes = _check_text(notes, "notes", NOTES_MAX, multiline=True)
        if _SENSITIVE_RE.search(notes) or _SENSITIVE_RE.search(reason):
            raise InputError("looks like an ID-card or bank-card number: do not record "
                             "sensitive personal data in notes", field="notes")
        amount = _amount(amount_yuan)
        if amount is not None and outcome not in LOAN_OUTCOMES:
            raise InputError("an amount belongs to applied or approved outcomes only",
                             field="amount_yuan")
        if not consent:
            if notes or amount is not None:
                raise InputError("without the customer's consent record only the outcome "
                                 "(no notes, no amount)", field="consent")
            if outcome in LOAN_OUTCOMES:
                raise InputError("a loan application needs the customer's consent",
                                 field="consent")

        def run(conn: Connection) -> OutcomeRecord:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "officer", "manager", "admin")
            prior = conn.execute(sa.select(S.outcomes)
                                 .where(S.outcomes.c.outcome_id == oid)).mappings().first()
            if prior is not None:
                return self._same_visit(prior, county_id, plan_date, lead_id)
            q = (sa.select(S.plan_stops.c.officer_id, S.plan_stops.c.version)
                 .join(S.plans, sa.and_(S.plans.c.county_id == S.plan_stops.c.county_id,
                                        S.plans.c.plan_date == S.plan_stops.c.plan_date,
                                        S.plans.c.version == S.plan_stops.c.version))
                 .where(S.plan_stops.c.county_id == county_id,
                        S.plan_stops.c.plan_date == plan_date,
                        S.plan_stops.c.lead_id == lead_id,
                        S.plans.c.status != "draft")
                 .order_by(S.plan_stops.c.version.desc()))
            if who.role == "officer":
                q = q.where(S.plan_stops.c.officer_id == who.officer_id)
            found = conn.execute(q).first()
            if found is None:
                raise AccessDenied(f"lead {lead_id} is not on "
                                   + ("your" if who.role == "officer" else "any")
                                   + f" published route of {plan_date}")
            current = conn.execute(sa.select(S.plans.c.version).where(
                S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date,
                S.plans.c.status == "published")).scalar()
            values = dict(
                outcome_id=oid, county_id=county_id, plan_date=plan_date,
                officer_id=found.officer_id, lead_id=lead_id, outcome=outcome, reason=reason,
                amount_yuan=amount, notes=notes, consent=consent, opt_out=opt_out,
                plan_version=current, recorded_by=who.username, recorded_at=self.now())
            inserted = conn.execute(_insert_ignore(conn, S.outcomes, ["outcome_id"])
                                    .values(**values)).rowcount
            if not inserted:  # the same tap, retried concurrently, won the race
                prior = conn.execute(sa.select(S.outcomes)
                                     .where(S.outcomes.c.outcome_id == oid)).mappings().one()
                return self._same_visit(prior, county_id, plan_date, lead_id)
            if opt_out:
                self._add_dnv(conn, who, county_id, lead_id, reason or "opt-out at visit",
                              "visit")
            self._audit(conn, who, "record_outcome", county_id, f"{plan_date}/{lead_id}",
                        outcome_id=oid, outcome=outcome, opt_out=opt_out, consent=consent)
            return _outcome_record(values)

        return self._write(run)

    @staticmethod
    def _same_visit(prior: sa.RowMapping, county_id: str, plan_date: str,
                    lead_id: str) -> OutcomeRecord:
        if (prior["county_id"], prior["plan_date"], prior["lead_id"]) != (
                county_id, plan_date, lead_id):
            raise InputError("outcome_id was already used for another visit; generate a new "
                             "one per visit", field="outcome_id")
        return _outcome_record(prior)

    def _add_dnv(self, conn: Connection, who: _Principal, county_id: str, lead_id: str,
                 reason: str, source: str) -> None:
        done = conn.execute(_insert_ignore(conn, S.do_not_visit, ["county_id", "lead_id"]).values(
            county_id=county_id, lead_id=lead_id, reason=reason[:REASON_MAX], source=source,
            created_by=who.username, created_at=self.now())).rowcount
        if done:
            self._audit(conn, who, "do_not_visit", county_id, lead_id, source=source)

    def opt_out(self, session: Session, county_id: str, lead_id: str, reason: str = "",
                *, source: str = "hotline") -> None:
        """Put a lead on the do-not-visit list (a refusal by phone, letter or at the branch).

        Managers and admins; officers refuse at the door with ``record_outcome(opt_out=True)``.
        """
        _check_id(lead_id, "lead_id")
        reason = _check_text(reason, "reason", REASON_MAX)
        source = _check_id(source, "source")[:16]

        def run(conn: Connection) -> None:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "manager", "admin")
            self._add_dnv(conn, who, county_id, lead_id, reason, source)

        self._write(run)

    def erase_personal_data(self, session: Session, county_id: str, lead_id: str,
                            reason: str = "") -> None:
        """Erase a business's personal data on request (PIPL right to deletion).

        Blanks the lead's name, phone, address and extra fields, blanks the notes
        and reasons of its outcomes, scrubs name/phone/address from every stored
        plan version (the one change a published version ever receives; its
        ``content_hash`` keeps recording what was originally published) and puts
        the lead on the do-not-visit list. Outcome codes and amounts stay, without
        anything that identifies a person. Managers and admins; audited.
        """
        _check_id(lead_id, "lead_id")
        reason = _check_text(reason, "reason", REASON_MAX)

        def run(conn: Connection) -> None:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "manager", "admin")
            n_leads = conn.execute(
                S.leads.update().where(S.leads.c.county_id == county_id,
                                       S.leads.c.lead_id == lead_id)
                .values(name="", phone="", address="", extra_json="{}",
                        content_hash="erased", updated_at=self.now())).rowcount
            conn.execute(S.outcomes.update().where(S.outcomes.c.county_id == county_id,
                                                   S.outcomes.c.lead_id == lead_id)
                         .values(notes="", reason=""))
            rows = conn.execute(
                sa.select(S.plans.c.plan_date, S.plans.c.version, S.plans.c.problem_json)
                .where(S.plans.c.county_id == county_id,
                       S.plans.c.problem_json.contains(f'"lead_id":"{lead_id}"'))).all()
            for r in rows:
                d = json.loads(r.problem_json)
                for ld in d.get("leads", []):
                    if ld.get("lead_id") == lead_id:
                        ld.update(name="", phone="", address="")
                conn.execute(S.plans.update().where(
                    S.plans.c.county_id == county_id, S.plans.c.plan_date == r.plan_date,
                    S.plans.c.version == r.version).values(
                    problem_json=json.dumps(d, ensure_ascii=False, separators=(",", ":"))))
            self._add_dnv(conn, who, county_id, lead_id, reason or "personal data erased",
                          "erasure")
            self._audit(conn, who, "erase_personal_data", county_id, lead_id,
                        leads=n_leads, plan_versions=len(rows))

        self._write(run)

    def do_not_visit_ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads that must not be planned again."""

        def run(conn: Connection) -> frozenset[str]:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "officer", "manager", "admin", "planner")
            return frozenset(conn.execute(sa.select(S.do_not_visit.c.lead_id).where(
                S.do_not_visit.c.county_id == county_id)).scalars())

        return self._read(run)

    def _latest_outcomes(self, conn: Connection, county_id: str, since: str | None = None,
                         until: str | None = None,
                         officer_id: str | None = None) -> pd.DataFrame:
        o = S.outcomes
        latest = (sa.select(sa.func.max(o.c.seq))
                  .where(o.c.county_id == county_id)
                  .group_by(o.c.plan_date, o.c.lead_id))
        q = sa.select(o).where(o.c.seq.in_(latest))
        if since is not None:
            q = q.where(o.c.plan_date >= since)
        if until is not None:
            q = q.where(o.c.plan_date < until)
        if officer_id is not None:
            q = q.where(o.c.officer_id == officer_id)
        rows = conn.execute(q.order_by(o.c.plan_date, o.c.seq)).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in o.columns])

    def visit_outcomes(self, session: Session, county_id: str,
                       plan_date: str) -> list[OutcomeRecord]:
        """Current outcome of each visit of the day (officers: their own visits only)."""
        plan_date = _check_date(plan_date)

        def run(conn: Connection) -> pd.DataFrame:
            who = self._principal(conn, session)
            self._county_scope(conn, who, county_id, "officer", "manager", "admin")
            return self._latest_outcomes(
                conn, county_id, plan_date, _next_day(plan_date),
                who.officer_id if who.role == "officer" else None)

        df = self._read(run)
        return [_outcome_record(r) for r in df.to_dict(orient="records")]

    def outcomes_frame(self, session: Session, county_id: str,
                       since: str | dt.date | None = None) -> pd.DataFrame:
        """Recorded outcomes for retraining: ``lead_id, month, outcome, amount_yuan``.

        One row per visit (its latest outcome), the shape
        :func:`propensity.retrain` takes. Lead ids only, no names: planners may read it.
        """
        since_s = None if since is None else _check_date(since, "since")

        def run(conn: Connection) -> pd.DataFrame:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "manager", "admin", "planner")
            return self._latest_outcomes(conn, county_id, since_s)

        df = self._read(run)
        out = pd.DataFrame({
            "lead_id": df["lead_id"].astype(str),
            "month": df["plan_date"].astype(str).str.slice(0, 7),
            "outcome": df["outcome"].astype(str),
            "amount_yuan": pd.to_numeric(df["amount_yuan"], errors="coerce").astype(float),
        })
        return out.reset_index(drop=True)

    def follow_ups(self, session: Session, county_id: str, date: str | dt.date, *,
                   days: int = 14) -> list[str]:
        """Leads to see again on ``date``: interested or applied in the ``days`` before it.

        Most recent first; leads since approved, turned down or opted out are left out.
        Pin them or raise their priority in the next day's plan.
        """
        date_s = _check_date(date, "date")
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise InputError("days must be an integer in [1, 365]", field="days")
        since = (dt.date.fromisoformat(date_s) - dt.timedelta(days=days)).isoformat()

        def run(conn: Connection) -> tuple[pd.DataFrame, frozenset[str]]:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "manager", "admin")
            dnv = frozenset(conn.execute(sa.select(S.do_not_visit.c.lead_id).where(
                S.do_not_visit.c.county_id == county_id)).scalars())
            return self._latest_outcomes(conn, county_id, since, date_s), dnv

        df, dnv = self._read(run)
        if df.empty:
            return []
        # the lead's last word in the window decides (a later "approved" closes the case)
        df = df[df["outcome"] != "not_there"].sort_values(["plan_date", "seq"])
        last = df.groupby("lead_id").tail(1).sort_values(["plan_date", "seq"], ascending=False)
        keep = last[last["outcome"].isin(FOLLOW_UP_CODES) & ~last["lead_id"].isin(dnv)]
        return [str(x) for x in keep["lead_id"]]

    def outcome_summary(self, session: Session, county_id: str, *,
                        since: str | dt.date | None = None,
                        by: Iterable[str] = ("plan_date",)) -> pd.DataFrame:
        """Counts and amounts of outcomes, grouped: the planner's view (no personal data).

        Parameters
        ----------
        by : iterable of {"plan_date", "month", "officer_id", "village", "industry"}
            Grouping keys; ``outcome`` is always added.

        Returns
        -------
        pandas.DataFrame
            Columns ``*by, outcome, visits, amount_yuan``.
        """
        keys = list(by)
        allowed = {"plan_date", "month", "officer_id", "village", "industry"}
        bad = [k for k in keys if k not in allowed]
        if bad:
            raise InputError(f"cannot group by {bad}; use {sorted(allowed)}", field="by")
        since_s = None if since is None else _check_date(since, "since")

        def run(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
            self._county_scope(conn, self._principal(conn, session), county_id,
                               "manager", "admin", "planner")
            df = self._latest_outcomes(conn, county_id, since_s)
            places = pd.DataFrame(conn.execute(
                sa.select(S.leads.c.lead_id, S.leads.c.village, S.leads.c.industry)
                .where(S.leads.c.county_id == county_id)).mappings().all(),
                columns=["lead_id", "village", "industry"])
            return df, places

        df, places = self._read(run)
        df = df.merge(places, on="lead_id", how="left")
        df["month"] = df["plan_date"].astype(str).str.slice(0, 7)
        df[["village", "industry"]] = df[["village", "industry"]].fillna("")
        df["amount_yuan"] = pd.to_numeric(df["amount_yuan"], errors="coerce")
        g = df.groupby([*keys, "outcome"], dropna=False)
        out = g.agg(visits=("lead_id", "size"), amount_yuan=("amount_yuan", "sum"))
        return out.reset_index()

    # -------------------------------------------------------------- audit
    def audit_log(self, session: Session, county_id: str | None = None, *,
                  since: dt.datetime | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Audit rows, newest first. Admins see all; managers their county (``county_id``)."""
        if not isinstance(limit, int) or not 1 <= limit <= 100_000:
            raise InputError("limit must be in [1, 100000]", field="limit")

        def run(conn: Connection) -> list[AuditEntry]:
            who = self._principal(conn, session)
            a = S.audit_log
            q = sa.select(a)
            if who.role == "admin":
                if county_id is not None:
                    q = q.where(a.c.county_id == county_id)
            else:
                if county_id is None:
                    raise AccessDenied("managers read the audit log of a county: give county_id")
                self._county_scope(conn, who, county_id, "manager")
                q = q.where(a.c.county_id == county_id)
            if since is not None:
                q = q.where(a.c.at >= since)
            rows = conn.execute(q.order_by(a.c.audit_id.desc()).limit(limit)).mappings().all()
            return [AuditEntry(r["audit_id"], _aware(r["at"]),  # type: ignore[arg-type]
                               r["username"], r["role"], r["action"], r["county_id"],
                               r["target"], json.loads(r["detail_json"])) for r in rows]

        return self._read(run)



# ------------------------------------------------------------------------------ helpers


def _token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def _next_day(date: str) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()


def _amount(value: float | str | None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InputError("amount must be a number of yuan", field="amount_yuan")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InputError(f"amount must be a number of yuan, got {value!r}",
                             field="amount_yuan") from None
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError("amount must be a number of yuan", field="amount_yuan")
    v = float(value)
    if not math.isfinite(v) or not 0 <= v <= AMOUNT_MAX_YUAN:
        raise InputError(f"amount must be a finite number in [0, {AMOUNT_MAX_YUAN:.0f}] yuan, "
                         f"got {value!r}", field="amount_yuan")
    return v


def _outcome_record(r: Mapping[str, Any] | sa.RowMapping) -> OutcomeRecord:
    amount = r["amount_yuan"]
    if amount is not None and isinstance(amount, float) and math.isnan(amount):
        amount = None
    version = r["plan_version"]
    if version is not None and isinstance(version, float) and math.isnan(version):
        version = None
    return OutcomeRecord(
        outcome_id=str(r["outcome_id"]), county_id=str(r["county_id"]),
        plan_date=str(r["plan_date"]), officer_id=str(r["officer_id"]),
        lead_id=str(r["lead_id"]), outcome=str(r["outcome"]), reason=str(r["reason"]),
        amount_yuan=None if amount is None else float(amount), notes=str(r["notes"]),
        consent=bool(r["consent"]), opt_out=bool(r["opt_out"]),
        plan_version=None if version is None else int(version),
        recorded_by=str(r["recorded_by"]),
        recorded_at=_aware(pd.Timestamp(r["recorded_at"]).to_pydatetime()),  # type: ignore[arg-type]
    )


def _row_values(kind: str, rec: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "leads":
        return {
            "lead_id": rec["lead_id"], "name": rec["name"], "industry": rec["industry"],
            "village": rec["village"], "lat": rec["lat"], "lon": rec["lon"],
            "phone": rec["phone"], "address": rec["address"], "service_s": rec["service_s"],
            "windows_json": json.dumps(rec["windows"]),
            "pinned_officer_id": rec["pinned_officer_id"],
            "load": rec["load"],
            "extra_json": json.dumps(rec["extra"], ensure_ascii=False, sort_keys=True),
        }
    return {"officer_id": rec["officer_id"], "name": rec["name"],
            "data_json": json.dumps(rec, ensure_ascii=False, sort_keys=True)}


def _insert_ignore(conn: Connection, table: sa.Table, keys: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)
    raise StoreError(f"unsupported database {conn.dialect.name!r}")


def _only_officer(problem: RoutingProblem, plan: Plan,
                  officer_id: str) -> tuple[RoutingProblem, Plan]:
    """The problem and plan cut down to one officer's route (what that officer may see)."""
    from routing.problem import end_node_id, start_node_id

    officer = problem.officer_by_id.get(officer_id)
    if officer is None:
        raise AccessDenied(f"officer {officer_id!r} has no route in this plan")
    routes = tuple(r for r in plan.routes if r.officer_id == officer_id)
    mine = {lid for r in routes for lid in r.lead_ids}
    leads = tuple(ld for ld in problem.leads if ld.lead_id in mine)
    nodes = [ld.lead_id for ld in leads] + [start_node_id(officer_id), end_node_id(officer_id)]
    sub = RoutingProblem(leads=leads, officers=(officer,), matrix=problem.matrix.subset(nodes),
                         rules=problem.rules, plan_date=problem.plan_date,
                         done_lead_ids=problem.done_lead_ids & mine)
    return sub, replace(plan, routes=routes, dropped=())


def _redact(problem: RoutingProblem) -> RoutingProblem:
    """The problem without businesses' names, phones and addresses (the planner's copy)."""
    leads = tuple(replace(ld, name=ld.lead_id, phone="", address="") for ld in problem.leads)
    return RoutingProblem(leads=leads, officers=problem.officers, matrix=problem.matrix,
                          rules=problem.rules, plan_date=problem.plan_date,
                          done_lead_ids=problem.done_lead_ids)


# ------------------------------------------------------------------------------ engine


def make_engine(url: str, *, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout, or PostgreSQL.

    SQLite transactions that write start with ``BEGIN IMMEDIATE`` so that
    concurrent writers queue on the busy timeout instead of failing when a
    read lock cannot be upgraded.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise InputError(f"not a database URL: {exc}", field="url") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise InputError("use a SQLite file (sqlite:///path.sqlite); an in-memory database "
                             "is not shared between connections", field="url")
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, pool_size=10, max_overflow=30, pool_timeout=60,
                                  connect_args={"timeout": busy_timeout_s,
                                                "check_same_thread": False})
        timeout_ms = int(busy_timeout_s * 1000)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={timeout_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("countyreach_write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if backend == "postgresql":
        return sa.create_engine(parsed, pool_size=10, max_overflow=30, pool_pre_ping=True)
    raise InputError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://",
                     field="url")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (configured here, no ini file needed)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1]
                                               / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
