"""Plans and problems survive a JSON round trip; foreign documents are refused."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from countyreach.errors import InputError
from countyreach.serialize import (
    MATRIX_ENCODING,
    MATRIX_ENCODING_INT64,
    matrix_from_dict,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    read_json,
    write_json,
)
from geo.types import UNREACHABLE, Location, TravelMatrix
from routing.plan import BreakTaken, DroppedLead, DropReason, Plan, PlanStatus, Route, Stop
from routing.problem import (
    Break,
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    start_node_id,
)


def _problem() -> RoutingProblem:
    dep = Depot("B", "营业所", Location(35.51, 115.01))
    o = Officer("O1", "王", dep, dep, TimeWindow(28_800, 61_200), max_drive_s=14_400,
                max_visits=8, skills=frozenset({"sheep_farm"}), localities=frozenset({"庆北村"}),
                lunch=Break(TimeWindow(41_400, 46_800), 2_700))
    leads = (
        Lead("L1", "羊场", Location(35.52, 115.02), "sheep_farm", "庆北村", 2_100, 812.5,
             (TimeWindow(30_000, 40_000),), None, "13800000000", "庆北村东"),
        Lead("L2", "小卖部", Location(35.53, 115.03), "small_shop", value_yuan=40.0,
             pinned_officer_id="O1"),
    )
    ids = ("L1", "L2", start_node_id("O1"), end_node_id("O1"))
    rng = np.random.default_rng(0)
    d = rng.integers(60, 900, size=(4, 4))
    np.fill_diagonal(d, 0)
    return RoutingProblem(leads, (o,), TravelMatrix(ids, d, d * 11),
                          RoutingRules(skills="hard"), "2026-11-24",
                          frozenset({"L9"}))


def test_problem_round_trip():
    p = _problem()
    q = problem_from_dict(json.loads(json.dumps(problem_to_dict(p))))
    assert q.leads == p.leads and q.officers == p.officers and q.rules == p.rules
    assert np.array_equal(q.matrix.duration_s, p.matrix.duration_s)
    assert q.matrix.node_ids == p.matrix.node_ids and q.done_lead_ids == p.done_lead_ids


def test_the_travel_matrix_is_written_compactly_and_read_back_exactly():
    # A day of 45 officers offers 4,400 nodes: two matrices of JSON numbers took 368 MB.
    p = _problem()
    rng = np.random.default_rng(1)
    ids = (*p.matrix.node_ids, *(f"N{i}" for i in range(296)))
    d = rng.integers(0, 7_200, size=(300, 300))
    d[3, 7] = UNREACHABLE
    big = RoutingProblem(p.leads, p.officers, TravelMatrix(ids, d, d * 13), p.rules,
                         p.plan_date)
    text = json.dumps(problem_to_dict(big))
    as_lists = json.dumps([d.tolist(), (d * 13).tolist()])
    assert len(text) < len(as_lists) / 1.5
    q = problem_from_dict(json.loads(text))
    assert np.array_equal(q.matrix.duration_s, d)
    assert np.array_equal(q.matrix.distance_m, d * 13)
    assert q.matrix.duration_s[3, 7] == UNREACHABLE


def test_the_matrix_is_written_in_byte_planes_unless_a_value_passes_int32():
    p = _problem()
    d = problem_to_dict(p)
    assert d["matrix"]["encoding"] == MATRIX_ENCODING
    wide = p.matrix.distance_m.copy()
    wide[0, 1] = 2**31  # past int32: the int64 encoding keeps it exact
    q = RoutingProblem(p.leads, p.officers, TravelMatrix(p.matrix.node_ids,
                                                         p.matrix.duration_s, wide),
                       p.rules, p.plan_date)
    m = problem_to_dict(q)["matrix"]
    assert m["encoding"] == MATRIX_ENCODING_INT64
    assert matrix_from_dict(json.loads(json.dumps(m))).distance_m[0, 1] == 2**31


def test_a_problem_file_with_the_earlier_int64_matrix_still_reads():
    p = _problem()
    d = problem_to_dict(p)
    for key in ("duration_s", "distance_m"):  # as countyreach wrote it before byte planes
        raw = getattr(p.matrix, key).astype("<i8").tobytes()
        d["matrix"][key] = base64.b64encode(zlib.compress(raw)).decode("ascii")
    d["matrix"]["encoding"] = "int64le+zlib+base64"
    q = problem_from_dict(d)
    assert np.array_equal(q.matrix.duration_s, p.matrix.duration_s)
    assert np.array_equal(q.matrix.distance_m, p.matrix.distance_m)


def test_a_problem_file_with_the_matrix_as_lists_still_reads():
    p = _problem()
    d = problem_to_dict(p)
    d["matrix"] = {"node_ids": list(p.matrix.node_ids),
                   "duration_s": p.matrix.duration_s.tolist(),
                   "distance_m": p.matrix.distance_m.tolist()}
    assert np.array_equal(problem_from_dict(d).matrix.distance_m, p.matrix.distance_m)


@pytest.mark.parametrize("damage", ["not base64!", "AAAA"])
def test_a_damaged_matrix_is_refused_by_name(damage: str):
    d = problem_to_dict(_problem())
    d["matrix"]["duration_s"] = damage
    with pytest.raises(InputError) as e:
        problem_from_dict(d)
    assert e.value.field == "matrix.duration_s"


def test_rules_and_routes_round_trip():
    # Balance, the change cost, locked and reference routes are part of the problem: a
    # re-plan read back from a file must lock and weigh changes as the one written.
    p = _problem()
    p = RoutingProblem(p.leads, p.officers, p.matrix,
                       RoutingRules(skills="hard", balance=0.05, change_cost_yuan=75.0),
                       p.plan_date, p.done_lead_ids, locked_routes={"O1": ("L2", "L1")},
                       reference_routes={"O1": ("L1",)}, visited_routes={"O1": ("L2",)})
    q = problem_from_dict(json.loads(json.dumps(problem_to_dict(p))))
    assert q.rules == p.rules
    assert q.rules.balance == 0.05 and q.rules.change_cost_yuan == 75.0
    assert q.locked_routes == {"O1": ("L2", "L1")}
    assert q.reference_routes == {"O1": ("L1",)}
    assert q.visited_routes == {"O1": ("L2",)}  # what the checker must not judge again


def test_older_problem_files_without_the_new_keys_still_read():
    d = problem_to_dict(_problem())
    for key in ("balance", "change_cost_yuan"):
        del d["rules"][key]
    del d["locked_routes"], d["reference_routes"], d["visited_routes"]
    q = problem_from_dict(d)
    assert q.rules.balance == RoutingRules().balance
    assert q.rules.change_cost_yuan == RoutingRules().change_cost_yuan
    assert q.locked_routes == {} and q.reference_routes == {} and q.visited_routes == {}


def test_plan_round_trip(tmp_path: Path):
    plan = Plan(
        PlanStatus.FEASIBLE,
        (Route("O1", (Stop("L2", 29_000, 29_000, 29_900, 200, 2_000),), 28_800, 30_500, 800,
               8_000, 40.0, 600, 6_000, BreakTaken(41_400, 2_700)),),
        (DroppedLead("L1", DropReason.NOT_WORTH_DETOUR, "far", 1_200.0),),
        objective_yuan=30.0, solver="test", plan_date="2026-11-24", meta={"seed": 1},
    )
    path = write_json(plan_to_dict(plan), tmp_path / "p" / "plan.json")
    back = plan_from_dict(read_json(path))
    assert back.routes == plan.routes and back.dropped == plan.dropped
    assert back.status is PlanStatus.FEASIBLE and dict(back.meta) == {"seed": 1}


def test_foreign_or_broken_documents_are_refused(tmp_path: Path):
    with pytest.raises(InputError, match="kind"):
        plan_from_dict({"kind": "something else"})
    p = tmp_path / "bad.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="bad.json"):
        read_json(p)
    with pytest.raises(InputError, match="not found"):
        read_json(tmp_path / "missing.json")
