"""Checks of values at the store's edge: ids, dates, short texts, amounts, vocabularies.

Every check raises :class:`countyreach.errors.InputError` naming the field, so a caller
(the app, the CLI) can point at what to correct.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from typing import TypeVar, overload

import numpy as np

from countyreach.amounts import read_yuan
from countyreach.dates import check_date
from countyreach.errors import InputError

__all__ = ["check_id", "check_date", "check_text", "check_amount_yuan", "check_loan_month",
           "parse_enum",
           "next_day", "aware", "AMOUNT_MAX_YUAN", "NOTES_MAX_CHARS", "REASON_MAX_CHARS"]

#: Longest note an officer may type about a visit.
NOTES_MAX_CHARS = 500
#: Longest reason (why not interested, why on the do-not-visit list).
REASON_MAX_CHARS = 200
#: Largest loan amount a visit may record (a typo guard, far above any rural loan).
AMOUNT_MAX_YUAN = 1e8

E = TypeVar("E", bound=enum.Enum)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
# Multi-line text may keep tabs, line feeds and carriage returns; single-line text none.
_CONTROL_MULTILINE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def check_id(value: object, field_name: str) -> str:
    """Return ``value`` if it is a valid id (1-64 letters, digits, ``-_.:``).

    Raises
    ------
    InputError
        Naming ``field_name``.
    """
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InputError(f"{value!r} is not a valid id (1-64 of ASCII letters, digits, '-', "
                         "'_', '.', ':')", field=field_name)
    return value


def check_text(value: object, field_name: str, max_chars: int, *,
               multiline: bool = False) -> str:
    """Return stripped text of at most ``max_chars`` without control characters (None: "").

    Raises
    ------
    InputError
        Naming ``field_name``.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"expected text, got {type(value).__name__}", field=field_name)
    text = value.strip()
    bad = _CONTROL_MULTILINE_RE if multiline else _CONTROL_RE
    if bad.search(text):
        raise InputError("contains control characters", field=field_name)
    if len(text) > max_chars:
        raise InputError(f"longer than {max_chars} characters", field=field_name)
    return text


def check_amount_yuan(value: float | str | None) -> float | None:
    """A loan amount in yuan, from a number or the text of a form (blank: None).

    Raises
    ------
    InputError
        Naming ``amount_yuan`` for text that is no amount (as
        :func:`countyreach.amounts.read_yuan` reads one: ``50,000`` is), or a number outside
        ``[0, AMOUNT_MAX_YUAN]``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InputError("amount must be a number of yuan", field="amount_yuan")
    if isinstance(value, str):  # a form's text, read as every file's amount is
        value = read_yuan(value, "amount_yuan")
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError("amount must be a number of yuan", field="amount_yuan")
    v = float(value)
    if not math.isfinite(v) or not 0 <= v <= AMOUNT_MAX_YUAN:
        raise InputError(f"amount must be a finite number in [0, {AMOUNT_MAX_YUAN:.0f}] yuan, "
                         f"got {value!r}", field="amount_yuan")
    return v


#: Loans elsewhere an officer records reach back at most this many years before the visit.
_LOAN_MONTH_YEARS_BACK = 10


def check_loan_month(value: object, plan_date: str) -> str | None:
    """The ``YYYY-MM`` of a loan the owner took elsewhere, from a form (blank: None).

    Raises
    ------
    InputError
        Naming ``other_loan_month`` for text that is not a month, a month after the visit's
        or more than ten years before it.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"the month of a loan elsewhere looks like 2026-03, got {text!r}",
                         field="other_loan_month")
    year = int(plan_date[:4])
    if text > plan_date[:7] or int(m.group(1)) < year - _LOAN_MONTH_YEARS_BACK:
        raise InputError(f"a loan elsewhere in {text} cannot be recorded at a visit on "
                         f"{plan_date} (the month it was taken, at most "
                         f"{_LOAN_MONTH_YEARS_BACK} years back)", field="other_loan_month")
    return text


def parse_enum(kind: type[E], value: object, field_name: str,
               message: str | None = None) -> E:
    """``kind(value)``: a member of the enum, from itself or from its value (plain text).

    Parameters
    ----------
    kind : enum type
        The closed vocabulary.
    value : object
        A member or a member's value.
    field_name : str
        Named by the error.
    message : str, optional
        The error's text (default: the allowed values and the value given).

    Raises
    ------
    InputError
        ``value`` is not in the vocabulary.
    """
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = tuple(m.value for m in kind)
        raise InputError(message or f"{field_name} must be one of {allowed}, got {value!r}",
                         field=field_name) from None


def next_day(date: str) -> str:
    """The ISO date after ``date`` (``YYYY-MM-DD``)."""
    return (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()


@overload
def aware(t: dt.datetime) -> dt.datetime: ...
@overload
def aware(t: None) -> None: ...
def aware(t: dt.datetime | None) -> dt.datetime | None:
    """``t`` as a UTC-aware datetime (None stays None)."""
    # SQLite hands back naive datetimes; everything the store writes is UTC.
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


#: A password's length in characters (bcrypt reads the first 72 bytes of it).
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 128


def check_password(password: object) -> str:
    """``password`` if it is 8-128 characters, else ``InputError`` (field ``password``)."""
    if not isinstance(password, str) or \
            not PASSWORD_MIN_CHARS <= len(password) <= PASSWORD_MAX_CHARS:
        raise InputError("password must be 8 to 128 characters", field="password")
    return password
