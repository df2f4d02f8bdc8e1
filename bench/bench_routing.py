"""Routing bench: ours against PyVRP at equal CPU on every instance family, every plan checked.

Not part of the test run. Usage (the figures of the README; ``--out`` keeps the JSON lines)::

    python bench/bench_routing.py field --sizes 200 500 1000 2000 --budget 30 --seeds 3
    python bench/bench_routing.py field --sizes 200 500 1000 2000 --budget 30 --workers 2
    python bench/bench_routing.py solomon --budget 30 --seeds 3
    python bench/bench_routing.py top --budget 10 --seeds 3
    python bench/bench_routing.py toptw --budget 10 --seeds 3 --paths 1 2 4
    python bench/bench_routing.py pcvrptw --budget 30 --seeds 3
    python bench/bench_routing.py longroute --budget 30 --instances 8
    python bench/bench_routing.py shifts --budget 30
    python bench/bench_routing.py clustered --budget 30
    python bench/bench_routing.py solomon --dir DIR --files R101.txt R102.txt --out r.jsonl
    python bench/bench_routing.py balance --budget 30 --seeds 3 --workers 1
    python bench/bench_routing.py anytime --n 1000 --budgets 1 5 30 --seeds 3 --workers 1

Conditions (also in the header line of every run):

* Equal CPU. Every solver run is a process of its own, pinned with ``os.sched_setaffinity``
  to the same cores (``--cores``, default the first ``--workers`` cores this process may
  use); ours and PyVRP run one after the other, never at the same time. ``--workers 1``:
  ours with ``SolveParams(workers=1)`` against PyVRP on one core. ``--workers N``: ours with
  N workers on N cores against PyVRP's best of N seeds, run *in parallel*, one process per
  core, each for the full budget (so both use N cores for the budget).
* Seeds: ``--seeds S`` (default 3) runs of each instance; ours takes seed ``s``, PyVRP seed
  ``s`` (or seeds ``s*N .. s*N+N-1`` for best of N).
* Same instance, same objective. PyVRP is built from the same :class:`routing.RoutingProblem`
  (same integer matrix, windows, service times, officers with their own depots and shifts;
  see ``bench/baselines.py``). Every plan, PyVRP's too (timed by
  :func:`routing.schedule_route`), passes :func:`routing.check_plan` or the run is a failure.
  Prize-collecting families score value collected minus driving cost as
  :class:`routing.RoutingRules` define it (one function for both); required families
  (Solomon, ``longroute``) score distance (Solomon) or driving hours, with vehicles
  reported, and a run that misses a customer is a failure. Balance is off in every bench
  problem (PyVRP does not balance; ``balance`` measures it on its own).
* Failures are counted, not left out: a failed prize-collecting run scores 0 (the empty
  plan) in means and ratios; a required family's mean distance and gap are ``null`` when any
  run failed (the mean over the runs that served everyone is printed beside it, labelled).

Output: a JSON header line, one JSON line per instance × solver × seed, then one JSON
summary line per instance and per family (also with ``--out``), and a table per family.
Instances: Solomon, TOP, TOPTW and PCVRPTW (VRPLIB, scored as the published cost:
driving plus prizes not collected, ``cost`` in the run lines, gap on it) from ``--dir``
(default ``../shared/benchmarks/routing``; skipped cleanly when absent); generated families
are written by ``bench/instances.py`` into a temporary folder (``--save DIR`` keeps them)
and read back like any ``--dir``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from baselines import plan_from_orders, plan_score, run_pyvrp, run_vroom  # noqa: E402
from instances import (  # noqa: E402
    GENERATORS,
    Case,
    best_known,
    generated_case,
    read_generated,
    read_pcvrptw,
    read_solomon,
    read_top,
    read_toptw,
    write_generated,
)

from routing import Plan, PlanStatus, RoutingRules, check_plan, solve  # noqa: E402
from routing.params import SolveParams  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks" / "routing"
FAMILIES = ("solomon", "top", "toptw", "pcvrptw", "field", "longroute", "shifts", "clustered")


# --------------------------------------------------------------------------- pinned runs

def _child(conn: Any, cores: Sequence[int], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # Pin first: the solver's own worker processes inherit this process's cores.
    os.sched_setaffinity(0, set(cores))
    t = time.perf_counter()
    try:
        out: Any = ("ok", fn(*args))
    except Exception as exc:  # a crash is a failed run, reported, not a dead bench
        out = ("error", f"{type(exc).__name__}: {exc}")
    conn.send((*out, time.perf_counter() - t))
    conn.close()


def _pinned(jobs: Sequence[tuple[Sequence[int], Callable[..., Any], tuple[Any, ...]]],
            timeout_s: float) -> list[tuple[str, Any, float]]:
    """Run each ``(cores, fn, args)`` in its own pinned process, all at once; their results."""
    ctx = multiprocessing.get_context("fork")
    started = []
    for cores, fn, args in jobs:
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_child, args=(send, cores, fn, args))
        p.start()
        send.close()
        started.append((p, recv))
    results: list[tuple[str, Any, float]] = []
    deadline = time.perf_counter() + timeout_s
    for p, recv in started:
        if recv.poll(max(deadline - time.perf_counter(), 0.0)):
            try:
                results.append(recv.recv())
            except EOFError:
                results.append(("error", "the run died without an answer", math.nan))
        else:
            results.append(("error", f"no answer within {timeout_s:.0f} s", math.nan))
            p.kill()  # our own child, by its process object
        p.join()
    return results


#: Whether ours proposes a PyVRP start (``--greedy-start-only`` turns it off, to measure it).
_PYVRP_START = {"on": True}


def _ours(problem: Any, budget_s: float, seed: int, workers: int, pyvrp_start: bool) -> Plan:
    return solve(problem, SolveParams(time_limit_s=budget_s, seed=seed, workers=workers,
                                      pyvrp_start=pyvrp_start))


# --------------------------------------------------------------------------- records

def _record(case: Case, solver: str, seed: int, result: tuple[str, Any, float],
            plan: Plan | None, **extra: Any) -> dict[str, Any]:
    """One JSON line: the checked plan's score, or why the run failed."""
    status, payload, runtime = result
    n = len(case.problem.leads)
    rec: dict[str, Any] = {"family": case.family, "instance": case.name, "solver": solver,
                           "seed": seed, **extra, "leads": n, "runtime_s": round(runtime, 2),
                           "bks": case.bks}
    failure = None if status == "ok" else str(payload)
    if plan is None and failure is None:
        failure = "no feasible solution (or an order our rules reject)"
    if plan is not None:
        violations = check_plan(case.problem, plan)
        score = plan_score(case.problem, plan)
        rec |= {"checked": not violations, "violations": len(violations),
                "served": score["served"], "missed": n - score["served"],
                "vehicles": score["vehicles"], "prize": round(score["prize"], 2),
                "distance": round(score["drive_units"] / case.unit, 3),
                "objective": round(score["objective"], 3), "status": plan.status.value}
        if violations:
            failure = f"checker: {violations[0].code}: {violations[0].message}"
        elif plan.status in (PlanStatus.INFEASIBLE, PlanStatus.TIMEOUT):
            failure = f"status {plan.status.value}"
        elif case.required and score["served"] < n:
            failure = f"missed {n - score['served']} of {n} customers"
        if case.cost_offset is not None:
            rec["cost"] = round(case.cost_offset - score["objective"], 3)
        if case.bks:
            got = (rec["distance"] if case.required else
                   rec["prize"] if case.cost_offset is None else rec["cost"])
            sign = 1 if case.required or case.cost_offset is not None else -1
            rec["gap"] = round(sign * (got - case.bks) / case.bks, 5)
    rec["feasible"] = failure is None
    rec["failure"] = failure
    return rec


