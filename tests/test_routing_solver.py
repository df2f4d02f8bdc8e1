"""The router: one test per constraint, a known optimum, every drop reason, re-planning.

Instances are tiny and built on a line or grid where travel time is Manhattan
distance × 60 s, so every expected answer can be worked out by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest

import routing
from geo.types import UNREACHABLE, Location, TravelMatrix
from routing import SolveParams, check_plan, replan, schedule_route
from routing.plan import DropReason, PlanStatus
from routing.problem import (
    Break,
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    start_node_id,
)

H = 3600
MIN = 60
SHIFT = TimeWindow(8 * H, 17 * H)


def officer(oid: str = "O1", *, shift: TimeWindow = SHIFT, **kw) -> Officer:
    dep = Depot(f"{oid}-home", "home", Location(35.5, 115.0), "home")
    return Officer(oid, oid, dep, dep, shift, **kw)


def lead(lid: str, value: float = 100.0, **kw) -> Lead:
    kw.setdefault("service_s", 10 * MIN)
    return Lead(lid, lid, Location(35.5, 115.0), kw.pop("industry", "small_shop"),
                value_yuan=value, **kw)


def problem(leads: Sequence[Lead], officers: Sequence[Officer], pos: dict[str, tuple],
            *, unreachable: Sequence[tuple[str, str]] = (), **rules) -> RoutingProblem:
    """Grid positions (x, y) in minutes of driving; officers start and end at their pos."""
    ids = [ld.lead_id for ld in leads]
    where = {ld.lead_id: pos[ld.lead_id] for ld in leads}
    for o in officers:
        for node in (start_node_id(o.officer_id), end_node_id(o.officer_id)):
            ids.append(node)
            where[node] = pos[o.officer_id]
    xy = np.array([where[i] for i in ids], dtype=float)
    d = (np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * MIN).astype(np.int64)
    for a, b in unreachable:
        d[ids.index(a), ids.index(b)] = UNREACHABLE
    return RoutingProblem(tuple(leads), tuple(officers), TravelMatrix(ids, d, d * 10),
                          RoutingRules(**rules), "2026-11-24")


def solve(p: RoutingProblem, **params) -> routing.Plan:
    """Solve with a short default time limit (tests' days are small)."""
    params.setdefault("time_limit_s", 1.0)
    return routing.solve(p, SolveParams(**params))


def solved(p: RoutingProblem):
    plan = solve(p)
    assert check_plan(p, plan) == [], check_plan(p, plan)
    return plan


def reasons(plan) -> dict[str, DropReason]:
    return {d.lead_id: d.reason for d in plan.dropped}


def route_of(plan, oid: str = "O1") -> tuple[str, ...]:
    return next(r.lead_ids for r in plan.routes if r.officer_id == oid)


def brute_force_best(p: RoutingProblem) -> float:
    """Best value − drive cost over every subset and order (single officer)."""
    o = p.officers[0]
    per_s = p.rules.drive_cost_yuan_per_h / 3600
    best = 0.0
    for k in range(1, len(p.leads) + 1):
        for perm in itertools.permutations(p.leads, k):
            r = schedule_route(o, perm, p.matrix)
            if r is not None:
                best = max(best, r.value_yuan - per_s * r.drive_s)
    return best


def test_known_optimum_on_a_small_day():
    # Five leads on a line; a 3 h shift cannot take them all. Values and distances chosen so
    # that the best set is not simply the most valuable leads.
    o = officer(shift=TimeWindow(8 * H, 11 * H))
    leads = [lead("A", 300), lead("B", 120), lead("C", 110), lead("D", 500), lead("E", 90)]
    pos = {"O1": (0, 0), "A": (20, 0), "B": (30, 0), "C": (-25, 0), "D": (70, 0),
           "E": (35, 0)}
    p = problem(leads, [o], pos, drive_cost_yuan_per_h=120.0)
    plan = solved(p)
    assert plan.objective_yuan == pytest.approx(brute_force_best(p), abs=0.01)


def test_shift_bounds_every_route():
    o = officer(shift=TimeWindow(9 * H, 10 * H))
    p = problem([lead("near"), lead("far")], [o], {"O1": (0, 0), "near": (10, 0),
                                                 "far": (40, 0)})
    plan = solved(p)
    assert route_of(plan) == ("near",)
    assert reasons(plan)["far"] is DropReason.OUTSIDE_SHIFTS
    r = plan.routes[0]
    assert r.start_s >= 9 * H and r.end_s <= 10 * H


def test_max_drive_limits_driving():
    o = officer(max_drive_s=30 * MIN)
    p = problem([lead("a"), lead("b")], [o], {"O1": (0, 0), "a": (10, 0), "b": (-10, 0)})
    plan = solved(p)
    assert plan.routes[0].drive_s <= 30 * MIN
    assert len(route_of(plan)) == 1


def test_lunch_is_taken_inside_its_window_and_not_during_a_visit():
    lunch = Break(TimeWindow(12 * H, 13 * H), 45 * MIN)
    o = officer(lunch=lunch)
    leads = [lead(f"L{i}", service_s=50 * MIN) for i in range(6)]
    pos = {"O1": (0, 0)} | {f"L{i}": (5 * (i + 1), 0) for i in range(6)}
    plan = solved(problem(leads, [o], pos))
    r = plan.routes[0]
    assert r.lunch is not None and 12 * H <= r.lunch.start_s <= 13 * H
    assert r.lunch.duration_s == 45 * MIN
    for s in r.stops:
        assert r.lunch.start_s + r.lunch.duration_s <= s.start_s or s.departure_s <= \
            r.lunch.start_s


def test_service_time_is_spent_at_each_visit():
    p = problem([lead("a", service_s=37 * MIN), lead("b", service_s=8 * H)], [officer()],
                {"O1": (0, 0), "a": (5, 0), "b": (40, 0)})
    plan = solved(p)
    s = plan.routes[0].stops[0]
    assert s.lead_id == "a" and s.departure_s - s.start_s == 37 * MIN
    # An 8 h visit 40 min away does not fit a 9 h shift with the drive there and back.
    assert reasons(plan)["b"] is DropReason.OUTSIDE_SHIFTS


def test_time_windows_are_kept_or_reported_impossible():
    afternoon = lead("pm", windows=(TimeWindow(15 * H, 15 * H + 30 * MIN),))
    dawn = lead("dawn", windows=(TimeWindow(5 * H, 6 * H),))
    p = problem([afternoon, dawn, lead("any")], [officer()],
                {"O1": (0, 0), "pm": (10, 0), "dawn": (5, 5), "any": (3, 0)})
    plan = solved(p)
    stop = next(s for s in plan.routes[0].stops if s.lead_id == "pm")
    assert 15 * H <= stop.start_s <= 15 * H + 30 * MIN
    assert reasons(plan)["dawn"] is DropReason.WINDOW_IMPOSSIBLE


def test_two_windows_a_day():
    two = lead("two", windows=(TimeWindow(8 * H, 8 * H + 5 * MIN),
                               TimeWindow(16 * H, 16 * H + 30 * MIN)))
    plan = solved(problem([two], [officer()], {"O1": (0, 0), "two": (30, 0)}))
    assert 16 * H <= plan.routes[0].stops[0].start_s <= 16 * H + 30 * MIN


def test_hard_skills_restrict_who_visits():
    sheep = lead("sheep", industry="sheep_farm")
    shop = lead("shop", industry="small_shop")
    o1 = officer("O1", skills=frozenset({"small_shop"}))
    o2 = officer("O2", skills=frozenset({"small_shop"}))
    plan = solved(problem([sheep, shop], [o1, o2], {"O1": (0, 0), "O2": (50, 0),
                                                  "sheep": (1, 0), "shop": (2, 0)},
                          skills="hard"))
    assert reasons(plan)["sheep"] is DropReason.NO_SKILL
    assert "shop" in route_of(plan, "O1") + route_of(plan, "O2")


def test_soft_skills_prefer_the_specialist_but_allow_others():
    sheep = lead("sheep", 500, industry="sheep_farm")
    generalist_near = officer("O1", skills=frozenset({"small_shop"}))
    specialist_far = officer("O2", skills=frozenset({"sheep_farm"}))
    pos = {"O1": (0, 0), "O2": (6, 0), "sheep": (3, 0)}
    plan = solved(problem([sheep], [generalist_near, specialist_far], pos, skills="soft",
                          soft_penalty_yuan=50.0))
    assert route_of(plan, "O2") == ("sheep",)
    # Alone, the non-specialist still goes: soft means a penalty, not a ban.
    plan = solved(problem([sheep], [generalist_near], pos, skills="soft"))
    assert route_of(plan) == ("sheep",)


def test_hard_locality_and_soft_locality():
    far_village = lead("x", village="田贾村")
    local = officer("O1", localities=frozenset({"庆北村"}))
    pos = {"O1": (0, 0), "x": (2, 0)}
    plan = solved(problem([far_village], [local], pos, locality="hard"))
    assert reasons(plan)["x"] is DropReason.NOT_LOCAL
    plan = solved(problem([far_village], [local], pos, locality="soft"))
    assert route_of(plan) == ("x",)


def test_max_visits():
    o = officer(max_visits=2)
    leads = [lead(f"L{i}") for i in range(5)]
    pos = {"O1": (0, 0)} | {f"L{i}": (i + 1, 0) for i in range(5)}
    plan = solved(problem(leads, [o], pos))
    assert len(route_of(plan)) == 2
    assert set(reasons(plan).values()) == {DropReason.NO_CAPACITY}


def test_pinned_visit_goes_to_its_officer():
    appt = lead("appt", 10, pinned_officer_id="O2")
    pos = {"O1": (0, 0), "O2": (40, 0), "appt": (1, 0)}
    plan = solved(problem([appt], [officer("O1"), officer("O2")], pos))
    assert route_of(plan, "O2") == ("appt",)
    assert plan.status is PlanStatus.FEASIBLE


@pytest.mark.parametrize("rule", ["skills", "locality"])
def test_an_appointment_outranks_a_hard_rule_and_the_plan_says_so(rule):
    # The manager booked the clothing shop in 田贾村 with O1, a sheep specialist local to
    # 庆北村: the appointment is kept with O1, the checker accepts it, the plan names it.
    appt = lead("appt", industry="clothing", village="田贾村", pinned_officer_id="O1")
    o1 = officer("O1", skills=frozenset({"sheep_farm"}), localities=frozenset({"庆北村"}))
    p = problem([appt], [o1, officer("O2")], {"O1": (0, 0), "O2": (1, 0), "appt": (2, 0)},
                **{rule: "hard"})
    plan = solved(p)
    assert route_of(plan, "O1") == ("appt",)
    assert plan.status is PlanStatus.FEASIBLE
    assert plan.meta["rule_overrides"] == [
        {"lead_id": "appt", "officer_id": "O1", "rules": [rule], "by": "appointment"}]
    assert "appt" in plan.message and rule in plan.message


def test_impossible_appointment_gives_a_partial_plan():
    appt = lead("appt", pinned_officer_id="O1", windows=(TimeWindow(5 * H, 6 * H),))
    p = problem([appt, lead("ok")], [officer()], {"O1": (0, 0), "appt": (5, 0), "ok": (1, 0)})
    plan = solve(p)
    assert plan.status is PlanStatus.PARTIAL and "appt" in plan.message
    assert [v.code for v in check_plan(p, plan)] == ["pinned_missing"]
    assert route_of(plan) == ("ok",)


def test_a_visit_that_leaves_no_room_for_lunch_says_so():
    # An 8-hour visit fits the 9-hour shift but not with the lunch, which must start between
    # 11:30 and 13:00 and never during a visit: the lunch, not the shift, keeps it out.
    lunch = Break(TimeWindow(11 * H + 30 * MIN, 13 * H), 45 * MIN)
    long_visit = lead("long", 2000.0, service_s=8 * H)
    pos = {"O1": (0, 0), "long": (3, 0)}
    plan = solved(problem([long_visit], [officer(lunch=lunch)], pos))
    assert reasons(plan)["long"] is DropReason.OUTSIDE_SHIFTS
    detail = plan.dropped[0].detail
    assert "lunch" in detail and "11:30-13:00" in detail
    # Without a lunch break the same visit is made.
    assert route_of(solved(problem([long_visit], [officer()], pos))) == ("long",)


def test_unreachable_lead():
    p = problem([lead("island")], [officer()], {"O1": (0, 0), "island": (3, 0)},
                unreachable=[(start_node_id("O1"), "island")])
    plan = solved(p)
    assert reasons(plan)["island"] is DropReason.UNREACHABLE


def test_not_worth_the_detour_names_the_value_needed():
    p = problem([lead("cheap", 5.0)], [officer()], {"O1": (0, 0), "cheap": (60, 0)},
                drive_cost_yuan_per_h=60.0)
    plan = solved(p)
    d = plan.dropped[0]
    assert d.reason is DropReason.NOT_WORTH_DETOUR
    # Two hours of extra driving at 60 yuan/h.
    assert d.needed_value_yuan == pytest.approx(120.0, abs=0.5)


def test_done_leads_are_not_offered_again():
    p = problem([lead("a"), lead("b")], [officer()], {"O1": (0, 0), "a": (1, 0), "b": (2, 0)})
    p = RoutingProblem(p.leads, p.officers, p.matrix, p.rules, p.plan_date,
                       frozenset({"a"}))
    plan = solved(p)
    assert route_of(plan) == ("b",)
    assert reasons(plan)["a"] is DropReason.ALREADY_DONE


def test_a_day_with_visits_already_made_is_not_solved_whole():
    # History is not planned: the caller solves the rest of the day and joins the two.
    p = problem([lead("a"), lead("b")], [officer()], {"O1": (0, 0), "a": (1, 0), "b": (2, 0)})
    with pytest.raises(routing.ProblemError, match="visited_routes"):
        solve(RoutingProblem(p.leads, p.officers, p.matrix, p.rules, p.plan_date,
                             visited_routes={"O1": ("a",)}))


def test_replan_keeps_done_visits_and_starts_from_the_last_one():
    # Six valuable visits on a line, all within a morning's reach: the plan makes all six,
    # and after the first two the afternoon has room for the other four.
    leads = [lead(f"L{i}", 500.0, service_s=20 * MIN) for i in range(6)]
    pos = {"O1": (0, 0)} | {f"L{i}": (10 * (i + 1), 0) for i in range(6)}
    p = problem(leads, [officer(max_visits=6)], pos)
    plan = solved(p)
    assert len(route_of(plan)) == 6
    first_two = list(route_of(plan)[:2])
    now = plan.routes[0].stops[1].departure_s
    p2, plan2 = replan(p, plan, now, {"O1": first_two}, params=SolveParams(time_limit_s=1.0))
    assert check_plan(p2, plan2) == []
    assert p2.done_lead_ids == frozenset(first_two)
    r = plan2.routes[0]
    assert set(r.lead_ids) == {ld.lead_id for ld in leads} - set(first_two)
    assert r.start_s >= now
    assert p2.officers[0].max_visits == 4
    assert {d.lead_id: d.reason for d in plan2.dropped} == dict.fromkeys(
        first_two, DropReason.ALREADY_DONE)
    # The first leg now leaves from the last done visit, not from home.
    assert r.stops[0].drive_s == p.matrix.duration(first_two[-1], r.stops[0].lead_id)


def test_a_pinned_position_counts_the_stops_still_to_make_after_a_replan():
    leads = [lead(f"L{i}", 500.0, service_s=20 * MIN) for i in range(3)]
    leads.append(lead("L3", 500.0, service_s=20 * MIN, pinned_officer_id="O1",
                      pinned_position=1))
    pos = {"O1": (0, 0)} | {f"L{i}": (10 * (i + 1), 0) for i in range(4)}
    p = problem(leads, [officer()], pos)
    plan = solved(p)
    assert route_of(plan)[1] == "L3"
    first = route_of(plan)[0]
    p2, plan2 = replan(p, plan, plan.routes[0].stops[0].departure_s, {"O1": [first]},
                      params=SolveParams(time_limit_s=1.0))
    assert check_plan(p2, plan2) == []
    assert route_of(plan2)[0] == "L3"  # the second stop of the day is the next one now


def test_every_officer_gets_a_route_even_when_idle():
    plan = solved(problem([], [officer("O1"), officer("O2")], {"O1": (0, 0), "O2": (1, 1)}))
    assert {r.officer_id for r in plan.routes} == {"O1", "O2"}
    assert all(r.stops == () and r.drive_s == 0 for r in plan.routes)


def test_capacity_limits_what_an_officer_carries():
    # Three valuable visits each need 2 units; the officer carries 4: only two fit.
    leads = [lead(f"L{i}", 100.0, load=2) for i in range(3)] + [lead("light", 5.0)]
    pos = {"O1": (0, 0), "L0": (1, 0), "L1": (2, 0), "L2": (3, 0), "light": (0, 1)}
    plan = solved(problem(leads, [officer("O1", capacity=4)], pos))
    route = route_of(plan)
    assert sum(1 for x in route if x.startswith("L")) == 2
    assert "light" in route  # carries nothing, still fits
    assert reasons(plan)[next(f"L{i}" for i in range(3) if f"L{i}" not in route)] \
        == DropReason.NO_CAPACITY


def test_a_visit_heavier_than_every_load_is_explained():
    plan = solved(problem([lead("big", 100.0, load=9)], [officer("O1", capacity=4)],
                          {"O1": (0, 0), "big": (1, 0)}))
    assert reasons(plan) == {"big": DropReason.NO_CAPACITY}
    assert "carries" in plan.dropped[0].detail


@pytest.mark.parametrize("params", [{"improvement_steps": 0}, {"time_limit_s": 0.01}],
                         ids=["no-improvement-step", "tiny-time-limit"])
def test_an_appointment_is_kept_even_when_the_search_has_no_time(params):
    """A search given no time (or no step) must not lose an appointment: ordinary visits
    make way for it."""
    leads = [lead(f"L{i}", 500.0) for i in range(4)] + [lead("PIN", 1.0,
                                                            pinned_officer_id="O1")]
    pos = {"O1": (0, 0), **{f"L{i}": (i + 1, 0) for i in range(4)}, "PIN": (0, 5)}
    p = problem(leads, [officer("O1", max_visits=4)], pos)
    plan = solve(p, workers=1, **params)
    assert check_plan(p, plan) == []
    assert plan.status is PlanStatus.FEASIBLE
    assert "PIN" in route_of(plan) and len(route_of(plan)) == 4


def test_an_appointment_keeps_its_position_when_asked():
    # On a line, the cheapest order visits "mid" second; the customer was told it comes
    # first, so it is the first stop, and the others follow.
    leads = [lead("a"), lead("mid", 10.0, pinned_officer_id="O1", pinned_position=0),
             lead("b")]
    pos = {"O1": (0, 0), "a": (1, 0), "mid": (2, 0), "b": (3, 0)}
    p = problem(leads, [officer("O1"), officer("O2")], pos | {"O2": (2, 0)})
    plan = solved(p)
    assert route_of(plan)[0] == "mid" and len(route_of(plan)) + len(route_of(plan, "O2")) == 3
    # Pinned to the sixth stop of a day of three leads: it cannot be kept, and the plan
    # says so.
    late = [lead("a"), lead("b"), lead("x", 10.0, pinned_officer_id="O1", pinned_position=5)]
    p2 = problem(late, [officer("O1")], {"O1": (0, 0), "a": (1, 0), "b": (2, 0), "x": (3, 0)})
    plan2 = solve(p2)
    assert plan2.status is PlanStatus.PARTIAL
    assert [v.code for v in check_plan(p2, plan2)] == ["pinned_missing"]
