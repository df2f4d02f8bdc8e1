"""Row-by-row validation behind the store's imports (reuses countyreach.io's readers)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import InputError
from countyreach.io import read_leads_table
from countyreach.store import validate_lead_rows, validate_officer_rows


def test_clean_file_matches_the_io_reader(demo_dir: Path) -> None:
    v = validate_lead_rows(demo_dir / "leads.csv")
    table = read_leads_table(demo_dir / "leads.csv")
    assert [r["lead_id"] for _, r in v.records] == list(table["lead_id"])
    assert not v.rejected
    rec = dict(v.records[0][1])
    assert rec["extra"]["years_operating"] == "14" and "service_s" not in rec["extra"]


def test_bad_rows_across_chunks_are_each_reported(demo_dir: Path, tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[4, "lon"] = "abc"             # row 5
    df.loc[299, "windows"] = "25:00-26"  # row 300, second chunk
    df.loc[389, "lead_id"] = "x' OR 1=1"  # row 390
    df.loc[390, "staff"] = "\x1b[2J"     # row 391: control characters in a feature column
    df.to_csv(tmp_path / "leads.csv", index=False)
    v = validate_lead_rows(tmp_path / "leads.csv")
    assert [(r.row, r.field) for r in v.rejected] == [(5, "lon"), (300, "windows"),
                                                      (390, "lead_id"), (391, "staff")]
    assert len(v.records) == 396
    assert [row for row, _ in v.records][:5] == [1, 2, 3, 4, 6]
    assert all(r.message for r in v.rejected)
    # each row rejected with its own reason, not the list of the file's other bad rows
    assert all("\n" not in r.message for r in v.rejected)


def test_gcj02_file_is_converted_like_io_does(demo_dir: Path) -> None:
    a = validate_lead_rows(demo_dir / "leads.csv", crs="gcj02").records[0][1]
    b = read_leads_table(demo_dir / "leads.csv", crs="gcj02").iloc[0]
    assert (a["lat"], a["lon"]) == pytest.approx((b["lat"], b["lon"]))


def test_officer_roster_rows(demo_dir: Path, tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "officers.csv", dtype=str, keep_default_na=False)
    df.loc[1, "shift_end"] = "07:00"
    # row 7 gives O01's id to another person; row 8 is O01's row pasted again (read once)
    df = pd.concat([df, df.iloc[[0]].assign(name="另一人"), df.iloc[[0]]])
    df.to_csv(tmp_path / "officers.csv", index=False)
    v = validate_officer_rows(tmp_path / "officers.csv")
    assert [(r.row, r.field) for r in v.rejected] == [(2, "shift_end"), (7, "officer_id")]
    assert "repeats row 1 with another name" in v.rejected[1].message
    assert [o.officer_id for _, o in v.records] == ["O01", "O03", "O04", "O05", "O06"]


def test_file_problems_raise(tmp_path: Path) -> None:
    """Problems of the whole file raise (naming the file) instead of rejecting rows."""
    (tmp_path / "gbk.csv").write_bytes(b"lead_id,name\n" + "庆祖".encode("gbk"))
    with pytest.raises(InputError, match="missing required column") as err:
        validate_lead_rows(tmp_path / "gbk.csv")  # GBK is read; the columns are missing
    assert err.value.row is None and err.value.file == str(tmp_path / "gbk.csv")
    (tmp_path / "binary.csv").write_bytes(b"lead_id,name,industry,lat,lon\nB1,\xff\xff,x,1,2\n")
    with pytest.raises(InputError, match="UTF-8") as err:
        validate_lead_rows(tmp_path / "binary.csv")
    assert err.value.row is None
