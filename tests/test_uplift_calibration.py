"""Calibration of the visit's value: the uplift's out-of-fold shrinkage, the effect's trend
and the default model's penalty, each learned from the model's own inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propensity.features import INDUSTRIES
from propensity.loan_models import C_GRID, DefaultModel
from propensity.uplift_boost import newton_linear
from propensity.uplift_offset import OffsetUplift


def _economy(n_leads: int, seed: int, *, spread: float, drift: float = 0.0,
             n_months: int = 12) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Business-months of a small synthetic economy with a known visit effect.

    The effect on the log-odds is ``(0.8 + spread * x1) * (1 + drift * age)``, ``age``
    the months before the newest (the effect shrinks month by month); the no-visit
    log-odds are ``-2.3 + 0.5 x2``; a third of the visits are marked randomised (all
    are, given the features).
    """
    rng = np.random.default_rng(seed)
    n = n_leads * n_months
    x1, x2, x3 = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    lead = np.repeat(np.arange(n_leads), n_months).astype(str)
    t = np.tile(np.arange(n_months), n_leads)
    month = t + 12 * 2025 + 1
    visited = (rng.random(n) < 0.3).astype(int)
    randomised = visited * (rng.random(n) < 0.35)
    base = -2.3 + 0.5 * x2
    effect = (0.8 + spread * x1) * (1 + drift * (n_months - 1 - t))
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + visited * effect)))).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3})
    return X, {"y": y, "visited": visited, "randomised": randomised, "month": month,
               "lead": lead, "base": base, "effect": effect,
               "uplift": 1 / (1 + np.exp(-(base + effect))) - 1 / (1 + np.exp(-base))}


def _fit(X: pd.DataFrame, d: dict[str, np.ndarray], **params: object) -> OffsetUplift:
    return OffsetUplift(season=False, n_repeats=1, random_state=0, **params).fit(  # type: ignore[arg-type]
        X, d["y"], visited=d["visited"], month_index=d["month"], groups=d["lead"],
        randomised=d["randomised"])


def test_shrink_pulls_an_over_dispersed_uplift_toward_the_truth_and_keeps_the_order() -> None:
    # A weak true heterogeneity and trees eager to find more: the predicted spread is
    # mostly noise, which the out-of-fold best linear predictor sees.
    X, d = _economy(700, seed=0, spread=0.1)
    eager = dict(min_samples_leaf=20, l2=0.1, learning_rate=0.3, max_leaf_nodes=12,
                 trend=False)
    raw = _fit(X, d, shrink=False, **eager)
    cal = _fit(X, d, shrink=True, **eager)
    assert raw.shrink_ == 1.0 and 0.0 <= cal.shrink_ < 1.0
    assert cal.calibration_["blp_slope_visits"] < 1.0
    _, p0r, ur = raw.predict_parts(X)
    p1c, p0c, uc = cal.predict_parts(X)
    np.testing.assert_allclose(p0c, p0r)  # the baseline is not touched
    np.testing.assert_allclose(uc, p1c - p0c)
    # Nearer the truth and less spread out ...
    assert np.mean((uc - d["uplift"]) ** 2) < np.mean((ur - d["uplift"]) ** 2)
    assert np.std(uc) < np.std(ur)
    # ... and a monotone map: the leads keep their order.
    order = np.argsort(ur, kind="stable")
    assert np.all(np.diff(uc[order]) >= -1e-12)


