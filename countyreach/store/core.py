"""The countyreach store: a SQL database behind SQLAlchemy (SQLite by default, PostgreSQL by URL).

:class:`Store` is a facade over one repository per aggregate, all sharing one engine:

* :class:`~countyreach.store.users.UserRepository` — users, passwords, sessions;
* :class:`~countyreach.store.counties.CountyRepository` — counties, lead and officer imports;
* :class:`~countyreach.store.plans.PlanRepository` — plan versions, publishing, reading by role;
* :class:`~countyreach.store.outcomes.OutcomeRepository` — visit outcomes and follow-ups;
* :class:`~countyreach.store.do_not_visit.DoNotVisitRepository` — opt-outs and erasure;
* :class:`~countyreach.store.learning.LearningRepository` — map files, visit history, the
  bank's loan book, the loans elsewhere it knows of and the model registry;
* :class:`~countyreach.store.audit.AuditLog` — who did what, when.

Every public method takes the caller's :class:`Session`, checks it against the database
(a token that expired or was logged out is refused) and enforces the role of its user
(see :mod:`countyreach.store.access`). Every write runs in one transaction together with
its audit-log row, so a failure anywhere leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from countyreach.errors import InputError, StoreError
from countyreach.officer_day import OfficerDay
from countyreach.store.access import Guard
from countyreach.store.audit import AuditLog
from countyreach.store.compaction import MatrixRetention, Trimmed
from countyreach.store.counties import CountyRepository
from countyreach.store.do_not_visit import DoNotVisitRepository
from countyreach.store.engine import Database, make_engine, migrate
from countyreach.store.follow_ups import Exclusion, FollowUpRepository
from countyreach.store.learning import LearningRepository
from countyreach.store.outcomes import OutcomeRepository
from countyreach.store.plans import PlanRepository
from countyreach.store.records import (
    FOLLOW_UP_CODES,
    OUTCOME_CODES,
    ROLES,
    AuditAction,
    AuditEntry,
    Erasure,
    ImportMode,
    ImportRejected,
    ImportReport,
    LeadMatch,
    ModelRecord,
    OptOut,
    OutcomeRecord,
    PlanVersion,
    Role,
    Session,
)
from countyreach.store.users import (
    DEFAULT_BCRYPT_ROUNDS,
    DEFAULT_TTL_S,
    UserRepository,
    check_bcrypt_rounds,
)
from propensity.outcomes import Outcome
from routing.plan import Plan
from routing.problem import Officer, RoutingProblem

__all__ = [
    "ROLES",
    "OUTCOME_CODES",
    "FOLLOW_UP_CODES",
    "Session",
    "ImportReport",
    "ImportRejected",
    "PlanVersion",
    "OutcomeRecord",
    "AuditEntry",
    "Store",
    "make_engine",
    "migrate",
]


class Store:
    """The countyreach database.

    Open with :meth:`open`; the schema is migrated to the newest version on open.
    The methods are those of the repositories (``users``, ``counties``, ``plans``,
    ``outcomes``, ``do_not_visit``, ``audit``), which share this store's engine.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        A configured engine (use :meth:`open`).
    bcrypt_rounds : int
        Cost of password hashing (12 in production; tests use 4).
    clock : callable, optional
        Returns the current UTC time; tests move it to expire sessions.
    """

    def __init__(self, engine: Engine, *, bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.engine = engine
        self.db = Database(engine, clock)
        guard = Guard(self.db)
        self.audit = AuditLog(self.db, guard)
        self.users = UserRepository(self.db, guard, self.audit, bcrypt_rounds=bcrypt_rounds)
        self.counties = CountyRepository(self.db, guard, self.audit)
        self.plans = PlanRepository(self.db, guard, self.audit)
        self.retention = MatrixRetention(self.db, guard, self.audit)
        self.do_not_visit = DoNotVisitRepository(self.db, guard, self.audit)
        self.outcomes = OutcomeRepository(self.db, guard, self.audit, self.do_not_visit)
        self.learning = LearningRepository(self.db, guard, self.audit)
        self.follow_up = FollowUpRepository(self.db, guard)

    @property
    def bcrypt_rounds(self) -> int:
        """Cost of password hashing."""
        return self.users.bcrypt_rounds

    # -------------------------------------------------------------- opening
    @classmethod
    def open(cls, url: str = "sqlite:///countyreach.sqlite", *,
             bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
             clock: Callable[[], dt.datetime] | None = None,
             busy_timeout_s: float = 30.0) -> Store:
        """Open (creating and migrating) the store at ``url``.

        Parameters
        ----------
        url : str
            ``sqlite:///path.sqlite`` (the embedded default) or
            ``postgresql+psycopg2://user:password@host:5432/db``.
        bcrypt_rounds : int
            Password hashing cost, 4-31.
        clock : callable, optional
            Current UTC time (tests).
        busy_timeout_s : float
            How long a SQLite writer waits for another writer before failing.

        Returns
        -------
        Store

        Raises
        ------
        InputError
            ``url`` is not a usable database URL, or ``bcrypt_rounds`` is outside 4-31.
        StoreError
            The database cannot be reached or migrated.
        """
        check_bcrypt_rounds(bcrypt_rounds)  # before the database is created or migrated
        engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        try:
            migrate(engine)
        except StoreError:
            engine.dispose()
            raise
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            detail = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot open the store at {engine.url!r}: {detail}") from exc
        return cls(engine, bcrypt_rounds=bcrypt_rounds, clock=clock)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        """The store's clock (UTC, timezone-aware)."""
        return self.db.now()

    # -------------------------------------------------------------- users and sessions
    def create_user(self, username: str, password: str, role: Role | str,
                    officer_id: str | None = None, county_id: str | None = None, *,
                    region: str | None = None, session: Session | None = None,
                    must_change_password: bool = False) -> int:
        """Create a user: see :meth:`UserRepository.create_user`."""
        return self.users.create_user(username, password, role, officer_id, county_id,
                                      region=region, session=session,
                                      must_change_password=must_change_password)

    def login(self, username: str, password: str, ttl_s: float = DEFAULT_TTL_S) -> Session:
        """Open a session: see :meth:`UserRepository.login`."""
        return self.users.login(username, password, ttl_s)

    def logout(self, session: Session) -> None:
        """End a session (its token stops working at once)."""
        self.users.logout(session)

    def operator_session(self) -> Session:
        """The command line's admin session: see :meth:`UserRepository.operator_session`."""
        return self.users.operator_session()

    # -------------------------------------------------------------- counties and imports
    def ensure_county(self, session: Session, county_id: str, name: str = "",
                      region: str = "") -> None:
        """Create a county, or update its name and region (admins)."""
        self.counties.ensure_county(session, county_id, name, region)

    def import_leads(self, path: str | Path, county_id: str, *, session: Session,
                     mode: ImportMode | str = ImportMode.ALL_OR_NOTHING, crs: str = "wgs84",
                     progress: Callable[[int, int], None] | None = None,
                     retire_missing: bool = False) -> ImportReport:
        """Import a county's leads: see :meth:`CountyRepository.import_leads`."""
        return self.counties.import_leads(path, county_id, session=session, mode=mode,
                                          crs=crs, progress=progress,
                                          retire_missing=retire_missing)

    def import_officers(self, path: str | Path, county_id: str, *, session: Session,
                        mode: ImportMode | str = ImportMode.ALL_OR_NOTHING, crs: str = "wgs84",
                        progress: Callable[[int, int], None] | None = None,
                        retire_missing: bool = False) -> ImportReport:
        """Import a county's officers: see :meth:`CountyRepository.import_officers`."""
        return self.counties.import_officers(path, county_id, session=session, mode=mode,
                                             crs=crs, progress=progress,
                                             retire_missing=retire_missing)

    def officers(self, session: Session, county_id: str) -> tuple[Officer, ...]:
        """The county's roster without retired officers: see :meth:`CountyRepository.officers`."""
        return self.counties.officers(session, county_id)

    def retired_lead_ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads no import lists any more: see :meth:`CountyRepository.retired_lead_ids`."""
        return self.counties.retired_lead_ids(session, county_id)

    def leads_frame(self, session: Session, county_id: str, *,
                    include_do_not_visit: bool = False,
                    include_retired: bool = False) -> pd.DataFrame:
        """The county's leads as a table: see :meth:`CountyRepository.leads_frame`."""
        return self.counties.leads_frame(session, county_id,
                                         include_do_not_visit=include_do_not_visit,
                                         include_retired=include_retired)

    # -------------------------------------------------------------- plans
    def save_plan(self, session: Session, county_id: str, plan_date: str,
                  problem: RoutingProblem, plan: Plan, *,
                  explanations: Mapping[str, str | Mapping[str, str]] | None = None,
                  replace_draft: bool = False) -> int:
        """Save a new draft version (or remake the user's): see
        :meth:`PlanRepository.save_plan`."""
        return self.plans.save_plan(session, county_id, plan_date, problem, plan,
                                    explanations=explanations, replace_draft=replace_draft)

    def publish(self, session: Session, county_id: str, plan_date: str, version: int) -> None:
        """Publish a saved version: see :meth:`PlanRepository.publish`."""
        self.plans.publish(session, county_id, plan_date, version)

    def discard_draft(self, session: Session, county_id: str, plan_date: str,
                      version: int) -> None:
        """Delete a draft version: see :meth:`PlanRepository.discard_draft`."""
        self.plans.discard_draft(session, county_id, plan_date, version)

    def unkept_visits(self, session: Session, county_id: str, plan_date: str,
                      plan: Plan) -> list[tuple[str, str]]:
        """The visits made on the published plan that ``plan`` would not keep with their
        officer: see :meth:`PlanRepository.unkept_visits`."""
        return self.plans.unkept_visits(session, county_id, plan_date, plan)

    def trim_matrices(self, session: Session, county_id: str, before: str,
                      max_days: int | None = None) -> Trimmed:
        """Trim the travel matrices of the county's days before ``before`` to the legs
        their routes use: see :meth:`MatrixRetention.trim`."""
        return self.retention.trim(session, county_id, before, max_days)

    def vacuum(self, session: Session) -> tuple[int, int] | None:
        """SQLite: shrink the file to its data after a trim (bytes before and after); None
        on PostgreSQL: see :meth:`MatrixRetention.vacuum`."""
        return self.retention.vacuum(session)

    def plan_versions(self, session: Session, county_id: str,
                      plan_date: str) -> list[PlanVersion]:
        """Every saved version of the county's plan for the day, oldest first."""
        return self.plans.plan_versions(session, county_id, plan_date)

    def published_plan(self, session: Session, county_id: str,
                       plan_date: str) -> tuple[RoutingProblem, Plan, int]:
        """The published plan of the day: ``(problem, plan, version)``.

        Managers and admins get it whole; an officer gets only their own route
        (the other officers, their leads and routes removed); a planner gets
        every route with names, phones and addresses removed.
        """
        return self.plans.plan(session, county_id, plan_date, None)

    def plan(self, session: Session, county_id: str, plan_date: str,
             version: int | None = None) -> tuple[RoutingProblem, Plan, int]:
        """A saved version of the day's plan (the published one when ``version`` is None)."""
        return self.plans.plan(session, county_id, plan_date, version)

    def visit_list(self, session: Session, county_id: str, plan_date: str,
                   officer_id: str | None = None, *, lang: str = "zh") -> OfficerDay:
        """An officer's day: see :meth:`PlanRepository.visit_list`."""
        return self.plans.visit_list(session, county_id, plan_date, officer_id, lang=lang)

    def published_stamp(self, session: Session, county_id: str, plan_date: str,
                        officer_id: str | None = None) -> str | None:
        """What names the published plan as the lists have it now: see
        :meth:`PlanRepository.published_stamp`."""
        return self.plans.published_stamp(session, county_id, plan_date, officer_id)

    # -------------------------------------------------------------- outcomes
    def record_outcome(self, session: Session, *, outcome_id: str, county_id: str,
                       plan_date: str, lead_id: str, outcome: Outcome | str, reason: str = "",
                       amount_yuan: float | str | None = None, notes: str = "",
                       consent: bool, opt_out: bool = False,
                       follow_up_on: str | dt.date | None = None,
                       other_loan_month: str | None = None,
                       other_loan_asked: bool = False) -> OutcomeRecord:
        """Record a visit's outcome once per tap: see :meth:`OutcomeRepository.record_outcome`."""
        return self.outcomes.record_outcome(
            session, outcome_id=outcome_id, county_id=county_id, plan_date=plan_date,
            lead_id=lead_id, outcome=outcome, reason=reason, amount_yuan=amount_yuan,
            notes=notes, consent=consent, opt_out=opt_out, follow_up_on=follow_up_on,
            other_loan_month=other_loan_month, other_loan_asked=other_loan_asked)

    def record_outcomes(self, session: Session, visits: Sequence[Mapping[str, Any]], *,
                        rows: Sequence[int] | None = None,
                        bad_rows: Sequence[InputError] = ()) -> list[OutcomeRecord]:
        """Record many visits' outcomes, all or none, every bad one named: see
        :meth:`OutcomeRepository.record_outcomes`."""
        return self.outcomes.record_outcomes(session, visits, rows=rows, bad_rows=bad_rows)

    def visit_outcomes(self, session: Session, county_id: str,
                       plan_date: str) -> list[OutcomeRecord]:
        """Current outcome of each visit of the day (officers: their own visits only)."""
        return self.outcomes.visit_outcomes(session, county_id, plan_date)

    def outcomes_frame(self, session: Session, county_id: str,
                       since: str | dt.date | None = None, *,
                       before: str | dt.date | None = None) -> pd.DataFrame:
        """Recorded outcomes for retraining: see :meth:`OutcomeRepository.outcomes_frame`."""
        return self.outcomes.outcomes_frame(session, county_id, since, before=before)

    def follow_ups(self, session: Session, county_id: str, date: str | dt.date, *,
                   days: int = 14) -> list[str]:
        """Leads to see again on ``date``: see :meth:`OutcomeRepository.follow_ups`."""
        return self.outcomes.follow_ups(session, county_id, date, days=days)

    def outcome_summary(self, session: Session, county_id: str, *,
                        since: str | dt.date | None = None,
                        by: Iterable[str] = ("plan_date",)) -> pd.DataFrame:
        """Grouped counts and amounts: see :meth:`OutcomeRepository.outcome_summary`."""
        return self.outcomes.outcome_summary(session, county_id, since=since, by=by)

    # -------------------------------------------------------------- do-not-visit, erasure
    def opt_out(self, session: Session, county_id: str, lead_id: str, reason: str = "",
                *, source: str = "hotline") -> OptOut:
        """Put a lead on the do-not-visit list: see :meth:`DoNotVisitRepository.opt_out`."""
        return self.do_not_visit.opt_out(session, county_id, lead_id, reason, source=source)

    def do_not_visit_entries(self, session: Session,
                             county_id: str) -> list[tuple[str, str, str, str]]:
        """The county's do-not-visit list: see :meth:`DoNotVisitRepository.entries`."""
        return self.do_not_visit.entries(session, county_id)

    def personal_data(self, session: Session, county_id: str,
                      lead_id: str) -> dict[str, list[dict[str, Any]]]:
        """Everything kept of one business, by table, for its owner's copy (audited): see
        :meth:`DoNotVisitRepository.personal_data`."""
        return self.do_not_visit.personal_data(session, county_id, lead_id)

    def erase_personal_data(self, session: Session, county_id: str, lead_id: str,
                            reason: str = "") -> Erasure:
        """Erase a business's personal data (PIPL): see
        :meth:`DoNotVisitRepository.erase_personal_data`.

        The lead's visit-history and loan-book rows are kept, as pseudonymous records of
        the bank: they hold its lead id, months, loan amounts and flags, never a name,
        phone or address, and once the lead's own row is blanked nothing in the store ties
        the id to a person. What the bank knew of its loans from other lenders is deleted
        (the loans, a report's "none", and whether and what the owner told an officer): it
        knows that only from a credit report the owner agreed to, a credit-information
        system or the owner's word, not as records of its own, and the request withdraws
        that.
        """
        return self.do_not_visit.erase_personal_data(session, county_id, lead_id, reason)

    def erased_ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads whose personal data was erased: see :meth:`DoNotVisitRepository.erased_ids`."""
        return self.do_not_visit.erased_ids(session, county_id)

    def do_not_visit_ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads that must not be planned again."""
        return self.do_not_visit.ids(session, county_id)

    def find_leads(self, session: Session, person: str,
                   county_id: str | None = None) -> list[LeadMatch]:
        """Leads named by id, name or whole phone number (in one county when given): see
        :meth:`DoNotVisitRepository.find_leads`."""
        return self.do_not_visit.find_leads(session, person, county_id)

    # -------------------------------------------------------------- the daily loop
    def due_follow_ups(self, session: Session, county_id: str,
                       date: str | dt.date) -> dict[str, str]:
        """Follow-up visits due on ``date``: ``lead_id -> officer_id`` (pinned on the plan)."""
        return self.follow_up.due(session, county_id, date)

    def prospect_exclusions(self, session: Session, county_id: str, date: str | dt.date, *,
                            cooling_days: int, revisit_days: int = 0) -> dict[str, Exclusion]:
        """Leads not to prospect on ``date`` and why: see :meth:`FollowUpRepository.exclusions`."""
        return self.follow_up.exclusions(session, county_id, date, cooling_days=cooling_days,
                                         revisit_days=revisit_days)

    def import_history(self, session: Session, county_id: str,
                       history: pd.DataFrame, *, replace: bool = False) -> dict[str, int]:
        """Store visit history rows (idempotent): see :meth:`LearningRepository.import_history`."""
        return self.learning.import_history(session, county_id, history, replace=replace)

    def history_frame(self, session: Session, county_id: str) -> pd.DataFrame:
        """The county's stored visit history (lead ids, months, labels, ``randomised``)."""
        return self.learning.history_frame(session, county_id)

    def import_loan_book(self, session: Session, county_id: str,
                         loans: pd.DataFrame | None) -> int:
        """Replace the county's loan book: see :meth:`LearningRepository.import_loan_book`."""
        return self.learning.import_loan_book(session, county_id, loans)

    def loan_book_frame(self, session: Session, county_id: str) -> pd.DataFrame | None:
        """The county's stored loan book, ``None`` when it has none."""
        return self.learning.loan_book_frame(session, county_id)

    def import_loans_elsewhere(self, session: Session, county_id: str,
                               loans: pd.DataFrame | None) -> int:
        """Replace the county's loans from other lenders: see
        :meth:`LearningRepository.import_loans_elsewhere`."""
        return self.learning.import_loans_elsewhere(session, county_id, loans)

    def loans_elsewhere_frame(self, session: Session, county_id: str) -> pd.DataFrame | None:
        """The county's loans from other lenders (imported and recorded at visits), ``None``
        when it has none."""
        return self.learning.loans_elsewhere_frame(session, county_id)

    def models(self, session: Session, county_id: str) -> list[ModelRecord]:
        """The county's registered models, oldest first."""
        return self.learning.models(session, county_id)

    def promoted_model(self, session: Session, county_id: str) -> ModelRecord | None:
        """The county's promoted model, if any."""
        return next((m for m in self.models(session, county_id)
                     if m.status == "promoted"), None)

    # -------------------------------------------------------------- audit
    def audit_log(self, session: Session, county_id: str | None = None, *,
                  since: dt.datetime | None = None, until: dt.datetime | None = None,
                  username: str | None = None, action: AuditAction | str | None = None,
                  limit: int = 1000) -> list[AuditEntry]:
        """Audit rows, newest first. Admins see all; managers their county (``county_id``):
        see :meth:`AuditLog.entries`."""
        return self.audit.entries(session, county_id, since=since, until=until,
                                  username=username, action=action, limit=limit)
