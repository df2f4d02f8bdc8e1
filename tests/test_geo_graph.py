"""Road graph loading: drivable filter, one-way streets, speeds, components, cache, errors."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

import geo
from geo import osmfile
from geo.errors import GeoInputError, GraphError

REPO = Path(__file__).resolve().parents[1]
DEMO_PBF = REPO / "data" / "qingzu" / "roads.osm.pbf"
DEMO_BZ2 = REPO / "data" / "qingzu" / "roads.osm.bz2"
FIX = REPO / "tests" / "fixtures" / "geo"
SQUARE = FIX / "oneway_square.osm"

DRIVABLE = set(geo.DEFAULT_SPEEDS_KMH)


@pytest.fixture(scope="module")
def demo() -> geo.RoadGraph:
    return geo.load_road_graph(DEMO_PBF)


@pytest.fixture(scope="module")
def square() -> geo.RoadGraph:
    return geo.load_road_graph(SQUARE)


def _osm_edges(g: geo.RoadGraph) -> set[tuple[int, int]]:
    return {(int(g.node_ids[u]), int(g.node_ids[v])) for u, v in zip(g.edge_u, g.edge_v,
                                                                       strict=True)}


def test_demo_graph_is_sane_drivable_and_strongly_connected(demo: geo.RoadGraph) -> None:
    # osmnx graph_from_xml on the same file: 581 nodes, 1,588 edges, 302 km (it also
    # merges nodes where two ways meet end to end; we keep those as junctions).
    assert 550 <= demo.n_nodes <= 700
    assert 1500 <= demo.n_edges <= 1800
    assert demo.total_length_m == pytest.approx(302_000, rel=0.03)
    assert set(demo.edge_highway) <= DRIVABLE
    n_comp, _ = connected_components(demo.csr_weight, directed=True, connection="strong")
    assert n_comp == 1
    assert (demo.edge_travel_s > 0).all()
    assert (demo.edge_length_m >= 0).all()


def test_bz2_and_pbf_of_the_same_data_agree(demo: geo.RoadGraph) -> None:
    g = geo.load_road_graph(DEMO_BZ2)
    for name in geo.RoadGraph.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(g, name), getattr(demo, name), err_msg=name)


def test_only_drivable_ways_become_edges(square: geo.RoadGraph) -> None:
    ways = set(square.edge_way_id.tolist())
    # footway 105, building 106, river 112, private 113, parking aisle 114, boundary 115,
    # track 111 (not drivable by default) never appear.
    assert ways == {101, 102, 103, 104, 109, 110}
    assert set(square.edge_highway) == {"residential", "primary", "unclassified"}


def test_one_way_street_has_one_direction(square: geo.RoadGraph) -> None:
    edges = _osm_edges(square)
    assert (2, 3) in edges
    assert (3, 2) not in edges
    assert (1, 2) in edges and (2, 1) in edges
    i = next(k for k, w in enumerate(square.edge_way_id) if w == 102)
    assert square.edge_reverse[i] == -1
    two = [k for k, w in enumerate(square.edge_way_id) if w == 101]
    assert square.edge_reverse[two[0]] == two[1] and square.edge_reverse[two[1]] == two[0]


def test_largest_strong_component_drops_islands_and_one_way_stubs(square: geo.RoadGraph) -> None:
    ids = set(square.node_ids.tolist())
    assert 20 not in ids and 21 not in ids  # disconnected road
    assert 30 not in ids  # one-way dead end: no way back
    assert {1, 2, 3, 4, 40, 50} == ids


def test_interior_way_nodes_are_geometry_not_junctions(square: geo.RoadGraph) -> None:
    i = next(k for k, w in enumerate(square.edge_way_id) if w == 110)
    coords = square.edge_coords(i)
    assert len(coords) == 3  # 4 -> 51 -> 50 kept as the edge's shape
    assert coords[1] == pytest.approx((35.5150, 115.0005))


def test_default_speeds_per_class_and_maxspeed(square: geo.RoadGraph) -> None:
    for i in range(square.n_edges):
        hw = str(square.edge_highway[i])
        kmh = 80.0 if square.edge_way_id[i] == 109 else geo.DEFAULT_SPEEDS_KMH[hw]
        expected = square.edge_length_m[i] / (kmh / 3.6)
        # Lengths are stored in 1/8 m, times in 1/1024 s.
        assert square.edge_travel_s[i] == pytest.approx(expected, abs=0.01)


def test_speed_override_changes_class_default_not_maxspeed(square: geo.RoadGraph) -> None:
    fast = geo.load_road_graph(SQUARE, speeds_kmh={"residential": 50})
    res = square.edge_highway == "residential"
    np.testing.assert_allclose(fast.edge_travel_s[res], square.edge_travel_s[res] / 2, atol=2e-3)
    prim = square.edge_highway == "primary"
    np.testing.assert_array_equal(fast.edge_travel_s[prim], square.edge_travel_s[prim])


def test_speed_for_a_new_class_makes_it_drivable() -> None:
    g = geo.load_road_graph(SQUARE, speeds_kmh={"track": 15})
    assert "track" in set(g.edge_highway)
    assert 60 in set(g.node_ids.tolist())


def test_bad_speed_is_an_input_error() -> None:
    with pytest.raises(GeoInputError, match="speeds_kmh"):
        geo.load_road_graph(SQUARE, speeds_kmh={"residential": -5})


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every OSM file the loader parses (the cache is what makes this empty)."""
    reads: list[Path] = []
    real = osmfile.read_osm_ways

    def counting(path: Path, classes: Iterable[str]) -> list[geo.prepare.WayPiece]:
        reads.append(Path(path))
        return real(path, classes)

    monkeypatch.setattr(osmfile, "read_osm_ways", counting)
    return reads


