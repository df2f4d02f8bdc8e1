"""A plan learns from the days before it: what officers record during a day is learnt by the
next day's plan, so a noon re-plan keeps the morning's model (and waits for no training)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from countyreach.dates import CHINA_TZ
from countyreach.services.loop import DailyLoop
from countyreach.services.model_choice import learning_cutoff
from countyreach.store.testing import Clock
from routing.problem import parse_hhmm
from tests.conftest import LOOP_PARAMS, LOOP_RULES

PARAMS, RULES = LOOP_PARAMS, LOOP_RULES
DAY, NEXT = "2026-11-24", "2026-11-25"


def _at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=CHINA_TZ)


@pytest.fixture()
def loop(trained_loop_at: Callable[[dt.datetime], DailyLoop]) -> DailyLoop:
    """The demo county with its first model, the store's clock at 08:00 on :data:`DAY`."""
    return trained_loop_at(_at(DAY, "08:00"))


def _first_stop(loop: DailyLoop) -> str:
    admin = loop.store.operator_session()
    morning = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    assert morning.model.record.version == 1 and not morning.model.retrained
    return next(r.stops[0].lead_id for r in morning.day.plan.routes if r.stops)


def test_a_noon_re_plan_keeps_the_mornings_model(loop: DailyLoop, clock: Clock) -> None:
    admin = loop.store.operator_session()
    lead = _first_stop(loop)
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=lead,
                        outcome="approved", amount_yuan=50000)
    clock.t = _at(DAY, "12:00")
    admin = loop.store.operator_session()
    noon = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES,
                     now_s=parse_hhmm("12:00"))
    assert noon.model.record.version == 1
    assert not noon.model.retrained and not noon.model.stale
    assert f"outcomes of {DAY} and later are learnt by a later day's plan" in noon.model.note
    # the app's check agrees: the model is current today
    assert noon.model.record.data_hash in loop.training_data_hashes(admin, "qingzu")
    assert [m.version for m in loop.store.models(admin, "qingzu")] == [1]


def test_the_next_days_plan_learns_the_days_outcomes(loop: DailyLoop, clock: Clock) -> None:
    admin = loop.store.operator_session()
    lead = _first_stop(loop)
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=lead,
                        outcome="approved", amount_yuan=50000)
    clock.t = _at(DAY, "18:00")  # tomorrow planned this evening
    admin = loop.store.operator_session()
    tomorrow = loop.plan(admin, "qingzu", NEXT, params=PARAMS, rules=RULES)
    assert tomorrow.model.retrained and tomorrow.model.record.version == 2
    # trained on every outcome there is: today's plans use it too, and nothing retrains
    every = loop.training_data_hashes(admin, "qingzu")
    assert tomorrow.model.record.data_hash == every[1]
    again = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES)
    assert again.model.record.version == 2 and not again.model.retrained
    assert loop.retrain(admin, "qingzu").record.version == 2  # current: nothing to train


def test_a_model_trained_on_every_outcome_is_current_too(loop: DailyLoop,
                                                         clock: Clock) -> None:
    admin = loop.store.operator_session()
    lead = _first_stop(loop)
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=lead,
                        outcome="not_interested")
    clock.t = _at(DAY, "11:00")  # a manager retrains on every outcome there is
    asked = loop.retrain(loop.store.operator_session(), "qingzu", force=True)
    clock.t = _at(DAY, "14:00")
    admin = loop.store.operator_session()
    later = loop.plan(admin, "qingzu", DAY, params=PARAMS, rules=RULES,
                      now_s=parse_hhmm("14:00"))
    assert later.model.record.version == asked.record.version == 2
    assert not later.model.retrained and not later.model.stale


def test_a_past_days_plan_learns_up_to_today() -> None:
    """Re-planning an old day does not train a model that forgets what came after it."""
    today = _at(NEXT, "09:00")
    assert learning_cutoff(DAY, today) == NEXT
    assert learning_cutoff(NEXT, today) == NEXT
    assert learning_cutoff("2026-11-30", today) == "2026-11-30"
    # the county's day, not the server's: 01:00 in the county is still 17:00 UTC before
    assert learning_cutoff(DAY, dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)) == NEXT
