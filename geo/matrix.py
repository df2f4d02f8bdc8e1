"""Directed travel-time and distance matrices between snapped places.

Model of a trip between two places ``a`` and ``b`` (snapped by :mod:`geo.snap`)
--------------------------------------------------------------------------------
Driving from ``a``:

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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from geo.errors import GeoInputError
from geo.roadgraph import RoadGraph
from geo.snap import Snap, snap_links
from geo.types import UNREACHABLE, TravelMatrix

__all__ = ["travel_matrix", "chunk_size_for", "tree_lengths_m"]

#: Bytes of working memory one chunk of Dijkstra sources may use.
_CHUNK_BUDGET_BYTES = 256 * 2**20


def tree_lengths_m(graph: RoadGraph, pred: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Length from each row's source to every node along the shortest-path tree.

    The distances of graphs too large for packed weights come from here.
    Pointer jumping: every node keeps an ancestor and the length up to it, and
    each round doubles the jump, so ``log2(depth)`` vectorised rounds suffice.

    Parameters
    ----------
    graph : RoadGraph
        The network searched.
    pred : ndarray of int, shape (sources, n_nodes)
        Predecessors from :func:`scipy.sparse.csgraph.dijkstra` over
        ``graph.csr_weight`` (``return_predecessors=True``), -9999 for none.

    Returns
    -------
    numpy.ndarray
        Metres along the tree from each source to each node; unreached nodes
        get the length up to their furthest known ancestor (0 when none).
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


def chunk_size_for(graph: RoadGraph, n_places: int = 0, chunk_size: int | None = None) -> int:
    """Dijkstra sources per chunk of :func:`travel_matrix`.

    Parameters
    ----------
    graph : RoadGraph
        The network searched.
    n_places : int
        Places in the matrix.
    chunk_size : int, optional
        An explicit size (checked and returned); by default the size that keeps
        one chunk's working memory near 256 MB.

    Returns
    -------
    int
        At least 1, at most 1024 by default.

    Raises
    ------
    GeoInputError
        If ``chunk_size`` is below 1.
    """
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
    length = tree_lengths_m(graph, pred)
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
        :data:`~geo.types.UNREACHABLE` where there is no path. Distinct
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
    out_node, out_s, out_m, in_node, in_s, in_m = snap_links(graph, snaps)
    sources = np.unique(out_node[out_node >= 0])
    targets = np.unique(in_node[in_node >= 0])
    in_col = np.where(in_node >= 0, np.searchsorted(targets, np.maximum(in_node, 0)), 0)
    out_pos = np.where(out_node >= 0, np.searchsorted(sources, np.maximum(out_node, 0)), -1)

    best_s = np.full((n, n), np.inf)
    best_m = np.full((n, n), np.inf)
    size = chunk_size_for(graph, n, chunk_size)
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
