"""SWAP*: two officers trade a visit each, each placed where it fits best in its new route.

The plain exchange of :mod:`routing.polish` puts each visit in the other's place; on long
routes the best place for a visit is rarely the place of the visit it is traded for. This
move follows the public description of SWAP* (Vidal, 2022): for a pair of routes, the
cost of inserting each visit of one route anywhere in the other is computed once (a
matrix, screened with the route's earliest departures and latest starts); the three
cheapest places of each visit are kept; then for every pair of visits the best place of
each in the other route *without* the visit it replaces is one of its three cheapest
places not next to that visit, or that visit's place itself. Pairs are ranked by the value
they gain and confirmed, best first, by the exact timeline
(:meth:`routing.polish._Routes.apply`, which runs :func:`routing.schedule.schedule_route`).
Appointments and stops before a pinned position stay; skills and locality are kept. No
OR-Tools here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from geo.types import UNREACHABLE
from routing.problem import Lead, RoutingProblem

if TYPE_CHECKING:  # pragma: no cover - typing only
    from routing.polish import _Routes

__all__ = ["swap_star", "swap_star_descent"]

#: Smallest gain (yuan) that counts, and how many of the best pairs are confirmed.
_EPS_YUAN = 1e-9
_CHECKS = 3
#: Cheapest places kept per visit (two of them may touch the visit it replaces).
_TOP = 3


def _places(day: _Routes, w: int, cols: np.ndarray, first: int) -> np.ndarray:
    """Screened detour (s, inf where it does not fit) of each lead of ``cols`` (columns)
    at each place (rows: before stop ``p``, the last row before the end) of route ``w``."""
    seq = day.seqs[w]
    dep, latest = day.timing(w, seq)
    r = np.array(day.rows(w, seq))
    a, b = r[:-1], r[1:]
    dur = day.dur
    to = dur[np.ix_(a, cols)]
    back = dur[np.ix_(cols, b)].T
    detour = (to + back - dur[a, b][:, None]).astype(float)
    start = np.maximum(dep[:, None] + to, day.early[cols][None, :])
    ok = (start <= day.late[cols][None, :]) & (to < UNREACHABLE) & (back < UNREACHABLE)
    ok &= start + day.service[cols][None, :] + back <= latest[:, None]
    ok[:first] = False
    return np.where(ok, detour, np.inf)


def _best_without(cost: np.ndarray, dur: np.ndarray, r_other: np.ndarray,
                  cols: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """For each lead ``i`` of ``cols`` and each stop ``j`` (from ``first``) of the other
    route, the cheapest detour of ``i`` in that route once stop ``j`` has left it, and the
    place (``-1``: stop ``j``'s own place)."""
    m = len(r_other) - 2
    js = np.arange(first, m)
    order = np.argsort(cost, axis=0, kind="stable")[:_TOP]  # (top, n cols)
    top_cost = np.take_along_axis(cost, order, axis=0)
    best = np.full((len(cols), len(js)), np.inf)
    place = np.full((len(cols), len(js)), -1, dtype=np.int64)
    for t in range(min(_TOP, cost.shape[0]) - 1, -1, -1):  # the cheapest wins: last
        p = order[t][:, None]
        free = (p != js[None, :]) & (p != js[None, :] + 1)
        c = np.where(free, top_cost[t][:, None], np.inf)
        take = c <= best
        best = np.where(take, c, best)
        place = np.where(take, p, place)
    prev, nxt = r_other[js], r_other[js + 2]
    own = dur[np.ix_(prev, cols)].T + dur[np.ix_(cols, nxt)] - dur[prev, nxt][None, :]
    take = own < best
    return np.where(take, own, best), np.where(take, -1, place)


def swap_star(day: _Routes, v: int, w: int) -> bool:
    """The best SWAP* between routes ``v`` and ``w`` that fits; whether one was made.

    Parameters
    ----------
    day : routing.polish._Routes
        The day's routes (changed in place when a move is made).
    v, w : int
        Two officers (route indices).

    Returns
    -------
    bool
    """
    sv, sw = day.seqs[v], day.seqs[w]
    if not sv or not sw:
        return False
    fv, fw = day.frozen(v), day.frozen(w)
    xs = np.array(sv[fv:], dtype=np.int64)
    ys = np.array(sw[fw:], dtype=np.int64)
    if not len(xs) or not len(ys):
        return False
    can_x = ~day.pinned[xs] & day.allowed[w, xs]
    can_y = ~day.pinned[ys] & day.allowed[v, ys]
    if not can_x.any() or not can_y.any():
        return False
    dur, per_s, g = day.dur, day.per_s, day.gain
    rv, rw = np.array(day.rows(v, sv)), np.array(day.rows(w, sw))
    # Value each visit frees by leaving its route (prize lost, driving saved).
    out_x = per_s * (dur[rv[fv:-2], xs] + dur[xs, rv[fv + 2:]] - dur[rv[fv:-2], rv[fv + 2:]])
    out_y = per_s * (dur[rw[fw:-2], ys] + dur[ys, rw[fw + 2:]] - dur[rw[fw:-2], rw[fw + 2:]])
    x_in, x_at = _best_without(_places(day, w, xs, fw), dur, rw, xs, fw)  # (x, y)
    y_in, y_at = _best_without(_places(day, v, ys, fv), dur, rv, ys, fv)  # (y, x)
    gain = (out_x - g[v, xs] + g[w, xs])[:, None] + (out_y - g[w, ys] + g[v, ys])[None, :] \
        - per_s * (x_in + y_in.T)
    ok = np.isfinite(gain) & (gain > _EPS_YUAN) & can_x[:, None] & can_y[None, :]
    if not ok.any():
        return False
    pairs = np.argwhere(ok)
    ranked = pairs[np.argsort(-gain[ok], kind="stable")[:_CHECKS]]
    for i, j in ranked.tolist():
        x, y = int(xs[i]), int(ys[j])
        new_v = _placed(sv, fv + i, y, int(y_at[j, i]))
        new_w = _placed(sw, fw + j, x, int(x_at[i, j]))
        if day.apply({v: new_v, w: new_w}, float(gain[i, j])):
            return True
    return False


def _placed(seq: list[int], k: int, lead: int, place: int) -> list[int]:
    """``seq`` without its stop ``k``, with ``lead`` in that stop's place (``place`` -1) or
    before stop ``place`` of the original route."""
    if place < 0:
        return [*seq[:k], lead, *seq[k + 1:]]
    rest = seq[:k] + seq[k + 1:]
    p = place if place <= k else place - 1
    return [*rest[:p], lead, *rest[p:]]


def swap_star_descent(problem: RoutingProblem, candidates: Sequence[Lead],
                      orders: list[list[str]]) -> list[list[str]]:
    """Feasible visit orders improved by SWAP* alone until no pair of routes gains (the
    move on its own, for tests and diagnostics; the search uses it inside the final local
    search of :func:`routing.polish.polish`).

    Parameters
    ----------
    problem : RoutingProblem
    candidates : sequence of Lead
        Leads of the day (every visited lead among them).
    orders : list of list of str
        Feasible visit orders, one per officer.

    Returns
    -------
    list of list of str
        Orders worth no less than ``orders``, with the same visits.
    """
    from routing.polish import _Routes  # polish imports this module

    day = _Routes(problem, candidates, orders)
    n_veh = len(orders)
    while any(swap_star(day, v, w) for v in range(n_veh) for w in range(v + 1, n_veh)):
        pass
    ids = [ld.lead_id for ld in day.leads]
    return [[ids[i] for i in seq] for seq in day.seqs]
