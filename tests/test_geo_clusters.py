"""Industrial clusters and distance to the nearest bank branch."""

from __future__ import annotations

import numpy as np
import pytest

import geo
from geo.errors import GeoInputError

M_PER_DEG = 111_195.0


def _blob(rng: np.random.Generator, lat: float, lon: float, n: int, sd_m: float) -> np.ndarray:
    d = rng.normal(0, sd_m, (n, 2)) / M_PER_DEG
    d[:, 1] /= np.cos(np.radians(lat))
    return np.array([lat, lon]) + d


@pytest.fixture(scope="module")
def businesses() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    jade1 = _blob(rng, 35.50, 115.00, 40, 150)
    jade2 = _blob(rng, 35.56, 115.08, 30, 150)
    sheep = _blob(rng, 35.52, 115.04, 25, 200)
    scattered = np.column_stack([rng.uniform(35.45, 35.60, 15), rng.uniform(114.95, 115.12, 15)])
    pts = np.vstack([jade1, jade2, sheep, scattered])
    industry = np.array(["jade"] * 70 + ["sheep"] * 25 + ["jade"] * 15)
    return pts[:, 0], pts[:, 1], industry


@pytest.mark.parametrize("method", ["hdbscan", "dbscan"])
def test_finds_the_blobs_per_industry(businesses: tuple[np.ndarray, ...], method: str) -> None:
    lat, lon, industry = businesses
    res = geo.find_clusters(lat, lon, industry, min_cluster_size=8, method=method, eps_m=400)
    assert res.n_clusters == 3
    by_industry = sorted(c.industry for c in res.cores)
    assert by_industry == ["jade", "jade", "sheep"]
    # Each blob is (mostly) one cluster and no cluster mixes industries.
    for block in (slice(0, 40), slice(40, 70), slice(70, 95)):
        labels = res.labels[block]
        main = np.bincount(labels[labels >= 0]).argmax()
        assert (labels == main).mean() > 0.8
    for c in res.cores:
        assert set(industry[res.labels == c.cluster_id]) == {c.industry}
        assert c.size == int((res.labels == c.cluster_id).sum())
    if method == "dbscan":
        # Scattered businesses kilometres from every blob are noise. (HDBSCAN on so
        # few points attaches some of them to the nearest blob: why it is not the default.)
        assert (res.labels[95:] == -1).all()


@pytest.mark.parametrize("method", ["hdbscan", "dbscan"])
def test_an_industry_spread_over_the_county_is_no_cluster(method: str) -> None:
    rng = np.random.default_rng(11)
    lat, lon = rng.uniform(35.3, 35.7, 60), rng.uniform(114.8, 115.2, 60)
    res = geo.find_clusters(lat, lon, ["shop"] * 60, method=method)
    assert res.n_clusters == 0 and (res.labels == -1).all()


def test_cores_and_distances(businesses: tuple[np.ndarray, ...]) -> None:
    lat, lon, industry = businesses
    res = geo.find_clusters(lat, lon, industry, min_cluster_size=8)
    core = {c.industry + str(round(c.lat, 2)): c for c in res.cores}
    c = core["jade35.5"]
    assert geo.haversine_m(c.lat, c.lon, 35.50, 115.00) < 150
    members = res.labels == c.cluster_id
    expected = geo.haversine_m(lat[members], lon[members], c.lat, c.lon)
    np.testing.assert_allclose(res.dist_to_core_m[members], expected)
    assert np.median(res.dist_to_core_m[members]) < 400
    assert (res.cluster_size[members] == c.size).all()
    noise = res.labels == -1
    assert (res.cluster_size[noise] == 0).all()
    assert np.isfinite(res.dist_to_core_m[noise]).all()  # both industries have a cluster


def test_small_industry_is_all_noise() -> None:
    res = geo.find_clusters([35.5, 35.5001, 35.5002], [115.0, 115.0, 115.0], ["a", "a", "a"],
                            min_cluster_size=5)
    assert (res.labels == -1).all() and np.isnan(res.dist_to_core_m).all()


def test_distance_to_nearest_branch_is_brute_force_haversine() -> None:
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(35.4, 35.6, 200), rng.uniform(114.9, 115.1, 200)
    blat, blon = rng.uniform(35.4, 35.6, 5), rng.uniform(114.9, 115.1, 5)
    d, i = geo.distance_to_nearest(lat, lon, blat, blon)
    brute = geo.haversine_m(lat[:, None], lon[:, None], blat[None, :], blon[None, :])
    np.testing.assert_array_equal(i, brute.argmin(axis=1))
    np.testing.assert_allclose(d, brute.min(axis=1), rtol=1e-9)


def test_no_branches_gives_infinite_distance() -> None:
    d, i = geo.distance_to_nearest([35.5], [115.0], [], [])
    assert np.isinf(d).all() and (i == -1).all()


def test_bad_input_is_an_input_error() -> None:
    with pytest.raises(GeoInputError, match="lat"):
        geo.find_clusters([35.5, 95.0], [115.0, 115.0], ["a", "a"])
    with pytest.raises(GeoInputError, match="industr"):
        geo.find_clusters([35.5], [115.0], ["a", "b"])


def test_a_dense_industry_of_thousands_is_clustered_on_a_sample_and_labelled_in_full():
    """Beyond a few thousand businesses the clusters come from a sample; everyone is labelled."""
    rng = np.random.default_rng(3)
    n = 9_000
    # One dense village of 8,000 workshops and 1,000 scattered across the county.
    lat = np.concatenate([35.50 + rng.normal(0, 0.002, 8_000), rng.uniform(35.3, 35.7, 1_000)])
    lon = np.concatenate([115.00 + rng.normal(0, 0.002, 8_000),
                          rng.uniform(114.8, 115.2, 1_000)])
    res = geo.find_clusters(lat, lon, np.full(n, "jade_carving"))
    assert len(res.labels) == n
    assert res.n_clusters >= 1
    big = max(res.cores, key=lambda c: c.size)
    assert big.size >= 7_500  # the village, found through the sample and spread to all
    assert abs(big.lat - 35.50) < 0.002 and abs(big.lon - 115.00) < 0.002
    in_village = res.labels[:8_000] == big.cluster_id
    assert in_village.mean() > 0.95 and (res.labels[8_000:] == big.cluster_id).mean() < 0.05
