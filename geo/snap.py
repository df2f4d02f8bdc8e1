"""Attaching places to the road network: the nearest point of the nearest edge.

Each place is snapped to the nearest point of the nearest road *edge* (not the
nearest junction): edge ``u→v`` at fraction ``t`` of its length, ``access_m``
metres away from the road. :func:`snap_links` turns a snap into the graph nodes
a trip leaves by and arrives at, which :mod:`geo.matrix` and :mod:`geo.route`
search between.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.distance import EARTH_RADIUS_M
from geo.errors import FarSnapWarning, GeoInputError, GraphError
from geo.roadgraph import RoadGraph
from geo.types import Location

__all__ = ["Snap", "snap_points", "snap_links", "snap_index", "DEFAULT_ACCESS_SPEED_KMH"]

#: Speed of the last stretch between the road and the place (farm track, yard, on foot).
DEFAULT_ACCESS_SPEED_KMH = 10.0


@dataclass(frozen=True, slots=True)
class Snap:
    """A place attached to the road network.

    Parameters
    ----------
    point_id : str
        Id of the place (lead id, matrix node id).
    location : Location
        The place itself.
    snapped : Location
        The nearest point on the road.
    edge : int
        Index of the road edge in :class:`RoadGraph` (for a two-way road, the
        lower-numbered direction).
    fraction : float
        Position of ``snapped`` along the edge, 0 at its ``u`` end, 1 at ``v``.
    access_m : float
        Distance driven or walked between the place and the road, counted in
        every trip to or from it (the straight line, as mapped).
    access_s : float
        Time for ``access_m`` at the access speed.
    distance_m : float
        Straight-line distance from the place to the road (what the far-snap
        warning looks at).
    """

    point_id: str
    location: Location
    snapped: Location
    edge: int
    fraction: float
    access_m: float
    access_s: float
    distance_m: float

    def __post_init__(self) -> None:
        if not isinstance(self.point_id, str) or not self.point_id:
            raise GeoInputError(f"snap point id must be a non-empty string, got {self.point_id!r}",
                             field="point_id")
        if not (0.0 <= self.fraction <= 1.0):
            raise GeoInputError(f"fraction must be in [0, 1], got {self.fraction}",
                                field="fraction")
        if self.edge < 0 or self.access_m < 0 or self.access_s < 0 or self.distance_m < 0:
            raise GeoInputError("snap edge, access and distance must be non-negative",
                             field="access_m")


# ----------------------------------------------------------------------------------------
# Local metric projection and the edge-segment index
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Projection:
    """Equirectangular projection around the graph's centre.

    Linear in lat/lon, so fractions along a segment are the same in degrees and
    metres; within a county (< 100 km) the scale error is far below GPS noise.
    """

    lat0: float
    lon0: float
    kx: float
    ky: float

    def fwd(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], ...]:
        return ((np.asarray(lon, dtype=float) - self.lon0) * self.kx,
                (np.asarray(lat, dtype=float) - self.lat0) * self.ky)

    def inv(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], ...]:
        return (np.asarray(y, dtype=float) / self.ky + self.lat0,
                np.asarray(x, dtype=float) / self.kx + self.lon0)


@dataclass(frozen=True, eq=False)
class _SnapIndex:
    proj: _Projection
    tree: Any  # shapely.STRtree over segments
    seg_edge: npt.NDArray[np.int64]
    seg_x0: npt.NDArray[np.float64]
    seg_y0: npt.NDArray[np.float64]
    seg_dx: npt.NDArray[np.float64]
    seg_dy: npt.NDArray[np.float64]
    seg_along: npt.NDArray[np.float64]  # projected length of the edge before the segment
    edge_plen: npt.NDArray[np.float64]  # projected length of each edge
    hull_xy: Any  # hull in projected metres


def _projection(graph: RoadGraph) -> _Projection:
    s, w, n, e = graph.bounds
    lat0, lon0 = (s + n) / 2, (w + e) / 2
    ky = EARTH_RADIUS_M * math.pi / 180
    return _Projection(lat0, lon0, ky * math.cos(math.radians(lat0)), ky)


def snap_index(graph: RoadGraph) -> _SnapIndex:
    """The graph's segment index for snapping, built once and kept on the graph."""
    cached = graph.__dict__.get("_snap_index")
    if cached is not None:
        return cached
    import shapely

    proj = _projection(graph)
    x, y = proj.fwd(graph.geom_lat, graph.geom_lon)
    off = graph.geom_offsets
    n_pts = np.diff(off)
    edge_of_pt = np.repeat(np.arange(graph.n_edges), n_pts)
    # Segment i runs from point i to point i+1 unless point i is the last of its edge.
    is_start = np.ones(len(x), dtype=bool)
    is_start[off[1:] - 1] = False
    seg_all = np.flatnonzero(is_start)
    seg_len = np.hypot(x[seg_all + 1] - x[seg_all], y[seg_all + 1] - y[seg_all])
    # Projected length of each edge and of the part before each of its segments.
    cum = np.zeros(len(seg_all) + 1)
    np.cumsum(seg_len, out=cum[1:])
    edge_first_seg = np.searchsorted(seg_all, off[:-1])
    edge_last_seg = np.searchsorted(seg_all, off[1:] - 1)
    edge_plen = cum[edge_last_seg] - cum[edge_first_seg]
    seg_edge_all = edge_of_pt[seg_all]
    seg_along_all = cum[:-1] - cum[edge_first_seg[seg_edge_all]]
    # Index one direction of each two-way road: snaps then always name the canonical edge.
    rev = graph.edge_reverse
    canonical = (rev < 0) | (np.arange(graph.n_edges) < rev)
    pick = canonical[seg_edge_all]
    seg = seg_all[pick]
    coords = np.stack([np.column_stack([x[seg], y[seg]]),
                       np.column_stack([x[seg + 1], y[seg + 1]])], axis=1)
    tree = shapely.STRtree(shapely.linestrings(coords))
    hx, hy = proj.fwd(np.asarray(graph.hull.exterior.coords)[:, 1],
                      np.asarray(graph.hull.exterior.coords)[:, 0])
    hull_xy = shapely.Polygon(np.column_stack([hx, hy]))
    idx = _SnapIndex(proj, tree, seg_edge_all[pick], x[seg], y[seg], x[seg + 1] - x[seg],
                     y[seg + 1] - y[seg], seg_along_all[pick], edge_plen, hull_xy)
    graph.__dict__["_snap_index"] = idx
    return idx


