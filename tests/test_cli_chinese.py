"""The command line under ``--lang zh``, as a Chinese user meets it: a county folder with the
usual mistakes warns in Chinese with its files, rows and ids as typed, the plan's summary is
Chinese, and every kind of error (a bad cell, a bad option, another command's) is Chinese.
English stays the default, word for word."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.i18n import has_cjk, t
from countyreach.localize import note_text

DATE = "2026-11-24"
#: Two English words in a row: prose a Chinese user would read in English.
ENGLISH = re.compile(r"[a-z]{2,}[ ,;:']+[a-z]{2,}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _english_lines(text: str) -> list[str]:
    # a command to run (`countyreach synth ...`) is typed as written in any language
    return [ln for ln in text.splitlines() if ENGLISH.search(re.sub(r"`[^`]*`", "", ln))]


def _break(county: Path) -> None:
    """The mistakes of a first county folder, each a warning rather than an error."""
    leads = pd.read_csv(county / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[2, "industry"] = "abacus_repair"  # row 3: an industry the model never saw
    leads.loc[3, "windows"] = "09:00-09:10"  # row 4: shorter than a visit
    leads.loc[4, "phone"] = "1.38E+10"  # row 5: a phone Excel turned into a number
    leads.to_csv(county / "leads.csv", index=False)
    history = pd.read_csv(county / "history.csv", dtype=str, keep_default_na=False)
    again = history.iloc[[0]].assign(took_loan="0", loan_yuan="0.0")  # disagrees with row 1
    pd.concat([history, again]).to_csv(county / "history.csv", index=False)
    officers = pd.read_csv(county / "officers.csv", dtype=str, keep_default_na=False)
    # ~200 m north of the county's northernmost road: snapped to it
    officers.loc[0, ["start_lat", "start_lon"]] = ["35.6197", "114.9524488"]
    officers.to_csv(county / "officers.csv", index=False)


def test_a_county_with_mistakes_is_planned_in_chinese(
        county_copy: Path, cache_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _break(county_copy)
    argv = ("--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", DATE,
            "--time-limit", "1", "--out", str(tmp_path / "out"))
    code, out, err = run(capsys, *argv, "--lang", "zh")
    assert code == 0, err
    leads, officers = county_copy / "leads.csv", county_copy / "officers.csv"
    assert (f"countyreach: 警告：{leads}：客户评分模型不认识以下行业，按“其他”评分"
            "（路线安排和技能匹配仍按原写法使用）：'abacus_repair'（1 行：第 3 行）") in err
    assert f"{leads}：1 个客户的可拜访时段短于一次拜访所需时间（行号 4，如 09:00-09:10）" in err
    assert (f"{leads}：1 个电话号码被 Excel 存成了科学计数法（行号 5（B0005），"
            "如 '1.38E+10'）") in err
    assert "个客户在同一月份有内容不一致的多行记录（B0004 2024-11：第 1、961 行）" in err
    assert re.search(rf"{re.escape(str(officers))}，第 1 行：客户经理 O01 的出发地点位于路网外 "
                     r"[\d,]+ 米；已移到最近的道路上", err), err
    assert not _english_lines(err), err
    # the summary: words from the catalogue, ids, names, numbers and file names as they are
    assert out.startswith(f"计划 {DATE}  状态：") and "客户经理" in out and "合计" in out
    assert "未安排的客户：" in out and "价值依据：" in out and "输入警告：5 条" in out
    assert f"校验：未发现违规。已写入 9 个文件到 {tmp_path / 'out'}/" in out
    assert not _english_lines(out.replace("ortools", "")), out
    plan = tmp_path / "out" / "plan.json"
    assert run(capsys, "check", str(plan), "--lang", "zh")[1].startswith(
        f"通过：{plan} 没有违规（6 条路线，")
    # the plan file keeps its warnings in English (one record, read in either language)
    code, out_en, err_en = run(capsys, *argv)
    assert code == 0 and not has_cjk(err_en)
    assert f"{officers}: row 1: officer O01's start lies " in err_en
    assert out_en.startswith(f"Plan {DATE}  status: ") and "Leads left out: " in out_en


@pytest.mark.parametrize("argv,expected", [
    # a bad option of plan, of score, and of commands that had no --lang before
    (("plan", "{county}", "--date", DATE, "--officers", "O99", "--out", "{out}"),
     "未知的客户经理 O99（本县名单：O01, O02, O03, O04, O05, O06）"),
    (("score", "{county}", "--date", DATE, "--top", "0"), "--top 至少为 1，实际为 0"),
    (("synth", "{county}"), "已存在；synth 会覆盖它（如要替换为合成数据，请加 --force）"),
    (("plan-many", "{county}", "--date", DATE, "--workers", "0", "--out", "{out}"),
     "--workers 至少为 1"),
])
def test_other_commands_errors_are_chinese(
        argv: tuple[str, ...], expected: str, county_copy: Path, cache_dir: Path,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [a.format(county=county_copy, out=tmp_path / "out") for a in argv]
    code, _, err = run(capsys, "--cache-dir", str(cache_dir), *args, "--lang", "zh")
    assert code == 2, err
    assert err.startswith("countyreach: 错误：") and expected in err, err
    assert not _english_lines(err), err


def test_a_bad_cell_names_its_file_row_and_lead_in_chinese(
        county_copy: Path, cache_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    leads = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[2, "lat"] = "north"
    leads.loc[5, "windows"] = "08:00-10:00;09:00-11:00"
    leads.to_csv(county_copy / "leads.csv", index=False)
    code, _, err = run(capsys, "--cache-dir", str(cache_dir), "plan", str(county_copy),
                       "--date", DATE, "--out", str(tmp_path / "out"), "--lang", "zh")
    assert code == 2
    assert (f"countyreach: 错误：文件 {county_copy / 'leads.csv'}，第 3 行，字段 'lat'："
            "应为数字，实际为 'north'（客户编号 B0003）") in err
    assert ("第 6 行，字段 'windows'：时段 '08:00-10:00;09:00-11:00' 有误：时段不能重叠"
            "（请写作 08:00-11:30;14:00-18:00）（客户编号 B0006）") in err
    assert not _english_lines(err), err


def test_a_reason_inside_a_message_and_the_words_it_names_are_translated() -> None:
    # the coordinate-system doubt: a message holding a message, naming a word of the map
    note = ("/d/county.json: the villages and branches lie a median 400 m from the roads, "
            "but 80 m if read as GCJ-02 (Amap, Tencent) instead of WGS-84; if the file came "
            "from that map, give --crs gcj02")
    assert note_text(note, "zh") == (
        "/d/county.json：村庄和网点到道路距离的中位数为 400 米，但若按 GCJ-02（高德、腾讯坐标） "
        "而非 WGS-84 读取，则为 80 米；如果文件来自该地图，请加上 --crs gcj02")
    # a note naming no file may hold ": " itself, and names no file in Chinese either
    appt = ("appointment B0001 with O02 can no longer be kept: their shift is over at 17:30; "
            "offering it to everyone")
    assert note_text(appt, "zh") == \
        "客户 B0001 与 O02 的预约已无法履行：17:30 时其班次已结束；改为所有客户经理都可拜访"
    idle = ("/d/officers.csv: row 2: officer O02: the shift (10 min) is shorter than the "
            "shortest visit (30 min), so they get no visits")
    assert note_text(idle, "zh") == ("/d/officers.csv，第 2 行：客户经理 O02：班次（10 分钟）"
                                     "短于最短的一次拜访（30 分钟），因此当天没有任何拜访")


def test_a_stored_countys_plan_is_reported_in_chinese(
        cli_store: str, county_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "county", "import", str(county_copy), "--lang", "zh")
    assert code == 0 and out.startswith("县 qingzu\n  客户：      新增 400，更新 0，未变 0\n")
    assert "  贷款规则：  在本行贷款后 12 个月内不再为新贷款拜访" in out
    code, out, err = run(capsys, "plan", "qingzu", "--date", DATE, "--time-limit", "1",
                         "--lang", "zh")
    assert code == 0, err
    assert "模型：qingzu v1（数据 " in out and "价值依据：拜访带来的价值（qingzu 模型 v1；" in out
    assert "今日固定的回访：0 个；不开发的客户：0 个" in out
    assert f"qingzu {DATE} 第 1 版已存为草稿（加 --publish 发布）。" in out
    assert "客户经理拜访名单的变化：" in out
    code, out, _ = run(capsys, "do-not-visit", "qingzu", "B0001", "--lang", "zh")
    assert code == 0 and out.startswith("qingzu 的客户 B0001 已列入勿访名单：")
    code, out, _ = run(capsys, "erase", "B0002", "--county", "qingzu", "--lang", "zh")
    assert code == 0 and out.startswith("已删除 qingzu 客户 B0002 的个人信息：")
    assert "系统库之外未作改动：" in out and not _english_lines(out)
    code, out, _ = run(capsys, "models", "qingzu", "--lang", "zh")
    assert code == 0 and out.startswith("qingzu 的模型版本（时间为北京时间）\nv1   已启用")
    assert "次留出拜访）  （数据 " in out


class _Terminal(io.StringIO):
    """Standard error as a terminal (the bar is drawn on one only)."""

    def isatty(self) -> bool:
        return True


def test_the_progress_bar_names_its_stages_in_the_users_language(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from countyreach.progress import StageBar

    # the stages as the app's progress bar names them
    for lang, name in (("zh", "加载路网"), ("en", t("stage_load roads", "en"))):
        err = _Terminal()
        monkeypatch.setattr(sys, "stderr", err)
        bar = StageBar(enabled=True, lang=lang)
        bar("load roads", 0.2)
        bar.close()
        assert name in err.getvalue()
    # a stage the catalogue does not name yet is shown as the pipeline calls it
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    bar = StageBar(enabled=True, lang="zh")
    bar("a new stage", 0.5)
    bar.close()
    assert "a new stage" in err.getvalue()


def test_county_init_reports_its_assumptions_in_chinese(
        cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    osm = Path(__file__).resolve().parents[1] / "data" / "qingzu" / "roads.osm.pbf"
    code, out, err = run(capsys, "--cache-dir", str(cache_dir), "county", "init",
                         str(tmp_path / "newc"), "--osm", str(osm), "--officers", "3",
                         "--lang", "zh")
    assert code == 0, err
    assert out.startswith(f"县文件夹 {tmp_path / 'newc'}：\n  已写入 county.json\n")
    assert "假设（修改文件即可更改）：" in out and "  - 边界：道路轮廓向外扩展 500 米（" in out
    assert "  - 县编号 'newc'（即文件夹名），名称 '庆祖镇'，CSV 坐标系为 WGS84" in out
    assert "班次 08:00-17:30，午休 45 分钟、在 11:30-13:00 之间开始" in out
    # the names it makes up for the planner to replace are in the planner's language too
    assert not _english_lines(out.replace("hamlet, town, village", "")), out
    officers = pd.read_csv(tmp_path / "newc" / "officers.csv", dtype=str)
    assert officers["name"].tolist() == ["客户经理 1", "客户经理 2", "客户经理 3"]
    branch = pd.read_csv(tmp_path / "newc" / "branches.csv", dtype=str)["name"].iloc[0]
    assert branch.endswith("（假定网点）") and branch in out
