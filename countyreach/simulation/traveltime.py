"""Straight-line × detour-factor travel times, for counties without a road extract.

A planner often looks at a county before anyone has a road network for it. The
issue allows an approximation for that case, clearly flagged: the driving
distance is the great-circle distance (:mod:`geo.distance`) times a *detour (circuity) factor*, and
the driving time is that distance at a rural average speed.

Defaults and why
----------------
* ``detour_factor = 1.35``: road distance over straight-line distance. Studies
  of road circuity put the average near 1.2 in dense Western networks and
  1.3–1.4 in rural, hilly or river-cut areas; rural China (village roads that
  follow field edges and canals) is at the upper end. 1.35 is the middle of
  the range the project uses; planners can change it.
* ``speed_kmh = 35``: average speed on county and village roads including slow
  stretches through villages (provincial roads allow 60–80 km/h, village roads
  20–30 km/h).
* ``min_leg_s = 60``: two businesses in the same village still cost a minute
  of manoeuvring and parking.

Every matrix built here is an approximation; :class:`StraightLineModel` says so
in :attr:`StraightLineModel.label`, simulations record it in their metadata and
the plots put it in their titles.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from countyreach.errors import DataWarning, InputError
from geo.distance import pairwise_haversine_m
from geo.types import Location, TravelMatrix
from routing.problem import Officer, end_node_id, start_node_id

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_SPEED_KMH",
    "StraightLineModel",
    "straight_line_matrix",
    "ApproximateTravelWarning",
    "FULL_MATRIX_MAX_NODES",
    "TravelTimes",
    "world_travel_times",
]

DEFAULT_DETOUR_FACTOR = 1.35
DEFAULT_SPEED_KMH = 35.0
#: Places up to which a world holds one matrix over all of them. Building it takes about
#: 48 bytes per pair (float work arrays, the integer matrix and its read-only copy): 1.2 GB
#: at 5,000 places, 19 GB at 20,000, which killed simulations of whole counties.
FULL_MATRIX_MAX_NODES = 5_000
#: Targets per block of :meth:`TravelTimes.to_and_from` (bounds a block's matrix).
_BLOCK_NODES = 2_000


class ApproximateTravelWarning(DataWarning):
    """Travel times come from straight lines × a detour factor, not from roads."""


@dataclass(frozen=True, slots=True)
class StraightLineModel:
    """Driving distance = straight line × ``detour_factor``; time at ``speed_kmh``.

    Parameters
    ----------
    detour_factor : float
        Road distance over straight-line distance, in [1, 3].
    speed_kmh : float
        Average driving speed, in (0, 130].
    min_leg_s : int
        Smallest time of a leg between two different places.
    """

    detour_factor: float = DEFAULT_DETOUR_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH
    min_leg_s: int = 60

    def __post_init__(self) -> None:
        if not (math.isfinite(self.detour_factor) and 1.0 <= self.detour_factor <= 3.0):
            raise InputError(f"detour factor must be in [1, 3], got {self.detour_factor!r}",
                             field="detour_factor")
        if not (math.isfinite(self.speed_kmh) and 0 < self.speed_kmh <= 130):
            raise InputError(f"speed must be in (0, 130] km/h, got {self.speed_kmh!r}",
                             field="speed_kmh")
        if not (isinstance(self.min_leg_s, int) and self.min_leg_s >= 0):
            raise InputError("min_leg_s must be a non-negative integer", field="min_leg_s")

    @property
    def label(self) -> str:
        """One line saying what the times are, for titles and metadata."""
        return (f"APPROXIMATE travel times: straight line × {self.detour_factor:g} at "
                f"{self.speed_kmh:g} km/h (no road network)")

    def distances_m(self, straight_m: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Approximate road distances (integer metres) from straight-line metres."""
        return np.rint(np.asarray(straight_m) * self.detour_factor).astype(np.int64)

    def durations_s(self, straight_m: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Approximate driving times (integer seconds) from straight-line metres."""
        road_m = np.asarray(straight_m) * self.detour_factor
        t = np.rint(road_m / (self.speed_kmh / 3.6)).astype(np.int64)
        moving = road_m > 0.5
        return np.where(moving, np.maximum(t, self.min_leg_s), 0).astype(np.int64)


def straight_line_matrix(
    points: Sequence[Location],
    node_ids: Sequence[str],
    model: StraightLineModel | None = None,
    *,
    warn: bool = True,
) -> TravelMatrix:
    """A symmetric :class:`TravelMatrix` from straight lines × a detour factor.

    Parameters
    ----------
    points : sequence of Location
        WGS-84 places.
    node_ids : sequence of str
        One id per point.
    model : StraightLineModel, optional
        Factor and speed (defaults documented in this module).
    warn : bool
        Emit :class:`ApproximateTravelWarning` so the user knows these are not road times.

    Returns
    -------
    TravelMatrix
    """
    if len(points) != len(node_ids):
        raise InputError(f"{len(points)} points but {len(node_ids)} ids", field="node_ids")
    m = model or StraightLineModel()
    lat = np.array([p.lat for p in points], dtype=float)
    lon = np.array([p.lon for p in points], dtype=float)
    straight = pairwise_haversine_m(lat, lon, lat, lon)
    np.fill_diagonal(straight, 0.0)
    if warn:
        warnings.warn(m.label, ApproximateTravelWarning, stacklevel=2)
    return TravelMatrix(tuple(node_ids), m.durations_s(straight), m.distances_m(straight))


@dataclass(frozen=True, eq=False)
class TravelTimes:
    """A world's travel times among any of its places, built for the places asked.

    Up to :data:`FULL_MATRIX_MAX_NODES` places one matrix over all of them is built at
    once (``full``) and every day's matrix is a slice of it; above that only the matrices
    asked for are built, from the road graph and its snaps or from the straight-line
    model. A matrix over a subset of places is the same either way: each pair's time
    depends on the two places alone.

    Parameters
    ----------
    node_ids : tuple of str
        Every place of the world (businesses, candidate bases, the roster's places).
    full : TravelMatrix or None
        The matrix over all ``node_ids`` (small worlds), else None.
    graph : geo.RoadGraph or None
        Road network the ``snaps`` belong to (road times built on demand).
    snaps : tuple of geo.Snap
        One per node id, in order (road times built on demand).
    points : tuple of Location
        One per node id, in order (straight-line times built on demand).
    model : StraightLineModel or None
        The approximation (straight-line times built on demand).
    """

    node_ids: tuple[str, ...]
    full: TravelMatrix | None = None
    graph: Any = None
    snaps: tuple[Any, ...] = ()
    points: tuple[Location, ...] = ()
    model: StraightLineModel | None = None
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {x: i for i, x in enumerate(self.node_ids)})
        if self.full is None and self.graph is None and self.model is None:
            raise InputError("travel times need a matrix, a road graph or a straight-line "
                             "model", field="travel")

    @property
    def on_demand(self) -> bool:
        """True when matrices are built for the places asked (no matrix over all)."""
        return self.full is None

    def between(self, node_ids: Sequence[str]) -> TravelMatrix:
        """The matrix over ``node_ids`` (in that order): a slice of ``full`` or built."""
        if self.full is not None:
            return self.full.subset(node_ids)
        pos = [self.index[x] for x in node_ids]
        if self.graph is not None:
            import geo

            return geo.travel_matrix(self.graph, [self.snaps[i] for i in pos])
        return straight_line_matrix([self.points[i] for i in pos], list(node_ids), self.model,
                                    warn=False)

    def day_matrix(self, lead_ids: Sequence[str],
                   officers: Sequence[Officer]) -> TravelMatrix:
        """Times among a day's leads only, with the officers' start and end node ids.

        Officers may share a base (and start where they end), so the matrix is built over
        the distinct places and the officers' nodes are rows of it; a small world's rows are
        taken from its full matrix at once (no intermediate matrix to copy and check).
        """
        if self.full is not None:
            built = self.full
        else:
            built = self.between(list(dict.fromkeys(
                [*lead_ids, *(d.depot_id for o in officers for d in (o.start, o.end))])))
        rows = [built.index[x] for x in lead_ids]
        ids = list(lead_ids)
        for o in officers:
            rows += [built.index[o.start.depot_id], built.index[o.end.depot_id]]
            ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
        sub = np.ix_(rows, rows)
        return TravelMatrix(tuple(ids), built.duration_s[sub], built.distance_m[sub])

    def to_and_from(self, origins: Sequence[str], targets: Sequence[str]
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Seconds from each origin to each target, and back, without a matrix over all.

        Parameters
        ----------
        origins : sequence of str
            A few places (bases); none of them among ``targets``.
        targets : sequence of str
            Any number of places, taken in blocks so memory stays bounded.

        Returns
        -------
        out_s, back_s : numpy.ndarray
            ``(len(origins), len(targets))``: origin to target, and target to origin.
        """
        o = list(origins)
        t = list(targets)
        if self.full is not None:
            oi = [self.index[x] for x in o]
            ti = [self.index[x] for x in t]
            d = self.full.duration_s
            return d[np.ix_(oi, ti)], d[np.ix_(ti, oi)].T
        out = np.zeros((len(o), len(t)), np.int64)
        back = np.zeros((len(o), len(t)), np.int64)
        for lo in range(0, len(t), _BLOCK_NODES):
            block = t[lo:lo + _BLOCK_NODES]
            d = self.between([*o, *block]).duration_s
            out[:, lo:lo + len(block)] = d[:len(o), len(o):]
            back[:, lo:lo + len(block)] = d[len(o):, :len(o)].T
        return out, back


def world_travel_times(node_ids: Sequence[str], points: Sequence[Location], *,
                       graph: Any = None, snaps: Sequence[Any] = (),
                       model: StraightLineModel | None = None,
                       full_max_nodes: int = FULL_MATRIX_MAX_NODES) -> TravelTimes:
    """A world's :class:`TravelTimes`: one matrix up to ``full_max_nodes`` places.

    Parameters
    ----------
    node_ids, points : sequence
        The world's places and where they are.
    graph, snaps : optional
        Road times (the snaps of ``points``, in order); otherwise ``model``'s.
    model : StraightLineModel, optional
        The straight-line approximation (warned about once here).
    full_max_nodes : int
        Most places one matrix is built over.

    Returns
    -------
    TravelTimes
    """
    ids = tuple(node_ids)
    if graph is None:
        model = model or StraightLineModel()
        warnings.warn(model.label, ApproximateTravelWarning, stacklevel=2)
    if len(ids) <= full_max_nodes:
        import geo

        full = geo.travel_matrix(graph, list(snaps)) if graph is not None else \
            straight_line_matrix(points, ids, model, warn=False)
        return TravelTimes(ids, full)
    return TravelTimes(ids, None, graph=graph, snaps=tuple(snaps), points=tuple(points),
                       model=model)
