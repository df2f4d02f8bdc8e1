"""The synthetic economy's hidden truth, for businesses it drew or businesses it was given.

:func:`propensity.economy.generate_economy` draws a county's businesses and then their
hidden truth; :func:`propensity.economy.economy_for_businesses` takes a county's own
businesses and draws only what they lack. Both go through the functions here, in the
same order of random draws, so there is one truth model and the generated economy keeps
its draws (the same seed gives the same economy as before this module existed).

* :func:`draw_facts` — the observable business facts (years, staff, revenue band, mobile
  pay, existing loan, past contacts and refusals) and the latent interest; a fact given
  for a business replaces the draw.
* :func:`core_distance_m` — distance of each business to its industry's hidden core.
* :func:`hidden_truth` — village effect, cluster effect, uplift, the hidden calendar, the
  intercept, loan size and probability of default.
* :func:`refusal_probability`, :func:`typical_loan_yuan`, :func:`default_probability` —
  the truth's refusals, loan size and default risk for given latent interest or noise
  (the bench integrates the unobservables out with them).
* :func:`assemble_economy` — the :class:`~propensity.economy_model.Economy` with its
  simulated history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.economy_history import simulate_history
from propensity.economy_model import Economy, _sigmoid
from propensity.economy_places import revenue_band
from propensity.features import SEASONAL_CASH_NEED, haversine_m
from propensity.visit_truth import (
    EconomyVariant,
    VisitEffectConfig,
    raw_visit_effect,
    solve_truth_scale,
)

__all__ = ["INDUSTRY_PARAMS", "TRUTH_COEF", "OTHER_INDUSTRY", "FACT_COLUMNS", "draw_facts",
           "refusal_probability", "typical_loan_yuan", "default_probability",
           "core_distance_m", "hidden_truth", "assemble_economy"]

FloatArray = npt.NDArray[np.float64]

#: The code the truth uses for an industry it has no parameters for.
OTHER_INDUSTRY = "other"

#: Per industry: (typical staff, mobile pay yuan/month, typical loan yuan, logit effect,
#: default-risk effect, number of cluster cores, share living in the cluster).
#: ``other`` is a middling business without a cluster, for a county's own industries
#: the economy does not know.
INDUSTRY_PARAMS: Mapping[str, tuple[float, float, float, float, float, int, float]] = {
    "jade_carving": (4, 60_000, 120_000, 0.3, 0.3, 1, 0.85),
    "kids_bicycles": (12, 50_000, 150_000, 0.2, 0.0, 1, 0.80),
    "pumpkin": (2, 8_000, 40_000, 0.0, 0.2, 2, 0.60),
    "jujube": (2, 8_000, 40_000, -0.1, 0.3, 2, 0.60),
    "sheep_farm": (3, 10_000, 80_000, 0.2, 0.2, 2, 0.55),
    "cattle_farm": (3, 12_000, 150_000, 0.3, 0.1, 2, 0.50),
    "fish_feed": (8, 30_000, 120_000, 0.1, 0.0, 1, 0.60),
    "clothing": (15, 40_000, 100_000, 0.1, 0.1, 2, 0.70),
    "small_shop": (1.5, 25_000, 30_000, -0.4, -0.1, 0, 0.0),
    OTHER_INDUSTRY: (3, 20_000, 60_000, 0.0, 0.1, 0, 0.0),
}

#: Coefficients of the hidden truth (logit scale unless said otherwise).
TRUTH_COEF: Mapping[str, float] = {
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
    "loan_sd": 0.25,  # sd of log(typical loan) around its formula
    "default_sd": 0.35,  # sd of the default log-odds around their formula
}

#: Observable facts of a business, in the order they are drawn.
FACT_COLUMNS = ("years_operating", "staff", "revenue_band", "mobile_pay_flow_yuan",
                "has_existing_loan", "past_contacts", "past_refusals")


def _keep(given: Mapping[str, FloatArray], col: str,
          drawn: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The given value where there is one, the draw elsewhere (the draw is always made,
    so a business's other draws do not depend on which of its facts were given)."""
    x = given.get(col)
    if x is None:
        return drawn
    x = np.asarray(x, float)
    return np.where(np.isfinite(x), x, drawn).astype(drawn.dtype)


