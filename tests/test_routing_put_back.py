"""Putting left-out leads back until a deadline, and the reason of every lead it did not reach."""

from __future__ import annotations

import time

import numpy as np

from routing import (
    Plan,
    PlanStatus,
    check_plan,
    explain_drops,
    insert_profitable,
    put_back,
    schedule_route,
)
from routing.plan import DropReason
from tests.test_routing_solver import MIN, lead, officer, problem


def _day(n_leads: int, n_officers: int, seed: int = 3, **rules):
    rng = np.random.default_rng(seed)
    leads = [lead(f"L{i}", float(rng.integers(20, 400)), service_s=20 * MIN)
             for i in range(n_leads)]
    pos = {f"L{i}": tuple(rng.integers(0, 40, 2)) for i in range(n_leads)}
    offs = [officer(f"O{k}") for k in range(n_officers)]
    pos |= {f"O{k}": tuple(rng.integers(10, 30, 2)) for k in range(n_officers)}
    return problem(leads, offs, pos, skills="off", **rules)


def _empty_routes(p):
    return [schedule_route(o, [], p.matrix) for o in p.officers]


def _plan(p, routes, dropped) -> Plan:
    return Plan(PlanStatus.FEASIBLE, tuple(routes), tuple(dropped), plan_date=p.plan_date)


def test_a_deadline_already_past_leaves_every_lead_out_with_a_reason_and_a_checked_plan():
    p = _day(80, 3, drive_cost_yuan_per_h=120.0)
    routes = _empty_routes(p)
    back = put_back(p, routes, p.leads, deadline_s=time.perf_counter() - 1.0)
    assert list(back.routes) == routes  # nothing was looked at
    assert {ld.lead_id for ld in back.left} == {ld.lead_id for ld in p.leads}
    assert back.not_reached == {ld.lead_id for ld in p.leads}
    dropped = explain_drops(p, back.routes, back.left, not_reached=back.not_reached)
    assert sorted(d.lead_id for d in dropped) == sorted(ld.lead_id for ld in p.leads)
    # On an empty day a lead whose visit would pay is left out for the time limit, saying
    # where it would go; one that would not pay is still "not worth the detour".
    by_id = p.lead_by_id
    assert {d.reason for d in dropped} == {DropReason.TIME_LIMIT, DropReason.NOT_WORTH_DETOUR}
    for d in dropped:
        if d.reason is DropReason.TIME_LIMIT:
            assert "time limit" in d.detail and "route" in d.detail
        else:
            assert d.needed_value_yuan >= by_id[d.lead_id].value_yuan
    assert check_plan(p, _plan(p, back.routes, dropped)) == []


def test_a_lead_not_reached_that_would_not_pay_keeps_the_reason_it_would_have_had():
    # Driving so dear that no lead pays its detour: the time limit did not keep them out.
    p = _day(60, 2, drive_cost_yuan_per_h=5000.0)
    routes = _empty_routes(p)
    left = list(p.leads)
    not_reached = put_back(p, routes, left, deadline_s=time.perf_counter() - 1.0).not_reached
    reached = explain_drops(p, routes, left)
    unreached = explain_drops(p, routes, left, not_reached=not_reached)
    assert [d.reason for d in reached] == [d.reason for d in unreached]
    assert {d.reason for d in unreached} == {DropReason.NOT_WORTH_DETOUR}


def test_putting_back_many_leads_matches_putting_them_back_one_at_a_time():
    # More leads than one screening block, so routes changed by a visit put back are screened
    # again block by block: the same insertions as one lead at a time, most valuable first.
    p = _day(300, 4, drive_cost_yuan_per_h=150.0)
    back = put_back(p, _empty_routes(p), p.leads)
    assert back.not_reached == frozenset()
    routes = _empty_routes(p)
    for ld in sorted(p.leads, key=lambda x: -x.value_yuan):
        routes, _ = insert_profitable(p, routes, [ld])
    assert [r.lead_ids for r in back.routes] == [r.lead_ids for r in routes]
    placed = {x for r in back.routes for x in r.lead_ids}
    assert placed and placed.isdisjoint(ld.lead_id for ld in back.left)
    dropped = explain_drops(p, back.routes, back.left)
    assert check_plan(p, _plan(p, back.routes, dropped)) == []
    assert DropReason.TIME_LIMIT not in {d.reason for d in dropped}


