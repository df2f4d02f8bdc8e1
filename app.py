"""countyreach — the Streamlit map interface for managers, officers and planners.

Run with ``streamlit run app.py`` (or ``countyreach app``). One page per job:

* Manager — plan the day, adjust (pin / lock / re-optimise), publish;
* Officer — my visits on a phone, navigation, outcome in two taps, offline sheet;
* Leads — ranked, filtered, explained;
* Planner — coverage of a new county against the number of officers;
* Model — the lead model's report.

This is the only module that imports Streamlit. Pages only lay out widgets:
every number, table, map layer and text comes from :mod:`countyreach.appmodel`,
:mod:`countyreach.i18n` and the library.

Environment: ``COUNTYREACH_TIME_LIMIT`` (solver seconds, default 5),
``COUNTYREACH_CACHE`` (graph/model cache), ``COUNTYREACH_DATA`` (more county
folders), ``COUNTYREACH_STORE`` (database URL
of the plan store, default a SQLite file in the cache), ``COUNTYREACH_BASEMAP``
(``auto``: online basemap on when its server answers, ``1`` on, ``0`` off).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from countyreach import appmodel as am
from countyreach import pipeline
from countyreach.i18n import OUTCOMES, industry_label, outcome_label, status_label, t
from routing.params import SolveParams
from routing.problem import ConstraintMode, RoutingRules, hhmm

log = logging.getLogger("countyreach.app")

REPO = Path(__file__).resolve().parent
DATA = REPO / "data"


# --------------------------------------------------------------------------- settings


def _time_limit_default() -> float:
    try:
        return max(0.5, float(os.environ.get("COUNTYREACH_TIME_LIMIT", "5")))
    except ValueError:
        return 5.0


def _cache_dir() -> Path:
    env = os.environ.get("COUNTYREACH_CACHE")
    return Path(env) if env else pipeline.default_cache_dir()


def _counties() -> dict[str, Path]:
    """County folders (each with a ``county.json``) by display name.

    Searched in ``COUNTYREACH_DATA`` (``os.pathsep``-separated county folders or
    folders of county folders) first, then in the repository's ``data/``.
    """
    roots = [Path(p) for p in os.environ.get("COUNTYREACH_DATA", "").split(os.pathsep) if p]
    manifests: list[Path] = []
    for root in [*roots, DATA]:
        manifests += [root / "county.json"] if (root / "county.json").exists() else sorted(
            root.glob("*/county.json"))
    out: dict[str, Path] = {}
    for manifest in manifests:
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            out.setdefault(str(meta.get("name") or manifest.parent.name), manifest.parent)
        except (OSError, ValueError):
            log.warning("skipping unreadable manifest %s", manifest)
    return out


def _optional(module: str) -> Any | None:
    """Import an optional part of the product (store, officer_day, simulation) if present."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# --------------------------------------------------------------------------- cached resources


@st.cache_resource(show_spinner=False)
def county_data(path: str) -> pipeline.CountyData:
    """The county loaded and snapped once per server process."""
    return pipeline.load_county_data(path, cache_dir=_cache_dir())


@st.cache_resource(show_spinner=False)
def county_roads(path: str) -> list[dict[str, Any]]:
    """Road lines of the county for the offline map layer."""
    return am.road_paths(county_data(path).graph)


@st.cache_resource(show_spinner=False)
def county_scores(path: str, month: str) -> pd.DataFrame:
    """Scores of every lead for a month (the scorer is trained once and cached on disk)."""
    data = county_data(path)
    scorer = pipeline.get_scorer(data, cache_dir=_cache_dir())
    return pipeline.score_leads(data, scorer, month)


@st.cache_resource(show_spinner=False)
def plan_store() -> Any | None:
    """The plan store when it is installed, else ``None`` (the app keeps state per session)."""
    mod = _optional("countyreach.store")
    if mod is None or not hasattr(mod, "Store"):
        return None
    url = os.environ.get("COUNTYREACH_STORE") or f"sqlite:///{_cache_dir() / 'countyreach.db'}"
    try:
        _cache_dir().mkdir(parents=True, exist_ok=True)
        return mod.Store.open(url)
    except Exception:  # the app must still plan when the database is down
        log.exception("plan store unavailable at %s", url)
        return None


