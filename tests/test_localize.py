"""Input warnings and errors in Chinese under ``--lang zh``: the store's warnings kept with a
stored county's plan, and every row ``outcomes import`` refuses, through the catalogue."""

from __future__ import annotations

import re
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
    # an outcome is refused naming the words a Chinese sheet may use (不在 reads as not_there)
    assert ("第 4 行，字段 'outcome'：拜访结果须为已见面（met）、不在（not_there）、不需要"
            "（not_interested）、有意向（interested）、已申请（applied）、已批准（approved）之一，"
            "实际为 'maybe'（客户编号 B0004）") in err, err
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


#: English words of the checks' messages; a Chinese user's stderr holds none of them (ids,
#: field and file names and industries as typed are the user's own and may be ASCII).
_ENGLISH = re.compile(r"\b(expected|above|below|allowed|required|blank|skipped|repeats|"
                      r"keeping|industries|rows|history:|values|starter|swapped|officer|match)\b")


def test_a_lenders_own_spreadsheet_is_explained_in_chinese_under_lang_zh(
        county_copy: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # a county of the lender's own leads alone, exported from a Chinese desktop: GBK, CRLF
    monkeypatch.chdir(tmp_path)
    for name in ("history.csv", "loans.csv", "loans_elsewhere.csv"):
        (county_copy / name).unlink()
    head = "lead_id,name,industry,lat,lon,village,mobile_pay_flow_yuan\r\n"
    good = ["L1,冯氏制衣厂,clothing,35.5180,115.0150,庆祖镇,5万",
            "L2,傅氏小卖部,small_shop,35.5052,115.0452,水屯村,20000",
            "L3,王氏养猪场,pig_farm,35.5100,115.0300,庆祖镇,10000",     # industry unknown
            "L2,傅氏小卖部,small_shop,35.5052,115.0452,水屯村,20000",  # pasted twice
            "",
            "L6,孙氏农机,small_shop,35.8500,115.0300,庆祖镇,20000"]    # ~37 km away
    bad = [*good[:2], "L3,王氏养猪场,pig_farm,,115.0300,庆祖镇,10000",  # no lat
           "L4,赵氏超市,small_shop,35.5150,115.0170,庆祖镇,很多",         # text for yuan
           "L7,吴氏茶叶,small_shop,115.0300,35.5100,庆祖镇,20000",        # lat/lon swapped
           "L2,周氏餐馆,restaurant,35.5120,115.0200,庆祖镇,30000"]     # lead_id again
    leads = county_copy / "leads.csv"
    leads.write_bytes(head.encode("gbk") + "\r\n".join(bad).encode("gbk") + b"\r\n")
    argv = ("--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", "2026-11-24",
            "--time-limit", "1", "--out", str(tmp_path / "out"), "--lang", "zh")
    code, _, err = run(capsys, *argv)
    assert code == 2 and "Traceback" not in err and not (tmp_path / "out").exists()
    assert f"文件 {leads}，第 3 行，字段 'lat'：此项必填（客户编号 L3）" in err
    assert "第 4 行，字段 'mobile_pay_flow_yuan'：应为以元计的金额" in err
    assert "第 5 行，字段 'lat'：115.0300 超出允许的最大值 90（看起来是经度" in err
    assert "第 6 行，字段 'lead_id'：lead_id 'L2' 与第 2 行重复，但 name 不同" in err
    assert not _ENGLISH.search(err), err
    leads.write_bytes(head.encode("gbk") + "\r\n".join(good).encode("gbk") + b"\r\n")
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert "第 5 行是空行，已跳过" in err and "第 4 行（同第 2 行） 与前面的客户逐字相同" in err
    assert "'pig_farm'（1 行：第 3 行）" in err and "客户 L6 位于县路网外" in err
    assert "客户经理 O01 的技能 'cattle_farm', 'sheep_farm' 与任何客户的行业都不对应" in err
    assert "没有拜访记录：价值来自起步模型" in err
    assert not _ENGLISH.search(err), err


@pytest.mark.parametrize("extract", ["roads.osm.pbf", "places_cut"])
def test_a_new_countys_assumptions_read_in_chinese(
        extract: str, cache_dir: Path, tmp_path: Path) -> None:
    # what the planner page lists after onboarding an upload (the Chinese page listed them
    # in English); "places_cut": an extract that names no settlement gets stand-ins
    from countyreach.onboard import init_county

    roads = Path(__file__).resolve().parents[1] / "data" / "qingzu" / "roads.osm.pbf"
    if extract == "places_cut":
        import osmium

        cut = tmp_path / "no_places.osm.pbf"
        with osmium.SimpleWriter(str(cut)) as out:
            for obj in osmium.FileProcessor(str(roads)):
                if not (obj.is_node() and "place" in obj.tags):
                    out.add(obj)
        roads = cut
    report = init_county(tmp_path / "newcounty", roads, officers=4, cache_dir=cache_dir,
                         loan_rule_months=12)
    assert len(report.assumptions) >= 6
    for line in report.assumptions:
        zh = localize(line, "zh")
        assert has_cjk(zh) and not re.search(r"\b(the|of|a|and|in|at|officers?|roads?)\b",
                                             zh), (line, zh)
        # the kinds of OSM place read as words, listed with 、 (they read "hamlet, town")
        if line.startswith("villages: ") and "OSM place nodes" in line:
            assert not re.search(r"[a-z]+, [a-z]+", zh), zh
            assert re.search(r"（(村庄|镇|自然村)(、(村庄|镇|自然村))*）", zh), zh


def test_a_list_of_rows_cut_short_reads_as_chinese() -> None:
    # "rows 22, 31 and 3 more" became 第 22, 31 及另外 3 个 行 (a counter before 行): the
    # row lists of the warnings read 行号 22、31 及另外 3 个
    said = localize("x.csv: 13 lead(s) lie up to 314 m outside the road network (rows 22, "
                    "31, 148, 172, 177, 179, 214, 226, 228, 231 and 3 more); snapped to the "
                    "nearest road", "zh")
    assert "（行号 22、31、148、172、177、179、214、226、228、231 及另外 3 个）" in said
    assert "个 行" not in said


def _warned(check: object, *args: object) -> str:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(*args)  # type: ignore[operator]
    (said,) = [str(w.message) for w in caught]
    return said


def test_lists_in_warnings_read_with_chinese_separators(tmp_path: Path) -> None:
    """A list the checks join in English (``; `` between items, ``, `` between rows and ids)
    reads with the catalogue's list separators in Chinese: 、 and ；, as the rest of the
    sentence; English stays word for word."""
    from countyreach.history_file import _one_per_month
    from countyreach.io import _warn_unknown_industries
    from countyreach.onboard_checks import _warn_repeated_names

    leads = pd.DataFrame({"industry": ["bakery", "bakery", "tea", "bakery", "bakery"],
                          "source_row": [3, 4, 6, 8, 9]})
    villages = pd.DataFrame({"name": ["李庄村", "王庄", "李庄村", "王庄"]})
    history = pd.DataFrame({"lead_id": ["B1", "B1", "B2", "B2"],
                            "month": ["2024-11", "2024-11", "2024-12", "2024-12"],
                            "took_loan": ["1", "0", "1", "0"]}, index=[1, 5, 2, 7])
    said = [note_text(_warned(_warn_unknown_industries, tmp_path / "leads.csv", leads), "zh",
                      [str(tmp_path / "leads.csv")]),
            localize(_warned(_warn_repeated_names, tmp_path / "v.csv", villages, [2, 3, 5, 7])
                     .split(": ", 1)[1], "zh"),
            localize(_warned(_one_per_month, tmp_path / "h.csv", history).split(": ", 1)[1],
                     "zh")]
    assert said[0].endswith("：'bakery'（4 行：第 3、4、8、… 行）；'tea'（1 行：第 6 行）"), said[0]
    assert said[1].startswith("2 个村名重复出现：'李庄村'（第 2、5 行）；'王庄'（第 3、7 行）："), \
        said[1]
    assert "（B1 2024-11：第 1、5 行；B2 2024-12：第 2、7 行）；" in said[2], said[2]
    for text in said:
        assert not re.search(r"[,;] ", text), text
    # a coordinate pair is no list of rows
    assert localize("the share must be in [0, 1], got 7", "zh") == "比例须在 [0, 1] 之间，实际为 7"


def test_lists_of_ids_and_words_read_with_chinese_separators() -> None:
    # the store's warning of a stored county names its leads
    said = note_text("county qingzu (store), leads: 2 lead(s) lie up to 314 m outside the road "
                     "network (leads B0007, B0010); snapped to the nearest road", "zh")
    assert said.endswith("2 个客户位于路网外最多 314 米（客户 B0007、B0010）；已移到最近的道路上")
    said = note_text("county qingzu (store), leads: 12 lead(s) lie up to 314 m outside the "
                     "road network (leads B0007, B0010 and 10 more); snapped to the nearest "
                     "road", "zh")
    assert "（客户 B0007、B0010 及另外 10 个）；" in said, said
    assert localize("officer 'O09' is not in the roster (officers.csv: O01, O02, O03)",
                    "zh") == "客户经理 'O09' 不在名单中（officers.csv：O01、O02、O03）"
    # base strategies that tie are named in words, not codes
    tie = localize("4 officers based by branch (as good as max_coverage, p_median) reach 50% of "
                   "high-value businesses within 30 days (the best coverage swept); this is "
                   "the largest team swept: sweep larger teams to see whether more officers "
                   "still add coverage.", "zh")
    assert "（网点出发，与最大覆盖布点、就近中心布点同样好）" in tie, tie
    assert localize("which county? give --county ID (one of a, b)", "zh") == \
        "哪个县？请给出 --county ID（a、b 之一）"


def test_score_names_the_value_basis_as_plan_does(capsys: pytest.CaptureFixture[str],
                                                   cache_dir: Path) -> None:
    code, out, _ = run(capsys, "--cache-dir", str(cache_dir), "score",
                       str(Path(__file__).resolve().parents[1] / "data" / "qingzu"),
                       "--date", "2026-11-24", "--top", "1", "--lang", "zh")
    assert code == 0
    assert out.startswith("价值依据：拜访带来的价值"), out[:200]


def test_the_forms_of_a_date_are_listed_with_chinese_separators() -> None:
    from countyreach.dates import read_date, read_month
    from countyreach.errors import InputError

    for read, said in (
            (read_date, "日期应写作 2026-11-24（或 2026/11/24、2026年11月24日），实际为 '11/24'"),
            (read_month, "月份应写作 2025-09（或 2025-9、2025/9、2025年9月），实际为 '11/24'")):
        with pytest.raises(InputError) as caught:
            read("11/24", "date")
        assert localize(caught.value.reason, "zh") == said


def test_an_option_named_by_its_own_reason_is_not_named_twice() -> None:
    from countyreach.errors import InputError

    said = InputError("--top must be at least 1, got 0", field="--top")
    assert str(said) == "--top must be at least 1, got 0"
    assert error_text(said, "zh") == "--top 至少为 1，实际为 0"
    # a file's field still says where, and a reason that does not open with it is prefixed
    located = InputError("--top must be at least 1, got 0", file="a.csv", field="--top")
    assert str(located).startswith("file a.csv, field '--top': ")
    other = InputError("must be a date", field="plan_date")
    assert str(other) == "field 'plan_date': must be a date"
    assert error_text(other, "zh").startswith("字段 'plan_date'：")
