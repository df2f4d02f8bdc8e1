"""Large-neighbourhood search around OR-Tools: re-solve a few officers at a time.

A step takes a seed officer and the officers whose routes run nearest, the leads they
visit and the unvisited candidates closest to their routes, ruins a cluster of their
visits, and hands that small problem, warm-started, to an OR-Tools descent
(:class:`routing.model.Model`). Everything else stays fixed, so the step is kept when
those officers' value does not fall. Small problems are where OR-Tools' neighbourhoods
are strong; a whole large day is where it stalls.

Two ways to run it: :func:`improve` until a deadline (anytime, on both cores when a
worker process is worth starting, with the route-reduction phase and route closing of
:class:`_Neighbourhoods`, and with ruin-and-recreate steps over the whole day,
:mod:`routing.ils`, in the share of the time they earn), and :func:`improve_steps`, a
fixed number of steps in this process with no clock anywhere (reproducible plans).
Functions a worker process runs are module-level so that a ``forkserver`` worker finds
them by name.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from routing.ils import StepMix, WholeDay
from routing.model import Model, Search, day_matrix, route_drive_s, route_value, search_parameters
from routing.params import SolveParams
from routing.problem import Lead, RoutingProblem, end_node_id, start_node_id

__all__ = ["NO_CLOCK_S", "improve", "improve_steps"]

log = logging.getLogger(__name__)

#: A step re-solves a seed officer and the officers whose routes run nearest, at least the
#: minimum and until they hold the target number of visits (at most the maximum), with at
#: most :data:`_LNS_POOL` leads; its time limit is per lead (at least the minimum; a descent
#: usually ends sooner). Measured: two officers/100 leads beat three/150 and four/200 on
#: field days by 2-3 %; growing groups to 30 visits took Solomon R101 from 1.9 % to 0 %.
_LNS_MIN_VEHICLES = 2
_LNS_MAX_VEHICLES = 6
_LNS_GROUP_VISITS = 30
_LNS_POOL = 100
_LNS_STEP_S_PER_NODE = 0.003
_LNS_MIN_STEP_S = 0.3
#: A step is still started with this much time left (its limit cut to the time left): a
#: descent mostly ends within 15-90 ms, and stopping at the minimum above left up to
#: a tenth of a 3 s budget unused.
_LNS_LAST_STEP_S = 0.04
#: While some officers stay home, the first ``_ROUTE_PHASE`` of the anytime improvement
#: charges each officer who leaves home this many routes' average driving cost (see
#: ``_Neighbourhoods.phase``).
_ROUTE_COST_SHARE = 3.0
_ROUTE_PHASE = 0.5
#: On the same days, when this many steps in a row find nothing better, the lightest route
#: is closed, or reopened if one is; a closing that has not placed every visit within
#: ``_CLOSE_FOR`` of the time is undone, and none is tried after ``_CLOSE_BEFORE``. Each
#: step a visit waits for a place raises its prize by ``_BONUS_SHARE`` of the starting
#: plan's driving cost per visit (see ``_Neighbourhoods._close_routes``). Closings that
#: succeed mostly do so within a tenth of the time, so failing ones are cut there and tried
#: again sooner; none runs past the route phase, so the second half goes to driving time.
_STALL_STEPS = 50
_CLOSE_FOR = 0.1
_CLOSE_BEFORE = _ROUTE_PHASE
_BONUS_SHARE = 0.1
#: A ruin-and-recreate step takes at most this share of the improvement time.
_ILS_MAX_SHARE = 0.1
#: Time limit of the steps of a reproducible search: never reached by a descent in practice.
NO_CLOCK_S = 600.0
#: Below this much improvement time a worker process is not worth starting.
_PARALLEL_MIN_S = 4.0


@dataclass(frozen=True)
class _Step:
    """One neighbourhood to re-solve: officers (vehicle positions), leads, warm start."""

    group: tuple[int, ...]
    pool_ids: tuple[str, ...]
    initial: tuple[tuple[str, ...], ...]
    step_s: float
    #: Cost of each officer who leaves home, in yuan (the route-reduction phase), else 0.
    route_cost_yuan: float = 0.0
    #: The plan it was drawn from (a step from an abandoned plan is not accepted).
    epoch: int = 0
    #: Extra prize (yuan) of leads a closed route left without a place.
    bonus: tuple[tuple[str, float], ...] = ()
    #: The group's orders when the step was drawn (a step whose routes changed meanwhile,
    #: by a ruin-and-recreate step, is not accepted).
    drawn: tuple[tuple[str, ...], ...] = ()


#: The day a worker process re-solves neighbourhoods of (set once by its initializer).
_WORKER_PROBLEM: list[RoutingProblem] = []


def _worker_init(problem_bytes: bytes) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    _WORKER_PROBLEM[:] = [pickle.loads(problem_bytes)]


def _run_step(step: _Step, problem: RoutingProblem | None = None) -> list[list[str]] | None:
    """Re-solve one neighbourhood (in this process, or in a worker with its own copy)."""
    if problem is None:
        problem = _WORKER_PROBLEM[0]
    by_id = problem.lead_by_id
    pool = [by_id[x] for x in step.pool_ids]
    model = Model(problem, pool, step.group, dict(step.bonus), step.route_cost_yuan)
    return model.solve(search_parameters(min(len(pool), 150), step.step_s, Search.DESCENT),
                       step.initial)


class _Neighbourhoods:
    """The current plan during the improvement phase, and the neighbourhoods drawn from it."""

    def __init__(self, problem: RoutingProblem, candidates: Sequence[Lead],
                 orders: list[list[str]], rng: np.random.Generator) -> None:
        self.problem = problem
        self.rng = rng
        officers = problem.officers
        self.node_ids, self.dur = day_matrix(problem, candidates, officers)
        self.pos = {x: i for i, x in enumerate(self.node_ids)}
        self.n_leads = len(candidates)
        self.orders = orders
        self.values = [route_value(problem, v, orders[v], self.pos, self.dur)
                       for v in range(len(officers))]
        self.pinned_to = {ld.lead_id: ld.pinned_officer_id for ld in candidates
                          if ld.pinned_officer_id is not None}
        self.positioned = {ld.lead_id for ld in candidates if ld.pinned_position is not None}
        self.candidates = list(candidates)
        # Ruin-and-recreate steps over the whole day, mixed with the OR-Tools steps.
        self.whole: WholeDay | None = None
        self.mix = StepMix()
        self.steps = self.accepted = 0
        # Cost per officer leaving home while it is charged (see :meth:`phase`), in yuan:
        # scaled to the starting plan's average route, and only if someone stays home.
        self.route_cost_yuan = 0.0
        used = [v for v, seq in enumerate(orders) if seq]
        self._leave_home_yuan = self._bonus_step = 0.0
        if used and len(used) < len(orders):
            drive_yuan = sum(route_drive_s(problem, v, orders[v], self.pos, self.dur)
                             for v in used) * problem.rules.drive_cost_yuan_per_h / 3600.0
            self._leave_home_yuan = _ROUTE_COST_SHARE * drive_yuan / len(used)
            self._bonus_step = _BONUS_SHARE * drive_yuan / sum(len(seq) for seq in orders)
        # Route closing (see :meth:`_close_routes`): officers kept home, the visits the
        # plan must place again, the plan to restore if it cannot, raised prizes.
        self.since_improved = 0
        self.closed: frozenset[int] = frozenset()
        self.epoch = 0
        self._may_close = self._leave_home_yuan > 0
        self._needed: set[str] = set()
        self._closed_at = 0.0
        self._before_closing: tuple[list[list[str]], list[float]] = ([], [])
        self._tried: set[frozenset[str]] = set()
        self.bonus: dict[str, float] = {}
        # Closings tried, ended with every visit placed, and undone (the plan's meta).
        self.closings = self.routes_closed = self.closings_undone = 0
        kept = sum(1 for x in self.pinned_to if any(x in seq for seq in orders))
        self.best: tuple[int, float, list[list[str]]] = (
            kept, self.value, [list(seq) for seq in orders])

    @property
    def value(self) -> float:
        return sum(self.values)

    def phase(self, progress: float) -> None:
        """Set the objective of the steps for ``progress`` (0 → 1) through the anytime search.

        A descent that keeps only improvements settles in the first local optimum it
        reaches. On tight-window days where some officers stay home, that is a plan with a
        route or two too many: emptying a route takes moves that each cost a little
        driving, and no step of a few officers makes them all at once. So for the first
        ``_ROUTE_PHASE`` of the time each officer who leaves home costs
        ``_ROUTE_COST_SHARE`` routes' average driving cost (of the starting plan), charged
        by the OR-Tools steps and by acceptance. Officers earn nothing by staying home:
        the rest of the search, and the best plan kept aside, are judged on value alone.
        Measured on Solomon RC101 at 30 s: 17 routes and a 2.2 % gap before, 15-16 routes
        and 0.7-1.9 % after (runs vary). On days where every officer is out it changes
        nothing. On the same days, a stalled search also tries closing a route
        (:meth:`_close_routes`).
        """
        self.route_cost_yuan = self._leave_home_yuan if progress < _ROUTE_PHASE else 0.0
        if self._may_close:
            self._close_routes(progress)

    def _close_routes(self, progress: float) -> None:
        """Try the day with one officer fewer when the search stalls.

        Emptying a route takes a chain of moves across many routes that a step of a few
        officers does not make, and the route cost of :meth:`phase` alone does not get there
        on every day (Solomon RC103 stays at 12 routes and 1300, 3.4 % above the best known
        11-route plan, whatever the start). So when ``_STALL_STEPS`` steps in a row find
        nothing better, the lightest route without an appointment is closed: its officer
        stays home, as do the others already at home, and its visits wait among the
        unvisited leads. Each step a visit waits raises its prize (an ejection-pool
        penalty), so a step may place it by leaving out an easier visit, which then waits
        in turn. When every visit has a place, the plan has a route fewer and the
        officers at home stay there until the next stall reopens them all; a closing not
        done within ``_CLOSE_FOR`` of the time is undone (the plan before it comes back,
        and steps drawn meanwhile are refused). A visit placed during a closing keeps its
        raised prize until the closing ends (the ejection pool's memory). The raised
        prizes steer steps only; the best plan kept aside is judged on value alone.
        Closing also shakes a plan out of its local optimum: a route closed and reopened
        leaves the plan rearranged. Measured on Solomon RC1 at 30 s, seeds 0 and 1: mean
        gap 0.83 % and 0.78 %, against 1.68 % and 0.82 % with the first version (no memory,
        closings of up to 0.3 of the time until 90 % of it). Without closing, RC103 stayed
        at 12 routes and 3.3-3.4 % in every run.
        """
        if self._needed:  # a closing in progress: its visits still without a place
            waiting = self._needed - {x for seq in self.orders for x in seq}
            if not waiting:
                log.info("closed a route: %d officers out",
                         sum(1 for seq in self.orders if seq))
                self.routes_closed += 1
                self._needed = set()
                self.bonus = {}
            else:
                # A visit placed keeps its raised prize until the closing ends, so the
                # visit it displaced cannot push it back out as cheaply. Without this
                # memory, failed closings mostly ended with one visit left, as if two
                # visits took turns at one place. Solomon RC1 at 30 s, seeds 0-3: mean
                # 0.92 % (0.75-1.08); seeds 0-1 without it: 1.68 % and 0.82 %.
                for x in waiting:
                    self.bonus[x] = self.bonus.get(x, 0.0) + self._bonus_step
        if progress >= _CLOSE_BEFORE:
            self._reopen()
            self._may_close = False
        elif self._needed and progress - self._closed_at > _CLOSE_FOR:
            self._reopen()
        elif self.since_improved >= _STALL_STEPS:
            self.since_improved = 0
            if self.closed:
                self._reopen()
            else:
                self._close(progress)

    def _reopen(self) -> None:
        if self._needed:
            log.info("closing a route undone: %d visits found no place",
                     len(self._needed - {x for seq in self.orders for x in seq}))
            self.orders, self.values = self._before_closing
            self.closings_undone += 1
            self._needed = set()
            self.bonus = {}
            self.epoch += 1
        self.closed = frozenset()

    def _close(self, progress: float) -> None:
        pinned = set(self.pinned_to)
        out = [v for v, seq in enumerate(self.orders) if seq]
        closable = [v for v in out if not pinned & set(self.orders[v])
                    and frozenset(self.orders[v]) not in self._tried]
        if len(out) < 2 or not closable:
            return
        v = min(closable, key=lambda w: (len(self.orders[w]), -self.values[w]))
        # A route once closed is not closed again as it was (it may be the one that must stay).
        self._tried.add(frozenset(self.orders[v]))
        self._before_closing = ([list(seq) for seq in self.orders], list(self.values))
        self._needed = {x for seq in self.orders for x in seq}
        self._closed_at = progress
        self.closings += 1
        self.orders[v], self.values[v] = [], 0.0
        self.closed = frozenset(w for w, seq in enumerate(self.orders) if not seq)

    def propose(self, step_s_per_node: float, max_step_s: float,
                busy: Sequence[int] = (), reserved: frozenset[str] = frozenset()) -> _Step | None:
        """A neighbourhood of officers not in ``busy``, leads not in ``reserved``."""
        officers = self.problem.officers
        n_veh = len(officers)
        orders, pos, dur, node_ids = self.orders, self.pos, self.dur, self.node_ids
        idle = [v for v in range(n_veh) if v not in busy and v not in self.closed]
        if not idle:
            return None
        seed_v = idle[int(self.rng.integers(len(idle)))]
        group = [seed_v]

        def nodes(v: int) -> np.ndarray:
            return np.array([pos[start_node_id(officers[v].officer_id)],
                             *(pos[x] for x in orders[v])])

        a = nodes(seed_v)
        near = sorted((float(dur[np.ix_(a, nodes(w))].min(axis=1).mean()), w)
                      for w in idle if w != seed_v)
        # Neighbours join until the group holds enough visits to rearrange: two officers
        # on full field days, several on short routes (a VRPTW's many small routes). One
        # idle officer at most: room to split a route, not a crowd of empty days.
        visits = len(orders[seed_v])
        idle_taken = not orders[seed_v]
        for _, w in near:
            if len(group) >= _LNS_MAX_VEHICLES or (
                    len(group) >= _LNS_MIN_VEHICLES and visits >= _LNS_GROUP_VISITS):
                break
            if not orders[w]:
                if idle_taken:
                    continue
                idle_taken = True
            group.append(w)
            visits += len(orders[w])
        group_set = set(group)
        own = [x for w in group for x in orders[w]]
        taken = {x for w in range(n_veh) if w not in group_set for x in orders[w]}
        taken |= set(own) | reserved
        group_nodes = np.array([pos[start_node_id(officers[w].officer_id)] for w in group]
                               + [pos[end_node_id(officers[w].officer_id)] for w in group]
                               + [pos[x] for x in own])
        free = np.array([i for i in range(self.n_leads) if node_ids[i] not in taken],
                        dtype=np.int64)
        room = max(_LNS_POOL - len(own), _LNS_POOL // 4)
        if len(free) > room:
            closeness = dur[np.ix_(group_nodes, free)].min(axis=0)
            free = free[np.argsort(closeness, kind="stable")[:room]]
        pool_ids = set(own) | {node_ids[i] for i in free}
        group_officers = {officers[w].officer_id for w in group}
        pool_ids |= {x for x, oid in self.pinned_to.items()
                     if oid in group_officers and x not in taken}
        initial = [list(orders[w]) for w in group]
        if own:
            # Ruin a cluster of visits so the search rebuilds that part of the day.
            anchor = own[int(self.rng.integers(len(own)))]
            # Up to half of the visits: measured against a third, it cut the TOP p4.2 gap
            # on its hardest instances from 3.6 % to 2.5 % and helped the field days too.
            k = int(self.rng.integers(1, max(2, len(own) // 2) + 1))
            own_idx = np.array([pos[x] for x in own])
            closest = own_idx[np.argsort(dur[pos[anchor], own_idx], kind="stable")[:k]]
            ruined = {node_ids[i] for i in closest} - set(self.pinned_to) - self._frozen(group)
            initial = [[x for x in seq if x not in ruined] for seq in initial]
        ordered_pool = tuple(x for x in node_ids[:self.n_leads] if x in pool_ids)
        step_s = min(max_step_s, max(_LNS_MIN_STEP_S, step_s_per_node * len(ordered_pool)))
        bonus = tuple((x, b) for x, b in self.bonus.items() if x in pool_ids)
        return _Step(tuple(group), ordered_pool, tuple(tuple(seq) for seq in initial), step_s,
                     self.route_cost_yuan, self.epoch, bonus,
                     tuple(tuple(orders[w]) for w in group))

    def ils_step(self, deadline: float) -> None:
        """One ruin-and-recreate step over the whole day (see :class:`routing.ils.StepMix`),
        until ``deadline`` at most."""
        t0 = time.perf_counter()
        before = self.value
        if self.whole is None:
            self.whole = WholeDay(self.problem, self.candidates, self.orders)
        orders = self.whole.step(self.orders, self.rng, lambda: time.perf_counter() >= deadline)
        used = sum(1 for seq in orders if seq) > sum(1 for seq in self.orders if seq)
        if not (used and self.route_cost_yuan > 0):  # no new route while routes are charged
            for v, seq in enumerate(orders):
                if seq != self.orders[v]:
                    self.orders[v] = seq
                    self.values[v] = route_value(self.problem, v, seq, self.pos, self.dur)
        gain = self.value - before
        self.since_improved = 0 if gain > 1e-6 else self.since_improved + 1
        self.mix.credit(True, time.perf_counter() - t0, gain)
        kept = sum(1 for x in self.pinned_to if any(x in seq for seq in self.orders))
        if (kept, self.value) > (self.best[0], self.best[1] + 1e-9):
            self.best = (kept, self.value, [list(seq) for seq in self.orders])

    def lns_step(self, step: _Step, problem: RoutingProblem) -> None:
        """Run and judge one OR-Tools step in this process."""
        t0 = time.perf_counter()
        before = self.value
        self.accept(step, _run_step(step, problem))
        self.mix.credit(False, time.perf_counter() - t0, self.value - before)

    def _frozen(self, group: Sequence[int]) -> set[str]:
        """Visits before an appointment with a pinned position in ``group``'s routes (they
        keep its index, so the warm start of a step stays feasible)."""
        out: set[str] = set()
        for w in group:
            seq = self.orders[w]
            last = max((k for k, x in enumerate(seq) if x in self.positioned), default=0)
            out.update(seq[:last])
        return out

    def accept(self, step: _Step, result: list[list[str]] | None) -> None:
        """Keep ``result`` for the step's officers if they lose no appointments and no value
        (net of the route-reduction phase's cost per officer leaving home, see :meth:`phase`,
        and counting the raised prizes of visits waiting for a place, see
        :meth:`_close_routes`)."""
        self.steps += 1
        if result is None:
            return
        group = step.group
        if step.epoch != self.epoch or self.closed.intersection(group) or any(
                tuple(self.orders[w]) != seq for w, seq in zip(group, step.drawn, strict=True)):
            return  # drawn from a plan since changed or abandoned, or before a route closed
        others = {x for w, seq in enumerate(self.orders) if w not in group for x in seq}
        if any(x in others for seq in result for x in seq):  # placed elsewhere meanwhile
            return
        officers = self.problem.officers
        new_values = [route_value(self.problem, w, seq, self.pos, self.dur)
                      for w, seq in zip(group, result, strict=True)]
        mine = {officers[w].officer_id for w in group}
        pins = [x for x, oid in self.pinned_to.items() if oid in mine]
        kept_before = sum(1 for x in pins if any(x in self.orders[w] for w in group))
        kept_after = sum(1 for x in pins if any(x in seq for seq in result))
        charge = self.route_cost_yuan
        bonus = self.bonus
        before = sum(self.values[w] + sum(bonus.get(x, 0.0) for x in self.orders[w])
                     for w in group) - charge * sum(1 for w in group if self.orders[w])
        after = sum(new_values) + sum(bonus.get(x, 0.0) for seq in result for x in seq) - (
            charge * sum(1 for seq in result if seq))
        self.since_improved = (0 if (kept_after, after) > (kept_before, before + 1e-6)
                               else self.since_improved + 1)
        if (kept_after, after) >= (kept_before, before - 1e-9):
            self.accepted += 1
            for w, seq, val in zip(group, result, new_values, strict=True):
                self.orders[w], self.values[w] = seq, val
            kept = sum(1 for x in self.pinned_to if any(x in seq for seq in self.orders))
            if (kept, self.value) > (self.best[0], self.best[1] + 1e-9):
                self.best = (kept, self.value, [list(seq) for seq in self.orders])


def _run_chain(candidate_ids: Sequence[str], orders: list[list[str]], deadline_epoch_s: float,
               seed: int) -> tuple[int, float, list[list[str]], int]:
    """A worker's own improvement chain over the whole day (small fleets); its best plan.

    The deadline is wall-clock time (``time.time()``): the worker started later than the
    caller, and both must stop together.
    """
    problem = _WORKER_PROBLEM[0]
    by_id = problem.lead_by_id
    hood = _Neighbourhoods(problem, [by_id[x] for x in candidate_ids], orders,
                           np.random.default_rng(seed))
    _chain(hood, problem, time.perf_counter() + (deadline_epoch_s - time.time()))
    kept, value, best = hood.best
    return kept, value, best, hood.steps


def _worker_failed(exc: BaseException) -> None:
    # A worker that cannot start (an unimportable __main__, no /dev/shm, a killed process)
    # costs the second core, never the plan.
    log.warning("routing worker process failed (%s: %s); continuing in this process",
                type(exc).__name__, exc)


def _chain(hood: _Neighbourhoods, problem: RoutingProblem, deadline: float,
           executor: ProcessPoolExecutor | None = None) -> bool:
    """Improvement steps until ``deadline``; with ``executor``, disjoint steps in a worker.

    Returns whether the worker was used to the end (False if it failed).
    """
    pending: tuple[Future[list[list[str]] | None], _Step] | None = None
    total_s = max(deadline - time.perf_counter(), 1e-9)

    def collect() -> None:
        nonlocal pending, executor
        assert pending is not None
        try:
            hood.accept(pending[1], pending[0].result())
        except Exception as exc:  # any worker failure falls back to this process
            _worker_failed(exc)
            executor = None
        pending = None

    while True:
        left = deadline - time.perf_counter()
        hood.phase(1.0 - left / total_s)
        if executor is not None and pending is None and left >= 2 * _LNS_MIN_STEP_S:
            step = hood.propose(_LNS_STEP_S_PER_NODE, left - _LNS_MIN_STEP_S)
            if step is not None:
                try:
                    pending = (executor.submit(_run_step, step), step)
                except Exception as exc:
                    _worker_failed(exc)
                    executor = None
        if left < _LNS_LAST_STEP_S:
            break
        busy: Sequence[int] = pending[1].group if pending else ()
        reserved = frozenset(pending[1].pool_ids) if pending else frozenset()
        ran = True
        if hood.mix.ils_turn(bool(hood.closed or hood._needed or problem.reference_routes)):
            hood.ils_step(min(deadline, time.perf_counter() + _ILS_MAX_SHARE * total_s))
        else:
            step = hood.propose(_LNS_STEP_S_PER_NODE, left, busy, reserved)
            ran = step is not None
            if step is not None:
                hood.lns_step(step, problem)
        if pending is not None and (pending[0].done() or not ran):
            collect()
    if pending is not None:
        collect()
    return executor is not None


def improve(problem: RoutingProblem, candidates: Sequence[Lead], orders: list[list[str]],
             deadline: float, rng: np.random.Generator, params: SolveParams,
             stats: dict[str, int]) -> list[list[str]]:
    """Improve ``orders`` until ``deadline`` (``time.perf_counter()``), on both cores if it pays.

    Both cores: with enough officers for two disjoint neighbourhoods, a worker process
    re-solves one while this process re-solves another; with fewer, the worker runs its
    own chain from the same start with another seed and the better plan is kept. A
    worker that fails costs the second core, never the plan.

    Parameters
    ----------
    problem : RoutingProblem
    candidates : sequence of Lead
        Leads the steps may visit.
    orders : list of list of str
        Starting visit orders, one per officer (feasible).
    deadline : float
        When to stop, on the ``time.perf_counter()`` clock.
    rng : numpy.random.Generator
        Source of the steps' random choices.
    params : SolveParams
        ``workers`` and ``seed`` (the second chain's seed is ``seed + 1``).
    stats : dict
        Receives the counts of steps, accepted steps and closings, and the workers used.

    Returns
    -------
    list of list of str
        The best visit orders found (appointments kept first, then value), one per officer.
    """
    hood = _Neighbourhoods(problem, candidates, orders, rng)
    log.info("improvement from %.1f", hood.value)
    n_veh = len(problem.officers)
    executor = None
    if params.workers > 1 and deadline - time.perf_counter() >= _PARALLEL_MIN_S:
        executor = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("forkserver"),
            initializer=_worker_init, initargs=(pickle.dumps(problem),))
    steps_elsewhere = 0
    used_worker = False
    try:
        if executor is None or n_veh >= 2 * _LNS_MIN_VEHICLES:
            used_worker = _chain(hood, problem, deadline, executor)
        else:
            try:
                other: Future[tuple[int, float, list[list[str]], int]] | None = executor.submit(
                    _run_chain, [ld.lead_id for ld in candidates], [list(x) for x in orders],
                    time.time() + (deadline - time.perf_counter()), params.seed + 1)
            except Exception as exc:
                _worker_failed(exc)
                other = None
            _chain(hood, problem, deadline)
            if other is not None:
                try:
                    kept, value, best, steps_elsewhere = other.result()
                    used_worker = True
                    if (kept, value) > hood.best[:2]:
                        hood.best = (kept, value, best)
                except Exception as exc:
                    _worker_failed(exc)
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
    log.info("improvement: %d steps, %d accepted, value %.1f", hood.steps, hood.accepted,
             hood.best[1])
    stats.update(_stats(hood), improvement_steps=hood.steps + steps_elsewhere,
                 workers=2 if used_worker else 1)
    return hood.best[2]


def improve_steps(problem: RoutingProblem, candidates: Sequence[Lead], orders: list[list[str]],
                  steps: int, rng: np.random.Generator, stats: dict[str, int]
                  ) -> list[list[str]]:
    """Exactly ``steps`` improvement steps in this process, with no clock anywhere.

    Each step ends at a local optimum, so the same inputs give the same plan on any
    machine. There is no anytime schedule here: no route-reduction phase, no closing.

    Parameters
    ----------
    problem : RoutingProblem
    candidates : sequence of Lead
        Leads the steps may visit.
    orders : list of list of str
        Starting visit orders, one per officer (feasible).
    steps : int
        Improvement steps to make.
    rng : numpy.random.Generator
        Source of the steps' random choices.
    stats : dict
        Receives the counts of steps, accepted steps and closings, and ``workers`` (1).

    Returns
    -------
    list of list of str
        The best visit orders found, one per officer.
    """
    hood = _Neighbourhoods(problem, candidates, orders, rng)
    for _ in range(steps):
        step = hood.propose(NO_CLOCK_S, NO_CLOCK_S)
        if step is not None:
            hood.accept(step, _run_step(step, problem))
    stats.update(_stats(hood), workers=1)
    return hood.best[2]


def _stats(hood: _Neighbourhoods) -> dict[str, int]:
    return {"improvement_steps": hood.steps, "improvement_accepted": hood.accepted,
            "closings": hood.closings, "routes_closed": hood.routes_closed,
            "closings_undone": hood.closings_undone, "ils_steps": hood.mix.ils_steps}
