"""Which phases of :func:`routing.solve` a day's size leaves room for in its time limit.

A large team day (tens of officers over thousands of searched leads) cannot afford what a
field day of ten officers can: PyVRP's start and the whole-day OR-Tools search grow with
the leads and the officers, and at 45 officers over ~3,000 searched leads they took the
whole 10 s budget (the whole-day search alone ran 112 s, finding nothing), leaving the
improvement of :mod:`routing.lns` no time. Such days are planned from greedy starts
improved by :mod:`routing.lns`; the plan's meta says which phase was skipped
(``pyvrp_skipped_large_day``, ``whole_day_search_skipped``). Measured in
``bench/bench_budget.py``. Also here: the time kept after the search for the plan itself
(:func:`plan_reserve_s`).
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.problem import Lead, RoutingProblem
from routing.reasons import rule_matrices

__all__ = ["PLAN_S_PER_LEAD", "plan_reserve_s", "pyvrp_too_large", "whole_day_model_s",
           "whole_day_skip"]

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
#: Time kept after the search (see :func:`plan_reserve_s`).
_BALANCE_SHARE = 0.25
_BALANCE_S_PER_LEAD = 0.005
_PLAN_MIN_S = 0.02
PLAN_S_PER_LEAD = 0.00015


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


def plan_reserve_s(time_limit_s: float, n_candidates: int, balancing: bool) -> float:
    """Seconds kept after the search for the plan: timing, re-insertion, explanations and,
    on a team's day, balancing.

    Re-inserting and explaining left-out leads takes ~0.05-0.1 ms a candidate (measured on
    field days of 10 officers at N = 1000 and 2000, and on PCVRPTW days of 100 officers and
    1,000 leads, where screening positions by the routes' time bounds and routes by their
    cheapest detour took it from 1.2 s to 0.1 s; see :mod:`routing.reasons`); more than that
    is kept, for a busy machine. Balancing uses whatever time it is given (seconds on the demo
    county), so a team's day keeps a quarter of the limit at most, 5 ms a candidate (on the
    demo's 400 candidates, 3 ms left the balance ~0.5 s on a busy machine, which ended it
    with the hours still 1.4 : 1 in one run in three).

    Parameters
    ----------
    time_limit_s : float
        The solve's time limit.
    n_candidates : int
        Candidates of the day (after leads ruled out alone).
    balancing : bool
        Whether the team's working hours are balanced after the search.

    Returns
    -------
    float
        Seconds.
    """
    if balancing:
        return min(_BALANCE_SHARE * time_limit_s, _BALANCE_S_PER_LEAD * n_candidates)
    return min(_BALANCE_SHARE * time_limit_s,
               _PLAN_MIN_S + PLAN_S_PER_LEAD * n_candidates)
