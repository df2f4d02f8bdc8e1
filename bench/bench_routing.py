"""Routing benchmarks: field instances against PyVRP and VROOM, TOP against best-known scores.

Not part of the test run. Every solution passes :func:`routing.check_plan` (PyVRP's and
VROOM's routes are re-timed under the same rules and checked too), and every figure is a
ratio against a baseline measured in the same run, since the machine is noisy.

Usage::

    python bench/bench_routing.py field --sizes 200 500 1000 2000 --budget 60
    python bench/bench_routing.py top --budget 10
    python bench/bench_routing.py solomon --budget 30
    python bench/bench_routing.py balance --budget 30 --seeds 3 --workers 1
    python bench/bench_routing.py anytime --n 1000 --budgets 1 5 30 --seeds 3 --workers 1

``balance`` plans the demo county (``data/qingzu`` through ``countyreach.pipeline.plan_day``)
with balance off and on (the default ``RoutingRules.balance``) for each seed and prints one
JSON line per run: working hours max/min and their ratio, value, and what balancing cost.
``anytime`` solves the seeded field instance of size N at each budget and seed and prints one
JSON line per run (value, elapsed time against the limit, checker result), then the mean
value per budget.

Field instances (seeded): 10 officers with their own start/end, 8 h shifts, 20 min visits,
30 % of leads with a 2 h window, prizes 1-100, uniform in a 60 × 60 km county driven at
40 km/h. TOP: Chao-Golden-Wasil sets p4.2 and p7.3 from ``../shared/benchmarks/routing``
(skipped cleanly when absent), distances scaled by 100 and rounded *up* so that an integer
route within the limit is within it in real numbers too. Solomon VRPTW (C1, R1, RC1): every
customer a lead with a prize far above any detour (so all are visited), vehicle capacity as
officers' capacity and demands as loads, distances truncated to one decimal (the convention
of the best-known solutions) in tenths, driving cost one yuan per tenth; the gap is on total
distance.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.types import Location, TravelMatrix  # noqa: E402
from routing import check_plan, schedule_route, solve  # noqa: E402
from routing.params import SolveParams  # noqa: E402
from routing.problem import (  # noqa: E402
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    start_node_id,
)

SHARED = ROOT.parent / "shared" / "benchmarks" / "routing"
H = 3600
#: Ours: yuan per hour of driving. PyVRP's prize is scaled so one hour of driving costs the
#: same 3 prize units in both solvers ("collect first, then drive less").
DRIVE_COST_PER_H = 3.0
PYVRP_PRIZE_SCALE = 1200


@dataclass(frozen=True)
class FieldInstance:
    """Coordinates in km; ``dur`` over leads then officer homes, integer seconds."""

    n: int
    prizes: np.ndarray
    windows: list[tuple[int, int] | None]
    homes: np.ndarray
    points: np.ndarray
    dur: np.ndarray


def field_instance(n: int, seed: int = 0, n_officers: int = 10) -> FieldInstance:
    """The field instance of the issue: see the module docstring."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 60, size=(n, 2))
    homes = rng.uniform(5, 55, size=(n_officers, 2))
    prizes = rng.integers(1, 101, size=n)
    windows: list[tuple[int, int] | None] = []
    for _ in range(n):
        if rng.random() < 0.3:
            a = int(rng.integers(8 * H, 14 * H + 1) // 60 * 60)
            windows.append((a, a + 2 * H))
        else:
            windows.append(None)
    allp = np.vstack([pts, homes])
    km = np.sqrt(((allp[:, None, :] - allp[None, :, :]) ** 2).sum(axis=2))
    dur = np.rint(km / 40.0 * H).astype(np.int64)
    return FieldInstance(n, prizes, windows, homes, pts, dur)


def field_problem(inst: FieldInstance, budget_s: float) -> RoutingProblem:
    """The instance as a countyreach routing problem."""
    n = inst.n
    leads = tuple(
        Lead(f"c{i}", f"c{i}", Location(0.0, 0.0), "any", service_s=20 * 60,
             value_yuan=float(inst.prizes[i]),
             windows=() if inst.windows[i] is None else (TimeWindow(*inst.windows[i]),))
        for i in range(n))
    officers = []
    ids = [ld.lead_id for ld in leads]
    rows = list(range(n))
    for k in range(len(inst.homes)):
        home = Depot(f"h{k}", f"home {k}", Location(0.0, 0.0), "home")
        officers.append(Officer(f"O{k}", f"O{k}", home, home, TimeWindow(8 * H, 16 * H)))
        ids += [start_node_id(f"O{k}"), end_node_id(f"O{k}")]
        rows += [n + k, n + k]
    idx = np.array(rows)
    d = inst.dur[np.ix_(idx, idx)]
    return RoutingProblem(leads, tuple(officers), TravelMatrix(ids, d, d),
                          RoutingRules(drive_cost_yuan_per_h=DRIVE_COST_PER_H,
                                          skills="off", locality="off"))


def _prize_of_orders(problem: RoutingProblem, orders: dict[str, list[str]]) -> tuple[float, bool]:
    """Prize of routes given as visit orders, re-timed by our rules (False if any fails)."""
    leads = problem.lead_by_id
    ok = True
    total = 0.0
    for o in problem.officers:
        seq = [leads[x] for x in orders.get(o.officer_id, [])]
        r = schedule_route(o, seq, problem.matrix)
        if r is None:
            ok = False
        total += sum(ld.value_yuan for ld in seq)
    return total, ok


def run_pyvrp(inst: FieldInstance, budget_s: float, seed: int = 0) -> dict[str, list[str]]:
    """Solve the field instance with PyVRP; visit orders by officer."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    n, k = inst.n, len(inst.homes)
    locs = [pyvrp.Location(float(x), float(y)) for x, y in inst.homes] + [
        pyvrp.Location(float(x), float(y)) for x, y in inst.points]
    depots = [pyvrp.Depot(i) for i in range(k)]
    clients = []
    for i in range(n):
        w = inst.windows[i]
        clients.append(pyvrp.Client(
            k + i, service_duration=20 * 60, tw_early=w[0] if w else 0,
            tw_late=w[1] if w else 16 * H, prize=int(inst.prizes[i]) * PYVRP_PRIZE_SCALE,
            required=False))
    vtypes = [pyvrp.VehicleType(1, start_depot=i, end_depot=i, tw_early=8 * H,
                                tw_late=16 * H, unit_distance_cost=1) for i in range(k)]
    order = np.r_[np.arange(n, n + k), np.arange(n)]
    mat = inst.dur[np.ix_(order, order)]
    data = pyvrp.ProblemData(locs, clients, depots, vtypes, [mat], [mat])
    res = pyvrp.solve(data, stop=MaxRuntime(budget_s), seed=seed, display=False)
    out: dict[str, list[str]] = {}
    for route in res.best.routes():
        # A route iterates over its activities; a client activity's idx is its client index.
        out[f"O{route.vehicle_type()}"] = [f"c{a.idx}" for a in route if a.is_client()]
    return out


def run_vroom(inst: FieldInstance) -> dict[str, list[str]]:
    """Solve with VROOM (priorities = prizes; it runs to completion, no budget)."""
    import vroom

    n, k = inst.n, len(inst.homes)
    order = np.r_[np.arange(n, n + k), np.arange(n)]
    mat = inst.dur[np.ix_(order, order)].astype(np.uint32)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=mat)
    problem.add_vehicle([vroom.Vehicle(i + 1, start=i, end=i,
                                       time_window=vroom.TimeWindow(8 * H, 16 * H))
                         for i in range(k)])
    jobs = []
    for i in range(n):
        w = inst.windows[i]
        tws = [vroom.TimeWindow(*w)] if w else [vroom.TimeWindow(8 * H, 16 * H)]
        jobs.append(vroom.Job(i + 1, location=k + i, default_service=20 * 60,
                              priority=int(inst.prizes[i]), time_windows=tws))
    problem.add_job(jobs)
    sol = problem.solve(exploration_level=5, nb_threads=1)
    out: dict[str, list[str]] = {}
    routes = sol.routes
    for vid, grp in routes[routes["type"] == "job"].groupby("vehicle_id"):
        out[f"O{int(vid) - 1}"] = [f"c{int(j) - 1}" for j in grp["id"]]
    return out


def bench_field(sizes: list[int], budget_s: float, seed: int, with_vroom: bool) -> None:
    print(f"Field instances: 10 officers, 8 h shifts, 20 min visits, 30% 2 h windows, "
          f"prizes 1-100; budget {budget_s:g} s each")
    print("ours: both cores (SolveParams.workers=2); PyVRP: one thread for the same "
          "wall-clock budget; VROOM: runs to completion, 1 thread")
    print(f"{'N':>6}{'ours':>9}{'PyVRP':>9}{'ours/PyVRP':>12}{'VROOM':>9}{'ours/VROOM':>12}"
          f"{'checks':>10}")
    for n in sizes:
        inst = field_instance(n, seed)
        p = field_problem(inst, budget_s)
        t = time.perf_counter()
        plan = solve(p, SolveParams(time_limit_s=budget_s))
        t_ours = time.perf_counter() - t
        ours = sum(p.lead_by_id[x].value_yuan for x in plan.visited_lead_ids)
        ok = not check_plan(p, plan)
        py_orders = run_pyvrp(inst, budget_s, seed)
        py, py_ok = _prize_of_orders(p, py_orders)
        vr, vr_ok = (math.nan, True)
        if with_vroom:
            vr, vr_ok = _prize_of_orders(p, run_vroom(inst))
        checks = "".join("✓" if x else "✗" for x in (ok, py_ok, vr_ok))
        print(f"{n:>6}{ours:>9.0f}{py:>9.0f}{ours / py:>12.3f}{vr:>9.0f}"
              f"{ours / vr if vr == vr else math.nan:>12.3f}{checks:>10}  "
              f"(ours {t_ours:.0f} s)", flush=True)


def read_top(path: Path) -> tuple[int, float, np.ndarray, np.ndarray]:
    """Chao TOP file: ``n``, ``m``, ``tmax`` lines, then ``x y score`` (start first, end last)."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    m = int(lines[1][1])
    tmax = float(lines[2][1])
    pts = np.array([[float(a), float(b), float(c)] for a, b, c in lines[3:]])
    return m, tmax, pts[:, :2], pts[:, 2]


def top_problem(path: Path, budget_s: float, scale: int = 100) -> RoutingProblem:
    """A TOP instance as a countyreach problem (prize first; driving only breaks ties)."""
    m, tmax, xy, score = read_top(path)
    n = len(xy)
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    d = np.ceil(real * scale - 1e-9).astype(np.int64)
    inner = list(range(1, n - 1))
    leads = tuple(Lead(f"c{i}", f"c{i}", Location(0.0, 0.0), "any", service_s=0,
                       value_yuan=float(score[i])) for i in inner)
    ids = [ld.lead_id for ld in leads]
    rows = list(inner)
    officers = []
    limit = int(math.floor(tmax * scale + 1e-9))
    for k in range(m):
        s = Depot(f"s{k}", "start", Location(0.0, 0.0))
        e = Depot(f"e{k}", "end", Location(0.0, 0.0))
        officers.append(Officer(f"V{k}", f"V{k}", s, e, TimeWindow(0, limit)))
        ids += [start_node_id(f"V{k}"), end_node_id(f"V{k}")]
        rows += [0, n - 1]
    idx = np.array(rows)
    mat = d[np.ix_(idx, idx)]
    # TOP scores prize only, but a search with free driving has nothing to steer by: a drive
    # cost too small to trade against any prize (a whole route costs < 1 point) breaks ties.
    tie_break_per_h = 0.5 * 3600 / max(limit, 1)
    return RoutingProblem(leads, tuple(officers), TravelMatrix(ids, mat, mat),
                          RoutingRules(drive_cost_yuan_per_h=tie_break_per_h,
                                          skills="off", locality="off"))


def best_known(problem: str) -> dict[str, float]:
    """Best-known objective per instance of ``problem`` (TOP, VRPTW ...) from ``bks.csv``."""
    with (SHARED / "bks.csv").open() as fh:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(fh)
                if row["problem"] == problem}


