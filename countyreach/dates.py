"""The application's one check of a calendar date given by a user (CLI option, file, form).

It lives below the store so that file-mode planning and the CLI share it without importing
the store's database layer.
"""

from __future__ import annotations

import datetime as dt
import re

from countyreach.errors import InputError

__all__ = ["check_date", "parse_date", "county_today", "is_ahead", "check_visit_made",
           "CHINA_TZ"]

# ISO's basic form (20261124) and week dates are refused: a lender types the extended form,
# and anything else is likelier a typo than a date.
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The counties' time zone: China Standard Time, UTC+8 all year (no daylight saving).
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


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


def county_today(now: dt.datetime | None = None) -> str:
    """The counties' calendar day at ``now`` (default: the wall clock), ``YYYY-MM-DD``.

    A visit's day is the county's: an officer out at 07:00 in Henan is on the day a server
    keeping UTC still calls yesterday.

    Parameters
    ----------
    now : datetime, optional
        The moment (the store's clock); a naive one is taken as UTC.

    Returns
    -------
    str
        The day in China Standard Time (:data:`CHINA_TZ`).
    """
    t = now if now is not None else dt.datetime.now(dt.UTC)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(CHINA_TZ).date().isoformat()


def is_ahead(day: str, now: dt.datetime | None = None) -> bool:
    """Whether ``day`` (``YYYY-MM-DD``) is still to come in the counties at ``now``.

    Parameters
    ----------
    day : str
        A checked date.
    now : datetime, optional
        The moment (default: the wall clock), as :func:`county_today`.

    Returns
    -------
    bool
    """
    return day > county_today(now)


def check_visit_made(value: object, now: dt.datetime | None = None,
                     field_name: str = "plan_date") -> str:
    """The day of a visit whose outcome is being recorded: a date, not after today.

    The one rule for every way an outcome comes in (the officer's page, an outcomes file,
    the API): it is recorded on the day of the visit or later. Saved ahead it would count
    as a visit made: planning would keep the stop fixed, and training would learn from a
    visit that never happened.

    Parameters
    ----------
    value : object
        The visit's day (``date`` or ``YYYY-MM-DD``).
    now : datetime, optional
        The moment (the store's clock; default: the wall clock), as :func:`county_today`.
    field_name : str
        What the error names.

    Returns
    -------
    str
        The day, ``YYYY-MM-DD``.

    Raises
    ------
    InputError
        Naming ``field_name``: not a date, or a day still to come.
    """
    day = check_date(value, field_name)
    if is_ahead(day, now):
        raise InputError(f"the visit of {day} has not happened yet (today is "
                         f"{county_today(now)}): an outcome is recorded on the day of the "
                         "visit or later", field=field_name)
    return day
