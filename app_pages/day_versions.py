"""The manager page's versions of a day: the day as the officers have it, the draft kept of
each plan made (offered again after a reload), the visits made since a plan was made that it
would not keep, and the Publish dialog."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages import common as ui
from app_pages import plan_changes as pc
from countyreach import pipeline
from countyreach.dates import county_time
from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.i18n import t
from countyreach.localize import error_text, localize
from countyreach.serialize import plan_to_dict
from countyreach.services import publishing
from countyreach.services.officer import published_day_from_store
from countyreach.services.visited import VisitedStops
from countyreach.services.workspace import PlanningModel
from countyreach.store import PlanVersion
from routing.plan import Plan

__all__ = ["published_day", "published", "publish_section", "keep_draft", "draft_offer"]


def published_day(data: pipeline.CountyData, plan_date: str, model: PlanningModel | None,
                  visits: VisitedStops) -> pipeline.DayPlan | None:
    """The day as published in the store, scored as a plan of it would be; else ``None``.

    ``visits`` (read for the page already) says whether the day is published, so a day that
    is not costs no store rules and no scoring on each rerun.
    """
    signed = ui.signed_in()
    if signed is None or visits.published is None:
        return None
    scores = ui.scores(plan_date[:7], model, ui.store_rules(plan_date, data)) \
        if model is not None else None
    try:
        return published_day_from_store(signed[0], signed[1], data, plan_date, scores)
    except (InputError, AccessDenied, StoreError):  # none published, or not this county
        return None


def keep_draft(day: pipeline.DayPlan) -> None:
    """Keep the plan just made as a draft version in the store
    (:func:`countyreach.services.publishing.save_draft`): a reload, another browser or a
    restarted server opens it again (:func:`draft_offer`)."""
    st.session_state.pop("draft", None)
    signed = ui.signed_in()
    if signed is None:
        return
    try:
        kept = publishing.save_draft(*signed, day)
    except (InputError, AccessDenied, StoreError):  # a county the store does not hold
        return
    if kept is not None:
        st.session_state["draft"] = (day.plan, kept)


def _kept_as(day: pipeline.DayPlan | None) -> PlanVersion | None:
    """The draft version the session's ``day`` is kept as, if it is."""
    kept = st.session_state.get("draft")
    return kept[1] if day is not None and kept is not None and kept[0] is day.plan else None


def draft_offer(data: pipeline.CountyData, plan_date: str, model: PlanningModel | None,
                day: pipeline.DayPlan | None) -> None:
    """Offer the day's newest draft when the page shows another plan (or none): the plan a
    manager made before a reload, in another browser, or before the server restarted."""
    signed = ui.signed_in()
    if signed is None:
        return
    L = ui.lang()
    try:
        draft = publishing.latest_draft(*signed, data.county.county_id, plan_date)
    except (InputError, AccessDenied, StoreError):
        return
    mine = _kept_as(day)
    # the page shows this very draft (by content: a discarded draft's number comes back)
    if draft is None or (mine is not None and (mine.version, mine.content_hash)
                         == (draft.version, draft.content_hash)):
        return
    row = st.empty()
    c1, c2, c3 = row.container().columns([3, 1, 1], vertical_alignment="center")
    # a draft left in another browser, or one that can no longer be opened, would be
    # offered on every visit: the managers can let it go
    if c3.button(t("draft_discard", L), key="draft_discard", icon=":material/delete:"):
        try:
            signed[0].discard_draft(signed[1], data.county.county_id, plan_date,
                                    draft.version)
        except (InputError, AccessDenied, StoreError) as exc:
            st.error(error_text(exc, L))
            return
        row.empty()
        st.toast(t("draft_discarded", L, version=draft.version), icon=":material/delete:")
        return
    c1.info(t("draft_waiting", L, version=draft.version, by=draft.created_by,
              when=county_time(draft.created_at)), icon=":material/draft:")
    if c2.button(t("draft_open", L), key="draft_open", icon=":material/file_open:"):
        scores = ui.scores(plan_date[:7], model, ui.store_rules(plan_date, data)) \
            if model is not None else None
        try:
            opened = publishing.draft_day(*signed, data, plan_date, draft.version, scores)
        except (InputError, AccessDenied, StoreError) as exc:
            st.error(error_text(exc, L))
            return
        st.session_state.pop("prev_plan", None)
        ui.set_day(opened)
        st.session_state["draft"] = (opened.plan, draft)
        st.rerun()


def published(day: pipeline.DayPlan) -> tuple[Plan, int] | None:
    """The day's published plan and its version in the store, if one is published."""
    signed = ui.signed_in()
    if signed is None:
        return None
    try:
        _, plan, version = signed[0].published_plan(signed[1], ui.county_id(),
                                                     day.plan.plan_date)
    except (InputError, AccessDenied):
        return None
    return plan, version