def bench_top(budget_s: float, sets: list[str], limit: int | None) -> None:
    if not SHARED.exists():
        print("TOP: ../shared/benchmarks/routing not found: skipped")
        return
    bks = best_known("TOP")
    print(f"TOP (Chao), budget {budget_s:g} s each: gap = (BKS - ours) / BKS")
    for prefix in sets:
        files = sorted((SHARED / "top_chao").glob(f"{prefix}.*.txt"))[:limit]
        gaps = []
        for f in files:
            name = f.stem
            p = top_problem(f, budget_s)
            plan = solve(p, SolveParams(time_limit_s=budget_s))
            ok = not check_plan(p, plan)
            got = sum(p.lead_by_id[x].value_yuan for x in plan.visited_lead_ids)
            best = bks.get(name)
            if best is None or best == 0:
                print(f"  {name:<10} ours {got:>6.0f}  (no BKS)  check {'✓' if ok else '✗'}")
                continue
            gap = (best - got) / best
            gaps.append(gap)
            print(f"  {name:<10} ours {got:>6.0f}  BKS {best:>6.0f}  gap {100 * gap:5.2f}%  "
                  f"check {'✓' if ok else '✗'}", flush=True)
        if gaps:
            print(f"  {prefix}: mean gap {100 * float(np.mean(gaps)):.2f}% over {len(gaps)}")


