"""Snapping to road edges, directed travel matrices and route geometry."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo
from geo import matrix as geo_matrix
from geo.errors import FarSnapWarning, GeoInputError
from geo.types import UNREACHABLE, Location

REPO = Path(__file__).resolve().parents[1]
SQUARE = REPO / "tests" / "fixtures" / "geo" / "oneway_square.osm"
DEMO = REPO / "data" / "qingzu"


@pytest.fixture(scope="module")
def square() -> geo.RoadGraph:
    return geo.load_road_graph(SQUARE)


@pytest.fixture(scope="module")
def demo() -> geo.RoadGraph:
    return geo.load_road_graph(DEMO / "roads.osm.pbf")


@pytest.fixture(scope="module")
def villages() -> pd.DataFrame:
    return pd.read_csv(DEMO / "villages.csv", dtype={"osm_id": str})


@pytest.fixture(scope="module")
def village_snaps(demo: geo.RoadGraph, villages: pd.DataFrame) -> tuple[geo.Snap, ...]:
    pts = [Location(float(a), float(b)) for a, b in zip(villages.lat, villages.lon, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FarSnapWarning)
        return geo.snap_points(demo, pts, list(villages.osm_id))


def _edge(g: geo.RoadGraph, a: int, b: int) -> int:
    """Edge index between OSM nodes a and b."""
    idx = {int(n): i for i, n in enumerate(g.node_ids)}
    return g.edge_for(idx[a], idx[b])


def _polyline_m(pts: list[tuple[float, float]]) -> float:
    lat = np.array([p[0] for p in pts])
    lon = np.array([p[1] for p in pts])
    return float(geo.haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum())


# --- snapping -----------------------------------------------------------------------------
def test_snap_takes_the_nearest_edge_not_the_nearest_junction(square: geo.RoadGraph) -> None:
    # 44 m north of the south road, 360 m from the nearest junction (node 1).
    (s,) = geo.snap_points(square, [Location(35.5004, 115.004)], ["shop"])
    assert s.edge in (_edge(square, 1, 2), _edge(square, 2, 1))
    assert s.distance_m == pytest.approx(44.5, abs=1.0)
    assert s.snapped.lat == pytest.approx(35.5, abs=1e-7)
    assert s.snapped.lon == pytest.approx(115.004, abs=1e-7)
    assert s.access_s == pytest.approx(s.access_m / (geo.DEFAULT_ACCESS_SPEED_KMH / 3.6))
    node_d = geo.haversine_m(35.5004, 115.004, square.node_lat, square.node_lon).min()
    assert node_d > 300


def test_snap_fraction_is_position_along_the_edge(square: geo.RoadGraph) -> None:
    (s,) = geo.snap_points(square, [Location(35.5003, 115.003)])
    e = _edge(square, 1, 2)
    frac = s.fraction if s.edge == e else 1 - s.fraction
    assert frac == pytest.approx(0.25, abs=1e-3)


def test_far_place_warns_naming_it(square: geo.RoadGraph) -> None:
    with pytest.warns(FarSnapWarning, match="'middle'"):
        (s,) = geo.snap_points(square, [Location(35.505, 115.006)], ["middle"])
    assert s.distance_m > 500


def test_place_outside_the_network_is_an_input_error_naming_it(square: geo.RoadGraph) -> None:
    pts = [Location(35.5004, 115.004), Location(35.9, 115.6)]
    with pytest.raises(GeoInputError, match="'far-away'") as exc:
        geo.snap_points(square, pts, ["ok", "far-away"])
    assert exc.value.field == "lat"


def test_place_beyond_max_distance_is_an_input_error(square: geo.RoadGraph) -> None:
    with pytest.raises(GeoInputError, match="'middle'.*from the nearest road"):
        geo.snap_points(square, [Location(35.505, 115.006)], ["middle"], far_m=100, max_m=300)


def test_snap_rejects_mismatched_ids(square: geo.RoadGraph) -> None:
    with pytest.raises(GeoInputError, match="ids"):
        geo.snap_points(square, [Location(35.5, 115.0)], ["a", "b"])


# --- matrices -----------------------------------------------------------------------------
def test_one_way_street_makes_the_matrix_directed(square: geo.RoadGraph) -> None:
    # A and B both beside the one-way east road 2 -> 3 (northbound), A south of B.
    a, b = geo.snap_points(square, [Location(35.501, 115.0121), Location(35.509, 115.0121)],
                           ["A", "B"])
    m = geo.travel_matrix(square, [a, b])
    e23 = _edge(square, 2, 3)
    assert a.edge == b.edge == e23
    t23, t34 = square.edge_travel_s[e23], square.edge_travel_s[_edge(square, 3, 4)]
    t41, t12 = square.edge_travel_s[_edge(square, 4, 1)], square.edge_travel_s[_edge(square, 1, 2)]
    along = (b.fraction - a.fraction) * t23
    assert m.duration("A", "B") == round(a.access_s + along + b.access_s)
    # Back south there is no way but round the square: 3 -> 4 -> 1 -> 2 and up to A.
    around = (1 - b.fraction) * t23 + t34 + t41 + t12 + a.fraction * t23
    assert m.duration("B", "A") == round(b.access_s + around + a.access_s)
    assert m.duration("B", "A") > 3 * m.duration("A", "B")
    assert m.distance("B", "A") > m.distance("A", "B")


def test_two_way_same_edge_is_direct_both_ways(square: geo.RoadGraph) -> None:
    a, b = geo.snap_points(square, [Location(35.5001, 115.002), Location(35.5001, 115.008)],
                           ["A", "B"])
    m = geo.travel_matrix(square, [a, b])
    assert m.duration("A", "B") == m.duration("B", "A")
    assert m.distance("A", "B") == pytest.approx(543 + a.access_m + b.access_m, abs=2)


def test_matrix_is_integer_with_zero_diagonal(village_snaps: tuple[geo.Snap, ...]) -> None:
    g = geo.load_road_graph(DEMO / "roads.osm.pbf")
    m = geo.travel_matrix(g, village_snaps)
    assert m.duration_s.dtype == np.int64 and m.distance_m.dtype == np.int64
    assert (np.diag(m.duration_s) == 0).all()
    off = ~np.eye(len(m), dtype=bool)
    assert (m.duration_s[off] >= 1).all() and (m.duration_s[off] < UNREACHABLE).all()
    assert m.node_ids == tuple(s.point_id for s in village_snaps)


def test_same_place_twice_is_zero_apart_and_other_places_not(square: geo.RoadGraph) -> None:
    loc = Location(35.5004, 115.004)
    snaps = geo.snap_points(square, [loc, loc, Location(35.5004, 115.0041)], ["x", "y", "z"])
    m = geo.travel_matrix(square, snaps)
    assert m.duration("x", "y") == 0 and m.distance("x", "y") == 0
    assert m.duration("x", "z") >= 1 and m.distance("x", "z") >= 1


def _graph(lat: list[float], lon: list[float], roads: list[tuple[int, int, float]],
           name: str) -> geo.RoadGraph:
    """A hand-made graph of straight two-way roads ``(a, b, speed_kmh)``."""
    la, lo = np.array(lat), np.array(lon)
    u = np.array([x for a, b, _ in roads for x in (a, b)])
    v = np.array([x for a, b, _ in roads for x in (b, a)])
    kmh = np.repeat([r[2] for r in roads], 2)
    glat = np.ravel(np.column_stack([la[u], la[v]]))
    glon = np.ravel(np.column_stack([lo[u], lo[v]]))
    length = geo.haversine_m(la[u], lo[u], la[v], lo[v])
    rev = np.ravel([[2 * i + 1, 2 * i] for i in range(len(roads))])
    return geo.RoadGraph(
        node_ids=np.arange(len(la)) + 100, node_lat=la, node_lon=lo, edge_u=u, edge_v=v,
        edge_length_m=length, edge_travel_s=length / (kmh / 3.6),
        edge_highway=["road"] * len(u), edge_way_id=np.repeat(np.arange(len(roads)), 2),
        edge_reverse=rev, geom_offsets=np.arange(0, 2 * len(u) + 1, 2), geom_lat=glat,
        geom_lon=glon, source=name)


def _two_islands() -> geo.RoadGraph:
    """Two separate two-way roads: no path between them."""
    return _graph([35.50, 35.50, 35.60, 35.60], [115.00, 115.01, 115.00, 115.01],
                  [(0, 1, 30.0), (2, 3, 30.0)], "islands")


def test_unreachable_pairs_get_the_sentinel() -> None:
    g = _two_islands()
    pts = [Location(35.5001, 115.003), Location(35.5001, 115.007), Location(35.6001, 115.005)]
    snaps = geo.snap_points(g, pts, ["a1", "a2", "b1"], max_m=20_000, far_m=20_000)
    m = geo.travel_matrix(g, snaps)
    assert m.duration("a1", "b1") == UNREACHABLE and m.distance("b1", "a2") == UNREACHABLE
    assert 0 < m.duration("a1", "a2") < UNREACHABLE
    assert geo.route_geometry(g, snaps[0], snaps[2]) == [(35.5001, 115.003), (35.6001, 115.005)]


def test_each_distinct_node_is_searched_once(monkeypatch: pytest.MonkeyPatch,
                                             demo: geo.RoadGraph,
                                             village_snaps: tuple[geo.Snap, ...]) -> None:
    seen: list[int] = []
    real = geo_matrix.dijkstra

    def counting(*args: object, indices: np.ndarray, **kwargs: object) -> object:
        seen.extend(np.atleast_1d(indices).tolist())
        return real(*args, indices=indices, **kwargs)

    monkeypatch.setattr(geo_matrix, "dijkstra", counting)
    # Every village three times under different ids: the same graph nodes.
    many = [geo.Snap(f"{s.point_id}#{k}", s.location, s.snapped, s.edge, s.fraction,
                     s.access_m, s.access_s, s.distance_m)
            for k in range(3) for s in village_snaps]
    m = geo.travel_matrix(demo, many, chunk_size=16)
    assert len(seen) == len(set(seen))
    out_nodes = {int(demo.edge_v[s.edge]) for s in village_snaps}
    out_nodes |= {int(demo.edge_u[s.edge]) for s in village_snaps if demo.edge_reverse[s.edge] >= 0}
    assert set(seen) == out_nodes
    n = len(village_snaps)
    block = m.duration_s[:n, :n]
    np.testing.assert_array_equal(m.duration_s[n:2 * n, 2 * n:], block)


def test_chunking_does_not_change_the_result(demo: geo.RoadGraph,
                                             village_snaps: tuple[geo.Snap, ...]) -> None:
    ref = geo.travel_matrix(demo, village_snaps)
    for size in (1, 7, 1000):
        m = geo.travel_matrix(demo, village_snaps, chunk_size=size)
        np.testing.assert_array_equal(m.duration_s, ref.duration_s)
        np.testing.assert_array_equal(m.distance_m, ref.distance_m)


def test_scipy_matches_the_networkx_reference_exactly(demo: geo.RoadGraph,
                                                      village_snaps: tuple[geo.Snap, ...]) -> None:
    fast = geo.travel_matrix(demo, village_snaps)
    ref = geo.travel_matrix(demo, village_snaps, engine="networkx")
    np.testing.assert_array_equal(fast.duration_s, ref.duration_s)
    np.testing.assert_array_equal(fast.distance_m, ref.distance_m)


def test_predecessor_tree_lengths_match_packed_weights(demo: geo.RoadGraph,
                                                       village_snaps: tuple[geo.Snap, ...]) -> None:
    """The fallback for graphs too large for packed weights gives the same distances."""
    from scipy.sparse.csgraph import dijkstra

    src = np.unique(demo.edge_v[[s.edge for s in village_snaps]])
    w, pred = dijkstra(demo.csr_weight, indices=src, return_predecessors=True)
    _, packed_len = demo.split_weight(w)
    tree_len = geo_matrix.tree_lengths_m(demo, pred)
    np.testing.assert_allclose(tree_len, packed_len, atol=1e-6)


def test_fastest_path_distance_is_not_the_shortest_path() -> None:
    """Distances belong to the fastest path even when a slower one is shorter."""
    # X-Y: 1 km village road at 10 km/h; X-Z-Y: 2 x ~0.78 km of highway at 80 km/h.
    g = _graph([35.5, 35.5, 35.505], [115.0, 115.011, 115.0055],
               [(0, 1, 10.0), (0, 2, 80.0), (2, 1, 80.0)], "detour")
    x, y = geo.snap_points(g, [Location(35.5, 115.0), Location(35.5, 115.011)], ["X", "Y"])
    m = geo.travel_matrix(g, [x, y])
    via_z = float(g.edge_length_m[2] + g.edge_length_m[4])
    assert m.distance("X", "Y") == pytest.approx(via_z, abs=1)
    assert m.distance("X", "Y") > 1.4 * float(g.edge_length_m[0])
    assert m.duration("X", "Y") == round(float(g.edge_travel_s[2] + g.edge_travel_s[4]))


def test_unknown_engine_is_an_input_error(square: geo.RoadGraph) -> None:
    snaps = geo.snap_points(square, [Location(35.5004, 115.004)])
    with pytest.raises(GeoInputError, match="engine"):
        geo.travel_matrix(square, snaps, engine="magic")


# --- properties -----------------------------------------------------------------------------
def _points(g: geo.RoadGraph, n_min: int, n_max: int) -> st.SearchStrategy[list[Location]]:
    s, w, n, e = g.bounds
    pad_lat, pad_lon = (n - s) * 0.15, (e - w) * 0.15
    pt = st.builds(Location,
                   st.floats(s + pad_lat, n - pad_lat, allow_nan=False),
                   st.floats(w + pad_lon, e - pad_lon, allow_nan=False))
    return st.lists(pt, min_size=n_min, max_size=n_max)


DEMO_GRAPH = geo.load_road_graph(DEMO / "roads.osm.pbf")
SQUARE_GRAPH = geo.load_road_graph(SQUARE)


def _matrix(g: geo.RoadGraph, pts: list[Location]) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FarSnapWarning)
        snaps = geo.snap_points(g, pts, max_m=50_000, far_m=50_000)
    m = geo.travel_matrix(g, snaps)
    return m.duration_s, m.distance_m


@pytest.mark.parametrize("graph", [DEMO_GRAPH, SQUARE_GRAPH], ids=["qingzu", "oneway-square"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_triangle_inequality_up_to_rounding(graph: geo.RoadGraph, data: st.DataObject) -> None:
    pts = data.draw(_points(graph, 3, 6))
    d, _ = _matrix(graph, pts)
    n = len(pts)
    for i, j, k in itertools.product(range(n), repeat=3):
        # Each entry is rounded (±0.5 s) and distinct places are >= 1 s apart.
        assert d[i, k] <= d[i, j] + d[j, k] + 2, (i, j, k)


@settings(max_examples=25, deadline=None)
@given(pts=_points(SQUARE_GRAPH, 2, 5))
def test_directions_may_differ_and_sum_matches(pts: list[Location]) -> None:
    """A→B and B→A are computed separately: on the one-way square they often differ,
    and a round trip is never shorter than twice the faster direction."""
    d, _ = _matrix(SQUARE_GRAPH, pts)
    both = d + d.T
    assert (both >= 2 * np.minimum(d, d.T)).all()


def test_some_pair_is_asymmetric_on_the_one_way_square() -> None:
    rng = np.random.default_rng(1)
    pts = [Location(float(a), float(b))
           for a, b in zip(rng.uniform(35.501, 35.509, 12), rng.uniform(115.001, 115.011, 12),
                           strict=True)]
    d, _ = _matrix(SQUARE_GRAPH, pts)
    assert (d != d.T).any()


# --- route geometry -----------------------------------------------------------------------
def test_route_geometry_runs_from_place_to_place_along_the_roads(square: geo.RoadGraph) -> None:
    a, b = geo.snap_points(square, [Location(35.501, 115.0121), Location(35.509, 115.0121)],
                           ["A", "B"])
    m = geo.travel_matrix(square, [a, b])
    there = geo.route_geometry(square, a, b)
    back = geo.route_geometry(square, b, a)
    assert there[0] == (a.location.lat, a.location.lon)
    assert there[1] == pytest.approx((a.snapped.lat, a.snapped.lon))
    assert there[-1] == (b.location.lat, b.location.lon)
    assert back[0] == (b.location.lat, b.location.lon) and back[-1] == (a.location.lat,
                                                                       a.location.lon)
    # The way back goes round the square, through all four corners.
    for corner in [(35.51, 115.0), (35.5, 115.0), (35.5, 115.012)]:
        assert any(p == pytest.approx(corner) for p in back), corner
    assert _polyline_m(there) == pytest.approx(m.distance("A", "B"), abs=3)
    assert _polyline_m(back) == pytest.approx(m.distance("B", "A"), rel=0.005)


def test_route_geometry_length_matches_matrix_on_the_demo(
        demo: geo.RoadGraph, village_snaps: tuple[geo.Snap, ...]) -> None:
    snaps = village_snaps[:8]
    m = geo.travel_matrix(demo, snaps)
    for a, b in itertools.permutations(snaps, 2):
        pts = geo.route_geometry(demo, a, b)
        assert pts[0] == (a.location.lat, a.location.lon)
        assert pts[-1] == (b.location.lat, b.location.lon)
        assert _polyline_m(pts) == pytest.approx(m.distance(a.point_id, b.point_id),
                                                 rel=0.005, abs=3)
