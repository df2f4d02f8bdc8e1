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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from countyreach.errors import DataWarning, InputError
from geo.distance import pairwise_haversine_m
from geo.types import Location, TravelMatrix

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_SPEED_KMH",
    "StraightLineModel",
    "straight_line_matrix",
    "ApproximateTravelWarning",
]

DEFAULT_DETOUR_FACTOR = 1.35
DEFAULT_SPEED_KMH = 35.0


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
