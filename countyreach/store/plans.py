"""Plans and their versions: save drafts, publish (superseding the last), read by role.

The JSON of a version is written once; only its state moves (draft -> published ->
superseded). Officers read their own route of the published plan, planners every route
with businesses' names, phones and addresses removed.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import AccessDenied, InputError
from countyreach.officer_day import OfficerDay, officer_day
from countyreach.serialize import plan_to_dict, problem_to_dict
from countyreach.store import schema as S
from countyreach.store.access import Principal
from countyreach.store.checks import aware, check_date, check_id, check_text
from countyreach.store.do_not_visit import withdrawn_stops
from countyreach.store.matrix_blob import pack_matrix
from countyreach.store.parsed import Parsed
from countyreach.store.plan_reading import parsed_plan, read_plan
from countyreach.store.records import AuditAction, PlanState, PlanVersion, Role, Session
from countyreach.store.repository import Repository
from countyreach.store.rows import pack_text, plan_hash
from routing.plan import Plan
from routing.problem import RoutingProblem, end_node_id, start_node_id

__all__ = ["PlanRepository", "lock_county", "only_officer", "without_stops", "redact",
           "drop_unnamed"]

EXPLANATION_MAX_CHARS = 1000
# Lead ids named in the error when a plan visits do-not-visit leads.
_BLOCKED_SHOWN = 10


def made_visits(conn: Connection, county_id: str, plan_date: str) -> list[tuple[str, str]]:
    """``(lead_id, officer_id)`` of the visits made on the day's published plan: an outcome
    recorded by the officer whose stop it was. Read in the caller's transaction."""
    ps, o, p = S.plans, S.outcomes, S.plan_stops
    published = sa.select(ps.c.version).where(
        ps.c.county_id == county_id, ps.c.plan_date == plan_date,
        ps.c.status == PlanState.PUBLISHED.value).scalar_subquery()
    on_published = sa.exists().where(p.c.county_id == county_id, p.c.plan_date == plan_date,
                                     p.c.version == published, p.c.lead_id == o.c.lead_id,
                                     p.c.officer_id == o.c.officer_id)
    rows = conn.execute(sa.select(o.c.lead_id, o.c.officer_id).distinct().where(
        o.c.county_id == county_id, o.c.plan_date == plan_date, on_published)
        .order_by(o.c.lead_id)).all()
    return [(str(r.lead_id), str(r.officer_id)) for r in rows]


def unkept_visits(conn: Connection, county_id: str, plan_date: str,
                  version: int | Plan) -> list[tuple[str, str]]:
    """The visits made on the day's published plan (:func:`made_visits`) that ``version``
    (a stored version's number, or a plan not saved yet) does not have as a stop of the
    officer who made them. Read in the caller's transaction.

    A re-plan keeps every visit recorded when it was planned on its officer's route
    (:func:`countyreach.services.visited.fixed_prefixes`); a version planned before a visit
    was recorded may move the business to another officer for later that day.
    """
    made = made_visits(conn, county_id, plan_date)
    if not made:
        return []
    if isinstance(version, Plan):
        kept = {(s.lead_id, r.officer_id) for r in version.routes for s in r.stops}
    else:
        p = S.plan_stops
        kept = {(str(r.lead_id), str(r.officer_id)) for r in conn.execute(
            sa.select(p.c.lead_id, p.c.officer_id).where(
                p.c.county_id == county_id, p.c.plan_date == plan_date,
                p.c.version == version)).all()}
    return [v for v in made if v not in kept]


def _keep_once(conn: Connection, table: sa.Table, county_id: str, digest: str,
               **values: Any) -> None:
    """Insert a county's part stored once by ``digest`` (a day's matrix, a left-out list)
    unless it is there already."""
    if conn.execute(sa.select(table.c.digest).where(
            table.c.county_id == county_id, table.c.digest == digest)).first() is None:
        conn.execute(table.insert().values(county_id=county_id, digest=digest, **values))


def drop_unnamed(conn: Connection, county_id: str, *, matrix: str | None = None,
                 dropped: str | None = None) -> None:
    """Delete the county's stored travel matrix ``matrix`` and left-out list ``dropped``
    (digests) when no plan version names them any more (a draft remade, a matrix trimmed)."""
    p = S.plans
    for table, column, digest in ((S.plan_matrices, p.c.matrix_digest, matrix),
                                  (S.plan_dropped, p.c.dropped_digest, dropped)):
        if digest and conn.execute(sa.select(p.c.version).where(
                p.c.county_id == county_id, column == digest).limit(1)).first() is None:
            conn.execute(table.delete().where(table.c.county_id == county_id,
                                              table.c.digest == digest))


