"""Prize-collecting routing of an officer-day: the entry point :func:`solve`.

The day is planned in four parts:

* candidates: leads already done, leads that no officer can serve alone (unreachable,
  outside every shift, impossible windows, nobody qualified) and leads of no value are
  left out before the search with their reason, so the search time goes to the leads
  that matter; on very large days the most promising candidates are searched first;
* a start: the best of a few greedy constructions (:mod:`routing.construct`) and PyVRP's
  plan of the day under a relaxation of its rules (:mod:`routing.pyvrp_start`, fitted to
  every rule; most of the time when PyVRP models the day exactly) or, where PyVRP cannot
  help (re-planning, locks, position pins), OR-Tools' savings start on small days
  (:mod:`routing.model`); then a short OR-Tools search over the whole day. A day too large
  for its time limit gets neither PyVRP's start nor the whole-day search
  (:mod:`routing.budget`: they would eat the budget the improvement needs);
* improvement: the large-neighbourhood search of :mod:`routing.lns` (OR-Tools steps over
  a few officers, mixed with ruin and recreate over the whole day, :mod:`routing.ils`),
  until the time limit or for a fixed number of steps
  (:class:`routing.params.SolveParams`), ended by the whole-day local search of
  :mod:`routing.polish`;
* the plan (:mod:`routing.finish`): the visit orders are timed by
  :func:`routing.schedule.schedule_route` (the one implementation of the timing rules),
  left-out leads whose insertion pays are put back, the team's hours are balanced, and
  every other lead gets a reason (:mod:`routing.reasons`). Every plan the product writes
  passes :func:`routing.checker.check_plan`.

The plan is ready at the time limit (plus a small slack): the search ends early enough for
the plan's work after it, estimated from the day's size and the routes that may still take
a visit, and PyVRP's start and the whole-day local search run only when their setup, which
cannot be stopped, fits their share (:class:`routing.budget.Clock`).

This module does not import OR-Tools itself: :mod:`routing.model` is the only one that does.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from routing.budget import (
    Clock,
    improve_skip,
    polish_s,
    pyvrp_setup_skip,
    pyvrp_too_large,
    whole_day_skip,
)
from routing.construct import greedy_routes
from routing.errors import ProblemError
from routing.finish import finish_plan
from routing.lns import NO_CLOCK_S, improve, improve_steps
from routing.locks import fit_orders, reference_start, solve_with_locks
from routing.model import BIG_S, Model, Search, day_matrix, route_value, search_parameters
from routing.params import SolveParams
from routing.plan import DroppedLead, DropReason, Plan, PlanStatus, Route
from routing.polish import polish
from routing.problem import Lead, RoutingProblem
from routing.pyvrp_start import (
    PyvrpProposal,
    available,
    every_lead_pays,
    models_exactly,
    pack_time_s,
    packed_orders,
    proposal_orders,
    pyvrp_data,
    search_until,
    unsupported,
)
from routing.reasons import lead_alone_reasons, with_rule_overrides

__all__ = ["solve"]

log = logging.getLogger(__name__)

#: Candidate pruning: never below this many candidates, else this many times the visits a day
#: can hold.
_PRUNE_MIN = 300
_PRUNE_FACTOR = 3.0
#: Value exponents of the greedy constructions tried (the best start is kept).
_GREEDY_EXPONENTS = (1.0, 1.5, 2.0, 3.0)
#: Without PyVRP's start, the greedy constructions get this share of the search time, and the
#: first of them up to the second share to finish.
_GREEDY_SHARE = 0.3
_GREEDY_FIRST_SHARE = 0.6
#: The whole-day OR-Tools search gets this share of the time left after the start.
_LNS_FIRST_SHARE = 0.1
#: The whole-day local search of :mod:`routing.polish` ends the search in this share of the
#: time left after the whole-day OR-Tools search (the improvement phase's ruin-and-recreate
#: steps end in the same local search, so little is left to find by then).
_POLISH_SHARE = 0.02
#: Share of the search time PyVRP gets to propose a start (see :mod:`routing.pyvrp_start`,
#: :func:`_pyvrp_start`): nearly all of it when PyVRP models the day exactly (what is left
#: polishes its plan), less when it relaxes a rule (lunch, visit caps, several windows,
#: pins, soft penalties) and our search repairs and re-optimises under every rule; and the
#: greedy starts' share when they are built. Measured at 10 s on one core with 0.75 for
#: both: field N=1,000 0.991 of PyVRP alone; long routes, TOP and TOPTW 1.00; 0.95 was then
#: chosen for exact days (field N=2,000 at 30 s 0.994 -> 0.998). The relaxed share is a
#: judgement, not a measurement: on the demo day (lunch, visit caps) it planned the same value.
_PYVRP_SHARE_EXACT = 0.95
#: On a day PyVRP models exactly where every lead must be served (a VRPTW), its objective is
#: ours, so what follows it only repeats its moves more slowly; it gets nearly all the time.
#: Measured on 1,000-customer VRPTW days (Gehring-Homberger C1/R1/RC1_10_1, 30 s, one core),
#: where PyVRP still gains ~0.2 % a second: see the README's routing table.
_PYVRP_SHARE_REQUIRED = 0.99
_PYVRP_SHARE = 0.6
_GREEDY_SHARE_WITH_PYVRP = 0.05
#: PyVRP is asked to serve every lead when each outweighs its longest detour and there are at
#: most this share of the visits the day holds (about: see :func:`_capacity`). Measured:
#: long routes 0.67-0.75 and Solomon 0.26-0.30 of it; field days 1.03 and more, team
#: orienteering 1.5-2.4.
_REQUIRED_SHARE = 0.8
#: Below this PyVRP budget extra workers are not started (a process takes ~0.5 s to start).
_PYVRP_PARALLEL_MIN_S = 2.0
#: A savings start is also tried on days of at most this many leads, in this share of the time.
_SAVINGS_MAX_LEADS = 300
_SAVINGS_SHARE = 0.1


def solve(problem: RoutingProblem, params: SolveParams | None = None) -> Plan:
    """Plan the day: which leads each officer visits, in what order, and why the rest are left.

    Parameters
    ----------
    problem : RoutingProblem
        Leads with their value (prize), officers, travel matrix and rules.
    params : SolveParams, optional
        Time limit, seed, workers (default :class:`SolveParams`).

    Returns
    -------
    Plan
        Always a value. ``PARTIAL`` when an appointment could not be kept,
        ``TIMEOUT`` when the search found no solution in the time limit. Its ``meta``
        counts candidates, leads pruned, greedy visits, improvement steps (made and
        accepted), route closings (tried, ended with every visit placed, undone), the
        worker processes used, and the team's spread (working hours per officer, their
        max/min, value per officer; see :func:`routing.balance.spread`) with what
        balancing cost (``balance_cost_yuan``); ``pyvrp_skipped_large_day`` and
        ``whole_day_search_skipped`` (1) say a phase was left out for the day's size in its
        time limit (:mod:`routing.budget`). Locked routes
        (:attr:`RoutingProblem.locked_routes`) are kept exactly; ``meta["broken_locks"]``
        lists those that no longer fit the day. Appointments and locked stops outrank a
        hard skill or locality rule: :func:`routing.reasons.with_rule_overrides` says so.

    Raises
    ------
    ProblemError
        For a problem with :attr:`RoutingProblem.visited_routes` (history is not planned).
    """
    if problem.visited_routes:
        raise ProblemError("a day with visits already made (visited_routes) is not solved "
                           "whole: solve the rest of it, those visits done, and join them",
                           field="visited_routes")
    params = SolveParams() if params is None else params
    plan = (solve_with_locks(problem, params, _solve_free) if problem.locked_routes
            else _solve_free(problem, params))
    return with_rule_overrides(problem, plan)


def _solve_free(problem: RoutingProblem, params: SolveParams) -> Plan:
    """:func:`solve` of a problem without locked routes."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    rules = problem.rules
    officers = problem.officers
    done = problem.done_lead_ids
    pre_dropped: list[DroppedLead] = []
    candidates: list[Lead] = []
    for ld in problem.leads:
        if ld.lead_id in done:
            pre_dropped.append(DroppedLead(ld.lead_id, DropReason.ALREADY_DONE,
                                           "already visited today"))
            continue
        reason = lead_alone_reasons(problem, ld)
        if reason is not None and ld.pinned_officer_id is None:
            pre_dropped.append(reason)
        elif ld.value_yuan <= 0 and ld.pinned_officer_id is None:
            pre_dropped.append(DroppedLead(ld.lead_id, DropReason.NOT_WORTH_DETOUR,
                                           "no expected value", None))
        else:
            candidates.append(ld)

    searched, _held_back, capacity = _promising(problem, candidates)
    balancing = (rules.balance > 0 and len(officers) >= 2 and not problem.reference_routes)
    clock = Clock(params.time_limit_s, len(candidates),
                  tuple(o.max_visits for o in officers), balancing, capacity, t0, cpu0)
    stats: dict[str, int] = {}
    routes_orders = _search(problem, searched, candidates, clock, params, stats)
    if routes_orders is None:
        idle = [Route(o.officer_id, (), o.shift.start_s, o.shift.start_s, 0, 0, 0.0)
                for o in officers]
        dropped = pre_dropped + [DroppedLead(ld.lead_id, DropReason.NO_CAPACITY,
                                             "no solution found in the time limit")
                                 for ld in candidates]
        return Plan(PlanStatus.TIMEOUT, tuple(idle), tuple(dropped), 0.0,
                    time.perf_counter() - t0, "ortools", problem.plan_date,
                    "the search found no solution in the time limit")

    return finish_plan(problem, routes_orders, candidates, pre_dropped, stats, clock, params)


