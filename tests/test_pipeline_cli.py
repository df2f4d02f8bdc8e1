"""End to end on the demo county: `countyreach demo` plans a day the checker accepts,
`countyreach check` catches corrupted plans, bad input gives a clear error."""

from __future__ import annotations

import itertools
import json
import shutil
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.pipeline import plan_day
from countyreach.plan_files import write_plan_files
from countyreach.plan_summary import summary_text
from countyreach.serialize import plan_from_dict, problem_from_dict, read_json
from routing import DroppedLead, DropReason
from routing.problem import hhmm
from tests.conftest import LOOP_PARAMS

DATE = "2026-11-24"
#: The day's search: these tests check what is read, warned and left out, not how good
#: the routes are (each plan still goes through the plan checker: ``day.ok``).
FAST = LOOP_PARAMS


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("plan")
    code = main(["-q", "--cache-dir", str(cache_dir), "demo", "--date", DATE,
                 "--time-limit", "3", "--out", str(out)])
    assert code == 0
    return out


def test_demo_writes_a_plan_the_checker_accepts(demo_out: Path, capsys: pytest.CaptureFixture):
    for name in ("plan.json", "problem.json", "dropped.csv"):
        assert (demo_out / name).exists()
    plan = json.loads((demo_out / "plan.json").read_text(encoding="utf-8"))
    visits = sum(len(r["stops"]) for r in plan["routes"])
    assert plan["status"] in ("feasible", "optimal") and visits >= 20
    assert len(list((demo_out / "routes").glob("*.csv"))) == len(plan["routes"])
    assert main(["check", str(demo_out / "plan.json")]) == 0
    assert "no violations" in capsys.readouterr().out


def test_planning_again_into_the_same_folder_leaves_no_earlier_officers_list(
        demo_out: Path, tmp_path: Path):
    problem = problem_from_dict(read_json(demo_out / "problem.json"))
    plan = plan_from_dict(read_json(demo_out / "plan.json"))
    out = tmp_path / "again"
    write_plan_files(problem, plan, out)
    fewer = replace(plan, routes=plan.routes[:2])
    write_plan_files(problem, fewer, out)
    assert sorted(f.stem for f in (out / "routes").glob("*.csv")) == sorted(
        r.officer_id for r in fewer.routes)


def test_each_route_csv_is_the_officers_day_in_time_order(demo_out: Path):
    # leave, visit, lunch where it falls, be back: what an officer prints and follows
    problem = problem_from_dict(read_json(demo_out / "problem.json"))
    plan = plan_from_dict(read_json(demo_out / "plan.json"))
    lunches = 0
    for r in plan.routes:
        rows = pd.read_csv(demo_out / "routes" / f"{r.officer_id}.csv", dtype=str,
                           keep_default_na=False, encoding="utf-8-sig")
        kinds = rows["kind"].tolist()
        assert kinds[0] == "start" and kinds[-1] == "end"
        assert rows.loc[rows["kind"] == "visit", "lead_id"].tolist() == list(r.lead_ids)
        assert rows.loc[0, "departure"] == hhmm(r.start_s)
        assert rows.iloc[-1]["arrival"] == hhmm(r.end_s)
        officer = problem.officer_by_id[r.officer_id]
        assert float(rows.iloc[-1]["lat_wgs84"]) == officer.end.location.lat
        # what the officer does (a visit's service, lunch) follows in the file's order without
        # overlap; an officer may arrive before lunch and start the visit after it
        busy = [(rec.start or rec.departure or rec.arrival, rec.departure or rec.arrival)
                for rec in rows.itertuples()]
        assert all(a <= b <= c for (a, b), (c, _) in itertools.pairwise(busy))
        lunch = rows[rows["kind"] == "lunch"]
        if r.lunch is not None:
            lunches += 1
            assert lunch["start"].tolist() == [hhmm(r.lunch.start_s)]
        else:
            assert lunch.empty
    assert lunches > 0  # the demo's officers take lunch


