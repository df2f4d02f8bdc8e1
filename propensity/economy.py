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

:func:`economy_for_businesses` tells the same story for a county's own businesses: their
positions, industries and features are kept, only what they lack is drawn, and the
hidden truth and history come from the same code (:mod:`propensity.economy_truth`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.economy_model import Economy, add_months, month_range
from propensity.economy_places import (
    business_names,
    check_villages,
    default_branches,
    jitter,
)
from propensity.economy_truth import (
    FACT_COLUMNS,
    INDUSTRY_PARAMS,
    OTHER_INDUSTRY,
    TRUTH_COEF,
    assemble_economy,
    core_distance_m,
    draw_facts,
    hidden_truth,
)
from propensity.errors import DataError
from propensity.features import (
    INDUSTRIES,
    cluster_features,
    haversine_m,
    nearest_distance_m,
    parse_month,
)
from propensity.visit_truth import (
    EconomyVariant,
    VisitEffectConfig,
    parse_variant,
)

__all__ = ["Economy", "generate_economy", "economy_for_businesses", "DEFAULT_INDUSTRY_MIX",
           "month_range", "add_months", "EconomyVariant", "VisitEffectConfig"]

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

# The economy's parameters live with its truth code (one model for drawn and given
# businesses); the old private names stay for code that reads them.
_INDUSTRY = INDUSTRY_PARAMS
_TRUTH = TRUTH_COEF


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
    variant, cfg, v, br = _checked_setup(villages, branches, n_months=n_months,
                                         start_month=start_month, visit_rate=visit_rate,
                                         random_share=random_share,
                                         target_uptake=target_uptake, variant=variant,
                                         visit_effect=visit_effect, seed=seed)
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
    dist_true_core = core_distance_m(lat, lon, industry, cores, vlat, vlon)
    cf = cluster_features(lat, lon, industry)

    # --- observable business facts, then the hidden truth ------------------------------------
    facts = draw_facts(industry, dist_branch_m, rng)
    truth, calendar, scale = hidden_truth(
        rng, industry=industry, village_idx=village_idx, n_villages=len(v),
        dist_branch_m=dist_branch_m, dist_true_core=dist_true_core, facts=facts,
        variant=variant, cfg=cfg, target_uptake=target_uptake)

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
        **{c: facts[c] for c in FACT_COLUMNS},
        "branch_id": br["branch_id"].astype(str).to_numpy()[branch_idx],
        "dist_branch_m": np.round(dist_branch_m, 1),
        "dist_cluster_core_m": np.round(cf["dist_cluster_core_m"].to_numpy(), 1),
        "cluster_size": cf["cluster_size"].to_numpy().astype(int),
    })
    params = {"visit_rate": visit_rate, "random_share": random_share,
              "target_uptake": target_uptake,
              "core_villages": {c: list(v["name"].to_numpy()[i]) for c, i in cores.items()},
              "uplift_scale": scale}
    econ = assemble_economy(businesses, truth, calendar, rng, villages=v, branches=br,
                            start_month=start_month, n_months=n_months, seed=seed,
                            params=params, variant=variant, cfg=cfg)
    history = econ.history
    log.info("economy: %d businesses, %d visits, uptake %.3f", n, len(history),
             history["took_loan"].mean() if len(history) else float("nan"))
    return econ


