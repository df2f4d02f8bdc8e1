"""How officers choose whom to visit on a simulated day: countyreach and two baselines.

All three policies see the same day: the same officers at the same bases, the
same shift, lunch break, drive and visit caps, the same service times and the
same travel matrix, and the same set of leads that may be visited (not visited
recently, no loan in the last year). They differ only in the choice and order:

``countyreach``
    Expected value of a visit from the learned lead model (retrained weekly on
    the simulated outcomes) with a Thompson-sampling exploration share, routed
    jointly for all officers by :func:`routing.solve` (prize-collecting VRP).
``nearest``
    What many lenders do today: each officer drives to the nearest known lead
    not visited recently, then the nearest from there, and so on while the
    shift allows (greedy nearest neighbour from the base).
``score_order``
    A lender with a scorecard but no routing: each officer takes the leads of
    the territory (leads closest to the officer's base) in descending score of
    a static model trained once on the history, and visits them in that order
    until the next one no longer fits in the shift.
``score_routed``
    The same scorecard value routed by :func:`routing.solve`: our own router
    with a conventional model, i.e. the product before it valued what the visit causes.
``value_nearest``
    Greedy value per minute: each officer goes next to the lead with the highest
    scorecard value per minute of driving and service that still fits the day.
``relationship``
    Today's practice: officers visit past borrowers (the bank's loan book and the
    businesses with an existing loan), nearest first; others only when none is left.

The baselines build :class:`~countyreach.types.Route` values with the same
timing rules as the routing checker, so every policy's day can be verified by
:func:`routing.check_plan`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from countyreach.errors import InputError
from geo.types import TravelMatrix
from routing.plan import BreakTaken, Plan, PlanStatus, Route, Stop
from routing.problem import Officer, end_node_id, start_node_id

__all__ = ["Policy", "POLICIES", "ROUTED_POLICIES", "parse_policy", "DayState", "greedy_route",
           "nearest_plan", "score_order_plan", "value_nearest_plan"]


class Policy(enum.StrEnum):
    """How a simulated team chooses the day's visits."""

    #: The product: the lead model's values (with exploration) routed by the solver,
    #: retrained every week on the visits' outcomes.
    COUNTYREACH = "countyreach"
    #: Baseline: each officer visits the nearest eligible leads, no model.
    NEAREST = "nearest"
    #: Baseline: each officer works through a territory in the model's score order.
    SCORE_ORDER = "score_order"
    #: Baseline: the conventional scorecard's value (P(loan | visit) x loan x margin)
    #: routed jointly by the same solver as ``countyreach``.
    SCORE_ROUTED = "score_routed"
    #: Baseline: each officer goes next to the lead with the best scorecard value per
    #: minute (drive + service) among those still within reach of the day.
    VALUE_NEAREST = "value_nearest"
    #: Today's practice: relationship visits to past borrowers, nearest first.
    RELATIONSHIP = "relationship"


#: Every policy, in the order results are reported.
POLICIES: tuple[Policy, ...] = tuple(Policy)
#: Policies whose days are made by the routing solver.
ROUTED_POLICIES: frozenset[Policy] = frozenset({Policy.COUNTYREACH, Policy.SCORE_ROUTED})


def parse_policy(value: Policy | str) -> Policy:
    """The policy named ``value``.

    Raises
    ------
    InputError
        Naming the choices, for an unknown name.
    """
    try:
        return Policy(value)
    except ValueError:
        raise InputError(f"policy must be one of {[p.value for p in Policy]}, got {value!r}",
                         field="policy") from None


@dataclass
class DayState:
    """One officer's day being built by a greedy baseline (mutable scratch, not a result)."""

    officer: Officer
    pos: int
    t_s: int
    drive_s: int = 0
    distance_m: int = 0
    stops: list[Stop] | None = None
    lunch: BreakTaken | None = None
    done: bool = False

    def __post_init__(self) -> None:
        if self.stops is None:
            self.stops = []


def _lunch_needed(o: Officer) -> bool:
    return o.lunch is not None


