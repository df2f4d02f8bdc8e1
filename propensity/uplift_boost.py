"""The visit's effect on the log-odds, boosted on top of a no-visit baseline.

:class:`LogitEffectBooster` is the effect estimator of the ``logit_boost`` learner of
:class:`propensity.uplift.VisitValueModel`:

``P(loan | visit, x, t) = sigmoid(b(x) + a + c (t - t_end) + f(x))``

* ``b(x, t)``: the no-visit baseline, a gradient-boosted classifier of the business-months
  without a visit (outcome: a walk-in loan from us), optionally recency-weighted, plus
  its own monthly trend (fitted like the effect's, below);
* ``a + c (t - t_end)``: the visit's mean effect on the log-odds and its monthly trend
  (the effect drifts as mobile banking spreads), fitted by Newton steps with ``b`` as
  the offset on the visited rows, at the newest month ``t_end``;
* ``f(x)``: the effect's heterogeneity, shallow regression trees boosted on the logistic
  loss with ``b + a + c (t - t_end)`` as the offset (LogitBoost, Newton leaf values).

Both parts are cross-fitted on two halves of the leads. The heterogeneity is then
shrunk toward its segment mean (``f' = fbar_s + delta + lambda (f - fbar_s)``, segments
by industry), with ``lambda`` the logistic slope of the *randomised* visits of each half
on the other half's ``f - fbar_s`` (clipped to 0..1) and ``delta`` their level: how much
of the predicted effect and its spread the held-out randomised visits bear out (the
officers' own choices select larger effects), estimated from the visit log and never
from any hidden truth. A boosted difference of two noisy arms overstates the largest effects;
this is the correction the data allow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.tree import DecisionTreeRegressor
from threadpoolctl import threadpool_limits

from propensity.errors import DataError, ModelError

__all__ = ["LogitEffectBooster", "HistBoostClassifier", "HistBoostRegressor",
           "check_both_arms", "newton_boost", "newton_linear", "numeric_features",
           "recency_weights"]

FloatArray = npt.NDArray[np.float64]
#: Log-odds of the baseline are clipped here (a leaf of pure zeros is not minus infinity).
_LOGIT_CLIP = 12.0
#: The trend is extrapolated at most this many months past the newest month.
_TREND_HORIZON_MONTHS = 12.0


#: A feature known for fewer rows than this is never split on by the histogram trees.
_MIN_KNOWN_ROWS = 20


def _fill_rare(X: Any, min_known: int) -> Any:
    """``X`` with every numeric column known (not NaN) in fewer than ``min_known`` rows set
    to 0: no split of at least ``min_known`` rows per leaf can use such a column, and the
    histogram trees cannot bin a column without values (sklearn raises), which the rows
    of one half or the training part of an early-stopping split can leave."""
    if isinstance(X, pd.DataFrame):
        rare = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
                and int(X[c].notna().sum()) < min_known and X[c].isna().any()]
        return X.assign(**{str(c): 0.0 for c in rare}) if rare else X
    A = np.asarray(X, float)
    rare_cols = np.flatnonzero((np.isfinite(A).sum(axis=0) < min_known)
                               & np.isnan(A).any(axis=0))
    if not len(rare_cols):
        return X
    A = A.copy()
    A[:, rare_cols] = 0.0
    return A


def _can_hold_out(y: Any, fraction: float) -> bool:
    """Whether a stratified ``fraction`` of ``y`` (and the rest) can hold every class: each
    class twice or more, and both parts at least as many rows as there are classes."""
    if fraction <= 0:
        return True
    _, counts = np.unique(np.asarray(y), return_counts=True)
    held = int(np.ceil(fraction * counts.sum()))
    return bool(counts.min() >= 2 and held >= len(counts)
                and counts.sum() - held >= len(counts))


class HistBoostClassifier(HistGradientBoostingClassifier):
    """:class:`~sklearn.ensemble.HistGradientBoostingClassifier` that fits a feature known
    for too few rows to split (a loan elsewhere known for a handful of leads) as the
    constant it is to the trees, instead of failing to bin it."""

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> HistBoostClassifier:
        """Fit as the parent does on ``X`` with its rarely known columns constant, and
        without early stopping when ``y`` is too small to hold out a stratified part."""
        min_known = max(_MIN_KNOWN_ROWS, int(self.min_samples_leaf))
        asked = self.get_params()["early_stopping"]
        if asked is not False and not _can_hold_out(y, float(self.validation_fraction or 0)):
            # A handful of loans (a new county's first visits, a small simulated one): the
            # stratified validation split sklearn makes needs two of each class and raises
            # otherwise; the iterations' cap is then the only stop.
            self.set_params(early_stopping=False)
        try:
            super().fit(_fill_rare(X, min_known), y, sample_weight=sample_weight)
        finally:
            self.set_params(early_stopping=asked)
        return self


class HistBoostRegressor(HistGradientBoostingRegressor):
    """The regressor's counterpart of :class:`HistBoostClassifier`."""

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> HistBoostRegressor:
        """Fit as the parent does on ``X`` with its rarely known columns constant."""
        min_known = max(_MIN_KNOWN_ROWS, int(self.min_samples_leaf))
        super().fit(_fill_rare(X, min_known), y, sample_weight=sample_weight)
        return self