# --------------------------------------------------------------------------- helpers


def lang() -> str:
    """Interface language of this session."""
    return str(st.session_state.get("lang") or "zh")


def county_path() -> str:
    counties = _counties()
    chosen = st.session_state.get("county")
    if chosen not in counties:
        chosen = next(iter(counties))
    return str(counties[chosen])


def _load_county() -> pipeline.CountyData | None:
    L = lang()
    try:
        with st.spinner(t("loading_county", L)):
            return county_data(county_path())
    except Exception as exc:  # a bad county file must not take the app down
        st.error(f"{t('county_error', L)}: {exc}")
        return None


def _scores(month: str) -> pd.DataFrame | None:
    try:
        return county_scores(county_path(), month)
    except Exception as exc:
        st.warning(f"{t('scores_need_model', lang())} ({exc})")
        return None


def _progress_callback(bar: Any) -> Callable[[str, float], None]:
    L = lang()

    def report(stage: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"stage_{stage}", L))

    return report


def _show_map(deck: Any, key: str, height: int = 560) -> None:
    st.pydeck_chart(deck, key=key, height=height)
    st.caption(t("attribution", lang()))


def _current_day() -> pipeline.DayPlan | None:
    day = st.session_state.get("day")
    # Duck-typed: a module reload (the file watcher) makes a new DayPlan class.
    return day if day is not None and hasattr(day, "plan") else None


def _set_day(day: pipeline.DayPlan) -> None:
    st.session_state["day"] = day
    st.session_state["legs"] = pipeline.route_legs(day.county, day.problem, day.plan)


@st.cache_resource(show_spinner=False)
def board() -> am.SharedBoard:
    """Published plans and outcomes shared by every session of this server."""
    return am.SharedBoard()


def _signed_in() -> tuple[Any, Any] | None:
    """``(store, session)`` when the user signed in to the database store."""
    store, sess = plan_store(), st.session_state.get("store_session")
    return (store, sess) if store is not None and sess is not None else None


def _county_id() -> str:
    return county_data(county_path()).county.county_id


def _do_not_visit() -> set[str]:
    ids: set[str] = board().do_not_visit(county_path())
    signed = _signed_in()
    if signed is not None:
        store, sess = signed
        try:
            ids |= set(store.do_not_visit_ids(sess, _county_id()))
        except Exception:
            log.exception("could not read the do-not-visit list")
    return ids


# --------------------------------------------------------------------------- pages


def manager_page() -> None:
    """Plan the day: officers, optimise, map with routes, KPIs, adjust, publish."""
    L = lang()
    st.title(t("page_manager", L))
    data = _load_county()
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
        limit = s1.number_input(t("time_limit", L), 0.5, 120.0, _time_limit_default(), 0.5,
                                key="time_limit")
        policies = ["soft", "hard", "off"]
        skills = s2.selectbox(t("skills_policy", L), policies, key="skills",
                              format_func=lambda p: t(f"policy_{p}", L))
        locality = s3.selectbox(t("locality_policy", L), policies, key="locality",
                                format_func=lambda p: t(f"policy_{p}", L))
    rules = RoutingRules(skills=ConstraintMode(skills), locality=ConstraintMode(locality))
    params = SolveParams(time_limit_s=float(limit))
    if st.button(t("plan_button", L), type="primary", key="plan", disabled=not on_duty):
        bar = st.progress(0.0, text=t("planning", L))
        try:
            planned = pipeline.plan_day(
                data, plan_date=plan_date.isoformat(), rules=rules, params=params,
                officer_ids=list(on_duty), pins=st.session_state.get("pins", {}),
                do_not_visit=_do_not_visit(), cache_dir=_cache_dir(),
                progress=_progress_callback(bar))
        except Exception as exc:
            bar.empty()
            st.error(str(exc))
            return
        bar.empty()
        _set_day(planned)
    day = _current_day()
    if day is None:
        st.info(t("no_plan_yet", L))
        _show_map(am.build_deck(am.map_data(data, _scores(plan_date.strftime("%Y-%m")), L,
                                            roads=county_roads(county_path())),
                                basemap=st.session_state.get("basemap", False)), "plan_map")
        return
    _manager_plan_view(day)