def try_visit(st: DayState, j: int, service_s: int, dur: npt.NDArray[np.int64],
              dist: npt.NDArray[np.int64], end: int, lead_id: str,
              value_yuan: float = 0.0) -> Stop | None:
    """Append a visit to lead ``j`` if the day still closes; return the stop or None.

    The officer drives from the current position, serves the lead, and must
    still be able to take lunch (if not yet taken; it starts at the latest by
    the end of the lunch window, taken where the officer is) and drive back to
    the end depot before the shift ends, within the drive and visit caps.
    """
    o = st.officer
    assert st.stops is not None
    if o.max_visits is not None and len(st.stops) >= o.max_visits:
        return None
    t = st.t_s
    lunch = st.lunch
    leg = int(dur[st.pos, j])
    back = int(dur[j, end])
    if o.max_drive_s is not None and st.drive_s + leg + back > o.max_drive_s:
        return None
    if o.lunch is not None and lunch is None:
        w = o.lunch.window
        # Take lunch before this visit when the visit would end after the window closes.
        if t + leg + service_s > w.end_s:
            ls = max(t, w.start_s)
            if ls > w.end_s:
                return None
            lunch = BreakTaken(ls, o.lunch.duration_s)
            t = ls + o.lunch.duration_s
    arrival = t + leg
    departure = arrival + service_s
    finish = departure
    if o.lunch is not None and lunch is None:
        w = o.lunch.window
        ls = max(departure, w.start_s)
        if ls > w.end_s:
            return None
        finish = ls + o.lunch.duration_s
    if finish + back > o.shift.end_s:
        return None
    stop = Stop(lead_id, arrival, arrival, departure, leg, int(dist[st.pos, j]))
    st.stops.append(stop)
    st.lunch = lunch
    st.t_s = departure
    st.drive_s += leg
    st.distance_m += int(dist[st.pos, j])
    st.pos = j
    return stop


def close_route(st: DayState, dur: npt.NDArray[np.int64], dist: npt.NDArray[np.int64],
                end: int, values: Mapping[str, float]) -> Route:
    """Finish the day: lunch if still due, drive back, and return the :class:`Route`."""
    o = st.officer
    assert st.stops is not None
    t = st.t_s
    lunch = st.lunch
    if not st.stops:
        return Route(o.officer_id, (), o.shift.start_s, o.shift.start_s, 0, 0, 0.0)
    if o.lunch is not None and lunch is None:
        ls = max(t, o.lunch.window.start_s)
        lunch = BreakTaken(ls, o.lunch.duration_s)
        t = ls + o.lunch.duration_s
    back = int(dur[st.pos, end])
    back_m = int(dist[st.pos, end])
    return Route(
        officer_id=o.officer_id, stops=tuple(st.stops), start_s=o.shift.start_s,
        end_s=t + back, drive_s=st.drive_s + back, distance_m=st.distance_m + back_m,
        value_yuan=float(sum(values.get(s.lead_id, 0.0) for s in st.stops)),
        end_drive_s=back, end_distance_m=back_m, lunch=lunch)


def _start_states(officers: Sequence[Officer], index: Mapping[str, int]) -> list[DayState]:
    return [DayState(o, index[start_node_id(o.officer_id)], o.shift.start_s) for o in officers]


def greedy_route(officer: Officer, order: Sequence[str], matrix: TravelMatrix,
                 service_s: Mapping[str, int], values: Mapping[str, float], *,
                 stop_at_first_misfit: bool = True) -> Route:
    """Visit ``order`` in the given order until the shift is full.

    Parameters
    ----------
    officer : Officer
    order : sequence of str
        Lead ids in the order to visit.
    matrix : TravelMatrix
        Contains the leads and the officer's start/end nodes.
    service_s, values : mapping
        Service time and expected value per lead.
    stop_at_first_misfit : bool
        Stop at the first lead that does not fit (score order) or skip it.

    Returns
    -------
    Route
    """
    dur, dist, idx = matrix.duration_s, matrix.distance_m, matrix.index
    st = _start_states([officer], idx)[0]
    end = idx[end_node_id(officer.officer_id)]
    for lid in order:
        if try_visit(st, idx[lid], int(service_s[lid]), dur, dist, end, lid) is None \
                and stop_at_first_misfit:
            break
    return close_route(st, dur, dist, end, values)


