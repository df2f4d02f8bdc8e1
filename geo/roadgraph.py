"""The prepared road network: a frozen set of numpy arrays and its CSR adjacency.

A :class:`RoadGraph` holds junction nodes, directed edges between them with
length, travel time, road class and the road geometry, and a CSR adjacency
(built once) that :mod:`scipy.sparse.csgraph` runs on. How graphs are made
from OpenStreetMap is in :mod:`geo.prepare`, :mod:`geo.osmfile` and
:mod:`geo.osmnx_source`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geo.errors import GraphError
from geo.files import write_atomically

__all__ = ["Bounds", "RoadGraph", "road_lines", "CACHE_VERSION"]

#: Bumped whenever the prepared arrays change meaning, so stale caches are ignored.
CACHE_VERSION = 1

#: Travel times are stored as multiples of 1/1024 s and lengths of 1/8 m.
_TIME_UNITS = 1024.0
_LENGTH_UNITS = 8.0


class Bounds(NamedTuple):
    """Bounding box of a road graph in WGS-84 degrees."""

    south: float
    west: float
    north: float
    east: float


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
        # and lengths come from the shortest-path tree (see geo.matrix).
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
    #: The arrays that define a graph (what :meth:`save` writes, in this order).
    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = (
        "node_ids", "node_lat", "node_lon", "edge_u", "edge_v", "edge_length_m",
        "edge_travel_s", "edge_highway", "edge_way_id", "edge_reverse", "geom_offsets",
        "geom_lat", "geom_lon")

    def save(self, path: str | Path) -> None:
        """Write the graph to an ``.npz`` file (no pickle)."""
        arrays = {name: getattr(self, name) for name in self.ARRAY_FIELDS}
        buf = io.BytesIO()
        np.savez(buf, **arrays, source=np.array(self.source), version=np.array(CACHE_VERSION))
        write_atomically(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> RoadGraph:
        """Read a graph written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"]) != CACHE_VERSION:
                raise GraphError(f"{path}: cached graph from another countyreach version")
            kwargs = {name: z[name] for name in cls.ARRAY_FIELDS}
            return cls(**kwargs, source=str(z["source"]))


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
