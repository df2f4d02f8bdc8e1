"""Checks of the modelling machinery on real public data (optional; needs ``../shared``).

* **UCI Bank Marketing** (Moro, Cortez & Rita 2014): product uptake after an outbound
  contact, 41,188 calls. ``duration`` is known only after the call, so it is dropped;
  published AUC without it is about 0.80. The same :class:`UptakeModel` as in
  production is cross-validated on it.
* **Cai, de Janvry & Sadoulet (2015)**: weather-insurance take-up of 1,410 rural Chinese
  households in 44 villages; ``intensive`` (an intensive information session) was
  randomised between sessions inside villages. Its average treatment effect is
  estimated by the within-village difference in take-up (village fixed effects) with
  village-clustered standard errors. :func:`cai2015_uplift` checks the uplift machinery
  against it: a boosted S-learner (the treatment as a feature, as in
  :class:`propensity.uplift.VisitValueModel`), cross-fitted by village, predicts each
  household's effect from a model that never saw its village; the mean predicted effect
  should fall inside the experiment's interval.

Nothing in the product needs these files at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from propensity.errors import DataError
from propensity.evaluation import expected_calibration_error
from propensity.model import UptakeModel

__all__ = [
    "AteEstimate",
    "load_bank_marketing",
    "bank_marketing_cv_auc",
    "load_cai2015",
    "cai2015_ate",
    "UpliftCheck",
    "cai2015_uplift",
]

#: Household covariates of the Cai et al. (2015) file the uplift check uses.
CAI_COVARIATES = ("age", "agpop", "ricearea_2010", "disaster_prob", "male", "default",
                  "risk_averse", "literacy", "pre_takeup_rate")

_BANK_CATEGORICAL = ("job", "marital", "education", "default", "housing", "loan", "contact",
                     "month", "day_of_week", "poutcome")


def load_bank_marketing(path: str | Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Read ``bank-additional-full.csv`` (``;``-separated) without the leaking ``duration``.

    Returns
    -------
    (X, y)
        Features with categorical columns as pandas ``category``; ``y`` 1 for "yes".
    """
    p = Path(path)
    if not p.exists():
        raise DataError("file not found", file=str(p))
    df = pd.read_csv(p, sep=";")
    if "y" not in df.columns:
        raise DataError("no 'y' column: is this bank-additional-full.csv?", file=str(p),
                         field="y")
    y = (df["y"].astype(str).str.strip() == "yes").to_numpy(int)
    X = df.drop(columns=["y", "duration"], errors="ignore")
    for c in _BANK_CATEGORICAL:
        if c in X.columns:
            X[c] = X[c].astype("category")
    return X, y


def bank_marketing_cv_auc(path: str | Path, *, n_splits: int = 5, n_members: int = 8,
                          random_state: int = 0) -> dict[str, float | list[float]]:
    """Stratified k-fold AUC and ECE of :class:`UptakeModel` on Bank Marketing.

    By default the model as shipped: all eight bootstrap members (the lead scorer's
    ``n_members``) and its Platt calibration, not a reduced single member.

    Returns
    -------
    dict
        ``auc_mean, auc_folds, ece_mean``.
    """
    X, y = load_bank_marketing(path)
    aucs, eces = [], []
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for tr, te in folds.split(X, y):
        m = UptakeModel(n_members=n_members, learning_rate=0.1, max_leaf_nodes=31,
                        min_samples_leaf=20, random_state=random_state)
        m.fit(X.iloc[tr], y[tr])
        p = m.predict_proba(X.iloc[te])[:, 1]
        aucs.append(float(roc_auc_score(y[te], p)))
        eces.append(expected_calibration_error(y[te], p))
    return {"auc_mean": float(np.mean(aucs)), "auc_folds": aucs,
            "ece_mean": float(np.mean(eces))}


@dataclass(frozen=True, slots=True)
class AteEstimate:
    """An average treatment effect with its village-clustered standard error."""

    ate: float
    se: float
    n: int
    n_clusters: int
    difference_in_means: float
    method: str

    @property
    def ci95(self) -> tuple[float, float]:
        """Normal 95 % confidence interval."""
        return (self.ate - 1.96 * self.se, self.ate + 1.96 * self.se)


