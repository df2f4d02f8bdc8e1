"""The officer's day and the outcomes officers record, through the store only.

The published plan, each officer's visit list, the recorded outcomes and the
do-not-visit list come from :class:`~countyreach.store.Store` and go back to it: a
server restart loses nothing, and the store's rules decide who sees what (an
officer only their own list). Outcomes that cannot be sent because the database
is unreachable wait in an :class:`OutcomeQueue` in the officer's browser session
and are sent when it answers again; every outcome carries an id fixed at the tap,
so a retry never records a visit twice. Outcomes tapped while the phone had no
connection at all wait in the browser's own queue and arrive as untrusted items:
:func:`browser_outcome` checks each one before it joins the same queue, keeping the id
the phone fixed at the tap.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Collection, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from countyreach.errors import AccessDenied, InputError, StoreError
from propensity.economy_model import add_months
from propensity.outcomes import Outcome
from routing.plan import Plan
from routing.problem import RoutingProblem

if TYPE_CHECKING:
    from countyreach.officer_day import DayStop, OfficerDay
    from countyreach.pipeline import CountyData, DayPlan
    from countyreach.store import Session, Store

__all__ = [
    "CONSENT_OUTCOMES",
    "needs_consent",
    "officer_view",
    "outcome_id",
    "PendingOutcome",
    "recent_months",
    "OtherLoan",
    "other_loan_choices",
    "other_loan_answer",
    "browser_item_id",
    "browser_outcome",
    "OutcomeQueue",
    "SendReport",
    "record_outcome_in_store",
    "send_pending",
    "visit_list",
    "recorded_outcomes",
    "next_stop",
    "passed_over",
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
    """The officer's day of a plan in hand (a manager's draft), with the model's reasons.

    Parameters
    ----------
    problem : RoutingProblem
    plan : Plan
    officer_id : str
    scores : pandas.DataFrame, optional
        Lead scores with ``explanation_zh``/``explanation_en``.
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


def outcome_id(ids: MutableMapping[str, str], plan_date: str, lead_id: str, outcome: str,
               opt_out: bool, other_loan_month: str | None = None,
               other_loan_asked: bool = False) -> str:
    """The store's id of one recorded outcome, the same for every retry of the same tap.

    Parameters
    ----------
    ids : mutable mapping
        The ids handed out so far in this session (updated in place).
    plan_date, lead_id, outcome : str
    opt_out : bool
    other_loan_month : str, optional
    other_loan_asked : bool
        A save that adds what the owner said of loans elsewhere (a month, or asked: none)
        is a new record.

    Returns
    -------
    str
    """
    key = f"{plan_date}/{lead_id}/{outcome}/{opt_out}" + (
        f"/{other_loan_month}" if other_loan_month
        else f"/{OtherLoan.NONE}" if other_loan_asked else "")
    return ids.setdefault(key, str(uuid.uuid4()))


@dataclass(frozen=True, slots=True)
class PendingOutcome:
    """One tapped outcome on its way to the store.

    Raises
    ------
    InputError
        For an outcome code that is not an :class:`~propensity.outcomes.Outcome`.
    """

    outcome_id: str
    county_id: str
    plan_date: str
    lead_id: str
    outcome: Outcome
    consent: bool
    opt_out: bool = False
    #: ``YYYY-MM`` of a loan the owner took from another lender, if they said so.
    other_loan_month: str | None = None
    #: The officer asked about loans elsewhere (without a month: the owner said none).
    other_loan_asked: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", _outcome(self.outcome))


# The browser's ids are crypto.randomUUID()'s: lower-case hex in the canonical 8-4-4-4-12 form.
_BROWSER_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_RE = re.compile(r"\d{4}-\d{2}")
#: Longest text taken as an id to acknowledge (anything longer cannot be a tap of ours).
_ACK_ID_MAX = 64