def test_recency_scale_corrects_the_effect_of_a_recency_group() -> None:
    # A renewal that is due (15 months after a loan, a fifth of the rows): more walk-ins
    # and half the visit's log-odds effect. Trees with leaves too large to split on the
    # group give it the common effect; the out-of-fold scale of its visits corrects it.
    rng = np.random.default_rng(4)
    n_leads, n_months = 800, 12
    n = n_leads * n_months
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    since = np.where(rng.random(n) < 0.2, 15.0, 60.0)
    visited = (rng.random(n) < 0.3).astype(int)
    base = -2.3 + 0.4 * x2 + 0.8 * (since < 24)
    effect = np.where(since < 24, 0.5, 1.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + visited * effect)))).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "months_since_loan": since})
    d = {"y": y, "visited": visited, "randomised": visited,
         "month": np.tile(np.arange(n_months), n_leads) + 12 * 2025 + 1,
         "lead": np.repeat(np.arange(n_leads), n_months).astype(str)}
    truth = 1 / (1 + np.exp(-(base + effect))) - 1 / (1 + np.exp(-base))
    renewal = since < 24
    err = {}
    for scaled in (True, False):
        m = _fit(X, d, recency_scale=scaled, min_samples_leaf=4000, trend=False)
        up = m.predict_parts(X)[2]
        err[scaled] = abs(up[renewal].mean() / truth[renewal].mean() - 1)
        if scaled:
            assert m.recency_scale_[0] < 0.9 < m.recency_scale_[2]
        else:
            np.testing.assert_array_equal(m.recency_scale_, 1.0)
    assert err[True] < err[False]


def test_trend_carries_a_shrinking_effect_to_the_month_ahead() -> None:
    X, d = _economy(500, seed=2, spread=0.0, drift=0.03, n_months=18)
    last = int(d["month"].max())
    ahead = np.full(len(X), last + 1)
    # The truth one month after the newest: the effect 3 % of its newest size smaller.
    truth = 1 / (1 + np.exp(-(d["base"] + 0.8 * (1 - 0.03)))) - 1 / (1 + np.exp(-d["base"]))
    err = {}
    for trend in (True, False):
        m = _fit(X, d, trend=trend)
        err[trend] = abs(m.predict_parts(X, ahead)[2].mean() / truth.mean() - 1)
        if trend:
            assert m.effect_trend_ < 0
    assert err[True] < err[False]


def test_default_model_chooses_its_penalty_out_of_fold_over_borrowers() -> None:
    # Every industry has the same 4 % risk: the industries' observed rates are noise,
    # which a weak fixed penalty takes at face value.
    rng = np.random.default_rng(0)
    n = 3000
    X = pd.DataFrame({"industry": pd.Categorical(rng.choice(list(INDUSTRIES), n),
                                                 categories=list(INDUSTRIES)),
                      "revenue_band": rng.integers(1, 6, n).astype(float)})
    y = (rng.random(n) < 0.04).astype(float)
    borrower = rng.integers(0, 1500, n)
    fixed = DefaultModel(C=0.3).fit(X, y)
    cv = DefaultModel(C="cv").fit(X, y, groups=borrower)
    assert cv.C_ in C_GRID and set(cv.cv_log_loss_) == set(C_GRID)
    p_fixed, p_cv = fixed.predict_proba_default(X), cv.predict_proba_default(X)
    assert np.std(p_cv) < np.std(p_fixed)
    assert abs(p_cv.mean() - y.mean()) < 0.005
    with pytest.raises(ValueError):
        DefaultModel(C="nonsense").fit(X, y)


@settings(max_examples=30, deadline=None)
@given(low=st.floats(-12.0, -2.0), width=st.floats(0.5, 6.0), rate=st.floats(0.05, 0.5),
       seed=st.integers(0, 10_000))
def test_the_effects_logistic_fit_reaches_its_maximum_from_a_baseline_far_below_the_rate(
        low: float, width: float, rate: float, seed: int) -> None:
    # A no-visit baseline far below the visits' uptake (seen on the demo's leads replicated
    # six times): a plain Newton step from 0 overshot to probabilities of 1 and returned a
    # mean effect of ~10^5 log-odds.
    rng = np.random.default_rng(seed)
    n = 400
    offset = rng.uniform(low, low + width, n)
    Z = rng.uniform(1.0, 2.15, n)[:, None]
    y = (rng.random(n) < rate).astype(float)
    y[:2] = [0.0, 1.0]  # both outcomes, so the maximum is finite
    w = 0.5 ** (rng.integers(0, 24, n) / 12)
    beta = newton_linear(Z, y, offset, w, l2=1e-3)
    p = 1 / (1 + np.exp(-(offset + Z @ beta)))
    gradient = Z.T @ (w * (y - p)) - 1e-3 * beta
    assert np.all(np.abs(gradient) < 1e-6 * max(1.0, float(w.sum())))
    assert abs(float(beta[0])) < 50
