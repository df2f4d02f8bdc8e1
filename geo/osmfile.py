"""Drivable road graphs from local OpenStreetMap files, offline, with a disk cache.

:func:`load_road_graph` reads a ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file with
pyosmium (osmnx only reads XML), prepares it as :mod:`geo.prepare` describes and
caches the prepared graph on disk, keyed by the file's content and the speeds.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from geo.errors import GeoInputError, GraphError
from geo.files import file_sha256
from geo.prepare import (
    WayPiece,
    assemble,
    class_speeds,
    drivable_class,
    parse_maxspeed,
    way_direction,
    ways_to_raw,
)
from geo.roadgraph import CACHE_VERSION, RoadGraph

log = logging.getLogger(__name__)

__all__ = ["load_road_graph", "read_osm_ways"]


def read_osm_ways(path: str | Path, classes: Iterable[str]) -> list[WayPiece]:
    """Drivable ways of an OSM file with their node positions (pyosmium, offline).

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    classes : iterable of str
        Drivable ``highway`` classes; other ways are skipped.

    Returns
    -------
    list of WayPiece
        One per drivable way with at least two located nodes.

    Raises
    ------
    RuntimeError
        From libosmium, when the file is corrupt.
    """
    import osmium

    classes = frozenset(classes)
    ways: list[WayPiece] = []
    missing = 0
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(
        osmium.filter.KeyFilter("highway"))
    for obj in fp:
        if not isinstance(obj, osmium.osm.Way):
            continue
        tags = {t.k: t.v for t in obj.tags}
        hw = drivable_class(tags, classes)
        if hw is None:
            continue
        refs: list[int] = []
        lat: list[float] = []
        lon: list[float] = []
        for nd in obj.nodes:
            loc = nd.location
            if not loc.valid():
                missing += 1
                continue
            if refs and refs[-1] == nd.ref:
                continue  # repeated node: zero-length piece
            refs.append(nd.ref)
            lat.append(loc.lat)
            lon.append(loc.lon)
        if len(refs) < 2:
            continue
        ways.append((int(obj.id), hw, parse_maxspeed(tags.get("maxspeed")),
                     way_direction(tags, hw), np.array(refs, dtype=np.int64),
                     np.array(lat, dtype=float), np.array(lon, dtype=float)))
    if missing:
        log.info("%s: %d way nodes lie outside the extract and were dropped", path, missing)
    return ways


def _check_readable(path: Path) -> None:
    """Cheap checks so a corrupt file fails with our message, not libosmium's."""
    name = path.name.lower()
    with path.open("rb") as f:
        head = f.read(64)
    if not head:
        raise GraphError(f"OSM file {path} is empty")
    if name.endswith(".bz2"):
        if not head.startswith(b"BZh"):
            raise GraphError(f"OSM file {path} is not bzip2 compressed")
        try:
            with bz2.open(path, "rb") as f:
                text = f.read(256)
        except (OSError, EOFError) as exc:
            raise GraphError(f"OSM file {path} is corrupt: {exc}") from None
        if b"<osm" not in text and b"<?xml" not in text:
            raise GraphError(f"OSM file {path} is not OSM XML")
    elif name.endswith(".osm") and b"<" not in head:
        raise GraphError(f"OSM file {path} is not OSM XML")


def load_road_graph(
    path: str | Path,
    *,
    speeds_kmh: Mapping[str, float] | None = None,
    cache_dir: str | Path | None = None,
) -> RoadGraph:
    """Load the drivable road graph of a local OSM file, offline.

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file (read with pyosmium).
    speeds_kmh : mapping, optional
        Speeds per ``highway`` class replacing :data:`DEFAULT_SPEEDS_KMH` where a
        way has no usable ``maxspeed``. A class that is not drivable by default
        (``track``) is added by giving it a speed, e.g. ``{"track": 15}``.
    cache_dir : str or Path, optional
        Cache the prepared graph here, keyed by the file's content hash and the
        speed settings. ``None`` disables the cache.

    Returns
    -------
    RoadGraph

    Raises
    ------
    GeoInputError
        If the file does not exist or has an unknown extension, or a speed is bad.
    GraphError
        If the file is corrupt or has no drivable roads.
    """
    p = Path(path)
    name = p.name.lower()
    if not name.endswith((".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".osm.xml")):
        raise GeoInputError("road file must be .osm, .osm.bz2 or .osm.pbf", file=str(p))
    if not p.is_file():
        raise GeoInputError("road file not found", file=str(p))
    speeds = class_speeds(speeds_kmh)
    cache_file: Path | None = None
    if cache_dir is not None:
        settings = json.dumps({"speeds": sorted(speeds.items()), "v": CACHE_VERSION})
        key = hashlib.sha256((file_sha256(p) + settings).encode()).hexdigest()[:32]
        cache_file = Path(cache_dir) / f"roads-{key}.npz"
        if cache_file.is_file():
            try:
                g = RoadGraph.load(cache_file)
                log.debug("road graph from cache %s", cache_file)
                return g
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring unreadable graph cache %s: %s", cache_file, exc)
    _check_readable(p)
    try:
        ways = read_osm_ways(p, speeds.keys())
    except RuntimeError as exc:  # libosmium reports corrupt input as RuntimeError
        raise GraphError(f"OSM file {p} cannot be read: {exc}") from None
    if not ways:
        raise GraphError(f"OSM file {p} has no drivable roads")
    graph = assemble(ways_to_raw(ways), speeds, p.name)
    log.info("%s: %d nodes, %d edges, %.1f km of road", p.name, graph.n_nodes, graph.n_edges,
             graph.total_length_m / 1000)
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            graph.save(cache_file)
        except OSError as exc:
            log.warning("cannot write graph cache %s: %s", cache_file, exc)
    return graph