def _manager_plan_view(day: pipeline.DayPlan) -> None:
    L = lang()
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
    rows, total = am.plan_kpis(problem, plan, day.scores)
    cols = st.columns(6)
    cols[0].metric(t("kpi_visits", L), total.visits)
    cols[1].metric(t("kpi_drive_h", L), f"{total.drive_h:.1f}")
    cols[2].metric(t("kpi_loans", L), f"{total.expected_loans:.1f}")
    cols[3].metric(t("kpi_loan_yuan", L), f"{total.expected_loan_yuan:,.0f}")
    cols[4].metric(t("kpi_value", L), f"{total.value_yuan:,.0f}")
    cols[5].metric(t("kpi_dropped", L), len(plan.dropped))
    md = am.map_data(day.county, day.scores, L, day=day, legs=st.session_state.get("legs"),
                     roads=county_roads(county_path()))
    _show_map(am.build_deck(md, basemap=st.session_state.get("basemap", False)), "plan_map")
    colours = am.officer_colours(o.officer_id for o in day.county.officers)
    st.html(am.officer_legend_html({o.officer_id: o.name for o in problem.officers}, colours))
    st.caption(t("legend", L))
    st.dataframe(am.kpi_frame(rows, total, L), hide_index=True, key="kpi_table")
    tab_routes, tab_dropped = st.tabs([t("routes", L), t("dropped_leads", L)])
    labels = am.table_labels(L)
    with tab_routes:
        st.dataframe(am.route_table(problem, plan, L).rename(columns=labels), hide_index=True,
                     key="route_table")
    with tab_dropped:
        st.dataframe(am.dropped_table(problem, plan, L).rename(columns=labels), hide_index=True,
                     key="dropped_table")
    _manager_adjust(day)
    _manager_publish(day)


def _manager_adjust(day: pipeline.DayPlan) -> None:
    L = lang()
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
        pins = am.assign_pin(pins, str(lead_id), str(officer_id))
    d1, d2, d3 = st.columns([3, 2, 1])
    lock_officer = d1.selectbox(t("lock_route", L), list(names), key="lock_officer",
                                format_func=lambda x: f"{x} {names.get(x, '')}")
    if d2.button(t("lock_route", L), key="lock_button") and lock_officer:
        pins = am.lock_route(pins, day.plan, str(lock_officer))
    if d3.button(t("unpin_all", L), key="unpin_button"):
        pins = am.unpin(pins)
    st.session_state["pins"] = pins
    if pins:
        st.caption(t("pins", L, n=len(pins)) + " — " + ", ".join(
            t("pinned_to", L, lead=k, officer=v) for k, v in sorted(pins.items())))
    if st.button(t("reoptimise", L), key="reoptimise", type="primary"):
        with st.spinner(t("planning", L)):
            rules = RoutingRules(
                skills=ConstraintMode(st.session_state.get("skills", "soft")),
                locality=ConstraintMode(st.session_state.get("locality", "soft")))
            params = SolveParams(
                time_limit_s=float(st.session_state.get("time_limit", _time_limit_default())))
            _set_day(am.replan(day, pins=pins, rules=rules, params=params))
        st.rerun()


def _manager_publish(day: pipeline.DayPlan) -> None:
    L = lang()
    from countyreach.serialize import plan_to_dict

    c1, c2 = st.columns(2)
    if c1.button(t("publish", L), key="publish", type="primary"):
        plan_id = None
        signed = _signed_in()
        if signed is not None:
            store, sess = signed
            county_id, date = day.county.county.county_id, day.plan.plan_date
            col = "explanation_zh" if L == "zh" else "explanation_en"
            why = dict(zip(day.scores["lead_id"], day.scores[col].fillna(""), strict=True)) \
                if col in day.scores.columns else {}
            visited = set(day.plan.visited_lead_ids)
            try:
                if sess.role == "admin":
                    store.ensure_county(sess, county_id, day.county.county.name)
                version = store.save_plan(sess, county_id, date, day.problem, day.plan,
                                          explanations={k: v for k, v in why.items()
                                                        if k in visited})
                store.publish(sess, county_id, date, version)
                plan_id = f"{county_id} {date} v{version}"
            except Exception as exc:
                st.warning(str(exc))
        board().publish(county_path(), day)
        st.success(t("published", L, plan_id=plan_id) if plan_id is not None
                   else t("published_local", L))
    c2.download_button(t("download_plan", L), json.dumps(plan_to_dict(day.plan), ensure_ascii=False,
                                                         indent=1),
                       file_name=f"plan-{day.plan.plan_date}.json", mime="application/json",
                       key="download_plan")


