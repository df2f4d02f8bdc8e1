"""A seeded synthetic county economy with a hidden ground truth.

Real lending data with visit outcomes is private, so the lead model is developed and
tested on a county economy whose truth we know. The generative story:

1. **Places.** Businesses live in the real villages of the county (OSM place points);
   each village has a hidden size weight. Every industry except village shops has one
   to three hidden *core villages* (a jade-carving village, a clothing-workshop
   village ...). A share of each clustered industry settles near its cores (villages
   chosen with weight ``exp(-distance / 1.2 km)``), the rest anywhere. Positions are
   jittered within ~600 m of the village point.
2. **Observable business facts** drawn per industry: years operating (gamma), staff
   (log-normal around the industry's typical size), revenue band 1-5 (from staff,
   age and noise), monthly mobile-payment flow (industry level x band x noise), an
   existing loan elsewhere, contacts with the bank before the history starts (more
   for businesses near the branch) and refusals among them (more for businesses that
   are, unobservably, not interested). Distances to the branch are great-circle;
   cluster features are computed from positions alone (:func:`cluster_features`).
3. **Hidden truth.** The log-odds that a business takes a loan after a visit in
   month ``m`` is::

       base_logit                        (industry, staff, revenue band, mobile pay,
                                          age bump, existing loan, past contacts and
                                          refusals, -0.30 per km from the branch,
                                          +1.0 x exp(-d_core / 1.5 km) near the hidden
                                          cluster core, village effect, latent interest)
       + 1.6 * log(calendar[industry, m])  (hidden seasonal cash need; the public
                                          prior calendar perturbed per economy)
       + uplift                          (only when visited; larger for businesses
                                          far from the branch and with little mobile
                                          payment, i.e. those that do not come to the
                                          bank themselves)

   The intercept is solved so that the average visited uptake is ``target_uptake``.
   Each business also has a typical loan size (industry median x revenue band x staff
   x noise; the realised amount scales with the square root of the season's cash need)
   and a probability of default (industry risk, revenue, mobile pay, existing loan,
   age, noise).
4. **History.** Each month officers make ``visit_rate x n`` visits. Most follow a
   biased heuristic (near the branch, bigger revenue, existing borrowers, few
   refusals, blind to the season); ``random_share`` of the visits go to uniformly
   random eligible businesses. A business is not visited twice within two months nor
   within a year of taking a loan. Outcomes are drawn from the truth; ``defaulted``
   is the eventual outcome of the loan (0 when no loan was taken).

Everything is drawn from one ``numpy.random.Generator`` seeded by ``seed``, so the same
arguments give the same economy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.errors import DataError
from propensity.features import (
    INDUSTRIES,
    SEASONAL_CASH_NEED,
    cluster_features,
    haversine_m,
    month_of_year,
    nearest_distance_m,
    parse_month,
)

__all__ = ["Economy", "generate_economy", "DEFAULT_INDUSTRY_MIX", "month_range", "add_months"]

log = logging.getLogger(__name__)

#: Industry shares plausible for a township on the Henan plain (Puyang): farms, shops and
#: clothing workshops dominate; the other codes stay available.
DEFAULT_INDUSTRY_MIX: Mapping[str, float] = {
    "jade_carving": 0.09,
    "kids_bicycles": 0.09,
    "pumpkin": 0.09,
    "jujube": 0.05,
    "sheep_farm": 0.13,
    "cattle_farm": 0.07,
    "fish_feed": 0.06,
    "clothing": 0.16,
    "small_shop": 0.26,
}

# Per industry: (typical staff, mobile pay yuan/month, typical loan yuan, logit effect,
# default-risk effect, number of cluster cores, share living in the cluster).
_INDUSTRY: Mapping[str, tuple[float, float, float, float, float, int, float]] = {
    "jade_carving": (4, 60_000, 120_000, 0.3, 0.3, 1, 0.85),
    "kids_bicycles": (12, 50_000, 150_000, 0.2, 0.0, 1, 0.80),
    "pumpkin": (2, 8_000, 40_000, 0.0, 0.2, 2, 0.60),
    "jujube": (2, 8_000, 40_000, -0.1, 0.3, 2, 0.60),
    "sheep_farm": (3, 10_000, 80_000, 0.2, 0.2, 2, 0.55),
    "cattle_farm": (3, 12_000, 150_000, 0.3, 0.1, 2, 0.50),
    "fish_feed": (8, 30_000, 120_000, 0.1, 0.0, 1, 0.60),
    "clothing": (15, 40_000, 100_000, 0.1, 0.1, 2, 0.70),
    "small_shop": (1.5, 25_000, 30_000, -0.4, -0.1, 0, 0.0),
}

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

# Coefficients of the hidden truth (logit scale unless said otherwise).
_TRUTH: Mapping[str, float] = {
    "staff": 0.30,  # x log1p(staff)
    "band": 0.22,  # x (revenue_band - 3)
    "mobile": 0.35,  # x log(mobile pay / 20k), clipped to +-3
    "age_bump": 0.50,  # x exp(-((years - 7) / 6)^2)
    "existing_loan": -0.45,
    "contacts": 0.12,  # x min(contacts, 5)
    "refusals": -0.55,  # x min(refusals, 4)
    "branch_per_km": -0.30,
    "cluster": 1.00,  # x exp(-d_core / 1500 m)
    "season": 1.60,  # x log(cash need)
    "village_sd": 0.25,
    "latent_sd": 0.35,
    "uplift_base": 0.35,
    "uplift_low_pay": 0.45,
    "uplift_per_km": 0.08,
    "uplift_sd": 0.15,
    "calendar_noise_sd": 0.08,
}


def add_months(month: str, k: int) -> str:
    """``YYYY-MM`` shifted by ``k`` months."""
    y, m = parse_month(month)
    idx = y * 12 + (m - 1) + k
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_range(start: str, n: int) -> list[str]:
    """``n`` consecutive months from ``start`` (``YYYY-MM``)."""
    return [add_months(start, k) for k in range(n)]


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True, eq=False)
class Economy:
    """A synthetic county economy: observable businesses, hidden truth, visit history.

    Attributes
    ----------
    businesses : pandas.DataFrame
        What the bank can see, one row per lead (``lead_id, name, industry, village,
        lat, lon, phone, phone_is_fictitious, address, years_operating, staff,
        revenue_band, mobile_pay_flow_yuan, has_existing_loan, past_contacts,
        past_refusals, branch_id, dist_branch_m, dist_cluster_core_m, cluster_size``).
    truth : pandas.DataFrame
        Hidden, indexed by ``lead_id``: ``base_logit, village_effect, cluster_effect,
        branch_effect, latent, uplift_logit, loan_yuan, p_default, dist_true_core_m``.
    history : pandas.DataFrame
        Past visits: ``lead_id, month, visited_by_policy, took_loan, loan_yuan, defaulted``.
    calendar : pandas.DataFrame
        Hidden industry x month-of-year cash-need multipliers.
    """

    businesses: pd.DataFrame
    truth: pd.DataFrame
    history: pd.DataFrame
    calendar: pd.DataFrame
    villages: pd.DataFrame
    branches: pd.DataFrame
    start_month: str
    n_months: int
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def months(self) -> list[str]:
        """The history months in order."""
        return month_range(self.start_month, self.n_months)

    def _truth_rows(self, leads: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
        ids = leads["lead_id"] if isinstance(leads, pd.DataFrame) else pd.Index(list(leads))
        ids = pd.Index(ids.astype(str) if hasattr(ids, "astype") else ids)
        missing = ids.difference(self.truth.index)
        if len(missing):
            raise DataError(f"unknown lead id(s) {list(missing[:5])}", field="lead_id")
        return self.truth.loc[ids]

    def true_logit(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                   visited: bool = True) -> npt.NDArray[np.float64]:
        """Hidden log-odds of taking a loan in ``month`` (with or without a visit)."""
        t = self._truth_rows(leads)
        moy = month_of_year(month)
        cal = self.calendar[moy]
        season = self.params["season"] * np.log(t["industry"].map(cal).to_numpy(float))
        z = t["base_logit"].to_numpy(float) + season
        if visited:
            z = z + t["uplift_logit"].to_numpy(float)
        return np.asarray(z, float)

    def true_p_uptake(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                      visited: bool = True) -> npt.NDArray[np.float64]:
        """Hidden probability that each lead takes a loan in ``month``.

        Parameters
        ----------
        leads : DataFrame with ``lead_id`` or iterable of lead ids
        month : str
            ``YYYY-MM`` (any month, also beyond the history).
        visited : bool
            With an officer's visit (the default) or without (the uplift is the difference).
        """
        return _sigmoid(self.true_logit(leads, month, visited=visited))

    def true_loan_yuan(self, leads: pd.DataFrame | Iterable[str],
                       month: str) -> npt.NDArray[np.float64]:
        """Hidden expected loan size in ``month`` for a business that borrows."""
        t = self._truth_rows(leads)
        cal = t["industry"].map(self.calendar[month_of_year(month)]).to_numpy(float)
        # E[lognormal(0, s)] = exp(s^2 / 2)
        return np.asarray(t["loan_yuan"].to_numpy(float) * np.sqrt(cal)
                          * np.exp(0.5 * self.params["loan_noise_sd"] ** 2), float)

    def true_value_yuan(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                        margin: float = 0.05, visited: bool = True) -> npt.NDArray[np.float64]:
        """Hidden expected value of a visit: P(uptake) x loan x (1 - PD) x margin."""
        t = self._truth_rows(leads)
        p = self.true_p_uptake(leads, month, visited=visited)
        return np.asarray(p * self.true_loan_yuan(leads, month)
                          * (1 - t["p_default"].to_numpy(float)) * margin, float)

    def simulate_visit_outcomes(self, lead_ids: Iterable[str], month: str,
                                rng: np.random.Generator) -> pd.DataFrame:
        """Draw what happens when officers visit ``lead_ids`` in ``month``.

        Returns
        -------
        pandas.DataFrame
            ``lead_id, month, took_loan (0/1), loan_yuan, defaulted (0/1)``.
        """
        ids = [str(x) for x in lead_ids]
        t = self._truth_rows(ids)
        p = self.true_p_uptake(ids, month, visited=True)
        took = rng.random(len(ids)) < p
        loan = _draw_loan(t["loan_yuan"].to_numpy(float),
                          t["industry"].map(self.calendar[month_of_year(month)]).to_numpy(float),
                          self.params["loan_noise_sd"], rng)
        dflt = rng.random(len(ids)) < t["p_default"].to_numpy(float)
        return pd.DataFrame({
            "lead_id": ids,
            "month": month,
            "took_loan": took.astype(int),
            "loan_yuan": np.where(took, loan, 0.0),
            "defaulted": (took & dflt).astype(int),
        })


def _draw_loan(typical: npt.NDArray[np.float64], cash_need: npt.NDArray[np.float64],
               sd: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    raw = typical * np.sqrt(cash_need) * np.exp(rng.normal(0, sd, len(typical)))
    return np.clip(np.round(raw / 1000) * 1000, 5_000, 3_000_000)


def _check_villages(villages: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(villages, pd.DataFrame):
        raise DataError("villages must be a DataFrame with name, lat, lon", field="villages")
    missing = [c for c in ("name", "lat", "lon") if c not in villages.columns]
    if missing:
        raise DataError(f"villages table lacks column(s) {missing}", field=missing[0])
    v = villages.copy()
    if "place" in v.columns:
        v = v[v["place"].astype(str).str.strip().isin(_PLACES)]
    v["lat"] = pd.to_numeric(v["lat"], errors="coerce")
    v["lon"] = pd.to_numeric(v["lon"], errors="coerce")
    bad = v[v["lat"].isna() | v["lon"].isna() | ~v["lat"].between(-90, 90)
            | ~v["lon"].between(-180, 180)]
    if len(bad):
        row = int(bad.index[0]) + 1 if isinstance(bad.index[0], (int, np.integer)) else None
        raise DataError("village coordinates must be numbers in range", row=row, field="lat")
    if v.empty:
        raise DataError("no village, hamlet or town rows to place businesses in",
                         field="place")
    return v.reset_index(drop=True)


def _default_branches(v: pd.DataFrame) -> pd.DataFrame:
    towns = v[v["place"].astype(str) == "town"] if "place" in v.columns else v.iloc[:0]
    row = towns.iloc[0] if len(towns) else v.iloc[0]
    return pd.DataFrame({"branch_id": ["BR1"], "name": [f"{row['name']}营业所"],
                         "lat": [float(row["lat"])], "lon": [float(row["lon"])]})


def _jitter(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], radius_m: float,
            rng: np.random.Generator) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    r = radius_m * np.sqrt(rng.random(len(lat)))
    theta = rng.uniform(0, 2 * np.pi, len(lat))
    dlat = r * np.cos(theta) / 111_195.0
    dlon = r * np.sin(theta) / (111_195.0 * np.cos(np.radians(lat)))
    return lat + dlat, lon + dlon


def _names(villages: Sequence[str], industries: Sequence[str],
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


def _revenue_band(latent: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    cuts = np.quantile(latent, [0.25, 0.55, 0.80, 0.93])
    return (np.searchsorted(cuts, latent) + 1).astype(np.int64)


def generate_economy(
    villages: pd.DataFrame,
    *,
    n_businesses: int = 600,
    n_months: int = 24,
    seed: int = 0,
    branches: pd.DataFrame | None = None,
    industry_mix: Mapping[str, float] | None = None,
    start_month: str = "2025-01",
    visit_rate: float = 0.10,
    random_share: float = 0.15,
    target_uptake: float = 0.20,
) -> Economy:
    """Generate a seeded county economy (see the module docstring for the story).

    Parameters
    ----------
    villages : pandas.DataFrame
        ``name, lat, lon`` (WGS-84); when a ``place`` column exists only
        village/hamlet/town rows are used.
    n_businesses : int
        Number of businesses (leads).
    n_months : int
        Months of visit history.
    seed : int
        Seed of everything random.
    branches : pandas.DataFrame, optional
        ``branch_id, name, lat, lon``; default one branch at the first town.
    industry_mix : mapping, optional
        Industry code -> share; default :data:`DEFAULT_INDUSTRY_MIX`.
    start_month : str
        First history month, ``YYYY-MM``.
    visit_rate : float
        Visits per month as a share of all businesses.
    random_share : float
        Share of visits that go to uniformly random eligible businesses.
    target_uptake : float
        Average probability of a loan after a visit (sets the intercept).

    Returns
    -------
    Economy

    Raises
    ------
    DataError
        For bad villages, branches, mix or sizes.
    """
    if not isinstance(n_businesses, (int, np.integer)) or n_businesses < 10:
        raise DataError(f"n_businesses must be an integer >= 10, got {n_businesses!r}",
                         field="n_businesses")
    if not isinstance(n_months, (int, np.integer)) or not 1 <= n_months <= 240:
        raise DataError(f"n_months must be an integer in 1..240, got {n_months!r}",
                         field="n_months")
    if not (0 < visit_rate <= 1 and 0 <= random_share <= 1 and 0 < target_uptake < 1):
        raise DataError("visit_rate, random_share and target_uptake must be shares in (0, 1]",
                         field="visit_rate")
    parse_month(start_month)
    v = _check_villages(villages)
    br = _default_branches(v) if branches is None else branches.copy()
    missing = [c for c in ("branch_id", "name", "lat", "lon") if c not in br.columns]
    if missing or br.empty:
        raise DataError(f"branches table needs rows with branch_id, name, lat, lon "
                         f"(missing {missing})", field=(missing or ["branch_id"])[0])
    mix = dict(DEFAULT_INDUSTRY_MIX if industry_mix is None else industry_mix)
    unknown = [k for k in mix if k not in INDUSTRIES]
    if unknown or not mix or any(not (w >= 0) for w in mix.values()) or sum(mix.values()) <= 0:
        raise DataError(f"industry_mix needs non-negative shares of known codes {INDUSTRIES}; "
                         f"got {mix}", field="industry_mix")
    rng = np.random.default_rng(seed)
    n = int(n_businesses)
    codes = list(mix)
    w = np.array([mix[c] for c in codes], float)
    industry = np.array(codes, dtype=object)[rng.choice(len(codes), n, p=w / w.sum())]

    # --- places: village weights, hidden cluster cores, positions -------------------------
    vlat = v["lat"].to_numpy(float)
    vlon = v["lon"].to_numpy(float)
    vsize = rng.lognormal(0, 0.5, len(v)) * np.where(v.get("place", "") == "town", 3.0, 1.0)
    vdist = haversine_m(vlat[:, None], vlon[:, None], vlat[None, :], vlon[None, :])
    village_idx = np.empty(n, np.int64)
    cores: dict[str, npt.NDArray[np.int64]] = {}
    for code in INDUSTRIES:
        sel = np.flatnonzero(industry == code)
        k_cores, share = _INDUSTRY[code][5], _INDUSTRY[code][6]
        if k_cores:
            cores[code] = rng.choice(len(v), size=min(k_cores, len(v)), replace=False)
        if not len(sel):
            continue
        uniform = vsize / vsize.sum()
        if k_cores:
            near = np.exp(-vdist[cores[code]].min(axis=0) / 1200.0) * np.sqrt(vsize)
            near = near / near.sum()
            in_cluster = rng.random(len(sel)) < share
            village_idx[sel] = np.where(in_cluster, rng.choice(len(v), len(sel), p=near),
                                        rng.choice(len(v), len(sel), p=uniform))
        else:
            village_idx[sel] = rng.choice(len(v), len(sel), p=uniform)
    lat, lon = _jitter(vlat[village_idx], vlon[village_idx], 600.0, rng)
    village = v["name"].astype(str).to_numpy()[village_idx]

    dist_branch_m, branch_idx = nearest_distance_m(lat, lon, br["lat"].to_numpy(float),
                                                   br["lon"].to_numpy(float))
    dist_true_core = np.full(n, np.inf)
    for code, cidx in cores.items():
        sel = industry == code
        if sel.any():
            d = haversine_m(lat[sel, None], lon[sel, None], vlat[cidx][None, :],
                            vlon[cidx][None, :])
            dist_true_core[sel] = d.min(axis=1)
    cf = cluster_features(lat, lon, industry)

    # --- observable business facts ---------------------------------------------------------
    base_staff = np.array([_INDUSTRY[c][0] for c in industry])
    base_pay = np.array([_INDUSTRY[c][1] for c in industry])
    years = np.clip(np.round(rng.gamma(2.2, 4.0, n) + 0.5), 0, 40).astype(int)
    staff = np.maximum(1, np.round(base_staff * rng.lognormal(0, 0.5, n))).astype(int)
    band = _revenue_band(np.log(staff) + 0.05 * years + rng.normal(0, 0.6, n))
    pay = np.round(base_pay * np.exp(0.5 * (band - 3)) * rng.lognormal(0, 0.6, n), -2)
    has_loan = (rng.random(n) < _sigmoid(-1.0 + 0.3 * (band - 3) + 0.04 * years)).astype(int)
    latent = rng.normal(0, _TRUTH["latent_sd"], n)
    contacts = rng.poisson(0.6 + 1.2 * np.exp(-dist_branch_m / 3000.0))
    refusals = rng.binomial(contacts, _sigmoid(-0.6 - 2.0 * latent))

    # --- hidden truth ---------------------------------------------------------------------
    t = _TRUTH
    veff_by_village = rng.normal(0, t["village_sd"], len(v))
    village_effect = veff_by_village[village_idx]
    cluster_effect = t["cluster"] * np.exp(-dist_true_core / 1500.0)  # 0 where no core
    dist_true_core[~np.isfinite(dist_true_core)] = np.nan
    branch_effect = t["branch_per_km"] * dist_branch_m / 1000.0
    ind_eff = np.array([_INDUSTRY[c][3] for c in industry])
    z_no_intercept = (
        ind_eff
        + t["staff"] * np.log1p(staff)
        + t["band"] * (band - 3)
        + t["mobile"] * np.clip(np.log(np.maximum(pay, 100) / 20_000), -3, 3)
        + t["age_bump"] * np.exp(-(((years - 7) / 6.0) ** 2))
        + t["existing_loan"] * has_loan
        + t["contacts"] * np.minimum(contacts, 5)
        + t["refusals"] * np.minimum(refusals, 4)
        + branch_effect
        + cluster_effect
        + village_effect
        + latent
    )
    uplift = np.maximum(0.0, t["uplift_base"] + t["uplift_low_pay"] * (pay < 10_000)
                        + t["uplift_per_km"] * dist_branch_m / 1000.0
                        + rng.normal(0, t["uplift_sd"], n))
    noise = np.exp(rng.normal(0, t["calendar_noise_sd"], SEASONAL_CASH_NEED.shape))
    calendar = SEASONAL_CASH_NEED * noise
    calendar = calendar.div(calendar.mean(axis=1), axis=0)
    season = t["season"] * np.log(calendar.loc[list(industry)].to_numpy(float))  # n x 12
    visited_z = z_no_intercept[:, None] + season + uplift[:, None]
    lo_b, hi_b = -10.0, 10.0
    for _ in range(60):  # bisection for the intercept that gives the target uptake
        mid = 0.5 * (lo_b + hi_b)
        if _sigmoid(visited_z + mid).mean() < target_uptake:
            lo_b = mid
        else:
            hi_b = mid
    intercept = 0.5 * (lo_b + hi_b)
    base_logit = intercept + z_no_intercept

    loan_typical = np.array([_INDUSTRY[c][2] for c in industry]) * 1.3 ** (band - 3) \
        * (staff / base_staff) ** 0.25 * rng.lognormal(0, 0.25, n)
    loan_typical = np.clip(loan_typical, 10_000, 1_000_000)
    risk = np.array([_INDUSTRY[c][4] for c in industry])
    p_default = _sigmoid(-3.3 + risk - 0.25 * (band - 3)
                         - 0.2 * np.clip(np.log(np.maximum(pay, 100) / 20_000), -3, 3)
                         + 0.35 * has_loan - 0.04 * years + rng.normal(0, 0.35, n))

    width = max(4, len(str(n)))
    lead_id = np.array([f"B{i + 1:0{width}d}" for i in range(n)])
    phone = [f"1380000{i % 10_000:04d}" for i in range(1, n + 1)]
    address = [f"{vv}{rng.integers(1, 9)}组{rng.integers(1, 80)}号" for vv in village]
    businesses = pd.DataFrame({
        "lead_id": lead_id,
        "name": _names(list(village), list(industry), rng),
        "industry": industry.astype(str),
        "village": village,
        "lat": np.round(lat, 7),
        "lon": np.round(lon, 7),
        "phone": phone,
        "phone_is_fictitious": True,
        "address": address,
        "years_operating": years,
        "staff": staff,
        "revenue_band": band,
        "mobile_pay_flow_yuan": pay,
        "has_existing_loan": has_loan,
        "past_contacts": contacts,
        "past_refusals": refusals,
        "branch_id": br["branch_id"].astype(str).to_numpy()[branch_idx],
        "dist_branch_m": np.round(dist_branch_m, 1),
        "dist_cluster_core_m": np.round(cf["dist_cluster_core_m"].to_numpy(), 1),
        "cluster_size": cf["cluster_size"].to_numpy().astype(int),
    })
    truth = pd.DataFrame({
        "lead_id": lead_id,
        "industry": industry.astype(str),
        "base_logit": base_logit,
        "intercept": intercept,
        "village_effect": village_effect,
        "cluster_effect": cluster_effect,
        "branch_effect": branch_effect,
        "latent": latent,
        "uplift_logit": uplift,
        "loan_yuan": loan_typical,
        "p_default": p_default,
        "dist_true_core_m": dist_true_core,
    }).set_index("lead_id")
    params = {"season": t["season"], "loan_noise_sd": 0.15, "visit_rate": visit_rate,
              "random_share": random_share, "target_uptake": target_uptake,
              "core_villages": {c: list(v["name"].to_numpy()[i]) for c, i in cores.items()}}
    econ = Economy(businesses, truth, pd.DataFrame(), calendar, v, br.reset_index(drop=True),
                   start_month, int(n_months), int(seed), params)
    history = _simulate_history(econ, rng, visit_rate=visit_rate, random_share=random_share)
    object.__setattr__(econ, "history", history)
    log.info("economy: %d businesses, %d visits, uptake %.3f", n, len(history),
             history["took_loan"].mean() if len(history) else float("nan"))
    return econ


def _simulate_history(econ: Economy, rng: np.random.Generator, *, visit_rate: float,
                      random_share: float) -> pd.DataFrame:
    b = econ.businesses
    n = len(b)
    k = max(1, int(round(visit_rate * n)))
    k_random = int(round(random_share * k))
    heuristic = (-0.45 * b["dist_branch_m"].to_numpy() / 1000.0
                 + 0.5 * b["revenue_band"].to_numpy()
                 + 0.35 * np.log1p(b["staff"].to_numpy())
                 + 0.6 * b["has_existing_loan"].to_numpy()
                 - 0.8 * b["past_refusals"].to_numpy())
    last_visit = np.full(n, -10**6)
    last_loan = np.full(n, -10**6)
    ids = b["lead_id"].to_numpy()
    frames = []
    for t_idx, month in enumerate(econ.months):
        eligible = (t_idx - last_visit > 2) & (t_idx - last_loan >= 12)
        pool = np.flatnonzero(eligible)
        if not len(pool):
            continue
        rand_pick = rng.choice(pool, size=min(k_random, len(pool)), replace=False)
        rest = np.setdiff1d(pool, rand_pick)
        score = heuristic[rest] + rng.gumbel(0, 1.0, len(rest))
        heur_pick = rest[np.argsort(-score)[: max(0, min(k - len(rand_pick), len(rest)))]]
        picks = np.concatenate([heur_pick, rand_pick])
        out = econ.simulate_visit_outcomes(ids[picks], month, rng)
        out.insert(2, "visited_by_policy",
                   ["heuristic"] * len(heur_pick) + ["random"] * len(rand_pick))
        frames.append(out)
        last_visit[picks] = t_idx
        last_loan[picks[out["took_loan"].to_numpy() == 1]] = t_idx
    hist = pd.concat(frames, ignore_index=True)
    return hist.sort_values(["month", "lead_id"], kind="stable").reset_index(drop=True)
