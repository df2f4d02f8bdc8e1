"""The application's one check of a calendar date given by a user (CLI option, file, form).

It lives below the store so that file-mode planning and the CLI share it without importing
the store's database layer.
"""

from __future__ import annotations

import datetime as dt
import re

from countyreach.errors import InputError

__all__ = ["check_date", "parse_date"]

# ISO's basic form (20261124) and week dates are refused: a lender types the extended form,
# and anything else is likelier a typo than a date.
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_date(value: object, field_name: str = "plan_date") -> str:
    """Return a calendar date (``date`` or ``YYYY-MM-DD`` text) as ``YYYY-MM-DD``.

    Parameters
    ----------
    value : object
        A :class:`datetime.date` or text.
    field_name : str
        What the error names (``--date``, ``plan_date``, a column).

    Raises
    ------
    InputError
        Naming ``field_name``, for anything else or a day the calendar does not have.
    """
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise InputError(f"expected a date like 2026-11-24, got {value!r}", field=field_name)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a calendar date: {value!r}", field=field_name) from None
    return value


def parse_date(value: object, field_name: str = "plan_date") -> dt.date:
    """:func:`check_date`, returned as a :class:`datetime.date`.

    Raises
    ------
    InputError
        As :func:`check_date`.
    """
    return dt.date.fromisoformat(check_date(value, field_name))
