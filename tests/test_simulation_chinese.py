"""``simulate`` and ``sweep`` under ``--lang zh``: the reports (who is simulated, the tables'
headers, the ratios, the saturation yardstick, the recommendation, the files written) read
in Chinese; English stays the default, with the column names of the saved files."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.i18n import has_cjk, t
from countyreach.localize import localize
from countyreach.simulation.sweep import recommend
from tests.test_simulation_sweep import _summary

ROOT = Path(__file__).resolve().parents[1]
#: Two English words in a row: prose a Chinese user would read in English.
ENGLISH = re.compile(r"[a-z]{2,}[ ,;:']+[a-z]{2,}")
SMALL = ("--businesses", "200", "--weeks", "1", "--days-per-week", "2", "--time-limit", "0.3")


def _english(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ENGLISH.search(re.sub(r"`[^`]*`", "", ln))]


def test_simulate_compares_policies_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["-q", "simulate", str(ROOT / "data" / "qingzu"), *SMALL, "--officers",
                     "2", "--policy", "all", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "客户群：" in out and "团队：2 名合成的客户经理" in out
    assert "人均每天贷款" in out and "饱和度：模拟期间每个商户平均被拜访 0.24 次" in out
    assert "countyreach 每名客户经理每天由拜访带来的价值：是" in out
    assert "人均每天拜访带来的价值（元）" in out
    assert not _english(out), out


def test_simulate_headlines_the_value_the_visits_cause(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # a visit to a business that would have borrowed anyway adds loans, not caused value:
    # the table leads with what the visits cause, and the ratio is on it, seed by seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["-q", "simulate", str(ROOT / "data" / "qingzu"), *SMALL, "--officers",
                     "2", "--policy", "all", "--seeds", "0,1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = next(ln for ln in out.splitlines() if ln.strip().startswith("policy"))
    assert header.split()[:3] == ["policy", "caused_value_per_officer_day_yuan",
                                  "caused_loans_per_officer_day"]
    rows = pd.read_csv(tmp_path / "policies.csv").set_index("policy")
    assert rows.loc["countyreach", "countyreach_ratio"] == pytest.approx(1.0)
    strongest = str(rows.drop(index="countyreach")["caused_value_per_officer_day_yuan"].idxmax())
    r = rows.loc[strongest]
    assert r["countyreach_ratio_lo"] <= r["countyreach_ratio"] <= r["countyreach_ratio_hi"]
    line = next(ln for ln in out.splitlines()
                if ln.startswith("countyreach's visit-caused value per officer-day"))
    assert f"{r['countyreach_ratio']:.2f}×" in line and "over 2 seeds" in line
    assert t(f"sim_policy_{strongest}", "en") in line
    assert "today's practice, relationship visits" in line


def test_sweep_recommends_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["-q", "sweep", str(ROOT / "data" / "qingzu"), *SMALL, "--officers", "1,3",
                     "--strategies", "p_median", "--policy", "nearest", "--out",
                     str(tmp_path / "sweep"), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "建议：" in out and "高价值商户" in out and "就近中心布点" in out
    assert f"个文件到 {tmp_path / 'sweep'}/（汇总、每周、" in out
    assert not _english(out), out


def test_every_recommendation_reads_in_chinese() -> None:
    for rows in ([("branch", 2, 0.5, 0.9), ("max_coverage", 2, 0.5, 1.1),
                  ("branch", 4, 0.5, 0.8), ("max_coverage", 4, 0.5, 1.0)],
                 [("branch", 2, 0.3, 0.9), ("branch", 4, 0.6, 0.9)],
                 [("random", 1, 0.5, 0.9), ("branch", 1, 0.5, 0.9)],
                 [("p_median", 1, 0.2, 0.9), ("p_median", 2, 0.5, 0.9),
                  ("p_median", 3, 0.52, 0.9)]):
        reason = recommend(_summary(rows), target_share=0.9).reason
        shown = localize(reason, "zh")
        assert "名客户经理" in shown and not ENGLISH.search(shown), (reason, shown)


def test_simulate_loop_reports_in_chinese(tmp_path: Path, demo_dir: Path, cache_dir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'sim.sqlite'}"
    assert main(["-q", "--cache-dir", str(cache_dir), "simulate-loop", "--days", "2",
                 "--retrain-every", "2", "--county", str(demo_dir), "--db", db,
                 "--home", str(tmp_path / "home"), "--time-limit", "0.5", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "名客户经理" in out and "已重新训练 -> v2" in out and "真实 AUC（留出客户）" in out
    assert "合计" in out and not _english(out), out


def test_simulate_names_policies_and_its_progress_in_chinese(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The table names each policy in words, and the bar over the weeks (drawn on standard
    error) counts in Chinese: no code a Chinese user would have to decode."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["simulate", str(ROOT / "data" / "qingzu"), *SMALL, "--officers", "1",
                     "--policy", "all", "--lang", "zh"]) == 0
    out, err = capsys.readouterr()
    for name in ("就近拜访", "按评分顺序", "按评分排路线", "老客户关系拜访"):
        assert re.search(rf"^\s*{name}\s", out, re.M), out
    assert "score_order" not in out and "nearest" not in out, out
    assert "模拟中" in err and "周" in err and "老客户关系拜访，1 名客户经理" in err, err
    assert not re.search(r"simulating|week|score_order|-s0", err), err


def test_simulate_keeps_english_codes_and_bar_in_english(
        capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["simulate", str(ROOT / "data" / "qingzu"), *SMALL, "--officers", "1",
                     "--policy", "all"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"^\s*score_order\s", out, re.M), out
    assert "simulating" in err and "relationship-s0" in err and not has_cjk(err), err


@pytest.mark.parametrize(("argv", "said"), [
    (["simulate", "tangxian", "--detour", "5"],
     "字段 '--detour'：绕行系数须在 [1, 3] 之间，实际为 5.0"),
    (["simulate", "tangxian", "--speed", "0"],
     "字段 '--speed'：车速须在 (0, 130] 公里/小时之间，实际为 0.0"),
    (["sweep", "tangxian", "--target", "2"],
     "字段 '--target'：目标比例须大于 0 且不超过 1，实际为 2"),
    (["sweep", "tangxian", "--officers", "x"],
     "字段 '--officers'：客户经理人数应写作 6，或 2,4,8，或 2:30:2（起:止:步长），实际为 'x'"),
    (["sweep", "tangxian", "--strategies", "foo"], "字段 '--strategies'：驻点策略须为 ["),
])
def test_a_mistyped_simulation_option_is_refused_in_chinese_naming_it(
        argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Refused before any work (the sweep's target too: it was checked after the sweep),
    naming the option as typed, in Chinese."""
    assert main(["-q", *argv, "--weeks", "1", "--lang", "zh"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("countyreach: 错误：") and said in err, err
    # the strategies are listed as the option takes them
    assert not _english(re.sub(r"'[^']*'", "", err)), err
    assert out == ""


def test_the_sweeps_charts_are_drawn_in_chinese(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """coverage.html's titles, axes and the approximate travel's note in the user's language
    (the command line drew them in English whatever --lang said)."""
    import json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["-q", "sweep", str(ROOT / "data" / "qingzu"), *SMALL, "--officers", "1",
                     "--strategies", "p_median", "--travel", "straight_line", "--out",
                     str(tmp_path / "sweep"), "--lang", "zh"]) == 0
    capsys.readouterr()
    html = (tmp_path / "sweep" / "coverage.html").read_text(encoding="utf-8")
    spec = json.loads(re.search(r"var spec = (\{.*?\});\n", html, re.S).group(1))  # type: ignore[union-attr]
    titles = json.dumps(spec, ensure_ascii=False)
    assert "按客户经理人数的覆盖率" in titles and "客户经理人数" in titles, titles[:500]
    subtitles = [c["title"]["subtitle"] for c in spec["hconcat"]]
    assert all(has_cjk(s) and not _english(s) for s in subtitles), subtitles
