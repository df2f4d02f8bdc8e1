"""What a plan's lead values mean: the value a visit causes when the data can tell, else the
value of a visit's take-up; and the loan rule in both.

A plan maximises the sum of its leads' values, so what a value *is* decides whom the
officers see. Two bases, and each plan says which one it used (:class:`ValueBasis`):

* **visit-caused** — ``uplift x E[loan] x margin - expected loss`` from
  :class:`~propensity.uplift.VisitValueModel`, when the county's data supports an uplift
  model (:func:`uplift_support`): visited *and* unvisited business-months with their
  outcome (the bank's loan book names the walk-in loans of the months nobody visited),
  loans in both arms, and a known exploration share (randomised visits, marked
  ``visited_by_policy = random`` in the visit history);
* **uptake if visited** — ``P(loan | visit) x E[loan] x margin`` from
  :class:`~propensity.scorer.LeadScorer` otherwise. It credits a visit with loans that
  would have come anyway, and the plan says so and why the visit's effect could not be
  estimated.

The loan rule holds in both: a lead with a loan from us within the lockout (6 months, or
the visit-value model's support rule when longer) is worth 0 now; it is a customer, not a
lead. Loans known to the bank are the visit history's loans, recorded outcomes and the
loan book (:func:`bank_loan_book`); a loan in the month being planned counts as 0 months
ago.

:func:`add_visit_value` fits the uplift model next to a fitted lead scorer and records the
basis on it (``visit_value_``, ``value_basis_``, ``uplift_support_``), so a saved model
file carries both (:func:`~propensity.persistence.save_scorer`); :func:`plan_scores` scores
the leads of a month on that basis.
"""

from __future__ import annotations

import copy
import enum
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import roc_auc_score

from propensity.errors import DataError, DataWarning
from propensity.features import isin
from propensity.history import check_history
from propensity.loan_recency import (
    LoanSource,
    bank_loan_book,
    check_loan_book,
    check_loans_elsewhere,
    coverage,
    in_coverage,
    recency_now,
)
from propensity.loan_rule import LOCKOUT_MONTHS
from propensity.scorer import SCORE_COLUMNS, LeadScorer
from propensity.uplift import VisitValueModel, uplift_table
from propensity.uplift_reasons import now_reason

__all__ = ["LOCKOUT_MONTHS", "UpliftCriteria", "UpliftSupport", "ValueBasisKind", "ValueBasis",
           "PLAN_SCORE_COLUMNS", "check_loan_book", "check_loans_elsewhere", "bank_loan_book",
           "recency_now", "uplift_support", "add_visit_value", "value_basis_of", "plan_scores",
           "uplift_holdout_metrics", "with_loan_rule"]

FloatArray = npt.NDArray[np.float64]

#: What :func:`plan_scores` returns: the lead scorer's columns, the basis and the parts.
PLAN_SCORE_COLUMNS = (*SCORE_COLUMNS, "value_basis", "p_no_visit", "uplift",
                      "expected_loss_yuan", "months_since_loan", "locked_out",
                      "reason_likely_en", "reason_large_en", "reason_now_en", "reason_visit_en")


@dataclass(frozen=True)
class UpliftCriteria:
    """The least data an uplift model is fitted on (each a floor, not a target).

    The S-learner splits the leads in two halves and calibrates its effect on the
    randomised visits against unvisited months (:class:`~propensity.uplift.VisitValueModel`);
    below these counts its effect is mostly noise and the plan would chase it.
    """

    #: Visited business-months inside the loan book's months.
    min_visits: int = 200
    #: Loans after a visit, and walk-in loans in unvisited months (each arm).
    min_loans_per_arm: int = 20
    #: Unvisited business-months inside the loan book's months.
    min_unvisited: int = 500
    #: Randomised visits: the exploration share is known only from them.
    min_randomised: int = 30
    #: Distinct months (the season and loan recency need a span).
    min_months: int = 6


