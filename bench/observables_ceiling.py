"""The observables ceiling of issue 18: the truth's expected visit value given what is seen.

The Qini oracle ranks leads by the truth's own visit-caused value, which moves with
per-business unobservables no model can see: the latent interest, the village effect, the
visit effect's noise, the typical loan's noise and the default risk's noise. Ranking by
the truth's *expected* value over those unobservables, with everything else taken from
the truth (features, hidden calendar and cores, recency from every lender, drift, scale,
intercept, branch distances), is the best any model of the observed features can do; its
Qini against the oracle is the ceiling of such models (bench diagnostics only).

:func:`expected_visit_value_yuan` integrates by Monte Carlo in the probability space: each
draw replaces the unobservables in a copy of the truth and goes through the economy's own
:meth:`~propensity.Economy.visit_caused_value_yuan`, and the values are averaged.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from propensity.economy_model import Economy
from propensity.economy_truth import (
    TRUTH_COEF,
    default_probability,
    refusal_probability,
    typical_loan_yuan,
)
from propensity.visit_truth import EconomyVariant, VisitEffectConfig, raw_visit_effect

__all__ = ["expected_visit_value_yuan"]

FloatArray = npt.NDArray[np.float64]

#: The unobservables integrated out, one column of standard normal draws each.
_SOURCES = ("latent", "village", "effect", "loan", "default")


def _latin_normals(n_draws: int, n_dims: int, seed: int) -> FloatArray:
    """Latin-hypercube standard normals, ``(n_draws, n_dims)``.

    One stratum of each margin per draw: with few draws the averages are much less noisy
    than plain draws, and the draws are shared by every lead, so the ranking of leads by
    their expected value carries no lead-by-lead Monte Carlo noise.
    """
    rng = np.random.default_rng(seed)
    u = (np.stack([rng.permutation(n_draws) for _ in range(n_dims)], axis=1)
         + rng.random((n_draws, n_dims))) / n_draws
    return np.asarray(ndtri(u), float)


def expected_visit_value_yuan(econ: Economy, month: str, *, village_known: bool = False,
                              bank_recency: bool = False, n_draws: int = 64,
                              seed: int = 0) -> FloatArray:
    """Expected visit-caused value of each lead given what a model could observe.

    Parameters
    ----------
    econ : Economy
        A ``heterogeneous`` economy.
    month : str
        Scored month, ``YYYY-MM``.
    village_known : bool
        Keep the truth's village effect (a model could partly learn the villages from
        their borrowers) instead of integrating it out.
    bank_recency : bool
        Loan recency from the bank's own loans only (its loan book), as a model of the
        bank's data sees it, instead of every lender's: a loan elsewhere is not known.
        The bank's view is plugged in, not integrated over, so this is an approximate
        ceiling (a model that inferred loans elsewhere from the features could do better).
    n_draws : int
        Monte Carlo draws (Latin hypercube over the unobservables, shared by the leads).
    seed : int
        Seed of the draws.

    Returns
    -------
    numpy.ndarray
        Yuan, in the order of ``econ.businesses``: the mean over the draws of the truth's
        :meth:`~propensity.Economy.visit_caused_value_yuan` with the draws in place of the
        unobservables. The latent interest is drawn from its prior and weighted by the
        likelihood of each lead's observed refusals (refusals depend on it), so it is its
        posterior given the facts.

    Raises
    ------
    ValueError
        For an economy of another variant (its truth has another visit effect).
    """
    cfg = econ.params.get("visit_effect")
    if econ.variant is not EconomyVariant.HETEROGENEOUS or not isinstance(cfg,
                                                                           VisitEffectConfig):
        raise ValueError("the observables ceiling needs a heterogeneous economy")
    if n_draws < 2:
        raise ValueError("n_draws must be at least 2")
    b = econ.businesses
    truth = econ.truth.reindex(b["lead_id"].astype(str))
    n = len(b)
    industry = truth["industry"].to_numpy(object)
    band = b["revenue_band"].to_numpy(float)
    staff = b["staff"].to_numpy(float)
    pay = b["mobile_pay_flow_yuan"].to_numpy(float)
    years = b["years_operating"].to_numpy(float)
    has_loan = b["has_existing_loan"].to_numpy(float)
    contacts = b["past_contacts"].to_numpy(float)
    refusals = b["past_refusals"].to_numpy(float)
    # The truth's own branch distance: the table's is rounded to 0.1 m, which could move
    # a lead across one of the effect's distance thresholds.
    dist_branch_m = truth["branch_effect"].to_numpy(float) / TRUTH_COEF["branch_per_km"] * 1e3
    dist_core_m = truth["dist_true_core_m"].to_numpy(float)
    scale = float(econ.params["uplift_scale"])
    # the truth's recency (every lender's loans), or only what the bank's loan book shows
    since = econ.months_since_loan(b, month, bank_only=bank_recency)

    z = _latin_normals(int(n_draws), len(_SOURCES), seed)
    latent = TRUTH_COEF["latent_sd"] * z[:, 0]
    # Posterior weight of each latent draw for each lead: the binomial likelihood of its
    # refusals among its contacts (the binomial coefficient cancels in the normalisation).
    q = refusal_probability(latent)
    log_w = refusals[:, None] * np.log(q)[None, :] \
        + (contacts - refusals)[:, None] * np.log1p(-q)[None, :]
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)

    known_logit = truth["base_logit"].to_numpy(float) - truth["latent"].to_numpy(float)
    if not village_known:
        known_logit = known_logit - truth["village_effect"].to_numpy(float)
    out = np.zeros(n)
    for k in range(len(z)):
        drawn = truth.copy()
        village = 0.0 if village_known else TRUTH_COEF["village_sd"] * z[k, 1]
        drawn["base_logit"] = known_logit + latent[k] + village
        drawn["uplift_logit"] = scale * raw_visit_effect(
            cfg, industry=industry, dist_branch_m=dist_branch_m, pay_yuan=pay, years=years,
            band=band, dist_true_core_m=dist_core_m, noise=np.full(n, cfg.effect_sd * z[k, 2]))
        drawn["loan_yuan"] = typical_loan_yuan(
            industry, band, staff, np.full(n, np.exp(TRUTH_COEF["loan_sd"] * z[k, 3])))
        drawn["p_default"] = default_probability(
            industry, band, pay, has_loan, years, np.full(n, TRUTH_COEF["default_sd"] * z[k, 4]))
        value = dataclasses.replace(econ, truth=drawn).visit_caused_value_yuan(
            b, month, months_since_loan=since)
        out += w[:, k] * value
    return out
