"""Phones in the files a lender opens in Excel stay text, so no digit is lost."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest

from countyreach.officer_day import officer_day
from countyreach.phones import spreadsheet_phone
from countyreach.plan_files import write_plan_files
from countyreach.store.testing import synthetic_day


@pytest.mark.parametrize(("typed", "shown"), [
    ("18177889770", "181 7788 9770"),
    ("+8618177889770", "+86 181 7788 9770"),
    ("07016231234", "0701-6231234"),      # Yingtan's area code, 4 digits
    ("01062345678", "010-62345678"),      # Beijing's, 3 digits
    ("02887654321", "028-87654321"),
    ("0701-6231234", "0701-6231234"),     # already text to Excel
    ("181 7788 9770", "181 7788 9770"),
    ("", ""),
    ("6231234", "6231234"),               # too short to be mistaken for a long number
])
def test_a_bare_number_is_grouped_as_numbers_are_written_in_china(typed: str, shown: str) -> None:
    assert spreadsheet_phone(typed) == shown


def _with_bare_phones():  # type: ignore[no-untyped-def]
    problem, plan = synthetic_day(2, 3)
    leads = tuple(dataclasses.replace(ld, phone=ld.phone.replace(" ", ""))
                  for ld in problem.leads)
    return dataclasses.replace(problem, leads=leads), plan


def test_route_csvs_keep_a_mobile_number_as_text(tmp_path: Path) -> None:
    problem, plan = _with_bare_phones()
    write_plan_files(problem, plan, tmp_path)
    text = (tmp_path / "routes" / "O01.csv").read_text(encoding="utf-8-sig")
    phones = [r["phone"] for r in csv.DictReader(io.StringIO(text)) if r["phone"]]
    assert phones and all(p.count(" ") == 2 and len(p) == 13 for p in phones)


def test_the_officers_csv_keeps_a_mobile_number_as_text() -> None:
    problem, plan = _with_bare_phones()
    day = officer_day(problem, plan, "O01", {}, "en")
    rows = list(csv.DictReader(io.StringIO(day.to_csv()[1:])))
    assert rows and all(r["phone"].count(" ") == 2 for r in rows)
    assert day.stops[0].tel_url.startswith("tel:1") and " " not in day.stops[0].tel_url