@dataclass(frozen=True)
class UpliftSupport:
    """What a county's data holds for an uplift model, and whether it is enough.

    Counts are over the months the loan book covers (its first to its last month): outside
    them an unvisited month's outcome is not known.
    """

    has_loan_book: bool
    months: int
    visits: int
    visit_loans: int
    unvisited: int
    walk_in_loans: int
    randomised: int
    criteria: UpliftCriteria = UpliftCriteria()

    def _problems(self) -> list[tuple[str, str]]:
        c = self.criteria
        if not self.has_loan_book:
            return [("no unvisited business-months with their outcome: without the bank's "
                     "loan book (loans.csv, walk-in loans included) the visit's effect cannot "
                     "be told from loans that would have come anyway",
                     "没有未拜访商户各月的贷款结果（行内贷款台账 loans.csv，含主动上门的贷款），"
                     "无法区分拜访带来的贷款和不拜访也会发生的贷款")]
        out = []
        if self.months < c.min_months:
            out.append((f"{self.months} month(s) of visits inside the loan book's months "
                        f"(at least {c.min_months} needed)",
                        f"贷款台账期间内只有{self.months}个月的拜访（至少{c.min_months}个月）"))
        if self.visits < c.min_visits:
            out.append((f"{self.visits} visited business-months (at least {c.min_visits})",
                        f"拜访月{self.visits}个（至少{c.min_visits}个）"))
        if self.unvisited < c.min_unvisited:
            out.append((f"{self.unvisited} unvisited business-months (at least "
                        f"{c.min_unvisited})",
                        f"未拜访月{self.unvisited}个（至少{c.min_unvisited}个）"))
        if min(self.visit_loans, self.visits - self.visit_loans) < c.min_loans_per_arm:
            out.append((f"{self.visit_loans} loans in {self.visits} visits (at least "
                        f"{c.min_loans_per_arm} with and without a loan)",
                        f"{self.visits}次拜访中{self.visit_loans}笔贷款（贷与未贷各至少"
                        f"{c.min_loans_per_arm}）"))
        if self.walk_in_loans < c.min_loans_per_arm:
            out.append((f"{self.walk_in_loans} walk-in loans in unvisited months (at least "
                        f"{c.min_loans_per_arm})",
                        f"未拜访月中主动上门贷款{self.walk_in_loans}笔（至少"
                        f"{c.min_loans_per_arm}笔）"))
        if self.randomised < c.min_randomised:
            out.append((f"{self.randomised} randomised visits (at least {c.min_randomised} "
                        "marked visited_by_policy=random): the exploration share is not known",
                        f"随机拜访{self.randomised}次（至少{c.min_randomised}次，"
                        "visited_by_policy=random）：探索比例未知"))
        return out

    @property
    def problems(self) -> tuple[str, ...]:
        """Why the data does not support an uplift model (empty when it does)."""
        return tuple(en for en, _ in self._problems())

    @property
    def problems_zh(self) -> tuple[str, ...]:
        """:attr:`problems` in Chinese."""
        return tuple(zh for _, zh in self._problems())

    @property
    def ok(self) -> bool:
        """Whether an uplift model may be fitted."""
        return not self.problems


class ValueBasisKind(enum.StrEnum):
    """What a plan's lead value is."""

    #: Uplift in take-up x loan x margin - expected loss: what the visit causes.
    VISIT_CAUSED = "visit_caused"
    #: P(loan | visit) x loan x margin: a visit credited with every loan after it.
    UPTAKE_IF_VISITED = "uptake_if_visited"


@dataclass(frozen=True)
class ValueBasis:
    """The value a plan optimises and why (printed with every plan)."""

    kind: ValueBasisKind
    detail_en: str
    detail_zh: str
    lockout_months: float

    def text(self, lang: str = "en", *, model: str | None = None) -> str:
        """``visit-caused (uplift model on …)`` or ``uptake if visited (no unvisited …)``.

        Parameters
        ----------
        lang : {"en", "zh"}
        model : str, optional
            The model's name (``model v3``), put first in the brackets.
        """
        caused = self.kind is ValueBasisKind.VISIT_CAUSED
        if lang == "zh":
            name = "拜访带来的价值" if caused else "拜访后的贷款价值"
            return f"{name}（{model + '；' if model else ''}{self.detail_zh}）"
        name = "visit-caused" if caused else "uptake if visited"
        return f"{name} ({model + '; ' if model else ''}{self.detail_en})"