def _officer_day_source(data: pipeline.CountyData) -> tuple[Any, bool]:
    """The plan the officer page shows and whether it is only a draft.

    A signed-in user reads the published plan from the store; otherwise the
    plan published on this server, else the manager's draft of this session.
    """
    signed = _signed_in()
    if signed is not None:
        store, sess = signed
        date = st.session_state.get("officer_date", dt.date.today()).isoformat()
        try:
            problem, plan, _ = store.published_plan(sess, data.county.county_id, date)
            scores = _scores(date[:7])
            return pipeline.DayPlan(data, problem, plan, (), scores if scores is not None
                                    else pd.DataFrame({"lead_id": []}), {}), False
        except Exception as exc:
            log.info("no published plan in the store: %s", exc)
    day = board().published(county_path())
    if day is not None:
        return day, False
    day = _current_day()
    return day, day is not None


def officer_page() -> None:
    """My visits, phone first: stops in order, call, navigate, why, outcome, offline sheet."""
    # Phone first: one narrow column, full-width buttons.
    st.set_page_config(layout="centered")
    L = lang()
    st.title(t("page_officer", L))
    data = _load_county()
    if data is None:
        return
    if _signed_in() is not None:
        st.date_input(t("plan_date", L), value=dt.date.today(), key="officer_date")
    day, draft = _officer_day_source(data)
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
    od = am.officer_view(day.problem, day.plan, str(me), day.scores, L)
    if not od.stops:
        st.info(t("no_visits", L))
        return
    st.markdown("**" + t("my_day", L, n=len(od.stops), start=hhmm(od.start_s),
                         end=hhmm(od.end_s), drive_h=od.drive_s / 3600) + "**")
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
    recorded = board().outcomes(county_path(), od.plan_date)
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
            needs_consent = choice in ("applied", "approved") and not consent
            if needs_consent:
                st.caption(t("needs_consent", L))
            if st.button(t("save", L), key=f"save_{s.lead_id}", width="stretch",
                         disabled=choice is None or needs_consent, type="primary"):
                _record_outcome(od.plan_date, str(me), s.lead_id, str(choice), consent=consent,
                                opt_out=opt_out)
                recorded = board().outcomes(county_path(), od.plan_date)
            if s.lead_id in recorded:
                st.success(t("saved", L, outcome=outcome_label(recorded[s.lead_id], L)))
    with st.expander(t("map", L)):
        legs = st.session_state.get("legs") if day is _current_day() else None
        md = am.map_data(data, day.scores, L, day=day, legs=legs,
                         roads=county_roads(county_path()), only_officer=str(me))
        _show_map(am.build_deck(md, basemap=st.session_state.get("basemap", False),
                                height_px=420), "officer_map", height=420)


def _record_outcome(plan_date: str, officer_id: str, lead_id: str, outcome: str, *,
                    consent: bool, opt_out: bool) -> None:
    """Record on this server and, when signed in, in the store (idempotent per tap)."""
    import uuid

    signed = _signed_in()
    if signed is not None:
        store, sess = signed
        # One id per (lead, outcome) so a retried save after a dropped connection is a no-op.
        ids: dict[str, str] = st.session_state.setdefault("outcome_ids", {})
        oid = ids.setdefault(f"{plan_date}/{lead_id}/{outcome}/{opt_out}", str(uuid.uuid4()))
        try:
            store.record_outcome(sess, outcome_id=oid, county_id=_county_id(),
                                 plan_date=plan_date, lead_id=lead_id, outcome=outcome,
                                 consent=consent, opt_out=opt_out)
        except Exception as exc:
            st.warning(str(exc))
            return
    board().record(county_path(), plan_date, officer_id, lead_id, outcome, opt_out=opt_out)


