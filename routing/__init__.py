"""routing: the daily plan — prize-collecting vehicle routing over real travel times.

* :func:`solve` — OR-Tools prize-collecting routing (``routing.solver``, the only module
  that imports OR-Tools);
* :func:`check_plan` — the independent plan checker (no solver import);
* :func:`schedule_route` — exact earliest-start timing of a visit order;
* :func:`explain_drops` — a reason for every lead left out;
* :func:`replan` — re-plan the rest of the day from where officers are.
"""

from __future__ import annotations

from routing.checker import VIOLATION_CODES, check_plan
from routing.reasons import explain_drops, insert_profitable, lead_alone_reasons
from routing.replan import replan
from routing.schedule import schedule_route
from routing.solver import solve

__all__ = [
    "VIOLATION_CODES",
    "check_plan",
    "explain_drops",
    "insert_profitable",
    "lead_alone_reasons",
    "replan",
    "schedule_route",
    "solve",
]