def test_cache_hit_skips_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    first = geo.load_road_graph(DEMO_PBF, cache_dir=tmp_path)
    assert reads == [DEMO_PBF]
    files = list(tmp_path.glob("roads-*.npz"))
    assert len(files) == 1
    again = geo.load_road_graph(DEMO_PBF, cache_dir=tmp_path)
    assert reads == [DEMO_PBF]  # the second load came from the cache
    for name in geo.RoadGraph.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    # Other settings are another cache entry, so the file must be read again.
    geo.load_road_graph(DEMO_PBF, cache_dir=tmp_path, speeds_kmh={"residential": 40})
    assert reads == [DEMO_PBF, DEMO_PBF]
    assert len(list(tmp_path.glob("roads-*.npz"))) == 2


def test_without_a_cache_every_load_parses_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    geo.load_road_graph(SQUARE)
    geo.load_road_graph(SQUARE)
    assert reads == [SQUARE, SQUARE]


def test_unreadable_cache_entry_is_ignored_and_rewritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, square: geo.RoadGraph) -> None:
    geo.load_road_graph(SQUARE, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("roads-*.npz")
    entry.write_bytes(b"not an npz file")
    reads = _count_reads(monkeypatch)
    g = geo.load_road_graph(SQUARE, cache_dir=tmp_path)
    assert reads == [SQUARE]
    for name in geo.RoadGraph.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(g, name), getattr(square, name))
    back = geo.RoadGraph.load(entry)  # the entry was written again, readable this time
    np.testing.assert_array_equal(back.edge_travel_s, square.edge_travel_s)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(GeoInputError, match="nope.osm.pbf"):
        geo.load_road_graph(tmp_path / "nope.osm.pbf")


def test_wrong_extension_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "roads.csv"
    p.write_text("a,b\n")
    with pytest.raises(GeoInputError, match="roads.csv"):
        geo.load_road_graph(p)


