"""Expected value of a visit per lead, its uncertainty and its reasons.

``value_yuan = P(uptake | visit) x E[loan] x ((1 - PD) x margin - PD x lgd)``

* ``margin`` is the bank's net interest margin over the loan's life: for a one-year
  rural working-capital loan roughly 4-6 % of the amount (default 5 %);
* ``lgd`` (loss given default, share of the principal lost) is 0 by default, which is the
  plain ``P x loan x (1 - PD) x margin`` rule; set it to also charge expected losses.
  Values are floored at 0: a lead is then simply not worth a visit.

``value_std_yuan`` is the spread of the value over the uptake model's bootstrap members:
the model's uncertainty about the lead, not the randomness of the outcome.

:class:`LeadScorer` is a scikit-learn estimator whose input is a visit table
(:mod:`propensity.history`). The reasons are :mod:`propensity.explanations`; exploration
and retraining :mod:`propensity.retraining`; saving and loading :mod:`propensity.persistence`.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator

from propensity.drift import feature_profile
from propensity.errors import DataError, DataWarning, ModelError
from propensity.explanations import explain_rows
from propensity.features import FEATURE_GROUPS, MONOTONIC, build_features, feature_names
from propensity.history import (
    OUTCOME_COLUMNS,
    check_history,
    history_features,
    outcomes_to_history,
    visit_features,
    visit_table,
)
from propensity.loan_models import DefaultModel, LoanSizeModel
from propensity.outcomes import OUTCOME_UPTAKE
from propensity.uptake import UptakeModel

__all__ = [
    "LeadScorer",
    "DEFAULT_MARGIN",
    "MODEL_INPUT_COLUMNS",
    "TRAINING_DATA_ATTRIBUTES",
    "OUTCOME_UPTAKE",
    "SCORE_COLUMNS",
    "interaction_groups",
    "outcomes_to_history",
    "history_features",
    "visit_table",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Net interest margin over a one-year rural working-capital loan.
DEFAULT_MARGIN = 0.05


SCORE_COLUMNS = ("lead_id", "p_uptake", "loan_yuan", "p_default", "value_yuan",
                 "value_std_yuan", "do_not_visit", "explanation_en", "explanation_zh")

_SEASON_COLS = ("industry", "month_sin", "month_cos", "cash_need_index")

#: Lead columns a fitted scorer keeps (what its features are built from): never names,
#: phones, addresses or any other column of the leads table.
MODEL_INPUT_COLUMNS: tuple[str, ...] = (
    "lead_id", "industry", "lat", "lon", *FEATURE_GROUPS["business"][1:],
    *FEATURE_GROUPS["spatial"])
#: Fitted attributes that are training data rather than model; model files leave them out
#: (see :func:`propensity.persistence.save_scorer`).
TRAINING_DATA_ATTRIBUTES: tuple[str, ...] = ("businesses_", "history_")


def interaction_groups(columns: Sequence[str]) -> list[list[str]]:
    """Partition of the features: industry x season together, every other feature alone."""
    season = [c for c in _SEASON_COLS if c in columns]
    if season == ["industry"]:
        season = []
    groups = [season] if season else []
    groups += [[c] for c in columns if c not in season]
    return groups


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), float)


class LeadScorer(BaseEstimator):
    """Uptake, loan-size and default models combined into a value per lead.

    A scikit-learn estimator over *visit tables* (:func:`~propensity.history.visit_table`):
    one row per visit with the business's columns, the ``month`` of the visit and, for
    fitting, its outcome (``took_loan``, ``loan_yuan``, ``defaulted``). Scoring a whole
    leads table for one month is :meth:`score`.

    Parameters
    ----------
    margin : float
        Net interest margin over the loan's life (share of the amount), default 0.05.
    lgd : float
        Loss given default charged on expected defaults (0 = the plain rule).
    n_members : int
        Bootstrap members of the uptake model.
    feature_groups : sequence of str
        Which of ``business``, ``spatial``, ``seasonal`` the models see.
    random_state : int
        Seed of training.
    uptake_params : mapping, optional
        Extra :class:`~propensity.uptake.UptakeModel` parameters.

    Attributes
    ----------
    uptake_ : UptakeModel
    loan_ : LoanSizeModel
    default_ : DefaultModel
    classes_ : numpy.ndarray
        ``[0, 1]`` (took no loan, took a loan).
    businesses_ : pandas.DataFrame
        The leads table :func:`~propensity.retraining.retrain` defaults to, cut to
        :data:`MODEL_INPUT_COLUMNS` (no names, phones or addresses). In memory only:
        a scorer loaded from a model file has none.
    history_ : pandas.DataFrame
        The visits learnt from: ``lead_id, month, took_loan, loan_yuan, defaulted``.
        In memory only, like ``businesses_``.
    train_months_ : list of str
    n_train_ : int
    train_profile_ : FeatureProfile
        How the training features were spread (shares only; the reference of drift checks).
    feature_medians_ : dict
        Median of every numeric feature over the training visits.
    visit_value_, value_basis_, uplift_support_
        Set by :func:`propensity.planning.add_visit_value`: the value a visit causes
        (:class:`~propensity.uplift.VisitValueModel` or ``None``), the basis plans use
        (:class:`~propensity.planning.ValueBasis`) and what the data held for it.
    """

    def __init__(self, *, margin: float = DEFAULT_MARGIN, lgd: float = 0.0, n_members: int = 8,
                 feature_groups: Sequence[str] = ("business", "spatial", "seasonal"),
                 random_state: int = 0, uptake_params: Mapping[str, Any] | None = None) -> None:
        self.margin = margin
        self.lgd = lgd
        self.n_members = n_members
        self.feature_groups = feature_groups
        self.random_state = random_state
        self.uptake_params = uptake_params

    def _check_params(self) -> None:
        if not (0 < self.margin < 1):
            raise DataError(f"margin must be a share in (0, 1), got {self.margin!r}",
                             field="margin")
        if not (0 <= self.lgd <= 1):
            raise DataError(f"lgd must be a share in [0, 1], got {self.lgd!r}", field="lgd")
        feature_names(tuple(self.feature_groups))

    def __getattr__(self, name: str) -> Any:
        # Only called for missing attributes: say why a loaded scorer has no training data.
        if name in TRAINING_DATA_ATTRIBUTES and self.__dict__.get("uptake_") is not None:
            raise AttributeError(
                f"this lead scorer has no {name}: model files keep no training data (so no "
                "personal data); pass the leads table and history explicitly")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def without_training_data(self) -> LeadScorer:
        """A shallow copy without the training tables: what a model file holds.

        Returns
        -------
        LeadScorer
        """
        twin = copy.copy(self)
        for name in TRAINING_DATA_ATTRIBUTES:
            twin.__dict__.pop(name, None)
        return twin

    @property
    def feature_names_(self) -> list[str]:
        """Feature columns in the model's order (as this version builds them)."""
        return feature_names(tuple(self.feature_groups))

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return hasattr(self, "uptake_")

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    def require_fitted(self) -> None:
        """Raise :class:`~propensity.errors.ModelError` unless the scorer is fitted."""
        if not self.is_fitted:
            raise ModelError("the lead scorer is not trained yet: call fit() or load_scorer()")

    # ------------------------------------------------------------------------------ fit
    def fit(self, X: pd.DataFrame, y: Any = None, *,
            leads: pd.DataFrame | None = None) -> LeadScorer:
        """Train the three models on a visit table.

        Parameters
        ----------
        X : pandas.DataFrame
            Visit table (see :func:`~propensity.history.visit_table`): business columns,
            ``lead_id``, ``month``, ``took_loan`` (0/1; rows without one are skipped) and
            optionally ``loan_yuan`` and ``defaulted``.
        y : array-like of shape (n_visits,), optional
            Took a loan (0/1); replaces ``X["took_loan"]`` when given.
        leads : pandas.DataFrame, optional
            The whole leads table, kept for :func:`~propensity.retraining.retrain` and
            reports; default the distinct leads of ``X``.

        Returns
        -------
        LeadScorer
            ``self``.
        """
        if not isinstance(X, pd.DataFrame) and hasattr(X, "businesses") \
                and hasattr(X, "history"):
            # Older callers pass the synthetic economy itself; it is only two tables.
            return self.fit_history(X.businesses, X.history)
        self._check_params()
        if not isinstance(X, pd.DataFrame):
            raise DataError("the visit table must be a table", field="X")
        if y is not None:
            y_arr = np.asarray(y)
            if y_arr.ndim != 1 or len(y_arr) != len(X):
                raise DataError("y must be 1-D with one label per visit", field="took_loan")
            X = X.assign(took_loan=y_arr)
        elif "took_loan" not in X.columns:
            raise DataError("the visit table needs 'took_loan' (0/1) or y; build it with "
                             "visit_table()", field="took_loan")
        visits = check_history(X.reset_index(drop=True))
        if visits.empty:
            raise DataError("no usable history rows to train on", field="history")
        groups = tuple(self.feature_groups)
        Xf = visit_features(visits, groups)
        y_took = visits["took_loan"].to_numpy(int)
        if len(np.unique(y_took)) < 2:
            raise DataError("the visit history needs both loans taken and visits without a "
                             "loan to learn from", field="took_loan")
        if len(visits) < 200:
            warnings.warn(f"only {len(visits)} visits to learn from: the model will be rough",
                          DataWarning, stacklevel=2)
        cols = list(Xf.columns)
        # Each tree models one feature (or industry x season), so four leaves suffice and
        # generalise slightly better than deeper trees (bench: +0.002 AUC).
        params: dict[str, Any] = {"n_members": self.n_members, "monotonic_cst": dict(MONOTONIC),
                                  "interaction_groups": interaction_groups(cols),
                                  "max_leaf_nodes": 4, "random_state": self.random_state}
        params.update(self.uptake_params or {})
        self.uptake_ = UptakeModel(**params).fit(Xf, y_took)
        self.classes_ = np.array([0, 1])
        took = y_took == 1
        Xl = Xf[took]
        self.loan_ = LoanSizeModel().fit(Xl, visits.loc[took, "loan_yuan"].to_numpy(float))
        self.default_ = DefaultModel().fit(Xl, visits.loc[took, "defaulted"].to_numpy(float))
        if leads is None:
            own = [c for c in visits.columns if c not in ("month", *OUTCOME_COLUMNS)]
            leads = visits[own].drop_duplicates("lead_id").reset_index(drop=True)
        # Only what the features are built from: the scorer may be kept, shipped or
        # saved, and a person's name or phone must not travel with it.
        self.businesses_ = leads[[c for c in MODEL_INPUT_COLUMNS if c in leads.columns]].copy()
        self.history_ = visits[["lead_id", "month", *OUTCOME_COLUMNS]].copy()
        self.train_months_ = sorted(visits["month"].unique())
        self.n_train_ = len(visits)
        # shares, not rows: a model file must not carry any business's features
        self.train_profile_ = feature_profile(Xf)
        num = Xf.select_dtypes("number")
        self.feature_medians_ = {c: float(num[c].median()) for c in num.columns}
        return self

    def fit_history(self, businesses: pd.DataFrame, history: pd.DataFrame) -> LeadScorer:
        """Train on a leads table and its visit history.

        The convenience form of :meth:`fit`: ``fit(visit_table(businesses, history),
        leads=businesses)``.

        Parameters
        ----------
        businesses : pandas.DataFrame
            Leads table.
        history : pandas.DataFrame
            Visit history (``lead_id, month, took_loan, loan_yuan, defaulted`` or officer
            ``outcome`` rows).

        Returns
        -------
        LeadScorer
            ``self``.
        """
        self._check_params()
        visits = visit_table(businesses, history)
        if visits.empty:
            raise DataError("no usable history rows to train on", field="history")
        return self.fit(visits, leads=businesses)

    # ---------------------------------------------------------------------------- score
    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        """Calibrated P(uptake) of each visit of a visit table.

        Parameters
        ----------
        X : pandas.DataFrame
            Business columns plus the ``month`` of the visit (outcome columns are ignored).

        Returns
        -------
        numpy.ndarray of shape (n_visits, 2)
            Column 1 is the probability of a loan.
        """
        self.require_fitted()
        Xf = visit_features(X.reset_index(drop=True), tuple(self.feature_groups))
        return np.asarray(self.uptake_.predict_proba(Xf), float)

    def features(self, businesses: pd.DataFrame, month: str) -> pd.DataFrame:
        """The model's features for ``businesses`` in ``month``."""
        return build_features(businesses, month, groups=tuple(self.feature_groups))

    def components(self, businesses: pd.DataFrame, month: str) -> dict[str, FloatArray]:
        """Uptake (mean and per member), loan size and default probability per row."""
        self.require_fitted()
        X = self.features(businesses, month)
        z = self.uptake_.member_logits(X)
        a, b = self.uptake_.calib_a_, self.uptake_.calib_b_
        return {
            "p_uptake": _sigmoid(a * z.mean(axis=1) + b),
            "p_members": _sigmoid(a * z + b),
            "loan_yuan": self.loan_.predict(X),
            "p_default": self.default_.predict_proba_default(X),
        }

    def unit_value_yuan(self, loan_yuan: FloatArray, p_default: FloatArray,
                        margin: float) -> FloatArray:
        """Value of a loan that is taken: ``loan x ((1 - PD) x margin - PD x lgd)``."""
        return np.asarray(loan_yuan * ((1 - p_default) * margin - p_default * self.lgd), float)

    def score(self, businesses: pd.DataFrame, month: str, *, margin: float | None = None,
              do_not_visit: Iterable[str] = (), explain: bool = True, top_k: int = 3,
              explain_limit: int | None = 2000) -> pd.DataFrame:
        """Expected value of visiting each business in ``month``.

        Parameters
        ----------
        businesses : pandas.DataFrame
            Leads table (``lead_id``, ``industry`` and the feature columns).
        month : str
            ``YYYY-MM`` of the visit.
        margin : float, optional
            Overrides the scorer's margin.
        do_not_visit : iterable of str
            Lead ids that must not be visited: value 0, flagged, reason given.
        explain : bool
            Add plain-language reasons.
        top_k : int
            Reasons per lead.
        explain_limit : int or None
            Explain only this many highest-value leads (the rest get empty text), so
            scoring a whole province stays fast; ``None`` explains all.

        Returns
        -------
        pandas.DataFrame
            :data:`SCORE_COLUMNS`, one row per input row, in input order.
        """
        self.require_fitted()
        m = self.margin if margin is None else float(margin)
        if not (0 < m < 1):
            raise DataError(f"margin must be a share in (0, 1), got {margin!r}", field="margin")
        if "lead_id" not in businesses.columns:
            raise DataError("the leads table has no 'lead_id' column", field="lead_id")
        comp = self.components(businesses, month)
        unit = self.unit_value_yuan(comp["loan_yuan"], comp["p_default"], m)
        value = np.maximum(comp["p_uptake"] * unit, 0.0)
        std = np.std(comp["p_members"] * unit[:, None], axis=1)
        ids = businesses["lead_id"].astype(str).to_numpy()
        dnv = np.isin(ids, np.asarray([str(x) for x in do_not_visit], dtype=object))
        value[dnv] = 0.0
        std[dnv] = 0.0
        out = pd.DataFrame({
            "lead_id": ids,
            "p_uptake": comp["p_uptake"],
            "loan_yuan": comp["loan_yuan"],
            "p_default": comp["p_default"],
            "value_yuan": value,
            "value_std_yuan": std,
            "do_not_visit": dnv,
            "explanation_en": "",
            "explanation_zh": "",
        })
        if explain and len(out):
            order = np.argsort(-value, kind="stable")
            order = order[~dnv[order]]
            pick = order if explain_limit is None else order[:explain_limit]
            if len(pick):
                texts = explain_rows(self, businesses.iloc[pick], month, top_k=top_k)
                out.loc[pick, "explanation_en"] = texts["explanation_en"].to_numpy()
                out.loc[pick, "explanation_zh"] = texts["explanation_zh"].to_numpy()
            out.loc[dnv, "explanation_en"] = "On the do-not-visit list: not to be visited"
            out.loc[dnv, "explanation_zh"] = "在勿访名单上：不安排拜访"
        return out
