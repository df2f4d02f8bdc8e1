"""Planning a day again when an officer's every stop is already made: the drive home.

An officer whose published day ended with lunch after the last visit (the lunch window
opens as the visits end) has nothing left to do when the day is planned again after
lunch; the re-planned route keeps the visits, that lunch and the drive home, and passes
the independent checker.
"""

from __future__ import annotations

from dataclasses import replace

from countyreach.services.republish import solve_around
from countyreach.store.testing import synthetic_day
from routing import SolveParams, check_plan, schedule_route
from routing.plan import Plan, PlanStatus
from routing.problem import Break, TimeWindow


def test_a_day_whose_lunch_came_after_its_last_visit_keeps_it_inside_the_route() -> None:
    problem, _ = synthetic_day(n_officers=1, leads_per_officer=2)
    # visits 08:10-08:30 and 08:40-09:00, home at 09:10: lunch is owed from 09:00
    officer = replace(problem.officers[0], lunch=Break(TimeWindow(9 * 3600, 10 * 3600), 1800))
    problem = replace(problem, officers=(officer,))
    route = schedule_route(officer, problem.leads, problem.matrix)
    assert route is not None and route.lunch is not None
    assert route.lunch.start_s >= route.stops[-1].departure_s  # after the last visit
    published = Plan(PlanStatus.FEASIBLE, (route,), (), plan_date=problem.plan_date)
    assert check_plan(problem, published) == []
    again = solve_around(problem, published, {officer.officer_id: route.stops},
                         SolveParams(time_limit_s=1.0, workers=1, improvement_steps=1),
                         now_s=12 * 3600)
    kept = again.routes[0]
    assert kept.stops == route.stops and kept.lunch == route.lunch
    assert check_plan(problem, again) == []
    assert kept.end_s == route.end_s  # home as published


def test_an_officer_home_before_lunch_who_goes_out_again_lunches_in_between() -> None:
    """A morning visit home before the lunch window, more visits after it: the joined day
    runs into the window, so it has the lunch, taken in the wait between the two."""
    problem, _ = synthetic_day(n_officers=1, leads_per_officer=3)
    # lunch from 11:30 to 13:00, 45 minutes; the published day was home at 08:40
    officer = replace(problem.officers[0],
                      lunch=Break(TimeWindow(11 * 3600 + 1800, 13 * 3600), 2700))
    problem = replace(problem, officers=(officer,))
    route = schedule_route(officer, problem.leads[:1], problem.matrix)
    assert route is not None and route.lunch is None
    published = Plan(PlanStatus.FEASIBLE, (route,), (), plan_date=problem.plan_date)
    again = solve_around(problem, published, {officer.officer_id: route.stops},
                         SolveParams(time_limit_s=1.0, workers=1, improvement_steps=1),
                         now_s=13 * 3600)
    joined = again.routes[0]
    assert len(joined.stops) == 3 and joined.stops[0] == route.stops[0]  # out again at 13:00
    assert check_plan(problem, again) == []
    assert joined.lunch is not None and joined.lunch.start_s < joined.stops[1].arrival_s