def _checked_why(v: object) -> str | dict[str, str]:
    if isinstance(v, Mapping):
        return {str(lang): check_text(text, "explanations", EXPLANATION_MAX_CHARS,
                                      multiline=True) for lang, text in v.items()}
    return check_text(v, "explanations", EXPLANATION_MAX_CHARS, multiline=True)


def why_in(stored: object, lang: str) -> str:
    """A stored "why this lead" in ``lang``: the text of that language, else Chinese, else
    any (plans saved before reasons were kept per language hold one text)."""
    if isinstance(stored, Mapping):
        return str(stored.get(lang) or stored.get("zh") or next(iter(stored.values()), ""))
    return str(stored or "")


def _checked_day(county_id: str, plan_date: str, version: object) -> str:
    """The checked ``plan_date`` of a request naming one version of a county's day."""
    check_id(county_id, "county_id")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f"version must be a positive integer, got {version!r}",
                         field="version")
    return check_date(plan_date)


def lock_county(conn: Connection, county_id: str) -> None:
    """Serialise plan writes of one county until the transaction ends.

    PostgreSQL takes a row lock; SQLite writers are already serialised by BEGIN IMMEDIATE.
    """
    conn.execute(sa.select(S.counties.c.county_id)
                 .where(S.counties.c.county_id == county_id).with_for_update())


