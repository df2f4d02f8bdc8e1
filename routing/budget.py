"""Which phases of :func:`routing.solve` a day's size leaves room for in its time limit.

A large team day (tens of officers over thousands of searched leads) cannot afford what a
field day of ten officers can: PyVRP's start and the whole-day OR-Tools search grow with
the leads and the officers, and at 45 officers over ~3,000 searched leads they took the
whole 10 s budget (the whole-day search alone ran 112 s, finding nothing), leaving the
improvement of :mod:`routing.lns` no time. Such days are planned from greedy starts
improved by :mod:`routing.lns`; the plan's meta says which phase was skipped
(``pyvrp_skipped_large_day``, ``whole_day_search_skipped``). Measured in
``bench/bench_budget.py``.

Also here: the solve's wall clock (:class:`Clock`). The plan returns within its time limit
plus a small slack because the work the search cannot stop in the middle of is estimated
from the day's size and kept out of the search's time: the plan's work after the search
(putting back left-out leads whose visit pays, balancing, explaining every lead left out:
:meth:`Clock.after_s`), PyVRP's setup (:func:`pyvrp_setup_s`, before its first look at
its stopping criterion) and the whole-day local search's setup (:func:`polish_setup_s`).
Estimates are per lead and officer, measured on one core, and scaled by how much of the
wall time the solve has had the core for so far (:meth:`Clock.contention`: another
process on the same core makes everything slower, the time limit does not stretch).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from routing.errors import ProblemError
from routing.problem import Lead, RoutingProblem
from routing.reasons import rule_matrices

__all__ = ["Clock", "improve_skip", "polish_s", "polish_setup_s", "pyvrp_setup_s",
           "pyvrp_setup_skip", "pyvrp_too_large",
           "whole_day_model_s", "whole_day_skip"]

#: PyVRP proposes no start when the searched leads times the officers exceed this many per
#: second of the time limit on a day it models only under a relaxation (soft skills or
#: localities, lunch, visit caps: the product's days), or the second figure on a day it
#: models exactly. Measured in ``bench/bench_budget.py`` (one core, 3 seeds, objective with
#: and without the start): 45 officers over 2,928 searched leads at 10 s (13,176 a second)
#: 124,426 -> 145,443; 20 over 1,302 at 10 s (2,604) 57,927 -> 64,578 and at 30 s (868)
#: 61,565 -> 67,491; 10 over 646 at 10 s (646) 71,538 -> 71,825; the demo, 6 over 184 at
#: 10 s (110), 40,106 and 40,086, a tie. On exact days (field days of 10 officers, ~670 a
#: second at 10 s) the start was measured to help (see :mod:`routing.solver`); the limit
#: there is a judgement, above what was measured.
_PYVRP_MAX_PAIRS_PER_S = 300.0
_PYVRP_MAX_PAIRS_PER_S_EXACT = 1000.0
#: The whole-day OR-Tools search is skipped when the start visits more leads than this: from
#: a start of 1,919 visits (100 officers, 2,500 leads) a 1 s search ran 24 s before its
#: first time check, from 1,266 visits 1.9 s; the neighbourhood steps of
#: :func:`routing.lns.improve` work on a few officers at a time and keep to the clock.
_WHOLE_DAY_MAX_VISITS = 1000
#: ... and when less time is left than this many seconds per visit and officer: loading a
#: start of 1,000 visits for 250 vehicles took OR-Tools 1.5-5 s (a 30 s limit became
#: 32-33 s); a field day's 300 visits for 10 officers need 0.06 s.
_WHOLE_DAY_SETUP_S = 2e-5
#: ... and when building its model would take more than its share of the time: the model
#: holds a matrix over every searched lead, one more per officer with soft-rule penalties of
#: their own. Measured (one core): 1,200 leads took 0.44-0.54 s with no soft rule (10 and 45
#: officers), 1.3 s with 10 officers of their own and 4.8 s with 45; a warm-started search
#: then took longer still: 20 officers over 1,302 leads ran 7-10 s and 45 over 2,928 ran
#: 112 s on a 0.3 s share, both finding nothing.
_MODEL_S_PER_NODE2 = 3e-7
_MODEL_S_PER_NODE2_OWN_COST = 8e-8
#: Balancing the team's hours after the search uses whatever time it is given (seconds on
#: the demo county): it gets at most this share of the limit, less the plan's work after
#: the search, and 5 ms a candidate (on the demo's 400 candidates, 3 ms left the balance
#: ~0.5 s on a busy machine, which ended it with the hours still 1.4 : 1 in one run in
#: three).
_BALANCE_SHARE = 0.25
_BALANCE_S_PER_LEAD = 0.005
#: The plan's work after the search, in up to three passes over the leads left out
#: (putting back those whose visit pays; on a balanced day again after the balance; a
#: reason for each), per left-out lead and pass: a lead no route may take (every route at
#: its officer's visit cap, or excluded by the hard rules) is dismissed at once
#: (:func:`routing.put_back.put_back`); while any route may take a visit, the
#: cheapest insertion is looked for, per lead and per open route. Measured on one core
#: shared at load ~3-4 (2026-12-06, ``bench/bench_budget.py``'s days): every day at its cap,
#: 45 officers, 3,782 leads left: 7 us a lead and pass; no caps, 45 officers, 3,573 leads
#: left: 100-125 us; no caps, 10 officers, 818 left: 61-85 us. Each lead put back costs
#: more (its route is screened again, since 2026-12-06 only against the leads of the next
#: block of 128 looked at): after a search cut short on 45 uncapped officers, putting
#: back ~400 leads took 2.3-2.9 s (1.5-2.5 s with the blocks). That is not estimated
#: (taking the room the start leaves as leads to put back reserved 15 s of a 10 s limit,
#: and the search that would have filled the room never ran): the put-back has a deadline
#: of its own (:meth:`Clock.put_back_end_s`) and the leads it does not reach are named.
_AFTER_S_PER_LEAD = 7e-6
_AFTER_S_PER_OPEN_LEAD = 5e-5
_AFTER_S_PER_LEAD_ROUTE = 1e-6
_AFTER_MIN_S = 0.02
#: Explaining a left-out lead (its last pass) costs more than putting it back: its cheapest
#: insertion is looked for at any cost (the value it would have needed), not only below its
#: value, so routes are not left unlooked-at. Measured on one core (2026-12-06, the
#: bench's 45 officers with no caps, a plan of ~500 visits, ~3,800 leads left): ~300 us a
#: lead, against ~100 us estimated by the put-back's figures above; on the capped days,
#: 17-48 us a lead at load ~5 (9 us on the demo), against 7 us.
_EXPLAIN_S_PER_LEAD = 2e-5
_EXPLAIN_S_PER_OPEN_LEAD = 1e-4
_EXPLAIN_S_PER_LEAD_ROUTE = 5e-6
#: Naming a lead not reached (no insertion looked for) and the plan's assembly around it:
#: 3,846 leads took 120 ms on a core shared with another solve (~16 us a lead alone);
#: not kept, the 45 officers' uncapped plan ended 60-140 ms past its limit.
_LABEL_S_PER_LEAD = 1.5e-5
#: The search ends a little after its deadline (its last step, the routes timed): kept too,
#: or the put-back, whose own deadline leaves time for the passes after it, gets nothing on
#: a small day.
_SEARCH_LATE_S = 0.02
#: PyVRP's setup (the neighbourhoods, then a descent from a random solution; it looks at its
#: stopping criterion only after them) per squared client, measured on one core: 0.03 s for
#: 182 clients, 0.14 s for 646, 0.5 s for 1,302, 2.4 s for 2,928 (the bench's days).
_PYVRP_SETUP_S_PER_CLIENT2 = 3e-7
#: PyVRP proposes no start when its setup would take more than this share of its budget: it
#: could then not be stopped in time on a machine this many times slower than estimated.
_PYVRP_MAX_SETUP_SHARE = 0.25
#: The whole-day local search's setup (the day's matrix and each lead's nearest leads) per
#: squared node: 0.74-0.87 s for 4,412 nodes (45 officers, 4,322 candidates), run before its
#: first look at the clock; it is skipped when that is more than this share of the time left.
_POLISH_SETUP_S_PER_NODE2 = 4.5e-8
_POLISH_MAX_SETUP_SHARE = 0.05
#: The improvement (:func:`routing.lns.improve`) sets up over the same whole-day matrix
#: first (0.85 s for 4,412 nodes on one core, the rate above): with routes still open it is
#: skipped when that takes more than this share of its time, which then goes to putting
#: back (under load, 45 officers with no caps: 1.1 s of setup in a 1.1 s window, no step
#: made, and the put-back, worth ~45,000 there, starved). At half, the same day on a core of
#: its own skipped it with ~1.6 s of setup in ~2.8 s and ended 2.5 s early, the put-back
#: done: a judgement between the two.
_IMPROVE_MAX_SETUP_SHARE = 0.75
#: Before the search, a capped officer is taken to end the day at the cap when the
#: candidates are at least this many times the visits all caps allow (bench_budget's days
#: have 1.4-8 times: every capped day ended full).
_FULL_DAY_FACTOR = 1.5
#: Estimates are kept this much above what was measured.
_SAFETY = 1.25
#: How much slower than measured the solve is taken to run at most (see Clock.contention).
_MAX_CONTENTION = 3.0
#: Contention is measured once the solve has run this long (a shorter window is noise).
_CONTENTION_MIN_S = 0.05


def pyvrp_too_large(n_searched: int, n_officers: int, time_limit_s: float,
                    exact: bool) -> str | None:
    """Why PyVRP's start does not pay on this day in this time, or None if it may.

    Parameters
    ----------
    n_searched : int
        Leads the search sees (after the solver's own pruning).
    n_officers : int
        Officers of the day.
    time_limit_s : float
        The solve's time limit.
    exact : bool
        Whether PyVRP models the day exactly (:func:`routing.pyvrp_start.models_exactly`).

    Returns
    -------
    str or None
        The reason, for the log.
    """
    pairs_per_s = n_searched * n_officers / time_limit_s
    if pairs_per_s <= (_PYVRP_MAX_PAIRS_PER_S_EXACT if exact else _PYVRP_MAX_PAIRS_PER_S):
        return None
    return (f"a large day for the time limit ({n_searched} searched leads x {n_officers} "
            f"officers in {time_limit_s:g} s, {pairs_per_s:.0f} a second, "
            f"{'exact' if exact else 'relaxed'})")


def whole_day_model_s(problem: RoutingProblem, searched: Sequence[Lead]) -> float:
    """About how long OR-Tools takes to build the whole-day model over ``searched``.

    Parameters
    ----------
    problem : RoutingProblem
        The day.
    searched : sequence of Lead
        The leads the model would hold.

    Returns
    -------
    float
        Seconds, on one core.
    """
    n = len(searched) + 2 * len(problem.officers)
    if problem.reference_routes:  # the change cost gives every officer a matrix of their own
        own = len(problem.officers)
    else:
        rules = rule_matrices(problem)
        cols = rules.columns(searched)
        own = int(rules.mismatch[:, cols].any(axis=1).sum()) if len(cols) else 0
    return n * n * (_MODEL_S_PER_NODE2 + _MODEL_S_PER_NODE2_OWN_COST * own)


def whole_day_skip(problem: RoutingProblem, searched: Sequence[Lead], n_visits: int,
                   left_s: float, share_s: float) -> str | None:
    """Why the whole-day OR-Tools search is skipped, or None if it runs.

    Parameters
    ----------
    problem : RoutingProblem
        The day.
    searched : sequence of Lead
        The leads the whole-day model would hold.
    n_visits : int
        Visits of the start it would be warm-started from.
    left_s : float
        Seconds left for the search and the improvement.
    share_s : float
        The whole-day search's share of them.

    Returns
    -------
    str or None
        The reason, for the log.
    """
    n_officers = len(problem.officers)
    if n_visits > _WHOLE_DAY_MAX_VISITS:
        return f"the start visits {n_visits} leads (over {_WHOLE_DAY_MAX_VISITS})"
    if left_s < _WHOLE_DAY_SETUP_S * n_visits * n_officers:
        return f"{left_s:.1f} s left to load a start of {n_visits} visits for {n_officers}"
    model_s = whole_day_model_s(problem, searched)
    if model_s > share_s:
        return (f"its model of {len(searched)} leads and {n_officers} officers would take "
                f"~{model_s:.1f} s of a {share_s:.1f} s share")
    return None


def pyvrp_setup_s(n_clients: int) -> float:
    """About how long PyVRP takes before it first looks at its stopping criterion.

    Parameters
    ----------
    n_clients : int
        Leads PyVRP is offered.

    Returns
    -------
    float
        Seconds on one uncontended core.
    """
    return _PYVRP_SETUP_S_PER_CLIENT2 * n_clients * n_clients


def pyvrp_setup_skip(n_clients: int, budget_s: float, contention: float) -> str | None:
    """Why PyVRP's start is not run in ``budget_s`` (its setup could overrun it), or None.

    PyVRP's stopping criterion is a wall-clock instant, looked at between iterations; its
    setup cannot be stopped, so it only runs when the setup is estimated to take at most
    :data:`_PYVRP_MAX_SETUP_SHARE` of its budget.

    Parameters
    ----------
    n_clients : int
        Leads PyVRP would be offered.
    budget_s : float
        Seconds until PyVRP's share ends.
    contention : float
        :meth:`Clock.contention`.

    Returns
    -------
    str or None
        The reason, for the log.
    """
    setup_s = _SAFETY * contention * pyvrp_setup_s(n_clients)
    if setup_s <= _PYVRP_MAX_SETUP_SHARE * budget_s:
        return None
    return (f"its setup over {n_clients} leads would take ~{setup_s:.1f} s of its "
            f"{max(budget_s, 0.0):.1f} s")


def polish_setup_s(n_nodes: int) -> float:
    """About how long the whole-day local search (:func:`routing.polish.polish`) takes to set
    up over ``n_nodes`` matrix nodes (candidates, two per officer), on one core."""
    return _POLISH_SETUP_S_PER_NODE2 * n_nodes * n_nodes


def polish_s(n_nodes: int, left_s: float, share: float, contention: float) -> float | None:
    """Seconds to keep for the whole-day local search out of ``left_s``, or None to skip it.

    It gets ``share`` of the time left plus its setup (which it runs before looking at the
    clock), unless the setup alone is more than :data:`_POLISH_MAX_SETUP_SHARE` of it.

    Parameters
    ----------
    n_nodes : int
        Candidates plus two per officer.
    left_s : float
        Seconds left for the improvement and the local search.
    share : float
        The local search's share of ``left_s``.
    contention : float
        :meth:`Clock.contention`.

    Returns
    -------
    float or None
    """
    setup_s = _SAFETY * contention * polish_setup_s(n_nodes)
    if setup_s > _POLISH_MAX_SETUP_SHARE * left_s:
        return None
    return share * left_s + setup_s


def improve_skip(n_nodes: int, window_s: float, open_routes: int, contention: float
                 ) -> str | None:
    """Why the improvement is skipped (its setup would not fit its time), or None if it runs.

    Its setup (the whole day's matrix, :func:`polish_setup_s`'s rate) runs before its first
    step. On a day whose every route is full the time has no other use, so the improvement
    runs whenever any time is left (skipping it there ended the capped 45-officer day 2.4 s
    early under load); with a route open, the put-back after the search can use that time,
    so it is skipped when the setup would take more than :data:`_IMPROVE_MAX_SETUP_SHARE`
    of it.

    Parameters
    ----------
    n_nodes : int
        Candidates plus two per officer.
    window_s : float
        Seconds until the improvement must end.
    open_routes : int
        Routes that may still take a visit (:meth:`Clock.open_routes`).
    contention : float
        :meth:`Clock.contention`.

    Returns
    -------
    str or None
        The reason, for the log.
    """
    if window_s <= 0:
        return f"no time left ({window_s:.1f} s)"
    setup_s = _SAFETY * contention * polish_setup_s(n_nodes)
    if not open_routes or setup_s <= _IMPROVE_MAX_SETUP_SHARE * window_s:
        return None
    return (f"its setup over {n_nodes} nodes would take ~{setup_s:.1f} s of "
            f"{max(window_s, 0.0):.1f} s, with {open_routes} routes open")


def _per_lead_s(base_s: float, open_s: float, per_route_s: float, open_routes: int) -> float:
    """One lead's share of a pass after the search: ``base_s``, and with routes open to
    screen, ``open_s`` plus ``per_route_s`` for each."""
    return base_s + (open_s + per_route_s * open_routes if open_routes else 0.0)


@dataclass(frozen=True)
class Clock:
    """A solve's time limit on the wall clock, and the time kept for the plan after the search.

    Parameters
    ----------
    time_limit_s : float
        The solve's time limit (positive).
    n_candidates : int
        Candidates of the day (after the leads ruled out alone).
    visit_caps : tuple of int or None
        Each officer's visit cap (None: none), in the problem's officer order.
    balancing : bool
        Whether the team's working hours are balanced after the search.
    expected_visits : float or None
        About how many visits the day holds (before there is a plan, the leads left out
        are taken to be the rest); None: every candidate is taken to be left out.
    start_s, start_cpu_s : float
        ``time.perf_counter()`` and ``time.process_time()`` when the solve started.
    """

    time_limit_s: float
    n_candidates: int
    visit_caps: tuple[int | None, ...]
    balancing: bool
    expected_visits: float | None = None
    start_s: float = field(default_factory=time.perf_counter)
    start_cpu_s: float = field(default_factory=time.process_time)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_limit_s) and self.time_limit_s > 0):
            raise ProblemError("time limit must be positive", field="time_limit_s")
        if self.n_candidates < 0:
            raise ProblemError("candidates cannot be negative", field="n_candidates")

    @property
    def end_s(self) -> float:
        """The ``time.perf_counter()`` instant the time limit ends."""
        return self.start_s + self.time_limit_s

    def contention(self) -> float:
        """How much slower than on a core of its own the solve has run so far: wall over CPU
        seconds since it started (2 when another process shares the core), between 1 and
        :data:`_MAX_CONTENTION`; 1 before :data:`_CONTENTION_MIN_S`. With worker processes
        this process may wait for them, which reads as contention: estimates err long."""
        wall = time.perf_counter() - self.start_s
        cpu = time.process_time() - self.start_cpu_s
        if wall < _CONTENTION_MIN_S or cpu <= 0:
            return 1.0
        return min(_MAX_CONTENTION, max(1.0, wall / cpu))

    def open_routes(self, visits: Sequence[int] | None = None) -> int:
        """Officers who may still take a visit: below their cap with ``visits`` (one count per
        officer). Before there is a plan (``visits`` None): the officers with no cap, and
        those with one unless the candidates are at least :data:`_FULL_DAY_FACTOR` times
        the visits the caps allow (then the search fills every capped day)."""
        caps = self.visit_caps
        if visits is None:
            capped = [cap for cap in caps if cap is not None]
            full = self.n_candidates >= _FULL_DAY_FACTOR * sum(capped)
            return len(caps) - (len(capped) if full else 0)
        return sum(1 for cap, n in zip(caps, visits, strict=True) if cap is None or n < cap)

    def left_out(self, visits: Sequence[int] | None = None) -> float:
        """Leads left out after the search: the candidates not visited with ``visits`` per
        officer, or before there is a plan those beyond the visits the day holds."""
        if visits is not None:
            return max(0.0, self.n_candidates - sum(visits))
        if self.expected_visits is None:
            return float(self.n_candidates)
        return max(0.0, self.n_candidates - self.expected_visits)

    def after_s(self, open_routes: int, passes: int = 3, left_out: float | None = None
                ) -> float:
        """Seconds the plan's work after the search is estimated to take: ``passes`` passes
        over ``left_out`` leads (default: :meth:`left_out`) with ``open_routes`` routes that
        may still take a visit (see :data:`_AFTER_S_PER_LEAD`), the last of them explaining
        (:meth:`explain_s_per_lead`), kept above what was measured and scaled by
        :meth:`contention`."""
        n = self.left_out() if left_out is None else left_out
        per_lead_s = _per_lead_s(_AFTER_S_PER_LEAD, _AFTER_S_PER_OPEN_LEAD,
                                 _AFTER_S_PER_LEAD_ROUTE, open_routes)
        explain_s = _per_lead_s(_EXPLAIN_S_PER_LEAD, _EXPLAIN_S_PER_OPEN_LEAD,
                                _EXPLAIN_S_PER_LEAD_ROUTE, open_routes)
        work_s = n * (per_lead_s * max(passes - 1, 0) + (explain_s if passes else 0.0))
        return _SAFETY * self.contention() * (_AFTER_MIN_S + work_s)

    def explain_s_per_lead(self, open_routes: int) -> float:
        """Seconds explaining one lead left out takes with ``open_routes`` routes that may
        still take a visit (:data:`_EXPLAIN_S_PER_OPEN_LEAD`), kept above what was measured
        and scaled by :meth:`contention`: what the last put-back keeps for each lead it
        looks at and leaves out (:func:`routing.put_back.put_back`'s ``keep_s_per_left``)."""
        return _SAFETY * self.contention() * _per_lead_s(
            _EXPLAIN_S_PER_LEAD, _EXPLAIN_S_PER_OPEN_LEAD, _EXPLAIN_S_PER_LEAD_ROUTE,
            open_routes)

    def reserve_s(self, visits: Sequence[int] | None = None) -> float:
        """Seconds kept after the search: the plan's work (:meth:`after_s`) and, on a balanced
        day, the balance's time (what is left of :data:`_BALANCE_SHARE` of the limit, at most
        :data:`_BALANCE_S_PER_LEAD` a candidate).

        Parameters
        ----------
        visits : sequence of int, optional
            Visits per officer of the plan the search has so far (routes at their cap are
            not looked at after the search); None before there is one.

        Returns
        -------
        float
        """
        after = self.after_s(self.open_routes(visits), 3 if self.balancing else 2,
                             self.left_out(visits))
        after += _SAFETY * self.contention() * _SEARCH_LATE_S
        if not self.balancing:
            return after
        return after + max(0.0, min(_BALANCE_SHARE * self.time_limit_s - after,
                                    _BALANCE_S_PER_LEAD * self.n_candidates))

    def search_end_s(self, visits: Sequence[int] | None = None) -> float:
        """The ``time.perf_counter()`` instant the search ends (:meth:`reserve_s` before the
        time limit's end)."""
        return self.end_s - self.reserve_s(visits)

    def put_back_end_s(self, visits: Sequence[int], after_balance: bool = False) -> float:
        """The instant putting back left-out leads ends (:func:`routing.reasons.put_back`):
        the time left then covers the passes after it with ``visits`` per officer (on a
        balanced day, before the balance: free visits put back and explanations; otherwise,
        or ``after_balance``, the explanations)."""
        passes = 2 if self.balancing and not after_balance else 1
        return self.end_s - self.after_s(self.open_routes(visits), passes,
                                         self.left_out(visits))

    def explain_end_s(self, unreached: int = 0) -> float:
        """The instant explaining stops looking at leads the put-back did not reach: the
        time left then labels the rest, at most ``unreached`` (:data:`_LABEL_S_PER_LEAD`),
        and assembles the plan (:data:`_AFTER_MIN_S`), scaled like every estimate (at the
        limit itself the 45 uncapped officers' plan ended 20 ms late)."""
        return self.end_s - _SAFETY * self.contention() * (
            _AFTER_MIN_S + _LABEL_S_PER_LEAD * unreached)

    def balance_end_s(self, visits: Sequence[int]) -> float:
        """The instant the balance ends: the time left then covers the passes after it
        (free visits put back, explanations) with ``visits`` per officer."""
        return self.end_s - self.after_s(self.open_routes(visits), 2, self.left_out(visits))