def _checked_setup(villages: pd.DataFrame, branches: pd.DataFrame | None, *, n_months: int,
                   start_month: str, visit_rate: float, random_share: float,
                   target_uptake: float, variant: EconomyVariant | str,
                   visit_effect: VisitEffectConfig | None, seed: int = 0
                   ) -> tuple[EconomyVariant, VisitEffectConfig, pd.DataFrame, pd.DataFrame]:
    """The checks every economy needs: sizes, rates, month, variant, villages, branches,
    seed."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:  # numpy's seeds are >= 0
        raise DataError(f"seed must be an integer >= 0, got {seed!r}", field="seed")
    if not isinstance(n_months, (int, np.integer)) or not 1 <= n_months <= 240:
        raise DataError(f"n_months must be an integer in 1..240, got {n_months!r}",
                         field="n_months")
    if not (0 < visit_rate <= 1 and 0 <= random_share <= 1 and 0 < target_uptake < 1):
        raise DataError("visit_rate, random_share and target_uptake must be shares in (0, 1]",
                         field="visit_rate")
    parse_month(start_month)
    v = check_villages(villages)
    br = default_branches(v) if branches is None else branches.copy()
    missing = [c for c in ("branch_id", "name", "lat", "lon") if c not in br.columns]
    if missing or br.empty:
        raise DataError(f"branches table needs rows with branch_id, name, lat, lon "
                         f"(missing {missing})", field=(missing or ["branch_id"])[0])
    return parse_variant(variant), visit_effect or VisitEffectConfig(), v, br


def _text(b: pd.DataFrame, col: str, default: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Column ``col`` as text, ``default`` where it is missing or empty."""
    fallback = np.broadcast_to(np.asarray(default, dtype=object), (len(b),))
    if col not in b.columns:
        return np.array(fallback, dtype=object)
    raw = b[col].to_numpy(dtype=object)
    empty = pd.isna(b[col]).to_numpy() | (b[col].astype(str).str.strip() == "").to_numpy()
    return np.where(empty, fallback, raw.astype(str)).astype(object)


