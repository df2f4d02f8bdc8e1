"""Great-circle distances: the one helper, scalars, broadcasting, pairwise and nearest."""

from __future__ import annotations

import numpy as np
import pytest

import geo
from geo.errors import GeoInputError


def test_one_degree_of_latitude_is_about_111_km() -> None:
    d = geo.haversine_m(38.0, 115.0, 39.0, 115.0)
    assert np.ndim(d) == 0
    assert float(d) == pytest.approx(111_195, rel=1e-3)


def test_distance_is_symmetric_and_zero_at_the_same_place() -> None:
    assert float(geo.haversine_m(35.5, 115.0, 35.5, 115.0)) == 0.0
    there = geo.haversine_m(35.5, 115.0, 35.6, 115.2)
    back = geo.haversine_m(35.6, 115.2, 35.5, 115.0)
    assert float(there) == pytest.approx(float(back), rel=1e-12)


def test_longitude_degrees_shrink_with_latitude() -> None:
    equator = float(geo.haversine_m(0.0, 115.0, 0.0, 116.0))
    north = float(geo.haversine_m(60.0, 115.0, 60.0, 116.0))
    assert north == pytest.approx(equator / 2, rel=2e-3)


def test_arrays_broadcast_against_scalars() -> None:
    lat = np.array([35.5, 35.6, 35.7])
    lon = np.array([115.0, 115.1, 115.2])
    d = geo.haversine_m(lat, lon, 35.5, 115.0)
    assert d.shape == (3,)
    for i in range(3):
        assert d[i] == float(geo.haversine_m(lat[i], lon[i], 35.5, 115.0))


def test_pairwise_is_every_point_against_every_point() -> None:
    lat1, lon1 = [35.5, 35.6], [115.0, 115.1]
    lat2, lon2 = [35.5, 35.7, 35.8], [115.0, 115.2, 115.3]
    d = geo.pairwise_haversine_m(lat1, lon1, lat2, lon2)
    assert d.shape == (2, 3)
    assert d[0, 0] == 0.0
    for i in range(2):
        for j in range(3):
            assert d[i, j] == float(geo.haversine_m(lat1[i], lon1[i], lat2[j], lon2[j]))


def test_nearest_target_matches_the_pairwise_minimum() -> None:
    rng = np.random.default_rng(3)
    lat, lon = 35.5 + rng.uniform(0, 0.1, 40), 115.0 + rng.uniform(0, 0.1, 40)
    tlat, tlon = 35.5 + rng.uniform(0, 0.1, 5), 115.0 + rng.uniform(0, 0.1, 5)
    d, i = geo.distance_to_nearest(lat, lon, tlat, tlon)
    brute = geo.pairwise_haversine_m(lat, lon, tlat, tlon)
    np.testing.assert_array_equal(i, brute.argmin(axis=1))
    np.testing.assert_allclose(d, brute.min(axis=1), rtol=1e-9)


def test_nearest_rejects_invalid_coordinates_naming_the_point() -> None:
    with pytest.raises(GeoInputError, match="point 1"):
        geo.distance_to_nearest([35.5, np.nan], [115.0, 115.0], [35.5], [115.0])
