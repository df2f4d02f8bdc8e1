"""Manager page: plan the day, see numbered routes and KPIs with the plan's value basis, pin
and lock, re-plan with a per-officer diff, publish a version after confirming."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import streamlit as st

from app_pages import common as ui
from app_pages import day_versions as dv
from app_pages import plan_changes as pc
from app_pages import value_cards as cards
from countyreach import pipeline
from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.i18n import (
    format_number,
    format_percent,
    format_yuan,
    list_text,
    status_label,
    t,
)
from countyreach.localize import error_text
from countyreach.plan_summary import violation_text
from countyreach.services import leads as lds
from countyreach.services import maps
from countyreach.services import planning as pl
from countyreach.services.visited import VisitedStops, day_start, plan_manager_day
from countyreach.services.workspace import PlanningModel, app_now
from countyreach.settings import get_settings
from routing.params import SolveParams
from routing.problem import ConstraintMode, RoutingRules, hhmm

#: Constraint modes in the order the selectors offer them (the default first).
MODES: tuple[ConstraintMode, ...] = (ConstraintMode.SOFT, ConstraintMode.HARD, ConstraintMode.OFF)
#: How the manager names who works today: everyone, everyone but those picked, or only them.
DUTY_MODES = ("all", "except", "only")
#: Leads listed for one search (type more to narrow).
SEARCH_LIMIT = 30
#: The share of the day's value the plan may give up to even out hours, in percent.
BALANCE_PCT = RoutingRules().balance * 100.0


def _rules_and_params() -> tuple[RoutingRules, SolveParams]:
    """The rules and solver budget chosen in this session's settings expander."""
    state = st.session_state
    rules = RoutingRules(skills=ConstraintMode(state.get("skills", "soft")),
                         locality=ConstraintMode(state.get("locality", "soft")),
                         balance=float(state.get("balance_pct", BALANCE_PCT)) / 100.0)
    params = SolveParams(
        time_limit_s=float(state.get("time_limit", get_settings().time_limit_s)))
    return rules, params


def render() -> None:
    """Plan the day: officers, optimise, map with routes, KPIs, adjust, publish."""
    L = ui.lang()
    st.title(t("page_manager", L))
    # the do-not-visit confirmation goes on the lead card, where the manager clicked (the
    # top of the page is out of sight then); here only when no card shows it
    notice = st.empty()
    _render_page(L)
    done = st.session_state.pop("dnv_message", None)
    if done:
        notice.success(done, icon=":material/do_not_disturb_on:")


