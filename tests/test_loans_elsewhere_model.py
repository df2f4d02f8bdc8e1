"""Loans from other lenders the bank knows of: features, never outcomes nor the loan rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import propensity as P
from propensity.errors import DataError
from propensity.loan_recency import ELSEWHERE, loan_recency, newest_loan_months, recency_now
from propensity.uplift import VisitValueModel, uplift_table
from propensity.visit_truth import EconomyVariant


@pytest.fixture(scope="module")
def econ(villages: pd.DataFrame) -> P.Economy:
    return P.generate_economy(villages, n_businesses=1500, n_months=18, seed=2,
                              variant=EconomyVariant.HETEROGENEOUS)


def test_loans_elsewhere_are_their_own_recency_not_ours() -> None:
    book = P.bank_loan_book(None, pd.DataFrame({"lead_id": ["a"], "month": ["2025-01"]}),
                            pd.DataFrame({"lead_id": ["a", "b"], "month": ["2025-05", "2025-06"]}))
    assert sorted(book["source"]) == [ELSEWHERE, ELSEWHERE, "walk_in"]
    r = loan_recency(["a", "b", "c"], "2025-07", book)
    assert r["months_since_loan"].tolist() == [6.0, 60.0, 60.0]
    assert r["loans_24m"].tolist() == [1.0, 0.0, 0.0]
    assert r["months_since_other_loan"].tolist() == [2.0, 1.0, 60.0]
    # Planning a month in which the loan elsewhere was made: 0 months, ours unchanged.
    now = recency_now(["a", "b"], "2025-06", book)
    assert now["months_since_other_loan"].tolist() == [1.0, 0.0]
    assert now["months_since_loan"].tolist() == [5.0, 60.0]
    assert newest_loan_months(r).tolist() == [2.0, 1.0, 60.0]


def test_a_loan_from_us_and_one_elsewhere_in_the_same_month_both_stay() -> None:
    book = P.bank_loan_book(None, pd.DataFrame({"lead_id": ["a"], "month": ["2025-01"]}),
                            pd.DataFrame({"lead_id": ["a", "a"], "month": ["2025-01", "2025-01"],
                                          "loan_yuan": [1.0, 2.0]}))
    assert sorted(book["source"]) == [ELSEWHERE, "walk_in"]


def test_a_bad_loan_elsewhere_names_its_row_and_field() -> None:
    with pytest.raises(DataError) as e:
        P.bank_loan_book(None, None, pd.DataFrame({"lead_id": ["a", "b"],
                                                   "month": ["2025-01", "January"]}))
    assert e.value.row == 2 and e.value.field == "month"


def test_known_loans_elsewhere_cover_the_share_asked(econ: P.Economy) -> None:
    every = econ.loans[econ.loans["source"] == ELSEWHERE]
    assert len(econ.known_loans_elsewhere(1.0)) == len(every) > 0
    assert econ.known_loans_elsewhere(0.0).empty
    half = econ.known_loans_elsewhere(0.5, seed=3)
    lenders = every["lead_id"].nunique()
    assert 0.35 * lenders < half["lead_id"].nunique() < 0.65 * lenders
    pd.testing.assert_frame_equal(half, econ.known_loans_elsewhere(0.5, seed=3))
    with pytest.raises(DataError):
        econ.known_loans_elsewhere(1.5)


def test_loans_elsewhere_are_never_the_control_arm_outcomes(econ: P.Economy) -> None:
    book = P.bank_loan_book(econ.history, econ.loan_book, econ.known_loans_elsewhere(1.0))
    with_other = uplift_table(econ.businesses, econ.history, book, max_controls=10**6)
    without = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=10**6)
    ctrl = with_other["visited"] == 0
    assert with_other.loc[ctrl, "took_loan"].sum() == \
        without.loc[without["visited"] == 0, "took_loan"].sum()
    assert (with_other["months_since_other_loan"] < 60).any()
    assert (without["months_since_other_loan"] == 60).all()
    pd.testing.assert_series_equal(with_other["months_since_loan"], without["months_since_loan"])


def test_a_loan_elsewhere_lowers_the_value_and_is_named_but_does_not_lock(
        econ: P.Economy) -> None:
    known = econ.known_loans_elsewhere(1.0)
    book = P.bank_loan_book(econ.history, econ.loan_book, known)
    vm = VisitValueModel(random_state=0).fit_history(econ.businesses, econ.history, book)
    month = P.add_months(econ.start_month, econ.n_months)
    s = vm.score(econ.businesses, month, loan_book=book, explain_limit=None)
    recent = s["lead_id"].isin(set(known.loc[known["month"] >= P.add_months(month, -3),
                                             "lead_id"]))
    assert recent.any()
    # The lender's loan rule is about its own loans: a loan elsewhere does not lock a lead.
    ours = econ.months_since_loan(econ.businesses, month, bank_only=True)
    open_recent = recent.to_numpy() & (ours >= vm.lockout_months_)
    assert open_recent.any() and not s.loc[open_recent, "locked_out"].any()
    # Businesses that just borrowed elsewhere gain less from a visit than the others.
    rest = ~recent.to_numpy() & (ours >= vm.lockout_months_)
    assert s.loc[open_recent, "uplift"].mean() < 0.7 * s.loc[rest, "uplift"].mean()
    assert s.loc[open_recent, "reason_now_en"].str.contains("another lender").all()
    assert s.loc[open_recent, "explanation_zh"].str.contains("其他机构").all()
    assert not s.loc[~recent.to_numpy(), "reason_now_en"].str.contains(
        "another lender .* 0 months", regex=True).any()


def test_a_model_without_loans_elsewhere_scores_as_before(econ: P.Economy) -> None:
    vm = VisitValueModel(random_state=0).fit_history(econ.businesses, econ.history,
                                                     econ.loan_book)
    month = P.add_months(econ.start_month, econ.n_months)
    a = vm.score(econ.businesses, month, loan_book=econ.loan_book, explain=False)
    rows = econ.businesses.assign(
        **loan_recency(econ.businesses["lead_id"].astype(str).tolist(), month,
                       econ.loan_book)[["months_since_loan", "loans_24m"]])
    # A caller that gives our recency only (no loans elsewhere column): none known.
    b = vm.score(rows, month, explain=False)
    np.testing.assert_allclose(a["value_yuan"], b["value_yuan"])


def test_what_owners_tell_at_visits_is_their_newest_loan_elsewhere_before_it(
        econ: P.Economy) -> None:
    told = econ.loans_elsewhere_told_at_visits()
    assert len(told) and told["loan_yuan"].isna().all()
    other = econ.loans[econ.loans["source"] == ELSEWHERE]
    visits = econ.history
    for r in told.itertuples():
        mine = other.loc[other["lead_id"] == r.lead_id, "month"].astype(str)
        assert r.month in set(mine)
        later = visits.loc[(visits["lead_id"] == r.lead_id)
                           & (visits["month"].astype(str) > r.month), "month"].astype(str)
        # Told at a visit after it, with no newer loan elsewhere before that visit.
        assert any(not ((mine > r.month) & (mine < v)).any() for v in later)
    # A business never visited tells nothing.
    assert set(told["lead_id"]) <= set(visits["lead_id"].astype(str))
