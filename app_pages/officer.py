"""Officer page, phone first: the date and the next stop on top, navigate, outcome in two taps.

Everything comes from the store: the published plan (an officer gets only their own
route), the outcomes recorded so far. A tap that cannot reach the database waits in the
session's queue and is sent on the next run that reaches it. When the phone loses its
connection to the server the native buttons are switched off: the page's own outcome
queue (:mod:`app_pages.offline_outcomes`) then offers the remaining stops, keeps each tap
in the browser's storage with an id fixed at the tap, and hands them over when the
connection returns; they join the same queue and are recorded once each, and the
browser drops them when the server acknowledges them (refused ones with the reason).
The offline sheet keeps the day readable even after closing the page.
"""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

from app_pages import common as ui
from app_pages import offline_outcomes as phone
from countyreach.errors import AccessDenied, InputError
from countyreach.i18n import OUTCOMES, outcome_label, t
from countyreach.officer_day import DayStop, OfficerDay
from countyreach.pipeline import CountyData
from countyreach.services import maps
from countyreach.services import officer as svc
from countyreach.services.leads import reason_parts
from countyreach.store import Session, Store
from propensity.outcomes import Outcome
from routing.problem import hhmm


def _plan_date() -> str:
    """The day shown: today, following the clock past midnight until the user picks one."""
    L = ui.lang()
    today = ui.today()
    first = "officer_date_today" not in st.session_state
    if st.session_state.get("officer_date_today") != today.isoformat():
        # A new day (or the first visit): show today unless a day was picked by hand today;
        # a reload is a first visit that keeps the day the URL names.
        st.session_state["officer_date_today"] = today.isoformat()
        st.session_state["officer_date"] = (ui.url_date() if first else None) or today
    chosen = st.date_input(t("plan_date", L), key="officer_date", format="YYYY-MM-DD") or today
    ui.keep_date_in_url(chosen)
    return chosen.isoformat()


def _send_queue() -> None:
    """Send outcomes that waited for the database; say what is still waiting."""
    L = ui.lang()
    queue = ui.outcome_queue()
    signed = ui.signed_in()
    if not len(queue) or signed is None:
        return
    report = svc.send_pending(signed[0], signed[1], queue)
    phone.acknowledge(report, _acks())
    # a tap saved at once is said by its stop's "saved"; only taps that waited for the
    # database (a save that met it down) are news
    fresh = st.session_state.pop("just_saved", set())
    waited = [item for item in report.sent if item.outcome_id not in fresh]
    if waited:
        st.toast(t("queue_sent", L, n=len(waited)))
    for item, why in report.refused:
        st.error(t("queue_refused", L, lead=item.lead_id, why=why))
    if report.kept:
        st.warning(t("queue_waiting", L, n=len(report.kept)))
        st.button(t("queue_retry", L), key="queue_retry", icon=":material/sync:")


def _acks() -> dict[str, phone.Ack]:
    """This session's answers to the browser queue's taps (they go back with every render)."""
    acks: dict[str, phone.Ack] = st.session_state.setdefault("phone_acks", {})
    return acks


def _notices(notices: list[tuple[str, str]] | None = None) -> None:
    """Say what became of the browser queue's taps (by default: what the last run kept)."""
    for kind, text in st.session_state.pop("phone_notices", []) if notices is None else notices:
        if kind == "sent":
            st.toast(text)
        elif kind == "waiting":
            st.warning(text)
        else:
            st.error(text)


