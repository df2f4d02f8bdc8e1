"""The synthetic county economy and the feature builder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import propensity as P
from propensity.errors import DataError, DataWarning


@pytest.fixture(scope="module")
def econ(villages: pd.DataFrame) -> P.Economy:
    return P.generate_economy(villages, n_businesses=800, n_months=12, seed=3)


def test_same_seed_same_economy_other_seed_differs(villages: pd.DataFrame) -> None:
    a = P.generate_economy(villages, n_businesses=200, n_months=6, seed=11)
    b = P.generate_economy(villages, n_businesses=200, n_months=6, seed=11)
    c = P.generate_economy(villages, n_businesses=200, n_months=6, seed=12)
    pd.testing.assert_frame_equal(a.businesses, b.businesses)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.history, b.history)
    assert not a.businesses[["lat", "lon"]].equals(c.businesses[["lat", "lon"]])


def test_businesses_sit_in_real_villages_within_600_m(econ: P.Economy,
                                                      villages: pd.DataFrame) -> None:
    b = econ.businesses
    usable = villages[villages["place"].isin(["village", "hamlet", "town"])]
    assert set(b["village"]) <= set(usable["name"])
    # Nearest village point of the same name (names can repeat, e.g. 郎寨村).
    d = np.full(len(b), np.inf)
    for name, grp in usable.groupby("name"):
        sel = (b["village"] == name).to_numpy()
        if sel.any():
            dd = P.haversine_m(b.loc[sel, "lat"].to_numpy()[:, None],
                               b.loc[sel, "lon"].to_numpy()[:, None],
                               grp["lat"].to_numpy()[None, :], grp["lon"].to_numpy()[None, :])
            d[sel] = dd.min(axis=1)
    assert d.max() <= 605


def test_observable_columns_ids_names_and_fake_phones(econ: P.Economy) -> None:
    b = econ.businesses
    for col in ("lead_id", "name", "industry", "village", "lat", "lon", "phone", "address",
                "years_operating", "staff", "revenue_band", "mobile_pay_flow_yuan",
                "has_existing_loan", "past_contacts", "past_refusals", "dist_branch_m",
                "dist_cluster_core_m", "cluster_size"):
        assert col in b.columns, col
    assert b["lead_id"].is_unique and b["lead_id"].str.fullmatch(r"B\d{4}").all()
    assert b["name"].is_unique
    assert b["name"].str.contains(r"氏").all()
    assert b["phone"].str.startswith("1380000").all() and b["phone_is_fictitious"].all()
    assert set(b["industry"]) <= set(P.INDUSTRIES)
    assert b["revenue_band"].between(1, 5).all()
    assert (b["past_refusals"] <= b["past_contacts"]).all()


def test_default_branch_is_the_first_town(econ: P.Economy, villages: pd.DataFrame) -> None:
    town = villages[villages["place"] == "town"].iloc[0]
    assert econ.branches.loc[0, "lat"] == pytest.approx(town["lat"])
    d = P.haversine_m(econ.businesses["lat"], econ.businesses["lon"], town["lat"], town["lon"])
    np.testing.assert_allclose(econ.businesses["dist_branch_m"], d, atol=0.1)


def test_hidden_truth_is_not_among_the_features(econ: P.Economy) -> None:
    X = P.build_features(econ.businesses, "2025-06")
    hidden = set(econ.truth.columns) - {"industry"}
    assert not hidden & set(X.columns)
    assert not hidden & set(econ.businesses.columns)
    # No feature is (almost) a copy of a hidden quantity.
    num = X.select_dtypes("number")
    for h in ("base_logit", "latent", "village_effect", "uplift_logit", "p_default"):
        t = econ.truth.loc[econ.businesses["lead_id"], h].to_numpy()
        for c in num.columns:
            v = num[c].to_numpy()
            if np.std(v) > 0:
                assert abs(np.corrcoef(v, t)[0, 1]) < 0.9, (h, c)


def test_history_mixes_heuristic_and_random_visits(econ: P.Economy) -> None:
    h = econ.history
    share = (h["visited_by_policy"] == "random").mean()
    assert 0.12 <= share <= 0.18
    assert set(h["took_loan"].unique()) <= {0, 1}
    assert ((h["loan_yuan"] > 0) == (h["took_loan"] == 1)).all()
    assert (h.loc[h["took_loan"] == 0, "defaulted"] == 0).all()
    assert sorted(h["month"].unique()) == econ.months
    # Officers' heuristic favours businesses near the branch.
    dist = econ.businesses.set_index("lead_id")["dist_branch_m"]
    heur = dist.loc[h.loc[h["visited_by_policy"] == "heuristic", "lead_id"]].mean()
    rand = dist.loc[h.loc[h["visited_by_policy"] == "random", "lead_id"]].mean()
    assert heur < rand


def test_truth_uplift_season_and_outcome_draws(econ: P.Economy) -> None:
    ids = econ.businesses["lead_id"]
    visited = econ.true_p_uptake(ids, "2025-09", visited=True)
    not_visited = econ.true_p_uptake(ids, "2025-09", visited=False)
    assert (visited >= not_visited).all() and (visited > not_visited).mean() > 0.9
    pumpkins = econ.businesses.loc[econ.businesses["industry"] == "pumpkin", "lead_id"]
    assert econ.true_p_uptake(pumpkins, "2025-04").mean() > \
        econ.true_p_uptake(pumpkins, "2025-12").mean()
    np.testing.assert_allclose(econ.calendar.mean(axis=1), 1.0)
    a = econ.simulate_visit_outcomes(ids, "2025-09", np.random.default_rng(1))
    b = econ.simulate_visit_outcomes(ids, "2025-09", np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)
    draws = np.mean([econ.simulate_visit_outcomes(ids, "2025-09", np.random.default_rng(s))
                     ["took_loan"].mean() for s in range(20)])
    assert draws == pytest.approx(visited.mean(), abs=0.01)
    with pytest.raises(DataError):
        econ.true_p_uptake(["nope"], "2025-09")


def test_bad_generator_inputs_are_input_errors(villages: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="lacks column"):
        P.generate_economy(villages.drop(columns=["lat"]))
    with pytest.raises(DataError, match="industry_mix"):
        P.generate_economy(villages, industry_mix={"rocket_factory": 1.0})
    with pytest.raises(DataError, match="month"):
        P.generate_economy(villages, start_month="2025-13")
    with pytest.raises(DataError, match="no village"):
        P.generate_economy(villages.iloc[:0])
    with pytest.raises(DataError, match="seed must be an integer >= 0"):
        P.generate_economy(villages, seed=-2)


def test_places_other_than_villages_are_used_when_there_are_no_villages(
        villages: pd.DataFrame) -> None:
    # A county onboarded from an extract without settlements has junction stand-ins.
    with pytest.warns(DataWarning, match="placed at the .* places given \\(junction\\)"):
        e = P.generate_economy(villages.assign(place="junction"), n_businesses=60, n_months=3,
                               seed=1)
    assert set(e.businesses["village"]) <= set(villages["name"])


def test_industry_mix_is_respected(villages: pd.DataFrame) -> None:
    e = P.generate_economy(villages, n_businesses=300, n_months=3, seed=1,
                           industry_mix={"jade_carving": 1.0})
    assert (e.businesses["industry"] == "jade_carving").all()


def test_build_features_coerces_text_and_unknown_industry(econ: P.Economy) -> None:
    b = econ.businesses.head(50)
    as_text = b.astype(str)
    as_text.loc[as_text.index[0], "industry"] = "rocket_factory"
    as_text.loc[as_text.index[1], "staff"] = "many"
    as_text["has_existing_loan"] = np.where(b["has_existing_loan"] == 1, "True", "False")
    X = P.build_features(as_text, "2025-04")
    ref = P.build_features(b, "2025-04")
    assert list(X.columns) == P.feature_names()
    assert pd.isna(X["industry"].iloc[0]) and np.isnan(X["cash_need_index"].iloc[0])
    assert np.isnan(X["staff"].iloc[1])
    np.testing.assert_allclose(X["has_existing_loan"], ref["has_existing_loan"])
    np.testing.assert_allclose(X["dist_branch_m"].iloc[2:], ref["dist_branch_m"].iloc[2:])
    with pytest.raises(DataError):
        P.build_features(b, "April")


def test_seasonal_features_follow_the_public_calendar() -> None:
    b = pd.DataFrame({"industry": ["pumpkin", "small_shop"], "lat": [35.5, 35.5],
                      "lon": [115.0, 115.01]})
    apr = P.build_features(b, "2025-04", groups=("seasonal",))
    dec = P.build_features(b, "2025-12", groups=("seasonal",))
    assert apr["cash_need_index"].iloc[0] > 1.3 > 0.7 > dec["cash_need_index"].iloc[0]
    assert dec["cash_need_index"].iloc[1] > apr["cash_need_index"].iloc[1]
    assert apr["month_sin"].iloc[0] == pytest.approx(np.sin(2 * np.pi * 3 / 12))


def test_cluster_features_find_the_dense_core() -> None:
    rng = np.random.default_rng(0)
    lat = np.concatenate([35.5 + rng.normal(0, 0.001, 12), [35.56]])
    lon = np.concatenate([115.0 + rng.normal(0, 0.001, 12), [115.06]])
    cf = P.cluster_features(lat, lon, ["jade_carving"] * 13)
    assert (cf["dist_cluster_core_m"].iloc[:12] < 400).all()
    assert cf["dist_cluster_core_m"].iloc[12] > 5000
    assert (cf["cluster_size"] >= 12).all()
    alone = P.cluster_features([35.5, 35.6], [115.0, 115.1], ["pumpkin", "pumpkin"])
    assert (alone["dist_cluster_core_m"] == 20_000).all()
