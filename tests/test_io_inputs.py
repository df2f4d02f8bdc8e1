"""Input files: every bad value is reported with its file, row and field."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.io import (
    load_county,
    read_branches,
    read_history,
    read_leads_table,
    read_officers,
    read_villages,
)
from countyreach.services.loan_files import warn_loan_rows
from countyreach.services.models import read_loans, read_loans_elsewhere
from countyreach.table_checks import known_history, warn_unmatched_skills
from propensity.planning import LOCKOUT_MONTHS


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


LEADS_HEADER = "lead_id,name,industry,village,lat,lon,windows\n"
ROOT = Path(__file__).resolve().parents[1]


def test_demo_county_manifest_reads(demo_dir: Path):
    county = load_county(demo_dir)
    assert county.county_id == "qingzu"
    assert county.roads.exists() and county.crs == "wgs84"
    officers = read_officers(county.officers)
    assert len(officers) >= 5
    assert all(o.lunch is not None for o in officers)
    villages = read_villages(county.villages)
    assert len(villages) >= 54


def test_missing_column_names_file_and_field(tmp_path: Path):
    p = _write(tmp_path / "leads.csv", "lead_id,name,lat,lon\nL1,a,35.5,115.0\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert err.value.file == str(p) and err.value.field == "industry"
    assert "industry" in str(err.value) and "leads.csv" in str(err.value)


def test_bad_number_names_row_and_field(tmp_path: Path):
    p = _write(tmp_path / "leads.csv",
               LEADS_HEADER + "L1,a,small_shop,v,35.5,115.0,\nL2,b,small_shop,v,north,115.0,\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert (err.value.row, err.value.field) == (2, "lat")
    assert "row 2" in str(err.value)


def test_out_of_range_latitude(tmp_path: Path):
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "L1,a,small_shop,v,135.5,115.0,\n")
    with pytest.raises(InputError, match="row 1.*'lat'"):
        read_leads_table(p)


@pytest.mark.parametrize("bad_id", ["1; DROP TABLE leads", "a b", "x'--", ""])
def test_sql_ish_or_empty_ids_are_rejected(tmp_path: Path, bad_id: str):
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + f'"{bad_id}",a,small_shop,v,35.5,115.0,\n')
    with pytest.raises(InputError, match="lead_id"):
        read_leads_table(p)


def test_windows_parsed_and_bad_window_named(tmp_path: Path):
    p = _write(tmp_path / "leads.csv",
               LEADS_HEADER + "L1,a,small_shop,v,35.5,115.0,08:00-11:30;14:00-18:00\n")
    t = read_leads_table(p)
    (w1, w2) = t.loc[0, "windows"]
    assert (w1.start_s, w2.end_s) == (8 * 3600, 18 * 3600)
    p = _write(tmp_path / "leads2.csv", LEADS_HEADER + "L1,a,small_shop,v,35.5,115.0,11:00-08:00\n")
    with pytest.raises(InputError, match="'windows'"):
        read_leads_table(p)


def test_a_lead_copied_word_for_word_is_read_once_with_a_warning(tmp_path: Path):
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "L1,a,small_shop,v,35.5,115.0,\n"
               "L2,b,small_shop,v,35.6,115.0,\nL1,a,small_shop,v,35.5,115.0,\n")
    with pytest.warns(DroppedRowWarning, match=r"row\(s\) 3 \(as row 1\) repeat a lead word "
                      "for word"):
        t = read_leads_table(p)
    assert list(t["lead_id"]) == ["L1", "L2"] and list(t["source_row"]) == [1, 2]


def test_a_lead_id_given_again_with_other_values_is_refused_naming_what_differs(
        tmp_path: Path):
    # which of the two rows is the business only the lender knows: keeping the first
    # would send an officer to the wrong one
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "L1,a,small_shop,v,35.5,115.0,\n"
               "L1,a,small_shop,v,35.6,115.0,\nL3,c,small_shop,v,north,115.0,\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert (err.value.row, err.value.field) == (2, "lead_id")
    assert "lead_id 'L1' repeats row 1 with another lat" in str(err.value)
    assert "row 3, field 'lat'" in str(err.value)  # the other rows' problems, in one pass


def test_an_officer_copied_word_for_word_is_read_once(tmp_path: Path):
    header, row = (ROOT / "data/qingzu/officers.csv").read_text(encoding="utf-8").splitlines()[:2]
    p = _write(tmp_path / "officers.csv", f"{header}\n{row}\n{row}\n")
    with pytest.warns(DroppedRowWarning, match="repeat an officer word for word"):
        assert len(read_officers(p)) == 1
    oid = row.split(",")[0]
    p = _write(tmp_path / "officers.csv", f"{header}\n{row}\n{row.replace(',', ',x', 1)}\n")
    with pytest.raises(InputError, match=f"officer_id '{oid}' repeats row 1 with another name"):
        read_officers(p)


def test_service_time_defaults_by_industry(tmp_path: Path):
    p = _write(tmp_path / "leads.csv", "lead_id,name,industry,lat,lon,service_min\n"
               "L1,a,sheep_farm,35.5,115.0,\nL2,b,small_shop,35.5,115.0,12\n")
    t = read_leads_table(p)
    assert list(t["service_s"]) == [35 * 60, 12 * 60]


def test_empty_officer_roster(tmp_path: Path, demo_dir: Path):
    header = (demo_dir / "officers.csv").read_text(encoding="utf-8").splitlines()[0]
    p = _write(tmp_path / "officers.csv", header + "\n")
    with pytest.raises(InputError, match="roster is empty"):
        read_officers(p)


def test_officer_shift_must_be_positive(tmp_path: Path, demo_dir: Path):
    lines = (demo_dir / "officers.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[1].replace("08:00,17:30", "17:30,08:00")
    p = _write(tmp_path / "officers.csv", "\n".join([lines[0], bad]) + "\n")
    with pytest.raises(InputError, match="row 1.*shift_end"):
        read_officers(p)


def test_gbk_file_from_a_chinese_desktop_just_works(tmp_path: Path):
    p = tmp_path / "leads.csv"
    p.write_bytes((LEADS_HEADER + "L1,王氏羊场,sheep_farm,前村,35.5,115.0,\r\n").encode("gbk"))
    table = read_leads_table(p)
    assert list(table["name"]) == ["王氏羊场"] and list(table["village"]) == ["前村"]


def test_utf8_with_bom_and_crlf_just_works(tmp_path: Path):
    p = tmp_path / "leads.csv"
    p.write_bytes(("\ufeff" + LEADS_HEADER + "L1,王氏羊场,sheep_farm,前村,35.5,115.0,\r\n")
                  .encode("utf-8"))
    assert list(read_leads_table(p)["lead_id"]) == ["L1"]


def test_manifest_with_a_bom_reads(county_copy: Path):
    manifest = county_copy / "county.json"
    manifest.write_bytes("\ufeff".encode() + manifest.read_bytes())
    assert load_county(county_copy).county_id == "qingzu"


def test_undecodable_file_is_named(tmp_path: Path):
    p = tmp_path / "leads.csv"
    p.write_bytes(LEADS_HEADER.encode() + b"L1,\xff\xff\x80,shop,v,35.5,115.0,\n")
    with pytest.raises(InputError, match=r"leads\.csv.*neither UTF-8 nor GBK"):
        read_leads_table(p)


@pytest.mark.parametrize(("start", "said"), [
    (b"PK\x03\x04", r"not a readable \.xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", r"old binary workbook \(\.xls, \.et\).*save it as "
                                         r"\.xlsx \(without a password\) or CSV UTF-8")])
def test_a_workbook_saved_as_csv_is_named_a_workbook(tmp_path: Path, start: bytes,
                                                     said: str) -> None:
    # a workbook renamed leads.csv is read as one (tests/test_workbooks.py); these bytes are
    # none that can be read: a damaged zip, or the old binary format
    p = tmp_path / "leads.csv"
    p.write_bytes(start + "纬度,经度\n".encode("gb18030") * 40)
    with pytest.raises(InputError, match=rf"leads\.csv: (file is an )?{said}"):
        read_leads_table(p)


@pytest.mark.parametrize(("column", "value"), [
    ("mobile_pay_flow_yuan", "1e300"), ("mobile_pay_flow_yuan", "-5"), ("staff", "nan"),
    ("years_operating", "300"), ("has_existing_loan", "2"),
])
def test_model_features_out_of_range_name_row_and_field(tmp_path: Path, column: str,
                                                         value: str):
    p = _write(tmp_path / "leads.csv", f"lead_id,name,industry,lat,lon,{column}\n"
               f"L1,a,small_shop,35.5,115.0,1\nL2,b,small_shop,35.5,115.0,{value}\n")
    with pytest.raises(InputError, match=rf"row 2.*{column}"):
        read_leads_table(p)


def test_history_is_validated_with_file_row_and_field(tmp_path: Path):
    p = _write(tmp_path / "history.csv", "lead_id,month,took_loan,loan_yuan\n"
               "B1,2025-01,1,30000\nB2,2025-13,0,0\n")
    with pytest.raises(InputError, match=r"history\.csv, row 2, field 'month'"):
        read_history(p)
    p = _write(tmp_path / "history.csv", "lead_id,month,took_loan,loan_yuan\n"
               "B1,2025-01,1,-30000\n")
    with pytest.raises(InputError, match=r"row 1, field 'loan_yuan'"):
        read_history(p)
    empty = _write(tmp_path / "empty.csv", "lead_id,month,took_loan\n")
    with pytest.raises(InputError, match="no rows"):
        read_history(empty)


def test_the_demo_declares_its_loan_rule_and_a_manifest_without_one_gets_the_default(
        demo_dir: Path, county_copy: Path):
    # the demo's history follows the officers' one-year rule, and its manifest says so
    assert load_county(demo_dir).loan_rule_months == 12
    manifest = county_copy / "county.json"
    d = json.loads(manifest.read_text(encoding="utf-8"))
    del d["loan_rule_months"]
    manifest.write_text(json.dumps(d), encoding="utf-8")
    assert load_county(county_copy).loan_rule_months == LOCKOUT_MONTHS
    d["loan_rule_months"] = "9"  # a number typed as text in the JSON
    manifest.write_text(json.dumps(d), encoding="utf-8")
    assert load_county(county_copy).loan_rule_months == 9


@pytest.mark.parametrize("value", [-1, 61, 6.5, "six", True, None, "365"])
def test_a_bad_loan_rule_names_manifest_and_field(county_copy: Path, value: object):
    manifest = county_copy / "county.json"
    d = json.loads(manifest.read_text(encoding="utf-8"))
    d["loan_rule_months"] = value
    manifest.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(InputError, match="whole months from 0 to 60") as err:
        load_county(county_copy)
    assert err.value.file == str(manifest) and err.value.field == "loan_rule_months"


def test_manifest_names_missing_file(county_copy: Path):
    (county_copy / "leads.csv").unlink(missing_ok=True)
    with pytest.raises(InputError, match="'leads'"):
        load_county(county_copy)


def test_no_warnings_on_clean_demo_files(demo_dir: Path):
    """Every file of the demo county reads without a single warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        county = load_county(demo_dir)
        officers = read_officers(county.officers)
        villages = read_villages(county.villages, crs=county.crs)
        branches = read_branches(county.branches, crs=county.crs)
        leads = read_leads_table(county.leads, crs=county.crs)
        history = read_history(county.root / "history.csv")
        loans = read_loans(county.root / "loans.csv")
        elsewhere = read_loans_elsewhere(county.root / "loans_elsewhere.csv")
        # nor do the checks across the files
        assert len(known_history(county.root / "history.csv", history, leads)) == len(history)
        warn_unmatched_skills(county, leads, officers, villages)
        warn_loan_rows(county.root, loans, elsewhere, lead_ids=leads["lead_id"],
                       month="2026-11")
    read = {county.officers.name, county.villages.name, county.branches.name,
            county.leads.name, "history.csv", "loans.csv", "loans_elsewhere.csv",
            "county.json"}
    on_disk = {p.name for p in demo_dir.iterdir() if p.suffix in {".csv", ".json"}}
    assert on_disk <= read, f"demo files no test reads: {on_disk - read}"
    assert len(officers) >= 5 and len(villages) > 0 and len(branches) > 0
    assert len(leads) > 0 and len(history) > 0
    assert loans is not None and len(loans) > 0
    assert elsewhere is not None and len(elsewhere) > 0


