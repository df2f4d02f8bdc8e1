"""The visit's effect as a seasonal log-odds offset on a no-visit baseline (two stages).

:class:`OffsetUplift` is the effect estimator of the default ``offset`` learner of
:class:`propensity.uplift.VisitValueModel`:

``P(loan | no visit, x, t) = sigmoid(b(x) + d t)``
``P(loan | visit, x, t)    = sigmoid(b(x) + d t + k_s c(x)^g (1 + r t) (a + f(x)))``

(``t`` months from the newest training month, ``s`` the lead's loan-recency group.)

1. **Baseline** ``b``: a gradient-boosted classifier of the business-months nobody
   visited (outcome: a walk-in loan from us), recency-weighted, then recalibrated on
   the same months by one ridge-penalised Newton fit of an offset per month of loan
   recency and a slope along the season's log cash need. Early-stopped boosting leaves
   thin recency groups under-fitted (a renewal that is due is a few per cent of the
   months): in the heterogeneous economy the renewal window's walk-in rate came out a
   fifth too low, and an offset error becomes an effect error of the same size in the
   second stage, exactly where the loan rule and renewals make the effect differ.
2. **Season** ``c(x)^g``: the effect scales with the season's cash need ``c`` (the public
   cash-need index of the lead's industry that month). The officers' heuristic is
   blind to the season, so every season is visited and the elasticity ``g`` is
   identified: a grid over ``g`` with Newton for the scale, on the visits with ``b`` as
   the offset.
3. **Heterogeneity** ``a + f``: the mean effect (Newton) and shallow regression trees
   boosted on the logistic loss of the visits with ``b + c^g a`` as the offset and
   ``c^g`` as the multiplier (:func:`~propensity.uplift_boost.newton_boost`), on the
   non-seasonal features. Steps 2 and 3 run twice: fitted to a mean effect, ``g`` also
   absorbs that industries whose seasons swing more have larger effects (on the
   heterogeneous economy it came out 2-3 where the truth is 1.2, and ranked small shops
   first every January); refitted against the first pass's per-lead effect it is the
   season's alone.
4. **Trends** ``d`` and ``r``: the walk-ins' log-odds drift ``d`` per month (a column of
   the baseline's recalibration) and the effect's relative drift ``r`` (Newton in ``a``
   and ``a r`` next to the elasticity) as mobile banking spreads. Trees cannot
   extrapolate a drift; a score is for a month ahead, so both are carried at most
   :data:`TREND_HORIZON_MONTHS` past the newest month (``predict_parts(month_index=)``).
   On the development economies (seeds 10-17) the trends lowered the top decile's
   predicted / true value from 1.56 to 1.39 at the same Qini.
5. **Recency scales** ``k_s``: out of fold, the visits of each loan-recency group (under
   24 months, 24-59, none known) are fitted their own scale of the predicted log-odds
   effect (:meth:`OffsetUplift._fit_recency_scale`, a GATES-style calibration by group
   learned from the visits, not from any truth). A renewal that is due sits on a higher
   baseline, where one log-odds effect is a larger uplift than the visits bear out,
   and the overall out-of-fold level averages the groups' opposite errors away.

Confounding: the officers chose most visits on what the bank records (the features), so
the visits and the months nobody visited are comparable given ``x``; the randomised
visits anchor the effect where the heuristic never goes. Both stages are cross-fitted on
two halves of the leads (``n_repeats`` times, on differently drawn halves) and every
half's predictions averaged; the randomised visits of each half, scored by the other
half's model, give the out-of-fold calibration of the effect
(:attr:`OffsetUplift.calibration_`, the observed over the predicted uplift), which is
reported and, with ``calibrate=True``, applied as a level shift of the log-odds effect.

The heterogeneity's best linear predictor (BLP) is reported too: out of fold, the
visits' outcome minus the no-visit probability regressed on the predicted uplift's
deviation from its mean; its slope (``calibration_["blp_slope_visits"]``) is how much of
the predicted spread holds. With ``shrink=True`` the uplift is shrunk toward its mean by
the slope clipped to [0, 1] (a monotone map: the order of the leads is kept). It is off
by default, a measured negative result: the slope was 0.7-1.0 on the economies, and
shrinking raised the top decile's predicted / true value (seeds 10-17: 1.39 to 1.56)
and lowered its Qini (0.662 to 0.656). The top decile's excess was not the selection of
noisy estimates but the recency groups' errors, which the recency scales correct; and
with the baseline estimated too, the visits-only slope is biased low (the baseline's
error moves the outcome's residual and the predicted uplift in opposite directions: 0.54
on a synthetic economy whose predictions were calibrated in spread).

Why the log-odds: a lead whose last loan is too recent for any visit in the history
(the officers never visit within a year of a loan) still has a no-visit baseline from
the months nobody visited, so its uplift is the supported effect on its own baseline
(low right after a loan) — a stated assumption (the visit's log-odds effect at such a
recency equals the nearest recency the visits cover), where a tree of both arms
extrapolates freely.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits

from propensity.errors import DataError, ModelError
from propensity.loan_recency import newest_loan_months
from propensity.uplift_boost import (
    HistBoostClassifier,
    _Boosted,
    _logit,
    _sigmoid,
    check_both_arms,
    newton_boost,
    newton_linear,
    numeric_features,
    recency_weights,
)
from propensity.uplift_spline import SplineBaseline, fit_spline_baseline

__all__ = ["OffsetUplift", "SEASONAL_COLUMNS", "TREND_HORIZON_MONTHS", "recency_bins"]

FloatArray = npt.NDArray[np.float64]
#: Features that carry the season; the effect sees them only through ``c^g``.
SEASONAL_COLUMNS = ("month_sin", "month_cos", "cash_need_index")
#: Elasticities of the effect to the season's cash need tried (0 = no seasonality).
_ELASTICITIES = np.round(np.arange(0.0, 3.01, 0.1), 2)
#: Loan recency (months) from which the baseline's recalibration pools months.
_RECENCY_POOL_FROM = 24
#: Months since the last loan at which the loan book knows of none (the feature's cap).
_RECENCY_NONE = 60.0
#: The trends are extrapolated at most this many months past the newest month.
TREND_HORIZON_MONTHS = 12.0
#: Largest relative monthly trend of the effect (a ratio of two estimates).
_MAX_TREND = 0.05
#: Groups of loan recency whose effect is scaled apart (:meth:`OffsetUplift.fit`).
_RECENCY_GROUPS = ("under 24 months", "24 to 59 months", "none known")
#: Ridge of the recency scales toward 1 (in the Newton's units of the log-likelihood).
_RECENCY_SCALE_L2 = 5.0
#: Standard error of the randomised visits' BLP slope up to which they alone calibrate it.
_SHRINK_MAX_SE = 0.15
#: Models of the no-visit baseline (:class:`OffsetUplift` ``baseline``).
_BASELINES = ("gbm", "spline", "blend", "stack")


def recency_bins(months_since_loan: Any) -> npt.NDArray[np.int64]:
    """Recalibration group of each loan recency: each month to 24, 24..59, none.

    Parameters
    ----------
    months_since_loan : array-like
        Months since the last loan from us (the cap or NaN = none known).

    Returns
    -------
    numpy.ndarray of int
        ``0 .. 23`` per month, ``24`` for 24 to 59 months, ``25`` for none.
    """
    s = np.nan_to_num(np.asarray(months_since_loan, float), nan=_RECENCY_NONE)
    return np.where(s >= _RECENCY_NONE, _RECENCY_POOL_FROM + 1,
                    np.clip(np.floor(s), 0, _RECENCY_POOL_FROM)).astype(np.int64)


def _base_logit(base: Any, X: pd.DataFrame) -> FloatArray:
    # The spline baselines give their log-odds; the boosted classifier its probability.
    if isinstance(base, SplineBaseline):
        return base.logit(X)
    return np.asarray(_logit(base.predict_proba(X)[:, 1]), float)


def _log_cash_need(X: pd.DataFrame) -> FloatArray:
    if "cash_need_index" not in X.columns:
        return np.zeros(len(X))
    c = pd.to_numeric(X["cash_need_index"], errors="coerce").to_numpy(float)
    return np.asarray(np.log(np.clip(np.nan_to_num(c, nan=1.0), 0.05, 20.0)), float)


def _blp(y: FloatArray, p0: FloatArray, u: FloatArray,
         w: FloatArray) -> tuple[float, float, float, float]:
    """``alpha, beta`` of ``y - p0 = alpha + beta (u - ubar)`` (weighted least squares),
    the heteroskedasticity-robust standard error of ``beta`` and ``ubar``."""
    centre = float(np.average(u, weights=w))
    Z = np.column_stack([np.ones(len(u)), u - centre])
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(Z * sw[:, None], (y - p0) * sw, rcond=None)[0]
    resid = y - p0 - Z @ coef
    bread = np.linalg.pinv((Z * w[:, None]).T @ Z)
    meat = (Z * (w * resid)[:, None]).T @ (Z * (w * resid)[:, None])
    se = float(np.sqrt(max((bread @ meat @ bread)[1, 1], 0.0)))
    return float(coef[0]), float(coef[1]), se, centre


def _recency_group(bins: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Loan-recency group of :data:`_RECENCY_GROUPS` of each :func:`recency_bins` bin."""
    return np.where(bins < _RECENCY_POOL_FROM, 0,
                    np.where(bins == _RECENCY_POOL_FROM, 1, 2)).astype(np.int64)


