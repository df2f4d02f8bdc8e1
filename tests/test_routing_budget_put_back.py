"""The time after the search goes to putting back while time remains, and every lead left
out has a true reason: the plan's last part (:func:`routing.finish.finish_plan`) with an
injected :class:`routing.budget.Clock`, and the estimates that share the time out."""

from __future__ import annotations

import dataclasses
import time

from routing import SolveParams, check_plan
from routing.budget import Clock, improve_skip
from routing.finish import finish_plan
from routing.plan import DropReason
from tests.test_routing_put_back import _day

#: Far more candidates than the test's day holds: the estimated work after the search
#: (per lead left out) is then hundreds of seconds, longer than the time the clock has left.
_MANY = 1_000_000


def _clock(p, *, balancing: bool, left_s: float = 60.0) -> Clock:
    # A clock whose limit ends ``left_s`` from now and that has had far more CPU than wall
    # time (no contention, whenever it is read): what it decides depends on the sizes alone.
    return Clock(10.0, _MANY, tuple(o.max_visits for o in p.officers), balancing,
                 start_s=time.perf_counter() - 10.0 + left_s,
                 start_cpu_s=time.process_time() - 1e6)


@dataclasses.dataclass(frozen=True)
class _CutShortBeforeTheBalance(Clock):
    """A clock under which the put-back before the balance has no time at all (a search
    that used it up), and every pass after it has plenty."""

    def put_back_end_s(self, visits, after_balance: bool = False) -> float:
        return time.perf_counter() + 600.0 if after_balance else -1e9


def _finish(p, clock: Clock):
    # The search made no step: every officer's day is empty, every candidate left out.
    plan = finish_plan(p, [[] for _ in p.officers], p.leads, (), {}, clock,
                       SolveParams(time_limit_s=clock.time_limit_s, workers=1))
    assert check_plan(p, plan) == []
    return plan


def test_with_time_left_the_put_back_places_leads_rather_than_keep_time_for_leads_unseen():
    # The time left (a minute) is far less than explaining every candidate the clock counts
    # would take by its estimate, and far more than this day's put-back needs: the put-back
    # keeps time only for explaining the leads it has looked at, so it places what pays.
    p = _day(60, 3, drive_cost_yuan_per_h=120.0)
    plan = _finish(p, _clock(p, balancing=False))
    assert sum(len(r.stops) for r in plan.routes) > 0
    assert plan.meta["put_back_not_reached"] == 0
    assert not [d for d in plan.dropped if d.reason is DropReason.TIME_LIMIT]


def test_a_put_back_cut_short_before_the_balance_goes_on_and_keeps_what_it_places():
    p = _day(60, 3, drive_cost_yuan_per_h=120.0, balance=0.02)
    plan = _finish(p, _CutShortBeforeTheBalance(**dataclasses.asdict(
        _clock(p, balancing=True))))
    # Every lead was looked at by a put-back after the first one: none is left out for the
    # time limit, each has the reason it would have had.
    assert not [d for d in plan.dropped if d.reason is DropReason.TIME_LIMIT]
    assert plan.meta["put_back_not_reached"] == 0
    assert sum(len(r.stops) for r in plan.routes) > 0
    assert {d.lead_id for d in plan.dropped} | {
        s.lead_id for r in plan.routes for s in r.stops} == {ld.lead_id for ld in p.leads}


def test_explaining_a_lead_is_estimated_dearer_than_putting_it_back_on_open_routes():
    p = _day(10, 3)
    clock = _clock(p, balancing=False)
    explain = clock.after_s(45, 1, 1000.0)
    put_back_pass = clock.after_s(45, 2, 1000.0) - explain
    # Measured at 45 open routes: ~300 us a lead explained, ~100 us put back.
    assert explain > 2 * put_back_pass
    assert clock.explain_s_per_lead(45) * 1000 <= explain
    assert clock.explain_s_per_lead(0) < clock.explain_s_per_lead(45) / 10


def test_the_improvement_gives_its_time_to_the_put_back_when_its_setup_would_eat_it():
    # 4,412 nodes: ~0.9 s of setup on one core.
    assert improve_skip(4412, 1.1, 45, 1.0) is not None  # routes open: the put-back uses it
    assert improve_skip(4412, 1.1, 45, 2.0) is not None
    # Every route full: the time has no other use.
    assert improve_skip(4412, 1.1, 0, 3.0) is None
    assert improve_skip(4412, 0.0, 0, 1.0) is not None  # no time at all
    assert improve_skip(4412, 3.4, 45, 1.0) is None
    assert improve_skip(200, 0.5, 6, 3.0) is None  # the demo's size
