"""Benchmark: travel matrix (scipy multi-source Dijkstra) vs a networkx per-source reference.

Run from the repository root::

    python3 bench/bench_matrix.py            # N = 1000 vs networkx, then N = 5000 memory
    python3 bench/bench_matrix.py --n 300    # quicker

First it times loading the embedded demo network (``data/qingzu/roads.osm.pbf``):
parsed from the file, then from the graph cache (the test suite checks that a
cached load does not parse the file; how long either takes is measured here).

The matrix comparison uses the real Heidelberg network from ``../shared`` (skipped,
exit 0, without it).
Both engines compute the same matrix in the same run: the same snapped places,
the same access links and the same integer rounding; only the node-to-node
search differs (``geo.travel_matrix(engine="scipy")`` vs ``engine="networkx"``,
which runs ``networkx.single_source_dijkstra_path_length`` once per distinct
source node). The values must be identical.

The reference graph is a ``networkx.MultiDiGraph`` holding every directed edge,
as osmnx builds it (the usual way such matrices are computed with networkx). A
second reference on a ``DiGraph`` already reduced to the fastest edge per node
pair is also timed and printed, for transparency.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import geo  # noqa: E402
from geo.errors import FarSnapWarning  # noqa: E402
from geo.matrix import chunk_size_for  # noqa: E402
from geo.types import Location  # noqa: E402

TARGET_RATIO = 25.0


def shared_dir() -> Path | None:
    for cand in (os.environ.get("COUNTYREACH_SHARED"), REPO.parent / "shared", "/work/shared"):
        if cand and Path(cand, "data", "osm", "heidelberg_test.osm.pbf").is_file():
            return Path(cand)
    return None


def random_places(g: geo.RoadGraph, n: int, seed: int) -> tuple[geo.Snap, ...]:
    """``n`` uniformly random places inside the network's hull, snapped to the roads."""
    import shapely

    rng = np.random.default_rng(seed)
    s, w, no, e = g.bounds
    pts: list[Location] = []
    while len(pts) < n:
        lat = rng.uniform(s, no, 4 * n)
        lon = rng.uniform(w, e, 4 * n)
        inside = shapely.contains_xy(g.hull, lon, lat)
        pts += [Location(float(a), float(b)) for a, b in zip(lat[inside], lon[inside],
                                                             strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FarSnapWarning)
        return geo.snap_points(g, pts[:n], [f"p{i}" for i in range(n)], max_m=50_000)


def demo_load_times(repeats: int = 3) -> None:
    """Print how long the demo network takes to load, parsed and from the cache."""
    path = REPO / "data" / "qingzu" / "roads.osm.pbf"
    parsed, cached = [], []
    with tempfile.TemporaryDirectory() as cache:
        for _ in range(repeats):
            t0 = time.perf_counter()
            geo.load_road_graph(path)
            parsed.append(time.perf_counter() - t0)
        geo.load_road_graph(path, cache_dir=cache)  # writes the cache entry
        for _ in range(repeats):
            t0 = time.perf_counter()
            g = geo.load_road_graph(path, cache_dir=cache)
            cached.append(time.perf_counter() - t0)
    print(f"demo graph {path.name}: {g.n_nodes} nodes, {g.n_edges} edges; load median of "
          f"{repeats}: parsed {statistics.median(parsed):.3f} s, "
          f"from cache {statistics.median(cached):.3f} s")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="places for the speed comparison")
    ap.add_argument("--n-big", type=int, default=5000, help="places for the memory run")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    demo_load_times()
    shared = shared_dir()
    if shared is None:
        print("SKIP: ../shared (Heidelberg network) is not available")
        return 0
    path = shared / "data" / "osm" / "heidelberg_test.osm.pbf"
    t0 = time.perf_counter()
    g = geo.load_road_graph(path)
    print(f"graph: {path.name}: {g.n_nodes} nodes, {g.n_edges} edges, "
          f"{g.total_length_m / 1000:.0f} km, loaded in {time.perf_counter() - t0:.2f} s "
          f"(packed weights: {bool(g.len_bits)})")

    snaps = random_places(g, args.n, args.seed)
    out = {int(g.edge_v[s.edge]) for s in snaps}
    out |= {int(g.edge_u[s.edge]) for s in snaps if g.edge_reverse[s.edge] >= 0}
    print(f"N = {args.n} random places (seed {args.seed}) -> {len(out)} distinct source nodes")

    geo.travel_matrix(g, snaps[:20])  # import/JIT-free warm-up of scipy's code paths
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        fast = geo.travel_matrix(g, snaps)
        times.append(time.perf_counter() - t0)
    t_fast = statistics.median(times)
    print(f"scipy travel_matrix:               {t_fast:7.2f} s  (median of 3: "
          + ", ".join(f"{t:.2f}" for t in times) + ")")

    ratios = {}
    for label, multigraph in (("MultiDiGraph (osmnx-style)", True),
                              ("DiGraph (parallel edges reduced)", False)):
        # The networkx engine searches the graph cached on the RoadGraph; build it
        # outside the timed part.
        g.__dict__["_nx"] = g.to_networkx(multigraph=multigraph)
        t0 = time.perf_counter()
        ref = geo.travel_matrix(g, snaps, engine="networkx")
        t_ref = time.perf_counter() - t0
        same_t = np.array_equal(ref.duration_s, fast.duration_s)
        same_d = np.array_equal(ref.distance_m, fast.distance_m)
        ratios[label] = t_ref / t_fast
        print(f"networkx per-source, {label:34s} {t_ref:7.2f} s  ratio {t_ref / t_fast:5.1f}x  "
              f"identical durations: {same_t}, distances: {same_d}")
        if not (same_t and same_d):
            print("FAIL: the matrices differ")
            return 1
    g.__dict__.pop("_nx", None)
    main_ratio = ratios["MultiDiGraph (osmnx-style)"]
    verdict = "PASS" if main_ratio >= TARGET_RATIO else "FAIL"
    print(f"{verdict}: scipy is {main_ratio:.1f}x faster than the networkx reference "
          f"(target >= {TARGET_RATIO:.0f}x)")

    # Memory: N = n_big, working memory bounded by chunking.
    big = random_places(g, args.n_big, args.seed + 1)
    rss0 = rss_mb()
    tracemalloc.start()
    t0 = time.perf_counter()
    m = geo.travel_matrix(g, big)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(big)
    result_mb = 2 * n * n * 8 / 2**20
    chunk = chunk_size_for(g, n)
    print(f"N = {n}: {dt:.1f} s, tracemalloc peak {peak / 2**20:.0f} MB; the int64 "
          f"duration+distance result alone is {result_mb:.0f} MB (x2 while TravelMatrix "
          f"copies it); chunk of {chunk} sources x {g.n_nodes} nodes = "
          f"{chunk * g.n_nodes * 8 / 2**20:.0f} MB; max RSS {rss0:.0f} -> {rss_mb():.0f} MB")
    unreachable = int((m.duration_s >= 10**9).sum())
    print(f"N = {n}: {unreachable} unreachable pairs, median trip "
          f"{np.median(m.duration_s) / 60:.1f} min / {np.median(m.distance_m) / 1000:.1f} km")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
