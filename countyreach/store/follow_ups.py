"""What recorded outcomes mean for the next plans: follow-ups, cooling, closed cases.

* "interested (or applied), come back on D" is a visit pinned to the officer who recorded
  it on D's plan, as long as that outcome is still the lead's latest word;
* "not interested" cools the lead: it is not prospected for a configurable number of days;
* "approved" closes the case: the lead leaves prospecting;
* an opt-out puts the lead on the do-not-visit list for good.
"""

from __future__ import annotations

import datetime as dt
import enum

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import InputError
from countyreach.store import schema as S
from countyreach.store.access import Guard, Principal
from countyreach.store.audit import AuditLog
from countyreach.store.checks import check_date
from countyreach.store.do_not_visit import listed
from countyreach.store.engine import Database
from countyreach.store.records import AuditAction, Role, Session
from propensity.outcomes import FOLLOW_UP_OUTCOMES, Outcome

__all__ = ["Exclusion", "FollowUpRepository", "check_follow_up", "add_follow_up",
           "FOLLOW_UP_AHEAD_DAYS_MAX"]

#: Furthest ahead a follow-up may be booked.
FOLLOW_UP_AHEAD_DAYS_MAX = 365
#: Longest cooling period after "not interested".
COOLING_DAYS_MAX = 3650


class Exclusion(enum.StrEnum):
    """Why a lead is not prospected on a day."""

    DO_NOT_VISIT = "do_not_visit"
    APPROVED = "approved"
    COOLING = "cooling"
    FOLLOW_UP_LATER = "follow_up_later"
    #: The latest word is an application: it waits for its decision, not for another visit.
    APPLICATION_PENDING = "application_pending"
    #: Met within the revisit rest (``revisit_days``): nobody wants the same officer back
    #: the next morning unless a follow-up was booked.
    VISITED_RECENTLY = "visited_recently"
    #: The county's leads file no longer lists it (closed, moved): kept, never planned.
    RETIRED = "retired"


def check_follow_up(value: str | dt.date | None, plan_date: str, code: Outcome,
                    opt_out: bool) -> str | None:
    """The follow-up day of an outcome being recorded (None: none asked for).

    Raises
    ------
    InputError
        Naming ``follow_up_on``: not a date, not after the visit, too far ahead, or on an
        outcome that closes the case.
    """
    if value is None or value == "":
        return None
    due = check_date(value, "follow_up_on")
    if code not in FOLLOW_UP_OUTCOMES or opt_out:
        raise InputError("only an interested or applied customer gets a follow-up visit",
                         field="follow_up_on")
    gap = (dt.date.fromisoformat(due) - dt.date.fromisoformat(plan_date)).days
    if not 1 <= gap <= FOLLOW_UP_AHEAD_DAYS_MAX:
        raise InputError(f"a follow-up must fall 1 to {FOLLOW_UP_AHEAD_DAYS_MAX} days after "
                         f"the visit of {plan_date}, got {due}", field="follow_up_on")
    return due


def add_follow_up(conn: Connection, audit: AuditLog, who: Principal, outcome_id: str,
                  county_id: str, lead_id: str, officer_id: str, due: str,
                  now: dt.datetime) -> None:
    """Book the follow-up of an outcome inside the caller's transaction (audited)."""
    conn.execute(S.follow_ups.insert().values(
        outcome_id=outcome_id, county_id=county_id, lead_id=lead_id, officer_id=officer_id,
        due_date=due, created_at=now))
    audit.write(conn, who, AuditAction.FOLLOW_UP, county_id, f"{due}/{lead_id}",
                officer_id=officer_id)


def _latest_words(conn: Connection, county_id: str, until: str) -> pd.DataFrame:
    """Each lead's latest outcome (``plan_date < until``): lead_id, outcome_id, outcome, date."""
    o = S.outcomes
    rows = conn.execute(
        sa.select(o.c.lead_id, o.c.outcome_id, o.c.outcome, o.c.plan_date, o.c.seq)
        .where(o.c.county_id == county_id, o.c.plan_date < until,
               o.c.outcome != Outcome.NOT_THERE.value)
        .order_by(o.c.plan_date, o.c.seq)).all()
    df = pd.DataFrame(rows, columns=["lead_id", "outcome_id", "outcome", "plan_date", "seq"])
    return df.groupby("lead_id").tail(1).set_index("lead_id")


