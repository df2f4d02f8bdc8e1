"""The app's services on hand-built plans: KPIs, tables, map layers, pins, officer view, i18n."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from countyreach.errors import InputError
from countyreach.i18n import DROP_REASON, INDUSTRY, OUTCOMES, PLAN_STATUS, STRINGS, t
from countyreach.services import deck as dk
from countyreach.services import diagnostics as diag
from countyreach.services import leads as lds
from countyreach.services import maps as mp
from countyreach.services import officer as od
from countyreach.services import planning as pl
from geo.types import Location, TravelMatrix
from routing.plan import DroppedLead, DropReason, Plan, PlanStatus, Route, Stop
from routing.problem import (
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    TimeWindow,
    end_node_id,
    start_node_id,
)


def _problem() -> RoutingProblem:
    home = Depot("B", "营业所", Location(35.52, 115.02), "branch")
    officers = (
        Officer("O1", "王建军", home, home, TimeWindow(8 * 3600, 17 * 3600)),
        Officer("O2", "李红梅", home, home, TimeWindow(8 * 3600, 17 * 3600)),
    )
    leads = (
        Lead("L1", "羊场", Location(35.53, 115.03), "sheep_farm", village="庆北村",
             value_yuan=300.0, phone="138 0000 0001", address="庆北村东"),
        Lead("L2", "小卖部", Location(35.54, 115.01), "small_shop", village="庆南村",
             value_yuan=100.0),
        Lead("L3", "玉雕坊", Location(35.51, 115.04), "jade_carving", village="庆中村",
             value_yuan=50.0),
    )
    ids = [ld.lead_id for ld in leads]
    for o in officers:
        ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
    n = len(ids)
    dur = np.full((n, n), 600, dtype=np.int64)
    np.fill_diagonal(dur, 0)
    return RoutingProblem(leads, officers, TravelMatrix(tuple(ids), dur, dur * 10),
                          plan_date="2026-11-24")


def _plan() -> Plan:
    h = 3600
    r1 = Route("O1", (Stop("L1", 8 * h + 600, 8 * h + 600, 8 * h + 2700, 600, 6000),
                      Stop("L2", 8 * h + 3300, 8 * h + 3300, 8 * h + 4500, 600, 6000)),
               8 * h, 8 * h + 5100, 1800, 18000, 400.0)
    r2 = Route("O2", (), 8 * h, 8 * h, 0, 0, 0.0)
    return Plan(PlanStatus.FEASIBLE, (r1, r2),
                (DroppedLead("L3", DropReason.NOT_WORTH_DETOUR, "far", 80.0),),
                objective_yuan=370.0, plan_date="2026-11-24")


def _scores() -> pd.DataFrame:
    return pd.DataFrame({
        "lead_id": ["L1", "L2", "L3"], "name": ["羊场", "小卖部", "玉雕坊"],
        "industry": ["sheep_farm", "small_shop", "jade_carving"],
        "village": ["庆北村", "庆南村", "庆中村"],
        "lat": [35.53, 35.54, 35.51], "lon": [115.03, 115.01, 115.04],
        "p_uptake": [0.5, 0.2, 0.1], "loan_yuan": [50000.0, 20000.0, 30000.0],
        "p_default": [0.02, 0.05, 0.1], "value_yuan": [300.0, 100.0, 50.0],
        "value_std_yuan": [30.0, 10.0, 5.0],
        "explanation_en": ["big flock, season", "steady shop", "far"],
        "explanation_zh": ["羊群大，旺季", "经营稳定", "较远"],
    })


# --------------------------------------------------------------------------- i18n


def test_every_string_has_both_languages_and_same_placeholders() -> None:
    for table in (STRINGS, INDUSTRY, DROP_REASON, OUTCOMES, PLAN_STATUS):
        for key, entry in table.items():
            assert entry.get("zh") and entry.get("en"), key
            zh = set(re.findall(r"{(\w+)", entry["zh"]))
            en = set(re.findall(r"{(\w+)", entry["en"]))
            assert zh == en, key


def test_every_drop_reason_has_a_label() -> None:
    assert {r.value for r in DropReason} <= set(DROP_REASON)
    assert {s.value for s in PlanStatus} <= set(PLAN_STATUS)


def test_t_formats_and_falls_back() -> None:
    assert t("checker_bad", "en", n=3) == "Independent check found 3 problem(s)"
    assert t("checker_bad", "zh", n=3) == "独立校验发现 3 处问题"
    assert t("no such key", "zh") == "no such key"
    assert t("plan_button", "fr") == t("plan_button", "en")


# --------------------------------------------------------------------------- KPIs and tables


def test_kpis_per_officer_and_total() -> None:
    rows, total = pl.plan_kpis(_problem(), _plan(), _scores())
    assert [k.officer_id for k in rows] == ["O1", "O2"]
    o1 = rows[0]
    assert o1.visits == 2 and o1.drive_s == 1800 and o1.distance_m == 18000
    assert o1.expected_loans == pytest.approx(0.7)
    assert o1.expected_loan_yuan == pytest.approx(0.5 * 50000 + 0.2 * 20000)
    assert o1.value_yuan == 400.0
    assert rows[1].visits == 0 and rows[1].start_s is None
    assert total.visits == 2 and total.drive_h == pytest.approx(0.5)
    assert total.value_yuan == 400.0


def test_kpis_without_scores_have_zero_loans() -> None:
    _, total = pl.plan_kpis(_problem(), _plan(), None)
    assert total.expected_loans == 0.0 and total.visits == 2


def test_kpi_frame_has_total_row_in_language() -> None:
    rows, total = pl.plan_kpis(_problem(), _plan(), _scores())
    df = pl.kpi_frame(rows, total, "zh")
    assert list(df[t("officer", "zh")])[-1] == "合计"
    assert df[t("kpi_visits", "zh")].tolist() == [2, 0, 2]
    assert df[t("start", "zh")].tolist()[0] == "08:00"


def test_route_table_orders_stops_with_times() -> None:
    df = pl.route_table(_problem(), _plan(), "en")
    assert df["lead_id"].tolist() == ["L1", "L2"]
    assert df["seq"].tolist() == [1, 2]
    assert df["arrive"].tolist() == ["08:10", "08:55"]
    assert df["industry"].tolist()[0] == "sheep farm"


def test_dropped_table_gives_reason_in_language() -> None:
    df = pl.dropped_table(_problem(), _plan(), "zh")
    assert df["lead_id"].tolist() == ["L3"]
    assert df["reason"].iloc[0] == "价值不抵绕路"
    assert df["needed_value_yuan"].iloc[0] == 80


# --------------------------------------------------------------------------- map


def test_value_colours_ramp_darkens_with_value() -> None:
    cols = mp.value_colours([0.0, 50.0, 100.0, 1000.0])
    assert cols[0][:3] == [255, 255, 178]
    # green channel falls as value grows: darker red for more valuable leads
    greens = [c[1] for c in cols]
    assert greens == sorted(greens, reverse=True)
    assert mp.value_colours([]) == []
    assert mp.value_colours([0.0, 0.0])[0][:3] == [255, 255, 178]


def test_lead_points_mark_visited_and_dropped() -> None:
    colours = mp.officer_colours(["O1", "O2"])
    pts = mp.lead_points(_scores(), "en", problem=_problem(), plan=_plan(), colours=colours)
    by = pts.set_index("lead_id")
    assert by.loc["L1", "status"] == "visited" and by.loc["L1", "officer_id"] == "O1"
    assert by.loc["L1", "line"][:3] == colours["O1"]
    assert by.loc["L3", "status"] == "dropped"
    assert "not worth the detour" in by.loc["L3", "tip"] and "80" in by.loc["L3", "tip"]
    assert "O1 · # 2" in by.loc["L2", "tip"]
    labels = mp.stop_labels(pts, colours).set_index("lead_id")
    assert labels.loc["L2", "text"] == "2" and labels.loc["L1", "color"][:3] == colours["O1"]


def test_lead_points_mark_leads_not_offered() -> None:
    scores = pd.concat([_scores(), _scores().iloc[[0]].assign(lead_id="L9")], ignore_index=True)
    pts = mp.lead_points(scores, "en", problem=_problem(), plan=_plan())
    assert pts.set_index("lead_id").loc["L9", "status"] == "excluded"


def test_tooltips_are_plain_text_shown_as_text() -> None:
    scores = _scores().assign(name=["<b>x</b>", "b", "c"])
    pts = mp.lead_points(scores, "en", pins={"L1": "O2"})
    assert pts["tip"].iloc[0].startswith("<b>x</b> (L1)")  # the name as written, no markup
    assert "L1 → O2" in pts["tip"].iloc[0] and bool(pts["pinned"].iloc[0])
    md = mp.MapData(roads=[], boundary=[], villages=mp.village_labels(pd.DataFrame()),
                    leads=pts)
    deck = dk.build_deck(md)
    tooltip = deck._tooltip  # pydeck keeps it here; st.pydeck_chart sends it to the browser
    assert tooltip["text"] == "{tip}" and "html" not in tooltip
    assert "pins" in [layer["id"] for layer in json.loads(deck.to_json())["layers"]]


def test_route_paths_join_legs_per_officer_in_order() -> None:
    legs = [
        {"officer_id": "O1", "seq": 1, "path": [[1.0, 1.0], [2.0, 2.0]]},
        {"officer_id": "O1", "seq": 0, "path": [[0.0, 0.0], [1.0, 1.0]]},
        {"officer_id": "O2", "seq": 0, "path": [[5.0, 5.0]]},
    ]
    paths = mp.route_paths(legs, mp.officer_colours(["O1", "O2"]), {"O1": "王"})
    assert len(paths) == 1
    assert paths[0]["path"] == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    assert paths[0]["tip"] == "O1 王"


def test_small_team_colours_follow_the_roster() -> None:
    ids = [f"O{i}" for i in range(len(mp.OFFICER_PALETTE))]
    far = {oid: (35.0 + i, 115.0) for i, oid in enumerate(ids)}
    assert mp.officer_colours(ids, far) == mp.officer_colours(ids)
    assert len({tuple(c) for c in mp.officer_colours(ids).values()}) == len(ids)


@pytest.mark.parametrize("branches,per_branch", [(2, 12), (5, 9), (4, 12)])
def test_colours_repeat_only_between_branches(branches: int, per_branch: int) -> None:
    # officers of one branch fan out from the same point: each needs its own colour there
    places = {f"B{b}O{i:02d}": (35.0 + 0.3 * b, 115.0) for b in range(branches)
              for i in range(per_branch)}
    colours = mp.officer_colours(places, places)
    for b in range(branches):
        here = [tuple(c) for oid, c in colours.items() if oid.startswith(f"B{b}O")]
        assert len(set(here)) == per_branch
    assert len({tuple(c) for c in colours.values()}) == len(mp.OFFICER_PALETTE)


def test_focus_draws_one_officers_route_over_every_lead() -> None:
    problem, plan = _problem(), _plan()
    data = SimpleNamespace(officers=problem.officers, graph=None, villages=None)
    day = SimpleNamespace(problem=problem, plan=plan, county=data)
    legs = [{"officer_id": "O1", "seq": 0, "path": [[115.02, 35.52], [115.03, 35.53]]}]
    every = mp.map_data(data, _scores(), "en", day=day, legs=legs, roads=[])  # type: ignore[arg-type]
    assert [r["officer_id"] for r in every.routes] == ["O1"]
    assert every.colours == mp.officer_colours(["O1", "O2"])
    assert every.routes[0]["color"] == every.colours["O1"]
    other = mp.map_data(data, _scores(), "en", day=day, legs=legs, roads=[],  # type: ignore[arg-type]
                        focus_officer="O2")
    assert other.routes == [] and other.stops.empty and other.depots["officer_id"].eq("O2").all()
    assert len(other.leads) == 3  # the manager still sees every lead to pin
    mine = mp.map_data(data, _scores(), "en", day=day, legs=legs, roads=[],  # type: ignore[arg-type]
                       focus_officer="O1")
    assert len(mine.routes) == 1 and sorted(mine.stops["text"]) == ["1", "2"]


def test_view_fits_points() -> None:
    v = dk.view_for([115.0, 115.1], [35.5, 35.6])
    assert v["longitude"] == pytest.approx(115.05) and v["latitude"] == pytest.approx(35.55)
    assert 10 < v["zoom"] < 14
    wide = dk.view_for([110.0, 120.0], [30.0, 40.0])
    assert wide["zoom"] < v["zoom"]


def test_offline_deck_has_no_basemap_and_all_layers() -> None:
    md = mp.MapData(
        roads=[{"path": [[115.0, 35.5], [115.1, 35.5]], "width": 2, "color": [1, 1, 1, 255]}],
        boundary=[[115.0, 35.5], [115.1, 35.5], [115.1, 35.6], [115.0, 35.5]],
        villages=pd.DataFrame({"name": ["庆北村"], "lon": [115.05], "lat": [35.55],
                               "size": [12]}),
        leads=mp.lead_points(_scores(), "zh", problem=_problem(), plan=_plan()),
        routes=[{"officer_id": "O1", "path": [[115.0, 35.5], [115.05, 35.55]],
                 "color": [0, 0, 0], "tip": "O1"}],
    )
    deck = dk.build_deck(md)
    spec = deck.to_json()
    assert "cartocdn" not in spec and "mapbox://" not in spec and "http" not in spec
    assert deck.map_style.startswith("data:application/json,")
    style = json.loads(urllib.parse.unquote(deck.map_style.split(",", 1)[1]))
    assert style["sources"] == {} and all(ly["type"] == "background" for ly in style["layers"])
    ids = [layer.id for layer in deck.layers]
    assert ids == ["boundary", "roads", "routes", "leads", "villages"]
    assert '"characterSet": "auto"' in spec
    online = dk.build_deck(md, basemap=True).to_json()
    assert "cartocdn" in online


# --------------------------------------------------------------------------- pins


def test_pins_assign_lock_and_clear() -> None:
    pins = pl.assign_pin({}, "L3", "O2")
    assert pins == {"L3": "O2"}
    pins = pl.lock_route(pins, _plan(), "O1")
    # The lock keeps O1's stops in their order (tests/test_planning_service.py covers it).
    assert pl.locked_routes(pins) == {"O1": ("L1", "L2")}
    assert pl.appointments(pins) == {"L3": "O2"}
    assert pl.locked_routes(pl.unpin(pins, "L3")) == {"O1": ("L1", "L2")}
    assert pl.unpin(pins) == {}
    # the input is never mutated
    base = {"L1": "O1"}
    pl.assign_pin(base, "L1", "O2")
    assert base == {"L1": "O1"}


# --------------------------------------------------------------------------- officer view


def test_officer_view_orders_stops_with_links_and_model_reason() -> None:
    day = od.officer_view(_problem(), _plan(), "O1", _scores(), "zh")
    assert [s.lead_id for s in day.stops] == ["L1", "L2"]
    s = day.stops[0]
    assert (s.seq, s.arrive, s.leave) == (1, "08:10", "08:45")
    assert s.tel_url == "tel:13800000001" and day.stops[1].tel_url == ""
    assert s.why == "羊群大，旺季" and s.industry == "养羊"
    assert "uri.amap.com/navigation" in s.amap_url and "api.map.baidu.com" in s.baidu_url
    assert od.officer_view(_problem(), _plan(), "O1", _scores(), "en").stops[0].why == (
        "big flock, season")
    assert od.officer_view(_problem(), _plan(), "O2", None, "en").stops == ()
    page = day.to_html()
    assert "<script" not in page and page.index("羊场") < page.index("小卖部")


# --------------------------------------------------------------------------- leads page


def test_score_bands_by_terciles() -> None:
    bands = lds.score_bands([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert bands[0] == "none"
    assert bands[1] == "low" and bands[-1] == "high"
    assert set(bands[1:]) == {"low", "medium", "high"}
    assert lds.score_bands([0.0, 0.0]) == ["none", "none"]


def test_filter_leads_combines_filters() -> None:
    df = lds.with_bands(_scores(), pd.DataFrame({"lead_id": ["L1", "L2", "L3"],
                                                "cluster_id": [1, 1, -1]}))
    assert list(df["cluster_id"]) == [1, 1, -1]
    assert len(lds.filter_leads(df)) == 3
    assert lds.filter_leads(df, clusters=[1])["lead_id"].tolist() == ["L1", "L2"]
    assert lds.filter_leads(df, clusters=[1], industries=["small_shop"])["lead_id"].tolist() == [
        "L2"]
    assert lds.filter_leads(df, bands=["high"])["lead_id"].tolist() == ["L1"]


def test_lead_card_in_language() -> None:
    card = lds.lead_card(_scores(), "L1", "zh")
    assert card["why"] == "羊群大，旺季" and card["industry"] == "养羊"
    assert card["p_uptake"] == 0.5
    with pytest.raises(KeyError):
        lds.lead_card(_scores(), "nope", "en")


# --------------------------------------------------------------------------- model page


@pytest.fixture(scope="module")
def small_economy():  # type: ignore[no-untyped-def]
    import propensity
    from countyreach.io import read_villages

    root = Path(__file__).resolve().parents[1] / "data" / "qingzu"
    villages = read_villages(root / "villages.csv")
    return propensity.generate_economy(villages, n_businesses=150, n_months=12, seed=3,
                                       visit_rate=0.3)


def test_model_view_reports_out_of_time_and_drift(small_economy) -> None:  # type: ignore[no-untyped-def]
    import propensity

    econ = small_economy
    scorer = propensity.LeadScorer(n_members=1, random_state=0).fit(econ)
    data = SimpleNamespace(leads=econ.businesses, history=econ.history,
                           county=SimpleNamespace(root=Path(".")))
    view = diag.model_view(data, scorer, "2026-03", holdout_months=3, permutation_repeats=1)
    # held-out months come after every training month
    assert max(view.train_months) < min(view.test_months)
    assert len(view.test_months) == 3
    assert view.report.n == int(econ.history["month"].isin(view.test_months).sum())
    assert 0.0 <= view.report.auc <= 1.0
    assert not view.report.feature_importance.empty
    seasonal = set(propensity.FEATURE_GROUPS["seasonal"])
    assert not seasonal & set(view.drift["feature"])
    assert set(view.drift["status"]) <= {"stable", "moderate", "major"}
    for chart in (diag.calibration_chart(view.report, "zh"), diag.lift_chart(view.report, "en"),
                  diag.importance_chart(view.report, "en"), diag.drift_chart(view.drift, "zh")):
        assert chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    # the drift legend speaks the page's language
    colour = diag.drift_chart(view.drift, "zh").to_dict()["encoding"]["color"]
    assert colour["scale"]["domain"] == ["稳定", "中度漂移", "严重漂移"]


def test_model_view_needs_history(small_economy) -> None:  # type: ignore[no-untyped-def]
    data = SimpleNamespace(leads=small_economy.businesses, history=None,
                           county=SimpleNamespace(root=Path(".")))
    with pytest.raises(InputError, match="history"):
        diag.model_view(data, object(), "2026-03")


# ------------------------------------------------------------- the store as system of record


@pytest.fixture()
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real SQLite store with demo accounts and the hand-built plan published."""
    from countyreach.services.workspace import DEMO_PASSWORD, seed_demo_users
    from countyreach.store import Store

    st = Store.open(f"sqlite:///{tmp_path / 'store.db'}", bcrypt_rounds=4)
    users = seed_demo_users(st, "c1", "Test county", ["O1", "O2"])
    assert {u.username for u in users} == {"demo-manager", "demo-planner", "demo-o1", "demo-o2"}
    manager = st.login("demo-manager", DEMO_PASSWORD)
    version = st.save_plan(manager, "c1", "2026-11-24", _problem(), _plan())
    st.publish(manager, "c1", "2026-11-24", version)
    yield st
    st.close()


