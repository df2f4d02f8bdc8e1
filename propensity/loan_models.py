"""Loan size and default: the small models behind a lead's value.

:class:`LoanSizeModel` (log-linear ridge with smearing) and :class:`DefaultModel`
(regularised logistic regression) are small on purpose: only businesses that took a
loan teach them, and with too few of those they fall back to documented priors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.validation import check_is_fitted

from propensity.features import INDUSTRIES
from propensity.uptake import category_codes, sigmoid

__all__ = ["LoanSizeModel", "DefaultModel", "LOAN_PRIOR_YUAN", "PD_PRIOR"]

FloatArray = npt.NDArray[np.float64]

#: Typical one-year working-capital loan of a rural small business by industry (yuan),
#: the fallback when too few loans have been observed to fit the loan-size model.
LOAN_PRIOR_YUAN: Mapping[str, float] = {
    "jade_carving": 120_000,
    "kids_bicycles": 150_000,
    "pumpkin": 40_000,
    "jujube": 40_000,
    "sheep_farm": 80_000,
    "cattle_farm": 150_000,
    "fish_feed": 120_000,
    "clothing": 100_000,
    "small_shop": 30_000,
}
#: Prior probability of default of a rural small-business loan (non-performing ratios of
#: rural credit cooperatives are a few per cent); also the shrinkage target.
PD_PRIOR = 0.04



def _design(X: pd.DataFrame,
            med: Mapping[str, float] | None) -> tuple[FloatArray, dict[str, float]]:
    """Small numeric design matrix for the linear models (one-hot industry, log scales)."""
    cols: dict[str, FloatArray] = {}
    if "industry" in X.columns:
        codes = category_codes(X["industry"], pd.Index(list(INDUSTRIES)))
        for k, code in enumerate(INDUSTRIES):
            cols[f"ind_{code}"] = (codes == k).astype(float)

    def num(name: str) -> FloatArray:
        return pd.to_numeric(X[name], errors="coerce").to_numpy(float)

    if "staff" in X.columns:
        cols["log_staff"] = np.log1p(np.maximum(num("staff"), 0))
    if "revenue_band" in X.columns:
        cols["revenue_band"] = num("revenue_band")
    if "mobile_pay_flow_yuan" in X.columns:
        cols["log_pay"] = np.log1p(np.maximum(num("mobile_pay_flow_yuan"), 0))
    if "years_operating" in X.columns:
        cols["years"] = np.minimum(num("years_operating"), 40)
    if "has_existing_loan" in X.columns:
        cols["has_loan"] = num("has_existing_loan")
    if "cash_need_index" in X.columns:
        cols["log_cash_need"] = np.log(np.maximum(num("cash_need_index"), 1e-3))
    if "dist_branch_m" in X.columns:
        cols["dist_branch_km"] = num("dist_branch_m") / 1000.0
    fitted_med = dict(med) if med is not None else {
        k: (float(np.nanmedian(v)) if np.isfinite(v).any() else 0.0) for k, v in cols.items()}
    nan = np.full(len(X), np.nan)
    mat = np.column_stack([np.where(np.isnan(cols.get(k, nan)), fitted_med[k], cols.get(k, nan))
                           for k in fitted_med]) if fitted_med else np.zeros((len(X), 0))
    return mat, fitted_med


class LoanSizeModel(BaseEstimator):
    """Expected loan size of a business that borrows: log-linear ridge with smearing.

    Loan sizes vary multiplicatively (industry scale x revenue x season), so the model
    fits ``log(loan_yuan)`` and converts back with Duan's smearing factor. With fewer
    than ``min_loans`` observed loans it uses :data:`LOAN_PRIOR_YUAN` scaled by 1.3 per
    revenue band above the middle band.

    Parameters
    ----------
    alpha : float
        Ridge penalty.
    min_loans : int
        Loans needed to fit instead of using the prior.
    """

    def __init__(self, alpha: float = 1.0, min_loans: int = 30) -> None:
        self.alpha = alpha
        self.min_loans = min_loans

    def fit(self, X: pd.DataFrame, loan_yuan: Any) -> LoanSizeModel:
        """Fit on businesses that took a loan.

        Returns
        -------
        LoanSizeModel
            ``self``.
        """
        y = np.asarray(loan_yuan, float)
        ok = np.isfinite(y) & (y > 0)
        self.n_loans_ = int(ok.sum())
        self.uses_prior_ = self.n_loans_ < self.min_loans
        if self.uses_prior_:
            return self
        mat, self.medians_ = _design(X.iloc[np.flatnonzero(ok)], None)
        self.mean_ = mat.mean(axis=0)
        self.scale_ = mat.std(axis=0) + 1e-9
        self.ridge_ = Ridge(alpha=self.alpha).fit((mat - self.mean_) / self.scale_, np.log(y[ok]))
        resid = np.log(y[ok]) - self.ridge_.predict((mat - self.mean_) / self.scale_)
        self.smearing_ = float(np.mean(np.exp(resid)))
        self.resid_sd_ = float(np.std(resid))
        return self

    def predict(self, X: pd.DataFrame) -> FloatArray:
        """Expected loan in yuan for each row."""
        check_is_fitted(self, "uses_prior_")
        if self.uses_prior_:
            ind = X["industry"].astype(object).map(LOAN_PRIOR_YUAN).to_numpy(float) \
                if "industry" in X.columns else np.full(len(X), np.nan)
            ind = np.where(np.isnan(ind), float(np.median(list(LOAN_PRIOR_YUAN.values()))), ind)
            band = pd.to_numeric(X["revenue_band"], errors="coerce").to_numpy(float) \
                if "revenue_band" in X.columns else np.full(len(X), 3.0)
            return np.asarray(ind * 1.3 ** (np.nan_to_num(band, nan=3.0) - 3), float)
        mat, _ = _design(X, self.medians_)
        z = self.ridge_.predict((mat - self.mean_) / self.scale_)
        return np.asarray(np.exp(z) * self.smearing_, float)


class DefaultModel(BaseEstimator):
    """Probability that a loan defaults: L2 logistic regression, or a shrunk prior.

    Defaults are rare, so with fewer than ``min_defaults`` observed defaults the model
    predicts the pooled rate shrunk towards :data:`PD_PRIOR` with the weight of
    ``prior_strength`` pseudo-loans.

    Parameters
    ----------
    C : float
        Inverse L2 penalty.
    min_defaults : int
        Defaults needed to fit a model.
    prior_strength : float
        Pseudo-loans of the prior.
    """

    def __init__(self, C: float = 0.3, min_defaults: int = 15,
                 prior_strength: float = 50.0) -> None:
        self.C = C
        self.min_defaults = min_defaults
        self.prior_strength = prior_strength

    def fit(self, X: pd.DataFrame, defaulted: Any) -> DefaultModel:
        """Fit on businesses that took a loan (``defaulted`` 0/1; NaN rows are ignored).

        Returns
        -------
        DefaultModel
            ``self``.
        """
        y = pd.to_numeric(pd.Series(np.asarray(defaulted)), errors="coerce").to_numpy(float)
        ok = np.isfinite(y)
        d = int((y[ok] == 1).sum())
        n = int(ok.sum())
        self.n_loans_, self.n_defaults_ = n, d
        self.rate_ = (d + self.prior_strength * PD_PRIOR) / (n + self.prior_strength)
        self.uses_prior_ = d < self.min_defaults or (n - d) < self.min_defaults
        if self.uses_prior_:
            return self
        mat, self.medians_ = _design(X.iloc[np.flatnonzero(ok)], None)
        self.mean_ = mat.mean(axis=0)
        self.scale_ = mat.std(axis=0) + 1e-9
        self.lr_ = LogisticRegression(C=self.C, max_iter=2000).fit(
            (mat - self.mean_) / self.scale_, (y[ok] == 1).astype(int))
        return self

    def predict_proba_default(self, X: pd.DataFrame) -> FloatArray:
        """P(default) for each row."""
        check_is_fitted(self, "uses_prior_")
        if self.uses_prior_:
            return np.full(len(X), self.rate_)
        mat, _ = _design(X, self.medians_)
        z = (mat - self.mean_) / self.scale_ @ self.lr_.coef_[0] + self.lr_.intercept_[0]
        return np.asarray(sigmoid(z), float)
