"""The application's one check of a calendar date given by a user (CLI option, file, form),
and its one reader of the months and dates a spreadsheet holds.

:func:`check_date` takes the canonical ``YYYY-MM-DD`` only (the CLI, the API, the store).
A lender's file is typed by hand in Excel or WPS, so :func:`read_date` and
:func:`read_month` also take the forms a Chinese spreadsheet writes (``2026/11/24``,
``2026年11月24日``, ``2026-9``) and return the canonical text: months are compared as text
everywhere after the readers, so ``2026-9`` left as typed would sort after ``2026-11``.

It lives below the store so that file-mode planning and the CLI share it without importing
the store's database layer.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Callable

from countyreach.errors import InputError

__all__ = ["check_date", "parse_date", "read_date", "read_month", "county_today", "is_ahead",
           "check_visit_made", "running_clock", "CHINA_TZ", "MONTH_FORMS", "county_time"]

# ISO's basic form (20261124) and week dates are refused: a lender types the extended form,
# and anything else is likelier a typo than a date.
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The forms of a month and a day a lender's spreadsheet holds: the year first, then the
# month (and day) with one or two digits, separated by '-' or '/', or written in Chinese.
_MONTH_FORMS_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})|/(\d{1,2})|年(\d{1,2})月)$")
_DATE_FORMS_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})"
                            r"|年(\d{1,2})月(\d{1,2})日)$")
#: How a month may be written in a file (for messages).
MONTH_FORMS = "2025-09 (or 2025-9, 2025/9, 2025年9月)"
#: The years a month in a file may lie in: anything else is a typo (1925 for 2025).
_MONTH_YEARS = (1900, 2099)
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


def read_date(value: object, field_name: str = "plan_date") -> str:
    """A day as a lender's file writes it, as ``YYYY-MM-DD``.

    Parameters
    ----------
    value : object
        ``2026-11-24``, ``2026-11-4``, ``2026/11/24`` or ``2026年11月24日`` (full-width digits
        too), or a :class:`datetime.date`.
    field_name : str
        What the error names.

    Returns
    -------
    str
        The day, checked by :func:`check_date`.

    Raises
    ------
    InputError
        Naming ``field_name``, quoting the text as typed: any other form, or a day the
        calendar does not have.
    """
    if isinstance(value, dt.date):
        return check_date(value, field_name)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = _DATE_FORMS_RE.match(text)
    if m is None:
        raise InputError(f"expected a date like 2026-11-24 (or 2026/11/24, 2026年11月24日), "
                         f"got {value!r}", field=field_name)
    y, mo, d = m.group(1), *(g for g in m.groups()[1:] if g is not None)
    try:
        return check_date(f"{y}-{int(mo):02d}-{int(d):02d}", field_name)
    except InputError:
        raise InputError(f"not a calendar date: {value!r}", field=field_name) from None


def read_month(value: object, field_name: str = "month") -> str:
    """A month as a lender's file writes it, as ``YYYY-MM``: the one month reader of every
    file (``history.csv``, ``loans.csv``, ``loans_elsewhere.csv``, outcomes files).

    Parameters
    ----------
    value : object
        ``2025-09``, ``2025-9``, ``2025/9`` or ``2025年9月`` (full-width digits too).
    field_name : str
        What the error names.

    Returns
    -------
    str
        ``YYYY-MM``, so that months compare as text in calendar order.

    Raises
    ------
    InputError
        Naming ``field_name`` and quoting the text as typed: any other form (a day, three
        month digits, a month 13) or a year outside 1900-2099.
    """
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = _MONTH_FORMS_RE.match(text)
    month = None if m is None else int(next(g for g in m.groups()[1:] if g is not None))
    if m is None or month is None or not 1 <= month <= 12 \
            or not _MONTH_YEARS[0] <= int(m.group(1)) <= _MONTH_YEARS[1]:
        raise InputError(f"expected a month like {MONTH_FORMS}, got {value!r}",
                         field=field_name)
    return f"{m.group(1)}-{month:02d}"


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


def county_time(moment: dt.datetime) -> str:
    """A stored moment as the county's clock reads it, ``YYYY-MM-DD HH:MM`` (a naive one is
    taken as UTC, as the store keeps it): the manager page and ``plans`` show it so."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


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


def running_clock(start: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock that reads ``start`` now and runs on at the wall clock's pace.

    For an app that replays a working day whatever the hour (a training session, a browser
    test): ``Settings.clock`` (``COUNTYREACH_CLOCK``).

    Parameters
    ----------
    start : datetime
        Timezone-aware (a naive one is taken as UTC).

    Returns
    -------
    callable
        Returns the clock's time, UTC and timezone-aware.
    """
    began = time.monotonic()
    first = (start if start.tzinfo is not None else start.replace(tzinfo=dt.UTC)).astimezone(
        dt.UTC)
    return lambda: first + dt.timedelta(seconds=time.monotonic() - began)
