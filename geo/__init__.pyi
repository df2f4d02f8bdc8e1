"""The names :mod:`geo` exports, loaded when first used (see ``__init__.py``)."""

from .boundary import area_km2, county_boundary, load_boundary
from .clusters import ClusterCore, ClusterResult, find_clusters
from .coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from .distance import EARTH_RADIUS_M, distance_to_nearest, haversine_m, pairwise_haversine_m
from .errors import DataWarning, FarSnapWarning, GeoError, GeoInputError, GraphError, LocatedError
from .files import write_atomically
from .matrix import travel_matrix
from .osmfile import load_road_graph
from .osmnx_source import graph_from_networkx, graph_from_place, graph_from_polygon
from .places import SETTLEMENT_PLACES, outline_of_roads, places_from_roads, read_osm_places
from .prepare import DEFAULT_SPEEDS_KMH, parse_maxspeed
from .roadgraph import Bounds, RoadGraph, road_lines
from .route import route_geometry
from .snap import DEFAULT_ACCESS_SPEED_KMH, Snap, snap_points
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
    "parse_maxspeed",
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
    # great-circle distances
    "EARTH_RADIUS_M",
    "haversine_m",
    "pairwise_haversine_m",
    "distance_to_nearest",
    # coordinates
    "in_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    # places
    "SETTLEMENT_PLACES",
    "read_osm_places",
    "places_from_roads",
    "outline_of_roads",
    # boundaries
    "county_boundary",
    "load_boundary",
    "area_km2",
    "write_atomically",
]
