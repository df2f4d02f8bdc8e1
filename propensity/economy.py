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
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.economy_history import simulate_history
from propensity.economy_model import Economy, _sigmoid, add_months, month_range
from propensity.economy_places import (
    business_names,
    check_villages,
    default_branches,
    jitter,
    revenue_band,
)
from propensity.errors import DataError
from propensity.features import (
    INDUSTRIES,
    SEASONAL_CASH_NEED,
    cluster_features,
    haversine_m,
    nearest_distance_m,
    parse_month,
)
from propensity.visit_truth import (
    EconomyVariant,
    VisitEffectConfig,
    parse_variant,
    raw_visit_effect,
    solve_truth_scale,
)

__all__ = ["Economy", "generate_economy", "DEFAULT_INDUSTRY_MIX", "month_range", "add_months",
           "EconomyVariant", "VisitEffectConfig"]

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
    variant: EconomyVariant | str = EconomyVariant.ADDITIVE,
    visit_effect: VisitEffectConfig | None = None,
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
    variant : EconomyVariant or str
        ``additive`` (the original economy, unchanged draws) or ``heterogeneous``
        (:mod:`propensity.visit_truth`: heterogeneous, non-additive visit effect, loan
        recency, drift, borrowing without a visit).
    visit_effect : VisitEffectConfig, optional
        The ``heterogeneous`` variant's configuration (default :class:`VisitEffectConfig`).

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
    variant = parse_variant(variant)
    cfg = visit_effect or VisitEffectConfig()
    v = check_villages(villages)
    br = default_branches(v) if branches is None else branches.copy()
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
    lat, lon = jitter(vlat[village_idx], vlon[village_idx], 600.0, rng)
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
    band = revenue_band(np.log(staff) + 0.05 * years + rng.normal(0, 0.6, n))
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
    if variant is EconomyVariant.HETEROGENEOUS:
        cal_n = calendar.loc[list(industry)].to_numpy(float)
        z_no_intercept = (z_no_intercept + cfg.young_small_logit * ((years < 3) & (staff <= 1))
                          + cfg.regulars_logit * ((dist_branch_m < cfg.near_branch_km * 1000)
                                                  & (pay > cfg.high_pay_yuan)))
        u_raw = raw_visit_effect(cfg, industry=industry, dist_branch_m=dist_branch_m,
                                 pay_yuan=pay, years=years.astype(float),
                                 band=band.astype(float), dist_true_core_m=dist_true_core,
                                 noise=rng.normal(0, cfg.effect_sd, n))
        season_z = season + cfg.core_season_logit * cluster_effect[:, None] * (cal_n - 1.0)
        scale, intercept = solve_truth_scale(z_no_intercept, season_z, cal_n, u_raw, cfg,
                                             target_uptake)
        uplift = scale * u_raw
    else:
        visited_z = z_no_intercept[:, None] + season + uplift[:, None]
        lo_b, hi_b = -10.0, 10.0
        for _ in range(60):  # bisection for the intercept that gives the target uptake
            mid = 0.5 * (lo_b + hi_b)
            if _sigmoid(visited_z + mid).mean() < target_uptake:
                lo_b = mid
            else:
                hi_b = mid
        intercept = 0.5 * (lo_b + hi_b)
        scale = 1.0
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
        "name": business_names(list(village), list(industry), rng),
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
              "core_villages": {c: list(v["name"].to_numpy()[i]) for c, i in cores.items()},
              "variant": variant, "uplift_scale": scale}
    if variant is EconomyVariant.HETEROGENEOUS:
        params.update({"visit_effect": cfg, "own_share": cfg.own_share, "lgd": cfg.lgd})
    econ = Economy(businesses, truth, pd.DataFrame(), calendar, v, br.reset_index(drop=True),
                   start_month, int(n_months), int(seed), params)
    history, loans = simulate_history(econ, rng, visit_rate=visit_rate,
                                      random_share=random_share)
    object.__setattr__(econ, "history", history)
    object.__setattr__(econ, "loans", loans)
    log.info("economy: %d businesses, %d visits, uptake %.3f", n, len(history),
             history["took_loan"].mean() if len(history) else float("nan"))
    return econ
