"""A 45-officer county of 20,000 leads through the store, stage by stage: time and size.

    python bench/bench_county_store.py                     # 45 officers, 20,000 leads
    python bench/bench_county_store.py --officers 10 --leads 2000 --time-limit 10

The county is the demo's with ``--leads`` leads and ``--officers`` officers
(:func:`bench_budget.make_team_county`), imported into a fresh SQLite store and run
through the daily loop's service (:class:`countyreach.services.loop.DailyLoop`, what the app
and the CLI call): county import -> plan (the first one trains the county's model) ->
publish -> one officer's visit list (signed in as that officer; the first read parses the
day, a second read is served from the parsed plan) -> every visit's outcome recorded, one
call each, as the officers' phones send them -> re-plan at 13:00 (visited stops kept) and
publish -> the day trimmed as it is once past the retention (``trim_matrices``: only the
legs of each officer's own nodes kept) and read again by the officer and the manager. Each
stage prints its wall and CPU seconds and the store's size after it (the
database file and its write-ahead log). Then each stored plan version's bytes: its parts
as stored (left-out list counted in full for each version, though versions share it) and
as revision 0013 stored them (the problem and the reasons as text, not compressed).

The machine, cores, load and seeds are printed with the table. Timings are one run on a
shared machine: compare the CPU column.

45 officers, 20,000 leads, seed 0, solver 30 s on 1 worker; a 2-vCPU x86_64 VM shared with
other jobs, pinned to one core (load 4.6); Python 3.11.7, SQLite store (size: file + WAL);
git 381b22c (the matrix as binary, revision 0012; an officer's list from their rows)::

    stage                                wall s    CPU s  store MB  note
    county import                          42.1     15.5      18.0
    plan (first: trains the model)         70.5     30.7     144.3  490 visits, 19,510 left out
    publish                                 0.0      0.0     144.3
    officer's list (first read)             0.4      0.2     144.3  11 stops
    officer's list (again)                  0.0      0.0     144.3
    record outcomes (before 13:00)          1.4      0.9     146.3  361 visits, one call each
    re-plan at 13:00 and publish           53.3     36.6     148.6  499 visits
    officer's list (re-planned)             0.2      0.1     148.6  11 stops

    bytes per version  problem    plan  left-out z   expl     stored   as 0010
    v1               1,535,443  63,890      97,847  329,567  2,026,747  5,643,955
    v2               1,539,173  65,339     101,184  335,660  2,041,356  5,538,178

Since revision 0014 (git 1c26e01, 2026-12-07, pinned to core 1, load 1.0, one run; its
stage times are not compared with the table above, which ran under another load) the
problem and the reasons are stored compressed::

    version  problem z    problem     plan  left-out z   expl z     expl     stored    as 0013
          1    184,743  1,306,344   66,179     100,195   19,500  352,064    370,617  1,824,782
          2    187,924  1,309,789   65,954     101,796   19,337  347,707    375,011  1,825,246

The day's travel matrix (plan_matrices, 65.0 MB of binary once a day; 76.7 MB of JSON
before 0012) is most of the store. Before 0012 (git 1061fea, same session and machine, load
4.9) an officer's first read took 4.6 s wall / 2.1 s CPU, and 3.7 / 2.1 s re-planned,
nearly all of it decoding the whole day's matrix; the store was 167.7 MB after the first
plan. Before 92745e6 and d2edb56 the re-plan at 13:00 was refused by the checker (lunch
outside the route, lunch missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_budget import make_team_county  # noqa: E402
from bench_scale import DATE  # noqa: E402

CHINA = dt.timezone(dt.timedelta(hours=8))


class _Clock:
    """The store's clock: the planned day's morning, moved on by the bench."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def _store_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def main() -> None:
    """Run the stages and print the table (see the module's docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--officers", type=int, default=45)
    ap.add_argument("--leads", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0, help="county and solver seed")
    ap.add_argument("--time-limit", type=float, default=30.0, help="solver seconds a plan")
    ap.add_argument("--work", type=Path, default=None, help="folder to keep (default: temp)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    import sqlalchemy as sa

    from countyreach.services.loop import DailyLoop
    from countyreach.store import Store
    from countyreach.store import schema as S
    from countyreach.store.rows import unpack_text
    from routing import SolveParams

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-county-store-"))
    folder = make_team_county(work / "county", args.officers, args.leads, args.seed)
    db = work / "store.sqlite"
    clock = _Clock(dt.datetime.fromisoformat(f"{DATE}T07:30:00").replace(tzinfo=CHINA))
    store = Store.open(f"sqlite:///{db}", bcrypt_rounds=4, clock=clock)
    admin = store.operator_session()
    loop = DailyLoop(store, home=work / "home", cache_dir=work / "cache")
    params = SolveParams(time_limit_s=args.time_limit, seed=args.seed, workers=1)
    rows: list[tuple[str, float, float, int, str]] = []

    def stage(name: str, fn: Callable[[], Any],
              note: Callable[[Any], str] = lambda r: "") -> Any:
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        rows.append((name, time.perf_counter() - t, time.process_time() - c,
                     _store_bytes(db), note(out)))
        print(f"  {name}: {rows[-1][1]:.1f} s {rows[-1][4]}", flush=True)
        return out

    imp = stage("county import", lambda: loop.import_county(admin, folder),
                lambda r: f"{r.county_id}")
    cid = imp.county_id
    first = stage("plan (first: trains the model)",
                  lambda: loop.plan(admin, cid, DATE, params=params, whole_day=True),
                  lambda r: f"v{r.version}: {len(r.day.plan.visited_lead_ids)} visits, "
                            f"{len(r.day.plan.dropped)} left out")
    stage("publish", lambda: store.publish(admin, cid, DATE, first.version))
    oid = first.day.plan.routes[0].officer_id
    store.create_user("bench_officer", "bench-password-1", "officer", oid, cid)
    officer = store.login("bench_officer", "bench-password-1")
    stage("officer's list (first read)", lambda: store.visit_list(officer, cid, DATE),
          lambda r: f"{oid}: {len(r.stops)} stops")
    stage("officer's list (again)", lambda: store.visit_list(officer, cid, DATE))
    clock.at = clock.at.replace(hour=13)
    visits = [(r.officer_id, s.lead_id) for r in first.day.plan.routes for s in r.stops
              if s.arrival_s < 13 * 3600]

    def record() -> int:
        for k, (_, lead) in enumerate(visits):
            loop.record_outcome(admin, county_id=cid, plan_date=DATE, lead_id=lead,
                                outcome=("met", "interested", "not_there")[k % 3])
        return len(visits)

    stage("record outcomes (before 13:00)", record, lambda n: f"{n} visits, one call each")
    stage("re-plan at 13:00 and publish",
          lambda: loop.plan(admin, cid, DATE, params=params, publish=True, now_s=13 * 3600),
          lambda r: f"v{r.version}: {len(r.day.plan.visited_lead_ids)} visits"
                    + ("" if r.published else f"; REFUSED: {r.refused}"))
    stage("officer's list (re-planned)", lambda: store.visit_list(officer, cid, DATE),
          lambda r: f"{len(r.stops)} stops")
    # the day once past the retention: its matrix trimmed to the legs its routes use
    later = (dt.date.fromisoformat(DATE) + dt.timedelta(days=1)).isoformat()
    trimmed = stage("trim the day's matrix", lambda: store.trim_matrices(admin, cid, later),
                    lambda r: f"{r.versions} versions: {r.bytes_before / 1e6:.1f} MB -> "
                              f"{r.bytes_after / 1e6:.3f} MB")
    from countyreach.store.parsed import forget_all

    forget_all()  # read from the store, not from memory
    stage("officer's list (trimmed day)", lambda: store.visit_list(officer, cid, DATE),
          lambda r: f"{len(r.stops)} stops")
    stage("manager's whole day (trimmed)", lambda: store.published_plan(admin, cid, DATE),
          lambda r: f"{len(r[1].visited_lead_ids)} visits, {len(r[0].matrix):,} nodes")
    assert trimmed.days == (DATE,)

    print(f"\n{args.officers} officers, {args.leads:,} leads, seed {args.seed}, solver "
          f"{args.time_limit:g} s on 1 worker; {platform.node()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs (affinity {sorted(os.sched_getaffinity(0))}), load "
          f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, SQLite store")
    print(f"{'stage':34} {'wall s':>8} {'CPU s':>8} {'store MB':>9}  note")
    for name, wall, cpu, size, note in rows:
        print(f"{name:34} {wall:8.1f} {cpu:8.1f} {size / 1e6:9.1f}  {note}")

    print("\nbytes per plan version (the travel matrix apart: plan_matrices, once a day); "
          "z: as stored, compressed")
    print(f"{'version':>7} {'problem z':>10} {'problem':>10} {'plan':>8} {'left-out z':>11} "
          f"{'expl z':>8} {'expl':>8} {'stored':>10} {'as 0013':>10}")
    p, pd_ = S.plans, S.plan_dropped
    with store.engine.connect() as c:
        for r in c.execute(sa.select(p.c.version, p.c.problem_z, p.c.plan_json,
                                     p.c.explanations_z, pd_.c.dropped_z).join(
                pd_, sa.and_(pd_.c.county_id == p.c.county_id,
                             pd_.c.digest == p.c.dropped_digest)).order_by(p.c.version)):
            problem, expl = (len(unpack_text(z).encode()) for z in (r.problem_z,
                                                                    r.explanations_z))
            plan = len(r.plan_json.encode())
            stored = len(r.problem_z) + plan + len(r.explanations_z) + len(r.dropped_z)
            # as 0013 kept them: the problem and the reasons as text
            before = problem + plan + expl + len(r.dropped_z)
            print(f"{r.version:>7} {len(r.problem_z):>10,} {problem:>10,} {plan:>8,} "
                  f"{len(r.dropped_z):>11,} {len(r.explanations_z):>8,} {expl:>8,} "
                  f"{stored:>10,} {before:>10,}")
        matrices = c.execute(sa.select(sa.func.sum(sa.func.length(
            S.plan_matrices.c.matrix_z)))).scalar()
    print(f"plan_matrices: {matrices or 0:,} bytes; store folder {work}")
    store.close()


if __name__ == "__main__":
    main()
