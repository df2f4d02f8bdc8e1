"""Rolling simulation on the demo county: determinism, constraints, measures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from countyreach.errors import InputError
from countyreach.simulation import (
    BASE_STRATEGIES,
    POLICIES,
    BaseStrategy,
    Policy,
    Scenario,
    simulate,
    truth_reference,
)
from countyreach.simulation.policies import greedy_route, nearest_plan
from geo.types import Location, TravelMatrix
from routing.problem import Break, Depot, Officer, TimeWindow, end_node_id, start_node_id
from tests.conftest import demo_world


@pytest.fixture(scope="module")
def world():
    return demo_world(500)


def _line_matrix(n: int, step_s: int, officers: list[str]) -> TravelMatrix:
    """Leads on a line ``step_s`` apart; officers start and end at position 0."""
    ids = [f"L{i}" for i in range(n)]
    pos = [i + 1 for i in range(n)]
    for o in officers:
        ids += [start_node_id(o), end_node_id(o)]
        pos += [0, 0]
    p = np.array(pos)
    d = np.abs(p[:, None] - p[None, :]) * step_s
    return TravelMatrix(tuple(ids), d, d * 10)


def _officer(oid: str = "A", max_visits: int | None = 12) -> Officer:
    dep = Depot("base", "base", Location(0, 0), "branch")
    return Officer(oid, oid, dep, dep, TimeWindow(8 * 3600, 17 * 3600), max_drive_s=4 * 3600,
                   max_visits=max_visits,
                   lunch=Break(TimeWindow(11 * 3600 + 1800, 13 * 3600), 45 * 60))


def _assert_route_ok(r, o: Officer, service_s: int) -> None:
    assert r.start_s >= o.shift.start_s and r.end_s <= o.shift.end_s
    for s in r.stops:
        assert s.departure_s - s.start_s == service_s
    if r.stops and o.owes_lunch(r.start_s, r.end_s):  # a morning home by 11:30 owes none
        assert r.lunch is not None
        assert o.lunch.window.start_s <= r.lunch.start_s <= o.lunch.window.end_s
        lunch = (r.lunch.start_s, r.lunch.start_s + r.lunch.duration_s)
        for s in r.stops:
            # Lunch falls between visits (on arrival before a visit, as the checker allows).
            assert s.departure_s <= lunch[0] or s.start_s >= lunch[1]
    assert r.drive_s <= o.max_drive_s
    assert len(r.stops) <= o.max_visits


def test_score_order_stops_at_first_lead_that_does_not_fit():
    o = _officer()
    m = _line_matrix(20, 600, ["A"])
    # L19 is 3h20 away: it cannot be visited and return within the 4h drive cap.
    order = ["L0", "L19", "L1"]
    r = greedy_route(o, order, m, dict.fromkeys([f"L{i}" for i in range(20)], 1200), {})
    assert r.lead_ids == ("L0",)


def test_score_order_respects_shift_lunch_and_caps():
    o = _officer(max_visits=5)
    m = _line_matrix(30, 300, ["A"])
    r = greedy_route(o, [f"L{i}" for i in range(30)], m,
                     dict.fromkeys([f"L{i}" for i in range(30)], 1800), {})
    assert len(r.stops) == 5
    _assert_route_ok(r, o, 1800)


def test_nearest_takes_nearest_first_and_never_twice():
    offs = [_officer("A"), _officer("B")]
    m = _line_matrix(40, 240, ["A", "B"])
    ids = [f"L{i}" for i in range(40)]
    plan = nearest_plan(offs, ids, m, dict.fromkeys(ids, 1200), {})
    visited = plan.visited_lead_ids
    assert len(visited) == len(set(visited))
    assert {plan.routes[0].lead_ids[0], plan.routes[1].lead_ids[0]} == {"L0", "L1"}
    for r, o in zip(plan.routes, offs, strict=True):
        _assert_route_ok(r, o, 1200)


@pytest.mark.parametrize("policy", ["nearest", "score_order"])
def test_same_seed_same_result(world, policy):
    sc = Scenario("t", 3, policy=policy, n_weeks=2, days_per_week=3, seed=4)
    a, b = simulate(world, sc), simulate(world, sc)
    pd.testing.assert_frame_equal(a.visits, b.visits)
    pd.testing.assert_frame_equal(a.weekly, b.weekly)


def test_measures_add_up_and_cooldown_holds(world):
    sc = Scenario("t", 4, policy="nearest", n_weeks=3, days_per_week=5, seed=1,
                  revisit_cooldown_days=30)
    r = simulate(world, sc)
    assert len(r.days) == 4 * 15
    assert r.days["visits"].sum() == len(r.visits)
    assert r.weekly["loans"].sum() == r.visits["took_loan"].sum() == r.summary["loans"]
    assert r.summary["loans_per_officer_day"] == pytest.approx(r.summary["loans"] / 60)
    assert r.weekly["hv_coverage_30d"].between(0, 1).all()
    # Coverage in a trailing window can only grow while nothing leaves the window.
    assert r.weekly["hv_coverage_30d"].is_monotonic_increasing
    cal = r.visits["week"] * 7 + r.visits["day"] - r.visits["week"] * 5
    for _, g in r.visits.assign(cal=cal).groupby("lead_id"):
        assert (np.diff(np.sort(g["cal"].to_numpy())) >= 30).all()
    assert set(r.visits["lead_id"]) <= set(world.lead_ids)
    assert len(r.scenario.bases) == 4


@pytest.mark.parametrize("policy", ["nearest", "score_order", "value_nearest", "relationship",
                                    "countyreach"])
def test_every_day_passes_the_plan_checker(world, policy):
    sc = Scenario("t", 2, policy=policy, n_weeks=1, days_per_week=2, day_time_limit_s=0.5)
    r = simulate(world, sc, check=True)
    assert len(r.visits) > 0


def test_countyreach_is_deterministic_and_retrains(world, monkeypatch):
    from countyreach.simulation.learners import ValueLearner

    # Retrained after each of the first two weeks (with the default of four, a run this
    # short would never retrain).
    sc = Scenario("t", 2, policy="countyreach", n_weeks=3, days_per_week=2,
                  day_time_limit_s=0.5, seed=3, retrain_weeks=1)
    fits: list[int] = []
    fit = ValueLearner._fit

    def counting(self):
        fits.append(len(self.book))
        # The bank's book holds one loan per lead and month, whatever the draws.
        assert not self.book.duplicated(["lead_id", "month"]).any()
        return fit(self)

    monkeypatch.setattr(ValueLearner, "_fit", counting)
    a, b = simulate(world, sc), simulate(world, sc)
    pd.testing.assert_frame_equal(a.visits, b.visits)
    assert a.summary["visits"] > 0
    assert len(fits) == 2 * 3  # the start and two retrainings, per run


def test_truth_reference_beats_any_policy_in_a_first_week(world):
    # No revisits within the cooldown and one month's truth: the reference's week is the
    # top true P(uptake) leads, so no policy's expected loans can exceed it.
    # Two officers: since issue 18 the history's loans and visits count for the loan and
    # cooldown rules, and four officers' week would exhaust the eligible businesses.
    sc = Scenario("t", 2, policy="nearest", n_weeks=1, days_per_week=5, seed=2)
    ref = truth_reference(world, sc)
    near = simulate(world, sc)
    assert ref["visits_per_officer_day"] == world.shift.max_visits
    assert ref["expected_loans_per_officer_day"] >= \
        near.summary["expected_loans"] / near.summary["officer_days"]
    assert ref == truth_reference(world, sc)


def test_a_given_value_source_decides_the_routed_visits(world):
    # Routed on values from outside the model (the bench's observables ceilings): the
    # day visits exactly the leads those values prize, and nothing is explored.
    chosen: set[str] = set()

    def values(month: str, ids: list[str]) -> np.ndarray:
        if not chosen:
            chosen.update(sorted(ids)[:3])
        return np.array([1e6 if x in chosen else 0.0 for x in ids])

    sc = Scenario("v", 2, policy="countyreach", n_weeks=1, days_per_week=1, seed=0,
                  day_time_limit_s=0.5)
    r = simulate(world, sc, values=values, check=True)
    assert set(r.visits["lead_id"]) == chosen


def test_truth_reference_follows_the_cooldown(world):
    # 12 officers × 12 visits a day exhaust 500 businesses in four days; with a 28-day
    # cooldown nobody can be seen twice in four weeks, so the reference runs dry.
    sc = Scenario("t", 12, n_weeks=4, days_per_week=5)
    ref = truth_reference(world, sc)
    # (Businesses locked by the history's loans and visits are never eligible: <= 1.)
    assert 0 < ref["visits_per_business"] <= 1.0
    assert ref["visits_per_officer_day"] < world.shift.max_visits


def test_given_bases_must_exist(world):
    sc = Scenario("t", 1, base_strategy="given", bases=("site:nowhere",), policy="nearest",
                  n_weeks=1)
    with pytest.raises(InputError):
        simulate(world, sc)


@pytest.mark.parametrize("kw", [{"n_officers": 0}, {"policy": "random_walk"},
                                {"base_strategy": "centre"}, {"n_weeks": 0},
                                {"base_strategy": "given"}])
def test_bad_scenarios(kw):
    base = {"scenario_id": "x", "n_officers": 2}
    with pytest.raises(InputError):
        Scenario(**{**base, **kw})


def test_policy_and_base_strategy_names_become_enums():
    sc = Scenario("x", 2, base_strategy="branch", policy="score_order")
    assert sc.policy is Policy.SCORE_ORDER and sc.base_strategy is BaseStrategy.BRANCH
    assert Scenario("x", 2, policy=Policy.NEAREST).policy is Policy.NEAREST
    # Result tables and saved sweeps hold the plain names.
    row = sc.params()
    assert type(row["policy"]) is str and row["policy"] == "score_order"
    assert type(row["base_strategy"]) is str and row["base_strategy"] == "branch"
    # Issue 18 added the baselines a lender would really use.
    assert [str(p) for p in POLICIES] == ["countyreach", "nearest", "score_order",
                                          "score_routed", "value_nearest", "relationship"]
    assert "given" in BASE_STRATEGIES and len(BASE_STRATEGIES) == 5
    with pytest.raises(InputError) as err:
        Scenario("x", 2, policy="random_walk")
    assert err.value.field == "policy" and "nearest" in str(err.value)


def test_loans_in_the_history_count_for_the_loan_rule(world):
    # A business that borrowed from the bank in the history's last months is not visited
    # in the first weeks by any policy (the one-year rule starts from the history).
    econ = world.economy
    recent = set(econ.loan_book.loc[econ.loan_book["month"] >= econ.months[-3], "lead_id"])
    assert recent
    for policy in ("nearest", "relationship", "value_nearest"):
        r = simulate(world, Scenario("t", 3, policy=policy, n_weeks=1, days_per_week=3))
        assert len(r.visits) > 0
        assert not recent & set(r.visits["lead_id"]), policy


def test_the_world_s_loan_rule_decides_who_may_be_visited(world):
    # The demo county declares the one-year rule; a lender whose rule is six months may
    # send officers to businesses eight to ten months after their loan from the bank.
    assert world.loan_rule_months == 12
    book = world.economy.loan_book
    start = _month_number(world.sim_start_month)
    age = start - book["month"].map(_month_number)
    last_age = age.groupby(book["lead_id"].astype(str)).min()
    between = set(last_age[(last_age >= 8) & (last_age <= 10)].index)
    assert between
    sc = Scenario("t", 3, policy="relationship", n_weeks=1, days_per_week=3)
    strict = simulate(world, sc)
    assert len(strict.visits) and not between & set(strict.visits["lead_id"])
    relaxed = simulate(dataclasses.replace(world, loan_rule_months=6), sc)
    assert between & set(relaxed.visits["lead_id"])


def _month_number(month: str) -> int:
    y, m = (int(x) for x in str(month).split("-"))
    return 12 * y + m


def test_visit_caused_measures_and_walk_ins(world):
    sc = Scenario("t", 3, policy="relationship", n_weeks=2, days_per_week=3, seed=5)
    r = simulate(world, sc)
    v = r.visits
    # Caused value is the value with the visit minus without; where a loan is worth
    # something at all, the visit cannot cause more than the whole value.
    worth = v["true_value_yuan"] >= 0
    assert (v.loc[worth, "caused_value_yuan"] <= v.loc[worth, "true_value_yuan"] + 1e-9).all()
    assert r.summary["caused_value_per_officer_day_yuan"] == pytest.approx(
        v["caused_value_yuan"].sum() / r.summary["officer_days"])
    assert 0 < r.summary["caused_loans_per_officer_day"] < r.summary["visits_per_officer_day"]
    # Today's practice visits past borrowers first (others once none is eligible).
    econ = world.economy
    past = set(econ.loan_book["lead_id"]) | set(
        world.businesses.loc[world.businesses["has_existing_loan"] > 0, "lead_id"])
    assert v.loc[v["day"] == 0, "lead_id"].isin(past).all()


def test_day_offer_takes_the_most_valuable_or_most_per_minute(world):
    from countyreach.simulation.engine import make_officers
    from countyreach.simulation.offers import OFFER_MIN, OfferRank, day_offer

    officers = make_officers(world, world.site_ids[:2])
    table = world.businesses
    values = np.linspace(0.0, 100.0, len(table))
    by_value = day_offer(table, values, officers, per_visit=2.0, rank=OfferRank.VALUE)
    k = max(2 * 2 * world.shift.max_visits, OFFER_MIN)
    np.testing.assert_array_equal(by_value, np.arange(len(table) - k, len(table)))
    per_minute = day_offer(table, values, officers, per_visit=2.0)
    assert len(per_minute) == k and np.all(np.diff(per_minute) > 0)
    # A small table is offered whole.
    np.testing.assert_array_equal(day_offer(table.head(10), values[:10], officers,
                                            per_visit=2.0), np.arange(10))
    with pytest.raises(InputError):
        Scenario("t", 2, day_offer_per_visit=0.5)
    with pytest.raises(InputError):
        Scenario("t", 2, day_offer_rank="nearest")  # type: ignore[arg-type]
