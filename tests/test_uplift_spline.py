"""The offset learner's spline baseline: a ridge logistic model of splines and one-hots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from propensity.errors import DataError
from propensity.uplift_offset import OffsetUplift
from propensity.uplift_spline import SplineBaseline, SplineLogit


def _walk_ins(n_leads: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                                np.ndarray]:
    """Months of leads whose walk-in log-odds are smooth in what the bank records (a
    log payment flow, an age bump, revenue band, industry), a few per cent borrowing."""
    rng = np.random.default_rng(seed)
    n = n_leads * 6
    rep = lambda a: np.repeat(a, 6)  # noqa: E731
    pay = rep(np.exp(rng.normal(np.log(20_000), 1.0, n_leads)))
    years = rep(rng.uniform(0, 30, n_leads))
    band = rep(rng.integers(1, 6, n_leads)).astype(float)
    industry = rep(rng.choice(["a", "b", "c"], n_leads))
    dist = rep(rng.gamma(2.0, 1500.0, n_leads))
    dist[rng.random(n) < 0.05] = np.nan  # unknown: a flag of its own
    z = (-3.3 + 0.35 * np.clip(np.log(pay / 20_000), -3, 3)
         + 0.5 * np.exp(-(((years - 7) / 6.0) ** 2)) + 0.22 * (band - 3)
         + np.select([industry == "a", industry == "b"], [0.4, -0.3], 0.0)
         - 0.3 * np.nan_to_num(dist, nan=3000.0) / 1000)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = pd.DataFrame({"industry": pd.Categorical(industry, categories=["a", "b", "c"]),
                      "years_operating": years, "revenue_band": band,
                      "mobile_pay_flow_yuan": pay, "dist_branch_m": dist})
    return X, y, z, rep(np.arange(n_leads)).astype(str)


def test_spline_logit_learns_smooth_shapes_better_than_boosted_trees() -> None:
    # A few hundred walk-ins: the additive model's shapes are closer to the truth's
    # log-odds than the trees' steps (the reason for the offset learner's spline baseline).
    X, y, _, lead = _walk_ins(2500, seed=0)
    Xt, _, zt, _ = _walk_ins(2000, seed=1)
    m = SplineLogit(random_state=0).fit(X, y, groups=lead)
    assert m.C_ in m.Cs
    gbm = HistGradientBoostingClassifier(max_leaf_nodes=15, min_samples_leaf=40,
                                         learning_rate=0.05, random_state=0).fit(X, y)
    r_spline = np.corrcoef(m.logit(Xt), zt)[0, 1]
    r_gbm = np.corrcoef(gbm.decision_function(Xt), zt)[0, 1]
    assert r_spline > 0.9 and r_spline > r_gbm
    # Calibrated in the mean, unseen values (beyond the range, missing) included.
    p = 1 / (1 + np.exp(-m.logit(Xt)))
    assert abs(p.mean() / (1 / (1 + np.exp(-zt))).mean() - 1) < 0.15
    with pytest.raises(ValueError):
        SplineLogit(n_knots=1).fit(X, y)


@pytest.mark.parametrize("baseline", ["spline", "blend", "stack"])
def test_offset_uplift_takes_a_spline_baseline(baseline: str) -> None:
    rng = np.random.default_rng(3)
    X, _, z, lead = _walk_ins(2500, seed=2)
    visited = (rng.random(len(X)) < 0.3).astype(int)
    effect = 0.8
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-(z + visited * effect)))).astype(int)
    month = np.tile(np.arange(6), 2500) + 12 * 2025 + 1
    m = OffsetUplift(baseline=baseline, season=False, n_repeats=1, random_state=0).fit(
        X, y, visited=visited, month_index=month, groups=lead, randomised=visited)
    assert all(isinstance(h.base, SplineBaseline) for h in m.halves_)
    p1, p0, up = m.predict_parts(X)
    np.testing.assert_allclose(up, p1 - p0)
    assert np.corrcoef(np.log(p0 / (1 - p0)), z)[0, 1] > 0.85
    truth = 1 / (1 + np.exp(-(z + effect))) - 1 / (1 + np.exp(-z))
    assert abs(up.mean() / truth.mean() - 1) < 0.3


def test_offset_uplift_rejects_an_unknown_baseline() -> None:
    X, y, _, lead = _walk_ins(200, seed=4)
    visited = np.arange(len(X)) % 3 == 0
    with pytest.raises(DataError):
        OffsetUplift(baseline="forest").fit(X, y, visited=visited.astype(int),
                                            month_index=np.full(len(X), 24301), groups=lead)
