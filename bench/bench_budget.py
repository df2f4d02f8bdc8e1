"""How the solver spends its time limit on large team days: value collected per variant.

    git worktree add /tmp/before main     # the code to compare against
    python bench/bench_budget.py --before /tmp/before      # demo, 10x2000, 20x5000, 45x20000
    python bench/bench_budget.py --days 45x20000 --seeds 0 --budgets 120 --variants this
    python bench/bench_budget.py --days 20x5000 --budgets 10 30 --variants this no_pyvrp

Variants: ``before`` (``--before DIR``'s routing code), ``this``, and this code with one
rule undone (``pyvrp_kept``: PyVRP's start on every size; ``no_pyvrp``: never;
``greedy_cut``: the first greedy construction limited like the others). The table gives
each (day, budget, variant) the mean objective over seeds, its range, its share of the
day's best mean in the run, wall time, the load average and how many runs had PyVRP's
start and the whole-day search. A kept folder (``--keep``) reuses its built days.

A day ``KxN`` is the demo county (``data/qingzu``) with ``N`` leads scattered around its own
leads (:func:`bench_scale.make_county`) and ``K`` officers: the demo's six officers'
shifts, caps, skills, localities and lunch rules repeated, each living in another of the
demo's villages (or starting at the branch, like the demo's O01 and O06). The day is planned
once the way the product plans it (:func:`countyreach.pipeline.plan_day`: scores, the day's
offer of candidates, travel times), and that problem is then solved by every variant in a
fresh process pinned to one core (``--core``), one run after the other, never two at once.
Every plan goes through the independent checker (:func:`routing.check_plan`); a plan it
refuses is reported as a failure. ``demo`` is the demo county as it ships.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
# A child of the variant "before" imports the routing code of another checkout.
sys.path.insert(0, os.environ.get("BENCH_BUDGET_CODE", str(ROOT)))
sys.path.insert(1, str(ROOT / "bench"))

from bench_scale import DATE, DEMO, make_county  # noqa: E402

#: Variants: solver module constants set in the child before it solves (None: as shipped).
VARIANTS: dict[str, dict[str, Any]] = {
    "this": {},
    "pyvrp_kept": {"routing.budget._PYVRP_MAX_PAIRS_PER_S": float("inf")},
    "no_pyvrp": {"pyvrp_start": False},
    "greedy_cut": {"routing.solver._GREEDY_FIRST_SHARE": 0.0},
}
#: ``--before DIR``: this variant runs the routing code of DIR (e.g. a worktree of main).
BEFORE = "before"


def make_team_county(root: Path, n_officers: int, n_leads: int, seed: int = 0) -> Path:
    """The demo county with ``n_leads`` leads and ``n_officers`` officers spread over its
    villages (see the module's docstring)."""
    make_county(root, n_leads, seed)
    base = pd.read_csv(DEMO / "officers.csv", dtype=str, keep_default_na=False)
    villages = pd.read_csv(DEMO / "villages.csv", dtype=str, keep_default_na=False)
    villages = villages[villages["place"] == "village"].reset_index(drop=True)
    rows = []
    for k in range(n_officers):
        row = base.iloc[k % len(base)].copy()
        row["officer_id"] = f"O{k + 1:02d}"
        row["name"] = f"{row['name']}{k // len(base) + 1}"
        if k >= len(base) and row["start_kind"] == "home":
            v = villages.iloc[(7 * k) % len(villages)]
            for end in ("start", "end"):
                if row[f"{end}_kind"] == "home":
                    row[f"{end}_name"], row[f"{end}_lat"], row[f"{end}_lon"] = (
                        v["name"], v["lat"], v["lon"])
        rows.append(row)
    pd.DataFrame(rows).to_csv(root / "officers.csv", index=False)
    return root


def _build(county: str, cache: str, out: str, time_limit: float) -> None:
    """Plan the day as the product does (one run at the default budget), keep its problem."""
    import warnings

    from countyreach.pipeline import plan_day
    from routing import ConstraintMode, RoutingRules, SolveParams

    warnings.simplefilter("ignore")
    # The command line's defaults.
    rules = RoutingRules(skills=ConstraintMode.SOFT, locality=ConstraintMode.SOFT)
    t0 = time.perf_counter()
    day = plan_day(county, plan_date=DATE, rules=rules, cache_dir=cache,
                   params=SolveParams(time_limit_s=time_limit, workers=1))
    Path(out).write_bytes(pickle.dumps(day.problem))
    print(json.dumps({"wall_s": time.perf_counter() - t0, "timings": dict(day.timings_s),
                      "offered": len(day.problem.leads), "officers": len(day.problem.officers),
                      **_summary(day.problem, day.plan)}))


def _summary(problem: Any, plan: Any) -> dict[str, Any]:
    from routing import check_plan

    violations = check_plan(problem, plan)
    return {"objective": plan.objective_yuan, "value": sum(r.value_yuan for r in plan.routes),
            "visits": sum(len(r.stops) for r in plan.routes),
            "drive_h": sum(r.drive_s for r in plan.routes) / 3600,
            "solve_s": plan.solve_time_s, "violations": len(violations),
            "meta": {k: v for k, v in plan.meta.items() if isinstance(v, int | float)}}


def _solve(problem_file: str, variant: str, seed: int, time_limit: float) -> None:
    import importlib

    import routing.solver as solver
    from routing import SolveParams, solve

    fields: dict[str, Any] = {"time_limit_s": time_limit, "seed": seed, "workers": 1}
    for name, value in VARIANTS.get(variant, {}).items():
        if "." in name:
            module, attr = name.rsplit(".", 1)
            setattr(importlib.import_module(module), attr, value)
        else:
            fields[name] = value
    problem = pickle.loads(Path(problem_file).read_bytes())
    t0 = time.perf_counter()
    plan = solve(problem, SolveParams(**fields))
    print(json.dumps({"wall_s": time.perf_counter() - t0, "code": solver.__file__,
                      "load_1m": os.getloadavg()[0], **_summary(problem, plan)}))


def _run(core: int, log: Path, *args: object, code: Path = ROOT) -> dict[str, Any]:
    cmd = ["taskset", "-c", str(core), sys.executable, __file__, *map(str, args)]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(code),
                              "BENCH_BUDGET_CODE": str(code)})
    log.write_text(res.stderr, encoding="utf-8")  # the solver's own account of its time
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["?"])[-1]}
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", nargs="+", default=["demo", "10x2000", "20x5000", "45x20000"],
                        help="demo, or KxN: K officers, N leads")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budgets", type=float, nargs="+", default=[10.0],
                        help="solver time limits (the first also plans the day's product run)")
    parser.add_argument("--variants", nargs="+", default=None,
                        help=f"of {[BEFORE, *VARIANTS]} (default: all; {BEFORE} with --before)")
    parser.add_argument("--before", type=Path, default=None,
                        help="a checkout whose code is the variant 'before'")
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the built problems here")
    args = parser.parse_args()
    if args.variants is None:
        args.variants = ([BEFORE] if args.before else []) + list(VARIANTS)
    print(f"bench_budget: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores on the machine, every solve pinned to core {args.core}, "
          f"workers=1, one process per run, runs one after the other; budgets "
          f"{args.budgets} s; seeds {args.seeds}; rules: skills soft, locality soft; "
          f"load average at start {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        cache = work / "cache"
        rows: list[dict[str, Any]] = []
        for day in args.days:
            problem_file = work / f"{day}.pkl"
            if not problem_file.exists():
                county = DEMO if day == "demo" else work / day
                if not county.exists():
                    make_team_county(county, *map(int, day.split("x")))
                built = _run(args.core, work / f"{day}-build.log", "_build", county, cache,
                             problem_file, args.budgets[0])
                if "error" in built:
                    print(f"{day}: build failed: {built['error']}")
                    continue
                print(f"{day}: product run (plan_day, {args.budgets[0]:g} s, seed 0): "
                      f"{json.dumps(built)}", flush=True)
            for budget in args.budgets:
                for variant in args.variants:
                    for seed in args.seeds:
                        code = args.before if variant == BEFORE else ROOT
                        r = _run(args.core, work / f"{day}-{variant}-{budget:g}-{seed}.log",
                                 "_solve", problem_file, variant, seed, budget, code=code)
                        r.update(day=day, variant=variant, seed=seed, budget_s=budget)
                        rows.append(r)
                        print(json.dumps(r), flush=True)
        _table(rows)


def _table(rows: list[dict[str, Any]]) -> None:
    """Means over seeds; ``of best`` is the objective over the day's best mean in the run."""
    print("\nobjective = value - driving cost - soft-rule penalties (yuan); a run the checker "
          "refuses or that fails counts as failed and is left out of the means; wall s: "
          "solve() in the child, mean; over s: the worst run's wall time past the limit; "
          "after s: the plan's work after the search, mean (nan: not reported)")
    print(f"{'day':>9} {'budget':>6} {'variant':>10} {'runs':>4} {'objective':>9} "
          f"{'[min-max]':>17} {'of best':>7} {'value':>8} {'visits':>6} {'drive h':>7} "
          f"{'wall s':>6} {'over s':>6} {'after s':>7} {'load':>4} {'pyvrp':>5} {'whole':>5} "
          f"{'steps':>5} {'failed':>6}")
    keys = dict.fromkeys((r["day"], r["budget_s"], r["variant"]) for r in rows)
    best: dict[str, float] = {}
    good_of: dict[tuple[str, float, str], list[dict[str, Any]]] = {}
    for key in keys:
        good_of[key] = [r for r in rows if (r["day"], r["budget_s"], r["variant"]) == key
                        and "error" not in r and r["violations"] == 0]
        if good_of[key]:
            m = statistics.fmean(r["objective"] for r in good_of[key])
            best[key[0]] = max(best.get(key[0], -float("inf")), m)
    for key in keys:
        day, budget, variant = key
        runs = [r for r in rows if (r["day"], r["budget_s"], r["variant"]) == key]
        good = good_of[key]

        def mean(k: str, good: list[dict[str, Any]] = good) -> float:
            return statistics.fmean(r[k] for r in good) if good else float("nan")

        def ran(k: str, good: list[dict[str, Any]] = good) -> str:
            # How many runs had the phase: PyVRP's start proposed, the whole-day search run.
            n = sum(k in r["meta"] for r in good) if k == "pyvrp_start" else sum(
                "whole_day_search_skipped" not in r["meta"] for r in good)
            return f"{n}/{len(good)}"

        objs = [r["objective"] for r in good] or [float("nan")]
        steps = statistics.fmean(r["meta"].get("improvement_steps", 0) for r in good
                                 ) if good else float("nan")
        # The worst run's wall time past the limit, and the plan's work after the search
        # (timed by the solver where it reports it).
        over = max((r["wall_s"] - budget for r in good), default=float("nan"))
        after = statistics.fmean(r["meta"].get("after_search_ms", float("nan")) / 1000
                                 for r in good) if good else float("nan")
        print(f"{day:>9} {budget:>6g} {variant:>10} {len(runs):>4} {mean('objective'):>9,.0f} "
              f"{f'[{min(objs):,.0f}-{max(objs):,.0f}]':>17} "
              f"{mean('objective') / best.get(day, float('nan')):>7.3f} {mean('value'):>8,.0f} "
              f"{mean('visits'):>6.1f} {mean('drive_h'):>7.1f} {mean('wall_s'):>6.1f} "
              f"{over:>6.2f} {after:>7.2f} "
              f"{mean('load_1m'):>4.1f} {ran('pyvrp_start'):>5} {ran('whole'):>5} "
              f"{steps:>5.1f} {len(runs) - len(good):>6}")


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)8.0f ms %(name)s: "
                        "%(message)s")
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        _build(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_solve":
        _solve(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
