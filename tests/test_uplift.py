"""The heterogeneous economy's visit effect, the visit-value model and the Qini measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import propensity as P
from propensity.errors import DataError, ModelError
from propensity.loan_models import LoanSizeModel
from propensity.loan_recency import month_index
from propensity.qini import decile_calibration, qini_coefficient, qini_curve, top_share_ratio
from propensity.uplift import VisitValueModel, loan_recency, uplift_table
from propensity.uplift_boost import numeric_features
from propensity.uplift_offset import OffsetUplift, recency_bins
from propensity.uplift_reasons import REASON_PARTS
from propensity.uplift_table import model_features as uplift_features
from propensity.uplift_table import revisit_gap
from propensity.visit_truth import EconomyVariant, VisitEffectConfig


@pytest.fixture(scope="module")
def econ(villages: pd.DataFrame) -> P.Economy:
    return P.generate_economy(villages, n_businesses=1500, n_months=18, seed=2,
                              variant=EconomyVariant.HETEROGENEOUS)


@pytest.fixture(scope="module")
def model(econ: P.Economy) -> VisitValueModel:
    return VisitValueModel(random_state=0).fit_history(econ.businesses, econ.history,
                                                       econ.loan_book)


def _shares(e: P.Economy) -> float:
    p1 = np.concatenate([e.true_p_uptake(e.businesses, m, months_since_loan=np.full(
        len(e.businesses), 1000.0)) for m in P.month_range(e.start_month, 12)])
    p0 = np.concatenate([e.true_p_uptake(e.businesses, m, visited=False,
                                         months_since_loan=np.full(len(e.businesses), 1000.0))
                         for m in P.month_range(e.start_month, 12)])
    return float((p1 - p0).mean() / p1.mean())


@pytest.mark.parametrize("share", [0.25, 0.5])
def test_visit_caused_share_matches_configuration(villages: pd.DataFrame, share: float) -> None:
    e = P.generate_economy(villages, n_businesses=400, n_months=2, seed=1,
                           variant="heterogeneous",
                           visit_effect=VisitEffectConfig(visit_caused_share=share,
                                                          drift_effect_per_month=0.0,
                                                          drift_base_logit_per_month=0.0))
    assert _shares(e) == pytest.approx(share, abs=0.01)


def test_heterogeneity_follows_configuration(econ: P.Economy) -> None:
    b = econ.businesses
    m = "2025-09"
    never = np.full(len(b), 1000.0)
    lift = econ.true_p_uptake(b, m, months_since_loan=never) - econ.true_p_uptake(
        b, m, visited=False, months_since_loan=never)
    far_low = (b["dist_branch_m"] > 3000) & (b["mobile_pay_flow_yuan"] < 15_000)
    near_rich = (b["dist_branch_m"] < 2000) & (b["mobile_pay_flow_yuan"] > 40_000)
    assert lift[far_low.to_numpy()].mean() > 2 * lift[near_rich.to_numpy()].mean()
    # A loan last month leaves almost no visit effect; a year and a half ago a renewal.
    recent = econ.true_p_uptake(b, m, months_since_loan=np.full(len(b), 1.0)) \
        - econ.true_p_uptake(b, m, visited=False, months_since_loan=np.full(len(b), 1.0))
    assert recent.mean() < 0.1 * lift.mean()
    # Drift: the visit effect shrinks month by month.
    later = econ.true_p_uptake(b, "2027-09", months_since_loan=never) - econ.true_p_uptake(
        b, "2027-09", visited=False, months_since_loan=never)
    assert later.mean() < lift.mean()


def test_additive_variant_is_todays_economy(villages: pd.DataFrame) -> None:
    a = P.generate_economy(villages, n_businesses=200, n_months=4, seed=7)
    b = P.generate_economy(villages, n_businesses=200, n_months=4, seed=7, variant="additive")
    pd.testing.assert_frame_equal(a.history, b.history)
    assert a.variant is EconomyVariant.ADDITIVE
    # No borrowing without a visit in today's economy: every loan follows a visit.
    assert set(a.loans["source"]) <= {"visit"}


def test_unvisited_businesses_borrow_and_history_loans_are_kept(econ: P.Economy) -> None:
    src = econ.loans["source"].value_counts()
    assert src.get("walk_in", 0) > 0 and src.get("elsewhere", 0) > 0
    assert set(econ.loan_book["source"]) <= {"visit", "walk_in"}
    lid = econ.loan_book["lead_id"].iloc[-1]
    month = econ.loan_book["month"].iloc[-1]
    nxt = P.add_months(month, 1)
    assert econ.months_since_loan([lid], nxt, bank_only=True)[0] == 1


def test_loan_recency_counts_the_loan_book() -> None:
    book = pd.DataFrame({"lead_id": ["a", "a", "b"], "month": ["2025-01", "2025-06", "2023-01"]})
    r = loan_recency(["a", "b", "c"], "2025-07", book)
    assert r["months_since_loan"].tolist() == [1.0, 30.0, 60.0]
    assert r["loans_24m"].tolist() == [2.0, 0.0, 0.0]


def test_loans_in_the_history_count_for_the_value_rule(econ: P.Economy,
                                                       model: VisitValueModel) -> None:
    month = P.add_months(econ.start_month, econ.n_months)
    s = model.score(econ.businesses, month, loan_book=econ.loan_book, explain=False)
    recent = econ.months_since_loan(econ.businesses, month, bank_only=True) < 6
    assert recent.any()
    assert (s.loc[recent, "value_yuan"] == 0).all() and s.loc[recent, "locked_out"].all()
    # Without the loan book the same leads are valued again: the rule comes from history.
    s2 = model.score(econ.businesses, month, loan_book=None, explain=False)
    assert (s2.loc[recent, "value_yuan"] > 0).any()


@pytest.fixture(scope="module")
def s_model(econ: P.Economy) -> VisitValueModel:
    return VisitValueModel(learner="s", random_state=0).fit_history(
        econ.businesses, econ.history, econ.loan_book)


def test_tree_learners_do_not_value_leads_at_a_recency_no_visit_covers(
        econ: P.Economy, s_model: VisitValueModel) -> None:
    # The history never visits a business within a year of its loan from us, so a tree
    # of both arms has no evidence of a visit's effect there and does not claim one.
    assert s_model.support_rule_
    assert s_model.recency_support_months_ >= s_model.lockout_months
    assert s_model.lockout_months_ == s_model.recency_support_months_
    month = P.add_months(econ.start_month, econ.n_months)
    s = s_model.score(econ.businesses, month, loan_book=econ.loan_book, explain=False)
    since = econ.months_since_loan(econ.businesses, month, bank_only=True)
    gap = (since >= s_model.lockout_months) & (since < s_model.lockout_months_)
    assert gap.any()
    assert (s.loc[gap, "value_yuan"] == 0).all() and s.loc[gap, "locked_out"].all()
    # Without the rule the same leads are valued by extrapolation (the old behaviour).
    old = VisitValueModel(learner="s", random_state=0, recency_support=False).fit_history(
        econ.businesses, econ.history, econ.loan_book)
    assert old.lockout_months_ == old.lockout_months
    s_old = old.score(econ.businesses, month, loan_book=econ.loan_book, explain=False)
    assert (s_old.loc[gap, "value_yuan"] > 0).any()


def test_offset_learner_carries_the_covered_effect_to_recent_borrowers(
        econ: P.Economy, model: VisitValueModel) -> None:
    # The default applies only the 6-month loan rule: a lead that borrowed 6-12 months
    # ago is valued, with the visit's log-odds effect of the nearest recency the visits
    # cover (12 months) on its own no-visit baseline (the stated assumption).
    assert not model.support_rule_ and model.lockout_months_ == model.lockout_months
    month = P.add_months(econ.start_month, econ.n_months)
    s = model.score(econ.businesses, month, loan_book=econ.loan_book, explain=False)
    since = econ.months_since_loan(econ.businesses, month, bank_only=True)
    gap = (since >= 6) & (since < 12)
    assert (s.loc[gap, "value_yuan"] > 0).any() and not s.loc[gap, "locked_out"].any()
    leads = econ.businesses.head(50)
    at = {}
    half = model.offset_.halves_[0]
    for months in (9.0, 12.0):
        rows = leads.assign(month=month, months_since_loan=months, loans_24m=1.0)
        X = uplift_features(rows, model.feature_groups).drop(
            columns=list(model.unknown_features_))
        Xe = numeric_features(X[model.offset_.effect_columns(X)])
        log_c = np.log(X["cash_need_index"].to_numpy(float))
        at[months] = (half.effect(Xe, log_c),
                      half.baseline(X, recency_bins(X["months_since_loan"]), log_c))
    np.testing.assert_allclose(at[9.0][0], at[12.0][0])
    assert not np.allclose(at[9.0][1], at[12.0][1])


def test_uplift_model_beats_plain_uptake_model_on_qini(econ: P.Economy,
                                                       model: VisitValueModel) -> None:
    month = P.add_months(econ.start_month, econ.n_months)
    truth = econ.visit_caused_value_yuan(econ.businesses, month)
    ours = model.score(econ.businesses, month, loan_book=econ.loan_book, explain=False)
    plain = P.LeadScorer(random_state=0).fit_history(econ.businesses, econ.history).score(
        econ.businesses, month, explain=False)
    # The acceptance measure: true visit-caused value captured by the top 10 %.
    assert top_share_ratio(ours["value_yuan"], truth, 0.1) > top_share_ratio(
        plain["value_yuan"], truth, 0.1)
    # Ranked for the loans a visit causes, the whole Qini curve too.
    caused = econ.visit_caused_p(econ.businesses, month)
    assert qini_coefficient(ours["uplift"], caused) > qini_coefficient(plain["p_uptake"], caused)


def test_value_parts_add_up_with_a_real_lgd(econ: P.Economy, model: VisitValueModel) -> None:
    s = model.score(econ.businesses.head(200), "2026-08", explain=False)
    open_ = ~s["locked_out"]
    caused = s["uplift"] * s["loan_yuan"]
    np.testing.assert_allclose(s["expected_loan_yuan"], caused)
    np.testing.assert_allclose(s["expected_loss_yuan"], caused * s["p_default"] * 0.45)
    expect = np.maximum(caused * (1 - s["p_default"]) * 0.05 - s["expected_loss_yuan"], 0)
    np.testing.assert_allclose(s.loc[open_, "value_yuan"], expect[open_])
    assert (s["expected_loss_yuan"] > 0).any()


def test_each_lead_reasons_name_the_parts_of_its_value(econ: P.Economy,
                                                       model: VisitValueModel) -> None:
    s = model.score(econ.businesses.head(300), "2026-08", loan_book=econ.loan_book,
                    explain_limit=20)
    top = s.sort_values("value_yuan", ascending=False).head(20)
    for part in REASON_PARTS:
        assert top[f"reason_{part}_en"].str.len().gt(0).all()
    assert top["explanation_en"].str.contains("Likely").all()
    assert top["explanation_en"].str.contains("expected loan").all()
    assert top["explanation_en"].str.contains("Now:").all()
    assert top["explanation_en"].str.contains("Visit matters").all()
    assert top["explanation_zh"].str.contains("可能性").all()
    assert top["explanation_zh"].str.contains("拜访").all()
    # The numbers in the reasons are the lead's own parts.
    row = top.iloc[0]
    assert f"{row['p_visit']:.0%}" in row["reason_likely_en"]
    assert f"¥{row['loan_yuan']:,.0f}" in row["reason_large_en"]


def test_uplift_table_has_both_arms(econ: P.Economy) -> None:
    t = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=2000)
    assert set(t["visited"]) == {0, 1}
    assert t.loc[t["visited"] == 0].shape[0] == 2000
    assert t["randomised"].sum() == (econ.history["visited_by_policy"] == "random").sum()
    # Controls' outcomes are walk-ins from the loan book.
    assert t.loc[t["visited"] == 0, "took_loan"].sum() > 0


def test_uplift_table_leaves_out_the_months_after_a_visit(econ: P.Economy) -> None:
    # The officers never revisit within two months, so those months are not controls:
    # the lead had just been asked (and mostly refused).
    assert revisit_gap(econ.history) == 3
    t = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=10**6)
    visits = set(zip(econ.history["lead_id"], month_index(econ.history["month"]),
                     strict=True))
    ctrl = t[t["visited"] == 0]
    after = [(lid, m - k) in visits for lid, m in zip(ctrl["lead_id"],
                                                       month_index(ctrl["month"]),
                                                       strict=True) for k in (1, 2)]
    assert not any(after)
    # With the gap set to 1, the months after a visit are controls again.
    t1 = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=10**6,
                      gap=1)
    assert (t1["visited"] == 0).sum() > (t["visited"] == 0).sum()


def test_uplift_table_keeps_every_walk_in_and_weights_the_sampled_months(
        econ: P.Economy) -> None:
    full = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=10**6)
    small = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=5000)
    c_full, c_small = full[full["visited"] == 0], small[small["visited"] == 0]
    assert (c_full["weight"] == 1).all() and len(c_small) == 5000
    # Every walk-in stays; the sampled months without one stand for all of them.
    assert c_small["took_loan"].sum() == c_full["took_loan"].sum()
    assert (c_small.loc[c_small["took_loan"] == 1, "weight"] == 1).all()
    assert c_small["weight"].sum() == pytest.approx(len(c_full))
    rate = np.average(c_small["took_loan"], weights=c_small["weight"])
    assert rate == pytest.approx(c_full["took_loan"].mean())


def test_qini_measures_on_a_known_effect() -> None:
    effect = np.array([5.0, 4, 3, 2, 1, 0, 0, 0, 0, 0])
    assert qini_coefficient(effect, effect) == pytest.approx(1.0)
    assert qini_coefficient(-effect, effect) < 0
    assert top_share_ratio(effect, effect, 0.2) == 1.0
    assert top_share_ratio(np.arange(10), effect, 0.2) == 0.0
    c = qini_curve(effect, effect)
    assert c["oracle"].iloc[-1] == c["model"].iloc[-1] == effect.sum()
    d = decile_calibration(effect * 2, effect, n_groups=5)
    assert d["ratio"].iloc[0] == pytest.approx(2.0)
    with pytest.raises(DataError):
        qini_curve([1, 2], [1.0])


def _known_effect(n_leads: int, seed: int) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Business-months with a known effect on the log-odds: 1.5 where ``x1 > 0``, else 0."""
    rng = np.random.default_rng(seed)
    n = n_leads * 6
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    lead = np.repeat(np.arange(n_leads), 6).astype(str)
    month = np.tile(np.arange(6), n_leads) + 12 * 2025 + 1
    visited = (rng.random(n) < 0.3).astype(int)
    base = -2.0 + 0.5 * x2
    effect = np.where(x1 > 0, 1.5, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + visited * effect)))).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2})
    true_uplift = 1 / (1 + np.exp(-(base + effect))) - 1 / (1 + np.exp(-base))
    return X, {"y": y, "visited": visited, "month": month, "lead": lead,
               "uplift": true_uplift}


