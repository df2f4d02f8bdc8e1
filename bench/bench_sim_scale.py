"""Peak memory and time of ``countyreach simulate`` on a county's own leads, by size.

    python bench/bench_sim_scale.py                       # 3,000 and 20,000 leads, 1 week
    python bench/bench_sim_scale.py --sizes 3000 --weeks 2 --policy all
    PYTHONPATH=/path/to/other/tree python bench/bench_sim_scale.py   # another tree's code

Each row runs the command line (``countyreach.cli.main``) in a fresh Python process on a
copy of the demo county with N leads (:func:`bench_scale.make_county`), on the county's
road network (the graph cache is warmed first, so the figure is the simulation's work),
under an address-space cap (``--cap-gb``) so a run that would take the machine down fails
instead. Peak memory is the process's maximum resident set (``ru_maxrss``); the wall time
is the whole command (loading the county, drawing its economy, the simulated days).

Measured 2026-12-06 (2 vCPUs shared with three other jobs, load average ~6, pinned to one,
so wall seconds vary by ±50 % run to run; roads, --time-limit 1, 8 GB address-space cap):

    code     leads  weeks  policy       peak MB  wall s  travel times (largest day matrix)
    before    3000      1  countyreach      652    53.6  one matrix over 3,073 places
    before   20000      1  countyreach        -       -  MemoryError after 64 s (3 GiB array)
    before    3000      1  all              652    66.3  one matrix
    after     3000      1  countyreach      657    31.7  one matrix
    after     3000      1  all              657    23.2  one matrix (1,118)
    after    20000      1  countyreach      420   105.8  per day (160)
    after    20000      2  countyreach      433   165.3  per day (160)
    after    20000      1  all              704   143.8  per day (1,012)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import DEMO, make_county


def _child(argv: list[str]) -> None:
    from countyreach.cli import main

    t0 = time.perf_counter()
    code = main(argv)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "wall_s": wall, "peak_mb": peak}))


def measure(county: Path, cache: Path, weeks: int, policy: str, time_limit: float,
            cap_gb: float) -> dict[str, object]:
    """One simulation in a fresh, capped process: exit code, wall seconds, peak MB."""
    argv = ["-q", "--cache-dir", str(cache), "simulate", str(county), "--weeks", str(weeks),
            "--policy", policy, "--time-limit", str(time_limit)]
    cap = int(cap_gb * 1e9)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "_child", *argv], check=False,
                         capture_output=True, text=True, preexec_fn=limit)
    wall = time.perf_counter() - t0
    lines = res.stdout.strip().splitlines()
    if res.returncode != 0 or not lines or not lines[-1].startswith("{"):
        err = (res.stderr.strip().splitlines() or ["killed"])[-1]
        return {"error": f"exit {res.returncode}: {err[:90]}", "process_s": wall}
    out = json.loads(lines[-1])
    # how the simulation says it made its travel times, and its largest day's matrix
    how = [ln for ln in lines if ln.startswith("travel times:")]
    largest = [ln.rsplit(":", 1)[1].strip() for ln in lines
               if ln.startswith("largest travel matrix")]
    out.update(process_s=wall, largest=largest[0] if largest else "-",
               travel=("per day" if "each simulated day" in how[0] else "one matrix")
               if how else "-")
    if out["code"] != 0:
        out["error"] = f"exit {out['code']}: {(res.stderr.strip().splitlines() or [''])[-1]}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3_000, 20_000])
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--policy", default="countyreach")
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--cap-gb", type=float, default=8.0)
    args = parser.parse_args()
    import countyreach

    print(f"bench_sim_scale: code {Path(countyreach.__file__).parent.parent}; "
          f"{os.cpu_count()} cores; simulate --weeks {args.weeks} --policy {args.policy} "
          f"--time-limit {args.time_limit:g}; road graph cache warm; address space "
          f"≤ {args.cap_gb:g} GB; one fresh process per row")
    print(f"{'leads':>7} {'peak MB':>8} {'wall s':>7} {'travel times':>13} "
          f"{'largest day matrix':>19}")
    with tempfile.TemporaryDirectory(prefix="bench-sim-scale-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        measure(DEMO, cache, 1, "countyreach", 0.2, args.cap_gb)  # warms the graph cache
        for n in args.sizes:
            county = make_county(work / f"c{n}", n)
            r = measure(county, cache, args.weeks, args.policy, args.time_limit, args.cap_gb)
            if "error" in r:
                print(f"{n:>7} {'-':>8} {r['process_s']:>7.1f}  failed: {r['error']}",
                      flush=True)
                continue
            print(f"{n:>7} {r['peak_mb']:>8.0f} {r['wall_s']:>7.1f} {r['travel']:>13} "
                  f"{r['largest']:>19}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(sys.argv[2:])
    else:
        main()