def _render_page(L: str) -> None:
    """Everything below the title (``render``'s, in the session's language ``L``)."""
    data = ui.load_county()
    if data is None:
        return
    ui.show_input_warnings()
    officers = {o.officer_id: o for o in data.officers}
    c1, c2 = st.columns([1, 3])
    if "plan_date" not in st.session_state:  # a reload keeps the day the URL names
        st.session_state["plan_date"] = ui.url_date() or ui.today()
    plan_date = c1.date_input(t("plan_date", L), key="plan_date", format="YYYY-MM-DD") \
        or ui.today()
    ui.keep_date_in_url(plan_date)
    with c2:
        on_duty = _officers_on_duty({oid: o.name for oid, o in officers.items()}, L)
    # stops already visited on the published day stay where they are, officer included
    visits = _from_now(ui.visited_stops(plan_date.isoformat()), plan_date)
    if plan_date == ui.today():
        # today, first plan or again: the rest of the day starts now, not at 08:00 or at
        # the morning's last recorded visit (untick to plan the whole day as before)
        st.checkbox(t("from_now", L), value=True, key="from_now")
    presumed = visits.presumed  # from now: the stops whose time has come stay too
    n_presumed = sum(len(ids) for ids in presumed.values())
    if visits.count > n_presumed:
        st.caption(t("fixed_stops_ahead", L, n=visits.count - n_presumed))
    if presumed and visits.now_s is not None:
        st.caption(t("presumed_made", L, n=n_presumed, time=hhmm(visits.now_s),
                     officers=list_text((f"{oid} {len(ids)}" for oid, ids in
                                         sorted(presumed.items())), L)))
    kept_on = visits.kept_off_duty(on_duty)
    if kept_on:
        st.caption(t("visited_on_duty", L, officers=list_text(kept_on, L)))
    with st.expander(t("solver_settings", L), expanded=False):
        s1, s2, s3, s4 = st.columns(4)
        s1.number_input(t("time_limit", L), 0.5, 120.0, get_settings().time_limit_s, 0.5,
                        key="time_limit")
        s2.number_input(t("balance_pct", L), 0.0, 100.0, BALANCE_PCT, 0.5, key="balance_pct",
                        help=t("balance_pct_help", L))
        modes = [m.value for m in MODES]
        for col, name in ((s3, "skills"), (s4, "locality")):
            ui.keep_choice(name, col.selectbox(
                t(f"{name}_policy", L), modes, key=ui.labelled_key(name, "soft"),
                format_func=lambda p: t(f"policy_{p}", L)))
    rules, params = _rules_and_params()
    # The store's promoted model when it has one (it learns from the outcomes officers
    # record), else the folder's file model; a stale one plans and is said to be stale.
    model = ui.current_model()
    if model is not None:
        ui.show_model(model)
    if st.button(t("plan_button", L), type="primary", key="plan",
                 disabled=not (on_duty or visits.fixed) or model is None):
        assert model is not None  # the button is off without a model
        bar = st.progress(0.0, text=t("planning", L))
        try:
            planned = _plan_day(data, plan_date.isoformat(), rules, params, list(on_duty),
                                model, bar, visits)
        except Exception as exc:
            bar.empty()
            st.error(error_text(exc, L))
            return
        bar.empty()
        st.session_state.pop("prev_plan", None)
        ui.set_day(planned)
        dv.keep_draft(planned)
    day = ui.current_day()
    if day is None or day.plan.plan_date != plan_date.isoformat():
        # back on a published day (a reload, another browser): show what the officers have
        day = dv.published_day(data, plan_date.isoformat(), model, visits)
        if day is not None:
            ui.set_day(day)
            st.caption(t("showing_published", L, date=plan_date.isoformat()))
    # a plan made and not published (before a reload, in another browser) is offered
    dv.draft_offer(data, plan_date.isoformat(), model,
                   day if day is not None and day.plan.plan_date == plan_date.isoformat()
                   else None)
    if day is None or day.plan.plan_date != plan_date.isoformat():
        st.info(t("no_plan_yet", L))
        # the store's loan book too when the store holds the county: the plan's values
        scores = ui.scores(plan_date.strftime("%Y-%m"), model,
                           ui.store_rules(plan_date.isoformat(), data)) \
            if model is not None else None
        ui.show_map(maps.map_data(data, scores, L, roads=ui.county_roads(ui.county_path())),
                    "plan_map")
        return
    _plan_view(day, model)


def _officers_on_duty(names: dict[str, str], L: str) -> list[str]:
    """Who works today, in roster order: everyone, everyone but a few, or only a few.

    A lender's team is some 45 officers: one chip each for everyone working ran off the
    page on a desktop and on a phone, so the manager names only the exceptions.
    """
    ids = list(names)
    mode = st.segmented_control(t("officers_on_duty", L), DUTY_MODES, key="duty_mode",
                                default=DUTY_MODES[0], required=True,
                                format_func=lambda m: t(f"duty_{m}", L, n=len(ids)))
    if mode not in DUTY_MODES[1:]:
        return ids
    picked = set(st.multiselect(
        t(f"duty_pick_{mode}", L), ids, key=f"duty_{mode}_pick",
        placeholder=t("duty_pick_hint", L), format_func=lambda oid: f"{oid} {names[oid]}"))
    working = [oid for oid in ids if (oid in picked) == (mode == "only")]
    st.caption(t("duty_count", L, n=len(working), total=len(ids)))
    return working