def browser_item_id(raw: object) -> str | None:
    """The id a browser queue item is known by, to acknowledge it (even when it is refused).

    Returns
    -------
    str or None
        The item's ``id`` as sent, or ``None`` when it has no usable one (not a mapping,
        not a string, empty or longer than 64 characters).
    """
    if not isinstance(raw, Mapping):
        return None
    rid = raw.get("id")
    if not isinstance(rid, str) or not 0 < len(rid) <= _ACK_ID_MAX:
        return None
    return rid


def browser_outcome(raw: object, county_id: str, officer_id: str,
                    lists: Mapping[str, Collection[str]]) -> PendingOutcome:
    """One outcome from the phone's own queue, checked before it joins an :class:`OutcomeQueue`.

    The phone kept the tap while it had no connection; what it sends back is not
    trusted: every field is checked here, and the store checks again when recording.

    Parameters
    ----------
    raw : object
        One item as the browser sent it: a mapping with ``id`` (a UUID fixed at the tap,
        which becomes the stored ``outcome_id``), ``county_id``, ``officer_id``,
        ``plan_date``, ``lead_id``, ``outcome``, ``consent``, ``opt_out`` and optionally
        ``other_loan_asked`` (bool) and ``other_loan_month`` (``YYYY-MM`` or null).
    county_id, officer_id : str
        Whose list the page shows: the item must be for this county and officer.
    lists : mapping
        ``plan_date -> lead ids`` of that officer's published list of the day (a date
        missing: no list that day).

    Returns
    -------
    PendingOutcome

    Raises
    ------
    InputError
        Naming the field at fault: ``item`` (not an object of the right shape),
        ``outcome_id`` (not a canonical lower-case UUID), ``lead_id`` (not on the
        officer's list of that day, or another county's or officer's item), ``outcome``
        (not in the vocabulary), ``other_loan_month`` (not a month) or ``consent`` (an
        outcome, or what the owner said of loans elsewhere, without it).
    """
    if not isinstance(raw, Mapping):
        raise InputError("an outcome from the browser must be an object", field="item")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _BROWSER_ID_RE.fullmatch(rid):
        raise InputError(f"malformed outcome id {rid!r}", field="outcome_id")
    plan_date, lead_id = raw.get("plan_date"), raw.get("lead_id")
    if not isinstance(plan_date, str) or not _DATE_RE.fullmatch(plan_date) \
            or not isinstance(lead_id, str):
        raise InputError("an outcome from the browser needs plan_date and lead_id",
                         field="item")
    if raw.get("county_id") != county_id or raw.get("officer_id") != officer_id \
            or lead_id not in lists.get(plan_date, ()):
        raise InputError(f"lead {lead_id!r} is not on the list of {officer_id} for "
                         f"{plan_date}", field="lead_id")
    code = raw.get("outcome")
    if not isinstance(code, str):
        raise InputError(f"unknown outcome {code!r}", field="outcome")
    outcome = _outcome(code)
    consent, opt_out = raw.get("consent", False), raw.get("opt_out", False)
    if not isinstance(consent, bool) or not isinstance(opt_out, bool):
        raise InputError("consent and opt_out must be true or false", field="item")
    if outcome in CONSENT_OUTCOMES and not consent:
        raise InputError(f"{outcome.value} needs the customer's consent", field="consent")
    asked, month = raw.get("other_loan_asked", False), raw.get("other_loan_month")
    if not isinstance(asked, bool):
        raise InputError("other_loan_asked must be true or false", field="item")
    if month is not None and not (isinstance(month, str) and _MONTH_RE.fullmatch(month)):
        raise InputError(f"malformed month of a loan elsewhere {month!r}",
                         field="other_loan_month")
    if (asked or month is not None) and not consent:
        raise InputError("what the owner said of loans elsewhere needs their consent",
                         field="consent")
    return PendingOutcome(rid, county_id, plan_date, lead_id, outcome, consent, opt_out,
                          month, asked or month is not None)


