"""Visit outcomes and follow-ups: recorded once per tap, read back per visit, per lead, summed.

Outcomes are append-only and refer to the visit, not to a plan row, so republishing a
plan never loses one; the current outcome of a visit is its latest row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.csvio import row_errors
from countyreach.dates import check_visit_made
from countyreach.errors import AccessDenied, InputError
from countyreach.store import schema as S
from countyreach.store.access import Guard
from countyreach.store.audit import AuditLog
from countyreach.store.checks import (
    NOTES_MAX_CHARS,
    REASON_MAX_CHARS,
    aware,
    check_amount_yuan,
    check_date,
    check_id,
    check_loan_month,
    check_text,
    next_day,
    parse_enum,
)
from countyreach.store.do_not_visit import DoNotVisitRepository, is_erased, listed
from countyreach.store.engine import Database, insert_ignore
from countyreach.store.follow_ups import add_follow_up, check_follow_up
from countyreach.store.records import AuditAction, OutcomeRecord, PlanState, Role, Session
from propensity.outcomes import FOLLOW_UP_OUTCOMES, LOAN_OUTCOMES, Outcome

__all__ = ["OutcomeRepository", "SUMMARY_KEYS", "FOLLOW_UP_DAYS_MAX"]

#: What :meth:`OutcomeRepository.outcome_summary` can group by (besides the outcome).
SUMMARY_KEYS = frozenset({"plan_date", "month", "officer_id", "village", "industry"})
#: Longest look-back of :meth:`OutcomeRepository.follow_ups`.
FOLLOW_UP_DAYS_MAX = 365
# PIPL "sensitive personal information": identity-card and bank-card numbers never belong in a
# visit note. 15-19 digit runs (spaces/dashes allowed) or an 18-character ID ending in X.
_SENSITIVE_RE = re.compile(r"(?<!\d)(?:\d[ -]?){14,18}[\dXx](?![\dXx])")


class OutcomeRepository:
    """Recorded visit outcomes, and what they say about the next visits.

    Parameters
    ----------
    db : Database
    guard : Guard
    audit : AuditLog
    do_not_visit : DoNotVisitRepository
        Where an opt-out at the door puts the lead.
    """

    def __init__(self, db: Database, guard: Guard, audit: AuditLog,
                 do_not_visit: DoNotVisitRepository) -> None:
        self._db = db
        self._guard = guard
        self._audit = audit
        self._dnv = do_not_visit

    def record_outcome(self, session: Session, *, outcome_id: str, county_id: str,
                       plan_date: str, lead_id: str, outcome: Outcome | str, reason: str = "",
                       amount_yuan: float | str | None = None, notes: str = "",
                       consent: bool, opt_out: bool = False,
                       follow_up_on: str | dt.date | None = None,
                       other_loan_month: str | None = None,
                       other_loan_asked: bool = False) -> OutcomeRecord:
        """Record the outcome of a visit; a retried call with the same ``outcome_id`` is a no-op.

        Parameters
        ----------
        session : Session
            The officer whose published route has the lead (or a manager/admin
            recording for that officer).
        outcome_id : str
            A UUID the phone generates once per tap; retries send the same one.
        county_id, plan_date, lead_id : str
            The visit.
        outcome : Outcome or its text (``"met"``, ``"not_there"``, ...)
        reason : str
            Why not interested (at most 200 characters).
        amount_yuan : float, optional
            Loan amount asked for or approved (``applied``/``approved`` only).
        notes : str
            Short free text (at most 500 characters). ID-card or bank-card
            numbers are refused: they are sensitive personal data under PIPL.
        consent : bool
            The business agreed that the visit details are recorded. Without it
            only the outcome code is stored (no notes, no amount), and
            ``applied``/``approved`` cannot be recorded.
        opt_out : bool
            The business asks not to be visited again: the lead goes on the
            do-not-visit list and out of every future plan.
        follow_up_on : date or ``YYYY-MM-DD``, optional
            "Come back on this day" (``interested`` or ``applied`` only, after the visit):
            the lead becomes a visit pinned to this officer on that day's plan.
        other_loan_month : ``YYYY-MM``, optional
            The owner said they borrowed from another lender that month (with consent):
            a loan elsewhere the bank now knows of, from the visit's month on (see
            :meth:`~countyreach.store.learning.LearningRepository.loans_elsewhere_frame`).
        other_loan_asked : bool
            The officer asked the owner about loans elsewhere (with consent); without a
            month the owner said they have none. A month implies it. Not asked (the
            default) leaves the lead's loans elsewhere unknown, which is not the same as
            none.

        Returns
        -------
        OutcomeRecord
            The stored record (the original one when this was a retry).

        Raises
        ------
        InputError
            A malformed field (named), a ``plan_date`` still to come in the county
            (:func:`countyreach.dates.check_visit_made`), an ``outcome_id`` used for another
            visit, or a lead
            whose personal data was erased (``lead_id``; a retry of a tap recorded before
            the erasure still returns its record).
        AccessDenied
            The lead is not on the caller's published route of the day.
        """
        return self._db.write(self._prepare(
            session, outcome_id=outcome_id, county_id=county_id, plan_date=plan_date,
            lead_id=lead_id, outcome=outcome, reason=reason, amount_yuan=amount_yuan,
            notes=notes, consent=consent, opt_out=opt_out, follow_up_on=follow_up_on,
            other_loan_month=other_loan_month, other_loan_asked=other_loan_asked))

    def record_outcomes(self, session: Session, visits: Sequence[Mapping[str, Any]], *,
                        rows: Sequence[int] | None = None,
                        bad_rows: Sequence[InputError] = ()) -> list[OutcomeRecord]:
        """Record many visits' outcomes in one transaction: all of them or none.

        Every visit is checked, so one error names every bad one (a file with a few typos
        is fixed in one pass).

        Parameters
        ----------
        visits : sequence of mapping
            Each the keyword arguments of :meth:`record_outcome`.
        rows : sequence of int, optional
            The row each visit is named by in errors (a file's row); default its 1-based
            position in ``visits``.
        bad_rows : sequence of InputError
            Rows the caller could not make a visit of (a file's unreadable cells), each
            with its ``row``: reported with the visits' own errors, and with any of them
            nothing is recorded.

        Returns
        -------
        list of OutcomeRecord
            In order (the original record where a visit's ``outcome_id`` was already there).

        Raises
        ------
        InputError
            Located at the first bad row (``row``, ``field``; ``lead_id`` for a visit not on
            a published route the caller may record for, ``county_id`` for a county not
            theirs). With more than one bad row a :class:`~countyreach.errors.RowErrors`
            whose message lists the others (each row's first problem, at most 20) and whose
            ``rows`` holds each row's error; nothing is recorded.
        AccessDenied
            The session is not valid.
        """
        at = list(rows) if rows is not None else list(range(1, len(visits) + 1))
        if len(at) != len(visits):
            raise InputError("rows must name one row per visit", field="rows")
        errors = list(bad_rows)
        steps = []
        for i, visit in zip(at, visits, strict=True):
            try:
                steps.append((i, str(visit.get("county_id")), self._prepare(session, **visit)))
            except InputError as exc:
                errors.append(InputError(exc.reason, row=i, field=exc.field))

        def run(conn: Connection) -> list[OutcomeRecord]:
            who = self._guard.principal(conn, session)
            # each county once: a file for a county not the caller's is one problem per row,
            # not one per row and step
            refused: dict[str, str] = {}
            for cid in sorted({c for _, c, _ in steps}):
                try:
                    self._guard.scope(conn, who, cid, Role.OFFICER, Role.MANAGER, Role.ADMIN)
                except (AccessDenied, InputError) as exc:
                    refused[cid] = exc.reason if isinstance(exc, InputError) else str(exc)
            out = []
            for i, cid, step in steps:
                try:
                    if cid in refused:
                        raise InputError(refused[cid], field="county_id")
                    out.append(step(conn))
                except InputError as exc:
                    errors.append(InputError(exc.reason, row=i, field=exc.field))
                except AccessDenied as exc:
                    errors.append(InputError(str(exc), row=i, field="lead_id"))
            if errors:  # the transaction is rolled back
                raise row_errors("these visits", sorted(errors, key=lambda e: e.row or 0))
            return out

        return self._db.write(run)

    def _prepare(self, session: Session, *, outcome_id: str, county_id: str,
                 plan_date: str, lead_id: str, outcome: Outcome | str, reason: str = "",
                 amount_yuan: float | str | None = None, notes: str = "",
                 consent: bool, opt_out: bool = False,
                 follow_up_on: str | dt.date | None = None,
                 other_loan_month: str | None = None,
                 other_loan_asked: bool = False) -> Callable[[Connection], OutcomeRecord]:
        """The checked visit (raising for a malformed field) and the step that records it
        inside a write transaction (raising for a visit the caller may not record)."""
        try:
            oid = str(uuid.UUID(str(outcome_id)))
        except ValueError:
            raise InputError(f"outcome_id must be a UUID, got {outcome_id!r}",
                             field="outcome_id") from None
        check_id(county_id, "county_id")
        plan_date = check_visit_made(plan_date, self._db.now())
        check_id(lead_id, "lead_id")
        code = parse_enum(Outcome, outcome, "outcome")
        if not isinstance(consent, bool) or not isinstance(opt_out, bool):
            raise InputError("consent and opt_out must be true or false", field="consent")
        reason = check_text(reason, "reason", REASON_MAX_CHARS)
        notes = check_text(notes, "notes", NOTES_MAX_CHARS, multiline=True)
        if _SENSITIVE_RE.search(notes) or _SENSITIVE_RE.search(reason):
            raise InputError("looks like an ID-card or bank-card number: do not record "
                             "sensitive personal data in notes", field="notes")
        amount = check_amount_yuan(amount_yuan)
        other = check_loan_month(other_loan_month, plan_date)
        if not isinstance(other_loan_asked, bool):
            raise InputError("other_loan_asked must be true or false", field="other_loan_asked")
        asked = other_loan_asked or other is not None
        due = check_follow_up(follow_up_on, plan_date, code, opt_out)
        if amount is not None and code not in LOAN_OUTCOMES:
            raise InputError("an amount belongs to applied or approved outcomes only",
                             field="amount_yuan")
        if not consent:
            if notes or amount is not None or asked:
                raise InputError("without the customer's consent record only the outcome "
                                 "(no notes, no amount, nothing of loans elsewhere)",
                                 field="consent")
            if code in LOAN_OUTCOMES:
                raise InputError("a loan application needs the customer's consent",
                                 field="consent")

        def run(conn: Connection) -> OutcomeRecord:
            who = self._guard.county(conn, session, county_id,
                                     Role.OFFICER, Role.MANAGER, Role.ADMIN)
            prior = conn.execute(sa.select(S.outcomes)
                                 .where(S.outcomes.c.outcome_id == oid)).mappings().first()
            if prior is not None:
                return _same_visit(prior, county_id, plan_date, lead_id)
            if is_erased(conn, county_id, lead_id):
                # on the do-not-visit list for good: an outcome would store new data of a
                # person who asked for theirs to be erased (and book them a follow-up)
                raise InputError(f"lead {lead_id}'s personal data was erased: it is on the "
                                 "do-not-visit list for good and takes no outcome",
                                 field="lead_id")
            q = (sa.select(S.plan_stops.c.officer_id, S.plan_stops.c.version)
                 .join(S.plans, sa.and_(S.plans.c.county_id == S.plan_stops.c.county_id,
                                        S.plans.c.plan_date == S.plan_stops.c.plan_date,
                                        S.plans.c.version == S.plan_stops.c.version))
                 .where(S.plan_stops.c.county_id == county_id,
                        S.plan_stops.c.plan_date == plan_date,
                        S.plan_stops.c.lead_id == lead_id,
                        S.plans.c.status != PlanState.DRAFT.value)
                 .order_by(S.plan_stops.c.version.desc()))
            if who.role is Role.OFFICER:
                q = q.where(S.plan_stops.c.officer_id == who.officer_id)
            found = conn.execute(q).first()
            if found is None:
                raise AccessDenied(f"lead {lead_id} is not on "
                                   + ("your" if who.role is Role.OFFICER else "any")
                                   + f" published route of {plan_date}")
            current = conn.execute(sa.select(S.plans.c.version).where(
                S.plans.c.county_id == county_id, S.plans.c.plan_date == plan_date,
                S.plans.c.status == PlanState.PUBLISHED.value)).scalar()
            values = dict(
                outcome_id=oid, county_id=county_id, plan_date=plan_date,
                officer_id=found.officer_id, lead_id=lead_id, outcome=code.value,
                reason=reason, amount_yuan=amount, notes=notes, consent=consent,
                opt_out=opt_out, plan_version=current, recorded_by=who.username,
                recorded_at=self._db.now(), other_loan_month=other, other_loan_asked=asked)
            inserted = conn.execute(insert_ignore(conn, S.outcomes, ["outcome_id"])
                                    .values(**values)).rowcount
            if not inserted:  # the same tap, retried concurrently, won the race
                prior = conn.execute(sa.select(S.outcomes)
                                     .where(S.outcomes.c.outcome_id == oid)).mappings().one()
                return _same_visit(prior, county_id, plan_date, lead_id)
            if opt_out:
                self._dnv.add(conn, who, county_id, lead_id, reason or "opt-out at visit",
                              "visit")
            if due is not None:
                add_follow_up(conn, self._audit, who, oid, county_id, lead_id,
                              found.officer_id, due, self._db.now())
            self._audit.write(conn, who, AuditAction.RECORD_OUTCOME, county_id,
                              f"{plan_date}/{lead_id}", outcome_id=oid, outcome=code.value,
                              opt_out=opt_out, consent=consent)
            return outcome_record(values)

        return run

    def visit_outcomes(self, session: Session, county_id: str,
                       plan_date: str) -> list[OutcomeRecord]:
        """Current outcome of each visit of the day (officers: their own visits only)."""
        plan_date = check_date(plan_date)

        def run(conn: Connection) -> pd.DataFrame:
            who = self._guard.county(conn, session, county_id,
                                     Role.OFFICER, Role.MANAGER, Role.ADMIN)
            return _latest_outcomes(conn, county_id, plan_date, next_day(plan_date),
                                    who.officer_id if who.role is Role.OFFICER else None)

        df = self._db.read(run)
        return [outcome_record(r) for r in df.to_dict(orient="records")]

    def outcomes_frame(self, session: Session, county_id: str,
                       since: str | dt.date | None = None, *,
                       before: str | dt.date | None = None) -> pd.DataFrame:
        """Recorded outcomes for retraining: ``lead_id, month, outcome, amount_yuan``.

        One row per visit (its latest outcome) planned on ``since`` or later and before
        ``before`` (each optional), the shape :func:`propensity.retrain` takes. Lead ids
        only, no names: planners may read it.
        """
        since_s = None if since is None else check_date(since, "since")
        before_s = None if before is None else check_date(before, "before")

        def run(conn: Connection) -> pd.DataFrame:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            return _latest_outcomes(conn, county_id, since_s, before_s)

        df = self._db.read(run)
        out = pd.DataFrame({
            "lead_id": df["lead_id"].astype(str),
            "month": df["plan_date"].astype(str).str.slice(0, 7),
            "outcome": df["outcome"].astype(str),
            "amount_yuan": pd.to_numeric(df["amount_yuan"], errors="coerce").astype(float),
        })
        return out.reset_index(drop=True)

    def follow_ups(self, session: Session, county_id: str, date: str | dt.date, *,
                   days: int = 14) -> list[str]:
        """Leads to see again on ``date``: interested or applied in the ``days`` before it.

        Most recent first; leads since approved, turned down or opted out are left out.
        Pin them or raise their priority in the next day's plan.
        """
        date_s = check_date(date, "date")
        if not isinstance(days, int) or not 1 <= days <= FOLLOW_UP_DAYS_MAX:
            raise InputError("days must be an integer in [1, 365]", field="days")
        since = (dt.date.fromisoformat(date_s) - dt.timedelta(days=days)).isoformat()

        def run(conn: Connection) -> tuple[pd.DataFrame, frozenset[str]]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            return _latest_outcomes(conn, county_id, since, date_s), listed(conn, county_id)

        df, dnv = self._db.read(run)
        if df.empty:
            return []
        # the lead's last word in the window decides (a later "approved" closes the case)
        df = df[df["outcome"] != Outcome.NOT_THERE.value].sort_values(["plan_date", "seq"])
        last = df.groupby("lead_id").tail(1).sort_values(["plan_date", "seq"], ascending=False)
        open_codes = [o.value for o in FOLLOW_UP_OUTCOMES]
        keep = last[last["outcome"].isin(open_codes) & ~last["lead_id"].isin(dnv)]
        return [str(x) for x in keep["lead_id"]]

    def outcome_summary(self, session: Session, county_id: str, *,
                        since: str | dt.date | None = None,
                        by: Iterable[str] = ("plan_date",)) -> pd.DataFrame:
        """Counts and amounts of outcomes, grouped: the planner's view (no personal data).

        Parameters
        ----------
        by : iterable of {"plan_date", "month", "officer_id", "village", "industry"}
            Grouping keys; ``outcome`` is always added.

        Returns
        -------
        pandas.DataFrame
            Columns ``*by, outcome, visits, amount_yuan``.
        """
        keys = list(by)
        bad = [k for k in keys if k not in SUMMARY_KEYS]
        if bad:
            raise InputError(f"cannot group by {bad}; use {sorted(SUMMARY_KEYS)}", field="by")
        since_s = None if since is None else check_date(since, "since")

        def run(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            df = _latest_outcomes(conn, county_id, since_s)
            places = pd.DataFrame(conn.execute(
                sa.select(S.leads.c.lead_id, S.leads.c.village, S.leads.c.industry)
                .where(S.leads.c.county_id == county_id)).mappings().all(),
                columns=["lead_id", "village", "industry"])
            return df, places

        df, places = self._db.read(run)
        df = df.merge(places, on="lead_id", how="left")
        df["month"] = df["plan_date"].astype(str).str.slice(0, 7)
        df[["village", "industry"]] = df[["village", "industry"]].fillna("")
        df["amount_yuan"] = pd.to_numeric(df["amount_yuan"], errors="coerce")
        g = df.groupby([*keys, "outcome"], dropna=False)
        out = g.agg(visits=("lead_id", "size"), amount_yuan=("amount_yuan", "sum"))
        return out.reset_index()


def _latest_outcomes(conn: Connection, county_id: str, since: str | None = None,
                     until: str | None = None, officer_id: str | None = None) -> pd.DataFrame:
    """The latest outcome row of each visit, ``since <= plan_date < until``."""
    o = S.outcomes
    latest = (sa.select(sa.func.max(o.c.seq))
              .where(o.c.county_id == county_id)
              .group_by(o.c.plan_date, o.c.lead_id))
    q = sa.select(o).where(o.c.seq.in_(latest))
    if since is not None:
        q = q.where(o.c.plan_date >= since)
    if until is not None:
        q = q.where(o.c.plan_date < until)
    if officer_id is not None:
        q = q.where(o.c.officer_id == officer_id)
    rows = conn.execute(q.order_by(o.c.plan_date, o.c.seq)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in o.columns])


def _same_visit(prior: sa.RowMapping, county_id: str, plan_date: str,
                lead_id: str) -> OutcomeRecord:
    """The stored record of a retried tap, refused if the id was used for another visit."""
    if (prior["county_id"], prior["plan_date"], prior["lead_id"]) != (
            county_id, plan_date, lead_id):
        raise InputError("outcome_id was already used for another visit; generate a new "
                         "one per visit", field="outcome_id")
    return outcome_record(prior)


def outcome_record(r: Mapping[str, Any] | sa.RowMapping) -> OutcomeRecord:
    """An :class:`OutcomeRecord` from a row (or a data-frame record, where NaN means null)."""
    amount = r["amount_yuan"]
    if amount is not None and isinstance(amount, float) and math.isnan(amount):
        amount = None
    version = r["plan_version"]
    if version is not None and isinstance(version, float) and math.isnan(version):
        version = None
    return OutcomeRecord(
        outcome_id=str(r["outcome_id"]), county_id=str(r["county_id"]),
        plan_date=str(r["plan_date"]), officer_id=str(r["officer_id"]),
        lead_id=str(r["lead_id"]), outcome=Outcome(r["outcome"]), reason=str(r["reason"]),
        amount_yuan=None if amount is None else float(amount), notes=str(r["notes"]),
        consent=bool(r["consent"]), opt_out=bool(r["opt_out"]),
        plan_version=None if version is None else int(version),
        recorded_by=str(r["recorded_by"]),
        recorded_at=aware(pd.Timestamp(r["recorded_at"]).to_pydatetime()),
        other_loan_month=_text_or_none(r.get("other_loan_month")),
        other_loan_asked=_flag_or_false(r.get("other_loan_asked")),
    )


def _flag_or_false(v: Any) -> bool:
    """A nullable flag column's value (``None`` or NaN: False)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    return bool(v)


def _text_or_none(v: Any) -> str | None:
    """A nullable text column's value (``None``, NaN or blank: None)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip():
        return None
    return str(v)
