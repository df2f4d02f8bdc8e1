"""The routing problem: officers, candidate leads and the rules of the day.

All types are frozen dataclasses validated on construction, so a value that exists is a
valid value. Times of day are integer seconds since local midnight of the plan day
(``*_s``), durations integer seconds, distances integer metres (``*_m``), money yuan
(``*_yuan``). Node ids in the problem's :class:`geo.TravelMatrix` are lead ids plus one
start and one end node per officer, named by :func:`start_node_id` / :func:`end_node_id`.

Solver parameters (time limit, seed, workers) are not part of the problem: they are
:class:`routing.params.SolveParams`, passed to :func:`routing.solve` beside it.
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from geo.errors import require, require_id
from geo.types import Location, TravelMatrix
from routing.errors import ProblemError

__all__ = [
    "DAY_S",
    "ConstraintMode",
    "DepotKind",
    "TimeWindow",
    "Break",
    "Lead",
    "Depot",
    "Officer",
    "RoutingRules",
    "RoutingProblem",
    "start_node_id",
    "end_node_id",
    "hhmm",
    "parse_hhmm",
]

DAY_S = 24 * 3600


def _check(cond: bool, message: str, field_name: str | None = None) -> None:
    require(cond, message, field=field_name, error=ProblemError)


def _check_id(value: object, field_name: str) -> None:
    require_id(value, field_name, ProblemError)


class ConstraintMode(enum.StrEnum):
    """How a preference (skills, locality) is enforced."""

    HARD = "hard"  # never broken
    SOFT = "soft"  # broken at a penalty
    OFF = "off"  # ignored


class DepotKind(enum.StrEnum):
    """Where an officer's route starts or ends."""

    BRANCH = "branch"
    HOME = "home"


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
    ProblemError
        If the text is not a time of day.
    """
    parts = str(text).strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        nums = [int(p) for p in parts]
    except ValueError:
        raise ProblemError(f"expected a time like 08:30, got {text!r}") from None
    h, m = nums[0], nums[1]
    s = nums[2] if len(nums) == 3 else 0
    if not (0 <= h <= 47 and 0 <= m < 60 and 0 <= s < 60):
        raise ProblemError(f"expected a time like 08:30, got {text!r}")
    return h * 3600 + m * 60 + s


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
    pinned_position : int or None
        With ``pinned_officer_id``: the appointment is also this stop of the officer's
        route (0 the first visit of the day), so the officer keeps the order the customer
        was told. None: any position.
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
    pinned_position: int | None = None

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
        if self.pinned_position is not None:
            _check(self.pinned_officer_id is not None,
                   "a pinned position needs a pinned officer", "pinned_position")
            _check(isinstance(self.pinned_position, int) and self.pinned_position >= 0,
                   f"pinned position must be a stop index >= 0, got {self.pinned_position!r}",
                   "pinned_position")


@dataclass(frozen=True, slots=True)
class Depot:
    """A bank branch or an officer's home: where a route starts or ends."""

    depot_id: str
    name: str
    location: Location
    kind: DepotKind = DepotKind.BRANCH

    def __post_init__(self) -> None:
        _check_id(self.depot_id, "depot_id")
        _check(self.kind in tuple(DepotKind), f"kind must be branch or home, got {self.kind!r}",
               "kind")
        object.__setattr__(self, "kind", DepotKind(self.kind))


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
        The lunch break, owed by a day that runs into its window (:meth:`owes_lunch`).
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

    def owes_lunch(self, start_s: int, end_s: int) -> bool:
        """Whether a working day from ``start_s`` to ``end_s`` owes the lunch break.

        It does when the officer has one and the day runs into its window: it begins
        before the window closes and ends after it opens. A short day back home before the
        window opens, or an afternoon that begins after it closes, owes none (a one-visit
        morning used to wait for the window to eat before going home).

        Parameters
        ----------
        start_s, end_s : int
            When the officer leaves the start and is back at the end.

        Returns
        -------
        bool
        """
        return (self.lunch is not None and start_s < self.lunch.window.end_s
                and end_s > self.lunch.window.start_s)


def start_node_id(officer_id: str) -> str:
    """Matrix node id of an officer's start."""
    return f"@start:{officer_id}"


def end_node_id(officer_id: str) -> str:
    """Matrix node id of an officer's end."""
    return f"@end:{officer_id}"