def uplift_support(lead_ids: Iterable[str], history: pd.DataFrame | None,
                   loans: pd.DataFrame | None, *,
                   criteria: UpliftCriteria | None = None) -> UpliftSupport:
    """Count what the data holds for an uplift model over the leads ``lead_ids``.

    Parameters
    ----------
    lead_ids : iterable of str
        The leads a model would learn from (business-months are these leads x months).
    history : pandas.DataFrame or None
        Visits, ``visited_by_policy = random`` marking the randomised ones.
    loans : pandas.DataFrame or None
        The loan book (:func:`check_loan_book`); ``None`` = the bank gave none.
    criteria : UpliftCriteria, optional

    Returns
    -------
    UpliftSupport
    """
    crit = criteria or UpliftCriteria()
    ids = {str(x) for x in lead_ids}
    cover = coverage(loans)
    if cover is None or history is None or not len(history):
        return UpliftSupport(cover is not None, 0, 0, 0, 0, 0, 0, crit)
    h = check_history(history)
    h = in_coverage(h[isin(h["lead_id"], ids)], cover)
    h = h.drop_duplicates(["lead_id", "month"], keep="last")
    months = sorted(h["month"].unique())
    visited = set(zip(h["lead_id"], h["month"], strict=True))
    assert loans is not None
    book = check_loan_book(loans)
    walk = sum(1 for k in zip(book["lead_id"], book["month"], strict=True)
               if k[0] in ids and k[1] in months and k not in visited)
    policy = h.get("visited_by_policy", pd.Series("", index=h.index)).astype(str)
    return UpliftSupport(True, len(months), len(h), int(h["took_loan"].sum()),
                         len(ids) * len(months) - len(h), walk,
                         int((policy.str.strip().str.lower() == "random").sum()), crit)


def _rule_words(lockout_months: float) -> tuple[str, str]:
    """How a basis states the loan rule (English, Chinese): the one wording, so
    :func:`with_loan_rule` can restate it."""
    return (f"loans from us in the last {lockout_months:.0f} months are worth 0",
            f"近{lockout_months:.0f}个月在我行贷过款的不计价值")


def _fallback_basis(why_en: Sequence[str], why_zh: Sequence[str],
                    lockout_months: float = LOCKOUT_MONTHS) -> ValueBasis:
    en, zh = _rule_words(lockout_months)
    return ValueBasis(
        ValueBasisKind.UPTAKE_IF_VISITED,
        f"P(loan | visit) × loan × margin, not what the visit causes: {'; '.join(why_en)}; {en}",
        f"拜访后贷款概率×额度×利差，不是拜访带来的增量：{'；'.join(why_zh)}；{zh}",
        float(lockout_months))


def with_loan_rule(scorer: LeadScorer, lockout_months: float) -> LeadScorer:
    """A copy of ``scorer`` that applies another lender's loan rule.

    A model learnt in one county values leads of another (the starter model of a county
    with no visits yet); the rule that a lead with a loan from us within ``lockout_months``
    is worth 0 is the lender's policy for the county it plans, not the one it learnt in.
    Between the two, the visit-value model reads recency as at the nearest it has seen.

    Parameters
    ----------
    scorer : LeadScorer
        A fitted scorer (with or without a visit-value model).
    lockout_months : float
        The rule to apply (``loan_rule_months`` of the county planned).

    Returns
    -------
    LeadScorer
        A copy; ``scorer`` is unchanged.
    """
    out = copy.deepcopy(scorer)
    rule = float(lockout_months)
    model = getattr(out, "visit_value_", None)
    if model is not None:
        model.lockout_months_ = rule
    basis = value_basis_of(out)
    old_en, old_zh = _rule_words(basis.lockout_months)
    en, zh = _rule_words(rule)
    out.value_basis_ = ValueBasis(basis.kind, basis.detail_en.replace(old_en, en),
                                  basis.detail_zh.replace(old_zh, zh), rule)
    return out