def test_logit_effect_booster_recovers_a_known_heterogeneous_effect() -> None:
    from propensity.uplift_boost import LogitEffectBooster

    X, d = _known_effect(2500, seed=0)
    m = LogitEffectBooster(min_samples_leaf=100, random_state=0).fit(
        X, d["y"], visited=d["visited"], month_index=d["month"], groups=d["lead"],
        randomised=d["visited"])
    p1, p0, up = m.predict_parts(X, d["month"])
    np.testing.assert_allclose(up, p1 - p0)
    # Better than a constant effect (the mean uplift for everyone) ...
    err = np.mean((up - d["uplift"]) ** 2)
    assert err < 0.5 * np.mean((d["uplift"].mean() - d["uplift"]) ** 2)
    # ... and ranks the effect: the leads with the effect come first.
    assert up[X["x1"] > 0].mean() > 3 * up[X["x1"] <= 0].mean()
    assert 0.0 <= m.shrink_ <= 1.0
    with pytest.raises(DataError):
        LogitEffectBooster().fit(X, np.zeros(len(X)), visited=d["visited"],
                                 month_index=d["month"], groups=d["lead"])


def test_logit_boost_learner_values_leads(econ: P.Economy) -> None:
    vm = VisitValueModel(learner="logit_boost", random_state=0).fit_history(
        econ.businesses, econ.history, econ.loan_book)
    s = vm.score(econ.businesses.head(300), "2026-08", loan_book=econ.loan_book,
                 explain=False)
    assert s["value_yuan"].ge(0).all() and s["value_yuan"].gt(0).any()
    np.testing.assert_allclose(s["uplift"], np.maximum(s["p_visit"] - s["p_no_visit"], 0))
    assert vm.get_params()["learner"] == "logit_boost"