def snap_points(
    graph: RoadGraph,
    points: Sequence[Location],
    ids: Sequence[str] | None = None,
    *,
    far_m: float = 500.0,
    max_m: float = 5000.0,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
) -> tuple[Snap, ...]:
    """Attach places to the nearest point of the nearest road edge.

    Parameters
    ----------
    graph : RoadGraph
        The network.
    points : sequence of Location
        The places (WGS-84).
    ids : sequence of str, optional
        Their ids; default ``"0", "1", ...``.
    far_m : float
        Warn (:class:`~geo.errors.FarSnapWarning`) for places farther
        than this from any road; also the slack allowed outside the network's hull.
    max_m : float
        Refuse places farther than this from any road.
    access_speed_kmh : float
        Speed between the place and the road.

    Returns
    -------
    tuple of Snap
        One per point, in order.

    Raises
    ------
    GeoInputError
        Naming the point id and field ``lat`` for a place outside the network's
        area or farther than ``max_m`` from any road, or for a non-Location.
    """
    import shapely

    pts = list(points)
    names = [str(i) for i in range(len(pts))] if ids is None else [str(i) for i in ids]
    if len(names) != len(pts):
        raise GeoInputError(f"{len(names)} ids for {len(pts)} points", field="ids")
    if not access_speed_kmh > 0:
        raise GeoInputError("access speed must be positive", field="access_speed_kmh")
    if not 0 <= far_m <= max_m:
        raise GeoInputError("need 0 <= far_m <= max_m", field="far_m")
    for pid, p in zip(names, pts, strict=True):
        if not isinstance(p, Location):
            raise GeoInputError(f"point {pid!r} is not a Location: {p!r}", field="lat")
    if not pts:
        return ()
    idx = snap_index(graph)
    lat = np.array([p.lat for p in pts])
    lon = np.array([p.lon for p in pts])
    px, py = idx.proj.fwd(lat, lon)
    geoms = shapely.points(px, py)
    outside = shapely.distance(idx.hull_xy, geoms) > far_m
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise GeoInputError(
            f"point {names[i]!r} at lat {lat[i]:.5f}, lon {lon[i]:.5f} lies outside the road "
            f"network's area ({int(outside.sum())} such points); check the coordinates and "
            "their coordinate system (WGS-84 expected)", field="lat")
    (qi, ti), _dist = idx.tree.query_nearest(geoms, return_distance=True, all_matches=False)
    seg = np.empty(len(pts), dtype=np.int64)
    seg[qi] = ti
    # Exact projection on the chosen segment (the tree gives the segment, not the point).
    dx, dy = idx.seg_dx[seg], idx.seg_dy[seg]
    l2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(l2 > 0, ((px - idx.seg_x0[seg]) * dx + (py - idx.seg_y0[seg]) * dy) / l2, 0)
    s = np.clip(s, 0.0, 1.0)
    sx, sy = idx.seg_x0[seg] + s * dx, idx.seg_y0[seg] + s * dy
    d = np.hypot(px - sx, py - sy)
    edge = idx.seg_edge[seg]
    plen = idx.edge_plen[edge]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(plen > 0, (idx.seg_along[seg] + s * np.sqrt(l2)) / plen, 0.0)
    frac = np.clip(frac, 0.0, 1.0)
    too_far = d > max_m
    if too_far.any():
        i = int(np.flatnonzero(too_far)[0])
        raise GeoInputError(
            f"point {names[i]!r} at lat {lat[i]:.5f}, lon {lon[i]:.5f} is {d[i] / 1000:.1f} km "
            f"from the nearest road (limit {max_m / 1000:.1f} km)", field="lat")
    far = np.flatnonzero(d > far_m)
    if len(far):
        shown = ", ".join(f"{names[i]!r} ({d[i]:.0f} m)" for i in far[:10])
        more = f" and {len(far) - 10} more" if len(far) > 10 else ""
        warnings.warn(f"{len(far)} place(s) lie more than {far_m:.0f} m from a road: "
                      f"{shown}{more}; their drive-in time is counted at "
                      f"{access_speed_kmh:g} km/h", FarSnapWarning, stacklevel=2)
    slat, slon = idx.proj.inv(sx, sy)
    speed = access_speed_kmh / 3.6
    return tuple(
        Snap(names[i], pts[i], Location(float(slat[i]), float(slon[i])), int(edge[i]),
             float(frac[i]), float(d[i]), float(d[i] / speed), float(d[i]))
        for i in range(len(pts)))


