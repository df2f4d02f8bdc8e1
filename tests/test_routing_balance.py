"""Workload balance on the demo county: a team's working hours evened out within the value
budget (issue 19: max/min hours <= 1.25 at <= 2 % of the plan's value).

Fixed improvement steps make the plans reproducible and keep the clock out of the test
(balancing then runs its rounds to the end, as it does when it is given the time).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from countyreach.pipeline import CountyData, load_county_data, plan_day
from routing import DropReason, RoutingRules, SolveParams
from routing.checker import check_plan


@pytest.fixture(scope="module")
def demo(demo_dir: Path, cache_dir: Path) -> CountyData:
    return load_county_data(demo_dir, cache_dir=cache_dir)


@pytest.mark.parametrize("steps", [1, 5])
def test_balance_evens_the_demo_teams_hours_at_a_bounded_cost(demo: CountyData,
                                                               steps: int) -> None:
    params = SolveParams(improvement_steps=steps, workers=1)
    off = plan_day(demo, plan_date="2026-11-24", rules=RoutingRules(balance=0.0),
                   params=params)
    on = plan_day(demo, plan_date="2026-11-24", rules=RoutingRules(balance=0.02),
                  params=params)
    for day in (off, on):
        assert check_plan(day.problem, day.plan) == []
    # The unbalanced plan is uneven to begin with, or the test would show nothing (since
    # the greedy start places two-window leads in their afternoon, 1.20-1.22 on the demo,
    # not above 1.25); the balance evens it clearly, within a quarter.
    assert off.plan.meta["hours_ratio"] > 1.15
    assert on.plan.meta["hours_ratio"] <= min(1.25, off.plan.meta["hours_ratio"] - 0.1)
    hours = on.plan.meta["hours_per_officer"]
    assert on.plan.meta["hours_max"] == max(hours.values())
    assert on.plan.meta["balance_cost_yuan"] <= 0.02 * off.plan.value_yuan
    assert on.plan.objective_yuan >= off.plan.objective_yuan - 0.02 * off.plan.value_yuan


def test_leads_left_out_for_the_balance_say_so_not_that_they_do_not_pay(demo: CountyData) -> None:
    # With skills hard, balancing O01's long day leaves out leads whose visit would pay on
    # the balanced routes; they were reported "not worth the detour, would need ¥57" at ¥404.
    day = plan_day(demo, plan_date="2026-11-24",
                   rules=RoutingRules(balance=0.02, skills="hard"),
                   params=SolveParams(improvement_steps=1, workers=1))
    assert check_plan(day.problem, day.plan) == []
    value = {ld.lead_id: ld.value_yuan for ld in day.problem.leads}
    for d in day.plan.dropped:
        if d.needed_value_yuan is not None:
            assert d.needed_value_yuan >= value[d.lead_id], d
    balanced = [d for d in day.plan.dropped if d.reason is DropReason.BALANCE]
    assert balanced
    for d in balanced:
        assert d.needed_value_yuan is None
        assert "working day" in d.detail, d.detail


def test_a_balance_out_of_time_makes_no_round_and_returns_the_routes_it_was_given(
        demo: CountyData) -> None:
    from routing.balance import balance_routes

    day = plan_day(demo, plan_date="2026-11-24", rules=RoutingRules(balance=0.0),
                   params=SolveParams(improvement_steps=1, workers=1))
    visited = {x for r in day.plan.routes for x in r.lead_ids}
    left = [ld for ld in day.problem.leads if ld.lead_id not in visited]
    # A deadline already past: a round is only made whole, so none is.
    routes, still, cost = balance_routes(day.problem, day.plan.routes, left, deadline=0.0)
    assert list(routes) == list(day.plan.routes)
    assert [ld.lead_id for ld in still] == [ld.lead_id for ld in left]
    assert cost == 0.0
    # Given no clock the same day is balanced (the test would otherwise show nothing).
    balanced, _, _ = balance_routes(day.problem, day.plan.routes, left)
    assert list(balanced) != list(day.plan.routes)
