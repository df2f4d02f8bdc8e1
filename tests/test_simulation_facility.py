"""Facility location: exact solvers against brute force, officer allocation, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countyreach.errors import InputError
from countyreach.simulation.facility import (
    allocate_officers,
    greedy_facilities,
    locate_facilities,
)


def _instance(seed: int, n_sites: int = 8, n_dem: int = 15):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 20_000, (n_dem, 2))
    sites = rng.uniform(0, 20_000, (n_sites, 2))
    cost = np.rint(np.linalg.norm(sites[:, None] - pts[None], axis=2) / 10).astype(np.int64)
    w = rng.integers(1, 6, n_dem).astype(float)
    return cost, w, [f"s{i}" for i in range(n_sites)]


def _brute(cost, w, k, objective, cover_s):
    best = None
    for combo in itertools.combinations(range(cost.shape[0]), k):
        near = cost[list(combo)].min(axis=0)
        if objective == "p_median":
            score = float((w * near).sum())
        else:
            score = -float(w[near <= cover_s].sum())
        if best is None or score < best:
            best = score
    return best


@pytest.mark.parametrize("solver", ["cp-sat", "mip"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_p_median_matches_brute_force(solver, seed):
    cost, w, ids = _instance(seed)
    sol = locate_facilities(cost, w, 3, ids, objective="p_median", solver=solver,
                            deterministic_time=10)
    assert sol.status == "optimal"
    assert sol.weighted_cost_s == pytest.approx(_brute(cost, w, 3, "p_median", 0))


@pytest.mark.parametrize("solver", ["cp-sat", "mip"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_coverage_matches_brute_force(solver, seed):
    cost, w, ids = _instance(seed)
    sol = locate_facilities(cost, w, 2, ids, objective="max_coverage", cover_s=700,
                            solver=solver)
    covered = sol.covered_share * w.sum()
    assert covered == pytest.approx(-_brute(cost, w, 2, "max_coverage", 700))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_exact_never_worse_than_greedy(seed, k):
    cost, w, ids = _instance(seed, n_sites=7, n_dem=12)
    exact = locate_facilities(cost, w, k, ids, objective="p_median")
    greedy = greedy_facilities(cost, w, k, ids, objective="p_median")
    assert exact.weighted_cost_s <= greedy.weighted_cost_s + 1e-6
    assert len(exact.site_ids) == k
    assert set(exact.assignment) <= set(exact.site_ids)


def test_same_input_same_sites():
    cost, w, ids = _instance(5, n_sites=12, n_dem=40)
    a = locate_facilities(cost, w, 4, ids, objective="max_coverage", cover_s=600, seed=3)
    b = locate_facilities(cost, w, 4, ids, objective="max_coverage", cover_s=600, seed=3)
    assert a.site_ids == b.site_ids


def test_more_officers_than_sites_share_busiest_sites():
    cost, w, ids = _instance(0, n_sites=4, n_dem=20)
    sol = locate_facilities(cost, w, 2, ids)
    bases = allocate_officers(5, sol, w)
    assert len(bases) == 5
    assert set(bases) == set(sol.site_ids)
    load = {s: float(w[np.array(sol.assignment) == s].sum()) for s in sol.site_ids}
    busiest = max(load, key=load.get)
    assert bases.count(busiest) >= bases.count(min(load, key=load.get))


@pytest.mark.parametrize("bad", [
    {"k": 0}, {"k": 99}, {"objective": "centre"}, {"solver": "gurobi"}, {"weights": "neg"},
])
def test_bad_input_is_input_error(bad):
    cost, w, ids = _instance(0)
    if bad.get("weights") == "neg":
        w = -w
    kw = {"k": bad.get("k", 2), "objective": bad.get("objective", "p_median"),
          "solver": bad.get("solver", "auto")}
    with pytest.raises(InputError):
        locate_facilities(cost, w, kw["k"], ids, objective=kw["objective"], solver=kw["solver"])
