"""Past days' travel matrices trimmed to the legs their routes use (revision 0013).

A plan version keeps the travel matrix of every node of its day: at 45 officers on a
20,000-lead county, tens of MB a day, a county's store growing by gigabytes a year for
legs nobody will drive. While a day may still be planned again (re-planned at noon,
corrected the next morning) its matrix stays whole. Once it is older than the county's
retention (:attr:`~countyreach.settings.Settings.matrix_keep_days`), only the legs between
each officer's own nodes (start, end, and the stops of that officer in any version of the
day) are kept; every other leg reads as :data:`~geo.types.UNREACHABLE`, which the matrix's
zlib rows hold in a few bytes. Personal data goes the same way: the businesses a version
left out keep their id, place and value, not their name, phone or address (those it visits
keep theirs, for the day's record). What a stored day is read for stays exact: its routes'
times and distances, the independent checker, each officer's list and its order
(:func:`~countyreach.store.plans.only_officer` keeps only that officer's nodes). A trimmed
day planned again can move a stop within a route, not between officers.

The versions naming a trimmed matrix are rewritten as an erasure rewrites them: the new
matrix's digest in the problem JSON's ``matrix_ref`` and ``matrix_digest``, the day it was
trimmed in the plan's meta (:data:`TRIMMED_META`: a re-optimisation of such a plan builds
the day's matrix again), and a renewed content hash, so nothing reads the whole matrix
under the old name again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.store import schema as S
from countyreach.store.checks import check_date, check_id
from countyreach.store.matrix_blob import pack_matrix, unpack_matrix
from countyreach.store.parsed import forget_all
from countyreach.store.plans import drop_unnamed, lock_county
from countyreach.store.records import AuditAction, Role, Session
from countyreach.store.repository import Repository
from countyreach.store.rows import pack_text, plan_hash, unpack_text
from geo.types import UNREACHABLE, TravelMatrix
from routing.problem import end_node_id, start_node_id

__all__ = ["Trimmed", "MatrixRetention", "routes_only", "officer_nodes", "TRIMMED_META"]

#: The key of a trimmed version's ``Plan.meta``: the day (UTC) its matrix was trimmed.
TRIMMED_META = "matrix_trimmed_on"


@dataclass(frozen=True)
class Trimmed:
    """What :meth:`MatrixRetention.trim` did.

    Attributes
    ----------
    days : tuple of str
        The days whose matrices were trimmed, oldest first.
    versions : int
        Plan versions rewritten to name the trimmed matrices.
    bytes_before, bytes_after : int
        The stored size of those matrices before and after.
    days_left : int
        Days older than the cut-off still whole (beyond ``max_days``).
    """

    days: tuple[str, ...] = ()
    versions: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    days_left: int = 0


def officer_nodes(problem_doc: Mapping[str, Any],
                  plan_doc: Mapping[str, Any]) -> list[list[str]]:
    """Each officer's own nodes in a stored version: start, the officer's stops, end.

    Parameters
    ----------
    problem_doc, plan_doc : mapping
        The version's ``problem_json`` and ``plan_json``, parsed.

    Returns
    -------
    list of list of str
        One list per officer of the problem (an officer without a route: start and end).
    """
    stops = {str(r["officer_id"]): [str(s["lead_id"]) for s in r.get("stops", ())]
             for r in plan_doc.get("routes", ())}
    return [[start_node_id(oid), *stops.get(oid, ()), end_node_id(oid)]
            for oid in (str(o["officer_id"]) for o in problem_doc.get("officers", ()))]


def routes_only(matrix: TravelMatrix, groups: Iterable[Sequence[str]]) -> TravelMatrix:
    """``matrix`` with only the legs inside each group of nodes; the others unreachable.

    Parameters
    ----------
    matrix : TravelMatrix
    groups : iterable of sequence of str
        Node ids that keep their legs to one another (:func:`officer_nodes`); ids the
        matrix lacks are ignored.

    Returns
    -------
    TravelMatrix
        Over the same nodes, in the same order.
    """
    keep = np.zeros((len(matrix), len(matrix)), dtype=bool)
    for group in groups:
        idx = np.array([matrix.index[n] for n in group if n in matrix.index], dtype=np.int64)
        keep[np.ix_(idx, idx)] = True
    np.fill_diagonal(keep, True)

    def trim(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.where(keep, a, UNREACHABLE)

    return TravelMatrix(matrix.node_ids, trim(matrix.duration_s), trim(matrix.distance_m))


class MatrixRetention(Repository):
    """Trims the travel matrices of a county's past days (see the module's note)."""

    def trim(self, session: Session, county_id: str, before: str,
             max_days: int | None = None) -> Trimmed:
        """Trim the matrices of the county's days before ``before`` that are still whole.

        Each day is trimmed in its own transaction under the county's lock (a day saved
        meanwhile waits), so a long backlog can be stopped and taken up again.

        Parameters
        ----------
        session : Session
            A manager of the county or an admin.
        county_id : str
        before : str
            ``YYYY-MM-DD``: days strictly before it are trimmed.
        max_days : int, optional
            Trim at most this many days (the oldest first); the rest is counted in
            :attr:`Trimmed.days_left`.

        Returns
        -------
        Trimmed
        """
        check_id(county_id, "county_id")
        before = check_date(before)
        days = self._db.read(lambda conn: self._whole_days(conn, session, county_id, before))
        todo = days if max_days is None else days[:max(0, max_days)]
        done: list[str] = []
        versions = size_before = size_after = 0
        for day in todo:
            n, b, a = self._db.write(partial(self._trim_day, session=session,
                                             county_id=county_id, day=day))
            done.append(day)
            versions, size_before, size_after = versions + n, size_before + b, size_after + a
        if done:
            # the versions as they were, names of businesses left out included, are kept in
            # memory under their old hashes until pushed out: gone now, as after an erasure
            forget_all()
        return Trimmed(tuple(done), versions, size_before, size_after, len(days) - len(todo))

    def vacuum(self, session: Session) -> tuple[int, int] | None:
        """Give the space of trimmed rows back to the file system: see
        :meth:`~countyreach.store.engine.Database.vacuum`. The file holds every county:
        admins only.

        Raises
        ------
        AccessDenied
            Not an admin.
        """
        self._db.read(lambda conn: self._guard.require(self._guard.principal(conn, session),
                                                       Role.ADMIN))
        return self._db.vacuum()

    def _whole_days(self, conn: Connection, session: Session, county_id: str,
                    before: str) -> list[str]:
        self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
        p, pm = S.plans, S.plan_matrices
        rows = conn.execute(sa.select(p.c.plan_date).distinct().join(
            pm, sa.and_(pm.c.county_id == p.c.county_id, pm.c.digest == p.c.matrix_digest))
            .where(p.c.county_id == county_id, p.c.plan_date < before,
                   pm.c.routes_only.is_(False)).order_by(p.c.plan_date)).all()
        return [str(r.plan_date) for r in rows]

    def _trim_day(self, conn: Connection, session: Session, county_id: str,
                  day: str) -> tuple[int, int, int]:
        who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
        lock_county(conn, county_id)
        p, pm = S.plans, S.plan_matrices
        rows = conn.execute(sa.select(
            p.c.version, p.c.problem_z, p.c.plan_json, p.c.explanations_z,
            p.c.matrix_digest, pm.c.matrix_z).join(
            pm, sa.and_(pm.c.county_id == p.c.county_id, pm.c.digest == p.c.matrix_digest))
            .where(p.c.county_id == county_id, p.c.plan_date == day,
                   pm.c.routes_only.is_(False))).all()
        by_digest: dict[str, list[Any]] = {}
        for r in rows:
            by_digest.setdefault(str(r.matrix_digest), []).append(r)
        size_before = size_after = 0
        on = self._db.now().date().isoformat()
        for old, versions in by_digest.items():
            blob = bytes(versions[0].matrix_z)
            docs = [(r, json.loads(unpack_text(r.problem_z)), json.loads(r.plan_json))
                    for r in versions]
            # the versions sharing a matrix share its trimmed copy: every officer's nodes
            # in any of them keep their legs
            groups = {r.version: officer_nodes(doc, plan_doc) for r, doc, plan_doc in docs}
            new_z = pack_matrix(routes_only(unpack_matrix(blob),
                                            [g for gs in groups.values() for g in gs]))
            new = hashlib.sha256(new_z).hexdigest()
            if conn.execute(sa.select(pm.c.digest).where(
                    pm.c.county_id == county_id, pm.c.digest == new)).first() is None:
                conn.execute(pm.insert().values(county_id=county_id, digest=new,
                                                matrix_z=new_z, routes_only=True))
            else:  # already kept (as trimmed, or a whole one with nothing more in it)
                conn.execute(pm.update().where(pm.c.county_id == county_id,
                                               pm.c.digest == new).values(routes_only=True))
            for r, doc, plan_doc in docs:
                doc["matrix_ref"] = new
                # personal data only where needed: the businesses its routes visit keep their
                # names, phones and addresses; those it left out keep id, place and value
                routed = {n for g in groups[r.version] for n in g}
                for ld in doc.get("leads", ()):
                    if ld.get("lead_id") not in routed:
                        ld.update(name="", phone="", address="")
                # the plan says so: a re-optimisation of it builds the day's matrix again
                plan_doc.setdefault("meta", {})[TRIMMED_META] = on
                # as PlanRepository.save_plan writes them
                problem_json = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                plan_json = json.dumps(plan_doc, ensure_ascii=False, separators=(",", ":"))
                conn.execute(p.update().where(
                    p.c.county_id == county_id, p.c.plan_date == day,
                    p.c.version == r.version).values(
                    problem_z=pack_text(problem_json), plan_json=plan_json, matrix_digest=new,
                    content_hash=plan_hash(problem_json, plan_json,
                                           unpack_text(r.explanations_z))))
            drop_unnamed(conn, county_id, matrix=old)
            size_before, size_after = size_before + len(blob), size_after + len(new_z)
        self._audit.write(conn, who, AuditAction.TRIM_MATRICES, county_id,
                          f"{day}: {len(rows)} version(s), {size_before:,} -> "
                          f"{size_after:,} bytes")
        return len(rows), size_before, size_after
