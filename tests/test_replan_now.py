"""A published day planned again at a given time: nothing left of anyone's day starts
earlier, whether or not they recorded a visit that morning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.services.loop import DailyLoop
from routing.problem import parse_hhmm
from tests.conftest import LOOP_PARAMS, LOOP_RULES

PARAMS, RULES = LOOP_PARAMS, LOOP_RULES
DAY = "2026-11-24"
NOON = parse_hhmm("12:00")


@pytest.fixture()
def loop(loop_at: Callable[[dt.datetime], DailyLoop]) -> DailyLoop:
    """The demo county in a store whose clock reads 10:00 in the county on :data:`DAY`."""
    return loop_at(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC))


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
    for r in again.day.plan.routes:
        rest = r.stops[1:] if r.officer_id == visited.officer_id else r.stops
        if r.officer_id == visited.officer_id:
            assert r.stops[0] == made  # the visit made stays as it was
        # officers with no visit recorded too: nobody is sent back to the morning
        assert all(s.arrival_s >= NOON for s in rest), (r.officer_id, rest[:1])
    assert any(r.stops for r in again.day.plan.routes if r.officer_id != visited.officer_id)


def test_without_a_time_the_re_plan_goes_on_after_the_last_visit(loop: DailyLoop) -> None:
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
