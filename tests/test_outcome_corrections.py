"""An outcome recorded by mistake is corrected by recording the visit's outcome again."""

from __future__ import annotations

from countyreach.services.loop import DailyLoop
from tests.conftest import LOOP_PARAMS as PARAMS
from tests.conftest import LOOP_RULES as RULES


def test_a_corrected_approval_neither_closes_the_case_nor_trains_as_a_loan(
        county_loop: DailyLoop) -> None:
    admin = county_loop.store.operator_session()
    day = county_loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS,
                           rules=RULES)
    lead = day.day.plan.routes[0].stops[0].lead_id
    county_loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=lead,
                               outcome="approved", amount_yuan=300000)
    # the officer tapped the wrong button: the visit's outcome is recorded again
    county_loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=lead,
                               outcome="not_interested")
    later = county_loop.plan(admin, "qingzu", "2026-11-26", params=PARAMS, rules=RULES)
    assert later.excluded.get(lead) == "cooling"  # as any "not interested"; not "approved"
    frame = county_loop.store.outcomes_frame(admin, "qingzu")
    assert frame.loc[frame["lead_id"] == lead, "outcome"].tolist() == ["not_interested"]
