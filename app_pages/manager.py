"""Manager page: plan the day, see routes and KPIs, adjust (pin / lock / re-optimise), publish."""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from app_pages import common as ui
from countyreach import pipeline
from countyreach.i18n import status_label, t
from countyreach.serialize import plan_to_dict
from countyreach.services import maps
from countyreach.services import planning as pl
from countyreach.settings import get_settings
from routing.params import SolveParams
from routing.problem import ConstraintMode, RoutingRules

#: Constraint modes in the order the selectors offer them (the default first).
MODES: tuple[ConstraintMode, ...] = (ConstraintMode.SOFT, ConstraintMode.HARD, ConstraintMode.OFF)


def _rules_and_params() -> tuple[RoutingRules, SolveParams]:
    """The rules and solver budget chosen in this session's settings expander."""
    state = st.session_state
    rules = RoutingRules(skills=ConstraintMode(state.get("skills", "soft")),
                         locality=ConstraintMode(state.get("locality", "soft")))
    params = SolveParams(
        time_limit_s=float(state.get("time_limit", get_settings().time_limit_s)))
    return rules, params


def render() -> None:
    """Plan the day: officers, optimise, map with routes, KPIs, adjust, publish."""
    L = ui.lang()
    st.title(t("page_manager", L))
    data = ui.load_county()
    if data is None:
        return
    officers = {o.officer_id: o for o in data.officers}
    c1, c2 = st.columns([1, 3])
    plan_date = c1.date_input(t("plan_date", L), value=dt.date.today(), key="plan_date")
    on_duty = c2.multiselect(
        t("officers_on_duty", L), list(officers), default=list(officers), key="on_duty",
        format_func=lambda oid: f"{oid} {officers[oid].name}")
    with st.expander(t("adjust", L) + " · " + t("time_limit", L), expanded=False):
        s1, s2, s3 = st.columns(3)
        s1.number_input(t("time_limit", L), 0.5, 120.0, get_settings().time_limit_s, 0.5,
                        key="time_limit")
        modes = [m.value for m in MODES]
        s2.selectbox(t("skills_policy", L), modes, key="skills",
                     format_func=lambda p: t(f"policy_{p}", L))
        s3.selectbox(t("locality_policy", L), modes, key="locality",
                     format_func=lambda p: t(f"policy_{p}", L))
    rules, params = _rules_and_params()
    if st.button(t("plan_button", L), type="primary", key="plan", disabled=not on_duty):
        bar = st.progress(0.0, text=t("planning", L))
        try:
            planned = pipeline.plan_day(
                data, plan_date=plan_date.isoformat(), rules=rules, params=params,
                officer_ids=list(on_duty), pins=st.session_state.get("pins", {}),
                do_not_visit=ui.do_not_visit(), cache_dir=ui.cache_dir(),
                progress=ui.progress_callback(bar))
        except Exception as exc:
            bar.empty()
            st.error(str(exc))
            return
        bar.empty()
        ui.set_day(planned)
    day = ui.current_day()
    if day is None:
        st.info(t("no_plan_yet", L))
        ui.show_map(maps.map_data(data, ui.scores(plan_date.strftime("%Y-%m")), L,
                                  roads=ui.county_roads(ui.county_path())), "plan_map")
        return
    _plan_view(day)


