"""Expected value of a visit per lead, its uncertainty and its reasons.

``value_yuan = P(uptake | visit) x E[loan] x ((1 - PD) x margin - PD x lgd)``

* ``margin`` is the bank's net interest margin over the loan's life: for a one-year
  rural working-capital loan roughly 4-6 % of the amount (default 5 %);
* ``lgd`` (loss given default, share of the principal lost) is 0 by default, which is the
  plain ``P x loan x (1 - PD) x margin`` rule; set it to also charge expected losses.
  Values are floored at 0: a lead is then simply not worth a visit.

``value_std_yuan`` is the spread of the value over the uptake model's bootstrap members:
the model's uncertainty about the lead, not the randomness of the outcome.

Explanations are the uptake model's exact additive contributions (log-odds, relative to
an average lead), turned into plain English and Chinese; the seasonal term is split into
the industry's year-round level and this month's deviation from it.
"""

from __future__ import annotations

import importlib.metadata
import io
import logging
import pickle
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn

from propensity.economy import Economy
from propensity.errors import DataError, DataWarning, DroppedRowWarning, ModelError
from propensity.features import (
    FEATURE_GROUPS,
    INDUSTRY_NAMES,
    MONOTONIC,
    build_features,
    feature_names,
    parse_month,
)
from propensity.model import DefaultModel, LoanSizeModel, UptakeModel
from propensity.outcomes import OUTCOME_UPTAKE

__all__ = [
    "LeadScorer",
    "DEFAULT_MARGIN",
    "OUTCOME_UPTAKE",
    "SCORE_COLUMNS",
    "explain",
    "thompson_values",
    "retrain",
    "save_scorer",
    "load_scorer",
    "outcomes_to_history",
    "history_features",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Net interest margin over a one-year rural working-capital loan.
DEFAULT_MARGIN = 0.05


SCORE_COLUMNS = ("lead_id", "p_uptake", "loan_yuan", "p_default", "value_yuan",
                 "value_std_yuan", "do_not_visit", "explanation_en", "explanation_zh")

_SEASON_COLS = ("industry", "month_sin", "month_cos", "cash_need_index")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_MONTHS_ZH = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
              "十一月", "十二月")
_FORMAT = b"COUNTYREACH-PROPENSITY-1\n"


def interaction_groups(columns: Sequence[str]) -> list[list[str]]:
    """Partition of the features: industry x season together, every other feature alone."""
    season = [c for c in _SEASON_COLS if c in columns]
    if season == ["industry"]:
        season = []
    groups = [season] if season else []
    groups += [[c] for c in columns if c not in season]
    return groups


