"""Industrial clusters: where businesses of one industry crowd together.

A jade-carving workshop in a village of jade carvers borrows differently from a
lone one, so propensity models get each business's cluster, the cluster's size
and the distance to its core. Clusters are found per industry by density
(DBSCAN with a radius in metres by default, or HDBSCAN) on great-circle
distances (:mod:`geo.distance`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo.distance import EARTH_RADIUS_M, checked_coords, distance_to_nearest, haversine_m
from geo.errors import GeoInputError

__all__ = ["ClusterCore", "ClusterResult", "find_clusters"]


@dataclass(frozen=True, slots=True)
class ClusterCore:
    """One cluster: its medoid business (the member closest to all others) and size."""

    cluster_id: int
    industry: str
    lat: float
    lon: float
    size: int


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Clusters of businesses, aligned with the input arrays.

    Attributes
    ----------
    labels : ndarray of int
        Cluster id per business (unique across industries), -1 for noise.
    dist_to_core_m : ndarray of float
        Distance to the core of the business's cluster; for noise, to the
        nearest core of its industry; NaN when its industry has no cluster.
    cluster_size : ndarray of int
        Size of the business's cluster, 0 for noise.
    cores : tuple of ClusterCore
        One per cluster, indexed by cluster id.
    """

    labels: npt.NDArray[np.int64]
    dist_to_core_m: npt.NDArray[np.float64]
    cluster_size: npt.NDArray[np.int64]
    cores: tuple[ClusterCore, ...]

    @property
    def n_clusters(self) -> int:
        """Number of clusters found."""
        return len(self.cores)


def find_clusters(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    industry: npt.ArrayLike,
    *,
    min_cluster_size: int = 5,
    min_samples: int | None = None,
    method: str = "dbscan",
    eps_m: float = 500.0,
    max_spread_m: float = 3000.0,
) -> ClusterResult:
    """Density-based clusters of businesses, separately for each industry.

    Parameters
    ----------
    lat, lon : array_like
        WGS-84 positions of the businesses.
    industry : array_like of str
        Industry of each business.
    min_cluster_size : int
        Fewest businesses that make a cluster.
    min_samples : int, optional
        Density threshold (HDBSCAN ``min_samples``, DBSCAN core-point count);
        default ``min_cluster_size``.
    method : {"dbscan", "hdbscan"}
        DBSCAN (default): businesses within ``eps_m`` of ``min_samples`` others
        are cluster cores, a rule a loan officer can check on the map. HDBSCAN
        adapts to varying density but on a county's few dozen businesses of one
        industry it tends to absorb scattered ones into clusters.
    eps_m : float
        DBSCAN neighbourhood radius in metres; for HDBSCAN, clusters closer than
        this are not split (``cluster_selection_epsilon``).
    max_spread_m : float
        A cluster whose members lie a median of more than this from its core is
        not an industrial cluster but the industry spread over the county: its
        members become noise.

    Returns
    -------
    ClusterResult
    """
    from sklearn.cluster import DBSCAN, HDBSCAN

    la, lo = checked_coords(lat, lon)
    ind = np.asarray(industry, dtype=str).ravel()
    if ind.shape != la.shape:
        raise GeoInputError(f"{len(ind)} industries for {len(la)} businesses", field="industry")
    if method not in ("hdbscan", "dbscan"):
        raise GeoInputError(f"method must be hdbscan or dbscan, got {method!r}", field="method")
    if min_cluster_size < 2:
        raise GeoInputError("min_cluster_size must be >= 2", field="min_cluster_size")
    samples = min_samples or min_cluster_size
    n = len(la)
    labels = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    size = np.zeros(n, dtype=np.int64)
    cores: list[ClusterCore] = []
    for name in np.unique(ind):
        idx = np.flatnonzero(ind == name)
        if len(idx) < min_cluster_size:
            continue
        xy = np.radians(np.column_stack([la[idx], lo[idx]]))
        if method == "hdbscan":
            est = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=samples,
                          metric="haversine", algorithm="ball_tree", copy=True,
                          # One jade village in a county is one cluster, not noise.
                          allow_single_cluster=True,
                          cluster_selection_epsilon=eps_m / EARTH_RADIUS_M)
        else:
            est = DBSCAN(eps=eps_m / EARTH_RADIUS_M, min_samples=samples, metric="haversine",
                         algorithm="ball_tree")
        local = est.fit(xy).labels_
        core_lat, core_lon = [], []
        for lab in np.unique(local[local >= 0]):
            members = idx[local == lab]
            # Medoid: a real business location, unlike a centroid that may fall in a field.
            d = haversine_m(la[members][:, None], lo[members][:, None],
                            la[members][None, :], lo[members][None, :])
            medoid = members[int(d.sum(axis=1).argmin())]
            spread = haversine_m(la[members], lo[members], la[medoid], lo[medoid])
            if np.median(spread) > max_spread_m:
                local[local == lab] = -1
                continue
            cid = len(cores)
            cores.append(ClusterCore(cid, str(name), float(la[medoid]), float(lo[medoid]),
                                     len(members)))
            labels[members] = cid
            size[members] = len(members)
            dist[members] = spread
            core_lat.append(la[medoid])
            core_lon.append(lo[medoid])
        noise = idx[local < 0]
        if len(noise) and core_lat:
            d_noise, _ = distance_to_nearest(la[noise], lo[noise], core_lat, core_lon)
            dist[noise] = d_noise
    return ClusterResult(labels, dist, size, tuple(cores))