def _capacity(problem: RoutingProblem, candidates: Sequence[Lead], *, caps: bool = False
              ) -> tuple[float, np.ndarray, np.ndarray]:
    """About how many visits the day holds, with each lead's service and near-drive seconds.

    A visit is taken to cost the median of service plus the mean drive to the three nearest
    other candidates; ``caps`` also counts each officer's visit cap.
    """
    n = len(candidates)
    m = problem.matrix
    idx = np.fromiter((m.index[ld.lead_id] for ld in candidates), dtype=np.int64, count=n)
    sub = np.minimum(m.duration_s[np.ix_(idx, idx)], BIG_S).astype(float)
    np.fill_diagonal(sub, np.inf)
    k = max(1, min(3, n - 1))
    near = (np.partition(sub, k, axis=1)[:, :k].mean(axis=1) if n > 1
            else np.zeros(n, dtype=float))
    service = np.array([ld.service_s for ld in candidates], dtype=float)
    visit_s = max(float(np.median(service + near)), 60.0)
    capacity = 0.0
    for o in problem.officers:
        held = (o.shift.end_s - o.shift.start_s) / visit_s
        if caps and o.max_visits is not None:
            held = min(held, o.max_visits)
        capacity += held
    return capacity, service, near


def _promising(problem: RoutingProblem, candidates: Sequence[Lead]
               ) -> tuple[list[Lead], list[Lead], float | None]:
    """Split candidates into the ones the search sees and the ones held back, with the
    visits the day holds (:func:`_capacity`) where that was needed (None on a small day).

    A day of ``k`` officers can make only so many visits; when candidates outnumber
    :data:`_PRUNE_FACTOR` times that capacity, the search gets the most promising ones:
    value per minute of service plus the drive to the nearest neighbours (dense, valuable
    places first). Held-back leads are offered again by the insertion pass afterwards,
    so a held-back lead that pays still gets visited.
    """
    n = len(candidates)
    if n <= _PRUNE_MIN:
        return list(candidates), [], None
    capacity, service, near = _capacity(problem, candidates)
    keep_n = int(_PRUNE_FACTOR * capacity)
    if n <= max(keep_n, _PRUNE_MIN):
        return list(candidates), [], capacity
    value = np.array([ld.value_yuan for ld in candidates])
    score = value / (service + near + 60.0)
    pinned = np.array([ld.pinned_officer_id is not None for ld in candidates])
    order = np.argsort(-(score + np.where(pinned, np.inf, 0.0)), kind="stable")
    keep = set(order[:keep_n].tolist())
    searched = [ld for i, ld in enumerate(candidates) if i in keep]
    held = [ld for i, ld in enumerate(candidates) if i not in keep]
    log.info("searching %d of %d candidates (capacity ~%.0f visits)", len(searched), n,
             capacity)
    return searched, held, capacity


