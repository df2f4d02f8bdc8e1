"""``countyreach simulate``, ``simulate-loop`` and ``sweep``: the planner's commands.

Wire into the main parser with ``add_subcommands(sub)`` where ``sub`` is the
result of ``parser.add_subparsers(...)``; each subcommand sets ``func``.

Examples
--------
countyreach simulate data/qingzu --weeks 13              # the county's leads and officers
countyreach simulate data/qingzu --officers 6 --weeks 13  # 6 officers at p-median bases
countyreach simulate tangxian --officers 8 --weeks 4 --policy countyreach
countyreach sweep data/qingzu --officers 2:12:2 --seeds 0,1 --weeks 4 --dask --out out/sweep
countyreach sweep tangxian --officers 2:30:4 --scheduler tcp://10.0.0.5:8786
countyreach simulate-loop --days 20                      # the daily loop through a store
countyreach simulate-loop --days 20 --db postgresql+psycopg2://u:pw@host/empty_db
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from countyreach.arglists import id_list
from countyreach.simulation.policies import Policy
from countyreach.simulation.scenario import BaseStrategy, Team, parse_base_strategy

__all__ = ["add_subcommands", "check_run_args", "cmd_simulate", "cmd_simulate_loop",
           "cmd_sweep", "load_world", "parse_officers", "parse_seeds"]


def parse_officers(text: str) -> list[int]:
    """``"6"``, ``"2,4,8"`` or ``"2:30:2"`` (start:stop:step, stop included) to a list."""
    from countyreach.errors import InputError

    form = f"expected officers like 6, 2,4,8 or 2:30:2 (start:stop:step), got {text!r}"
    try:
        parts = [int(p) for p in text.split(":")] if ":" in text else None
        out = [] if parts else [int(p) for p in id_list(text)]
    except ValueError:
        raise InputError(form, field="--officers") from None
    if parts:
        if len(parts) not in (2, 3):
            raise InputError(form, field="--officers")
        start, stop, step = parts[0], parts[1], parts[2] if len(parts) > 2 else 1
        if step < 1:
            raise InputError(f"the step of {text!r} must be at least 1", field="--officers")
        if stop < start:
            raise InputError(f"{text!r} counts down: give start:stop:step with start <= stop",
                             field="--officers")
        out = list(range(start, stop + 1, step))
    if not out or any(n < 1 for n in out):
        raise InputError(f"officer counts must be >= 1, got {text!r}", field="--officers")
    return out


def check_run_args(args: argparse.Namespace) -> None:
    """Refuse impossible run lengths, limits and teams, naming the flag (before any work).

    Raises
    ------
    InputError
    """
    from countyreach.errors import InputError

    checks = (("weeks", "--weeks", 1, 104), ("days_per_week", "--days-per-week", 1, 7),
              ("days", "--days", 1, 366), ("officers", "--officers", 1, 500),
              ("businesses", "--businesses", 1, 1_000_000),
              ("retrain_every", "--retrain-every", 0, 366),
              ("population_seed", "--population-seed", 0, 2**31 - 1))
    for attr, flag, lo, hi in checks:
        v = getattr(args, attr, None)
        if isinstance(v, int) and not lo <= v <= hi:
            raise InputError(f"{flag} must be {lo}..{hi}, got {v}", field=flag)
    limit = getattr(args, "time_limit", None)
    if limit is not None and not limit > 0:
        raise InputError(f"--time-limit must be more than 0 seconds, got {limit:g}",
                         field="--time-limit")


def parse_seeds(text: str) -> list[int]:
    """``"0"`` or ``"0,1,2"`` to a list of seeds (non-negative integers)."""
    from countyreach.errors import InputError

    try:
        out = [int(p) for p in id_list(text)]
    except ValueError:
        raise InputError(f"expected seeds like 0 or 0,1,2, got {text!r}",
                         field="seeds") from None
    if not out or any(n < 0 for n in out):
        raise InputError(f"seeds must be integers >= 0, got {text!r}", field="seeds")
    return out


#: Businesses synthesised when neither ``--businesses`` nor a leads file gives them.
DEFAULT_BUSINESSES = 800
#: Officers simulated when neither ``--officers`` nor an officers file gives them.
DEFAULT_OFFICERS = 6


def load_world(args: argparse.Namespace, *, roster: bool = True) -> Any:
    """The world named on the command line (a county folder, or ``tangxian``).

    A county's own leads are the population unless ``--businesses`` asks for a synthetic
    one of that size; its officers are read into the world's roster when ``roster``.
    """
    from countyreach.errors import InputError
    from countyreach.simulation.population import PopulationSpec
    from countyreach.simulation.tangxian import tangxian_world
    from countyreach.simulation.traveltime import StraightLineModel
    from countyreach.simulation.world import world_from_county

    n = DEFAULT_BUSINESSES if args.businesses is None else args.businesses
    spec = PopulationSpec(n_businesses=n, seed=args.population_seed)
    try:
        detour = StraightLineModel(args.detour, args.speed)
    except InputError as exc:  # named by the option the user typed
        flag = {"detour_factor": "--detour", "speed_kmh": "--speed"}.get(exc.field or "")
        raise InputError(exc.reason, field=flag or exc.field) from None
    if args.county == "tangxian":
        return tangxian_world(spec, detour=detour)
    return world_from_county(args.county, spec, travel=args.travel, detour=detour,
                             cache_dir=args.cache_dir, own_leads=args.businesses is None,
                             own_officers=roster)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def _lang(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", None) or "en")


def ratio_text(table: Any, n_seeds: int, lang: str) -> str:
    """The headline of :func:`~countyreach.simulation.sweep.compare_policies`'s table:
    countyreach's visit-caused value per officer-day over the strongest baseline's (the
    largest of the others) and over today's practice (relationship visits), each with its
    95 % interval over the seeds."""
    import math

    from countyreach.i18n import t

    rows = table.set_index("policy")
    others = rows.drop(index=Policy.COUNTYREACH.value)
    strongest = str(others["caused_value_per_officer_day_yuan"].idxmax())

    def part(policy: str) -> dict[str, str]:
        r = rows.loc[policy]
        lo, hi = float(r["countyreach_ratio_lo"]), float(r["countyreach_ratio_hi"])
        ci = (t("sim_ratio_one_seed", lang) if math.isnan(lo) else
              t("sim_ratio_ci", lang, lo=f"{lo:.2f}", hi=f"{hi:.2f}", n=n_seeds))
        return {"ratio": f"{float(r['countyreach_ratio']):.2f}",
                "name": t(f"sim_policy_{policy}", lang), "ci": ci}

    s, d = part(strongest), part(Policy.RELATIONSHIP.value)
    if strongest == Policy.RELATIONSHIP.value:
        return t("sim_ratio_today_strongest", lang, today=d["ratio"], today_name=d["name"],
                 today_ci=d["ci"])
    return t("sim_ratio", lang, strongest=s["ratio"], strongest_name=s["name"],
             strongest_ci=s["ci"], today=d["ratio"], today_name=d["name"], today_ci=d["ci"])


def _table(df: Any, cols: list[str], first: int, lang: str) -> str:
    """``df[cols]`` as the terminal prints it, its headers in ``lang`` (English: the column
    names, as the saved files have them) and a base strategy's or a policy's name in words."""
    from countyreach.i18n import t

    view = df[cols]
    if lang != "en":
        for col, key in (("base_strategy", "strategy"), ("policy", "sim_policy")):
            if col in cols:
                view = view.assign(**{col: [t(f"{key}_{v}", lang) for v in view[col]]})
        view = view.rename(columns={c: t(f"sim_col_{c}", lang) for c in cols})
    import pandas as pd

    names = list(view.columns)
    # a Chinese header takes two terminal columns a character: pandas pads by that too
    with pd.option_context("display.unicode.east_asian_width", lang != "en"):
        return str(view.to_string(index=False, formatters={c: _fmt for c in names[first:]}))


def cmd_simulate(args: argparse.Namespace) -> int:
    """Simulate one team on a county; with ``--policy all`` compare the three policies."""
    from countyreach.i18n import format_number, t
    from countyreach.localize import localize
    from countyreach.simulation.county_team import (
        bases_text,
        default_team,
        describe_population,
        describe_team,
        describe_travel,
    )
    from countyreach.simulation.sweep import (
        compare_policies,
        run_scenarios,
        save_sweep,
        scenario_grid,
    )

    check_run_args(args)
    seeds = parse_seeds(args.seeds)
    L = _lang(args)
    world = load_world(args)
    if world.approximate:
        print(t("sim_note", L, text=localize(world.travel, L)))
    team, n_officers = default_team(world, args.officers, fallback=DEFAULT_OFFICERS)
    bases = BaseStrategy(args.bases)
    print(describe_population(world, L))
    print(describe_team(world, team, n_officers, bases, L))
    print(describe_travel(world, L))
    common = {"n_weeks": args.weeks, "days_per_week": args.days_per_week,
              "day_time_limit_s": args.time_limit, "team": team}
    if args.policy == "all":
        table = compare_policies(world, n_officers, base_strategy=bases, seeds=seeds,
                                 dask=_dask_arg(args), progress=not args.quiet, lang=L,
                                 **common)
        print(t("sim_travel_largest", L,
                n=format_number(table["travel_matrix_nodes_max"].max())))
        # what the visits cause first: a visit to a business that would have borrowed
        # anyway adds loans to the third column, not to the first two
        cols = ["policy", "caused_value_per_officer_day_yuan", "caused_loans_per_officer_day",
                "loans_per_officer_day", "visits_per_officer_day", "drive_h_per_officer_day",
                "coverage", "countyreach_ratio"]
        where = t("sim_where_own", L) if team is Team.ROSTER else bases_text(args.bases, L)
        print(t("sim_policies_head", L, world=world.name, n=n_officers, where=where,
                weeks=args.weeks, days=args.days_per_week, seeds=seeds))
        print(_table(table, cols, 1, L))
        print(ratio_text(table, len(seeds), L))
        # A small population is visited over and over whatever the policy; say so, with
        # what a lender knowing the hidden truth would reach, so no one over-reads the ratio.
        from countyreach.simulation.engine import Scenario, truth_reference

        ref = truth_reference(world, Scenario("truth", n_officers, seed=seeds[0], **common))
        print(t("sim_saturation", L, visits=f"{ref['visits_per_business']:.2f}",
                loans=f"{ref['loans_per_officer_day']:.2f}"))
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            table.to_csv(Path(args.out) / "policies.csv", index=False)
        return 0
    grid = scenario_grid([n_officers], [bases], seeds, policy=Policy(args.policy), **common)
    res = run_scenarios(world, grid, dask=_dask_arg(args), progress=not args.quiet, lang=L)
    print(t("sim_travel_largest", L,
            n=format_number(res.summary["travel_matrix_nodes_max"].max())))
    w = res.weekly.groupby("week").mean(numeric_only=True).reset_index()
    cols = ["week", "hv_coverage_30d", "visits_per_officer_day", "loans_per_officer_day",
            "drive_h", "expected_loan_yuan", "simulated_loan_yuan", "cost_per_loan_yuan"]
    print(_table(w, cols, 1, L))
    if args.out:
        files = save_sweep(res, args.out)
        print(t("sim_wrote", L, n=len(files), out=args.out))
    return 0


def _dask_arg(args: argparse.Namespace) -> bool | str:
    if getattr(args, "scheduler", None):
        return str(args.scheduler)
    return bool(getattr(args, "dask", False))


def cmd_sweep(args: argparse.Namespace) -> int:
    """Officers × base strategies × seeds; coverage curve, recommendation, saved results."""
    from countyreach.errors import InputError
    from countyreach.i18n import t
    from countyreach.localize import localize
    from countyreach.simulation.county_team import describe_population
    from countyreach.simulation.sweep import (
        check_target_share,
        coverage_curve,
        recommend,
        save_sweep,
        sweep,
    )

    check_run_args(args)
    seeds, officers = parse_seeds(args.seeds), parse_officers(args.officers)
    try:  # before the sweep's minutes of work, not after them
        check_target_share(args.target)
    except InputError as exc:
        raise InputError(exc.reason, field="--target") from None
    try:
        strategies = [parse_base_strategy(s) for s in id_list(args.strategies)]
    except InputError as exc:  # named by the option the user typed
        raise InputError(exc.reason, field="--strategies") from None
    if BaseStrategy.GIVEN in strategies:
        # given bases are one per officer of a fixed team; a sweep varies the team size
        raise InputError("base strategy 'given' needs one base per officer, which a sweep "
                         "over team sizes cannot have; use `simulate` for a given team, or "
                         "choose among p_median, max_coverage, branch, random",
                         field="--strategies")
    # A sweep varies the team size, so officers are always placed at chosen bases; the
    # county's own leads are still the population.
    L = _lang(args)
    world = load_world(args, roster=False)
    if world.approximate:
        print(t("sim_note", L, text=localize(world.travel, L)))
    print(describe_population(world, L))
    print(t("sim_sweep_team", L))
    res = sweep(world, officers, strategies, seeds, policy=Policy(args.policy),
                dask=_dask_arg(args), n_workers=args.workers, progress=not args.quiet,
                lang=L, n_weeks=args.weeks, days_per_week=args.days_per_week,
                day_time_limit_s=args.time_limit)
    curve = coverage_curve(res)
    cols = ["base_strategy", "n_officers", "coverage", "coverage_sd", "loans_per_officer_day",
            "cost_per_loan_yuan", "drive_h_per_officer_day"]
    print(_table(curve, cols, 2, L))
    rec = recommend(res, target_share=args.target)
    print()
    print(t("sim_recommendation", L, reason=localize(rec.reason, L)))
    if args.out:
        out = Path(args.out)
        files = save_sweep(res, out)
        curve.to_csv(out / "coverage_curve.csv", index=False)
        try:
            from countyreach.simulation.plots import coverage_chart, loans_chart

            (coverage_chart(res, L) | loans_chart(res, L)).save(str(out / "coverage.html"))
            files.append(out / "coverage.html")
        except Exception as exc:  # a chart must never lose the numbers already saved
            warnings.warn(f"could not draw the charts: {exc}", stacklevel=1)
        print(t("sim_wrote_sweep", L, n=len(files) + 1, out=out))
    return 0


def cmd_simulate_loop(args: argparse.Namespace) -> int:
    """The daily loop through a store (:func:`.through_store.run_store_loop`).

    Without ``--db`` the store is a temporary SQLite file, removed afterwards; a given
    database must be empty (the simulation writes a synthetic county and its accounts).
    """
    import tempfile

    from countyreach.cli import _demo_county
    from countyreach.i18n import t
    from countyreach.settings import get_settings
    from countyreach.simulation.through_store import LoopDay, format_store_loop, run_store_loop
    from routing.params import SolveParams
    from routing.problem import RoutingRules

    check_run_args(args)
    county = Path(args.county) if args.county else _demo_county()
    cache = Path(args.cache_dir) if args.cache_dir else get_settings().cache_dir
    with tempfile.TemporaryDirectory(prefix="countyreach-loop-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'loop.sqlite'}"
        home = Path(args.home) if args.home else Path(tmp) / "home"

        def show(day: LoopDay) -> None:
            if not args.quiet:
                print(t("loop_progress", _lang(args), day=day.plan_date, visits=day.visits,
                        loans=day.loans, seconds=f"{day.plan_s:.1f}"), file=sys.stderr,
                      flush=True)

        res = run_store_loop(
            url, county, args.days, args.start, home=home,
            cache_dir=cache, restart_on_day=args.restart_on_day,
            retrain_every=args.retrain_every or None,
            params=SolveParams(time_limit_s=args.time_limit, seed=args.seed, workers=1),
            rules=RoutingRules(balance=0.0), n_officers=args.officers,
            n_businesses=args.businesses, seed=args.population_seed, progress=show)
    print(format_store_loop(res, _lang(args)))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("county", help="county folder (county.json) or 'tangxian'")
    p.add_argument("--businesses", type=int, default=None,
                   help="synthesise this many businesses (default: the county's own "
                        f"leads.csv when it has one, else {DEFAULT_BUSINESSES})")
    p.add_argument("--population-seed", type=int, default=0)
    p.add_argument("--travel", choices=("roads", "straight_line"), default="roads",
                   help="road network (default) or the flagged straight-line approximation")
    p.add_argument("--detour", type=float, default=1.35,
                   help="straight-line detour factor (default 1.35)")
    p.add_argument("--speed", type=float, default=35.0,
                   help="straight-line average speed km/h (default 35)")
    p.add_argument("--weeks", type=int, default=13, help="simulated weeks (default 13)")
    p.add_argument("--days-per-week", type=int, default=5)
    p.add_argument("--time-limit", type=float, default=1.0,
                   help="routing seconds per simulated day (default 1)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    p.add_argument("--dask", action="store_true", help="run scenarios on a local Dask cluster")
    p.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786)")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    p.add_argument("--out", help="folder for results")


def add_subcommands(subparsers: Any) -> None:
    """Add ``simulate`` and ``sweep`` to the countyreach CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers(...)``.
    """
    p = subparsers.add_parser("simulate", help="simulate a team of officers on a county")
    _common(p)
    p.add_argument("--officers", type=int, default=None,
                   help="officers at chosen bases (default: the county's own officers.csv "
                        f"when it has one, else {DEFAULT_OFFICERS})")
    p.add_argument("--bases", default=BaseStrategy.P_MEDIAN.value,
                   choices=[b.value for b in BaseStrategy if b is not BaseStrategy.GIVEN])
    p.add_argument("--policy", default="all", choices=["all", *(p.value for p in Policy)],
                   help="'all' compares countyreach with both baselines (default)")
    p.set_defaults(func=cmd_simulate)

    p = subparsers.add_parser("simulate-loop", help="the daily loop through a store: plan, "
                              "publish, officers record outcomes, weekly retrain")
    p.add_argument("--days", type=int, default=20, help="working days (default 20)")
    p.add_argument("--start", default="2026-03-02", help="first day (default 2026-03-02)")
    p.add_argument("--db", help="SQLAlchemy URL of an EMPTY store (default: a temporary "
                                "SQLite file)")
    p.add_argument("--county", help="county folder whose roads and roster are used "
                                    "(default: the demo township)")
    p.add_argument("--home", help="data directory (default: temporary)")
    p.add_argument("--officers", type=int, default=None,
                   help="synthetic roster of this many officers (default: the county's)")
    p.add_argument("--businesses", type=int, default=300,
                   help="synthetic businesses (default 300)")
    p.add_argument("--population-seed", type=int, default=11)
    p.add_argument("--retrain-every", type=int, default=5,
                   help="retrain after every N-th day (0: never; default 5)")
    p.add_argument("--restart-on-day", type=int, default=None,
                   help="close and reopen the store after this day (0-based)")
    p.add_argument("--time-limit", type=float, default=1.0,
                   help="routing seconds per day (default 1)")
    p.add_argument("--seed", type=int, default=0, help="solver seed")
    p.set_defaults(func=cmd_simulate_loop)

    p = subparsers.add_parser("sweep", help="coverage curve over officers × bases × seeds")
    _common(p)
    p.add_argument("--officers", default="2:30:2", help="e.g. 2:30:2 or 2,4,8 (default 2:30:2)")
    p.add_argument("--strategies", default="p_median,max_coverage,branch")
    p.add_argument("--policy", default=Policy.COUNTYREACH.value,
                   choices=[p.value for p in Policy])
    p.add_argument("--target", type=float, default=0.9,
                   help="share of the best coverage to reach (default 0.9)")
    p.set_defaults(func=cmd_sweep)


if __name__ == "__main__":  # pragma: no cover - use the countyreach entry point
    parser = argparse.ArgumentParser(prog="countyreach-sim")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--cache-dir")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    a = parser.parse_args()
    sys.exit(a.func(a))