def test_every_lead_is_routed_or_has_a_reason(demo_out: Path):
    plan = json.loads((demo_out / "plan.json").read_text(encoding="utf-8"))
    problem = json.loads((demo_out / "problem.json").read_text(encoding="utf-8"))
    routed = [s["lead_id"] for r in plan["routes"] for s in r["stops"]]
    dropped = [d["lead_id"] for d in plan["dropped"]]
    assert sorted(routed + dropped) == sorted(ld["lead_id"] for ld in problem["leads"])
    assert all(d["reason"] for d in plan["dropped"])


def _corrupt(demo_out: Path, tmp_path: Path, edit) -> Path:
    dst = tmp_path / "bad"
    shutil.copytree(demo_out, dst)
    plan = json.loads((dst / "plan.json").read_text(encoding="utf-8"))
    edit(plan)
    (dst / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return dst / "plan.json"


def _busy_route(plan: dict) -> dict:
    return max(plan["routes"], key=lambda r: len(r["stops"]))


def _teleport(plan: dict) -> None:
    r = _busy_route(plan)
    s = r["stops"][1]
    s["arrival_s"] = s["start_s"] = r["stops"][0]["departure_s"]  # no time to drive
    s["departure_s"] = s["start_s"] + 60


def _duplicate(plan: dict) -> None:
    r = _busy_route(plan)
    r["stops"].append(dict(r["stops"][0]))


def _forget(plan: dict) -> None:
    _busy_route(plan)["stops"].pop()


def _overtime(plan: dict) -> None:
    _busy_route(plan)["end_s"] = 23 * 3600


@pytest.mark.parametrize("edit", [_teleport, _duplicate, _forget, _overtime])
def test_check_finds_corruptions(demo_out: Path, tmp_path: Path, edit,
                                 capsys: pytest.CaptureFixture):
    bad = _corrupt(demo_out, tmp_path, edit)
    assert main(["check", str(bad)]) == 1
    assert "violation" in capsys.readouterr().out


@pytest.mark.parametrize("content", [None, b"\xff\xfe{", b"[1, 2]", b"{not json"])
def test_check_refuses_what_is_not_a_plan_naming_the_file(
        tmp_path: Path, content: bytes | None, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "plan.json"
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    assert main(["check", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(target) in err and "Traceback" not in err


def _edit_leads(county: Path, row: int, **values: object) -> None:
    df = pd.read_csv(county / "leads.csv", dtype=str, keep_default_na=False)
    for k, v in values.items():
        df.loc[row - 1, k] = str(v)
    df.to_csv(county / "leads.csv", index=False)


def test_coordinate_outside_county_is_skipped_and_named_by_file_and_row(
        county_copy: Path, cache_dir: Path):
    # ~120 km away: one bad row is listed and skipped; the day is planned without it.
    _edit_leads(county_copy, 7, lat=36.4, lon=116.2)
    lead_id = pd.read_csv(county_copy / "leads.csv", dtype=str).loc[6, "lead_id"]
    skipped = r"leads\.csv: row 7: lead \S+ lies [\d,]+ m outside"
    with pytest.warns(DroppedRowWarning, match=skipped):
        day = plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir, params=FAST)
    assert day.ok and lead_id not in set(day.county.leads["lead_id"])


def test_a_skipped_leads_history_is_not_called_a_history_of_unknown_leads(
        county_copy: Path, cache_dir: Path) -> None:
    import warnings

    leads = pd.read_csv(county_copy / "leads.csv", dtype=str)
    visited = pd.read_csv(county_copy / "history.csv", dtype=str)["lead_id"].iloc[0]
    row = int(leads.index[leads["lead_id"] == visited][0]) + 1
    _edit_leads(county_copy, row, lat=36.4, lon=116.2)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        day = plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir, params=FAST)
    said = [str(w.message) for w in seen]
    assert any(f"row {row}: lead {visited} lies" in m for m in said), said
    assert not [m for m in said if "not in the leads table" in m]
    assert day.ok


def test_cli_reports_bad_input_without_traceback(county_copy: Path, cache_dir: Path,
                                                 capsys: pytest.CaptureFixture):
    _edit_leads(county_copy, 3, lon="east")
    code = main(["--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", DATE])
    err = capsys.readouterr().err
    assert code == 2
    assert "leads.csv" in err and "row 3" in err and "'lon'" in err
    assert "Traceback" not in err


def test_an_appointment_against_a_hard_skill_is_kept_and_the_summary_says_so(
        county_copy: Path, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    # B0001 is a clothing workshop booked with O01, who covers sheep and cattle farms only.
    # With skills hard the appointment still stands: a plan that passes its own check.
    _edit_leads(county_copy, 1, pinned_officer_id="O01")
    code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date",
                 DATE, "--time-limit", "2", "--skills", "hard", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Checker: no violations" in out
    note = next(line for line in out.splitlines() if line.startswith("Note:"))
    assert "B0001 with O01 (skills, appointment)" in note
    plan = json.loads((tmp_path / "o" / "plan.json").read_text(encoding="utf-8"))
    assert {"lead_id": "B0001", "officer_id": "O01", "rules": ["skills"],
            "by": "appointment"} in plan["meta"]["rule_overrides"]


def test_gcj02_file_declared_wgs84_far_off_the_map(county_copy: Path, cache_dir: Path):
    # A file of another county's Amap (GCJ-02) coordinates, declared WGS-84: every point lies far
    # from these roads; the first one is named.
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df["lat"] = (df["lat"].astype(float) + 3.2).map(str)  # e.g. 唐县 (Hebei) instead of Puyang
    df.to_csv(county_copy / "leads.csv", index=False)
    with pytest.raises(InputError, match="GCJ-02") as err:
        plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir)
    assert err.value.row == 1


def test_lead_without_reachable_road_is_skipped_with_warning(county_copy: Path, cache_dir: Path,
                                                            tmp_path: Path):
    # Inside the network's area but ~3 km from any mapped road: the row is skipped, not fatal.
    _edit_leads(county_copy, 5, lat=35.46156, lon=115.04808)
    with pytest.warns(DroppedRowWarning, match=r"row 5"):
        day = plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir,
                       rules=None, params=FAST)
    lead_id = pd.read_csv(county_copy / "leads.csv", dtype=str).loc[4, "lead_id"]
    assert lead_id not in {ld.lead_id for ld in day.problem.leads}
    assert day.ok
    off = {d.lead_id: d for d in day.plan.dropped if d.reason is DropReason.OFF_ROADS}
    assert list(off) == [lead_id] and "from the nearest mapped road" in off[lead_id].detail
    # and the file a manager opens names it with its reason
    files = write_plan_files(day.problem, day.plan, tmp_path / "out")
    rows = pd.read_csv(next(f for f in files if f.name == "dropped.csv"), dtype=str)
    assert rows.loc[rows["lead_id"] == lead_id, "reason"].tolist() == ["off_the_road_network"]


def test_empty_roster_is_a_clear_error(county_copy: Path, cache_dir: Path):
    header = (county_copy / "officers.csv").read_text(encoding="utf-8").splitlines()[0]
    (county_copy / "officers.csv").write_text(header + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="officers.csv.*roster is empty"):
        plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir)


