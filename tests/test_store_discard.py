"""A draft the managers do not want is discarded: its version, stops, matrix and left-out
list go; published versions, another day's parts and the audit of both stay."""

from __future__ import annotations

import pytest

from countyreach.errors import AccessDenied, InputError
from countyreach.store import Session, Store
from countyreach.store import schema as S
from countyreach.store.testing import synthetic_day
from tests.store_people import DAY, count_rows


def _versions(store: Store, who: Session) -> list[tuple[int, str]]:
    return [(v.version, str(v.status)) for v in store.plan_versions(who, "qingzu", DAY)]


def test_a_discarded_draft_leaves_nothing_but_its_audit(store: Store,
                                                        people: dict[str, Session]) -> None:
    m, admin = people["manager"], people["admin"]
    problem, plan = synthetic_day()
    slow, plan_slow = synthetic_day(reverse=True, leg_s=900)  # a matrix of its own
    store.save_plan(m, "qingzu", DAY, problem, plan)
    store.publish(m, "qingzu", DAY, 1)
    assert store.save_plan(admin, "qingzu", DAY, slow, plan_slow) == 2
    assert count_rows(store, S.plan_matrices) == 2

    store.discard_draft(m, "qingzu", DAY, 2)  # any manager of the county: the day is theirs
    assert _versions(store, m) == [(1, "published")]
    assert count_rows(store, S.plan_matrices) == 1  # the draft's own matrix went with it
    assert count_rows(store, S.plan_stops) == sum(len(r.stops) for r in plan.routes)
    gone = [(e.target, e.username, e.detail["made_by"]) for e in store.audit_log(m, "qingzu")
            if e.action == "discard_draft"]
    assert gone == [(f"{DAY} v2", "mgr", "admin")]
    # the published day is untouched, and the next plan is a new draft
    assert store.published_plan(m, "qingzu", DAY)[2] == 1
    assert store.save_plan(m, "qingzu", DAY, slow, plan_slow) == 2


def test_a_draft_sharing_its_matrix_leaves_the_matrix(store: Store,
                                                      people: dict[str, Session]) -> None:
    m = people["manager"]
    problem, plan = synthetic_day()
    _, plan_b = synthetic_day(reverse=True)
    store.save_plan(m, "qingzu", DAY, problem, plan)
    store.save_plan(m, "qingzu", DAY, problem, plan_b)
    store.discard_draft(m, "qingzu", DAY, 2)
    assert _versions(store, m) == [(1, "draft")]
    assert count_rows(store, S.plan_matrices) == 1  # v1 still names it
    _, got, _ = store.plan(m, "qingzu", DAY, 1)
    assert [r.lead_ids for r in got.routes] == [r.lead_ids for r in plan.routes]


def test_only_a_draft_is_discarded(store: Store, people: dict[str, Session]) -> None:
    m = people["manager"]
    problem, plan = synthetic_day()
    _, plan_b = synthetic_day(reverse=True)
    store.save_plan(m, "qingzu", DAY, problem, plan)
    store.publish(m, "qingzu", DAY, 1)
    store.save_plan(m, "qingzu", DAY, problem, plan_b)
    store.publish(m, "qingzu", DAY, 2)  # v1 superseded: a record too
    for version in (1, 2):
        with pytest.raises(InputError, match=f"plan version {version} of {DAY} is not a draft"):
            store.discard_draft(m, "qingzu", DAY, version)
    with pytest.raises(InputError, match="no plan version 3"):
        store.discard_draft(m, "qingzu", DAY, 3)
    with pytest.raises(InputError, match="positive integer"):
        store.discard_draft(m, "qingzu", DAY, 0)
    assert _versions(store, m) == [(1, "superseded"), (2, "published")]


@pytest.mark.parametrize("who", ["o1", "planner"])
def test_officers_and_planners_discard_nothing(store: Store, people: dict[str, Session],
                                               who: str) -> None:
    problem, plan = synthetic_day()
    store.save_plan(people["manager"], "qingzu", DAY, problem, plan)
    with pytest.raises(AccessDenied):
        store.discard_draft(people[who], "qingzu", DAY, 1)
    assert _versions(store, people["manager"]) == [(1, "draft")]


def test_the_days_with_plans_are_listed_latest_first(store: Store,
                                                     people: dict[str, Session]) -> None:
    # what `plans` points a request for a day with none to
    from dataclasses import replace

    m = people["manager"]
    problem, plan = synthetic_day()
    assert store.plans.plan_dates(m, "qingzu") == []
    for day in ("2025-02-27", DAY, "2025-03-01"):
        store.save_plan(m, "qingzu", day, replace(problem, plan_date=day),
                        replace(plan, plan_date=day))
    store.save_plan(m, "qingzu", DAY, problem, plan)  # a second version: the day once
    assert store.plans.plan_dates(m, "qingzu") == [DAY, "2025-03-01", "2025-02-27"]
    assert store.plans.plan_dates(m, "qingzu", limit=1) == [DAY]
    with pytest.raises(AccessDenied):
        store.plans.plan_dates(people["o1"], "qingzu")
