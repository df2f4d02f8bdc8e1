"""routing: the daily plan — prize-collecting vehicle routing over real travel times.

Types (:mod:`routing.problem`, :mod:`routing.plan`, :mod:`routing.params`): a validated,
frozen :class:`RoutingProblem` built apart from solving, :class:`SolveParams` for the search,
and the :class:`Plan` every call returns (infeasible or partial days are a status, not an
exception). Functions:

* :func:`solve` — ``solve(problem, params) -> Plan``, OR-Tools prize-collecting routing
  (``routing.solver``, the only module that imports OR-Tools);
* :func:`check_plan` — the independent plan checker (no solver import);
* :func:`schedule_route` — exact earliest-start timing of a visit order;
* :func:`explain_drops` — a reason for every lead left out;
* :func:`replan` — re-plan the rest of the day from where officers are.
"""

from __future__ import annotations

from routing.checker import VIOLATION_CODES, check_plan
from routing.errors import ProblemError, RoutingError
from routing.params import SolveParams
from routing.plan import (
    BreakTaken,
    DroppedLead,
    DropReason,
    Plan,
    PlanStatus,
    Route,
    Stop,
    Violation,
)
from routing.problem import (
    Break,
    ConstraintMode,
    Depot,
    DepotKind,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    hhmm,
    parse_hhmm,
    start_node_id,
)
from routing.reasons import explain_drops, insert_profitable, lead_alone_reasons
from routing.replan import replan
from routing.schedule import schedule_route
from routing.solver import solve

__all__ = [
    # problem, parameters, plan (the package's own types)
    "Break",
    "ConstraintMode",
    "Depot",
    "DepotKind",
    "Lead",
    "Officer",
    "RoutingProblem",
    "RoutingRules",
    "TimeWindow",
    "end_node_id",
    "hhmm",
    "parse_hhmm",
    "start_node_id",
    "SolveParams",
    "BreakTaken",
    "DroppedLead",
    "DropReason",
    "Plan",
    "PlanStatus",
    "Route",
    "Stop",
    "Violation",
    "RoutingError",
    "ProblemError",
    # solving and checking
    "VIOLATION_CODES",
    "check_plan",
    "explain_drops",
    "insert_profitable",
    "lead_alone_reasons",
    "replan",
    "schedule_route",
    "solve",
]
