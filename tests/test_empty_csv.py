"""An empty table (0 bytes, or nothing but spaces and line ends, as a sheet saved before it
was filled in) is refused with the project's own message naming the file, in the user's
language: never pandas' "No columns to parse from file", nor a missing-columns message
listing a column named ``''``."""

from __future__ import annotations

from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.localize import error_text
from countyreach.services.outcome_files import read_outcome_file

DATE = "2026-11-24"
#: What an empty sheet's CSV may hold: nothing, blank lines and spaces, a UTF-8 mark.
EMPTY = (b"", b"  \r\n\n\t \n", b"\xef\xbb\xbf\r\n")
#: Every table of a county folder the plan reads.
TABLES = ("leads.csv", "officers.csv", "villages.csv", "branches.csv", "history.csv",
          "loans.csv", "loans_elsewhere.csv")


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_empty_table_is_named_and_nothing_is_written(
        name: str, lang: str, county_copy: Path, cache_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert (county_copy / name).exists()
    (county_copy / name).write_bytes(EMPTY[(TABLES.index(name) + len(lang)) % len(EMPTY)])
    out = tmp_path / "out"
    code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date",
                 DATE, "--time-limit", "1", "--out", str(out), "--lang", lang])
    err = capsys.readouterr().err
    assert code == 2, err
    said = ("empty file: no header row and no data rows" if lang == "en" else
            "空文件：没有表头，也没有数据行")
    assert str(county_copy / name) in err and said in err, err
    assert "No columns" not in err and "['']" not in err, err
    assert not out.exists()


@pytest.mark.parametrize("data", EMPTY)
def test_an_empty_outcomes_file_is_named(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_outcome_file(path)
    assert caught.value.file == str(path)
    assert error_text(caught.value, "zh") == (f"文件 {path}：空文件：没有表头，也没有数据行"
                                              "（表格是否在填写之前就保存了？）")


def test_blank_lines_above_the_header_are_named_as_such(tmp_path: Path) -> None:
    """Not an empty file, nor pandas' "No columns to parse": the header is not first."""
    path = tmp_path / "outcomes.csv"
    path.write_text("\n\nlead_id,date\nL1,2026-11-24\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_outcome_file(path)
    assert str(caught.value) == (f"file {path}: the first line is blank: the header must be "
                                 "the first line (delete the blank lines above it)")
    assert error_text(caught.value, "zh") == (f"文件 {path}：第一行是空行：表头必须在第一行"
                                              "（请删除表头上方的空行）")
