"""Drivable road graphs from OpenStreetMap, prepared for fast travel-time matrices.

A :class:`RoadGraph` is a frozen set of numpy arrays: junction nodes, directed
edges between them with length, travel time, road class and the road geometry,
and a CSR adjacency (built once) that :mod:`scipy.sparse.csgraph` runs on.

Where graphs come from
----------------------
* :func:`load_road_graph` reads a local ``.osm``, ``.osm.bz2`` or ``.osm.pbf``
  file with pyosmium, fully offline, and caches the prepared graph on disk.
* :func:`graph_from_place` / :func:`graph_from_polygon` download with osmnx
  (internet needed) and go through the same preparation
  (:func:`graph_from_networkx`).

Preparation, whatever the source
--------------------------------
1. keep only drivable ways (a ``highway`` whitelist; ``area=yes``, private
   access, ``motor_vehicle=no`` and parking aisles/driveways are dropped)
   because ``osmnx.graph_from_xml`` turns *every* way into an edge;
2. split ways at junctions into edges carrying their geometry; one-way
   streets (``oneway``, roundabouts, motorways) get one direction only;
3. give every edge a speed: the ``maxspeed`` tag where it parses, else a rural
   default per road class (:data:`DEFAULT_SPEEDS_KMH`, overridable);
4. keep the largest strongly connected component, so every kept node can
   reach and be reached from every other one.
"""

from __future__ import annotations

import bz2
import hashlib
import itertools
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo.errors import GeoInputError, GraphError

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "Bounds",
    "RoadGraph",
    "load_road_graph",
    "graph_from_place",
    "graph_from_polygon",
    "graph_from_networkx",
    "road_lines",
    "haversine_m",
]

#: Bumped whenever the prepared arrays change meaning, so stale caches are ignored.
_CACHE_VERSION = 1

EARTH_RADIUS_M = 6_371_008.8

#: Rural driving speeds per OSM ``highway`` class, km/h, used where ``maxspeed`` is
#: missing. Chinese village roads (``unclassified``/``residential``) are narrow,
#: shared with tractors and e-bikes: 30/25 km/h is what a loan officer's car makes.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "road": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}

#: ``service=*`` values that are not through roads a visit would use.
_EXCLUDED_SERVICE = frozenset(
    {"parking_aisle", "parking", "driveway", "drive-through", "emergency_access", "private"}
)
_NO_ACCESS = frozenset({"no", "private"})
_ONEWAY_FWD = frozenset({"yes", "true", "1"})
_ONEWAY_BWD = frozenset({"-1", "reverse"})
_ONEWAY_NO = frozenset({"no", "false", "0"})
#: Edges are never faster than this many seconds, because scipy reads an explicit
#: zero in a sparse matrix as "no edge" (two OSM nodes can share a position).
_MIN_TRAVEL_S = 1e-3
_MIN_LENGTH_M = 1e-3
#: Travel times are stored as multiples of 1/1024 s and lengths of 1/8 m.
_TIME_UNITS = 1024.0
_LENGTH_UNITS = 8.0


class Bounds(NamedTuple):
    """Bounding box of a road graph in WGS-84 degrees."""

    south: float
    west: float
    north: float
    east: float


def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distance in metres (vectorised).

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : array_like
        WGS-84 degrees; broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Distances in metres.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


