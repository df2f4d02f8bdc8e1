"""Local search over the whole day after the OR-Tools search: which leads, which officer,
which order.

The large-neighbourhood search (:mod:`routing.lns`) re-solves a few neighbouring officers
at a time; what it does not see are single moves across the whole day. This pass makes
them, each judged exactly (prize, driving cost, soft penalties, and the route's timeline):

* selection moves of team orienteering: insert an unvisited lead, remove a visited one
  whose detour costs more than it brings, swap a visited lead for an unvisited one in the
  same route, and move a visited lead to another officer while an unvisited one takes its
  place (or nothing does: a plain relocation when it shortens the day);
* route improvement: 2-opt (reverse a stretch of visits) and or-opt (move one to three
  consecutive visits elsewhere in the route, possibly reversed);
* route removal: an officer's visits all moved to the others' routes when that drives
  less (long routes with wide windows, where the search kept a route too many).

Moves are screened with each route's earliest departures and latest starts (a relaxation:
it ignores lunch and the gaps between a lead's windows, so it never rejects a feasible
move) and every move is confirmed by :func:`routing.schedule.schedule_route` before it is
made, so every route stays feasible under the checker's rules. Hard skills and locality,
appointments (a pinned visit never leaves its officer; a position pin freezes the route up
to that stop) and caps are kept. The pass is deterministic: no randomness, and without a
deadline it runs to a local optimum. It needs no OR-Tools (see :mod:`routing.model`).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from geo.types import UNREACHABLE
from routing.model import day_matrix
from routing.problem import Lead, RoutingProblem
from routing.reasons import rule_matrices
from routing.schedule import earliest_start, schedule_route

__all__ = ["polish"]

log = logging.getLogger(__name__)

#: Smallest gain (yuan) that counts as an improvement: below rounding of the driving cost.
_EPS_YUAN = 1e-9
#: Route-improvement candidates (by driving saved) checked against the timeline per route.
_INTRA_CHECKS = 60
#: Longest stretch of visits or-opt moves.
_OR_OPT_MAX = 3
#: Swaps consider the unvisited leads among this many nearest of each visit (when there are
#: many more unvisited leads): the granular neighbourhoods of HGS-style solvers.
_NEAR = 30
#: Gain given to an appointment left out, so that putting it back comes first.
_PIN_GAIN_YUAN = 1e9


class _Rows:
    """Rows of the driving matrix as Python lists (fast scalar reads), made when first read:
    a day of thousands of leads reads the rows of its visits, not all of them."""

    def __init__(self, dur: np.ndarray) -> None:
        self.dur = dur
        self.rows: dict[int, list[int]] = {}

    def __getitem__(self, a: int) -> list[int]:
        row = self.rows.get(a)
        if row is None:
            row = self.rows[a] = self.dur[a].tolist()
        return row


class _Routes:
    """The day's routes as candidate indices, with what the screens need."""

    def __init__(self, problem: RoutingProblem, candidates: Sequence[Lead],
                 orders: Sequence[Sequence[str]]) -> None:
        self.problem = problem
        self.leads = list(candidates)
        officers = problem.officers
        self.n = n = len(candidates)
        _, dur = day_matrix(problem, candidates, officers)
        self.dur = dur
        self.dl = _Rows(dur)
        index = {ld.lead_id: i for i, ld in enumerate(candidates)}
        self.service = np.array([ld.service_s for ld in candidates], dtype=np.int64)
        self.early = np.array([ld.windows[0].start_s if ld.windows else 0 for ld in candidates],
                              dtype=np.int64)
        self.late = np.array([ld.windows[-1].end_s if ld.windows else 10**9
                              for ld in candidates], dtype=np.int64)
        self.load = np.array([ld.load for ld in candidates], dtype=np.int64)
        self.per_s = problem.rules.drive_cost_yuan_per_h / 3600.0
        self.pinned = np.array([ld.pinned_officer_id is not None for ld in candidates])
        self.any_position = any(ld.pinned_position is not None for ld in candidates)
        self._timed: dict[int, tuple[list[int], tuple[np.ndarray, np.ndarray]]] = {}
        self.gain = np.zeros((len(officers), n))
        self.allowed = np.zeros((len(officers), n), dtype=bool)
        pen = problem.rules.soft_penalty_yuan
        # Judged once per pair of kinds (a test per officer and lead took 0.8 s on a
        # 2,500-lead day of 100 officers).
        rules = rule_matrices(problem)
        cols = rules.columns(candidates)
        value = np.array([ld.value_yuan for ld in candidates], dtype=float)
        self.allowed[:] = rules.allowed_with_pins(problem, candidates)
        self.gain[:] = value[None, :] - pen * rules.mismatch[:, cols]
        for i, ld in enumerate(candidates):
            if ld.pinned_officer_id is not None:
                self.gain[:, i] = ld.value_yuan + _PIN_GAIN_YUAN
        lead_dur = dur[:n, :n] + dur[:n, :n].T
        k_near = min(_NEAR, n - 1)
        self.near = (np.argpartition(lead_dur, k_near, axis=1)[:, :k_near + 1] if n > 1
                     else np.zeros((n, 1), dtype=np.int64))
        self.seqs = [[index[x] for x in order] for order in orders]
        self.visited = np.zeros(n, dtype=bool)
        for seq in self.seqs:
            self.visited[seq] = True
        self.moves = 0
        self.gain_yuan = 0.0
        self.touched: set[int] = set()
        self.freed = False

    # ------------------------------------------------------------------ routes

    def rows(self, v: int, seq: Sequence[int]) -> list[int]:
        return [self.n + 2 * v, *seq, self.n + 2 * v + 1]

    def frozen(self, v: int) -> int:
        """Stops before this index stay as they are (a position pin among them)."""
        if not self.any_position:
            return 0
        seq = self.seqs[v]
        last = -1
        for k, i in enumerate(seq):
            if self.leads[i].pinned_position is not None:
                last = k
        return last + 1

    def drive(self, v: int, seq: Sequence[int]) -> int:
        if not seq:
            return 0  # a day at home drives nothing, as schedule_route counts it
        r = self.rows(v, seq)
        dl = self.dl
        return sum(dl[a][b] for a, b in itertools.pairwise(r))

    def timing(self, v: int, seq: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Earliest departure from each node but the end, latest start (arrival at the end)
        at each node but the start: exact without lunch and with one window a lead."""
        cached = self._timed.get(v)
        if cached is not None and cached[0] == seq:
            return cached[1]
        out = self._timing(v, seq)
        if seq == self.seqs[v]:
            self._timed[v] = (list(seq), out)
        return out

    def _timing(self, v: int, seq: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        o = self.problem.officers[v]
        r = self.rows(v, seq)
        dl, leads = self.dl, self.leads
        dep = [o.shift.start_s]
        t = o.shift.start_s
        for k, i in enumerate(seq):
            st = earliest_start(t + dl[r[k]][i], leads[i].windows)
            t = (st if st is not None else t + dl[r[k]][i]) + leads[i].service_s
            dep.append(t)
        m = len(seq)
        latest = [0] * (m + 1)
        latest[m] = o.shift.end_s
        for k in range(m - 1, -1, -1):
            i = seq[k]
            latest[k] = min(int(self.late[i]),
                            latest[k + 1] - leads[i].service_s - dl[i][r[k + 2]])
        return np.array(dep, dtype=np.int64), np.array(latest, dtype=np.int64)

    def fits(self, v: int, seq: list[int]) -> bool:
        """Exact: the timeline of ``seq`` for officer ``v`` (fast path without lunch)."""
        o = self.problem.officers[v]
        if o.max_visits is not None and len(seq) > o.max_visits:
            return False
        if o.capacity is not None and int(self.load[seq].sum()) > o.capacity:
            return False
        if o.lunch is None:
            r = self.rows(v, seq)
            dl, leads = self.dl, self.leads
            t = o.shift.start_s
            for k, i in enumerate(seq):
                leg = dl[r[k]][i]
                if leg >= UNREACHABLE:
                    return False
                st = earliest_start(t + leg, leads[i].windows)
                if st is None:
                    return False
                t = st + leads[i].service_s
            if dl[r[-2]][r[-1]] >= UNREACHABLE or t + dl[r[-2]][r[-1]] > o.shift.end_s:
                return False
        return schedule_route(o, [self.leads[i] for i in seq], self.problem.matrix) is not None

    def value(self, v: int, seq: Sequence[int]) -> float:
        return float(self.gain[v, list(seq)].sum()) - self.per_s * self.drive(v, seq)

    def insertion(self, v: int, seq: Sequence[int], cols: np.ndarray, first: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Cheapest screened detour (s, inf if none) of each lead of ``cols`` into ``seq``
        at a position at or after ``first``, and that position."""
        o = self.problem.officers[v]
        dep, latest = self.timing(v, seq)
        r = np.array(self.rows(v, seq))
        a, b = r[:-1], r[1:]
        dur = self.dur
        to = dur[np.ix_(a, cols)]
        back = dur[np.ix_(cols, b)].T
        detour = (to + back - dur[a, b][:, None]).astype(float)
        start = np.maximum(dep[:, None] + to, self.early[cols][None, :])
        ok = (start <= self.late[cols][None, :]) & (to < UNREACHABLE) & (back < UNREACHABLE)
        ok &= start + self.service[cols][None, :] + back <= latest[:, None]
        ok[:first] = False
        if o.max_drive_s is not None:
            ok &= self.drive(v, seq) + detour <= o.max_drive_s
        if o.max_visits is not None and len(seq) >= o.max_visits:
            ok[:] = False
        if o.capacity is not None:
            ok &= (int(self.load[list(seq)].sum()) + self.load[cols] <= o.capacity)[None, :]
        cost = np.where(ok, detour, np.inf)
        pos = cost.argmin(axis=0)
        return cost[pos, np.arange(len(cols))], pos

    def removal_saving(self, v: int, seq: Sequence[int], k: int) -> int:
        r = self.rows(v, seq)
        dl = self.dl
        return dl[r[k]][r[k + 1]] + dl[r[k + 1]][r[k + 2]] - dl[r[k]][r[k + 2]]

    def apply(self, changes: dict[int, list[int]]) -> bool:
        """Make the move if it gains value and every changed route is feasible; whether it
        was made.

        The moves screen by detour formulas measured from a route's start-to-end arc, which
        an officer who stays home does not drive when start and end differ (home, branch);
        the move is judged on the routes' values, so the search only climbs and ends (the
        formula's gain made route removal and a relocation back undo each other forever).
        """
        gain_yuan = sum(self.value(v, seq) - self.value(v, self.seqs[v])
                        for v, seq in changes.items())
        if gain_yuan <= _EPS_YUAN:
            return False
        if not all(self.fits(v, seq) for v, seq in changes.items()):
            return False
        self.set_routes(changes)
        self.moves += 1
        self.gain_yuan += gain_yuan
        return True

    def set_routes(self, changes: dict[int, list[int]]) -> None:
        """Take the (feasible) orders of ``changes``; note the routes touched and whether a
        lead left the plan (every route may then take it)."""
        before = {i for v in changes for i in self.seqs[v]}
        for v, seq in changes.items():
            self.visited[self.seqs[v]] = False
            self.seqs[v] = seq
        for v in changes:
            self.visited[self.seqs[v]] = True
        self.touched.update(changes)
        self.freed |= bool(before - {i for seq in changes.values() for i in seq})

    def total(self) -> float:
        """The plan's value in yuan (appointments counted far above any prize)."""
        return sum(self.value(v, seq) for v, seq in enumerate(self.seqs))

    def descend(self, late: Callable[[], bool], dirty: Iterable[int]) -> None:
        """Moves until none pays or ``late()``: each route in ``dirty`` (and every route a move
        changes) is tried alone and against every other route; then route removal."""
        n_veh = len(self.seqs)
        todo = set(dirty)
        while not late():
            if not todo:
                if not any(self.remove_route(v) for v in
                           sorted(range(n_veh), key=lambda w: len(self.seqs[w]))):
                    return
                todo = set(range(n_veh))
            v = min(todo)
            todo.discard(v)
            self.touched, self.freed = set(), False
            # Insertion and reordering repeat while a move pays, each a scan of the route
            # (insertion: against every unvisited lead): on an uncapped day a route took
            # dozens of leads in one call and the search ran ~0.6 s past its deadline.
            self.improve_order(v, late)
            self.remove_unprofitable(v)
            self.insert_best(v, late)
            while not late() and self.swap_and_relocate(v):
                pass
            for w in range(n_veh):
                if w != v and not late():
                    self.exchange(min(v, w), max(v, w))
            todo |= set(range(n_veh)) if self.freed else self.touched

    def net(self, v: int, cols: np.ndarray, detour_s: np.ndarray) -> np.ndarray:
        """Yuan each lead of ``cols`` brings to route ``v`` for its detour (-inf: no room)."""
        finite = np.isfinite(detour_s)
        return np.where(finite, self.gain[v, cols] - self.per_s * np.where(finite, detour_s, 0),
                        -np.inf)

    def unvisited(self, v: int) -> np.ndarray:
        return np.flatnonzero(~self.visited & self.allowed[v])

    # ------------------------------------------------------------------ selection moves

    def insert_best(self, v: int, late: Callable[[], bool] = lambda: False) -> bool:
        """Insert unvisited leads into route ``v`` while one pays and not ``late()``."""
        improved = False
        refused: set[int] = set()
        while not late():
            cols = np.array([i for i in self.unvisited(v) if i not in refused], dtype=np.int64)
            if len(cols) == 0:
                return improved
            seq = self.seqs[v]
            det, pos = self.insertion(v, seq, cols, self.frozen(v))
            net = self.net(v, cols, det)
            j = int(np.argmax(net))
            if not net[j] > _EPS_YUAN:
                return improved
            i, p = int(cols[j]), int(pos[j])
            if self.apply({v: [*seq[:p], i, *seq[p:]]}):
                improved = True
            else:
                refused.add(i)
        return improved

    def remove_unprofitable(self, v: int) -> bool:
        """Leave out a visit whose detour costs more than it brings."""
        improved = False
        k = self.frozen(v)
        while k < len(self.seqs[v]):
            seq = self.seqs[v]
            i = seq[k]
            loss = self.gain[v, i] - self.per_s * self.removal_saving(v, seq, k)
            if not self.pinned[i] and loss < -_EPS_YUAN and self.apply(
                    {v: seq[:k] + seq[k + 1:]}):
                improved = True
                continue
            k += 1
        return improved

    def swap_and_relocate(self, v: int) -> bool:
        """Best move of one visit out of route ``v``: swapped for an unvisited lead, or moved
        to another officer (with an unvisited lead taking its place, or none)."""
        seq = self.seqs[v]
        first = self.frozen(v)
        n_veh = len(self.seqs)
        best: tuple[float, dict[int, list[int]]] | None = None
        free = self.unvisited(v)
        if len(free) > 2 * _NEAR and seq:
            # Granular: only unvisited leads among the nearest of the route's visits.
            free = np.intersect1d(free, self.near[seq].ravel())
        ks = [k for k in range(first, len(seq)) if not self.pinned[seq[k]]]
        if not ks:
            return False
        cols = np.array([seq[k] for k in ks], dtype=np.int64)
        into = {w: self.insertion(w, self.seqs[w], cols, self.frozen(w))
                for w in range(n_veh) if w != v and self.allowed[w, cols].any()}
        for c, k in enumerate(ks):
            i = seq[k]
            rest = seq[:k] + seq[k + 1:]
            out_yuan = self.gain[v, i] - self.per_s * self.removal_saving(v, seq, k)
            # What the freed room holds: the best unvisited lead, or nothing.
            fill_yuan, fill = 0.0, None
            if len(free):
                det, pos = self.insertion(v, rest, free, first)
                net = self.net(v, free, det)
                j = int(np.argmax(net))
                if net[j] > 0:
                    fill_yuan, fill = float(net[j]), (int(free[j]), int(pos[j]))
            here = rest if fill is None else [*rest[:fill[1]], fill[0], *rest[fill[1]:]]
            if fill is not None:
                g = fill_yuan - out_yuan
                if g > _EPS_YUAN and (best is None or g > best[0]):
                    best = (g, {v: here})
            # Moved to another officer.
            for w, (det_w, pos_w) in into.items():
                if not self.allowed[w, i] or not np.isfinite(det_w[c]):
                    continue
                g = self.gain[w, i] - self.per_s * det_w[c] - out_yuan + fill_yuan
                if g > _EPS_YUAN and (best is None or g > best[0]):
                    there = self.seqs[w]
                    p = int(pos_w[c])
                    best = (g, {v: here, w: [*there[:p], i, *there[p:]]})
        return bool(best is not None and self.apply(best[1]))

    # ------------------------------------------------------------------ route improvement

    def improve_order(self, v: int, late: Callable[[], bool] = lambda: False) -> bool:
        """2-opt and or-opt moves within route ``v`` that drive less, while one fits and not
        ``late()``."""
        improved = False
        while not late():
            seq = self.seqs[v]
            first = self.frozen(v)
            if len(seq) - first < 2:
                return improved
            moves = self._order_moves(v, seq, first)
            made = False
            for _, new in moves:
                if self.apply({v: new}):
                    made = improved = True
                    break
            if not made:
                return improved
        return improved

    def _order_moves(self, v: int, seq: list[int], first: int) -> list[tuple[int, list[int]]]:
        """Reorderings of ``seq`` (from ``first``) that drive less, best first: (seconds
        saved, order), at most ``_INTRA_CHECKS``."""
        r = np.array(self.rows(v, seq))
        D = self.dur
        m = len(seq)
        legs_f = D[r[:-1], r[1:]]
        legs_b = D[r[1:], r[:-1]]
        fwd = np.concatenate(([0], np.cumsum(legs_f)))  # driving along r up to node t
        bwd = np.concatenate(([0], np.cumsum(legs_b)))  # the same legs driven backwards
        found: list[tuple[int, int, int, int, int]] = []  # saving, kind, i, j or p, length
        # 2-opt: reverse stops i..j (nodes i+1..j+1 of r).
        i, j = np.triu_indices(m, 1)
        keep = i >= first
        i, j = i[keep], j[keep]
        old = D[r[i], r[i + 1]] + fwd[j + 1] - fwd[i + 1] + D[r[j + 1], r[j + 2]]
        new = D[r[i], r[j + 1]] + bwd[j + 1] - bwd[i + 1] + D[r[i + 1], r[j + 2]]
        for k in np.nonzero(new < old)[0]:
            found.append((int(old[k] - new[k]), 0, int(i[k]), int(j[k]), 0))
        # or-opt: stops i..i+L-1 moved between two other stops (position p of the rest),
        # forwards (kind 1) or reversed (kind 2).
        for length in range(1, min(_OR_OPT_MAX, m - first) + 1):
            ii = np.arange(first, m - length + 1)[:, None]
            pp = np.arange(first, m - length + 1)[None, :]
            a, b = r[ii], r[ii + length + 1]
            h, t = r[ii + 1], r[ii + length]
            x = np.where(pp < ii, r[pp], r[np.minimum(pp + length, m + 1)])
            y = np.where(pp < ii, r[pp + 1], r[np.minimum(pp + length + 1, m + 1)])
            cut = D[a, h] + D[t, b] - D[a, b]
            save_f = cut - (D[x, h] + D[t, y] - D[x, y])
            inner_f = fwd[ii + length] - fwd[ii + 1]
            inner_b = bwd[ii + length] - bwd[ii + 1]
            save_b = cut + inner_f - (D[x, t] + inner_b + D[h, y] - D[x, y])
            moved = pp != ii
            for kind, save in ((1, save_f), (2, save_b)):
                if kind == 2 and length == 1:
                    continue
                for a_, b_ in zip(*np.nonzero(moved & (save > 0)), strict=True):
                    found.append((int(save[a_, b_]), kind, int(ii[a_, 0]), int(pp[0, b_]),
                                  length))
        found.sort(key=lambda f: -f[0])
        out: list[tuple[int, list[int]]] = []
        for saving, kind, i0, j0, length in found[:_INTRA_CHECKS]:
            if kind == 0:
                out.append((saving, seq[:i0] + seq[i0:j0 + 1][::-1] + seq[j0 + 1:]))
            else:
                seg = seq[i0:i0 + length]
                rest = seq[:i0] + seq[i0 + length:]
                seg = seg if kind == 1 else seg[::-1]
                out.append((saving, rest[:j0] + seg + rest[j0:]))
        return out

    def exchange(self, v: int, w: int) -> bool:
        """The best 2-opt* (routes ``v`` and ``w`` swap their ends) or exchange (a visit of
        each swapped) that fits, screened by the timelines; whether one was made."""
        sv, sw = self.seqs[v], self.seqs[w]
        if not sv or not sw:
            return False
        fv, fw = self.frozen(v), self.frozen(w)
        D, per_s, g = self.dur, self.per_s, self.gain
        av, aw = np.array(sv), np.array(sw)
        rv, rw = np.array(self.rows(v, sv)), np.array(self.rows(w, sw))
        mv, mw = len(sv), len(sw)
        dep_v, lat_v = self.timing(v, sv)
        dep_w, lat_w = self.timing(w, sw)
        ov, ow = self.problem.officers[v], self.problem.officers[w]
        cands: list[tuple[float, dict[int, list[int]]]] = []
        # 2-opt*: v keeps sv[:i] and takes sw[j:]; w keeps sw[:j] and takes sv[i:].
        if ov.end.depot_id == ow.end.depot_id and ov.shift.end_s == ow.shift.end_s:
            can_v = ~self.pinned[av] & self.allowed[w, av]
            can_w = ~self.pinned[aw] & self.allowed[v, aw]
            ok_v = np.append(np.flip(np.cumprod(np.flip(can_v))).astype(bool), True)
            ok_w = np.append(np.flip(np.cumprod(np.flip(can_w))).astype(bool), True)
            kept_v = np.flip(np.cumsum(np.flip(D[rv[:-1], rv[1:]])))
            kept_w = np.flip(np.cumsum(np.flip(D[rw[:-1], rw[1:]])))
            tail_v = kept_v - D[rv[:-1], rv[1:]]  # from the tail's first stop to the end
            tail_w = kept_w - D[rw[:-1], rw[1:]]
            g_v = np.append(np.flip(np.cumsum(np.flip(g[w, av] - g[v, av]))), 0.0)
            g_w = np.append(np.flip(np.cumsum(np.flip(g[v, aw] - g[w, aw]))), 0.0)
            # Same end and shift end: a tail's latest starts hold in either route.
            to_v = D[np.ix_(rv[:-1], rw[1:])]  # i -> first node of w's tail (or the end)
            to_w = D[np.ix_(rw[:-1], rv[1:])]
            new = to_v + tail_w[None, :] + to_w.T + tail_v[:, None]
            gain = per_s * (kept_v[:, None] + kept_w[None, :] - new) + g_v[:, None] \
                + g_w[None, :]
            fit = (dep_v[:, None] + to_v <= lat_w[None, :]) & \
                (dep_w[None, :] + to_w.T <= lat_v[:, None])
            ok = fit & ok_v[:, None] & ok_w[None, :] & (gain > _EPS_YUAN)
            ok[:fv] = False
            ok[:, :fw] = False
            ok[mv, mw] = ok[0, 0] = False
            for i, j in zip(*np.nonzero(ok), strict=True):
                cands.append((float(gain[i, j]), {v: sv[:i] + sw[j:], w: sw[:j] + sv[i:]}))
        # Exchange: sv[i] and sw[j] trade places.
        x, y = av[fv:], aw[fw:]
        pa, pb, qa, qb = rv[fv:mv], rv[fv + 2:], rw[fw:mw], rw[fw + 2:]
        old = (D[pa, x] + D[x, pb])[:, None] + (D[qa, y] + D[y, qb])[None, :]
        y_in = D[pa[:, None], y[None, :]]
        x_in = D[qa[None, :], x[:, None]]
        new = y_in + D[y[None, :], pb[:, None]] + x_in + D[x[:, None], qb[None, :]]
        gain = per_s * (old - new) + (g[w, x] - g[v, x])[:, None] + (g[v, y] - g[w, y])[None, :]
        x_at = np.maximum(dep_w[fw:mw][None, :] + x_in, self.early[x][:, None])
        y_at = np.maximum(dep_v[fv:mv][:, None] + y_in, self.early[y][None, :])
        ok = (gain > _EPS_YUAN) & (x_at <= self.late[x][:, None]) \
            & (y_at <= self.late[y][None, :]) \
            & (x_at + self.service[x][:, None] + D[x[:, None], qb[None, :]]
               <= lat_w[fw + 1:][None, :]) \
            & (y_at + self.service[y][None, :] + D[y[None, :], pb[:, None]]
               <= lat_v[fv + 1:][:, None])
        ok &= (~self.pinned[x] & self.allowed[w, x])[:, None]
        ok &= (~self.pinned[y] & self.allowed[v, y])[None, :]
        for i, j in zip(*np.nonzero(ok), strict=True):
            nv, nw = list(sv), list(sw)
            nv[fv + i], nw[fw + j] = sw[fw + j], sv[fv + i]
            cands.append((float(gain[i, j]), {v: nv, w: nw}))
        cands.sort(key=lambda c: -c[0])
        return any(self.apply(ch) for _, ch in cands[:_INTRA_CHECKS])

    def remove_route(self, v: int) -> bool:
        """Move every visit of route ``v`` to the other routes, if that drives less."""
        seq = self.seqs[v]
        if not seq or self.frozen(v) or self.pinned[seq].any():
            return False
        others = {w: list(s) for w, s in enumerate(self.seqs) if w != v and s}
        if not others:
            return False
        before = self.value(v, seq) + sum(self.value(w, s) for w, s in others.items())
        for i in sorted(seq, key=lambda x: -self.dl[self.n + 2 * v][x]):
            one = np.array([i], dtype=np.int64)
            best: tuple[float, int, int] | None = None
            for w, s in others.items():
                if not self.allowed[w, i]:
                    continue
                det, pos = self.insertion(w, s, one, self.frozen(w))
                if np.isfinite(det[0]) and (best is None or det[0] < best[0]):
                    best = (float(det[0]), w, int(pos[0]))
            if best is None:
                return False
            _, w, p = best
            others[w] = [*others[w][:p], i, *others[w][p:]]
            if not self.fits(w, others[w]):
                return False
        after = sum(self.value(w, s) for w, s in others.items())  # a day at home drives 0
        if after <= before + _EPS_YUAN:
            return False
        return self.apply({v: [], **others})


def polish(problem: RoutingProblem, candidates: Sequence[Lead], orders: list[list[str]],
           deadline: float | None = None) -> tuple[list[list[str]], dict[str, int]]:
    """Improve feasible visit orders by single moves until none pays or ``deadline``.

    Parameters
    ----------
    problem : RoutingProblem
        The day. Not for re-planning against a reference plan (its change cost is the
        search's business): then the orders are returned as they are.
    candidates : sequence of Lead
        Leads the moves may visit (every visited lead among them).
    orders : list of list of str
        Feasible visit orders, one per officer.
    deadline : float or None
        When to stop (``time.perf_counter()``); None runs to a local optimum.

    Returns
    -------
    list of list of str
        Visit orders no worse than ``orders`` (value − driving − soft penalties).
    dict
        ``polish_moves``: the moves made.
    """
    if problem.reference_routes or not candidates:
        return orders, {"polish_moves": 0}
    day = _Routes(problem, candidates, orders)
    day.descend(lambda: deadline is not None and time.perf_counter() >= deadline,
                range(len(problem.officers)))
    log.info("local search: %d moves, %.1f yuan", day.moves, day.gain_yuan)
    ids = [ld.lead_id for ld in day.leads]
    return [[ids[i] for i in seq] for seq in day.seqs], {"polish_moves": day.moves}