def _phone_queue(store: Store, sess: Session, me: str, date: str, od: OfficerDay | None,
                 done: dict[str, Outcome]) -> None:
    """The browser's own outcome queue: draw it, take its taps, rerun once they are answered."""
    L = ui.lang()
    acks = _acks()
    county = ui.county_id()
    remaining = [s for s in od.stops if s.lead_id not in done] \
        if od is not None and not _ahead(date) else []
    items = phone.outcome_queue(county_id=county, officer_id=me, plan_date=date, stops=remaining,
                                lang=L, acks=acks.values())
    if not items:
        return

    def on_list(day: str) -> Collection[str]:
        try:
            listed = svc.visit_list(store, sess, county, day, me, L)
        except (AccessDenied, InputError):
            return ()
        return {s.lead_id for s in listed.stops} if listed is not None else ()

    queue = ui.outcome_queue()
    before = len(acks)
    refused = phone.take(items, county_id=county, officer_id=me, lists=on_list, queue=queue,
                         acks=acks, lang=L)
    notices = [("error", t("queue_refused", L, lead=lead, why=why)) for lead, why in refused]
    if len(queue):
        report = svc.send_pending(store, sess, queue)
        phone.acknowledge(report, acks)
        if report.sent:
            notices.append(("sent", t("queue_sent", L, n=len(report.sent))))
        notices += [("error", t("queue_refused", L, lead=item.lead_id, why=why))
                    for item, why in report.refused]
        if report.kept:
            notices.append(("waiting", t("queue_waiting", L, n=len(report.kept))))
    if len(acks) > before:
        # The answers reach the browser with the next render; the page then shows the
        # recorded outcomes. Messages are kept for that run (its _send_queue says what waits).
        st.session_state["phone_notices"] = [n for n in notices if n[0] != "waiting"]
        st.rerun()
    _notices(notices)


def _me() -> str | None:
    """Whose list: an officer's own; a manager picks one of the county's officers."""
    L = ui.lang()
    sess = st.session_state["store_session"]
    if sess.role == "officer":
        return str(sess.officer_id)
    data = ui.load_county()
    if data is None:
        return None
    names = {o.officer_id: o.name for o in data.officers}
    return st.selectbox(t("choose_officer", L), list(names), key="me",
                        format_func=lambda x: f"{names.get(x, '')} ({x})")


def render() -> None:
    """My visits: date and next stop first, then the rest of the day, exports and map."""
    st.set_page_config(layout="centered")  # phone first: one narrow column
    L = ui.lang()
    signed = ui.signed_in()
    if signed is None:
        return
    store, sess = signed
    st.title(t("page_officer", L))
    date = _plan_date()
    _notices()
    _send_queue()
    me = _me()
    if me is None:
        return
    try:
        stamp = store.published_stamp(sess, ui.county_id(), date, me)
        od = None if stamp is None else _kept_list(stamp, ui.county_id(), date, me, L,
                                                   store, sess)
        done = svc.recorded_outcomes(store, sess, ui.county_id(), date)
    except AccessDenied as exc:
        ui.refused(exc)
        return
    done = {**done, **ui.outcome_queue().pending(date)}
    if od is None or not od.stops:
        st.info(t("no_published", L, date=date))
        _phone_queue(store, sess, me, date, None, done)  # taps of other days still go
        return
    st.markdown(t("my_day", L, n=len(od.stops), start=hhmm(od.start_s), end=hhmm(od.end_s),
                  drive_h=od.drive_s / 3600))
    if od.lunch is not None:
        st.caption(t("lunch_at", L, start=hhmm(od.lunch.start_s),
                     end=hhmm(od.lunch.start_s + od.lunch.duration_s)))
    _phone_queue(store, sess, me, date, od, done)
    nxt = svc.next_stop(od.stops, done)
    passed = svc.passed_over(od.stops, done)
    if nxt is None and not passed:
        st.success(t("all_done", L))
    elif nxt is not None:
        st.subheader(t("next_stop", L))
        _stop(od, nxt, done, expanded=True)
    later = [s for s in od.stops if s.lead_id not in done and s is not nxt and s not in passed]
    if later:
        st.subheader(t("later_stops", L, n=len(later)))
        for s in later:
            _stop(od, s, done, expanded=False)
    if passed:
        # a later stop has an outcome: the officer moved on, yet may still record these
        st.subheader(t("passed_stops", L, n=len(passed)))
        st.caption(t("passed_hint", L))
        for s in passed:
            _stop(od, s, done, expanded=False)
    finished = [s for s in od.stops if s.lead_id in done]
    if finished:
        with st.expander(t("done_stops", L, n=len(finished)), icon=":material/check_circle:"):
            for s in finished:
                _stop(od, s, done, expanded=False, compact=True)
    _downloads(od, me)
    # drawn on request only: a map in a closed expander was still built and sent to the
    # phone with its county's roads on every tap
    if st.toggle(t("map", L), key="officer_show_map"):
        data = ui.load_county()
        if data is not None and stamp is not None:
            md = _kept_map(stamp, ui.county_path(), date, me, str(sess.role), L, store, sess,
                           data)
            ui.show_map(md, "officer_map", height=380)


