"""How sure a held-out AUC is: DeLong's variance of one AUC and of two models' difference.

A retrained model is judged on the same held-out visits as the model it would replace, so
the two AUCs are correlated: their difference is far less noisy than either AUC alone, and
its standard error must come from the paired visits (DeLong, DeLong & Clarke-Pearson 1988,
computed with midranks as Sun & Xu 2014 describe). Both are deterministic: no resampling,
the same visits give the same interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

__all__ = ["AucComparison", "compare_aucs"]


@dataclass(frozen=True)
class AucComparison:
    """Two models' AUCs on the same visits, with DeLong standard errors.

    Attributes
    ----------
    auc_new, auc_old : float
        Each model's AUC (``auc_old`` is NaN without an old model).
    se_new : float
        Standard error of ``auc_new``.
    se_diff : float
        Standard error of ``auc_new - auc_old`` (NaN without an old model).
    n_pos, n_neg : int
        Visits with and without a loan the AUCs are measured on.
    level : float
        Two-sided confidence level of the intervals (e.g. 0.95).
    """

    auc_new: float
    auc_old: float
    se_new: float
    se_diff: float
    n_pos: int
    n_neg: int
    level: float = 0.95

    @property
    def _z(self) -> float:
        return float(norm.ppf(0.5 + self.level / 2))

    @property
    def new_interval(self) -> tuple[float, float]:
        """The interval of the new model's AUC."""
        return self.auc_new - self._z * self.se_new, self.auc_new + self._z * self.se_new

    @property
    def diff(self) -> float:
        """``auc_new - auc_old``."""
        return self.auc_new - self.auc_old

    @property
    def diff_interval(self) -> tuple[float, float]:
        """The interval of ``auc_new - auc_old`` (NaN without an old model)."""
        return self.diff - self._z * self.se_diff, self.diff + self._z * self.se_diff


def _components(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's structural components: per positive, the share of negatives it outranks
    (ties half); per negative, the share of positives that outrank it."""
    pos, neg = score[y == 1], score[y == 0]
    m, n = len(pos), len(neg)
    every = rankdata(np.concatenate([pos, neg]))  # midranks: ties count half
    v10 = (every[:m] - rankdata(pos)) / n
    v01 = 1.0 - (every[m:] - rankdata(neg)) / m
    return v10, v01


def compare_aucs(y: np.ndarray, p_new: np.ndarray, p_old: np.ndarray | None = None,
                 level: float = 0.95) -> AucComparison:
    """AUC of ``p_new`` (and of ``p_old`` on the same visits) with DeLong standard errors.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 outcome of each visit (both must occur, each at least twice).
    p_new, p_old : numpy.ndarray
        Each model's score of each visit; ``p_old`` optional.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    AucComparison

    Raises
    ------
    ValueError
        Fewer than two visits of either outcome (no variance can be estimated).
    """
    y = np.asarray(y, dtype=int)
    m, n = int((y == 1).sum()), int((y == 0).sum())
    if m < 2 or n < 2:
        raise ValueError(f"an AUC's variance needs two visits of each outcome, got {m} "
                         f"with and {n} without")
    scores = [np.asarray(p_new, dtype=float)]
    if p_old is not None:
        scores.append(np.asarray(p_old, dtype=float))
    parts = [_components(y, s) for s in scores]
    v10 = np.vstack([p[0] for p in parts])
    v01 = np.vstack([p[1] for p in parts])
    aucs = v10.mean(axis=1)
    cov = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
    se_new = float(np.sqrt(max(cov[0, 0], 0.0)))
    if p_old is None:
        return AucComparison(float(aucs[0]), float("nan"), se_new, float("nan"), m, n, level)
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    return AucComparison(float(aucs[0]), float(aucs[1]), se_new,
                         float(np.sqrt(max(var_diff, 0.0))), m, n, level)
