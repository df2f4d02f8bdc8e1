"""A simulation on a county too large for one travel matrix builds the day's matrices only.

A county's own 20,000 leads made one matrix over every pair of places (19 GB to build), and
``simulate`` was killed. Above :data:`~countyreach.simulation.traveltime.FULL_MATRIX_MAX_NODES`
places a world builds each day's travel times for that day's candidates. The demo county
(400 leads) is made "too large" here by lowering the limit, so the runs stay small; the
straight-line model keeps the road graph out of it, and a road-time check compares the
matrices built on demand with the slices of the full one.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pytest

from countyreach.simulation import Scenario, simulate, world_from_county
from countyreach.simulation.cli import add_subcommands
from countyreach.simulation.offers import team_visits

TINY = {"n_weeks": 1, "days_per_week": 2, "route_improvement_steps": 1}


def _world(folder: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown industries, far snaps: shown to users
        return world_from_county(folder, travel=kw.pop("travel", "straight_line"), **kw)


def _roster(world, policy: str) -> Scenario:
    return Scenario("r", len(world.roster), team="roster", policy=policy, **TINY)


def test_a_large_world_builds_only_the_days_candidates(county_copy):
    world = _world(county_copy, full_matrix_max_nodes=100)
    n_leads = len(world.businesses)
    assert world.travel_times.on_demand and n_leads > 100
    with pytest.raises(ValueError, match="too many for one matrix"):
        _ = world.matrix
    res = simulate(world, _roster(world, "countyreach"), check=True)
    assert len(res.visits) > 0
    # The day's offer: two leads a visit the team can make, the explored ones, the
    # officers' starts and ends; never the county's leads.
    biggest = res.summary["travel_matrix_nodes_max"]
    assert 0 < biggest <= 3 * team_visits(world.roster) + 2 * len(world.roster) < n_leads


@pytest.mark.parametrize("policy", ["countyreach", "score_order", "nearest"])
def test_built_per_day_or_sliced_the_simulation_is_the_same(county_copy, policy):
    # Below the baselines' candidate minimum (1,000) every open lead is offered, so a
    # world building its times per day makes exactly the days of one holding them all.
    full = _world(county_copy)
    large = _world(county_copy, full_matrix_max_nodes=100)
    assert not full.travel_times.on_demand
    a = simulate(full, _roster(full, policy), check=True)
    b = simulate(large, _roster(large, policy), check=True)
    cols = ["day", "officer_id", "seq", "lead_id", "arrival_s", "took_loan"]
    assert a.visits[cols].equals(b.visits[cols])
    assert a.days.equals(b.days)


def test_road_times_built_on_demand_equal_the_full_matrix(county_copy, cache_dir):
    full = _world(county_copy, travel="roads", cache_dir=cache_dir)
    large = _world(county_copy, travel="roads", cache_dir=cache_dir, full_matrix_max_nodes=100)
    ids = [*full.lead_ids[::37], *full.site_ids[:3]]
    got = large.travel_times.between(ids)
    want = full.matrix.subset(ids)
    assert np.array_equal(got.duration_s, want.duration_s)
    assert np.array_equal(got.distance_m, want.distance_m)
    # Bases to every business, in blocks: what choosing bases and territories read.
    out_s, back_s = large.travel_times.to_and_from(full.site_ids, full.lead_ids)
    want_out, want_back = full.travel_times.to_and_from(full.site_ids, full.lead_ids)
    assert np.array_equal(out_s, want_out) and np.array_equal(back_s, want_back)
    cost, weight, names = large.demand()
    cost_f, weight_f, names_f = full.demand()
    assert names == names_f and np.array_equal(weight, weight_f)
    np.testing.assert_allclose(cost, cost_f)


def test_simulate_says_how_travel_times_are_made(county_copy, capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--cache-dir")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["-q", "simulate", str(county_copy), "--policy", "countyreach",
                              "--travel", "straight_line", "--weeks", "1",
                              "--days-per-week", "1", "--time-limit", "0.3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "travel times: one matrix over all" in out
    assert "largest travel matrix of a simulated day:" in out
