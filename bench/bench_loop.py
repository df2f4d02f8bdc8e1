"""Cost of one day of the loop through the store, for 1, 10 and 100 officers.

The days are run by the product's own driver,
:func:`countyreach.simulation.through_store.run_store_loop` (the one behind
``countyreach simulate-loop`` and ``tests/test_loop_e2e.py``): plan from the store (model
check, scoring, travel times, solve, save), publish, every officer signed in with their
own account opens their list and records the outcome of every stop (six at a time, answers
drawn from the synthetic economy's hidden truth), and a weekly retrain (its share per day
is a fifth of one retrain, measured once on the last day). The county is the demo
township's roads with a synthetic population (25 leads per officer, at least 300) and a
synthetic roster (copies of the demo's officers); the store is a fresh SQLite file.

Usage::

    python bench/bench_loop.py                 # 1, 10, 100 officers, 2 days each
    python bench/bench_loop.py --officers 1 10 --days 3 --time-limit 2

Figures depend on the machine; the README's were taken on a shared, busy 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

from countyreach.simulation.through_store import StoreLoopResult, run_store_loop
from routing.params import SolveParams
from routing.problem import RoutingRules

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "qingzu"
START = dt.date(2026, 3, 2)


def run(n_officers: int, days: int, time_limit_s: float, cache: Path) -> StoreLoopResult:
    """``days`` working days of ``n_officers`` officers through a fresh SQLite store."""
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as tmp:
        root = Path(tmp)
        return run_store_loop(
            f"sqlite:///{root / 's.sqlite'}", DEMO, days, START, home=root / "home",
            cache_dir=cache, retrain_every=days, n_officers=n_officers,
            n_businesses=max(300, 25 * n_officers), seed=3, cooling_days=90,
            params=SolveParams(time_limit_s=time_limit_s, workers=1),
            rules=RoutingRules(balance=0.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--officers", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=2.0,
                    help="solver seconds per 10 officers (at least this)")
    args = ap.parse_args()
    cache = Path(tempfile.gettempdir()) / "countyreach-bench-cache"
    print(f"{'officers':>8}{'leads':>7}{'visits/day':>11}{'plan s':>9}{'publish s':>10}"
          f"{'outcomes s':>11}{'retrain s':>10}{'total s':>9}{'retrain %':>10}  plan status")
    for n in args.officers:
        limit_s = args.time_limit * max(1.0, n / 10)
        res = run(n, args.days, limit_s, cache)
        r = res.frame()
        plan_s, publish_s = r["plan_s"].mean(), r["publish_s"].mean()
        outcomes_s = r["outcomes_s"].mean()
        trained = r.loc[r["retrained_version"].notna(), "retrain_s"]
        retrain_s = float(trained.mean()) / 5 if len(trained) else 0.0  # weekly: a fifth
        total = plan_s + publish_s + outcomes_s + retrain_s
        status = ",".join(sorted(set(r["plan_status"])))
        print(f"{n:>8}{res.n_leads:>7}{r['visits'].mean():>11.0f}{plan_s:>9.2f}"
              f"{publish_s:>10.2f}{outcomes_s:>11.2f}{retrain_s:>10.2f}{total:>9.2f}"
              f"{100 * retrain_s / total:>9.0f}%  {status} (solver limit {limit_s:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
