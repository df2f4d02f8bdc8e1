"""GCJ-02 / BD-09 converters against published reference points, round trips, outside China."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo


def _m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(geo.haversine_m(lat1, lon1, lat2, lon2))


# Published WGS-84 -> GCJ-02 pairs: the test vectors of googollee/eviltransform
# (transform_test.go: Shanghai, Shenzhen, Beijing), repeated by its ports
# (larryli/eviltransform PHP tests and others).
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize("wlat, wlon, glat, glon", EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_published_vectors(wlat: float, wlon: float, glat: float,
                                                  glon: float) -> None:
    lat, lon = geo.wgs84_to_gcj02(wlat, wlon)
    assert _m(lat, lon, glat, glon) < 0.01


@pytest.mark.parametrize("wlat, wlon, glat, glon", EVILTRANSFORM)
def test_gcj02_to_wgs84_inverts_published_vectors(wlat: float, wlon: float, glat: float,
                                                  glon: float) -> None:
    lat, lon = geo.gcj02_to_wgs84(glat, glon)
    assert _m(lat, lon, wlat, wlon) < 0.01


# wandergis/coordtransform README and test/app.js (Tiananmen, 116.404 E 39.915 N):
# gcj02tobd09 -> (116.41036949371029, 39.92133699351021),
# wgs84togcj02 -> (116.41024449916938, 39.91640428150164),
# bd09togcj02 -> (116.39762729119315, 39.90865673957631) and
# gcj02towgs84 -> (116.39775550083061, 39.91359571849836): the last two use Baidu's
# approximate inverse / a one-step inverse, so ours (exact) agrees only within a few metres.
def test_gcj02_to_bd09_matches_coordtransform() -> None:
    lat, lon = geo.gcj02_to_bd09(39.915, 116.404)
    assert _m(lat, lon, 39.92133699351021, 116.41036949371029) < 0.01


def test_wgs84_to_gcj02_matches_coordtransform() -> None:
    lat, lon = geo.wgs84_to_gcj02(39.915, 116.404)
    assert _m(lat, lon, 39.91640428150164, 116.41024449916938) < 0.01


def test_inverses_agree_with_published_approximations() -> None:
    lat, lon = geo.bd09_to_gcj02(39.915, 116.404)
    assert _m(lat, lon, 39.90865673957631, 116.39762729119315) < 2
    lat, lon = geo.gcj02_to_wgs84(39.915, 116.404)
    assert _m(lat, lon, 39.91359571849836, 116.39775550083061) < 5


def test_offset_is_hundreds_of_metres_in_china() -> None:
    lat, lon = geo.wgs84_to_gcj02(35.518, 115.019)  # 庆祖镇
    assert 100 < _m(lat, lon, 35.518, 115.019) < 1000


# Random points in mainland China (boxes well inside the border).
china = st.one_of(
    st.tuples(st.floats(24.0, 40.0), st.floats(106.0, 116.0)),
    st.tuples(st.floats(30.0, 34.0), st.floats(86.0, 97.0)),
    st.tuples(st.floats(43.0, 47.0), st.floats(124.0, 128.0)),
)


@settings(max_examples=200, deadline=None)
@given(pt=china)
def test_gcj02_round_trip_under_1_m_in_china(pt: tuple[float, float]) -> None:
    lat, lon = pt
    assert geo.in_china(lat, lon)
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lat, lon))
    assert _m(back[0], back[1], lat, lon) < 1.0
    back = geo.wgs84_to_gcj02(*geo.gcj02_to_wgs84(lat, lon))
    assert _m(back[0], back[1], lat, lon) < 1.0


@settings(max_examples=100, deadline=None)
@given(pt=china)
def test_bd09_round_trip_under_1_m_in_china(pt: tuple[float, float]) -> None:
    lat, lon = pt
    back = geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lat, lon))
    assert _m(back[0], back[1], lat, lon) < 1.0


def test_arrays_match_scalars() -> None:
    rng = np.random.default_rng(3)
    lat = rng.uniform(25, 40, 50)
    lon = rng.uniform(105, 118, 50)
    alat, alon = geo.wgs84_to_gcj02(lat, lon)
    assert isinstance(alat, np.ndarray) and alat.shape == (50,)
    for i in range(0, 50, 7):
        s = geo.wgs84_to_gcj02(float(lat[i]), float(lon[i]))
        assert isinstance(s[0], float)
        assert s == (pytest.approx(alat[i], abs=1e-12), pytest.approx(alon[i], abs=1e-12))
    blat, blon = geo.gcj02_to_wgs84(alat, alon)
    assert geo.haversine_m(blat, blon, lat, lon).max() < 1.0


OUTSIDE = [
    (35.6895, 139.6917),  # Tokyo
    (40.7128, -74.0060),  # New York
    (37.5665, 126.9780),  # Seoul
    (47.9, 106.9),  # Ulaanbaatar
    (25.0330, 121.5654),  # Taipei: maps there use WGS-84
    (22.3193, 114.1694),  # Hong Kong: maps there use WGS-84
    (22.1987, 113.5439),  # Macau
    (21.0278, 105.8342),  # Hanoi
    (27.7172, 85.3240),  # Kathmandu
    (27.4728, 89.6390),  # Thimphu
    (39.0392, 125.7625),  # Pyongyang
    (43.1155, 131.8855),  # Vladivostok
    (16.8409, 96.1735),  # Yangon
    (-33.87, 151.21),  # Sydney
]


@pytest.mark.parametrize("lat, lon", OUTSIDE)
def test_no_conversion_outside_china(lat: float, lon: float) -> None:
    assert not geo.in_china(lat, lon)
    for fn in (geo.wgs84_to_gcj02, geo.gcj02_to_wgs84, geo.gcj02_to_bd09, geo.bd09_to_gcj02,
               geo.wgs84_to_bd09, geo.bd09_to_wgs84):
        assert fn(lat, lon) == (lat, lon)


def test_in_china_for_counties_in_the_brief() -> None:
    lat = np.array([35.518, 38.85, 42.0, 29.3, 22.54])
    lon = np.array([115.019, 114.98, 115.3, 120.07, 114.05])  # 庆祖, 唐县, 太仆寺旗, 义乌, 深圳
    assert geo.in_china(lat, lon).all()


def test_in_china_across_the_mainland_from_border_to_coast() -> None:
    # county seats near every edge of the interior, and the coasts' cities
    lat = np.array([24.43, 30.66, 41.0, 23.37, 26.08, 45.75, 39.9, 43.83, 29.65, 21.48])
    lon = np.array([98.58, 104.07, 113.1, 116.71, 119.3, 126.65, 116.4, 87.62, 91.13, 109.12])
    # 芒市, 成都, 集宁, 汕头, 福州, 哈尔滨, 北京, 乌鲁木齐, 拉萨, 北海
    assert geo.in_china(lat, lon).all()