def test_out_naming_an_existing_file_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture):
    taken = tmp_path / "plan.txt"
    taken.write_text("keep me", encoding="utf-8")
    cache = tmp_path / "cache"
    code = main(["-q", "--cache-dir", str(cache), "demo", "--date", DATE, "--out", str(taken)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err
    assert taken.read_text(encoding="utf-8") == "keep me"
    assert not cache.exists()  # nothing was loaded, trained or cached


def test_history_rows_of_unknown_leads_are_skipped_naming_file_and_row(
        county_copy: Path, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    hist = county_copy / "history.csv"
    lines = hist.read_text(encoding="utf-8").splitlines()
    lines[2] = "ZZZ9," + lines[2].split(",", 1)[1]  # row 2: a lead no longer listed
    hist.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", DATE,
                 "--time-limit", "1", "--out", str(tmp_path / "out")])
    assert code == 0
    shown = [ln for ln in capsys.readouterr().err.splitlines() if "ZZZ9" in ln]
    assert shown == [f"countyreach: warning: {hist}: 1 row(s) name leads that are not in the "
                     "leads table (e.g. row 2: 'ZZZ9'); skipped"]


@pytest.mark.parametrize("argv,named", [(["--date", "2026-99-01"], "--date"),
                                         (["--top", "0"], "--top")])
def test_score_refuses_a_bad_date_or_top_before_any_work(
        argv: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture):
    cache = tmp_path / "cache"
    assert main(["-q", "--cache-dir", str(cache), "score", "no-such-county", *argv]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
    assert not cache.exists()


@pytest.mark.parametrize("port", ["-5", "0", "70000"])
def test_app_refuses_a_port_no_server_can_bind(port: str, capsys: pytest.CaptureFixture):
    assert main(["app", "--port", port]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and "Traceback" not in err


def test_synth_refuses_to_overwrite_without_force(county_copy: Path,
                                                   capsys: pytest.CaptureFixture):
    before = (county_copy / "leads.csv").read_bytes()
    assert main(["synth", str(county_copy), "--n", "30", "--months", "3"]) == 2
    assert "--force" in capsys.readouterr().err
    assert (county_copy / "leads.csv").read_bytes() == before
    assert main(["synth", str(county_copy), "--n", "30", "--months", "3", "--force"]) == 0
    assert (county_copy / "leads.csv").read_bytes() != before
    # --businesses, as simulate and sweep name it (--n is its first name)
    assert main(["synth", str(county_copy), "--businesses", "25", "--months", "3",
                 "--force"]) == 0
    assert len(pd.read_csv(county_copy / "leads.csv")) == 25


def _to_gcj02(county: Path, write: str = "gcj02", declare: str | None = None) -> None:
    """Rewrite a WGS-84 county folder in GCJ-02, as Amap data would come (or in ``write``,
    declared as ``declare``)."""
    import geo

    convert = {"gcj02": geo.wgs84_to_gcj02, "bd09": geo.wgs84_to_bd09}[write]

    for name, pairs in (("villages.csv", [("lat", "lon")]), ("branches.csv", [("lat", "lon")]),
                        ("leads.csv", [("lat", "lon")]),
                        ("officers.csv", [("start_lat", "start_lon"), ("end_lat", "end_lon")])):
        df = pd.read_csv(county / name, dtype=str, keep_default_na=False)
        for la, lo in pairs:
            if la not in df.columns:
                continue
            has = df[la] != ""
            lat, lon = convert(df.loc[has, la].astype(float).to_numpy(),
                               df.loc[has, lo].astype(float).to_numpy())
            df.loc[has, la] = [f"{x:.7f}" for x in lat]
            df.loc[has, lo] = [f"{x:.7f}" for x in lon]
        df.to_csv(county / name, index=False)
    manifest = json.loads((county / "county.json").read_text(encoding="utf-8"))
    manifest["crs"] = declare or write
    (county / "county.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                        encoding="utf-8")


@pytest.mark.parametrize(("write", "declare"), [("gcj02", "wgs84"), ("bd09", "gcj02"),
                                               ("gcj02", "bd09")])
def test_a_county_declared_in_the_wrong_coordinate_system_is_named(
        county_copy: Path, cache_dir: Path, write: str, declare: str):
    # Baidu's numbers declared as Amap's (or Amap's as GPS) move every lead ~0.5 km; on the
    # demo's dense roads most still land near some road, so it is a warning naming the fix
    _to_gcj02(county_copy, write, declare)
    with pytest.warns(DataWarning, match=rf'county\.json: .* if the file came from that map, '
                      rf'set "crs": "{write}"'):
        plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir, params=FAST)


def test_a_county_declared_rightly_gets_no_coordinate_system_warning(
        county_copy: Path, cache_dir: Path):
    _to_gcj02(county_copy, "bd09", "bd09")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir, params=FAST).ok


def test_a_gcj02_county_gets_its_route_exports_in_gcj02(county_copy: Path, cache_dir: Path,
                                                        tmp_path: Path):
    _to_gcj02(county_copy)
    out = tmp_path / "out"
    assert main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", DATE,
                 "--time-limit", "2", "--out", str(out)]) == 0
    given = pd.read_csv(county_copy / "leads.csv", dtype={"lead_id": str}).set_index("lead_id")
    routes = pd.concat([pd.read_csv(f, dtype={"lead_id": str})
                        for f in (out / "routes").glob("*.csv")])
    routes = routes[routes["kind"] == "visit"]
    assert len(routes) > 0 and set(routes["crs"]) == {"gcj02"}
    for rec in routes.itertuples():
        # What the user gave (GCJ-02) comes back, not the WGS-84 used inside (~500 m off).
        assert abs(rec.lat - given.at[rec.lead_id, "lat"]) < 1e-5
        assert abs(rec.lon - given.at[rec.lead_id, "lon"]) < 1e-5
        assert abs(rec.lat_wgs84 - rec.lat) > 1e-4 or abs(rec.lon_wgs84 - rec.lon) > 1e-4


