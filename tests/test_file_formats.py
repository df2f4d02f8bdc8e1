"""A lender's own files, as Excel and WPS on a Chinese desktop write them.

Months and days in the forms a spreadsheet writes, windows typed with a Chinese input
method, blank rows, copied rows, phones Excel turned into numbers: each is read as meant
(normalised) or refused quoting what the user typed, and every row is named by its number
in the file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.io import County, read_history, read_leads_table, read_officers
from countyreach.services.loan_files import read_loans, read_loans_elsewhere
from countyreach.services.outcome_files import read_outcome_file
from countyreach.store import Session, Store
from countyreach.store.checks import check_amount_yuan
from countyreach.table_checks import warn_idle_officers

LEADS = "lead_id,name,industry,lat,lon,windows,phone\n"
ROOT = Path(__file__).resolve().parents[1]
OFFICERS = "officer_id,name,start_lat,start_lon,shift_start,shift_end,max_visits\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_file_reads_its_months_with_one_reader_and_stores_them_as_yyyy_mm(
        tmp_path: Path) -> None:
    loans = read_loans(_write(tmp_path / "loans.csv",
                              "lead_id,month\nA,2026-9\nB,2026-11\nC,2026/3\n"))
    assert loans is not None and list(loans["month"]) == ["2026-09", "2026-11", "2026-03"]
    assert loans["month"].max() == "2026-11"  # as text: "2026-9" would have been the last
    elsewhere = read_loans_elsewhere(_write(tmp_path / "loans_elsewhere.csv",
                                            "lead_id,month\nA,2025年4月\nB,\n"))
    assert elsewhere is not None and list(elsewhere["month"]) == ["2025-04", ""]
    history = read_history(_write(tmp_path / "history.csv",
                                  "lead_id,month,took_loan\nA,2025-4,1\nB,２０２５／１２,0\n"))
    assert list(history["month"]) == ["2025-04", "2025-12"]
    for name, body in (("loans.csv", "lead_id,month\nA,2026-09\nB,2026-009\n"),
                       ("history.csv", "lead_id,month,took_loan\nA,2026-09,1\nB,2026-009,0\n")):
        reader = read_loans if name == "loans.csv" else read_history
        with pytest.raises(InputError) as err:
            reader(_write(tmp_path / name, body))
        assert (err.value.file, err.value.row, err.value.field) == (
            str(tmp_path / name), 2, "month")
        assert "'2026-009'" in str(err.value) and "2025-09" in str(err.value)


def test_an_outcomes_file_reads_spreadsheet_dates_codes_and_amounts(tmp_path: Path) -> None:
    p = _write(tmp_path / "outcomes.csv",
               "county_id,plan_date,lead_id,outcome,amount_yuan,follow_up_on\n"
               'qingzu,2026/11/24,B1,Approved,"50,000",\n'
               "qingzu,2026年11月24日,B2,interested,,2026/12/1\n"
               "qingzu,2026-11-24,B3,applied,５０，０００,\n")
    read = read_outcome_file(p)
    assert read.errors == ()
    assert [(v["plan_date"], v["outcome"], v["amount_yuan"], v["follow_up_on"])
            for v in read.visits] == [("2026-11-24", "approved", "50000", None),
                                      ("2026-11-24", "interested", None, "2026-12-01"),
                                      ("2026-11-24", "applied", "50000", None)]


@pytest.mark.parametrize("first", ["qingzu,2026-11-24,B1,approved,50,000",  # comma unquoted
                                   "qingzu,2026-11-24,B1,met,,"])  # an exporter's extra comma
def test_a_first_row_wider_than_the_header_is_refused_not_read_shifted(
        tmp_path: Path, first: str) -> None:
    # pandas reads a wider first row as an index column and shifts every row's cells one
    # to the right: the lead ids became days and the outcomes lead ids
    p = _write(tmp_path / "outcomes.csv", "county_id,plan_date,lead_id,outcome,amount_yuan\n"
               f"{first}\nqingzu,2026-11-24,B2,met,\n")
    with pytest.raises(InputError) as err:
        read_outcome_file(p)
    assert (err.value.file, err.value.row) == (str(p), 1)
    assert "6 values where the header has 5 columns" in str(err.value)


def test_a_wider_first_leads_row_is_refused_by_plan_naming_the_row(
        tmp_path: Path) -> None:
    p = _write(tmp_path / "leads.csv", LEADS + "L1,a,small_shop,35.5,115.0,,,\n"
               "L2,b,small_shop,35.5,115.0,,\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert (err.value.row, err.value.field) == (1, None)


def test_every_file_reads_its_amounts_with_one_reader(tmp_path: Path) -> None:
    history = read_history(_write(tmp_path / "history.csv", "lead_id,month,took_loan,loan_yuan\n"
                                  'A,2025-04,1,"50,000"\nB,2025-05,1,¥３０，０００\n'
                                  "C,2025-06,1,5万\nD,2025-07,0,\n"))
    assert list(history["loan_yuan"].fillna(-1)) == [50000, 30000, 50000, -1]
    loans = read_loans(_write(tmp_path / "loans.csv", "lead_id,month,loan_yuan\n"
                              'A,2025-04,"1,250,000.5"\nB,2025-05,￥50000元\nC,2025-06,42300.0\n'))
    assert loans is not None and list(loans["loan_yuan"]) == [1250000.5, 50000, 42300]
    elsewhere = read_loans_elsewhere(_write(tmp_path / "loans_elsewhere.csv",
                                            "lead_id,month,loan_yuan\nA,2025-04,５０，０００\n"))
    assert elsewhere is not None and list(elsewhere["loan_yuan"]) == [50000]
    leads = read_leads_table(_write(tmp_path / "leads.csv",
                                    "lead_id,name,industry,lat,lon,mobile_pay_flow_yuan\n"
                                    'L1,a,small_shop,35.5,115.0,"42,300"\n'
                                    "L2,b,small_shop,35.5,115.0,10000.0\n"))
    assert list(leads["mobile_pay_flow_yuan"]) == ["42300", "10000.0"]
    outcomes = read_outcome_file(_write(tmp_path / "outcomes.csv",
                                        "county_id,plan_date,lead_id,outcome,amount_yuan\n"
                                        'qingzu,2026-11-24,B1,applied,"¥50,000"\n'))
    assert [v["amount_yuan"] for v in outcomes.visits] == ["50000"]
    assert check_amount_yuan("¥50,000") == 50000  # as the app's form types it too


@pytest.mark.parametrize(("name", "head"), [
    ("history.csv", "lead_id,month,took_loan,loan_yuan\nA,2025-04,1,"),
    ("loans.csv", "lead_id,month,loan_yuan\nA,2025-04,"),
    ("loans_elsewhere.csv", "lead_id,month,loan_yuan\nA,2025-04,"),
    ("leads.csv", "lead_id,name,industry,lat,lon,mobile_pay_flow_yuan\n"
                  "L1,a,small_shop,35.5,115.0,"),
    ("outcomes.csv", "county_id,plan_date,lead_id,outcome,amount_yuan\nqingzu,2026-11-24,B1,"
                     "applied,"),
])
def test_an_amount_no_reader_can_read_is_refused_quoting_it_as_typed(
        tmp_path: Path, name: str, head: str) -> None:
    p = _write(tmp_path / name, head + "５，００\n")  # "5,00" is no thousands grouping
    readers = {"history.csv": read_history, "loans.csv": read_loans,
               "loans_elsewhere.csv": read_loans_elsewhere, "leads.csv": read_leads_table}
    if name == "outcomes.csv":
        (err,) = read_outcome_file(p).errors
    else:
        with pytest.raises(InputError) as caught:
            readers[name](p)
        err = caught.value
    assert (err.row, err.field) == (1, head.split("\n")[0].rsplit(",", 1)[1])
    assert "'５，００'" in str(err) and "50,000" in str(err)


@pytest.mark.parametrize("cell", ["Not there", "not-there", "NOT_THERE", "不在"])
def test_an_outcome_is_read_as_written_in_a_sheet_or_as_the_app_names_it(
        tmp_path: Path, cell: str) -> None:
    p = _write(tmp_path / "outcomes.csv", "county_id,plan_date,lead_id,outcome\n"
               f"qingzu,2026-11-24,B1,{cell}\n")
    assert [v["outcome"] for v in read_outcome_file(p).visits] == ["not_there"]


@pytest.mark.parametrize("cell", ["08:00~11:30;14:00-18:00", "08:00～11:30；14:00—18:00",
                                  "08:00–11:30，14:00-18:00",
                                  "０８：００－１１：３０，１４：００－１８：００",
                                  '"08:00-11:30, 14:00-18:00"'])
def test_windows_typed_with_other_dashes_and_commas_are_read(tmp_path: Path, cell: str) -> None:
    p = _write(tmp_path / "leads.csv", LEADS + f"L1,a,small_shop,35.5,115.0,{cell},\n")
    (windows,) = read_leads_table(p)["windows"]
    assert [(w.start_s, w.end_s) for w in windows] == [(8 * 3600, 11.5 * 3600),
                                                        (14 * 3600, 18 * 3600)]


@pytest.mark.parametrize("cell", ["8点-11点半;下午2点-6点", "上午8点至11点30分，14时-18时",
                                  "8-11:30;14-18", "8am-11:30am;2-6pm",
                                  "８点～１１点半、下午２点到６点"])
def test_windows_written_as_times_are_said_are_read(tmp_path: Path, cell: str) -> None:
    # how a lender says opening hours: 下午 is said once for both ends of a window
    p = _write(tmp_path / "leads.csv", LEADS + f"L1,a,small_shop,35.5,115.0,{cell},\n")
    (windows,) = read_leads_table(p)["windows"]
    assert [(w.start_s, w.end_s) for w in windows] == [(8 * 3600, 11.5 * 3600),
                                                        (14 * 3600, 18 * 3600)]


def _demo_officer() -> dict[str, str]:
    """The demo roster's first officer, column by column."""
    header, row = (ROOT / "data/qingzu/officers.csv").read_text(
        encoding="utf-8").splitlines()[:2]
    return dict(zip(header.split(","), row.split(","), strict=True))


