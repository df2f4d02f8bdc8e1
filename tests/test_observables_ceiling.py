"""The bench's observables ceiling integrates the truth's own unobservables out."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import propensity as P
from propensity.economy_truth import TRUTH_COEF, default_probability, typical_loan_yuan
from propensity.qini import top_share_ratio
from propensity.visit_truth import raw_visit_effect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from observables_ceiling import expected_visit_value_yuan  # noqa: E402


@pytest.fixture(scope="module")
def econ(villages: pd.DataFrame) -> P.Economy:
    return P.generate_economy(villages, n_businesses=1200, n_months=12, seed=2,
                              variant="heterogeneous")


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def test_truth_is_its_functions_with_noise_of_the_integrated_spread(econ: P.Economy) -> None:
    # The ceiling redraws these noises from the spreads it is given: the truth's factors
    # must be the same functions with noise of exactly that spread.
    b, t = econ.businesses, econ.truth
    ind = t["industry"].to_numpy(object)
    band, staff = b["revenue_band"].to_numpy(float), b["staff"].to_numpy(float)
    pay, years = b["mobile_pay_flow_yuan"].to_numpy(float), b["years_operating"].to_numpy(float)
    loan = t["loan_yuan"].to_numpy(float)
    unclipped = (loan > 10_000) & (loan < 1_000_000)
    log_noise = np.log(loan / typical_loan_yuan(ind, band, staff, np.ones(len(b))))[unclipped]
    pd_noise = _logit(t["p_default"].to_numpy(float)) - _logit(default_probability(
        ind, band, pay, b["has_existing_loan"].to_numpy(float), years, np.zeros(len(b))))
    cfg = econ.params["visit_effect"]
    u0 = raw_visit_effect(cfg, industry=ind, dist_branch_m=t["branch_effect"].to_numpy(float)
                          / TRUTH_COEF["branch_per_km"] * 1e3, pay_yuan=pay, years=years,
                          band=band, dist_true_core_m=t["dist_true_core_m"].to_numpy(float),
                          noise=np.zeros(len(b)))
    # Far from the clip at 0, the effect's noise is the whole difference.
    far = u0 > 4 * cfg.effect_sd
    u_noise = (t["uplift_logit"].to_numpy(float) / econ.params["uplift_scale"] - u0)[far]
    for noise, sd in ((log_noise, TRUTH_COEF["loan_sd"]), (pd_noise, TRUTH_COEF["default_sd"]),
                      (u_noise, cfg.effect_sd)):
        assert abs(noise.mean()) < 0.1 * sd
        assert noise.std() == pytest.approx(sd, rel=0.1)


def test_expected_value_averages_the_truth_and_ranks_near_the_oracle(econ: P.Economy) -> None:
    month = P.add_months(econ.start_month, econ.n_months)
    true = econ.visit_caused_value_yuan(econ.businesses, month)
    for village_known in (False, True):
        expected = expected_visit_value_yuan(econ, month, village_known=village_known)
        assert np.array_equal(expected, expected_visit_value_yuan(
            econ, month, village_known=village_known))
        # Law of total expectation, up to the sampling of the leads' unobservables.
        assert expected.mean() == pytest.approx(true.mean(), rel=0.1)
        assert 0.75 < top_share_ratio(expected, true, 0.1) <= 1.0


def test_needs_the_heterogeneous_truth(villages: pd.DataFrame) -> None:
    e = P.generate_economy(villages, n_businesses=50, n_months=2, seed=0)
    with pytest.raises(ValueError, match="heterogeneous"):
        expected_visit_value_yuan(e, "2025-03")
