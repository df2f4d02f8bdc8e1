"""OSM tags and way pieces → a prepared :class:`~geo.roadgraph.RoadGraph`.

The step shared by every source (local files in :mod:`geo.osmfile`, osmnx
graphs in :mod:`geo.osmnx_source`):

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

import itertools
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo.distance import haversine_m
from geo.errors import GeoInputError, GraphError
from geo.roadgraph import RoadGraph

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "parse_maxspeed",
    "class_speeds",
    "drivable_class",
    "way_direction",
    "RawEdges",
    "WayPiece",
    "ways_to_raw",
    "assemble",
]

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

#: One drivable way: ``(way_id, highway, maxspeed_kmh, direction, node_refs, lat, lon)``,
#: direction as in :func:`way_direction`.
WayPiece = tuple[int, str, float, int, npt.NDArray[np.int64], npt.NDArray[np.float64],
                 npt.NDArray[np.float64]]


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


def class_speeds(speeds_kmh: Mapping[str, float] | None) -> dict[str, float]:
    """Speeds per road class: :data:`DEFAULT_SPEEDS_KMH` updated by ``speeds_kmh``.

    Parameters
    ----------
    speeds_kmh : mapping or None
        Overrides and additions, km/h in (0, 200].

    Returns
    -------
    dict
        ``highway`` class → km/h; its keys are the drivable classes.

    Raises
    ------
    GeoInputError
        If a class name is not a string or a speed is out of range.
    """
    speeds = dict(DEFAULT_SPEEDS_KMH)
    for k, v in (speeds_kmh or {}).items():
        if not isinstance(k, str) or not isinstance(v, (int, float)) or not (0 < v <= 200):
            raise GeoInputError(f"speed for road class {k!r} must be a number in (0, 200] km/h, "
                             f"got {v!r}", field="speeds_kmh")
        speeds[k] = float(v)
    return speeds


def drivable_class(tags: Mapping[str, Any], classes: Iterable[str]) -> str | None:
    """The road class of a drivable way, or None to drop it.

    Parameters
    ----------
    tags : mapping
        OSM tags of the way (osmnx edges carry them as attributes, lists allowed).
    classes : iterable of str
        Drivable ``highway`` classes (the keys of :func:`class_speeds`).

    Returns
    -------
    str or None
        The ``highway`` class, or None for a non-road, an area, a private or
        motor-vehicle-free way, or a parking aisle/driveway.
    """
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


def way_direction(tags: Mapping[str, Any], highway: str) -> int:
    """Driving direction of a way from its tags.

    Parameters
    ----------
    tags : mapping
        OSM tags of the way.
    highway : str
        Its road class (motorways are one-way unless tagged otherwise).

    Returns
    -------
    int
        +1 one-way along the way, -1 against it, 0 both ways.
    """
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
class RawEdges:
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
            self.add_one(u, v, lat, lon, highway, maxspeed, way_id, -1)
        if direction <= 0:
            self.add_one(v, u, lat[::-1].copy(), lon[::-1].copy(), highway, maxspeed, way_id, -1)
        if direction == 0:
            self.reverse[i], self.reverse[i + 1] = i + 1, i

    def add_one(self, u: int, v: int, lat: npt.NDArray[np.float64],
                lon: npt.NDArray[np.float64], highway: str, maxspeed: float, way_id: int,
                rev: int) -> None:
        """Add one directed edge; ``rev`` is the index of its reverse edge or -1."""
        self.u.append(u)
        self.v.append(v)
        self.lat.append(lat)
        self.lon.append(lon)
        self.highway.append(highway)
        self.maxspeed.append(maxspeed)
        self.way_id.append(way_id)
        self.reverse.append(rev)


def assemble(raw: RawEdges, speeds: Mapping[str, float], source: str) -> RoadGraph:
    """Speeds, travel times, largest strongly connected component → RoadGraph.

    Parameters
    ----------
    raw : RawEdges
        Directed edges in OSM node ids.
    speeds : mapping
        Speed per road class, km/h, where an edge has no usable ``maxspeed``.
    source : str
        Name recorded in the graph and used in messages.

    Returns
    -------
    RoadGraph

    Raises
    ------
    GraphError
        If no (connected) drivable road is left.
    """
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


def ways_to_raw(ways: Sequence[WayPiece]) -> RawEdges:
    """Split drivable ways at junctions (nodes shared by ways, way ends) into edges.

    Parameters
    ----------
    ways : sequence of WayPiece
        The drivable ways with their node refs and positions.

    Returns
    -------
    RawEdges
        One edge per piece between junctions and per driving direction.
    """
    counts: dict[int, int] = {}
    for _, _, _, _, refs, _, _ in ways:
        for r in refs.tolist():
            counts[r] = counts.get(r, 0) + 1
        # Way ends are always nodes of the graph.
        counts[int(refs[0])] = counts.get(int(refs[0]), 0) + 2
        counts[int(refs[-1])] = counts.get(int(refs[-1]), 0) + 2
    raw = RawEdges()
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


