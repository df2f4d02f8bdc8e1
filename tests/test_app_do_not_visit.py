"""The manager puts a business that asked not to be visited on the store's list from the
lead card, and the next plan of the day leaves it out."""

from __future__ import annotations

from tests.test_app_store_model import COUNTY, World, imported  # noqa: F401  (fixture)
from tests.test_app_store_rules import open_as_manager


def test_the_manager_lists_a_refusal_from_the_lead_card(imported: World) -> None:  # noqa: F811
    w = imported
    at = open_as_manager(w)
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    lead = at.session_state["day"].plan.routes[0].lead_ids[0]
    at.text_input(key="lead_search").input(lead).run()
    at.selectbox(key="pin_lead").set_value(lead).run()
    at.text_input(key="dnv_reason").input("来电拒绝").run()
    at.button(key="dnv_button").click().run()
    assert not at.exception, at.exception
    assert lead in w.store.do_not_visit_ids(w.admin, COUNTY)
    assert any(f"{lead} is on the do-not-visit list" in s.value for s in at.success)
    # the plan shown visited it: it is gone, and the next plan leaves the lead out
    assert "day" not in at.session_state
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert lead not in at.session_state["day"].plan.visited_lead_ids


def test_a_refusal_in_chinese_is_listed_before_the_value_breakdown(
        imported: World) -> None:  # noqa: F811
    """On a phone the card's value breakdown is a screen long: the refusal comes first, and
    says what happened in Chinese."""
    from countyreach.i18n import t

    w = imported
    at = open_as_manager(w, "zh")
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    lead = at.session_state["day"].plan.routes[0].lead_ids[0]
    at.text_input(key="lead_search").input(lead).run()
    at.selectbox(key="pin_lead").set_value(lead).run()
    titles = [e.label for e in at.get("expander")]
    assert titles.index(t("dnv_title", "zh")) < titles.index(t("value_parts", "zh")), titles
    at.text_input(key="dnv_reason").input("来电拒绝").run()
    at.button(key="dnv_button").click().run()
    assert not at.exception, at.exception
    assert any(t("dnv_done", "zh", lead=lead) in s.value for s in at.success)
    assert lead in w.store.do_not_visit_ids(w.admin, COUNTY)