def _seasonal_effect(n_leads: int, seed: int, elasticity: float
                     ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Business-months whose visit effect on the log-odds is ``cash_need ** elasticity``
    times 1.2 where ``x1 > 0`` (else 0.2); a thin recency group (12-23 months since a loan,
    one row in twenty) borrows more without a visit."""
    rng = np.random.default_rng(seed)
    n = n_leads * 12
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    cash = np.exp(rng.normal(0, 0.3, n))
    since = np.where(rng.random(n) < 0.05, rng.integers(12, 24, n), 60).astype(float)
    lead = np.repeat(np.arange(n_leads), 12).astype(str)
    month = np.tile(np.arange(12), n_leads) + 12 * 2025 + 1
    visited = (rng.random(n) < 0.25).astype(int)
    base = -2.5 + 0.5 * x2 + 1.0 * (since < 24)
    effect = cash ** elasticity * np.where(x1 > 0, 1.2, 0.2)
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + visited * effect)))).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "cash_need_index": cash,
                      "months_since_loan": since})
    true_uplift = 1 / (1 + np.exp(-(base + effect))) - 1 / (1 + np.exp(-base))
    return X, {"y": y, "visited": visited, "month": month, "lead": lead,
               "uplift": true_uplift, "base": base, "since": since}


def test_offset_uplift_recovers_a_seasonal_heterogeneous_effect() -> None:
    X, d = _seasonal_effect(2500, seed=0, elasticity=1.5)
    m = OffsetUplift(random_state=0).fit(X, d["y"], visited=d["visited"],
                                          month_index=d["month"], groups=d["lead"],
                                          randomised=d["visited"])
    p1, p0, up = m.predict_parts(X)
    np.testing.assert_allclose(up, p1 - p0)
    assert 1.0 <= m.elasticity_ <= 2.0
    assert np.mean((up - d["uplift"]) ** 2) < 0.5 * np.var(d["uplift"])
    assert up[X["x1"] > 0].mean() > 3 * up[X["x1"] <= 0].mean()
    # Out of fold, the randomised visits bear the predicted uplift out.
    assert 0.7 < m.calibration_["ratio"] < 1.3


def test_offset_uplift_calibration_shifts_the_effect_only_when_asked() -> None:
    # The randomised visits' out-of-fold level is always reported; it moves the effect
    # only with calibrate=True (it corrects past months, not the drift ahead).
    X, d = _seasonal_effect(800, seed=2, elasticity=1.0)
    kw = dict(visited=d["visited"], month_index=d["month"], groups=d["lead"],
              randomised=d["visited"])
    plain = OffsetUplift(n_repeats=1, random_state=0).fit(X, d["y"], **kw)
    shifted = OffsetUplift(n_repeats=1, calibrate=True, random_state=0).fit(X, d["y"], **kw)
    assert plain.level_shift_ == 0.0 and shifted.level_shift_ != 0.0
    assert plain.calibration_ == shifted.calibration_
    gap = shifted.predict_parts(X)[2].mean() - plain.predict_parts(X)[2].mean()
    assert np.sign(gap) == np.sign(shifted.level_shift_)


def test_offset_uplift_recalibrates_a_thin_recency_group() -> None:
    # Early-stopped boosting under-fits a recency group of one month in twenty; the
    # per-recency offsets bring its no-visit rate back to what was observed.
    X, d = _seasonal_effect(2500, seed=1, elasticity=1.0)
    thin, ctrl = d["since"] < 24, d["visited"] == 0
    err = {}
    for recal in (True, False):
        m = OffsetUplift(recalibrate=recal, n_repeats=1, random_state=0).fit(
            X, d["y"], visited=d["visited"], month_index=d["month"], groups=d["lead"])
        p0 = m.predict_parts(X)[1]
        err[recal] = abs(p0[thin & ctrl].mean() / d["y"][thin & ctrl].mean() - 1)
    assert err[True] < 0.1 and err[True] < err[False]


def test_offset_uplift_is_a_scikit_learn_estimator(econ: P.Economy,
                                                    model: VisitValueModel) -> None:
    assert model.get_params()["learner"] == "offset" and isinstance(model.offset_,
                                                                     OffsetUplift)
    twin = clone(VisitValueModel(offset=OffsetUplift(n_repeats=1), random_state=3))
    assert twin.get_params()["offset__n_repeats"] == 1
    assert len(model.offset_.halves_) == 2 * model.offset_.n_repeats
    with pytest.raises(ModelError):
        OffsetUplift().predict_parts(econ.businesses.head(3))


def test_loan_size_model_beats_a_constant_on_held_out_loans(econ: P.Economy) -> None:
    t = uplift_table(econ.businesses, econ.history, econ.loan_book, max_controls=10**6)
    loans = t[t["took_loan"] == 1].reset_index(drop=True)
    X = uplift_features(loans, ("business", "spatial", "seasonal"))
    amount = loans["loan_yuan"].to_numpy(float)
    train = (pd.util.hash_array(loans["lead_id"].to_numpy(object)) % 4 != 0)
    pred = LoanSizeModel().fit(X[train], amount[train]).predict(X[~train])
    err = np.mean(np.log(pred / amount[~train]) ** 2)
    const = np.mean((np.log(amount[train]).mean() - np.log(amount[~train])) ** 2)
    assert err < 0.5 * const


def test_a_visit_effect_no_past_visit_supports_is_named_as_assumed() -> None:
    from propensity.uplift_reasons import value_reasons

    parts = pd.DataFrame({"uplift": [0.2, 0.2], "p_visit": [0.5, 0.5],
                          "p_no_visit": [0.3, 0.3], "loan_yuan": [1e5, 1e5],
                          "p_default": [0.01, 0.01], "expected_loss_yuan": [450.0, 450.0],
                          "value_yuan": [500.0, 500.0], "months_since_loan": [8.0, 15.0]})
    features = pd.DataFrame({"industry": ["jade", "jade"]})
    r = value_reasons(parts, features, {}, "2026-08", margin=0.05, lgd=0.45,
                      lockout_months=6, support_months=12)
    assert "effect assumed as at 12 months" in r["reason_visit_en"][0]
    assert "按12个月时估计" in r["explanation_zh"][0]
    assert "assumed" not in r["reason_visit_en"][1]  # 15 months: the visits cover it
