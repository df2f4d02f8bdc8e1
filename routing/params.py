"""Solver parameters: how long and how the search runs, kept apart from the problem."""

from __future__ import annotations

import math
from dataclasses import dataclass

from geo.errors import require
from routing.errors import ProblemError

__all__ = ["SolveParams", "MAX_SEED"]

#: Largest seed: 2**24 - 1, so that every worker's seed stays a 32-bit unsigned integer.
MAX_SEED = 2**24 - 1


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How :func:`routing.solve` searches (not what the day is: that is the problem).

    Parameters
    ----------
    time_limit_s : float
        Wall-clock budget for the solver.
    seed : int
        Seed of the improvement phase's random choices (0 .. :data:`MAX_SEED`).
    workers : int
        Processes the search may use (one per core is plenty); 1 keeps it in this process.
    improvement_steps : int or None
        None (default): search until the time limit ("anytime"). A number makes the plan
        reproducible: greedy routes, then exactly this many improvement steps, each run to
        its local optimum, in one process; the time limit is then not enforced.
    pyvrp_start : bool
        Under a time limit, also propose a start from PyVRP under a relaxation of the day
        (:mod:`routing.pyvrp_start`); the better start is kept and every rule enforced by
        the search after it. False: greedy starts only.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 2
    improvement_steps: int | None = None
    pyvrp_start: bool = True

    def __post_init__(self) -> None:
        require(math.isfinite(self.time_limit_s) and self.time_limit_s > 0,
                "time limit must be positive", field="time_limit_s", error=ProblemError)
        # The solvers take unsigned 32-bit seeds, and the workers' are seed x workers + j:
        # a negative seed failed deep inside OR-Tools.
        require(isinstance(self.seed, int) and 0 <= self.seed <= MAX_SEED,
                f"seed must be an integer in 0 .. {MAX_SEED}", field="seed", error=ProblemError)
        require(self.workers >= 1, "workers must be >= 1", field="workers", error=ProblemError)
        require(self.improvement_steps is None or self.improvement_steps >= 0,
                "improvement_steps must be >= 0", field="improvement_steps", error=ProblemError)