def run_case(case: Case, seeds: int, budget_s: float, workers: int, cores: list[int],
             vroom: bool) -> list[dict[str, Any]]:
    """Ours and PyVRP (and VROOM if asked) on ``case`` for each seed: the run records."""
    timeout = 3 * budget_s + 120
    out: list[dict[str, Any]] = []

    def keep(rec: dict[str, Any]) -> None:
        out.append(rec)
        _emit(rec)

    common = {"workers": workers, "cores": cores, "budget_s": budget_s}
    for seed in range(seeds):
        res = _pinned([(cores, _ours, (case.problem, budget_s, seed, workers,
                                         _PYVRP_START["on"]))], timeout)[0]
        keep(_record(case, "ours", seed, res, res[1] if res[0] == "ok" else None, **common))
        pv_seeds = [seed * workers + j for j in range(workers)]
        runs = _pinned([([cores[j]], run_pyvrp, (case.problem, case.required, budget_s, s))
                        for j, s in enumerate(pv_seeds)], timeout)
        best: dict[str, Any] | None = None
        for s, r in zip(pv_seeds, runs, strict=True):
            p = plan_from_orders(case.problem, r[1], "pyvrp") if r[0] == "ok" and r[1] is not None \
                else None
            rec = _record(case, "pyvrp", seed, r, p, **common, pyvrp_seeds=pv_seeds,
                          pyvrp_seed=s)
            if best is None or _better(case, rec, best):
                best = rec
        assert best is not None
        keep(best)
        if vroom and seed == 0 and not case.required:
            r = _pinned([(cores[:1], run_vroom, (case.problem,))], timeout)[0]
            p = plan_from_orders(case.problem, r[1], "vroom") if r[0] == "ok" else None
            keep(_record(case, "vroom", 0, r, p, **common))
    return out