def draw_facts(industry: npt.NDArray[np.object_], dist_branch_m: FloatArray,
               rng: np.random.Generator,
               given: Mapping[str, FloatArray] | None = None) -> dict[str, npt.NDArray[Any]]:
    """Observable facts and latent interest of each business.

    Parameters
    ----------
    industry : numpy.ndarray of str
        Truth industry codes (keys of :data:`INDUSTRY_PARAMS`).
    dist_branch_m : numpy.ndarray
        Distance to the nearest branch.
    rng : numpy.random.Generator
    given : mapping, optional
        Column of :data:`FACT_COLUMNS` -> values (NaN where unknown); a known value
        replaces the draw, and later draws build on it (a given staff size sets the
        revenue band drawn for a business without one).

    Returns
    -------
    dict
        :data:`FACT_COLUMNS` and ``latent``.
    """
    g = given or {}
    n = len(industry)
    t = TRUTH_COEF
    base_staff = np.array([INDUSTRY_PARAMS[c][0] for c in industry])
    base_pay = np.array([INDUSTRY_PARAMS[c][1] for c in industry])
    years = _keep(g, "years_operating",
                  np.clip(np.round(rng.gamma(2.2, 4.0, n) + 0.5), 0, 40).astype(int))
    staff = _keep(g, "staff",
                  np.maximum(1, np.round(base_staff * rng.lognormal(0, 0.5, n))).astype(int))
    # A given staff of 0 (an owner alone) must not send the band's log to -inf.
    band = _keep(g, "revenue_band", revenue_band(np.log(np.maximum(staff, 1)) + 0.05 * years
                                                 + rng.normal(0, 0.6, n)))
    pay = _keep(g, "mobile_pay_flow_yuan",
                np.round(base_pay * np.exp(0.5 * (band - 3)) * rng.lognormal(0, 0.6, n), -2))
    has_loan = _keep(g, "has_existing_loan", (rng.random(n) < _sigmoid(
        -1.0 + 0.3 * (band - 3) + 0.04 * years)).astype(int))
    latent = rng.normal(0, t["latent_sd"], n)
    contacts = _keep(g, "past_contacts", rng.poisson(0.6 + 1.2 * np.exp(-dist_branch_m / 3000.0)))
    refusals = _keep(g, "past_refusals", rng.binomial(contacts, refusal_probability(latent)))
    return {"years_operating": years, "staff": staff, "revenue_band": band,
            "mobile_pay_flow_yuan": pay, "has_existing_loan": has_loan,
            "past_contacts": contacts, "past_refusals": refusals, "latent": latent}


def refusal_probability(latent: FloatArray) -> FloatArray:
    """Probability that a business of latent interest ``latent`` refuses a contact.

    Refusals are observed and latent interest is not, so this is also the likelihood by
    which the refusals tell about the latent interest.
    """
    return np.asarray(_sigmoid(-0.6 - 2.0 * np.asarray(latent, float)), float)


def typical_loan_yuan(industry: npt.NDArray[np.object_], band: npt.NDArray[Any],
                      staff: npt.NDArray[Any], noise: FloatArray) -> FloatArray:
    """Typical loan of each business (before the season and the realised amount's noise).

    Parameters
    ----------
    industry : numpy.ndarray of str
        Truth industry codes (keys of :data:`INDUSTRY_PARAMS`).
    band, staff : numpy.ndarray
        Revenue band and staff.
    noise : numpy.ndarray
        Log-normal multiplier (``TRUTH_COEF["loan_sd"]`` in the economy).

    Returns
    -------
    numpy.ndarray
        Yuan, clipped to 10,000..1,000,000.
    """
    base_staff = np.array([INDUSTRY_PARAMS[c][0] for c in industry])
    loan = np.array([INDUSTRY_PARAMS[c][2] for c in industry]) * 1.3 ** (band - 3) \
        * (np.maximum(staff, 1) / base_staff) ** 0.25 * noise
    return np.asarray(np.clip(loan, 10_000, 1_000_000), float)


def default_probability(industry: npt.NDArray[np.object_], band: npt.NDArray[Any],
                        pay: npt.NDArray[Any], has_loan: npt.NDArray[Any],
                        years: npt.NDArray[Any], noise: FloatArray) -> FloatArray:
    """Probability that each business's loan defaults.

    Parameters
    ----------
    industry : numpy.ndarray of str
        Truth industry codes (keys of :data:`INDUSTRY_PARAMS`).
    band, pay, has_loan, years : numpy.ndarray
        Revenue band, mobile pay (yuan a month), existing loan (0/1), years operating.
    noise : numpy.ndarray
        Added to the log-odds (normal, sd ``TRUTH_COEF["default_sd"]`` in the economy).
    """
    risk = np.array([INDUSTRY_PARAMS[c][4] for c in industry])
    return np.asarray(_sigmoid(-3.3 + risk - 0.25 * (band - 3)
                               - 0.2 * np.clip(np.log(np.maximum(pay, 100) / 20_000), -3, 3)
                               + 0.35 * has_loan - 0.04 * years + noise), float)


def core_distance_m(lat: FloatArray, lon: FloatArray, industry: npt.NDArray[np.object_],
                    cores: Mapping[str, npt.NDArray[np.int64]], vlat: FloatArray,
                    vlon: FloatArray) -> FloatArray:
    """Distance from each business to the nearest hidden core of its industry (inf: none)."""
    out = np.full(len(lat), np.inf)
    for code, cidx in cores.items():
        sel = industry == code
        if sel.any():
            d = haversine_m(lat[sel, None], lon[sel, None], vlat[cidx][None, :],
                            vlon[cidx][None, :])
            out[sel] = d.min(axis=1)
    return out


