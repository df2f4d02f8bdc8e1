"""The bench's instance generators are deterministic per seed and make valid routing problems."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from routing import SolveParams, check_plan, solve

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import instances  # noqa: E402

GENERATED = {
    "field": lambda seed: instances.field(40, seed, n_officers=3),
    "longroute": instances.longroute,
    "toptw": lambda seed: instances.toptw(seed, n=40),
    "shifts": lambda seed: instances.shifts(seed, n=60),
    "clustered": lambda seed: instances.clustered(seed, n=60),
    "uniform": lambda seed: instances.clustered(seed, n=60, layout="uniform"),
}


def _same(a: instances.GenInstance, b: instances.GenInstance) -> bool:
    return (a.name == b.name and a.officers == b.officers and a.windows == b.windows
            and np.array_equal(a.points, b.points) and np.array_equal(a.depots, b.depots)
            and np.array_equal(a.prizes, b.prizes) and np.array_equal(a.service_s, b.service_s))


@pytest.mark.parametrize("family", sorted(GENERATED))
def test_generators_are_deterministic_per_seed(family: str):
    make = GENERATED[family]
    assert _same(make(1), make(1))
    assert not _same(make(1), make(2))


@pytest.mark.parametrize("family", sorted(GENERATED))
def test_generated_instances_survive_their_file_and_make_valid_problems(family: str,
                                                                         tmp_path: Path):
    inst = GENERATED[family](0)
    back = instances.read_generated(instances.write_generated(inst, tmp_path))
    case = instances.generated_case(back)
    p = case.problem
    assert case.family == family and case.required == inst.required
    assert len(p.leads) == len(inst.points) and len(p.officers) == len(inst.officers)
    # Every generated window fits inside some officer's shift, and rounding the coordinates
    # in the file moves no travel time by more than a second.
    first = min(o.shift.start_s for o in p.officers)
    last = max(o.shift.end_s for o in p.officers)
    assert all(first <= w.start_s <= w.end_s <= last for ld in p.leads for w in ld.windows)
    exact = instances.generated_case(inst).problem.matrix.duration_s
    assert np.abs(p.matrix.duration_s - exact).max() <= 1
    assert p.rules.balance == 0.0


def test_family_shapes():
    long = instances.longroute(0)
    used = len(long.officers) - 1  # one spare officer
    assert long.required and 30 * used <= len(long.points) <= 60 * used
    shifts = instances.shifts(0)
    assert len({(a, b) for _, _, a, b in shifts.officers}) > 1
    clustered, uniform = (instances.clustered(0, layout=x) for x in ("clustered", "uniform"))
    # Villages: a lead's nearest neighbour is much nearer than in a uniform spread.
    def nearest(pts: np.ndarray) -> float:
        d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(axis=2))
        np.fill_diagonal(d, np.inf)
        return float(np.median(d.min(axis=1)))
    assert nearest(clustered.points) < 0.6 * nearest(uniform.points)


def test_a_tiny_generated_day_solves_and_checks():
    case = instances.generated_case(instances.toptw(0, n=15, n_officers=2))
    plan = solve(case.problem, SolveParams(time_limit_s=2, workers=1, improvement_steps=1))
    assert check_plan(case.problem, plan) == []
    assert plan.visited_lead_ids


def test_public_format_readers(tmp_path: Path):
    top = tmp_path / "p0.1.a.txt"
    top.write_text("n 4\nm 2\ntmax 10.0\n0 0 0\n1 0 5\n2 0 7\n3 0 0\n")
    case = instances.read_top(top, {("p0.1.a", 2): 12.0})
    assert case.bks == 12.0 and len(case.problem.leads) == 2 and len(case.problem.officers) == 2
    toptw = tmp_path / "x101.txt"
    toptw.write_text("4 3 2 1\n0 200\n"
                     "  0 40.00 50.00 0.00 0.00 0 0 0 1236\n"
                     "  1 45.00 68.00 90.00 10.00 1 1 1 912 967\n"
                     "  2 45.00 70.00 90.00 30.00 1 2 1 2 825 870\n")
    case = instances.read_toptw(toptw, None)
    assert case.name == "x101-m3" and len(case.problem.officers) == 3
    lead = case.problem.lead_by_id["c2"]
    assert lead.service_s == 900 and lead.value_yuan == 30 and lead.windows[0].start_s == 8250
    assert case.problem.officers[0].shift.end_s == 12360


@pytest.mark.parametrize("blank", ["\n", ""])
def test_solomon_reader_finds_its_tables_by_content(tmp_path: Path, blank: str):
    # The Gehring-Homberger files and re-saved copies differ in blank lines around the
    # headers; the reader must not depend on line numbers.
    text = ("X1\n" + blank + "VEHICLE\nNUMBER     CAPACITY\n  3         200\n" + blank
            + "CUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   "
              "SERVICE   TIME\n" + blank
            + "    0  40  50   0    0  1236   0\n    1  45  68  10  912   967  90\n"
              "    2  45  70  30  825   870  90\n")
    path = tmp_path / "X1.txt"
    path.write_text(text)
    case = instances.read_solomon(path)
    assert len(case.problem.officers) == 3 and len(case.problem.leads) == 2
    lead = case.problem.lead_by_id["c2"]
    assert lead.load == 30 and lead.windows[0].start_s == 8250 and lead.service_s == 900
    assert case.problem.officers[0].capacity == 200


def test_an_unseen_folder_is_read_whole(tmp_path: Path):
    # Instance sets the bench has never run (Solomon C2, other Chao sets) are read from
    # --dir without naming their prefixes; --sets still narrows a folder.
    import argparse

    import bench_routing

    top = tmp_path / "top"
    top.mkdir()
    (top / "p1.2.a.txt").write_text("n 4\nm 2\ntmax 10.0\n0 0 0\n1 0 5\n2 0 7\n3 0 0\n")
    (top / "p5.3.b.txt").write_text("n 3\nm 3\ntmax 9.0\n0 0 0\n1 1 5\n3 0 0\n")
    args = argparse.Namespace(what="top", dir=top, files=None, sets=None, limit=None)
    assert sorted(c.name for c in bench_routing.load_cases(args, tmp_path)) == \
        ["p1.2.a", "p5.3.b"]
    args.sets = ["p5.3"]
    assert [c.name for c in bench_routing.load_cases(args, tmp_path)] == ["p5.3.b"]


def test_a_day_with_nothing_within_reach_is_no_failure_and_has_no_gap(tmp_path: Path, capsys):
    import json

    import bench_routing

    # Like Chao p7.3.a: no client within reach of the route limit, best known 0.
    top = tmp_path / "p0.2.a.txt"
    top.write_text("n 4\nm 2\ntmax 1.0\n0 0 0\n10 0 5\n0 10 7\n0 0 0\n")
    case = instances.read_top(top, {("p0.2.a", 2): 0.0})
    records = bench_routing.run_case(case, seeds=1, budget_s=0.2, workers=1,
                                     cores=sorted(os.sched_getaffinity(0))[:1], vroom=False)
    assert [(r["solver"], r["feasible"], r["prize"]) for r in records] == [
        ("ours", True, 0.0), ("pyvrp", True, 0.0)]
    capsys.readouterr()
    bench_routing.summarise("top", False, records)
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    family = lines[-1]
    assert family["failures"] == {"ours": 0, "pyvrp": 0}
    assert family["gap_mean"] == {"ours": None, "pyvrp": None}
