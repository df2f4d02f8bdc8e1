"""Road graphs from osmnx: converting its graphs and downloading with it (internet).

:func:`graph_from_place` / :func:`graph_from_polygon` download with osmnx and go
through the same preparation as local files (:func:`graph_from_networkx`, then
:mod:`geo.prepare`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from geo.errors import GraphError
from geo.prepare import RawEdges, assemble, class_speeds, drivable_class, parse_maxspeed
from geo.roadgraph import RoadGraph

__all__ = ["graph_from_networkx", "graph_from_place", "graph_from_polygon"]


def graph_from_networkx(g: Any, *, speeds_kmh: Mapping[str, float] | None = None,
                        source: str = "osmnx") -> RoadGraph:
    """Prepare an osmnx ``MultiDiGraph`` (simplified or not) like a file.

    Drops non-drivable edges (``graph_from_xml`` keeps every way), pairs the
    two directions of two-way roads, assigns speeds and keeps the largest
    strongly connected component.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        An osmnx graph: nodes with ``x``/``y``, edges with ``highway`` and
        optionally ``geometry``, ``oneway``, ``maxspeed``, ``osmid``.
    speeds_kmh : mapping, optional
        As in :func:`load_road_graph`.
    source : str
        Name recorded in the graph.

    Returns
    -------
    RoadGraph
    """
    speeds = class_speeds(speeds_kmh)
    classes = frozenset(speeds)
    raw = RawEdges()
    pending: dict[tuple[int, int, tuple[tuple[float, float], ...]], int] = {}
    for u, v, data in g.edges(data=True):
        hw = drivable_class(data, classes)
        if hw is None or u == v:
            continue
        geom = data.get("geometry")
        if geom is not None:
            xy = np.asarray(geom.coords, dtype=float)
            lon, lat = xy[:, 0].copy(), xy[:, 1].copy()
        else:
            lon = np.array([g.nodes[u]["x"], g.nodes[v]["x"]], dtype=float)
            lat = np.array([g.nodes[u]["y"], g.nodes[v]["y"]], dtype=float)
        osmid = data.get("osmid", 0)
        way_id = int(osmid[0] if isinstance(osmid, (list, tuple)) else osmid or 0)
        idx = len(raw.u)
        raw.add_one(int(u), int(v), lat, lon, hw, parse_maxspeed(data.get("maxspeed")), way_id, -1)
        # osmnx adds both directions of a two-way road as separate edges: pair them
        # by their geometry so snapping and same-edge travel know the road is two-way.
        key = tuple(zip(np.round(lat, 7).tolist(), np.round(lon, 7).tolist(), strict=True))
        twin = pending.pop((int(v), int(u), key[::-1]), None)
        if twin is not None:
            raw.reverse[idx], raw.reverse[twin] = twin, idx
        else:
            pending[(int(u), int(v), key)] = idx
    return assemble(raw, speeds, source)


def graph_from_place(name: str, *, speeds_kmh: Mapping[str, float] | None = None) -> RoadGraph:
    """Download the drivable roads of a named place with osmnx (needs internet).

    Parameters
    ----------
    name : str
        A place name osmnx/Nominatim resolves, e.g. ``"唐县, 保定市, 河北省"``.
    speeds_kmh : mapping, optional
        As in :func:`load_road_graph`.

    Returns
    -------
    RoadGraph
    """
    import osmnx as ox

    try:
        g = ox.graph_from_place(name, network_type="drive_service", retain_all=True)
    except Exception as exc:  # network and geocoding errors come in many types
        raise GraphError(f"cannot download roads of {name!r}: {exc}") from None
    return graph_from_networkx(g, speeds_kmh=speeds_kmh, source=name)


def graph_from_polygon(polygon: Any, *, speeds_kmh: Mapping[str, float] | None = None,
                       source: str = "polygon") -> RoadGraph:
    """Download the drivable roads inside a WGS-84 polygon with osmnx (needs internet).

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        In ``(lon, lat)``, e.g. from :func:`geo.county_boundary`.
    speeds_kmh : mapping, optional
        As in :func:`load_road_graph`.
    source : str
        Name recorded in the graph.

    Returns
    -------
    RoadGraph
    """
    import osmnx as ox

    try:
        g = ox.graph_from_polygon(polygon, network_type="drive_service", retain_all=True)
    except Exception as exc:  # network errors come in many types
        raise GraphError(f"cannot download roads for {source}: {exc}") from None
    return graph_from_networkx(g, speeds_kmh=speeds_kmh, source=source)
