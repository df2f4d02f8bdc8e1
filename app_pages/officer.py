"""Officer page, phone first: my stops in order, call, navigate, why, outcome, offline sheet."""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from app_pages import common as ui
from countyreach import pipeline
from countyreach.i18n import OUTCOMES, outcome_label, t
from countyreach.officer_day import OfficerDay
from countyreach.services import maps
from countyreach.services import officer as svc
from routing.problem import hhmm

log = logging.getLogger("countyreach.app")


def _day_source(data: pipeline.CountyData) -> tuple[pipeline.DayPlan | None, bool]:
    """The plan the page shows and whether it is only a draft.

    A signed-in user reads the published plan from the store; otherwise the
    plan published on this server, else the manager's draft of this session.
    """
    signed = ui.signed_in()
    if signed is not None:
        store, sess = signed
        date = st.session_state.get("officer_date", dt.date.today()).isoformat()
        try:
            return svc.published_day_from_store(store, sess, data, date,
                                                ui.scores(date[:7])), False
        except Exception as exc:
            log.info("no published plan in the store: %s", exc)
    day = ui.board().published(ui.county_path())
    if day is not None:
        return day, False
    day = ui.current_day()
    return day, day is not None


def _record_outcome(plan_date: str, officer_id: str, lead_id: str, outcome: str, *,
                    consent: bool, opt_out: bool) -> None:
    """Record on this server and, when signed in, in the store (idempotent per tap)."""
    signed = ui.signed_in()
    if signed is not None:
        store, sess = signed
        ids: dict[str, str] = st.session_state.setdefault("outcome_ids", {})
        try:
            svc.record_outcome_in_store(
                store, sess, outcome_id=svc.outcome_id(ids, plan_date, lead_id, outcome, opt_out),
                county_id=ui.county_id(), plan_date=plan_date, lead_id=lead_id, outcome=outcome,
                consent=consent, opt_out=opt_out)
        except Exception as exc:
            st.warning(str(exc))
            return
    ui.board().record(ui.county_path(), plan_date, officer_id, lead_id, outcome, opt_out=opt_out)


def render() -> None:
    """My visits: stops in order, call, navigate, why, outcome in two taps, offline sheet."""
    # Phone first: one narrow column, full-width buttons.
    st.set_page_config(layout="centered")
    L = ui.lang()
    st.title(t("page_officer", L))
    data = ui.load_county()
    if data is None:
        return
    if ui.signed_in() is not None:
        st.date_input(t("plan_date", L), value=dt.date.today(), key="officer_date")
    day, draft = _day_source(data)
    officers = {o.officer_id: o for o in data.officers}
    sess = st.session_state.get("store_session")
    mine = [sess.officer_id] if sess is not None and sess.role == "officer" else list(officers)
    me = st.selectbox(t("choose_officer", L), mine, key="me",
                      format_func=lambda x: f"{officers[x].name} ({x})" if x in officers else x)
    if day is None:
        st.info(t("no_published", L))
        return
    if draft:
        st.warning(t("showing_draft", L))
    if str(me) not in day.problem.officer_by_id:
        st.info(t("no_visits", L))
        return
    od = svc.officer_view(day.problem, day.plan, str(me), day.scores, L)
    if not od.stops:
        st.info(t("no_visits", L))
        return
    st.markdown("**" + t("my_day", L, n=len(od.stops), start=hhmm(od.start_s),
                         end=hhmm(od.end_s), drive_h=od.drive_s / 3600) + "**")
    _downloads(od, str(me))
    _stops(od, str(me))
    with st.expander(t("map", L)):
        legs = st.session_state.get("legs") if day is ui.current_day() else None
        md = maps.map_data(data, day.scores, L, day=day, legs=legs,
                           roads=ui.county_roads(ui.county_path()), only_officer=str(me))
        ui.show_map(md, "officer_map", height=420)


def _downloads(od: OfficerDay, me: str) -> None:
    L = ui.lang()
    stem = f"visits-{me}-{od.plan_date}"
    st.download_button(t("offline_sheet", L), od.to_html(), file_name=f"{stem}.html",
                       mime="text/html", key="offline_sheet", width="stretch",
                       icon=":material/download:")
    e1, e2, e3 = st.columns(3)
    e1.download_button(t("export_csv", L), od.to_csv(), file_name=f"{stem}.csv",
                       mime="text/csv", key="export_csv", width="stretch")
    e2.download_button(t("export_calendar", L), od.to_ics(), file_name=f"{stem}.ics",
                       mime="text/calendar", key="export_ics", width="stretch")
    e3.download_button(t("export_gpx", L), od.to_gpx(), file_name=f"{stem}.gpx",
                       mime="application/gpx+xml", key="export_gpx", width="stretch")
    st.caption(t("offline_hint", L))


def _stops(od: OfficerDay, me: str) -> None:
    L = ui.lang()
    recorded = ui.board().outcomes(ui.county_path(), od.plan_date)
    for s in od.stops:
        with st.container(border=True, key=f"stop_{s.lead_id}"):
            st.markdown(f"### {s.seq}. {s.name}\n**{s.arrive}–{s.leave}** · {s.village} · "
                        f"{s.industry} · {t('drive_min', L, m=round(s.drive_s / 60))}")
            if s.address:
                st.caption(s.address)
            b1, b2, b3 = st.columns(3)
            if s.tel_url:
                b1.link_button(t("call", L), s.tel_url, icon=":material/call:", width="stretch")
            b2.link_button(t("navigate_amap", L), s.amap_url, icon=":material/navigation:",
                           width="stretch")
            b3.link_button(t("navigate_baidu", L), s.baidu_url, icon=":material/navigation:",
                           width="stretch")
            with st.expander(t("why_lead", L)):
                st.write(s.why or "—")
            choice = st.segmented_control(
                t("outcome", L), list(OUTCOMES), key=f"outcome_{s.lead_id}",
                format_func=lambda code: outcome_label(code, L), width="stretch")
            c1, c2 = st.columns(2)
            consent = c1.checkbox(t("consent", L), key=f"consent_{s.lead_id}")
            opt_out = c2.checkbox(t("opt_out", L), key=f"optout_{s.lead_id}")
            blocked = svc.needs_consent(choice) and not consent
            if blocked:
                st.caption(t("needs_consent", L))
            if st.button(t("save", L), key=f"save_{s.lead_id}", width="stretch",
                         disabled=choice is None or blocked, type="primary"):
                _record_outcome(od.plan_date, me, s.lead_id, str(choice), consent=consent,
                                opt_out=opt_out)
                recorded = ui.board().outcomes(ui.county_path(), od.plan_date)
            if s.lead_id in recorded:
                st.success(t("saved", L, outcome=outcome_label(recorded[s.lead_id], L)))


render()
