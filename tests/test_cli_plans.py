"""``countyreach plans``: a day's versions in the store, publishing one (a rollback), and
discarding a draft, from the command line as from the manager page."""

from __future__ import annotations

from pathlib import Path

import pytest

from countyreach.settings import get_settings
from countyreach.store import Store
from tests.test_cli_store import env, run  # noqa: F401  (fixture)

DAY = "2026-11-24"


def _lines(out: str) -> list[list[str]]:
    return [ln.split() for ln in out.splitlines() if ln.startswith("v")]


def test_versions_are_listed_published_back_and_discarded(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(capsys, "county", "import", str(demo_dir))[0] == 0
    code, out, _ = run(capsys, "plans", "qingzu", "--date", DAY)
    assert code == 0 and out.strip() == f"No plan of qingzu on {DAY} in the store."
    plan = ("plan", "qingzu", "--date", DAY, "--time-limit", "1")
    assert run(capsys, *plan, "--publish")[0] == 0
    assert run(capsys, *plan, "--publish")[0] == 0
    assert run(capsys, *plan)[0] == 0  # a draft
    code, out, _ = run(capsys, "plans", "qingzu", "--date", DAY)
    assert code == 0
    assert [ln[:2] for ln in _lines(out)] == [["v1", "superseded"], ["v2", "published"],
                                              ["v3", "draft"]]
    assert "published" in out.splitlines()[1] and "by countyreach-operator" in out

    # roll back to v1: the officers' lists read it, as the store says
    code, out, _ = run(capsys, "plans", "qingzu", "--date", DAY, "--publish", "1")
    assert code == 0 and f"Published v1 of qingzu {DAY}" in out
    assert [ln[:2] for ln in _lines(out)] == [["v1", "published"], ["v2", "superseded"],
                                              ["v3", "draft"]]
    store = Store.open(get_settings().store_url)
    assert store.published_plan(store.operator_session(), "qingzu", DAY)[2] == 1

    # the draft nobody wants goes; a published version is a record and stays
    code, out, _ = run(capsys, "plans", "qingzu", "--date", DAY, "--discard", "3")
    assert code == 0 and f"Discarded draft v3 of qingzu {DAY}." in out
    assert [ln[0] for ln in _lines(out)] == ["v1", "v2"]
    code, _, err = run(capsys, "plans", "qingzu", "--date", DAY, "--discard", "1", "--lang",
                       "zh")
    assert code == 2 and "只能丢弃草稿" in err and "Traceback" not in err
    code, _, err = run(capsys, "plans", "qingzu", "--date", DAY, "--publish", "7")
    assert code == 2 and f"no plan version 7 for qingzu on {DAY}" in err
    # a day with none points to the days that have plans
    code, out, _ = run(capsys, "plans", "qingzu", "--date", "2026-11-23")
    assert code == 0 and out.splitlines() == [
        "No plan of qingzu on 2026-11-23 in the store.",
        f"Days with plans, latest first: {DAY} (--date D shows one)."]


def test_one_action_at_a_time_and_a_county_the_store_holds(
        env: Path, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    with pytest.raises(SystemExit) as exited:
        run(capsys, "plans", "qingzu", "--publish", "1", "--discard", "2")
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert run(capsys, "county", "import", str(demo_dir))[0] == 0
    code, _, err = run(capsys, "plans", "nowhere")
    assert code == 2 and "the store holds qingzu" in err
    code, _, err = run(capsys, "plans", "qingzu", "--date", "2026-02-30")
    assert code == 2 and "2026-02-30" in err