def score_order_plan(officers: Sequence[Officer], territory: Mapping[str, Sequence[str]],
                     matrix: TravelMatrix, service_s: Mapping[str, int],
                     values: Mapping[str, float], plan_date: str = "") -> Plan:
    """Every officer visits the own territory's leads in the given (score) order.

    Parameters
    ----------
    officers : sequence of Officer
    territory : mapping officer_id -> lead ids in descending score
    matrix, service_s, values
        As in :func:`greedy_route`.
    plan_date : str

    Returns
    -------
    Plan
    """
    routes = tuple(greedy_route(o, territory.get(o.officer_id, ()), matrix, service_s, values)
                   for o in officers)
    return Plan(PlanStatus.FEASIBLE, routes, (), float(sum(r.value_yuan for r in routes)),
                solver="score_order", plan_date=plan_date)


def nearest_plan(officers: Sequence[Officer], lead_ids: Sequence[str], matrix: TravelMatrix,
                 service_s: Mapping[str, int], values: Mapping[str, float],
                 plan_date: str = "") -> Plan:
    """Greedy nearest neighbour: each officer goes to the nearest unvisited lead that fits.

    Officers take turns (the one who is earliest in the day moves next, ties by
    roster order), so no officer sweeps up the leads near another's base first.

    Parameters
    ----------
    officers : sequence of Officer
    lead_ids : sequence of str
        Leads that may be visited today.
    matrix, service_s, values
        As in :func:`greedy_route`.
    plan_date : str

    Returns
    -------
    Plan
    """
    dur = matrix.duration_s

    def nearest_first(pos: int, cols: npt.NDArray[np.int64],
                      cand: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return cand[np.argsort(dur[pos, cols[cand]], kind="stable")]

    return _take_turns(officers, lead_ids, matrix, service_s, values, nearest_first,
                       "nearest", plan_date)


def value_nearest_plan(officers: Sequence[Officer], lead_ids: Sequence[str],
                       matrix: TravelMatrix, service_s: Mapping[str, int],
                       values: Mapping[str, float], plan_date: str = "") -> Plan:
    """Greedy value per minute: each officer's next lead is the best value / (drive + service).

    Officers take turns as in :func:`nearest_plan`; a lead that no longer fits the
    officer's day is skipped for the next best.

    Parameters
    ----------
    officers : sequence of Officer
    lead_ids : sequence of str
        Leads that may be visited today.
    matrix, service_s : as in :func:`greedy_route`
    values : mapping
        Expected value per lead (yuan).
    plan_date : str

    Returns
    -------
    Plan
    """
    dur = matrix.duration_s
    val = np.array([float(values.get(x, 0.0)) for x in lead_ids])
    svc = np.array([int(service_s[x]) for x in lead_ids], dtype=np.int64)

    def best_rate_first(pos: int, cols: npt.NDArray[np.int64],
                        cand: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        rate = val[cand] / (dur[pos, cols[cand]] + svc[cand] + 60.0)
        return cand[np.argsort(-rate, kind="stable")][:200]

    return _take_turns(officers, lead_ids, matrix, service_s, values, best_rate_first,
                       "value_nearest", plan_date)


def _take_turns(officers: Sequence[Officer], lead_ids: Sequence[str], matrix: TravelMatrix,
                service_s: Mapping[str, int], values: Mapping[str, float],
                order: Callable[[int, npt.NDArray[np.int64], npt.NDArray[np.int64]],
                                npt.NDArray[np.int64]],
                solver: str, plan_date: str) -> Plan:
    """Officers take turns (earliest in the day first, ties by roster order); each takes the
    first open lead in ``order(position, columns, open candidates)`` that still fits its day."""
    dur, dist, idx = matrix.duration_s, matrix.distance_m, matrix.index
    states = _start_states(officers, idx)
    ends = [idx[end_node_id(o.officer_id)] for o in officers]
    cols = np.array([idx[x] for x in lead_ids], dtype=np.int64)
    open_ = np.ones(len(cols), dtype=bool)
    while True:
        active = [k for k, s in enumerate(states) if not s.done]
        if not active or not open_.any():
            break
        k = min(active, key=lambda a: (states[a].t_s, a))
        st = states[k]
        moved = False
        for c in order(st.pos, cols, np.flatnonzero(open_)):
            lid = lead_ids[c]
            if try_visit(st, int(cols[c]), int(service_s[lid]), dur, dist, ends[k], lid):
                open_[c] = False
                moved = True
                break
        if not moved:
            st.done = True
    routes = tuple(close_route(s, dur, dist, e, values) for s, e in zip(states, ends, strict=True))
    return Plan(PlanStatus.FEASIBLE, routes, (), float(sum(r.value_yuan for r in routes)),
                solver=solver, plan_date=plan_date)
