"""How good is the lead model: discrimination, calibration, lift, importance, drift.

Validation follows how the model is used: train on the past, test on later months
(:func:`temporal_split`), and across villages (:func:`village_group_cv`), because
neighbouring businesses share unobserved village effects and a random split would
flatter the model.

Expected calibration error (ECE) is the count-weighted mean gap between predicted and
observed uptake over probability bins. With ``n`` rows its noise floor is roughly
``0.8 * sqrt(p (1 - p) * bins / n)`` (about 0.01 for 10 bins, 10,000 rows, p = 0.2),
so measure it on thousands of rows before reading much into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import GroupKFold

from propensity.drift import feature_drift
from propensity.errors import DataError
from propensity.history import history_features
from propensity.scorer import LeadScorer

__all__ = [
    "ModelReport",
    "expected_calibration_error",
    "calibration_bins",
    "lift_table",
    "report_from_predictions",
    "model_report",
    "calibration_plot_data",
    "plot_calibration",
    "feature_drift",
    "temporal_split",
    "village_group_cv",
]


def _arrays(y: Any, p: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    ya = np.asarray(y).astype(int)
    pa = np.asarray(p, float)
    if ya.shape != pa.shape or ya.ndim != 1:
        raise DataError("labels and probabilities must be 1-D and of equal length",
                         field="y")
    return ya, pa


def calibration_bins(y: Any, p: Any, n_bins: int = 10,
                     strategy: str = "uniform") -> pd.DataFrame:
    """Predicted versus observed uptake per probability bin.

    Parameters
    ----------
    y, p : array-like
        Outcomes (0/1) and predicted probabilities.
    n_bins : int
        Number of bins.
    strategy : {"uniform", "quantile"}
        Equal-width bins on [0, 1] or equal-count bins.

    Returns
    -------
    pandas.DataFrame
        ``p_lo, p_hi, pred_mean, obs_rate, count`` for non-empty bins.
    """
    ya, pa = _arrays(y, p)
    if strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    elif strategy == "quantile":
        edges = np.unique(np.quantile(pa, np.linspace(0, 1, n_bins + 1)))
        edges[0], edges[-1] = 0.0, 1.0
    else:
        raise DataError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}",
                         field="strategy")
    idx = np.clip(np.searchsorted(edges, pa, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for k in range(len(edges) - 1):
        sel = idx == k
        if sel.any():
            rows.append((edges[k], edges[k + 1], float(pa[sel].mean()), float(ya[sel].mean()),
                         int(sel.sum())))
    return pd.DataFrame(rows, columns=["p_lo", "p_hi", "pred_mean", "obs_rate", "count"])


def expected_calibration_error(y: Any, p: Any, n_bins: int = 10,
                               strategy: str = "uniform") -> float:
    """Count-weighted mean |predicted - observed| over probability bins."""
    bins = calibration_bins(y, p, n_bins, strategy)
    w = bins["count"] / bins["count"].sum()
    return float((w * (bins["pred_mean"] - bins["obs_rate"]).abs()).sum())


def lift_table(y: Any, p: Any, n_groups: int = 10) -> pd.DataFrame:
    """Uptake by score decile (group 1 = the highest scores).

    Returns
    -------
    pandas.DataFrame
        ``group, count, pred_mean, obs_rate, lift, cum_share_of_uptake``.
    """
    ya, pa = _arrays(y, p)
    order = np.argsort(-pa, kind="stable")
    groups = np.array_split(order, n_groups)
    base = ya.mean() if len(ya) else np.nan
    total = max(int(ya.sum()), 1)
    rows, cum = [], 0
    for g, sel in enumerate(groups, start=1):
        cum += int(ya[sel].sum())
        obs = float(ya[sel].mean()) if len(sel) else np.nan
        rows.append((g, len(sel), float(pa[sel].mean()) if len(sel) else np.nan, obs,
                     obs / base if base else np.nan, cum / total))
    return pd.DataFrame(rows, columns=["group", "count", "pred_mean", "obs_rate", "lift",
                                       "cum_share_of_uptake"])


@dataclass(frozen=True, eq=False)
class ModelReport:
    """Quality of an uptake model on a set of labelled rows.

    ``oracle_auc`` is filled when the true probabilities are known (synthetic economy).
    """

    n: int
    base_rate: float
    auc: float
    pr_auc: float
    brier: float
    ece: float
    log_loss: float
    calibration: pd.DataFrame
    lift: pd.DataFrame
    top_decile_uptake: float
    top_decile_lift: float
    feature_importance: pd.DataFrame = field(default_factory=pd.DataFrame)
    oracle_auc: float | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def auc_vs_oracle(self) -> float | None:
        """Model AUC as a share of the oracle's."""
        return None if self.oracle_auc is None else self.auc / self.oracle_auc

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        return {
            "n": self.n, "base_rate": self.base_rate, "auc": self.auc, "pr_auc": self.pr_auc,
            "brier": self.brier, "ece": self.ece, "log_loss": self.log_loss,
            "top_decile_uptake": self.top_decile_uptake,
            "top_decile_lift": self.top_decile_lift, "oracle_auc": self.oracle_auc,
            "auc_vs_oracle": self.auc_vs_oracle,
            "calibration": self.calibration.to_dict("records"),
            "lift": self.lift.to_dict("records"),
            "feature_importance": self.feature_importance.to_dict("records"),
            "meta": dict(self.meta),
        }


