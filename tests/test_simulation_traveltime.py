"""Straight-line × detour-factor travel times: distances, flags, validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from countyreach.errors import InputError
from countyreach.simulation.traveltime import (
    ApproximateTravelWarning,
    StraightLineModel,
    straight_line_matrix,
)
from geo.distance import haversine_m
from geo.types import Location


def _straight_m(a: Location, b: Location) -> float:
    return float(haversine_m(a.lat, a.lon, b.lat, b.lon))


def test_haversine_one_degree_of_latitude():
    assert _straight_m(Location(38.0, 115.0), Location(39.0, 115.0)) == pytest.approx(111_195,
                                                                                        rel=1e-3)


def test_matrix_scales_distance_by_detour_and_time_by_speed():
    pts = [Location(38.70, 114.90), Location(38.75, 114.95)]
    model = StraightLineModel(detour_factor=1.4, speed_kmh=36.0)
    with pytest.warns(ApproximateTravelWarning):
        m = straight_line_matrix(pts, ["a", "b"], model)
    straight = _straight_m(*pts)
    assert m.distance("a", "b") == round(straight * 1.4)
    assert m.duration("a", "b") == round(straight * 1.4 / 10.0)  # 36 km/h = 10 m/s
    assert m.duration("a", "a") == 0
    np.testing.assert_array_equal(m.duration_s, m.duration_s.T)


def test_nearby_places_cost_at_least_a_minute():
    pts = [Location(38.7, 114.9), Location(38.7001, 114.9)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = straight_line_matrix(pts, ["a", "b"])
    assert m.duration("a", "b") == 60


def test_label_says_approximate():
    assert "APPROXIMATE" in StraightLineModel().label


@pytest.mark.parametrize("kw", [{"detour_factor": 0.9}, {"detour_factor": 5.0},
                                {"speed_kmh": 0.0}, {"speed_kmh": 500.0}])
def test_bad_model_parameters(kw):
    with pytest.raises(InputError):
        StraightLineModel(**kw)


def test_ids_must_match_points():
    with pytest.raises(InputError):
        straight_line_matrix([Location(0, 0)], ["a", "b"], warn=False)
