"""The search's use of its time and seed, and explanations screened for many leads at once."""

from __future__ import annotations

import numpy as np

from routing import check_plan, explain_drops, insert_profitable, schedule_route
from routing.plan import DropReason
from tests.test_routing_solver import MIN, lead, officer, problem, solve


def _day(n_leads: int = 60, n_officers: int = 3, seed: int = 5, **kw):
    rng = np.random.default_rng(seed)
    leads = [lead(f"L{i}", float(rng.integers(20, 200)), service_s=25 * MIN)
             for i in range(n_leads)]
    pos = {f"L{i}": tuple(rng.integers(0, 40, 2)) for i in range(n_leads)}
    offs = [officer(f"O{k}") for k in range(n_officers)]
    pos |= {f"O{k}": tuple(rng.integers(10, 30, 2)) for k in range(n_officers)}
    return problem(leads, offs, pos, skills="off", **kw)


def test_a_lead_is_explained_alike_alone_or_among_all_the_others():
    p = _day(drive_cost_yuan_per_h=1000.0)
    plan = solve(p, time_limit_s=0.5, workers=1)
    assert check_plan(p, plan) == []
    visited = set(plan.visited_lead_ids)
    left = [ld for ld in p.leads if ld.lead_id not in visited]
    assert left
    together = explain_drops(p, plan.routes, left)
    alone = [explain_drops(p, plan.routes, [ld])[0] for ld in left]
    assert list(together) == alone
    # Expensive driving leaves leads "not worth the detour", each with the value it needed.
    worth = [d for d in together if d.reason is DropReason.NOT_WORTH_DETOUR]
    assert worth and all(d.needed_value_yuan is not None for d in worth)


def test_putting_back_left_leads_inserts_only_what_pays_and_keeps_routes_feasible():
    p = _day(drive_cost_yuan_per_h=120.0)
    plan = solve(p, time_limit_s=0.5, workers=1)
    by_id = p.lead_by_id
    # Take every other visit out: the insertion pass should put the paying ones back.
    routes, taken = [], []
    for r in plan.routes:
        o = p.officer_by_id[r.officer_id]
        keep = [by_id[x] for x in r.lead_ids[::2]]
        taken += [by_id[x] for x in r.lead_ids[1::2]]
        routes.append(schedule_route(o, keep, p.matrix))
    left = taken + [ld for ld in p.leads if ld.lead_id not in set(plan.visited_lead_ids)]
    new_routes, still = insert_profitable(p, routes, left)
    placed = {x for r in new_routes for x in r.lead_ids}
    assert placed.isdisjoint(ld.lead_id for ld in still)
    assert len(placed) + len(still) == sum(len(r.stops) for r in routes) + len(left)
    assert len(placed) > sum(len(r.stops) for r in routes)
    for r in new_routes:
        o = p.officer_by_id[r.officer_id]
        assert schedule_route(o, [by_id[x] for x in r.lead_ids], p.matrix) is not None
    # Whatever stays out is explained, and none of it would pay for its detour.
    for d in explain_drops(p, new_routes, still):
        if d.reason is DropReason.NOT_WORTH_DETOUR:
            assert d.needed_value_yuan >= by_id[d.lead_id].value_yuan - 1e-6


def test_the_seed_changes_the_plan_and_each_seed_repeats_its_plan():
    # Equal values on a symmetric grid: many plans are as good as each other, so a search
    # whose choices ignored the seed would give one plan whatever the seed.
    leads = [lead(f"L{i}", 100.0, service_s=40 * MIN) for i in range(30)]
    pos = {f"L{i}": (i % 6 * 3, i // 6 * 3) for i in range(30)}
    pos |= {"O1": (7, 6), "O2": (8, 6)}
    p = problem(leads, [officer("O1"), officer("O2")], pos, skills="off")
    plans = {}
    for seed in range(4):
        a, b = (solve(p, seed=seed, improvement_steps=3) for _ in range(2))
        assert check_plan(p, a) == []
        assert [r.lead_ids for r in a.routes] == [r.lead_ids for r in b.routes]
        plans[seed] = tuple(r.lead_ids for r in a.routes)
    assert len(set(plans.values())) >= 2
