"""A plan the manager makes on the page is kept in the store as a draft version: a reload
(a new session), another browser or a restarted server offers it again, and publishing it
publishes that version instead of saving it twice."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from countyreach.services import planning as pl
from countyreach.services.publishing import latest_draft, publish_to_store, save_draft
from countyreach.services.workspace import DEMO_PASSWORD
from tests.test_app_pages import DATE
from tests.test_app_store_model import (  # noqa: F401  (fixtures)
    COUNTY,
    World,
    imported,
    imported_trained,
)
from tests.test_app_store_rules import open_as_manager


def _versions(w: World) -> list[tuple[int, str]]:
    return [(v.version, str(v.status)) for v in w.store.plan_versions(w.admin, COUNTY, DATE)]


def _offered(at: AppTest) -> list[str]:
    return [str(i.value) for i in at.info if "is not published" in str(i.value)]


def test_a_plan_made_on_the_page_outlives_the_session_and_is_published_as_that_version(
        imported_trained: World) -> None:  # noqa: F811
    w = imported_trained
    at = open_as_manager(w)
    assert not _offered(at)  # nothing made yet
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    made = at.session_state["day"]
    assert made.ok and _versions(w) == [(1, "draft")]
    assert any("Kept as draft v1" in str(c.value) for c in at.caption)
    assert not _offered(at)  # the page shows that draft: nothing else to offer

    # re-optimised with a lock: the same draft, remade with the new routes
    route = next(r for r in made.plan.routes if r.stops)
    at.selectbox(key="lock_officer").set_value(route.officer_id)
    at.button(key="lock_button").click().run()
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    kept = at.session_state["day"]
    # the manager's one working draft of the day: still v1, now with the new routes
    assert _versions(w) == [(1, "draft")]
    _, stored, _ = w.store.plan(w.admin, COUNTY, DATE, 1)
    assert [r.lead_ids for r in stored.routes] == [r.lead_ids for r in kept.plan.routes]

    # in Chinese, the same offer
    zh = open_as_manager(w, "zh")
    assert any(str(i.value).startswith("草稿 v1（demo-manager 于 ") for i in zh.info)
    assert zh.button(key="draft_open").label == "打开草稿"
    # a reload is a new session: the page offers the newest draft, and opens it whole
    again = open_as_manager(w)
    offer = _offered(again)
    assert len(offer) == 1 and "Draft v1, made by demo-manager at " in offer[0]
    again.button(key="draft_open").click().run()
    assert not again.exception, again.exception
    opened = again.session_state["day"]
    assert opened.ok
    assert [r.lead_ids for r in opened.plan.routes] == [r.lead_ids for r in kept.plan.routes]
    assert not _offered(again)

    # publishing it publishes that version: no copy is saved
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    assert publish_to_store(w.store, manager, opened, "en") == f"{COUNTY} {DATE} v1"
    assert _versions(w) == [(1, "published")]
    assert latest_draft(w.store, manager, COUNTY, DATE) is None
    assert not _offered(open_as_manager(w))  # the published day is shown, no draft waits


def test_a_plan_the_checker_faults_is_not_kept(imported_trained: World) -> None:  # noqa: F811
    """Only a plan that could be published is kept (as ``plan --publish`` refuses one)."""
    w = imported_trained
    at = open_as_manager(w)
    at.button(key="plan").click().run()
    day = at.session_state["day"]
    route = next(r for r in day.plan.routes if r.stops)
    # an appointment the lock of another officer's route can never keep: a faulted plan
    other = next(r for r in day.plan.routes if r.stops and r.officer_id != route.officer_id)
    pins = {other.lead_ids[0]: route.officer_id, **pl.lock_route({}, day.plan, route.officer_id)}
    new = pl.replan(day, pins=pins, params=day.params)
    assert not new.ok
    assert save_draft(w.store, w.store.login("demo-manager", DEMO_PASSWORD), new) is None
    assert _versions(w) == [(1, "draft")]


def test_a_draft_that_visits_a_business_refused_since_is_not_opened(
        imported_trained: World) -> None:  # noqa: F811
    """A business that called to refuse after the draft was made: the draft is to be planned
    again, and the page says so in the manager's language instead of showing it."""
    w = imported_trained
    at = open_as_manager(w)
    at.button(key="plan").click().run()
    met = next(r for r in at.session_state["day"].plan.routes if r.stops).lead_ids[0]
    w.store.opt_out(w.admin, COUNTY, met, "called the branch")
    zh = open_as_manager(w, "zh")
    zh.button(key="draft_open").click().run()
    assert not zh.exception, zh.exception
    assert any(f"草稿 v1 拜访了此后列入请勿拜访名单的商户：{met}" in str(e.value)
               for e in zh.error), [e.value for e in zh.error]
    # AppTest's session state has no get()
    shown = zh.session_state["day"] if "day" in zh.session_state else None  # noqa: SIM401
    assert shown is None or met not in shown.plan.visited_lead_ids  # the draft is not shown
    # the draft cannot be opened: the managers discard it, and it is offered no more
    zh.button(key="draft_discard").click().run()
    assert not zh.exception, zh.exception
    assert [str(x.value) for x in zh.toast] == ["草稿 v1 已丢弃。"]
    assert not any(str(i.value).startswith("草稿 v1") for i in zh.info)
    assert _versions(w) == []
    assert not _offered(open_as_manager(w))


