"""Drift of the features a model meets from those it was trained on.

A fitted :class:`~propensity.scorer.LeadScorer` keeps a :class:`FeatureProfile` of its
training rows, shares only, and :func:`feature_drift` measures new rows against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["FeatureProfile", "feature_drift", "feature_profile"]


@dataclass(frozen=True)
class FeatureProfile:
    """How each feature was spread over the training rows: what drift is measured against.

    Only shares are kept (numeric features: the training deciles and the share of rows in
    each bin, a missing bin last; categorical ones: the share of each category), so a model
    that carries its profile carries no business's row.
    """

    n_rows: int
    numeric: Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]
    categorical: Mapping[str, Mapping[Any, float]]


def _categorical(col: pd.Series) -> bool:
    return isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object


def _bins(v: npt.NDArray[np.float64], inner: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    idx = np.searchsorted(inner, v, side="right")
    idx[~np.isfinite(v)] = len(inner) + 1
    return np.bincount(idx, minlength=len(inner) + 2).astype(float)


def feature_profile(X: pd.DataFrame, n_bins: int = 10) -> FeatureProfile:
    """The :class:`FeatureProfile` of a feature frame (numeric features in ``n_bins`` bins)."""
    numeric: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    categorical: dict[str, dict[Any, float]] = {}
    for c in X.columns:
        col = X[c]
        if _categorical(col):
            counts = col.astype(object).value_counts(dropna=False)
            categorical[c] = {k: float(n) / max(len(col), 1) for k, n in counts.items()}
            continue
        v = pd.to_numeric(col, errors="coerce").to_numpy(float)
        fin = v[np.isfinite(v)]
        edges = np.unique(np.quantile(fin, np.linspace(0, 1, n_bins + 1))) if len(fin) \
            else np.array([0.0])
        inner = edges[1:-1]
        share = _bins(v, inner) / max(len(v), 1)
        numeric[c] = (tuple(float(x) for x in inner), tuple(float(x) for x in share))
    return FeatureProfile(len(X), numeric, categorical)


def feature_drift(train: pd.DataFrame | FeatureProfile, new_X: pd.DataFrame,
                  n_bins: int = 10) -> pd.DataFrame:
    """Population stability index of every shared feature between training and new rows.

    Numeric features use the training deciles as bins (plus a missing bin);
    categorical ones their categories. PSI < 0.1 is stable, 0.1-0.25 moderate drift,
    above 0.25 a major shift (retrain).

    Parameters
    ----------
    train : pandas.DataFrame or FeatureProfile
        The training feature rows, or their profile (what a fitted scorer keeps).
    new_X : pandas.DataFrame
    n_bins : int
        Bins of a numeric feature when ``train`` is a frame.

    Returns
    -------
    pandas.DataFrame
        ``feature, psi, status`` sorted by ``psi`` descending.
    """
    ref = train if isinstance(train, FeatureProfile) else feature_profile(train, n_bins)
    eps = 1e-4
    rows = []
    for c in [c for c in new_X.columns if c in ref.numeric or c in ref.categorical]:
        b = new_X[c]
        if c in ref.categorical:
            pa = pd.Series(ref.categorical[c], dtype=float)
            pb = b.astype(object).value_counts(dropna=False).astype(float)
            cats = pa.index.union(pb.index, sort=False)
            fa = pa.reindex(cats, fill_value=0).to_numpy(float)
            fb = pb.reindex(cats, fill_value=0).to_numpy(float)
        else:
            inner, share = ref.numeric[c]
            fa = np.asarray(share, dtype=float)
            fb = _bins(pd.to_numeric(b, errors="coerce").to_numpy(float), np.asarray(inner))
        fa = fa / max(fa.sum(), 1e-12) + eps
        fb = fb / max(fb.sum(), 1) + eps
        psi = float(np.sum((fb - fa) * np.log(fb / fa)))
        status = "stable" if psi < 0.1 else ("moderate" if psi < 0.25 else "major")
        rows.append((c, psi, status))
    return pd.DataFrame(rows, columns=["feature", "psi", "status"]).sort_values(
        "psi", ascending=False, kind="stable").reset_index(drop=True)
