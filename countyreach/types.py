"""Core value types shared by geo, propensity, routing, the store and the app.

All types are frozen dataclasses validated on construction, so a value that
exists is a valid value. Conventions:

* coordinates are WGS-84 and always named ``lat``/``lon``;
* times of day are integer seconds since local midnight of the plan day
  (``*_s``), durations integer seconds, distances integer metres (``*_m``);
* money is yuan (``*_yuan``), as float;
* every id is a string.

Node ids in a :class:`TravelMatrix` are lead ids plus one start and one end
node per officer, named by :func:`start_node_id` / :func:`end_node_id`.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from countyreach.errors import InputError

__all__ = [
    "UNREACHABLE",
    "Location",
    "TimeWindow",
    "Break",
    "Lead",
    "Officer",
    "Depot",
    "TravelMatrix",
    "RoutingSettings",
    "RoutingProblem",
    "Stop",
    "BreakTaken",
    "Route",
    "DropReason",
    "DroppedLead",
    "PlanStatus",
    "Plan",
    "Violation",
    "start_node_id",
    "end_node_id",
    "hhmm",
    "parse_hhmm",
]

#: Sentinel in travel matrices for "no road path from A to B". Large enough that
#: any route using it breaks every shift, small enough that sums stay in int64.
UNREACHABLE: int = 10**9

DAY_S = 24 * 3600


def _check(cond: bool, message: str, field_name: str | None = None) -> None:
    if not cond:
        raise InputError(message, field=field_name)


def _check_id(value: object, field_name: str) -> None:
    _check(
        isinstance(value, str) and value.strip() != "" and value == value.strip(),
        f"must be a non-empty string without surrounding spaces, got {value!r}",
        field_name,
    )


def hhmm(seconds: int) -> str:
    """Format seconds since midnight as ``HH:MM``.

    Parameters
    ----------
    seconds : int
        Seconds since midnight; may exceed one day.

    Returns
    -------
    str
        ``"08:05"`` style text.
    """
    minutes = int(round(seconds / 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str) -> int:
    """Parse ``HH:MM`` (or ``HH:MM:SS``) into seconds since midnight.

    Parameters
    ----------
    text : str
        A time of day such as ``"08:30"``.

    Returns
    -------
    int
        Seconds since midnight.

    Raises
    ------
    InputError
        If the text is not a time of day.
    """
    parts = str(text).strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        nums = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"expected a time like 08:30, got {text!r}") from None
    h, m = nums[0], nums[1]
    s = nums[2] if len(nums) == 3 else 0
    if not (0 <= h <= 47 and 0 <= m < 60 and 0 <= s < 60):
        raise InputError(f"expected a time like 08:30, got {text!r}")
    return h * 3600 + m * 60 + s


@dataclass(frozen=True, slots=True)
class Location:
    """A WGS-84 point."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        _check(
            isinstance(self.lat, (int, float))
            and math.isfinite(self.lat)
            and -90 <= self.lat <= 90,
            f"latitude must be a number in [-90, 90], got {self.lat!r}",
            "lat",
        )
        _check(
            isinstance(self.lon, (int, float))
            and math.isfinite(self.lon)
            and -180 <= self.lon <= 180,
            f"longitude must be a number in [-180, 180], got {self.lon!r}",
            "lon",
        )


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval of the plan day, in seconds since midnight."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check(isinstance(self.start_s, int) and isinstance(self.end_s, int),
               "time window bounds must be integer seconds", "start_s")
        _check(0 <= self.start_s <= self.end_s <= 2 * DAY_S,
               f"time window must satisfy 0 <= start <= end, got {self.start_s}..{self.end_s}",
               "end_s")

    def contains(self, t_s: int) -> bool:
        """Return whether ``t_s`` lies inside the window (both ends included)."""
        return self.start_s <= t_s <= self.end_s

    def __str__(self) -> str:
        return f"{hhmm(self.start_s)}-{hhmm(self.end_s)}"