class PlanRepository(Repository):
    """Saved plan versions of each county and day.

    Built like every :class:`~countyreach.store.repository.Repository`.
    """

    def save_plan(self, session: Session, county_id: str, plan_date: str,
                  problem: RoutingProblem, plan: Plan, *,
                  explanations: Mapping[str, str | Mapping[str, str]] | None = None,
                  replace_draft: bool = False) -> int:
        """Save a plan as a new draft version and return its version number.

        Parameters
        ----------
        session : Session
            A manager of the county or an admin.
        county_id, plan_date : str
            Which county and day (``YYYY-MM-DD``).
        problem, plan
            The solved day; stored as :func:`problem_to_dict`/:func:`plan_to_dict` JSON.
        explanations : mapping of lead_id to text, optional
            "Why this lead" shown on the officer's list: one text, or one per language
            (``{"zh": ..., "en": ...}``), so the list reads in the officer's language.
        replace_draft : bool, default False
            When the day's latest version is a draft this user saved, replace its content
            instead of adding a version: the manager page's one working draft per day,
            remade at each re-optimisation (a draft is no record: only published versions
            are sent to officers, and their content never changes).

        Returns
        -------
        int
            Version number, 1 for the day's first plan. When the day's latest version is a
            draft with the same content, that version: saving again adds nothing.

        Raises
        ------
        InputError
            The plan does not fit the problem (unknown officer or lead, a lead twice).
        """
        check_id(county_id, "county_id")
        plan_date = check_date(plan_date)
        if not isinstance(problem, RoutingProblem) or not isinstance(plan, Plan):
            raise InputError("save_plan needs a RoutingProblem and a Plan", field="plan")
        stops = _plan_stops(problem, plan)
        expl = {str(k): _checked_why(v) for k, v in (explanations or {}).items()}
        doc = problem_to_dict(problem, matrix=False)
        # the matrix is most of a version's size and the same in a day's drafts and
        # re-optimisations: stored once as binary, named by the digest of that value (the
        # same for equal matrices), which the content hash covers (0012 renamed the ones it
        # converted from JSON, so a day saved before it shares its matrix with one after)
        matrix_z = pack_matrix(problem.matrix)
        doc["matrix_ref"] = matrix_digest = hashlib.sha256(matrix_z).hexdigest()
        problem_json = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        plan_doc = plan_to_dict(plan)
        # the left-out list is the bulk of plan_json at 20,000 leads (~3.6 MB, the same few
        # reason texts again and again): stored compressed, once per content, named by the
        # digest of its JSON text, which the content hash covers
        dropped_json = json.dumps(plan_doc.pop("dropped"), ensure_ascii=False,
                                  separators=(",", ":")).encode()
        plan_doc["dropped_ref"] = dropped_digest = hashlib.sha256(dropped_json).hexdigest()
        dropped_z = zlib.compress(dropped_json, 6)  # before the county's lock is taken
        plan_json = json.dumps(plan_doc, ensure_ascii=False, separators=(",", ":"))
        expl_json = json.dumps(expl, ensure_ascii=False, sort_keys=True)
        h = plan_hash(problem_json, plan_json, expl_json)
        problem_z, expl_z = pack_text(problem_json), pack_text(expl_json)  # outside the lock

        def run(conn: Connection) -> int:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            lock_county(conn, county_id)
            p = S.plans
            last = conn.execute(
                sa.select(p.c.version, p.c.status, p.c.content_hash, p.c.created_by,
                          p.c.matrix_digest, p.c.dropped_digest)
                .where(p.c.county_id == county_id, p.c.plan_date == plan_date)
                .order_by(p.c.version.desc()).limit(1)).first()
            draft = last is not None and last.status == PlanState.DRAFT.value
            if draft and last is not None and last.content_hash == h:
                # the same plan saved again (the app's draft, then its publish): one version
                return int(last.version)
            mine = draft and replace_draft and last is not None \
                and last.created_by == who.username
            version = (int(last.version) if last is not None else 0) + (0 if mine else 1)
            _keep_once(conn, S.plan_matrices, county_id, matrix_digest, matrix_z=matrix_z)
            _keep_once(conn, S.plan_dropped, county_id, dropped_digest, dropped_z=dropped_z)
            content = dict(problem_z=problem_z, plan_json=plan_json,
                           explanations_z=expl_z, content_hash=h,
                           created_at=self._db.now(), matrix_digest=matrix_digest,
                           dropped_digest=dropped_digest)
            this = sa.and_(p.c.county_id == county_id, p.c.plan_date == plan_date,
                           p.c.version == version)
            if mine and last is not None:
                conn.execute(S.plan_stops.delete().where(
                    S.plan_stops.c.county_id == county_id,
                    S.plan_stops.c.plan_date == plan_date, S.plan_stops.c.version == version))
                conn.execute(p.update().where(this).values(**content))
                drop_unnamed(conn, county_id, matrix=last.matrix_digest,
                             dropped=last.dropped_digest)
            else:
                conn.execute(p.insert().values(
                    county_id=county_id, plan_date=plan_date, version=version,
                    status=PlanState.DRAFT.value, created_by=who.username, **content))
            if stops:
                conn.execute(S.plan_stops.insert(), [
                    {"county_id": county_id, "plan_date": plan_date, "version": version, **s}
                    for s in stops])
            self._audit.write(conn, who, AuditAction.SAVE_PLAN, county_id,
                              f"{plan_date} v{version}", visits=len(stops), content_hash=h,
                              remade=bool(mine))
            return version

        return self._db.write(run)

    def publish(self, session: Session, county_id: str, plan_date: str, version: int) -> None:
        """Publish a saved version; the previously published one becomes ``superseded``.

        The versions' content never changes and recorded outcomes are untouched.
        Publishing an older version again is allowed (a rollback), if it keeps the visits
        made that day (see below).

        Raises
        ------
        InputError
            Unknown version; the plan visits a lead on the do-not-visit list; or it does not
            keep a visit made that day on the published plan with the officer who made it
            (:func:`unkept_visits`): planned before the visit was recorded (another manager
            published since, or the page stood open while officers recorded), it would
            send another officer to a business met today, or drop the visit from its
            officer's day.
        """
        plan_date = _checked_day(county_id, plan_date, version)

        def run(conn: Connection) -> None:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            lock_county(conn, county_id)
            key = (S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date)
            status = conn.execute(sa.select(S.plans.c.status)
                                  .where(*key, S.plans.c.version == version)).scalar()
            if status is None:
                raise InputError(f"no plan version {version} for {county_id} on {plan_date}",
                                 field="version")
            if status == PlanState.PUBLISHED:
                return
            # a stop visited that day is history, a refusal at the door included
            blocked = withdrawn_stops(conn, county_id, plan_date, version)
            if blocked:
                raise InputError(f"plan visits lead(s) on the do-not-visit list: "
                                 f"{sorted(blocked)[:_BLOCKED_SHOWN]}; re-plan without them",
                                 field="lead_id")
            lost = unkept_visits(conn, county_id, plan_date, version)
            if lost:
                listed = ", ".join(f"{lead} ({oid})" for lead, oid in lost[:_BLOCKED_SHOWN])
                raise InputError(f"plan version {version} of {plan_date} does not keep "
                                 f"{len(lost)} visit(s) made on it with their officer: "
                                 f"{listed}; plan the day again", field="version")
            conn.execute(S.plans.update()
                         .where(*key, S.plans.c.status == PlanState.PUBLISHED.value)
                         .values(status=PlanState.SUPERSEDED.value))
            conn.execute(S.plans.update().where(*key, S.plans.c.version == version)
                         .values(status=PlanState.PUBLISHED.value, published_by=who.username,
                                 published_at=self._db.now()))
            self._audit.write(conn, who, AuditAction.PUBLISH, county_id,
                              f"{plan_date} v{version}")

        self._db.write(run)

    def discard_draft(self, session: Session, county_id: str, plan_date: str,
                      version: int) -> None:
        """Delete a draft version the managers do not want: one made in another browser
        and left, or one that can no longer be opened (a business put on the do-not-visit
        list since). Published and superseded versions are records and stay.

        A draft was never sent to anyone, so nothing refers to it; its travel matrix and
        left-out list go with it when no other version names them. The audit log keeps
        that it was made and discarded, by whom.

        Raises
        ------
        InputError
            Unknown version, or one that is not a draft.
        """
        plan_date = _checked_day(county_id, plan_date, version)

        def run(conn: Connection) -> None:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            lock_county(conn, county_id)
            p = S.plans
            this = sa.and_(p.c.county_id == county_id, p.c.plan_date == plan_date,
                           p.c.version == version)
            row = conn.execute(sa.select(p.c.status, p.c.content_hash, p.c.created_by,
                                         p.c.matrix_digest, p.c.dropped_digest)
                               .where(this)).first()
            if row is None:
                raise InputError(f"no plan version {version} for {county_id} on {plan_date}",
                                 field="version")
            if row.status != PlanState.DRAFT.value:
                raise InputError(f"plan version {version} of {plan_date} is not a draft (it "
                                 "was published): only a draft can be discarded",
                                 field="version")
            conn.execute(S.plan_stops.delete().where(
                S.plan_stops.c.county_id == county_id, S.plan_stops.c.plan_date == plan_date,
                S.plan_stops.c.version == version))
            conn.execute(p.delete().where(this))
            drop_unnamed(conn, county_id, matrix=row.matrix_digest,
                         dropped=row.dropped_digest)
            self._audit.write(conn, who, AuditAction.DISCARD_DRAFT, county_id,
                              f"{plan_date} v{version}", content_hash=row.content_hash,
                              made_by=row.created_by)

        self._db.write(run)

    def unkept_visits(self, session: Session, county_id: str, plan_date: str,
                      plan: Plan) -> list[tuple[str, str]]:
        """``(lead_id, officer_id)`` of the visits made on the day's published plan that
        ``plan`` (not saved yet) does not keep with their officer: what :meth:`publish`
        would refuse it for, so a manager is told before saving a version."""
        plan_date = check_date(plan_date)

        def run(conn: Connection) -> list[tuple[str, str]]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            return unkept_visits(conn, county_id, plan_date, plan)

        return self._db.read(run)

    def plan_versions(self, session: Session, county_id: str,
                      plan_date: str) -> list[PlanVersion]:
        """Every saved version of the county's plan for the day, oldest first."""
        plan_date = check_date(plan_date)

        def run(conn: Connection) -> list[PlanVersion]:
            self._guard.county(conn, session, county_id,
                               Role.MANAGER, Role.ADMIN, Role.PLANNER)
            rows = conn.execute(
                sa.select(S.plans.c.version, S.plans.c.status, S.plans.c.content_hash,
                          S.plans.c.created_by, S.plans.c.created_at, S.plans.c.published_by,
                          S.plans.c.published_at)
                .where(S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date)
                .order_by(S.plans.c.version)).mappings().all()
            return [PlanVersion(county_id, plan_date, r["version"], r["status"],
                                r["content_hash"], r["created_by"], aware(r["created_at"]),
                                r["published_by"], aware(r["published_at"])) for r in rows]

        return self._db.read(run)

    def plan_dates(self, session: Session, county_id: str, limit: int = 5) -> list[str]:
        """The latest days (``YYYY-MM-DD``, newest first) the county has a plan of, at most
        ``limit``: what a request for a day with none is pointed to."""

        def run(conn: Connection) -> list[str]:
            self._guard.county(conn, session, county_id,
                               Role.MANAGER, Role.ADMIN, Role.PLANNER)
            return list(conn.execute(
                sa.select(S.plans.c.plan_date).where(S.plans.c.county_id == county_id)
                .distinct().order_by(S.plans.c.plan_date.desc()).limit(limit)).scalars())

        return self._db.read(run)

    def plan(self, session: Session, county_id: str, plan_date: str,
             version: int | None = None) -> tuple[RoutingProblem, Plan, int]:
        """A saved version of the day's plan (the published one when ``version`` is None).

        Managers and admins get it whole; an officer gets only their own route of the
        published plan; a planner gets every route with names, phones and addresses removed.

        Returns
        -------
        tuple
            ``(problem, plan, version)``.
        """
        plan_date = check_date(plan_date)

        def run(conn: Connection) -> tuple[tuple[int, str], Parsed | sa.RowMapping, Principal,
                                           str | None, frozenset[str]]:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN,
                                     Role.PLANNER, Role.OFFICER)
            if who.role is Role.OFFICER and version is not None:
                raise AccessDenied("officers see the published plan only")
            # an officer reads their own route only
            mine = (who.officer_id or "") if who.role is Role.OFFICER else None
            key, got = read_plan(conn, county_id, plan_date, version, mine)
            return key, got, who, mine, withdrawn_stops(conn, county_id, plan_date, key[0])

        key, got, who, mine, withdrawn = self._db.read(run)
        problem, plan, _ = parsed_plan(key, got, mine)
        if mine is not None:
            # as on the visit list: no officer is sent to a business on the do-not-visit list
            problem, plan = only_officer(problem, without_stops(plan, withdrawn), mine)
        elif who.role is Role.PLANNER:
            problem = redact(problem)
        return problem, plan, key[0]

    def _list_officer(self, conn: Connection, session: Session, county_id: str,
                      officer_id: str | None) -> str | None:
        """Whose visit list ``session`` opens: an officer only their own (``officer_id``
        None or theirs), a manager or admin any officer of the county (None: not named
        yet), a planner none (AccessDenied)."""
        who = self._guard.county(conn, session, county_id, Role.OFFICER, Role.MANAGER,
                                 Role.ADMIN)
        if who.role is not Role.OFFICER:
            return officer_id
        if officer_id is not None and officer_id != who.officer_id:
            raise AccessDenied("officers may only open their own visit list")
        return who.officer_id

    def visit_list(self, session: Session, county_id: str, plan_date: str,
                   officer_id: str | None = None, *, lang: str = "zh") -> OfficerDay:
        """An officer's day from the published plan (see :mod:`countyreach.officer_day`).

        Officers may ask only for their own list (``officer_id`` None or their
        own); managers and admins for any officer of the county; planners not at all.
        A stop of a business put on the do-not-visit list (a refusal, an erasure) before it
        was visited is not on the list
        (:func:`~countyreach.store.do_not_visit.withdrawn_stops`); the others keep their
        planned times until the day is planned again.
        """
        plan_date = check_date(plan_date)
        if officer_id is not None:
            check_id(officer_id, "officer_id")

        def run(conn: Connection) -> tuple[tuple[int, str], Parsed | sa.RowMapping, str,
                                           frozenset[str]]:
            oid = self._list_officer(conn, session, county_id, officer_id)
            if oid is None:
                raise InputError("which officer's list? give officer_id", field="officer_id")
            key, got = read_plan(conn, county_id, plan_date, None, oid)
            return key, got, oid, withdrawn_stops(conn, county_id, plan_date, key[0])

        key, got, oid, withdrawn = self._db.read(run)
        problem, plan, stored = parsed_plan(key, got, oid)
        expl = {k: why_in(v, lang) for k, v in stored.items()}
        problem, plan = only_officer(problem, without_stops(plan, withdrawn), oid)
        return officer_day(problem, plan, oid, expl, lang, plan_date=plan_date)


    def published_stamp(self, session: Session, county_id: str, plan_date: str,
                        officer_id: str | None = None) -> str | None:
        """What names the day's published plan as an officer's list has it now, read cheaply.

        The version, its content hash (renewed when an erasure rewrites it) and the stops
        withdrawn since it was published: whatever changes a visit list changes the stamp,
        so a page may keep what it built from the plan under it instead of reading the plan's
        JSON on every rerun. Who may ask is who may open the list (:meth:`visit_list`).

        Returns
        -------
        str or None
            ``None`` when no plan of the day is published.

        Raises
        ------
        AccessDenied
            Another officer's list, or a role that may not open visit lists.
        """
        plan_date = check_date(plan_date)
        if officer_id is not None:
            check_id(officer_id, "officer_id")

        def run(conn: Connection) -> str | None:
            self._list_officer(conn, session, county_id, officer_id)
            p = S.plans
            row = conn.execute(sa.select(p.c.version, p.c.content_hash).where(
                p.c.county_id == county_id, p.c.plan_date == plan_date,
                p.c.status == PlanState.PUBLISHED.value)).first()
            if row is None:
                return None
            gone = withdrawn_stops(conn, county_id, plan_date, row.version)
            return f"v{row.version}:{row.content_hash}:" + hashlib.sha256(
                "\n".join(sorted(gone)).encode()).hexdigest()[:16]

        return self._db.read(run)


