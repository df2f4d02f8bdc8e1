"""Snapping places to a road graph, travel matrices and route geometry.

Model of a trip between two places ``a`` and ``b``
--------------------------------------------------
Each place is snapped to the nearest point of the nearest road *edge* (not the
nearest junction): edge ``u→v`` at fraction ``t`` of its length, ``access_m``
metres away from the road. Driving from ``a``:

* the drive/walk-in ``a → road`` takes ``access_s`` (at ``access_speed_kmh``);
* then along the edge to ``v`` (``(1 - t)`` of it) or, when the road is two-way,
  along the reverse edge to ``u`` (``t`` of it);
* a shortest path over the network to a node next to ``b``'s snapped point;
* into ``b``'s edge, and the access from the road to ``b``.

When ``a`` and ``b`` lie on the same edge and ``b`` is downstream (or the road is
two-way), driving straight along the edge is also considered. Places at the very
same position are 0 apart.

The distance matrix is the length of the *fastest* path: it comes from the
shortest-path tree of the travel-time search (``return_predecessors``), summed up
the tree by pointer jumping, so it never mixes a fastest time with a shortest,
slower route.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from geo.errors import FarSnapWarning, GeoInputError, GraphError
from geo.types import UNREACHABLE, Location, TravelMatrix

from .graph import EARTH_RADIUS_M, RoadGraph

log = logging.getLogger(__name__)

__all__ = [
    "Snap",
    "snap_points",
    "travel_matrix",
    "route_geometry",
    "DEFAULT_ACCESS_SPEED_KMH",
]

#: Speed of the last stretch between the road and the place (farm track, yard, on foot).
DEFAULT_ACCESS_SPEED_KMH = 10.0

#: Bytes of working memory one chunk of Dijkstra sources may use.
_CHUNK_BUDGET_BYTES = 256 * 2**20


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


def _snap_index(graph: RoadGraph) -> _SnapIndex:
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
        Warn (:class:`~countyreach.errors.FarSnapWarning`) for places farther
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
    idx = _snap_index(graph)
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
def _links(graph: RoadGraph, snaps: Sequence[Snap]) -> tuple[npt.NDArray[Any], ...]:
    """Out- and in-links of each snap: node, time and length to/from the snapped point.

    Returns ``out_node, out_s, out_m, in_node, in_s, in_m`` as ``(N, 2)`` arrays;
    a missing link (one-way road) has node -1 and infinite cost.
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


