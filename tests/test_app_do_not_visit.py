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
