"""The officer's day and the outcomes officers record.

:func:`officer_view` builds the phone page's content; :class:`SharedBoard` connects the
manager's and the officers' browser sessions on one server (published plans, recorded
outcomes); the ``*_store`` helpers do the same through the database store when the user
signed in.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from countyreach.errors import InputError
from propensity.outcomes import Outcome
from routing.plan import Plan
from routing.problem import RoutingProblem

if TYPE_CHECKING:
    from countyreach.officer_day import OfficerDay
    from countyreach.pipeline import CountyData, DayPlan
    from countyreach.store import Session, Store

__all__ = [
    "CONSENT_OUTCOMES",
    "needs_consent",
    "officer_view",
    "OutcomeRecord",
    "SharedBoard",
    "outcome_id",
    "record_outcome_in_store",
    "published_day_from_store",
    "do_not_visit_ids",
]

log = logging.getLogger(__name__)

#: Outcomes that share the customer's data with the lender: saved only with their consent.
CONSENT_OUTCOMES: tuple[Outcome, ...] = (Outcome.APPLIED, Outcome.APPROVED)


def needs_consent(outcome: str | None) -> bool:
    """Whether saving ``outcome`` needs the customer's consent (``None``: nothing chosen)."""
    return outcome is not None and _outcome(outcome) in CONSENT_OUTCOMES


def _outcome(code: str) -> Outcome:
    try:
        return Outcome(code)
    except ValueError:
        raise InputError(f"unknown outcome {code!r}; use one of {[o.value for o in Outcome]}",
                         field="outcome") from None


def officer_view(problem: RoutingProblem, plan: Plan, officer_id: str,
                 scores: pd.DataFrame | None, lang: str) -> OfficerDay:
    """The officer's day with the model's reasons.

    Stops come in order with times, ``tel:`` and Amap/Baidu links (converted to
    GCJ-02/BD-09 by :mod:`countyreach.officer_day`) and "why this lead" from
    the scores' ``explanation_zh``/``explanation_en``.

    Parameters
    ----------
    problem : RoutingProblem
    plan : Plan
    officer_id : str
    scores : pandas.DataFrame, optional
        Lead scores with the explanations.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    countyreach.officer_day.OfficerDay
    """
    from countyreach.officer_day import officer_day

    col = "explanation_zh" if lang == "zh" else "explanation_en"
    why: dict[str, str] = {}
    if scores is not None and col in scores.columns:
        why = dict(zip(scores["lead_id"].astype(str), scores[col].fillna("").astype(str),
                       strict=True))
    return officer_day(problem, plan, officer_id, why, lang)


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """One visit outcome an officer recorded (``opt_out``: do not visit again).

    Raises
    ------
    InputError
        For an outcome code that is not an :class:`~propensity.outcomes.Outcome`.
    """

    plan_date: str
    officer_id: str
    lead_id: str
    outcome: Outcome
    recorded_at: str
    opt_out: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", _outcome(self.outcome))


class SharedBoard:
    """Published plans and recorded outcomes shared by every session of one app server.

    The manager publishes on a desktop and the officer opens the list on a
    phone: two browser sessions. Without a signed-in database store this board
    is what connects them (it lives as long as the server process); with the
    store the app writes to both, so pages read one place.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._published: dict[str, Any] = {}
        self._outcomes: dict[str, dict[tuple[str, str], OutcomeRecord]] = {}

    def publish(self, county_key: str, day: Any) -> None:
        """Make ``day`` the published plan of the county."""
        with self._lock:
            self._published[county_key] = day

    def published(self, county_key: str) -> Any | None:
        """The county's published plan, if any."""
        with self._lock:
            return self._published.get(county_key)

    def record(self, county_key: str, plan_date: str, officer_id: str, lead_id: str,
               outcome: str, *, opt_out: bool = False) -> OutcomeRecord:
        """Record (or correct) the outcome of a visit.

        Raises
        ------
        InputError
            For an outcome code that is not an :class:`~propensity.outcomes.Outcome`.
        """
        rec = OutcomeRecord(plan_date, officer_id, lead_id, _outcome(outcome),
                            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), opt_out)
        with self._lock:
            self._outcomes.setdefault(county_key, {})[(plan_date, lead_id)] = rec
        return rec

    def outcomes(self, county_key: str, plan_date: str | None = None) -> dict[str, Outcome]:
        """``lead_id -> outcome`` recorded for the county (on ``plan_date`` when given)."""
        with self._lock:
            recs = list(self._outcomes.get(county_key, {}).values())
        return {r.lead_id: r.outcome for r in recs
                if plan_date is None or r.plan_date == plan_date}

    def do_not_visit(self, county_key: str) -> set[str]:
        """Leads whose business asked not to be visited again."""
        with self._lock:
            recs = list(self._outcomes.get(county_key, {}).values())
        return {r.lead_id for r in recs if r.opt_out}


# --------------------------------------------------------------------------- the database store


def outcome_id(ids: MutableMapping[str, str], plan_date: str, lead_id: str, outcome: str,
               opt_out: bool) -> str:
    """The store's id of one recorded outcome, the same for every retry of the same tap.

    One id per (day, lead, outcome, opt-out) so a save retried after a dropped
    connection is a no-op in the store.

    Parameters
    ----------
    ids : mutable mapping
        The ids handed out so far in this session (updated in place).
    plan_date, lead_id, outcome : str
    opt_out : bool

    Returns
    -------
    str
    """
    return ids.setdefault(f"{plan_date}/{lead_id}/{outcome}/{opt_out}", str(uuid.uuid4()))


def record_outcome_in_store(store: Store, session: Session, *, outcome_id: str, county_id: str,
                            plan_date: str, lead_id: str, outcome: str, consent: bool,
                            opt_out: bool) -> None:
    """Record a visit's outcome in the database store (idempotent per ``outcome_id``).

    Raises
    ------
    InputError
        For an outcome code that is not an :class:`~propensity.outcomes.Outcome`.
    """
    store.record_outcome(session, outcome_id=outcome_id, county_id=county_id,
                         plan_date=plan_date, lead_id=lead_id, outcome=_outcome(outcome).value,
                         consent=consent, opt_out=opt_out)


def published_day_from_store(store: Store, session: Session, data: CountyData, plan_date: str,
                             scores: pd.DataFrame | None) -> DayPlan:
    """The day published in the store, as a :class:`~countyreach.pipeline.DayPlan`.

    An officer gets only their own route (the store's rule); the checker's verdict is not
    stored, so the day has no violations to show.

    Parameters
    ----------
    store : Store
    session : Session
    data : CountyData
    plan_date : str
        ``YYYY-MM-DD``.
    scores : pandas.DataFrame, optional
        The month's lead scores (for the reasons shown per stop).
    """
    from countyreach.pipeline import DayPlan

    problem, plan, _ = store.published_plan(session, data.county.county_id, plan_date)
    return DayPlan(data, problem, plan, (), scores if scores is not None
                   else pd.DataFrame({"lead_id": []}), {})


def do_not_visit_ids(board: SharedBoard, county_key: str, *, store: Store | None = None,
                     session: Session | None = None, county_id: str = "") -> set[str]:
    """Leads not to plan: opted out on this server and, when signed in, in the store.

    A store that cannot be read leaves the server's own list (logged), so planning
    still works when the database is down.
    """
    ids = board.do_not_visit(county_key)
    if store is not None and session is not None:
        try:
            ids |= set(store.do_not_visit_ids(session, county_id))
        except Exception:
            log.exception("could not read the do-not-visit list")
    return ids
