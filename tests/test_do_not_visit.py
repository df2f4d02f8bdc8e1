"""A business that asks not to be visited leaves the lists ahead, and a refusal at the door
does not block publishing the day's re-plan."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.services.loop import DailyLoop
from countyreach.services.officer import published_day_from_store
from countyreach.store.testing import Clock
from tests.conftest import LOOP_PARAMS, LOOP_RULES

PARAMS, RULES = LOOP_PARAMS, LOOP_RULES
DAY = "2026-11-24"


@pytest.fixture()
def loop(trained_loop_at: Callable[[dt.datetime], DailyLoop]) -> DailyLoop:
    """The demo county in a store whose clock reads 09:00 in the county four days before
    :data:`DAY`."""
    return trained_loop_at(dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC))


def test_a_refusal_by_phone_leaves_the_published_list_and_the_next_plan(
        loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    res = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    route = res.day.plan.routes[0]
    lead_id = route.stops[1].lead_id
    done = loop.store.opt_out(admin, "qingzu", lead_id, "来电拒绝")
    assert done.withdrawn == ((DAY, route.officer_id),) and not done.already_listed
    shown = [s.lead_id for s in loop.store.visit_list(admin, "qingzu", DAY,
                                                      route.officer_id).stops]
    assert shown == [s.lead_id for s in route.stops if s.lead_id != lead_id]
    again = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    assert lead_id not in again.day.plan.visited_lead_ids
    assert loop.store.opt_out(admin, "qingzu", lead_id).already_listed


def test_an_unknown_lead_is_refused_and_not_listed(loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    with pytest.raises(InputError, match="no lead B9999") as err:
        loop.store.opt_out(admin, "qingzu", "B9999", "typo")
    assert err.value.field == "lead_id"
    assert loop.store.do_not_visit_ids(admin, "qingzu") == frozenset()


def test_a_refusal_at_the_door_does_not_block_publishing_the_re_plan(
        loop: DailyLoop, clock: Clock) -> None:
    admin = loop.store.operator_session()
    res = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    first = res.day.plan.routes[0].stops[0].lead_id
    clock.t = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # 10:00 on the day
    admin = loop.store.operator_session()  # the earlier session expired meanwhile
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=first,
                        outcome="not_interested", opt_out=True, consent=False)
    assert first in loop.store.do_not_visit_ids(admin, "qingzu")
    again = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    # the visit made stays in the day (history), and the day is published
    assert first in again.day.plan.visited_lead_ids
    assert again.published and not again.refused
    assert loop.store.published_plan(admin, "qingzu", DAY)[2] == again.version


def test_a_refusal_the_officer_went_past_does_not_block_publishing_the_re_plan(
        loop: DailyLoop, clock: Clock) -> None:
    """The refused stop lay before a visit made later that day: it is no visit made, so
    the re-plan leaves it out and is published (it kept it, and the store refused)."""
    admin = loop.store.operator_session()
    res = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    route = res.day.plan.routes[0]
    refused, later = route.stops[1].lead_id, route.stops[2].lead_id
    clock.t = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # 10:00 on the day
    admin = loop.store.operator_session()
    loop.store.opt_out(admin, "qingzu", refused, "来电拒绝")
    loop.record_outcome(admin, county_id="qingzu", plan_date=DAY, lead_id=later,
                        outcome="not_interested")
    again = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    assert again.published and not again.refused
    assert refused not in again.day.plan.visited_lead_ids
    kept = next(r for r in again.day.plan.routes if r.officer_id == route.officer_id)
    assert kept.lead_ids[:2] == (route.stops[0].lead_id, later)  # the visit made stays


def test_the_managers_published_day_is_the_one_the_officers_have(loop: DailyLoop) -> None:
    """The day a manager opens shows no stop withdrawn since it was published."""
    admin = loop.store.operator_session()
    res = loop.plan(admin, "qingzu", DAY, publish=True, params=PARAMS, rules=RULES)
    route = res.day.plan.routes[0]
    refused = route.stops[1].lead_id
    loop.store.opt_out(admin, "qingzu", refused, "来电拒绝")
    data = loop.county_data(admin, "qingzu")
    shown = published_day_from_store(loop.store, admin, data, DAY, None).plan
    assert refused not in shown.visited_lead_ids
    officer = [s.lead_id for s in loop.store.visit_list(admin, "qingzu", DAY,
                                                        route.officer_id).stops]
    assert list(next(r for r in shown.routes if r.officer_id == route.officer_id).lead_ids) \
        == officer


def test_the_command_line_lists_and_refuses(county_copy: Path, cli_store: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "county", "import", str(county_copy)]) == 0
    capsys.readouterr()
    assert main(["-q", "do-not-visit", "qingzu"]) == 0
    assert "Nobody" in capsys.readouterr().out
    assert main(["-q", "do-not-visit", "qingzu", "B0007", "--reason", "来电拒绝"]) == 0
    assert "B0007 of qingzu is on the do-not-visit list" in capsys.readouterr().out
    assert main(["-q", "do-not-visit", "qingzu"]) == 0
    listed = capsys.readouterr().out
    assert "B0007" in listed and "hotline" in listed and "来电拒绝" in listed
    assert main(["-q", "do-not-visit", "qingzu", "B9999"]) == 2
    err = capsys.readouterr().err
    assert "no lead B9999" in err and "Traceback" not in err


def test_the_command_lines_list_reads_in_chinese(county_copy: Path, cli_store: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """How each lead came onto the list, and the reason the store wrote for it, in Chinese;
    the reason a person typed as typed."""
    assert main(["-q", "county", "import", str(county_copy)]) == 0
    assert main(["-q", "do-not-visit", "qingzu", "B0007", "--reason", "来电拒绝"]) == 0
    assert main(["-q", "erase", "B0009", "--county", "qingzu"]) == 0
    capsys.readouterr()
    assert main(["-q", "do-not-visit", "qingzu", "--lang", "zh"]) == 0
    listed = {ln.split()[0]: ln for ln in capsys.readouterr().out.splitlines()}
    assert "热线" in listed["B0007"] and "来电拒绝" in listed["B0007"], listed
    assert "数据删除" in listed["B0009"] and "个人数据已删除" in listed["B0009"], listed
    assert not re.search(r"hotline|erasure|personal data", "".join(listed.values())), listed
    assert main(["-q", "do-not-visit", "qingzu"]) == 0
    listed = {ln.split()[0]: ln for ln in capsys.readouterr().out.splitlines()}
    assert "erasure" in listed["B0009"] and "personal data erased" in listed["B0009"], listed
