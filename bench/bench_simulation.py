"""Benchmark: a simulated quarter on the demo county, countyreach against two baselines.

Loans per officer-day over the same simulated quarter (same world, hidden truth,
officers, bases, shift and travel times) for:

* ``countyreach`` — expected-value routing (routing.solve) with weekly retraining
  and Thompson exploration;
* ``nearest`` — each officer visits the nearest not-recently-visited leads;
* ``score_order`` — leads of the officer's territory in score order, no routing.

Prints each policy's figures and the ratios against both baselines (measured in
this run). Target: countyreach ≥ 1.5× the nearest-leads baseline.

Population density (default 3,000 businesses). The demo county is 庆祖镇
(Puyang county, Henan): 47 administrative villages and about 54,000 residents
on 76 km² (county government figures), i.e. some 13,500 households. China has
roughly one registered individual business (个体工商户) per 11 residents (about
124 million at the end of 2023), fewer in the countryside, and
the synthetic population also holds the farm operations a rural lender visits
(sheep and cattle farms, pumpkin and jujube growers). 3,000 leads is one per 18
residents (one household in four or five): a conservative count, 750 leads per
officer. The earlier default, 1,500, was not realistic and decided the result on
its own: four officers make 4 × 65 × 12 = 3,120 visits a quarter (the visit cap
binds for every policy), about two per business, so every policy visits nearly
everyone and the choice of whom to visit hardly matters — even a lender who knew
the hidden truth made only ~1.15× the nearest baseline's loans there.

To show how much targeting can buy in the world at hand, the bench also prints a
*truth-knowing reference* (:func:`countyreach.simulation.truth_reference`): the
day's visit cap given to the eligible leads with the highest true P(uptake),
travel ignored. No policy can reach it honestly; it is a yardstick for the ratio.

Last measured (a quarter, seed 0; expected loans = sum of
the true P(uptake) of the visits, the same comparison without the draws' luck):

==========================  ===========  =======  ===========  ==========  ===============
businesses (pop. seed)      countyreach  nearest  score_order  truth ref.  cr / nearest
==========================  ===========  =======  ===========  ==========  ===============
3,000 (0), the default      3.204        1.673    2.654        3.477       1.91x (exp 2.02x)
3,000 (1)                   3.227        1.685    2.727        3.450       1.92x (exp 1.81x)
3,000 (2)                   3.162        1.765    2.846        3.400       1.79x (exp 1.78x)
2,000 (0)                   2.612        1.742    2.242        2.715       1.50x (exp 1.51x)
1,500 (0), the old default  2.162        1.904    2.069        2.181       1.14x (exp 1.16x)
==========================  ===========  =======  ===========  ==========  ===============

The first row is with the reproducible routing (20 improvement steps a day); the others
were measured with the earlier 1 s anytime search.

countyreach gets 92-98 % of the truth reference's expected loans at every density:
the ratio is set by how much room the population leaves for choosing, not by the
model. Against the scorecard without routing the gain is smaller (1.11-1.22x at
3,000). Part of the gap to ``nearest`` is that it keeps revisiting the same nearby
non-borrowers every cooldown (its visits' mean true P(uptake) is below a random
visit's at 3,000, population seed 0: 0.13 against 0.16): that is what the rule
does, unchanged.

Run: ``python3 bench/bench_simulation.py`` (a quarter: 13 weeks × 5 days), or
``--weeks 4`` for a shorter check; ``--businesses 1500`` for the old saturated
setting; ``--population-seed`` for another synthetic economy on the same county;
``--dask`` runs the policies on a local cluster.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from countyreach.simulation import (  # noqa: E402
    BaseStrategy,
    Policy,
    PopulationSpec,
    Scenario,
    compare_policies,
    truth_reference,
    world_from_county,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--county", default=str(ROOT / "data" / "qingzu"))
    ap.add_argument("--businesses", type=int, default=3000,
                    help="synthetic businesses in the county (see the module docstring)")
    ap.add_argument("--population-seed", type=int, default=0,
                    help="seed of the synthetic economy (businesses and hidden truth)")
    ap.add_argument("--officers", type=int, default=4)
    ap.add_argument("--bases", default=BaseStrategy.P_MEDIAN.value,
                    choices=[b.value for b in BaseStrategy if b is not BaseStrategy.GIVEN])
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--days-per-week", type=int, default=5)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--time-limit", type=float, default=1.0, help="routing seconds per day")
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        world = world_from_county(args.county, PopulationSpec(n_businesses=args.businesses,
                                                                seed=args.population_seed))
        t_world = time.perf_counter() - t0
        table = compare_policies(world, args.officers, base_strategy=BaseStrategy(args.bases),
                                 seeds=seeds,
                                 dask=args.dask, n_weeks=args.weeks,
                                 days_per_week=args.days_per_week,
                                 day_time_limit_s=args.time_limit)
        refs = [truth_reference(world, Scenario("truth", args.officers, seed=sd,
                                                n_weeks=args.weeks,
                                                days_per_week=args.days_per_week))
                for sd in seeds]
    days = args.weeks * args.days_per_week
    officer_days = days * args.officers
    print(f"{world.name}: {len(world.businesses)} businesses (population seed "
          f"{args.population_seed}), {args.officers} officers ({args.bases} bases), "
          f"{args.weeks} weeks × {args.days_per_week} days = {days} days, seeds {seeds}; "
          f"travel: {world.travel}")
    t_sim = time.perf_counter() - t0 - t_world
    print(f"world built in {t_world:.1f} s, simulations in {t_sim:.1f} s")
    print()
    # Expected loans (sum of the true P(uptake) of the visits) is the same comparison
    # without the luck of the draws.
    print(f"{'policy':<13}{'loans/off-day':>14}{'exp. loans':>11}{'visits/off-day':>15}"
          f"{'drive h/off-day':>16}{'HV cov 30d':>11}{'cost/loan ¥':>12}{'loan vol ¥':>14}"
          f"{'exp. vol ¥':>14}")
    for r in table.itertuples(index=False):
        print(f"{r.policy:<13}{r.loans_per_officer_day:>14.3f}"
              f"{r.expected_loans / officer_days:>11.3f}{r.visits_per_officer_day:>15.2f}"
              f"{r.drive_h_per_officer_day:>16.2f}{r.coverage:>11.1%}{r.cost_per_loan_yuan:>12,.0f}"
              f"{r.simulated_loan_yuan:>14,.0f}{r.expected_loan_yuan:>14,.0f}")
    ref_l = sum(r["loans_per_officer_day"] for r in refs) / len(refs)
    ref_e = sum(r["expected_loans_per_officer_day"] for r in refs) / len(refs)
    ref_v = refs[0]["visits_per_officer_day"]
    print(f"{'(truth ref.)':<13}{ref_l:>14.3f}{ref_e:>11.3f}{ref_v:>15.2f}"
          "   knows the hidden truth, no travel: a yardstick, not a policy")
    cr = table[table["policy"] == Policy.COUNTYREACH.value].iloc[0]
    near = table[table["policy"] == Policy.NEAREST.value].iloc[0]
    print()
    print(f"saturation: {refs[0]['visits_per_business']:.2f} visits per business over the run "
          "at the visit cap")
    print(f"truth reference / nearest (expected loans): "
          f"{ref_e / (near.expected_loans / officer_days):.2f}x — the most targeting can buy here")
    print(f"countyreach / nearest     loans per officer-day: {cr.vs_nearest:.2f}x "
          "(target >= 1.5x)")
    print(f"countyreach / score_order loans per officer-day: {cr.vs_score_order:.2f}x")
    print(f"countyreach / nearest     expected loans: "
          f"{cr.expected_loans / near.expected_loans:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