@pytest.mark.parametrize("name, content", [
    ("broken.osm.pbf", b"\x00\x00\x00\x0dnot a protobuf at all" * 10),
    ("broken.osm.bz2", b"BZh91AY&SY garbage"),
    ("broken.osm", b"<osm><node id='1' lat='x'"),
    ("empty.osm.pbf", b""),
])
def test_corrupt_file_is_a_graph_error_naming_the_file(tmp_path: Path, name: str,
                                                       content: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(GraphError, match=name.replace(".", r"\.")):
        geo.load_road_graph(p)


def test_file_without_roads_is_a_graph_error() -> None:
    with pytest.raises(GraphError, match="no drivable roads"):
        geo.load_road_graph(FIX / "no_roads.osm")


def test_save_load_round_trip(tmp_path: Path, square: geo.RoadGraph) -> None:
    square.save(tmp_path / "g.npz")
    back = geo.RoadGraph.load(tmp_path / "g.npz")
    for name in geo.RoadGraph.ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(back, name), getattr(square, name))
    assert back.source == square.source


def test_hull_and_bounds_cover_the_network(demo: geo.RoadGraph) -> None:
    import shapely

    assert shapely.contains_xy(demo.hull.buffer(1e-9), demo.node_lon, demo.node_lat).all()
    b = demo.bounds
    assert b.south < b.north and b.west < b.east
    assert b.south <= demo.node_lat.min() and demo.node_lat.max() <= b.north


def test_road_lines_draw_each_road_once_in_lon_lat(square: geo.RoadGraph) -> None:
    lines = geo.road_lines(square)
    assert len(lines) == 6  # 6 drivable ways, each split into one edge here
    assert sum(line["oneway"] for line in lines) == 1
    lon, lat = lines[0]["path"][0]
    assert 114 < lon < 116 and 35 < lat < 36


def test_to_networkx_matches_the_graph(square: geo.RoadGraph) -> None:
    g = square.to_networkx()
    assert g.number_of_nodes() == square.n_nodes
    assert g.number_of_edges() == square.n_edges
    d = square.to_networkx(multigraph=False)
    assert d.number_of_edges() == square.csr_weight.nnz


def test_osmnx_graph_goes_through_the_same_preparation(demo: geo.RoadGraph) -> None:
    """The step shared with downloads: osmnx's graph_from_xml keeps every way."""
    import osmnx as ox

    raw = ox.graph_from_xml(DEMO_BZ2, retain_all=True)
    g = geo.graph_from_networkx(raw, source="qingzu via osmnx")
    assert set(g.edge_highway) <= DRIVABLE
    n_comp, _ = connected_components(g.csr_weight, directed=True, connection="strong")
    assert n_comp == 1
    assert g.total_length_m == pytest.approx(demo.total_length_m, rel=0.01)
    # Two-way roads are paired with their reverse like in the file loader.
    assert (g.edge_reverse >= 0).mean() == pytest.approx((demo.edge_reverse >= 0).mean(), abs=0.02)


def test_osmnx_preparation_drops_non_roads() -> None:
    import osmnx as ox

    raw = ox.graph_from_xml(SQUARE, retain_all=True, simplify=False)
    g = geo.graph_from_networkx(raw)
    assert set(g.edge_way_id.tolist()) == {101, 102, 103, 104, 109, 110}
    edges = _osm_edges(g)  # unsimplified: 2 -> 70 -> 3 is the one-way street
    assert (2, 70) in edges and (70, 3) in edges
    assert (3, 70) not in edges and (70, 2) not in edges
    assert (g.edge_reverse[g.edge_way_id == 102] == -1).all()


@pytest.mark.external
def test_guixi_extract_yields_only_drivable_roads(shared_dir: Path) -> None:
    import osmium

    path = shared_dir / "data" / "osm" / "jiangxi_guixi_city.osm.pbf"
    tags: dict[int, dict[str, str]] = {}
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
        tags[w.id] = {t.k: t.v for t in w.tags}
    non_road = [t for t in tags.values() if "highway" not in t]
    assert len(non_road) > 50  # the file really is messy: buildings, rivers, boundaries
    g = geo.load_road_graph(path)
    assert g.n_edges > 100
    for way_id in set(g.edge_way_id.tolist()):
        t = tags[way_id]
        assert t.get("highway") in DRIVABLE, t
        assert "building" not in t and "waterway" not in t and "boundary" not in t
        assert t.get("access") not in ("private", "no") and t.get("area") != "yes"
    n_comp, _ = connected_components(g.csr_weight, directed=True, connection="strong")
    assert n_comp == 1
