"""Benchmark: what the visits cause, countyreach against what a lender would really do.

Since issue 18 the business figure is the value a visit *causes* (the hidden truth's
value with the visit minus without it: businesses nobody visits also borrow, at their
no-visit rate) and the loans it causes, per officer-day, over several seeds with a 95 %
interval, on the ``heterogeneous`` economy (:mod:`propensity.visit_truth`). Policies,
each with the same officers, bases, shift, travel times and outcome draws:

* ``countyreach`` — the visit-value model (:class:`propensity.uplift.VisitValueModel`),
  routed by ``routing.solve``, retrained every four weeks, with an exploration share;
* ``score_routed`` — the conventional scorecard (P(loan | visit) x loan x margin) routed
  by the same solver: the product before issue 18;
* ``value_nearest`` — best scorecard value per minute within reach;
* ``score_order`` — the scorecard's territory order, no routing;
* ``nearest`` — nearest eligible leads;
* ``relationship`` — today's practice: past borrowers, nearest first.

Ratios are paired per seed (same world and draws) with Student's t 95 % intervals.
Targets: countyreach >= 1.3x the strongest baseline with the interval's lower end above
1.0, >= 2x today's practice, a simulated week <= 5 s.

The ceiling (``truth_ceiling``; ``--no-ceiling`` skips it) is countyreach routed on the
hidden truth's caused value of each visit instead of the model's, without exploration
(:attr:`~countyreach.simulation.Scenario.oracle`): what choosing whom to visit can reach
at all with the same officers, routing and rules. When the team visits most of the
businesses the rules leave open anyway, it sits close to the baselines, and no policy can
be much better than they are.

The observables ceilings (``--observables-ceilings``) route on the truth's *expected*
caused value given what a model can observe (:func:`observables_ceiling.expected_visit_value_yuan`:
the latent interest, village, effect, loan and default noise integrated out), again
without exploration: ``observables_bank`` with loan recency from the bank's own loan
book (what a model of the bank's data sees), ``observables_all`` from every lender's.
They are the most a model of those observables could reach here; recency is the
history's as of the month (loans taken during the run lock a lead out anyway, except
loans elsewhere, which ``observables_all`` then misses), so they are approximate.

Run: ``python3 bench/bench_simulation.py`` (4 weeks, seeds 0-4); ``--weeks 13`` for a
quarter; ``--before`` also runs the routed policies with the settings before the
week-speed change (2 routing improvement steps a day) and prints both; ``--variant
additive`` for the original economy; ``--dask`` for a local cluster.
Figures in the report of issue 18 were taken on a shared, busy 2-core machine: the
table gives each policy's wall and CPU seconds per simulated week (including its
start-up fit) and the machine's load average at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from observables_ceiling import expected_visit_value_yuan  # noqa: E402

from countyreach.simulation import (  # noqa: E402
    POLICIES,
    BaseStrategy,
    Policy,
    PopulationSpec,
    Scenario,
    run_scenarios,
    scenario_grid,
    simulate,
    world_from_county,
)
from countyreach.simulation.engine import with_bases  # noqa: E402
from countyreach.simulation.policies import ROUTED_POLICIES  # noqa: E402
from countyreach.simulation.sweep import paired_ratio_ci  # noqa: E402

_BASELINES = (Policy.SCORE_ROUTED, Policy.VALUE_NEAREST, Policy.SCORE_ORDER, Policy.NEAREST)
#: The ceiling's name in the tables (:attr:`Scenario.oracle`).
_CEILING = "truth_ceiling"
#: The observables ceilings' names: loan recency from the bank's book, from every lender's.
_OBSERVABLES = {"observables_bank": True, "observables_all": False}
#: The routed policies' settings before the week-speed change (``--before``).
_BEFORE: dict[str, Any] = {"route_improvement_steps": 2}


def _observables(world: Any, bank_recency: bool) -> Any:
    """``values(month, lead_ids)`` of the observables ceiling, computed once per month."""
    econ = world.economy
    ids = econ.businesses["lead_id"].astype(str).to_numpy()
    cache: dict[str, pd.Series] = {}

    def values(month: str, lead_ids: list[str]) -> np.ndarray:
        if month not in cache:
            cache[month] = pd.Series(expected_visit_value_yuan(
                econ, month, bank_recency=bank_recency), index=ids)
        return cache[month].loc[lead_ids].to_numpy(float)
    return values


def _run(world: Any, grid: list[Scenario]) -> pd.DataFrame:
    """Simulate each scenario in this process, with a progress bar (plain lines without tqdm).

    A scenario whose id starts with an :data:`_OBSERVABLES` name routes on that ceiling."""
    bar: Any = None
    try:
        from tqdm import tqdm

        bar = tqdm(total=sum(sc.n_weeks for sc in grid), unit="week")
    except ImportError:  # pragma: no cover - tqdm is a dev dependency
        pass
    rows = []
    for sc in grid:
        def show(done: int, total: int, sec: float, sc: Scenario = sc) -> None:
            if bar is not None:
                bar.set_description(sc.scenario_id)
                bar.update(1)
            else:
                print(f"  {sc.scenario_id}: week {done}/{total} in {sec:.1f} s", flush=True)
        name = sc.scenario_id.rsplit("-s", 1)[0]
        values = _observables(world, _OBSERVABLES[name]) if name in _OBSERVABLES else None
        r = simulate(world, sc, progress=show, values=values)
        row = {**sc.params(), **r.summary, "cpu_s": r.cpu_s}
        rows.append({**row, "policy": name} if values is not None else row)
    if bar is not None:
        bar.close()
    return pd.DataFrame(rows)


def _print_before_after(prior: pd.DataFrame, summ: pd.DataFrame, weeks: int) -> None:
    """Routed policies before and after the week-speed change, per seed and on average."""
    print("before (2 improvement steps a day) vs after (the defaults), same seeds, this run:")
    for pol in sorted(set(prior["policy"])):
        for name, df in (("before", prior), ("after", summ)):
            g = df[df["policy"] == pol].sort_values("seed")
            per = " ".join(f"s{s}:{v:,.0f}" for s, v in
                           zip(g["seed"], g["caused_value_per_officer_day_yuan"], strict=True))
            print(f"  {pol:<13}{name:<7} visits/off-day "
                  f"{g['visits_per_officer_day'].mean():5.2f}  drive h/off-day "
                  f"{g['drive_h_per_officer_day'].mean():5.2f}  caused ¥/off-day "
                  f"{g['caused_value_per_officer_day_yuan'].mean():7,.0f} ({per})  "
                  f"s per week {(g['runtime_s'] / weeks).mean():5.1f} wall, "
                  f"{(g['cpu_s'] / weeks).mean():4.1f} CPU")
    print()


def _print_table(summ: pd.DataFrame, names: list[str], weeks: int) -> None:
    """One row per policy: means over the seeds, the caused value's 95 % interval."""
    print(f"{'policy':<15}{'caused ¥/off-day (95% CI)':>30}{'caused loans/off-day':>22}"
          f"{'loans/off-day':>15}{'drive h/off-day':>17}{'s/week wall':>13}{'CPU':>6}")
    for name in names:
        g = summ[summ["policy"] == name]
        v = g["caused_value_per_officer_day_yuan"]
        half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
        print(f"{name:<15}{v.mean():>16,.0f} ± {half:>8,.0f}    "
              f"{g['caused_loans_per_officer_day'].mean():>18.3f}"
              f"{g['loans_per_officer_day'].mean():>15.3f}"
              f"{g['drive_h_per_officer_day'].mean():>17.2f}"
              f"{(g['runtime_s'] / weeks).mean():>13.1f}"
              f"{(g['cpu_s'] / weeks).mean():>6.1f}")