def read_solomon(path: Path) -> tuple[int, int, np.ndarray]:
    """Solomon file: vehicles, capacity, rows ``id x y demand ready due service`` (depot first)."""
    lines = path.read_text().splitlines()
    n_veh, cap = (int(x) for x in lines[4].split())
    rows = [[float(x) for x in ln.split()] for ln in lines[9:] if ln.strip()]
    return n_veh, cap, np.array(rows)


#: Prize of a Solomon customer: above any detour (at most ~2,900 tenths), so all are visited.
SOLOMON_PRIZE = 100_000.0


def solomon_problem(path: Path, budget_s: float) -> RoutingProblem:
    """A Solomon VRPTW instance as a countyreach problem (times and distances in tenths)."""
    n_veh, cap, a = read_solomon(path)
    xy, demand, ready, due, service = a[:, 1:3], a[:, 3], a[:, 4], a[:, 5], a[:, 6]
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    d = np.floor(real * 10 + 1e-9).astype(np.int64)
    n = len(a) - 1
    leads = tuple(
        Lead(f"c{i}", f"c{i}", Location(0.0, 0.0), "any", service_s=int(round(service[i] * 10)),
             value_yuan=SOLOMON_PRIZE, load=int(demand[i]),
             windows=(TimeWindow(int(round(ready[i] * 10)), int(round(due[i] * 10))),))
        for i in range(1, n + 1))
    ids = [ld.lead_id for ld in leads]
    rows = list(range(1, n + 1))
    depot = Depot("depot", "depot", Location(0.0, 0.0))
    shift = TimeWindow(int(round(ready[0] * 10)), int(round(due[0] * 10)))
    officers = []
    for k in range(n_veh):
        officers.append(Officer(f"V{k}", f"V{k}", depot, depot, shift, capacity=cap))
        ids += [start_node_id(f"V{k}"), end_node_id(f"V{k}")]
        rows += [0, 0]
    idx = np.array(rows)
    mat = d[np.ix_(idx, idx)]
    return RoutingProblem(leads, tuple(officers), TravelMatrix(ids, mat, mat),
                          RoutingRules(drive_cost_yuan_per_h=3600.0,
                                          skills="off", locality="off"))