def _ro(a: npt.ArrayLike, dtype: Any) -> npt.NDArray[Any]:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A prepared, strongly connected, directed drivable road network.

    Nodes are road junctions and dead ends (indexed ``0..n_nodes-1``); edges are
    directed road pieces between them. A two-way road is two edges whose
    ``edge_reverse`` point at each other; a one-way street is one edge with
    ``edge_reverse == -1``. Edge ``i``'s geometry is
    ``geom_lat/geom_lon[geom_offsets[i]:geom_offsets[i + 1]]`` (from ``u`` to ``v``).

    Parameters
    ----------
    node_ids : array of int64
        OSM node id of each node.
    node_lat, node_lon : array of float64
        WGS-84 position of each node.
    edge_u, edge_v : array of int64
        Node indices of each directed edge.
    edge_length_m, edge_travel_s : array of float64
        Length along the geometry and free-flow travel time.
    edge_highway : array of str
        OSM ``highway`` class.
    edge_way_id : array of int64
        OSM way id the edge comes from (0 if unknown).
    edge_reverse : array of int64
        Index of the opposite-direction edge over the same geometry, or -1.
    geom_offsets : array of int64
        ``n_edges + 1`` offsets into the flat geometry arrays.
    geom_lat, geom_lon : array of float64
        Flat edge geometries.
    source : str
        Where the graph came from (file name, place name).
    """

    node_ids: npt.NDArray[np.int64]
    node_lat: npt.NDArray[np.float64]
    node_lon: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_length_m: npt.NDArray[np.float64]
    edge_travel_s: npt.NDArray[np.float64]
    edge_highway: npt.NDArray[np.str_]
    edge_way_id: npt.NDArray[np.int64]
    edge_reverse: npt.NDArray[np.int64]
    geom_offsets: npt.NDArray[np.int64]
    geom_lat: npt.NDArray[np.float64]
    geom_lon: npt.NDArray[np.float64]
    source: str = ""
    #: CSR adjacency of the fastest edge per (u, v), built once. Its weight packs
    #: time and length (see :meth:`split_weight`), or is seconds when ``len_bits == 0``.
    csr_weight: sp.csr_matrix = field(init=False, repr=False)
    #: Length of the edge chosen per (u, v) in ``csr_weight`` (same sparsity).
    csr_length_m: sp.csr_matrix = field(init=False, repr=False)
    #: Edge index + 1 chosen per (u, v) (same sparsity as ``csr_weight``).
    csr_edge: sp.csr_matrix = field(init=False, repr=False)
    #: Bits of the packed weight holding the length; 0 when weights are plain seconds.
    len_bits: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.node_ids)
        m = len(self.edge_u)
        set_ = object.__setattr__
        set_(self, "node_ids", _ro(self.node_ids, np.int64))
        for name in ("node_lat", "node_lon"):
            set_(self, name, _ro(getattr(self, name), np.float64))
        for name in ("edge_u", "edge_v", "edge_way_id", "edge_reverse", "geom_offsets"):
            set_(self, name, _ro(getattr(self, name), np.int64))
        for name in ("edge_length_m", "edge_travel_s", "geom_lat", "geom_lon"):
            set_(self, name, _ro(getattr(self, name), np.float64))
        set_(self, "edge_highway", _ro(self.edge_highway, np.str_))
        if n == 0 or m == 0:
            raise GraphError(f"road graph {self.source!r} has no drivable roads")
        for name in ("node_lat", "node_lon"):
            if len(getattr(self, name)) != n:
                raise GraphError(f"{name} has {len(getattr(self, name))} values for {n} nodes")
        for name in ("edge_v", "edge_length_m", "edge_travel_s", "edge_highway",
                     "edge_way_id", "edge_reverse"):
            if len(getattr(self, name)) != m:
                raise GraphError(f"{name} has {len(getattr(self, name))} values for {m} edges")
        if len(self.geom_offsets) != m + 1 or self.geom_offsets[-1] != len(self.geom_lat):
            raise GraphError("edge geometry offsets do not match the geometry arrays")
        if (self.edge_u.min() < 0 or self.edge_v.min() < 0 or self.edge_u.max() >= n
                or self.edge_v.max() >= n):
            raise GraphError("edge endpoints out of range")
        if not (self.edge_travel_s > 0).all() or not (self.edge_length_m >= 0).all():
            raise GraphError("edge travel times must be positive and lengths non-negative")
        # Travel times and lengths are dyadic (multiples of 1/1024 s and 1/8 m), so any
        # sum of them is exact in float64: scipy, networkx and a hand check add up to
        # the very same number whatever the order.
        travel_q = np.maximum(np.rint(self.edge_travel_s * _TIME_UNITS), 1.0)
        length_q = np.rint(self.edge_length_m * _LENGTH_UNITS)
        set_(self, "edge_travel_s", _ro(travel_q / _TIME_UNITS, np.float64))
        set_(self, "edge_length_m", _ro(length_q / _LENGTH_UNITS, np.float64))
        # One Dijkstra gives time *and* the length of the fastest path when both are
        # packed in one integer weight, time in the high bits: the minimum is the
        # fastest path, ties broken by length. It fits in float64's 53 exact bits
        # when even the sum over all edges does; otherwise weights are plain seconds
        # and lengths come from the shortest-path tree (see geo.network).
        len_bits = int(np.ceil(np.log2(length_q.sum() + 2)))
        time_bits = int(np.ceil(np.log2(travel_q.sum() + 2)))
        packed = len_bits + time_bits <= 53
        set_(self, "len_bits", len_bits if packed else 0)
        weight = self.edge_weight
        # csr_matrix would *sum* parallel edges; keep the fastest per (u, v) instead.
        order = np.lexsort((length_q, travel_q, self.edge_v, self.edge_u))
        u, v = self.edge_u[order], self.edge_v[order]
        first = np.ones(m, dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        keep = order[first]
        ku, kv = self.edge_u[keep], self.edge_v[keep]
        shape = (n, n)
        set_(self, "csr_weight", sp.csr_matrix((weight[keep], (ku, kv)), shape))
        # Lengths may be 0 (duplicate node positions): store +eps so the sparsity matches.
        set_(self, "csr_length_m",
             sp.csr_matrix((np.maximum(self.edge_length_m[keep], 1e-9), (ku, kv)), shape))
        set_(self, "csr_edge", sp.csr_matrix((keep.astype(np.int64) + 1, (ku, kv)), shape))

    def split_weight(
        self, weight: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
        """Travel seconds and metres from ``csr_weight`` path sums.

        Returns ``(travel_s, length_m)``; ``length_m`` is None when the graph is
        too large for packed weights (then the weight is the travel time).
        Infinite weights (no path) stay infinite in both.
        """
        if not self.len_bits:
            return weight, None
        scale = float(2**self.len_bits)
        with np.errstate(invalid="ignore"):
            t_units = np.floor(weight / scale)
            travel = t_units / _TIME_UNITS
            length = (weight - t_units * scale) / _LENGTH_UNITS
        length = np.where(np.isfinite(weight), length, np.inf)
        return travel, length

    # -- sizes and extent -------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of junction nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of directed edges (a two-way road counts twice)."""
        return len(self.edge_u)

    @property
    def total_length_m(self) -> float:
        """Length of road in the graph, each two-way road counted once."""
        idx = np.arange(self.n_edges)
        once = (self.edge_reverse < 0) | (idx < self.edge_reverse)
        return float(self.edge_length_m[once].sum())

    @property
    def bounds(self) -> Bounds:
        """``(south, west, north, east)`` of the road geometry."""
        return Bounds(float(self.geom_lat.min()), float(self.geom_lon.min()),
                      float(self.geom_lat.max()), float(self.geom_lon.max()))

    @property
    def hull(self) -> Any:
        """Convex hull of the road geometry as a shapely Polygon in ``(lon, lat)``.

        This is the area the network covers: places outside it are rejected by
        :func:`geo.snap_points`.
        """
        cached = self.__dict__.get("_hull")
        if cached is None:
            import shapely

            cached = shapely.MultiPoint(np.column_stack([self.geom_lon, self.geom_lat])).convex_hull
            self.__dict__["_hull"] = cached
        return cached

    # -- geometry ---------------------------------------------------------------------
    def edge_coords(self, edge: int) -> list[tuple[float, float]]:
        """Geometry of edge ``edge`` as ``[(lat, lon), ...]`` from its ``u`` to its ``v``."""
        a, b = int(self.geom_offsets[edge]), int(self.geom_offsets[edge + 1])
        return list(zip(self.geom_lat[a:b].tolist(), self.geom_lon[a:b].tolist(), strict=True))

    def edge_for(self, u: int, v: int) -> int:
        """Index of the fastest edge from node ``u`` to node ``v`` (``-1`` if none)."""
        return int(self.csr_edge[u, v]) - 1

    @property
    def edge_weight(self) -> npt.NDArray[np.float64]:
        """Per-edge weight in the units of ``csr_weight`` (packed, or seconds)."""
        if not self.len_bits:
            return self.edge_travel_s
        return (np.rint(self.edge_travel_s * _TIME_UNITS) * float(2**self.len_bits)
                + np.rint(self.edge_length_m * _LENGTH_UNITS))

    def to_networkx(self, *, multigraph: bool = True) -> Any:
        """The graph in networkx, for reference computations and tests.

        Parameters
        ----------
        multigraph : bool
            ``True`` (default): a ``MultiDiGraph`` with every directed edge,
            parallel ones included, as osmnx builds it. ``False``: a ``DiGraph``
            keeping the fastest edge per node pair, as in ``csr_weight``.

        Returns
        -------
        networkx.MultiDiGraph or networkx.DiGraph
            Nodes are node indices (with ``lat``/``lon``/``osmid``); edges carry
            ``travel_s``, ``length_m``, ``highway``, ``edge`` (index) and
            ``weight`` (the packed ``csr_weight`` value), so a networkx shortest
            path over ``weight`` is exactly the scipy one.
        """
        import networkx as nx

        g = nx.MultiDiGraph() if multigraph else nx.DiGraph()
        g.add_nodes_from(
            (i, {"lat": float(a), "lon": float(b), "osmid": int(o)})
            for i, (a, b, o) in enumerate(zip(self.node_lat, self.node_lon, self.node_ids,
                                              strict=True)))
        if multigraph:
            edges = np.arange(self.n_edges)
        else:
            edges = np.asarray(self.csr_edge.tocoo().data, dtype=np.int64) - 1
        w = self.edge_weight
        g.add_edges_from(
            (int(self.edge_u[e]), int(self.edge_v[e]),
             {"weight": float(w[e]), "travel_s": float(self.edge_travel_s[e]),
              "length_m": float(self.edge_length_m[e]), "highway": str(self.edge_highway[e]),
              "edge": int(e)})
            for e in edges)
        return g

    # -- persistence ------------------------------------------------------------------
    _ARRAYS = ("node_ids", "node_lat", "node_lon", "edge_u", "edge_v", "edge_length_m",
               "edge_travel_s", "edge_highway", "edge_way_id", "edge_reverse", "geom_offsets",
               "geom_lat", "geom_lon")

    def save(self, path: str | Path) -> None:
        """Write the graph to an ``.npz`` file (no pickle)."""
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        tmp = Path(str(path) + f".tmp{os.getpid()}.npz")
        np.savez(tmp, **arrays, source=np.array(self.source), version=np.array(_CACHE_VERSION))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path) -> RoadGraph:
        """Read a graph written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"]) != _CACHE_VERSION:
                raise GraphError(f"{path}: cached graph from another countyreach version")
            kwargs = {name: z[name] for name in cls._ARRAYS}
            return cls(**kwargs, source=str(z["source"]))


# ----------------------------------------------------------------------------------------
# Tags → road class, direction, speed
# ----------------------------------------------------------------------------------------
_MAXSPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(value: object) -> float:
    """Parse an OSM ``maxspeed`` value into km/h (NaN when it is not a number).

    ``"50"``, ``"50 km/h"``, ``"30 mph"``, ``"60;80"`` (the lowest) parse;
    ``"none"``, ``"walk"``, ``"CN:rural"`` do not.
    """
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple)):
        vals = [parse_maxspeed(v) for v in value]
        good = [v for v in vals if not math.isnan(v)]
        return min(good) if good else math.nan
    if isinstance(value, (int, float)):
        v = float(value)
        return v if 5 <= v <= 160 else math.nan
    best = math.nan
    for part in str(value).split(";"):
        m = _MAXSPEED_RE.match(part.lower())
        if not m:
            continue
        v = float(m.group(1)) * (1.609344 if m.group(2) == "mph" else 1.0)
        if 5 <= v <= 160 and (math.isnan(best) or v < best):
            best = v
    return best


def _class_speeds(speeds_kmh: Mapping[str, float] | None) -> dict[str, float]:
    speeds = dict(DEFAULT_SPEEDS_KMH)
    for k, v in (speeds_kmh or {}).items():
        if not isinstance(k, str) or not isinstance(v, (int, float)) or not (0 < v <= 200):
            raise GeoInputError(f"speed for road class {k!r} must be a number in (0, 200] km/h, "
                             f"got {v!r}", field="speeds_kmh")
        speeds[k] = float(v)
    return speeds


def _drivable(tags: Mapping[str, Any], classes: Iterable[str]) -> str | None:
    """The road class of a drivable way, or None to drop it."""
    hw = tags.get("highway")
    if isinstance(hw, (list, tuple)):
        hw = next((h for h in hw if h in classes), None)
    if not isinstance(hw, str) or hw not in classes:
        return None
    if str(tags.get("area", "no")) == "yes":
        return None
    for key in ("access", "motor_vehicle", "motorcar", "vehicle"):
        if str(tags.get(key, "")) in _NO_ACCESS:
            return None
    if hw == "service" and str(tags.get("service", "")) in _EXCLUDED_SERVICE:
        return None
    return hw


def _direction(tags: Mapping[str, Any], highway: str) -> int:
    """+1 one-way along the way, -1 against it, 0 both ways."""
    ow = str(tags.get("oneway", "")).lower()
    if ow in _ONEWAY_FWD:
        return 1
    if ow in _ONEWAY_BWD:
        return -1
    if ow in _ONEWAY_NO:
        return 0
    if str(tags.get("junction", "")) in ("roundabout", "circular") or highway == "motorway":
        return 1
    return 0


# ----------------------------------------------------------------------------------------
# Raw edges → RoadGraph (the step shared by files and osmnx downloads)
# ----------------------------------------------------------------------------------------
@dataclass
class _RawEdges:
    """Directed edges before the component filter, in OSM node ids."""

    u: list[int] = field(default_factory=list)
    v: list[int] = field(default_factory=list)
    lat: list[npt.NDArray[np.float64]] = field(default_factory=list)
    lon: list[npt.NDArray[np.float64]] = field(default_factory=list)
    highway: list[str] = field(default_factory=list)
    maxspeed: list[float] = field(default_factory=list)
    way_id: list[int] = field(default_factory=list)
    reverse: list[int] = field(default_factory=list)

    def add(self, u: int, v: int, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
            highway: str, maxspeed: float, way_id: int, direction: int) -> None:
        """Add a road piece from ``u`` to ``v`` in the given direction(s)."""
        i = len(self.u)
        if direction >= 0:
            self._one(u, v, lat, lon, highway, maxspeed, way_id, -1)
        if direction <= 0:
            self._one(v, u, lat[::-1].copy(), lon[::-1].copy(), highway, maxspeed, way_id, -1)
        if direction == 0:
            self.reverse[i], self.reverse[i + 1] = i + 1, i

    def _one(self, u: int, v: int, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
             highway: str, maxspeed: float, way_id: int, rev: int) -> None:
        self.u.append(u)
        self.v.append(v)
        self.lat.append(lat)
        self.lon.append(lon)
        self.highway.append(highway)
        self.maxspeed.append(maxspeed)
        self.way_id.append(way_id)
        self.reverse.append(rev)


def _assemble(raw: _RawEdges, speeds: Mapping[str, float], source: str) -> RoadGraph:
    """Speeds, travel times, largest strongly connected component → RoadGraph."""
    if not raw.u:
        raise GraphError(f"{source}: no drivable roads found")
    osm_u = np.array(raw.u, dtype=np.int64)
    osm_v = np.array(raw.v, dtype=np.int64)
    node_osm, inv = np.unique(np.concatenate([osm_u, osm_v]), return_inverse=True)
    m = len(osm_u)
    eu, ev = inv[:m], inv[m:]
    n = len(node_osm)
    adj = sp.csr_matrix((np.ones(m), (eu, ev)), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=True, connection="strong")
    biggest = int(np.bincount(labels).argmax())
    keep_node = labels == biggest
    keep_edge = keep_node[eu] & keep_node[ev] & (eu != ev)
    if n_comp > 1:
        log.info("%s: kept the largest strongly connected piece, %d of %d nodes (%d pieces)",
                 source, int(keep_node.sum()), n, n_comp)
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[keep_node] = np.arange(int(keep_node.sum()))
    edges = np.flatnonzero(keep_edge)
    if len(edges) == 0:
        raise GraphError(f"{source}: no connected drivable roads found")
    edge_new = np.full(m, -1, dtype=np.int64)
    edge_new[edges] = np.arange(len(edges))
    rev_old = np.array(raw.reverse, dtype=np.int64)[edges]
    edge_reverse = np.where(rev_old >= 0, edge_new[np.maximum(rev_old, 0)], -1)

    lats = [raw.lat[i] for i in edges]
    lons = [raw.lon[i] for i in edges]
    sizes = np.array([len(a) for a in lats], dtype=np.int64)
    offsets = np.zeros(len(edges) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    glat = np.concatenate(lats)
    glon = np.concatenate(lons)
    seg = haversine_m(glat[:-1], glon[:-1], glat[1:], glon[1:])
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = np.maximum(cum[offsets[1:] - 1] - cum[offsets[:-1]], 0.0)
    length = np.maximum(length, _MIN_LENGTH_M)

    highway = np.array([raw.highway[i] for i in edges], dtype=np.str_)
    maxspeed = np.array([raw.maxspeed[i] for i in edges], dtype=float)
    fallback = speeds.get("unclassified", 30.0)
    class_speed = np.array([speeds.get(h, speeds.get(h.removesuffix("_link"), fallback))
                            for h in highway], dtype=float)
    speed = np.where(np.isnan(maxspeed), class_speed, maxspeed)
    travel = np.maximum(length / (speed / 3.6), _MIN_TRAVEL_S)

    # Node positions are the first/last geometry points of their edges.
    node_lat = np.empty(len(node_osm))
    node_lon = np.empty(len(node_osm))
    node_lat[eu[edges]] = glat[offsets[:-1]]
    node_lon[eu[edges]] = glon[offsets[:-1]]
    node_lat[ev[edges]] = glat[offsets[1:] - 1]
    node_lon[ev[edges]] = glon[offsets[1:] - 1]
    return RoadGraph(
        node_ids=node_osm[keep_node],
        node_lat=node_lat[keep_node],
        node_lon=node_lon[keep_node],
        edge_u=new_index[eu[edges]],
        edge_v=new_index[ev[edges]],
        edge_length_m=length,
        edge_travel_s=travel,
        edge_highway=highway,
        edge_way_id=np.array([raw.way_id[i] for i in edges], dtype=np.int64),
        edge_reverse=edge_reverse,
        geom_offsets=offsets,
        geom_lat=glat,
        geom_lon=glon,
        source=source,
    )


def _ways_to_raw(ways: Sequence[tuple[int, str, float, int, npt.NDArray[np.int64],
                                      npt.NDArray[np.float64], npt.NDArray[np.float64]]]
                 ) -> _RawEdges:
    """Split drivable ways at junctions (nodes shared by ways, way ends) into edges."""
    counts: dict[int, int] = {}
    for _, _, _, _, refs, _, _ in ways:
        for r in refs.tolist():
            counts[r] = counts.get(r, 0) + 1
        # Way ends are always nodes of the graph.
        counts[int(refs[0])] = counts.get(int(refs[0]), 0) + 2
        counts[int(refs[-1])] = counts.get(int(refs[-1]), 0) + 2
    raw = _RawEdges()
    for way_id, hw, maxspeed, direction, refs, lat, lon in ways:
        cut = [i for i, r in enumerate(refs.tolist()) if counts[r] > 1]
        pieces = list(itertools.pairwise(cut))
        for a, b in pieces:
            if refs[a] == refs[b]:
                # A closed loop with no other junction: split it in the middle so
                # it becomes two proper edges instead of a useless self-loop.
                if b - a < 2:
                    continue
                mid = (a + b) // 2
                for x, y in ((a, mid), (mid, b)):
                    raw.add(int(refs[x]), int(refs[y]), lat[x:y + 1].copy(), lon[x:y + 1].copy(),
                            hw, maxspeed, way_id, direction)
                continue
            raw.add(int(refs[a]), int(refs[b]), lat[a:b + 1].copy(), lon[a:b + 1].copy(),
                    hw, maxspeed, way_id, direction)
    return raw


def _read_osm_file(path: Path, classes: Iterable[str]) -> list[tuple[Any, ...]]:
    """Drivable ways of an OSM file with their node positions (pyosmium, offline)."""
    import osmium

    classes = frozenset(classes)
    ways: list[tuple[Any, ...]] = []
    missing = 0
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(
        osmium.filter.KeyFilter("highway"))
    for obj in fp:
        if not isinstance(obj, osmium.osm.Way):
            continue
        tags = {t.k: t.v for t in obj.tags}
        hw = _drivable(tags, classes)
        if hw is None:
            continue
        refs: list[int] = []
        lat: list[float] = []
        lon: list[float] = []
        for nd in obj.nodes:
            loc = nd.location
            if not loc.valid():
                missing += 1
                continue
            if refs and refs[-1] == nd.ref:
                continue  # repeated node: zero-length piece
            refs.append(nd.ref)
            lat.append(loc.lat)
            lon.append(loc.lon)
        if len(refs) < 2:
            continue
        ways.append((int(obj.id), hw, parse_maxspeed(tags.get("maxspeed")),
                     _direction(tags, hw), np.array(refs, dtype=np.int64),
                     np.array(lat, dtype=float), np.array(lon, dtype=float)))
    if missing:
        log.info("%s: %d way nodes lie outside the extract and were dropped", path, missing)
    return ways


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_readable(path: Path) -> None:
    """Cheap checks so a corrupt file fails with our message, not libosmium's."""
    name = path.name.lower()
    with path.open("rb") as f:
        head = f.read(64)
    if not head:
        raise GraphError(f"OSM file {path} is empty")
    if name.endswith(".bz2"):
        if not head.startswith(b"BZh"):
            raise GraphError(f"OSM file {path} is not bzip2 compressed")
        try:
            with bz2.open(path, "rb") as f:
                text = f.read(256)
        except (OSError, EOFError) as exc:
            raise GraphError(f"OSM file {path} is corrupt: {exc}") from None
        if b"<osm" not in text and b"<?xml" not in text:
            raise GraphError(f"OSM file {path} is not OSM XML")
    elif name.endswith(".osm") and b"<" not in head:
        raise GraphError(f"OSM file {path} is not OSM XML")


