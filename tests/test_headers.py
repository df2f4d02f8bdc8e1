"""A lender's files with Chinese headers (客户编号, 纬度 …) or headers such as ``Lead ID`` read as
the columns they name: the same county plans and imports whichever way its header is written,
and a header naming a column twice is refused naming both."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.headers import TABLE_HEADERS, ZH_HEADERS, canonical_header, zh_header
from countyreach.io import read_leads_table, read_officers
from countyreach.localize import localize


@pytest.mark.parametrize(("typed", "column"), [
    ("纬度", "lat"), (" 经度 ", "lon"), ("客户编号", "lead_id"), ("Lead ID", "lead_id"),
    ("LAT", "lat"), ("拜访时长(分钟)", "service_min"), ("拜访时长（分钟）", "service_min"),
    ("出发地 纬度", "start_lat"), ("years_operating", "years_operating"),
    ("自有特征", "自有特征"), ("Revenue Band", "revenue_band")])
def test_a_header_reads_as_the_column_it_names(typed: str, column: str) -> None:
    assert canonical_header(typed) == column


def test_no_chinese_header_names_two_columns() -> None:
    names = [zh for col in ZH_HEADERS for zh in ZH_HEADERS[col]]
    assert len(names) == len(set(names))
    assert zh_header("lat") == "纬度" and zh_header("osm_id") is None


def _in_chinese(src: Path, dst: Path) -> Path:
    """``src`` written with the documented Chinese header of each column that has one."""
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df.columns = [zh_header(c) or c for c in df.columns]
    df.to_csv(dst, index=False, encoding="utf-8-sig")  # as Excel saves "CSV UTF-8"
    return dst


def test_leads_and_officers_with_chinese_headers_read_as_the_english_ones(
        demo_dir: Path, tmp_path: Path) -> None:
    leads = _in_chinese(demo_dir / "leads.csv", tmp_path / "leads.csv")
    assert "纬度" in leads.read_text(encoding="utf-8-sig").splitlines()[0]
    pd.testing.assert_frame_equal(read_leads_table(leads),
                                  read_leads_table(demo_dir / "leads.csv"))
    officers = _in_chinese(demo_dir / "officers.csv", tmp_path / "officers.csv")
    assert read_officers(officers) == read_officers(demo_dir / "officers.csv")


def test_a_header_naming_a_column_twice_is_refused_naming_both(demo_dir: Path,
                                                             tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False)
    df.insert(5, "纬度", df["lat"])
    df.to_csv(tmp_path / "leads.csv", index=False)
    with pytest.raises(InputError, match=r"names column 'lat' twice \(as 'lat' and '纬度'\)"):
        read_leads_table(tmp_path / "leads.csv")


def test_a_missing_column_names_its_chinese_header(demo_dir: Path, tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False)
    df.drop(columns=["lat"]).rename(columns={"lon": "经度"}).to_csv(tmp_path / "leads.csv",
                                                                   index=False)
    with pytest.raises(InputError, match=r"Chinese headers are read too: 纬度 \(lat\)") as exc:
        read_leads_table(tmp_path / "leads.csv")
    said = localize(exc.value.reason, "zh")
    assert said.startswith("缺少必需的列 ['lat']")
    assert said.endswith("（也可用中文列名：纬度 (lat)）")


def test_a_county_in_chinese_headers_is_imported_and_planned(
        county_copy: Path, cli_store: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("leads", "officers", "branches", "history", "loans", "villages"):
        _in_chinese(county_copy / f"{name}.csv", county_copy / f"{name}.csv")
    assert main(["-q", "county", "import", str(county_copy)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    code = main(["-q", "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1",
                 "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "no violations" in out and "visits" in out


def test_an_officers_file_reads_xingming_as_the_officers_name(demo_dir: Path,
                                                              tmp_path: Path) -> None:
    """A roster names people: its 姓名 is the officer's name (a lender's staff list is
    headed so), and a roster missing it says so in the roster's own words."""
    df = pd.read_csv(demo_dir / "officers.csv", dtype=str, keep_default_na=False)
    _in_chinese(demo_dir / "officers.csv", tmp_path / "chinese.csv")
    zh = pd.read_csv(tmp_path / "chinese.csv", dtype=str, keep_default_na=False)
    zh.rename(columns={"名称": "姓名"}).to_csv(tmp_path / "officers.csv", index=False)
    assert read_officers(tmp_path / "officers.csv") == read_officers(demo_dir / "officers.csv")
    df.rename(columns={"name": " 客户经理姓名 "}).to_csv(tmp_path / "staff.csv", index=False)
    assert read_officers(tmp_path / "staff.csv") == read_officers(demo_dir / "officers.csv")
    df.drop(columns=["name"]).to_csv(tmp_path / "nameless.csv", index=False)
    with pytest.raises(InputError, match=r"Chinese headers are read too: 姓名 \(name\)"):
        read_officers(tmp_path / "nameless.csv")
    # two missing columns: their Chinese headers listed with 、 in Chinese
    df.drop(columns=["name", "shift_end"]).to_csv(tmp_path / "two.csv", index=False)
    with pytest.raises(InputError) as two:
        read_officers(tmp_path / "two.csv")
    assert localize(two.value.reason, "zh").endswith(
        "（也可用中文列名：姓名 (name)、下班时间 (shift_end)）")
    assert canonical_header("姓名", "officers") == "name" and canonical_header("姓名") == "姓名"


def test_a_leads_file_keeps_xingming_beside_its_mingcheng(demo_dir: Path,
                                                         tmp_path: Path) -> None:
    """In a leads file 姓名 is the owner's name, not the business's: 名称 stays the name and
    姓名 a column of its own."""
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False)
    owners = [f"王{i}" for i in range(len(df))]
    df.rename(columns={"name": "名称"}).assign(姓名=owners).to_csv(tmp_path / "leads.csv",
                                                                 index=False)
    read = read_leads_table(tmp_path / "leads.csv")
    assert list(read["name"]) == list(df["name"]) and list(read["姓名"]) == owners
    # a leads file headed 姓名 alone names no business: refused as before, naming 名称
    df.rename(columns={"name": "姓名"}).to_csv(tmp_path / "owners.csv", index=False)
    with pytest.raises(InputError, match=r"missing required column\(s\) \['name'\].*名称 \(name\)"):
        read_leads_table(tmp_path / "owners.csv")


def test_no_header_of_a_kind_of_file_names_another_column_everywhere() -> None:
    """A file's own header reads as one column in it, never as a different column of every
    file (the kinds' headers come first)."""
    for table, columns in TABLE_HEADERS.items():
        for column, names in columns.items():
            for zh in names:
                assert canonical_header(zh) in (zh, column), (table, zh)
                assert canonical_header(zh, table) == column
