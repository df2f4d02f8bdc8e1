"""Published plans: locked routes kept exactly, re-plans that change only what an edit
concerns, and workload balance. Every plan goes through the independent checker."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import SolveParams, check_plan
from routing import solve as routing_solve
from routing.errors import ProblemError
from routing.plan import PlanStatus
from routing.problem import RoutingProblem, TimeWindow
from tests.test_routing_solver import MIN, H, lead, officer, problem, solve


def checked(p: RoutingProblem, plan):
    assert check_plan(p, plan) == [], check_plan(p, plan)
    return plan


def _routes(plan) -> dict[str, tuple[str, ...]]:
    return {r.officer_id: r.lead_ids for r in plan.routes}


def _team_day(**rules) -> RoutingProblem:
    """Three officers, each with a cluster of leads at their door, capped at 4 visits."""
    pos: dict[str, tuple] = {"O1": (0, 0), "O2": (30, 0), "O3": (0, 30)}
    leads = []
    for k, (ox, oy) in enumerate(list(pos.values())):
        for i in range(6):
            lid = f"L{k}{i}"
            leads.append(lead(lid, 100.0 + 10 * i + k, service_s=20 * MIN))
            pos[lid] = (ox + 1 + i % 3, oy + 1 + i // 3)
    officers = [officer(o, max_visits=4) for o in ("O1", "O2", "O3")]
    return problem(leads, officers, pos, **rules)


def test_a_locked_route_keeps_its_stops_and_order_after_a_re_plan():
    p = _team_day(balance=0.0)
    first = checked(p, solve(p, workers=1))
    o1 = _routes(first)["O1"]
    lock = (*tuple(reversed(o1))[:3], "L25")  # another order, and a far stop of O3's area
    again = replace(p, locked_routes={"O1": lock}, reference_routes=_routes(first))
    plan = checked(again, solve(again, workers=1))
    assert _routes(plan)["O1"] == lock
    assert plan.status is PlanStatus.FEASIBLE
    assert plan.meta["broken_locks"] == []


def test_a_locked_route_that_no_longer_fits_is_reported_not_changed_silently():
    p = _team_day(balance=0.0)
    late = replace(p.lead_by_id["L01"], windows=(TimeWindow(8 * H, 8 * H + 5 * MIN),))
    q = replace(p, leads=tuple(late if ld.lead_id == "L01" else ld for ld in p.leads),
                locked_routes={"O1": ("L00", "L02", "L01")})
    plan = checked(q, solve(q, workers=1))
    assert plan.status is PlanStatus.PARTIAL
    assert _routes(plan)["O1"] == ("L00", "L02")  # the order kept as far as it fits
    assert plan.meta["broken_locks"] == ["O1"]
    assert "L01" in plan.message and "O1" in plan.message


def test_an_appointment_with_a_locked_officer_outside_the_lock_is_reported():
    p = _team_day(balance=0.0)
    pinned = tuple(replace(ld, pinned_officer_id="O1") if ld.lead_id == "L05" else ld
                   for ld in p.leads)
    q = replace(p, leads=pinned, locked_routes={"O1": ("L00",)})
    plan = solve(q, workers=1)
    # The checker agrees: the appointment is missing, and nothing else is wrong.
    assert [(v.code, v.lead_id) for v in check_plan(q, plan)] == [("pinned_missing", "L05")]
    assert plan.status is PlanStatus.PARTIAL and "L05" in plan.message
    assert _routes(plan)["O1"] == ("L00",)


@pytest.mark.parametrize("rule", ["skills", "locality"])
def test_a_locked_route_outranks_a_hard_rule_and_the_plan_says_so(rule):
    # O1's route was locked, then the rules were made hard: L01 is a farm in a village O1
    # is not local to. The lock is the manager's decision: kept, accepted, and named.
    p = _team_day(balance=0.0)
    farm = replace(p.lead_by_id["L01"], industry="sheep_farm", village="田贾村")
    shop = replace(p.lead_by_id["L02"], village="庆北村")  # the lock's other stop fits both
    o1 = replace(p.officer_by_id["O1"], skills=frozenset({"small_shop"}),
                 localities=frozenset({"庆北村"}))
    changed = {"L01": farm, "L02": shop}
    q = replace(p, leads=tuple(changed.get(ld.lead_id, ld) for ld in p.leads),
                officers=tuple(o1 if o.officer_id == "O1" else o for o in p.officers),
                rules=replace(p.rules, **{rule: "hard"}),
                locked_routes={"O1": ("L01", "L02")})
    plan = checked(q, solve(q, workers=1))
    assert _routes(plan)["O1"] == ("L01", "L02")
    assert plan.status is PlanStatus.FEASIBLE
    assert plan.meta["rule_overrides"] == [
        {"lead_id": "L01", "officer_id": "O1", "rules": [rule], "by": "locked route"}]
    assert "L01" in plan.message


def test_a_lock_that_contradicts_an_appointment_is_rejected():
    p = _team_day()
    pinned = tuple(replace(ld, pinned_officer_id="O2") if ld.lead_id == "L00" else ld
                   for ld in p.leads)
    with pytest.raises(ProblemError):
        replace(p, leads=pinned, locked_routes={"O1": ("L00",)})


def _shared_day(**rules) -> RoutingProblem:
    """Three officers from one branch over a grid of near-equal leads, 4 visits each: many
    plans are almost as good, so a fresh solve after an edit may hand out every route anew."""
    pos: dict[str, tuple] = {"O1": (0, 0), "O2": (0, 0), "O3": (0, 0)}
    leads = []
    for i in range(16):
        lid = f"L{i:02d}"
        leads.append(lead(lid, 100.0 + (i * 7) % 5, service_s=30 * MIN))
        pos[lid] = (i % 4 * 3 + 2, i // 4 * 3 + 1)
    return problem(leads, [officer(o, max_visits=4) for o in ("O1", "O2", "O3")], pos,
                   **rules)


def test_pinning_one_visit_changes_only_the_pinned_officers_route():
    p = _shared_day(balance=0.0)
    first = checked(p, solve(p, workers=1))
    before = _routes(first)
    spare = next(ld.lead_id for ld in p.leads if ld.lead_id not in first.visited_lead_ids)
    leads = tuple(replace(ld, pinned_officer_id="O1") if ld.lead_id == spare else ld
                  for ld in p.leads)
    q = replace(p, leads=leads, reference_routes=before)
    plan = checked(q, solve(q, workers=1))
    after = _routes(plan)
    assert spare in after["O1"]
    assert after["O2"] == before["O2"] and after["O3"] == before["O3"]
    assert len(set(after["O1"]) - set(before["O1"])) == 1  # one visit made way


def test_without_a_reference_the_change_cost_changes_nothing():
    p = _team_day(balance=0.0)
    params = SolveParams(improvement_steps=5, workers=1)
    a = routing_solve(p, params)
    b = routing_solve(replace(p, rules=replace(p.rules, change_cost_yuan=0.0)), params)
    assert _routes(a) == _routes(b)


def _uneven_day(**rules) -> RoutingProblem:
    """O1's leads lie near home, O2's far out: without balance O2 works much longer."""
    pos: dict[str, tuple] = {"O1": (0, 0), "O2": (0, 2)}
    leads = []
    for i in range(5):
        leads.append(lead(f"N{i}", 100.0, service_s=30 * MIN))
        pos[f"N{i}"] = (1 + i % 2, 1)
        leads.append(lead(f"F{i}", 100.0, service_s=30 * MIN))
        pos[f"F{i}"] = (40 + i, 0)
    officers = [officer(o, max_visits=5) for o in ("O1", "O2")]
    return problem(leads, officers, pos, drive_cost_yuan_per_h=6.0, **rules)


def test_balance_evens_working_hours_within_its_value_budget():
    params = SolveParams(improvement_steps=10, workers=1)
    off = _uneven_day(balance=0.0)
    on = _uneven_day(balance=0.05)
    plain = checked(off, routing_solve(off, params))
    even = checked(on, routing_solve(on, params))
    assert even.meta["hours_max"] - even.meta["hours_min"] < (
        plain.meta["hours_max"] - plain.meta["hours_min"])
    assert even.objective_yuan >= plain.objective_yuan - 0.05 * plain.value_yuan - 1e-6
    assert even.meta["balance_cost_yuan"] <= 0.05 * plain.value_yuan + 1e-6
    assert set(even.meta["hours_per_officer"]) == {"O1", "O2"}


def test_the_plan_reports_the_spread_with_balance_off():
    p = _uneven_day(balance=0.0)
    plan = checked(p, routing_solve(p, SolveParams(improvement_steps=2, workers=1)))
    hours = plan.meta["hours_per_officer"]
    assert plan.meta["hours_max"] == max(hours.values())
    assert plan.meta["hours_ratio"] == pytest.approx(
        plan.meta["hours_max"] / plan.meta["hours_min"], rel=1e-3)
    assert plan.meta["balance_cost_yuan"] == 0.0


def test_an_appointment_shut_out_by_a_lock_is_not_left_in_another_officers_reference():
    """Pin a lead of O2's published route to O1, then lock O1's route without it."""
    leads = [lead("a"), lead("b"), lead("c", pinned_officer_id="O1")]
    pos = {"O1": (0, 0), "O2": (5, 0), "a": (1, 0), "b": (6, 0), "c": (7, 0)}
    p = problem(leads, [officer("O1"), officer("O2")], pos)
    p = replace(p, locked_routes={"O1": ("a",)}, reference_routes={"O1": ("a",),
                                                                   "O2": ("b", "c")})
    plan = solve(p)  # used to raise: O2's reference named the shut-out lead
    # The appointment cannot be kept (its officer's route is locked without it): said, not hidden.
    assert [(v.code, v.lead_id) for v in check_plan(p, plan)] == [("pinned_missing", "c")]
    assert next(r.lead_ids for r in plan.routes if r.officer_id == "O1") == ("a",)
    assert "c" not in plan.visited_lead_ids and plan.status is PlanStatus.PARTIAL
