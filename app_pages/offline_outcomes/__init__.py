"""The phone's own outcome queue: outcomes tapped with no connection, sent when it returns.

When the phone loses its connection to the Streamlit server every native widget is
switched off (the websocket is gone), so the officer page's outcome buttons cannot be
tapped and the server-side :class:`~countyreach.services.officer.OutcomeQueue` never
sees the tap. This component is a small page of its own (``frontend/index.html`` and
``frontend/outcome_queue.js``, no build step) that keeps working in the browser:

* connected, it is one status line ("nothing waiting" / "n outcomes waiting to send");
* disconnected, it lists the day's remaining stops with the outcome in two taps (pick,
  save; consent and opt-out boxes, and with consent what the owner said of loans from
  other lenders, as on the native form), keeps each tap in
  ``window.localStorage`` under ``countyreach/outcomes/<county>/<officer>/<date>`` with an id
  fixed at the tap (``crypto.randomUUID``), and shows what waits next to each stop;
* it hands the queue (of every day of that county and officer) to the server as its value
  whenever it changes and again when the connection returns. :func:`take` checks each
  item and puts it in the session's ``OutcomeQueue``, the page sends that queue
  (:func:`~countyreach.services.officer.send_pending`), and :func:`acknowledge` turns the
  report into acknowledgements that go back with the next render: the browser then drops
  those taps. The browser's id is the stored ``outcome_id``, so a tap sent twice (a
  resend after a restart) is recorded once; a refused tap is acknowledged with the reason,
  shown, and not sent again.

How the browser knows it is offline (checked in Chromium, ``tests/test_browser_app.py``):
Streamlit re-renders the iframe with ``disabled: true`` within a fraction of a second of
its websocket closing and with ``disabled: false`` once it is back; the page also polls
``/_stcore/health`` every 4 s and listens to ``navigator.onLine``. The poll matters when
the websocket does not close although nothing gets through (Chromium's emulated offline
mode keeps the socket open and Streamlit keeps its widgets on). While disconnected,
Streamlit also lays a modal "connection error" dialog over the whole page, which blocks
every tap; the component closes it with the dialog's own close button (Streamlit keeps it
closed until the next outage). The stale page under it stays readable. When the server
comes back (even a new server process), the frontend reconnects by itself and reruns the
script with the widgets' last values, this component's queue included; the session cookie
signs the officer in again (``app_pages/common.py``).

Why ``streamlit.components.v1.declare_component(path=...)`` and not
``st.components.v2``: in Streamlit 1.67 only v1 components are told that the app is
disconnected (the ``disabled`` flag of every render), and a v1 component lives in its
own iframe, so its buttons keep working under the page Streamlit has switched off.
v2 components run inside Streamlit's own page, are not told about the connection, and
take files only from an installed package's manifest (else inline strings). A v1 path is
served by the running server at ``/component/app_pages.offline_outcomes.outcome_queue/``
(files of the folder only), into an iframe sandboxed with ``allow-same-origin``: the same
origin as the app, hence the same ``localStorage`` and health endpoint. A declaration is
registered only during a script run and per server (and per ``AppTest``), so
:func:`outcome_queue` declares on every call; declaring the same folder again is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from countyreach.errors import InputError
from countyreach.i18n import OUTCOMES, outcome_label, t
from countyreach.services import officer as svc
from propensity.outcomes import Outcome

if TYPE_CHECKING:
    from countyreach.officer_day import DayStop

__all__ = ["FRONTEND", "TEXT_KEYS", "REASON_KEYS", "MAX_ITEMS", "Ack", "outcome_queue", "take",
           "acknowledge", "other_loan_label", "loan_choices"]

#: The component's static files (served by Streamlit as they are: no build step).
FRONTEND = Path(__file__).resolve().parent / "frontend"
#: Words of the component (the names its script uses) -> their catalogue keys.
TEXT_KEYS: Mapping[str, str] = {
    "none": "offline_queue_none",
    "waiting": "offline_queue_waiting",
    "banner": "offline_banner",
    "queued": "offline_queued",
    "refused": "offline_refused",
    "dismiss": "offline_dismiss",
    "no_stops": "offline_no_stops",
    "storage_off": "offline_storage_off",
    "outcome": "outcome",
    "save": "save",
    "consent": "consent",
    "opt_out": "opt_out",
    "needs_consent": "needs_consent",
    "other_loan": "other_loan",
}
#: Why a browser item is refused (the field :func:`~countyreach.services.officer.browser_outcome`
#: names) -> the catalogue key of the reason shown.
REASON_KEYS: Mapping[str, str] = {
    "item": "offline_bad_item",
    "outcome_id": "offline_bad_id",
    "lead_id": "offline_not_on_list",
    "outcome": "offline_bad_outcome",
    "other_loan_month": "offline_bad_loan_month",
    "consent": "needs_consent",
}
#: The most items taken from one value; the rest wait in the browser for the next run.
MAX_ITEMS = 200


@dataclass(frozen=True, slots=True)
class Ack:
    """The server's answer to one tap of the browser queue: recorded, or refused and why."""

    outcome_id: str
    ok: bool
    why: str = ""

    def as_arg(self) -> dict[str, Any]:
        """The acknowledgement as the component reads it."""
        return {"id": self.outcome_id, "ok": self.ok, "why": self.why}


def _stop_arg(s: DayStop) -> dict[str, Any]:
    return {"lead_id": s.lead_id, "seq": s.seq, "name": s.name, "arrive": s.arrive}