def add_visit_value(scorer: LeadScorer, leads: pd.DataFrame, history: pd.DataFrame,
                    loans: pd.DataFrame | None, *, seed: int = 0,
                    criteria: UpliftCriteria | None = None,
                    lockout_months: int = LOCKOUT_MONTHS,
                    elsewhere: pd.DataFrame | None = None) -> LeadScorer:
    """Fit the visit-value model next to a fitted lead scorer when the data supports it.

    Sets ``scorer.visit_value_`` (a :class:`~propensity.uplift.VisitValueModel` or
    ``None``), ``scorer.value_basis_`` (:class:`ValueBasis`) and ``scorer.uplift_support_``
    (:class:`UpliftSupport`); a model file saved afterwards carries them.

    Parameters
    ----------
    scorer : LeadScorer
        Fitted on the same leads' visits.
    leads : pandas.DataFrame
        The leads the models learn from (the model inputs; a held-out share left out).
    history : pandas.DataFrame
        Visits and recorded outcomes (``visited_by_policy`` marks the randomised visits).
    loans : pandas.DataFrame or None
        The bank's loan book; ``None`` keeps the lead scorer's basis.
    seed : int
    criteria : UpliftCriteria, optional
    lockout_months : int
        The lender's loan rule: a lead with a loan from us within this many months is
        worth 0 (the uplift model may raise it to what its data support).
    elsewhere : pandas.DataFrame, optional
        Loans from other lenders the bank knows of (:func:`bank_loan_book`): a feature.

    Returns
    -------
    LeadScorer
        ``scorer``.
    """
    scorer.require_fitted()
    support = uplift_support(leads["lead_id"], history, loans, criteria=criteria)
    scorer.uplift_support_ = support
    scorer.visit_value_ = None
    if not support.ok:
        scorer.value_basis_ = _fallback_basis(support.problems, support.problems_zh,
                                              lockout_months)
        return scorer
    cover = coverage(loans)
    assert cover is not None
    h = in_coverage(check_history(history), cover)
    book = bank_loan_book(history, loans, elsewhere)
    try:
        model = VisitValueModel(margin=scorer.margin, lockout_months=lockout_months,
                                random_state=seed).fit_history(
            leads, h, book)
    except DataError as exc:  # e.g. one arm without loans once joined to the leads
        warnings.warn(f"no uplift model: {exc}", DataWarning, stacklevel=2)
        scorer.value_basis_ = _fallback_basis((f"the uplift model could not be fitted: "
                                               f"{exc.reason}",), ("增量模型无法拟合",),
                                              lockout_months)
        return scorer
    lock = float(getattr(model, "lockout_months_", model.lockout_months))
    other = None if elsewhere is None else book[book["source"] == LoanSource.ELSEWHERE]
    # a loan told at two visits is one loan
    n_other = 0 if other is None else len(other.drop_duplicates(["lead_id", "month"]))
    scorer.visit_value_ = model
    scorer.value_basis_ = ValueBasis(
        ValueBasisKind.VISIT_CAUSED,
        "uplift in take-up × loan × margin − expected loss; uplift model on "
        f"{model.n_treated_:,} visited and {model.n_control_:,} unvisited business-months, "
        f"{model.n_randomised_:,} randomised visits"
        + (f", {n_other:,} loans from other lenders known" if n_other else "")
        + f"; {_rule_words(lock)[0]}",
        f"拜访带来的贷款概率增量×额度×利差－预期损失；增量模型基于{model.n_treated_:,}个拜访月、"
        f"{model.n_control_:,}个未拜访月、{model.n_randomised_:,}次随机拜访"
        + (f"、已知{n_other:,}笔他行贷款" if n_other else "")
        + f"；{_rule_words(lock)[1]}", lock)
    return scorer


def value_basis_of(scorer: LeadScorer) -> ValueBasis:
    """The scorer's basis (a model saved before bases were recorded: uptake if visited)."""
    basis = getattr(scorer, "value_basis_", None)
    if isinstance(basis, ValueBasis):
        return basis
    return _fallback_basis(("the model was trained before value bases were recorded",),
                           ("模型训练于记录价值口径之前",))


def _halves_std(model: VisitValueModel, rows: pd.DataFrame) -> FloatArray | None:
    """Standard error of the caused value over the S-learner's cross-fitted halves.

    Each half learnt from half the leads; the spread of their two values, ``|a - b| / 2``,
    is the standard error of their mean. It is a rough measure (two members, each partly
    in-sample), and ``None`` for learners without halves.
    """
    members = getattr(model, "s_", None)
    if not members or len(members) < 2 or getattr(model, "effect_", None) is not None:
        return None
    values = []
    for m in members:
        twin = copy.copy(model)
        twin.s_ = [m]
        values.append(twin.predict(rows))
    return np.asarray(np.std(np.vstack(values), axis=0, ddof=1) / np.sqrt(len(values)), float)