def _score(case_required: bool, rec: dict[str, Any]) -> float | None:
    """A run's score in means: objective (failure: 0, the empty plan) or distance (None)."""
    if case_required:
        return rec["distance"] if rec["feasible"] else None
    return rec["objective"] if rec["feasible"] else 0.0


def _better(case: Case, a: dict[str, Any], b: dict[str, Any]) -> bool:
    sa, sb = _score(case.required, a), _score(case.required, b)
    if sb is None:
        return sa is not None
    if sa is None:
        return False
    return sa < sb if case.required else sa > sb


_OUT: list[Any] = []


def _emit(rec: dict[str, Any]) -> None:
    line = json.dumps(rec, ensure_ascii=False)
    print(line, flush=True)
    for fh in _OUT:
        fh.write(line + "\n")
        fh.flush()


# --------------------------------------------------------------------------- summary

def _stats(values: list[float | None]) -> dict[str, Any]:
    ok = [v for v in values if v is not None]
    if not ok:
        return {"mean": None, "min": None, "max": None, "std": None, "mean_ok": None}
    mean_ok = statistics.fmean(ok)
    return {"mean": mean_ok if len(ok) == len(values) else None, "mean_ok": mean_ok,
            "min": min(ok), "max": max(ok), "std": statistics.pstdev(ok) if len(ok) > 1 else 0.0}


