"""The lunch break is owed by a day that runs into its window, not by every day with a visit."""

from __future__ import annotations

from dataclasses import replace

from routing import check_plan
from routing.plan import BreakTaken
from routing.problem import Break, TimeWindow
from routing.schedule import schedule_route
from tests.test_routing_solver import MIN, H, lead, officer, problem, solved

LUNCH = Break(TimeWindow(11 * H + 30 * MIN, 13 * H + 30 * MIN), 60 * MIN)


def test_a_short_morning_goes_home_without_waiting_for_lunch() -> None:
    o = officer("O1", lunch=LUNCH)
    p = problem([lead("L1", 300, service_s=60 * MIN)], [o], {"O1": (0, 0), "L1": (10, 0)})
    route = schedule_route(o, [p.leads[0]], p.matrix)
    assert route is not None and route.lunch is None
    assert route.end_s == 8 * H + 80 * MIN  # 10 min there, an hour's visit, 10 min back
    plan = solved(p)
    assert plan.routes[0].lunch is None and plan.routes[0].end_s == 8 * H + 80 * MIN


def test_a_day_into_the_window_still_takes_lunch() -> None:
    o = officer("O1", lunch=LUNCH)
    leads = [lead(f"L{i}", 300, service_s=90 * MIN) for i in range(3)]
    p = problem(leads, [o], {"O1": (0, 0)} | {f"L{i}": (5 * (i + 1), 0) for i in range(3)})
    route = solved(p).routes[0]
    assert len(route.stops) == 3 and route.lunch is not None
    assert LUNCH.window.contains(route.lunch.start_s)


def test_a_half_day_shift_before_the_window_is_planned() -> None:
    # 08:00-11:00 with the county's lunch window at 11:30: every visit used to be refused,
    # since lunch could fit nowhere in the shift
    o = officer("O1", shift=TimeWindow(8 * H, 11 * H), lunch=LUNCH)
    leads = [lead(f"L{i}", 300, service_s=40 * MIN) for i in range(2)]
    p = problem(leads, [o], {"O1": (0, 0), "L0": (5, 0), "L1": (10, 0)})
    plan = solved(p)
    assert len(plan.routes[0].stops) == 2 and plan.routes[0].lunch is None


def test_an_afternoon_shift_after_the_window_is_planned() -> None:
    o = officer("O1", shift=TimeWindow(14 * H, 18 * H), lunch=LUNCH)
    p = problem([lead("L1", 300, service_s=60 * MIN)], [o], {"O1": (0, 0), "L1": (10, 0)})
    plan = solved(p)
    assert plan.routes[0].lead_ids == ("L1",) and plan.routes[0].lunch is None


def test_the_checker_wants_lunch_only_from_a_day_that_runs_into_the_window() -> None:
    o = officer("O1", lunch=LUNCH)
    leads = [lead(f"L{i}", 300, service_s=90 * MIN) for i in range(3)]
    p = problem(leads, [o], {"O1": (0, 0)} | {f"L{i}": (5 * (i + 1), 0) for i in range(3)})
    plan = solved(p)
    no_lunch = replace(plan, routes=(replace(plan.routes[0], lunch=None),))
    assert {v.code for v in check_plan(p, no_lunch)} == {"lunch_missing"}
    short = problem([leads[0]], [o], {"O1": (0, 0), "L0": (5, 0)})
    morning = solved(short)
    assert morning.routes[0].lunch is None and check_plan(short, morning) == []
    # a break taken anyway, inside the window and the day, is not a violation
    late = morning.routes[0]
    lunch_taken = replace(late, end_s=LUNCH.window.start_s + LUNCH.duration_s + 5 * MIN,
                          lunch=BreakTaken(LUNCH.window.start_s, LUNCH.duration_s),
                          end_drive_s=late.end_drive_s)
    assert "lunch_missing" not in {v.code for v in check_plan(short, replace(
        morning, routes=(lunch_taken,)))}
