"""How officers choose whom to visit on a simulated day: countyreach and two baselines.

All three policies see the same day: the same officers at the same bases, the
same shift, lunch break, drive and visit caps, the same service times and the
same travel matrix, and the same set of leads that may be visited (not visited
recently, no loan within the world's loan rule). They differ only in the choice and order:

``countyreach``
    The value a visit causes, from the visit-value model (retrained every
    ``retrain_weeks`` on the simulated outcomes), with a small share of randomised
    visits (``explore_share``), routed jointly for all officers by
    :func:`routing.solve` (prize-collecting VRP).
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

The baselines time every day with :func:`routing.schedule.schedule_route`, the one
route-timing function the solver uses too, so every policy's day follows the same rules
and can be verified by :func:`routing.check_plan`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from countyreach.errors import InputError
from countyreach.simulation.traveltime import TravelTimes
from geo.types import Location, TravelMatrix
from routing.plan import Plan, PlanStatus, Route
from routing.problem import Lead, Officer, end_node_id, start_node_id
from routing.schedule import schedule_route

__all__ = ["Policy", "POLICIES", "ROUTED_POLICIES", "parse_policy", "DayState", "greedy_route",
           "nearest_plan", "score_order_plan", "territories", "value_nearest_plan"]


class Policy(enum.StrEnum):
    """How a simulated team chooses the day's visits."""

    #: The product: the visit-value model's values (with randomised visits) routed by the
    #: solver, retrained every ``retrain_weeks`` on the visits' outcomes.
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


# The baselines' leads carry no coordinates: schedule_route times them by the matrix alone.
_NOWHERE = Location(0.0, 0.0)


@dataclass
class DayState:
    """One officer's day being built by a greedy baseline (mutable scratch, not a result).

    ``route`` is always the timeline :func:`routing.schedule.schedule_route` gives the
    visits so far; ``t_s`` is the departure from the last of them.
    """

    officer: Officer
    pos: int
    t_s: int
    end: int
    visits: list[Lead] = field(default_factory=list)
    route: Route | None = None
    done: bool = False


def _as_leads(lead_ids: Sequence[str], service_s: Mapping[str, int]) -> dict[str, Lead]:
    return {x: Lead(x, "", _NOWHERE, "any", service_s=int(service_s[x])) for x in lead_ids}


def try_visit(st: DayState, lead: Lead, matrix: TravelMatrix) -> bool:
    """Append a visit to ``lead`` if the day still closes; True when it was added.

    The day is re-timed by :func:`routing.schedule.schedule_route` (the one timing
    function: shift, lunch window, drive and visit caps, windows), so the baselines'
    days follow exactly the rules the solver's days do.
    """
    o = st.officer
    if o.max_visits is not None and len(st.visits) >= o.max_visits:
        return False
    j = matrix.index[lead.lead_id]
    dur = matrix.duration_s
    leg, back = int(dur[st.pos, j]), int(dur[j, st.end])
    # Cheap necessary conditions first; most misfits end here without re-timing the day.
    # A lunch already taken before the last stop may move after the new one, so the
    # bound allows for it.
    lunch_back = o.lunch.duration_s if (o.lunch is not None and st.route is not None
                                        and st.route.lunch is not None) else 0
    if st.t_s - lunch_back + leg + lead.service_s + back > o.shift.end_s:
        return False
    driven = 0 if st.route is None else st.route.drive_s - st.route.end_drive_s
    if o.max_drive_s is not None and driven + leg + back > o.max_drive_s:
        return False
    route = schedule_route(o, [*st.visits, lead], matrix)
    if route is None:
        return False
    st.visits.append(lead)
    st.route = route
    st.pos = j
    st.t_s = route.stops[-1].departure_s
    return True


def close_route(st: DayState, values: Mapping[str, float]) -> Route:
    """The day's :class:`Route` (lunch and the drive back as timed), valued by ``values``."""
    route = st.route
    if route is None:
        o = st.officer
        return Route(o.officer_id, (), o.shift.start_s, o.shift.start_s, 0, 0, 0.0)
    return replace(route, value_yuan=float(sum(values.get(v.lead_id, 0.0) for v in st.visits)))


def _start_states(officers: Sequence[Officer], index: Mapping[str, int]) -> list[DayState]:
    return [DayState(o, index[start_node_id(o.officer_id)], o.shift.start_s,
                     index[end_node_id(o.officer_id)]) for o in officers]


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
    st = _start_states([officer], matrix.index)[0]
    leads = _as_leads(order, service_s)
    for lid in order:
        if not try_visit(st, leads[lid], matrix) and stop_at_first_misfit:
            break
    return close_route(st, values)


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


def territories(times: TravelTimes, lead_ids: Sequence[str], officers: Sequence[Officer],
                values: npt.ArrayLike) -> dict[str, list[str]]:
    """Leads split by nearest base (officers sharing a base take turns), in value order.

    Parameters
    ----------
    times : TravelTimes
        The world's travel times (among the leads and the officers' start depots).
    lead_ids : sequence of str
    officers : sequence of Officer
    values : array-like
        Each lead's score, in the order of ``lead_ids``.

    Returns
    -------
    dict
        Officer id -> lead ids of the territory in descending value (the
        ``score_order`` policy's working order).
    """
    ids = list(lead_ids)
    # The world's order: sites and the roster's own places alike.
    base_ids = sorted({o.start.depot_id for o in officers}, key=times.index.__getitem__)
    nearest = np.argmin(times.to_and_from(base_ids, ids)[0], axis=0)
    order = np.argsort(-np.asarray(values, float), kind="stable")
    by_base: dict[str, list[str]] = {b: [] for b in base_ids}
    for i in order:
        by_base[base_ids[int(nearest[i])]].append(ids[int(i)])
    out: dict[str, list[str]] = {}
    for b in base_ids:
        mine = [o.officer_id for o in officers if o.start.depot_id == b]
        for j, oid in enumerate(mine):
            out[oid] = by_base[b][j::len(mine)]
    return out


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
    idx = matrix.index
    states = _start_states(officers, idx)
    leads = _as_leads(lead_ids, service_s)
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
            if try_visit(st, leads[lead_ids[c]], matrix):
                open_[c] = False
                moved = True
                break
        if not moved:
            st.done = True
    routes = tuple(close_route(s, values) for s in states)
    return Plan(PlanStatus.FEASIBLE, routes, (), float(sum(r.value_yuan for r in routes)),
                solver=solver, plan_date=plan_date)
