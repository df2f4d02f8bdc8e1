"""One error hierarchy for the whole product.

Every error a user can trigger subclasses a builtin so callers that only know
Python's own exceptions still catch it (``except ValueError`` catches bad input).
"""

from __future__ import annotations

__all__ = [
    "CountyreachError",
    "InputError",
    "DataWarning",
    "FarSnapWarning",
    "DroppedRowWarning",
    "GraphError",
    "ModelError",
    "AccessDenied",
    "StoreError",
]


class CountyreachError(Exception):
    """Base class of every error raised on purpose by countyreach."""


class InputError(CountyreachError, ValueError):
    """Bad user input: names the file, row and field where it can.

    Parameters
    ----------
    message : str
        What is wrong, in words a user understands.
    file : str, optional
        The file the bad value came from.
    row : int, optional
        1-based data row (the header is row 0) in that file.
    field : str, optional
        Column or attribute name.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.reason = message
        where = []
        if file is not None:
            where.append(f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


class GraphError(CountyreachError, ValueError):
    """A road network cannot be loaded or used (no drivable roads, point off the map)."""


class ModelError(CountyreachError, RuntimeError):
    """A propensity model is missing, unfitted, or was saved by an incompatible version."""


class StoreError(CountyreachError, RuntimeError):
    """The database refused an operation (conflict, migration missing)."""


class AccessDenied(CountyreachError, PermissionError):
    """A user asked for data their role may not see."""


class DataWarning(UserWarning):
    """Soft data problem: the row was used or skipped, and the user should know."""


class FarSnapWarning(DataWarning):
    """A place lies far from the nearest road; its walk-in time is large."""


class DroppedRowWarning(DataWarning):
    """An input row was skipped."""
