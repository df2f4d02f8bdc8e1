"""A version planned before a visit was recorded is not published over it: it would send
another officer to a business met that day, or drop the visit from its officer's day."""

from __future__ import annotations

import pytest

from countyreach.errors import InputError
from countyreach.localize import error_text
from countyreach.services import planning as pl
from countyreach.services.loop import DailyLoop
from routing.params import SolveParams
from routing.problem import RoutingRules

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=3)
RULES = RoutingRules(balance=0.0)
DATE = "2026-11-24"


def test_a_plan_made_before_a_visit_is_not_published_over_it(county_loop: DailyLoop) -> None:
    admin = county_loop.store.operator_session()
    first = county_loop.plan(admin, "qingzu", DATE, params=PARAMS, rules=RULES, publish=True)
    o01 = next(r for r in first.day.plan.routes if r.officer_id == "O01")
    met = o01.stops[0].lead_id
    # a manager plans the day again without O01 (the page stays open: not published yet) ...
    stale = county_loop.plan(admin, "qingzu", DATE, params=PARAMS, rules=RULES,
                             officer_ids=["O02", "O03", "O04", "O05", "O06"])
    assert met not in {x for r in stale.day.plan.routes if r.officer_id == "O01"
                       for x in r.lead_ids}
    # ... while O01 meets the first business of the published day
    county_loop.record_outcome(admin, county_id="qingzu", plan_date=DATE, lead_id=met,
                               outcome="met")
    with pytest.raises(InputError, match=rf"does not keep 1 visit\(s\) made on it with "
                                         rf"their officer: {met} \(O01\); plan the day again"):
        county_loop.store.publish(admin, "qingzu", DATE, stale.version)
    assert county_loop.store.plan_versions(admin, "qingzu", DATE)[0].status == "published"
    # the manager page's Publish (the service behind its dialog) is refused alike, in the
    # manager's language
    with pytest.raises(InputError) as err:
        pl.publish_to_store(county_loop.store, admin, stale.day, "zh")
    assert f"没有把当天已完成的 1 次拜访留在完成拜访的客户经理名下：{met}（O01）" in \
        error_text(err.value, "zh")
    assert county_loop.store.plan_versions(admin, "qingzu", DATE)[0].status == "published"

    # planned again, the visit stays O01's: published
    again = county_loop.plan(admin, "qingzu", DATE, params=PARAMS, rules=RULES, publish=True,
                             officer_ids=["O02", "O03", "O04", "O05", "O06"])
    assert again.published and again.day.ok
    assert met in {x for r in again.day.plan.routes if r.officer_id == "O01"
                   for x in r.lead_ids}
    # the first version, which has the visit where it was made, may be published again
    county_loop.store.publish(admin, "qingzu", DATE, first.version)