def _from_now(visits: VisitedStops, plan_date: dt.date) -> VisitedStops:
    """``visits`` with the time the manager plans today at (unless "from now" is unticked),
    by the CLI's rule (:func:`countyreach.services.visited.day_start`)."""
    if plan_date != ui.today() or not st.session_state.get("from_now", True):
        return visits
    signed = ui.signed_in()
    now = signed[0].now() if signed is not None else app_now()
    return replace(visits, now_s=day_start(plan_date.isoformat(), now))


def _plan_day(data: pipeline.CountyData, plan_date: str, rules: RoutingRules,
              params: SolveParams, on_duty: list[str], model: PlanningModel,
              bar: Any, visits: VisitedStops) -> pipeline.DayPlan:
    """Plan the day with the manager's pins; a county the store holds by the store's rules too.

    The store's rules are the CLI's (:func:`ui.store_rules`): follow-ups pinned to the
    officer who booked them (who is then on duty), leads the store leaves out never offered
    (a manual pin does not bring them back), the store's loan book for the loan rule. A
    manual pin on a follow-up lead moves the visit to that officer: the manager decided. A
    published day keeps the stops already visited (``visits``) as the CLI does
    (:func:`countyreach.services.visited.plan_manager_day`).
    """
    store = ui.store_rules(plan_date, data)
    planned = plan_manager_day(
        data, visits, store, plan_date=plan_date, on_duty=on_duty,
        manual_pins=st.session_state.get("pins", {}), scorer=model.scorer,
        model_meta=model.meta, rules=rules, params=params,
        do_not_visit=ui.do_not_visit() if store is None else (), cache_dir=ui.cache_dir(),
        progress=ui.progress_callback(bar))
    # a re-plan rebuilds the problem from the lead table: it needs the follow-ups again
    if store is None:
        st.session_state.pop("follow_up_pins", None)
    else:
        st.session_state["follow_up_pins"] = dict(store.follow_ups)
    return planned


def _kpis(day: pipeline.DayPlan, model: PlanningModel | None) -> None:
    """The plan's figures, its value named by its basis, and the basis with its reasons."""
    L = ui.lang()
    basis = lds.basis_kind(day.scores)
    value = lds.value_label(basis, L, yuan=True)
    rows, total = pl.plan_kpis(day.problem, day.plan, day.scores)
    offered = sum(ld.value_yuan for ld in day.problem.leads)
    # two rows of three: six in one row cut the yuan figures off at 1366 px in Chinese
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric(t("kpi_visits", L), total.visits)
    cols[1].metric(t("kpi_drive_h", L), format_number(total.drive_h, 1))
    cols[2].metric(t("kpi_loans", L), format_number(total.expected_loans, 1))
    cols[3].metric(t("kpi_loan_yuan", L), format_yuan(total.expected_loan_yuan))
    cols[4].metric(value, format_yuan(total.value_yuan),
                   help=t("kpi_value_share", L, share=format_percent(
                       total.value_yuan / offered if offered else None)))
    cols[5].metric(t("kpi_dropped", L), len(day.plan.dropped))
    ui.show_plan_model(day.plan.meta, day.county.county.county_id)
    view = ui.value_basis(model)
    if view is not None:
        cards.show_basis(view)
    frame = pl.kpi_frame(rows, total, L, basis=basis)
    money = [t("kpi_loan_yuan", L), value]
    st.dataframe(frame, hide_index=True, key="kpi_table",
                 column_config={c: st.column_config.NumberColumn(format="¥%,d") for c in money})