def test_a_deadline_stops_putting_back_between_leads_and_names_the_rest(monkeypatch):
    p = _day(200, 3, drive_cost_yuan_per_h=150.0)
    calls = {"n": 0}
    real = time.perf_counter

    # The put-back reads the clock once per lead: the clock passes the deadline at the 50th.
    def clock() -> float:
        calls["n"] += 1
        return real() + (1e6 if calls["n"] > 50 else 0.0)

    deadline = real() + 1e5
    routes = _empty_routes(p)
    monkeypatch.setattr(time, "perf_counter", clock)
    back = put_back(p, routes, p.leads, deadline_s=deadline)
    monkeypatch.undo()
    ordered = sorted(p.leads, key=lambda x: -x.value_yuan)
    assert back.not_reached == {ld.lead_id for ld in ordered[50:]}
    placed = {x for r in back.routes for x in r.lead_ids}
    assert placed <= {ld.lead_id for ld in ordered[:50]}
    dropped = explain_drops(p, back.routes, back.left, not_reached=back.not_reached)
    assert check_plan(p, _plan(p, back.routes, dropped)) == []


def test_on_balanced_routes_a_lead_not_reached_that_lengthens_a_day_is_left_for_the_balance():
    # After a balance only visits adding no working time are put back: a lead that pass did
    # not reach, whose visit pays but lengthens a day, was kept out by the balance.
    p = _day(60, 2, drive_cost_yuan_per_h=120.0)
    routes = _empty_routes(p)
    left = list(p.leads)
    not_reached = {ld.lead_id for ld in left}
    unbalanced = explain_drops(p, routes, left, not_reached=not_reached)
    paying = {d.lead_id for d in unbalanced if d.reason is DropReason.TIME_LIMIT}
    assert paying  # on an empty day every paying visit lengthens the day
    balanced = explain_drops(p, routes, left, balanced={}, not_reached=not_reached)
    by_id = {d.lead_id: d for d in balanced}
    assert {by_id[x].reason for x in paying} == {DropReason.BALANCE}
    assert all("lengthen a working day" in by_id[x].detail for x in paying)
    # the others keep the reason they had
    assert all(by_id[d.lead_id].reason is d.reason for d in unbalanced
               if d.lead_id not in paying)
    assert check_plan(p, _plan(p, routes, balanced)) == []


def test_past_its_deadline_an_explanation_names_the_leads_not_reached_without_looking():
    p = _day(80, 3, drive_cost_yuan_per_h=120.0)
    routes = _empty_routes(p)
    past = time.perf_counter() - 1.0
    back = put_back(p, routes, p.leads, deadline_s=past)
    dropped = explain_drops(p, back.routes, back.left, not_reached=back.not_reached,
                            deadline_s=past)
    assert {d.reason for d in dropped} == {DropReason.TIME_LIMIT}
    assert all(d.needed_value_yuan is None for d in dropped)
    assert check_plan(p, _plan(p, back.routes, dropped)) == []
    # A lead the put-back looked at is explained whatever the deadline.
    one = p.leads[0]
    (d,) = explain_drops(p, routes, [one], not_reached=frozenset(), deadline_s=past)
    assert d.reason is not DropReason.TIME_LIMIT


def test_a_small_day_is_put_back_whole_even_past_the_deadline():
    # A search ending a few milliseconds late must not leave a small day's leads unlooked at.
    p = _day(20, 2, drive_cost_yuan_per_h=120.0)
    late = put_back(p, _empty_routes(p), p.leads, deadline_s=time.perf_counter() - 1.0)
    on_time = put_back(p, _empty_routes(p), p.leads)
    assert late.not_reached == frozenset()
    assert late == on_time


def test_a_day_full_by_its_shift_is_not_counted_as_open_for_the_time_kept():
    from routing.problem import TimeWindow

    # one uncapped officer, two hours, 20-minute visits on the spot: six fill the day
    shift = TimeWindow(8 * 3600, 10 * 3600)
    leads = [lead(f"L{i}", 100.0, service_s=20 * MIN) for i in range(10)]
    p = problem(leads, [officer("O1", shift=shift)], {"O1": (0, 0)} | {
        f"L{i}": (0, 0) for i in range(10)})
    first = put_back(p, _empty_routes(p), p.leads)
    assert [len(r.stops) for r in first.routes] == [6]
    asked: list[int] = []

    def keep_s(open_routes: int) -> float:
        asked.append(open_routes)
        return 0.0

    again = put_back(p, first.routes, first.left, time.perf_counter() + 60, keep_s)
    assert asked and set(asked) == {0}  # the time kept per lead left: every route is full
    assert len(again.left) == 4
    dropped = explain_drops(p, again.routes, again.left, not_reached=again.not_reached)
    assert {d.reason for d in dropped} == {DropReason.NO_CAPACITY}
    assert check_plan(p, _plan(p, again.routes, dropped)) == []
