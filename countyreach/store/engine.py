"""The engine, its migrations and the transactions every repository of the store runs in.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and its writing
transactions start with ``BEGIN IMMEDIATE``; PostgreSQL is used as configured by URL.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from countyreach.errors import InputError, StoreError, StoreTooNew

__all__ = ["Database", "make_engine", "sqlite_file", "migrate", "insert_ignore", "now_utc"]

T = TypeVar("T")

#: Write transactions that hit a lock conflict or deadlock are retried this many times.
WRITE_RETRIES = 8
# Substrings of driver messages that mean "try again": another writer held the lock.
_TRANSIENT = ("deadlock", "database is locked", "could not serialize")


def now_utc() -> dt.datetime:
    """The current time, UTC and timezone-aware."""
    return dt.datetime.now(dt.UTC)


class Database:
    """One engine and one clock shared by the store's repositories.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        From :func:`make_engine`.
    clock : callable, optional
        Returns the current UTC time; tests move it to expire sessions.
    """

    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or now_utc
        self._is_sqlite = engine.dialect.name == "sqlite"

    def now(self) -> dt.datetime:
        """The store's clock (UTC, timezone-aware)."""
        t = self._clock()
        return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success, rolled back otherwise."""
        conn = self.engine.connect()
        try:
            if self._is_sqlite:
                # read by the "begin" listener of make_engine: BEGIN IMMEDIATE or plain BEGIN
                conn = conn.execution_options(countyreach_write=write)
            with conn.begin():
                yield conn
        finally:
            conn.close()

    def write(self, fn: Callable[[Connection], T], *, retries: int = WRITE_RETRIES) -> T:
        """Run ``fn`` in a write transaction, retrying lock conflicts and deadlocks.

        Raises
        ------
        StoreError
            The database refused, or the conflict outlasted the retries.
        """
        for attempt in range(retries + 1):
            try:
                with self.transaction(write=True) as conn:
                    return fn(conn)
            except sa.exc.OperationalError as exc:
                text = str(exc.orig).lower()
                transient = any(t in text for t in _TRANSIENT)
                if not transient or attempt == retries:
                    raise StoreError(f"database error: {exc.orig}") from exc
                # back off with jitter so that retrying writers do not collide again
                time.sleep(0.02 * (attempt + 1) + secrets.randbelow(20) / 1000)
        raise AssertionError("unreachable")

    def vacuum(self) -> tuple[int, int] | None:
        """SQLite: rewrite the file without its free pages (what trimmed or erased rows
        left) and truncate the write-ahead log; ``(bytes before, bytes after)`` of the file
        and its log. None on PostgreSQL, whose autovacuum makes such space reusable.

        It waits for the file's other writers (the busy timeout) and holds them off while
        it runs: an operator's step, not one for every publish.

        Raises
        ------
        StoreError
            The database refused (locked past the timeout, the disk full).
        """
        if not self._is_sqlite:
            return None
        path = sqlite_file(self.engine.url)
        assert path is not None  # a SQLite engine's file
        files = (path, path.with_name(path.name + "-wal"))

        def size() -> int:
            return sum(f.stat().st_size for f in files if f.exists())

        before = size()
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            # the connection is in autocommit (make_engine): VACUUM runs outside a transaction
            cur.execute("VACUUM")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
        except Exception as exc:  # sqlite3.OperationalError, by the driver's name
            raise StoreError(f"database error: {exc}") from exc
        finally:
            raw.close()
        return before, size()

    def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a read-only transaction (one consistent snapshot)."""
        with self.transaction(write=False) as conn:
            return fn(conn)


def insert_ignore(conn: Connection, table: sa.Table, keys: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING`` for the connection's dialect.

    Raises
    ------
    StoreError
        Neither SQLite nor PostgreSQL.
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)
    raise StoreError(f"unsupported database {conn.dialect.name!r}")


def _parsed(url: str | sa.engine.URL) -> sa.engine.URL:
    if isinstance(url, sa.engine.URL):
        return url
    try:
        return sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise InputError(f"not a database URL: {exc}", field="url") from None


def sqlite_file(url: str | sa.engine.URL) -> Path | None:
    """The file a SQLite URL names (``~`` expanded); ``None`` for another database.

    Parameters
    ----------
    url : str or sqlalchemy.engine.URL

    Returns
    -------
    Path or None

    Raises
    ------
    InputError
        Not a database URL, or an in-memory SQLite database.
    """
    parsed = _parsed(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:"):
        raise InputError("use a SQLite file (sqlite:///path.sqlite); an in-memory database "
                         "is not shared between connections", field="url")
    return Path(parsed.database).expanduser()


def make_engine(url: str, *, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout, or PostgreSQL.

    SQLite transactions that write start with ``BEGIN IMMEDIATE`` so that
    concurrent writers queue on the busy timeout instead of failing when a
    read lock cannot be upgraded.

    Parameters
    ----------
    url : str
        ``sqlite:///path.sqlite`` or ``postgresql+psycopg2://...``.
    busy_timeout_s : float
        How long a SQLite writer waits for another writer.

    Raises
    ------
    InputError
        Not a database URL, an in-memory SQLite database, or another database.
    """
    parsed = _parsed(url)
    backend = parsed.get_backend_name()
    path = sqlite_file(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the file the URL names, ~ expanded: sqlite3 itself would open a folder named "~"
        engine = sa.create_engine(parsed.set(database=str(path)), pool_size=10,
                                  max_overflow=30, pool_timeout=60,
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


#: The PostgreSQL advisory lock :func:`migrate` holds ("cntyrch" in ASCII: a key no other
#: application on the database is likely to take).
MIGRATION_LOCK_KEY = 0x636E747972636800


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (configured here, no ini file needed).

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The database to migrate.
    revision : str
        Target revision (``"head"``: the newest).

    Raises
    ------
    StoreTooNew
        The store's schema is newer than this countyreach's migrations.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1]
                                               / "migrations"))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # one migration at a time on the database, whoever runs it: two servers (or the
            # app and a command) opening a new or older store at once each ran the same DDL,
            # and all but the first failed on the tables the first had made. Held until this
            # transaction ends; the next then finds the schema at head and does nothing.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, revision)
        except CommandError:
            # a store a newer countyreach migrated (a rollback of the software, or two
            # servers of different versions on one database): said, not Alembic's
            # traceback, and left as it is; looked into only when the upgrade failed, so
            # every open reads the migration scripts once
            current = MigrationContext.configure(conn).get_current_revision()
            scripts = ScriptDirectory.from_config(cfg)
            if current is None or current in {s.revision for s in scripts.walk_revisions()}:
                raise
            raise StoreTooNew(current, str(scripts.get_current_head())) from None
