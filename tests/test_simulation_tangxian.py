"""A named county end to end: 唐县 from cnmaps + bundled adcode townships (GCJ-02 -> WGS-84)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from countyreach.errors import DroppedRowWarning
from countyreach.simulation import (
    ApproximateTravelWarning,
    PopulationSpec,
    coverage_curve,
    recommend,
    sweep,
    tangxian_villages,
    tangxian_world,
)


@pytest.fixture(scope="module")
def boundary():
    from countyreach.simulation import county_boundary

    return county_boundary("河北省", "保定市", "唐县")


def test_townships_converted_and_villages_inside_the_county(boundary):
    from shapely.geometry import Point

    with pytest.warns(DroppedRowWarning, match="no centroid"):
        v = tangxian_villages(boundary, villages_per_township=3, seed=1)
    towns = v[v["place"] == "town"]
    assert len(towns) == 18  # 20 townships, two without a centroid in the source
    seat = towns[towns["name"] == "仁厚镇"].iloc[0]
    # GCJ-02 (38.736079, 114.982444) lies a few hundred metres north-east of WGS-84 here.
    assert 38.7330 < seat["lat"] < 38.7360 and 114.9750 < seat["lon"] < 114.9824
    inside = [boundary.buffer(0.01).contains(Point(lo, la))
              for la, lo in zip(v["lat"], v["lon"], strict=True)]
    assert all(inside)
    assert v["name"].is_unique
    assert (v.loc[v["place"] == "village", "position_source"].str.startswith("synthetic")).all()


@pytest.mark.slow
def test_tangxian_coverage_grows_with_officers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.warns(ApproximateTravelWarning):
            warnings.simplefilter("always", ApproximateTravelWarning)
            # The additive economy: every business stays eligible, so the curve shows what more
            # officers reach (the heterogeneous one locks recent borrowers out of the pool).
            world = tangxian_world(PopulationSpec(n_businesses=1500, variant="additive"),
                                   villages_per_township=8)
    assert world.approximate and "APPROXIMATE" in world.travel
    # The learning policy reaches most high-value businesses fast, so the curve is already
    # informative after two weeks on three team sizes (and the test stays under a minute).
    res = sweep(world, [1, 2, 4], ["p_median"], [0], policy="countyreach", n_weeks=2,
                day_time_limit_s=0.5)
    assert res.meta["approximate_travel"] is True
    curve = coverage_curve(res).sort_values("n_officers")
    cov = curve["coverage"].to_numpy()
    assert np.all(np.diff(cov) >= -0.05), cov  # monotone within noise
    assert cov[-1] > cov[0] + 0.2
    assert recommend(res).n_officers in {1, 2, 4}
