"""Planner page: coverage of a new county against the number of officers."""

from __future__ import annotations

import streamlit as st

from app_pages import common as ui
from countyreach.i18n import t
from countyreach.services import coverage as svc


def render() -> None:
    """Choose worlds, team sizes and strategies; run the sweep; show the recommendation."""
    L = ui.lang()
    st.title(t("page_planner", L))
    st.write(t("planner_intro", L))
    worlds = {svc.WorldKind.COUNTY.value: t("sim_world_county", L),
              svc.WorldKind.TANGXIAN.value: t("sim_world_tangxian", L)}
    c1, c2 = st.columns(2)
    kind = c1.selectbox(t("sim_world", L), list(worlds), key="sim_world",
                        format_func=lambda k: worlds[k])
    strategies = c2.multiselect(t("sim_strategies", L), list(svc.base_strategies()),
                                default=list(svc.DEFAULT_STRATEGIES), key="sim_strategies")
    d1, d2, d3 = st.columns(3)
    lo, hi = d1.slider(t("n_officers_range", L), 1, 30, (1, 6), key="sim_officers")
    step = d1.number_input(t("sim_step", L), 1, 10, 1, key="sim_step")
    weeks = d2.number_input(t("sim_weeks", L), 1, 26, 2, key="sim_weeks")
    seeds = d3.number_input(t("sim_seeds", L), 1, 5, 1, key="sim_seeds")
    day_limit = d3.number_input(t("sim_day_limit", L), 0.2, 10.0, 0.5, 0.1, key="sim_day_limit")
    if st.button(t("run_sim", L), type="primary", key="run_sim", disabled=not strategies):
        with st.spinner(t("sim_running", L)):
            try:
                request = svc.SweepRequest(
                    officers_min=int(lo), officers_max=int(hi), officers_step=int(step),
                    strategies=tuple(strategies), n_seeds=int(seeds), n_weeks=int(weeks),
                    day_time_limit_s=float(day_limit))
                world = ui.sim_world(str(kind), ui.county_path())
                st.session_state["sweep"] = svc.run_sweep(world, request)
            except Exception as exc:
                st.error(str(exc))
                return
    result = st.session_state.get("sweep")
    if result is None:
        return
    view = svc.coverage_view(result)
    if view.approximate_travel:
        st.warning(t("sim_approximate", L))
    rec = view.recommendation
    st.success(t("sim_recommend", L, n=rec.n_officers, strategy=rec.base_strategy,
                 coverage=rec.coverage) + f" — {rec.reason}")
    st.altair_chart(view.coverage_chart, key="coverage_chart")
    st.altair_chart(view.loans_chart, key="loans_chart")
    st.dataframe(view.curve, hide_index=True, key="coverage_table")


render()
