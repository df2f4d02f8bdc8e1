"""Ruin and recreate over the whole day, each followed by the local search of
:mod:`routing.polish`: the improvement step that does not go through OR-Tools.

A step takes a random visit and the visits nearest to it (one to a fifth of the day's
visits, appointments and stops before a pinned position excepted), takes them out of
their routes, puts them and any other unvisited lead back where each pays most (in a
random order, so each step rebuilds differently), and runs the local search from the
routes it changed. The result is kept when the day's value does not fall (equal plans are
kept: moving along a plateau is how the search leaves it), else the day is restored. This
is the ruin-and-recreate loop of SISR/HGS-style solvers without their population; on days
of long routes, where an OR-Tools step of a few officers takes most of a second, it makes
many steps in the time of one. Every route it keeps has passed
:func:`routing.schedule.schedule_route`. No OR-Tools here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from routing.polish import _EPS_YUAN, _Routes
from routing.problem import Lead, RoutingProblem

__all__ = ["StepMix", "WholeDay"]

#: At most this share of the day's visits is ruined in a step.
_RUIN_SHARE = 0.2
#: Each kind of step gets at least this share of the time; the value a second of each is a
#: moving average with this weight on its last step (see :class:`StepMix`).
_MIN_SHARE = 0.2
_SMOOTHING = 0.2


class StepMix:
    """Which kind of improvement step comes next: ruin and recreate over the whole day, or
    an OR-Tools step of a few officers (:mod:`routing.lns`).

    Each kind gets at least ``_MIN_SHARE`` of the time; beyond that, the kind whose recent
    steps gained more value a second (OR-Tools on a tie). Measured at 3 s a run: on long
    routes an OR-Tools step takes most of a second and ruin and recreate makes many steps
    in that time; on prize-dense days of a hundred leads the OR-Tools steps find more.
    """

    def __init__(self) -> None:
        self.ils_s = self.lns_s = self.ils_rate = self.lns_rate = 0.0
        self.ils_steps = 0

    def ils_turn(self, blocked: bool) -> bool:
        """Whether the next step is ruin and recreate (never when ``blocked``)."""
        if blocked:
            return False
        spent = self.ils_s + self.lns_s
        if self.ils_s <= _MIN_SHARE * spent:
            return True
        if self.lns_s <= _MIN_SHARE * spent:
            return False
        return self.ils_rate > self.lns_rate

    def credit(self, ils: bool, spent_s: float, gain_yuan: float) -> None:
        """Count a step: its kind, the seconds it took and the value it gained."""
        rate = max(gain_yuan, 0.0) / max(spent_s, 1e-6)
        if ils:
            self.ils_steps += 1
            self.ils_s += spent_s
            self.ils_rate += _SMOOTHING * (rate - self.ils_rate)
        else:
            self.lns_s += spent_s
            self.lns_rate += _SMOOTHING * (rate - self.lns_rate)


class WholeDay:
    """The day as the ruin-and-recreate steps see it, kept in step with the caller's plan.

    Parameters
    ----------
    problem : RoutingProblem
    candidates : sequence of Lead
        Leads the steps may visit.
    orders : list of list of str
        Feasible visit orders, one per officer.
    """

    def __init__(self, problem: RoutingProblem, candidates: Sequence[Lead],
                 orders: list[list[str]]) -> None:
        self.day = _Routes(problem, candidates, orders)
        self.index = {ld.lead_id: i for i, ld in enumerate(candidates)}
        self.ids = [ld.lead_id for ld in candidates]
        self.descended = False

    def step(self, orders: list[list[str]], rng: np.random.Generator,
             late: Callable[[], bool]) -> list[list[str]]:
        """One ruin-and-recreate step with its local search from the (feasible) ``orders``;
        the orders it ends with, no worse than ``orders``."""
        self._sync(orders)
        self._step(rng, late)
        return [[self.ids[i] for i in seq] for seq in self.day.seqs]

    def _sync(self, orders: list[list[str]]) -> None:
        day = self.day
        changes = {v: [self.index[x] for x in seq] for v, seq in enumerate(orders)
                   if [self.ids[i] for i in day.seqs[v]] != seq}
        if changes:
            day.set_routes(changes)

    def _step(self, rng: np.random.Generator, late: Callable[[], bool]) -> bool:
        day = self.day
        n_veh = len(day.seqs)
        before = day.total()
        saved = [list(seq) for seq in day.seqs]
        moves = day.moves
        if not self.descended:  # the first step: the local search of the whole day
            self.descended = True
            day.descend(late, range(n_veh))
            return day.moves > moves
        movable = [(v, i) for v, seq in enumerate(day.seqs)
                   for k, i in enumerate(seq) if k >= day.frozen(v) and not day.pinned[i]]
        if not movable:
            return False
        anchor = movable[int(rng.integers(len(movable)))][1]
        k = int(rng.integers(1, max(2, int(_RUIN_SHARE * len(movable))) + 1))
        cols = np.array([i for _, i in movable], dtype=np.int64)
        close = day.dur[anchor, cols] + day.dur[cols, anchor]
        ruined = set(cols[np.argsort(close, kind="stable")[:k]].tolist())
        changed = {v: [i for i in seq if i not in ruined] for v, seq in enumerate(day.seqs)
                   if ruined.intersection(seq)}
        # Removing visits may break a route on a matrix without the triangle inequality.
        changed = {v: seq for v, seq in changed.items() if day.fits(v, seq)}
        day.set_routes(changed)
        self._recreate([i for i in rng.permutation(sorted(ruined)).tolist()
                        if not day.visited[i]], late)
        day.descend(late, set(changed) | day.touched)
        if day.total() >= before - _EPS_YUAN:
            return True
        day.set_routes(dict(enumerate(saved)))
        day.moves = moves
        return False

    def _recreate(self, leads: list[int], late: Callable[[], bool]) -> None:
        """Each of ``leads`` (in order) where it pays most, then the best of the rest; out of
        time, the rest stay out (the step is then judged, and undone, like any other)."""
        day = self.day
        n_veh = len(day.seqs)
        for i in leads:
            # One lead is tried on every route: 1 s for a ruin of 100 leads among 250
            # officers (a 1,000-customer VRPTW), which overran the limit checked per step.
            if late():
                return
            one = np.array([i], dtype=np.int64)
            best: tuple[float, int, int] | None = None
            for v in range(n_veh):
                if not day.allowed[v, i]:
                    continue
                det, pos = day.insertion(v, day.seqs[v], one, day.frozen(v))
                net = float(day.net(v, one, det)[0])
                if net > _EPS_YUAN and (best is None or net > best[0]):
                    best = (net, v, int(pos[0]))
            if best is not None:
                _, v, p = best
                seq = day.seqs[v]
                day.apply({v: [*seq[:p], i, *seq[p:]]})
        for v in range(n_veh):
            # Each route scans every unvisited lead: 4 s over 45 officers and 4,322 leads,
            # on a step limited to 0.7 s.
            if late():
                return
            day.insert_best(v, late)
