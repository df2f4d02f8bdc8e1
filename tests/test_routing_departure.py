"""An officer leaves no earlier than needed: the waiting a day holds (a window not yet open,
lunch not yet allowed) is taken at home by leaving later, as far as no visit or lunch is
pushed past its window and the officer is back at the same time."""

from __future__ import annotations

from routing import check_plan
from routing.plan import Plan, PlanStatus, Route
from routing.problem import Break, RoutingProblem, TimeWindow
from routing.schedule import schedule_route
from tests.test_routing_solver import MIN, H, lead, officer, problem

NINE = TimeWindow(9 * H, 10 * H)


def _checked(p: RoutingProblem, route: Route) -> None:
    plan = Plan(PlanStatus.FEASIBLE, (route,), ())
    assert check_plan(p, plan) == [], plan


def test_a_visit_before_an_appointment_does_not_start_the_day_early() -> None:
    # 10 min to L1 (no window, 10 min visit), 5 min on to L2 (09:00-10:00): leaving at
    # 08:00 would wait 35 min at L2; the officer leaves at 08:35 instead
    o = officer("O1")
    leads = [lead("L1"), lead("L2", windows=(NINE,))]
    p = problem(leads, [o], {"O1": (0, 0), "L1": (10, 0), "L2": (15, 0)})
    route = schedule_route(o, leads, p.matrix)
    assert route is not None
    assert route.start_s == 8 * H + 35 * MIN
    assert [s.arrival_s for s in route.stops] == [8 * H + 45 * MIN, 9 * H]
    assert [s.start_s for s in route.stops] == [8 * H + 45 * MIN, 9 * H]
    assert route.end_s == 9 * H + 10 * MIN + 15 * MIN  # back as before
    _checked(p, route)


def test_the_later_departure_stops_where_a_window_would_close() -> None:
    # L1 is open 08:00-08:20 only: the officer may leave at most 10 min late (arrive 08:20),
    # and waits the rest at L2
    o = officer("O1")
    leads = [lead("L1", windows=(TimeWindow(8 * H, 8 * H + 20 * MIN),)),
             lead("L2", windows=(NINE,))]
    p = problem(leads, [o], {"O1": (0, 0), "L1": (10, 0), "L2": (15, 0)})
    route = schedule_route(o, leads, p.matrix)
    assert route is not None
    assert route.start_s == 8 * H + 10 * MIN
    assert route.stops[0].start_s == 8 * H + 20 * MIN
    assert route.stops[1].arrival_s == 8 * H + 35 * MIN and route.stops[1].start_s == 9 * H
    _checked(p, route)


def test_a_day_with_no_waiting_leaves_at_the_shift_start() -> None:
    o = officer("O1")
    leads = [lead("L1"), lead("L2")]
    p = problem(leads, [o], {"O1": (0, 0), "L1": (10, 0), "L2": (15, 0)})
    route = schedule_route(o, leads, p.matrix)
    assert route is not None and route.start_s == 8 * H


def test_a_day_with_lunch_leaves_as_late_as_its_first_window_allows() -> None:
    # a 10:00-10:30 appointment (an hour) and a 13:30 one, lunch owed 11:30-12:30: leaving
    # at 08:00 the officer would wait 1 h 50 at the first, 25 min for lunch and an hour at
    # the second; leaving at 10:20 the first starts at 10:30 (its window's close) and
    # lunch at 11:35, and the officer is back at the same time
    lunch = Break(TimeWindow(11 * H + 30 * MIN, 12 * H + 30 * MIN), 60 * MIN)
    o = officer("O1", lunch=lunch)
    leads = [lead("L1", service_s=60 * MIN, windows=(TimeWindow(10 * H, 10 * H + 30 * MIN),)),
             lead("L2", windows=(TimeWindow(13 * H + 30 * MIN, 14 * H),))]
    p = problem(leads, [o], {"O1": (0, 0), "L1": (10, 0), "L2": (15, 0)})
    route = schedule_route(o, leads, p.matrix)
    assert route is not None and route.lunch is not None
    assert route.start_s == 10 * H + 20 * MIN
    assert route.stops[0].start_s == 10 * H + 30 * MIN
    assert route.lunch.start_s == 11 * H + 35 * MIN
    assert route.stops[1].start_s == 13 * H + 30 * MIN
    assert route.end_s == 13 * H + 55 * MIN  # 10 min visit, 15 min home
    _checked(p, route)
