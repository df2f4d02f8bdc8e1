"""A new county's leads on its roads, as a lender onboarding 贵溪 would give them: the
store's import refuses and warns about exactly what planning would (one owner,
:func:`countyreach.placement.place_on_roads`)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.errors import DataWarning
from countyreach.io import read_leads_table, read_officers
from countyreach.settings import get_settings

#: A lender's leads for 贵溪 (GCJ-02, as Amap gives them; amounts as typed: ``5万``, ``8000元``).
LEADS = Path(__file__).parent / "fixtures" / "guixi" / "leads.csv"
#: Its row 30, a little outside the roads' outline and more than 1 km from any road.
ROADLESS = "row 30: lead GX0030 is 1,300 m from the nearest mapped road"


@pytest.fixture()
def guixi(shared_dir: Path, tmp_path: Path, cache_dir: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 贵溪 county folder (``county init`` from the shared extract, GCJ-02) with the
    lender's :data:`LEADS`, and a fresh store for the command line."""
    osm = shared_dir / "data" / "osm" / "jiangxi_guixi_city.osm.pbf"
    if not osm.exists():
        pytest.skip("Guixi extract not in ../shared")
    monkeypatch.setenv("COUNTYREACH_DB", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    get_settings.cache_clear()
    root = tmp_path / "guixi"
    assert main(["-q", "county", "init", str(root), "--osm", str(osm), "--crs", "gcj02",
                 "--officers", "2"]) == 0
    shutil.copy(LEADS, root / "leads.csv")
    yield root
    get_settings.cache_clear()


def _stored_places(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return sorted(con.execute("SELECT lead_id, lat, lon FROM leads").fetchall())


def test_import_refuses_a_declared_system_planning_refuses_and_keeps_the_stored_places(
        guixi: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The lender first imports the county rightly, then edits county.json to Baidu's BD-09
    # by mistake: every point would move ~0.5 km off 贵溪's sparse roads. Planning refuses
    # that county; the import must refuse it too, before the stored places are overwritten.
    assert main(["-q", "county", "import", str(guixi)]) == 0
    db = guixi.parent / "store.sqlite"
    before = _stored_places(db)
    manifest = json.loads((guixi / "county.json").read_text(encoding="utf-8"))
    (guixi / "county.json").write_text(json.dumps({**manifest, "crs": "bd09"}),
                                       encoding="utf-8")
    capsys.readouterr()
    assert main(["-q", "county", "import", str(guixi)]) == 2
    err = capsys.readouterr().err
    assert "county.json" in err and "'crs'" in err and 'set "crs": "gcj02"' in err
    assert "Traceback" not in err
    assert _stored_places(db) == before


def test_a_lead_far_from_every_road_is_skipped_not_also_called_snapped(
        guixi: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The import warns of the lead the plan will skip, and neither calls it snapped.
    assert main(["-q", "county", "import", str(guixi)]) == 0
    err = capsys.readouterr().err
    assert ROADLESS in err
    assert not _called_snapped(err, "30")
    assert main(["-q", "plan", str(guixi), "--date", "2026-12-08", "--time-limit", "1",
                 "--out", str(guixi.parent / "out")]) == 0
    err = capsys.readouterr().err
    assert ROADLESS in err
    assert not _called_snapped(err, "30")


def _called_snapped(err: str, row: str) -> bool:
    """Whether a "snapped to the nearest road" warning lists ``row``."""
    return any(row in re.findall(r"\d+", line.split("(rows", 1)[-1])
               for line in err.splitlines() if "snapped to the nearest road" in line)


def test_the_command_lines_loop_keeps_the_app_clock_and_names_the_rules_in_chinese(
        guixi: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A training day replayed with COUNTYREACH_CLOCK: `plan` takes 2026-12-08 for today, so
    # the outcomes recorded on it that evening are of today too, whatever the wall clock says.
    monkeypatch.setenv("COUNTYREACH_CLOCK", "2026-12-08T07:00+08:00")
    get_settings.cache_clear()
    out = guixi.parent / "out"
    assert main(["-q", "county", "import", str(guixi)]) == 0
    assert main(["-q", "plan", "guixi", "--date", "2026-12-08", "--publish", "--time-limit", "1",
                 "--out", str(out)]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    stops = [s["lead_id"] for r in plan["routes"] for s in r["stops"]]
    assert stops
    # the first "come back tomorrow", the others met: they rest before a revisit
    (guixi.parent / "outcomes.csv").write_text(
        "county_id,plan_date,lead_id,outcome,follow_up_on\n"
        + f"guixi,2026-12-08,{stops[0]},interested,2026-12-09\n"
        + "".join(f"guixi,2026-12-08,{lid},met,\n" for lid in stops[1:]), encoding="utf-8")
    capsys.readouterr()
    assert main(["-q", "outcomes", "import", str(guixi.parent / "outcomes.csv")]) == 0
    # the leads met rest before a revisit: `score` counts them by the rule's name, in Chinese
    assert main(["-q", "score", "guixi", "--date", "2026-12-09", "--lang", "zh"]) == 0
    said = capsys.readouterr().out
    rested = len(stops) - 1
    assert f"近期已见面（回访间隔）：{rested}" in said and "visited_recently" not in said
    # the plan of that day says the same: the follow-up is pinned, not also left out
    assert main(["-q", "plan", "guixi", "--date", "2026-12-09", "--time-limit", "1",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert (f"Follow-ups pinned today: 1; leads not prospected: {rested}  "
            f"(met recently (rest before a revisit): {rested})") in said


def test_industries_written_in_chinese_are_the_models_industries(
        tmp_path: Path, demo_dir: Path) -> None:
    # A Chinese lender writes 小卖部 where the model says small_shop (and the explanations
    # print 小卖部): leads and officers' skills read it as the model's industry, unwarned;
    # an industry the model has no name for (饭店) is kept as written and warned about.
    names = {"small_shop": "小卖部", "clothing": "服装加工厂", "sheep_farm": "养羊场",
             "jade_carving": "玉雕作坊", "restaurant": "饭店", "repair": "修车铺"}
    leads = pd.read_csv(LEADS, dtype=str, keep_default_na=False)
    typed = leads.assign(industry=leads["industry"].map(names))
    typed.to_csv(tmp_path / "leads.csv", index=False, encoding="gbk")
    with pytest.warns(DataWarning, match="industries the lead model does not know") as caught:
        table = read_leads_table(tmp_path / "leads.csv", crs="gcj02")
    known = {"small_shop", "clothing", "sheep_farm", "jade_carving"}
    expect = leads["industry"].where(leads["industry"].isin(known), typed["industry"])
    assert table["industry"].tolist() == expect.tolist()
    unknown = [str(w.message) for w in caught if "does not know" in str(w.message)]
    assert "'饭店'" in unknown[0] and "'修车铺'" in unknown[0] and "小卖部" not in unknown[0]
    roster = pd.read_csv(demo_dir / "officers.csv", dtype=str, keep_default_na=False)
    roster.loc[0, "skills"] = "小卖部；服装加工厂、Sheep farms"
    roster.to_csv(tmp_path / "officers.csv", index=False)
    officer = read_officers(tmp_path / "officers.csv")[0]
    assert officer.skills == frozenset({"small_shop", "clothing", "sheep_farm"})
