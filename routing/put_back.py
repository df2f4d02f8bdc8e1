"""Putting back left-out leads whose visit pays, until a deadline.

After the search, a local optimum (or a search cut short) can leave out leads whose
cheapest insertion pays for itself; :func:`put_back` inserts them, appointments first and
then by value, each at its cheapest feasible position over the routes that may take it
(screened many leads at a time by :class:`routing.reasons.InsertionScreen`). With a
deadline it stops between leads and names those it did not reach, which
:func:`routing.reasons.explain_drops` leaves out for the time limit when their visit
would pay.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from routing.plan import Route
from routing.problem import Lead, RoutingProblem
from routing.reasons import InsertionScreen

__all__ = ["PutBack", "insert_profitable", "put_back"]

log = logging.getLogger(__name__)

#: Past the deadline, this many leads still to look at are looked at all the same (tens of
#: milliseconds at most, ~0.6 ms a lead at 45 officers): on a small day the search ending a
#: few milliseconds late would otherwise leave every lead out for the time limit.
_ALWAYS_LOOKED_AT = 32


@dataclass(frozen=True)
class PutBack:
    """What :func:`put_back` made of the leads left out.

    Parameters
    ----------
    routes : tuple of Route
        The routes with the leads put back.
    left : tuple of Lead
        Leads still left out, those not reached among them.
    not_reached : frozenset of str
        Ids of the leads whose insertion was not looked for before the deadline.
    """

    routes: tuple[Route, ...]
    left: tuple[Lead, ...]
    not_reached: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        ids = {ld.lead_id for ld in self.left}
        if not self.not_reached <= ids:
            raise ValueError("a lead not reached must be among the leads left out")


def put_back(problem: RoutingProblem, routes: Sequence[Route], left: Sequence[Lead],
             deadline_s: float | None = None,
             keep_s_per_left: Callable[[int], float] | None = None) -> PutBack:
    """Insert left-out leads wherever their insertion pays, until ``deadline_s``.

    Appointments come first, then leads by value, so the leads a deadline leaves unreached
    are the least valuable. Each insertion is the cheapest feasible one over every route
    that may take the lead.

    Parameters
    ----------
    problem : RoutingProblem
    routes : sequence of Route
        Feasible routes, one per officer.
    left : sequence of Lead
        Leads not visited (and not already done).
    deadline_s : float, optional
        A ``time.perf_counter()`` instant, looked at before each lead: the leads not
        looked at by then are left out and named in :attr:`PutBack.not_reached` (unless at
        most :data:`_ALWAYS_LOOKED_AT` are left). None: every lead is looked at.
    keep_s_per_left : callable, optional
        Seconds the deadline moves earlier for each lead looked at and left out, given how
        many routes may still take a visit: the time its explanation needs
        (:func:`routing.reasons.explain_drops` looks for its cheapest insertion; a lead not
        reached is named without one; with every route full that is quick). With it the
        last put-back keeps time for what it has looked at, not for every lead it might
        reach, so it is not starved on a day of thousands of leads left.

    Returns
    -------
    PutBack
    """
    ordered = sorted(left, key=lambda ld: (ld.pinned_officer_id is None, -ld.value_yuan))
    screen = InsertionScreen(problem, routes, ordered)
    still: list[Lead] = []

    def keep_s() -> float:
        if keep_s_per_left is None:
            return 0.0
        return keep_s_per_left(screen.open_count())

    # Kept per lead left out: counted again only when a route changes (a route filling up
    # to its cap makes the explanations after it cheaper).
    per_left_s = keep_s()
    for j, lead in enumerate(ordered):
        if (deadline_s is not None and len(ordered) - j > _ALWAYS_LOOKED_AT
                and time.perf_counter() >= deadline_s - per_left_s * len(still)):
            rest = ordered[j:]
            log.info("putting back left-out leads stopped at its deadline: %d of %d not "
                     "looked at", len(rest), len(ordered))
            return PutBack(tuple(screen.routes), (*still, *rest),
                           frozenset(ld.lead_id for ld in rest))
        limit = float("inf") if lead.pinned_officer_id else lead.value_yuan
        best = screen.best(j, limit)
        if best is not None:
            screen.replace(best[1], best[2])
            per_left_s = keep_s()
        else:
            still.append(lead)
    return PutBack(tuple(screen.routes), tuple(still))


def insert_profitable(problem: RoutingProblem, routes: Sequence[Route],
                      left: Sequence[Lead]) -> tuple[list[Route], list[Lead]]:
    """Insert left-out leads (appointments, then most valuable first) wherever their
    insertion pays; :func:`put_back` with no deadline.

    Returns
    -------
    tuple
        The new routes and the leads still left out.
    """
    done = put_back(problem, routes, left)
    return list(done.routes), list(done.left)
