"""The names :mod:`routing` exports, loaded when first used (see ``__init__.py``)."""

from .checker import VIOLATION_CODES, check_plan, checked_plan
from .errors import ProblemError, RoutingError
from .params import SolveParams
from .plan import (
    BreakTaken,
    DroppedLead,
    DropReason,
    Plan,
    PlanStatus,
    Route,
    Stop,
    Violation,
)
from .problem import (
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
from .put_back import PutBack, insert_profitable, put_back
from .reasons import explain_drops, lead_alone_reasons
from .replan import replan
from .schedule import schedule_route
from .solver import solve

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
    "checked_plan",
    "explain_drops",
    "insert_profitable",
    "put_back",
    "PutBack",
    "lead_alone_reasons",
    "replan",
    "schedule_route",
    "solve",
]
