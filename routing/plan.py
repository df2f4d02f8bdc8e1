"""The day plan: routes, stops, leads left out with their reasons, and checker violations."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.errors import require, require_id
from routing.errors import ProblemError

__all__ = [
    "Stop",
    "BreakTaken",
    "Route",
    "DropReason",
    "DroppedLead",
    "PlanStatus",
    "Plan",
    "Violation",
]


def _check(cond: bool, message: str, field_name: str | None = None) -> None:
    require(cond, message, field=field_name, error=ProblemError)


def _check_id(value: object, field_name: str) -> None:
    require_id(value, field_name, ProblemError)


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit on a route.

    ``arrival_s`` is when the officer arrives, ``start_s`` when service starts
    (after waiting for the window), ``departure_s = start_s + service_s``.
    ``drive_s``/``distance_m`` are of the leg from the previous stop (or start).
    """

    lead_id: str
    arrival_s: int
    start_s: int
    departure_s: int
    drive_s: int
    distance_m: int

    def __post_init__(self) -> None:
        _check_id(self.lead_id, "lead_id")
        _check(self.arrival_s <= self.start_s <= self.departure_s,
               "stop must satisfy arrival <= start <= departure", "start_s")
        _check(self.drive_s >= 0 and self.distance_m >= 0, "leg must be non-negative", "drive_s")

    @property
    def wait_s(self) -> int:
        """Waiting time before service starts."""
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class BreakTaken:
    """When the lunch break was taken: ``start_s`` to ``start_s + duration_s``."""

    start_s: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class Route:
    """An officer's day: leave start at ``start_s``, the stops in order, be back at ``end_s``.

    ``drive_s``/``distance_m`` cover the whole route including the last leg home.
    ``end_drive_s``/``end_distance_m`` are of that last leg.
    """

    officer_id: str
    stops: tuple[Stop, ...]
    start_s: int
    end_s: int
    drive_s: int
    distance_m: int
    value_yuan: float
    end_drive_s: int = 0
    end_distance_m: int = 0
    lunch: BreakTaken | None = None

    def __post_init__(self) -> None:
        _check_id(self.officer_id, "officer_id")
        object.__setattr__(self, "stops", tuple(self.stops))
        _check(self.start_s <= self.end_s, "route must end after it starts", "end_s")

    @property
    def lead_ids(self) -> tuple[str, ...]:
        """Visited lead ids in order."""
        return tuple(s.lead_id for s in self.stops)


class DropReason(enum.StrEnum):
    """Why a lead is not in the plan."""

    UNREACHABLE = "unreachable"
    OUTSIDE_SHIFTS = "outside_every_shift"
    NO_SKILL = "no_matching_skill"
    NOT_LOCAL = "no_local_officer"
    WINDOW_IMPOSSIBLE = "time_window_impossible"
    NOT_WORTH_DETOUR = "not_worth_detour"
    ALREADY_DONE = "already_visited"
    NO_CAPACITY = "no_capacity_left"
    #: Left out by the workload balance: taken out of a long day to even out the officers'
    #: working hours, or a visit that would pay but lengthen a day the balance evened out.
    BALANCE = "left_for_balance"
    #: Not offered to the solver: the day's candidates (chosen by value and reach before
    #: travel times are computed) were all worth more.
    BELOW_CANDIDATES = "ranked_below_the_day"
    #: Not offered to the solver: the lead lies too far from the county's mapped roads to be
    #: driven to (its file row is named in the plan's input warnings).
    OFF_ROADS = "off_the_road_network"
    #: Its visit would pay, but the solve's time limit came before the pass that puts such
    #: leads back reached it (a search cut short on a large day leaves hundreds).
    TIME_LIMIT = "left_for_time_limit"

    @property
    def never_offered(self) -> bool:
        """Left out by the application before the solver saw the lead (not in the problem)."""
        return self in (DropReason.BELOW_CANDIDATES, DropReason.OFF_ROADS)


@dataclass(frozen=True, slots=True)
class DroppedLead:
    """A lead left out, with the reason and, for detours, the value it would have needed."""

    lead_id: str
    reason: DropReason
    detail: str = ""
    needed_value_yuan: float | None = None


class PlanStatus(enum.StrEnum):
    """Outcome of planning; infeasible and partial plans are values, not exceptions."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    PARTIAL = "partial"  # solved, but a pinned visit could not be kept
    INFEASIBLE = "infeasible"  # no plan satisfies the hard constraints
    TIMEOUT = "timeout"  # no solution found in the time limit


@dataclass(frozen=True, eq=False)
class Plan:
    """A day plan: one route per officer and every lead left out with its reason."""

    status: PlanStatus
    routes: tuple[Route, ...]
    dropped: tuple[DroppedLead, ...]
    objective_yuan: float = 0.0
    solve_time_s: float = 0.0
    solver: str = ""
    plan_date: str = ""
    message: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(self.routes))
        object.__setattr__(self, "dropped", tuple(self.dropped))
        object.__setattr__(self, "status", PlanStatus(self.status))

    @property
    def visited_lead_ids(self) -> tuple[str, ...]:
        """Every visited lead id, route by route."""
        return tuple(lid for r in self.routes for lid in r.lead_ids)

    @property
    def value_yuan(self) -> float:
        """Expected value collected by all routes."""
        return float(sum(r.value_yuan for r in self.routes))

    @property
    def drive_s(self) -> int:
        """Total driving time of all routes."""
        return int(sum(r.drive_s for r in self.routes))


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule found by the plan checker."""

    code: str
    message: str
    officer_id: str | None = None
    lead_id: str | None = None
