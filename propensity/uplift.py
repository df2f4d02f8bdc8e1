"""The value a visit causes: an uplift model of visits that were not random.

``value_yuan = uplift x E[loan] x ((1 - PD) x margin - PD x lgd)``

* ``uplift = P(loan from us | visit) - P(loan from us | no visit)`` per lead and month;
* ``E[loan]`` from :class:`~propensity.loan_models.LoanSizeModel`, ``PD`` from
  :class:`~propensity.loan_models.DefaultModel`, both trained on every loan in the bank's
  book (after a visit or walk-in); the default model's penalty is chosen by out-of-fold
  log-loss over borrowers (``C="cv"``), so the top decile by value is not the industries
  whose few defaults came out lowest by chance;
* ``lgd`` is a real loss given default (default 0.45, the Basel foundation-IRB value for
  senior unsecured claims), so a risky lead's expected loss outweighs its margin;
* the loan rule: a lead with a loan from us in the last ``lockout_months`` is worth 0
  (it is a customer now); months since the last loan and the loans of the last two years
  are also features, so a renewal that is due is worth more than a business that never
  borrowed;
* the support rule: the visit history shows the effect of a visit only at the loan
  recencies the officers visited (they never visit within a year of a loan from us). The
  default ``offset`` learner carries the visit's *log-odds* effect from the nearest
  recency the visits cover onto the lead's own no-visit baseline, which the months
  nobody visited cover at every recency (a stated assumption, see
  :mod:`propensity.uplift_offset`). The other learners are trees of both arms that
  extrapolate freely there, so for them (``recency_support=True``, their default) a lead
  whose last loan from us is more recent than nearly every visited business's (the 1st
  percentile, :attr:`VisitValueModel.recency_support_months_`) is not valued.

How confounding is handled
--------------------------
Officers chose most past visits by a heuristic (near the branch, big, existing
borrowers, few refusals), so visited and unvisited businesses differ. The heuristic only
sees what the bank records, which are the model's features, and a known *exploration
share* of the visits went to uniformly random eligible businesses. The default estimator
(:attr:`UpliftLearner.OFFSET`, :class:`~propensity.uplift_offset.OffsetUplift`) fits the
no-visit baseline on the months nobody visited and the visit's log-odds effect, scaled
by the season, on the visits with that baseline as the offset, cross-fitted on two
halves of the leads; the randomised visits give its out-of-fold calibration. Its trends
are carried to the scored month and its effect is scaled per loan-recency group out of
fold on the visits (see :mod:`propensity.uplift_offset`, which also reports the uplift's
best linear predictor and says why shrinking by it is off by default). The ``s``
learner is a cross-fitted S-learner; the ``t_ipw`` learner is a T-learner with
inverse-propensity weights:

1. a propensity model ``e(x) = P(visited | x, month)`` (gradient boosting) is fitted on
   every business-month of the history and floored at the exploration probability
   (``random visits / eligible businesses`` of that month, known from the visit log):
   no business had a smaller chance than the randomised slice gave it, which bounds the
   weights and guarantees overlap;
2. the outcome models ``mu1(x)`` (visits) and ``mu0(x)`` (business-months without a
   visit, outcome = a walk-in loan from us) are fitted with weights ``1 / e`` and
   ``1 / (1 - e)``, so each arm is re-weighted to the population of eligible
   business-months;
3. ``uplift = mu1 - mu0``. The randomised visits, weighted like the rest, anchor the
   visited arm where the heuristic never goes.

Control rows are the business-months without a visit in which the lead could have been
visited (not within the officers' revisit gap after a visit; :func:`uplift_table`), which
the bank knows from its visit log and loan book: every walk-in, and a sample of the
months without one weighted up to their number (``weight``; every learner uses it).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from propensity.errors import DataError, ModelError
from propensity.features import feature_names
from propensity.loan_models import DefaultModel, LoanSizeModel
from propensity.loan_recency import RECENCY_CAP_MONTHS as _RECENCY_CAP_MONTHS
from propensity.loan_recency import loan_recency
from propensity.loan_recency import month_index as _month_index
from propensity.uplift_boost import (
    HistBoostClassifier,
    HistBoostRegressor,
    LogitEffectBooster,
    check_both_arms,
)
from propensity.uplift_offset import OffsetUplift
from propensity.uplift_reasons import value_reasons
from propensity.uplift_table import RECENCY_FEATURES, uplift_table
from propensity.uplift_table import model_features as _features

__all__ = ["VisitValueModel", "UpliftLearner", "loan_recency", "uplift_table",
           "RECENCY_FEATURES", "VALUE_COLUMNS", "DEFAULT_LGD"]

FloatArray = npt.NDArray[np.float64]

#: Loss given default of an unsecured rural working-capital loan (Basel F-IRB senior).
DEFAULT_LGD = 0.45
VALUE_COLUMNS = ("lead_id", "uplift", "p_visit", "p_no_visit", "loan_yuan", "p_default",
                 "expected_loan_yuan", "expected_loss_yuan", "value_yuan", "months_since_loan",
                 "locked_out", "reason_likely_en", "reason_large_en", "reason_now_en",
                 "reason_visit_en", "explanation_en", "explanation_zh")


class UpliftLearner(enum.StrEnum):
    """How the visit effect is estimated from the two arms."""

    #: The visit's log-odds effect, scaled by the season, on a no-visit baseline
    #: (:class:`~propensity.uplift_offset.OffsetUplift`; the default).
    OFFSET = "offset"
    #: S-learner: one boosted model of both arms with ``visited`` and visited-only copies
    #: of the effect's likely modifiers as features.
    S = "s"

    #: T-learner with inverse-propensity weights (see the module docstring).
    T_IPW = "t_ipw"
    #: Plain T-learner: the arms unweighted (confounded where the heuristic chose).
    T = "t"
    #: X-learner: imputed effects of each arm regressed on the features, blended by the
    #: propensity; the arms are weighted as in ``t_ipw``.
    X = "x"
    #: The visit's effect on the log-odds boosted on a no-visit baseline, with a month
    #: trend and an out-of-fold shrinkage (:class:`~propensity.uplift_boost.LogitEffectBooster`).
    LOGIT_BOOST = "logit_boost"


#: Features whose effect on the visit's effect is expected (distance, payment, age,
#: season, recency, size, cluster): the S-learner also sees visited-only copies of them,
#: so a tree can split on "visited and far" directly.
_MODIFIERS = ("dist_branch_m", "mobile_pay_flow_yuan", "years_operating", "cash_need_index",
              "months_since_loan", "revenue_band", "dist_cluster_core_m")


def _segments(Xf: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Industry code of each row (one segment without an industry)."""
    ind = Xf["industry"] if "industry" in Xf.columns else None
    if ind is None or not isinstance(ind.dtype, pd.CategoricalDtype):
        return np.zeros(len(Xf), np.int64)
    return ind.cat.codes.to_numpy(np.int64)