def _tree_lengths(graph: RoadGraph, pred: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Length from each row's source to every node along the shortest-path tree.

    Pointer jumping: every node keeps an ancestor and the length up to it, and
    each round doubles the jump, so ``log2(depth)`` vectorised rounds suffice.
    """
    c, n = pred.shape
    csr = graph.csr_length_m
    # Sorted (u * n + v) keys of the CSR entries → length of edge (pred[j], j).
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr)) * n + csr.indices
    has_pred = pred >= 0
    cols = np.broadcast_to(np.arange(n, dtype=np.int64), (c, n))
    q = np.where(has_pred, pred.astype(np.int64) * n + cols, 0)
    pos = np.searchsorted(keys, q)
    pos = np.minimum(pos, len(keys) - 1)
    step = np.where(has_pred, csr.data[pos], 0.0)
    anc: npt.NDArray[np.int64] = np.where(has_pred, pred, cols).astype(np.int64)
    while True:
        nxt = np.take_along_axis(anc, anc, axis=1)
        if np.array_equal(nxt, anc):
            break
        step += np.take_along_axis(step, anc, axis=1)
        anc = nxt
    return step


def _chunk_size(graph: RoadGraph, chunk_size: int | None, n_places: int = 0) -> int:
    if chunk_size is not None:
        if chunk_size < 1:
            raise GeoInputError("chunk_size must be >= 1", field="chunk_size")
        return int(chunk_size)
    # Per source row: the Dijkstra row (8 bytes per node; packed weights) or also
    # lengths, predecessors and ancestors (40), plus ~6 float rows over the places.
    per_node = 8 if graph.len_bits else 40
    per_row = per_node * graph.n_nodes + 48 * n_places
    return int(max(1, min(1024, _CHUNK_BUDGET_BYTES // per_row)))


def _scipy_block(graph: RoadGraph, sources: npt.NDArray[np.int64],
                 targets: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64], ...]:
    """Seconds and metres of the fastest paths ``sources × targets`` (multi-source, in C)."""
    if graph.len_bits:
        w = dijkstra(graph.csr_weight, directed=True, indices=sources)[:, targets]
        travel, length = graph.split_weight(w)
        assert length is not None
        return travel, length
    dist, pred = dijkstra(graph.csr_weight, directed=True, indices=sources,
                          return_predecessors=True)
    length = _tree_lengths(graph, pred)
    return dist[:, targets], length[:, targets]


def _networkx_block(graph: RoadGraph, sources: npt.NDArray[np.int64],
                    targets: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64], ...]:
    """Reference engine: one networkx Dijkstra per source (slow, for tests and benchmarks)."""
    import networkx as nx

    g = graph.__dict__.get("_nx")
    if g is None:
        g = graph.to_networkx()
        graph.__dict__["_nx"] = g
    travel = np.full((len(sources), len(targets)), np.inf)
    length = np.full((len(sources), len(targets)), np.inf)
    col = {int(t): j for j, t in enumerate(targets)}
    for i, s in enumerate(sources):
        if graph.len_bits:
            w = np.full(len(targets), np.inf)
            reached = nx.single_source_dijkstra_path_length(g, int(s), weight="weight")
            for node, d in reached.items():
                j = col.get(node)
                if j is not None:
                    w[j] = d
            travel[i], split = graph.split_weight(w)
            assert split is not None
            length[i] = split
        else:
            dist, paths = nx.single_source_dijkstra(g, int(s), weight="weight")
            for node, j in col.items():
                if node in dist:
                    travel[i, j] = dist[node]
                    p = paths[node]
                    length[i, j] = sum(graph.edge_length_m[graph.edge_for(a, b)]
                                       for a, b in itertools.pairwise(p))
    return travel, length


_ENGINES: dict[str, Callable[..., tuple[npt.NDArray[np.float64], ...]]] = {
    "scipy": _scipy_block,
    "networkx": _networkx_block,
}


def travel_matrix(
    graph: RoadGraph,
    snaps: Sequence[Snap],
    *,
    chunk_size: int | None = None,
    progress: bool = False,
    engine: str = "scipy",
) -> TravelMatrix:
    """Directed travel-time and distance matrix between snapped places.

    Runs :func:`scipy.sparse.csgraph.dijkstra` from every *distinct* graph node
    next to a place (each computed once), in chunks of sources so memory stays
    bounded: besides the ``N × N`` result, one chunk uses about
    ``chunk_size × n_nodes × 8`` bytes (``× 40`` on graphs too large for packed
    weights, which need the predecessor tree).

    Parameters
    ----------
    graph : RoadGraph
        The network the snaps belong to.
    snaps : sequence of Snap
        Places; their ``point_id`` become the matrix node ids (must be unique).
    chunk_size : int, optional
        Dijkstra sources per chunk; default keeps the working memory of a chunk
        near 256 MB.
    progress : bool
        Show a tqdm progress bar over chunks.
    engine : {"scipy", "networkx"}
        ``"networkx"`` runs one networkx Dijkstra per source instead: the slow
        reference the fast engine is checked against (same results exactly).

    Returns
    -------
    TravelMatrix
        ``duration_s``/``distance_m`` rounded to integers, directed (one-way
        streets make ``A→B`` differ from ``B→A``),
        :data:`~countyreach.types.UNREACHABLE` where there is no path. Distinct
        places are at least 1 s / 1 m apart. The distance is that of the fastest
        path (the shortest of equally fast ones).
    """
    block = _ENGINES.get(engine)
    if block is None:
        raise GeoInputError(f"unknown engine {engine!r}; use one of {sorted(_ENGINES)}",
                         field="engine")
    snaps = list(snaps)
    ids = [s.point_id for s in snaps]
    n = len(snaps)
    if n == 0:
        return TravelMatrix((), np.zeros((0, 0), np.int64), np.zeros((0, 0), np.int64))
    out_node, out_s, out_m, in_node, in_s, in_m = _links(graph, snaps)
    sources = np.unique(out_node[out_node >= 0])
    targets = np.unique(in_node[in_node >= 0])
    in_col = np.where(in_node >= 0, np.searchsorted(targets, np.maximum(in_node, 0)), 0)
    out_pos = np.where(out_node >= 0, np.searchsorted(sources, np.maximum(out_node, 0)), -1)

    best_s = np.full((n, n), np.inf)
    best_m = np.full((n, n), np.inf)
    size = _chunk_size(graph, chunk_size, n)
    row_block = max(1, (1 << 21) // n)
    starts: Iterable[int] = range(0, len(sources), size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="travel matrix", unit="chunk")
    for lo in starts:
        chunk = sources[lo:lo + size]
        ds, dm = block(graph, chunk, targets)
        # Best arrival at every place from each source, over the place's in-links.
        g_s = ds[:, in_col[:, 0]] + in_s[:, 0]
        g_m = dm[:, in_col[:, 0]] + in_m[:, 0]
        alt_s = ds[:, in_col[:, 1]] + in_s[:, 1]
        alt_m = dm[:, in_col[:, 1]] + in_m[:, 1]
        better = (alt_s < g_s) | ((alt_s == g_s) & (alt_m < g_m))
        g_s = np.where(better, alt_s, g_s)
        g_m = np.where(better, alt_m, g_m)
        del ds, dm, alt_s, alt_m, better
        for k in (0, 1):
            all_rows = np.flatnonzero((out_pos[:, k] >= lo) & (out_pos[:, k] < lo + len(chunk)))
            # Row blocks keep the temporaries at ~16 MB each whatever N is.
            for r0 in range(0, len(all_rows), row_block):
                rows = all_rows[r0:r0 + row_block]
                src = out_pos[rows, k] - lo
                cand_s = g_s[src] + out_s[rows, k][:, None]
                cand_m = g_m[src] + out_m[rows, k][:, None]
                cur_s, cur_m = best_s[rows], best_m[rows]
                upd = (cand_s < cur_s) | ((cand_s == cur_s) & (cand_m < cur_m))
                best_s[rows] = np.where(upd, cand_s, cur_s)
                best_m[rows] = np.where(upd, cand_m, cur_m)
    _same_edge(graph, snaps, best_s, best_m)
    access = np.array([s.access_s for s in snaps])
    access_m = np.array([s.access_m for s in snaps])
    best_s += access[:, None]
    best_s += access[None, :]
    best_m += access_m[:, None]
    best_m += access_m[None, :]
    return _to_matrix(ids, snaps, best_s, best_m)


def _same_edge(graph: RoadGraph, snaps: Sequence[Snap], best_s: npt.NDArray[np.float64],
               best_m: npt.NDArray[np.float64]) -> None:
    """Driving straight along a shared edge, without passing a junction."""
    edge = np.array([s.edge for s in snaps], dtype=np.int64)
    frac = np.array([s.fraction for s in snaps])
    order = np.argsort(edge, kind="stable")
    bounds = np.flatnonzero(np.diff(edge[order])) + 1
    for group in np.split(order, bounds):
        if len(group) < 2:
            continue
        e = int(edge[group[0]])
        r = int(graph.edge_reverse[e])
        t = frac[group]
        delta = t[None, :] - t[:, None]  # fraction from row place to column place
        fwd = delta >= 0
        ds = np.where(fwd, delta * graph.edge_travel_s[e], np.inf)
        dm = np.where(fwd, delta * graph.edge_length_m[e], np.inf)
        if r >= 0:
            ds = np.where(fwd, ds, -delta * graph.edge_travel_s[r])
            dm = np.where(fwd, dm, -delta * graph.edge_length_m[r])
        sub = np.ix_(group, group)
        cur_s, cur_m = best_s[sub], best_m[sub]
        upd = ds < cur_s
        best_s[sub] = np.where(upd, ds, cur_s)
        best_m[sub] = np.where(upd, dm, cur_m)


def _to_matrix(ids: list[str], snaps: Sequence[Snap], best_s: npt.NDArray[np.float64],
               best_m: npt.NDArray[np.float64]) -> TravelMatrix:
    """Round to integers in place (the float buffers are reused as int64)."""
    n = len(ids)
    lat = np.array([s.location.lat for s in snaps])
    lon = np.array([s.location.lon for s in snaps])
    out = []
    for arr in (best_s, best_m):
        ints = arr.view(np.int64)
        step = max(1, (1 << 22) // max(n, 1))
        for lo in range(0, n, step):
            block = arr[lo:lo + step]
            unreachable = ~np.isfinite(block)
            vals = np.rint(np.where(unreachable, 0.0, block))
            # Distinct places never get 0: a zero would let the solver chain them for free.
            same = ((lat[lo:lo + step, None] == lat[None, :])
                    & (lon[lo:lo + step, None] == lon[None, :]))
            vals = np.where(same, 0.0, np.maximum(vals, 1.0))
            vals = np.minimum(vals, UNREACHABLE - 1)
            iv = vals.astype(np.int64)
            iv[unreachable & ~same] = UNREACHABLE
            ints[lo:lo + step] = iv
        out.append(ints)
    return TravelMatrix(tuple(ids), out[0], out[1])


# ----------------------------------------------------------------------------------------
# Route geometry
# ----------------------------------------------------------------------------------------
def _edge_part(graph: RoadGraph, e: int, t0: float, t1: float) -> list[tuple[float, float]]:
    """Coordinates of edge ``e`` between fractions ``t0 <= t1`` of its (projected) length."""
    idx = _snap_index(graph)
    a, b = int(graph.geom_offsets[e]), int(graph.geom_offsets[e + 1])
    lat, lon = graph.geom_lat[a:b], graph.geom_lon[a:b]
    x, y = idx.proj.fwd(lat, lon)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    total = cum[-1]
    if total <= 0:
        return [(float(lat[0]), float(lon[0]))]
    d0, d1 = t0 * total, t1 * total
    pts = [(float(np.interp(d0, cum, lat)), float(np.interp(d0, cum, lon)))]
    inner = np.flatnonzero((cum > d0) & (cum < d1))
    pts += list(zip(lat[inner].tolist(), lon[inner].tolist(), strict=True))
    pts.append((float(np.interp(d1, cum, lat)), float(np.interp(d1, cum, lon))))
    return pts


def route_geometry(graph: RoadGraph, from_snap: Snap, to_snap: Snap) -> list[tuple[float, float]]:
    """The fastest road path between two snapped places as a ``(lat, lon)`` polyline.

    Starts at ``from_snap.location``, includes the access stretches and the
    partial edges at both ends, and ends at ``to_snap.location``. It is the path
    whose time :func:`travel_matrix` reports.

    Parameters
    ----------
    graph : RoadGraph
    from_snap, to_snap : Snap

    Returns
    -------
    list of tuple of float
        ``[(lat, lon), ...]``; just the two places when there is no road path.
    """
    a, b = from_snap, to_snap
    start = (a.location.lat, a.location.lon)
    end = (b.location.lat, b.location.lon)
    if a.location == b.location:
        return [start, end]
    out_node, out_s, _, in_node, in_s, _ = _links(graph, [a, b])
    best: tuple[float, int | None, int | None, int | None] = (np.inf, None, None, None)
    srcs = [int(x) for x in out_node[0] if x >= 0]
    weight, pred = dijkstra(graph.csr_weight, directed=True, indices=srcs,
                            return_predecessors=True)
    dist, _ = graph.split_weight(weight)
    for k, node in enumerate(out_node[0]):
        if node < 0:
            continue
        row = srcs.index(int(node))
        for ell in (0, 1):
            tgt = int(in_node[1, ell])
            if tgt < 0:
                continue
            cost = out_s[0, k] + dist[row, tgt] + in_s[1, ell]
            if cost < best[0]:
                best = (float(cost), k, ell, row)
    e, r = a.edge, int(graph.edge_reverse[a.edge])
    direct = np.inf
    if a.edge == b.edge:
        if b.fraction >= a.fraction:
            direct = (b.fraction - a.fraction) * graph.edge_travel_s[e]
        elif r >= 0:
            direct = (a.fraction - b.fraction) * graph.edge_travel_s[r]
    pts: list[tuple[float, float]] = [start]
    if np.isfinite(direct) and direct <= best[0]:
        if b.fraction >= a.fraction:
            pts += _edge_part(graph, e, a.fraction, b.fraction)
        else:
            pts += _edge_part(graph, r, 1 - a.fraction, 1 - b.fraction)
    elif best[1] is None:
        return [start, end]
    else:
        _, bk, bl, brow = best
        assert bk is not None and bl is not None and brow is not None
        # Leave a's edge: along it to v (k == 0) or along its reverse to u (k == 1).
        pts += (_edge_part(graph, a.edge, a.fraction, 1.0) if bk == 0
                else _edge_part(graph, int(graph.edge_reverse[a.edge]), 1 - a.fraction, 1.0))
        node = int(in_node[1, bl])
        path = [node]
        while path[-1] != int(out_node[0, bk]):
            p = int(pred[brow, path[-1]])
            if p < 0:
                break
            path.append(p)
        path.reverse()
        for p, q in itertools.pairwise(path):
            pts += graph.edge_coords(graph.edge_for(p, q))
        # Enter b's edge: from u along it (ell == 0) or from v along its reverse (ell == 1).
        pts += (_edge_part(graph, b.edge, 0.0, b.fraction) if bl == 0
                else _edge_part(graph, int(graph.edge_reverse[b.edge]), 0.0, 1 - b.fraction))
    pts.append(end)
    dedup = [pts[0]]
    for pt in pts[1:]:
        if pt != dedup[-1]:
            dedup.append(pt)
    return dedup