def plan_scores(scorer: LeadScorer, leads: pd.DataFrame, month: str, *,
                loan_book: pd.DataFrame | None = None, do_not_visit: Iterable[str] = (),
                explain: bool = True, explain_limit: int | None = 2000) -> pd.DataFrame:
    """Value of visiting each lead in ``month`` on the scorer's basis, with its parts.

    Visit-caused (the scorer carries a visit-value model): ``p_uptake`` is P(loan | visit),
    ``value_yuan`` the caused value and ``value_std_yuan`` the standard error over the
    S-learner's halves (:func:`_halves_std`; for other learners the caused value times the
    uptake model's relative bootstrap spread, a stated approximation); reasons name the
    four parts (likely, large, now, caused by the visit). Uptake if visited: the lead
    scorer's value and reasons. In both, leads within the loan rule's lockout are worth 0
    and say why, and do-not-visit leads are worth 0.

    Parameters
    ----------
    scorer : LeadScorer
    leads : pandas.DataFrame
        The leads with their model inputs.
    month : str
        ``YYYY-MM`` of the visit.
    loan_book : pandas.DataFrame, optional
        Every loan the bank knows (:func:`bank_loan_book`): recency and the loan rule.
    do_not_visit : iterable of str
    explain : bool
    explain_limit : int or None
        Explain only this many highest-value leads.

    Returns
    -------
    pandas.DataFrame
        :data:`PLAN_SCORE_COLUMNS`, in input order.
    """
    ids = leads["lead_id"].astype(str).to_numpy()
    dnv_ids = {str(x) for x in do_not_visit}
    rec = recency_now(ids.tolist(), month, loan_book)
    model = getattr(scorer, "visit_value_", None)
    basis = value_basis_of(scorer)
    if isinstance(model, VisitValueModel) and basis.kind is ValueBasisKind.VISIT_CAUSED:
        out = _caused_scores(scorer, model, leads, month, rec, explain, explain_limit)
    else:
        if basis.kind is ValueBasisKind.VISIT_CAUSED:  # a basis without its model
            basis = _fallback_basis(("the model file holds no visit-value model",),
                                    ("模型文件中没有增量模型",), basis.lockout_months)
        out = _uptake_scores(scorer, leads, month, rec, basis.lockout_months, explain,
                             explain_limit)
    out["value_basis"] = basis.kind.value
    dnv = np.isin(ids, np.asarray(sorted(dnv_ids), dtype=object))
    out["do_not_visit"] = dnv
    out.loc[dnv, ["value_yuan", "value_std_yuan"]] = 0.0
    out.loc[dnv, "explanation_en"] = "On the do-not-visit list: not to be visited"
    out.loc[dnv, "explanation_zh"] = "在勿访名单上：不安排拜访"
    return out[list(PLAN_SCORE_COLUMNS)]


def _caused_scores(scorer: LeadScorer, model: VisitValueModel, leads: pd.DataFrame,
                   month: str, rec: pd.DataFrame, explain: bool,
                   explain_limit: int | None) -> pd.DataFrame:
    rows = leads.reset_index(drop=True).copy()
    for c in rec.columns:
        rows[c] = rec[c].to_numpy()
    s = model.score(rows, month, explain=explain, explain_limit=explain_limit)
    value = s["value_yuan"].to_numpy(float)
    std = _halves_std(model, rows.assign(month=month))
    if std is None:
        base = scorer.score(leads, month, explain=False)
        rel = np.divide(base["value_std_yuan"].to_numpy(float),
                        base["value_yuan"].to_numpy(float),
                        out=np.zeros(len(base)), where=base["value_yuan"].to_numpy(float) > 0)
        std = value * rel
    std = np.where(s["locked_out"].to_numpy(bool), 0.0, std)
    return pd.DataFrame({
        "lead_id": s["lead_id"].to_numpy(), "p_uptake": s["p_visit"].to_numpy(float),
        "loan_yuan": s["loan_yuan"].to_numpy(float), "p_default": s["p_default"].to_numpy(float),
        "value_yuan": value, "value_std_yuan": std,
        "explanation_en": s["explanation_en"].to_numpy(),
        "explanation_zh": s["explanation_zh"].to_numpy(),
        "p_no_visit": s["p_no_visit"].to_numpy(float), "uplift": s["uplift"].to_numpy(float),
        "expected_loss_yuan": s["expected_loss_yuan"].to_numpy(float),
        "months_since_loan": s["months_since_loan"].to_numpy(float),
        "locked_out": s["locked_out"].to_numpy(bool),
        **{c: s[c].to_numpy() for c in ("reason_likely_en", "reason_large_en", "reason_now_en",
                                        "reason_visit_en")}})


