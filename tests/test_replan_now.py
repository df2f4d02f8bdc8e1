"""A published day planned again at a given time: nothing left of anyone's day starts
earlier, and what was planned before it is presumed made, whether or not they recorded a
visit that morning."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.services.loop import DailyLoop
from routing.problem import parse_hhmm
from tests.conftest import LOOP_PARAMS, LOOP_RULES

PARAMS, RULES = LOOP_PARAMS, LOOP_RULES
DAY = "2026-11-24"
NOON = parse_hhmm("12:00")


@pytest.fixture()
def loop(trained_loop_at: Callable[[dt.datetime], DailyLoop]) -> DailyLoop:
    """The demo county in a store whose clock reads 10:00 in the county on :data:`DAY`."""
    return trained_loop_at(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC))


def test_a_noon_re_plan_starts_what_is_left_at_noon(loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    busy = [r for r in first.day.plan.routes if len(r.stops) >= 3]
    visited = busy[0]
    made = visited.stops[0]
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=made.lead_id,
                        outcome="not_interested")
    assert made.departure_s < NOON  # the morning's last outcome is well before noon

    again = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES,
                      now_s=NOON)
    assert again.published and again.day.ok, again.day.violations
    assert again.day.plan.meta["replanned_at"] == "12:00"
    published = {r.officer_id: r.stops for r in first.day.plan.routes}
    for r in again.day.plan.routes:
        # the visit made stays as it was, and so does every stop whose time had come
        kept = tuple(s for s in published.get(r.officer_id, ()) if s.start_s < NOON)
        if r.officer_id == visited.officer_id:
            assert r.stops[0] == made
        assert r.stops[:len(kept)] == kept
        # nobody is sent back to the morning
        rest = r.stops[len(kept):]
        assert all(s.arrival_s >= NOON for s in rest), (r.officer_id, rest[:1])
    assert any(r.stops for r in again.day.plan.routes if r.officer_id != visited.officer_id)


def test_a_noon_re_plan_keeps_each_officers_unrecorded_morning(
        loop: DailyLoop, capsys: pytest.CaptureFixture[str]) -> None:
    """Officers who write their outcomes up in the evening are not sent back to the branch at
    noon and keep their morning: its stops are presumed made, theirs, in the published
    order, and the rest of their day goes on from the last of them."""
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    morning = {r.officer_id: tuple(s for s in r.stops if s.start_s < NOON)
               for r in first.day.plan.routes}
    recorder = next(oid for oid, stops in morning.items() if len(stops) >= 2)
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY,
                        lead_id=morning[recorder][0].lead_id, outcome="not_interested")
    silent = {oid: stops for oid, stops in morning.items() if stops and oid != recorder}
    assert silent  # officers with a morning planned and nothing recorded

    again = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES,
                      now_s=NOON)
    assert again.published and again.day.ok, again.day.violations
    routes = {r.officer_id: r for r in again.day.plan.routes}
    holder = {s.lead_id: r.officer_id for r in again.day.plan.routes for s in r.stops}
    m = again.day.problem.matrix
    for oid, stops in {**silent, recorder: morning[recorder]}.items():
        mine = routes[oid].stops
        assert mine[:len(stops)] == stops  # same stops, same order, same times
        assert all(holder[s.lead_id] == oid for s in stops)  # not handed to anyone else
        if len(mine) > len(stops):  # the afternoon starts from the last morning stop, at noon
            nxt, last = mine[len(stops)], stops[-1]
            assert nxt.arrival_s >= max(NOON, last.departure_s)
            assert nxt.drive_s == m.duration_s[m.index[last.lead_id], m.index[nxt.lead_id]]
    presumed = again.day.plan.meta["presumed_made"]
    assert presumed[recorder] == [s.lead_id for s in morning[recorder][1:]]
    for oid, stops in silent.items():
        assert presumed[oid] == [s.lead_id for s in stops]
        line = next(x for x in again.changes.lines() if x.startswith(f"{oid}:"))
        n = len(stops)
        assert f"{n} stop{'s' if n != 1 else ''} before 12:00 presumed made, not yet " \
               "recorded" in line and "visited stop" not in line and "passed over" not in line
        zh = next(x for x in again.changes.lines("zh") if x.startswith(f"{oid}："))
        assert f"{n} 个站点（计划在 12:00 前）按已拜访处理，尚未登记（" in zh
        assert not re.search(r"[a-z]{2,}[ ,;:']+[a-z]{2,}", zh), zh

    # the outcomes written up in the evening are still accepted, and stay put in a re-plan
    oid, stops = next(iter(silent.items()))
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=stops[-1].lead_id,
                        outcome="not_interested")
    later = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES)
    assert {r.officer_id: r.stops for r in later.day.plan.routes}[oid][:len(stops)] == stops


def test_without_a_time_a_past_days_re_plan_goes_on_after_the_last_visit(
        loop_at: Callable[[dt.datetime], DailyLoop]) -> None:
    # the next morning: DAY is planned again as it was, not from the time it is now
    loop = loop_at(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC))
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    visited = next(r for r in first.day.plan.routes if len(r.stops) >= 3)
    made = visited.stops[0]
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=made.lead_id,
                        outcome="not_interested")
    again = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES)
    assert "replanned_at" not in again.day.plan.meta
    mine = next(r for r in again.day.plan.routes if r.officer_id == visited.officer_id)
    assert mine.stops[0] == made and mine.stops[1].arrival_s < NOON


def test_the_command_line_reads_now_and_refuses_a_bad_one(
        county_copy: Path, cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "plan", str(county_copy), "--date", DAY, "--now", "12:00"]) == 2
    assert "--now re-plans a day published in the store" in capsys.readouterr().err
    assert main(["-q", "county", "import", str(county_copy)]) == 0
    assert main(["-q", "plan", "qingzu", "--date", DAY, "--now", "noon"]) == 2
    err = capsys.readouterr().err
    assert "--now" in err and "08:30" in err and "Traceback" not in err
    # past the end of any day: refused, not planned from after every shift
    assert main(["-q", "plan", "qingzu", "--date", DAY, "--now", "25:00"]) == 2
    err = capsys.readouterr().err
    assert "--now" in err and "00:00-24:00" in err and "Traceback" not in err


def test_today_is_planned_from_now_and_another_day_whole(loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    ten = parse_hhmm("10:00")  # the store's clock: 10:00 in the county on DAY
    today = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES)
    assert today.day.ok and today.day.plan.meta["planned_from"] == "10:00"
    assert "replanned_at" not in today.day.plan.meta
    routes = [r for r in today.day.plan.routes if r.stops]
    assert routes and all(r.start_s >= ten and r.stops[0].start_s >= ten for r in routes)
    # the officers' lunch is still owed and taken in its window after 10:00
    assert all(r.lunch is None or r.lunch.start_s >= ten for r in routes)
    # --now wins: planned from the shifts' start, the day is whole again
    early = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES,
                      now_s=parse_hhmm("07:00"))
    assert "planned_from" not in early.day.plan.meta
    assert min(r.stops[0].start_s for r in early.day.plan.routes if r.stops) < ten
    ahead = loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert "planned_from" not in ahead.day.plan.meta
    assert min(r.stops[0].start_s for r in ahead.day.plan.routes if r.stops) < ten


def test_the_command_line_says_today_is_planned_from_now(
        county_copy: Path, cli_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.settings import get_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COUNTYREACH_CLOCK", f"{DAY}T10:31+08:00")
    get_settings.cache_clear()
    assert main(["-q", "county", "import", str(county_copy)]) == 0
    capsys.readouterr()
    assert main(["-q", "plan", "qingzu", "--date", DAY, "--time-limit", "1"]) == 0
    out = capsys.readouterr().out
    # rounded up: a moment to publish and set off
    assert "Planned from 10:35, the time it is now (today's shifts had begun" in out
    table = out.split("\n\n")[1].splitlines()[1:-1]  # officer rows: id, name, visits, start
    # nobody leaves before now (one may leave later still: no earlier than the day needs)
    starts = [row.split()[3] for row in table if row.split()[2] != "0"]
    assert starts and min(starts) == "10:35" and all(s >= "10:35" for s in starts)
    assert main(["-q", "plan", "qingzu", "--date", DAY, "--time-limit", "1",
                 "--now", "08:00"]) == 0
    assert "Planned from" not in capsys.readouterr().out


def test_a_late_re_plan_keeps_routes_that_ended_before_now(loop: DailyLoop) -> None:
    """At 17:20 every published stop's time has come: each route is kept whole, and one whose
    officer was home before now is no error (its drive home ended before the re-plan)."""
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    late = parse_hhmm("17:20")
    assert any(r.stops and r.end_s < late for r in first.day.plan.routes)
    again = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES, now_s=late)
    assert again.day.ok, again.day.violations
    published = {r.officer_id: r.stops for r in first.day.plan.routes}
    for r in again.day.plan.routes:
        kept = tuple(s for s in published.get(r.officer_id, ()) if s.start_s < late)
        assert r.stops[:len(kept)] == kept


def test_a_stop_presumed_made_then_refused_leaves_the_officers_list(loop: DailyLoop) -> None:
    """The noon re-plan presumes the morning made; the business of one of those stops then
    calls to refuse visits (no outcome recorded): the officer's list leaves it out, and the
    list still opens."""
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    again = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES,
                      now_s=NOON)
    presumed = again.day.plan.meta["presumed_made"]
    officer, leads = next((o, ids) for o, ids in presumed.items() if ids)
    assert first.published and again.published
    loop.store.opt_out(admin, "qingzu", leads[0], "called the branch")
    day = loop.store.visit_list(admin, "qingzu", DAY, officer)
    assert leads[0] not in {s.lead_id for s in day.stops}
    assert set(leads[1:]) <= {s.lead_id for s in day.stops}


def test_today_planned_after_every_shift_ended_is_refused(loop: DailyLoop) -> None:
    """At 19:40 no officer has time left: a clear refusal, not an empty plan whose
    appointments all count as broken."""
    admin = loop.store.operator_session()
    with pytest.raises(InputError, match="shifts ended by 17:30 and it is 19:40"):
        loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES,
                  now_s=parse_hhmm("19:40"))


def test_an_appointment_whose_hours_closed_before_now_is_offered_to_everyone(
        loop: DailyLoop) -> None:
    """B0035's appointment with O02 is for its hours 09:00-11:30 or 14:00-17:00: planned from
    17:10 it cannot be kept, which is said, and the plan does not count it as broken."""
    admin = loop.store.operator_session()
    late = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES,
                     now_s=parse_hhmm("17:10"))
    # the plan keeps the warning, as it keeps every input warning
    assert any("appointment B0035 with O02 can no longer be kept: the business's hours today "
               "ended before 17:10" in w for w in late.day.plan.meta["input_warnings"])
    broken = {v.lead_id for v in late.day.violations if v.code == "pinned_missing"}
    assert "B0035" not in broken
    assert "B0035" not in late.day.plan.visited_lead_ids


def test_every_part_of_a_change_line_reads_in_chinese() -> None:
    from countyreach.services.republish import PlanChanges

    changes = PlanChanges(added={"O1": ("B7", "B8")}, removed={"O1": ("B9",)},
                          moved={"O1": ("B3", "B2")}, kept_fixed={"O1": ("B1", "B4", "B5")},
                          passed_over={"O1": ("B4",)}, presumed={"O1": ("B5",)},
                          now_s=12 * 3600)
    assert changes.lines() == ["O1: 1 visited stop(s) kept in place with 1 passed over before "
                               "them, without an outcome (B4); 1 stop before 12:00 presumed "
                               "made, not yet recorded (B5); +B7 +B8; -B9; reordered B3 B2"]
    assert changes.lines("zh") == ["O1：1 个已拜访的站点保持原位，其间有 1 个站点被跳过、没有拜访"
                                   "结果（B4）；1 个站点（计划在 12:00 前）按已拜访处理，尚未登记"
                                   "（B5）；+B7 +B8；-B9；调整了顺序：B3 B2"]