def _check_history(history: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(history, pd.DataFrame):
        raise DataError("visit history must be a table", field="history")
    missing = [c for c in ("lead_id", "month") if c not in history.columns]
    if missing:
        raise DataError(f"visit history lacks column(s) {missing}", field=missing[0])
    h = history.copy()
    if "took_loan" not in h.columns:
        if "outcome" not in h.columns:
            raise DataError("visit history needs 'took_loan' (0/1) or an officer 'outcome'",
                             field="took_loan")
        h = outcomes_to_history(h)
    h["lead_id"] = h["lead_id"].astype(str)
    h["month"] = h["month"].astype(str).str.slice(0, 7)
    for i, m in enumerate(h["month"]):
        try:
            parse_month(m)
        except DataError:
            raise DataError(f"expected a month like 2025-09, got {m!r}", row=i + 1,
                             field="month") from None
    h["took_loan"] = pd.to_numeric(h["took_loan"], errors="coerce")
    bad = h["took_loan"].notna() & ~h["took_loan"].isin([0, 1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"took_loan must be 0 or 1, got {history['took_loan'].iloc[i]!r}",
                         row=i + 1, field="took_loan")
    for c in ("loan_yuan", "defaulted"):
        h[c] = pd.to_numeric(h[c], errors="coerce") if c in h.columns else np.nan
    return h[h["took_loan"].notna()].reset_index(drop=True)


def outcomes_to_history(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Turn officer-recorded outcomes into training rows.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        ``lead_id, month, outcome`` (one of :data:`OUTCOME_UPTAKE`) and optionally
        ``amount_yuan``. ``applied`` and ``approved`` count as uptake; ``not_there``
        rows carry no information and are dropped.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, month, took_loan, loan_yuan, defaulted`` (defaults are not known yet: NaN).

    Raises
    ------
    DataError
        Naming the row and field of an unknown outcome or a missing column.
    """
    missing = [c for c in ("lead_id", "month", "outcome") if c not in outcomes.columns]
    if missing:
        raise DataError(f"outcomes lack column(s) {missing}", field=missing[0])
    out = outcomes.copy()
    codes = out["outcome"].astype(str).str.strip().str.lower()
    unknown = ~codes.isin(list(OUTCOME_UPTAKE))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(f"unknown outcome {outcomes['outcome'].iloc[i]!r}; use one of "
                         f"{list(OUTCOME_UPTAKE)}", row=i + 1, field="outcome")
    took = codes.map(OUTCOME_UPTAKE)
    amount = (pd.to_numeric(out["amount_yuan"], errors="coerce") if "amount_yuan" in out.columns
              else pd.Series(np.nan, index=out.index))
    res = pd.DataFrame({
        "lead_id": out["lead_id"].astype(str),
        "month": out["month"].astype(str).str.slice(0, 7),
        "took_loan": pd.to_numeric(took, errors="coerce"),
        "loan_yuan": np.where(took == 1, amount, 0.0),
        "defaulted": np.nan,
    })
    return res[res["took_loan"].notna()].reset_index(drop=True)


def history_features(businesses: pd.DataFrame, history: pd.DataFrame,
                     groups: Sequence[str] = tuple(FEATURE_GROUPS)) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Features of every history row (the business as known, in the month of the visit).

    Rows whose lead is not in ``businesses`` are dropped with a
    :class:`~countyreach.errors.DroppedRowWarning`.

    Returns
    -------
    (X, rows)
        Feature frame and the matching (checked) history rows, aligned by position.
    """
    h = _check_history(history)
    if "lead_id" not in businesses.columns:
        raise DataError("the leads table has no 'lead_id' column", field="lead_id")
    b = businesses.drop_duplicates("lead_id").set_index(businesses["lead_id"].drop_duplicates()
                                                        .astype(str).to_numpy())
    known = h["lead_id"].isin(b.index)
    if not known.all():
        warnings.warn(f"{int((~known).sum())} history row(s) name leads that are not in the "
                      f"leads table (e.g. {h.loc[~known, 'lead_id'].iloc[0]!r}); skipped",
                      DroppedRowWarning, stacklevel=2)
        h = h[known].reset_index(drop=True)
    frames = []
    for month, rows in h.groupby("month", sort=True):
        f = build_features(b.loc[rows["lead_id"].to_numpy()], str(month), groups=groups)
        f.index = rows.index
        frames.append(f)
    if not frames:
        raise DataError("no usable history rows to train on", field="history")
    X = pd.concat(frames).loc[h.index]
    return X.reset_index(drop=True), h


class LeadScorer:
    """Uptake, loan-size and default models combined into a value per lead.

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
        Extra :class:`~propensity.model.UptakeModel` parameters.
    """

    def __init__(self, *, margin: float = DEFAULT_MARGIN, lgd: float = 0.0, n_members: int = 8,
                 feature_groups: Sequence[str] = ("business", "spatial", "seasonal"),
                 random_state: int = 0, uptake_params: Mapping[str, Any] | None = None) -> None:
        self.margin = margin
        self.lgd = lgd
        self.n_members = n_members
        self.feature_groups = tuple(feature_groups)
        self.random_state = random_state
        self.uptake_params = dict(uptake_params or {})
        self._check_params()

    def _check_params(self) -> None:
        if not (0 < self.margin < 1):
            raise DataError(f"margin must be a share in (0, 1), got {self.margin!r}",
                             field="margin")
        if not (0 <= self.lgd <= 1):
            raise DataError(f"lgd must be a share in [0, 1], got {self.lgd!r}", field="lgd")
        feature_names(self.feature_groups)

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (for :func:`retrain` and persistence)."""
        return {"margin": self.margin, "lgd": self.lgd, "n_members": self.n_members,
                "feature_groups": self.feature_groups, "random_state": self.random_state,
                "uptake_params": dict(self.uptake_params)}

    @property
    def feature_names_(self) -> list[str]:
        """Feature columns in the model's order."""
        return feature_names(self.feature_groups)

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return hasattr(self, "uptake_")

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise ModelError("the lead scorer is not trained yet: call fit() or load_scorer()")

    # ------------------------------------------------------------------------------ fit
    def fit(self, data: Economy | pd.DataFrame, history: pd.DataFrame | None = None) -> LeadScorer:
        """Train on an :class:`Economy` or on a leads table plus its visit history.

        Parameters
        ----------
        data : Economy or pandas.DataFrame
            An economy (its ``businesses`` and ``history`` are used) or a leads table.
        history : pandas.DataFrame, optional
            Visit history (``lead_id, month, took_loan, loan_yuan, defaulted`` or officer
            ``outcome`` rows); required with a leads table, overrides an economy's history.

        Returns
        -------
        LeadScorer
            ``self``.
        """
        if isinstance(data, Economy):
            return self.fit_history(data.businesses, data.history if history is None else history)
        if history is None:
            raise DataError("a visit history is needed to train on a leads table",
                             field="history")
        return self.fit_history(data, history)

    def fit_history(self, businesses: pd.DataFrame, history: pd.DataFrame) -> LeadScorer:
        """Train on a leads table and its visit history (see :meth:`fit`).

        Returns
        -------
        LeadScorer
            ``self``.
        """
        self._check_params()
        X, rows = history_features(businesses, history, self.feature_groups)
        y = rows["took_loan"].to_numpy(int)
        if len(np.unique(y)) < 2:
            raise DataError("the visit history needs both loans taken and visits without a "
                             "loan to learn from", field="took_loan")
        if len(rows) < 200:
            warnings.warn(f"only {len(rows)} visits to learn from: the model will be rough",
                          DataWarning, stacklevel=2)
        cols = list(X.columns)
        # Each tree models one feature (or industry x season), so four leaves suffice and
        # generalise slightly better than deeper trees (bench: +0.002 AUC).
        params: dict[str, Any] = {"n_members": self.n_members, "monotonic_cst": dict(MONOTONIC),
                                  "interaction_groups": interaction_groups(cols),
                                  "max_leaf_nodes": 4, "random_state": self.random_state}
        params.update(self.uptake_params)
        self.uptake_ = UptakeModel(**params).fit(X, y)
        took = y == 1
        Xl = X[took]
        self.loan_ = LoanSizeModel().fit(Xl, rows.loc[took, "loan_yuan"].to_numpy(float))
        self.default_ = DefaultModel().fit(Xl, rows.loc[took, "defaulted"].to_numpy(float))
        self.businesses_ = businesses.copy()
        self.history_ = rows.copy()
        self.train_months_ = sorted(rows["month"].unique())
        self.n_train_ = len(rows)
        self.train_X_sample_ = X.sample(min(len(X), 5000), random_state=self.random_state)
        num = X.select_dtypes("number")
        self.feature_medians_ = {c: float(num[c].median()) for c in num.columns}
        return self

    # ---------------------------------------------------------------------------- score
    def features(self, businesses: pd.DataFrame, month: str) -> pd.DataFrame:
        """The model's features for ``businesses`` in ``month``."""
        return build_features(businesses, month, groups=self.feature_groups)

    def components(self, businesses: pd.DataFrame, month: str) -> dict[str, FloatArray]:
        """Uptake (mean and per member), loan size and default probability per row."""
        self._require_fitted()
        X = self.features(businesses, month)
        z = self.uptake_.member_logits(X)
        a, b = self.uptake_.calib_a_, self.uptake_.calib_b_
        return {
            "p_uptake": _sigmoid(a * z.mean(axis=1) + b),
            "p_members": _sigmoid(a * z + b),
            "loan_yuan": self.loan_.predict(X),
            "p_default": self.default_.predict_proba_default(X),
        }

    def _unit_value(self, loan: FloatArray, pd_: FloatArray, margin: float) -> FloatArray:
        return np.asarray(loan * ((1 - pd_) * margin - pd_ * self.lgd), float)

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
        self._require_fitted()
        m = self.margin if margin is None else float(margin)
        if not (0 < m < 1):
            raise DataError(f"margin must be a share in (0, 1), got {margin!r}", field="margin")
        if "lead_id" not in businesses.columns:
            raise DataError("the leads table has no 'lead_id' column", field="lead_id")
        comp = self.components(businesses, month)
        unit = self._unit_value(comp["loan_yuan"], comp["p_default"], m)
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


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), float)


# ---------------------------------------------------------------------------- explanations
def _fmt_sign(c: float) -> tuple[str, str]:
    return ("(+)", "（+）") if c > 0 else ("(−)", "（−）")


def _reason_text(code: str, c: float, row: Mapping[str, Any], med: Mapping[str, float],
                 moy: int) -> tuple[str, str]:
    s_en, s_zh = _fmt_sign(c)
    ind = str(row.get("industry", ""))
    ind_en, ind_zh = INDUSTRY_NAMES.get(ind, (ind or "this industry", ind or "该行业"))

    def val(name: str) -> float:
        try:
            v = float(row.get(name, np.nan))
        except (TypeError, ValueError):
            return float("nan")
        return v

    if code == "season":
        if c > 0:
            return (f"In season: {ind_en} need cash in {_MONTHS_EN[moy - 1]} {s_en}",
                    f"{_MONTHS_ZH[moy - 1]}{ind_zh}资金需求旺季{s_zh}")
        return (f"Off season: {ind_en} need little cash in {_MONTHS_EN[moy - 1]} {s_en}",
                f"{_MONTHS_ZH[moy - 1]}是{ind_zh}资金淡季{s_zh}")
    if code == "industry":
        if c > 0:
            return (f"Industry: {ind_en} borrow more than most {s_en}",
                    f"行业：{ind_zh}借贷意愿高于一般{s_zh}")
        return (f"Industry: {ind_en} borrow less than most {s_en}",
                f"行业：{ind_zh}借贷意愿低于一般{s_zh}")
    if code == "dist_branch_m":
        d = val("dist_branch_m")
        if np.isnan(d):
            return f"Distance to the branch unknown {s_en}", f"离网点距离未知{s_zh}"
        near = d <= med.get("dist_branch_m", d)
        return ((f"{'Close to' if near else 'Far from'} the branch ({d / 1000:.1f} km) {s_en}"),
                f"{'离网点近' if near else '离网点远'}（{d / 1000:.1f}公里）{s_zh}")
    if code == "cluster":
        d = val("dist_cluster_core_m")
        size = val("cluster_size")
        if np.isnan(d):
            return f"Industry cluster unknown {s_en}", f"产业集群情况未知{s_zh}"
        if d >= 15_000:
            return (f"No {ind_en} cluster nearby {s_en}", f"附近没有{ind_zh}集群{s_zh}")
        if d < 300:
            n = "" if np.isnan(size) else f"{int(size)}-business "
            nz = "" if np.isnan(size) else f"{int(size)}家"
            return (f"In the core of a {n}{ind_en} cluster {s_en}",
                    f"位于{nz}{ind_zh}集群核心{s_zh}")
        return (f"{d / 1000:.1f} km from the core of the {ind_en} cluster {s_en}",
                f"距{ind_zh}集群核心{d / 1000:.1f}公里{s_zh}")
    if code == "past_refusals":
        r = val("past_refusals")
        if np.isnan(r):
            return f"Past refusals unknown {s_en}", f"以往拒绝情况未知{s_zh}"
        if r == 0:
            return f"Never refused an offer {s_en}", f"从未拒绝过贷款{s_zh}"
        return (f"Refused {int(r)} time{'s' if r != 1 else ''} before {s_en}",
                f"此前拒绝过{int(r)}次{s_zh}")
    if code == "past_contacts":
        k = val("past_contacts")
        if np.isnan(k):
            return f"Past contacts unknown {s_en}", f"以往联系情况未知{s_zh}"
        if k == 0:
            return f"Never contacted before {s_en}", f"此前从未联系过{s_zh}"
        return (f"Contacted {int(k)} time{'s' if k != 1 else ''} before {s_en}",
                f"此前联系过{int(k)}次{s_zh}")
    if code == "has_existing_loan":
        v = val("has_existing_loan")
        if np.isnan(v):
            return f"Existing loans unknown {s_en}", f"现有贷款情况未知{s_zh}"
        if v >= 0.5:
            return f"Already has a loan {s_en}", f"已有贷款{s_zh}"
        return f"No existing loan {s_en}", f"目前没有贷款{s_zh}"
    if code == "mobile_pay_flow_yuan":
        v = val("mobile_pay_flow_yuan")
        if np.isnan(v):
            return f"Mobile-payment flow unknown {s_en}", f"移动支付流水未知{s_zh}"
        high = v >= med.get("mobile_pay_flow_yuan", v)
        return (f"{'High' if high else 'Low'} mobile-payment flow (¥{v:,.0f} a month) {s_en}",
                f"移动支付流水{'高' if high else '低'}（每月{v / 10_000:.1f}万元）{s_zh}")
    if code == "revenue_band":
        v = val("revenue_band")
        if np.isnan(v):
            return f"Revenue unknown {s_en}", f"营收未知{s_zh}"
        return f"Revenue band {int(v)} of 5 {s_en}", f"营收档位{int(v)}/5{s_zh}"
    if code == "years_operating":
        v = val("years_operating")
        if np.isnan(v):
            return f"Years in business unknown {s_en}", f"经营年限未知{s_zh}"
        return (f"In business for {int(v)} year{'s' if v != 1 else ''} {s_en}",
                f"已经营{int(v)}年{s_zh}")
    if code == "staff":
        v = val("staff")
        if np.isnan(v):
            return f"Staff unknown {s_en}", f"员工人数未知{s_zh}"
        return f"{int(v)} staff {s_en}", f"员工{int(v)}人{s_zh}"
    return f"{code} {s_en}", f"{code}{s_zh}"


def _reason_matrix(scorer: LeadScorer, businesses: pd.DataFrame, month: str) -> pd.DataFrame:
    """Contributions (calibrated log-odds) per plain-language reason, one row per business."""
    model = scorer.uptake_
    X = scorer.features(businesses, month)
    contrib = model.group_contributions(X)
    out: dict[str, FloatArray] = {}
    season_key = next((k for k in contrib.columns if "+" in k or k == "industry"), None)
    y, _ = parse_month(month)
    for col in contrib.columns:
        feats = col.split("+")
        if col == season_key and len(feats) > 1:
            year = pd.concat([scorer.features(businesses, f"{y:04d}-{k:02d}")
                              for k in range(1, 13)], ignore_index=True)
            year_terms = model.group_contributions(year)[col].to_numpy()
            level = year_terms.reshape(12, len(businesses)).mean(axis=0)
            out["industry"] = level
            out["season"] = contrib[col].to_numpy() - level
        elif feats == ["industry"]:
            out["industry"] = contrib[col].to_numpy()
        elif feats[0] in ("dist_cluster_core_m", "cluster_size"):
            out["cluster"] = out.get("cluster", 0.0) + contrib[col].to_numpy()
        elif len(feats) == 1:
            out[feats[0]] = contrib[col].to_numpy()
    return pd.DataFrame(out, index=businesses.index)


def explain(scorer: LeadScorer, businesses: pd.DataFrame, month: str,
            lead_ids: Iterable[str] | None = None, top_k: int = 3) -> pd.DataFrame:
    """Why each lead scores as it does: its strongest reasons, in English and Chinese.

    Contributions are the uptake model's own additive terms on the log-odds scale,
    relative to an average lead (positive: more likely to borrow than average).

    Parameters
    ----------
    scorer : LeadScorer
        A fitted scorer.
    businesses : pandas.DataFrame
        Leads table.
    month : str
        ``YYYY-MM``.
    lead_ids : iterable of str, optional
        Leads to explain (default all).
    top_k : int
        Reasons per lead.

    Returns
    -------
    pandas.DataFrame
        One row per lead and reason: ``lead_id, rank, reason, contribution_logit,
        text_en, text_zh``.
    """
    scorer._require_fitted()
    b = businesses
    if lead_ids is not None:
        wanted = {str(x) for x in lead_ids}
        b = businesses[businesses["lead_id"].astype(str).isin(wanted)]
        unknown = wanted - set(b["lead_id"].astype(str))
        if unknown:
            raise DataError(f"unknown lead id(s) {sorted(unknown)[:5]}", field="lead_id")
    if b.empty:
        return pd.DataFrame(columns=["lead_id", "rank", "reason", "contribution_logit",
                                     "text_en", "text_zh"])
    reasons = _reason_matrix(scorer, b, month)
    moy = parse_month(month)[1]
    vals = reasons.to_numpy()
    order = np.argsort(-np.abs(vals), axis=1, kind="stable")[:, :max(1, top_k)]
    recs = []
    feats = scorer.features(b, month).drop(columns=["industry"], errors="ignore")
    rows = b.to_dict("records")
    frows = feats.to_dict("records")
    for i, (row, lead) in enumerate(zip(rows, b["lead_id"].astype(str), strict=True)):
        info = dict(row)
        info.update(frows[i])
        for rank, j in enumerate(order[i], start=1):
            c = float(vals[i, j])
            en, zh = _reason_text(reasons.columns[j], c, info, scorer.feature_medians_, moy)
            recs.append((lead, rank, reasons.columns[j], c, en, zh))
    return pd.DataFrame(recs, columns=["lead_id", "rank", "reason", "contribution_logit",
                                       "text_en", "text_zh"])


def explain_rows(scorer: LeadScorer, businesses: pd.DataFrame, month: str, *,
                 top_k: int = 3) -> pd.DataFrame:
    """Joined reason texts per business row (``explanation_en``, ``explanation_zh``)."""
    ex = explain(scorer, businesses, month, top_k=top_k)
    en = ex.groupby("lead_id", sort=False)["text_en"].agg("; ".join)
    zh = ex.groupby("lead_id", sort=False)["text_zh"].agg("；".join)
    ids = businesses["lead_id"].astype(str)
    return pd.DataFrame({"explanation_en": ids.map(en).fillna("").to_numpy(),
                         "explanation_zh": ids.map(zh).fillna("").to_numpy()},
                        index=businesses.index)


# ---------------------------------------------------------------------------- exploration
def thompson_values(scorer: LeadScorer, businesses: pd.DataFrame, month: str,
                    rng: np.random.Generator, exploration_share: float = 0.1, *,
                    margin: float | None = None,
                    do_not_visit: Iterable[str] = ()) -> pd.DataFrame:
    """Values with Thompson-sampling exploration over the bootstrap ensemble.

    Each lead draws one bootstrap member (a sample from the model's approximate
    posterior). For a random ``exploration_share`` of the leads the routing value is
    that sampled value; the rest keep the mean. Leads the model is unsure about then
    sometimes rank high and get visited, so the next retraining learns about them.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, value_mean_yuan, value_sampled_yuan, value_yuan, value_std_yuan,
        explored, do_not_visit``; ``value_yuan`` is what the router should collect.
    """
    if not (0 <= exploration_share <= 1):
        raise DataError(f"exploration_share must be in [0, 1], got {exploration_share!r}",
                         field="exploration_share")
    scorer._require_fitted()
    m = scorer.margin if margin is None else float(margin)
    comp = scorer.components(businesses, month)
    unit = scorer._unit_value(comp["loan_yuan"], comp["p_default"], m)
    members = comp["p_members"]
    n, k = members.shape
    draw = members[np.arange(n), rng.integers(0, k, n)]
    mean_v = np.maximum(comp["p_uptake"] * unit, 0.0)
    sampled = np.maximum(draw * unit, 0.0)
    explored = rng.random(n) < exploration_share
    ids = businesses["lead_id"].astype(str).to_numpy()
    dnv = np.isin(ids, np.asarray([str(x) for x in do_not_visit], dtype=object))
    value = np.where(explored, sampled, mean_v)
    value[dnv] = 0.0
    return pd.DataFrame({
        "lead_id": ids,
        "value_mean_yuan": np.where(dnv, 0.0, mean_v),
        "value_sampled_yuan": np.where(dnv, 0.0, sampled),
        "value_yuan": value,
        "value_std_yuan": np.where(dnv, 0.0, np.std(members * unit[:, None], axis=1)),
        "explored": explored & ~dnv,
        "do_not_visit": dnv,
    })


def retrain(scorer: LeadScorer, outcomes: pd.DataFrame, *,
            businesses: pd.DataFrame | None = None) -> LeadScorer:
    """A new scorer trained on the old history plus newly recorded visit outcomes.

    Parameters
    ----------
    scorer : LeadScorer
        The current, fitted scorer (unchanged).
    outcomes : pandas.DataFrame
        Officer records ``lead_id, month, outcome, amount_yuan`` (see
        :data:`OUTCOME_UPTAKE`) or history rows with ``took_loan``.
    businesses : pandas.DataFrame, optional
        Updated leads table; default the one the scorer was trained with. New leads
        in it can be scored and learned from.

    Returns
    -------
    LeadScorer
        A freshly fitted scorer with the same parameters.
    """
    scorer._require_fitted()
    new = outcomes_to_history(outcomes) if "took_loan" not in outcomes.columns else \
        _check_history(outcomes)
    hist = pd.concat([scorer.history_, new], ignore_index=True)
    hist = hist.drop_duplicates(["lead_id", "month"], keep="last").reset_index(drop=True)
    b = scorer.businesses_ if businesses is None else businesses
    log.info("retraining on %d visits (%d new)", len(hist), len(new))
    return LeadScorer(**scorer.get_params()).fit_history(b, hist)


# ---------------------------------------------------------------------------- persistence
def _code_version() -> str:
    # The distribution's version: the package ships inside it, and must not import the
    # application that sits above it.
    try:
        return importlib.metadata.version("countyreach")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0+source"


def _versions(scorer: LeadScorer) -> dict[str, Any]:
    return {"countyreach": _code_version(), "sklearn": sklearn.__version__,
            "numpy": np.__version__, "features": list(scorer.feature_names_)}


def save_scorer(scorer: LeadScorer, path: str | Path) -> Path:
    """Save a fitted scorer with the versions it needs to be loaded safely.

    The file starts with a small header (format, countyreach, scikit-learn and numpy
    versions, feature list) that :func:`load_scorer` checks *before* unpickling the
    models, so an incompatible file fails with a clear message.

    Returns
    -------
    pathlib.Path
        Where it was written.
    """
    scorer._require_fitted()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    joblib.dump(scorer, buf, compress=3)
    tmp = p.with_suffix(p.suffix + ".tmp")
    with open(tmp, "wb") as f:
        f.write(_FORMAT)
        pickle.dump(_versions(scorer), f, protocol=4)
        f.write(buf.getvalue())
    tmp.replace(p)
    return p


def load_scorer(path: str | Path) -> LeadScorer:
    """Load a scorer saved by :func:`save_scorer`, checking versions and features.

    Raises
    ------
    ModelError
        If the file is missing, not a countyreach model, or was saved by another
        countyreach / scikit-learn version or with another feature list.
    """
    p = Path(path)
    if not p.exists():
        raise ModelError(f"no saved lead model at {p}")
    with open(p, "rb") as f:
        head = f.read(len(_FORMAT))
        if head != _FORMAT:
            raise ModelError(f"{p} is not a countyreach lead model (unknown format)")
        try:
            meta = pickle.load(f)
        except Exception as exc:  # a truncated or foreign file
            raise ModelError(f"{p} is damaged: {exc}") from None
        problems = []
        if meta.get("countyreach") != _code_version():
            problems.append(f"countyreach {meta.get('countyreach')} (this is "
                            f"{_code_version()})")
        if meta.get("sklearn") != sklearn.__version__:
            problems.append(f"scikit-learn {meta.get('sklearn')} (installed: "
                            f"{sklearn.__version__})")
        if problems:
            raise ModelError(f"lead model {p} was saved by " + " and ".join(problems)
                             + "; retrain it (countyreach score --retrain)")
        try:
            scorer = joblib.load(f)
        except Exception as exc:
            raise ModelError(f"{p} could not be read: {exc}") from None
    if not isinstance(scorer, LeadScorer):
        raise ModelError(f"{p} does not hold a LeadScorer")
    if list(meta.get("features", [])) != list(scorer.feature_names_):
        raise ModelError(f"lead model {p} was trained on features {meta.get('features')} but "
                         f"this version builds {scorer.feature_names_}; retrain it")
    return scorer
