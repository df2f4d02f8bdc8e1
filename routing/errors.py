"""Errors of the routing package: a problem that is not valid, a solver that failed.

An infeasible day is not an error: it is a :class:`routing.plan.Plan` with a status.
"""

from __future__ import annotations

from geo.errors import LocatedError

__all__ = ["RoutingError", "ProblemError"]


class RoutingError(Exception):
    """Base class of every error the routing package raises on purpose."""


class ProblemError(RoutingError, LocatedError):
    """A routing problem, plan or parameter is not valid (names the field)."""