def _sigmoid(z: FloatArray) -> FloatArray:
    # Clipped: a trial elasticity can push the log-odds far enough to overflow exp.
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0))), float)


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.clip(np.log(q / (1 - q)), -_LOGIT_CLIP, _LOGIT_CLIP), float)


def check_both_arms(y: Any, visited: Any) -> None:
    """Raise :class:`DataError` unless the visits and the months without one each hold both
    loans and non-loans (an effect needs both arms' outcomes).

    Parameters
    ----------
    y : array-like of int
        Took a loan from us that month.
    visited : array-like of int
        1 for a visit, 0 for a month without one.
    """
    y, v = np.asarray(y), np.asarray(visited, int) == 1
    if len(np.unique(y[v])) < 2 or len(np.unique(y[~v])) < 2:
        raise DataError("both arms need loans and non-loans to learn from",
                        field="took_loan")


def recency_weights(month_index: Any, half_life_months: float | None,
                    sample_weight: Any = None) -> tuple[int, FloatArray]:
    """The newest month and each row's weight: ``0.5 ** (age / half_life)`` by its month's age
    (1 without a half-life), times ``sample_weight``.

    Parameters
    ----------
    month_index : array-like of int
        ``12 * year + month`` of each row.
    half_life_months : float or None
    sample_weight : array-like, optional

    Returns
    -------
    (int, ndarray)
        The newest month index and the weights.
    """
    t = np.asarray(month_index, float)
    end = int(t.max())
    w = np.ones(len(t)) if half_life_months is None else \
        0.5 ** ((end - t) / float(half_life_months))
    if sample_weight is not None:
        w = w * np.asarray(sample_weight, float)
    return end, np.asarray(w, float)