def _pyvrp_start(problem: RoutingProblem, offered: Sequence[Lead], candidates: Sequence[Lead],
                 time_limit_s: float, params: SolveParams, stats: dict[str, int],
                 contention: float = 1.0) -> list[list[str]]:
    """The better of a greedy start over ``candidates`` and PyVRP's orders over ``offered``
    for the relaxed day (fitted to every rule), within ``time_limit_s``.

    PyVRP is offered what the whole-day search sees (:func:`_promising`): on a day of many
    more leads than visits its iterations grow with every lead, and the held-back ones rarely
    belong in the plan (the improvement and the insertion pass still offer them). Measured
    on field days at 28 s, 6 runs each (2 instances x 3 seeds, one core), PyVRP alone on
    the promising leads against all of them: N=1,000 16,810 against 16,737 (653 of 1,000
    leads), N=2,000 18,140 against 18,085 (672 of 2,000; better in 5 of 6 runs); spread over
    runs ~1-2 % of the value on both. Re-measured with 12 paired runs at N=1,000 (30 s,
    seeds 0-5, same seed on both): 0.9993 [0.991, 1.008] of the objective, so no gain is
    shown; it stays because PyVRP's matrices and its setup (neighbourhoods, a first descent)
    grow with the leads offered.

    When PyVRP models the day exactly (collecting prizes, or serving every lead), it runs
    first and gets nearly all the time (measured at 30 s: field N=2,000 0.994 of PyVRP
    alone with the greedy start first, from the time that took); the greedy start is then
    only built if PyVRP found nothing. Otherwise the greedy start comes first. With
    ``workers`` > 1 each worker runs PyVRP with its own seed (``seed * workers + j``) at the
    same time. Every search keeps the routes it passes through near its best, and the pools
    of all of them are packed into the cheapest day (:mod:`routing.route_pool`): never
    worse than the best worker's.
    """
    t_end = time.perf_counter() + time_limit_s
    exact = models_exactly(problem, offered)
    # Serve everyone when every lead outweighs any detour and the day clearly holds them all:
    # PyVRP's prize-collecting search was measured to leave such leads out. If the day
    # cannot hold them after all, PyVRP finds nothing and the greedy start stands.
    required = (every_lead_pays(problem, offered) and len(offered)
                <= _REQUIRED_SHARE * _capacity(problem, offered, caps=True)[0])
    # On an exact day the greedy start is built only if PyVRP finds nothing (it then gets
    # the time left): built first, it took 1.5 s of a 30 s limit on 1,000-customer VRPTW
    # days where PyVRP still gains ~0.2 % a second, and PyVRP's plan replaced it anyway.
    greedy_first = not exact
    greedy = (_initial_routes(problem, candidates, _GREEDY_SHARE_WITH_PYVRP * time_limit_s)
              if greedy_first else None)
    # Built before PyVRP's share is set, so that its time comes out of that share: the day's
    # matrix is a memory-bound gather (~1 s at 2,500 leads and 100 officers).
    value = _orders_value(problem, candidates)
    share = (_PYVRP_SHARE_REQUIRED if exact and required else
             _PYVRP_SHARE_EXACT if exact else _PYVRP_SHARE)
    budget_s = share * time_limit_s - (time_limit_s - (t_end - time.perf_counter()))
    # PyVRP stops at this instant with its setup counted (pyvrp_start's stopping criterion),
    # but its setup cannot be stopped: it runs only if that fits its budget with room.
    too_slow = pyvrp_setup_skip(len(offered), budget_s, contention)
    if too_slow is not None:
        log.info("no PyVRP start: %s", too_slow)
        stats["pyvrp_skipped_setup"] = 1
        return greedy if greedy is not None else _initial_routes(
            problem, candidates, max(_GREEDY_SHARE_WITH_PYVRP * time_limit_s,
                                     t_end - time.perf_counter()))
    until = time.time() + max(0.0, budget_s)
    # The searches stop early enough for their pooled routes to be packed by ``until``.
    search_until_s = until - pack_time_s(until - time.time())
    w = params.workers if budget_s >= _PYVRP_PARALLEL_MIN_S else 1
    ids = [ld.lead_id for ld in offered]
    executor = None
    futures: list[Future[PyvrpProposal | None]] = []
    if w > 1:
        executor = ProcessPoolExecutor(w - 1, mp_context=multiprocessing.get_context("forkserver"))
        try:
            futures = [executor.submit(search_until, problem, ids, search_until_s,
                                       params.seed * w + j, required, not exact)
                       for j in range(1, w)]
        except Exception as exc:  # a worker that cannot start costs a core, not the day
            log.warning("PyVRP workers could not start: %s", exc)
            futures = []
    worked = 1
    proposals: list[list[list[str]] | None] = []
    try:
        day = pyvrp_data(problem, offered, required=required)
        # Until a wall-clock instant, so that building PyVRP's model counts in its share.
        found = [search_until(problem, ids, search_until_s, params.seed * w, required,
                              not exact, day=day)]
        for f in futures:
            try:
                found.append(f.result())
                worked += 1
            except Exception as exc:  # a worker that dies costs its proposal, not the day
                log.warning("a PyVRP worker failed: %s", exc)
        # The workers' pooled routes are packed together: never worse than the best of them
        # in PyVRP's objective. Each worker's own best stays a proposal too, since on a
        # relaxed day the fitted orders are judged by every rule, not PyVRP's objective.
        searched = [p for p in found if p is not None]
        packed = packed_orders(problem, day, searched, until - time.time(), params.seed)
        proposals.append(packed)
        if not exact:  # a best the packing kept as it was is fitted once, not twice
            proposals += [o for o in (proposal_orders(problem, day, p) for p in searched)
                          if o != packed]
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
    stats["pyvrp_workers"] = worked
    fitted = [fit_orders(problem, candidates, p) for p in proposals if p is not None]
    if greedy is None and not fitted:
        greedy = _initial_routes(problem, candidates, max(
            _GREEDY_SHARE_WITH_PYVRP * time_limit_s, t_end - time.perf_counter()))
    starts = ([greedy] if greedy is not None else []) + fitted
    best = max(starts, key=value)  # the greedy start wins ties
    stats["pyvrp_start"] = int(best is not greedy)
    log.info("start: %s %.1f, greedy %s (PyVRP %s, %s; %.2f s past its share)",
             "PyVRP" if best is not greedy else "greedy", value(best),
             "not built" if greedy is None else f"{value(greedy):.1f}",
             "exact" if exact else "relaxed",
             "required" if required else "prize-collecting", time.time() - until)
    return best