def leads_page() -> None:
    """Ranked leads with filters, an explanation per lead and a map."""
    L = lang()
    st.title(t("page_leads", L))
    data = _load_county()
    if data is None:
        return
    month = st.session_state.get("plan_date", dt.date.today()).strftime("%Y-%m")
    scores = _scores(month)
    if scores is None:
        return
    df = am.with_bands(scores, data.leads)
    st.subheader(t("filters", L))
    f1, f2, f3, f4 = st.columns(4)
    industries = f1.multiselect(t("industry", L), sorted(df["industry"].unique()),
                                key="f_industry", format_func=lambda x: industry_label(x, L))
    clusters = f2.multiselect(t("cluster", L), sorted(df["cluster_id"].dropna().unique()),
                              key="f_cluster",
                              format_func=lambda c: t("no_cluster", L) if c < 0 else f"#{c}")
    villages = f3.multiselect(t("village", L), sorted(df["village"].astype(str).unique()),
                              key="f_village")
    bands = f4.multiselect(t("score_band", L), list(am.BANDS), key="f_band",
                           format_func=lambda b: t(f"band_{b}", L))
    shown = am.filter_leads(df, industries=industries, clusters=clusters, villages=villages,
                            bands=bands)
    st.caption(t("n_leads", L, n=len(shown)))
    why = "explanation_zh" if L == "zh" else "explanation_en"
    table = pd.DataFrame({
        "lead_id": shown["lead_id"], t("name", L): shown["name"],
        t("industry", L): [industry_label(x, L) for x in shown["industry"]],
        t("village", L): shown["village"], t("score_band", L): [t(f"band_{b}", L)
                                                                  for b in shown["band"]],
        t("p_uptake", L): shown["p_uptake"].round(3), t("loan_yuan", L): shown["loan_yuan"].round(),
        t("value", L): shown["value_yuan"].round(), t("why_lead", L): shown.get(why, ""),
    })
    st.dataframe(table, hide_index=True, key="leads_table")
    if not shown.empty:
        st.subheader(t("explain", L))
        pick = st.selectbox(t("lead", L), list(shown["lead_id"]), key="explain_lead",
                            format_func=lambda x: f"{x} {shown.set_index('lead_id').at[x, 'name']}")
        card = am.lead_card(shown, str(pick), L)
        e1, e2, e3, e4 = st.columns(4)
        e1.metric(t("p_uptake", L), f"{card['p_uptake']:.0%}")
        e2.metric(t("loan_yuan", L), f"{card['loan_yuan']:,.0f}")
        e3.metric(t("p_default", L), f"{card['p_default']:.1%}")
        e4.metric(t("value", L), f"¥{card['value_yuan']:,.0f}")
        st.info(card["why"] or "—")
    md = am.map_data(data, shown, L, roads=county_roads(county_path()))
    _show_map(am.build_deck(md, basemap=st.session_state.get("basemap", False)), "leads_map")


@st.cache_resource(show_spinner=False, max_entries=4)
def sim_world(kind: str, path: str) -> Any:
    """A simulation world: the demo county on its roads, or 唐县 from place points."""
    from countyreach import simulation

    if kind == "tangxian":
        return simulation.tangxian_world(villages_per_township=4)
    return simulation.world_from_county(path, cache_dir=_cache_dir())


