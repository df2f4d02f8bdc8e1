"""Cost of one day of the loop through the store, for 1, 10 and 100 officers.

A day is: plan from the store (model check, scoring, travel times, solve, save), publish,
every officer records the outcome of every stop (six threads, through the service the app
uses), and a weekly retrain (its share per day is a fifth of one retrain). The county is
the demo township's roads with a synthetic population (25 leads per officer, at least
300) and a synthetic roster (copies of the demo's officers).

Usage::

    python bench/bench_loop.py                 # 1, 10, 100 officers, 2 days each
    python bench/bench_loop.py --officers 1 10 --days 3 --time-limit 2

Figures depend on the machine; the README's were taken on a shared, busy 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import propensity
from countyreach.io import read_branches, read_villages
from countyreach.services.loop import DailyLoop
from countyreach.store import Store
from routing.params import SolveParams
from routing.problem import RoutingRules

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "qingzu"
OUTCOMES = ("met", "not_interested", "interested", "not_there", "applied")


def make_county(dst: Path, n_officers: int, seed: int = 3) -> None:
    """The demo's map files, ``n_officers`` officers and a synthetic population."""
    dst.mkdir(parents=True)
    for name in ("county.json", "roads.osm.pbf", "villages.csv", "branches.csv"):
        shutil.copyfile(DEMO / name, dst / name)
    roster = pd.read_csv(DEMO / "officers.csv", dtype=str, keep_default_na=False)
    rows = [roster.iloc[i % len(roster)].to_dict() | {"officer_id": f"O{i + 1:03d}",
                                                      "localities": "", "skills": ""}
            for i in range(n_officers)]
    pd.DataFrame(rows).to_csv(dst / "officers.csv", index=False)
    branches = read_branches(dst / "branches.csv")
    bdf = pd.DataFrame([{"branch_id": b.depot_id, "name": b.name, "lat": b.location.lat,
                         "lon": b.location.lon} for b in branches])
    econ = propensity.generate_economy(read_villages(dst / "villages.csv"),
                                       n_businesses=max(300, 25 * n_officers), n_months=12,
                                       seed=seed, branches=bdf, start_month="2025-03")
    leads = econ.businesses.drop(columns=["dist_branch_m", "dist_cluster_core_m",
                                          "cluster_size", "branch_id", "phone_is_fictitious"],
                                 errors="ignore").assign(windows="", pinned_officer_id="")
    leads.to_csv(dst / "leads.csv", index=False)
    econ.history.to_csv(dst / "history.csv", index=False)


def run(n_officers: int, days: int, time_limit_s: float, cache: Path) -> dict[str, Any]:
    """Mean seconds per day of each part of the loop."""
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as tmp:
        root = Path(tmp)
        make_county(root / "county", n_officers)
        store = Store.open(f"sqlite:///{root / 's.sqlite'}", bcrypt_rounds=4)
        loop = DailyLoop(store, home=root / "home", cache_dir=cache, on_stale="warn")
        admin = store.operator_session()
        loop.import_county(admin, root / "county")
        loop.model(admin, "qingzu")  # the first model is set-up, not a day's cost
        params = SolveParams(time_limit_s=time_limit_s, workers=1)
        rules = RoutingRules(balance=0.0)
        rng = np.random.default_rng(0)
        t = {"plan_s": 0.0, "publish_s": 0.0, "outcomes_s": 0.0, "retrain_s": 0.0,
             "visits": 0.0}
        statuses = set()
        day = dt.date(2026, 3, 2)
        for _ in range(days):
            iso = day.isoformat()
            t0 = time.perf_counter()
            res = loop.plan(admin, "qingzu", iso, params=params, rules=rules)
            t1 = time.perf_counter()
            store.publish(admin, "qingzu", iso, res.version)
            t2 = time.perf_counter()
            stops = [s.lead_id for r in res.day.plan.routes for s in r.stops]

            def record(lead_id: str, iso: str = iso) -> None:
                loop.record_outcome(admin, outcome_id=str(uuid.uuid4()), county_id="qingzu",
                                    plan_date=iso, lead_id=lead_id,
                                    outcome=str(rng.choice(OUTCOMES)))

            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(record, stops))
            t3 = time.perf_counter()
            t["plan_s"] += t1 - t0
            t["publish_s"] += t2 - t1
            t["outcomes_s"] += t3 - t2
            t["visits"] += len(stops)
            statuses.add(res.day.plan.status.value)
            day += dt.timedelta(days=1)
        t0 = time.perf_counter()
        loop.retrain(admin, "qingzu")
        t["retrain_s"] = (time.perf_counter() - t0) * days / 5  # weekly: a fifth per day
        store.close()
    out: dict[str, Any] = {k: v / days for k, v in t.items()}
    out["status"] = ",".join(sorted(statuses))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--officers", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=2.0,
                    help="solver seconds per 10 officers (at least this)")
    args = ap.parse_args()
    cache = Path(tempfile.gettempdir()) / "countyreach-bench-cache"
    print(f"{'officers':>8}{'visits/day':>11}{'plan s':>9}{'publish s':>10}{'outcomes s':>11}"
          f"{'retrain s':>10}{'total s':>9}{'retrain %':>10}  plan status")
    for n in args.officers:
        r = run(n, args.days, args.time_limit * max(1.0, n / 10), cache)
        total = r["plan_s"] + r["publish_s"] + r["outcomes_s"] + r["retrain_s"]
        print(f"{n:>8}{r['visits']:>11.0f}{r['plan_s']:>9.2f}{r['publish_s']:>10.2f}"
              f"{r['outcomes_s']:>11.2f}{r['retrain_s']:>10.2f}{total:>9.2f}"
              f"{100 * r['retrain_s'] / total:>9.0f}%  {r['status']}", flush=True)


if __name__ == "__main__":
    main()
