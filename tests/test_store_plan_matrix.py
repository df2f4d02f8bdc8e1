"""A plan's travel matrix in the store: binary (revision 0012), read whole or an officer's rows.

Runs against SQLite and, with ``COUNTYREACH_PG_URL`` set, PostgreSQL (the suite's ``url``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from countyreach.errors import StoreError
from countyreach.serialize import matrix_from_dict, matrix_to_dict, problem_to_dict
from countyreach.store import Session, Store
from countyreach.store import schema as S
from countyreach.store.matrix_blob import pack_matrix, unpack_matrix
from countyreach.store.parsed import OFFICER_PARTS, PARSED_PLANS, forget_all
from countyreach.store.rows import plan_hash, unpack_text
from countyreach.store.testing import synthetic_day
from geo.types import UNREACHABLE, TravelMatrix
from routing.plan import Plan
from routing.problem import RoutingProblem
from tests.store_people import DAY


def _odd_day() -> tuple[RoutingProblem, Plan]:
    """The synthetic day with values at each type's edge: an unreachable pair, a distance
    past uint16, a duration at uint8's largest value."""
    problem, plan = synthetic_day()
    m = problem.matrix
    dur, dist = m.duration_s.copy(), m.distance_m.copy()
    dur[0, -1] = dist[0, -1] = UNREACHABLE
    dist[1, 2] = 70_000
    dur[2, 1] = 255
    return replace(problem, matrix=TravelMatrix(m.node_ids, dur, dist)), plan


def _same(a: TravelMatrix, b: TravelMatrix) -> bool:
    return (a.node_ids == b.node_ids and a.duration_s.dtype == b.duration_s.dtype == np.int64
            and np.array_equal(a.duration_s, b.duration_s)
            and np.array_equal(a.distance_m, b.distance_m))


def _stored(store: Store, column: str = "matrix_z") -> list[tuple[str, object]]:
    with store.engine.connect() as c:
        return [(d, v) for d, v in c.execute(sa.text(
            f"SELECT digest, {column} FROM plan_matrices ORDER BY digest"))]


# ------------------------------------------------------------------------ the codec


@pytest.mark.parametrize(("top", "code"), [(254, b"B"), (255, b"H"), (65_534, b"H"),
                                           (65_535, b"I"), (2**32 - 2, b"I"),
                                           (2**32 - 1, b"q"), (2**40, b"q")])
def test_each_array_is_kept_in_the_narrowest_type_and_unreachable_stays_exact(
        top: int, code: bytes) -> None:
    ids = ("a", "b", "c\nd")  # an id may hold any character
    dur = np.array([[0, top, UNREACHABLE], [1, 0, 2], [UNREACHABLE, 3, 0]])
    m = TravelMatrix(ids, dur, dur.T.copy())
    blob = pack_matrix(m)
    assert blob[9:11] == code * 2  # after magic, format and node count
    assert _same(unpack_matrix(blob), m)
    assert blob == pack_matrix(TravelMatrix(ids, dur, dur.T.copy()))  # a digest names it


def test_an_officers_rows_are_what_subset_cuts() -> None:
    m = _odd_day()[0].matrix
    nodes = [m.node_ids[i] for i in (5, 0, len(m) - 1, 2)]
    assert _same(unpack_matrix(pack_matrix(m), nodes), m.subset(nodes))
    with pytest.raises(StoreError, match="lacks nodes"):
        unpack_matrix(pack_matrix(m), ["nowhere"])


def _damage(blob: bytes) -> list[tuple[str, bytes]]:
    b = bytearray(blob)
    last = bytearray(blob)
    last[-5] ^= 0xFF  # inside the last row's zlib stream
    header = bytearray(blob)
    header[5] += 1  # the node count
    ids = json.dumps(["a", "a", "b"]).encode()
    return [("empty", b""), ("truncated", bytes(b[:-10])), ("magic", b"XXXX" + bytes(b[4:])),
            ("row stream", bytes(last)), ("node count", bytes(header)),
            ("longer", bytes(b) + b"\0"), ("ids", _with_ids(blob, ids))]


def _with_ids(blob: bytes, ids: bytes) -> bytes:
    """``blob`` with its node ids replaced (a list of another length, duplicates)."""
    import struct
    import zlib

    head = struct.Struct("<4sBIcc3Q")
    magic, fmt, n, c1, c2, n_ids, n_dur, n_dist = head.unpack_from(blob)
    z = zlib.compress(ids)
    return (head.pack(magic, fmt, n, c1, c2, len(z), n_dur, n_dist) + z
            + blob[head.size + n_ids:])


def test_a_damaged_value_is_a_store_error_naming_the_matrix() -> None:
    ids = ("a", "b", "c")
    dur = np.arange(9).reshape(3, 3)
    blob = pack_matrix(TravelMatrix(ids, dur, dur))
    for what, bad in _damage(blob):
        with pytest.raises(StoreError, match="stored travel matrix is damaged"):
            unpack_matrix(bad)
            pytest.fail(f"{what}: read without error")


# ------------------------------------------------------------------------ the store