def numeric_features(X: pd.DataFrame) -> FloatArray:
    """Features as floats (categories as their codes, missing as NaN) for the trees."""
    cols = []
    for c in X.columns:
        s = X[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy(float)
            cols.append(np.where(codes < 0, np.nan, codes))
        else:
            cols.append(pd.to_numeric(s, errors="coerce").to_numpy(float))
    return np.column_stack(cols) if cols else np.zeros((len(X), 0))


def newton_linear(Z: FloatArray, y: FloatArray, offset: FloatArray, w: FloatArray,
                   l2: float = 1e-3, iters: int = 25) -> FloatArray:
    """Weighted, ridge-penalised logistic regression of ``y`` on ``Z`` with an offset.

    Newton-Raphson with step halving: a full step is taken only when it raises the
    penalised log-likelihood. From a baseline far below the outcome rate (no-visit
    log-odds -8 to -1 against 15 % of the visits ending in a loan, the demo's leads
    replicated six times) the plain Newton step overshot to where every probability is 1,
    the curvature vanished and the mean effect came out at 55,000 log-odds.
    """
    def objective(z: FloatArray, b: FloatArray) -> float:
        # y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)) = y z - log(1 + e^z), stable for any z.
        return float(np.sum(w * (y * z - np.logaddexp(0.0, z))) - 0.5 * l2 * b @ b)

    beta = np.zeros(Z.shape[1])
    z = offset + Z @ beta
    current = objective(z, beta)
    for _ in range(iters):
        p = _sigmoid(z)
        grad = Z.T @ (w * (y - p)) - l2 * beta
        hess = (Z * (w * p * (1 - p))[:, None]).T @ Z + l2 * np.eye(Z.shape[1])
        step = np.linalg.solve(hess, grad)
        for _ in range(40):
            z_trial = offset + Z @ (beta + step)
            trial = objective(z_trial, beta + step)
            if trial >= current:
                break
            step = 0.5 * step
        else:
            break  # no step raises the objective: at its maximum to rounding
        beta, z, current = beta + step, z_trial, trial
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


class _Boosted:
    """Regression trees boosted on the logistic loss with an offset (one half's effect)."""

    def __init__(self, trees: list[DecisionTreeRegressor], leaf_values: list[FloatArray],
                 learning_rate: float) -> None:
        self.trees = trees
        self.leaf_values = leaf_values
        self.learning_rate = learning_rate

    def predict(self, Xn: FloatArray) -> FloatArray:
        out = np.zeros(len(Xn))
        for tree, values in zip(self.trees, self.leaf_values, strict=True):
            out += self.learning_rate * values[tree.apply(Xn)]
        return out


def newton_boost(Xn: FloatArray, y: FloatArray, offset: FloatArray, w: FloatArray,
                 groups: Any, *, fold: int, rounds: int, learning_rate: float,
                 max_leaf_nodes: int, min_samples_leaf: int, l2: float, seed: int,
                 multiplier: FloatArray | None = None, patience: int = 20) -> _Boosted:
    """Regression trees boosted on the logistic loss of ``offset + multiplier x F(x)``.

    Newton leaf values (``sum g / (sum h + l2)``), early stopping on a tenth of the leads
    (``groups``) held out. ``multiplier`` scales the boosted part per row (a season's
    strength of the effect, say); default 1.

    Parameters
    ----------
    Xn : numpy.ndarray
        Features as floats (:func:`numeric_features`).
    y, offset, w : numpy.ndarray
        Outcome 0/1, fixed log-odds and row weight.
    groups : array-like
        Lead of each row (held-out leads, not rows).
    fold : int
        Which half is being fitted (seeds the hold-out and the trees).
    rounds, learning_rate, max_leaf_nodes, min_samples_leaf, l2, seed
        Boosting settings.
    multiplier : numpy.ndarray, optional
    patience : int
        Rounds without a better held-out loss before stopping.

    Returns
    -------
    _Boosted
        The rounds up to the best held-out loss.
    """
    m = np.ones(len(y)) if multiplier is None else np.asarray(multiplier, float)
    hv = pd.util.hash_array(np.asarray(groups).astype(str).astype(object),
                            hash_key=f"countyreach{fold:04d}".ljust(16, "0")[:16]) % 10 == 0
    fit = ~hv
    F = np.zeros(len(y))
    trees: list[DecisionTreeRegressor] = []
    values: list[FloatArray] = []
    best, best_n, since = np.inf, 0, 0
    rng = np.random.default_rng([seed, fold, 5])
    for _ in range(rounds):
        p = _sigmoid(offset + m * F)
        # Chain rule through the multiplier: gradient m (y - p), hessian m^2 p (1 - p).
        g, h = m * (y - p), m * m * p * (1 - p)
        tree = DecisionTreeRegressor(
            max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
            random_state=int(rng.integers(2**31 - 1))).fit(
            Xn[fit], g[fit] / np.maximum(h[fit], 1e-6), sample_weight=(w * h)[fit])
        leaf = tree.apply(Xn)
        num = np.bincount(leaf[fit], weights=(w * g)[fit], minlength=tree.tree_.node_count)
        den = np.bincount(leaf[fit], weights=(w * h)[fit], minlength=tree.tree_.node_count)
        leaf_values = num / (den + l2)
        F += learning_rate * leaf_values[leaf]
        trees.append(tree)
        values.append(leaf_values)
        if not hv.any():
            continue
        q = np.clip(_sigmoid(offset + m * F)[hv], 1e-9, 1 - 1e-9)
        loss = -float(np.sum(w[hv] * (y[hv] * np.log(q) + (1 - y[hv]) * np.log(1 - q))))
        if loss < best - 1e-9:
            best, best_n, since = loss, len(trees), 0
        else:
            since += 1
            if since >= patience:
                break
    n_keep = best_n if hv.any() else len(trees)
    return _Boosted(trees[:n_keep], values[:n_keep], learning_rate)


class LogitEffectBooster(BaseEstimator):
    """The visit's effect on the log-odds of a loan, boosted on a no-visit baseline.

    Parameters
    ----------
    n_rounds : int
        Most boosting rounds of the heterogeneity ``f(x)`` (early stopping on a tenth of
        the training half's leads picks fewer).
    learning_rate : float
        Shrinkage of each round.
    max_leaf_nodes, min_samples_leaf : int
        Size of each tree (effects are small differences: large leaves).
    l2 : float
        Ridge on the Newton leaf values.
    trend : bool
        Fit the effect's monthly trend ``c`` (``False``: ``c = 0``).
    half_life_months : float or None
        Recency weights ``0.5 ** (age / half_life)`` of every row, by its month's age
        before the newest month; None: unweighted.
    shrink : bool
        Shrink the heterogeneity toward its segment mean by the out-of-fold factor.
    baseline_max_iter : int
        Boosting iterations of the baseline classifier (early stopping picks fewer).
    random_state : int

    Attributes
    ----------
    month_end_ : int
        Newest month of the training rows (month index, ``12 * year + month``).
    trend_per_month_ : float
        Mean of the halves' ``c`` (log-odds per month).
    baseline_trend_per_month_ : float
        Mean of the halves' trend of the baseline (log-odds per month).
    shrink_ : float
        The shrinkage factor ``lambda`` (1.0 when ``shrink`` is off).
    level_shift_ : float
        Log-odds added to the effect so that the randomised visits' uplift is met out of
        fold (0.0 when ``shrink`` is off).
    segment_means_ : dict
        ``fbar_s`` per segment code (and ``None`` for the overall mean).
    n_rounds_ : list of int
        Rounds kept in each half.
    """

    def __init__(self, *, n_rounds: int = 200, learning_rate: float = 0.1,
                 max_leaf_nodes: int = 6, min_samples_leaf: int = 150, l2: float = 10.0,
                 trend: bool = True, half_life_months: float | None = None,
                 shrink: bool = True, baseline_max_iter: int = 400,
                 random_state: int = 0) -> None:
        self.n_rounds = n_rounds
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2 = l2
        self.trend = trend
        self.half_life_months = half_life_months
        self.shrink = shrink
        self.baseline_max_iter = baseline_max_iter
        self.random_state = random_state

    def _baseline(self, seed: int) -> HistGradientBoostingClassifier:
        return HistBoostClassifier(
            learning_rate=0.05, max_iter=self.baseline_max_iter, max_leaf_nodes=7,
            min_samples_leaf=40, l2_regularization=1.0, categorical_features="from_dtype",
            early_stopping=True, validation_fraction=0.15, n_iter_no_change=30,
            random_state=seed)

    def fit(self, X: pd.DataFrame, y: Any, *, visited: Any, month_index: Any,
            groups: Any, randomised: Any = None, segments: Any = None,
            sample_weight: Any = None) -> LogitEffectBooster:
        """Fit on business-months of both arms.

        Parameters
        ----------
        X : pandas.DataFrame
            Features (categorical columns as ``category``).
        y : array-like of int
            Took a loan from us that month (after the visit, or walking in).
        visited : array-like of int
            1 for a visit, 0 for an eligible business-month without one.
        month_index : array-like of int
            ``12 * year + month`` of each row.
        groups : array-like
            Lead id of each row (the halves split leads, not rows).
        randomised : array-like of int, optional
            1 for the randomised visits (the shrinkage factor's evidence); default none,
            when the factor is estimated on every visit.
        segments : array-like of int, optional
            Segment code of each row (default one segment).
        sample_weight : array-like, optional
            Row weights (sampled rows standing for others), times the recency weights.

        Returns
        -------
        LogitEffectBooster
            ``self``.
        """
        y = np.asarray(y, float)
        v = np.asarray(visited, int) == 1
        t = np.asarray(month_index, float)
        check_both_arms(y, v)
        rand = v if randomised is None else (np.asarray(randomised, int) == 1) & v
        seg = np.zeros(len(y), int) if segments is None else np.asarray(segments, int)
        self.month_end_, w = recency_weights(t, self.half_life_months, sample_weight)
        age = self.month_end_ - t
        Xn = numeric_features(X)
        fold = (pd.util.hash_array(np.asarray(groups).astype(str).astype(object)) % 2
                ).astype(int)
        self.baselines_: list[HistGradientBoostingClassifier] = []
        self.base_linear_: list[FloatArray] = []
        self.linear_: list[FloatArray] = []
        self.boosted_: list[_Boosted] = []
        f_oof = np.zeros(len(y))
        lin_oof = np.zeros(len(y))
        b_oof = np.zeros(len(y))
        with threadpool_limits(limits=1, user_api="openmp"):
            for k in (0, 1):
                tr, te = fold != k, fold == k
                base = self._baseline(self.random_state + k).fit(
                    X[tr & ~v], y[tr & ~v], sample_weight=w[tr & ~v])
                self.baselines_.append(base)
                b = _logit(base.predict_proba(X)[:, 1])
                # The baseline drifts too: its trend, or the effect's trend absorbs it.
                c0 = tr & ~v
                Z0 = np.column_stack([np.ones(int(c0.sum())), -age[c0] if self.trend
                                      else np.zeros(int(c0.sum()))])
                self.base_linear_.append(newton_linear(Z0, y[c0], b[c0], w[c0]))
                b = b + self._linear(self.base_linear_[-1], -age)
                lin, boosted = self._fit_effect(Xn[tr & v], y[tr & v], b[tr & v],
                                                age[tr & v], w[tr & v],
                                                np.asarray(groups)[tr & v], k)
                self.linear_.append(lin)
                self.boosted_.append(boosted)
                b_oof[te] = b[te]
                lin_oof[te] = self._linear(lin, -age[te])
                f_oof[te] = boosted.predict(Xn[te])
        self.n_rounds_ = [len(bst.trees) for bst in self.boosted_]
        self.trend_per_month_ = float(np.mean([lin[1] for lin in self.linear_]))
        self.baseline_trend_per_month_ = float(np.mean([lin[1] for lin in self.base_linear_]))
        # Segment means of the out-of-fold heterogeneity over the visited rows.
        self.segment_means_: dict[int | None, float] = {None: float(f_oof[v].mean())}
        for s in np.unique(seg[v]):
            self.segment_means_[int(s)] = float(f_oof[v & (seg == s)].mean())
        self.shrink_, self.level_shift_ = 1.0, 0.0
        if self.shrink and rand.sum() >= 50:
            # Out of fold, on the randomised visits: the effect's level (the officers'
            # choices select larger effects than the population's) and how much of the
            # predicted spread around the segment means holds.
            fbar = self._segment_mean(seg)
            Z = np.column_stack([np.ones(int(rand.sum())), (f_oof - fbar)[rand]])
            off = (b_oof + lin_oof + fbar)[rand]
            shift, lam = newton_linear(Z, y[rand], off, np.ones(int(rand.sum())), l2=1.0)
            self.shrink_ = float(np.clip(lam, 0.0, 1.0))
            self.level_shift_ = float(shift)
        return self

    @staticmethod
    def _linear(lin: FloatArray, months_from_end: FloatArray) -> FloatArray:
        return np.asarray(lin[0] + lin[1] * months_from_end, float)

    def _fit_effect(self, Xn: FloatArray, y: FloatArray, b: FloatArray, age: FloatArray,
                    w: FloatArray, groups: Any, k: int) -> tuple[FloatArray, _Boosted]:
        """The mean effect and its trend (Newton), then the boosted heterogeneity."""
        Z = np.column_stack([np.ones(len(y)), -age if self.trend else np.zeros(len(y))])
        lin = newton_linear(Z, y, b, w)
        offset = b + Z @ lin
        boosted = newton_boost(Xn, y, offset, w, groups, fold=k, rounds=self.n_rounds,
                               learning_rate=self.learning_rate,
                               max_leaf_nodes=self.max_leaf_nodes,
                               min_samples_leaf=self.min_samples_leaf, l2=self.l2,
                               seed=self.random_state)
        return lin, boosted

    def _segment_mean(self, seg: npt.NDArray[np.int64]) -> FloatArray:
        overall = self.segment_means_[None]
        return np.array([self.segment_means_.get(int(s), overall) for s in seg], float)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "shrink_")

    def predict_parts(self, X: pd.DataFrame, month_index: Any,
                      segments: Any = None) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(loan | visit), P(loan | no visit) and their difference for each row.

        Parameters
        ----------
        X : pandas.DataFrame
            Features, as in :meth:`fit`.
        month_index : array-like of int
            Month of each row (the trend is extrapolated at most 12 months).
        segments : array-like of int, optional
            Segment code of each row.

        Returns
        -------
        tuple of numpy.ndarray
            ``p_visit, p_no_visit, uplift``, each the mean over the two halves.
        """
        if not self.__sklearn_is_fitted__():
            raise ModelError("the effect booster is not trained yet: call fit()")
        t = np.asarray(month_index, float)
        ahead = np.minimum(t - self.month_end_, _TREND_HORIZON_MONTHS)
        seg = np.zeros(len(X), int) if segments is None else np.asarray(segments, int)
        fbar = self._segment_mean(seg)
        Xn = numeric_features(X)
        p1s, p0s = [], []
        with threadpool_limits(limits=1, user_api="openmp"):
            for base, blin, lin, bst in zip(self.baselines_, self.base_linear_, self.linear_,
                                            self.boosted_, strict=True):
                b = _logit(base.predict_proba(X)[:, 1]) + self._linear(blin, ahead)
                f = fbar + self.level_shift_ + self.shrink_ * (bst.predict(Xn) - fbar)
                p0s.append(_sigmoid(b))
                p1s.append(_sigmoid(b + self._linear(lin, ahead) + f))
        p1, p0 = np.mean(p1s, axis=0), np.mean(p0s, axis=0)
        return p1, p0, p1 - p0

    def predict(self, X: pd.DataFrame, month_index: Any, segments: Any = None) -> FloatArray:
        """The visit's effect on P(loan) for each row (the uplift)."""
        return self.predict_parts(X, month_index, segments)[2]