def load_cai2015(path: str | Path) -> pd.DataFrame:
    """Read the Cai et al. (2015) household file and check its key columns."""
    p = Path(path)
    if not p.exists():
        raise DataError("file not found", file=str(p))
    df = pd.read_csv(p)
    missing = [c for c in ("village", "takeup_survey", "intensive") if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}", file=str(p), field=missing[0])
    return df


def cai2015_ate(data: str | Path | pd.DataFrame, *, treatment: str = "intensive",
                outcome: str = "takeup_survey", cluster: str = "village") -> AteEstimate:
    """Within-village (fixed-effects) ATE of the treatment on take-up, clustered SE.

    Parameters
    ----------
    data : path or pandas.DataFrame
        The household file.
    treatment, outcome, cluster : str
        Column names.

    Returns
    -------
    AteEstimate
    """
    df = data if isinstance(data, pd.DataFrame) else load_cai2015(data)
    d = df[[treatment, outcome, cluster]].dropna()
    t = d[treatment].to_numpy(float)
    y = d[outcome].to_numpy(float)
    g = d[cluster].astype(str).to_numpy()
    diff = float(y[t == 1].mean() - y[t == 0].mean())
    # Within transformation: subtract village means (fixed effects), then OLS of y on t.
    tm = pd.Series(t).groupby(g).transform("mean").to_numpy()
    ym = pd.Series(y).groupby(g).transform("mean").to_numpy()
    tt, yy = t - tm, y - ym
    sxx = float(tt @ tt)
    if sxx == 0:
        raise DataError("the treatment does not vary inside any village", field=treatment)
    beta = float(tt @ yy) / sxx
    e = yy - beta * tt
    scores = pd.Series(tt * e).groupby(g).sum().to_numpy()
    n_g = len(scores)
    n, k = len(y), n_g + 1
    var = float(scores @ scores) / sxx**2 * n_g / (n_g - 1) * (n - 1) / (n - k)
    return AteEstimate(ate=beta, se=float(np.sqrt(var)), n=n, n_clusters=n_g,
                       difference_in_means=diff, method="village fixed effects, clustered SE")


@dataclass(frozen=True, slots=True)
class UpliftCheck:
    """An uplift model's mean predicted effect next to the experiment's estimate."""

    mean_uplift: float
    uplift_sd: float
    experiment: AteEstimate
    n_folds: int

    @property
    def covered(self) -> bool:
        """Whether the experiment's 95 % interval covers the model's mean effect."""
        lo, hi = self.experiment.ci95
        return lo <= self.mean_uplift <= hi


def cai2015_uplift(data: str | Path | pd.DataFrame, *, treatment: str = "intensive",
                   outcome: str = "takeup_survey", cluster: str = "village",
                   n_folds: int = 5, random_state: int = 0) -> UpliftCheck:
    """Cross-fitted S-learner effect of the treatment, against :func:`cai2015_ate`.

    Parameters
    ----------
    data : path or pandas.DataFrame
        The household file.
    treatment, outcome, cluster : str
        Column names.
    n_folds : int
        Folds of villages: each household's effect comes from a model fitted on the
        other villages.
    random_state : int

    Returns
    -------
    UpliftCheck
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    df = data if isinstance(data, pd.DataFrame) else load_cai2015(data)
    cov = [c for c in CAI_COVARIATES if c in df.columns]
    d = df[[treatment, outcome, cluster, *cov]].dropna(subset=[treatment, outcome, cluster])
    X = d[cov].apply(pd.to_numeric, errors="coerce").assign(
        treated=d[treatment].to_numpy(int))
    y = d[outcome].to_numpy(int)
    groups = d[cluster].astype(str).to_numpy()
    effect = np.zeros(len(d))
    for tr, te in GroupKFold(n_splits=n_folds).split(X, y, groups):
        model = HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=300, max_leaf_nodes=7, min_samples_leaf=40,
            l2_regularization=1.0, early_stopping=True, validation_fraction=0.2,
            n_iter_no_change=20, random_state=random_state).fit(X.iloc[tr], y[tr])
        x1, x0 = X.iloc[te].assign(treated=1), X.iloc[te].assign(treated=0)
        effect[te] = model.predict_proba(x1)[:, 1] - model.predict_proba(x0)[:, 1]
    return UpliftCheck(mean_uplift=float(effect.mean()), uplift_sd=float(effect.std()),
                       experiment=cai2015_ate(d, treatment=treatment, outcome=outcome,
                                              cluster=cluster), n_folds=n_folds)
