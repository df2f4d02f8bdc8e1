"""Places and names of the synthetic economy's businesses (helpers of :mod:`propensity.economy`)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.errors import DataError, DataWarning

__all__ = ["check_villages", "default_branches", "jitter", "business_names", "revenue_band"]

_NAME_SUFFIX: Mapping[str, tuple[str, ...]] = {
    "jade_carving": ("玉雕坊", "玉器加工厂", "玉雕工作室"),
    "kids_bicycles": ("童车厂", "儿童自行车厂", "童车配件厂"),
    "pumpkin": ("南瓜种植园", "南瓜种植基地", "南瓜合作社"),
    "jujube": ("枣园", "红枣种植园", "红枣合作社"),
    "sheep_farm": ("羊场", "养羊场", "肉羊养殖场"),
    "cattle_farm": ("牛场", "养牛场", "肉牛养殖场"),
    "fish_feed": ("鱼饲料厂", "饲料加工厂", "水产饲料店"),
    "clothing": ("服装厂", "制衣厂", "服装加工厂"),
    "small_shop": ("小卖部", "便利店", "超市", "百货店"),
}
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_PLACES = ("village", "hamlet", "town")

def check_villages(villages: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(villages, pd.DataFrame):
        raise DataError("villages must be a DataFrame with name, lat, lon", field="villages")
    missing = [c for c in ("name", "lat", "lon") if c not in villages.columns]
    if missing:
        raise DataError(f"villages table lacks column(s) {missing}", field=missing[0])
    v = villages.copy()
    if "place" in v.columns:
        rural = v["place"].astype(str).str.strip().isin(_PLACES)
        if rural.any():
            v = v[rural]
        elif len(v):
            # An extract that names no villages (a county onboarded with stand-ins at road
            # junctions, or one that tags its settlements otherwise): its places are all
            # there is.
            kinds = ", ".join(sorted(set(v["place"].astype(str))))
            warnings.warn(f"no village, hamlet or town rows: businesses are placed at the "
                          f"{len(v)} places given ({kinds})", DataWarning, stacklevel=3)
    v["lat"] = pd.to_numeric(v["lat"], errors="coerce")
    v["lon"] = pd.to_numeric(v["lon"], errors="coerce")
    bad = v[v["lat"].isna() | v["lon"].isna() | ~v["lat"].between(-90, 90)
            | ~v["lon"].between(-180, 180)]
    if len(bad):
        row = int(bad.index[0]) + 1 if isinstance(bad.index[0], (int, np.integer)) else None
        raise DataError("village coordinates must be numbers in range", row=row, field="lat")
    if v.empty:
        raise DataError("no village rows to place businesses in", field="name")
    return v.reset_index(drop=True)


def default_branches(v: pd.DataFrame) -> pd.DataFrame:
    towns = v[v["place"].astype(str) == "town"] if "place" in v.columns else v.iloc[:0]
    row = towns.iloc[0] if len(towns) else v.iloc[0]
    return pd.DataFrame({"branch_id": ["BR1"], "name": [f"{row['name']}营业所"],
                         "lat": [float(row["lat"])], "lon": [float(row["lon"])]})


def jitter(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], radius_m: float,
            rng: np.random.Generator) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    r = radius_m * np.sqrt(rng.random(len(lat)))
    theta = rng.uniform(0, 2 * np.pi, len(lat))
    dlat = r * np.cos(theta) / 111_195.0
    dlon = r * np.sin(theta) / (111_195.0 * np.cos(np.radians(lat)))
    return lat + dlat, lon + dlon


def business_names(villages: Sequence[str], industries: Sequence[str],
           rng: np.random.Generator) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for v, ind in zip(villages, industries, strict=True):
        suffixes = _NAME_SUFFIX[ind]
        surname = _SURNAMES[rng.integers(len(_SURNAMES))]
        name = f"{v}{surname}氏{suffixes[rng.integers(len(suffixes))]}"
        k = seen.get(name, 0) + 1
        seen[name] = k
        out.append(name if k == 1 else f"{name}{'二三四五六七八九十'[min(k - 2, 8)]}店")
    return out


def revenue_band(latent: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    cuts = np.quantile(latent, [0.25, 0.55, 0.80, 0.93])
    return (np.searchsorted(cuts, latent) + 1).astype(np.int64)
