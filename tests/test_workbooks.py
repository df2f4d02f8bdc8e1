"""Excel and WPS workbooks (.xlsx) are read wherever a CSV table is: the first visible
sheet reads as the CSV of it would, cells as the sheet shows them, rows numbered as in the
CSV (Excel's row less one, the header being row 1). The workbooks are built here with
openpyxl, typed as Excel types them: numbers as numbers, times and months as dates."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from countyreach.cli import main
from countyreach.csvio import read_csv_table
from countyreach.errors import DataWarning, InputError
from countyreach.headers import zh_header
from countyreach.history_file import read_history
from countyreach.io import load_county, read_leads_table, read_officers
from countyreach.services.loan_files import read_loans
from countyreach.workbook import cell_text, table_file

DATE = "2026-11-24"
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _typed(text: str) -> tuple[Any, str | None]:
    """A CSV cell as Excel holds it once typed in: a number, a time, a month (a date shown
    without its day), or text; with the number format Excel gives it."""
    if text == "":
        return None, None
    if _NUMBER.match(text) and not (len(text) > 1 and text.startswith("0")):
        return float(text), None  # Excel keeps every number as a double
    if m := _CLOCK.match(text):
        return dt.time(int(m[1]), int(m[2])), "h:mm"
    if m := _MONTH.match(text):
        return dt.datetime(int(m[1]), int(m[2]), 1), "yyyy-mm"
    return text, None


def _workbook(path: Path, rows: list[list[Any]], *, typed: bool = True,
              sheets: dict[str, list[list[Any]]] | None = None,
              hidden_first: bool = False) -> Path:
    wb = Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "lists"
        ws.append(["choice"])
        ws.append(["x"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("table")
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            v, fmt = _typed(value) if typed and isinstance(value, str) and r > 1 else (
                value, None)
            cell = ws.cell(row=r, column=c, value=v)
            if fmt:
                cell.number_format = fmt
    for title, more in (sheets or {}).items():
        other = wb.create_sheet(title)
        for row in more:
            other.append(row)
    wb.save(path)
    return path


def _csv_rows(path: Path, header: dict[str, str] | None = None,
              n: int | None = None) -> list[list[str]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if n is not None:
        df = df.head(n)
    names = [(header or {}).get(c, c) for c in df.columns]
    return [names, *df.to_numpy().tolist()]


def _shown(rows: list[list[str]]) -> list[list[str]]:
    """The rows as the sheet of :func:`_workbook` shows them (``42300.0`` typed is
    ``42300``): what a CSV saved from it holds."""
    return [rows[0], *[[cell_text(*_typed(v)) for v in r] for r in rows[1:]]]


def _csv_of(path: Path, rows: list[list[str]]) -> Path:
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    return path


def test_a_leads_workbook_with_chinese_headers_reads_as_its_csv(demo_dir: Path,
                                                                tmp_path: Path) -> None:
    # phones, coordinates and counts typed as numbers; Chinese headers where there are some
    zh = {c: z for c in pd.read_csv(demo_dir / "leads.csv", nrows=0).columns
          if (z := zh_header(c, "leads"))}
    rows = _csv_rows(demo_dir / "leads.csv", zh, n=40)
    book = read_leads_table(_workbook(tmp_path / "leads.xlsx", rows))
    text = read_leads_table(_csv_of(tmp_path / "leads.csv", _shown(rows)))
    assert book["phone"].iloc[0] == "13800000001"
    pd.testing.assert_frame_equal(book, text)


def test_an_officers_workbook_with_shift_times_typed_as_times(demo_dir: Path,
                                                              tmp_path: Path) -> None:
    rows = _csv_rows(demo_dir / "officers.csv")
    path = _workbook(tmp_path / "officers.xlsx", rows)
    assert read_officers(path) == read_officers(demo_dir / "officers.csv")


def test_months_typed_as_dates_read_as_months(demo_dir: Path, tmp_path: Path) -> None:
    # Excel turns "2024-11" typed into November 1st shown as 2024-11: read as the month
    for name, read in (("history", read_history), ("loans", read_loans)):
        rows = _csv_rows(demo_dir / f"{name}.csv", n=60)
        book = read(_workbook(tmp_path / f"{name}.xlsx", rows))
        text = read(_csv_of(tmp_path / f"{name}.csv", rows))
        assert book is not None and text is not None
        pd.testing.assert_frame_equal(book, text)


@pytest.mark.parametrize(("value", "fmt", "shown"), [
    (13800138000.0, None, "13800138000"), (50000.0, None, "50000"), (35.5183, None, "35.5183"),
    (0.1 + 0.2, None, "0.3"), (-3, None, "-3"), (True, None, "true"), (None, None, ""),
    (dt.datetime(2026, 11, 24), "yyyy-mm-dd", "2026-11-24"),
    (dt.datetime(2026, 11, 24, 9, 30), "yyyy-mm-dd h:mm", "2026-11-24 09:30"),
    (dt.datetime(2026, 3, 1), 'yyyy"年"m"月"', "2026-03"), (dt.date(2026, 3, 1), None,
                                                             "2026-03-01"),
    (dt.time(7, 59, 59, 999_999), "h:mm", "08:00"), (dt.time(8, 0, 30), None, "08:00:30"),
    (dt.timedelta(hours=1, minutes=30), "[h]:mm", "01:30"), ("庆北村 ", None, "庆北村 "),
])
def test_cells_read_as_the_sheet_shows_them(value: Any, fmt: str | None, shown: str) -> None:
    assert cell_text(value, fmt) == shown


def test_a_bad_cell_names_the_row_as_a_csv_would(tmp_path: Path) -> None:
    # Excel's row 5 is the 4th row after the header: the CSV of the sheet says row 4
    rows = [["lead_id", "name", "industry", "lat", "lon"]] + [
        [f"L{i}", "店", "small_shop", "35.5", "115.0"] for i in range(1, 6)]
    rows[4][3] = "abc"
    for path in (_workbook(tmp_path / "leads.xlsx", rows), _csv_of(tmp_path / "l.csv", rows)):
        with pytest.raises(InputError) as caught:
            read_leads_table(path)
        assert (caught.value.row, caught.value.field) == (4, "lat")
        assert "'abc'" in caught.value.reason


def test_a_formula_never_computed_is_refused_naming_row_and_field(tmp_path: Path) -> None:
    rows = [["lead_id", "lat"], ["L1", "35.5"], ["L2", "=B2+0.1"]]
    path = _workbook(tmp_path / "leads.xlsx", rows, typed=False)
    with pytest.raises(InputError, match=r"leads\.xlsx, row 2, field 'lat': cell has a "
                                         r"formula with no saved value: open and save"):
        read_csv_table(path, [])


def test_a_second_sheet_with_data_is_named_and_not_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", [["lead_id"], ["L1"]],
                     sheets={"备注": [["note"], ["x"]], "empty": []})
    with pytest.warns(DataWarning, match=r"t\.xlsx: read sheet Sheet; sheet\(s\) 备注 also "
                                         r"hold data and were not read"):
        assert read_csv_table(path, ["lead_id"])["lead_id"].tolist() == ["L1"]


def test_a_hidden_first_sheet_is_passed_over(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", [["lead_id"], ["L1"]], hidden_first=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a hidden sheet of choices is no table left unread
        assert read_csv_table(path, ["lead_id"])["lead_id"].tolist() == ["L1"]


def test_blank_rows_header_cells_and_empty_sheets_read_as_in_a_csv(tmp_path: Path) -> None:
    rows = [["lead_id", "", "lat"], ["L1", "x", "35"], ["", "", ""], ["L2", "", "36"]]
    with pytest.warns(DataWarning, match=r"row\(s\) 2 are blank; skipped"):
        book = read_csv_table(_workbook(tmp_path / "t.xlsx", rows), ["lead_id"])
    with pytest.warns(DataWarning, match=r"row\(s\) 2 are blank; skipped"):
        text = read_csv_table(_csv_of(tmp_path / "t.csv", rows), ["lead_id"])
    pd.testing.assert_frame_equal(book, text)
    assert list(book.columns) == ["lead_id", "Unnamed: 1", "lat"]
    assert book.index.tolist() == [1, 3]
    with pytest.raises(InputError, match="empty file: no header row"):
        read_csv_table(_workbook(tmp_path / "empty.xlsx", []), [])
    with pytest.raises(InputError, match="the first line is blank"):
        read_csv_table(_workbook(tmp_path / "low.xlsx", [[None], ["lead_id"], ["L1"]]), [])


def test_an_old_binary_workbook_is_refused_saying_how_to_save_it(tmp_path: Path) -> None:
    p = tmp_path / "leads.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(InputError, match=r"leads\.xls: file is an old binary workbook .*"
                                         r"save it as \.xlsx"):
        read_csv_table(p, [])


def test_a_damaged_workbook_is_named(tmp_path: Path) -> None:
    p = tmp_path / "leads.xlsx"
    p.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(InputError, match=r"leads\.xlsx: not a readable \.xlsx workbook"):
        read_csv_table(p, [])


def test_a_workbook_whose_sheet_is_cut_short_is_named(tmp_path: Path) -> None:
    whole = _workbook(tmp_path / "whole.xlsx", [["lead_id"], ["L1"]])
    cut = tmp_path / "leads.xlsx"
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[:len(data) // 2] if "worksheets/" in item.filename
                         else data)
    with pytest.raises(InputError, match=r"leads\.xlsx: not a readable \.xlsx workbook"):
        read_csv_table(cut, [])


def test_a_workbook_under_a_csv_name_is_read_as_one(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx", [["lead_id", "phone"], ["L1", "13800138000"]])
    renamed = tmp_path / "leads.csv"
    shutil.copyfile(path, renamed)
    assert read_csv_table(renamed, ["lead_id"]).to_dict("records") == [
        {"lead_id": "L1", "phone": "13800138000"}]


def test_a_folder_with_a_table_as_csv_and_as_xlsx_is_refused(county_copy: Path) -> None:
    assert table_file(county_copy, "history.csv") == county_copy / "history.csv"
    _workbook(county_copy / "leads.xlsx", _csv_rows(county_copy / "leads.csv"))
    with pytest.raises(InputError, match=r"the folder holds both leads\.csv and leads\.xlsx: "
                                         r"keep one"):
        load_county(county_copy)
    (county_copy / "leads.csv").unlink()
    assert load_county(county_copy).leads == county_copy / "leads.xlsx"


def _as_workbooks(folder: Path, names: tuple[str, ...]) -> None:
    for name in names:
        _workbook(folder / f"{name}.xlsx", _csv_rows(folder / f"{name}.csv"))
        (folder / f"{name}.csv").unlink()


def test_the_cli_plans_a_county_given_as_workbooks(county_copy: Path, cache_dir: Path,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    _as_workbooks(county_copy, ("leads", "officers", "history", "loans", "loans_elsewhere"))
    code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date",
                 DATE, "--time-limit", "2", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Checker: no violations" in out


def test_the_cli_names_a_bad_workbook_without_traceback(county_copy: Path, cache_dir: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    rows = _csv_rows(county_copy / "leads.csv")
    rows[3][rows[0].index("lon")] = "east"  # Excel's row 4
    _workbook(county_copy / "leads.xlsx", rows)
    (county_copy / "leads.csv").unlink()
    code = main(["--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", DATE])
    err = capsys.readouterr().err
    assert code == 2
    assert "leads.xlsx" in err and "row 3" in err and "'lon'" in err
    assert "Traceback" not in err


_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "Pd", "Po")),
                max_size=12).filter(lambda s: not s.startswith("="))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.one_of(_TEXT, st.integers(-10**12, 10**12),
                                   st.floats(-1e6, 1e6).map(lambda x: round(x, 6))),
                         min_size=3, max_size=3), min_size=1, max_size=6))
def test_cells_written_read_back_as_their_text(tmp_path_factory: pytest.TempPathFactory,
                                               cells: list[list[Any]]) -> None:
    # what a workbook holds reads as the CSV of its text: the same rules after the header
    folder = tmp_path_factory.mktemp("cells")
    rows = [["a", "b", "c"], *cells]
    texts = [rows[0], *[[cell_text(v) for v in r] for r in cells]]
    assert all(float(cell_text(v)) == v for r in cells for v in r
               if isinstance(v, (int, float)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # a row of blank text is skipped alike
        book = read_csv_table(_workbook(folder / "t.xlsx", rows, typed=False), [])
        text = read_csv_table(_csv_of(folder / "t.csv", texts), [])
    pd.testing.assert_frame_equal(book, text)


def test_the_store_imports_a_county_given_as_workbooks(county_copy: Path, cache_dir: Path,
                                                       tmp_path: Path) -> None:
    from countyreach.services.loop import DailyLoop
    from countyreach.store import Store

    _as_workbooks(county_copy, ("leads", "officers", "history", "loans", "villages",
                                "branches"))
    store = Store.open(f"sqlite:///{tmp_path / 'loop.sqlite'}", bcrypt_rounds=4)
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    done = loop.import_county(store.operator_session(), county_copy)
    assert (len(done.leads.inserted), len(done.officers.inserted), done.loans) == (400, 6, 579)
    assert done.history["inserted"] == 960
    kept = sorted(p.name for p in (tmp_path / "home").rglob("*.*sx"))
    assert kept == ["branches.xlsx", "villages.xlsx"]  # a workbook is kept as one
