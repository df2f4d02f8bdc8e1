"""Publishing a day to the store: the plan with its reasons in every language, and the visits
officers made on the published plan that a new version must keep.

The store refuses to publish a version that would take a visit made that day from the
officer who made it (:meth:`countyreach.store.Store.publish`); :func:`unkept_visits` says so
before a version is saved, so the manager page warns before the Publish button and
:func:`publish_to_store` saves no draft it cannot publish.

The manager page keeps each plan it makes as a draft version (:func:`save_draft`), which a
reload or another browser opens again (:func:`latest_draft`, :func:`draft_day`); publishing
that plan publishes that version.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from countyreach.dates import county_today
from countyreach.errors import InputError, StoreError
from countyreach.i18n import LANGS, list_text, t
from countyreach.settings import get_settings

if TYPE_CHECKING:
    from countyreach.pipeline import CountyData, DayPlan
    from countyreach.store import PlanVersion, Session, Store
    from countyreach.store.compaction import Trimmed

__all__ = ["explanation_column", "reasons_to_publish", "publish_to_store", "save_draft",
           "latest_draft", "draft_day", "unkept_visits", "visits_text", "VISITS_SHOWN",
           "trim_past_days", "TRIM_PER_PUBLISH", "publish_version", "not_published"]

log = logging.getLogger(__name__)

#: Past days whose travel matrices a publish trims (:func:`trim_past_days`): a store with a
#: long backlog of whole days catches up over a few days' publishing instead of holding up
#: one (``countyreach county trim`` does all of it at once).
TRIM_PER_PUBLISH = 2

#: Visits named in a message about visits a plan would not keep (the count says the rest).
VISITS_SHOWN = 10


def explanation_column(lang: str) -> str:
    """The score frame's column with the model's reason in ``lang``."""
    return "explanation_zh" if lang == "zh" else "explanation_en"


def reasons_to_publish(scores: pd.DataFrame, on_routes: Iterable[str],
                       follow_ups: Mapping[str, str] | None = None
                       ) -> dict[str, dict[str, str]]:
    """The "why this lead" of each lead on the routes, in every language, as a published
    plan keeps them (the officer reads them in the officer's language); a follow-up booked
    with an officer says so first.

    Parameters
    ----------
    scores : pandas.DataFrame
        The day's scores (``explanation_zh``, ``explanation_en``).
    on_routes : iterable of str
        The leads visited.
    follow_ups : mapping lead_id -> officer_id, optional
        Follow-ups pinned today.

    Returns
    -------
    dict
        ``lead_id -> {lang: text}`` (at most 1,000 characters each).
    """
    visited = set(on_routes)
    out: dict[str, dict[str, str]] = {}
    ids = scores["lead_id"].astype(str)
    for lang in LANGS:
        col = explanation_column(lang)
        texts = scores[col].fillna("").astype(str) if col in scores.columns else ids.map(
            lambda _: "")
        for lid, text in zip(ids, texts, strict=True):
            if lid not in visited:
                continue
            oid = (follow_ups or {}).get(lid)
            if oid is not None:
                sep = "；" if lang == "zh" else "; "
                text = t("why_follow_up", lang, officer=oid) + (sep + text if text else "")
            if text:
                out.setdefault(lid, {})[lang] = text[:1000]
    return out


def publish_to_store(store: Store, session: Session, day: DayPlan, lang: str) -> str:
    """Save ``day`` as a new plan version in the database store and publish it.

    The visited leads' reasons are saved with the plan in every language
    (:func:`reasons_to_publish`), so each officer reads them in their own. An admin creates
    the county on first publish; managers need it to exist.

    Parameters
    ----------
    store, session : Store, Session
        The store, and a signed-in manager or admin.
    day : DayPlan
        Refused with an :class:`InputError`, nothing saved, if the independent checker
        faulted it, or if it does not keep a visit made on the published plan with the
        officer who made it (:func:`unkept_visits`: planned before the visit was recorded).
    lang : str
        The manager's language (kept for callers; the reasons are saved in every one).

    Returns
    -------
    str
        The published plan's id as shown to the user (``county date vN``).
    """
    county_id, date = day.county.county.county_id, day.plan.plan_date
    if not day.ok:  # as `plan --publish` refuses it: officers never get a plan the checker faults
        raise InputError(f"the plan of {date} has {len(day.violations)} checker violation(s); "
                         "not published")
    if session.role == "admin":
        store.ensure_county(session, county_id, day.county.county.name)
    lost = unkept_visits(store, session, day)
    if lost:  # the store would refuse to publish it: no draft is saved either
        raise InputError(f"the plan of {date} does not keep {len(lost)} visit(s) made on the "
                         f"published plan with their officer: {visits_text(lost)}; plan the "
                         "day again")
    # the page saved this plan as a draft when it was made: saving again returns that version
    version = _save(store, session, day)
    store.publish(session, county_id, date, version)
    trim_past_days(store, session, county_id)
    return f"{county_id} {date} v{version}"


def _save(store: Store, session: Session, day: DayPlan) -> int:
    # the user's working draft of the day is remade, not added to: one per manager and day
    return store.save_plan(session, day.county.county.county_id, day.plan.plan_date,
                           day.problem, day.plan,
                           explanations=reasons_to_publish(day.scores,
                                                           day.plan.visited_lead_ids),
                           replace_draft=True)


def save_draft(store: Store, session: Session, day: DayPlan) -> PlanVersion | None:
    """Keep a plan the manager made in the store as a draft version, so it outlives the
    page (a reload, another browser, a server restart) until it is published or replaced.
    The day's newest version, when it is a draft this user saved, is remade with it (one
    working draft per manager and day, however often the day is re-optimised).

    Only a plan that could be published is kept: one the checker faults, or one that would
    take a visit from its officer (:func:`unkept_visits`), is not. The same plan saved again
    (publishing it) is the same version.

    Parameters
    ----------
    store, session : Store, Session
        The store, and a signed-in manager or admin.
    day : DayPlan

    Returns
    -------
    PlanVersion or None
        The draft as kept (its number, and its content hash: a number alone may come back
        to another plan once a draft is discarded); None when the plan is not kept for the
        reasons above.

    Raises
    ------
    AccessDenied, InputError, StoreError
        As :meth:`countyreach.store.Store.save_plan`: not the county's manager, a county
        the store does not hold.
    """
    if not day.ok:
        return None
    # no county is created for a draft (publishing creates it): planning only explores
    if unkept_visits(store, session, day):
        return None
    version = _save(store, session, day)
    return next(v for v in store.plan_versions(session, day.county.county.county_id,
                                               day.plan.plan_date) if v.version == version)


def latest_draft(store: Store, session: Session, county_id: str,
                 plan_date: str) -> PlanVersion | None:
    """The day's newest version when it is a draft (newer than any published one), else
    None: the plan a manager made and has not published."""
    versions = store.plan_versions(session, county_id, plan_date)
    return versions[-1] if versions and versions[-1].status == "draft" else None


def draft_day(store: Store, session: Session, data: CountyData, plan_date: str,
              version: int, scores: pd.DataFrame | None) -> DayPlan:
    """A saved version of the day as a :class:`~countyreach.pipeline.DayPlan`, checked
    again by the independent checker (the county's data may have changed since).

    Parameters
    ----------
    store, session : Store, Session
        The store, and a manager of the county or an admin.
    data : CountyData
        The county as loaded now.
    plan_date : str
        ``YYYY-MM-DD``.
    version : int
        The version (:func:`latest_draft`).
    scores : pandas.DataFrame, optional
        The month's lead scores (the lead cards' values and reasons).

    Raises
    ------
    InputError
        The draft visits a business on the do-not-visit list since, or places the county's
        data no longer has (imported again): it is to be planned again.
    """
    from countyreach.pipeline import DayPlan
    from routing import checked_plan
    from routing.problem import end_node_id, start_node_id

    county_id = data.county.county_id
    problem, plan, _ = store.plan(session, county_id, plan_date, version)
    refused = sorted(set(plan.visited_lead_ids) & store.do_not_visit_ids(session, county_id))
    gone = sorted({n for r in plan.routes for n in (start_node_id(r.officer_id),
                                                     *r.lead_ids, end_node_id(r.officer_id))}
                  - set(data.snaps))
    if refused:
        raise InputError(f"draft v{version} of {plan_date} visits businesses on the "
                         f"do-not-visit list since: {', '.join(refused)}; plan the day again",
                         field="plan_date")
    if gone:
        raise InputError(f"draft v{version} of {plan_date} visits places the county no "
                         f"longer has: {', '.join(gone[:VISITS_SHOWN])}; plan the day again",
                         field="plan_date")
    plan, violations = checked_plan(problem, plan)
    return DayPlan(data, problem, plan, tuple(violations), scores if scores is not None
                   else pd.DataFrame({"lead_id": []}), {})


def unkept_visits(store: Store, session: Session, day: DayPlan) -> list[tuple[str, str]]:
    """``(lead_id, officer_id)`` of the visits made on the day's published plan that
    ``day`` does not keep on the route of the officer who made them.

    Officers record visits while a manager's page stands open with a plan made earlier (or
    another manager publishes): such a plan may send another officer to a business met this
    morning. Planning the day again keeps the visits (:mod:`countyreach.services.visited`).

    Parameters
    ----------
    store, session : Store, Session
        The store, and a signed-in manager or admin.
    day : DayPlan
        The plan about to be published.

    Returns
    -------
    list of (str, str)
        Empty when the day is not published yet or the plan keeps every visit.
    """
    return store.unkept_visits(session, day.county.county.county_id, day.plan.plan_date,
                               day.plan)


def visits_text(visits: Iterable[tuple[str, str]], lang: str = "en") -> str:
    """``B0021 (O01), B0040 (O02)`` (``B0021（O01）、B0040（O02）`` in Chinese): the first
    :data:`VISITS_SHOWN` visits as messages name them, with their officer."""
    named = (f"{lead}（{oid}）" if lang == "zh" else f"{lead} ({oid})"
             for lead, oid in list(visits)[:VISITS_SHOWN])
    return list_text(named, lang)


def trim_past_days(store: Store, session: Session, county_id: str, *,
                   keep_days: int | None = None,
                   max_days: int | None = TRIM_PER_PUBLISH) -> Trimmed | None:
    """Trim the travel matrices of the county's days older than its retention to the legs
    their routes use (:mod:`countyreach.store.compaction`); called after each publish.

    Parameters
    ----------
    store, session : Store, Session
        The store, and a manager of the county or an admin.
    county_id : str
    keep_days : int, optional
        Days before the county's today (the store's clock) that stay whole; default
        :attr:`~countyreach.settings.Settings.matrix_keep_days`.
    max_days : int or None, default :data:`TRIM_PER_PUBLISH`
        Trim at most this many days, the oldest first (None: all of them).

    Returns
    -------
    Trimmed or None
        What was trimmed; None when the store failed to (logged: the day is published, and
        the next publish tries again).
    """
    keep = get_settings().matrix_keep_days if keep_days is None else keep_days
    today = dt.date.fromisoformat(county_today(store.now()))
    before = (today - dt.timedelta(days=keep)).isoformat()
    try:
        return store.trim_matrices(session, county_id, before, max_days)
    except StoreError as exc:
        log.warning("travel matrices of %s before %s not trimmed: %s", county_id, before, exc)
        return None


def not_published(version: int, plan_date: str, n_violations: int) -> str:
    """Why a version the checker faults is not published (``plan --publish``, ``plans
    --publish``, the manager page): one text, which the catalogue says in Chinese."""
    return (f"plan v{version} of {plan_date} has {n_violations} checker violation(s); "
            "not published")


def publish_version(store: Store, session: Session, county_id: str, plan_date: str,
                    version: int) -> str:
    """Publish a stored version (a draft, or an earlier version again: a rollback) once the
    independent checker passes it, as ``plan --publish`` publishes only a plan it passes.

    Parameters
    ----------
    store, session : Store, Session
        The store, and a manager of the county or an admin.
    county_id, plan_date : str
    version : int

    Returns
    -------
    str
        Empty when published; else why not (the checker's violations of the version,
        against the problem it was planned for: a draft the checker refused stays one).

    Raises
    ------
    InputError
        What the store refuses (:meth:`~countyreach.store.Store.publish`): an unknown
        version, one that visits a business on the do-not-visit list, or one that does not
        keep a visit made that day.
    """
    from routing.checker import check_plan

    problem, plan, _ = store.plan(session, county_id, plan_date, version)
    violations = check_plan(problem, plan)
    if violations:
        return not_published(version, plan_date, len(violations))
    store.publish(session, county_id, plan_date, version)
    trim_past_days(store, session, county_id)
    return ""
