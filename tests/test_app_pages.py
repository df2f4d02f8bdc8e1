"""Every page of the Streamlit app under ``AppTest``: renders, key widgets work, the plan shows.

These run the real pipeline on the demo township with a short solver limit
(``COUNTYREACH_TIME_LIMIT``); the county and model are prepared once per test
session in a temporary cache. The app reads its configuration through
``countyreach.settings.get_settings()``, read once per process: the fixtures clear it
whenever they change a ``COUNTYREACH_*`` variable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from countyreach.i18n import t
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


def _app(page: str | None = None, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
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


@pytest.fixture(scope="module")
def planned() -> AppTest:
    """The manager page after planning the demo day (shared by the read-only checks)."""
    return _plan(_app())


#: Page file -> i18n key of its title.
PAGES = {"manager": "page_manager", "officer": "page_officer", "leads": "page_leads",
         "planner": "page_planner", "model": "page_model"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_in_both_languages(page: str, lang: str) -> None:
    at = _app(lang=lang)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t(PAGES[page], lang)
    # the sidebar is drawn on every page, in the session's language
    assert at.sidebar.selectbox(key="role").label == t("role", lang)


def test_manager_page_renders_before_planning() -> None:
    at = _app()
    assert at.title[0].value == "Manager · plan the day"
    assert at.button(key="plan").label == "Plan the day"
    spec = _deck_spec(at, "plan_map")
    # offline map: roads, boundary, leads and village names, no basemap
    assert {"roads", "boundary", "leads", "villages"} <= set(_layer_ids(spec))
    assert spec["mapStyle"].startswith("data:") and "mapProvider" not in spec


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
    assert set(at.session_state["pins"]) == set(route.lead_ids)
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    new = at.session_state["day"]
    # re-optimising keeps the day's leads, scores and travel times: only the solver runs
    assert new.scores is day.scores
    assert new.problem.matrix.node_ids == day.problem.matrix.node_ids
    assert np.array_equal(new.problem.matrix.duration_s, day.problem.matrix.duration_s)
    kept = next(r for r in new.plan.routes if r.officer_id == route.officer_id)
    assert set(route.lead_ids) <= set(kept.lead_ids)
    at.button(key="unpin_button").click().run()
    assert at.session_state["pins"] == {}


def test_publish_then_officer_sees_visits_and_records_outcome() -> None:
    at = _plan(_app())
    at.button(key="publish").click().run()
    assert any("published" in s.value.lower() for s in at.success)
    day = at.session_state["day"]
    me = next(r for r in day.plan.routes if r.stops)
    at.selectbox(key="role").set_value("officer").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Officer · my visits"
    at.selectbox(key="me").set_value(me.officer_id).run()
    assert not at.warning  # published, not a draft
    first = me.stops[0].lead_id
    # two taps: pick the outcome, save
    at.button_group(key=f"outcome_{first}").set_value("interested").run()
    at.button(key=f"save_{first}").click().run()
    assert not at.exception, at.exception
    # a new session (the officer's phone) sees the published plan and the outcome
    phone = _app("officer")
    phone.selectbox(key="me").set_value(me.officer_id).run()
    assert not phone.warning
    assert any("Interested" in s.value for s in phone.success)
    assert any("Interested" in s.value for s in at.success)
    titles = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert len(titles) == len(me.stops)
    assert titles[0].startswith(f"### 1. {day.problem.lead_by_id[first].name}")
    buttons = [b.proto for b in at.get("link_button")]
    assert any("uri.amap.com" in b.url for b in buttons)
    assert any("api.map.baidu.com" in b.url for b in buttons)


def test_officer_page_without_plan_says_so(county_copy: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # a county nobody has planned or published yet in this server process
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()
    at = _app("officer")
    assert at.title[0].value == "Officer · my visits"
    assert any("No plan for today" in i.value for i in at.info)


def test_leads_page_filters_and_explains() -> None:
    at = _app("leads")
    assert at.title[0].value == "Leads"
    table = at.dataframe[0].value
    n_all = len(table)
    assert n_all > 10
    values = list(table["Expected value"])
    assert values == sorted(values, reverse=True)
    at.multiselect(key="f_band").set_value(["high"]).run()
    high = at.dataframe[0].value
    assert 0 < len(high) < n_all
    industry = at.multiselect(key="f_industry").options[0]
    at.multiselect(key="f_industry").set_value([industry]).run()
    assert len(at.dataframe[0].value) <= len(high)
    assert at.info and at.info[0].value  # the explanation of the selected lead
    assert "leads" in _layer_ids(_deck_spec(at, "leads_map"))


def test_chinese_interface() -> None:
    at = _app(lang="zh")
    assert at.title[0].value == "经理 · 今日计划"
    assert at.button(key="plan").label == "生成路线"


def test_planner_runs_a_small_sweep() -> None:
    at = _app("planner")
    assert at.title[0].value == "Planner · coverage"
    at.slider(key="sim_officers").set_value((1, 2))
    at.number_input(key="sim_weeks").set_value(1)
    at.multiselect(key="sim_strategies").set_value(["branch"])
    at.number_input(key="sim_day_limit").set_value(0.2)
    at.button(key="run_sim").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(s.value.startswith("Recommended:") for s in at.success)
    assert len(at.get("vega_lite_chart")) == 2  # coverage and loans against officers
    curve = at.dataframe[0].value
    assert sorted(curve["n_officers"]) == [1, 2]


def test_model_page_shows_drift_then_out_of_time_report() -> None:
    at = _app("model")
    assert at.title[0].value == "Model"
    assert not at.error and not at.warning
    assert any(c.value.startswith("Trained on visits") for c in at.caption)
    n_charts = len(at.get("vega_lite_chart"))
    assert n_charts >= 1  # drift
    at.button(key="evaluate").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert 0.5 < float(metrics["AUC"]) <= 1.0
    assert any(c.value.startswith("Held-out months") for c in at.caption)
    assert len(at.get("vega_lite_chart")) == n_charts + 3  # calibration, lift, importance


def test_signed_in_manager_publishes_to_store_and_officer_records_there(
        cache_dir: Path) -> None:
    import datetime as dt

    from countyreach.store import Store

    # the same database the app opens (COUNTYREACH_STORE of the autouse fixture)
    store = Store.open(f"sqlite:///{cache_dir / 'app-test.db'}", bcrypt_rounds=4)
    store.create_user("admin", "admin-pass-123", "admin")
    admin = store.login("admin", "admin-pass-123")
    store.create_user("wang", "officer-pass-1", "officer", officer_id="O01",
                      county_id="qingzu", session=admin)

    def sign_in(at: AppTest, user: str, password: str) -> None:
        at.sidebar.text_input(key="login_user").input(user)
        at.sidebar.text_input(key="login_password").input(password)
        next(b for b in at.sidebar.button if b.label == "Sign in (database)").click().run()
        assert not at.exception, at.exception
        assert any(c.value.startswith(f"Signed in: {user}") for c in at.sidebar.caption)

    at = _app()
    sign_in(at, "admin", "admin-pass-123")
    _plan(at)
    at.button(key="publish").click().run()
    assert any("published (id qingzu" in s.value for s in at.success), [
        w.value for w in at.warning]
    day = at.session_state["day"]
    _, stored, version = store.published_plan(admin, "qingzu", DATE)
    assert stored.visited_lead_ids == day.plan.visited_lead_ids and version >= 1

    phone = _app()
    sign_in(phone, "wang", "officer-pass-1")
    phone.session_state["goto"] = "officer"
    phone.run()
    phone.date_input(key="officer_date").set_value(dt.date.fromisoformat(DATE)).run()
    assert phone.selectbox(key="me").options == ["王建军 (O01)"]  # an officer sees only their own
    route = next(r for r in day.plan.routes if r.officer_id == "O01")
    first = route.lead_ids[0]
    phone.button_group(key=f"outcome_{first}").set_value("applied").run()
    assert phone.button(key=f"save_{first}").disabled  # applying needs the customer's consent
    phone.checkbox(key=f"consent_{first}").check().run()
    phone.button(key=f"save_{first}").click().run()
    assert not phone.exception and not phone.warning, [w.value for w in phone.warning]
    recorded = {r.lead_id: r.outcome for r in store.visit_outcomes(admin, "qingzu", DATE)}
    assert recorded.get(first) == "applied"
