"""Chinese coordinate systems at the edges: GCJ-02 (Amap, Tencent) and BD-09 (Baidu).

countyreach works in WGS-84 everywhere inside. Data from Chinese map services
comes in GCJ-02 ("Mars coordinates", the state-mandated obfuscation, offset by
up to ~700 m) or Baidu's BD-09 (GCJ-02 with a further rotation/shift). These
functions convert at the edges: on import of a lead file, on export to a
Chinese map app.

The GCJ-02 forward transform is the widely published (leaked) closed form on the
Krasovsky 1940 ellipsoid; there is no closed-form inverse, so
:func:`gcj02_to_wgs84` iterates the forward transform to a fixed point
(error < 1 cm after a few steps). Outside China no offset applies and points
come back unchanged (:func:`in_china`).

All functions take scalars or numpy arrays (broadcast) and return the same kind.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

__all__ = [
    "in_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # BD-09's rotation constant

#: Box around China: anything outside is certainly not offset.
_BOX = (0.8293, 55.8271, 72.004, 137.8347)  # lat_min, lat_max, lon_min, lon_max
#: Rectangles of the mainland's interior (lat_min, lat_max, lon_min, lon_max), each well
#: inside the borders and coasts (each at least 0.2° inside the outline, checked against
#: cnmaps when they were drawn): a point in one is in China without the outline, whose
#: loading from cnmaps costs seconds per process. Most counties lie in them.
_HEARTLAND = ((24.0, 40.0, 100.0, 117.0), (30.0, 42.0, 90.0, 100.0), (40.0, 42.0, 110.0, 117.0),
              (23.2, 24.0, 106.0, 116.0), (26.0, 31.0, 117.0, 119.5), (43.0, 46.0, 119.0, 126.0))
#: GEOS prepared geometries are not thread-safe (their indexes are built lazily on first
#: use; libgeos/geos#825): officers opening their lists at once crashed the process in
#: libgeos. The outline is built and queried under this lock (a query takes microseconds).
_OUTLINE_LOCK = threading.Lock()

Float = float | npt.NDArray[np.float64]


@functools.cache
def _china_outline() -> Any:
    """China's outline from cnmaps, simplified and buffered ~10 km for coasts and islands."""
    import shapely

    try:
        from cnmaps import get_adm_maps

        geom = get_adm_maps(level="国", record="first", only_polygon=True).geom
        # GCJ-02 is the mainland's mandated system; Hong Kong, Macau and Taiwan
        # publish and map in WGS-84.
        others = [get_adm_maps(province=p, level="省", record="first", only_polygon=True).geom
                  for p in ("香港特别行政区", "澳门特别行政区", "台湾省")]
    except Exception as exc:  # cnmaps data missing or broken: fall back to the box
        log.warning("cnmaps country outline unavailable (%s); using a bounding box", exc)
        return None
    outline = shapely.simplify(geom, 0.05, preserve_topology=False).buffer(0.1, quad_segs=2)
    outline = outline.difference(shapely.union_all(others).buffer(0.005, quad_segs=2))
    shapely.prepare(outline)
    return outline