@dataclass
class OutcomeQueue:
    """Outcomes tapped but not yet in the store, oldest first (one per visit: the last tap)."""

    items: list[PendingOutcome] = field(default_factory=list)

    def put(self, item: PendingOutcome) -> None:
        """Queue ``item``, replacing an unsent earlier tap on the same visit."""
        self.items = [p for p in self.items
                      if (p.plan_date, p.lead_id) != (item.plan_date, item.lead_id)] + [item]

    def pending(self, plan_date: str | None = None) -> dict[str, Outcome]:
        """``lead_id -> outcome`` still waiting (on ``plan_date`` when given)."""
        return {p.lead_id: p.outcome for p in self.items
                if plan_date is None or p.plan_date == plan_date}

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class SendReport:
    """What :func:`send_pending` did: sent, kept for later, refused (with the store's reason)."""

    sent: tuple[PendingOutcome, ...]
    kept: tuple[PendingOutcome, ...]
    refused: tuple[tuple[PendingOutcome, str], ...]


def recent_months(plan_date: str, n: int = 24) -> list[str]:
    """The ``n`` months up to a visit's, newest first: when a loan elsewhere was taken."""
    return [add_months(plan_date[:7], -k) for k in range(n)]


class OtherLoan(StrEnum):
    """The answers to "did the owner borrow from another lender?" besides a month."""

    #: Not asked (the default): the lead's loans elsewhere stay unknown.
    NOT_ASKED = "not_asked"
    #: Asked, and the owner has no loan elsewhere.
    NONE = "none"


def other_loan_choices(plan_date: str, n: int = 24) -> list[str]:
    """What the officer can answer of a visit's loans elsewhere, the default first.

    Parameters
    ----------
    plan_date : str
        The visit's ``YYYY-MM-DD``.
    n : int
        How many months are offered.

    Returns
    -------
    list of str
        :attr:`OtherLoan.NOT_ASKED`, :attr:`OtherLoan.NONE`, then :func:`recent_months`.
    """
    return [OtherLoan.NOT_ASKED, OtherLoan.NONE, *recent_months(plan_date, n)]


def other_loan_answer(choice: str | None) -> tuple[bool, str | None]:
    """``(other_loan_asked, other_loan_month)`` of one of :func:`other_loan_choices`.

    Parameters
    ----------
    choice : str or None
        ``None`` (nothing chosen) reads as not asked.

    Returns
    -------
    tuple of (bool, str or None)
    """
    if choice is None or choice == OtherLoan.NOT_ASKED:
        return False, None
    if choice == OtherLoan.NONE:
        return True, None
    return True, choice


def record_outcome_in_store(store: Store, session: Session, item: PendingOutcome) -> None:
    """Record one outcome in the store (idempotent per ``item.outcome_id``).

    Raises
    ------
    InputError, AccessDenied
        The store refuses the outcome (not on the officer's route, no consent ...).
    StoreError, sqlalchemy.exc.OperationalError
        The database cannot be reached.
    """
    store.record_outcome(session, outcome_id=item.outcome_id, county_id=item.county_id,
                         plan_date=item.plan_date, lead_id=item.lead_id,
                         outcome=item.outcome.value, consent=item.consent,
                         opt_out=item.opt_out, other_loan_month=item.other_loan_month,
                         other_loan_asked=item.other_loan_asked)