def planner_page() -> None:
    """Coverage of a new county against the number of officers (the simulation package)."""
    L = lang()
    st.title(t("page_planner", L))
    st.write(t("planner_intro", L))
    sim = _optional("countyreach.simulation")
    if sim is None or not hasattr(sim, "sweep"):
        st.info(t("sim_unavailable", L))
        return
    from countyreach.simulation import plots

    worlds = {"county": t("sim_world_county", L), "tangxian": t("sim_world_tangxian", L)}
    c1, c2 = st.columns(2)
    kind = c1.selectbox(t("sim_world", L), list(worlds), key="sim_world",
                        format_func=lambda k: worlds[k])
    strategies = c2.multiselect(t("sim_strategies", L), list(sim.BASE_STRATEGIES),
                                default=["p_median", "branch"], key="sim_strategies")
    d1, d2, d3 = st.columns(3)
    lo, hi = d1.slider(t("n_officers_range", L), 1, 30, (1, 6), key="sim_officers")
    step = d1.number_input(t("sim_step", L), 1, 10, 1, key="sim_step")
    weeks = d2.number_input(t("sim_weeks", L), 1, 26, 2, key="sim_weeks")
    seeds = d3.number_input(t("sim_seeds", L), 1, 5, 1, key="sim_seeds")
    day_limit = d3.number_input(t("sim_day_limit", L), 0.2, 10.0, 0.5, 0.1, key="sim_day_limit")
    if st.button(t("run_sim", L), type="primary", key="run_sim", disabled=not strategies):
        with st.spinner(t("sim_running", L)):
            try:
                world = sim_world(str(kind), county_path())
                st.session_state["sweep"] = sim.sweep(
                    world, officers=range(int(lo), int(hi) + 1, int(step)),
                    strategies=tuple(strategies), seeds=range(int(seeds)),
                    n_weeks=int(weeks), day_time_limit_s=float(day_limit))
            except Exception as exc:
                st.error(str(exc))
                return
    result = st.session_state.get("sweep")
    if result is None:
        return
    if result.meta.get("approximate_travel"):
        st.warning(t("sim_approximate", L))
    rec = sim.recommend(result)
    st.success(t("sim_recommend", L, n=rec.n_officers, strategy=rec.base_strategy,
                 coverage=rec.coverage) + f" — {rec.reason}")
    st.altair_chart(plots.coverage_chart(result), key="coverage_chart")
    st.altair_chart(plots.loans_chart(result), key="loans_chart")
    st.dataframe(sim.coverage_curve(result), hide_index=True, key="coverage_table")


@st.cache_resource(show_spinner=False, max_entries=4)
def model_view_cached(path: str, month: str) -> am.ModelView:
    """The out-of-time model report (trains an evaluation model: minutes, so cached)."""
    data = county_data(path)
    return am.model_view(data, pipeline.get_scorer(data, cache_dir=_cache_dir()), month)


def model_page() -> None:
    """The lead model's report: calibration, lift, importance, drift."""
    L = lang()
    st.title(t("page_model", L))
    st.write(t("model_intro", L))
    data = _load_county()
    if data is None:
        return
    month = st.session_state.get("plan_date", dt.date.today()).strftime("%Y-%m")
    try:
        scorer = pipeline.get_scorer(data, cache_dir=_cache_dir())
    except Exception as exc:
        st.warning(t("model_unavailable", L, why=exc))
        return
    months = list(getattr(scorer, "train_months_", []))
    if months:
        st.caption(t("model_trained", L, first=months[0], last=months[-1],
                     n=getattr(scorer, "n_train_", 0)))
    drift = am.feature_drift_now(scorer, data.leads, month)
    st.subheader(t("drift", L))
    st.altair_chart(am.drift_chart(drift, L), key="drift_chart")
    st.caption(t("drift_hint", L))
    st.subheader(t("metrics", L))
    if st.button(t("evaluate", L), key="evaluate") or st.session_state.get("model_evaluated"):
        st.session_state["model_evaluated"] = True
        with st.spinner(t("evaluating", L)):
            try:
                view = model_view_cached(county_path(), month)
            except Exception as exc:
                st.warning(t("model_unavailable", L, why=exc))
                return
        r = view.report
        st.caption(t("holdout", L, first=view.test_months[0], last=view.test_months[-1],
                     n=r.n))
        m = st.columns(5)
        m[0].metric("AUC", f"{r.auc:.3f}")
        m[1].metric("ECE", f"{r.ece:.3f}")
        m[2].metric("Brier", f"{r.brier:.3f}")
        m[3].metric(t("base_rate", L), f"{r.base_rate:.1%}")
        m[4].metric(t("top_decile_lift", L), f"{r.top_decile_lift:.2f}×")
        c1, c2 = st.columns(2)
        c1.altair_chart(am.calibration_chart(r, L), key="calibration_chart")
        c2.altair_chart(am.lift_chart(r, L), key="lift_chart")
        st.altair_chart(am.importance_chart(r, L), key="importance_chart")
    else:
        st.caption(t("evaluate_hint", L))


