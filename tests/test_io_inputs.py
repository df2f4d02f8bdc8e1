"""Input files: every bad value is reported with its file, row and field."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import DroppedRowWarning, InputError
from countyreach.io import load_county, read_leads_table, read_officers, read_villages


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


LEADS_HEADER = "lead_id,name,industry,village,lat,lon,windows\n"


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
               LEADS_HEADER + "L1,a,shop,v,35.5,115.0,\nL2,b,shop,v,north,115.0,\n")
    with pytest.raises(InputError) as err:
        read_leads_table(p)
    assert (err.value.row, err.value.field) == (2, "lat")
    assert "row 2" in str(err.value)


def test_out_of_range_latitude(tmp_path: Path):
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + "L1,a,shop,v,135.5,115.0,\n")
    with pytest.raises(InputError, match="row 1.*'lat'"):
        read_leads_table(p)


@pytest.mark.parametrize("bad_id", ["1; DROP TABLE leads", "a b", "x'--", ""])
def test_sql_ish_or_empty_ids_are_rejected(tmp_path: Path, bad_id: str):
    p = _write(tmp_path / "leads.csv", LEADS_HEADER + f'"{bad_id}",a,shop,v,35.5,115.0,\n')
    with pytest.raises(InputError, match="lead_id"):
        read_leads_table(p)


def test_windows_parsed_and_bad_window_named(tmp_path: Path):
    p = _write(tmp_path / "leads.csv",
               LEADS_HEADER + "L1,a,shop,v,35.5,115.0,08:00-11:30;14:00-18:00\n")
    t = read_leads_table(p)
    (w1, w2) = t.loc[0, "windows"]
    assert (w1.start_s, w2.end_s) == (8 * 3600, 18 * 3600)
    p = _write(tmp_path / "leads2.csv", LEADS_HEADER + "L1,a,shop,v,35.5,115.0,11:00-08:00\n")
    with pytest.raises(InputError, match="'windows'"):
        read_leads_table(p)


def test_duplicate_lead_is_warned_and_skipped(tmp_path: Path):
    p = _write(tmp_path / "leads.csv",
               LEADS_HEADER + "L1,a,shop,v,35.5,115.0,\nL1,b,shop,v,35.6,115.0,\n")
    with pytest.warns(DroppedRowWarning, match="repeats row 1"):
        t = read_leads_table(p)
    assert list(t["name"]) == ["a"]


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


def test_not_utf8_file_is_named(tmp_path: Path):
    p = tmp_path / "leads.csv"
    p.write_bytes(LEADS_HEADER.encode() + "L1,王,shop,v,35.5,115.0,\n".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        read_leads_table(p)


def test_manifest_names_missing_file(county_copy: Path):
    (county_copy / "leads.csv").unlink(missing_ok=True)
    with pytest.raises(InputError, match="'leads'"):
        load_county(county_copy)


def test_no_warnings_on_clean_demo_files(demo_dir: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_officers(demo_dir / "officers.csv")
    assert isinstance(read_villages(demo_dir / "villages.csv"), pd.DataFrame)