class FollowUpRepository:
    """Reads what past outcomes ask of a day's plan.

    Parameters
    ----------
    db : Database
    guard : Guard
    """

    def __init__(self, db: Database, guard: Guard) -> None:
        self._db = db
        self._guard = guard

    def due(self, session: Session, county_id: str, date: str | dt.date) -> dict[str, str]:
        """Follow-ups due on ``date``: ``lead_id -> officer_id`` who booked them.

        A follow-up is due while the outcome that booked it is still the lead's latest
        word (a later visit or an opt-out cancels it) and the lead is not retired. Managers
        and admins.
        """
        day = check_date(date, "date")

        def run(conn: Connection) -> dict[str, str]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            f = S.follow_ups
            booked = conn.execute(sa.select(f.c.lead_id, f.c.outcome_id, f.c.officer_id)
                                  .where(f.c.county_id == county_id, f.c.due_date == day)
                                  .order_by(f.c.created_at)).all()
            if not booked:
                return {}
            latest = _latest_words(conn, county_id, day)
            dnv = listed(conn, county_id)
            out: dict[str, str] = {}
            gone = dnv | _retired(conn, county_id)
            for lead_id, oid, officer_id in booked:
                if lead_id in gone or lead_id not in latest.index:
                    continue
                if latest.at[lead_id, "outcome_id"] == oid:
                    out[str(lead_id)] = str(officer_id)
            return out

        return self._db.read(run)

    def exclusions(self, session: Session, county_id: str, date: str | dt.date, *,
                   cooling_days: int, revisit_days: int = 0) -> dict[str, Exclusion]:
        """Leads not to prospect on ``date``, and why (see :class:`Exclusion`).

        Follow-ups due on ``date`` itself are not excluded: :meth:`due` pins them.
        ``revisit_days`` rests a lead met (any outcome but "not there") within that many
        days before ``date``; 0 rests none.
        """
        day = check_date(date, "date")
        for name, value in (("cooling_days", cooling_days), ("revisit_days", revisit_days)):
            if not isinstance(value, int) or not 0 <= value <= COOLING_DAYS_MAX:
                raise InputError(f"{name} must be an integer in [0, {COOLING_DAYS_MAX}]",
                                 field=name)
        cool_from = (dt.date.fromisoformat(day) - dt.timedelta(days=cooling_days)).isoformat()
        rest_from = (dt.date.fromisoformat(day) - dt.timedelta(days=revisit_days)).isoformat()

        def run(conn: Connection) -> dict[str, Exclusion]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            out: dict[str, Exclusion] = {}
            o = S.outcomes
            # a visit's latest outcome is its word: an approval recorded by mistake and
            # corrected for the same visit no longer closes the case
            last = (sa.select(sa.func.max(o.c.seq)).where(o.c.county_id == county_id)
                    .group_by(o.c.plan_date, o.c.lead_id))
            approved = conn.execute(sa.select(o.c.lead_id).distinct().where(
                o.c.county_id == county_id, o.c.plan_date < day, o.c.seq.in_(last),
                o.c.outcome == Outcome.APPROVED.value)).scalars().all()
            latest = _latest_words(conn, county_id, day)
            for lead_id, rec in latest.iterrows():
                if rec["outcome"] == Outcome.NOT_INTERESTED.value and \
                        rec["plan_date"] >= cool_from:
                    out[str(lead_id)] = Exclusion.COOLING
                elif rec["outcome"] == Outcome.APPLIED.value:
                    out[str(lead_id)] = Exclusion.APPLICATION_PENDING
                elif revisit_days and rec["plan_date"] >= rest_from:
                    out[str(lead_id)] = Exclusion.VISITED_RECENTLY
            f = S.follow_ups
            later = conn.execute(sa.select(f.c.lead_id, f.c.outcome_id).where(
                f.c.county_id == county_id, f.c.due_date > day)).all()
            for lead_id, oid in later:
                if lead_id in latest.index and latest.at[lead_id, "outcome_id"] == oid:
                    out[str(lead_id)] = Exclusion.FOLLOW_UP_LATER
            for lead_id in approved:
                out[str(lead_id)] = Exclusion.APPROVED
            for lead_id in _retired(conn, county_id):
                out[str(lead_id)] = Exclusion.RETIRED
            for lead_id in listed(conn, county_id):
                out[str(lead_id)] = Exclusion.DO_NOT_VISIT
            return out

        return self._db.read(run)


def _retired(conn: Connection, county_id: str) -> set[str]:
    """The county's leads its latest import no longer lists."""
    return set(conn.execute(sa.select(S.leads.c.lead_id).where(
        S.leads.c.county_id == county_id, S.leads.c.retired_at.is_not(None))).scalars())
