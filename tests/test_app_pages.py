"""Every page of the Streamlit app under ``AppTest``: renders, key widgets work, the plan shows.

These run the real pipeline on the demo township with a short solver limit
(``COUNTYREACH_TIME_LIMIT``); the county and model are prepared once per test
session in a temporary cache. The app reads its configuration through
``countyreach.settings.get_settings()``, read once per process: the fixtures clear it
whenever they change a ``COUNTYREACH_*`` variable.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from countyreach.i18n import t
from countyreach.services import officer as svc
from countyreach.services import planning as pl
from countyreach.settings import get_settings

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
TIMEOUT = 240  # first run prepares the road graph and trains the model
DATE = "2026-11-24"


@pytest.fixture(autouse=True)
def _app_env(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> Iterator[None]:
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.setenv("COUNTYREACH_TIME_LIMIT", "2")
    monkeypatch.setenv("COUNTYREACH_BASEMAP", "0")  # the offline map, even on a networked CI
    monkeypatch.setenv("COUNTYREACH_STORE", f"sqlite:///{cache_dir / 'app-test.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _store():  # type: ignore[no-untyped-def]
    """The app's store (COUNTYREACH_STORE of the autouse fixture), with the demo accounts."""
    from countyreach.services.workspace import app_now, seed_demo_users
    from countyreach.store import Store

    # the app's clock, so that a session signed in here is live on the app's (a test may
    # set COUNTYREACH_CLOCK days from the wall clock)
    store = Store.open(get_settings().store_url, bcrypt_rounds=4, clock=app_now)
    seed_demo_users(store, "qingzu", "庆祖镇", [f"O0{i}" for i in range(1, 7)])
    return store


def _app(page: str | None = None, lang: str = "en", user: str | None = "demo-manager",
         plan_date: object = None, url: dict[str, str] | None = None) -> AppTest:
    """The app signed in as ``user`` on ``page``; ``plan_date`` (a date) sets the planning day;
    ``url`` the query parameters it is opened with."""
    from countyreach.services.workspace import DEMO_PASSWORD

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(url or {})
    at.session_state["lang"] = lang
    if plan_date is not None:
        at.session_state["plan_date"] = plan_date
    if user is not None:
        at.session_state["store_session"] = _store().login(user, DEMO_PASSWORD)
    if page is not None:
        at.session_state["goto"] = page
    at.run()
    assert not at.exception, at.exception
    return at


def _plan(at: AppTest) -> AppTest:
    import datetime as dt

    at.date_input(key="plan_date").set_value(dt.date.fromisoformat(DATE))
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _deck_spec(at: AppTest, key: str) -> dict:
    for el in at.get("deck_gl_json_chart"):
        proto = el.proto
        if key in proto.id or key in getattr(proto, "key", ""):
            return json.loads(proto.json)
    specs = [json.loads(el.proto.json) for el in at.get("deck_gl_json_chart")]
    assert specs, "no map on the page"
    return specs[0]


def _layer_ids(spec: dict) -> list[str]:
    return [layer["id"] for layer in spec["layers"]]


@pytest.fixture()
def planned() -> AppTest:
    """The manager page after planning the demo day (shared by the read-only checks)."""
    return _plan(_app())