@dataclass(frozen=True, slots=True)
class RoutingRules:
    """How the day's value is counted and which preferences bind (part of the problem).

    Parameters
    ----------
    drive_cost_yuan_per_h : float
        Cost of one hour of driving, subtracted from collected value.
    skills : ConstraintMode
        ``hard`` (officer must have the lead's industry), ``soft`` (penalty) or ``off``.
    locality : ConstraintMode
        ``hard`` (only villages in the officer's localities), ``soft`` or ``off``.
    soft_penalty_yuan : float
        Value lost when a soft skill/locality preference is broken.
    balance : float
        Workload balance of a team (two or more officers out): the largest share of the
        plan's value that evening out working hours may cost, e.g. ``0.02`` (at most 2 %);
        ``0`` turns it off. The plan reports the spread in ``meta`` either way.
    change_cost_yuan : float
        Re-planning against :attr:`RoutingProblem.reference_routes`: the cost of each visit
        that is dropped, moves to another officer, or is reached from a different place than
        in the reference (a new visit, a reordering). Ignored without a reference.
    """

    drive_cost_yuan_per_h: float = 60.0
    skills: ConstraintMode = ConstraintMode.SOFT
    locality: ConstraintMode = ConstraintMode.OFF
    soft_penalty_yuan: float = 50.0
    balance: float = 0.02
    change_cost_yuan: float = 200.0

    def __post_init__(self) -> None:
        _check(math.isfinite(self.drive_cost_yuan_per_h) and self.drive_cost_yuan_per_h >= 0,
               "drive cost must be >= 0", "drive_cost_yuan_per_h")
        _check(self.skills in tuple(ConstraintMode), "skills must be hard, soft or off", "skills")
        _check(self.locality in tuple(ConstraintMode), "locality must be hard, soft or off",
               "locality")
        _check(math.isfinite(self.soft_penalty_yuan) and self.soft_penalty_yuan >= 0,
               "soft penalty must be >= 0", "soft_penalty_yuan")
        _check(isinstance(self.balance, (int, float)) and 0.0 <= self.balance <= 1.0,
               f"balance must be a share of value in [0, 1], got {self.balance!r}", "balance")
        _check(isinstance(self.change_cost_yuan, (int, float))
               and math.isfinite(self.change_cost_yuan) and self.change_cost_yuan >= 0,
               "change cost must be >= 0", "change_cost_yuan")
        object.__setattr__(self, "skills", ConstraintMode(self.skills))
        object.__setattr__(self, "locality", ConstraintMode(self.locality))


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One day to plan: candidate leads, officers, the travel matrix between them and the rules.

    ``done_lead_ids`` are visits already made today (re-planning): they are not
    offered again. Built and validated apart from solving; see :func:`routing.solve`.

    ``locked_routes`` (officer id -> lead ids in order) are routes the manager locked: the
    plan visits exactly those leads in exactly that order (visits already done are left
    out), re-timed; when the order no longer fits the day the plan says so in its status
    and message instead of changing it silently. ``reference_routes`` (officer id -> lead
    ids in order) are the published plan a re-plan starts from: every change against it
    costs :attr:`RoutingRules.change_cost_yuan`, so officers the edit does not concern keep
    their routes.

    ``visited_routes`` (officer id -> lead ids in order) are the visits each officer has
    already made today when a published day is planned again: history, not a plan. The
    plan's route of that officer begins with them as they were made, and the checker does
    not judge them against the day's data, which may have been corrected since (a window,
    a visit's length, a shift). :func:`routing.solve` does not plan such a day: the rest
    of it is solved as a problem of its own (those visits done, each officer starting from
    the last of them) and joined to them, which is what the application's re-plan of a
    published day does.
    """

    leads: tuple[Lead, ...]
    officers: tuple[Officer, ...]
    matrix: TravelMatrix
    rules: RoutingRules = RoutingRules()
    plan_date: str = ""
    done_lead_ids: frozenset[str] = frozenset()
    locked_routes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reference_routes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    visited_routes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "leads", tuple(self.leads))
        object.__setattr__(self, "officers", tuple(self.officers))
        object.__setattr__(self, "done_lead_ids", frozenset(self.done_lead_ids))
        # Plain dicts of tuples (a copy): picklable for the search's worker process.
        object.__setattr__(self, "locked_routes",
                           {k: tuple(v) for k, v in dict(self.locked_routes).items()})
        object.__setattr__(self, "reference_routes",
                           {k: tuple(v) for k, v in dict(self.reference_routes).items()})
        object.__setattr__(self, "visited_routes",
                           {k: tuple(v) for k, v in dict(self.visited_routes).items() if v})
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
        self._check_routes(known, set(lead_ids))

    def _check_routes(self, officer_ids: set[str], lead_ids: set[str]) -> None:
        pinned = {ld.lead_id: ld.pinned_officer_id for ld in self.leads
                  if ld.pinned_officer_id is not None}
        for name, routes in (("locked_routes", self.locked_routes),
                             ("reference_routes", self.reference_routes),
                             ("visited_routes", self.visited_routes)):
            seen: set[str] = set()
            for oid, order in routes.items():
                _check(oid in officer_ids, f"{name} names unknown officer {oid!r}", name)
                unknown = [x for x in order if x not in lead_ids]
                _check(not unknown, f"{name} of {oid} has unknown leads {unknown[:3]}", name)
                _check(len(set(order)) == len(order) and not seen & set(order),
                       f"{name}: a lead appears twice (route of {oid})", name)
                seen |= set(order)
                if name == "visited_routes":
                    done = sorted(set(order) & self.done_lead_ids)
                    _check(not done, f"{name} of {oid}: {done[:3]} are also done leads, "
                           "which a plan leaves out", name)
                if name == "locked_routes":
                    other = [x for x in order if pinned.get(x, oid) != oid]
                    _check(not other, f"lead {other[:1]} is locked in {oid}'s route but "
                           f"pinned to {pinned.get(other[0]) if other else ''}", name)

    @functools.cached_property
    def lead_by_id(self) -> dict[str, Lead]:
        """Leads keyed by id (built once: the search asks per route and step; do not modify)."""
        return {ld.lead_id: ld for ld in self.leads}

    @functools.cached_property
    def officer_by_id(self) -> dict[str, Officer]:
        """Officers keyed by id (built once; do not modify)."""
        return {o.officer_id: o for o in self.officers}

