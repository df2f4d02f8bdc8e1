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
    # c is listed nowhere: whether it borrowed elsewhere is not known.
    np.testing.assert_array_equal(r["months_since_other_loan"], [2.0, 1.0, np.nan])
    # Planning a month in which the loan elsewhere was made: 0 months, ours unchanged.
    now = recency_now(["a", "b"], "2025-06", book)
    assert now["months_since_other_loan"].tolist() == [1.0, 0.0]
    assert now["months_since_loan"].tolist() == [5.0, 60.0]
    assert newest_loan_months(r).tolist() == [2.0, 1.0, 60.0]


def test_a_check_that_found_none_is_the_cap_and_no_check_is_unknown() -> None:
    book = P.bank_loan_book(None, None, pd.DataFrame(
        {"lead_id": ["a", "b", "b"], "month": ["", "2025-05", "2025-09"]}))
    assert sorted(book["source"]) == ["checked", ELSEWHERE, ELSEWHERE]
    r = loan_recency(["a", "b", "c"], "2025-07", book)
    # b's loan of September is not before July, but b is covered by the report: none then.
    np.testing.assert_array_equal(r["months_since_other_loan"], [60.0, 2.0, np.nan])
    # A check is never one of our loans.
    assert r["months_since_loan"].tolist() == [60.0, 60.0, 60.0]


def test_what_an_owner_told_counts_only_from_the_visit_on() -> None:
    told = pd.DataFrame({"lead_id": ["a", "b"], "month": ["2025-02", ""],
                         "known_month": ["2025-06", "2025-06"]})
    book = P.bank_loan_book(None, None, told)
    before = loan_recency(["a", "b"], "2025-06", book)["months_since_other_loan"]
    after = loan_recency(["a", "b"], "2025-08", book)["months_since_other_loan"]
    assert before.isna().all()
    assert after.tolist() == [6.0, 60.0]
    # Planning the visit's own month: what was told that month is known.
    assert recency_now(["a", "b"], "2025-06", book)["months_since_other_loan"].tolist() == \
        [4.0, 60.0]


def test_a_loan_cannot_be_known_before_it_was_taken() -> None:
    with pytest.raises(DataError) as e:
        P.check_loans_elsewhere(pd.DataFrame({"lead_id": ["a", "b"],
                                              "month": ["2025-01", "2025-05"],
                                              "known_month": ["", "2025-04"]}))
    assert e.value.row == 2 and e.value.field == "known_month"


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
    full = econ.known_loans_elsewhere(1.0)
    assert (full["month"] != "").sum() == len(every) > 0
    # Every business is covered: those without a loan elsewhere are listed clean.
    assert full["lead_id"].nunique() == len(econ.businesses)
    assert econ.known_loans_elsewhere(0.0).empty
    half = econ.known_loans_elsewhere(0.5, seed=3)
    lenders = every["lead_id"].nunique()
    found = half.loc[half["month"] != "", "lead_id"].nunique()
    assert 0.35 * lenders < found < 0.65 * lenders
    assert 0.35 * len(econ.businesses) < half["lead_id"].nunique() < 0.65 * len(econ.businesses)
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
    assert with_other["months_since_other_loan"].notna().all()
    assert without["months_since_other_loan"].isna().all()
    pd.testing.assert_series_equal(with_other["months_since_loan"], without["months_since_loan"])


def test_a_loan_elsewhere_lowers_the_value_and_is_named_but_does_not_lock(
        econ: P.Economy) -> None:
    known = econ.known_loans_elsewhere(1.0)
    book = P.bank_loan_book(econ.history, econ.loan_book, known)
    vm = VisitValueModel(random_state=0).fit_history(econ.businesses, econ.history, book)
    month = P.add_months(econ.start_month, econ.n_months)
    s = vm.score(econ.businesses, month, loan_book=book, explain_limit=None)
    loans = known[known["month"] != ""]
    recent = s["lead_id"].isin(set(loans.loc[loans["month"] >= P.add_months(month, -3),
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
    # A caller that gives our recency only (no loans elsewhere column): not known.
    b = vm.score(rows, month, explain=False)
    np.testing.assert_allclose(a["value_yuan"], b["value_yuan"])


def test_what_owners_tell_at_visits_is_their_newest_loan_elsewhere_before_it(
        econ: P.Economy) -> None:
    told = econ.loans_elsewhere_told_at_visits()
    assert len(told) and told["loan_yuan"].isna().all()
    other = econ.loans[econ.loans["source"] == ELSEWHERE]
    visits = econ.history
    # One answer per visit, known from the visit's month.
    assert len(told) == len(visits.drop_duplicates(["lead_id", "month"]))
    assert (told["month"] == "").any() and (told["month"] != "").any()
    for r in told.itertuples():
        mine = other.loc[other["lead_id"] == r.lead_id, "month"].astype(str)
        before = mine[mine < r.known_month]
        # The newest loan elsewhere before the visit, or none when there was none.
        assert r.month == (before.max() if len(before) else "")
    # A business never visited tells nothing.
    assert set(told["lead_id"]) <= set(visits["lead_id"].astype(str))


def test_a_business_nobody_asked_is_unknown_not_clean(econ: P.Economy) -> None:
    # What owners told at the history's visits: the visited businesses are known (a loan
    # or none), the others unknown, so they cannot pass for businesses without a loan.
    book = P.bank_loan_book(econ.history, econ.loan_book, econ.loans_elsewhere_told_at_visits())
    month = P.add_months(econ.start_month, econ.n_months)
    ids = econ.businesses["lead_id"].astype(str)
    other = recency_now(ids.tolist(), month, book)["months_since_other_loan"]
    visited = ids.isin(set(econ.history["lead_id"].astype(str))).to_numpy()
    assert other[visited].notna().all() and other[~visited].isna().all()
    assert (other[visited] == 60).any() and (other[visited] < 60).any()
    # In training, a visit's own answer is not yet known at that visit.
    table = uplift_table(econ.businesses, econ.history, book, max_controls=10**6)
    first = table[table["visited"] == 1].sort_values("month").drop_duplicates("lead_id")
    assert first["months_since_other_loan"].isna().all()


def test_the_trees_fit_a_feature_known_for_a_handful_of_rows() -> None:
    # A county whose report covers three leads: one half of the rows may know none of them.
    from propensity.uplift_boost import HistBoostClassifier, HistBoostRegressor

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    for rare in (np.full(300, np.nan), np.r_[[5.0, 7.0, 60.0], np.full(297, np.nan)]):
        X = pd.DataFrame({"x": rng.random(300), "months_since_other_loan": rare})
        clf = HistBoostClassifier(max_iter=5).fit(X, y)
        assert clf.predict_proba(X).shape == (300, 2)
        reg = HistBoostRegressor(max_iter=5).fit(X.to_numpy(), y)
        assert np.isfinite(reg.predict(X.to_numpy())).all()


def test_an_owner_asked_in_the_month_of_a_loan_elsewhere_can_tell_it(econ: P.Economy) -> None:
    r = econ.loans[econ.loans["source"] == ELSEWHERE].iloc[0]
    lid, month = str(r["lead_id"]), str(r["month"])
    assert econ.newest_loan_elsewhere([lid], [month], inclusive=True) == [month]
    assert econ.newest_loan_elsewhere([lid], [month])[0] < month
