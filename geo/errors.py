"""Errors and warnings of the geo package (the ground floor: it imports nothing of the project).

:class:`LocatedError` is the one error type that says *where* bad input was (file, row,
field). Every package's input error derives from it, so the application turns any of
them into the same user message and exit code without knowing which library raised it.
"""

from __future__ import annotations

__all__ = [
    "LocatedError",
    "GeoError",
    "GeoInputError",
    "GraphError",
    "DataWarning",
    "FarSnapWarning",
    "require",
    "require_id",
    "named_first",
]


class LocatedError(ValueError):
    """Bad input that names the file, row and field where it can.

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
        super().__init__(self._where() + message)

    def _where(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None and not named_first(self.field, self.reason, where):
            where.append(f"field {self.field!r}")
        return (", ".join(where) + ": ") if where else ""

    def located(self, *, file: str | None = None, row: int | None = None) -> LocatedError:
        """Return a copy of this error of the same type that also names ``file``/``row``.

        Used where a reader knows the file and row a library error came from.
        """
        return type(self)(self.reason, file=file if file is not None else self.file,
                          row=row if row is not None else self.row, field=self.field)


def named_first(field: str, reason: str, where: list[str] | None = None) -> bool:
    """Whether an error's reason already opens with its field, with no file or row before
    it (``--top must be at least 1``): saying "field '--top'" first only repeats it."""
    return not where and reason.startswith(field + " ")


class GeoError(Exception):
    """Base class of every error the geo package raises on purpose."""


class GeoInputError(GeoError, LocatedError):
    """A coordinate, matrix or table given to geo is not valid."""


class GraphError(GeoError, LocatedError):
    """A road network cannot be loaded or used (no drivable roads, point off the map)."""


class DataWarning(UserWarning):
    """Soft data problem: the row was used or skipped, and the user should know."""


class FarSnapWarning(DataWarning):
    """A place lies far from the nearest road; its walk-in time is large."""


def require(cond: bool, message: str, *, field: str | None = None,
            error: type[LocatedError] = GeoInputError) -> None:
    """Raise ``error(message, field=field)`` unless ``cond`` holds (validation of value types).

    Parameters
    ----------
    cond : bool
        The condition a valid value satisfies.
    message : str
        What is wrong when it does not.
    field : str, optional
        The attribute or column at fault.
    error : type of LocatedError
        The package's own input error to raise.
    """
    if not cond:
        raise error(message, field=field)


def require_id(value: object, field: str, error: type[LocatedError] = GeoInputError) -> None:
    """Require a non-empty string id without surrounding spaces (see :func:`require`)."""
    require(isinstance(value, str) and value.strip() != "" and value == value.strip(),
            f"must be a non-empty string without surrounding spaces, got {value!r}",
            field=field, error=error)