def other_loan_label(choice: str, lang: str) -> str:
    """How one of :func:`~countyreach.services.officer.other_loan_choices` reads.

    Parameters
    ----------
    choice : str
        Not asked, none, or a ``YYYY-MM``.
    lang : str
        Interface language.

    Returns
    -------
    str
    """
    if choice == svc.OtherLoan.NOT_ASKED:
        return t("other_loan_not_asked", lang)
    if choice == svc.OtherLoan.NONE:
        return t("other_loan_asked_none", lang)
    return t("other_loan_month", lang, month=choice)


def loan_choices(plan_date: str, lang: str) -> list[dict[str, Any]]:
    """The answers of loans elsewhere the component offers, not asked first.

    Parameters
    ----------
    plan_date : str
        The day shown (its months are offered).
    lang : str
        Interface language of the labels.

    Returns
    -------
    list of dict
        ``value, label`` and what the answer records: ``asked`` (bool) and ``month``
        (``YYYY-MM`` or ``None``).
    """
    out = []
    for choice in svc.other_loan_choices(plan_date):
        asked, month = svc.other_loan_answer(choice)
        out.append({"value": choice, "label": other_loan_label(choice, lang), "asked": asked,
                    "month": month})
    return out


def outcome_queue(*, county_id: str, officer_id: str, plan_date: str, stops: Sequence[DayStop],
                  lang: str, acks: Iterable[Ack], key: str = "offline_outcomes") -> list[Any]:
    """Draw the browser's outcome queue and return the taps it holds.

    Parameters
    ----------
    county_id, officer_id, plan_date : str
        Whose list and which day (also the browser's storage key).
    stops : sequence of DayStop
        The day's stops still without an outcome (offered when the connection is lost).
    lang : str
        Interface language of the words handed to the component.
    acks : iterable of Ack
        What the server answered so far: those taps leave the browser's queue.
    key : str
        Streamlit key of the component.

    Returns
    -------
    list
        The queued taps as the browser sent them (untrusted: check each with :func:`take`);
        empty when nothing waits.
    """
    import streamlit.components.v1 as components

    component = components.declare_component("outcome_queue", path=str(FRONTEND))
    value = component(
        key=key, default=None, county_id=county_id, officer_id=officer_id, plan_date=plan_date,
        lang=lang, stops=[_stop_arg(s) for s in stops],
        outcomes=[{"code": code, "label": outcome_label(code, lang),
                   "consent": svc.needs_consent(code),
                   "other_loan": code != Outcome.NOT_THERE.value} for code in OUTCOMES],
        loan_choices=loan_choices(plan_date, lang),
        texts={name: t(k, lang) for name, k in TEXT_KEYS.items()},
        acks=[a.as_arg() for a in acks])
    items = value.get("items") if isinstance(value, Mapping) else None
    return list(items) if isinstance(items, list) else []


def take(items: Sequence[Any], *, county_id: str, officer_id: str,
         lists: Callable[[str], Collection[str]], queue: svc.OutcomeQueue,
         acks: MutableMapping[str, Ack], lang: str) -> list[tuple[str, str]]:
    """Check the browser's taps; queue the good ones, acknowledge the bad ones as refused.

    Taps answered before (in ``acks``) or already waiting in ``queue`` are skipped, so a
    value the browser sends again changes nothing.

    Parameters
    ----------
    items : sequence
        What :func:`outcome_queue` returned (at most :data:`MAX_ITEMS` are looked at).
    county_id, officer_id : str
        Whose list the page shows.
    lists : callable
        ``plan_date -> lead ids`` on that officer's published list of the day.
    queue : OutcomeQueue
        Where good taps go (sent with the page's other queued outcomes).
    acks : mutable mapping
        ``outcome_id -> Ack`` of this session, updated in place.
    lang : str
        Language of the reasons.

    Returns
    -------
    list of (str, str)
        ``(lead or id, reason)`` of each tap refused now.
    """
    waiting = {p.outcome_id for p in queue.items}
    known: dict[str, Collection[str]] = {}
    refused: list[tuple[str, str]] = []
    for raw in items[:MAX_ITEMS]:
        rid = svc.browser_item_id(raw)
        if rid is None or rid in acks or rid in waiting:
            continue  # nothing to answer it by, or answered / queued already
        waiting.add(rid)
        day = raw.get("plan_date")
        if isinstance(day, str) and day not in known:
            known[day] = lists(day)
        try:
            item = svc.browser_outcome(raw, county_id, officer_id, known)
        except InputError as exc:
            why = t(REASON_KEYS.get(exc.field or "item", "offline_bad_item"), lang)
            acks[rid] = Ack(rid, False, why)
            lead = raw.get("lead_id")
            refused.append((lead if isinstance(lead, str) else rid, why))
            continue
        queue.put(item)
    return refused


def acknowledge(report: svc.SendReport, acks: MutableMapping[str, Ack]) -> int:
    """Turn what :func:`~countyreach.services.officer.send_pending` did into acknowledgements.

    Recorded and refused outcomes are answered; those kept for an unreachable database
    are not (the browser keeps them too, and sends them again).

    Returns
    -------
    int
        How many acknowledgements are new.
    """
    before = len(acks)
    for item in report.sent:
        acks.setdefault(item.outcome_id, Ack(item.outcome_id, True))
    for item, why in report.refused:
        acks.setdefault(item.outcome_id, Ack(item.outcome_id, False, why))
    return len(acks) - before