def economy_for_businesses(
    businesses: pd.DataFrame,
    villages: pd.DataFrame,
    branches: pd.DataFrame | None = None,
    *,
    n_months: int = 24,
    seed: int = 0,
    start_month: str = "2025-01",
    visit_rate: float = 0.10,
    random_share: float = 0.15,
    target_uptake: float = 0.20,
    variant: EconomyVariant | str = EconomyVariant.ADDITIVE,
    visit_effect: VisitEffectConfig | None = None,
) -> Economy:
    """The economy of a county's own businesses: their hidden truth and a visit history.

    The businesses keep their ids, positions, industries and every model feature they
    carry; a missing feature is drawn as :func:`generate_economy` draws it (a given
    staff size or age feeds the draw of a missing revenue band, and so on). The hidden
    truth (uptake with and without a visit, loan size, default, the visit effect) is
    the generator's own model (:mod:`propensity.economy_truth`), with its intercept
    solved for these businesses. Each industry's hidden cluster cores are drawn among
    the villages where its businesses are, weighted by how many are there. An
    industry the economy has no parameters for is treated as ``other`` by the truth (a
    middling business without a cluster or a season); the observable table keeps the
    code as written.

    Parameters
    ----------
    businesses : pandas.DataFrame
        ``lead_id, industry, lat, lon`` (WGS-84), optionally ``name, village, phone,
        address`` and the model features ``years_operating, staff, revenue_band,
        mobile_pay_flow_yuan, has_existing_loan, past_contacts, past_refusals`` (numbers
        or text; blank or unreadable values count as missing). Extra columns are dropped.
    villages : pandas.DataFrame
        ``name, lat, lon``; a business without a known village gets the nearest one.
    branches : pandas.DataFrame, optional
        ``branch_id, name, lat, lon``; default one branch at the first town.
    n_months, seed, start_month, visit_rate, random_share, target_uptake, variant, \
visit_effect
        As for :func:`generate_economy`.

    Returns
    -------
    Economy
        Businesses in the given order; ``branch_id``, ``dist_branch_m`` and the cluster
        features are derived from the positions, as the pipeline derives them.

    Raises
    ------
    DataError
        For a missing column, a repeated id, a bad position, or bad villages, branches,
        sizes or rates.
    """
    variant, cfg, v, br = _checked_setup(villages, branches, n_months=n_months,
                                         start_month=start_month, visit_rate=visit_rate,
                                         random_share=random_share,
                                         target_uptake=target_uptake, variant=variant,
                                         visit_effect=visit_effect, seed=seed)
    if not isinstance(businesses, pd.DataFrame) or businesses.empty:
        raise DataError("businesses must be a non-empty DataFrame", field="businesses")
    missing = [c for c in ("lead_id", "industry", "lat", "lon") if c not in businesses.columns]
    if missing:
        raise DataError(f"businesses table lacks column(s) {missing}", field=missing[0])
    b = businesses.reset_index(drop=True)
    ids = b["lead_id"].astype(str).to_numpy(object)
    if len(set(ids)) != len(ids):
        raise DataError("lead ids repeat", field="lead_id")
    lat = pd.to_numeric(b["lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(b["lon"], errors="coerce").to_numpy(float)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise DataError("every business needs a numeric lat and lon",
                         row=int(np.flatnonzero(~np.isfinite(lat + lon))[0]) + 1, field="lat")
    rng = np.random.default_rng(seed)
    observed = b["industry"].astype(str).to_numpy(object)
    industry = np.where(np.isin(observed, INDUSTRIES), observed, OTHER_INDUSTRY).astype(object)
    if (industry == OTHER_INDUSTRY).any():
        log.info("economy: %d businesses of industries it does not know, treated as %r",
                 int((industry == OTHER_INDUSTRY).sum()), OTHER_INDUSTRY)

    vlat = v["lat"].to_numpy(float)
    vlon = v["lon"].to_numpy(float)
    vnames = v["name"].astype(str).to_numpy(object)
    # A business's village is the one it names; otherwise (no name, or a place the
    # villages table does not hold) the nearest village point.
    _, nearest = nearest_distance_m(lat, lon, vlat, vlon)
    given_village = _text(b, "village", "")
    row_of = {name: i for i, name in reversed(list(enumerate(vnames)))}
    village_idx = np.array([row_of.get(str(g), int(k)) for g, k in
                            zip(given_village, nearest, strict=True)], np.int64)
    village = np.where(given_village == "", vnames[village_idx], given_village).astype(object)

    cores: dict[str, npt.NDArray[np.int64]] = {}
    for code in INDUSTRIES:
        k_cores = INDUSTRY_PARAMS[code][5]
        if k_cores:
            # Cores sit where the industry's businesses are (a little weight elsewhere, so
            # an industry with few businesses still gets its cores).
            w = np.bincount(village_idx[industry == code], minlength=len(v)) + 0.05
            cores[code] = rng.choice(len(v), size=min(k_cores, len(v)), replace=False,
                                     p=w / w.sum())
    dist_branch_m, branch_idx = nearest_distance_m(lat, lon, br["lat"].to_numpy(float),
                                                   br["lon"].to_numpy(float))
    dist_true_core = core_distance_m(lat, lon, industry, cores, vlat, vlon)
    cf = cluster_features(lat, lon, observed)
    given = {c: pd.to_numeric(b[c], errors="coerce").to_numpy(float)
             for c in FACT_COLUMNS if c in b.columns}
    facts = draw_facts(industry, dist_branch_m, rng, given)
    truth, calendar, scale = hidden_truth(
        rng, industry=industry, village_idx=village_idx, n_villages=len(v),
        dist_branch_m=dist_branch_m, dist_true_core=dist_true_core, facts=facts,
        variant=variant, cfg=cfg, target_uptake=target_uptake)
    table = pd.DataFrame({
        "lead_id": ids.astype(str),
        "name": _text(b, "name", ids),
        "industry": observed.astype(str),
        "village": village,
        "lat": lat,
        "lon": lon,
        "phone": _text(b, "phone", ""),
        # A county's own phone numbers are the officers' to call.
        "phone_is_fictitious": False,
        "address": _text(b, "address", ""),
        **{c: facts[c] for c in FACT_COLUMNS},
        "branch_id": br["branch_id"].astype(str).to_numpy()[branch_idx],
        "dist_branch_m": np.round(dist_branch_m, 1),
        "dist_cluster_core_m": np.round(cf["dist_cluster_core_m"].to_numpy(), 1),
        "cluster_size": cf["cluster_size"].to_numpy().astype(int),
    })
    params = {"visit_rate": visit_rate, "random_share": random_share,
              "target_uptake": target_uptake,
              "core_villages": {c: list(vnames[i]) for c, i in cores.items()},
              "uplift_scale": scale, "given_businesses": True}
    econ = assemble_economy(table, truth, calendar, rng, villages=v, branches=br,
                            start_month=start_month, n_months=n_months, seed=seed,
                            params=params, variant=variant, cfg=cfg)
    log.info("economy for %d given businesses: %d visits", len(table), len(econ.history))
    return econ