def _confirm_publish(day_key: str) -> None:
    L = ui.lang()
    day = ui.current_day()
    signed = ui.signed_in()
    if day is None or signed is None:
        return
    current = published(day)
    st.write(t("publish_confirm", L, date=day.plan.plan_date,
               visits=len(day.plan.visited_lead_ids), officers=len(day.plan.routes)))
    if current is not None:
        n = len(pc.changes(current[0], day.plan))
        st.caption(t("publish_replaces", L, version=current[1], n=n))
    c1, c2 = st.columns(2)
    # visits recorded since the button was shown: said here, as the store would refuse it
    lost = _unkept(day)
    if lost:
        st.warning(_unkept_text(lost, L))
    elif c1.button(t("publish_yes", L), key=f"publish_yes_{day_key}", type="primary"):
        try:
            st.session_state["published_version"] = publishing.publish_to_store(*signed, day, L)
        except Exception as exc:
            st.error(t("refused", L, why=error_text(exc, L)))
            return
        st.rerun()
    if c2.button(t("cancel", L), key=f"publish_no_{day_key}"):
        st.rerun()


def _unkept(day: pipeline.DayPlan) -> list[tuple[str, str]]:
    """The visits made on the published plan that ``day`` would not keep with their
    officer (:func:`countyreach.services.publishing.unkept_visits`)."""
    signed = ui.signed_in()
    if signed is None:
        return []
    try:
        return publishing.unkept_visits(*signed, day)
    except (InputError, AccessDenied, StoreError):  # a county the store does not hold yet
        return []


def _unkept_text(lost: list[tuple[str, str]], lang: str) -> str:
    return t("visits_not_kept", lang, n=len(lost), visits=publishing.visits_text(lost, lang))


def publish_section(day: pipeline.DayPlan) -> None:
    L = ui.lang()
    st.subheader(t("publish_title", L))
    c1, c2 = st.columns(2)
    # a plan the checker faults is not offered: its problems are listed above the routes
    faulted = None if day.ok else t("checker_bad", L, n=len(day.violations))
    lost = _unkept(day)
    if lost:  # officers recorded visits while this page stood open with an older plan
        st.warning(_unkept_text(lost, L), icon=":material/history:")
        faulted = faulted or t("visits_not_kept_short", L, n=len(lost))
    if c1.button(t("publish", L), key="publish", type="primary", icon=":material/send:",
                 disabled=faulted is not None, help=faulted):
        # The dialog's title is in the session's language, so it is made here.
        st.dialog(t("publish_title", L), width="medium")(_confirm_publish)(day.plan.plan_date)
    c2.download_button(t("download_plan", L),
                       json.dumps(plan_to_dict(day.plan), ensure_ascii=False, indent=1),
                       file_name=f"plan-{day.plan.plan_date}.json", mime="application/json",
                       key="download_plan")
    done = st.session_state.get("published_version")
    again = st.session_state.pop("republished", None)
    if again:
        st.success(again)
    elif done:
        st.success(t("published", L, plan_id=done))
    elif (kept := _kept_as(day)) is not None:
        st.caption(t("draft_kept", L, version=kept.version))
    signed = ui.signed_in()
    if signed is None:
        return
    try:
        versions = signed[0].plan_versions(signed[1], ui.county_id(), day.plan.plan_date)
    except (InputError, AccessDenied):
        versions = []
    if versions:
        st.dataframe(pd.DataFrame([{
            t("col_version", L): f"v{v.version}", t("col_state", L): t(f"state_{v.status}", L),
            t("col_by", L): v.published_by or v.created_by,
            t("col_when", L): county_time(v.published_at or v.created_at),
        } for v in reversed(versions)]), hide_index=True, key="versions_table")
    earlier = [v.version for v in reversed(versions) if v.status == "superseded"]
    if earlier:
        _republish(earlier, day.plan.plan_date)


def _republish(earlier: list[int], plan_date: str) -> None:
    """Publish an earlier version of the day again (a rollback), once the independent
    checker passes it (:func:`countyreach.services.publishing.publish_version`); the page
    then shows the day as the officers have it."""
    L = ui.lang()
    signed = ui.signed_in()
    if signed is None:
        return
    # a popover: publishing changes the officers' lists, so it takes a deliberate step
    with st.popover(t("republish_title", L), icon=":material/history:"):
        version = st.selectbox(t("republish_pick", L), earlier, key="republish_pick",
                               format_func=lambda n: f"v{n}")
        st.caption(t("republish_note", L, date=plan_date))
        if not st.button(t("republish", L), key="republish", type="primary"):
            return
        try:
            refused = publishing.publish_version(*signed, ui.county_id(), plan_date,
                                                 int(version))
        except (InputError, AccessDenied, StoreError) as exc:
            st.error(t("refused", L, why=error_text(exc, L)))
            return
        if refused:
            st.error(t("refused", L, why=localize(refused, L)))
            return
    # the page's next run shows the published day (ui.set_day: its legs, no old notice)
    for key in ("day", "prev_plan"):
        st.session_state.pop(key, None)
    st.session_state["republished"] = t("republished", L, version=version)
    st.rerun()