def bench_solomon(budget_s: float, sets: list[str], limit: int | None) -> None:
    folder = SHARED / "solomon_vrptw"
    if not folder.exists():
        print("Solomon: ../shared/benchmarks/routing/solomon_vrptw not found: skipped")
        return
    bks = best_known("VRPTW")
    print(f"Solomon VRPTW, budget {budget_s:g} s each: gap = (ours - BKS) / BKS on distance")
    for prefix in sets:
        files = sorted(f for f in folder.glob(f"{prefix}*.txt")
                       if f.stem[len(prefix):].isdigit())[:limit]
        gaps = []
        for f in files:
            p = solomon_problem(f, budget_s)
            plan = solve(p, SolveParams(time_limit_s=budget_s))
            ok = not check_plan(p, plan)
            missed = len(p.leads) - len(plan.visited_lead_ids)
            dist = sum(r.drive_s for r in plan.routes) / 10
            used = sum(1 for r in plan.routes if r.stops)
            best = bks.get(f.stem)
            if best is None or missed:
                print(f"  {f.stem:<6} ours {dist:>8.1f}  {used:>2} vehicles  "
                      f"{missed} customers missed  check {'✓' if ok else '✗'}")
                continue
            gap = (dist - best) / best
            gaps.append(gap)
            print(f"  {f.stem:<6} ours {dist:>8.1f}  BKS {best:>8.1f}  gap {100 * gap:5.2f}%  "
                  f"{used:>2} vehicles  check {'✓' if ok else '✗'}", flush=True)
        if gaps:
            print(f"  {prefix}: mean gap {100 * float(np.mean(gaps)):.2f}% over {len(gaps)}")


def _header(what: str, **conditions: object) -> None:
    print(json.dumps({"bench": what, "cpus": os.cpu_count(), **conditions}), flush=True)