#: Page file -> i18n key of its title.
PAGES = {"manager": "page_manager", "officer": "page_officer", "leads": "page_leads",
         "planner": "page_planner", "model": "page_model", "account": "page_account",
         "activity": "page_activity"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_in_both_languages(page: str, lang: str) -> None:
    at = _app(lang=lang)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t(PAGES[page], lang)
    # the sidebar is drawn on every page, in the session's language
    assert at.sidebar.selectbox(key="county").label == t("county", lang)


def test_nobody_signed_in_gets_the_sign_in_page_only() -> None:
    at = _app(user=None)
    assert at.title[0].value == "countyreach · sign in"
    assert not at.get("deck_gl_json_chart")  # no map, no data before signing in
    at.text_input(key="login_user").input("demo-manager")
    at.text_input(key="login_password").input("wrong password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong username or password."]
    # an empty form is asked to be filled in, not called a wrong password
    at.text_input(key="login_user").input("")
    at.text_input(key="login_password").input("")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Enter your username and password."]


def _sign_in_form(at: AppTest, user: str) -> AppTest:
    from countyreach.services.workspace import DEMO_PASSWORD

    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_switching_language_is_kept_for_the_user() -> None:
    """The switch writes the user's language to the store; the next sign-in uses it."""
    from countyreach.services.workspace import DEMO_PASSWORD

    at = _app(lang="zh", user="demo-o03")
    assert at.title[0].value == t("page_officer", "zh")
    at.button_group(key="lang_switch").set_value("en").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_officer", "en")  # the same page, in English
    store = _store()
    assert store.users.language(store.login("demo-o03", DEMO_PASSWORD)) == "en"
    # another browser, opened in Chinese: signing in brings the user's English back
    again = _sign_in_form(_app(lang="zh", user=None), "demo-o03")
    assert again.title[0].value == t("page_officer", "en")
    assert again.session_state["lang"] == "en"


def test_a_language_chosen_before_signing_in_becomes_the_users() -> None:
    from countyreach.services.workspace import DEMO_PASSWORD

    _store().close()  # the demo accounts, whichever test ran before (alone, none had)
    at = _app(lang="zh", user=None)
    at.button_group(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "countyreach · sign in"
    _sign_in_form(at, "demo-o04")
    assert at.title[0].value == t("page_officer", "en")
    store = _store()
    assert store.users.language(store.login("demo-o04", DEMO_PASSWORD)) == "en"


def test_an_officer_gets_only_their_own_page() -> None:
    at = _app(user="demo-o01")
    assert at.title[0].value == "Officer · my visits"
    for other in ("manager", "leads", "planner", "model", "activity"):  # not an officer's
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{other}.py")


def test_manager_page_renders_before_planning() -> None:
    at = _app()
    assert at.title[0].value == "Manager · plan the day"
    assert at.button(key="plan").label == "Plan the day"
    spec = _deck_spec(at, "plan_map")
    # offline map: roads, boundary, leads and village names, no basemap
    assert {"roads", "boundary", "leads", "villages"} <= set(_layer_ids(spec))
    assert spec["mapStyle"].startswith("data:") and "mapProvider" not in spec


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_lenders_own_county_is_not_captioned_as_synthetic(
        lang: str, county_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the map's caption said "leads are synthetic" on every county, a lender's real
    # businesses included: it names where the roads and villages come from, and no more
    (county_copy / "county.json").write_text(json.dumps({
        **json.loads((county_copy / "county.json").read_text(encoding="utf-8")),
        "attribution": "Roads and places © OpenStreetMap contributors (ODbL 1.0)."}),
        encoding="utf-8")
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()
    at = _app(lang=lang)
    captions = [c.value for c in at.caption]
    assert t("attribution", lang) in captions and "OpenStreetMap" in t("attribution", lang)
    assert not any("synthetic" in c or "模拟" in c for c in captions), captions


def test_manager_plans_the_day_and_shows_routes(planned: AppTest) -> None:
    at = planned
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Visits"]) > 0
    assert float(metrics["Driving (h)"]) > 0
    assert at.success and "no violations" in at.success[0].value
    spec = _deck_spec(at, "plan_map")
    routes = next(layer for layer in spec["layers"] if layer["id"] == "routes")
    assert len(routes["data"]) >= 1
    # routes follow the roads: many more points than stops
    day = at.session_state["day"]
    assert sum(len(r["path"]) for r in routes["data"]) > len(day.plan.visited_lead_ids) + 2
    route_df = at.dataframe[1].value
    assert len(route_df) == len(day.plan.visited_lead_ids)
    kpi = at.dataframe[0].value
    assert kpi.iloc[-1, 0] == "Total" and int(kpi.iloc[-1, 1]) == int(metrics["Visits"])


def test_manager_picks_one_officers_route_out_of_the_map(planned: AppTest) -> None:
    at = planned
    day = at.session_state["day"]
    busy = [r.officer_id for r in day.plan.routes if r.stops]
    focus = at.selectbox(key="map_focus")
    assert focus.value is None and focus.options[0] == f"All officers ({len(busy)})"
    try:
        focus.set_value(busy[1]).run()
        assert not at.exception, at.exception
        spec = _deck_spec(at, "plan_map")
        routes = next(layer for layer in spec["layers"] if layer["id"] == "routes")
        assert [r["officer_id"] for r in routes["data"]] == [busy[1]]
        leads = next(layer for layer in spec["layers"] if layer["id"] == "leads")
        assert len(leads["data"]) == len(day.scores)  # every lead, to pin
        legend = next(h.proto.body for h in at.get("html") if busy[1] in h.proto.body)
        assert busy[0] not in legend
    finally:
        at.selectbox(key="map_focus").set_value(None).run()


def test_a_new_session_plans_on_the_county_the_server_already_loaded(planned: AppTest) -> None:
    """A second session does not load the county again: it plans on the server's copy."""
    at = _plan(_app())
    day, first = at.session_state["day"], planned.session_state["day"]
    assert day.plan.visited_lead_ids
    assert day.county is first.county


def test_manager_moves_a_lead_to_another_officer_and_reoptimises() -> None:
    """The app's "drag a lead to an officer": pin a visited lead to someone else."""
    at = _plan(_app())
    day = at.session_state["day"]
    busy = [r for r in day.plan.routes if r.stops]
    source = busy[0]
    target = next(o.officer_id for o in day.problem.officers if o.officer_id != source.officer_id
                  and o.can_serve(day.problem.lead_by_id[source.lead_ids[0]].industry))
    lead = source.lead_ids[0]
    at.text_input(key="lead_search").input(lead).run()  # search as you type
    at.selectbox(key="pin_lead").set_value(lead)
    at.selectbox(key="pin_officer").set_value(target)
    at.button(key="pin_button").click().run()
    assert at.session_state["pins"] == {lead: target}
    assert any(lead in c.value and target in c.value for c in at.caption)
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    new = at.session_state["day"]
    moved_to = next(r for r in new.plan.routes if r.officer_id == target)
    assert lead in moved_to.lead_ids
    assert new.ok, new.violations


def test_manager_lock_route_keeps_stops_with_officer() -> None:
    at = _plan(_app())
    day = at.session_state["day"]
    route = max(day.plan.routes, key=lambda r: len(r.stops))
    at.selectbox(key="lock_officer").set_value(route.officer_id)
    at.button(key="lock_button").click().run()
    assert pl.locked_routes(at.session_state["pins"])[route.officer_id] == route.lead_ids
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    new = at.session_state["day"]
    # re-optimising keeps the day's leads, scores and travel times: only the solver runs
    assert new.scores is day.scores
    assert new.problem.matrix.node_ids == day.problem.matrix.node_ids
    assert np.array_equal(new.problem.matrix.duration_s, day.problem.matrix.duration_s)
    kept = next(r for r in new.plan.routes if r.officer_id == route.officer_id)
    assert kept.lead_ids == route.lead_ids  # a locked route keeps its stops and order
    assert any("Changes against the plan before re-planning" in e.label
               for e in at.get("expander"))
    at.button(key="unpin_button").click().run()
    assert at.session_state["pins"] == {}


def _pin(at: AppTest, lead: str, officer: str) -> None:
    """The manager searches ``lead`` and pins it to ``officer``."""
    at.text_input(key="lead_search").input(lead).run()
    at.selectbox(key="pin_lead").set_value(lead)
    at.selectbox(key="pin_officer").set_value(officer)
    at.button(key="pin_button").click().run()


def _reoptimised(at: AppTest) -> Any:
    """Re-optimise on the page: the new day, which the checker passes."""
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    new = at.session_state["day"]
    assert new.ok, new.violations
    return new


def _lock(at: AppTest, officer: str) -> None:
    """The manager locks ``officer``'s route."""
    at.selectbox(key="lock_officer").set_value(officer)
    at.button(key="lock_button").click().run()


def test_a_lock_after_a_pin_it_cannot_keep_cancels_the_pin_and_says_so() -> None:
    """Pin a lead to an officer, then lock that officer's route without it: the lock is the
    later decision, the re-plan keeps it, and the plan can be published (CI, 2026-12-04: a
    pin and a lock that contradicted each other left a plan the checker faulted)."""
    at = _plan(_app())
    day = at.session_state["day"]
    a, b = [r for r in day.plan.routes if r.stops][:2]
    lead = b.lead_ids[0]
    _pin(at, lead, a.officer_id)
    _lock(at, a.officer_id)
    assert pl.appointments(at.session_state["pins"]) == {}
    assert any(lead in x.value and a.officer_id in x.value for x in at.toast)
    new = _reoptimised(at)
    assert next(r for r in new.plan.routes if r.officer_id == a.officer_id).lead_ids == a.lead_ids
    assert not at.button(key="publish").disabled


def test_a_pin_after_a_lock_releases_the_lock_and_says_so() -> None:
    """Lock an officer's route, then book another officer's lead with them: the later
    decision wins, the route takes the visit."""
    at = _plan(_app())
    day = at.session_state["day"]
    routes = [r for r in day.plan.routes if r.stops]
    # any two routes where one officer may serve a lead of the other's (skills differ, and
    # which officer the solver gives which leads to varies with its time limit)
    a, lead = next((a, x) for a in routes for b in routes if b is not a for x in b.lead_ids
                   if day.problem.officer_by_id[a.officer_id].can_serve(
                       day.problem.lead_by_id[x].industry))
    _lock(at, a.officer_id)
    _pin(at, lead, a.officer_id)
    assert pl.locked_routes(at.session_state["pins"]) == {}
    assert any(lead in x.value and a.officer_id in x.value for x in at.toast)
    new = _reoptimised(at)
    assert lead in next(r for r in new.plan.routes if r.officer_id == a.officer_id).lead_ids


def test_published_plan_reaches_the_officer_whose_outcome_is_stored() -> None:
    """Publish (the store), the officer's phone reads it and records in two taps."""
    from countyreach.services.workspace import DEMO_PASSWORD

    at = _plan(_app())
    day = at.session_state["day"]
    store = _store()
    manager = store.login("demo-manager", DEMO_PASSWORD)
    version = store.save_plan(manager, "qingzu", DATE, day.problem, day.plan)
    store.publish(manager, "qingzu", DATE, version)
    me = next(r for r in day.plan.routes if r.officer_id == "O01")
    phone = _app("officer", user="demo-o01")
    import datetime as dt

    phone.date_input(key="officer_date").set_value(dt.date.fromisoformat(DATE)).run()
    assert not phone.exception, phone.exception
    assert phone.subheader[0].value == "Next stop"
    first = me.lead_ids[0]
    phone.button_group(key=f"outcome_{first}").set_value("applied").run()
    assert phone.button(key=f"save_{first}").disabled  # applying needs the customer's consent
    phone.checkbox(key=f"consent_{first}").check().run()
    phone.button(key=f"save_{first}").click().run()
    assert not phone.exception, phone.exception
    recorded = {r.lead_id: r.outcome for r in store.visit_outcomes(manager, "qingzu", DATE)}
    assert recorded.get(first) == "applied"
    # saved at once: the stop says so, and nothing claims it waited for a connection
    assert any(s.value.startswith("Saved") for s in phone.success), \
        [s.value for s in phone.success]
    assert not [x.value for x in phone.toast]
    links = [b.proto.url for b in phone.get("link_button")]
    assert any("uri.amap.com" in u for u in links) and any("api.map.baidu.com" in u
                                                            for u in links)


def _published_to_o01() -> tuple[Any, Any, Any, AppTest]:
    """The manager's plan of ``DATE`` published; the store, the manager's session, the day
    and O01's phone open on that date."""
    import datetime as dt

    from countyreach.services.workspace import DEMO_PASSWORD

    at = _plan(_app())
    day = at.session_state["day"]
    store = _store()
    manager = store.login("demo-manager", DEMO_PASSWORD)
    store.publish(manager, "qingzu", DATE, store.save_plan(manager, "qingzu", DATE, day.problem,
                                                           day.plan))
    phone = _app("officer", user="demo-o01")
    phone.date_input(key="officer_date").set_value(dt.date.fromisoformat(DATE)).run()
    return store, manager, day, phone


def test_the_officer_records_a_loan_the_owner_took_elsewhere_with_consent_only() -> None:
    """What the owner says of a loan from another lender reaches the loans planning reads."""
    store, manager, day, phone = _published_to_o01()
    first = next(r for r in day.plan.routes if r.officer_id == "O01").lead_ids[0]
    phone.button_group(key=f"outcome_{first}").set_value("met").run()
    # Without the customer's consent nothing but the outcome is asked.
    assert f"otherloan_{first}" not in [s.key for s in phone.selectbox]
    phone.checkbox(key=f"consent_{first}").check().run()
    box = phone.selectbox(key=f"otherloan_{first}")
    # Not asked is the default: an owner nobody asked must not look as if they had none.
    assert box.value == "not_asked"
    assert box.options[:3] == ["Not asked", "Asked: no loan elsewhere",
                               f"Borrowed from another lender in {DATE[:7]}"]
    assert len(box.options) == 2 + 24
    month = svc.recent_months(DATE)[2]
    box.set_value(month).run()
    phone.button(key=f"save_{first}").click().run()
    assert not phone.exception, phone.exception
    told = store.loans_elsewhere_frame(manager, "qingzu")
    assert told is not None
    # known from the visit's month on
    assert (first, month, DATE[:7]) in {(r.lead_id, r.month, r.known_month)
                                        for r in told.itertuples()}
    rec = next(r for r in store.visit_outcomes(manager, "qingzu", DATE) if r.lead_id == first)
    assert rec.other_loan_month == month and rec.other_loan_asked


def test_the_officer_records_that_the_owner_has_no_loan_elsewhere() -> None:
    """"Asked: no loan elsewhere" is a check that found none, known from the visit's month."""
    store, manager, day, phone = _published_to_o01()
    lead = next(r for r in day.plan.routes if r.officer_id == "O01").lead_ids[1]
    phone.button_group(key=f"outcome_{lead}").set_value("interested").run()
    phone.checkbox(key=f"consent_{lead}").check().run()
    phone.selectbox(key=f"otherloan_{lead}").set_value(svc.OtherLoan.NONE).run()
    phone.button(key=f"save_{lead}").click().run()
    assert not phone.exception, phone.exception
    rec = next(r for r in store.visit_outcomes(manager, "qingzu", DATE) if r.lead_id == lead)
    assert rec.other_loan_asked and rec.other_loan_month is None
    told = store.loans_elsewhere_frame(manager, "qingzu")
    assert told is not None
    mine = told[told["lead_id"] == lead]
    assert mine[["month", "known_month"]].values.tolist() == [["", DATE[:7]]]
    assert np.isnan(mine["loan_yuan"]).all()


def test_outcomes_the_phone_kept_offline_are_recorded_once_and_bad_ones_refused() -> None:
    """The page's own queue (app_pages/offline_outcomes) hands over taps kept in the browser."""
    import uuid

    store, manager, day, phone = _published_to_o01()
    me = next(r for r in day.plan.routes if r.officer_id == "O01" and len(r.lead_ids) >= 2)
    assert not phone.exception, phone.exception

    def tap(lead: str, outcome: str, **change: object) -> dict[str, object]:
        item: dict[str, object] = {
            "id": str(uuid.uuid4()), "county_id": "qingzu", "officer_id": "O01",
            "plan_date": DATE, "lead_id": lead, "outcome": outcome, "consent": False,
            "opt_out": False, "tapped_at": "2026-11-24T10:00:00.000Z"}
        item.update(change)
        return item

    good = tap(me.lead_ids[-1], "interested")
    bad = [tap(me.lead_ids[0], "maybe"), tap("NOT-MINE", "met"),
           tap(me.lead_ids[0], "applied"), tap(me.lead_ids[0], "met", id="12345")]
    value = {"items": [good, *bad], "sync": 1}
    phone.session_state["offline_outcomes"] = value
    phone.run()
    assert not phone.exception, phone.exception
    errors = [e.value for e in phone.error]
    assert len(errors) == 4, errors
    assert any(t("offline_bad_outcome", "en") in e for e in errors)
    assert any(t("offline_not_on_list", "en") in e and "NOT-MINE" in e for e in errors)
    assert any(t("needs_consent", "en") in e for e in errors)
    assert any(t("offline_bad_id", "en") in e for e in errors)
    acks = phone.session_state["phone_acks"]
    assert acks[good["id"]].ok and not any(acks[b["id"]].ok for b in bad)

    def recorded() -> list[object]:
        return [r for r in store.visit_outcomes(manager, "qingzu", DATE)
                if r.outcome_id == good["id"]]

    assert [r.outcome for r in recorded()] == ["interested"]  # type: ignore[attr-defined]
    # the browser sends the same queue again (before the answer reached it): nothing new
    phone.session_state["offline_outcomes"] = {**value, "sync": 2}
    phone.run()
    assert not phone.exception, phone.exception
    assert not phone.error and len(recorded()) == 1
    assert set(phone.session_state["phone_acks"]) == set(acks)


def test_the_manager_reads_which_appointments_outrank_a_hard_rule(
        county_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from countyreach.services.workspace import DEMO_PASSWORD

    # a clothing workshop nobody has visited yet is booked with O01, who covers sheep and
    # cattle farms only, on a day nothing is published for
    store = _store()
    manager = store.login("demo-manager", DEMO_PASSWORD)
    seen = set(store.outcomes_frame(manager, "qingzu")["lead_id"])
    leads = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    lead = next(x for x, ind in zip(leads["lead_id"], leads["industry"], strict=True)
                if ind == "clothing" and x not in seen)
    leads.loc[leads["lead_id"] == lead, "pinned_officer_id"] = "O01"
    leads.to_csv(county_copy / "leads.csv", index=False)
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.session_state["skills"] = "hard"
    at.session_state["store_session"] = manager
    at.run()
    at.date_input(key="plan_date").set_value(dt.date(2026, 11, 30))
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert at.session_state["day"].ok, at.session_state["day"].violations
    assert any("visit(s) kept against the hard skill or locality rule" in c.value
               and f"{lead} → O01" in c.value for c in at.caption), [c.value for c in at.caption]


def test_officer_page_without_plan_says_so(county_copy: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # a county nobody has planned or published yet in this server process
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()
    at = _app("officer")
    assert at.title[0].value == "Officer · my visits"
    from countyreach.dates import county_today

    today = county_today()
    assert any(f"No published plan for {today}" in i.value for i in at.info), \
        [i.value for i in at.info]


def test_a_manager_coming_back_sees_the_published_plan() -> None:
    """A reload or another browser starts a new session: the published day is still shown."""
    _, _, day, _ = _published_to_o01()
    again = _app()  # a new session of the same manager
    again.date_input(key="plan_date").set_value(dt.date.fromisoformat(DATE)).run()
    assert not again.exception, again.exception
    assert any(f"The plan published for {DATE}" in c.value for c in again.caption)
    shown = again.session_state["day"].plan
    assert [r.lead_ids for r in shown.routes] == [r.lead_ids for r in day.plan.routes]
    assert not any("Choose the date" in i.value for i in again.info)


@pytest.mark.parametrize(("page", "user", "key"), [("manager", "demo-manager", "plan_date"),
                                                    ("officer", "demo-o01", "officer_date")])
def test_a_reload_opens_on_the_day_picked(page: str, user: str, key: str) -> None:
    """A manager planning tomorrow who reloads must not be put back on today."""
    from countyreach.dates import county_today

    today = dt.date.fromisoformat(county_today())  # the county's, whatever the server's zone
    ahead = today + dt.timedelta(days=1)
    at = _app(page, user=user)
    at.date_input(key=key).set_value(ahead).run()
    assert not at.exception, at.exception
    url = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert url["date"] == ahead.isoformat()
    again = _app(page, user=user, url=url)  # a reload: a new session on the same URL
    assert again.date_input(key=key).value == ahead
    # back on today, the URL needs no day
    again.date_input(key=key).set_value(today).run()
    assert "date" not in again.query_params


def test_a_day_ahead_shows_the_list_without_outcome_buttons() -> None:
    """Outcomes saved ahead would count as visits made, and planning would keep them fixed."""
    from countyreach.dates import county_today
    from countyreach.services.workspace import DEMO_PASSWORD

    # ahead in the county (UTC+8), whatever the server's zone
    ahead = dt.date.fromisoformat(county_today()) + dt.timedelta(days=1)
    at = _plan(_app())
    day = at.session_state["day"]
    store = _store()
    manager = store.login("demo-manager", DEMO_PASSWORD)
    store.publish(manager, "qingzu", ahead.isoformat(),
                  store.save_plan(manager, "qingzu", ahead.isoformat(), day.problem, day.plan))
    phone = _app("officer", user="demo-o01")
    phone.date_input(key="officer_date").set_value(ahead).run()
    assert not phone.exception, phone.exception
    assert phone.subheader[0].value == "Next stop"
    assert not [b for b in phone.button_group if str(b.key).startswith("outcome_")]
    assert any("recorded on the day" in c.value for c in phone.caption)


def test_the_officer_records_outcomes_on_the_apps_day_when_its_clock_is_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A training server whose clock (COUNTYREACH_CLOCK) is days from the wall clock: its
    today takes outcomes, as the store (which keeps the same clock) does."""
    from countyreach.dates import county_today
    from countyreach.services.workspace import DEMO_PASSWORD

    day_of_clock = dt.date.fromisoformat(county_today()) + dt.timedelta(days=3)
    monkeypatch.setenv("COUNTYREACH_CLOCK", f"{day_of_clock.isoformat()}T09:00+08:00")
    get_settings.cache_clear()
    at = _app()
    at.date_input(key="plan_date").set_value(day_of_clock)
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    day = at.session_state["day"]
    store = _store()
    manager = store.login("demo-manager", DEMO_PASSWORD)
    store.publish(manager, "qingzu", day_of_clock.isoformat(),
                  store.save_plan(manager, "qingzu", day_of_clock.isoformat(), day.problem,
                                  day.plan))
    phone = _app("officer", user="demo-o01")
    assert phone.date_input(key="officer_date").value == day_of_clock
    assert [b for b in phone.button_group if str(b.key).startswith("outcome_")]
    assert not any("recorded on the day" in c.value for c in phone.caption)


def test_leads_page_filters_and_explains() -> None:
    at = _app("leads")
    assert at.title[0].value == "Leads"
    table = at.dataframe[0].value
    n_all = len(table)
    assert n_all > 10
    values = list(table["Visit-caused value"])  # the demo has a loan book
    assert values == sorted(values, reverse=True)
    at.multiselect(key="f_band_en").set_value(["high"]).run()
    high = at.dataframe[0].value
    assert 0 < len(high) < n_all
    industry = at.multiselect(key="f_industry_en").options[0]
    at.multiselect(key="f_industry_en").set_value([industry]).run()
    assert len(at.dataframe[0].value) <= len(high)
    # the selected lead's value in its parts, each with its reason
    parts = next(el.value for el in at.table if el.value.columns[0] == "Part")
    assert parts.iloc[0, 0] == "Likely: chance of a loan if visited" and parts.iloc[0, 2]
    assert parts.iloc[1, 0].startswith("Caused by the visit") and parts.iloc[1, 2]
    assert "leads" in _layer_ids(_deck_spec(at, "leads_map"))


def test_chinese_interface() -> None:
    at = _app(lang="zh")
    assert at.title[0].value == "经理 · 规划路线"
    assert at.button(key="plan").label == "生成路线"


def test_the_manager_sets_what_evening_out_the_hours_may_cost() -> None:
    at = _app()
    assert at.number_input(key="balance_pct").value == 2.0  # the rules' default, in percent
    at.number_input(key="balance_pct").set_value(0.0)
    _plan(at)
    day = at.session_state["day"]
    assert day.problem.rules.balance == 0.0 and day.ok, day.violations
    assert day.plan.meta["balance_cost_yuan"] == 0.0


def test_planner_runs_a_small_sweep() -> None:
    at = _app("planner")
    assert at.title[0].value == "Planner · coverage"
    at.slider(key="sim_officers").set_value((1, 2))
    at.number_input(key="sim_weeks").set_value(1)
    at.multiselect(key="sim_strategies_en").set_value(["branch"])
    at.number_input(key="sim_day_limit").set_value(0.2)
    at.button(key="run_sim").click().run()
    assert not at.exception, at.exception
    job = at.session_state["sweep_job"]
    assert job.total == 2  # team sizes 1 and 2, one strategy, one seed
    assert job.wait(TIMEOUT), "the sweep did not finish"
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(s.value.startswith("Recommended:") for s in at.success)
    assert len(at.get("vega_lite_chart")) == 2  # coverage and loans against officers
    curve = next(d.value for d in at.dataframe if "bases" in d.value.columns)
    assert sorted(curve["officers"]) == [1, 2]
    assert set(curve["bases"]) == {"from the branches"}  # the strategy named, not its code
    # the villages the recommended team leaves out, on a map and in a table
    assert any("villages get no visit" in c.value for c in at.caption), \
        [c.value for c in at.caption]
    assert len(at.get("deck_gl_json_chart")) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_planner_page_lists_the_counties_of_the_store_the_user_reaches(lang: str) -> None:
    at = _app("planner", lang=lang, user="demo-planner")
    title = t("store_counties_title", lang, n=1)
    assert [e.label for e in at.expander if e.label == title] == [title]
    table = next(d.value for d in at.dataframe
                 if t("county_col_last_outcome", lang) in d.value.columns)
    assert list(table[t("county_col_county", lang)]) == ["qingzu"]
    assert table[t("county_col_accounts", lang)].dtype.kind == "i"  # sorts as numbers


def test_planner_onboarding_without_a_file_says_what_is_missing() -> None:
    at = _app("planner")
    at.text_input(key="onboard_id").input("newcounty")
    submit = next(b for b in at.button if b.label == "Onboard the county")
    submit.click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [t("onboard_need_file", "en")]
    assert at.text_input(key="onboard_id").value == "newcounty"  # kept for the next try


def test_planner_sweep_runs_on_the_configured_dask_scheduler(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        monkeypatch.setenv("COUNTYREACH_SCHEDULER", cluster.scheduler_address)
        get_settings.cache_clear()
        at = _app("planner")
        at.slider(key="sim_officers").set_value((1, 2))
        at.number_input(key="sim_weeks").set_value(1)
        at.multiselect(key="sim_strategies_en").set_value(["branch"])
        at.number_input(key="sim_day_limit").set_value(0.2)
        at.button(key="run_sim").click().run()
        assert not at.exception, at.exception
        assert any(c.value == t("sim_on_dask", "en", where=cluster.scheduler_address)
                   for c in at.caption)
        job = at.session_state["sweep_job"]
        assert job.wait(TIMEOUT), "the sweep did not finish"
        at.run()
    assert not at.error, [e.value for e in at.error]
    assert job.result.meta["ran_on"] == f"dask:{cluster.scheduler_address}"
    assert any(s.value.startswith("Recommended:") for s in at.success)


def test_model_page_shows_drift_then_out_of_time_report() -> None:
    at = _app("model")
    assert at.title[0].value == "Model"
    assert not at.error
    # the demo has a loan book and randomised visits: nothing is missing for a visit-caused
    # model (test_app_value_basis covers a county without them)
    assert not at.warning, [w.value for w in at.warning]
    assert any(c.value.startswith("Trained on visits") for c in at.caption)
    n_charts = len(at.get("vega_lite_chart"))
    assert n_charts >= 1  # drift
    at.button(key="evaluate").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert 0.5 < float(metrics["AUC"]) <= 1.0
    assert any(c.value.startswith("Held-out months") for c in at.caption)
    assert len(at.get("vega_lite_chart")) == n_charts + 3  # calibration, lift, importance


def test_manager_sees_the_input_warnings_of_the_county(county_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # one lead ~120 km away: skipped when the county loads, and named by file and row on the
    # page where the day is planned (before: only in the server's log)
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[6, ["lat", "lon"]] = ["36.4", "116.2"]
    df.to_csv(county_copy / "leads.csv", index=False)
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()
    at = _app("manager")
    box = [e for e in at.expander if e.label.startswith("Input warnings (")]
    assert len(box) == 1
    lines = [x.value for x in box[0].text]
    assert any("leads.csv: row 7: lead" in x and "skipped" in x for x in lines), lines


def _two_bad_rows(county_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's county: a copy of the demo whose leads.csv has a text latitude (row 3) and
    a window written in words (row 5)."""
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[2, "lat"] = "north"
    df.loc[4, "windows"] = "全天"
    df.to_csv(county_copy / "leads.csv", index=False)
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()


def test_a_county_file_with_several_bad_rows_names_each_on_its_own_line(
        county_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the manager fixes every row in one pass: the page lists them all, one per line
    _two_bad_rows(county_copy, monkeypatch)
    at = _app("manager")
    text = " ".join(e.value for e in at.error)
    assert "row 3, field 'lat'" in text
    assert "  \n  row 5, field 'windows'" in text


def test_a_county_that_fails_to_load_says_why_in_chinese(
        county_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _two_bad_rows(county_copy, monkeypatch)
    at = _app("manager", lang="zh")
    text = " ".join(e.value for e in at.error)
    assert "无法加载该地区：文件 " in text
    assert "第 3 行，字段 'lat'：应为数字，实际为 'north'" in text
    assert "  \n  第 5 行，字段 'windows'：无法读取时段 '全天'：请写作 " in text
    assert "expected" not in text and "row 5" not in text
