"""Reading a stored plan version: its texts, parsed once per content and kept in memory
(:mod:`countyreach.store.parsed`), or only one officer's part of it.

:class:`~countyreach.store.plans.PlanRepository` reads through these inside its
transactions; they take a connection and check nothing about who asks.
"""

from __future__ import annotations

import json
import zlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import InputError, StoreError
from countyreach.serialize import plan_from_dict, problem_from_dict
from countyreach.store import schema as S
from countyreach.store.matrix_blob import unpack_matrix
from countyreach.store.parsed import OFFICER_PARTS, PARSED_PLANS, Parsed
from countyreach.store.records import PlanState
from countyreach.store.rows import unpack_text
from geo.types import TravelMatrix
from routing.problem import end_node_id, start_node_id

__all__ = ["read_plan", "parsed_plan", "officer_part", "stored_matrix", "plan_texts"]


def read_plan(conn: Connection, county_id: str, plan_date: str, version: int | None,
               officer_id: str | None = None
               ) -> tuple[tuple[int, str], Parsed | sa.RowMapping]:
    """A stored version's ``(number, content hash)``, with its parsed content when kept in
    memory, else its stored texts (which :func:`parsed_plan` parses outside the transaction).

    A county of 100 officers opens 100 lists of the same published day; parsing and
    validating the whole day's JSON (2,500 leads and their matrix) took ~3 s each time, and
    reading its texts (the travel matrix alone is tens of MB at 45 officers) ~0.3 s. The key
    is the content hash, which covers the texts and, by digest, the matrix and left-out
    list they name, and is renewed when a version is rewritten in place (an erasure): such
    a version is read and parsed again, the store stays the only source of truth. The
    values are frozen, so callers may share them. With ``officer_id``, that officer's part
    kept by :func:`parsed_plan` serves too.
    """
    p = S.plans
    q = sa.select(p.c.version, p.c.content_hash).where(p.c.county_id == county_id,
                                                       p.c.plan_date == plan_date)
    q = q.where(p.c.status == PlanState.PUBLISHED.value) if version is None \
        else q.where(p.c.version == version)
    row = conn.execute(q).first()
    if row is None:
        what = "published plan" if version is None else f"plan version {version}"
        raise InputError(f"no {what} for {county_id} on {plan_date}", field="plan_date")
    key = (int(row.version), str(row.content_hash))
    hit = PARSED_PLANS.get(key[1])
    if hit is None and officer_id is not None:
        hit = OFFICER_PARTS.get(f"{key[1]}:{officer_id}")
    if hit is not None:
        return key, hit
    return key, plan_texts(conn, county_id, plan_date, key[0])


def parsed_plan(key: tuple[int, str], got: Parsed | sa.RowMapping,
            officer_id: str | None = None) -> Parsed:
    """The parsed content :func:`read_plan` found kept, or its texts parsed (and kept).

    With ``officer_id``, texts are parsed only as far as that officer's route needs
    (:func:`officer_part`) when they can be.
    """
    if isinstance(got, tuple):
        return got
    row = got
    if officer_id is not None:
        part = officer_part(row, officer_id)
        if part is not None:
            OFFICER_PARTS.put(f"{key[1]}:{officer_id}", part)
            return part
    problem = json.loads(unpack_text(row["problem_z"]))
    matrix = None
    if "matrix_ref" in problem:  # the day's matrix, stored once (see save_plan)
        matrix = stored_matrix(row)
        del problem["matrix_ref"]
    plan = json.loads(row["plan_json"])
    if "dropped_ref" in plan:  # the left-out leads, stored once (see save_plan)
        if row["dropped_z"] is None:
            raise StoreError(f"plan version {row['version']} of {row['county_id']} on "
                             f"{row['plan_date']} names a left-out list the store lacks")
        plan["dropped"] = json.loads(zlib.decompress(row["dropped_z"]))
        del plan["dropped_ref"]
    parsed = (problem_from_dict(problem, matrix=matrix), plan_from_dict(plan),
              json.loads(unpack_text(row["explanations_z"]) or "{}"))
    PARSED_PLANS.put(key[1], parsed)
    return parsed


def officer_part(row: sa.RowMapping, officer_id: str) -> Parsed | None:
    """A stored version cut to one officer's route, its leads and their rows of the matrix,
    as :func:`countyreach.store.plans.only_officer` would cut the whole; None when the
    officer has no route in it or its matrix is inline (then the whole is parsed, and
    refused or cut as before).

    An officer's first list decoded the day's whole matrix to keep 57 of its 4,412 rows:
    1.2 s of binary at 45 officers against 10 ms for the officer's rows (measured).

    It only spares the parsing: what an officer may see is decided by ``only_officer``,
    which every reader of an officer's part applies to it after this (the part keeps at
    least what that cut keeps, so both give the same route, leads and legs).
    """
    problem = json.loads(unpack_text(row["problem_z"]))
    plan = json.loads(row["plan_json"])
    officers = [o for o in problem["officers"] if o.get("officer_id") == officer_id]
    if "matrix_ref" not in problem or not officers:
        return None
    plan["routes"] = [r for r in plan["routes"] if r["officer_id"] == officer_id]
    mine = {s["lead_id"] for r in plan["routes"] for s in r["stops"]}
    plan.pop("dropped_ref", None)
    plan["dropped"] = []  # an officer's list shows no left-out leads (only_officer)
    leads = [ld for ld in problem["leads"] if ld["lead_id"] in mine]
    problem.update(
        leads=leads, officers=officers,
        done_lead_ids=[x for x in problem.get("done_lead_ids", ()) if x in mine],
        **{k: {o: [x for x in v if x in mine] for o, v in problem.get(k, {}).items()
               if o == officer_id}
           for k in ("locked_routes", "reference_routes", "visited_routes")})
    del problem["matrix_ref"]
    nodes = [ld["lead_id"] for ld in leads] + [start_node_id(officer_id),
                                               end_node_id(officer_id)]
    why = json.loads(unpack_text(row["explanations_z"]) or "{}")
    expl = {k: v for k, v in why.items() if k in mine}
    return (problem_from_dict(problem, matrix=stored_matrix(row, nodes)),
            plan_from_dict(plan), expl)


def stored_matrix(row: sa.RowMapping, nodes: list[str] | None = None) -> TravelMatrix:
    """The travel matrix a stored version names (only between ``nodes`` if given).

    Raises
    ------
    StoreError
        The store lacks it, or it is damaged (which version's, then what is wrong).
    """
    if row["matrix_z"] is None:
        raise StoreError(f"plan version {row['version']} of {row['county_id']} on "
                         f"{row['plan_date']} names a travel matrix the store lacks")
    try:
        return unpack_matrix(row["matrix_z"], nodes)
    except StoreError as e:
        raise StoreError(f"plan version {row['version']} of {row['county_id']} on "
                         f"{row['plan_date']}: {e}") from None


def plan_texts(conn: Connection, county_id: str, plan_date: str,
                version: int) -> sa.RowMapping:
    p, pm, pd_ = S.plans, S.plan_matrices, S.plan_dropped
    return conn.execute(sa.select(p, pm.c.matrix_z, pd_.c.dropped_z).select_from(
        p.outerjoin(pm, sa.and_(pm.c.county_id == p.c.county_id,
                                pm.c.digest == p.c.matrix_digest)).outerjoin(
            pd_, sa.and_(pd_.c.county_id == p.c.county_id,
                         pd_.c.digest == p.c.dropped_digest))).where(
        p.c.county_id == county_id, p.c.plan_date == plan_date,
        p.c.version == version)).mappings().one()