def _officer_file(tmp_path: Path, cells: dict[str, str]) -> Path:
    return _write(tmp_path / "officers.csv", ",".join(cells) + "\n" + ",".join(cells.values())
                  + "\n")


@pytest.mark.parametrize(("start", "end"), [("8点", "下午5点半"), ("8:00", "17:30"),
                                            ("8时", "17点30分"), ("8am", "5:30pm")])
def test_a_shift_written_as_it_is_said_is_read(tmp_path: Path, start: str, end: str) -> None:
    cells = _demo_officer()
    cells.update(shift_start=start, shift_end=end)
    (o,) = read_officers(_officer_file(tmp_path, cells))
    assert (o.shift.start_s, o.shift.end_s) == (8 * 3600, 17.5 * 3600)


@pytest.mark.parametrize("cell", ["8点75", "25点", "下午", "8点-", "晚上8点-6点"])
def test_a_time_said_wrongly_is_refused_quoting_it(tmp_path: Path, cell: str) -> None:
    p = _write(tmp_path / "leads.csv", LEADS + f"L1,a,small_shop,35.5,115.0,{cell},\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert err.value.field == "windows" and repr(cell) in str(err.value)


def test_coordinates_copied_with_a_degree_sign_are_read(tmp_path: Path) -> None:
    # as a GPS or a map app shows them; full-width digits of a Chinese input method too
    p = _write(tmp_path / "leads.csv", LEADS + "L1,a,small_shop,35.5183°,115.0187° E,,\n"
               "L2,b,small_shop,３５．５１°北,115.01°东,,\n")
    t = read_leads_table(p)
    assert t[["lat", "lon"]].round(4).values.tolist() == [[35.5183, 115.0187], [35.51, 115.01]]
    cells = _demo_officer()
    lat = float(cells["start_lat"])
    cells.update(start_lat=cells["start_lat"] + "°N", start_lon=cells["start_lon"] + "°")
    (o,) = read_officers(_officer_file(tmp_path, cells))
    assert round(o.start.location.lat, 6) == round(lat, 6)
    # the southern hemisphere is no county's: refused as typed
    p = _write(tmp_path / "leads.csv", LEADS + "L1,a,small_shop,35.5183°S,115.0187,,\n")
    with pytest.raises(InputError, match="'35.5183°S'"):
        read_leads_table(p)


def test_a_window_refused_is_quoted_as_typed_with_the_expected_form(tmp_path: Path) -> None:
    # two times and no range: the full-width comma reads as ',' but the message quotes '，'
    p = _write(tmp_path / "leads.csv",
               LEADS + "L1,a,small_shop,35.5,115.0,０８：００，１１：３０,\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert (err.value.row, err.value.field) == (1, "windows")
    assert "'０８：００，１１：３０'" in str(err.value)
    assert "08:00-11:30;14:00-18:00" in str(err.value)


def test_rows_are_named_by_their_number_in_the_file_and_blank_rows_skipped(
        tmp_path: Path) -> None:
    p = _write(tmp_path / "leads.csv", LEADS + "L1,a,small_shop,35.5,115.0,,\n"
               "\n"              # row 2: an empty line
               ",,,,,,\n"        # row 3: separators only
               "L4,d,small_shop,north,115.0,,\n")
    with pytest.warns(DataWarning, match=r"row\(s\) 2, 3 are blank"), \
            pytest.raises(InputError) as err:
        read_leads_table(p)
    assert (err.value.row, err.value.field) == (4, "lat")
    assert "row 4" in str(err.value) and "L4" in str(err.value)
    good = _write(tmp_path / "good.csv", LEADS + "L1,a,small_shop,35.5,115.0,,\n\n"
                  "L3,c,small_shop,35.5,115.0,,\n")
    with pytest.warns(DataWarning, match="blank"):
        assert list(read_leads_table(good)["source_row"]) == [1, 3]


@pytest.mark.parametrize(("name", "body", "width"), [
    ("leads.csv", LEADS + "L1,a,small_shop,35.5,115.0,,\n", 7),
    ("history.csv", "lead_id,month,took_loan\nL1,2025-04,1\n", 3),
    ("loans.csv", "lead_id,month,loan_yuan\nL1,2025-04,5000\n", 3),
])
def test_rows_of_empty_cells_after_the_data_are_warned_about_in_every_file(
        tmp_path: Path, name: str, body: str, width: int) -> None:
    readers = {"leads.csv": read_leads_table, "history.csv": read_history,
               "loans.csv": read_loans}
    sep = "," * (width - 1)
    # rows 3 and 5: rows of empty cells, as a sheet exports rows whose cells were cleared;
    # rows 2, 4 and 6: empty lines (the last, a newline too many, as editors write)
    p = _write(tmp_path / name, body + "\n" + sep + "\n\n" + sep + "\n\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        readers[name](p)
    said = [str(w.message) for w in caught if "blank" in str(w.message)]
    assert len(said) == 1 and f"{p}: row(s) 3, 5 are blank; skipped" in said[0]
    assert "after the data" in said[0]
    # empty lines after the data are an editor's trailing newlines: nothing to say
    quiet = _write(tmp_path / f"quiet_{name}", body + "\n\n\r\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        readers[name](quiet)
    assert not [w for w in caught if "blank" in str(w.message)]


def test_one_visit_written_twice_is_recorded_once_or_refused_when_the_rows_disagree(
        tmp_path: Path) -> None:
    head = "county_id,plan_date,lead_id,outcome\n"
    same = _write(tmp_path / "same.csv", head + "qingzu,2026-11-24,B1,interested\n"
                  "qingzu,2026-11-25,B2,met\nqingzu,2026/11/24,B1,interested\n")
    with pytest.warns(DroppedRowWarning, match=r"row\(s\) 3 \(as row 1\)"):
        read = read_outcome_file(same)
    assert read.rows == (1, 2) and read.errors == ()
    clash = _write(tmp_path / "clash.csv", head + "qingzu,2026-11-24,B1,interested\n"
                   "qingzu,2026-11-24,B1,approved\n")
    read = read_outcome_file(clash)
    assert read.rows == (1,)
    (err,) = read.errors
    assert (err.row, err.field) == (2, "outcome")
    assert "rows 1 and 2" in err.reason and "'approved'" in err.reason


def test_contradictory_history_rows_keep_the_last_for_training_and_import(
        tmp_path: Path, store: Store, admin: Session) -> None:
    p = _write(tmp_path / "history.csv", "lead_id,month,took_loan\nB1,2025-04,0\n"
               "B2,2025-04,1\nB1,2025-4,1\nB2,2025-04,1\n")
    with pytest.warns(DroppedRowWarning, match=r"B1 2025-04: rows 1, 3.*the last"):
        history = read_history(p)
    assert list(zip(history["lead_id"], history["took_loan"], strict=True)) == [
        ("B1", 1), ("B2", 1)]
    assert history.attrs["source_rows"] == [3, 4]
    # the store keeps the last too, even of a table that still holds both
    twice = pd.DataFrame({"lead_id": ["B1", "B1"], "month": ["2025-04", "2025-04"],
                          "took_loan": [0, 1]})
    counts = store.import_history(admin, "qingzu", twice)
    assert (counts["inserted"], counts["updated"]) == (1, 0)
    assert list(store.history_frame(admin, "qingzu")["took_loan"]) == [1]


def test_officers_with_no_room_for_a_visit_and_phones_excel_rounded_are_warned(
        tmp_path: Path) -> None:
    off = _write(tmp_path / "officers.csv", OFFICERS + "O1,a,35.5,115.0,08:00,17:00,\n"
                 "O2,b,35.5,115.0,08:00,17:00,0\nO3,c,35.5,115.0,08:00,08:10,\n")
    leads = _write(tmp_path / "leads.csv", LEADS + "L1,a,small_shop,35.5,115.0,,1.38E+10\n"
                   "L2,b,small_shop,35.5,115.0,,13800000002\n")
    with pytest.warns(DataWarning, match=r"rows 1 \(L1\).*'1.38E\+10'.*lost"):
        table = read_leads_table(leads)
    assert list(table["phone"]) == ["", "13800000002"]
    county = County("c", "c", tmp_path, tmp_path, tmp_path, tmp_path, leads, off)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_idle_officers(county, table, read_officers(off))
    said = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert len(said) == 2
    assert "row 2: officer O2: max_visits is 0" in said[0]
    assert "row 3: officer O3: the shift (10 min) is shorter than the shortest visit" in said[1]


def test_a_night_shift_is_said_to_be_unsupported(tmp_path: Path) -> None:
    p = _write(tmp_path / "officers.csv", OFFICERS + "O1,a,35.5,115.0,22:00,06:00,\n")
    with pytest.raises(InputError) as err:
        read_officers(p)
    assert (err.value.row, err.value.field) == (1, "shift_end")
    assert "night shift" in str(err.value) and "not supported" in str(err.value)


@pytest.mark.parametrize("sep", [";", "；", "、", " ; "])
def test_an_officers_skills_and_localities_are_read_as_a_chinese_input_method_types_them(
        tmp_path: Path, sep: str) -> None:
    p = _write(tmp_path / "officers.csv", "officer_id,name,start_lat,start_lon,shift_start,"
               "shift_end,skills,localities\n"
               f"O1,a,35.5,115.0,08:00,17:00,sheep_farm{sep}cattle_farm,庆北村{sep}庆南村\n")
    (officer,) = read_officers(p)
    assert officer.skills == {"sheep_farm", "cattle_farm"}
    assert officer.localities == {"庆北村", "庆南村"}
