"""Past days' travel matrices trimmed to the legs their routes use (revision 0013).

The store tests run against SQLite and, with ``COUNTYREACH_PG_URL`` set, PostgreSQL (the
suite's ``url``); the daily loop's and the command line's on the demo county.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from countyreach.cli import main
from countyreach.dates import CHINA_TZ
from countyreach.services.officer import published_day_from_store
from countyreach.services.planning import replan
from countyreach.store import Session, Store
from countyreach.store import schema as S
from countyreach.store.compaction import TRIMMED_META, routes_only
from countyreach.store.testing import Clock, synthetic_day
from geo.types import UNREACHABLE, TravelMatrix
from routing.checker import check_plan
from routing.problem import RoutingProblem, end_node_id, start_node_id
from tests.conftest import LOOP_PARAMS, LOOP_RULES
from tests.store_people import DAY

LATER = "2025-03-10"  # the same day's problem again: the same matrix, shared by digest


def _matrices(store: Store) -> dict[str, tuple[bool, int]]:
    """digest -> (trimmed, stored bytes)."""
    with store.engine.connect() as c:
        return {str(d): (bool(r), len(bytes(z))) for d, r, z in c.execute(
            sa.select(S.plan_matrices.c.digest, S.plan_matrices.c.routes_only,
                      S.plan_matrices.c.matrix_z))}


def _same(a: TravelMatrix, b: TravelMatrix) -> bool:
    return (a.node_ids == b.node_ids and np.array_equal(a.duration_s, b.duration_s)
            and np.array_equal(a.distance_m, b.distance_m))


def _digests(store: Store, day: str) -> set[str]:
    with store.engine.connect() as c:
        return {str(d) for d, in c.execute(sa.select(S.plans.c.matrix_digest).where(
            S.plans.c.plan_date == day))}


def test_keeps_only_the_legs_inside_each_group() -> None:
    ids = ("a", "b", "c", "d")
    dur = np.arange(16, dtype=np.int64).reshape(4, 4)
    m = routes_only(TravelMatrix(ids, dur, dur * 10), [["a", "c"], ["d", "nowhere"]])
    kept = {(i, j) for i in range(4) for j in range(4) if m.duration_s[i, j] != UNREACHABLE}
    assert kept == {(0, 0), (0, 2), (2, 0), (2, 2), (1, 1), (3, 3)}
    assert m.duration(ids[0], ids[2]) == 2 and m.distance("c", "a") == 80
    assert m.duration("b", "b") == 5  # each node to itself, whatever it held


def _roads(problem: RoutingProblem) -> RoutingProblem:
    """The synthetic day with the legs between officers as varied as roads make them (its
    own officer's legs keep the 600 s its plan was timed with)."""
    m = problem.matrix
    rng = np.random.default_rng(0)
    dur = rng.integers(300, 5400, size=m.duration_s.shape)
    # whose node: L02-05 and O02's start and end are officer 02's
    whose = np.array([n.rsplit(":O", 1)[-1] if n.startswith("@") else n[1:3]
                      for n in m.node_ids])
    inside = whose[:, None] == whose[None, :]
    dur = np.where(inside, m.duration_s, dur)
    return replace(problem, matrix=TravelMatrix(m.node_ids, dur, np.where(
        inside, m.distance_m, dur * 12)))


def test_a_past_day_reads_as_before_with_a_fraction_of_its_bytes(
        store: Store, people: dict[str, Session]) -> None:
    m = people["manager"]
    problem, plan = synthetic_day(n_officers=6, leads_per_officer=15)
    problem = _roads(problem)
    _, reverse = synthetic_day(n_officers=6, leads_per_officer=15, reverse=True)
    v1 = store.save_plan(m, "qingzu", DAY, problem, plan)
    v2 = store.save_plan(m, "qingzu", DAY, problem, reverse)
    store.publish(m, "qingzu", DAY, v1)
    later = replace(problem, plan_date=LATER)
    store.save_plan(m, "qingzu", LATER, later, replace(plan, plan_date=LATER))
    (whole,) = _digests(store, DAY)
    assert _digests(store, LATER) == {whole}
    before = {v: store.plan(m, "qingzu", DAY, v) for v in (v1, v2)}
    mine = store.visit_list(people["o1"], "qingzu", DAY)
    hashes = {v.version: v.content_hash for v in store.plan_versions(m, "qingzu", DAY)}

    done = store.trim_matrices(m, "qingzu", "2025-03-04")
    assert done.days == (DAY,) and done.versions == 2 and done.days_left == 0
    assert 0 < done.bytes_after * 5 < done.bytes_before

    (trimmed,) = _digests(store, DAY)
    kept = _matrices(store)
    assert kept[trimmed][0] and not kept[whole][0]  # the later day still names it whole
    for v in (v1, v2):
        p, got, _ = store.plan(m, "qingzu", DAY, v)
        assert got.routes == before[v][1].routes and got.meta[TRIMMED_META] == "2025-03-03"
        assert check_plan(p, got) == check_plan(*before[v][:2])  # the checker says the same
        for r in got.routes:
            nodes = [start_node_id(r.officer_id), *r.lead_ids, end_node_id(r.officer_id)]
            assert _same(p.matrix.subset(nodes), before[v][0].matrix.subset(nodes))
        # a leg between two officers' stops is not kept
        assert p.matrix.duration("L01-01", "L02-01") == UNREACHABLE
    assert {v.version: v.content_hash for v in store.plan_versions(m, "qingzu", DAY)} != hashes
    assert store.visit_list(people["o1"], "qingzu", DAY) == mine
    o1_problem, o1_plan, _ = store.plan(people["o1"], "qingzu", DAY)
    assert o1_plan.routes == tuple(r for r in before[v1][1].routes if r.officer_id == "O01")
    assert _same(o1_problem.matrix, before[v1][0].matrix.subset(o1_problem.matrix.node_ids))

    # once trimmed, a day is not read again; a day past the cut-off stays whole
    assert store.trim_matrices(m, "qingzu", "2025-03-04").days == ()
    assert _digests(store, LATER) == {whole} and not _matrices(store)[whole][0]
    # trimming the later day too leaves no whole matrix behind
    assert store.trim_matrices(m, "qingzu", "2025-12-31").days == (LATER,)
    assert whole not in _matrices(store)


def test_only_the_countys_managers_trim_it(store: Store, people: dict[str, Session],
                                         published: int) -> None:
    from countyreach.errors import AccessDenied

    for who in ("outsider", "planner", "o1"):
        with pytest.raises(AccessDenied):
            store.trim_matrices(people[who], "qingzu", "2025-03-04")
    assert store.trim_matrices(people["manager"], "qingzu", "2025-03-04", max_days=0
                               ).days_left == 1
    # the file holds every county: only an admin rewrites it
    for who in ("manager", "planner", "o1"):
        with pytest.raises(AccessDenied):
            store.vacuum(people[who])
    sizes = store.vacuum(people["admin"])
    assert (sizes is None) == (store.engine.dialect.name != "sqlite")


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T08:00").replace(tzinfo=CHINA_TZ)


def test_publishing_trims_the_days_past_the_retention(
        trained_loop_at: Callable[[Any], Any], clock: Clock,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.settings import get_settings

    monkeypatch.setenv("COUNTYREACH_MATRIX_KEEP_DAYS", "1")
    get_settings.cache_clear()
    try:
        loop = trained_loop_at(_at("2026-11-24"))
        admin = loop.store.operator_session()
        first = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=LOOP_PARAMS,
                          rules=LOOP_RULES)
        route = next(r for r in first.day.plan.routes if r.stops)
        mine = loop.store.plan(admin, "qingzu", "2026-11-24")[0].matrix.subset(
            [start_node_id(route.officer_id), *route.lead_ids, end_node_id(route.officer_id)])
        clock.t = _at("2026-11-26")  # two days on: 11-24 is past 1 day's keep
        admin = loop.store.operator_session()
        loop.plan(admin, "qingzu", "2026-11-26", publish=True, params=LOOP_PARAMS,
                  rules=LOOP_RULES)
        kept = _matrices(loop.store)
        (old,), (new,) = _digests(loop.store, "2026-11-24"), _digests(loop.store, "2026-11-26")
        assert kept[old][0] and not kept[new][0]
        assert kept[old][1] * 5 < kept[new][1]
        p, plan, _ = loop.store.plan(admin, "qingzu", "2026-11-24")
        assert plan.routes == first.day.plan.routes and check_plan(p, plan) == []
        assert _same(p.matrix.subset(mine.node_ids), mine)
        assert plan.meta[TRIMMED_META] == "2026-11-26"
        # the businesses it left out keep no name, phone or address there; those met do
        visited = {x for r in plan.routes for x in r.lead_ids}
        left = [ld for ld in p.leads if ld.lead_id not in visited]
        assert left and all(ld.name == ld.phone == ld.address == "" for ld in left)
        was = {ld.lead_id: ld for ld in first.day.problem.leads}
        assert all(ld.name == was[ld.lead_id].name and ld.phone == was[ld.lead_id].phone
                   for ld in p.leads if ld.lead_id in visited)

        # the manager opens the trimmed day and moves a stop to another officer: the
        # re-optimisation builds the day's matrix again rather than find no road there
        data = loop.county_data(admin, "qingzu")
        shown = published_day_from_store(loop.store, admin, data, "2026-11-24",
                                         first.day.scores)
        other = next(r.officer_id for r in plan.routes if r.officer_id != route.officer_id)
        moved = route.lead_ids[-1]
        again = replan(shown, pins={moved: other}, params=LOOP_PARAMS)
        assert again.ok, again.violations
        assert moved in next(r for r in again.plan.routes if r.officer_id == other).lead_ids
        assert TRIMMED_META not in again.plan.meta

        # a backlog at once, from the command line (in the county's language)
        monkeypatch.setenv("COUNTYREACH_DB", str(loop.store.engine.url))
        monkeypatch.setenv("COUNTYREACH_CLOCK", "2026-11-28T08:00+08:00")
        get_settings.cache_clear()
        assert main(["county", "trim", "qingzu", "--keep-days", "0", "--lang", "zh"]) == 2
        assert "--keep-days 至少为 1" in capsys.readouterr().err
        assert main(["county", "trim", "qingzu", "--keep-days", "1", "--lang", "zh"]) == 0
        said = capsys.readouterr().out
        assert "qingzu：已把 1 天（2026-11-26 至 2026-11-26，1 个计划版本）" in said
        (now,) = _digests(loop.store, "2026-11-26")
        assert _matrices(loop.store)[now][0] and new not in _matrices(loop.store)
        assert main(["county", "trim", "qingzu", "--keep-days", "1"]) == 0
        assert "nothing to trim" in capsys.readouterr().out
        # a SQLite file keeps the trimmed pages until it is rewritten: --vacuum does that
        assert main(["county", "trim", "qingzu", "--keep-days", "1", "--vacuum"]) == 0
        said = capsys.readouterr().out
        if loop.store.engine.dialect.name == "sqlite":
            found = re.search(r"shrunk to its data: ([\d.]+) MB → ([\d.]+) MB", said)
            assert found is not None, said
            assert float(found.group(2)) < float(found.group(1))
            p, again_plan, _ = loop.store.plan(admin, "qingzu", "2026-11-24")
            assert again_plan.routes == first.day.plan.routes  # the data is all there
        else:
            assert "not a SQLite file" in said
    finally:
        get_settings.cache_clear()