def load_road_graph(
    path: str | Path,
    *,
    speeds_kmh: Mapping[str, float] | None = None,
    cache_dir: str | Path | None = None,
) -> RoadGraph:
    """Load the drivable road graph of a local OSM file, offline.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file (read with pyosmium).
    speeds_kmh : mapping, optional
        Speeds per ``highway`` class replacing :data:`DEFAULT_SPEEDS_KMH` where a
        way has no usable ``maxspeed``. A class that is not drivable by default
        (``track``) is added by giving it a speed, e.g. ``{"track": 15}``.
    cache_dir : str or Path, optional
        Cache the prepared graph here, keyed by the file's content hash and the
        speed settings. ``None`` disables the cache.

    Returns
    -------
    RoadGraph

    Raises
    ------
    GeoInputError
        If the file does not exist or has an unknown extension, or a speed is bad.
    GraphError
        If the file is corrupt or has no drivable roads.
    """
    p = Path(path)
    name = p.name.lower()
    if not name.endswith((".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".osm.xml")):
        raise GeoInputError("road file must be .osm, .osm.bz2 or .osm.pbf", file=str(p))
    if not p.is_file():
        raise GeoInputError("road file not found", file=str(p))
    speeds = _class_speeds(speeds_kmh)
    cache_file: Path | None = None
    if cache_dir is not None:
        settings = json.dumps({"speeds": sorted(speeds.items()), "v": _CACHE_VERSION})
        key = hashlib.sha256((_file_digest(p) + settings).encode()).hexdigest()[:32]
        cache_file = Path(cache_dir) / f"roads-{key}.npz"
        if cache_file.is_file():
            try:
                g = RoadGraph.load(cache_file)
                log.debug("road graph from cache %s", cache_file)
                return g
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring unreadable graph cache %s: %s", cache_file, exc)
    _check_readable(p)
    try:
        ways = _read_osm_file(p, speeds.keys())
    except RuntimeError as exc:  # libosmium reports corrupt input as RuntimeError
        raise GraphError(f"OSM file {p} cannot be read: {exc}") from None
    if not ways:
        raise GraphError(f"OSM file {p} has no drivable roads")
    graph = _assemble(_ways_to_raw(ways), speeds, p.name)
    log.info("%s: %d nodes, %d edges, %.1f km of road", p.name, graph.n_nodes, graph.n_edges,
             graph.total_length_m / 1000)
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            graph.save(cache_file)
        except OSError as exc:
            log.warning("cannot write graph cache %s: %s", cache_file, exc)
    return graph


# ----------------------------------------------------------------------------------------
# osmnx graphs (downloads)
# ----------------------------------------------------------------------------------------
def graph_from_networkx(g: Any, *, speeds_kmh: Mapping[str, float] | None = None,
                        source: str = "osmnx") -> RoadGraph:
    """Prepare an osmnx ``MultiDiGraph`` (simplified or not) like a file.

    Drops non-drivable edges (``graph_from_xml`` keeps every way), pairs the
    two directions of two-way roads, assigns speeds and keeps the largest
    strongly connected component.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        An osmnx graph: nodes with ``x``/``y``, edges with ``highway`` and
        optionally ``geometry``, ``oneway``, ``maxspeed``, ``osmid``.
    speeds_kmh : mapping, optional
        As in :func:`load_road_graph`.
    source : str
        Name recorded in the graph.

    Returns
    -------
    RoadGraph
    """
    speeds = _class_speeds(speeds_kmh)
    classes = frozenset(speeds)
    raw = _RawEdges()
    pending: dict[tuple[int, int, tuple[tuple[float, float], ...]], int] = {}
    for u, v, data in g.edges(data=True):
        hw = _drivable(data, classes)
        if hw is None or u == v:
            continue
        geom = data.get("geometry")
        if geom is not None:
            xy = np.asarray(geom.coords, dtype=float)
            lon, lat = xy[:, 0].copy(), xy[:, 1].copy()
        else:
            lon = np.array([g.nodes[u]["x"], g.nodes[v]["x"]], dtype=float)
            lat = np.array([g.nodes[u]["y"], g.nodes[v]["y"]], dtype=float)
        osmid = data.get("osmid", 0)
        way_id = int(osmid[0] if isinstance(osmid, (list, tuple)) else osmid or 0)
        idx = len(raw.u)
        raw._one(int(u), int(v), lat, lon, hw, parse_maxspeed(data.get("maxspeed")), way_id, -1)
        # osmnx adds both directions of a two-way road as separate edges: pair them
        # by their geometry so snapping and same-edge travel know the road is two-way.
        key = tuple(zip(np.round(lat, 7).tolist(), np.round(lon, 7).tolist(), strict=True))
        twin = pending.pop((int(v), int(u), key[::-1]), None)
        if twin is not None:
            raw.reverse[idx], raw.reverse[twin] = twin, idx
        else:
            pending[(int(u), int(v), key)] = idx
    return _assemble(raw, speeds, source)


def graph_from_place(name: str, *, speeds_kmh: Mapping[str, float] | None = None) -> RoadGraph:
    """Download the drivable roads of a named place with osmnx (needs internet).

    Parameters
    ----------
    name : str
        A place name osmnx/Nominatim resolves, e.g. ``"唐县, 保定市, 河北省"``.
    speeds_kmh : mapping, optional
        As in :func:`load_road_graph`.

    Returns
    -------
    RoadGraph
    """
    import osmnx as ox

    try:
        g = ox.graph_from_place(name, network_type="drive_service", retain_all=True)
    except Exception as exc:  # network and geocoding errors come in many types
        raise GraphError(f"cannot download roads of {name!r}: {exc}") from None
    return graph_from_networkx(g, speeds_kmh=speeds_kmh, source=name)


def graph_from_polygon(polygon: Any, *, speeds_kmh: Mapping[str, float] | None = None,
                       source: str = "polygon") -> RoadGraph:
    """Download the drivable roads inside a WGS-84 polygon with osmnx (needs internet).

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        In ``(lon, lat)``, e.g. from :func:`geo.county_boundary`.
    speeds_kmh : mapping, optional
        As in :func:`load_road_graph`.
    source : str
        Name recorded in the graph.

    Returns
    -------
    RoadGraph
    """
    import osmnx as ox

    try:
        g = ox.graph_from_polygon(polygon, network_type="drive_service", retain_all=True)
    except Exception as exc:  # network errors come in many types
        raise GraphError(f"cannot download roads for {source}: {exc}") from None
    return graph_from_networkx(g, speeds_kmh=speeds_kmh, source=source)


def road_lines(graph: RoadGraph) -> list[dict[str, Any]]:
    """Road centre lines for drawing the network offline.

    Each two-way road appears once.

    Parameters
    ----------
    graph : RoadGraph

    Returns
    -------
    list of dict
        ``{"path": [(lon, lat), ...], "highway": str, "oneway": bool}`` — ``path``
        in ``(lon, lat)`` order, as map libraries (pydeck, GeoJSON) expect.
    """
    out = []
    for i in range(graph.n_edges):
        rev = int(graph.edge_reverse[i])
        if 0 <= rev < i:
            continue
        a, b = int(graph.geom_offsets[i]), int(graph.geom_offsets[i + 1])
        out.append({
            "path": list(zip(graph.geom_lon[a:b].tolist(), graph.geom_lat[a:b].tolist(),
                             strict=True)),
            "highway": str(graph.edge_highway[i]),
            "oneway": rev < 0,
        })
    return out