def summarise(family: str, required: bool, records: list[dict[str, Any]]) -> None:
    """Per instance and per family: mean and spread over seeds, ours/PyVRP, failures."""
    by: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in records:
        by.setdefault(r["instance"], {}).setdefault(r["solver"], []).append(r)
    what = "distance (lower is better)" if required else "value − driving (higher is better)"
    print(f"\n{family}: {what}; mean [min–max] over seeds; failures count as "
          f"{'null' if required else '0'}")
    print(f"{'instance':<22}{'ours':>28}{'PyVRP':>28}{'ours/PyVRP':>11}{'gap ours':>10}"
          f"{'gap PyVRP':>10}{'vehicles':>12}{'fails':>7}")
    ratios: list[float] = []
    gaps: dict[str, list[float | None]] = {"ours": [], "pyvrp": []}
    fails = {"ours": 0, "pyvrp": 0}
    runs = 0
    for name, solvers in by.items():
        row: dict[str, Any] = {"summary": "instance", "family": family, "instance": name}
        cells = {}
        for solver in ("ours", "pyvrp"):
            recs = solvers.get(solver, [])
            st = _stats([_score(required, r) for r in recs])
            # A failed prize-collecting run scores the empty plan: gap 1. An instance without a
            # best-known value, or with 0 (Chao p7.3.a: no client within reach), has no gap.
            g: list[float | None] = [
                r.get("gap") if r["feasible"] else (None if required else 1.0)
                for r in recs if r["bks"]]
            n_fail = sum(not r["feasible"] for r in recs)
            fails[solver] += n_fail
            gaps[solver] += g
            used = [r["vehicles"] for r in recs if r.get("vehicles") is not None]
            row[solver] = {**st, "failures": n_fail, "runs": len(recs),
                           "gap": _stats(g)["mean"] if any(x is not None for x in g) else None,
                           "vehicles": statistics.fmean(used) if used else None}
            cells[solver] = ("fail" if st["mean"] is None else
                             f"{st['mean']:.1f} [{st['min']:.1f}–{st['max']:.1f}]")
        runs += len(solvers.get("ours", []))
        o, p = row["ours"]["mean"], row["pyvrp"]["mean"]
        row["ratio_ours_pyvrp"] = o / p if o is not None and p else None
        if row["ratio_ours_pyvrp"] is not None:
            ratios.append(row["ratio_ours_pyvrp"])
        _emit(row)

        def pct(x: float | None) -> str:
            return "—" if x is None else f"{100 * x:.2f}%"
        veh = "/".join("—" if row[s]["vehicles"] is None else f"{row[s]['vehicles']:.1f}"
                       for s in ("ours", "pyvrp"))
        ratio = "—" if row["ratio_ours_pyvrp"] is None else f"{row['ratio_ours_pyvrp']:.4f}"
        print(f"{name:<22}{cells['ours']:>28}{cells['pyvrp']:>28}{ratio:>11}"
              f"{pct(row['ours']['gap']):>10}{pct(row['pyvrp']['gap']):>10}{veh:>12}"
              f"{row['ours']['failures']:>3}/{row['pyvrp']['failures']:<3}")
    fam: dict[str, Any] = {
           "summary": "family", "family": family, "instances": len(by), "runs_per_solver": runs,
           "ratio_ours_pyvrp_mean": statistics.fmean(ratios) if ratios else None,
           # The instance where ours does worst against PyVRP (highest distance ratio, or
           # lowest value ratio).
           "ratio_ours_pyvrp_worst": (max(ratios) if required else min(ratios)) if ratios
           else None,
           "instances_with_ratio": len(ratios), "failures": fails,
           "gap_mean": {s: _stats(g)["mean"] for s, g in gaps.items()},
           "gap_mean_over_feasible_runs": {s: _stats(g)["mean_ok"] for s, g in gaps.items()}}
    _emit(fam)
    r = fam["ratio_ours_pyvrp_mean"]
    print(f"{family}: ours/PyVRP mean {'—' if r is None else f'{r:.4f}'} "
          f"(worst {fam['ratio_ours_pyvrp_worst'] or '—'}) over {len(ratios)} of {len(by)} "
          f"instances; failures ours {fails['ours']}, PyVRP {fails['pyvrp']} of {runs} runs "
          f"each; mean gap ours {fam['gap_mean']['ours']}, PyVRP {fam['gap_mean']['pyvrp']}",
          flush=True)


# --------------------------------------------------------------------------- instances

#: The public sets each family runs from ../shared when no --dir or --sets is given.
_DEFAULT_SETS = {"solomon": ("C1", "R1", "RC1"), "top": ("p4.2", "p7.3"),
                 "toptw": ("c1", "r1", "rc1")}


def _pick(folder: Path, files: list[str] | None, patterns: Sequence[str]) -> list[Path]:
    """``--files`` (names in ``folder``, with or without suffix, or paths), else globs."""
    if files:
        picked = []
        for f in files:
            tries = [Path(f), folder / f, folder / f"{f}.txt", folder / f"{f}.json"]
            picked.append(next((t for t in tries if t.is_file()), folder / f))
        return picked
    found: list[Path] = []
    for pat in patterns:
        found += sorted(p for p in folder.glob(pat) if p not in found)
    return found


