"""Errors of the application, and the library errors it turns into user messages.

Every library's input error derives from :class:`geo.errors.LocatedError` (file, row,
field), so the CLI and the app report any of them the same way: a message naming where,
exit code 2. :class:`InputError` is the application's own (county folders, the store's
inputs, the CLI's options).
"""

from __future__ import annotations

import datetime as dt

from geo.errors import DataWarning, FarSnapWarning, GeoError, GraphError, LocatedError
from propensity.errors import DroppedRowWarning, ModelError, PropensityError
from routing.errors import RoutingError

__all__ = [
    "CountyreachError",
    "InputError",
    "RowErrors",
    "LocatedError",
    "DataWarning",
    "FarSnapWarning",
    "DroppedRowWarning",
    "GraphError",
    "ModelError",
    "AccessDenied",
    "StoreError",
    "StoreTooNew",
    "USER_ERRORS",
    "SignInLocked",
]


class CountyreachError(Exception):
    """Base class of every error raised on purpose by the application."""


class InputError(CountyreachError, LocatedError):
    """Bad user input to the application: names the file, row and field where it can."""


class RowErrors(InputError):
    """Several bad rows of one file: located at the first, its message lists the others.

    ``rows`` holds every row's own error (the message lists at most twenty), so an import
    that skips bad rows can reject each with its own reason.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None, rows: tuple[InputError, ...] = ()) -> None:
        super().__init__(message, file=file, row=row, field=field)
        self.rows = rows


class StoreError(CountyreachError, RuntimeError):
    """The database refused an operation (conflict, migration missing)."""


class StoreTooNew(StoreError):
    """The store's schema is at ``revision``, which a newer countyreach migrated; this
    version's migrations end at ``known``."""

    def __init__(self, revision: str, known: str) -> None:
        self.revision, self.known = revision, known
        super().__init__(f"the store's schema is revision {revision}, newer than this "
                         f"countyreach knows (revision {known} at most): run the countyreach "
                         "that migrated it, or a newer one")


class AccessDenied(CountyreachError, PermissionError):
    """A user asked for data their role may not see."""


class SignInLocked(AccessDenied):
    """Too many failed sign-ins with one name: refused until ``until`` (UTC, aware), as
    the store said at ``now``."""

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        self.until = until
        super().__init__(f"too many failed sign-ins with this name: try again in "
                         f"{self.minutes_left(now)} min")

    def minutes_left(self, now: dt.datetime) -> int:
        """Whole minutes from ``now`` until the name is taken again (at least 1)."""
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


#: Every error raised on purpose, by the application or a library: what the CLI and the app
#: report as a message (exit code 2) instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (
    CountyreachError, LocatedError, GeoError, RoutingError, PropensityError)
