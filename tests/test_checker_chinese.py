"""The independent checker's violations as a Chinese user reads them: ``countyreach check``,
the plan's summary and the manager's page write each violation's message in Chinese (the
checker, in :mod:`routing`, writes English and knows no language; the rule's code stays as
written), and the plan file keeps the checker's verdict in English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.i18n import has_cjk
from countyreach.localize import localize
from countyreach.plan_summary import summary_text, violation_text
from countyreach.serialize import plan_to_dict, problem_to_dict
from routing import VIOLATION_CODES, check_plan, checked_plan
from tests.test_routing_checker import base, corruptions  # noqa: F401  (a fixture)

#: Two English words in a row: prose a Chinese user would read in English.
ENGLISH = re.compile(r"[a-z]{2,}[ ,;:']+[a-z]{2,}")


@pytest.mark.parametrize("code", VIOLATION_CODES)
def test_every_violation_reads_in_chinese(base, code):  # noqa: F811
    bad_p, bad_plan = corruptions(*base)[code]
    found = [v for v in check_plan(bad_p, bad_plan) if v.code == code]
    assert found
    for v in found:
        shown = violation_text(v, "zh")
        assert shown.startswith(f"[{code}] ") and has_cjk(shown), shown
        assert not ENGLISH.search(shown), f"{v.message!r} reaches a Chinese user as {shown!r}"
        assert violation_text(v, "en") == f"[{code}] {v.message}"


def test_the_checkers_verdict_in_the_summary_reads_in_chinese(base):  # noqa: F811
    for code in ("skill", "lunch_window"):
        bad_p, bad_plan = corruptions(*base)[code]
        said, _ = checked_plan(bad_p, bad_plan)
        assert "the independent checker found" in said.message  # the plan keeps English
        shown = summary_text(bad_p, said, "zh")
        assert "独立校验发现" in shown and not ENGLISH.search(shown), shown
    many = corruptions(*base)
    bad_p, bad_plan = many["lunch_overlap"]
    said, violations = checked_plan(bad_p, bad_plan)
    assert localize(said.message, "zh").startswith(f"独立校验发现 {len(violations)} 处违规：")


def test_check_prints_violations_in_chinese(base, tmp_path: Path,  # noqa: F811
                                            capsys: pytest.CaptureFixture[str]) -> None:
    bad_p, bad_plan = corruptions(*base)["time_window"]
    (tmp_path / "problem.json").write_text(json.dumps(problem_to_dict(bad_p)),
                                           encoding="utf-8")
    (tmp_path / "plan.json").write_text(json.dumps(plan_to_dict(bad_plan)), encoding="utf-8")
    assert main(["-q", "check", str(tmp_path / "plan.json"), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "[time_window]" in ln)
    assert "不在可拜访时段" in line and not ENGLISH.search(out), out
    assert main(["-q", "check", str(tmp_path / "plan.json")]) == 1
    assert "outside" in capsys.readouterr().out


def test_a_bad_problem_file_is_refused_in_chinese(base, tmp_path: Path,  # noqa: F811
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    p, plan = base
    problem = problem_to_dict(p)
    problem["leads"][1]["lead_id"] = problem["leads"][0]["lead_id"]  # a user's edit
    (tmp_path / "problem.json").write_text(json.dumps(problem), encoding="utf-8")
    (tmp_path / "plan.json").write_text(json.dumps(plan_to_dict(plan)), encoding="utf-8")
    assert main(["-q", "check", str(tmp_path / "plan.json"), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "客户编号不能重复" in err and not ENGLISH.search(err.replace("countyreach", "")), err


def test_the_summary_keeps_officers_names_whole(base):  # noqa: F811
    # county init names a Chinese roster 客户经理 1 … 客户经理 12: the summary's officer
    # column was 13 columns wide, and cut O01's 客户经理 1 to 客户经理 (every officer the
    # same) and O1's 客户经理 12 to 客户经理 1 (another officer's name)
    from dataclasses import replace

    problem, plan = base
    officers = tuple(replace(o, name=f"客户经理 {k}")
                     for k, o in enumerate(problem.officers, start=11))
    shown = summary_text(replace(problem, officers=officers), plan, "zh").splitlines()
    for k, o in enumerate(officers, start=11):
        if any(r.officer_id == o.officer_id for r in plan.routes):
            row = next(ln for ln in shown if ln.startswith(f"{o.officer_id} "))
            assert f"客户经理 {k} " in row
    header = next(ln for ln in shown if ln.startswith("客户经理"))
    assert len(header) > 0 and header.rstrip().endswith("预期价值 ¥")
