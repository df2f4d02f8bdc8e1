"""Planner page: coverage of a county against the number of officers (aggregates only).

The counties in the store the user reaches, set up and in use, are listed first.

Pick a county, or onboard a new one from an OpenStreetMap extract; run a sweep in the
background (on Dask when ``COUNTYREACH_SCHEDULER`` is set) with a progress bar, an ETA
and a cancel button; read the recommendation,
the coverage chart and the villages the recommended team leaves out, on the map.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import common as ui
from countyreach.errors import AccessDenied, StoreError
from countyreach.i18n import format_percent, t
from countyreach.io import LOAN_RULE_MAX_MONTHS
from countyreach.localize import localize, message_of
from countyreach.onboard import init_county
from countyreach.services import coverage as svc
from countyreach.services import maps
from countyreach.services.county_overview import county_table
from countyreach.services.workspace import county_folders, stored_county_id
from countyreach.settings import get_settings
from propensity.planning import LOCKOUT_MONTHS

#: How often the progress panel refreshes while a sweep runs, seconds.
POLL_S = 1.0


def _onboarded_root() -> Path:
    return ui.cache_dir() / "onboarded"


def _worlds() -> dict[str, str]:
    """Simulation worlds by label: the user's counties, onboarded counties, 唐县."""
    L = ui.lang()
    # a county the store holds without a folder has no population file to simulate
    out = {name: str(path) for name, path in ui.counties().items()
           if stored_county_id(path) is None}
    out.update({name: str(p) for name, p in county_folders([_onboarded_root()]).items()})
    out[t("sim_world_tangxian", L)] = svc.WorldKind.TANGXIAN.value
    return out


def _store_counties() -> None:
    """The counties the user reaches in the store: set up (leads, officers, accounts) and in
    use (the last published day, the model, the outcomes), as ``countyreach county list``."""
    L = ui.lang()
    signed = ui.signed_in()
    if signed is None:
        return
    store, sess = signed
    try:
        counties = store.counties.summaries(sess)
    except (AccessDenied, StoreError):  # not for this role, or the database is away
        return
    if not counties:
        return
    with st.expander(t("store_counties_title", L, n=len(counties)),
                     icon=":material/table_view:"):
        st.caption(t("store_counties_hint", L))
        st.dataframe(county_table(counties, L), hide_index=True, key="store_counties_table")


def _onboard() -> None:
    """Build a county folder from an uploaded OSM extract (``countyreach county init``)."""
    L = ui.lang()
    with st.expander(t("onboard_title", L), icon=":material/add_location_alt:"):
        st.caption(t("onboard_hint", L))
        # One form: the file, id and numbers reach the server together when the button is
        # pressed. As separate widgets each change was a rerun, and an id typed while the
        # upload's rerun ran was lost, leaving the button disabled with no word why.
        with st.form("onboard_form", border=False):
            upload = st.file_uploader(t("onboard_file", L), key="onboard_file",
                                      type=["osm", "bz2", "pbf"])
            c1, c2, c3 = st.columns([2, 1, 1])
            county_id = c1.text_input(t("onboard_id", L), key="onboard_id", max_chars=64)
            n = c2.number_input(t("onboard_officers", L), 1, 50, 4, key="onboard_officers")
            rule = c3.number_input(t("onboard_loan_rule", L), 0, LOAN_RULE_MAX_MONTHS,
                                   LOCKOUT_MONTHS, key="onboard_loan_rule")
            submitted = st.form_submit_button(t("onboard_button", L))
        if submitted:
            if upload is None:
                st.error(t("onboard_need_file", L))
                return
            if not (re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", county_id or "")
                    and county_id not in (".", "..")):
                st.error(t("onboard_bad_id", L))
                return
            suffix = ".osm.pbf" if upload.name.endswith(".pbf") else (
                ".osm.bz2" if upload.name.endswith(".bz2") else ".osm")
            with tempfile.TemporaryDirectory() as tmp, st.spinner(t("onboarding", L)):
                src = Path(tmp) / f"extract{suffix}"
                src.write_bytes(upload.getvalue())
                try:
                    report = init_county(_onboarded_root() / county_id, src, officers=int(n),
                                         cache_dir=ui.cache_dir(), force=True,
                                         loan_rule_months=int(rule), lang=L)
                except Exception as exc:
                    # the user knows their file by its name, not by this server's staging copy
                    st.error(message_of(exc, L).replace(str(src), upload.name))
                    return
            # The new county becomes the one to simulate (the picker is drawn below).
            name = next((label for label, p in county_folders([_onboarded_root()]).items()
                         if p.resolve() == report.root.resolve()), None)
            st.success(t("onboarded", L, path=report.root.name, name=name or report.root.name))
            if name is not None:
                st.session_state["sim_world"] = name
            with st.expander(t("onboard_assumptions", L)):
                st.text("\n".join(localize(a, L) for a in report.assumptions))


def _progress(job: svc.SweepJob) -> None:
    """The running sweep: bar, ETA, cancel; refreshed every :data:`POLL_S` seconds."""
    L = ui.lang()
    if job.scheduler:
        where = t("sim_dask_local", L) if job.scheduler == "local" else job.scheduler
        st.caption(t("sim_on_dask", L, where=where))

    @st.fragment(run_every=POLL_S)
    def panel() -> None:
        eta = job.eta_s
        text = t("sim_progress", L, done=job.done, total=job.total or "…")
        if eta is not None:
            text += " · " + t("sim_eta", L, s=round(eta))
        st.progress(job.fraction, text=text)
        if job.state is svc.JobState.RUNNING:
            if st.button(t("sim_cancel", L), key="sim_cancel", icon=":material/stop_circle:"):
                job.cancel()
                st.caption(t("sim_cancelling", L))
        else:
            st.rerun()

    panel()