def bench_balance(budget_s: float, seeds: int, workers: int, county: Path) -> None:
    """Balance on the demo county: working-hours spread and value, balance off and on."""
    from countyreach.pipeline import plan_day

    _header("balance", county=str(county), budget_s=budget_s, seeds=seeds, workers=workers,
            balance_on=RoutingRules().balance)
    for seed in range(seeds):
        runs = {}
        for label, share in (("off", 0.0), ("on", RoutingRules().balance)):
            t = time.perf_counter()
            day = plan_day(county, plan_date="2026-11-24",
                           rules=RoutingRules(balance=share),
                           params=SolveParams(time_limit_s=budget_s, seed=seed,
                                              workers=workers))
            m = day.plan.meta
            runs[label] = day.plan.value_yuan
            print(json.dumps({
                "seed": seed, "balance": label, "value_yuan": round(day.plan.value_yuan, 1),
                "hours_max": m["hours_max"], "hours_min": m["hours_min"],
                "hours_ratio": m["hours_ratio"], "balance_cost_yuan": m["balance_cost_yuan"],
                "balance_cost_share": round(m["balance_cost_yuan"] / day.plan.value_yuan, 4),
                "visits": len(day.plan.visited_lead_ids), "checker_ok": day.ok,
                "solve_s": round(time.perf_counter() - t, 2)}), flush=True)
        print(json.dumps({"seed": seed, "value_on_vs_off": round(runs["on"] / runs["off"], 4)}),
              flush=True)


def bench_anytime(n: int, budgets: list[float], seeds: int, workers: int) -> None:
    """Value at each time limit over seeds on the field instance of size ``n``."""
    _header("anytime", n=n, budgets_s=budgets, seeds=seeds, workers=workers)
    inst = field_instance(n, 0)
    p = field_problem(inst, max(budgets))
    means = {}
    for budget in budgets:
        values = []
        for seed in range(seeds):
            t = time.perf_counter()
            plan = solve(p, SolveParams(time_limit_s=budget, seed=seed, workers=workers))
            elapsed = time.perf_counter() - t
            ok = not check_plan(p, plan)
            value = sum(p.lead_by_id[x].value_yuan for x in plan.visited_lead_ids)
            values.append(value if ok else math.nan)  # a failed check is a failure, not left out
            print(json.dumps({"n": n, "budget_s": budget, "seed": seed, "value": value,
                              "elapsed_s": round(elapsed, 2), "checker_ok": ok}), flush=True)
        means[budget] = statistics.fmean(values)
        print(json.dumps({"n": n, "budget_s": budget, "mean": round(means[budget], 1),
                          "spread": round(max(values) - min(values), 1)}), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    f = sub.add_parser("field")
    f.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000, 2000])
    f.add_argument("--budget", type=float, default=60.0)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--no-vroom", action="store_true")
    t = sub.add_parser("top")
    t.add_argument("--budget", type=float, default=10.0)
    t.add_argument("--sets", nargs="+", default=["p4.2", "p7.3"])
    t.add_argument("--limit", type=int, default=None, help="instances per set")
    so = sub.add_parser("solomon")
    so.add_argument("--budget", type=float, default=30.0)
    so.add_argument("--sets", nargs="+", default=["C1", "R1", "RC1"])
    so.add_argument("--limit", type=int, default=None, help="instances per set")
    b = sub.add_parser("balance")
    b.add_argument("--budget", type=float, default=30.0)
    b.add_argument("--seeds", type=int, default=3)
    b.add_argument("--workers", type=int, default=1)
    b.add_argument("--dir", type=Path, default=ROOT / "data" / "qingzu")
    a = sub.add_parser("anytime")
    a.add_argument("--n", type=int, default=1000)
    a.add_argument("--budgets", type=float, nargs="+", default=[1.0, 5.0, 30.0])
    a.add_argument("--seeds", type=int, default=3)
    a.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    if args.what == "balance":
        bench_balance(args.budget, args.seeds, args.workers, args.dir)
    elif args.what == "anytime":
        bench_anytime(args.n, args.budgets, args.seeds, args.workers)
    elif args.what == "field":
        bench_field(args.sizes, args.budget, args.seed, not args.no_vroom)
    elif args.what == "solomon":
        bench_solomon(args.budget, args.sets, args.limit)
    else:
        bench_top(args.budget, args.sets, args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
