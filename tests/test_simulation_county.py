"""`simulate` and `sweep` on a county's own leads and officers (issue 17).

Every run is tiny (one week of two days, fixed routing improvement steps) and uses the
straight-line travel model, so no road graph is built: what is tested is whose
businesses and officers are simulated, not the travel times.
"""

from __future__ import annotations

import argparse
import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countyreach.errors import DataWarning, InputError
from countyreach.io import read_leads_table, read_officers, read_villages
from countyreach.simulation import Scenario, simulate, world_from_county
from countyreach.simulation.cli import add_subcommands
from countyreach.simulation.population import PopulationSpec
from countyreach.simulation.scenario import Team
from propensity.economy import economy_for_businesses

TINY = {"n_weeks": 1, "days_per_week": 2, "route_improvement_steps": 1}


def _world(folder: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown industries, far snaps: shown to users, not here
        return world_from_county(folder, travel="straight_line", **kw)


def _rewrite_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    rows = [change(i, r) for i, r in enumerate(rows)]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def _run_cli(argv: list[str], capsys) -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--cache-dir")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["-q", *argv, "--travel", "straight_line", "--weeks", "1",
                              "--days-per-week", "2", "--time-limit", "0.3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert args.func(args) == 0
    return capsys.readouterr().out


def test_world_holds_the_countys_leads_with_their_features(county_copy):
    world = _world(county_copy)
    leads = read_leads_table(county_copy / "leads.csv")
    b = world.businesses
    assert world.meta["population"] == "county_leads"
    assert list(b["lead_id"]) == list(leads["lead_id"])
    assert list(b["name"]) == list(leads["name"])
    assert list(b["industry"]) == list(leads["industry"])
    np.testing.assert_allclose(b["lat"], leads["lat"].astype(float))
    np.testing.assert_allclose(b["lon"], leads["lon"].astype(float))
    for col in ("years_operating", "staff", "revenue_band", "past_contacts"):
        assert list(b[col]) == [int(x) for x in leads[col]], col
    assert list(b["service_s"]) == list(leads["service_s"])
    # The hidden truth covers exactly these businesses.
    assert set(world.economy.truth.index) == set(leads["lead_id"])


def test_a_lead_far_off_the_roads_is_skipped_as_planning_does(county_copy, cache_dir):
    # On the roads a county that plans also simulates: a lead that lies in the next
    # county is skipped with its row named, not a reason to stop.
    _rewrite_csv(county_copy / "leads.csv",
                 lambda i, r: {**r, "lat": "36.4", "lon": "116.2"} if i == 6 else r)
    with pytest.warns(DataWarning, match=r"leads.csv: row 7: lead \S+ lies .* outside"):
        world = world_from_county(county_copy, cache_dir=cache_dir)
    leads = read_leads_table(county_copy / "leads.csv")
    assert list(world.businesses["lead_id"]) == [x for i, x in enumerate(leads["lead_id"])
                                                 if i != 6]


def test_simulate_uses_the_leads_and_the_rosters_officers(county_copy):
    world = _world(county_copy)
    roster = read_officers(county_copy / "officers.csv")
    assert [o.officer_id for o in world.roster] == [o.officer_id for o in roster]
    sc = Scenario("roster", len(world.roster), team="roster", policy="nearest", **TINY)
    res = simulate(world, sc, check=True)
    assert set(res.days["officer_id"]) == {o.officer_id for o in roster}
    assert set(res.visits["lead_id"]) <= set(read_leads_table(county_copy / "leads.csv")["lead_id"])
    # Each officer's day starts at the officer's own start, at the officer's own shift start:
    # the first visit is reached exactly one drive after it (no windows in a simulated day).
    by_id = {o.officer_id: o for o in world.roster}
    first = res.visits[res.visits["seq"] == 1]
    assert len(first) == 2 * len(roster)
    for row in first.itertuples():
        o = by_id[row.officer_id]
        own = {r.officer_id: r for r in roster}[row.officer_id]
        assert o.start.location == own.start.location and o.shift == own.shift
        assert row.arrival_s == o.shift.start_s + world.matrix.duration(o.start.depot_id,
                                                                        row.lead_id)
    assert res.scenario.bases == tuple(o.start.depot_id for o in world.roster)


def test_roster_scenario_must_match_the_roster(county_copy):
    world = _world(county_copy)
    with pytest.raises(InputError, match="roster has 6 officers"):
        simulate(world, Scenario("r", 2, team=Team.ROSTER, policy="nearest", **TINY))
    no_roster = _world(county_copy, own_officers=False)
    assert no_roster.roster == ()
    with pytest.raises(InputError, match="no officers.csv"):
        simulate(no_roster, Scenario("r", 6, team=Team.ROSTER, policy="nearest", **TINY))


def test_without_leads_the_population_is_synthesised(county_copy):
    leads = read_leads_table(county_copy / "leads.csv")
    (county_copy / "leads.csv").unlink()
    manifest = json.loads((county_copy / "county.json").read_text(encoding="utf-8"))
    manifest["loan_rule_months"] = 9  # the county's rule holds without its leads too
    (county_copy / "county.json").write_text(json.dumps(manifest), encoding="utf-8")
    world = _world(county_copy, spec=None)
    assert world.meta["population"] == "synthetic" and world.loan_rule_months == 9
    # The synthetic generator names businesses from the same vocabulary; row by row
    # the businesses are others.
    same = (world.businesses["name"].to_numpy() == leads["name"].to_numpy()) & np.isclose(
        world.businesses["lat"].to_numpy(float), leads["lat"].to_numpy(float))
    assert same.mean() < 0.05
    res = simulate(world, Scenario("s", 2, policy="nearest", **TINY))
    assert res.summary["visits"] > 0


def test_a_given_population_size_means_synthesis(county_copy):
    world = _world(county_copy, spec=PopulationSpec(n_businesses=120))
    assert world.meta["population"] == "synthetic" and len(world.businesses) == 120


def test_unknown_industry_is_simulated_as_other(county_copy):
    def to_tea(i: int, row: dict) -> dict:
        if row["industry"] == "small_shop":
            row["industry"] = "tea_house"
        return row

    _rewrite_csv(county_copy / "leads.csv", to_tea)
    world = _world(county_copy)
    tea = world.businesses.loc[world.businesses["industry"] == "tea_house", "lead_id"]
    assert len(tea) > 20
    assert set(world.economy.truth.loc[list(tea), "industry"]) == {"other"}
    res = simulate(world, Scenario("t", 6, team="roster", policy="nearest", **TINY))
    seen = res.visits[res.visits["lead_id"].isin(set(tea))]
    assert len(seen) > 0
    assert seen["true_p_uptake"].between(0, 1, inclusive="neither").all()
    assert np.isfinite(seen["true_value_yuan"]).all()


def test_economy_for_businesses_fills_missing_features_only():
    villages = read_villages(Path(__file__).resolve().parents[1] / "data" / "qingzu"
                             / "villages.csv")
    v = villages[villages["place"].isin(["village", "town", "hamlet"])]
    b = pd.DataFrame({
        "lead_id": [f"X{i}" for i in range(40)],
        "industry": ["sheep_farm", "small_shop", "noodle_stall", "clothing"] * 10,
        "lat": np.repeat(v["lat"].to_numpy()[:10], 4),
        "lon": np.repeat(v["lon"].to_numpy()[:10], 4),
        "staff": ["7", ""] * 20,
        "years_operating": [3.0] * 20 + [np.nan] * 20,
    })
    e = economy_for_businesses(b, villages, seed=2, variant="heterogeneous", n_months=6)
    out = e.businesses
    assert list(out["lead_id"]) == list(b["lead_id"])
    assert (out.loc[::2, "staff"] == 7).all() and (out.loc[1::2, "staff"] >= 1).all()
    assert (out.loc[:19, "years_operating"] == 3).all()
    assert out["village"].isin(set(villages["name"])).all()
    assert list(e.truth.loc[out["lead_id"], "industry"].unique()) == \
        ["sheep_farm", "small_shop", "other", "clothing"]
    assert "noodle_stall" in set(out["industry"])
    p = e.true_p_uptake(out["lead_id"], "2025-03")
    assert np.isfinite(p).all() and ((p > 0) & (p < 1)).all()
    # The same seed gives the same truth.
    again = economy_for_businesses(b, villages, seed=2, variant="heterogeneous", n_months=6)
    pd.testing.assert_frame_equal(e.truth, again.truth)


def test_cli_simulate_says_whose_leads_and_officers(county_copy, capsys):
    text = _run_cli(["simulate", str(county_copy), "--policy", "nearest"], capsys)
    assert "population: the county's 400 leads" in text
    assert "team: the county's 6 officers" in text
    text = _run_cli(["simulate", str(county_copy), "--policy", "nearest", "--officers", "2"],
                    capsys)
    assert "team: 2 synthetic officers at p_median bases" in text
    (county_copy / "leads.csv").unlink()
    (county_copy / "officers.csv").unlink()
    text = _run_cli(["simulate", str(county_copy), "--policy", "nearest"], capsys)
    assert "population: synthetic, 800 businesses" in text
    assert "team: 6 synthetic officers" in text


def test_cli_sweep_chooses_bases_on_the_countys_leads(county_copy, capsys, tmp_path):
    out = tmp_path / "sweep"
    text = _run_cli(["sweep", str(county_copy), "--officers", "1,2", "--strategies",
                     "p_median", "--policy", "nearest", "--out", str(out)], capsys)
    assert "population: the county's 400 leads" in text
    summary = pd.read_parquet(out / "summary.parquet")
    assert sorted(summary["n_officers"]) == [1, 2]
    assert set(summary["team"]) == {"bases"} and set(summary["base_strategy"]) == {"p_median"}
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["world_population"] == "county_leads" and meta["n_businesses"] == 400


def test_the_boosted_classifier_fits_one_loan_among_many_rows():
    # `simulate` of a lender's six-lead pilot county (its leads.csv alone) ended in
    # sklearn's traceback: the simulated visits held one loan, too few for the baseline's
    # stratified early-stopping split; the trees fit on what there is
    from propensity.uplift_boost import HistBoostClassifier

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.random(40), "z": rng.random(40)})
    y = np.r_[1, np.zeros(39, int)]
    clf = HistBoostClassifier(max_iter=20, early_stopping=True, validation_fraction=0.15)
    proba = clf.fit(X, y).predict_proba(X)[:, 1]
    assert proba.shape == (40,) and np.isfinite(proba).all()
    assert clf.early_stopping is True  # the estimator's parameters are as it was given them
    big = np.r_[np.ones(20, int), np.zeros(20, int)]  # enough of each: stopping as asked
    assert clf.fit(X, big).do_early_stopping_
