"""The application's one date check, shared by the CLI, file-mode planning and the store."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyreach.dates import check_date, parse_date
from countyreach.errors import InputError
from countyreach.store.checks import check_date as store_check_date


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_every_calendar_date_round_trips(day: dt.date) -> None:
    assert check_date(day.isoformat()) == day.isoformat()
    assert check_date(day) == day.isoformat()
    assert parse_date(day.isoformat(), "--date") == day


@pytest.mark.parametrize("text", ["", "2026-13-01", "2026-02-30", "20261124", "2026/11/24",
                                  "24/11/2026", " 2026-11-24", "2026-11-24T08:00"])
def test_anything_else_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_date(text, "--date")
    assert err.value.field == "--date"


def test_the_store_checks_dates_with_the_same_function() -> None:
    assert store_check_date is check_date
