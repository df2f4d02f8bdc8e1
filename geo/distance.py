"""Great-circle distances: the one implementation the whole project uses.

Every straight-line distance in countyreach (road edge lengths, cluster
spreads, distance to the nearest branch, the straight-line travel model,
propensity features) comes from here, on the same spherical Earth.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geo.errors import GeoInputError

__all__ = [
    "EARTH_RADIUS_M",
    "haversine_m",
    "pairwise_haversine_m",
    "distance_to_nearest",
    "checked_coords",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distance in metres (vectorised).

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : array_like
        WGS-84 degrees; scalars or arrays, broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Distances in metres, in the broadcast shape (0-d for four scalars;
        ``float(...)`` gives a plain number).
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


def pairwise_haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distances between every point of set 1 and every point of set 2.

    Parameters
    ----------
    lat1, lon1 : array_like
        Set 1 in degrees (length ``n``).
    lat2, lon2 : array_like
        Set 2 in degrees (length ``m``).

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` metres.
    """
    la1 = np.asarray(lat1, dtype=float).ravel()[:, None]
    lo1 = np.asarray(lon1, dtype=float).ravel()[:, None]
    la2 = np.asarray(lat2, dtype=float).ravel()[None, :]
    lo2 = np.asarray(lon2, dtype=float).ravel()[None, :]
    return haversine_m(la1, lo1, la2, lo2)


def checked_coords(lat: npt.ArrayLike, lon: npt.ArrayLike,
                   name: str = "") -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Flat float arrays of valid WGS-84 positions.

    Parameters
    ----------
    lat, lon : array_like
        Degrees.
    name : str
        Prefix for messages and the error's field (e.g. ``"target "``).

    Returns
    -------
    lat, lon : numpy.ndarray
        1-d float arrays.

    Raises
    ------
    GeoInputError
        If the lengths differ or a position is not finite or out of range.
    """
    la = np.asarray(lat, dtype=float).ravel()
    lo = np.asarray(lon, dtype=float).ravel()
    if la.shape != lo.shape:
        raise GeoInputError(f"{name}lat and lon have different lengths ({len(la)}, {len(lo)})",
                            field=f"{name}lat")
    bad = ~(np.isfinite(la) & np.isfinite(lo) & (np.abs(la) <= 90) & (np.abs(lo) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GeoInputError(f"{name}point {i} has invalid coordinates ({la[i]}, {lo[i]})",
                            field=f"{name}lat")
    return la, lo


def distance_to_nearest(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    targets_lat: npt.ArrayLike,
    targets_lon: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Great-circle distance from each point to the nearest target (e.g. bank branch).

    A haversine ball tree, so it scales to many points and targets.

    Parameters
    ----------
    lat, lon : array_like
        The points.
    targets_lat, targets_lon : array_like
        The targets.

    Returns
    -------
    distance_m : ndarray of float
        Distance to the nearest target in metres (inf when there are no targets).
    index : ndarray of int
        Index of that target (-1 when there are no targets).

    Raises
    ------
    GeoInputError
        If a point or target has invalid coordinates.
    """
    from sklearn.neighbors import BallTree

    la, lo = checked_coords(lat, lon)
    tla, tlo = checked_coords(targets_lat, targets_lon, "target ")
    if len(tla) == 0:
        return np.full(len(la), np.inf), np.full(len(la), -1, dtype=np.int64)
    if len(la) == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    tree = BallTree(np.radians(np.column_stack([tla, tlo])), metric="haversine")
    d, i = tree.query(np.radians(np.column_stack([la, lo])), k=1)
    return d[:, 0] * EARTH_RADIUS_M, i[:, 0].astype(np.int64)