@dataclass(frozen=True, slots=True)
class Break:
    """A break (lunch) of ``duration_s`` that must start inside ``window``."""

    window: TimeWindow
    duration_s: int

    def __post_init__(self) -> None:
        _check(isinstance(self.duration_s, int) and self.duration_s > 0,
               f"break duration must be a positive integer of seconds, got {self.duration_s!r}",
               "duration_s")


@dataclass(frozen=True, slots=True)
class Lead:
    """A business that could be visited.

    Parameters
    ----------
    lead_id : str
        Stable id.
    name : str
        Business name shown to officers.
    location : Location
        Where the business is (WGS-84).
    industry : str
        Industry code (``jade_carving``, ``sheep_farm`` ...); also the skill an
        officer needs when skills are enforced.
    village : str
        Village name; officers with this village in their localities are preferred.
    service_s : int
        Time spent at the business.
    value_yuan : float
        Expected value of a visit (the routing prize), >= 0.
    windows : tuple of TimeWindow
        When the business can be visited; empty means any time in the shift.
    pinned_officer_id : str or None
        An appointment: this lead must be visited, by this officer.
    phone, address : str
        Contact details shown on the officer's list.
    value_std_yuan : float
        Uncertainty of ``value_yuan`` (one standard deviation).
    load : int
        Units of what officers carry for the day that this visit uses (application kits,
        QR payment plates or POS terminals to install); 0 for a plain visit.
    """

    lead_id: str
    name: str
    location: Location
    industry: str
    village: str = ""
    service_s: int = 1200
    value_yuan: float = 0.0
    windows: tuple[TimeWindow, ...] = ()
    pinned_officer_id: str | None = None
    phone: str = ""
    address: str = ""
    value_std_yuan: float = 0.0
    load: int = 0

    def __post_init__(self) -> None:
        _check_id(self.lead_id, "lead_id")
        _check(isinstance(self.load, int) and self.load >= 0,
               f"load must be a non-negative integer, got {self.load!r}", "load")
        _check(isinstance(self.location, Location), "location must be a Location", "location")
        _check(isinstance(self.industry, str) and self.industry != "",
               "industry must be a non-empty string", "industry")
        _check(isinstance(self.service_s, int) and 0 <= self.service_s <= 8 * 3600,
               f"service time must be integer seconds in [0, 8h], got {self.service_s!r}",
               "service_s")
        _check(isinstance(self.value_yuan, (int, float)) and math.isfinite(self.value_yuan)
               and self.value_yuan >= 0,
               f"expected value must be a finite number >= 0, got {self.value_yuan!r}",
               "value_yuan")
        _check(all(isinstance(w, TimeWindow) for w in self.windows),
               "windows must be TimeWindow values", "windows")
        ordered = sorted(self.windows, key=lambda w: w.start_s)
        for a, b in itertools.pairwise(ordered):
            _check(a.end_s < b.start_s, "time windows must not overlap", "windows")
        object.__setattr__(self, "windows", tuple(ordered))
        if self.pinned_officer_id is not None:
            _check_id(self.pinned_officer_id, "pinned_officer_id")


@dataclass(frozen=True, slots=True)
class Depot:
    """A bank branch or an officer's home: where a route starts or ends."""

    depot_id: str
    name: str
    location: Location
    kind: str = "branch"  # "branch" or "home"

    def __post_init__(self) -> None:
        _check_id(self.depot_id, "depot_id")
        _check(self.kind in ("branch", "home"), f"kind must be branch or home, got {self.kind!r}",
               "kind")


