"""County boundaries from cnmaps and from files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

import geo
from geo.errors import GeoInputError


def test_tangxian_boundary_from_cnmaps() -> None:
    b = geo.county_boundary("河北省", "保定市", "唐县")
    assert b.geom_type in ("Polygon", "MultiPolygon")
    assert geo.area_km2(b) == pytest.approx(1418, rel=0.02)
    assert b.contains(shapely.Point(114.98, 38.75))  # 唐县 town, WGS-84 (lon, lat)


def test_unknown_county_is_an_input_error() -> None:
    with pytest.raises(GeoInputError, match="district"):
        geo.county_boundary("河北省", "保定市", "不存在县")


def test_load_boundary_from_geojson(tmp_path: Path) -> None:
    square = shapely.box(115.0, 35.5, 115.1, 35.6)
    p = tmp_path / "county.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a"},
         "geometry": shapely.geometry.mapping(square)},
        {"type": "Feature", "properties": {"name": "b"},
         "geometry": shapely.geometry.mapping(shapely.box(115.1, 35.5, 115.2, 35.6))},
    ]}))
    b = geo.load_boundary(p)
    assert b.area == pytest.approx(0.02)
    assert geo.area_km2(b) == pytest.approx(2 * 9.06 * 11.12, rel=0.02)


def test_load_boundary_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(GeoInputError, match="missing.geojson"):
        geo.load_boundary(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(GeoInputError, match="bad.geojson"):
        geo.load_boundary(bad)
