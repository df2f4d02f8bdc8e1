"""How well a ranking finds the value visits cause, measured on a known truth.

On the synthetic economy the effect of a visit is known for every lead
(:meth:`propensity.Economy.visit_caused_value_yuan`), so a ranking is judged directly by
the true effect it collects rather than by the noisy Qini estimate from a randomised
sample:

* :func:`qini_curve` — cumulative true effect of the top ``k`` leads of a ranking against
  the share of leads visited, next to the oracle ranking (by the true effect) and random
  order;
* :func:`qini_coefficient` — area between the ranking's curve and random order, divided
  by the same area of the oracle (1 = oracle, 0 = random);
* :func:`top_share_ratio` — true effect captured by the ranking's top share (say 10 %)
  over what the oracle's top share captures;
* :func:`decile_calibration` — predicted against true effect per predicted decile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.errors import DataError

__all__ = ["qini_curve", "qini_coefficient", "top_share_ratio", "decile_calibration"]

FloatArray = npt.NDArray[np.float64]


def _pair(score: Any, effect: Any) -> tuple[FloatArray, FloatArray]:
    s = np.asarray(score, float)
    e = np.asarray(effect, float)
    if s.shape != e.shape or s.ndim != 1 or not len(s):
        raise DataError("score and true effect must be 1-D, non-empty and of equal length",
                        field="score")
    if not (np.isfinite(s).all() and np.isfinite(e).all()):
        raise DataError("score and true effect must be finite", field="score")
    return s, e


def qini_curve(score: Any, true_effect: Any) -> pd.DataFrame:
    """Cumulative true effect of the ranking, the oracle and random order.

    Parameters
    ----------
    score : array-like
        Higher = visit first.
    true_effect : array-like
        True effect of a visit to each lead (yuan or loans).

    Returns
    -------
    pandas.DataFrame
        ``share`` (0..1 of the leads visited), ``model``, ``oracle``, ``random``
        (cumulative true effect).
    """
    s, e = _pair(score, true_effect)
    n = len(s)
    model = np.concatenate([[0.0], np.cumsum(e[np.argsort(-s, kind="stable")])])
    oracle = np.concatenate([[0.0], np.cumsum(np.sort(e)[::-1])])
    share = np.arange(n + 1) / n
    return pd.DataFrame({"share": share, "model": model, "oracle": oracle,
                         "random": share * e.sum()})


def qini_coefficient(score: Any, true_effect: Any) -> float:
    """Area between the ranking's curve and random, over the oracle's (1 = oracle)."""
    c = qini_curve(score, true_effect)
    x = c["share"].to_numpy()
    gain = np.trapezoid(c["model"] - c["random"], x)
    best = np.trapezoid(c["oracle"] - c["random"], x)
    return float(gain / best) if best > 0 else float("nan")


def top_share_ratio(score: Any, true_effect: Any, share: float = 0.1) -> float:
    """True effect in the ranking's top ``share`` over the oracle's top ``share``."""
    s, e = _pair(score, true_effect)
    if not 0 < share <= 1:
        raise DataError("share must be in (0, 1]", field="share")
    k = max(1, int(round(share * len(s))))
    best = np.sort(e)[::-1][:k].sum()
    got = e[np.argsort(-s, kind="stable")[:k]].sum()
    return float(got / best) if best > 0 else float("nan")


def decile_calibration(predicted: Any, true_effect: Any, n_groups: int = 10) -> pd.DataFrame:
    """Mean predicted and true effect per predicted group (decile 1 = highest).

    Returns
    -------
    pandas.DataFrame
        ``decile, n, predicted_mean, true_mean, ratio`` (predicted / true).
    """
    p, e = _pair(predicted, true_effect)
    order = np.argsort(-p, kind="stable")
    rows = []
    for g, idx in enumerate(np.array_split(order, n_groups), start=1):
        pm, tm = float(p[idx].mean()), float(e[idx].mean())
        rows.append({"decile": g, "n": len(idx), "predicted_mean": pm, "true_mean": tm,
                     "ratio": pm / tm if tm else float("nan")})
    return pd.DataFrame(rows)
