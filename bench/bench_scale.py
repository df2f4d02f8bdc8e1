"""Memory and time against the size of the lead table, and counties per hour through Dask.

    python bench/bench_scale.py            # 1k / 10k / 100k leads, then Dask at 1 and 2 workers
    python bench/bench_scale.py --sizes 1000 10000 --no-dask

Each measurement runs in a fresh Python process (so one run's memory does not carry into the
next) on a copy of the demo county whose leads are replicated around its villages. Peak memory
is the process's maximum resident set (``ru_maxrss``), plus the largest child process (the
solver's second worker) where there is one. Targets (issue 17): 10k leads plan in ≤ 1.5 GB and
≤ 60 s; 100k leads are scored in ≤ 2 GB.

The first model fit (``--fit-sizes``, ``--only-fit``): reading the county, training its model
from nothing (a fresh model cache), scoring, in wall and CPU seconds. Measured on 2 vCPUs
shared with other jobs (load average ~6, pinned to one; so wall ≫ CPU), CPU seconds:

    leads   code     load    fit   score   peak MB
     3000   before    1.0    7.9     0.4       344
     3000   after     0.7    7.6     0.4       348
    50000   before   12.2    9.8     2.1       485
    50000   after     8.3    7.8     1.9       500

(before: lead ids looked up through pandas' Arrow str columns, opening hours parsed per
lead, the uplift table's controls tested one business-month at a time.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "qingzu"
DATE = "2026-11-24"
TARGETS = {("plan", 10_000): (1_500.0, 60.0), ("score", 100_000): (2_000.0, None)}


def make_county(root: Path, n_leads: int, seed: int = 0) -> Path:
    """A copy of the demo county with ``n_leads`` leads scattered around its own leads."""
    shutil.copytree(DEMO, root)
    base = pd.read_csv(DEMO / "leads.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    # The demo's own leads stay (their visit history is what the model learns from); the
    # rest are copies of them placed within a few hundred metres, inside the roads' outline.
    extra = max(0, n_leads - len(base))
    more = base.iloc[rng.integers(0, len(base), extra)].reset_index(drop=True).copy()
    more["lead_id"] = [f"L{i:06d}" for i in range(extra)]
    more["pinned_officer_id"] = ""
    for col in ("lat", "lon"):
        more[col] = (more[col].astype(float) + rng.normal(0, 0.002, extra)).map(
            lambda x: f"{x:.7f}")
    leads = pd.concat([base, more], ignore_index=True).head(n_leads)
    leads.to_csv(root / "leads.csv", index=False)
    return root


def _child(stage: str, county: str, cache: str, time_limit: float) -> None:
    import warnings

    from countyreach.pipeline import get_scorer, load_county_data, plan_day, score_leads
    from routing import SolveParams

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    if stage == "fit":
        # The first fit of a county with no model: reading it, training, scoring.
        # CPU seconds as well as wall: on a shared machine the wall time is mostly waiting.
        c0 = time.process_time()
        data = load_county_data(county, cache_dir=cache)
        load_s, load_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        t1, c1 = time.perf_counter(), time.process_time()
        with tempfile.TemporaryDirectory(prefix="fit-") as models:  # no model saved yet
            scorer = get_scorer(data, cache_dir=models)
            fit_s, fit_cpu_s = time.perf_counter() - t1, time.process_time() - c1
        t2, c2 = time.perf_counter(), time.process_time()
        scores = score_leads(data, scorer, DATE[:7])
        extra = {"load_s": load_s, "load_cpu_s": load_cpu_s, "fit_s": fit_s,
                 "fit_cpu_s": fit_cpu_s, "score_s": time.perf_counter() - t2,
                 "score_cpu_s": time.process_time() - c2, "scored": len(scores)}
    elif stage == "plan":
        day = plan_day(county, plan_date=DATE, params=SolveParams(time_limit_s=time_limit),
                       cache_dir=cache)
        extra = {"ok": day.ok, "offered": len(day.problem.leads),
                 "visits": len(day.plan.visited_lead_ids),
                 "matrix_nodes": len(day.problem.matrix)}
    else:
        data = load_county_data(county, cache_dir=cache)
        scorer = get_scorer(data, cache_dir=cache)
        scores = score_leads(data, scorer, DATE[:7])
        extra = {"scored": len(scores)}
    wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"wall_s": wall, "own_mb": own, "child_mb": kids, **extra}))


def measure(stage: str, n: int, work: Path, time_limit: float) -> dict[str, object]:
    county = make_county(work / f"c{n}-{stage}", n)
    cache = work / "cache"
    # Warm the road-graph and model caches first: the figure is the day's work, not setup.
    subprocess.run([sys.executable, __file__, "_child", "score", str(DEMO), str(cache), "1"],
                   check=True, capture_output=True, text=True)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "_child", stage, str(county), str(cache),
                          str(time_limit)], check=False, capture_output=True, text=True)
    if res.returncode != 0:
        return {"stage": stage, "leads": n, "error": res.stderr.strip().splitlines()[-1]}
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out.update(stage=stage, leads=n, process_s=time.perf_counter() - t0)
    return out


def dask_rate(work: Path, n_counties: int, workers: int, time_limit: float) -> float:
    from countyreach.many import plan_many
    from routing import SolveParams

    counties = [make_county(work / f"d{workers}-{k}", 400, seed=k) for k in range(n_counties)]
    for k, c in enumerate(counties):
        manifest = json.loads((c / "county.json").read_text(encoding="utf-8"))
        manifest["county_id"] = f"bench-{workers}-{k}"
        (c / "county.json").write_text(json.dumps(manifest), encoding="utf-8")
    t0 = time.perf_counter()
    outs = plan_many(counties, DATE, work / f"out{workers}", n_workers=workers,
                     params=SolveParams(time_limit_s=time_limit), cache_dir=work / "cache")
    wall = time.perf_counter() - t0
    ok = sum(o.status == "planned" for o in outs)
    return ok / wall * 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--counties", type=int, default=4)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--fit-sizes", type=int, nargs="*", default=[50_000],
                        help="counties whose first model fit is timed (none: skip)")
    parser.add_argument("--only-fit", action="store_true", help="time the first fits only")
    args = parser.parse_args()
    print(f"bench_scale: {os.cpu_count()} cores; solver time limit {args.time_limit:g} s; "
          "caches warm; one fresh process per row")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        if args.fit_sizes:
            print("first model fit (wall s / CPU s):")
            print(f"{'leads':>8} {'peak MB':>8} {'load':>13} {'fit':>13} {'score':>13}")
        for n in args.fit_sizes:
            r = measure("fit", n, work, args.time_limit)
            if "error" in r:
                print(f"{n:>8}  failed: {r['error']}")
                continue
            cells = " ".join(f"{r[f'{k}_s']:>6.1f}/{r.get(f'{k}_cpu_s', float('nan')):<6.1f}"
                             for k in ("load", "fit", "score"))
            print(f"{n:>8} {r['own_mb']:>8.0f} {cells}", flush=True)
        if args.only_fit:
            return
        print(f"{'leads':>8} {'stage':>6} {'peak MB':>8} {'child MB':>9} {'wall s':>7} "
              f"{'offered':>8} {'target':>16}")
        for n in args.sizes:
            for stage in (("plan", "score") if n <= 10_000 else ("score",)):
                r = measure(stage, n, work, args.time_limit)
                if "error" in r:
                    print(f"{n:>8} {stage:>6}  failed: {r['error']}")
                    continue
                target = TARGETS.get((stage, n))
                verdict = ""
                if target is not None:
                    mem_ok = r["own_mb"] <= target[0]
                    time_ok = target[1] is None or r["wall_s"] <= target[1]
                    verdict = (f"≤{target[0]:.0f} MB" + (f", ≤{target[1]:.0f} s"
                               if target[1] else "") + (" ✓" if mem_ok and time_ok else " ✗"))
                print(f"{n:>8} {stage:>6} {r['own_mb']:>8.0f} {r['child_mb']:>9.0f} "
                      f"{r['wall_s']:>7.1f} {r.get('offered', r.get('scored', '')):>8} "
                      f"{verdict:>16}", flush=True)
        if not args.no_dask:
            for workers in (1, 2):
                rate = dask_rate(work, args.counties, workers, args.time_limit)
                print(f"Dask, {workers} worker(s): {rate:,.0f} counties per hour "
                      f"({args.counties} counties of 400 leads, {args.time_limit:g} s each)",
                      flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        main()