# Every tap reruns the page. What it builds from the published plan is kept under the
# plan's stamp (version, content hash, stops withdrawn since), which the store reads in a
# few milliseconds and checks the session's access with: a 45-officer day's list and map
# were read from the plan's JSON and drawn again on each tap. A new version, an erasure or a
# do-not-visit withdrawal changes the stamp, and the next run builds them again.
@st.cache_resource(show_spinner=False, max_entries=256)
def _kept_list(stamp: str, county_id: str, date: str, officer_id: str, lang: str,
               _store: Store, _sess: Session) -> OfficerDay | None:
    """The officer's list of the published plan named by ``stamp``, built once."""
    return svc.visit_list(_store, _sess, county_id, date, officer_id, lang)


@st.cache_resource(show_spinner=False, max_entries=256)
def _kept_map(stamp: str, county_path: str, date: str, officer_id: str, role: str, lang: str,
              _store: Store, _sess: Session, _data: CountyData) -> maps.MapData:
    """The map of the officer's route on the published plan named by ``stamp``, built once
    (per role: a manager reads the whole plan, an officer only their own route)."""
    day = svc.published_day_from_store(_store, _sess, _data, date, None)
    return maps.map_data(_data, None, lang, day=day, roads=ui.county_roads(county_path),
                         only_officer=officer_id)


def _times(s: DayStop) -> str:
    L = ui.lang()
    wait = s.start_s - s.arrival_s
    text = t("stop_times", L, arrive=s.arrive, leave=s.leave,
             drive=round(s.drive_s / 60))
    if wait >= 60:
        text += " · " + t("wait_min", L, m=round(wait / 60), start=s.start)
    return text


def _stop(od: OfficerDay, s: DayStop, done: dict[str, Outcome], *, expanded: bool,
          compact: bool = False) -> None:
    """One stop: times, wait, navigate, call, why, and the outcome buttons."""
    L = ui.lang()
    title = f"{s.seq}. {s.name} · {s.arrive}"
    if s.lead_id in done:
        title += f" · {outcome_label(done[s.lead_id], L)}"
    # Done stops sit in one expander already (expanders cannot nest): a bordered box each.
    box = st.container(border=True, key=f"stop_{s.lead_id}") if expanded or compact \
        else st.expander(title, key=f"stop_{s.lead_id}")
    with box:
        if expanded or compact:
            st.markdown(f"#### {s.seq}. {s.name}")
        st.markdown(f"**{_times(s)}**  \n{s.village} · {s.industry}")
        if s.address:
            st.caption(s.address)
        if not compact:
            n1, n2 = st.columns(2)
            n1.link_button(t("navigate_amap", L), s.amap_url, icon=":material/navigation:",
                           width="stretch", type="primary" if expanded else "secondary")
            n2.link_button(t("navigate_baidu", L), s.baidu_url, icon=":material/navigation:",
                           width="stretch")
            if s.tel_url:
                st.link_button(t("call", L), s.tel_url, icon=":material/call:", width="stretch")
            _why(s.why)
        _outcome(od, s, done)


def _why(text: str) -> None:
    """Why this lead: one line per part of its value (likely, large, now, caused by the
    visit) when its reasons name them, else the model's reasons as one line."""
    L = ui.lang()
    parts = reason_parts(text)
    if len(parts) > 1:
        st.caption(f"{t('why_lead', L)}:\n" + "\n".join(f"- {why}" for _, why in parts))
    else:
        st.caption(f"{t('why_lead', L)}: {text or '—'}")