def render() -> None:
    """Choose a world, team sizes and strategies; run the sweep; show the recommendation."""
    L = ui.lang()
    st.title(t("page_planner", L))
    st.write(t("planner_intro", L))
    _store_counties()
    _onboard()
    worlds = _worlds()
    c1, c2 = st.columns(2)
    label = c1.selectbox(t("sim_world", L), list(worlds), key="sim_world")
    strategies = ui.keep_choice("sim_strategies", c2.multiselect(
        t("sim_strategies", L), list(svc.base_strategies()),
        key=ui.labelled_key("sim_strategies", list(svc.DEFAULT_STRATEGIES)),
        placeholder=t("choose_options", L), format_func=lambda s: t(f"strategy_{s}", L)))
    d1, d2, d3 = st.columns(3)
    lo, hi = d1.slider(t("n_officers_range", L), 1, 30, (1, 6), key="sim_officers")
    step = d1.number_input(t("sim_step", L), 1, 10, 1, key="sim_step")
    weeks = d2.number_input(t("sim_weeks", L), 1, 26, 2, key="sim_weeks")
    seeds = d3.number_input(t("sim_seeds", L), 1, 5, 1, key="sim_seeds")
    day_limit = d3.number_input(t("sim_day_limit", L), 0.2, 10.0, 0.5, 0.1, key="sim_day_limit")
    job: svc.SweepJob | None = st.session_state.get("sweep_job")
    running = job is not None and job.state is svc.JobState.RUNNING
    if st.button(t("run_sim", L), type="primary", key="run_sim",
                 disabled=not strategies or running):
        try:
            request = svc.SweepRequest(
                officers_min=int(lo), officers_max=int(hi), officers_step=int(step),
                strategies=tuple(strategies), n_seeds=int(seeds), n_weeks=int(weeks),
                day_time_limit_s=float(day_limit))
            target = worlds[str(label)]
            kind = svc.WorldKind.TANGXIAN if target == svc.WorldKind.TANGXIAN.value \
                else svc.WorldKind.COUNTY
            with st.spinner(t("sim_building", L)):
                world = ui.sim_world(kind.value, target if kind is svc.WorldKind.COUNTY
                                     else ui.county_path())
        except Exception as exc:
            st.error(message_of(exc, L))
            return
        settings = get_settings()
        job = svc.SweepJob(world, request, scheduler=settings.scheduler,
                           n_workers=settings.scheduler_workers).start()
        st.session_state["sweep_job"] = job
        running = True
    if job is None:
        return
    if running:
        _progress(job)
        return
    if job.state is svc.JobState.CANCELLED:
        st.warning(t("sim_cancelled", L, done=job.done, total=job.total))
        return
    if job.state is svc.JobState.FAILED:
        st.error(localize(job.error, L))  # the job's error, kept as its text
        return
    _result(job)


def _result(job: svc.SweepJob) -> None:
    L = ui.lang()
    view = svc.coverage_view(job.result, L)
    if view.approximate_travel:
        st.warning(t("sim_approximate", L))
    rec = view.recommendation
    st.success(t("sim_recommend", L, n=rec.n_officers,
                 strategy=t(f"strategy_{rec.base_strategy}", L),
                 coverage=format_percent(rec.coverage)))
    st.altair_chart(view.coverage_chart, key="coverage_chart")
    st.altair_chart(view.loans_chart, key="loans_chart")
    table = svc.curve_table(view.curve, L)
    st.dataframe(table, hide_index=True, key="coverage_table", column_config={
        t("col_share", L): st.column_config.NumberColumn(format="%.1f%%")})
    visits = pd.concat(job.visits, ignore_index=True) if job.visits else pd.DataFrame(
        columns=["lead_id", "n_officers", "base_strategy"])
    areas = svc.left_out(job.world, visits, rec.n_officers, str(rec.base_strategy))
    st.subheader(t("left_out_title", L, n=rec.n_officers))
    missed = areas[areas["reached"] == 0]
    st.caption(t("left_out_n", L, n=len(missed), total=len(areas)))
    ui.show_map(maps.MapData(
        roads=[], boundary=[], villages=maps.village_labels(areas.rename(
            columns={"village": "name"})[areas["reached"] == 0]),
        leads=pd.DataFrame({
            "lead_id": areas["village"], "lon": areas["lon"], "lat": areas["lat"],
            "value_yuan": 0.0,
            # Okabe-Ito vermillion for villages left out, blue for those reached.
            "fill": [[213, 94, 0, 230] if r == 0 else [0, 114, 178, 160]
                     for r in areas["reached"]],
            "line": [[40, 40, 40, 255]] * len(areas), "radius": 120 + 10 * areas["businesses"],
            "status": "area", "officer_id": "", "seq": 0, "pinned": False,
            "tip": [t("left_out_tip", L, village=v, reached=int(r), n=int(b))
                    for v, r, b in zip(areas["village"], areas["reached"], areas["businesses"],
                                       strict=True)]})), "left_out_map", height=420)
    st.dataframe(areas.rename(columns={
        "village": t("village", L), "businesses": t("col_businesses", L),
        "reached": t("col_reached", L), "share": t("col_share", L)}).drop(
        columns=["lat", "lon"]), hide_index=True, key="left_out_table",
        column_config={t("col_share", L): st.column_config.ProgressColumn(
            format="percent", min_value=0.0, max_value=1.0)})


render()