def send_pending(store: Store | None, session: Session, queue: OutcomeQueue) -> SendReport:
    """Send every queued outcome; keep those the database could not take yet.

    An outcome the store refuses (a lead not on the route, a session that
    expired) leaves the queue with the store's reason; one that meets an
    unreachable database stays queued for the next try.

    Parameters
    ----------
    store : Store or None
        ``None`` when the database could not be opened: everything stays queued.
    session : Session
    queue : OutcomeQueue
        Updated in place.

    Returns
    -------
    SendReport
    """
    sent: list[PendingOutcome] = []
    kept: list[PendingOutcome] = []
    refused: list[tuple[PendingOutcome, str]] = []
    for item in queue.items:
        if store is None:
            kept.append(item)
            continue
        try:
            record_outcome_in_store(store, session, item)
            sent.append(item)
        except (InputError, AccessDenied) as exc:
            refused.append((item, str(exc)))
        except (StoreError, sa.exc.OperationalError, sa.exc.InterfaceError, OSError):
            log.warning("store unreachable: outcome %s stays queued", item.outcome_id)
            kept.append(item)
    queue.items = list(kept)
    return SendReport(tuple(sent), tuple(kept), tuple(refused))


def visit_list(store: Store, session: Session, county_id: str, plan_date: str,
               officer_id: str | None, lang: str) -> OfficerDay | None:
    """The officer's day from the published plan, or ``None`` when none is published.

    Raises
    ------
    AccessDenied
        Another officer's list, or a role that may not open visit lists.
    """
    try:
        return store.visit_list(session, county_id, plan_date, officer_id, lang=lang)
    except AccessDenied:
        raise
    except InputError as exc:
        if exc.field == "plan_date" or "has no route" in str(exc):
            return None
        raise


def recorded_outcomes(store: Store, session: Session, county_id: str,
                      plan_date: str) -> dict[str, Outcome]:
    """``lead_id -> outcome`` recorded in the store for the day (officers: their own)."""
    return {r.lead_id: Outcome(r.outcome)
            for r in store.visit_outcomes(session, county_id, plan_date)}


def next_stop(stops: Iterable[DayStop], done: Iterable[str]) -> DayStop | None:
    """The officer's next stop: the first one after the last stop with an outcome.

    A stop before that one without an outcome was passed over (:func:`passed_over`): the
    officer has moved on, so it is not where they go next.

    Parameters
    ----------
    stops : iterable of DayStop
        The day's stops in route order.
    done : iterable of str
        Lead ids with an outcome (recorded or waiting to be sent).

    Returns
    -------
    DayStop or None
        ``None`` when no stop follows the last one done.
    """
    order, finished = list(stops), set(done)
    last = max((i for i, s in enumerate(order) if s.lead_id in finished), default=-1)
    return order[last + 1] if last + 1 < len(order) else None


def passed_over(stops: Iterable[DayStop], done: Iterable[str]) -> list[DayStop]:
    """Stops without an outcome that come before the last stop with one, in route order.

    The officer went past them (closed, skipped, or visited and not written up yet): they
    can still take an outcome, but they are not the next stop.

    Parameters
    ----------
    stops : iterable of DayStop
    done : iterable of str
        Lead ids with an outcome.

    Returns
    -------
    list of DayStop
    """
    order, finished = list(stops), set(done)
    last = max((i for i, s in enumerate(order) if s.lead_id in finished), default=-1)
    return [s for s in order[:max(last, 0)] if s.lead_id not in finished]


def published_day_from_store(store: Store, session: Session, data: CountyData, plan_date: str,
                             scores: pd.DataFrame | None) -> DayPlan:
    """The day published in the store, as a :class:`~countyreach.pipeline.DayPlan`.

    Managers get it whole, officers only their own route (the store's rule); stops withdrawn
    since it was published (the do-not-visit list) are off it, as on the officers' lists
    (:func:`~countyreach.services.visited.published_as_sent`).

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
    from countyreach.services.visited import published_as_sent

    problem, plan, _ = published_as_sent(store, session, data.county.county_id, plan_date)
    return DayPlan(data, problem, plan, (), scores if scores is not None
                   else pd.DataFrame({"lead_id": []}), {})


def do_not_visit_ids(store: Store, session: Session, county_id: str) -> set[str]:
    """Leads not to plan: the store's do-not-visit list of the county."""
    return set(store.do_not_visit_ids(session, county_id))