def test_an_earlier_version_is_published_again_from_the_page(
        imported_trained: World) -> None:  # noqa: F811
    """A rollback: the manager publishes v1 again over v2, and the page shows the day as the
    officers have it now."""
    w = imported_trained
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    at = open_as_manager(w)
    at.button(key="plan").click().run()
    first = at.session_state["day"]
    assert publish_to_store(w.store, manager, first, "en") == f"{COUNTY} {DATE} v1"
    at.button(key="plan").click().run()  # planned again: draft v2, published
    assert publish_to_store(w.store, manager, at.session_state["day"], "en") == \
        f"{COUNTY} {DATE} v2"
    assert _versions(w) == [(1, "superseded"), (2, "published")]

    again = open_as_manager(w, "zh")
    assert again.selectbox(key="republish_pick").options == ["v1"]
    again.button(key="republish").click().run()
    assert not again.exception, again.exception
    assert _versions(w) == [(1, "published"), (2, "superseded")]
    said = [str(s.value) for s in again.success]
    assert "v1 已重新发布：客户经理的拜访清单即刻按此版显示。" in said
    shown = again.session_state["day"]
    assert [r.lead_ids for r in shown.plan.routes] == [r.lead_ids for r in first.plan.routes]
    assert again.selectbox(key="republish_pick").options == ["v2"]  # and back, if need be
    # a business that refused since is not sent an officer by a rollback either
    met = next(r for r in first.plan.routes if r.stops).lead_ids[0]
    w.store.opt_out(w.admin, COUNTY, met, "called the branch")
    again.button(key="republish").click().run()
    assert not again.exception, again.exception
    assert any("勿访名单" in str(e.value) and met in str(e.value) for e in again.error), \
        [e.value for e in again.error]
    assert _versions(w) == [(1, "published"), (2, "superseded")]


def test_a_draft_made_under_a_discarded_drafts_number_is_offered(
        imported_trained: World) -> None:  # noqa: F811
    """A discarded draft's number comes back to the next draft: the page that kept the first
    one knows the new one by its content, and offers it."""
    w = imported_trained
    at = open_as_manager(w)
    at.button(key="plan").click().run()
    day = at.session_state["day"]
    assert _versions(w) == [(1, "draft")]
    w.store.discard_draft(w.admin, COUNTY, DATE, 1)
    route = next(r for r in day.plan.routes if r.stops)
    other = pl.replan(day, pins=pl.lock_route({}, day.plan, route.officer_id),
                      params=day.params)
    kept = save_draft(w.store, w.admin, other)
    assert kept is not None and kept.version == 1 and kept.created_by != "demo-manager"
    at.run()
    assert not at.exception, at.exception
    offer = _offered(at)
    assert len(offer) == 1 and f"Draft v1, made by {kept.created_by} at " in offer[0]
