"""Geographic value types: a WGS-84 point and a directed travel-time matrix.

Coordinates are WGS-84 and always named ``lat``/``lon``; matrix entries are integer
seconds (``duration_s``) and metres (``distance_m``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from geo.errors import require, require_id

__all__ = ["UNREACHABLE", "Location", "TravelMatrix"]

#: any route using it breaks every shift, small enough that sums stay in int64.
UNREACHABLE: int = 10**9


def _check(cond: bool, message: str, field_name: str | None = None) -> None:
    require(cond, message, field=field_name)


def _check_id(value: object, field_name: str) -> None:
    require_id(value, field_name)


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
        if ids == self.node_ids:  # immutable: the same matrix serves (and keeps its caches)
            return self
        idx = np.array([self.index[i] for i in ids], dtype=np.int64)
        sub = np.ix_(idx, idx)
        return TravelMatrix(ids, self.duration_s[sub], self.distance_m[sub])

