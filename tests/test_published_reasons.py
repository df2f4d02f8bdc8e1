"""A published plan keeps each lead's reason in every language: the officer reads their own."""

from __future__ import annotations

import re

from countyreach.services.loop import DailyLoop
from tests.conftest import LOOP_PARAMS as PARAMS
from tests.conftest import LOOP_RULES as RULES

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_an_officer_reads_the_reasons_of_a_plan_published_from_the_cli_in_english(
        county_loop: DailyLoop) -> None:
    admin = county_loop.store.operator_session()
    res = county_loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS,
                           rules=RULES)
    officer = next(r.officer_id for r in res.day.plan.routes if r.stops)
    en = county_loop.store.visit_list(admin, "qingzu", "2026-11-24", officer, lang="en")
    zh = county_loop.store.visit_list(admin, "qingzu", "2026-11-24", officer, lang="zh")
    assert en.stops and all(s.why and not CJK.search(s.why) for s in en.stops), \
        [s.why for s in en.stops if CJK.search(s.why)][:2]
    assert all(CJK.search(s.why) for s in zh.stops)