def _print_ratios(summ: pd.DataFrame, policies: list[Policy]) -> None:
    """countyreach (and the ceiling) over each baseline, paired per seed."""
    base = [b for b in _BASELINES if b in policies]
    means = {b: summ.loc[summ["policy"] == b.value,
                         "caused_value_per_officer_day_yuan"].mean() for b in base}
    strongest = max(means, key=lambda b: means[b]) if means else None
    cr = Policy.COUNTYREACH.value
    for b in base + ([Policy.RELATIONSHIP] if Policy.RELATIONSHIP in policies else []):
        for measure in ("caused_value_per_officer_day_yuan", "caused_loans_per_officer_day"):
            ci = paired_ratio_ci(summ, cr, b.value, measure)
            tag = " (strongest baseline; target >= 1.3x, lower end > 1.0)" \
                if b is strongest and measure.startswith("caused_value") else \
                " (today's practice; target >= 2x)" \
                if b is Policy.RELATIONSHIP and measure.startswith("caused_value") else ""
            print(f"{cr:<13} / {b.value:<14} {measure:<36} {ci['ratio']:.2f}x "
                  f"[{ci['lo']:.2f}, {ci['hi']:.2f}] over {ci['n_seeds']} seeds{tag}")
    if _CEILING not in set(summ["policy"]) and not set(_OBSERVABLES) & set(summ["policy"]):
        return
    # What any choice of whom to visit could reach with the same officers, routing and rules.
    measure = "caused_value_per_officer_day_yuan"
    pairs = [(cr, _CEILING, " (share of the ceiling reached)")] + [
        (_CEILING, b.value, " (the most any policy could reach)")
        for b in (strongest, Policy.RELATIONSHIP) if b is not None and b in policies] \
        if _CEILING in set(summ["policy"]) else []
    for name in (n for n in _OBSERVABLES if n in set(summ["policy"])):
        pairs.append((cr, name, " (share of this ceiling reached)"))
        pairs += [(name, b.value, " (the most a model of these observables could reach)")
                  for b in (strongest, Policy.RELATIONSHIP) if b is not None and b in policies]
    for num, den, tag in pairs:
        ci = paired_ratio_ci(summ, num, den, measure)
        print(f"{num:<13} / {den:<14} {measure:<36} {ci['ratio']:.2f}x "
              f"[{ci['lo']:.2f}, {ci['hi']:.2f}] over {ci['n_seeds']} seeds{tag}")


