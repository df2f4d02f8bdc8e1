"""An erasure reaches the plans: every version's reasons, and the published lists ahead."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from countyreach.services.loop import DailyLoop
from countyreach.store import Store
from countyreach.store import schema as S
from countyreach.store.rows import unpack_text
from countyreach.store.testing import Clock
from routing.params import SolveParams
from routing.problem import RoutingRules
from tests.store_people import PW

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=5)
RULES = RoutingRules(balance=0.0)  # balancing is routing's subject; off, a day plans in ~1 s
DAY = "2026-11-24"


@pytest.fixture()
def loop(trained_loop_at: Callable[[dt.datetime], DailyLoop]) -> DailyLoop:
    """The demo county in a store whose clock reads 09:00 in the county four days before
    :data:`DAY`, so DAY's published lists are ahead."""
    return trained_loop_at(dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC))


def _explanations(store: Store) -> list[dict[str, str]]:
    with store.engine.connect() as c:
        return [json.loads(unpack_text(t)) for t in c.execute(
            sa.select(S.plans.c.explanations_z)).scalars()]


def test_an_erased_lead_leaves_the_lists_ahead_and_every_plan_versions_reasons(
        loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES)  # v1, a draft
    loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    lists = {}
    for officer in loop.store.officers(admin, "qingzu"):
        lists[officer.officer_id] = loop.store.visit_list(admin, "qingzu", DAY,
                                                          officer.officer_id).stops
    # a stop whose reasons tell of a loan from another lender, as the tester's did
    officer_id, stop = next((oid, s) for oid, stops in lists.items() for s in stops
                            if "其他机构" in s.why)
    assert sum(stop.lead_id in e for e in _explanations(loop.store)) == 2  # both versions

    report = loop.erase(admin, stop.lead_id, "owner asked", county_id="qingzu")
    assert report.erasures[0].withdrawn == ((DAY, officer_id),)
    assert report.replan_advised() == [("qingzu", DAY)]
    after = loop.store.visit_list(admin, "qingzu", DAY, officer_id).stops
    assert [s.lead_id for s in after] == [s.lead_id for s in lists[officer_id]
                                          if s.lead_id != stop.lead_id]
    # the officer's own plan (their map) leaves it out too
    loop.store.create_user("o", PW, "officer", officer_id=officer_id, county_id="qingzu",
                           session=admin)
    _, mine, _ = loop.store.published_plan(loop.store.login("o", PW), "qingzu", DAY)
    assert stop.lead_id not in mine.routes[0].lead_ids and len(mine.routes[0].stops) == len(after)
    for why in _explanations(loop.store):
        assert stop.lead_id not in why
    # the others' lists and reasons are untouched
    for oid, stops in lists.items():
        if oid != officer_id:
            assert loop.store.visit_list(admin, "qingzu", DAY, oid).stops == stops


def test_a_day_already_gone_by_is_not_reported(loop: DailyLoop, clock: Clock) -> None:
    admin = loop.store.operator_session()
    res = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    lead_id = res.day.plan.routes[0].stops[0].lead_id
    clock.t = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)  # the day after
    report = loop.erase(loop.store.operator_session(), lead_id, county_id="qingzu")
    assert report.erasures[0].withdrawn == () and report.replan_advised() == []
