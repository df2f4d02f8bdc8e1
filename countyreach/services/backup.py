"""A backup of the system of record: ``countyreach backup DIR``.

What a lender would lose with the server's disk: the store (users, plans, outcomes, the audit
log, the model registry) and the files the store names under the data directory
(``COUNTYREACH_HOME``): each registered model's artefact and each county's map files. The road
graphs and other caches are rebuilt from the map files, so they are left out.

A SQLite store is copied with SQLite's online backup, which reads one consistent state while
the app goes on writing (copying the file could catch half a write), then checked. A
PostgreSQL store is the database server's to back up (``pg_dump``): the files are copied and
the report says so. Every artefact is checked against the registry's sha256 as it is
copied; one missing or altered is named, not copied.

The backup is written into a folder beside the target and renamed into place at the end, so
a failure leaves no half-made backup, and a folder that holds anything is never written
into. The backup is a store and a data directory as they are: pointing ``COUNTYREACH_DB`` and
``COUNTYREACH_HOME`` at a copy of it runs countyreach on it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from countyreach import __version__
from countyreach.errors import InputError, StoreError
from countyreach.store import Store
from countyreach.store.engine import sqlite_file
from geo.files import file_sha256

__all__ = ["BACKUP_DB", "BACKUP_HOME", "Backup", "back_up"]

#: The store's copy in a backup folder (SQLite stores).
BACKUP_DB = "countyreach.db"
#: The data directory's copy in a backup folder.
BACKUP_HOME = "home"
#: What the backup holds and when it was made.
MANIFEST = "backup.json"


@dataclass(frozen=True)
class Backup:
    """What ``back_up`` copied.

    ``database_bytes`` is ``None`` for a store the database server backs up (PostgreSQL).
    ``missing`` names the registered models (``county vN``) whose artefact is missing or
    altered, so not in the backup (the county retrains when it plans next).
    """

    folder: Path
    backend: str
    revision: str
    database_bytes: int | None
    files: int
    files_bytes: int
    missing: tuple[str, ...]


def _empty_target(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError("the folder holds something already: a backup goes into a new or "
                         "empty folder", file=str(folder))
    if not folder.parent.is_dir():
        raise InputError("the folder does not exist", file=str(folder.parent))


def _copy_sqlite(src: Path, dst: Path) -> str:
    """Copy the SQLite store ``src`` to ``dst`` (one consistent state), check the copy and
    return its schema revision."""
    source, copy = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(copy)
        # one self-contained file (the store runs in WAL mode, which keeps a second one)
        copy.execute("PRAGMA journal_mode=DELETE")
        checked = copy.execute("PRAGMA quick_check").fetchone()[0]
        if checked != "ok":
            raise StoreError(f"the store's copy failed SQLite's check: {checked}")
        return str(copy.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        source.close()
        copy.close()


def _copy_files(store: Store, home: Path, dst: Path) -> tuple[int, int, tuple[str, ...]]:
    """Copy each stored county's map files and each registered model's artefact from
    ``home`` to ``dst``: (files, bytes, the models not copied)."""
    from countyreach.services.loop import county_home
    from countyreach.services.models import artefact_path

    admin = store.operator_session()
    files = size = 0
    missing: list[str] = []
    try:
        for cid in store.learning.county_ids(admin):
            maps = county_home(home, cid)
            if maps.is_dir():
                for path in sorted(p for p in maps.rglob("*") if p.is_file()):
                    to = dst / path.relative_to(home)
                    to.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, to)
                    files, size = files + 1, size + path.stat().st_size
            for record in store.models(admin, cid):
                path = artefact_path(home, cid, record.version)
                if not path.is_file() or file_sha256(path) != record.artefact_sha256:
                    missing.append(f"{cid} v{record.version}")
                    continue
                to = dst / path.relative_to(home)
                to.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, to)
                files, size = files + 1, size + path.stat().st_size
    finally:
        store.logout(admin)
    return files, size, tuple(missing)


def back_up(store: Store, url: str, home: Path, folder: Path, *,
            now: dt.datetime | None = None) -> Backup:
    """Back the store at ``url`` and its data directory ``home`` up into ``folder``.

    Parameters
    ----------
    store : Store
        The store, open (its revision is this countyreach's).
    url : str
        Its URL: a SQLite store's file is copied, a PostgreSQL store is left to its server.
    home : Path
        The data directory (``COUNTYREACH_HOME``): model artefacts and county map files.
    folder : Path
        A new or empty folder.
    now : datetime, optional
        When, for the manifest (default: the store's clock).

    Returns
    -------
    Backup

    Raises
    ------
    InputError
        ``folder`` holds something, or its parent does not exist.
    StoreError
        The store's copy fails SQLite's check.
    """
    folder = folder.expanduser()
    _empty_target(folder)
    part = folder.with_name(f".{folder.name}.part-{os.getpid()}")
    shutil.rmtree(part, ignore_errors=True)  # an earlier run of this process that failed
    part.mkdir(mode=0o700)  # personal data and password hashes: the owner's only
    try:
        src = sqlite_file(url)
        if src is not None:
            revision = _copy_sqlite(src, part / BACKUP_DB)
            db_bytes: int | None = (part / BACKUP_DB).stat().st_size
        else:
            with store.engine.connect() as conn:
                revision = str(conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                               .scalar_one())
            db_bytes = None
        files, size, missing = _copy_files(store, home, part / BACKUP_HOME)
        done = Backup(folder, "sqlite" if src is not None else "postgresql", revision,
                      db_bytes, files, size, missing)
        (part / MANIFEST).write_text(json.dumps({
            "made_at": (now or store.now()).isoformat(), "countyreach": __version__,
            "backend": done.backend, "revision": revision, "database_bytes": db_bytes,
            "files": files, "files_bytes": size, "models_not_copied": list(missing)},
            indent=2), encoding="utf-8")
        if folder.exists():
            folder.rmdir()  # empty (checked): the finished backup takes its place
        os.replace(part, folder)
        return done
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