def _plan_view(day: pipeline.DayPlan, model: PlanningModel | None) -> None:
    L = ui.lang()
    plan, problem = day.plan, day.problem
    st.subheader(pl.plan_summary(day, L))
    status = f"{t('plan_status', L)}: {status_label(plan.status.value, L)}"
    if day.ok:
        st.success(f"{status} · {t('checker_ok', L)}")
    else:
        st.error(f"{status} · {t('checker_bad', L, n=len(day.violations))}")
        for v in day.violations[:10]:
            st.write(violation_text(v, L))
    rules_text = pl.store_rules_text(plan.meta, L)
    if rules_text:
        st.caption(rules_text)
    overrides = plan.meta.get("rule_overrides") or []
    if overrides:  # the manager's decisions outrank the hard rules: the plan says which
        st.caption(t("rule_overrides", L, n=len(overrides), visits=list_text(
            (f"{v['lead_id']} → {v['officer_id']}" for v in overrides[:5]), L)
            + (" …" if len(overrides) > 5 else "")))
    presumed = plan.meta.get("presumed_made") or {}
    n_presumed = sum(len(ids) for ids in presumed.values())
    if plan.meta.get("fixed_stops", 0) > n_presumed:
        st.info(t("fixed_stops_kept", L, n=plan.meta["fixed_stops"] - n_presumed),
                icon=":material/lock:")
    if plan.meta.get("replanned_at"):
        st.caption(t("replanned_at", L, time=plan.meta["replanned_at"]))
    if plan.meta.get("planned_from"):
        st.caption(t("planned_from", L, time=plan.meta["planned_from"]))
    if presumed:
        st.caption(t("presumed_made", L, n=n_presumed,
                     time=plan.meta.get("replanned_at", ""), officers=list_text(
                         (f"{oid} {len(ids)}" for oid, ids in sorted(presumed.items())), L)))
    _kpis(day, model)
    pins: dict[str, str] = st.session_state.get("pins", {})
    names = {r.officer_id: problem.officer_by_id[r.officer_id].name
             for r in plan.routes if r.stops}
    # a team's routes drawn together are a tangle past a dozen: one can be picked out
    if st.session_state.get("map_focus") not in names:  # a new plan without that route
        st.session_state.pop("map_focus", None)
    focus = st.selectbox(t("map_focus", L), [None, *names], key="map_focus",
                         format_func=lambda oid: t("map_focus_all", L, n=len(names))
                         if oid is None else f"{oid} {names[oid]}")
    md = maps.map_data(day.county, day.scores, L, day=day, legs=st.session_state.get("legs"),
                       roads=ui.county_roads(ui.county_path()), pins=pins, focus_officer=focus)
    picked = ui.show_map(md, "plan_map", selectable=True)
    st.html(maps.officer_legend_html({focus: names[focus]} if focus else names, md.colours))
    st.caption(t("legend", L))
    if picked:
        st.session_state["card_lead"] = picked
    _changes(day)
    tab_routes, tab_dropped = st.tabs([t("routes", L), t("dropped_leads", L)])
    labels = pl.table_labels(L, lds.basis_kind(day.scores))
    with tab_routes:
        st.dataframe(pl.route_table(problem, plan, L).rename(columns=labels), hide_index=True,
                     key="route_table", column_config={labels["value_yuan"]:
                                                       st.column_config.NumberColumn(
                                                           format="¥%,d")})
    with tab_dropped:
        st.dataframe(pl.dropped_table(problem, plan, L, scores=day.left_out_facts)
                     .rename(columns=labels), hide_index=True, key="dropped_table")
    _adjust(day, model)
    dv.publish_section(day)


def _lead_card(day: pipeline.DayPlan, lead_id: str, model: PlanningModel | None) -> None:
    """The card of one lead: value, reasons, where it is in the plan, pin to an officer."""
    L = ui.lang()
    ld = day.problem.lead_by_id.get(lead_id)
    if ld is None:
        return
    where = next(((r.officer_id, i, s) for r in day.plan.routes
                  for i, s in enumerate(r.stops, start=1) if s.lead_id == lead_id), None)
    with st.container(border=True, key="lead_card"):
        st.markdown(f"**{ld.name}** ({ld.lead_id}) · {ld.village}")
        # two figures a row: in half the page at 1366 px a third was too narrow for "O03 #10"
        c1, c2, c3, _ = [*st.columns(2), *st.columns(2)]
        c1.metric(lds.value_label(lds.basis_kind(day.scores), L), format_yuan(ld.value_yuan))
        if where is not None:
            oid, seq, stop = where
            c2.metric(t("officer", L), f"{oid} #{seq}")
            wait = max(stop.start_s - stop.arrival_s, 0)
            c3.metric(t("arrive", L), hhmm(stop.arrival_s),
                      help=t("wait_min", L, m=round(wait / 60), start=hhmm(stop.start_s)))
            if wait >= 60:
                st.caption(t("wait_min", L, m=round(wait / 60), start=hhmm(stop.start_s)))
        else:
            c2.metric(t("officer", L), "—")
        # before the value's breakdown: on a phone that is a screen long, and a manager
        # with the business on the phone must not scroll past it to list the refusal
        _refused(day, lead_id)
        view = ui.value_basis(model)
        try:
            value = lds.lead_value(day.scores, lead_id, L, month=day.plan.plan_date[:7],
                                   lockout_months=view.lockout_months if view else None)
        except KeyError:  # a lead the day's scores do not hold: nothing to explain
            st.caption(f"{t('why_lead', L)}: —")
            return
        if value.worth_zero:
            st.warning(value.worth_zero, icon=":material/block:")
        with st.expander(t("value_parts", L), icon=":material/info:", expanded=True):
            cards.show_value_parts(value)