def test_the_summary_counts_leads_ranked_below_the_day_among_the_leads(demo_out: Path):
    # The pipeline lists the leads it held back from the solver among the left-out ones;
    # the summary's total must count them, not only the leads offered to the solver.
    problem = problem_from_dict(read_json(demo_out / "problem.json"))
    plan = plan_from_dict(read_json(demo_out / "plan.json"))
    held = tuple(DroppedLead(f"HELD{i}", DropReason.BELOW_CANDIDATES, "ranked below")
                 for i in range(3))
    text = summary_text(problem, replace(plan, dropped=(*plan.dropped, *held)))
    visits = sum(len(r.stops) for r in plan.routes)
    assert visits + len(plan.dropped) == len(problem.leads)
    assert (f"Leads left out: {len(plan.dropped) + 3} of {len(problem.leads) + 3}"
            in text)


def test_input_warnings_are_one_line_each_and_kept_in_the_plan(
        county_copy: Path, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    # ~120 km away: the row is skipped. The user reads file and row, not the module and source
    # line that warned, and the plan file keeps the warning as its report.
    _edit_leads(county_copy, 7, lat=36.4, lon=116.2)
    # and a loan typed with the wrong year: kept, but it does not count yet
    loans = county_copy / "loans.csv"
    loans.write_text(loans.read_text(encoding="utf-8") + "B0001,2062-10,\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date", DATE,
                 "--time-limit", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    lines = [ln for ln in captured.err.splitlines() if "leads.csv" in ln]
    assert len(lines) == 1 and lines[0].startswith("countyreach: warning: ")
    assert "row 7" in lines[0] and ".py:" not in captured.err
    notes = read_json(out / "plan.json")["meta"]["input_warnings"]
    assert lines[0].removeprefix("countyreach: warning: ") in notes
    assert any("loans.csv: 1 loan(s) dated after the plan's month" in n for n in notes)
    # (the skipped lead's history rows warn too when the model is fitted, not read from cache)
    shown = [ln for ln in captured.err.splitlines() if ln.startswith("countyreach: warning: ")]
    assert len(shown) == len(notes) >= 1
    assert f"Input warnings: {len(notes)}" in captured.out


def test_score_in_chinese_has_a_chinese_header_whose_columns_line_up(
        cache_dir: Path, capsys: pytest.CaptureFixture) -> None:
    import unicodedata

    def _width(text: str) -> int:  # terminal columns: Chinese characters take two
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    demo = Path(__file__).resolve().parents[1] / "data" / "qingzu"
    assert main(["-q", "--cache-dir", str(cache_dir), "score", str(demo), "--date", DATE,
                 "--top", "5", "--lang", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("编号"))
    assert "贷款概率" in lines[header] and "为什么拜访" in lines[header]
    # the probability column ends at the same terminal column on every row
    ends = {_width(line[: line.index(p) + len(p)]) for line, p in
            [(lines[header], "贷款概率"),
             *((row, row.split()[2]) for row in lines[header + 1: header + 6])]}
    assert len(ends) == 1, lines[header: header + 6]


def test_a_visit_dated_after_the_plans_month_is_warned_about(county_copy: Path,
                                                             cache_dir: Path) -> None:
    hist = pd.read_csv(county_copy / "history.csv", dtype=str, keep_default_na=False)
    hist.loc[3, "month"] = "2027-05"  # a typo for 2024-05
    hist.to_csv(county_copy / "history.csv", index=False)
    with pytest.warns(DataWarning, match=r"history\.csv: 1 visit\(s\) dated after the plan's "
                                         r"month 2026-11 \(e\.g\. lead .* in 2027-05\)"):
        plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir, params=FAST)


@pytest.mark.parametrize("date", ["1990-01-01", "2099-01-01"])
def test_score_on_a_date_years_from_the_visits_says_so(cache_dir: Path, demo_dir: Path,
                                                        date: str,
                                                        capsys: pytest.CaptureFixture):
    # typed years off, every loan looks long past (or not yet made): the user is told
    assert main(["-q", "--cache-dir", str(cache_dir), "score", str(demo_dir), "--date", date,
                 "--top", "1"]) == 0
    err = capsys.readouterr().err
    assert f"the plan's month {date[:7]} lies far from the county's visits" in err


def test_synth_gives_a_county_its_own_industries(county_copy: Path, cache_dir: Path,
                                                 capsys: pytest.CaptureFixture):
    # 揭阳 carves jade: a synthetic population of jade workshops and village shops
    assert main(["synth", str(county_copy), "--n", "200", "--months", "12", "--force",
                 "--industries", "jade_carving:3,small_shop:1"]) == 0
    leads = pd.read_csv(county_copy / "leads.csv", dtype=str)
    share = leads["industry"].value_counts(normalize=True)
    assert set(share.index) == {"jade_carving", "small_shop"} and share["jade_carving"] > 0.6
    assert main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date",
                 "2025-11-24", "--time-limit", "1", "--out", str(county_copy / "out")]) == 0
    code = main(["synth", str(county_copy), "--force", "--industries", "jade,clothing"])
    assert code == 2
    assert "unknown industry 'jade'" in capsys.readouterr().err