def _ahead(plan_date: str) -> bool:
    """A day still to come in the county: its visits take no outcome yet (the store's rule,
    :func:`countyreach.dates.check_visit_made`), by the app's clock as the store and the
    day picker have it (``COUNTYREACH_CLOCK``), not the server's wall clock."""
    return plan_date > ui.today().isoformat()


def _outcome(od: OfficerDay, s: DayStop, done: dict[str, Outcome]) -> None:
    """Tap an outcome, tap save (consent first for outcomes that share the customer's data)."""
    L = ui.lang()
    if _ahead(od.plan_date):
        # an outcome saved ahead would count as a visit made: planning keeps it fixed
        st.caption(t("outcome_on_the_day", L))
        return
    choice = st.segmented_control(
        t("outcome", L), list(OUTCOMES), key=f"outcome_{s.lead_id}",
        format_func=lambda code: outcome_label(code, L), width="stretch")
    consent, opt_out, other = False, False, None
    if choice is not None:
        c1, c2 = st.columns(2)
        consent = c1.checkbox(t("consent", L), key=f"consent_{s.lead_id}")
        opt_out = c2.checkbox(t("opt_out", L), key=f"optout_{s.lead_id}")
        if consent and choice != Outcome.NOT_THERE.value:
            # A loan the owner took elsewhere tells the model the visit matters less now; and
            # "asked, none" must differ from not asked, or unasked leads would look clean.
            other = st.selectbox(t("other_loan", L), svc.other_loan_choices(od.plan_date),
                                 index=0, format_func=lambda c: phone.other_loan_label(c, L),
                                 key=f"otherloan_{s.lead_id}")
    blocked = svc.needs_consent(choice) and not consent
    if blocked:
        st.caption(t("needs_consent", L))
    if st.button(t("save", L), key=f"save_{s.lead_id}", width="stretch",
                 disabled=choice is None or blocked, type="primary"):
        _save(od, s, str(choice), consent=consent, opt_out=opt_out, other_loan=other)
    if s.lead_id in done:
        st.success(t("saved", L, outcome=outcome_label(done[s.lead_id], L)))


def _save(od: OfficerDay, s: DayStop, outcome: str, *, consent: bool, opt_out: bool,
          other_loan: str | None = None) -> None:
    """Queue the tap and send the queue now; the page then shows the stored outcome."""
    ids: dict[str, str] = st.session_state.setdefault("outcome_ids", {})
    asked, month = svc.other_loan_answer(other_loan)
    item = svc.PendingOutcome(
        svc.outcome_id(ids, od.plan_date, s.lead_id, outcome, opt_out, month, asked),
        ui.county_id(),
        od.plan_date, s.lead_id, Outcome(outcome), consent, opt_out, month, asked)
    ui.outcome_queue().put(item)
    st.session_state.setdefault("just_saved", set()).add(item.outcome_id)
    st.rerun()


def _downloads(od: OfficerDay, me: str) -> None:
    L = ui.lang()
    stem = f"visits-{me}-{od.plan_date}"
    with st.expander(t("offline_title", L), icon=":material/download:"):
        st.caption(t("offline_hint", L))
        st.download_button(t("offline_sheet", L), od.to_html(), file_name=f"{stem}.html",
                           mime="text/html", key="offline_sheet", width="stretch")
        e1, e2, e3 = st.columns(3)
        e1.download_button(t("export_csv", L), od.to_csv(ui.county_crs()), file_name=f"{stem}.csv",
                           mime="text/csv", key="export_csv", width="stretch")
        e2.download_button(t("export_calendar", L), od.to_ics(), file_name=f"{stem}.ics",
                           mime="text/calendar", key="export_ics", width="stretch")
        e3.download_button(t("export_gpx", L), od.to_gpx(), file_name=f"{stem}.gpx",
                           mime="application/gpx+xml", key="export_gpx", width="stretch")


render()
