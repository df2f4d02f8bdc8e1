"""Input warnings and errors in Chinese under ``--lang zh``: the store's warnings kept with a
stored county's plan, and every row ``outcomes import`` refuses, through the catalogue."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.i18n import has_cjk
from countyreach.localize import error_text, localize, note_text


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_outcomes_import_errors_and_warnings_are_chinese_under_lang_zh(
        cli_store: str, county_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "county", "import", str(county_copy))[0] == 0
    bad = tmp_path / "outcomes.csv"
    bad.write_text("county_id,plan_date,lead_id,outcome,amount_yuan,consent\n"
                   "qingzu,2026-11-24,B0001,met,,\n"
                   "qingzu,2099-01-05,B0002,met,,\n"
                   "qingzu,2026-13-01,B0003,met,,\n"
                   "qingzu,2026-11-24,B0004,maybe,,\n"
                   'qingzu,2026-11-24,B0005,approved,"5,00",\n'
                   "qingzu,2026-11-24,B0006,met,,perhaps\n"
                   "other,2026-11-24,B0007,met,,\n", encoding="utf-8")
    code, _, err = run(capsys, "outcomes", "import", str(bad), "--lang", "zh")
    assert code == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == (f"countyreach: 错误：文件 {bad}，第 1 行，字段 'lead_id'：客户 B0001 "
                        "不在 2026-11-24 任何已发布的路线上")
    assert lines[1] == f"{bad} 另有 6 行也有错误："
    for line in lines[2:]:
        # each row in Chinese, its lead named; only ids, fields and cells as typed in ASCII
        assert line.startswith("  第 ") and "（客户编号 B000" in line
        assert "expected" not in line and " got " not in line and "row " not in line
    assert "尚未发生（今天是 " in err and "不是有效的日期：'2026-13-01'" in err
    assert "未知的县 'other'" in err and "实际为 'perhaps'" in err
    # the default stays English, word for word as before
    code, _, err = run(capsys, "outcomes", "import", str(bad))
    assert code == 2 and err.startswith(f"countyreach: error: file {bad}, row 1, field "
                                        "'lead_id': lead B0001 is not on any published route")
    assert not has_cjk(err.replace("50000元 or 5万", ""))


def test_a_stored_countys_warnings_are_chinese_under_lang_zh(
        cli_store: str, county_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[6, ["lat", "lon"]] = ["36.4", "116.2"]  # B0007, ~135 km away: skipped
    df.loc[9, "pinned_officer_id"] = "O03"  # B0010 booked with an officer not working
    df.to_csv(county_copy / "leads.csv", index=False)
    assert run(capsys, "county", "import", str(county_copy))[0] == 0
    code, _, err = run(capsys, "score", "qingzu", "--date", "2026-11-24", "--top", "1",
                       "--lang", "zh")
    assert code == 0
    assert "countyreach: 警告：县 qingzu（系统库）：客户 B0007 位于县路网外 " in err
    code, out, err = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--officers",
                         "O01,O02", "--time-limit", "1", "--lang", "zh")
    assert code == 0, out + err
    assert "客户 B0010 指定给 O03，但 O03 在 2026-11-24 不上班" in err
    assert "warning" not in err and "lies" not in err


def test_a_message_no_template_matches_is_shown_as_written() -> None:
    from countyreach.errors import InputError

    text = "a check nobody has translated yet"
    assert localize(text, "zh") == text
    assert note_text(f"/data/leads.csv: row 3: {text}", "zh") == \
        f"/data/leads.csv，第 3 行：{text}"
    exc = InputError("expected yes/no, got 'x'", file="f.csv", row=2, field="consent")
    assert error_text(exc, "zh") == \
        "文件 f.csv，第 2 行，字段 'consent'：应为 yes/no（是/否），实际为 'x'"
    assert error_text(exc, "en") == str(exc)