def _uptake_scores(scorer: LeadScorer, leads: pd.DataFrame, month: str, rec: pd.DataFrame,
                   lockout: float, explain: bool, explain_limit: int | None) -> pd.DataFrame:
    s = scorer.score(leads, month, explain=explain, explain_limit=explain_limit)
    since = rec["months_since_loan"].to_numpy(float)
    locked = since < lockout
    value = np.where(locked, 0.0, s["value_yuan"].to_numpy(float))
    std = np.where(locked, 0.0, s["value_std_yuan"].to_numpy(float))
    cash = leads["cash_need_index"].to_numpy(float) if "cash_need_index" in leads.columns \
        else np.full(len(leads), np.nan)
    now = [now_reason(a, b, lockout, month) for a, b in zip(since, cash, strict=True)]
    en = s["explanation_en"].to_numpy(object).copy()
    zh = s["explanation_zh"].to_numpy(object).copy()
    for i in np.flatnonzero(locked):
        en[i] = f"{now[i][0]}; worth 0 until the loan is {lockout:.0f} months old"
        zh[i] = f"{now[i][1]}；贷款满{lockout:.0f}个月前不计价值"
    loss = (s["p_uptake"].to_numpy(float) * s["loan_yuan"].to_numpy(float)
            * s["p_default"].to_numpy(float) * scorer.lgd)
    return pd.DataFrame({
        "lead_id": s["lead_id"].to_numpy(), "p_uptake": s["p_uptake"].to_numpy(float),
        "loan_yuan": s["loan_yuan"].to_numpy(float), "p_default": s["p_default"].to_numpy(float),
        "value_yuan": value, "value_std_yuan": std, "explanation_en": en,
        "explanation_zh": zh, "p_no_visit": np.nan, "uplift": np.nan,
        "expected_loss_yuan": loss, "months_since_loan": since, "locked_out": locked,
        "reason_likely_en": "", "reason_large_en": "",
        "reason_now_en": [n[0] for n in now], "reason_visit_en": ""})


def _auc(y: npt.NDArray[Any], p: FloatArray) -> float | None:
    if len(y) < 20 or len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y.astype(int), p))


def uplift_holdout_metrics(scorer: LeadScorer, leads: pd.DataFrame, history: pd.DataFrame,
                           loans: pd.DataFrame | None,
                           elsewhere: pd.DataFrame | None = None) -> dict[str, float]:
    """Held-out check of each arm of the visit-value model (empty without one).

    On business-months of leads the model never saw (inside the loan book's months): the
    AUC of P(loan | visit) on their visits and of P(loan | no visit) on their unvisited
    months. They show each arm ranks outcomes; neither measures the effect itself, which
    a county's few randomised visits cannot measure out of sample. ``elsewhere``: the
    loans from other lenders the bank knows of, as in :func:`add_visit_value`.

    Returns
    -------
    dict
        ``auc_visit_arm``, ``auc_no_visit_arm``, ``n_holdout_unvisited`` (where defined).
    """
    model = getattr(scorer, "visit_value_", None)
    cover = coverage(loans)
    if not isinstance(model, VisitValueModel) or cover is None or not len(leads):
        return {}
    h = in_coverage(check_history(history), cover)
    h = h[isin(h["lead_id"], set(leads["lead_id"].astype(str)))]
    if h.empty:
        return {}
    rows = uplift_table(leads, h, bank_loan_book(history, loans, elsewhere),
                        max_controls=20_000)
    parts = model.components(rows)
    took = rows["took_loan"].to_numpy(int)
    arm = rows["visited"].to_numpy(int) == 1
    out: dict[str, float] = {"n_holdout_unvisited": float((~arm).sum())}
    for key, sel, p in (("auc_visit_arm", arm, parts["p_visit"]),
                        ("auc_no_visit_arm", ~arm, parts["p_no_visit"])):
        auc = _auc(took[sel], np.asarray(p, float)[sel])
        if auc is not None:
            out[key] = auc
    return out
