"""Route geometry: the polyline of the fastest road path between two snapped places."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geo.roadgraph import RoadGraph
from geo.snap import Snap, snap_index, snap_links

__all__ = ["route_geometry"]


def _edge_part(graph: RoadGraph, e: int, t0: float, t1: float) -> list[tuple[float, float]]:
    """Coordinates of edge ``e`` between fractions ``t0 <= t1`` of its (projected) length."""
    idx = snap_index(graph)
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
    out_node, out_s, _, in_node, in_s, _ = snap_links(graph, [a, b])
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
