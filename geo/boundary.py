"""County boundaries: any Chinese county from cnmaps, or a user's own file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geo.errors import GeoInputError

__all__ = ["county_boundary", "load_boundary", "area_km2"]


def county_boundary(province: str, city: str | None = None, district: str | None = None) -> Any:
    """Boundary of a Chinese province, city or county from cnmaps (offline, WGS-84).

    Parameters
    ----------
    province : str
        e.g. ``"河北省"``.
    city : str, optional
        e.g. ``"保定市"``.
    district : str, optional
        County or district, e.g. ``"唐县"``.

    Returns
    -------
    shapely.MultiPolygon
        In ``(lon, lat)``; use it with :func:`geo.graph_from_polygon`.

    Raises
    ------
    GeoInputError
        If cnmaps knows no such area.
    """
    from cnmaps import get_adm_maps

    level = "区县" if district else ("市" if city else "省")
    try:
        found = get_adm_maps(province=province, city=city, district=district, level=level,
                             record="first", only_polygon=True)
    except Exception as exc:  # cnmaps raises bare exceptions for unknown names
        raise GeoInputError(f"no boundary for {province}/{city or ''}/{district or ''}: {exc}",
                         field="district" if district else "city") from None
    geom = getattr(found, "geom", None)
    if geom is None or geom.is_empty:
        raise GeoInputError(f"no boundary for {province}/{city or ''}/{district or ''}",
                         field="district" if district else "city")
    return geom


def load_boundary(path: str | Path) -> Any:
    """Read a boundary from GeoJSON, GeoPackage or a shapefile and return it in WGS-84.

    All features are merged into one (Multi)Polygon.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon

    Raises
    ------
    GeoInputError
        If the file is missing, unreadable or holds no polygon.
    """
    import geopandas as gpd

    p = Path(path)
    if not p.is_file():
        raise GeoInputError("boundary file not found", file=str(p))
    try:
        frame = gpd.read_file(p)
    except Exception as exc:  # pyogrio/fiona raise many error types
        raise GeoInputError(f"cannot read boundary: {exc}", file=str(p)) from None
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    polys = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise GeoInputError("the file holds no polygon", file=str(p), field="geometry")
    return polys.geometry.union_all()


def area_km2(polygon: Any) -> float:
    """Geodesic area of a WGS-84 ``(lon, lat)`` polygon in km².

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon

    Returns
    -------
    float
    """
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(polygon)
    return abs(area) / 1e6