def _orders_value(problem: RoutingProblem, candidates: Sequence[Lead]
                  ) -> Callable[[list[list[str]]], float]:
    """Value − driving − penalties of visit orders (one per officer) over ``candidates``."""
    node_ids, dur = day_matrix(problem, candidates, problem.officers)
    pos = {x: i for i, x in enumerate(node_ids)}

    def value(orders: list[list[str]]) -> float:
        return sum(route_value(problem, v, seq, pos, dur) for v, seq in enumerate(orders))

    return value


def _initial_routes(problem: RoutingProblem, candidates: Sequence[Lead], time_limit_s: float,
                    savings_s: float = 0.0, first_s: float = 0.0) -> list[list[str]]:
    """The best of a few greedy constructions (they differ in how much value outweighs time)
    and, on small days given ``savings_s``, OR-Tools' savings start improved by a descent.
    The first construction may take up to ``first_s`` if ``time_limit_s`` is shorter."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    built: list[list[list[str]]] = []
    plan_value: Callable[[list[list[str]]], float] | None = None
    for k, exponent in enumerate(_GREEDY_EXPONENTS):
        if k > 0 and deadline <= time.perf_counter():
            break
        if k == 1:
            # The plan's value needs the day's matrix (0.85 s at 45 officers over 4,322
            # candidates on one core, 2.8 s on a loaded one): built only when there is
            # another construction to compare, so a start with no time left costs nothing
            # more and its time goes to the put-back.
            plan_value = _orders_value(problem, candidates)
            if deadline <= time.perf_counter():
                break
        limit_s = max(deadline - time.perf_counter(), 0.05)
        if k == 0:
            # A construction cut short is a poor start (45 officers over 4,322 leads: 101-227
            # of 540 visits in 0.3 of a 10 s limit), so the first one may run to its end.
            limit_s = max(limit_s, first_s - (time.perf_counter() - t0))
        built.append(greedy_routes(problem, candidates, limit_s, exponent))
    with_savings = savings_s > 0 and len(candidates) <= _SAVINGS_MAX_LEADS
    if len(built) == 1 and not with_savings:
        return built[0]
    if plan_value is None:
        plan_value = _orders_value(problem, candidates)
    best = max(((plan_value(orders), orders) for orders in built), key=lambda vo: vo[0])
    if with_savings:
        # Savings opens fewer routes when (nearly) every lead gets visited (a VRPTW):
        # see routing.model.Search.SAVINGS. Kept only if better.
        model = Model(problem, candidates, range(len(problem.officers)))
        params = search_parameters(len(candidates), savings_s, Search.SAVINGS)
        orders_or_none = model.solve(params)
        if orders_or_none is not None:
            value = plan_value(orders_or_none)
            if value > best[0]:
                best = (value, orders_or_none)
    return best[1]


def _search(problem: RoutingProblem, searched: Sequence[Lead], candidates: Sequence[Lead],
            clock: Clock, params: SolveParams,
            stats: dict[str, int]) -> list[list[str]] | None:
    """Each officer's visit order (lead ids), or None when no solution was found.

    Greedy routes over all ``candidates`` start a short whole-day OR-Tools search over the
    ``searched`` ones (plus any the greedy routes visit); the rest of the time goes to the
    large-neighbourhood improvement over all candidates, until ``clock`` says the plan's work
    after the search needs the rest (estimated again from the start's routes when the
    improvement begins: routes at their visit cap cost that work nothing). ``stats``
    receives counts of the phases (greedy visits, improvement steps and closings, workers)
    and ``reserve_ms``, the time left for the plan.
    """
    stats["reserve_ms"] = round(1000 * clock.reserve_s())
    if not candidates:
        return [[] for _ in problem.officers]
    deadline = clock.search_end_s()
    time_limit_s = deadline - time.perf_counter()
    fixed_steps = params.improvement_steps
    if problem.reference_routes:
        # Re-planning a published day starts from it: the change cost keeps what the edit
        # does not concern, and a greedy start would have to be searched back there.
        initial = reference_start(problem, candidates)
    elif fixed_steps is None:
        why_not = ("switched off" if not params.pyvrp_start else
                   "PyVRP is not installed" if not available() else
                   "fewer than two candidates" if len(candidates) < 2 else
                   unsupported(problem, candidates))
        if why_not is None:
            why_not = pyvrp_too_large(len(searched), len(problem.officers),
                                      params.time_limit_s, models_exactly(problem, searched))
            if why_not is not None:
                stats["pyvrp_skipped_large_day"] = 1
        if why_not is None:
            initial = _pyvrp_start(problem, searched, candidates, time_limit_s, params, stats,
                                   clock.contention())
        else:
            log.info("no PyVRP start: %s", why_not)
            initial = _initial_routes(problem, candidates, _GREEDY_SHARE * time_limit_s,
                                      _SAVINGS_SHARE * time_limit_s,
                                      _GREEDY_FIRST_SHARE * time_limit_s)
    else:
        initial = _initial_routes(problem, candidates, NO_CLOCK_S)
    chosen = {x for seq in initial for x in seq}
    inside = {ld.lead_id for ld in searched}
    searched = [*searched, *(ld for ld in candidates if ld.lead_id in chosen - inside)]
    stats["greedy_visits"] = len(chosen)
    log.info("greedy routes: %d visits in %.2f s", len(chosen),
             time_limit_s - (deadline - time.perf_counter()))
    rng = np.random.default_rng(params.seed)
    if fixed_steps is not None:
        # Reproducible: no clock anywhere, a fixed number of steps that each end at a local
        # optimum, in this process.
        orders = improve_steps(problem, candidates, initial, fixed_steps, rng, stats)
        orders, polished = polish(problem, candidates, orders)
        stats["polish_moves"] = stats.get("polish_moves", 0) + polished["polish_moves"]
        return orders
    first_s = (deadline - time.perf_counter()) * _LNS_FIRST_SHARE
    found: list[list[str]] | None
    why_skip = whole_day_skip(problem, searched, len(chosen), deadline - time.perf_counter(),
                              first_s)
    if why_skip is not None:
        log.info("whole-day OR-Tools search skipped: %s", why_skip)
        stats["whole_day_search_skipped"] = 1
        found = [list(seq) for seq in initial]
    else:
        model = Model(problem, searched, range(len(problem.officers)))
        found = model.solve(search_parameters(len(searched), max(0.1, first_s)), initial)
    if found is None:
        # On a very large day (100 officers, 2,500 leads) OR-Tools may not even load the
        # start in its share of the time and then returns nothing; the greedy routes are a
        # plan already, so the improvement starts from them instead of giving up the day.
        log.warning("the whole-day OR-Tools search found nothing in %.1f s; improving the "
                    "greedy start", max(0.1, first_s))
        stats["whole_day_search_failed"] = 1
        found = [list(seq) for seq in initial]
    # The plan's work after the search, estimated again from this plan's routes.
    visits = [len(seq) for seq in found]
    deadline = clock.search_end_s(visits)
    stats["reserve_ms"] = round(1000 * clock.reserve_s(visits))
    # The local search sets up over the whole day before it first looks at the clock (0.8 s
    # at 45 officers over 4,322 candidates, where it found nothing): that is kept for it,
    # or it is skipped.
    keep_s = polish_s(len(candidates) + 2 * len(problem.officers),
                      deadline - time.perf_counter(), _POLISH_SHARE, clock.contention())
    if keep_s is None:
        log.info("whole-day local search skipped: its setup would not fit its share")
        stats["polish_skipped"] = 1
    polish_at = deadline - (keep_s or 0.0)
    # Setting the improvement up costs time of its own (~1 s at 2,500 leads and 100
    # officers, 0.85 s at 45 over 4,322): when that does not fit, the search ends here and
    # its time goes to putting back, which ends by the clock, not by the search's deadline.
    why_not = improve_skip(len(candidates) + 2 * len(problem.officers),
                           polish_at - time.perf_counter(), clock.open_routes(visits),
                           clock.contention())
    if why_not is None:
        orders = improve(problem, candidates, found, polish_at, rng, params, stats)
    else:
        log.info("no improvement: %s", why_not)
        stats["improvement_skipped"] = 1
        orders = found
    # Processes that worked on the day: PyVRP's seeds or the improvement's chains.
    stats["workers"] = max(stats.get("workers", 1), stats.get("pyvrp_workers", 1))
    if keep_s is not None:
        orders, polished = polish(problem, candidates, orders, deadline)
        stats["polish_moves"] = stats.get("polish_moves", 0) + polished["polish_moves"]
    return orders

