"""Named places of a county: OSM place nodes, or stand-ins drawn from the road network.

Villages are where businesses are and where officers live. An extract usually carries them
as ``place=*`` nodes; where it does not (some rural extracts have roads only), the busiest
junction of each few-kilometre cell of the road network stands in for a settlement, which is
where rural roads meet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import GeoInputError

__all__ = ["SETTLEMENT_PLACES", "read_osm_places", "places_from_roads", "outline_of_roads"]

#: ``place=*`` values that are settlements where businesses are (not fields or islands).
SETTLEMENT_PLACES: tuple[str, ...] = (
    "city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood",
    "isolated_dwelling", "farm",
)

_COLUMNS = ["osm_id", "name", "place", "lat", "lon"]


def read_osm_places(path: str | Path,
                    kinds: tuple[str, ...] = SETTLEMENT_PLACES) -> pd.DataFrame:
    """Read the named settlement nodes (``place=village`` …) of an OSM file, offline.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    kinds : tuple of str
        ``place`` values to keep.

    Returns
    -------
    pandas.DataFrame
        ``osm_id, name, place, lat, lon`` (WGS-84), one row per named node, in file order;
        empty when the extract has none. The Chinese name (``name:zh``) is preferred.

    Raises
    ------
    GeoInputError
        When the file does not exist or cannot be read as OSM data.
    """
    import osmium

    p = Path(path)
    if not p.exists():
        raise GeoInputError("file not found", file=str(p))
    rows: list[dict[str, Any]] = []
    wanted = frozenset(kinds)
    try:
        fp = osmium.FileProcessor(str(p), osmium.osm.NODE).with_filter(
            osmium.filter.KeyFilter("place"))
        for node in fp:
            if not isinstance(node, osmium.osm.Node):
                continue
            tags = {t.k: t.v for t in node.tags}
            name = (tags.get("name:zh") or tags.get("name") or "").strip()
            if tags.get("place") not in wanted or not name or not node.location.valid():
                continue
            rows.append({"osm_id": int(node.id), "name": name, "place": tags["place"],
                         "lat": float(node.location.lat), "lon": float(node.location.lon)})
    except RuntimeError as exc:  # pyosmium reports unreadable files as RuntimeError
        raise GeoInputError(f"not a readable OSM file: {exc}", file=str(p)) from None
    return pd.DataFrame(rows, columns=_COLUMNS)


def places_from_roads(node_lat: np.ndarray, node_lon: np.ndarray, degree: np.ndarray, *,
                      cell_m: float = 2_000.0, min_nodes: int = 3) -> pd.DataFrame:
    """Stand-in settlements: the best-connected road junction of each ``cell_m`` cell.

    Parameters
    ----------
    node_lat, node_lon : array of float
        Road-network node positions (WGS-84).
    degree : array of int
        Number of road pieces meeting at each node.
    cell_m : float
        Side of the grid cells, metres (a rural settlement every few kilometres).
    min_nodes : int
        Cells with fewer road nodes hold no settlement (a road passing through fields).

    Returns
    -------
    pandas.DataFrame
        ``osm_id`` (-1), ``name`` (``地点 01`` …), ``place`` (``junction``), ``lat``, ``lon``.
    """
    lat = np.asarray(node_lat, dtype=float)
    lon = np.asarray(node_lon, dtype=float)
    deg = np.asarray(degree, dtype=float)
    if lat.size == 0:
        return pd.DataFrame(columns=_COLUMNS)
    lat0 = float(np.mean(lat))
    y = (lat - lat.min()) * 111_320.0
    x = (lon - lon.min()) * 111_320.0 * np.cos(np.radians(lat0))
    cells = np.floor(y / cell_m).astype(np.int64) * 1_000_003 + np.floor(x / cell_m).astype(
        np.int64)
    rows = []
    order = np.argsort(cells, kind="stable")
    bounds = np.flatnonzero(np.diff(cells[order])) + 1
    for members in np.split(order, bounds):
        if members.size < min_nodes:
            continue
        # Most roads meeting, then nearest the cell's centre of mass: a village crossroads.
        cy, cx = y[members].mean(), x[members].mean()
        dist = np.hypot(y[members] - cy, x[members] - cx)
        best = members[np.lexsort((dist, -deg[members]))[0]]
        rows.append((float(lat[best]), float(lon[best])))
    rows.sort()
    return pd.DataFrame({"osm_id": -1, "name": [f"地点 {i:02d}" for i in range(1, len(rows) + 1)],
                         "place": "junction", "lat": [r[0] for r in rows],
                         "lon": [r[1] for r in rows]}, columns=_COLUMNS)


def outline_of_roads(node_lat: np.ndarray, node_lon: np.ndarray, *,
                     margin_m: float = 500.0) -> Any:
    """The area a road network covers: its convex hull widened by ``margin_m`` (WGS-84 polygon).

    Parameters
    ----------
    node_lat, node_lon : array of float
        Road-network node positions.
    margin_m : float
        How far beyond the outermost roads the area reaches.

    Returns
    -------
    shapely.Polygon
    """
    import shapely

    lat = np.asarray(node_lat, dtype=float)
    lon = np.asarray(node_lon, dtype=float)
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([lon, lat])))
    deg = margin_m / 111_320.0
    return hull.buffer(deg, quad_segs=4)