def _load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.1f}" for x in avg)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--county", default=str(ROOT / "data" / "qingzu"))
    ap.add_argument("--businesses", type=int, default=3000,
                    help="synthetic businesses in the county (see the module docstring)")
    ap.add_argument("--population-seed", type=int, default=0,
                    help="seed of the synthetic economy (businesses and hidden truth)")
    ap.add_argument("--variant", default="heterogeneous", choices=["heterogeneous", "additive"])
    ap.add_argument("--officers", type=int, default=4)
    ap.add_argument("--bases", default=BaseStrategy.P_MEDIAN.value,
                    choices=[b.value for b in BaseStrategy if b is not BaseStrategy.GIVEN])
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--days-per-week", type=int, default=5)
    ap.add_argument("--seeds", nargs="+", default=["0,1,2,3,4"],
                    help="seeds, comma- or space-separated (default 0,1,2,3,4)")
    ap.add_argument("--policies", default=",".join(p.value for p in POLICIES))
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--before", action="store_true",
                    help="also run the routed policies with the settings before the week-speed "
                         "change (2 improvement steps a day), same seeds, and print both")
    ap.add_argument("--elsewhere-share", type=float, default=0.0,
                    help="share of the businesses whose loans from other lenders countyreach's "
                         "model knows of (a county's credit-information system; default 0)")
    ap.add_argument("--officers-ask-elsewhere", action="store_true",
                    help="countyreach's officers ask at each visit about loans from other "
                         "lenders and record the latest or none (the outcome form's field)")
    ap.add_argument("--no-ceiling", action="store_true",
                    help="skip the ceiling: countyreach routed on the hidden truth's caused "
                         "value (what choosing whom to visit can reach at all)")
    ap.add_argument("--observables-ceilings", action="store_true",
                    help="also route on the observables ceilings (observables_bank, "
                         "observables_all; see the module docstring)")
    args = ap.parse_args()
    seeds = [int(s) for part in args.seeds for s in part.split(",") if s]
    policies = [Policy(p) for p in args.policies.split(",")]
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        world = world_from_county(args.county, PopulationSpec(
            n_businesses=args.businesses, seed=args.population_seed, variant=args.variant))
        t_world = time.perf_counter() - t0
        grid = [replace(sc, scenario_id=f"{pol}-s{sc.seed}") for pol in policies
                for sc in scenario_grid([args.officers], [BaseStrategy(args.bases)], seeds,
                                        policy=pol, n_weeks=args.weeks,
                                        days_per_week=args.days_per_week)]
        grid = [replace(sc, elsewhere_share=args.elsewhere_share,
                        officers_ask_elsewhere=args.officers_ask_elsewhere) for sc in grid]
        # Bases once for every policy and seed (as run_scenarios does): where officers
        # live is not part of a simulated week.
        if Policy.COUNTYREACH in policies and not args.no_ceiling:
            grid += [replace(sc, scenario_id=f"{_CEILING}-s{sc.seed}", oracle=True)
                     for sc in grid if sc.policy is Policy.COUNTYREACH]
        if Policy.COUNTYREACH in policies and args.observables_ceilings:
            grid += [replace(sc, scenario_id=f"{name}-s{sc.seed}", explore_share=0.0)
                     for name in _OBSERVABLES for sc in grid
                     if sc.policy is Policy.COUNTYREACH and not sc.oracle]
        grid = with_bases(grid, world)
        before = [replace(sc, scenario_id=f"{sc.scenario_id}-before", **_BEFORE)
                  for sc in grid if sc.policy in ROUTED_POLICIES and not sc.oracle
                  and sc.scenario_id.rsplit("-s", 1)[0] not in _OBSERVABLES] \
            if args.before else []
        if args.dask and args.observables_ceilings:
            raise SystemExit("--observables-ceilings runs in this process, not with --dask")
        if args.dask:
            summ = run_scenarios(world, grid, dask=True).summary
            summ["runtime_s"] = summ["cpu_s"] = float("nan")  # sweeps drop run times
            prior = run_scenarios(world, before, dask=True).summary if before else None
        else:
            summ = _run(world, grid)
            prior = _run(world, before) if before else None
    # The ceiling's rows are countyreach scenarios; they are reported under their own name.
    summ.loc[summ["oracle"].astype(bool), "policy"] = _CEILING
    if prior is not None:
        _print_before_after(prior, summ, args.weeks)
    days = args.weeks * args.days_per_week
    print(f"{world.name}: {len(world.businesses)} businesses ({args.variant} economy, "
          f"population seed {args.population_seed}), {args.officers} officers ({args.bases} "
          f"bases), {args.weeks} weeks × {args.days_per_week} days = {days} days, seeds "
          f"{seeds}; loans elsewhere known to countyreach's model for "
          f"{args.elsewhere_share:.0%} of the businesses"
          f"{' and asked at every visit' if args.officers_ask_elsewhere else ''}; travel: "
          f"{world.travel}; world "
          f"built in {t_world:.1f} s; load average "
          f"(1, 5, 15 min) {_load(load0)} at the start, {_load(os.getloadavg())} at the end")
    print()
    names = [p.value for p in policies] + [n for n in (_CEILING, *_OBSERVABLES)
                                           if n in set(summ["policy"])]
    _print_table(summ, names, args.weeks)
    if Policy.COUNTYREACH in policies:
        print()
        _print_ratios(summ, policies)
        cr = summ[summ["policy"] == Policy.COUNTYREACH.value]
        print(f"simulated week (countyreach, incl. start-up fit): "
              f"{(cr['runtime_s'] / args.weeks).mean():.1f} s wall, "
              f"{(cr['cpu_s'] / args.weeks).mean():.1f} s CPU (target <= 5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