def load_cases(args: argparse.Namespace, tmp: Path) -> list[Case]:
    """The family's cases: files of ``--dir``, public sets, or generated instances."""
    fam = args.what
    shared = SHARED if args.dir is None else args.dir
    if fam == "solomon":
        folder = shared / "solomon_vrptw" if args.dir is None else args.dir
        bks = best_known(SHARED, "VRPTW")
        if args.dir is not None and args.sets is None:  # an unseen folder: every file in it
            files = _pick(folder, args.files, ["*.txt"])
        else:
            sets = args.sets or _DEFAULT_SETS[fam]
            files = _pick(folder, args.files, [f"{s}*.txt" for s in sets])
            files = [f for f in files if args.files or any(
                f.stem.upper().startswith(s) and f.stem[len(s):].isdigit() for s in sets)]
        return [read_solomon(f, bks) for f in files[:args.limit] if f.name[0] != "_"]
    if fam == "pcvrptw":
        folder = shared / "pcvrptw_gh1000" if args.dir is None else args.dir
        bks = best_known(SHARED, "PCVRPTW")
        files = _pick(folder, args.files, ["*.vrp"])
        return [read_pcvrptw(f, bks) for f in files[:args.limit] if f.suffix == ".vrp"]
    if fam == "top":
        folder = shared / "top_chao" if args.dir is None else args.dir
        bks = best_known(SHARED, "TOP")
        pats = ["*.txt"] if args.dir is not None and args.sets is None else \
            [f"{s}.*.txt" for s in args.sets or _DEFAULT_SETS[fam]]
        files = [f for f in _pick(folder, args.files, pats) if f.name[0] != "_"]
        return [read_top(f, bks) for f in files[:args.limit]]
    cases: list[Case] = []
    if fam == "toptw":
        folder = shared / "toptw_solomon" if args.dir is None else args.dir
        bks = best_known(SHARED, "TOPTW")
        pats = ["*.txt"] if args.dir is not None and args.sets is None else \
            [f"{s.lower()}[0-9]*.txt" for s in args.sets or _DEFAULT_SETS[fam]]
        files = [f for f in _pick(folder, args.files, pats)
                 if f.suffix == ".txt" and not f.name.startswith("_")][:args.limit]
        cases += [read_toptw(f, m, bks) for f in files for m in args.paths]
    if args.dir is not None:
        return cases + [generated_case(read_generated(f))
                        for f in _pick(args.dir, args.files, ["*.json"]) if f.suffix == ".json"]
    folder = args.save or tmp
    sizes = getattr(args, "sizes", None) or [getattr(args, "n", None)]
    for n in sizes:
        for seed in range(args.instances):
            for inst in GENERATORS[fam](seed, n):
                cases.append(generated_case(read_generated(write_generated(inst, folder))))
    return cases


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for mod in ("pyvrp", "ortools", "numpy", "vroom"):
        try:
            from importlib.metadata import version
            out[mod] = version({"vroom": "pyvroom"}.get(mod, mod))
        except Exception:
            out[mod] = "absent"
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "routing"],
                               capture_output=True, text=True, check=False).stdout.strip()
        out["git"] = head + ("+routing-changes" if dirty else "")
    except OSError:
        pass
    return out