@dataclass(frozen=True, slots=True)
class Officer:
    """A field officer's day: where it starts and ends, when, and what the officer can do.

    Parameters
    ----------
    officer_id : str
        Stable id.
    name : str
        Display name.
    start, end : Depot
        Where the day starts and ends (home or branch). Re-planning mid-day
        replaces ``start`` with the officer's current position.
    shift : TimeWindow
        The working day; the route leaves ``start`` no earlier than
        ``shift.start_s`` and is back at ``end`` no later than ``shift.end_s``.
    max_drive_s : int or None
        Cap on total driving time.
    max_visits : int or None
        Cap on the number of visits.
    skills : frozenset of str
        Industries the officer specialises in; empty means "generalist" (any industry).
    localities : frozenset of str
        Villages where the officer is known / speaks the dialect.
    lunch : Break or None
        The lunch break.
    capacity : int or None
        Units the officer can carry for the day (see :attr:`Lead.load`); None: no limit.
    """

    officer_id: str
    name: str
    start: Depot
    end: Depot
    shift: TimeWindow
    max_drive_s: int | None = None
    max_visits: int | None = None
    skills: frozenset[str] = frozenset()
    localities: frozenset[str] = frozenset()
    lunch: Break | None = None
    capacity: int | None = None

    def __post_init__(self) -> None:
        _check_id(self.officer_id, "officer_id")
        if self.capacity is not None:
            _check(isinstance(self.capacity, int) and self.capacity >= 0,
                   "capacity must be a non-negative integer", "capacity")
        _check(isinstance(self.start, Depot) and isinstance(self.end, Depot),
               "start and end must be Depot values", "start")
        _check(isinstance(self.shift, TimeWindow), "shift must be a TimeWindow", "shift")
        _check(self.shift.end_s > self.shift.start_s, "shift must have positive length", "shift")
        if self.max_drive_s is not None:
            _check(isinstance(self.max_drive_s, int) and self.max_drive_s >= 0,
                   "max_drive_s must be a non-negative integer", "max_drive_s")
        if self.max_visits is not None:
            _check(isinstance(self.max_visits, int) and self.max_visits >= 0,
                   "max_visits must be a non-negative integer", "max_visits")
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "localities", frozenset(self.localities))

    def can_serve(self, industry: str) -> bool:
        """Return whether the officer's skills cover ``industry`` (generalists cover all)."""
        return not self.skills or industry in self.skills


def start_node_id(officer_id: str) -> str:
    """Matrix node id of an officer's start."""
    return f"@start:{officer_id}"


def end_node_id(officer_id: str) -> str:
    """Matrix node id of an officer's end."""
    return f"@end:{officer_id}"