# --------------------------------------------------------------------------- frame

PAGES: dict[str, tuple[Callable[[], None], str, str]] = {
    "manager": (manager_page, "page_manager", ":material/route:"),
    "officer": (officer_page, "page_officer", ":material/directions_car:"),
    "leads": (leads_page, "page_leads", ":material/storefront:"),
    "planner": (planner_page, "page_planner", ":material/map:"),
    "model": (model_page, "page_model", ":material/monitoring:"),
}
ROLE_HOME = {"manager": "manager", "officer": "officer", "planner": "planner"}


def sidebar() -> None:
    """Language, role, region and basemap choices shared by every page."""
    st.session_state.setdefault("lang", "zh")
    if "basemap" not in st.session_state:
        env = os.environ.get("COUNTYREACH_BASEMAP", "auto")
        st.session_state["basemap"] = env == "1" or (env == "auto" and _basemap_reachable())
    with st.sidebar:
        st.segmented_control(t("language", lang()), ["zh", "en"], key="lang", required=True,
                             format_func=lambda x: "中文" if x == "zh" else "English")
        L = lang()
        st.selectbox(t("role", L), list(ROLE_HOME), key="role",
                     format_func=lambda r: t(f"role_{r}", L), on_change=_go_home)
        counties = _counties()
        st.selectbox(t("county", L), list(counties), key="county")
        st.toggle(t("basemap", L), key="basemap", help=t("basemap_help", L))
        _sign_in_box(L)


@st.cache_resource(show_spinner=False, ttl=600)
def _basemap_reachable() -> bool:
    """Probe the tile server at most every 10 minutes (off here when there is no internet)."""
    return am.basemap_reachable()


@st.cache_resource(show_spinner=False)
def _favicon() -> Any:
    """A 32 px route-marker icon (PIL image, served by Streamlit itself)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(6, 26), (14, 12), (22, 20), (27, 6)], fill=(0, 114, 178, 255), width=4)
    for x, y in ((6, 26), (27, 6)):
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(213, 94, 0, 255))
    return img


def _go_home() -> None:
    """Changing role opens that role's home page."""
    st.session_state["goto"] = ROLE_HOME.get(str(st.session_state.get("role")), "manager")


def _sign_in_box(L: str) -> None:
    """Optional sign-in to the database store (plans and outcomes that outlive the server)."""
    store = plan_store()
    if store is None:
        return
    sess = st.session_state.get("store_session")
    if sess is not None:
        st.caption(t("signed_in", L, user=sess.username, role=sess.role))
        if st.button(t("sign_out", L), key="sign_out"):
            try:
                store.logout(sess)
            finally:
                st.session_state.pop("store_session", None)
            st.rerun()
        return
    with st.expander(t("sign_in", L)), st.form("sign_in_form", border=False):
        user = st.text_input(t("username", L), key="login_user")
        password = st.text_input(t("password", L), type="password", key="login_password")
        if st.form_submit_button(t("sign_in", L)):
            try:
                st.session_state["store_session"] = store.login(user, password)
                st.rerun()
            except Exception as exc:
                st.error(t("sign_in_failed", L, why=exc))
    st.caption(t("store_off", L))


def main() -> None:
    """Build the navigation and run the chosen page.

    ``st.session_state["goto"]`` (set by the role selector, or by a test)
    switches to that page once.
    """
    # A favicon drawn here: Material/emoji icons would be fetched from a CDN, and the
    # app must work offline.
    st.set_page_config(page_title="countyreach", page_icon=_favicon(), layout="wide")
    sidebar()
    L = lang()
    home = ROLE_HOME.get(str(st.session_state.get("role", "manager")), "manager")
    pages = {name: st.Page(fn, title=t(key, L), icon=icon, url_path=name, default=(name == home))
             for name, (fn, key, icon) in PAGES.items()}
    nav = st.navigation(list(pages.values()))
    goto = st.session_state.pop("goto", None)
    if goto in pages and pages[goto] is not nav:
        st.switch_page(pages[goto])
    nav.run()


main()
