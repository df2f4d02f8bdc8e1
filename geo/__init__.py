"""Road networks, travel times, industrial clusters and Chinese coordinate systems.

Everything here is WGS-84 ``lat``/``lon`` inside; GCJ-02 and BD-09 appear only
in the converters of :mod:`geo.coords`.
"""

from .boundary import area_km2, county_boundary, load_boundary
from .clusters import ClusterCore, ClusterResult, distance_to_nearest, find_clusters
from .coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from .errors import DataWarning, FarSnapWarning, GeoError, GeoInputError, GraphError, LocatedError
from .graph import (
    DEFAULT_SPEEDS_KMH,
    Bounds,
    RoadGraph,
    graph_from_networkx,
    graph_from_place,
    graph_from_polygon,
    haversine_m,
    load_road_graph,
    road_lines,
)
from .network import DEFAULT_ACCESS_SPEED_KMH, Snap, route_geometry, snap_points, travel_matrix
from .types import UNREACHABLE, Location, TravelMatrix

__all__ = [
    # types and errors (the package's own)
    "Location",
    "TravelMatrix",
    "UNREACHABLE",
    "LocatedError",
    "GeoError",
    "GeoInputError",
    "GraphError",
    "DataWarning",
    "FarSnapWarning",
    # road graphs
    "RoadGraph",
    "Bounds",
    "DEFAULT_SPEEDS_KMH",
    "load_road_graph",
    "graph_from_place",
    "graph_from_polygon",
    "graph_from_networkx",
    "road_lines",
    "haversine_m",
    # snapping, matrices, routes
    "Snap",
    "DEFAULT_ACCESS_SPEED_KMH",
    "snap_points",
    "travel_matrix",
    "route_geometry",
    # clusters
    "ClusterCore",
    "ClusterResult",
    "find_clusters",
    "distance_to_nearest",
    # coordinates
    "in_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    # boundaries
    "county_boundary",
    "load_boundary",
    "area_km2",
]
