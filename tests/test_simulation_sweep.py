"""Sweeps: Dask equals sequential, coverage curves, recommendation, saved results, CLI."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import InputError
from countyreach.simulation import (
    coverage_curve,
    load_sweep,
    recommend,
    run_scenarios,
    save_sweep,
    scenario_grid,
)
from countyreach.simulation.cli import add_subcommands, parse_officers, parse_seeds
from countyreach.simulation.population import PopulationSpec
from tests.conftest import demo_world

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world():
    return demo_world(300)


@pytest.fixture(scope="module")
def grid():
    # 20 tiny scenarios: officers × base strategies × seeds; the routed learning policy on a
    # few, the cheap nearest-leads baseline on the rest.
    return scenario_grid([1, 2], ["p_median"], [0, 1], policy="countyreach",
                         n_weeks=1, days_per_week=2, day_time_limit_s=0.3) + \
        scenario_grid([2, 3, 4, 6], ["p_median", "branch"], [0, 1], policy="nearest",
                      n_weeks=1, days_per_week=2)


@pytest.fixture(scope="module")
def sequential(world, grid):
    return run_scenarios(world, grid)


@pytest.mark.slow
def test_dask_sweep_equals_sequential(world, grid, sequential):
    assert len(grid) >= 20
    on_dask = run_scenarios(world, grid, dask=True, n_workers=2)
    assert on_dask.meta["ran_on"].startswith("dask")
    pd.testing.assert_frame_equal(sequential.summary, on_dask.summary)
    pd.testing.assert_frame_equal(sequential.weekly, on_dask.weekly)


def test_curve_and_recommendation(sequential):
    curve = coverage_curve(sequential)
    assert set(curve["base_strategy"]) == {"p_median", "branch"}
    assert curve["coverage"].between(0, 1).all()
    rec = recommend(sequential, target_share=0.9)
    assert rec.coverage >= 0.9 * rec.max_coverage
    assert rec.n_officers in set(curve["n_officers"])
    assert str(rec.n_officers) in rec.reason


def test_saved_sweep_round_trips(tmp_path, sequential):
    save_sweep(sequential, tmp_path)
    back = load_sweep(tmp_path)
    pd.testing.assert_frame_equal(back.summary, sequential.summary)
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    assert meta["n_scenarios"] == len(sequential.summary)
    assert "countyreach" in meta and meta["scenarios"][0]["scenario_id"]


def test_charts_are_altair_specs(sequential):
    from countyreach.simulation.plots import coverage_chart, loans_chart

    spec = coverage_chart(sequential).to_dict()
    assert "layer" in spec
    assert loans_chart(sequential).to_dict()["mark"]["type"] == "line"


def test_duplicate_scenario_ids_rejected(world, grid):
    with pytest.raises(InputError):
        run_scenarios(world, [grid[0], grid[0]])


@pytest.mark.parametrize("text,expected", [("6", [6]), ("2,4,8", [2, 4, 8]),
                                           ("2:10:4", [2, 6, 10])])
def test_parse_officers(text, expected):
    assert parse_officers(text) == expected


@pytest.mark.parametrize(("text", "why"), [("", ">= 1"), ("a", "expected"), ("0", ">= 1"),
                                           ("2:x", "expected"), ("4:2:2", "counts down"),
                                           ("2:4:2:1", "expected"), ("2:4:0", "step")])
def test_parse_officers_rejects(text, why):
    with pytest.raises(InputError, match=why) as err:
        parse_officers(text)
    assert err.value.field == "--officers"


@pytest.mark.parametrize(("command", "flag", "value"), [
    ("simulate", "--days-per-week", "8"), ("simulate", "--weeks", "0"),
    ("simulate", "--time-limit", "0"), ("simulate", "--officers", "-2"),
    ("sweep", "--weeks", "200"), ("simulate-loop", "--days", "0")])
def test_cli_bad_run_arguments_name_the_flag_before_any_work(command, flag, value, capsys):
    from countyreach.cli import main

    args = ["-q", command] + ([] if command == "simulate-loop" else ["no-such-county"])
    assert main([*args, flag, value]) == 2
    out = capsys.readouterr()
    # named first in the reason ("--weeks must be 1..104, got 0"), not again as its field
    assert f"countyreach: error: {flag} must " in out.err and "Traceback" not in out.err
    assert "team:" not in out.out  # nothing was set up first


@pytest.mark.parametrize("text,expected", [("0", [0]), ("0,1,2", [0, 1, 2]), ("3,", [3])])
def test_parse_seeds(text, expected):
    assert parse_seeds(text) == expected


@pytest.mark.parametrize("text", ["", "a", "1,b", "-1", "1.5"])
def test_parse_seeds_rejects(text):
    with pytest.raises(InputError, match="seeds"):
        parse_seeds(text)


def test_a_population_seed_below_0_is_refused():
    with pytest.raises(InputError, match="population seed"):
        PopulationSpec(seed=-1)


def test_no_workers_is_refused_before_any_cluster_starts(world):
    grid = scenario_grid([2], ["branch"], [0], n_weeks=1, days_per_week=1)
    with pytest.raises(InputError, match="workers"):
        run_scenarios(world, grid, dask=True, n_workers=0)


@pytest.mark.parametrize("command", ["simulate", "sweep"])
def test_cli_bad_seeds_exit_2_naming_the_field(command, capsys):
    from countyreach.cli import main

    # Refused before the county is even read: no traceback, the field named.
    assert main(["-q", command, "no-such-county", "--seeds", "a"]) == 2
    err = capsys.readouterr().err
    assert "seeds" in err and "Traceback" not in err


def test_cli_sweep_writes_results(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--cache-dir")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "sweep"
    args = parser.parse_args(["-q", "sweep", str(ROOT / "data" / "qingzu"), "--businesses", "200",
                              "--officers", "1,3", "--strategies", "p_median", "--policy",
                              "nearest", "--weeks", "1", "--days-per-week", "2", "--out",
                              str(out)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "Recommendation:" in text
    for name in ("summary.parquet", "weekly.parquet", "meta.json", "coverage_curve.csv"):
        assert (out / name).exists()


def test_cli_policy_comparison_reports_saturation(capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--cache-dir")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["-q", "simulate", str(ROOT / "data" / "qingzu"), "--businesses",
                              "200", "--officers", "2", "--policy", "all", "--weeks", "1",
                              "--days-per-week", "2", "--time-limit", "0.3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "countyreach's visit-caused value per officer-day: " in text
    assert "(one seed, no interval" in text
    # 2 officers × 2 days × 12 visits over 200 businesses.
    assert "saturation: 0.24 visits per business" in text


def _summary(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"base_strategy": b, "n_officers": n, "coverage": c,
                          "loans_per_officer_day": lpd, "cost_per_loan_yuan": 100.0,
                          "drive_h_per_officer_day": 2.0, "loans": 1.0, "seed": 0}
                         for b, n, c, lpd in rows])


def test_a_tie_in_coverage_goes_to_the_strategy_that_lends_more_and_the_text_says_so() -> None:
    rec = recommend(_summary([("branch", 2, 0.5, 0.9), ("max_coverage", 2, 0.5, 1.1),
                              ("branch", 4, 0.5, 0.8), ("max_coverage", 4, 0.5, 1.0)]))
    assert (rec.n_officers, rec.base_strategy) == (2, "max_coverage")
    assert "the best coverage swept" in rec.reason and "100%" not in rec.reason
    assert "more officers add less than 1% each" in rec.reason


def test_the_largest_team_swept_is_not_said_to_be_past_the_point_of_gain() -> None:
    rec = recommend(_summary([("branch", 2, 0.3, 0.9), ("branch", 4, 0.6, 0.9)]))
    assert rec.n_officers == 4
    assert "largest team swept" in rec.reason and "add less than" not in rec.reason


def test_the_recommendation_says_the_window_of_a_short_run_and_names_ties(sequential):
    rec = recommend(sequential, target_share=0.9)
    # a one-week run cannot say "within 30 days": coverage counts the whole run
    assert "in the 7-day run" in rec.reason and "within 30 days" not in rec.reason
    one = sequential.summary.assign(n_officers=1)
    one = one[one["policy"] == "nearest"].copy()
    one["coverage"], one["loans_per_officer_day"] = 0.5, 0.2  # every strategy alike
    text = recommend(one).reason
    assert text.startswith("1 officer based by ") and " reaches 50%" in text
    assert "(as good as " in text


def test_cli_sweep_refuses_given_bases_before_reading_the_county(capsys):
    from countyreach.cli import main

    assert main(["-q", "sweep", "no-such-county", "--strategies", "given,branch"]) == 2
    err = capsys.readouterr().err
    assert "'given'" in err and "--strategies" in err and "Traceback" not in err


@pytest.mark.parametrize("typed", ["branch， random", "branch ,random", "branch，random，"])
def test_cli_sweep_reads_strategies_as_every_command_reads_a_list(capsys, typed):
    # a full-width comma (a Chinese input method) and spaces separate strategies as they
    # separate officer ids in `plan --officers`: the sweep gets past them to the county
    from countyreach.cli import main

    assert main(["-q", "sweep", "no-such-county", "--strategies", typed]) == 2
    err = capsys.readouterr().err
    assert "base strategy" not in err and "no-such-county" in err