def bench_family(args: argparse.Namespace) -> None:
    """Run one family: header, run lines, summary."""
    allowed = sorted(os.sched_getaffinity(0))
    cores = args.cores or allowed[:args.workers]
    if len(cores) < args.workers:
        raise SystemExit(f"--workers {args.workers} needs as many cores; this process may "
                         f"use {allowed}")
    with tempfile.TemporaryDirectory(prefix="bench-routing-") as tmp:
        if args.dir is None and args.what in ("solomon", "top", "toptw", "pcvrptw") \
                and not SHARED.exists():
            print(json.dumps({"bench": args.what, "skipped": f"{SHARED} not found"}))
            return
        cases = load_cases(args, Path(tmp))
        _emit({"bench": "routing", "family": args.what, "instances": len(cases),
               "budget_s": args.budget, "seeds": args.seeds, "workers": args.workers,
               "cores": cores, "cpus": os.cpu_count(), "allowed_cores": allowed,
               "load_avg_1m": round(os.getloadavg()[0], 2),
               "pinning": "each solver run is its own process pinned with os.sched_setaffinity "
                          "to `cores`; ours and PyVRP run one after the other",
               "ours": f"SolveParams(time_limit_s={args.budget:g}, seed=s, "
                       f"workers={args.workers}, pyvrp_start={_PYVRP_START['on']})",
               "pyvrp": "one thread, seed s" if args.workers == 1 else
                        f"best of {args.workers} seeds s*{args.workers}+j, run in parallel, "
                        "one process per core, each for the full budget",
               "balance": "off in every bench problem", "note": args.note,
               "versions": _versions()})
        records: list[dict[str, Any]] = []
        for case in cases:
            records += run_case(case, args.seeds, args.budget, args.workers, cores,
                                getattr(args, "vroom", False))
        by_family: dict[tuple[str, bool], list[dict[str, Any]]] = {}
        required = {c.name: c.required for c in cases}
        for r in records:
            if r["solver"] in ("ours", "pyvrp"):
                by_family.setdefault((r["family"], required[r["instance"]]), []).append(r)
        for (fam, req), recs in by_family.items():
            summarise(fam, req, recs)


# --------------------------------------------------------------------------- balance, anytime

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
    from instances import field

    # The field instance with the default rules (balance on), as these figures were taken.
    case = generated_case(field(n, 0))
    p = replace(case.problem, rules=replace(case.problem.rules, balance=RoutingRules().balance))
    _header("anytime", n=n, budgets_s=budgets, seeds=seeds, workers=workers,
            balance=p.rules.balance)
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


# --------------------------------------------------------------------------- CLI

_BUDGETS = {"solomon": 30.0, "top": 10.0, "toptw": 10.0, "pcvrptw": 30.0, "field": 30.0,
            "longroute": 30.0, "shifts": 30.0, "clustered": 30.0}


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    for fam in FAMILIES:
        f = sub.add_parser(fam)
        f.add_argument("--dir", type=Path, default=None,
                       help="read the family's instance files from DIR")
        f.add_argument("--files", nargs="+", default=None, help="only these files of DIR")
        f.add_argument("--workers", type=int, default=1)
        f.add_argument("--cores", type=int, nargs="+", default=None,
                       help="cores to pin to (default: the first WORKERS allowed)")
        f.add_argument("--seeds", type=int, default=3)
        f.add_argument("--budget", type=float, default=_BUDGETS[fam])
        f.add_argument("--out", type=Path, default=None, help="also write the JSON lines here")
        f.add_argument("--limit", type=int, default=None, help="at most this many files")
        f.add_argument("--note", default="", help="free text for the header (machine state)")
        f.add_argument("--greedy-start-only", action="store_true",
                       help="ours without the PyVRP start (SolveParams(pyvrp_start=False))")
        if fam in _DEFAULT_SETS:
            f.add_argument("--sets", nargs="+", default=None,
                           help=f"file name prefixes (default: {' '.join(_DEFAULT_SETS[fam])} "
                                "of ../shared; every file of --dir)")
        if fam not in ("solomon", "top", "pcvrptw"):
            f.add_argument("--instances", type=int, default=2 if fam == "field" else 3,
                           help="generated instances (seeds 0..K-1) per size")
            f.add_argument("--save", type=Path, default=None,
                           help="keep the generated instance files in this folder")
        if fam == "toptw":
            f.add_argument("--paths", type=int, nargs="+", default=[1, 2, 4],
                           help="paths (officers) per public TOPTW file")
        if fam == "field":
            f.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000, 2000])
            f.add_argument("--vroom", action="store_true", help="also VROOM (seed 0 only)")
        if fam in ("toptw", "shifts", "clustered"):
            f.add_argument("--n", type=int, default=None, help="leads per generated instance")
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
    else:
        _PYVRP_START["on"] = not args.greedy_start_only
        if args.out is not None:
            _OUT.append(args.out.open("w", encoding="utf-8"))
        try:
            bench_family(args)
        finally:
            for fh in _OUT:
                fh.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