def _refused(day: pipeline.DayPlan, lead_id: str) -> None:
    """The business asked not to be visited (by phone, letter, at the branch): put it on the
    store's do-not-visit list, which withdraws it from published lists ahead."""
    L = ui.lang()
    signed = ui.signed_in()
    if signed is None:
        return
    done = st.session_state.pop("dnv_message", None)
    if done:
        st.success(done, icon=":material/do_not_disturb_on:")
    if lead_id in ui.do_not_visit():  # listed already: say so, nothing to press again
        st.caption(t("dnv_listed", L))
        return
    with st.expander(t("dnv_title", L), icon=":material/do_not_disturb_on:"):
        reason = st.text_input(t("dnv_reason", L), key="dnv_reason", max_chars=200)
        if not st.button(t("dnv_button", L), key="dnv_button"):
            return
        try:
            done = signed[0].opt_out(signed[1], ui.county_id(), lead_id, reason)
        except (InputError, AccessDenied, StoreError) as exc:
            st.error(t("refused", L, why=exc))
            return
    lines = [t("dnv_done", L, lead=lead_id)] + [
        t("dnv_withdrawn", L, officer=oid, date=d) for d, oid in done.withdrawn]
    st.session_state["dnv_message"] = "\n\n".join(lines)
    st.session_state["pins"] = pl.unpin(dict(st.session_state.get("pins", {})), lead_id)
    if lead_id in day.plan.visited_lead_ids:  # the plan shown visits it: plan the day again
        st.session_state.pop("day", None)
    st.rerun()


def _search_lead(day: pipeline.DayPlan) -> str | None:
    """Search-as-you-type: leads whose id, name or village contain the text, best first."""
    L = ui.lang()
    text = st.text_input(t("search_lead", L), key="lead_search",
                         placeholder=t("search_hint", L)).strip().lower()
    leads = sorted(day.problem.leads, key=lambda ld: -ld.value_yuan)
    if text:
        leads = [ld for ld in leads if text in f"{ld.lead_id} {ld.name} {ld.village}".lower()]
    shown = leads[:SEARCH_LIMIT]
    if not shown:
        st.caption(t("search_none", L))
        return None
    label = {ld.lead_id: f"{ld.name} · {ld.village} · {format_yuan(ld.value_yuan)} ({ld.lead_id})"
             for ld in shown}
    card = st.session_state.get("card_lead")
    ids = [ld.lead_id for ld in shown]
    if card in day.problem.lead_by_id and card not in ids:
        ids.insert(0, card)
        ld = day.problem.lead_by_id[card]
        label[card] = f"{ld.name} · {ld.village} · {format_yuan(ld.value_yuan)} ({card})"
    if card in ids:
        st.session_state["pin_lead"] = card
        st.session_state.pop("card_lead", None)
    picked = st.selectbox(t("lead", L), ids, key="pin_lead", format_func=label.__getitem__)
    if len(leads) > SEARCH_LIMIT:
        st.caption(t("search_more", L, n=len(leads) - SEARCH_LIMIT))
    return str(picked) if picked else None


