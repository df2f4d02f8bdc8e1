"""Value per lead, reasons, exploration, retraining, persistence, drift, speed."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils import estimator_checks

import propensity as P
import propensity.scorer as scorer_mod
from propensity.errors import DataError, ModelError
from propensity.outcomes import OUTCOME_UPTAKE, Outcome
from tests.conftest import DEMO

MONTH = "2026-09"


@pytest.fixture(scope="module")
def econ() -> P.Economy:
    villages = pd.read_csv(DEMO / "villages.csv")
    return P.generate_economy(villages, n_businesses=1500, n_months=24, seed=5)


@pytest.fixture(scope="module")
def scorer(econ: P.Economy) -> P.LeadScorer:
    return P.LeadScorer(random_state=1).fit_history(econ.businesses, econ.history)


@pytest.fixture(scope="module")
def scores(scorer: P.LeadScorer, econ: P.Economy) -> pd.DataFrame:
    return scorer.score(econ.businesses, MONTH)


def test_score_columns_order_and_value_formula(scorer: P.LeadScorer, econ: P.Economy,
                                               scores: pd.DataFrame) -> None:
    assert tuple(scores.columns) == P.SCORE_COLUMNS
    assert list(scores["lead_id"]) == list(econ.businesses["lead_id"])
    expected = scores["p_uptake"] * scores["loan_yuan"] * (1 - scores["p_default"]) * 0.05
    np.testing.assert_allclose(scores["value_yuan"], expected, rtol=1e-12)
    assert (scores["value_std_yuan"] > 0).all()
    assert scores["p_uptake"].between(0, 1).all() and scores["p_default"].between(0, 1).all()
    doubled = scorer.score(econ.businesses, MONTH, margin=0.10, explain=False)
    np.testing.assert_allclose(doubled["value_yuan"], 2 * scores["value_yuan"], rtol=1e-12)
    # lgd only enters the value, not the models: the fitted scorer with lgd changed.
    lgd = copy.deepcopy(scorer).set_params(lgd=0.5)
    charged = lgd.score(econ.businesses, MONTH, explain=False)
    unit = scores["loan_yuan"] * ((1 - scores["p_default"]) * 0.05 - scores["p_default"] * 0.5)
    np.testing.assert_allclose(charged["value_yuan"],
                               np.maximum(scores["p_uptake"] * unit, 0), rtol=1e-12)
    with pytest.raises(DataError, match="margin"):
        scorer.score(econ.businesses, MONTH, margin=2.0)


def test_value_ranks_leads_by_true_value(scores: pd.DataFrame, econ: P.Economy) -> None:
    true_v = econ.true_value_yuan(econ.businesses, MONTH)
    rho = pd.Series(scores["value_yuan"].to_numpy()).corr(pd.Series(true_v), method="spearman")
    assert rho > 0.75


def test_do_not_visit_leads_get_zero_and_a_reason(scorer: P.LeadScorer, econ: P.Economy,
                                                  scores: pd.DataFrame) -> None:
    top = scores.sort_values("value_yuan", ascending=False)["lead_id"].head(3).tolist()
    out = scorer.score(econ.businesses, MONTH, do_not_visit=top)
    flagged = out[out["lead_id"].isin(top)]
    assert flagged["do_not_visit"].all()
    assert (flagged["value_yuan"] == 0).all() and (flagged["value_std_yuan"] == 0).all()
    assert flagged["explanation_en"].str.contains("do-not-visit").all()
    assert flagged["explanation_zh"].str.contains("勿访").all()
    rest = out[~out["lead_id"].isin(top)]
    assert not rest["do_not_visit"].any()
    np.testing.assert_allclose(rest["value_yuan"],
                               scores.loc[rest.index, "value_yuan"], rtol=1e-12)
    th = P.thompson_values(scorer, econ.businesses, MONTH, np.random.default_rng(0),
                           exploration_share=1.0, do_not_visit=top)
    assert (th.loc[th["lead_id"].isin(top), "value_yuan"] == 0).all()


def test_explanations_are_bilingual_and_follow_the_contributions(
        scorer: P.LeadScorer, econ: P.Economy, scores: pd.DataFrame) -> None:
    assert (scores["explanation_en"] != "").all() and (scores["explanation_zh"] != "").all()
    ex = P.explain(scorer, econ.businesses, MONTH, lead_ids=econ.businesses["lead_id"][:200],
                   top_k=3)
    assert len(ex) == 600
    for rec in ex.itertuples():
        plus = rec.contribution_logit > 0
        assert rec.text_en.endswith("(+)" if plus else "(−)"), rec
        assert rec.text_zh.endswith("（+）" if plus else "（−）"), rec
        assert re.search(r"[\u4e00-\u9fff]", rec.text_zh), rec
        assert not re.search(r"[\u4e00-\u9fff]", rec.text_en), rec
    # Reasons are ordered by strength.
    for _, g in ex.groupby("lead_id"):
        mags = g.sort_values("rank")["contribution_logit"].abs().to_numpy()
        assert (np.diff(mags) <= 1e-12).all()


def test_explanations_add_up_to_the_model(scorer: P.LeadScorer, econ: P.Economy) -> None:
    ids = econ.businesses["lead_id"][:50]
    ex = P.explain(scorer, econ.businesses, MONTH, lead_ids=ids, top_k=50)
    total = ex.groupby("lead_id")["contribution_logit"].sum()
    X = scorer.features(econ.businesses[econ.businesses["lead_id"].isin(ids)], MONTH)
    z = scorer.uptake_.decision_function(X) - scorer.uptake_.baseline_logit_
    np.testing.assert_allclose(total.loc[list(ids)].to_numpy(), z, atol=1e-9)


def test_season_reason_flips_between_peak_and_off_season(scorer: P.LeadScorer,
                                                         econ: P.Economy) -> None:
    lead = econ.businesses.loc[econ.businesses["industry"] == "pumpkin", "lead_id"].iloc[0]
    apr = P.explain(scorer, econ.businesses, "2026-04", lead_ids=[lead], top_k=20)
    dec = P.explain(scorer, econ.businesses, "2026-12", lead_ids=[lead], top_k=20)
    a = apr[apr["reason"] == "season"].iloc[0]
    d = dec[dec["reason"] == "season"].iloc[0]
    assert a["contribution_logit"] > 0 > d["contribution_logit"]
    assert a["text_en"].startswith("In season: pumpkin growers need cash in April")
    assert a["text_zh"].startswith("四月南瓜种植户资金需求旺季")
    assert d["text_zh"].startswith("十二月是南瓜种植户资金淡季")


def test_explain_limit_and_unknown_lead(scorer: P.LeadScorer, econ: P.Economy) -> None:
    out = scorer.score(econ.businesses, MONTH, explain_limit=5)
    assert (out["explanation_en"] != "").sum() == 5
    best = out["value_yuan"].nlargest(5).index
    assert (out.loc[best, "explanation_en"] != "").all()
    with pytest.raises(DataError, match="unknown lead"):
        P.explain(scorer, econ.businesses, MONTH, lead_ids=["X999"])


def test_text_tables_score_like_typed_ones(scorer: P.LeadScorer, econ: P.Economy,
                                           scores: pd.DataFrame) -> None:
    as_csv = econ.businesses.astype(str)  # what the CSV reader hands over
    out = scorer.score(as_csv, MONTH, explain=False)
    np.testing.assert_allclose(out["value_yuan"], scores["value_yuan"], rtol=1e-6)


def test_thompson_sampling_ranks_uncertain_leads_up(scorer: P.LeadScorer,
                                                    econ: P.Economy) -> None:
    rng = np.random.default_rng(7)
    none = P.thompson_values(scorer, econ.businesses, MONTH, rng, exploration_share=0.0)
    np.testing.assert_allclose(none["value_yuan"], none["value_mean_yuan"])
    assert not none["explored"].any()
    some = P.thompson_values(scorer, econ.businesses, MONTH, np.random.default_rng(8),
                             exploration_share=0.3)
    assert 0.25 < some["explored"].mean() < 0.35
    th = P.thompson_values(scorer, econ.businesses, MONTH, np.random.default_rng(9),
                           exploration_share=1.0)
    k = len(th) // 10
    by_mean = th.sort_values("value_mean_yuan", ascending=False)
    top_sampled = set(th.nlargest(k, "value_yuan")["lead_id"])
    # Leads just outside the top decile: the uncertain ones among them get ranked in.
    near = by_mean.iloc[k: 3 * k]
    entered = near["lead_id"].isin(top_sampled)
    assert entered.sum() > 0
    rel = near["value_std_yuan"] / near["value_mean_yuan"]
    assert rel[entered].median() > rel[~entered].median()
    jump = (th["value_sampled_yuan"] - th["value_mean_yuan"]).abs()
    assert jump.corr(th["value_std_yuan"], method="spearman") > 0.5
    with pytest.raises(DataError):
        P.thompson_values(scorer, econ.businesses, MONTH, rng, exploration_share=1.5)


def _population_auc(sc: P.LeadScorer, econ: P.Economy) -> float:
    rng = np.random.default_rng(99)
    ys, ps = [], []
    for month in econ.months[-6:]:
        p = econ.true_p_uptake(econ.businesses, month)
        ys.append(rng.random(len(p)) < p)
        ps.append(sc.uptake_.predict_proba(sc.features(econ.businesses, month))[:, 1])
    return float(roc_auc_score(np.concatenate(ys), np.concatenate(ps)))


def test_retrain_on_recorded_outcomes_keeps_or_improves_auc(econ: P.Economy) -> None:
    months = econ.months
    first = econ.history[econ.history["month"] < months[12]]
    old = P.LeadScorer(random_state=0).fit_history(econ.businesses, first)
    rng = np.random.default_rng(3)
    records = []
    for month in months[12:18]:
        th = P.thompson_values(old, econ.businesses, month, rng, exploration_share=0.2)
        picks = th.nlargest(150, "value_yuan")["lead_id"]
        drawn = econ.simulate_visit_outcomes(picks, month, rng)
        no_loan = [Outcome.MET, Outcome.NOT_INTERESTED, Outcome.INTERESTED]
        outcome = np.where(drawn["took_loan"] == 1, Outcome.APPROVED,
                           rng.choice([str(o) for o in no_loan], len(drawn)))
        records.append(pd.DataFrame({"lead_id": drawn["lead_id"], "month": month,
                                     "outcome": outcome, "amount_yuan": drawn["loan_yuan"]}))
        records.append(pd.DataFrame({"lead_id": picks.head(5), "month": month,
                                     "outcome": Outcome.NOT_THERE, "amount_yuan": 0}))
    outcomes = pd.concat(records, ignore_index=True)
    new = P.retrain(old, outcomes)
    assert new is not old and len(old.history_) == len(first)
    assert len(new.history_) == len(first) + 6 * 150
    before, after = _population_auc(old, econ), _population_auc(new, econ)
    assert after >= before - 0.005, (before, after)


def test_outcome_records_are_checked() -> None:
    good = pd.DataFrame({"lead_id": ["B1", "B2", "B3"], "month": "2026-01",
                         # Codes as typed in a CSV file: any case.
                         "outcome": [Outcome.APPROVED, Outcome.NOT_THERE, "Not_Interested"],
                         "amount_yuan": [50_000, 0, 0]})
    h = P.outcomes_to_history(good)
    assert list(h["took_loan"]) == [1, 0] and list(h["loan_yuan"]) == [50_000, 0]
    bad = good.assign(outcome=[Outcome.APPROVED, "maybe", Outcome.MET])
    with pytest.raises(DataError) as err:
        P.outcomes_to_history(bad)
    assert err.value.row == 2 and err.value.field == "outcome"
    with pytest.raises(DataError, match="outcome"):
        P.outcomes_to_history(good.drop(columns=["outcome"]))
    # Every code of the one outcome vocabulary: the visits that met someone, labelled.
    every = pd.DataFrame({"lead_id": [f"B{i}" for i in range(len(Outcome))],
                          "month": "2026-01", "outcome": list(Outcome)})
    labels = P.outcomes_to_history(every).set_index("lead_id")["took_loan"]
    code_of = dict(zip(every["lead_id"], every["outcome"], strict=True))
    assert {code_of[k]: int(v) for k, v in labels.items()} == {
        o: took for o, took in OUTCOME_UPTAKE.items() if took is not None}


def test_save_load_round_trip(tmp_path, scorer: P.LeadScorer, econ: P.Economy,
                              scores: pd.DataFrame) -> None:
    path = P.save_scorer(scorer, tmp_path / "m" / "scorer.joblib")
    loaded = P.load_scorer(path)
    again = loaded.score(econ.businesses, MONTH)
    pd.testing.assert_frame_equal(again, scores)


def test_load_refuses_other_versions_and_features(tmp_path, scorer: P.LeadScorer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelError, match="no saved"):
        P.load_scorer(tmp_path / "missing.joblib")
    (tmp_path / "junk.joblib").write_bytes(b"hello")
    with pytest.raises(ModelError, match="not a countyreach"):
        P.load_scorer(tmp_path / "junk.joblib")
    with monkeypatch.context() as m:
        m.setattr(sklearn, "__version__", "0.0.1")
        P.save_scorer(scorer, tmp_path / "old.joblib")
    with pytest.raises(ModelError, match=r"scikit-learn 0\.0\.1.*retrain"):
        P.load_scorer(tmp_path / "old.joblib")
    P.save_scorer(scorer, tmp_path / "ok.joblib")
    with monkeypatch.context() as m:
        m.setattr(scorer_mod, "feature_names", lambda groups: ["industry", "staff"])
        with pytest.raises(ModelError, match="features"):
            P.load_scorer(tmp_path / "ok.joblib")
    with pytest.raises(ModelError, match="not trained"):
        P.save_scorer(P.LeadScorer(), tmp_path / "x.joblib")


def test_fit_needs_a_usable_history(econ: P.Economy) -> None:
    with pytest.raises(DataError, match="took_loan"):
        P.LeadScorer().fit_history(econ.businesses, econ.history.drop(columns=["took_loan"]))
    with pytest.raises(DataError, match="took_loan"):
        P.LeadScorer().fit(P.visit_table(econ.businesses, econ.history)
                           .drop(columns=["took_loan"]))
    with pytest.raises(DataError, match="both"):
        P.LeadScorer().fit_history(econ.businesses, econ.history.assign(took_loan=0))
    bad = econ.history.head(50).copy()
    bad.loc[bad.index[3], "month"] = "2025/13"
    with pytest.raises(DataError) as err:
        P.LeadScorer().fit_history(econ.businesses, bad)
    assert err.value.row == 4 and err.value.field == "month"
    # Parameters are checked when fitting (scikit-learn estimators do not validate in
    # __init__, so that clone and set_params work on any value).
    odd = P.LeadScorer(feature_groups=("business", "weather"))
    assert odd.get_params()["feature_groups"] == ("business", "weather")
    with pytest.raises(DataError, match="feature group"):
        odd.fit_history(econ.businesses, econ.history.head(50))
    with pytest.raises(DataError, match="margin"):
        P.LeadScorer(margin=1.5).fit_history(econ.businesses, econ.history.head(50))


def test_feature_drift_flags_a_shift(scorer: P.LeadScorer, econ: P.Economy) -> None:
    X = scorer.features(econ.businesses, MONTH)
    same = P.feature_drift(X, X)
    assert (same["status"] == "stable").all()
    moved = X.assign(dist_branch_m=X["dist_branch_m"] * 3 + 2000)
    drift = P.feature_drift(X, moved).set_index("feature")
    assert drift.loc["dist_branch_m", "status"] == "major"
    assert drift.loc["staff", "status"] == "stable"
    # the fitted scorer's profile of its training rows measures drift as its rows would
    train = scorer.features(econ.businesses.merge(econ.history[["lead_id", "month"]]), MONTH)
    by_profile = P.feature_drift(scorer.train_profile_, moved).set_index("feature")
    assert by_profile.loc["dist_branch_m", "status"] == "major"
    assert set(by_profile.index) == set(train.columns) & set(moved.columns)


def test_a_saved_model_holds_no_business_row(scorer: P.LeadScorer, econ: P.Economy,
                                             tmp_path: Path) -> None:
    # feature rows (staff, mobile-pay flow, distance to the branch) single a business out
    from propensity.persistence import load_scorer, save_scorer

    loaded = load_scorer(save_scorer(scorer, tmp_path / "m.joblib"))
    for name, value in vars(loaded).items():
        assert not isinstance(value, pd.DataFrame | pd.Series), name
        assert not (isinstance(value, np.ndarray) and value.ndim == 2
                    and len(value) >= 100), name
    assert P.feature_drift(loaded.train_profile_, scorer.features(econ.businesses, MONTH)
                           )["status"].isin(["stable", "moderate", "major"]).all()


def test_village_grouped_cross_validation(econ: P.Economy) -> None:
    cv = P.village_group_cv(econ.businesses, econ.history, n_splits=3,
                            scorer_params={"n_members": 3})
    assert len(cv) == 3 and (cv["auc"] > 0.6).all()
    village = econ.businesses.set_index("lead_id")["village"]
    assert cv["n_test"].sum() == len(econ.history)
    assert village.nunique() >= 3


def test_calibration_figure(scorer: P.LeadScorer, econ: P.Economy) -> None:
    rep = P.model_report(scorer, econ.history.tail(1500), permutation_repeats=0)
    fig = P.plot_calibration(rep)
    assert fig.axes and fig.axes[0].get_xlabel() == "predicted P(uptake)"


# ---------------------------------------------------------------------- the sklearn estimator
# The scorer learns from a visit table (business records, the month and the outcome of
# each visit), not from a numeric array, so the estimator checks that fit random numeric
# matrices (dtypes, NaN/inf handling, sample order, pickling after such a fit ...) do not
# apply. These are the checks about the estimator protocol itself; fitting, returning self,
# predict_proba and cloning are checked on real visit tables below.
PROTOCOL_CHECKS = (
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_estimator_cloneable,
    estimator_checks.check_estimator_repr,
    estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
)


@pytest.mark.parametrize("check", PROTOCOL_CHECKS, ids=lambda c: c.__name__)
def test_scorer_follows_the_sklearn_estimator_protocol(check) -> None:
    check("LeadScorer", P.LeadScorer())


def test_fit_on_a_visit_table_matches_fit_history(econ: P.Economy) -> None:
    history = econ.history.head(3000)
    params = {"n_members": 2, "random_state": 4}
    visits = P.visit_table(econ.businesses, history)
    assert len(visits) == len(history)
    assert {"month", "took_loan", "loan_yuan", "defaulted"} <= set(visits.columns)
    est = P.LeadScorer(**params)
    assert est.fit(visits) is est
    assert not hasattr(P.LeadScorer(), "uptake_")
    assert {"uptake_", "loan_", "default_", "classes_", "history_"} <= set(vars(est))
    # fit_history is fit on the visit table, keeping the whole leads table for retraining.
    ref = P.LeadScorer(**params).fit_history(econ.businesses, history)
    assert len(ref.businesses_) == len(econ.businesses)
    assert set(est.businesses_["lead_id"]) == set(history["lead_id"].astype(str))
    p = est.predict_proba(visits)
    assert p.shape == (len(visits), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p, ref.predict_proba(visits), rtol=1e-12)
    a = est.score(econ.businesses, MONTH, explain=False)
    b = ref.score(econ.businesses, MONTH, explain=False)
    np.testing.assert_allclose(a["value_yuan"], b["value_yuan"], rtol=1e-12)
    # y replaces the table's labels.
    flipped = P.LeadScorer(**params).fit(visits, 1 - visits["took_loan"].to_numpy(int))
    assert not np.allclose(flipped.predict_proba(visits)[:, 1], p[:, 1])
    with pytest.raises(DataError, match="one label per visit"):
        P.LeadScorer(**params).fit(visits, [0, 1])
    # Anything holding the two tables (the synthetic economy) can still be fitted on.
    both = SimpleNamespace(businesses=econ.businesses, history=history)
    np.testing.assert_allclose(P.LeadScorer(**params).fit(both).predict_proba(visits), p,
                               rtol=1e-12)


def test_predict_proba_is_the_uptake_model_on_history_features(scorer: P.LeadScorer,
                                                               econ: P.Economy) -> None:
    visits = P.visit_table(econ.businesses, econ.history.tail(400))
    X, _ = P.history_features(econ.businesses, econ.history.tail(400))
    np.testing.assert_allclose(scorer.predict_proba(visits)[:, 1],
                               scorer.uptake_.predict_proba(X)[:, 1], rtol=1e-12)
    with pytest.raises(ModelError, match="not trained"):
        P.LeadScorer().predict_proba(visits)


def test_clone_and_retrain_keep_the_parameters(scorer: P.LeadScorer) -> None:
    c = clone(scorer)
    assert c.get_params() == scorer.get_params() and not hasattr(c, "uptake_")
    assert c.set_params(margin=0.04) is c and c.get_params()["margin"] == 0.04
    assert scorer.get_params()["margin"] == P.DEFAULT_MARGIN
