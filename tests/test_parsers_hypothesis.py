"""Whatever a spreadsheet puts in a cell, a reader accepts the row or names what is wrong."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countyreach.errors import InputError
from countyreach.io import read_history, read_leads_table, read_officers

CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "nan", "inf", "-1", "1e300", "08:00", "25:00", "08:00-30:00",
                     "09:00-11:00;10:00-12:00", "O01", "../x", "35.5", "115.0", "0", "2025-13"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-10**6, 10**6).map(str),
)
LEAD_COLUMNS = ["lead_id", "name", "industry", "lat", "lon", "service_min", "windows", "load",
                "pinned_officer_id", "mobile_pay_flow_yuan"]
OFFICER_COLUMNS = ["officer_id", "name", "start_kind", "start_lat", "start_lon", "shift_start",
                   "shift_end", "max_visits", "capacity", "lunch_start", "lunch_end",
                   "lunch_min"]
HISTORY_COLUMNS = ["lead_id", "month", "took_loan", "loan_yuan", "defaulted"]


def _csv(tmp: Path, name: str, header: list[str], cells: list[str]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerow(cells)
    p = tmp / name
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def _reads_or_names_the_row(reader, path: Path, header: list[str]) -> None:
    try:
        reader(path)
    except InputError as exc:
        assert exc.file == str(path)
        assert exc.field is None or exc.field in header or exc.field in ("crs",)
        assert exc.row in (None, 1)


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.lists(CELL, min_size=len(LEAD_COLUMNS), max_size=len(LEAD_COLUMNS)))
def test_any_lead_row(tmp_path: Path, cells: list[str]) -> None:
    p = _csv(tmp_path, "leads.csv", LEAD_COLUMNS, cells)
    _reads_or_names_the_row(read_leads_table, p, LEAD_COLUMNS)


@SETTINGS
@given(st.lists(CELL, min_size=len(OFFICER_COLUMNS), max_size=len(OFFICER_COLUMNS)))
def test_any_officer_row(tmp_path: Path, cells: list[str]) -> None:
    p = _csv(tmp_path, "officers.csv", OFFICER_COLUMNS, cells)
    _reads_or_names_the_row(read_officers, p, OFFICER_COLUMNS)


@SETTINGS
@given(st.lists(CELL, min_size=len(HISTORY_COLUMNS), max_size=len(HISTORY_COLUMNS)))
def test_any_history_row(tmp_path: Path, cells: list[str]) -> None:
    p = _csv(tmp_path, "history.csv", HISTORY_COLUMNS, cells)
    _reads_or_names_the_row(read_history, p, HISTORY_COLUMNS)


ACCOUNT_COLUMNS = ["username", "role", "officer_id", "county_id", "region"]
ACCOUNT_CELL = st.one_of(CELL, st.sampled_from(
    ["officer", "Manager", "客户经理", "admin", "planner", "qingzu", "other", "O01", "O02",
     "wang", "li.ming"]))


@SETTINGS
@given(st.lists(ACCOUNT_CELL, min_size=len(ACCOUNT_COLUMNS), max_size=len(ACCOUNT_COLUMNS)))
def test_any_account_row(tmp_path: Path, cells: list[str]) -> None:
    """``users import`` takes a row as an account the store accepts, or names what is wrong."""
    import datetime as dt

    from countyreach.account_files import read_accounts
    from countyreach.store.records import Account

    p = _csv(tmp_path, "team.csv", ACCOUNT_COLUMNS, cells)
    had = Account("wang", "manager", None, "qingzu", None, True,
                  dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    try:
        found = read_accounts(p, counties=["qingzu", "other"],
                              roster=lambda c: {"qingzu": ["O01"]}.get(c, []),
                              accounts=[had])
    except InputError as exc:
        assert exc.file == str(p) and exc.row == 1 and exc.field in ACCOUNT_COLUMNS
        return
    for new in found.new:  # checked as the store checks it, first password and all
        assert new.must_change_password and new.username != "wang"
        assert new.role.value != "officer" or (new.county_id, new.officer_id) == ("qingzu", "O01")