def _with_visit(Xf: pd.DataFrame, visited: npt.ArrayLike) -> pd.DataFrame:
    """Features plus ``visited`` and visited-only copies of :data:`_MODIFIERS`."""
    v = np.asarray(visited, int)
    out = Xf.assign(visited=v)
    for c in _MODIFIERS:
        if c in Xf.columns:
            out[f"visited_x_{c}"] = np.where(v == 1, Xf[c].to_numpy(float), np.nan)
    return out


class VisitValueModel(BaseEstimator):
    """Expected value a visit causes per lead: uplift, loan size, default risk and reasons.

    A scikit-learn estimator over the tables :func:`uplift_table` builds (``fit``) and over
    lead tables with a ``month`` column (``predict``). See the module docstring for the
    value rule and how confounding is handled.

    Parameters
    ----------
    margin : float
        Net interest margin over the loan's life (share of the amount).
    lgd : float
        Loss given default (share of the principal), default :data:`DEFAULT_LGD`.
    lockout_months : int
        A lead with a loan from us within this many months is worth 0 (the loan rule).
    learner : UpliftLearner or str
        ``offset`` (default, see :class:`UpliftLearner`), ``s``, ``t_ipw``, ``t``, ``x``
        or ``logit_boost``.
    offset : OffsetUplift, optional
        The ``offset`` learner's estimator (cloned; default its defaults).
    effect : LogitEffectBooster, optional
        The ``logit_boost`` learner's effect estimator (cloned; default its defaults).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf : int, float
        Gradient boosting of each arm of the ``s``, ``t_ipw``, ``t`` and ``x`` learners
        (trees may interact: the effect is not additive).
    propensity_floor : float or None
        Lowest visit probability of an eligible business-month; default the exploration
        probability estimated from the history (random visits / business-months).
    feature_groups : sequence of str
        Which of ``business``, ``spatial``, ``seasonal`` the models see.
    recency_support : bool or None
        Value only leads whose months since our last loan is at least the visits'
        support (:attr:`recency_support_months_`); ``False`` values any recency beyond
        ``lockout_months``; None (default): ``False`` for the ``offset`` learner, whose
        baseline covers every recency, ``True`` for the others.
    random_state : int

    Attributes
    ----------
    recency_support_months_ : float
        1st percentile of months since our last loan over the visits after a loan (0 when
        fewer than 20 such visits).
    support_rule_ : bool
        Whether the support rule applies (``recency_support`` resolved for the learner).
    lockout_months_ : float
        The rule applied: ``lockout_months``, raised to ``recency_support_months_`` when
        the support rule applies.
    offset_ : OffsetUplift or None
        The fitted ``offset`` learner.
    mu1_, mu0_, propensity_ : HistGradientBoostingClassifier
    loan_ : LoanSizeModel
    default_ : DefaultModel
    propensity_floor_ : float
    feature_medians_ : dict
    n_treated_, n_control_, n_randomised_ : int
    """

    def __init__(self, *, margin: float = 0.05, lgd: float = DEFAULT_LGD,
                 lockout_months: int = 6,
                 learner: UpliftLearner | str = UpliftLearner.OFFSET,
                 max_iter: int = 800, learning_rate: float = 0.05, max_leaf_nodes: int = 7,
                 min_samples_leaf: int = 40, propensity_floor: float | None = None,
                 feature_groups: Sequence[str] = ("business", "spatial", "seasonal"),
                 recency_support: bool | None = None,
                 effect: LogitEffectBooster | None = None,
                 offset: OffsetUplift | None = None, random_state: int = 0) -> None:
        self.margin = margin
        self.lgd = lgd
        self.lockout_months = lockout_months
        self.learner = learner
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.propensity_floor = propensity_floor
        self.feature_groups = feature_groups
        self.recency_support = recency_support
        self.effect = effect
        self.offset = offset
        self.random_state = random_state

    def _check_params(self) -> UpliftLearner:
        if not (0 < self.margin < 1 and 0 <= self.lgd <= 1):
            raise DataError("margin must be in (0, 1) and lgd in [0, 1]", field="margin")
        if self.lockout_months < 0:
            raise DataError("lockout_months must be >= 0", field="lockout_months")
        feature_names(tuple(self.feature_groups))
        try:
            return UpliftLearner(self.learner)
        except ValueError:
            raise DataError(f"learner must be one of {[x.value for x in UpliftLearner]}",
                            field="learner") from None

    def _gbm(self, seed: int) -> HistGradientBoostingClassifier:
        return HistBoostClassifier(
            learning_rate=self.learning_rate, max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            l2_regularization=1.0, categorical_features="from_dtype", early_stopping=True,
            validation_fraction=0.15, n_iter_no_change=30, random_state=seed)

    def _reg(self, seed: int) -> HistGradientBoostingRegressor:
        # Effects are small differences of noisy outcomes: larger leaves, slower learning.
        return HistBoostRegressor(
            learning_rate=self.learning_rate / 2, max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=4 * self.min_samples_leaf,
            l2_regularization=1.0, categorical_features="from_dtype", early_stopping=True,
            validation_fraction=0.15, n_iter_no_change=15, random_state=seed)

    def fit(self, X: pd.DataFrame, y: Any = None) -> VisitValueModel:
        """Fit on an :func:`uplift_table`.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows of :func:`uplift_table` (``visited`` 0/1, ``randomised``, ``took_loan``,
            ``loan_yuan``, ``defaulted`` and the business and recency columns).
        y : array-like, optional
            Replaces ``X["took_loan"]``.

        Returns
        -------
        VisitValueModel
            ``self``.
        """
        learner = self._check_params()
        need = [c for c in ("visited", "took_loan", "month") if c not in X.columns]
        if need:
            raise DataError(f"the uplift table lacks {need}; build it with uplift_table()",
                            field=need[0])
        rows = X.reset_index(drop=True)
        took = (np.asarray(y) if y is not None else rows["took_loan"].to_numpy()).astype(int)
        visited = rows["visited"].to_numpy(int)
        check_both_arms(took, visited)
        Xf = _features(rows, tuple(self.feature_groups))
        # A column no training row knows (no loan elsewhere known anywhere) carries nothing,
        # and the histogram trees cannot bin it.
        self.unknown_features_ = tuple(str(c) for c in Xf.columns
                                       if pd.api.types.is_numeric_dtype(Xf[c])
                                       and Xf[c].isna().all())
        Xf = Xf.drop(columns=list(self.unknown_features_))
        # Sampled months without a loan stand for the unsampled ones (uplift_table).
        sw = pd.to_numeric(rows["weight"], errors="coerce").fillna(1.0).to_numpy(float) \
            if "weight" in rows.columns else np.ones(len(rows))
        self.feature_names_in_ = np.array(Xf.columns, dtype=object)
        self.tau1_: Any = None
        self.tau0_: Any = None
        self.s_: Any = None
        self.effect_: LogitEffectBooster | None = None
        self.offset_: OffsetUplift | None = None
        self.support_rule_ = learner is not UpliftLearner.OFFSET \
            if self.recency_support is None else bool(self.recency_support)
        t1, t0 = visited == 1, visited == 0
        if learner is UpliftLearner.OFFSET:
            est = clone(self.offset) if self.offset is not None else OffsetUplift()
            self.offset_ = est.set_params(random_state=self.random_state).fit(
                Xf, took, visited=visited, month_index=_month_index(rows["month"].to_numpy()),
                groups=rows["lead_id"].astype(str).to_numpy(),
                randomised=rows["randomised"] if "randomised" in rows.columns else None,
                sample_weight=sw)
            self.propensity_floor_ = float("nan")
            return self._fit_loans(rows, Xf, took, t1, t0)
        if learner is UpliftLearner.LOGIT_BOOST:
            eff = clone(self.effect) if self.effect is not None else LogitEffectBooster()
            self.effect_ = eff.set_params(random_state=self.random_state).fit(
                Xf, took, visited=visited, month_index=_month_index(rows["month"].to_numpy()),
                groups=rows["lead_id"].astype(str).to_numpy(), segments=_segments(Xf),
                randomised=rows["randomised"] if "randomised" in rows.columns else None,
                sample_weight=sw)
            self.propensity_floor_ = float("nan")
            return self._fit_loans(rows, Xf, took, t1, t0)
        if learner is UpliftLearner.S:
            self._fit_s(rows, Xf, visited, took, sw)
            self.propensity_floor_ = float("nan")
            return self._fit_loans(rows, Xf, took, t1, t0)
        with threadpool_limits(limits=1, user_api="openmp"):
            self.propensity_ = self._gbm(self.random_state + 2).fit(Xf, visited,
                                                                    sample_weight=sw)
            e = self.propensity_.predict_proba(Xf)[:, 1]
            floor = self.propensity_floor
            if floor is None:
                rand = int(rows.get("randomised", pd.Series(0, index=rows.index)).sum())
                floor = rand / max(1, len(rows))
            self.propensity_floor_ = float(np.clip(floor, 1e-3, 0.5))
            e = np.clip(e, self.propensity_floor_, 1 - self.propensity_floor_)
            if learner is UpliftLearner.T_IPW:
                w = np.where(visited == 1, 1 / e, 1 / (1 - e)) * sw
            else:
                w = sw
            self.mu1_ = self._gbm(self.random_state).fit(Xf[t1], took[t1], sample_weight=w[t1])
            self.mu0_ = self._gbm(self.random_state + 1).fit(Xf[t0], took[t0],
                                                             sample_weight=w[t0])
            if learner is UpliftLearner.X:
                # Imputed effects: a visit's outcome minus the no-visit model, and the visit
                # model minus a no-visit outcome; each is smoothed by its own regression.
                d1 = took[t1] - self.mu0_.predict_proba(Xf[t1])[:, 1]
                d0 = self.mu1_.predict_proba(Xf[t0])[:, 1] - took[t0]
                self.tau1_ = self._reg(self.random_state + 3).fit(Xf[t1], d1,
                                                                  sample_weight=w[t1])
                self.tau0_ = self._reg(self.random_state + 4).fit(Xf[t0], d0,
                                                                  sample_weight=w[t0])
        return self._fit_loans(rows, Xf, took, t1, t0)

    def _fit_s(self, rows: pd.DataFrame, Xf: pd.DataFrame, visited: npt.NDArray[np.int64],
               took: npt.NDArray[np.int64], sw: FloatArray) -> None:
        """Two S-learners cross-fitted on halves of the leads, and their uplift scale.

        Each half's model predicts the other half's rows; within groups of out-of-fold
        predicted uplift the observed difference between visited and unvisited rows is
        compared with the prediction, and the least-squares slope through the origin
        (clipped to 0.3..1.5) rescales the uplift. Boosted differences of two noisy arms
        overstate the largest effects; this is the honest correction the data allow.
        """
        lead = rows["lead_id"].astype(str).to_numpy()
        fold = (pd.util.hash_array(lead.astype(object)) % 2).astype(int)
        self.s_models_ = []
        oof = np.zeros(len(rows))
        with threadpool_limits(limits=1, user_api="openmp"):
            for k in (0, 1):
                tr = fold != k
                mdl = self._gbm(self.random_state + k).fit(
                    _with_visit(Xf[tr], visited[tr]), took[tr], sample_weight=sw[tr])
                self.s_models_.append(mdl)
                te = ~tr
                one, zero = np.ones(int(te.sum()), int), np.zeros(int(te.sum()), int)
                oof[te] = (mdl.predict_proba(_with_visit(Xf[te], one))[:, 1]
                           - mdl.predict_proba(_with_visit(Xf[te], zero))[:, 1])
        # Compare only the randomised visits with unvisited eligible business-months: the
        # officers' own choices would flatter the model exactly where it is wrong.
        rand = rows["randomised"].to_numpy(int) == 1 if "randomised" in rows.columns \
            else visited == 1
        eligible = pd.to_numeric(rows["months_since_loan"], errors="coerce").to_numpy(float) \
            >= 12 if "months_since_loan" in rows.columns else np.ones(len(rows), bool)
        groups = pd.qcut(oof, 5, labels=False, duplicates="drop")
        obs, pred, wts = [], [], []
        for g in np.unique(groups):
            sel = (groups == g) & eligible
            v1, v0 = sel & rand, sel & (visited == 0)
            if v1.sum() >= 20 and v0.sum() >= 20:
                obs.append(took[v1].mean() - np.average(took[v0], weights=sw[v0]))
                pred.append(oof[sel].mean())
                wts.append(1.0 / (1.0 / v1.sum() + 1.0 / v0.sum()))
        o, p, w = np.array(obs), np.array(pred), np.array(wts)
        slope = float((w * o * p).sum() / (w * p * p).sum()) if len(p) and (p != 0).any() \
            else 1.0
        self.uplift_scale_ = float(np.clip(slope, 0.3, 1.5))
        self.s_ = self.s_models_

    def _fit_loans(self, rows: pd.DataFrame, Xf: pd.DataFrame, took: npt.NDArray[np.int64],
                   t1: npt.NDArray[np.bool_], t0: npt.NDArray[np.bool_]) -> VisitValueModel:
        """Loan size and default on every loan of both arms; bookkeeping."""
        loan_rows = took == 1
        amount = pd.to_numeric(rows["loan_yuan"], errors="coerce").to_numpy(float) \
            if "loan_yuan" in rows.columns else np.full(len(rows), np.nan)
        dflt = pd.to_numeric(rows["defaulted"], errors="coerce").to_numpy(float) \
            if "defaulted" in rows.columns else np.full(len(rows), np.nan)
        self.loan_ = LoanSizeModel().fit(Xf[loan_rows], amount[loan_rows])
        # The penalty by out-of-fold log-loss over borrowers (DefaultModel): a fixed weak
        # one took the industries' noisy default rates at face value.
        self.default_ = DefaultModel(C="cv").fit(
            Xf[loan_rows], dflt[loan_rows],
            groups=rows["lead_id"].astype(str).to_numpy()[loan_rows])
        num = Xf.select_dtypes("number")
        self.feature_medians_ = {c: float(num[c].median()) for c in num.columns}
        self.n_treated_, self.n_control_ = int(t1.sum()), int(t0.sum())
        self.n_randomised_ = int(rows.get("randomised", pd.Series(0, index=rows.index)).sum())
        since = Xf["months_since_loan"].to_numpy(float)[t1]
        after_loan = since[np.isfinite(since) & (since < _RECENCY_CAP_MONTHS)]
        self.recency_support_months_ = float(np.floor(np.percentile(after_loan, 1))) \
            if len(after_loan) >= 20 else 0.0
        self.lockout_months_ = float(max(self.lockout_months, self.recency_support_months_)
                                     if self.support_rule_ else self.lockout_months)
        return self

    def fit_history(self, businesses: pd.DataFrame, history: pd.DataFrame,
                    loan_book: pd.DataFrame | None) -> VisitValueModel:
        """Fit on a leads table, its visit history and the bank's loan book."""
        return self.fit(uplift_table(businesses, history, loan_book,
                                     random_state=self.random_state))

    def require_fitted(self) -> None:
        """Raise :class:`~propensity.errors.ModelError` unless fitted."""
        if not hasattr(self, "loan_"):
            raise ModelError("the visit-value model is not trained yet: call fit()")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "loan_")

    def components(self, X: pd.DataFrame) -> dict[str, Any]:
        """Per row of a lead table with ``month`` (and optionally the recency columns).

        Returns
        -------
        dict
            ``p_visit, p_no_visit, uplift, loan_yuan, p_default, months_since_loan`` and
            ``features`` (the model's feature frame).
        """
        self.require_fitted()
        rows = X.reset_index(drop=True)
        if "month" not in rows.columns:
            raise DataError("the lead table needs the 'month' of the visit", field="month")
        Xf = _features(rows, tuple(self.feature_groups)).drop(
            columns=list(getattr(self, "unknown_features_", ())), errors="ignore")
        if getattr(self, "offset_", None) is not None:
            return self._parts(Xf, *self.offset_.predict_parts(  # type: ignore[union-attr]
                Xf, _month_index(rows["month"].to_numpy())))
        if getattr(self, "effect_", None) is not None:
            return self._parts(Xf, *self.effect_.predict_parts(  # type: ignore[union-attr]
                Xf, _month_index(rows["month"].to_numpy()), _segments(Xf)))
        with threadpool_limits(limits=1, user_api="openmp"):
            if self.s_ is not None:
                one, zero = np.ones(len(Xf), int), np.zeros(len(Xf), int)
                x1, x0 = _with_visit(Xf, one), _with_visit(Xf, zero)
                p1 = np.mean([m.predict_proba(x1)[:, 1] for m in self.s_], axis=0)
                p0 = np.mean([m.predict_proba(x0)[:, 1] for m in self.s_], axis=0)
                return self._parts(Xf, p1, p0, (p1 - p0) * self.uplift_scale_)
            p1 = self.mu1_.predict_proba(Xf)[:, 1]
            p0 = self.mu0_.predict_proba(Xf)[:, 1]
            lift = p1 - p0
            if self.tau1_ is not None and self.tau0_ is not None:
                g = np.clip(self.propensity_.predict_proba(Xf)[:, 1], self.propensity_floor_,
                            1 - self.propensity_floor_)
                lift = g * self.tau0_.predict(Xf) + (1 - g) * self.tau1_.predict(Xf)
        return self._parts(Xf, p1, p0, lift)

    def _parts(self, Xf: pd.DataFrame, p1: FloatArray, p0: FloatArray,
               lift: FloatArray) -> dict[str, Any]:
        return {"p_visit": p1, "p_no_visit": p0, "uplift": np.maximum(lift, 0.0),
                "loan_yuan": self.loan_.predict(Xf),
                "p_default": self.default_.predict_proba_default(Xf),
                "months_since_loan": Xf["months_since_loan"].to_numpy(float), "features": Xf}

    def predict(self, X: pd.DataFrame) -> FloatArray:
        """Expected value (yuan) a visit causes for each row (lead and ``month``)."""
        return np.asarray(self._value(self.components(X))[0], float)

    def _value(self, c: dict[str, Any]) -> tuple[FloatArray, FloatArray, FloatArray,
                                                 npt.NDArray[np.bool_]]:
        caused = c["uplift"] * c["loan_yuan"]
        loss = caused * c["p_default"] * self.lgd
        value = caused * (1 - c["p_default"]) * self.margin - loss
        # A model saved before the support rule has no ``lockout_months_``.
        rule = getattr(self, "lockout_months_", self.lockout_months)
        locked = np.nan_to_num(c["months_since_loan"], nan=np.inf) < rule
        value = np.where(locked, 0.0, np.maximum(value, 0.0))
        return value, caused, loss, locked

    def score(self, businesses: pd.DataFrame, month: str, *,
              loan_book: pd.DataFrame | None = None, explain: bool = True,
              explain_limit: int | None = 2000) -> pd.DataFrame:
        """Value a visit in ``month`` causes for every lead, with its parts and reasons.

        Parameters
        ----------
        businesses : pandas.DataFrame
            Leads table.
        month : str
            ``YYYY-MM``.
        loan_book : pandas.DataFrame, optional
            The bank's loans (``lead_id, month``): recency features and the loan rule.
            When absent, ``businesses`` may carry ``months_since_loan``/``loans_24m``.
        explain : bool
            Add the reasons (likely, large, now, caused by the visit), English and Chinese.
        explain_limit : int or None
            Explain only this many highest-value leads.

        Returns
        -------
        pandas.DataFrame
            :data:`VALUE_COLUMNS`, in input order.
        """
        self.require_fitted()
        rows = businesses.reset_index(drop=True).copy()
        rows["month"] = month
        if loan_book is not None or "months_since_loan" not in rows.columns:
            rec = loan_recency(rows["lead_id"].astype(str).tolist(), month, loan_book)
            for c in RECENCY_FEATURES:
                rows[c] = rec[c].to_numpy()
        parts = self.components(rows)
        value, caused, loss, locked = self._value(parts)
        out = pd.DataFrame({
            "lead_id": rows["lead_id"].astype(str).to_numpy(), "uplift": parts["uplift"],
            "p_visit": parts["p_visit"], "p_no_visit": parts["p_no_visit"],
            "loan_yuan": parts["loan_yuan"], "p_default": parts["p_default"],
            "expected_loan_yuan": caused, "expected_loss_yuan": loss, "value_yuan": value,
            "months_since_loan": parts["months_since_loan"], "locked_out": locked})
        for col in VALUE_COLUMNS[11:]:
            out[col] = ""
        if explain and len(out):
            order = np.argsort(-value, kind="stable")
            pick = order if explain_limit is None else order[:explain_limit]
            texts = value_reasons(out.iloc[pick], parts["features"].iloc[pick],
                                  self.feature_medians_, month, margin=self.margin,
                                  lgd=self.lgd,
                                  lockout_months=getattr(self, "lockout_months_",
                                                         self.lockout_months),
                                  support_months=getattr(self, "recency_support_months_", 0.0))
            for col in texts.columns:
                out.loc[pick, col] = texts[col].to_numpy()
        return out[list(VALUE_COLUMNS)]