@pytest.mark.parametrize(("value", "expected"), [("12", 12), ("12.0", 12), ("", None)])
def test_counts_are_whole_numbers(tmp_path: Path, demo_dir: Path, value: str,
                                  expected: int | None):
    lines = (demo_dir / "officers.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",240,12,", f",240,{value},")
    p = _write(tmp_path / "officers.csv", "\n".join(lines) + "\n")
    assert read_officers(p)[0].max_visits == expected


def test_a_fractional_count_is_refused_naming_row_and_field(tmp_path: Path, demo_dir: Path):
    lines = (demo_dir / "officers.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",240,12,", ",240,12.5,")
    p = _write(tmp_path / "officers.csv", "\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"row 1, field 'max_visits': expected a whole number"):
        read_officers(p)


def test_skills_and_localities_that_match_nothing_are_warned_about(demo_dir: Path):
    """A typo in a skill or a village would leave the officer idle when they are enforced."""
    county = load_county(demo_dir)
    leads = read_leads_table(county.leads, crs=county.crs)
    villages = read_villages(county.villages, crs=county.crs)
    o = read_officers(county.officers)[0]
    odd = replace(o, skills=o.skills | {"sheep_farms"}, localities=o.localities | {"庆北庄"})
    with pytest.warns(DataWarning) as caught:
        warn_unmatched_skills(county, leads, [odd], villages)
    assert [str(w.message) for w in caught] == [
        f"{county.officers}: officer {o.officer_id}'s skills 'sheep_farms' match no lead's "
        "industry",
        f"{county.officers}: officer {o.officer_id}'s localities '庆北庄' match no village"]


def test_an_industry_the_model_does_not_know_is_kept_and_named_once(tmp_path: Path):
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "L1,a,tea_farm,v,35.5,115.0,\n"
               "L2,b,tea_farm,v,35.5,115.0,\nL3,c,sheep_farm,v,35.5,115.0,\n")
    with pytest.warns(DataWarning, match=r"'tea_farm' \(2 rows: 1, 2\)") as seen:
        table = read_leads_table(p)
    assert len([w for w in seen if issubclass(w.category, DataWarning)]) == 1
    assert list(table["industry"]) == ["tea_farm", "tea_farm", "sheep_farm"]


def test_every_bad_row_of_a_file_is_named_in_one_error(tmp_path: Path):
    rows = ["L1,a,small_shop,v,35.5,115.0,",
            "L2,b,small_shop,v,north,115.0,",       # bad lat
            "L3,c,small_shop,v,35.5,115.0,9h-11h",  # bad window
            "L4,d,small_shop,v,35.5,,"]             # missing lon
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    # located at the first bad row, as before; the others listed, each with its field
    assert (err.value.row, err.value.field) == (2, "lat")
    text = str(err.value)
    assert "2 more row(s)" in text
    assert "row 3, field 'windows'" in text and "row 4, field 'lon'" in text


def test_a_long_list_of_bad_rows_is_cut_and_counted(tmp_path: Path):
    rows = [f"L{i},a,small_shop,v,north,115.0," for i in range(1, 31)]
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    text = str(err.value)
    assert "29 more row(s)" in text and "row 20, field 'lat'" in text
    assert "row 21," not in text and "and 10 more" in text


def test_every_bad_officer_row_is_named(tmp_path: Path, demo_dir: Path):
    lines = (demo_dir / "officers.csv").read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0].split(","), lines[1].split(","), lines[2].split(",")
    first[header.index("shift_start")] = "8h"
    second[header.index("start_lat")] = "north"
    p = _write(tmp_path / "officers.csv",
               "\n".join([lines[0], ",".join(first), ",".join(second)]) + "\n")
    with pytest.raises(InputError) as err:
        read_officers(p)
    assert (err.value.row, err.value.field) == (1, "shift_start")
    assert "row 2, field 'start_lat'" in str(err.value)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_lead_table_is_converted_to_wgs84_like_each_point_alone(demo_dir: Path, crs: str):
    from countyreach.csvio import to_wgs84

    raw = pd.read_csv(demo_dir / "leads.csv", dtype=str)
    table = read_leads_table(demo_dir / "leads.csv", crs=crs)
    for i in (0, len(raw) // 2, len(raw) - 1):
        lat, lon = to_wgs84(float(raw["lat"][i]), float(raw["lon"][i]), crs)
        assert table["lat"][i] == pytest.approx(lat, abs=1e-9)
        assert table["lon"][i] == pytest.approx(lon, abs=1e-9)
        assert abs(table["lat"][i] - float(raw["lat"][i])) > 1e-4  # it did move


def test_spaces_around_an_id_are_a_spreadsheets_noise_in_every_file(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("lead_id,month,took_loan\nB0026 ,2024-11 , 1\n", encoding="utf-8")
    loans = tmp_path / "loans.csv"
    loans.write_text("lead_id,month,loan_yuan\n B0026,2024-11,30000\n", encoding="utf-8")
    assert read_history(history)[["lead_id", "month"]].values.tolist() == [["B0026", "2024-11"]]
    book = read_loans(loans)
    assert book is not None and list(book["lead_id"]) == ["B0026"]


def test_a_window_shorter_than_its_visit_is_said_to_run_past_its_end(tmp_path: Path) -> None:
    leads = _write(tmp_path / "leads.csv", LEADS_HEADER.replace("windows", "windows,service_min")
                   + "B1,x,sheep_farm,v,35.41,115.02,12:40-12:50,35\n"
                   + "B2,y,sheep_farm,v,35.41,115.02,09:00-11:00,35\n")
    with pytest.warns(DataWarning, match=r"1 lead\(s\) have windows shorter than their visit "
                                         r"\(rows 1, e\.g\. 12:40-12:50\)"):
        read_leads_table(leads)


def test_full_width_numbers_read_as_typed_in_every_file(tmp_path: Path,
                                                       demo_dir: Path) -> None:
    # a Chinese input method types "３５．１" and "０８：００"; names keep their full-width brackets
    leads = _write(tmp_path / "leads.csv", LEADS_HEADER.replace("windows", "windows,staff")
                   + "B1,（张）氏羊场,sheep_farm,庆祖镇,３５．４１,１１５．０２,"
                   "０９：００－１１：３０；１４：００－１７：００,１２\n")
    table = read_leads_table(leads)
    assert table.loc[0, "name"] == "（张）氏羊场"
    assert (float(table.loc[0, "lat"]), float(table.loc[0, "lon"])) == (35.41, 115.02)
    assert float(table.loc[0, "staff"]) == 12
    assert [(w.start_s, w.end_s) for w in table.loc[0, "windows"]] == [
        (9 * 3600, 11.5 * 3600), (14 * 3600, 17 * 3600)]
    roster = pd.read_csv(demo_dir / "officers.csv", dtype=str, keep_default_na=False)
    roster.loc[0, "shift_start"] = "０７：３０"
    roster.to_csv(tmp_path / "officers.csv", index=False)
    assert read_officers(tmp_path / "officers.csv")[0].shift.start_s == 7.5 * 3600
    history = _write(tmp_path / "history.csv",
                     "lead_id,month,took_loan,loan_yuan\nB1,２０２４－１１,１,３００００\n")
    got = read_history(history)
    assert got.loc[0, "month"] == "2024-11" and got.loc[0, "loan_yuan"] == 30000


def test_a_row_with_lat_and_lon_swapped_is_said_to_look_swapped(demo_dir: Path,
                                                                 tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[4, ["lat", "lon"]] = [df.loc[4, "lon"], df.loc[4, "lat"]]
    df.to_csv(tmp_path / "leads.csv", index=False)
    with pytest.raises(InputError) as err:
        read_leads_table(tmp_path / "leads.csv")
    assert (err.value.row, err.value.field) == (5, "lat")
    assert "are lat and lon swapped?" in str(err.value)


def test_a_morning_or_afternoon_shift_clear_of_the_lunch_window_loads(demo_dir: Path,
                                                                      tmp_path: Path) -> None:
    # the roster's lunch columns are the county's; a half-day officer owes no lunch
    df = pd.read_csv(demo_dir / "officers.csv", dtype=str, keep_default_na=False)
    df.loc[0, "shift_end"] = "11:00"
    df.loc[1, ["shift_start", "shift_end"]] = ["14:00", "18:00"]
    df.to_csv(tmp_path / "officers.csv", index=False)
    morning, afternoon = read_officers(tmp_path / "officers.csv")[:2]
    assert morning.lunch is not None and not morning.owes_lunch(morning.shift.start_s,
                                                                 morning.shift.end_s)
    assert afternoon.lunch is not None and not afternoon.owes_lunch(afternoon.shift.start_s,
                                                                    afternoon.shift.end_s)