def hidden_truth(rng: np.random.Generator, *, industry: npt.NDArray[np.object_],
                 village_idx: npt.NDArray[np.int64], n_villages: int,
                 dist_branch_m: FloatArray, dist_true_core: FloatArray,
                 facts: Mapping[str, npt.NDArray[Any]], variant: EconomyVariant,
                 cfg: VisitEffectConfig,
                 target_uptake: float) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The hidden truth of each business (see :mod:`propensity.economy` for the story).

    Parameters
    ----------
    rng : numpy.random.Generator
    industry : numpy.ndarray of str
        Truth industry codes (keys of :data:`INDUSTRY_PARAMS`).
    village_idx : numpy.ndarray
        Each business's village (row of the economy's villages).
    n_villages : int
        Number of villages (one hidden effect each).
    dist_branch_m, dist_true_core : numpy.ndarray
        Distances to the nearest branch and to the industry's hidden core (inf: none).
    facts : mapping
        :func:`draw_facts` output.
    variant : EconomyVariant
    cfg : VisitEffectConfig
    target_uptake : float

    Returns
    -------
    truth : pandas.DataFrame
        ``industry, base_logit, intercept, village_effect, cluster_effect, branch_effect,
        latent, uplift_logit, loan_yuan, p_default, dist_true_core_m`` in business order.
    calendar : pandas.DataFrame
        Hidden industry x month-of-year cash need (a flat ``other`` row when needed).
    scale : float
        Scale of the visit effect (1 for ``additive``).
    """
    t = TRUTH_COEF
    n = len(industry)
    years, staff, band = facts["years_operating"], facts["staff"], facts["revenue_band"]
    pay, has_loan, latent = facts["mobile_pay_flow_yuan"], facts["has_existing_loan"], \
        facts["latent"]
    veff_by_village = rng.normal(0, t["village_sd"], n_villages)
    village_effect = veff_by_village[village_idx]
    dist_true_core = np.asarray(dist_true_core, float).copy()
    cluster_effect = t["cluster"] * np.exp(-dist_true_core / 1500.0)  # 0 where no core
    dist_true_core[~np.isfinite(dist_true_core)] = np.nan
    branch_effect = t["branch_per_km"] * dist_branch_m / 1000.0
    ind_eff = np.array([INDUSTRY_PARAMS[c][3] for c in industry])
    z_no_intercept = (
        ind_eff
        + t["staff"] * np.log1p(staff)
        + t["band"] * (band - 3)
        + t["mobile"] * np.clip(np.log(np.maximum(pay, 100) / 20_000), -3, 3)
        + t["age_bump"] * np.exp(-(((years - 7) / 6.0) ** 2))
        + t["existing_loan"] * has_loan
        + t["contacts"] * np.minimum(facts["past_contacts"], 5)
        + t["refusals"] * np.minimum(facts["past_refusals"], 4)
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
    if OTHER_INDUSTRY in set(industry):
        # Nothing is known of an unknown industry's season: its cash need is flat.
        flat = pd.DataFrame([np.ones(calendar.shape[1])], index=[OTHER_INDUSTRY],
                            columns=calendar.columns)
        calendar = pd.concat([calendar, flat])
        calendar.index.name = SEASONAL_CASH_NEED.index.name
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

    # The noises are drawn here, in this order, so the economy keeps its draws.
    loan_typical = typical_loan_yuan(industry, band, staff,
                                     rng.lognormal(0, t["loan_sd"], n))
    p_default = default_probability(industry, band, pay, has_loan, years,
                                    rng.normal(0, t["default_sd"], n))
    truth = pd.DataFrame({
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
    })
    return truth, calendar, float(scale)


def assemble_economy(businesses: pd.DataFrame, truth: pd.DataFrame, calendar: pd.DataFrame,
                     rng: np.random.Generator, *, villages: pd.DataFrame,
                     branches: pd.DataFrame, start_month: str, n_months: int, seed: int,
                     params: Mapping[str, Any], variant: EconomyVariant,
                     cfg: VisitEffectConfig) -> Economy:
    """The economy of ``businesses`` and their ``truth`` (same order), with its history.

    ``params`` are the economy's own (rates, target, cores, scale); the truth's season
    and loan-noise coefficients and the variant's settings are added here.
    """
    truth = truth.set_axis(pd.Index(businesses["lead_id"].astype(str), name="lead_id"))
    full = {"season": TRUTH_COEF["season"], "loan_noise_sd": 0.15, **params,
            "variant": variant}
    if variant is EconomyVariant.HETEROGENEOUS:
        full.update({"visit_effect": cfg, "own_share": cfg.own_share, "lgd": cfg.lgd})
    econ = Economy(businesses, truth, pd.DataFrame(), calendar, villages,
                   branches.reset_index(drop=True), start_month, int(n_months), int(seed), full)
    history, loans = simulate_history(econ, rng, visit_rate=float(params["visit_rate"]),
                                      random_share=float(params["random_share"]))
    object.__setattr__(econ, "history", history)
    object.__setattr__(econ, "loans", loans)
    return econ