def _adjust(day: pipeline.DayPlan, model: PlanningModel | None) -> None:
    L = ui.lang()
    st.subheader(t("adjust", L))
    pins: dict[str, str] = dict(st.session_state.get("pins", {}))
    names = {o.officer_id: o.name for o in day.problem.officers}
    left, right = st.columns(2)
    with left, st.container(border=True):
        lead_id = _search_lead(day)
        if lead_id:
            _lead_card(day, lead_id, model)
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        officer_id = c1.selectbox(t("assign_lead", L), list(names), key="pin_officer",
                                  format_func=lambda x: f"{x} {names.get(x, '')}")
        if c2.button(t("pin", L), key="pin_button", icon=":material/push_pin:") and lead_id:
            before, pins = pins, pl.assign_pin(pins, lead_id, str(officer_id))
            if str(officer_id) in set(pl.locked_routes(before)) - set(pl.locked_routes(pins)):
                st.toast(t("pin_unlocks", L, officer=officer_id, lead=lead_id),
                         icon=":material/lock_open:")
        if c3.button(t("unpin", L), key="unpin_one", disabled=lead_id not in pins):
            pins = pl.unpin(pins, lead_id)
    with right, st.container(border=True):
        lock_officer = st.selectbox(t("lock_route", L), list(names), key="lock_officer",
                                    format_func=lambda x: f"{x} {names.get(x, '')}")
        d1, d2 = st.columns(2)
        if d1.button(t("lock_route", L), key="lock_button", icon=":material/lock:"):
            before, pins = pins, pl.lock_route(pins, day.plan, str(lock_officer))
            # the lock is the later decision: the appointments it cannot keep are said
            gone = sorted(set(pl.appointments(before)) - set(pl.appointments(pins)))
            if gone:
                st.toast(t("lock_cancels_pins", L, officer=lock_officer, n=len(gone),
                           leads=list_text(gone, L)), icon=":material/lock:")
        if d2.button(t("unpin_all", L), key="unpin_button"):
            pins = pl.unpin(pins)
        if pl.locked_routes(pins):
            st.caption(t("locked_routes", L,
                         officers=list_text(sorted(pl.locked_routes(pins)), L)))
    st.session_state["pins"] = pins
    appointments = pl.appointments(pins)
    if appointments:
        st.caption(t("pins", L, n=len(appointments)) + " — " + list_text(
            (t("pinned_to", L, lead=k, officer=v) for k, v in sorted(appointments.items())), L))
    if st.button(t("reoptimise", L), key="reoptimise", type="primary",
                 icon=":material/autorenew:"):
        with st.spinner(t("planning", L)):
            rules, params = _rules_and_params()
            try:
                # the day's follow-ups stay pinned unless the manager moved one
                # and the stops already visited on the published day stay fixed
                new = pl.replan(day, pins={**st.session_state.get("follow_up_pins", {}),
                                           **pins}, rules=rules, params=params,
                                visited=_from_now(ui.visited_stops(day.plan.plan_date),
                                                  dt.date.fromisoformat(day.plan.plan_date)))
            except Exception as exc:  # the current plan stays; say why the re-plan failed
                st.error(t("replan_failed", L, why=exc))
                return
        st.session_state["prev_plan"] = day.plan
        ui.set_day(new)
        dv.keep_draft(new)
        st.rerun()


def _changes(day: pipeline.DayPlan) -> None:
    """What the current plan changes, per officer: against the published version, else
    against the plan before the last re-plan."""
    L = ui.lang()
    published = dv.published(day)
    before = published[0] if published is not None else st.session_state.get("prev_plan")
    if before is None:
        return
    items = pc.changes(before, day.plan)
    title = t("diff_vs_published", L, version=published[1]) if published is not None \
        else t("diff_vs_previous", L)
    with st.expander(f"{title} · {t('diff_n', L, n=len(items))}", expanded=bool(items),
                     icon=":material/difference:"):
        if published is not None and day.plan.meta.get("fixed_stops"):
            st.caption(t("diff_fixed", L, n=day.plan.meta["fixed_stops"]))
        if not items:
            st.caption(t("diff_none", L))
            return
        names = {ld.lead_id: ld.name for ld in day.problem.leads}
        st.dataframe(pc.changes_frame(items, names, L), hide_index=True, key="diff_table")


render()