def test_officers_typed_with_spaces_or_a_full_width_comma_are_found(
        cache_dir: Path, tmp_path: Path, demo_dir: Path):
    out = tmp_path / "out"
    assert main(["-q", "--cache-dir", str(cache_dir), "plan", str(demo_dir), "--date", DATE,
                 "--time-limit", "1", "--officers", "O01, O02，O03", "--out", str(out)]) == 0
    plan = plan_from_dict(read_json(out / "plan.json"))
    assert {r.officer_id for r in plan.routes} == {"O01", "O02", "O03"}


def test_python_dash_m_countyreach_runs_the_cli(tmp_path: Path) -> None:
    # a checkout not pip-installed (or a venv whose script is another checkout's) runs its
    # own CLI as `python -m countyreach`; bad input exits 2 with the CLI's message
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    done = subprocess.run([sys.executable, "-m", "countyreach", "check",
                           str(tmp_path / "missing.json")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("countyreach: error:") and "missing.json" in done.stderr


def test_an_empty_officers_option_is_refused_not_taken_for_everyone(
        demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `--officers "$ON_DUTY"` with the variable empty: planning everyone would surprise
    code = main(["-q", "plan", str(demo_dir), "--date", DATE, "--officers", " , ",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert "--officers names no one" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    code = main(["-q", "plan", str(demo_dir), "--date", DATE, "--officers", "",
                 "--lang", "zh", "--out", str(tmp_path / "out")])
    assert code == 2 and "--officers 没有列出任何人" in capsys.readouterr().err


def test_a_reader_that_leaves_early_ends_the_cli_quietly(tmp_path: Path, demo_dir: Path,
                                                         cache_dir: Path) -> None:
    # `countyreach score x | head`: once head has read enough, the CLI stops with the
    # shell's broken-pipe code and no traceback
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo), "HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "countyreach", "-q", "--cache-dir",
                             str(cache_dir), "score", str(demo_dir)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    _, err = proc.communicate()
    assert proc.returncode == 141, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_a_lead_skipped_off_the_roads_is_named_in_dropped_csv(
        county_copy: Path, cache_dir: Path, tmp_path: Path) -> None:
    # the lender fixes the coordinates of the leads dropped.csv lists off the roads; the
    # row had their id alone (the lead is in no score and no problem)
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[6, ["lat", "lon"]] = ["36.4", "116.2"]  # ~120 km away
    df.to_csv(county_copy / "leads.csv", index=False)
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowWarning)
        code = main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date",
                     DATE, "--time-limit", "1", "--out", str(out)])
    assert code == 0
    dropped = pd.read_csv(out / "dropped.csv", dtype=str, keep_default_na=False,
                          encoding="utf-8-sig").set_index("lead_id")
    lead = df.loc[6]
    assert dropped.loc[lead["lead_id"], "reason"] == "off_the_road_network"
    assert dropped.loc[lead["lead_id"], "name"] == lead["name"] != ""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_summary_names_a_lead_skipped_off_the_roads(
        county_copy: Path, cache_dir: Path, tmp_path: Path, lang: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.i18n import drop_reason_label

    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[6, ["lat", "lon"]] = ["36.4", "116.2"]  # ~120 km away
    df.to_csv(county_copy / "leads.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowWarning)
        assert main(["-q", "--cache-dir", str(cache_dir), "plan", str(county_copy), "--date",
                     DATE, "--time-limit", "1", "--out", str(tmp_path / "out"),
                     "--lang", lang]) == 0
    out = capsys.readouterr().out
    lead = df.loc[6]
    reason = "off_the_road_network" if lang == "en" else drop_reason_label(
        "off_the_road_network", "zh")
    sep = ": " if lang == "en" else "："
    assert f"  {lead['lead_id']} {lead['name']}{sep}{reason}" in out, out


@pytest.mark.parametrize("argv,named", [(["--balance", "150"], "--balance"),
                                         (["--balance", "-1"], "--balance"),
                                         (["--drive-cost", "-5"], "--drive-cost"),
                                         (["--time-limit", "0"], "--time-limit")])
def test_a_plan_option_out_of_range_is_named_as_typed(
        argv: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture):
    out = tmp_path / "out"
    assert main(["-q", "--cache-dir", str(tmp_path / "cache"), "demo", "--date", DATE,
                 "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    # the option the user typed, not the field it sets inside (drive_cost_yuan_per_h)
    assert named in err and "_yuan" not in err and "time_limit_s" not in err, err
    assert "Traceback" not in err and not out.exists()


def test_balance_zero_leaves_the_hours_as_they_fall(tmp_path: Path, cache_dir: Path):
    out = tmp_path / "out"
    assert main(["-q", "--cache-dir", str(cache_dir), "demo", "--date", DATE, "--time-limit",
                 "2", "--balance", "0", "--out", str(out)]) == 0
    problem = problem_from_dict(read_json(out / "problem.json"))
    plan = plan_from_dict(read_json(out / "plan.json"))
    assert problem.rules.balance == 0.0
    assert plan.meta["balance_cost_yuan"] == 0.0
    assert not any(d.reason is DropReason.BALANCE for d in plan.dropped)