def _frozen_array(a: npt.ArrayLike, name: str, n: int) -> npt.NDArray[np.int64]:
    arr = np.array(a, dtype=np.int64, copy=True)
    _check(arr.shape == (n, n), f"{name} must be {n}x{n}, got {arr.shape}", name)
    _check(bool((arr >= 0).all()), f"{name} must be non-negative", name)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Directed travel durations and distances between named nodes.

    ``duration_s[i, j]`` is the time to drive from ``node_ids[i]`` to
    ``node_ids[j]``; :data:`UNREACHABLE` where no road path exists. The arrays
    are read-only int64.
    """

    node_ids: tuple[str, ...]
    duration_s: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.int64]
    index: Mapping[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = tuple(self.node_ids)
        for nid in ids:
            _check_id(nid, "node_ids")
        _check(len(set(ids)) == len(ids), "node ids must be unique", "node_ids")
        n = len(ids)
        object.__setattr__(self, "node_ids", ids)
        object.__setattr__(self, "duration_s", _frozen_array(self.duration_s, "duration_s", n))
        object.__setattr__(self, "distance_m", _frozen_array(self.distance_m, "distance_m", n))
        object.__setattr__(self, "index", {nid: i for i, nid in enumerate(ids)})

    def __len__(self) -> int:
        return len(self.node_ids)

    def duration(self, a: str, b: str) -> int:
        """Driving time from node ``a`` to node ``b`` in seconds."""
        return int(self.duration_s[self.index[a], self.index[b]])

    def distance(self, a: str, b: str) -> int:
        """Driving distance from node ``a`` to node ``b`` in metres."""
        return int(self.distance_m[self.index[a], self.index[b]])

    def subset(self, node_ids: Iterable[str]) -> TravelMatrix:
        """Return the matrix restricted to ``node_ids`` (in that order)."""
        ids = tuple(node_ids)
        idx = np.array([self.index[i] for i in ids], dtype=np.int64)
        sub = np.ix_(idx, idx)
        return TravelMatrix(ids, self.duration_s[sub], self.distance_m[sub])


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    """How the day is optimised.

    Parameters
    ----------
    time_limit_s : float
        Wall-clock budget for the solver.
    drive_cost_yuan_per_h : float
        Cost of one hour of driving, subtracted from collected value.
    skills : str
        ``"hard"`` (officer must have the lead's industry), ``"soft"`` (penalty) or ``"off"``.
    locality : str
        ``"hard"`` (only villages in the officer's localities), ``"soft"`` or ``"off"``.
    soft_penalty_yuan : float
        Value lost when a soft skill/locality preference is broken.
    seed : int
        Seed of the improvement phase's random choices.
    workers : int
        Processes the search may use (one per core is plenty); 1 keeps it in this process.
    improvement_steps : int or None
        None (default): search until the time limit ("anytime"). A number makes the plan
        reproducible: greedy routes, then exactly this many improvement steps, each run to
        its local optimum, in one process; the time limit is then not enforced.
    """

    time_limit_s: float = 10.0
    drive_cost_yuan_per_h: float = 60.0
    skills: str = "soft"
    locality: str = "off"
    soft_penalty_yuan: float = 50.0
    seed: int = 0
    workers: int = 2
    improvement_steps: int | None = None

    def __post_init__(self) -> None:
        _check(self.time_limit_s > 0, "time limit must be positive", "time_limit_s")
        _check(self.drive_cost_yuan_per_h >= 0, "drive cost must be >= 0", "drive_cost_yuan_per_h")
        _check(self.skills in ("hard", "soft", "off"), "skills must be hard, soft or off", "skills")
        _check(self.locality in ("hard", "soft", "off"), "locality must be hard, soft or off",
               "locality")
        _check(self.soft_penalty_yuan >= 0, "soft penalty must be >= 0", "soft_penalty_yuan")
        _check(self.workers >= 1, "workers must be >= 1", "workers")
        _check(self.improvement_steps is None or self.improvement_steps >= 0,
               "improvement_steps must be >= 0", "improvement_steps")


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One day to plan: candidate leads, officers and the travel matrix between them.

    ``done_lead_ids`` are visits already made today (re-planning): they are not
    offered again.
    """

    leads: tuple[Lead, ...]
    officers: tuple[Officer, ...]
    matrix: TravelMatrix
    settings: RoutingSettings = RoutingSettings()
    plan_date: str = ""
    done_lead_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "leads", tuple(self.leads))
        object.__setattr__(self, "officers", tuple(self.officers))
        object.__setattr__(self, "done_lead_ids", frozenset(self.done_lead_ids))
        _check(len(self.officers) > 0, "the officer roster is empty", "officers")
        lead_ids = [ld.lead_id for ld in self.leads]
        _check(len(set(lead_ids)) == len(lead_ids), "lead ids must be unique", "lead_id")
        off_ids = [o.officer_id for o in self.officers]
        _check(len(set(off_ids)) == len(off_ids), "officer ids must be unique", "officer_id")
        known = set(off_ids)
        for ld in self.leads:
            if ld.pinned_officer_id is not None:
                _check(ld.pinned_officer_id in known,
                       f"lead {ld.lead_id} is pinned to unknown officer {ld.pinned_officer_id}",
                       "pinned_officer_id")
        needed = set(lead_ids)
        for o in self.officers:
            needed.add(start_node_id(o.officer_id))
            needed.add(end_node_id(o.officer_id))
        missing = needed - set(self.matrix.node_ids)
        _check(not missing, f"travel matrix lacks nodes: {sorted(missing)[:5]}", "matrix")

    @property
    def lead_by_id(self) -> dict[str, Lead]:
        """Leads keyed by id."""
        return {ld.lead_id: ld for ld in self.leads}

    @property
    def officer_by_id(self) -> dict[str, Officer]:
        """Officers keyed by id."""
        return {o.officer_id: o for o in self.officers}


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