class _Half:
    """One half's fitted stages."""

    def __init__(self, base: Any, recency_offsets: FloatArray,
                 season_slope: float, elasticity: float, mean_effect: float,
                 boosted: _Boosted, base_trend: float = 0.0,
                 effect_trend: float = 0.0) -> None:
        self.base = base
        self.recency_offsets = recency_offsets
        self.season_slope = season_slope
        self.elasticity = elasticity
        self.mean_effect = mean_effect
        self.boosted = boosted
        self.base_trend = base_trend
        self.effect_trend = effect_trend

    def baseline(self, X: pd.DataFrame, bins: npt.NDArray[np.int64], log_c: FloatArray,
                 dt: FloatArray | float = 0.0) -> FloatArray:
        # A half pickled before the trends has neither attribute: no trend.
        return np.asarray(_base_logit(self.base, X) + self.recency_offsets[bins]
                          + self.season_slope * log_c
                          + getattr(self, "base_trend", 0.0) * dt, float)

    def effect(self, Xe: FloatArray, log_c: FloatArray,
               dt: FloatArray | float = 0.0) -> FloatArray:
        return np.asarray(np.exp(self.elasticity * log_c)
                          * _time_factor(getattr(self, "effect_trend", 0.0), dt)
                          * (self.mean_effect + self.boosted.predict(Xe)), float)