def report_from_predictions(y: Any, p: Any, *, n_bins: int = 10,
                            true_p: Any | None = None,
                            feature_importance: pd.DataFrame | None = None,
                            meta: Mapping[str, Any] | None = None) -> ModelReport:
    """Build a :class:`ModelReport` from outcomes and predicted probabilities.

    Raises
    ------
    DataError
        If ``y`` holds only one class (AUC is undefined).
    """
    ya, pa = _arrays(y, p)
    if len(np.unique(ya)) < 2:
        raise DataError("the evaluation rows need both outcomes to measure AUC", field="y")
    lift = lift_table(ya, pa)
    top = lift.iloc[0]
    return ModelReport(
        n=len(ya), base_rate=float(ya.mean()), auc=float(roc_auc_score(ya, pa)),
        pr_auc=float(average_precision_score(ya, pa)), brier=float(brier_score_loss(ya, pa)),
        ece=expected_calibration_error(ya, pa, n_bins),
        log_loss=float(log_loss(ya, np.clip(pa, 1e-12, 1 - 1e-12), labels=[0, 1])),
        calibration=calibration_bins(ya, pa, n_bins), lift=lift,
        top_decile_uptake=float(top["obs_rate"]), top_decile_lift=float(top["lift"]),
        feature_importance=feature_importance if feature_importance is not None
        else pd.DataFrame(columns=["feature", "importance_mean", "importance_std"]),
        oracle_auc=None if true_p is None else float(roc_auc_score(ya, np.asarray(true_p))),
        meta=dict(meta or {}),
    )


def model_report(scorer: LeadScorer, history: pd.DataFrame,
                 businesses: pd.DataFrame | None = None, *, n_bins: int = 10,
                 permutation_repeats: int = 3, random_state: int = 0,
                 true_p: Any | None = None) -> ModelReport:
    """Evaluate a fitted scorer's uptake model on labelled visits (e.g. held-out months).

    Parameters
    ----------
    scorer : LeadScorer
        Fitted scorer.
    history : pandas.DataFrame
        Labelled rows ``lead_id, month, took_loan``.
    businesses : pandas.DataFrame, optional
        Leads table; default the scorer's training table.
    n_bins : int
        Calibration bins.
    permutation_repeats : int
        Repeats of the permutation importance (0 skips it).
    random_state : int
        Seed of the permutations.
    true_p : array-like, optional
        True probabilities of the rows (synthetic data) for the oracle AUC.

    Returns
    -------
    ModelReport
    """
    from sklearn.inspection import permutation_importance

    b = scorer.businesses_ if businesses is None else businesses
    X, rows = history_features(b, history, tuple(scorer.feature_groups))
    y = rows["took_loan"].to_numpy(int)
    p = scorer.uptake_.predict_proba(X)[:, 1]
    imp = None
    if permutation_repeats > 0:
        res = permutation_importance(scorer.uptake_, X, y, scoring="roc_auc",
                                     n_repeats=permutation_repeats, random_state=random_state)
        imp = pd.DataFrame({"feature": list(X.columns),
                            "importance_mean": res.importances_mean,
                            "importance_std": res.importances_std})
        imp = imp.sort_values("importance_mean", ascending=False).reset_index(drop=True)
    meta = {"months": sorted(rows["month"].unique()), "train_months": scorer.train_months_}
    return report_from_predictions(y, p, n_bins=n_bins, true_p=true_p, feature_importance=imp,
                                   meta=meta)


