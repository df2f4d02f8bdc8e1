"""唐县 (Tang county, Hebei): a county without a road extract, from public place data.

The boundary comes from ``cnmaps``, township seats and village names from the bundled
adcode tables (``data/tangxian``); travel times are the flagged straight-line
approximation of :func:`~countyreach.simulation.world.world_from_places`.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from countyreach.errors import DroppedRowWarning, InputError
from countyreach.io import to_wgs84 as _to_wgs84
from countyreach.simulation.population import PopulationSpec
from countyreach.simulation.traveltime import StraightLineModel
from countyreach.simulation.world import REPO_DATA, SimWorld, world_from_places

__all__ = ["county_boundary", "tangxian_villages", "tangxian_world"]


def county_boundary(province: str, city: str, district: str) -> Any:
    """A county's WGS-84 outline from ``cnmaps`` (offline).

    Parameters
    ----------
    province, city, district : str
        Chinese names, e.g. ``"河北省", "保定市", "唐县"``.

    Returns
    -------
    shapely geometry
    """
    try:
        import geo

        fn = getattr(geo, "county_boundary", None)
        if fn is not None:
            return fn(province, city, district)
    except ImportError:  # pragma: no cover - geo is part of the product
        pass
    from cnmaps import get_adm_maps
    from shapely import wkt

    try:
        m = get_adm_maps(province=province, city=city, district=district, record="first",
                         only_polygon=True)
    except Exception as exc:  # cnmaps raises bare Exceptions for unknown names
        raise InputError(f"no county {province}/{city}/{district} in cnmaps: {exc}",
                         field="district") from None
    return wkt.loads(m.wkt) if hasattr(m, "wkt") else m


def tangxian_villages(
    boundary: Any = None,
    *,
    folder: str | Path | None = None,
    villages_per_township: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Township seats and synthetic village points of 唐县 from the bundled adcode data.

    Township seats come from ``townships.csv`` (GCJ-02, converted to WGS-84).
    The source has no village coordinates, so each township's villages (real
    names from ``villages.csv``) are placed at seeded random points in the
    township's area — the part of the county boundary closer to its seat than to
    any other (a Voronoi cell). The result says so in ``position_source``.

    Parameters
    ----------
    boundary : shapely geometry, optional
        County outline (WGS-84); default :func:`county_boundary` of 唐县.
    folder : str or Path, optional
        Default ``data/tangxian``.
    villages_per_township : int, optional
        Keep at most this many villages per township (smaller tests).
    seed : int
        Seed of the village positions.

    Returns
    -------
    pandas.DataFrame
        ``name, township, place (town/village), lat, lon, position_source``.
    """
    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint, Point

    root = Path(folder) if folder is not None else REPO_DATA / "tangxian"
    tpath, vpath = root / "townships.csv", root / "villages.csv"
    for p in (tpath, vpath):
        if not p.exists():
            raise InputError("file not found", file=str(p))
    towns = pd.read_csv(tpath, dtype=str, keep_default_na=False)
    vill = pd.read_csv(vpath, dtype=str, keep_default_na=False)
    rows = []
    for i, r in enumerate(towns.itertuples(index=False), start=1):
        if not r.lat_gcj02 or not r.lon_gcj02:
            warnings.warn(f"{tpath}: row {i}: township {r.name} has no centroid in the source; "
                          "skipped with its villages", DroppedRowWarning, stacklevel=2)
            continue
        lat, lon = _to_wgs84(float(r.lat_gcj02), float(r.lon_gcj02), "gcj02")
        rows.append({"code": r.code, "name": r.name, "lat": lat, "lon": lon})
    seats = pd.DataFrame(rows)
    if boundary is None:
        boundary = county_boundary("河北省", "保定市", "唐县")
    cells = voronoi_polygons(MultiPoint([(lo, la) for la, lo in zip(seats["lat"], seats["lon"],
                                                                       strict=True)]),
                             extend_to=boundary.envelope.buffer(0.5))
    rng = np.random.default_rng(seed)
    out = [{"name": s.name, "township": s.name, "place": "town", "lat": float(s.lat),
            "lon": float(s.lon), "position_source": "adcode centroid (GCJ-02 -> WGS-84)"}
           for s in seats.itertuples(index=False)]
    for s in seats.itertuples(index=False):
        seat = Point(float(s.lon), float(s.lat))
        cell = next(c for c in cells.geoms if c.contains(seat))
        area = cell.intersection(boundary)
        if area.is_empty:
            area = seat.buffer(0.02)
        names = vill.loc[vill["township_code"] == s.code, "name"].tolist()
        if villages_per_township is not None:
            names = names[:villages_per_township]
        minx, miny, maxx, maxy = area.bounds
        for vname in names:
            if vname == s.name or vname.endswith("居委会"):
                continue  # town-seat neighbourhoods are the seat itself
            for _ in range(1000):
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if area.contains(Point(x, y)):
                    break
            out.append({"name": vname, "township": s.name, "place": "village", "lat": float(y),
                        "lon": float(x),
                        "position_source": "synthetic: random point in the township's area"})
    df = pd.DataFrame(out)
    dup = df["name"].duplicated(keep="first")
    if dup.any():  # two townships can have villages of the same name
        df.loc[dup, "name"] = df.loc[dup, "name"] + "(" + df.loc[dup, "township"] + ")"
    return df.reset_index(drop=True)


def tangxian_world(spec: PopulationSpec | None = None, *, villages_per_township: int | None = None,
                   detour: StraightLineModel | None = None, seed: int = 0) -> SimWorld:
    """唐县 (Tang county, Hebei): cnmaps boundary, adcode townships, straight-line times.

    Candidate bases are the township seats; the bank branch is at the county
    seat 仁厚镇. Township densities default to the number of villages per
    township. Travel times are the flagged approximation (no road extract).

    Parameters
    ----------
    spec : PopulationSpec, optional
        Business population (default 600 businesses, densities by village count).
    villages_per_township : int, optional
        Fewer villages for quick runs.
    detour : StraightLineModel, optional
        Factor and speed.
    seed : int
        Seed of the synthetic village positions.

    Returns
    -------
    SimWorld
    """
    boundary = county_boundary("河北省", "保定市", "唐县")
    villages = tangxian_villages(boundary, villages_per_township=villages_per_township, seed=seed)
    counts = villages[villages["place"] == "village"].groupby("township").size()
    spec = spec or PopulationSpec(n_businesses=600)
    if spec.township_weight is None:
        spec = replace(spec, township_weight={str(k): float(v) for k, v in counts.items()})
    seat = villages[(villages["place"] == "town") & (villages["name"] == "仁厚镇")]
    first = seat.iloc[0] if len(seat) else villages.iloc[0]
    branches = pd.DataFrame({"branch_id": ["TX-RCC"], "name": ["唐县农信社营业部 (demo)"],
                             "lat": [float(first["lat"])], "lon": [float(first["lon"])]})
    return world_from_places("唐县（河北省保定市）", villages, spec, branches=branches,
                             boundary=boundary, detour=detour)