def _time_factor(trend: float, dt: FloatArray | float) -> FloatArray:
    """The effect's relative size ``1 + trend x dt`` at ``dt`` months from the newest
    month (linear, as a steady spread of mobile banking would shrink it; never < 0)."""
    return np.asarray(np.maximum(1.0 + trend * dt, 0.0), float)


class OffsetUplift(BaseEstimator):
    """The visit's effect on the log-odds of a loan: a seasonal offset on a baseline.

    Parameters
    ----------
    half_life_months : float or None
        Recency weights ``0.5 ** (age / half_life)`` of every row by its month's age
        before the newest month (the effect drifts); None: unweighted.
    base_max_iter, base_max_leaf_nodes, base_min_samples_leaf : int
        The baseline's gradient boosting (early stopping picks fewer iterations).
    base_learning_rate : float
    recalibrate : bool
        Recalibrate the baseline per month of loan recency (:func:`recency_bins`).
    season : bool
        Scale the effect by the season's cash need to a fitted elasticity.
    n_rounds, learning_rate, max_leaf_nodes, min_samples_leaf, l2
        Boosting of the effect's heterogeneity (large leaves: effects are small
        differences of noisy outcomes).
    n_repeats : int
        Cross-fits on differently drawn halves; every half's model is averaged. Walk-ins
        are rare and one boosted baseline is noisy: on eight development economies two
        cross-fits ranked better than one (Qini top 10 % 0.65 against 0.63) and one
        baseline on all the months nobody visited worse than two half baselines.
    calibrate : bool
        Shift the log-odds effect so that the randomised visits' uplift is met out of
        fold (off by default: it corrects the past months' level, not the drift ahead).
    trend : bool
        Fit the baseline's and the effect's monthly trends (see the module docstring).
    recency_scale : bool
        Scale the effect per loan-recency group, out of fold on the visits.
    shrink : bool
        Shrink the uplift toward its mean by the out-of-fold BLP slope (off by default,
        see the module docstring).
    baseline : {"gbm", "spline", "blend", "stack"}
        Model of the no-visit baseline before its recalibration: the boosted classifier,
        a ridge logistic model of splines (:class:`~propensity.uplift_spline.SplineLogit`),
        the mean of both log-odds, or the spline model plus trees boosted on its residual
        (the base's boosting settings, early stopping on held-out leads). ``gbm`` stays
        the default: the others did not rank better (see :mod:`propensity.uplift_spline`).
    random_state : int

    Attributes
    ----------
    month_end_ : int
        Newest month of the training rows (``12 * year + month``).
    elasticity_ : float
        Mean over the halves of the effect's elasticity to the cash need.
    calibration_ : dict
        Out of fold on the randomised visits: ``observed`` and ``predicted`` mean
        outcome, ``ratio`` of the observed uplift over the predicted, ``slope`` of the
        outcome's log-odds on the predicted effect's (1 = its spread holds), ``n``.
        Also ``blp_slope_visits``, ``blp_se_visits`` (and ``_randomised``) of the
        uplift's best linear predictor, and ``blp_rows`` (1 randomised, 0 all visits).
    level_shift_ : float
        Log-odds added to the effect (0 unless ``calibrate``).
    effect_trend_, baseline_trend_ : float
        Mean over the halves of the effect's relative and the baseline's log-odds trend
        per month.
    recency_scale_ : numpy.ndarray
        Scale of the log-odds effect per loan-recency group (under 24 months, 24-59,
        none known); ones without ``recency_scale``.
    shrink_, uplift_centre_ : float
        The uplift's shrinkage toward ``uplift_centre_`` (1 and 0 without ``shrink``).
    n_rounds_ : list of int
        Boosting rounds kept in each half.
    """

    def __init__(self, *, half_life_months: float | None = 12.0, base_max_iter: int = 600,
                 base_max_leaf_nodes: int = 15, base_min_samples_leaf: int = 40,
                 base_learning_rate: float = 0.05, recalibrate: bool = True,
                 season: bool = True, n_rounds: int = 300, learning_rate: float = 0.1,
                 max_leaf_nodes: int = 6, min_samples_leaf: int = 150, l2: float = 10.0,
                 calibrate: bool = False, n_repeats: int = 2, trend: bool = True,
                 recency_scale: bool = True, shrink: bool = False, baseline: str = "gbm",
                 random_state: int = 0) -> None:
        self.half_life_months = half_life_months
        self.base_max_iter = base_max_iter
        self.base_max_leaf_nodes = base_max_leaf_nodes
        self.base_min_samples_leaf = base_min_samples_leaf
        self.base_learning_rate = base_learning_rate
        self.recalibrate = recalibrate
        self.season = season
        self.n_rounds = n_rounds
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2 = l2
        self.calibrate = calibrate
        self.n_repeats = n_repeats
        self.trend = trend
        self.recency_scale = recency_scale
        self.shrink = shrink
        self.baseline = baseline
        self.random_state = random_state

    def _base(self, seed: int) -> HistBoostClassifier:
        return HistBoostClassifier(
            learning_rate=self.base_learning_rate, max_iter=self.base_max_iter,
            max_leaf_nodes=self.base_max_leaf_nodes,
            min_samples_leaf=self.base_min_samples_leaf, l2_regularization=1.0,
            categorical_features="from_dtype", early_stopping=True, validation_fraction=0.15,
            n_iter_no_change=30, random_state=seed)

    def effect_columns(self, X: pd.DataFrame) -> list[str]:
        """The features the effect's trees see (all but the seasonal ones with ``season``)."""
        drop = set(SEASONAL_COLUMNS) if self.season else set()
        return [c for c in X.columns if c not in drop]

    def fit(self, X: pd.DataFrame, y: Any, *, visited: Any, month_index: Any, groups: Any,
            randomised: Any = None, sample_weight: Any = None) -> OffsetUplift:
        """Fit on business-months of both arms.

        Parameters
        ----------
        X : pandas.DataFrame
            Features (categorical columns as ``category``; ``months_since_loan`` for the
            recalibration and ``cash_need_index`` for the season, when present).
        y : array-like of int
            Took a loan from us that month (after the visit, or walking in).
        visited : array-like of int
            1 for a visit, 0 for an eligible business-month without one.
        month_index : array-like of int
            ``12 * year + month`` of each row.
        groups : array-like
            Lead id of each row (the halves split leads, not rows).
        randomised : array-like of int, optional
            1 for the randomised visits (the out-of-fold calibration's evidence).
        sample_weight : array-like, optional
            Row weights (sampled months standing for others), times the recency weights.

        Returns
        -------
        OffsetUplift
            ``self``.
        """
        if self.baseline not in _BASELINES:
            raise DataError(f"baseline must be one of {list(_BASELINES)}", field="baseline")
        y = np.asarray(y, float)
        v = np.asarray(visited, int) == 1
        check_both_arms(y, v)
        self.month_end_, w = recency_weights(month_index, self.half_life_months, sample_weight)
        dt = np.asarray(month_index, float) - self.month_end_
        bins = self._bins(X)
        log_c = _log_cash_need(X) if self.season else np.zeros(len(X))
        Xe = numeric_features(X[self.effect_columns(X)])
        lead = np.asarray(groups).astype(str).astype(object)
        self.halves_: list[_Half] = []
        # Each row's out-of-fold baseline and effect in every repeat (the other half's).
        b_rep, tau_rep = np.zeros((self.n_repeats, len(y))), np.zeros((self.n_repeats, len(y)))
        with threadpool_limits(limits=1, user_api="openmp"):
            for r in range(self.n_repeats):
                key = f"half{self.random_state % 10**6:06d}r{r:05d}"[:16].ljust(16, "0")
                fold = (pd.util.hash_array(lead, hash_key=key) % 2).astype(int)
                for k in (0, 1):
                    tr, te = fold != k, fold == k
                    half = self._fit_half(X, y, v, w, bins, log_c, dt, Xe, lead, tr, 2 * r + k)
                    self.halves_.append(half)
                    b_rep[r, te] = half.baseline(X[te], bins[te], log_c[te], dt[te])
                    tau_rep[r, te] = half.effect(Xe[te], log_c[te], dt[te])
        self.n_rounds_ = [len(h.boosted.trees) for h in self.halves_]
        self.elasticity_ = float(np.mean([h.elasticity for h in self.halves_]))
        self.effect_trend_ = float(np.mean([h.effect_trend for h in self.halves_]))
        self.baseline_trend_ = float(np.mean([h.base_trend for h in self.halves_]))
        groups_rec = _recency_group(bins)
        b_oof = b_rep.mean(axis=0)
        self._fit_recency_scale(y, v, w, b_oof, tau_rep.mean(axis=0), groups_rec)
        tau_rep = tau_rep * self.recency_scale_[groups_rec]
        self._calibrate(y, v, w, b_oof, tau_rep.mean(axis=0), randomised)
        # As predict_parts: the halves' probabilities are averaged.
        p0_oof = _sigmoid(b_rep).mean(axis=0)
        u_oof = (_sigmoid(b_rep + tau_rep) - _sigmoid(b_rep)).mean(axis=0)
        self._fit_shrink(y, v, w, p0_oof, u_oof, randomised)
        return self

    def _bins(self, X: pd.DataFrame) -> npt.NDArray[np.int64]:
        # A known loan elsewhere moves the baseline and effect as ours does (seeds 10-17, all
        # known: Qini 0.714 by our loans' recency, 0.724 by the newest loan's; README).
        return recency_bins(newest_loan_months(X))

    def _fit_half(self, X: pd.DataFrame, y: FloatArray, v: npt.NDArray[np.bool_],
                  w: FloatArray, bins: npt.NDArray[np.int64], log_c: FloatArray,
                  dt: FloatArray, Xe: FloatArray, lead: npt.NDArray[Any],
                  tr: npt.NDArray[np.bool_], k: int) -> _Half:
        c, q = tr & ~v, tr & v
        base, offsets, slope, base_trend = self._fit_baseline(X, y, c, w, bins, log_c, dt,
                                                              self.random_state + k, lead)
        b = np.zeros(len(y))
        b[q] = _base_logit(base, X[q]) + offsets[bins[q]] + slope * log_c[q] \
            + base_trend * dt[q]
        # Two passes: the elasticity of a mean effect also absorbs how the effect differs
        # between industries whose seasons swing more or less; refitted against the
        # first pass's per-lead effect it is the season's alone.
        lead_effect = np.ones(int(q.sum()))
        for _ in range(2 if self.season else 1):
            elasticity, _, trend = self._season_fit(y[q], b[q], w[q], log_c[q], dt[q],
                                                    lead_effect)
            mult = np.exp(elasticity * log_c[q]) * _time_factor(trend, dt[q])
            mean_effect = float(newton_linear(mult[:, None], y[q], b[q], w[q], l2=1e-3)[0])
            boosted = newton_boost(
                Xe[q], y[q], b[q] + mult * mean_effect, w[q], lead[q], fold=k,
                rounds=self.n_rounds, learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
                l2=self.l2, seed=self.random_state, multiplier=mult, patience=30)
            lead_effect = mean_effect + boosted.predict(Xe[q])
        return _Half(base, offsets, slope, elasticity, mean_effect, boosted, base_trend, trend)

    def _fit_baseline(self, X: pd.DataFrame, y: FloatArray, c: npt.NDArray[np.bool_],
                      w: FloatArray, bins: npt.NDArray[np.int64], log_c: FloatArray,
                      dt: FloatArray, seed: int, lead: npt.NDArray[Any]
                      ) -> tuple[Any, FloatArray, float, float]:
        """The no-visit baseline on the control rows ``c``, its recency offsets, its
        correction along the season's log cash need and its monthly trend."""
        base = self._fit_base_model(X, y, c, w, seed, lead)
        offsets = np.zeros(_RECENCY_POOL_FROM + 2)
        slope = trend = 0.0
        if self.recalibrate:
            raw = _base_logit(base, X[c])
            # Ridge keeps a thin recency group near the boosted baseline. The season's
            # slope matters as much: the effect's elasticity is fitted on top of this
            # baseline, so a season the baseline smooths away would be read as effect.
            # The trend: trees cannot extrapolate the walk-ins' drift past the newest
            # month, and the uplift of a lead depends on its baseline.
            cols = [np.eye(len(offsets))[bins[c]], log_c[c][:, None]]
            if self.trend:
                cols.append(dt[c][:, None])
            coef = newton_linear(np.column_stack(cols), y[c], raw, w[c], l2=5.0)
            offsets, slope = coef[:len(offsets)], float(coef[len(offsets)])
            trend = float(coef[-1]) if self.trend else 0.0
        return base, offsets, slope, trend

    def _fit_base_model(self, X: pd.DataFrame, y: FloatArray, c: npt.NDArray[np.bool_],
                        w: FloatArray, seed: int, lead: npt.NDArray[Any]) -> Any:
        """The baseline's model (``baseline``) fitted on the control rows ``c``."""
        if self.baseline == "gbm":
            return self._base(seed).fit(X[c], y[c], sample_weight=w[c])
        return fit_spline_baseline(
            self.baseline, X[c], y[c], w[c], lead[c], seed=seed,
            gbm=self._base(seed), boost=dict(
                rounds=self.base_max_iter, learning_rate=self.base_learning_rate,
                max_leaf_nodes=self.base_max_leaf_nodes,
                min_samples_leaf=self.base_min_samples_leaf, l2=1.0, patience=30))

    def _season_fit(self, y: FloatArray, b: FloatArray, w: FloatArray, log_c: FloatArray,
                    dt: FloatArray, lead_effect: FloatArray) -> tuple[float, float, float]:
        """Elasticity ``g`` (grid), scale ``a`` and relative monthly trend ``r`` of
        ``b + a u c^g (1 + r dt)`` on the visits (Newton in ``a`` and ``a r``), ``u`` the
        per-lead effect (ones: a mean effect), ``dt`` the months before the newest."""
        grid = _ELASTICITIES if self.season and np.ptp(log_c) > 0 else np.zeros(1)
        best: tuple[float, float, float, float] | None = None
        for g in grid:
            m = lead_effect * np.exp(g * log_c)
            Z = np.column_stack([m, m * dt]) if self.trend else m[:, None]
            coef = newton_linear(Z, y, b, w, l2=1e-3)
            p = np.clip(_sigmoid(b + Z @ coef), 1e-9, 1 - 1e-9)
            ll = float(np.sum(w * (y * np.log(p) + (1 - y) * np.log(1 - p))))
            if best is None or ll > best[0]:
                # The trend relative to the effect at the newest month, bounded: a ratio
                # of two estimates explodes when the mean effect is near zero.
                r = float(coef[1] / coef[0]) if self.trend and abs(coef[0]) > 1e-6 else 0.0
                best = (ll, float(g), float(coef[0]),
                        float(np.clip(r, -_MAX_TREND, _MAX_TREND)))
        assert best is not None
        return best[1], best[2], best[3]

    def _calibrate(self, y: FloatArray, v: npt.NDArray[np.bool_], w: FloatArray,
                   b_oof: FloatArray, tau_oof: FloatArray, randomised: Any) -> None:
        rand = v if randomised is None else (np.asarray(randomised, int) == 1) & v
        self.level_shift_ = 0.0
        self.calibration_: dict[str, float] = {"n": float(rand.sum())}
        if rand.sum() < 50:
            return
        p1, p0 = _sigmoid(b_oof + tau_oof)[rand], _sigmoid(b_oof)[rand]
        obs = float(np.average(y[rand], weights=w[rand]))
        pred, base = float(np.average(p1, weights=w[rand])), float(np.average(p0, weights=w[rand]))
        # How much of the predicted spread of the log-odds effect holds out of fold.
        centre = float(np.average(tau_oof[rand], weights=w[rand]))
        Z = np.column_stack([np.ones(int(rand.sum())), tau_oof[rand] - centre])
        slope = newton_linear(Z, y[rand], b_oof[rand] + centre, w[rand], l2=1.0)[1]
        self.calibration_.update({"observed": obs, "predicted": pred,
                                  "ratio": (obs - base) / (pred - base)
                                  if pred > base else float("nan"), "slope": float(slope)})
        if self.calibrate:
            shift = newton_linear(np.ones((int(rand.sum()), 1)), y[rand],
                                  (b_oof + tau_oof)[rand], w[rand], l2=1.0)
            self.level_shift_ = float(shift[0])

    def _fit_recency_scale(self, y: FloatArray, v: npt.NDArray[np.bool_], w: FloatArray,
                           b_oof: FloatArray, tau_oof: FloatArray,
                           groups: npt.NDArray[np.int64]) -> None:
        """How much of the predicted log-odds effect the visits of each loan-recency group
        bear out, out of fold (a group-wise calibration, GATES by recency).

        The effect's trees see the recency, but with leaves of a few hundred visits they
        hardly split on a group of a few per cent; and the same log-odds effect on the
        higher baseline of a renewal that is due is a larger uplift. On the development
        economies (seeds 10-17) the fitted scales were 0.73-0.95 for the visits 12-23
        months after a loan and 1.00-1.13 for businesses with no loan from us known,
        errors the overall level (:attr:`calibration_`) averages away. Per group ``g``
        the scale ``k_g`` of ``b + k_g tau`` is fitted on the visits (Newton, ridge
        toward 1, clipped to [0, 2]); a group without visits keeps 1, and leads more
        recent than any visit get the scale of the visits 12-23 months after a loan,
        the nearest covered recency (the offset learner's stated assumption).
        """
        self.recency_scale_ = np.ones(len(_RECENCY_GROUPS))
        if not self.recency_scale:
            return
        Z = np.zeros((int(v.sum()), len(_RECENCY_GROUPS)))
        for g in range(len(_RECENCY_GROUPS)):
            Z[:, g] = np.where(groups[v] == g, tau_oof[v], 0.0)
        delta = newton_linear(Z, y[v], (b_oof + tau_oof)[v], w[v], l2=_RECENCY_SCALE_L2)
        self.recency_scale_ = np.clip(1.0 + delta, 0.0, 2.0)

    def _fit_shrink(self, y: FloatArray, v: npt.NDArray[np.bool_], w: FloatArray,
                    p0_oof: FloatArray, u_oof: FloatArray, randomised: Any) -> None:
        """The uplift's best linear predictor out of fold: how much of its spread holds.

        On the visits, the outcome minus the cross-fitted no-visit probability is
        regressed (weighted least squares) on the cross-fitted uplift's deviation from its
        mean ``ubar``: ``y - p0 = alpha + beta (u - ubar)`` (Chernozhukov et al.'s BLP of
        the heterogeneity). ``beta`` is 1 when the predicted differences between leads
        are borne out and below 1 when part of them is noise, which ranking by value
        then selects (the top decile's winner's curse); ``beta`` clipped to [0, 1] is
        :attr:`shrink_`. The randomised visits are used when they pin ``beta`` down to
        :data:`_SHRINK_MAX_SE`; otherwise all visits (whose choice the features explain,
        the model's own assumption).
        """
        rand = v if randomised is None else (np.asarray(randomised, int) == 1) & v
        self.shrink_, self.uplift_centre_ = 1.0, 0.0
        fits = {name: _blp(y[m], p0_oof[m], u_oof[m], w[m])
                for name, m in (("randomised", rand), ("visits", v)) if m.sum() >= 50}
        for name, (_, beta, se, _centre) in fits.items():
            self.calibration_.update({f"blp_slope_{name}": beta, f"blp_se_{name}": se})
        use = "randomised" if "randomised" in fits and fits["randomised"][2] <= _SHRINK_MAX_SE \
            else "visits" if "visits" in fits else None
        self.calibration_["blp_rows"] = {"randomised": 1.0, "visits": 0.0}.get(use or "", -1.0)
        if self.shrink and use is not None:
            _, beta, _, centre = fits[use]
            self.shrink_ = float(np.clip(beta, 0.0, 1.0))
            self.uplift_centre_ = centre

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "halves_")

    def predict_parts(self, X: pd.DataFrame, month_index: Any = None
                      ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(loan | visit), P(loan | no visit) and their difference for each row.

        Parameters
        ----------
        X : pandas.DataFrame
            Features, as in :meth:`fit`.
        month_index : array-like of int, optional
            ``12 * year + month`` of each row: the trends are extrapolated to it, at most
            :data:`TREND_HORIZON_MONTHS` past the newest training month. Default: the
            newest training month (no extrapolation).

        Returns
        -------
        tuple of numpy.ndarray
            ``p_visit, p_no_visit, uplift``: the mean over every half's model, the uplift
            shrunk toward its centre by :attr:`shrink_` (``p_visit`` is ``p_no_visit``
            plus it).
        """
        if not self.__sklearn_is_fitted__():
            raise ModelError("the offset uplift is not trained yet: call fit()")
        bins = self._bins(X)
        log_c = _log_cash_need(X) if self.season else np.zeros(len(X))
        Xe = numeric_features(X[self.effect_columns(X)])
        dt = np.zeros(len(X)) if month_index is None else np.minimum(
            np.asarray(month_index, float) - self.month_end_, TREND_HORIZON_MONTHS)
        # A model saved before the recency scales has none (a scale of 1).
        scales = getattr(self, "recency_scale_", np.ones(len(_RECENCY_GROUPS)))
        scale = scales[_recency_group(bins)]
        p1s, p0s = [], []
        with threadpool_limits(limits=1, user_api="openmp"):
            for half in self.halves_:
                b = half.baseline(X, bins, log_c, dt)
                p0s.append(_sigmoid(b))
                p1s.append(_sigmoid(b + half.effect(Xe, log_c, dt) * scale
                                    + self.level_shift_))
        p1, p0 = np.mean(p1s, axis=0), np.mean(p0s, axis=0)
        # The out-of-fold shrinkage (a model saved before it has none): monotone in the
        # uplift, so the order of the leads by uplift is kept.
        shrink, centre = getattr(self, "shrink_", 1.0), getattr(self, "uplift_centre_", 0.0)
        uplift = np.maximum(centre + shrink * (p1 - p0 - centre), 0.0)
        return p0 + uplift, p0, uplift