def calibration_plot_data(report: ModelReport) -> pd.DataFrame:
    """Points of the reliability diagram: ``pred_mean`` (x), ``obs_rate`` (y), ``count``."""
    return report.calibration[["pred_mean", "obs_rate", "count"]].copy()


def plot_calibration(report: ModelReport, ax: Any = None) -> Any:
    """Draw the reliability diagram with matplotlib; returns the figure."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    else:
        fig = ax.figure
    d = calibration_plot_data(report)
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect")
    ax.scatter(d["pred_mean"], d["obs_rate"], s=10 + 90 * d["count"] / d["count"].max(),
               label="bins")
    ax.plot(d["pred_mean"], d["obs_rate"])
    ax.set_xlabel("predicted P(uptake)")
    ax.set_ylabel("observed uptake")
    ax.set_title(f"AUC {report.auc:.3f}, ECE {report.ece:.3f}")
    ax.legend(loc="upper left")
    return fig


def temporal_split(history: pd.DataFrame, holdout_months: int = 6) -> tuple[pd.DataFrame,
                                                                            pd.DataFrame]:
    """Split visits in time: the last ``holdout_months`` months are the test set.

    Raises
    ------
    DataError
        If the history does not span more than ``holdout_months`` months.
    """
    if "month" not in history.columns:
        raise DataError("visit history lacks column 'month'", field="month")
    months = sorted(history["month"].astype(str).str.slice(0, 7).unique())
    if holdout_months < 1 or len(months) <= holdout_months:
        raise DataError(f"history spans {len(months)} month(s): cannot hold out "
                         f"{holdout_months}", field="holdout_months")
    cut = months[-holdout_months]
    m = history["month"].astype(str).str.slice(0, 7)
    return (history[m < cut].reset_index(drop=True), history[m >= cut].reset_index(drop=True))


def village_group_cv(businesses: pd.DataFrame, history: pd.DataFrame, *, n_splits: int = 5,
                     scorer_params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Cross-validate with whole villages held out (GroupKFold by ``village``).

    Returns
    -------
    pandas.DataFrame
        ``fold, n_train, n_test, auc, ece`` per fold.
    """
    if "village" not in businesses.columns:
        raise DataError("the leads table has no 'village' column", field="village")
    village = businesses.drop_duplicates("lead_id").set_index("lead_id")["village"]
    h = history.reset_index(drop=True)
    groups = h["lead_id"].astype(str).map(village.astype(str)).fillna("?").to_numpy()
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise DataError(f"only {n_groups} villages for {n_splits} folds", field="n_splits")
    rows = []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=n_splits).split(h, groups=groups)):
        sc = LeadScorer(**dict(scorer_params or {})).fit_history(businesses, h.iloc[tr])
        X, r = history_features(businesses, h.iloc[te], tuple(sc.feature_groups))
        p = sc.uptake_.predict_proba(X)[:, 1]
        y = r["took_loan"].to_numpy(int)
        auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")
        rows.append((k, len(tr), len(te), auc, expected_calibration_error(y, p)))
    return pd.DataFrame(rows, columns=["fold", "n_train", "n_test", "auc", "ece"])
