"""The independent checker: each violation code is caught on a deliberately corrupted plan,
and random small problems solve into plans it accepts (hypothesis)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geo.types import TravelMatrix
from routing import VIOLATION_CODES, check_plan, checked_plan
from routing.plan import BreakTaken, DroppedLead, DropReason, Plan, PlanStatus, Stop
from routing.problem import Break, Lead, RoutingProblem, TimeWindow, start_node_id
from tests.test_routing_solver import MIN, H, lead, officer, problem, solve


@pytest.fixture(scope="module")
def base():
    """A solved day with lunch, windows and two officers that every corruption starts from."""
    lunch = Break(TimeWindow(9 * H + 30 * MIN, 13 * H), 30 * MIN)
    o1 = officer("O1", lunch=lunch, max_drive_s=4 * H, max_visits=5,
                 skills=frozenset({"small_shop"}), localities=frozenset({"v1"}))
    o2 = officer("O2", lunch=lunch)
    leads = [lead(f"L{i}", 100 + i, village="v1", service_s=40 * MIN,
                  windows=(TimeWindow(8 * H, 16 * H),)) for i in range(8)]
    pos = {"O1": (0, 0), "O2": (20, 20)} | {f"L{i}": (3 * i, 2) for i in range(8)}
    p = problem(leads, [o1, o2], pos, skills="hard", locality="hard")
    plan = solve(p)
    assert check_plan(p, plan) == []
    busy = max(plan.routes, key=lambda r: len(r.stops))
    assert len(busy.stops) >= 3 and busy.lunch is not None
    return p, plan


def _edit_route(plan: Plan, oid: str | None = None, **changes) -> Plan:
    busy = max(plan.routes, key=lambda r: len(r.stops)) if oid is None else next(
        r for r in plan.routes if r.officer_id == oid)
    routes = tuple(replace(r, **changes) if r is busy else r for r in plan.routes)
    return replace(plan, routes=routes)


def _busy(plan: Plan):
    return max(plan.routes, key=lambda r: len(r.stops))


def _edit_stop(plan: Plan, k: int, **changes) -> Plan:
    r = _busy(plan)
    stops = list(r.stops)
    stops[k] = replace(stops[k], **changes)
    return _edit_route(plan, stops=tuple(stops))


def _codes(p: RoutingProblem, plan: Plan) -> set[str]:
    return {v.code for v in check_plan(p, plan)}


def corruptions(p: RoutingProblem, plan: Plan) -> dict[str, tuple[RoutingProblem, Plan]]:
    r = _busy(plan)
    s0, s1 = r.stops[0], r.stops[1]
    other = next(x for x in plan.routes if x is not r)
    out: dict[str, tuple[RoutingProblem, Plan]] = {}
    out["unknown_officer"] = (p, replace(plan, routes=(*plan.routes, replace(r, officer_id="OX",
                                                                             stops=()))))
    out["duplicate_route"] = (p, replace(plan, routes=(*plan.routes, replace(other))))
    ghost = Stop("GHOST", s0.arrival_s, s0.start_s, s0.departure_s, s0.drive_s, s0.distance_m)
    out["unknown_lead"] = (p, replace(plan, dropped=(*plan.dropped,
                                                     DroppedLead("GHOST",
                                                                 DropReason.NO_CAPACITY))))
    del ghost
    # A lead of the problem (here a visited one) reported as never offered to the solver.
    out["offered_but_ranked_below"] = (p, replace(plan, dropped=(
        *plan.dropped, DroppedLead(s0.lead_id, DropReason.BELOW_CANDIDATES))))
    out["duplicate_visit"] = (p, _edit_route(plan, stops=(*r.stops, r.stops[0])))
    out["dropped_and_routed"] = (p, replace(plan, dropped=(
        *plan.dropped, DroppedLead(s0.lead_id, DropReason.NO_CAPACITY))))
    if plan.dropped:
        out["duplicate_drop"] = (p, replace(plan, dropped=(*plan.dropped, plan.dropped[0])))
    else:
        out["duplicate_drop"] = (p, replace(
            _edit_route(plan, stops=r.stops[:-1]),
            dropped=(DroppedLead(r.stops[-1].lead_id, DropReason.NO_CAPACITY),) * 2))
    out["lead_unaccounted"] = (p, _edit_route(plan, stops=r.stops[:-1]))
    out["done_lead_revisited"] = (replace(p, done_lead_ids=frozenset({s0.lead_id})), plan)
    d = p.matrix.duration_s.copy()
    d[p.matrix.index[s0.lead_id], p.matrix.index[s1.lead_id]] = 10**9
    out["unreachable_leg"] = (replace(p, matrix=TravelMatrix(p.matrix.node_ids, d,
                                                             p.matrix.distance_m)), plan)
    out["travel_time"] = (p, _edit_stop(plan, 1, arrival_s=s0.departure_s,
                                        start_s=max(s0.departure_s, s1.start_s - 1)))
    out["leg_mismatch"] = (p, _edit_stop(plan, 1, drive_s=s1.drive_s + 7))
    out["service_time"] = (p, _edit_stop(plan, 0, departure_s=s0.departure_s - 60))
    out["time_window"] = (p, _edit_stop(plan, 0, arrival_s=7 * H, start_s=7 * H,
                                        departure_s=7 * H + 40 * MIN))
    out["shift_start"] = (p, _edit_route(plan, start_s=7 * H))
    out["shift_end"] = (p, _edit_route(plan, end_s=18 * H))
    tight = replace(p.officer_by_id[r.officer_id], max_drive_s=r.drive_s - 1)
    out["max_drive"] = (replace(p, officers=tuple(tight if o.officer_id == r.officer_id else o
                                                  for o in p.officers)), plan)
    few = replace(p.officer_by_id[r.officer_id], max_visits=len(r.stops) - 1)
    out["max_visits"] = (replace(p, officers=tuple(few if o.officer_id == r.officer_id else o
                                                   for o in p.officers)), plan)
    heavy = tuple(replace(ld, load=3) for ld in p.leads)
    small = replace(p.officer_by_id[r.officer_id], capacity=3 * len(r.stops) - 1)
    out["capacity"] = (replace(p, leads=heavy, officers=tuple(
        small if o.officer_id == r.officer_id else o for o in p.officers)), plan)
    out["drive_mismatch"] = (p, _edit_route(plan, drive_s=r.drive_s + 1))
    out["value_mismatch"] = (p, _edit_route(plan, value_yuan=r.value_yuan + 5))
    leads = tuple(replace(ld, industry="sheep_farm") if ld.lead_id == s0.lead_id else ld
                  for ld in p.leads)
    skill_p = replace(p, leads=leads)
    if r.officer_id == "O2":  # O2 is a generalist: give it a skill it lacks
        out["skill"] = (replace(skill_p, officers=tuple(
            replace(o, skills=frozenset({"clothing"})) if o.officer_id == "O2" else o
            for o in p.officers)), plan)
    else:
        out["skill"] = (skill_p, plan)
    out["locality"] = (replace(p, officers=tuple(
        replace(o, localities=frozenset({"elsewhere"})) for o in p.officers)), plan)
    pin = tuple(replace(ld, pinned_officer_id=other.officer_id) if ld.lead_id == s0.lead_id
                else ld for ld in p.leads)
    out["pinned_wrong_officer"] = (replace(p, leads=pin), plan)
    # The second stop pinned to be its officer's first.
    first = tuple(replace(ld, pinned_officer_id=r.officer_id, pinned_position=0)
                  if ld.lead_id == s1.lead_id else ld for ld in p.leads)
    out["pinned_position"] = (replace(p, leads=first), plan)
    out["pinned_missing"] = (replace(p, leads=pin), replace(
        _edit_route(plan, stops=r.stops[1:], value_yuan=r.value_yuan),
        dropped=(*plan.dropped, DroppedLead(s0.lead_id, DropReason.NO_CAPACITY))))
    # A plan that reverses a locked route (what "lock route" used to do) breaks the lock.
    out["locked_route"] = (replace(p, locked_routes={r.officer_id: tuple(reversed(r.lead_ids))}),
                           plan)
    # The visits the officer made today, in the other order than the route's.
    out["visited_route"] = (replace(p, visited_routes={r.officer_id: (s1.lead_id, s0.lead_id)}),
                            plan)
    out["lunch_missing"] = (p, _edit_route(plan, lunch=None))
    assert r.lunch is not None
    out["lunch_window"] = (p, _edit_route(plan, lunch=BreakTaken(14 * H, r.lunch.duration_s)))
    out["lunch_duration"] = (p, _edit_route(plan, lunch=BreakTaken(r.lunch.start_s, 60)))
    out["lunch_overlap"] = (p, _edit_route(plan, lunch=BreakTaken(s0.start_s,
                                                                  r.lunch.duration_s)))
    out["lunch_outside_route"] = (p, _edit_route(plan, end_s=r.lunch.start_s + 1,
                                                 lunch=r.lunch))
    out["status"] = (p, replace(plan, status=PlanStatus.INFEASIBLE))
    return out


def test_every_violation_code_has_a_corruption_test(base):
    p, plan = base
    assert set(corruptions(p, plan)) == set(VIOLATION_CODES)


@pytest.mark.parametrize("code", VIOLATION_CODES)
def test_checker_catches(base, code):
    p, plan = base
    bad_p, bad_plan = corruptions(p, plan)[code]
    found = _codes(bad_p, bad_plan)
    assert code in found, found


def test_a_plan_the_checker_rejects_says_so_in_its_message(base):
    p, plan = base
    assert checked_plan(p, plan) == (plan, [])
    bad_p, bad_plan = corruptions(p, plan)["skill"]
    assert bad_plan.status is PlanStatus.FEASIBLE and bad_plan.message == ""
    said, violations = checked_plan(bad_p, bad_plan)
    assert [v.code for v in violations] == ["skill"]
    assert "1 violation(s)" in said.message and "[skill]" in said.message


def test_visits_already_made_are_judged_as_they_were_made(base):
    # The busy officer made the first two visits; then the data was corrected: the first
    # lead opens only at 16:00, the second one's visit takes 10 minutes more, the road to
    # the first is found to be longer, and the officer's shift is said to start at 9:00.
    p, plan = base
    r = _busy(plan)
    s0, s1 = r.stops[0], r.stops[1]
    d = p.matrix.duration_s.copy()
    d[p.matrix.index[start_node_id(r.officer_id)], p.matrix.index[s0.lead_id]] += 600
    leads = tuple(replace(ld, windows=(TimeWindow(16 * H, 17 * H),)) if ld.lead_id == s0.lead_id
                  else replace(ld, service_s=ld.service_s + 600) if ld.lead_id == s1.lead_id
                  else ld for ld in p.leads)
    late = tuple(replace(o, shift=TimeWindow(9 * H, o.shift.end_s))
                 if o.officer_id == r.officer_id else o for o in p.officers)
    corrected = replace(p, leads=leads, officers=late, matrix=TravelMatrix(
        p.matrix.node_ids, d, p.matrix.distance_m))
    assert {"time_window", "service_time", "travel_time", "leg_mismatch", "shift_start"} <= \
        _codes(corrected, plan)
    made = replace(corrected, visited_routes={r.officer_id: (s0.lead_id, s1.lead_id)})
    assert check_plan(made, plan) == []


@pytest.mark.parametrize("code", ["shift_start", "shift_end", "travel_time", "time_window",
                                  "lunch_window"])
def test_times_of_day_in_messages_read_as_clock_times(base, code):
    # "starts at 28956 s" meant nothing to a manager: 08:03 is what the route sheet says.
    p, plan = base
    bad_p, bad_plan = corruptions(p, plan)[code]
    messages = [v.message for v in check_plan(bad_p, bad_plan) if v.code == code]
    assert messages and all(re.search(r"\b\d\d:\d\d \(\d+ s\)", m) for m in messages), messages


# ---------------------------------------------------------------------------- property tests

@st.composite
def small_problems(draw):
    n = draw(st.integers(0, 7))
    n_off = draw(st.integers(1, 3))
    leads = []
    pos: dict[str, tuple] = {}
    for i in range(n):
        lid = f"L{i}"
        windows: tuple[TimeWindow, ...] = ()
        kinds = draw(st.integers(0, 2))  # none, one, or a morning and an afternoon
        if kinds:
            a = draw(st.integers(8 * 60, 15 * 60 if kinds == 1 else 11 * 60)) * 60
            windows = (TimeWindow(a, a + draw(st.integers(30, 180)) * 60),)
        if kinds == 2:
            b = windows[0].end_s + draw(st.integers(30, 180)) * 60
            windows += (TimeWindow(b, b + draw(st.integers(30, 180)) * 60),)
        leads.append(lead(lid, float(draw(st.integers(0, 300))),
                          service_s=draw(st.integers(0, 60)) * 60, windows=windows,
                          industry=draw(st.sampled_from(["shop", "farm"]))))
        pos[lid] = (draw(st.integers(-40, 40)), draw(st.integers(-40, 40)))
    officers = []
    for k in range(n_off):
        oid = f"O{k}"
        lunch = Break(TimeWindow(11 * H + 30 * MIN, 13 * H), 45 * MIN) \
            if draw(st.booleans()) else None
        officers.append(officer(oid, lunch=lunch,
                                max_visits=draw(st.one_of(st.none(), st.integers(0, 4))),
                                max_drive_s=draw(st.one_of(st.none(),
                                                           st.integers(0, 180).map(
                                                               lambda m: m * 60))),
                                skills=draw(st.sampled_from([frozenset(),
                                                             frozenset({"shop"})]))))
        pos[oid] = (draw(st.integers(-20, 20)), draw(st.integers(-20, 20)))
    skills = draw(st.sampled_from(["hard", "soft", "off"]))
    return problem(leads, officers, pos, skills=skills)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_problems())
def test_random_problems_solve_into_valid_plans(p):
    plan = solve(p, time_limit_s=0.3)
    assert check_plan(p, plan) == []
    routed = {s.lead_id for r in plan.routes for s in r.stops}
    assert routed | {d.lead_id for d in plan.dropped} == {ld.lead_id for ld in p.leads}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(small_problems(), st.floats(1.0, 500.0))
def test_a_lead_that_fits_for_free_is_never_dropped(p, value):
    """Put a lead with no service time on top of a visited stop: it costs nothing to add."""
    plan = solve(p, time_limit_s=0.3)
    assert check_plan(p, plan) == []
    busy = [r for r in plan.routes if r.stops]
    assume(busy)  # a day with a visit to sit on
    r = busy[0]
    o = p.officer_by_id[r.officer_id]
    # A full day has no free slot; an officer without the skill may not take it.
    assume(o.max_visits is None or len(r.stops) < o.max_visits)
    assume(not (p.rules.skills == "hard" and not o.can_serve("shop")))
    host = r.stops[0].lead_id
    free = Lead("FREE", "free", p.lead_by_id[host].location, "shop", service_s=0,
                value_yuan=value)
    ids = (*p.matrix.node_ids, "FREE")
    h = p.matrix.index[host]
    d = np.vstack([p.matrix.duration_s, p.matrix.duration_s[h]])
    d = np.hstack([d, np.append(p.matrix.duration_s[:, h], 0)[:, None]])
    q = replace(p, leads=(*p.leads, free), matrix=TravelMatrix(ids, d, d * 10))
    plan2 = solve(q, time_limit_s=0.3)
    assert check_plan(q, plan2) == []
    assert "FREE" in plan2.visited_lead_ids, plan2.dropped


def test_a_lead_never_offered_may_be_listed_but_not_an_unknown_one():
    p = _problem_for_never_offered()
    plan = solve(p, time_limit_s=0.3)
    listed = replace(plan, dropped=(*plan.dropped,
                                    DroppedLead("HELD", DropReason.BELOW_CANDIDATES)))
    assert check_plan(p, listed) == []
    unknown = replace(plan, dropped=(*plan.dropped, DroppedLead("HELD", DropReason.NO_CAPACITY)))
    assert [v.code for v in check_plan(p, unknown)] == ["unknown_lead"]


def _problem_for_never_offered() -> RoutingProblem:
    return problem([lead("a"), lead("b")], [officer("O1")], {"O1": (0, 0), "a": (1, 0),
                                                              "b": (2, 0)})