def _login(store, user: str):  # type: ignore[no-untyped-def]
    from countyreach.services.workspace import DEMO_PASSWORD

    return store.login(user, DEMO_PASSWORD)


def test_demo_seeding_is_idempotent_and_off_on_a_store_with_real_users(store,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    from countyreach.errors import AccessDenied
    from countyreach.services.workspace import seed_demo_users
    from countyreach.store import Store

    again = seed_demo_users(store, "c1", "Test county", ["O1", "O2"])
    assert len(again) == 4
    assert _login(store, "demo-o1").officer_id == "O1"
    real = Store.open(f"sqlite:///{tmp_path / 'real.db'}", bcrypt_rounds=4)
    real.create_user("boss", "boss-password-1", "admin")
    with pytest.raises(AccessDenied):
        seed_demo_users(real, "c1", "Test county", ["O1"])
    real.close()


def test_a_store_the_command_line_has_used_still_takes_the_demo(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The operator account (the CLI's, and the app's when it lists stored counties) is no
    real user: the demo's accounts are still created on such a store."""
    from countyreach.services.workspace import seed_demo_users
    from countyreach.store import Store

    used = Store.open(f"sqlite:///{tmp_path / 'used.db'}", bcrypt_rounds=4)
    used.logout(used.operator_session())
    made = seed_demo_users(used, "c1", "Test county", ["O1"])
    assert [u.username for u in made if u.created] and _login(used, "demo-o1")
    used.close()


def test_officer_sees_only_their_own_list_and_another_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    from countyreach.errors import AccessDenied

    me = _login(store, "demo-o1")
    day = od.visit_list(store, me, "c1", "2026-11-24", "O1", "en")
    assert day is not None and [s.lead_id for s in day.stops] == ["L1", "L2"]
    with pytest.raises(AccessDenied):
        od.visit_list(store, me, "c1", "2026-11-24", "O2", "en")
    assert od.visit_list(store, me, "c1", "2026-11-25", "O1", "en") is None  # nothing published
    planner = _login(store, "demo-planner")
    with pytest.raises(AccessDenied):
        od.visit_list(store, planner, "c1", "2026-11-24", "O1", "en")


def test_queued_outcomes_reach_the_store_once_and_survive_a_new_store_object(  # type: ignore[no-untyped-def]
        store, tmp_path: Path) -> None:
    from countyreach.store import Store
    from propensity.outcomes import Outcome

    me = _login(store, "demo-o1")
    queue = od.OutcomeQueue()
    ids: dict[str, str] = {}
    tap = od.PendingOutcome(od.outcome_id(ids, "2026-11-24", "L1", "interested", False), "c1",
                            "2026-11-24", "L1", Outcome.INTERESTED, False)
    queue.put(tap)
    # the database is unreachable: the tap waits
    report = od.send_pending(None, me, queue)
    assert report.kept == (tap,) and len(queue) == 1
    assert queue.pending("2026-11-24") == {"L1": Outcome.INTERESTED}
    report = od.send_pending(store, me, queue)
    assert report.sent == (tap,) and len(queue) == 0
    # the same tap again (a retry) records nothing new
    queue.put(tap)
    od.send_pending(store, me, queue)
    assert len(store.visit_outcomes(_login(store, "demo-manager"), "c1", "2026-11-24")) == 1
    # a lead on another officer's route is refused, with the store's reason
    other = od.PendingOutcome("x-1", "c1", "2026-11-24", "L9", Outcome.MET, False)
    queue.put(other)
    report = od.send_pending(store, me, queue)
    assert report.refused and report.refused[0][0] == other and len(queue) == 0
    # what the store holds outlives this store object (a server restart)
    url = str(store.engine.url)
    store.close()
    reopened = Store.open(url, bcrypt_rounds=4)
    assert od.recorded_outcomes(reopened, _login(reopened, "demo-o1"), "c1",
                                "2026-11-24") == {"L1": Outcome.INTERESTED}
    reopened.close()


def test_queue_keeps_one_tap_per_visit_and_next_stop_skips_done() -> None:
    from propensity.outcomes import Outcome

    q = od.OutcomeQueue()
    q.put(od.PendingOutcome("a", "c", "d", "L1", Outcome.MET, False))
    q.put(od.PendingOutcome("b", "c", "d", "L1", Outcome.INTERESTED, False))
    assert q.pending() == {"L1": Outcome.INTERESTED} and len(q) == 1
    day = od.officer_view(_problem(), _plan(), "O1", _scores(), "en")
    assert od.next_stop(day.stops, set()).lead_id == "L1"  # type: ignore[union-attr]
    assert od.next_stop(day.stops, {"L1"}).lead_id == "L2"  # type: ignore[union-attr]
    assert od.next_stop(day.stops, {"L1", "L2"}) is None
    with pytest.raises(InputError, match="outcome"):
        od.PendingOutcome("x", "c", "d", "L1", "maybe", False)  # type: ignore[arg-type]


def test_do_not_visit_comes_from_the_store(store) -> None:  # type: ignore[no-untyped-def]
    manager = _login(store, "demo-manager")
    store.opt_out(manager, "c1", "L2", "asked by phone")  # a stop of the published plan
    assert od.do_not_visit_ids(store, manager, "c1") == {"L2"}


def test_counties_for_keeps_the_users_county(tmp_path: Path) -> None:
    from countyreach.services.workspace import counties_for, county_id_of

    for cid in ("a1", "b2"):
        (tmp_path / cid).mkdir()
        (tmp_path / cid / "county.json").write_text(json.dumps({"county_id": cid}))
    folders = {"A": tmp_path / "a1", "B": tmp_path / "b2"}
    assert county_id_of(tmp_path / "b2") == "b2"
    assert list(counties_for(folders, "b2")) == ["B"]
    assert list(counties_for(folders, None)) == ["A", "B"]


def test_outcome_codes_are_the_stores() -> None:
    from countyreach.store import OUTCOME_CODES

    assert tuple(OUTCOMES) == tuple(OUTCOME_CODES)


def test_officer_legend_escapes_and_colours() -> None:
    out = mp.officer_legend_html({"O1": "王<b>", "O2": "李"}, mp.officer_colours(["O1", "O2"]))
    assert "rgb(0,114,178)" in out and "rgb(213,94,0)" in out
    assert "王&lt;b&gt;" in out and out.index("O1") < out.index("O2")


def test_table_labels_cover_every_column() -> None:
    cols = set(pl.route_table(_problem(), _plan(), "en").columns)
    cols |= set(pl.dropped_table(_problem(), _plan(), "en").columns)
    for lang in ("zh", "en"):
        labels = pl.table_labels(lang)
        assert cols <= set(labels)
        assert all(v and not v.startswith("col_") for v in labels.values())


def test_basemap_probe_is_false_for_an_unreachable_server() -> None:
    # a closed local port answers at once: no tile server, so the map stays offline
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert dk.basemap_reachable(f"http://127.0.0.1:{port}/style.json", timeout_s=0.5) is False
    assert dk.basemap_reachable("not a url") is False


# --------------------------------------------------------------------------- outcomes


def test_consent_is_needed_for_outcomes_that_share_data() -> None:
    from propensity.outcomes import Outcome

    assert od.needs_consent(Outcome.APPLIED) and od.needs_consent("approved")
    assert not od.needs_consent("interested") and not od.needs_consent(None)
    with pytest.raises(InputError, match="outcome"):
        od.needs_consent("maybe")


def test_outcome_id_is_stable_per_tap_and_new_per_choice() -> None:
    ids: dict[str, str] = {}
    first = od.outcome_id(ids, "2026-11-24", "L1", "applied", False)
    assert od.outcome_id(ids, "2026-11-24", "L1", "applied", False) == first
    assert od.outcome_id(ids, "2026-11-24", "L1", "approved", False) != first
    assert od.outcome_id(ids, "2026-11-24", "L1", "applied", True) != first


# --------------------------------------------------------------------------- leads, counties


def test_leads_table_is_labelled_in_language() -> None:
    shown = lds.with_bands(_scores())
    table = lds.leads_table(shown, "zh")
    assert list(table["lead_id"]) == ["L1", "L2", "L3"]
    first = table.iloc[0]
    assert first[t("industry", "zh")] == "养羊"
    assert first[t("why_lead", "zh")] == "羊群大，旺季"
    assert first[t("score_band", "zh")] == t("band_high", "zh")


def test_county_folders_prefer_earlier_roots_and_skip_bad_manifests(tmp_path: Path) -> None:
    from countyreach.services.workspace import county_folders

    first, second = tmp_path / "a", tmp_path / "b"
    for root, name, cid in ((first / "x", "县甲", "jia"), (second / "y", "县甲", "jia"),
                            (second / "z", "", "")):
        root.mkdir(parents=True)
        (root / "county.json").write_text(json.dumps({"name": name, "county_id": cid}),
                                          encoding="utf-8")
    (second / "bad").mkdir()
    (second / "bad" / "county.json").write_text("{not json", encoding="utf-8")
    found = county_folders([first, second])
    assert found == {"县甲": first / "x", "z": second / "z"}
    # a root may be a county folder itself
    assert county_folders([first / "x"]) == {"县甲": first / "x"}


def test_two_counties_of_one_name_are_both_listed(tmp_path: Path) -> None:
    # 城关镇 is a township of hundreds of counties: a second one must not hide behind the first
    from countyreach.services.workspace import add_county, county_folders

    for folder, cid in (("a", "guanxian-cgz"), ("b", "pingxiang-cgz")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "county.json").write_text(
            json.dumps({"name": "城关镇", "county_id": cid}, ensure_ascii=False),
            encoding="utf-8")
    found = county_folders([tmp_path])
    assert found == {"城关镇": tmp_path / "a", "城关镇 (pingxiang-cgz)": tmp_path / "b"}
    # a county the store holds, of a name a folder has, is listed beside it
    add_county(found, "城关镇", Path("store:tangxian-cgz"), "tangxian-cgz")
    assert found["城关镇 (tangxian-cgz)"] == Path("store:tangxian-cgz")
    add_county(found, "城关镇", Path("store:guanxian-cgz"), "guanxian-cgz")  # the folder's own
    assert len(found) == 3


def test_a_manifest_notepad_saved_with_a_bom_is_listed_like_the_cli_reads_it(
        tmp_path: Path) -> None:
    from countyreach.services.workspace import county_folders, county_id_of

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "county.json").write_text(
        json.dumps({"name": "唐县", "county_id": "tangxian"}, ensure_ascii=False),
        encoding="utf-8-sig")
    assert county_folders([tmp_path]) == {"唐县": tmp_path / "c"}
    assert county_id_of(tmp_path / "c") == "tangxian"


def test_sweep_request_validates_and_lists_team_sizes() -> None:
    from countyreach.services.coverage import SweepRequest, build_world

    req = SweepRequest(1, 5, 2, ("branch",), 1, 1, 0.5)
    assert list(req.team_sizes) == [1, 3, 5]
    with pytest.raises(InputError):
        SweepRequest(3, 2, 1, ("branch",), 1, 1, 0.5)
    with pytest.raises(InputError):
        SweepRequest(1, 2, 1, (), 1, 1, 0.5)
    with pytest.raises(InputError):
        SweepRequest(1, 2, 1, ("branch",), 1, 1, 0.0)
    with pytest.raises(InputError, match="world"):
        build_world("moon", ".", cache_dir=Path("."))


def test_the_planners_table_and_charts_speak_the_pages_language() -> None:
    from countyreach.services.coverage import curve_table
    from countyreach.simulation import plots
    from countyreach.simulation.sweep import SweepResult

    summary = pd.DataFrame([
        {"base_strategy": b, "n_officers": n, "coverage": c, "loans_per_officer_day": 1.0,
         "cost_per_loan_yuan": 90.0, "drive_h_per_officer_day": 2.0, "loans": 3.0, "seed": 0}
        for b, n, c in (("branch", 1, 0.2), ("p_median", 1, 0.3), ("branch", 2, 0.4))])
    table = curve_table(summary.assign(coverage_sd=0.0, n_seeds=1), "zh")
    assert list(table.columns)[:3] == ["驻点", "客户经理人数", "覆盖率"]
    assert set(table["驻点"]) == {"网点出发", "就近中心布点"}
    result = SweepResult(summary, pd.DataFrame(), {})
    spec = json.dumps(plots.coverage_chart(result, "zh").to_dict(), ensure_ascii=False)
    assert "客户经理人数" in spec and "网点出发" in spec and '"tickMinStep": 1' in spec
    assert '"title": "officers"' not in spec


def test_the_store_rules_line_reads_as_one_sentence_in_each_language() -> None:
    meta = {"left_out_by_rule": {"cooling": 2, "approved": 1}, "follow_ups": 1}
    zh = pl.store_rules_text(meta, "zh")
    en = pl.store_rules_text(meta, "en")
    assert zh is not None and en is not None
    assert t("rule_cooling", "zh") in zh and t("rule_approved", "zh") in zh
    assert "；" in zh and "; " not in zh  # Chinese punctuation between Chinese phrases
    assert t("summary_list_sep", "en") in en
