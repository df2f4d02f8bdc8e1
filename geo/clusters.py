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
    rng = np.random.default_rng(0)
    for name in np.unique(ind):
        every = np.flatnonzero(ind == name)
        if len(every) < min_cluster_size:
            continue
        # Density clustering keeps every point's neighbour list: in a dense county that grows
        # with the square of the points. Above a few thousand businesses of one industry the
        # clusters are found on a fixed random sample (density thresholds scaled to it) and the
        # others join the cluster of their nearest sampled neighbour within the radius.
        idx = np.sort(rng.choice(every, _CLUSTER_SAMPLE, replace=False)) \
            if len(every) > _CLUSTER_SAMPLE else every
        scale = len(idx) / len(every)
        xy = np.radians(np.column_stack([la[idx], lo[idx]]))
        if method == "hdbscan":
            est = HDBSCAN(min_cluster_size=max(2, round(min_cluster_size * scale)),
                          min_samples=max(1, round(samples * scale)),
                          metric="haversine", algorithm="ball_tree", copy=True,
                          # One jade village in a county is one cluster, not noise.
                          allow_single_cluster=True,
                          cluster_selection_epsilon=eps_m / EARTH_RADIUS_M)
        else:
            est = DBSCAN(eps=eps_m / EARTH_RADIUS_M, min_samples=max(2, round(samples * scale)),
                         metric="haversine", algorithm="ball_tree")
        local = est.fit(xy).labels_
        if len(idx) < len(every):
            local, idx = _spread_labels(la, lo, every, idx, local, eps_m)
        core_lat, core_lon = [], []
        for lab in np.unique(local[local >= 0]):
            members = idx[local == lab]
            medoid = _medoid(la, lo, members)
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


#: Businesses of one industry clustered exactly; above it, on a sample of this size.
_CLUSTER_SAMPLE = 4_000
#: Members a medoid is chosen among (the ones nearest the cluster's centre).
_MEDOID_CANDIDATES = 256


def _medoid(la: npt.NDArray[np.float64], lo: npt.NDArray[np.float64],
            members: npt.NDArray[np.int64]) -> int:
    """The member with the least total distance to the others: a real business location,
    unlike a centroid that may fall in a field. Large clusters choose among the members
    nearest their centre, so memory stays linear in the cluster's size."""
    cand = members
    if len(members) > _MEDOID_CANDIDATES:
        near = haversine_m(la[members], lo[members], float(np.mean(la[members])),
                           float(np.mean(lo[members])))
        cand = members[np.argsort(near, kind="stable")[:_MEDOID_CANDIDATES]]
    total = np.zeros(len(cand))
    for start in range(0, len(members), 4096):
        block = members[start:start + 4096]
        total += haversine_m(la[cand][:, None], lo[cand][:, None],
                             la[block][None, :], lo[block][None, :]).sum(axis=1)
    return int(cand[int(total.argmin())])


def _spread_labels(la: npt.NDArray[np.float64], lo: npt.NDArray[np.float64],
                   every: npt.NDArray[np.int64], sample: npt.NDArray[np.int64],
                   local: npt.NDArray[np.int64], eps_m: float
                   ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Labels for all of ``every`` from the sample's: the nearest clustered sampled point
    within ``eps_m`` gives its cluster, others are noise."""
    clustered = sample[local >= 0]
    out = np.full(len(every), -1, dtype=np.int64)
    if len(clustered):
        d, k = distance_to_nearest(la[every], lo[every], la[clustered], lo[clustered])
        out = np.where(d <= eps_m, local[local >= 0][k], -1)
    return out, every