# ----------------------------------------------------------------------------------------
# Links between a snapped place and the graph nodes next to it
# ----------------------------------------------------------------------------------------
def snap_links(graph: RoadGraph, snaps: Sequence[Snap]) -> tuple[npt.NDArray[Any], ...]:
    """Out- and in-links of each snap: node, time and length to/from the snapped point.

    A trip leaves a snapped place towards the edge's ``v`` (column 0) or, on a
    two-way road, towards its ``u`` (column 1), and arrives the other way round.

    Parameters
    ----------
    graph : RoadGraph
        The network the snaps belong to.
    snaps : sequence of Snap
        The snapped places.

    Returns
    -------
    tuple of numpy.ndarray
        ``out_node, out_s, out_m, in_node, in_s, in_m`` as ``(N, 2)`` arrays; a
        missing link (one-way road) has node -1 and infinite cost.

    Raises
    ------
    GraphError
        If a snap names an edge the graph does not have.
    """
    n = len(snaps)
    e = np.array([s.edge for s in snaps], dtype=np.int64)
    if n and (e.max() >= graph.n_edges):
        raise GraphError("a snap refers to an edge of another graph")
    t = np.array([s.fraction for s in snaps], dtype=float)
    u, v = graph.edge_u[e], graph.edge_v[e]
    r = graph.edge_reverse[e]
    has_r = r >= 0
    rr = np.where(has_r, r, 0)
    ts, lm = graph.edge_travel_s, graph.edge_length_m
    inf = np.inf
    out_node = np.column_stack([v, np.where(has_r, u, -1)])
    out_s = np.column_stack([(1 - t) * ts[e], np.where(has_r, t * ts[rr], inf)])
    out_m = np.column_stack([(1 - t) * lm[e], np.where(has_r, t * lm[rr], inf)])
    in_node = np.column_stack([u, np.where(has_r, v, -1)])
    in_s = np.column_stack([t * ts[e], np.where(has_r, (1 - t) * ts[rr], inf)])
    in_m = np.column_stack([t * lm[e], np.where(has_r, (1 - t) * lm[rr], inf)])
    return out_node, out_s, out_m, in_node, in_s, in_m
