"""One typed settings object for the application, read from ``COUNTYREACH_*`` variables.

Every environment variable the product reads is a field here (and in the README's table);
nothing else reads the environment. Values are validated once, at startup, so a typo in a
deployment fails with a message naming the variable rather than deep inside a page.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from countyreach.errors import InputError

__all__ = ["BCRYPT_ROUNDS_RANGE", "DEFAULT_BCRYPT_ROUNDS", "Settings", "app_now",
           "get_settings"]

#: Cost of hashing a password: bcrypt's own range, and production's (tests use 4).
BCRYPT_ROUNDS_RANGE = (4, 31)
DEFAULT_BCRYPT_ROUNDS = 12


class Settings(BaseSettings):
    """The application's configuration.

    Attributes
    ----------
    db : str or None
        Store URL (``COUNTYREACH_DB``; ``COUNTYREACH_STORE`` is read too): ``sqlite:///file``
        or ``postgresql+psycopg2://…``. Default: ``countyreach.db`` in the cache directory.
    cache : Path or None
        Road-graph and model cache (``COUNTYREACH_CACHE``; default ``~/.cache/countyreach``).
    data : str
        County folders the app offers, ``os.pathsep``-separated (``COUNTYREACH_DATA``), searched
        before the repository's ``data/``.
    time_limit_s : float
        The app's default solver time limit (``COUNTYREACH_TIME_LIMIT``).
    basemap : {"auto", "1", "0"}
        Whether the app's map loads web tiles (``COUNTYREACH_BASEMAP``).
    home : Path or None
        The system of record's files (``COUNTYREACH_HOME``): imported county map files under
        ``counties/<county_id>/`` and model artefacts under ``models/<county_id>/``; paths are
        built from validated ids only. Default: the cache directory.
    cooling_days : int
        Days a lead that said "not interested" is not prospected (``COUNTYREACH_COOLING_DAYS``).
    revisit_days : int
        Days a lead met (any outcome but "not there") rests before it is prospected again,
        unless a follow-up is booked (``COUNTYREACH_REVISIT_DAYS``); an application waits for
        its decision whatever this is.
    matrix_keep_days : int
        Days a published day keeps its whole travel matrix (``COUNTYREACH_MATRIX_KEEP_DAYS``,
        default 35): it may be planned again meanwhile. After them only the legs between
        each officer's own nodes stay (:mod:`countyreach.store.compaction`): what its routes,
        the checker and each officer's list read, ~1/1000 of the bytes at 45 officers.
    stale_model : {"retrain", "warn", "refuse"}
        What planning does when the promoted model no longer matches the stored data (the
        outcomes of the days before the plan's, :mod:`countyreach.services.model_choice`) or
        the code (``COUNTYREACH_STALE_MODEL``): retrain it; use it and say so in the plan (for
        teams that retrain on a schedule; other code is always retrained); or stop.
    scheduler : str
        Where the Planner page's coverage sweep runs its scenarios (``COUNTYREACH_SCHEDULER``):
        empty (the default) in the app's own process, one after another; ``local`` on a
        Dask cluster of ``scheduler_workers`` processes started for the sweep; or the
        address of a running Dask scheduler (``tcp://host:8786``).
    scheduler_workers : int
        Worker processes of the ``local`` cluster (``COUNTYREACH_SCHEDULER_WORKERS``).
    bcrypt_rounds : int
        Cost of hashing a password (``COUNTYREACH_BCRYPT_ROUNDS``, 4–31, default 12): each
        round doubles the work of one sign-in and of a guess at a stolen hash. Raise it on
        fast servers; 4 is for test runs only.
    clock : datetime or None
        The moment the app's clock starts at (``COUNTYREACH_CLOCK``, ISO 8601 with its zone,
        ``2026-11-24T10:30+08:00``); it then runs on. For a training session or a browser
        test that replays a working day whatever the hour: the app's today, the store's
        times (sessions, outcomes, audit) and the manager's "from now" follow it. Unset
        (the default): the wall clock.
    """

    model_config = SettingsConfigDict(env_prefix="COUNTYREACH_", extra="ignore",
                                      frozen=True)

    db: str | None = Field(default=None, validation_alias=AliasChoices(
        "COUNTYREACH_DB", "COUNTYREACH_STORE"))
    cache: Path | None = None
    data: str = ""
    time_limit_s: float = Field(default=5.0, ge=0.5, le=3600.0,
                                validation_alias=AliasChoices("COUNTYREACH_TIME_LIMIT"))
    basemap: Literal["auto", "1", "0"] = "auto"
    home: Path | None = None
    cooling_days: int = Field(default=90, ge=0, le=3650,
                              validation_alias=AliasChoices("COUNTYREACH_COOLING_DAYS"))
    revisit_days: int = Field(default=7, ge=0, le=3650,
                              validation_alias=AliasChoices("COUNTYREACH_REVISIT_DAYS"))
    matrix_keep_days: int = Field(default=35, ge=1, le=3650,
                                  validation_alias=AliasChoices("COUNTYREACH_MATRIX_KEEP_DAYS"))
    stale_model: Literal["retrain", "warn", "refuse"] = "retrain"
    scheduler: str = ""
    scheduler_workers: int = Field(default=2, ge=1, le=256)
    bcrypt_rounds: int = Field(default=DEFAULT_BCRYPT_ROUNDS, ge=BCRYPT_ROUNDS_RANGE[0],
                               le=BCRYPT_ROUNDS_RANGE[1])
    clock: dt.datetime | None = None

    @field_validator("cache", "home", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if v == "" else v

    @field_validator("clock", mode="before")
    @classmethod
    def _empty_clock_is_unset(cls, v: object) -> object:
        return None if v == "" else v

    @field_validator("clock", mode="after")
    @classmethod
    def _clock_has_a_zone(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2026-11-24T10:30+08:00")
        return v

    @field_validator("scheduler", mode="after")
    @classmethod
    def _scheduler_address(cls, v: str) -> str:
        v = v.strip()
        if v in ("", "local") or re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://\S+", v) \
                or re.fullmatch(r"[A-Za-z0-9_.-]+:\d{1,5}", v):
            return v
        raise ValueError("expected empty, 'local' or a scheduler address like tcp://host:8786")

    @property
    def cache_dir(self) -> Path:
        """The cache directory to use (the default when none is configured)."""
        return self.cache if self.cache is not None else Path.home() / ".cache" / "countyreach"

    @property
    def home_dir(self) -> Path:
        """Where the system of record keeps files (the cache directory unless configured)."""
        return self.home if self.home is not None else self.cache_dir

    @property
    def store_url(self) -> str:
        """The store URL to open (SQLite in the cache directory by default)."""
        return self.db or f"sqlite:///{self.cache_dir / 'countyreach.db'}"

    @property
    def data_roots(self) -> list[Path]:
        """The configured county roots, in order."""
        return [Path(p) for p in self.data.split(os.pathsep) if p]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once).

    Raises
    ------
    InputError
        When a ``COUNTYREACH_*`` variable holds a value of the wrong kind.
    """
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = str(first["loc"][0]).upper() if first["loc"] else "*"
        name = loc if loc.startswith("COUNTYREACH_") else "COUNTYREACH_" + loc
        raise InputError(f"environment variable {name}: {first['msg']}") from None


def app_now() -> dt.datetime:
    """The app's clock (UTC): the wall clock, or the one ``COUNTYREACH_CLOCK`` starts
    (:attr:`Settings.clock`), which runs on from the first reading.

    The store's clock wherever the app or the command line opens it, so that a day planned
    for today is today for the outcomes recorded on it too.
    """
    return _clock(get_settings().clock)()


@lru_cache(maxsize=4)
def _clock(start: dt.datetime | None) -> Callable[[], dt.datetime]:
    from countyreach.dates import running_clock

    return (lambda: dt.datetime.now(dt.UTC)) if start is None else running_clock(start)