def _plan_stops(problem: RoutingProblem, plan: Plan) -> list[dict[str, Any]]:
    """The ``plan_stops`` rows of a plan, refusing a plan that does not fit its problem."""
    leads = problem.lead_by_id
    officer_ids = set(problem.officer_by_id)
    stops: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in plan.routes:
        if r.officer_id not in officer_ids:
            raise InputError(f"route of unknown officer {r.officer_id!r}", field="officer_id")
        for seq, s in enumerate(r.stops, start=1):
            if s.lead_id not in leads:
                raise InputError(f"route visits unknown lead {s.lead_id!r}", field="lead_id")
            if s.lead_id in seen:
                raise InputError(f"lead {s.lead_id!r} is visited twice", field="lead_id")
            seen.add(s.lead_id)
            stops.append({"lead_id": s.lead_id, "officer_id": r.officer_id, "seq": seq,
                          "arrival_s": s.arrival_s})
    return stops


def only_officer(problem: RoutingProblem, plan: Plan,
                 officer_id: str) -> tuple[RoutingProblem, Plan]:
    """The problem and plan cut down to one officer's route (what that officer may see).

    Raises
    ------
    AccessDenied
        The officer has no route in the plan.
    """
    officer = problem.officer_by_id.get(officer_id)
    if officer is None:
        raise AccessDenied(f"officer {officer_id!r} has no route in this plan")
    routes = tuple(r for r in plan.routes if r.officer_id == officer_id)
    mine = {lid for r in routes for lid in r.lead_ids}
    leads = tuple(ld for ld in problem.leads if ld.lead_id in mine)
    nodes = [ld.lead_id for ld in leads] + [start_node_id(officer_id), end_node_id(officer_id)]
    sub = RoutingProblem(leads=leads, officers=(officer,), matrix=problem.matrix.subset(nodes),
                         rules=problem.rules, plan_date=problem.plan_date,
                         done_lead_ids=problem.done_lead_ids & mine,
                         # a stop presumed made and withdrawn since (do-not-visit) is off
                         visited_routes={k: tuple(x for x in v if x in mine)
                                         for k, v in problem.visited_routes.items()
                                         if k == officer_id})
    return sub, replace(plan, routes=routes, dropped=())


def without_stops(plan: Plan, lead_ids: frozenset[str]) -> Plan:
    """``plan`` with the stops of ``lead_ids`` taken off their routes (the others unmoved)."""
    if not lead_ids:
        return plan
    return replace(plan, routes=tuple(
        replace(r, stops=tuple(s for s in r.stops if s.lead_id not in lead_ids))
        for r in plan.routes))


def redact(problem: RoutingProblem) -> RoutingProblem:
    """The problem without businesses' names, phones and addresses (the planner's copy)."""
    leads = tuple(replace(ld, name=ld.lead_id, phone="", address="") for ld in problem.leads)
    return RoutingProblem(leads=leads, officers=problem.officers, matrix=problem.matrix,
                          rules=problem.rules, plan_date=problem.plan_date,
                          done_lead_ids=problem.done_lead_ids,
                          visited_routes=problem.visited_routes)