def test_a_plans_matrix_round_trips_as_binary(store: Store, people: dict[str, Session]) -> None:
    m = people["manager"]
    problem, plan = _odd_day()
    v = store.save_plan(m, "qingzu", DAY, problem, plan)
    (digest, blob), = _stored(store)
    assert bytes(blob)[:4] == b"CRMX" and digest == hashlib.sha256(bytes(blob)).hexdigest()
    forget_all()
    back, _, _ = store.plan(m, "qingzu", DAY, v)
    assert _same(back.matrix, problem.matrix)
    store.publish(m, "qingzu", DAY, v)
    forget_all()
    mine, _, _ = store.plan(people["o1"], "qingzu", DAY)  # read from the officer's rows
    assert _same(mine.matrix, problem.matrix.subset(mine.matrix.node_ids))
    day = store.visit_list(people["o1"], "qingzu", DAY)
    assert [s.lead_id for s in day.stops] == ["L01-01", "L01-02", "L01-03", "L01-04"]
    assert store.save_plan(m, "qingzu", DAY, problem, plan) and len(_stored(store)) == 1


def test_an_officers_list_matches_the_one_cut_from_the_whole_day(
        store: Store, people: dict[str, Session], published: int) -> None:
    forget_all()
    part = store.visit_list(people["o1"], "qingzu", DAY)
    # read from the officer's part only: the whole day is not parsed, the part is kept
    assert len(PARSED_PLANS) == 0 and len(OFFICER_PARTS) == 1
    (problem, plan, _), = OFFICER_PARTS
    assert {o.officer_id for o in problem.officers} == {"O01"}
    assert len(problem.matrix) == len(part.stops) + 2 and not plan.dropped
    assert store.plan(people["o1"], "qingzu", DAY)[0].matrix.node_ids == \
        problem.matrix.node_ids
    store.plan(people["manager"], "qingzu", DAY, published)  # the whole day, kept
    assert len(PARSED_PLANS) == 1
    assert store.visit_list(people["o1"], "qingzu", DAY) == part  # cut from the whole
    # an erasure forgets the kept parts too: no erased name stays in memory
    store.erase_personal_data(people["manager"], "qingzu", "L01-02", "客户要求删除")
    assert len(PARSED_PLANS) == len(OFFICER_PARTS) == 0
    stops = store.visit_list(people["o1"], "qingzu", DAY).stops  # read again, kept again
    assert [s.lead_id for s in stops] == ["L01-01", "L01-03", "L01-04"]  # do-not-visit now
    (problem, _, _), = OFFICER_PARTS
    assert problem.lead_by_id["L01-02"].name == ""


def test_a_damaged_stored_matrix_is_a_store_error(store: Store, people: dict[str, Session],
                                                  published: int) -> None:
    (_, blob), = _stored(store)
    with store.engine.begin() as c:
        c.execute(S.plan_matrices.update().values(matrix_z=bytes(blob)[:-100]))
    forget_all()
    which = f"plan version {published} of qingzu on {DAY}: a stored travel matrix is damaged"
    with pytest.raises(StoreError, match=which):
        store.plan(people["manager"], "qingzu", DAY, published)
    with pytest.raises(StoreError, match=which):
        store.visit_list(people["o1"], "qingzu", DAY)


def _migrate_to(store: Store, revision: str, down: bool) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1]
                                               / "countyreach" / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
    forget_all()


def _versions(store: Store) -> list[tuple[str, str, str]]:
    """Each version's problem text, content hash and matrix digest, at any revision (the
    text is kept compressed since 0014)."""
    names = {c["name"] for c in sa.inspect(store.engine).get_columns("plans")}
    column = "problem_json" if "problem_json" in names else "problem_z"
    with store.engine.connect() as c:
        return [(unpack_text(text) if column == "problem_z" else str(text), str(h), str(d))
                for text, h, d in c.execute(sa.text(
                    f"SELECT {column}, content_hash, matrix_digest FROM plans "
                    "ORDER BY version"))]


def test_migration_0012_converts_json_matrices_and_back(store: Store,
                                                        people: dict[str, Session]) -> None:
    """A store of 0011 with a plan's matrix as JSON reads the same after the upgrade, and
    after the downgrade again; the store's texts and hashes come back as they were."""
    m = people["manager"]
    problem, plan = _odd_day()
    v = store.save_plan(m, "qingzu", DAY, problem, plan)
    store.publish(m, "qingzu", DAY, v)
    at_head = _versions(store)
    _migrate_to(store, "0011", down=True)
    # what 0011's save_plan wrote: the matrix's JSON, named by the digest of that text
    text = json.dumps(problem_to_dict(problem)["matrix"], separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert _stored(store, "matrix_json") == [(digest, text)]
    (problem_json, content_hash, named), = _versions(store)
    assert named == digest and json.loads(problem_json)["matrix_ref"] == digest
    with store.engine.connect() as c:
        plan_json, expl = c.execute(sa.text("SELECT plan_json, explanations_json "
                                            "FROM plans")).one()
    assert content_hash == plan_hash(problem_json, plan_json, expl)
    assert _same(matrix_from_dict(json.loads(text)), problem.matrix)

    _migrate_to(store, "head", down=False)
    assert _versions(store) == at_head
    for who in ("manager", "o1"):
        forget_all()
        back, _, _ = store.plan(people[who], "qingzu", DAY)
        assert _same(back.matrix, problem.matrix.subset(back.matrix.node_ids))
    _migrate_to(store, "0011", down=True)
    assert _stored(store, "matrix_json") == [(digest, text)]
    assert _versions(store) == [(problem_json, content_hash, digest)]
    assert json.dumps(matrix_to_dict(problem.matrix), separators=(",", ":")) == text
    _migrate_to(store, "head", down=False)
    # the converted matrix is named as save_plan names it: a day saved now shares it
    store.save_plan(m, "qingzu", DAY, problem, plan)
    assert len(_stored(store)) == 1