def in_china(lat: npt.ArrayLike, lon: npt.ArrayLike) -> Any:
    """Whether points lie where Chinese maps apply the GCJ-02 offset.

    Mainland China as drawn by cnmaps, buffered ~10 km so coastal places and
    near-shore islands count; Hong Kong, Macau and Taiwan use WGS-84 and are
    outside. Without cnmaps data a bounding box is used.

    Parameters
    ----------
    lat, lon : float or array_like
        WGS-84 (or GCJ-02; the ~500 m offset does not matter here) degrees.

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    import shapely

    la, lo = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    lat_min, lat_max, lon_min, lon_max = _BOX
    inside = (la >= lat_min) & (la <= lat_max) & (lo >= lon_min) & (lo <= lon_max)
    core = np.zeros(inside.shape, dtype=bool)
    for a, b, c, d in _HEARTLAND:
        core |= (la >= a) & (la <= b) & (lo >= c) & (lo <= d)
    if (inside & ~core).any():
        with _OUTLINE_LOCK:
            outline = _china_outline()
            if outline is not None:
                sel = np.flatnonzero((inside & ~core).ravel())
                flat = inside.ravel().copy()
                flat[sel] = shapely.contains_xy(outline, lo.ravel()[sel], la.ravel()[sel])
                inside = flat.reshape(inside.shape)
    return bool(inside) if inside.ndim == 0 else inside


def _offsets(lat: npt.NDArray[np.float64],
             lon: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], ...]:
    """GCJ-02 minus WGS-84 at a WGS-84 point, in degrees (no China check)."""
    x, y = lon - 105.0, lat - 35.0
    sq = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    return dlat, dlon


def _prep(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], ...]:
    la, lo = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    return la.astype(float), lo.astype(float)


def _out(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
         scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lat), float(lon)
    return lat, lon


def _is_scalar(lat: npt.ArrayLike, lon: npt.ArrayLike) -> bool:
    return bool(np.ndim(lat) == 0 and np.ndim(lon) == 0)


def wgs84_to_gcj02(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Any, Any]:
    """WGS-84 → GCJ-02 (Amap, Tencent, most Chinese data).

    Parameters
    ----------
    lat, lon : float or array_like
        WGS-84 degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in GCJ-02; unchanged outside China.
    """
    scalar = _is_scalar(lat, lon)
    la, lo = _prep(lat, lon)
    inside = np.asarray(in_china(la, lo))
    dlat, dlon = _offsets(la, lo)
    return _out(np.where(inside, la + dlat, la), np.where(inside, lo + dlon, lo), scalar)


def gcj02_to_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike, *,
                   tol_deg: float = 1e-9, max_iter: int = 30) -> tuple[Any, Any]:
    """GCJ-02 → WGS-84 by fixed-point iteration of the forward transform.

    The error is below ``tol_deg`` (1e-9° ≈ 0.1 mm) after typically 3-5 steps,
    far under the 1 m required.

    Parameters
    ----------
    lat, lon : float or array_like
        GCJ-02 degrees.
    tol_deg : float
        Stop when no point moves by more than this.
    max_iter : int
        Iteration cap.

    Returns
    -------
    tuple
        ``(lat, lon)`` in WGS-84; unchanged outside China.
    """
    scalar = _is_scalar(lat, lon)
    glat, glon = _prep(lat, lon)
    inside = np.asarray(in_china(glat, glon))
    wlat, wlon = glat.copy(), glon.copy()
    for _ in range(max_iter):
        dlat, dlon = _offsets(wlat, wlon)
        # Newton-like step: move by the residual of the forward transform.
        rlat = (wlat + dlat) - glat
        rlon = (wlon + dlon) - glon
        wlat = wlat - rlat
        wlon = wlon - rlon
        if max(float(np.max(np.abs(rlat), initial=0.0)),
               float(np.max(np.abs(rlon), initial=0.0))) < tol_deg:
            break
    return _out(np.where(inside, wlat, glat), np.where(inside, wlon, glon), scalar)


def gcj02_to_bd09(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu).

    Parameters
    ----------
    lat, lon : float or array_like
        GCJ-02 degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in BD-09; unchanged outside China.
    """
    scalar = _is_scalar(lat, lon)
    la, lo = _prep(lat, lon)
    inside = np.asarray(in_china(la, lo))
    z = np.sqrt(lo * lo + la * la) + 0.00002 * np.sin(la * _X_PI)
    theta = np.arctan2(la, lo) + 0.000003 * np.cos(lo * _X_PI)
    blon = z * np.cos(theta) + 0.0065
    blat = z * np.sin(theta) + 0.006
    return _out(np.where(inside, blat, la), np.where(inside, blon, lo), scalar)


def _bd09_to_gcj02_approx(la: npt.NDArray[np.float64],
                          lo: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], ...]:
    x, y = lo - 0.0065, la - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.sin(theta), z * np.cos(theta)


def bd09_to_gcj02(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Any, Any]:
    """BD-09 → GCJ-02.

    Baidu's published inverse is approximate (~1 m); two fixed-point
    corrections with the exact forward transform make it exact to < 1 mm.

    Parameters
    ----------
    lat, lon : float or array_like
        BD-09 degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in GCJ-02; unchanged outside China.
    """
    scalar = _is_scalar(lat, lon)
    la, lo = _prep(lat, lon)
    inside = np.asarray(in_china(la, lo))
    glat, glon = _bd09_to_gcj02_approx(la, lo)
    for _ in range(3):
        blat, blon = gcj02_to_bd09(glat, glon)
        glat = glat - (np.asarray(blat) - la)
        glon = glon - (np.asarray(blon) - lo)
    return _out(np.where(inside, glat, la), np.where(inside, glon, lo), scalar)


def wgs84_to_bd09(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Any, Any]:
    """WGS-84 → BD-09 (via GCJ-02).

    Parameters
    ----------
    lat, lon : float or array_like
        WGS-84 degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in BD-09; unchanged outside China.
    """
    g = wgs84_to_gcj02(lat, lon)
    return gcj02_to_bd09(*g)


def bd09_to_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Any, Any]:
    """BD-09 → WGS-84 (via GCJ-02).

    Parameters
    ----------
    lat, lon : float or array_like
        BD-09 degrees.

    Returns
    -------
    tuple
        ``(lat, lon)`` in WGS-84; unchanged outside China.
    """
    g = bd09_to_gcj02(lat, lon)
    return gcj02_to_wgs84(*g)
