"""A penalised additive logistic model of the no-visit baseline (splines and one-hots).

:class:`SplineLogit` is the smooth part of :class:`~propensity.uplift_offset.OffsetUplift`'s
no-visit baseline with ``baseline="spline"``, ``"blend"`` or ``"stack"``. Walk-in loans are
rare (a few hundred in a half of the business-months nobody visited), and the walk-in
rate moves smoothly and mostly additively in the log-odds with what the bank records
(size, payment flow, age, distance, cluster, season). A boosted tree model must learn each
of those shapes from steps with that little data; an additive logistic model of B-splines
(numeric columns) and one-hot levels (categories, columns of few values), with one ridge
penalty picked by cross-validation over leads, fits them with far less variance. What is
not additive (interactions) is left to trees stacked on its log-odds
(:class:`SplineBaseline`).

A measured result short of the bar (issue 18, heterogeneous economy, development seeds
10-17, ``bench/bench_propensity.py --sections uplift --offset-baselines spline blend
stack``): the spline model tracks the truth's no-visit log-odds more closely (correlation
0.86 against 0.82-0.83 for the trees on seeds 10 and 12), but the value ranking gained
little. Qini top 10 % (default boosted baseline 0.665, top decile predicted / true 1.18):
``spline`` 0.678 (1.11), ``blend`` 0.677 (1.11), ``stack`` 0.675 (1.07); among the leads the
one-year rule leaves open 0.678 -> 0.700, 0.698, 0.679. Tried and dropped: the months since
a loan left to the recalibration alone (``blend`` 0.691 but predicted / true 1.40), or as
one-hot months under a weaker ridge (``blend`` 0.663). None is the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import SplineTransformer

from propensity.uplift_boost import _Boosted, _logit, numeric_features

__all__ = ["SplineLogit", "SplineBaseline", "fit_spline_baseline"]

FloatArray = npt.NDArray[np.float64]
#: A numeric column with at most this many distinct values gets one-hot levels, not splines.
_MAX_LEVELS = 12
#: Skewness above which a non-negative column is splined on ``log1p`` (payment flows,
#: distances, staff: equally spaced knots in the quantiles of a log scale bend evenly).
_LOG_SKEW = 2.0


class _Column:
    """How one column enters the design: one-hot levels or B-splines, plus a missing flag."""

    def __init__(self, values: FloatArray, n_knots: int, categorical: bool = False) -> None:
        self.categorical = categorical
        ok = np.isfinite(values)
        v = values[ok]
        self.flag = bool((~ok).any())
        self.fill = float(np.median(v)) if len(v) else 0.0
        self.levels = np.unique(v) if len(v) else np.zeros(1)
        self.log = False
        self.spline: SplineTransformer | None = None
        if len(self.levels) > _MAX_LEVELS and not categorical:
            sd = float(np.std(v))
            skew = float(np.mean((v - v.mean()) ** 3)) / sd ** 3 if sd > 0 else 0.0
            self.log = bool(v.min() >= 0 and skew > _LOG_SKEW)
            # Quantile knots, constant beyond the range seen: a few extreme businesses must
            # not extrapolate a cubic's tail.
            self.spline = SplineTransformer(n_knots=n_knots, degree=3, knots="quantile",
                                            extrapolation="constant", include_bias=False)
        z = self._scale(np.where(ok, values, self.fill))
        if self.spline is not None:
            self.spline.fit(z[:, None])
        self.centre, self.sd = float(np.mean(z)), float(np.std(z)) or 1.0

    def _range(self) -> tuple[float, float]:
        lo, hi = float(self.levels[0]), float(self.levels[-1])
        return (float(np.log1p(max(lo, 0.0))), float(np.log1p(max(hi, 0.0)))) if self.log \
            else (lo, hi)

    def _scale(self, v: FloatArray) -> FloatArray:
        return np.log1p(np.maximum(v, 0.0)) if self.log else v

    def design(self, values: FloatArray) -> FloatArray:
        ok = np.isfinite(values)
        v = np.where(ok, values, self.fill)
        # A standardised linear term next to the bends: with one ridge on all columns the
        # bases (in [0, 1]) are shrunk harder than it, so a weak fit is shrunk toward a
        # straight line, not toward no effect at all.
        parts = [] if self.categorical else \
            [(np.clip(self._scale(v), *self._range()) - self.centre)[:, None] / self.sd]
        if self.spline is not None:
            parts.append(self.spline.transform(self._scale(v)[:, None]))
        elif len(self.levels) > 2 or self.categorical:
            # The nearest level at or below (a value unseen in training shares its bin).
            idx = np.clip(np.searchsorted(self.levels, v, side="right") - 1, 0,
                          len(self.levels) - 1)
            parts.append(np.eye(len(self.levels))[idx])
        if self.flag:
            parts.append((~ok).astype(float)[:, None])
        return np.asarray(np.column_stack(parts), float)


class SplineLogit(BaseEstimator):
    """Ridge logistic regression on B-splines of the numeric columns and one-hot levels.

    Parameters
    ----------
    n_knots : int
        Knots of each numeric column's cubic B-splines (at its quantiles).
    Cs : sequence of float
        Inverse ridge strengths tried; the one of the least held-out log-loss is refitted
        on all rows.
    n_folds : int
        Folds of leads (``groups``) of the choice of ``C``.
    random_state : int
        Seeds the folds.

    Attributes
    ----------
    C_ : float
        The chosen inverse ridge strength.
    columns_ : list of str
        The columns seen in :meth:`fit`.
    """

    def __init__(self, *, n_knots: int = 6,
                 Cs: Sequence[float] = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
                 n_folds: int = 3, random_state: int = 0) -> None:
        self.n_knots = n_knots
        self.Cs = Cs
        self.n_folds = n_folds
        self.random_state = random_state

    def _design(self, X: pd.DataFrame) -> FloatArray:
        Xn = numeric_features(X[self.columns_])
        return np.asarray(np.column_stack([c.design(Xn[:, j])
                                           for j, c in enumerate(self.parts_)]), float)

    def _model(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=1000, tol=1e-6)

    def fit(self, X: pd.DataFrame, y: Any, sample_weight: Any = None,
            groups: Any = None) -> SplineLogit:
        """Fit on features ``X`` (categories as ``category``) and outcomes ``y``.

        Parameters
        ----------
        X : pandas.DataFrame
        y : array-like of int
        sample_weight : array-like, optional
        groups : array-like, optional
            Lead of each row: the folds of the choice of ``C`` hold out leads, not rows
            (a lead's months share its unobserved interest). Default: each row alone.

        Returns
        -------
        SplineLogit
            ``self``.
        """
        if self.n_knots < 2 or self.n_folds < 2 or not len(self.Cs):
            raise ValueError("n_knots and n_folds must be >= 2 and Cs not empty")
        y = np.asarray(y, int)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        self.columns_ = list(X.columns)
        Xn = numeric_features(X)
        self.parts_ = [_Column(Xn[:, j], self.n_knots,
                               isinstance(X[name].dtype, pd.CategoricalDtype))
                       for j, name in enumerate(self.columns_)]
        D = self._design(X)
        g = np.arange(len(y)).astype(str) if groups is None else np.asarray(groups).astype(str)
        key = f"spline{self.random_state % 10**6:06d}"[:16].ljust(16, "0")
        fold = pd.util.hash_array(g.astype(object), hash_key=key) % self.n_folds
        loss = np.zeros(len(self.Cs))
        for k in range(self.n_folds):
            tr, te = fold != k, fold == k
            if len(np.unique(y[tr])) < 2:
                continue
            for i, C in enumerate(self.Cs):
                p = self._model(C).fit(D[tr], y[tr], sample_weight=w[tr]) \
                    .predict_proba(D[te])[:, 1]
                p = np.clip(p, 1e-9, 1 - 1e-9)
                loss[i] -= float(np.sum(w[te] * (y[te] * np.log(p)
                                                 + (1 - y[te]) * np.log(1 - p))))
        self.C_ = float(self.Cs[int(np.argmin(loss))])
        self.model_ = self._model(self.C_).fit(D, y, sample_weight=w)
        return self

    def logit(self, X: pd.DataFrame) -> FloatArray:
        """Log-odds of a loan for each row of ``X``."""
        return np.asarray(self.model_.decision_function(self._design(X)), float)


class SplineBaseline:
    """One half's no-visit baseline: the spline model's log-odds, averaged with a boosted
    classifier's (``blend``) or plus regression trees boosted on its residual (``stack``).

    Parameters
    ----------
    spline : SplineLogit
        Fitted.
    gbm : object, optional
        A fitted classifier with ``predict_proba`` (``blend``: its log-odds are averaged
        with the spline's).
    residual : _Boosted, optional
        Trees boosted on the logistic loss with the spline's log-odds as the offset
        (``stack``), on :func:`~propensity.uplift_boost.numeric_features` of ``X``.
    """

    def __init__(self, spline: SplineLogit, gbm: Any = None,
                 residual: _Boosted | None = None) -> None:
        self.spline = spline
        self.gbm = gbm
        self.residual = residual

    def logit(self, X: pd.DataFrame) -> FloatArray:
        """Log-odds of a walk-in loan without a visit for each row of ``X``."""
        z = self.spline.logit(X)
        if self.gbm is not None:
            z = 0.5 * (z + _logit(self.gbm.predict_proba(X)[:, 1]))
        if self.residual is not None:
            z = z + self.residual.predict(numeric_features(X))
        return np.asarray(z, float)


def fit_spline_baseline(kind: str, X: pd.DataFrame, y: FloatArray, w: FloatArray,
                        lead: npt.NDArray[Any], *, seed: int, gbm: Any = None,
                        boost: dict[str, Any] | None = None
                        ) -> SplineBaseline:
    """Fit a ``spline``, ``blend`` or ``stack`` no-visit baseline on the rows given.

    Parameters
    ----------
    kind : {"spline", "blend", "stack"}
    X, y, w, lead
        Features, outcome 0/1, row weights and lead of each (control) row.
    seed : int
    gbm : classifier, optional
        Unfitted; ``blend`` fits it on ``X`` and averages its log-odds in.
    boost : dict, optional
        ``stack``: :func:`~propensity.uplift_boost.newton_boost` settings of the trees
        boosted on the spline model's residual (early stopped on held-out leads, so they
        add little where the additive model already fits).

    Returns
    -------
    SplineBaseline
    """
    from propensity.uplift_boost import newton_boost

    spline = SplineLogit(random_state=seed).fit(X, y, sample_weight=w, groups=lead)
    if kind == "blend":
        return SplineBaseline(spline, gbm=gbm.fit(X, y, sample_weight=w))
    if kind == "stack":
        residual = newton_boost(numeric_features(X), y, spline.logit(X), w, lead,
                                fold=seed, seed=seed, **(boost or {}))
        return SplineBaseline(spline, residual=residual)
    return SplineBaseline(spline)
