"""routing: the daily plan — prize-collecting vehicle routing over real travel times.

* :func:`check_plan` — the independent plan checker (no solver import);
* :func:`solve` — OR-Tools prize-collecting routing (``routing.solver``, the only module
  that imports OR-Tools).
"""

from __future__ import annotations

from routing.checker import VIOLATION_CODES, check_plan

__all__ = ["VIOLATION_CODES", "check_plan"]