def _plan_view(day: pipeline.DayPlan) -> None:
    L = ui.lang()
    plan, problem = day.plan, day.problem
    st.subheader(t("plan_summary", L, date=plan.plan_date, visits=len(plan.visited_lead_ids),
                   officers=len(problem.officers), secs=day.timings_s.get("total_s", 0.0)))
    status = f"{t('plan_status', L)}: {status_label(plan.status.value, L)}"
    if day.ok:
        st.success(f"{status} · {t('checker_ok', L)}")
    else:
        st.error(f"{status} · {t('checker_bad', L, n=len(day.violations))}")
        for v in day.violations[:10]:
            st.write(f"[{v.code}] {v.message}")
    rows, total = pl.plan_kpis(problem, plan, day.scores)
    cols = st.columns(6)
    cols[0].metric(t("kpi_visits", L), total.visits)
    cols[1].metric(t("kpi_drive_h", L), f"{total.drive_h:.1f}")
    cols[2].metric(t("kpi_loans", L), f"{total.expected_loans:.1f}")
    cols[3].metric(t("kpi_loan_yuan", L), f"{total.expected_loan_yuan:,.0f}")
    cols[4].metric(t("kpi_value", L), f"{total.value_yuan:,.0f}")
    cols[5].metric(t("kpi_dropped", L), len(plan.dropped))
    md = maps.map_data(day.county, day.scores, L, day=day, legs=st.session_state.get("legs"),
                       roads=ui.county_roads(ui.county_path()))
    ui.show_map(md, "plan_map")
    colours = maps.officer_colours(o.officer_id for o in day.county.officers)
    st.html(maps.officer_legend_html({o.officer_id: o.name for o in problem.officers}, colours))
    st.caption(t("legend", L))
    st.dataframe(pl.kpi_frame(rows, total, L), hide_index=True, key="kpi_table")
    tab_routes, tab_dropped = st.tabs([t("routes", L), t("dropped_leads", L)])
    labels = pl.table_labels(L)
    with tab_routes:
        st.dataframe(pl.route_table(problem, plan, L).rename(columns=labels), hide_index=True,
                     key="route_table")
    with tab_dropped:
        st.dataframe(pl.dropped_table(problem, plan, L).rename(columns=labels), hide_index=True,
                     key="dropped_table")
    _adjust(day)
    _publish(day)


def _adjust(day: pipeline.DayPlan) -> None:
    L = ui.lang()
    st.subheader(t("adjust", L))
    pins: dict[str, str] = dict(st.session_state.get("pins", {}))
    names = {o.officer_id: o.name for o in day.problem.officers}
    leads = sorted(day.problem.leads, key=lambda ld: -ld.value_yuan)
    label = {ld.lead_id: f"{ld.lead_id} {ld.name} · ¥{ld.value_yuan:,.0f}" for ld in leads}
    c1, c2, c3 = st.columns([3, 2, 1])
    lead_id = c1.selectbox(t("lead", L), [ld.lead_id for ld in leads], key="pin_lead",
                           format_func=lambda x: label.get(x, x))
    officer_id = c2.selectbox(t("assign_lead", L), list(names), key="pin_officer",
                              format_func=lambda x: f"{x} {names.get(x, '')}")
    if c3.button(t("pin", L), key="pin_button") and lead_id and officer_id:
        pins = pl.assign_pin(pins, str(lead_id), str(officer_id))
    d1, d2, d3 = st.columns([3, 2, 1])
    lock_officer = d1.selectbox(t("lock_route", L), list(names), key="lock_officer",
                                format_func=lambda x: f"{x} {names.get(x, '')}")
    if d2.button(t("lock_route", L), key="lock_button") and lock_officer:
        pins = pl.lock_route(pins, day.plan, str(lock_officer))
    if d3.button(t("unpin_all", L), key="unpin_button"):
        pins = pl.unpin(pins)
    st.session_state["pins"] = pins
    if pins:
        st.caption(t("pins", L, n=len(pins)) + " — " + ", ".join(
            t("pinned_to", L, lead=k, officer=v) for k, v in sorted(pins.items())))
    if st.button(t("reoptimise", L), key="reoptimise", type="primary"):
        with st.spinner(t("planning", L)):
            rules, params = _rules_and_params()
            ui.set_day(pl.replan(day, pins=pins, rules=rules, params=params))
        st.rerun()


def _publish(day: pipeline.DayPlan) -> None:
    L = ui.lang()
    c1, c2 = st.columns(2)
    if c1.button(t("publish", L), key="publish", type="primary"):
        plan_id = None
        signed = ui.signed_in()
        if signed is not None:
            store, sess = signed
            try:
                plan_id = pl.publish_to_store(store, sess, day, L)
            except Exception as exc:
                st.warning(str(exc))
        ui.board().publish(ui.county_path(), day)
        st.success(t("published", L, plan_id=plan_id) if plan_id is not None
                   else t("published_local", L))
    c2.download_button(t("download_plan", L),
                       json.dumps(plan_to_dict(day.plan), ensure_ascii=False, indent=1),
                       file_name=f"plan-{day.plan.plan_date}.json", mime="application/json",
                       key="download_plan")


render()
