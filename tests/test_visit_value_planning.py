"""Plans value what a visit causes when the county's data supports it, and say so.

A small synthetic county (the demo township's roads and roster, 300 businesses of the
heterogeneous economy: walk-in loans, randomised visits) goes through the product's own
paths: ``county import`` into the store, the model registry, ``score_leads`` and a plan.
The demo township has a loan book too (its plan is visit-caused); a copy without ``loans.csv`` falls
back to uptake if visited.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import propensity
from countyreach.cli import main, synth_county
from countyreach.errors import InputError
from countyreach.pipeline import get_scorer, load_county_data, score_leads
from countyreach.services.loop import DailyLoop, county_home
from countyreach.services.models import artefact_path, load_model, read_loans
from countyreach.store import Store
from propensity.planning import LOCKOUT_MONTHS, UpliftCriteria, uplift_support
from propensity.uplift import VisitValueModel
from routing.params import SolveParams
from routing.problem import RoutingRules
from tests.test_erase import artefact_bytes

MONTH = "2026-11"
PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=5)
RULES = RoutingRules(balance=0.0)
PARTS_EN = ("Likely:", "Large:", "Now:", "Visit matters")
PARTS_ZH = ("可能性：", "额度：", "时机：", "拜访作用")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory,
              copy_demo: Callable[[Path], Path]) -> Path:
    """The demo's map and roster with 300 synthetic businesses, 18 months and a loan book."""
    root = copy_demo(tmp_path_factory.mktemp("syn") / "county")
    synth_county(root, n_businesses=300, n_months=18, seed=3, start_month="2025-05",
                 force=True, variant="heterogeneous")
    assert (root / "loans.csv").exists()
    return root


@pytest.fixture()
def loop(url: str, tmp_path: Path, cache_dir: Path, synthetic: Path) -> DailyLoop:
    store = Store.open(url, bcrypt_rounds=4)
    lp = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    rep = lp.import_county(store.operator_session(), synthetic)
    assert rep.loans == len(pd.read_csv(synthetic / "loans.csv")) and rep.randomised
    assert "  loan book: 335 loans, 72 randomised visits" in rep.lines()
    assert not lp.import_county(store.operator_session(), synthetic).map_files_changed
    return lp


def _recent_borrowers(history: pd.DataFrame, loans: pd.DataFrame, months: float) -> set[str]:
    book = propensity.bank_loan_book(history, loans)
    since = propensity.planning.recency_now(book["lead_id"].tolist(), MONTH, book)
    return set(book.loc[since["months_since_loan"].to_numpy() < months, "lead_id"])


def test_store_plans_by_visit_caused_value_and_recent_borrowers_rank_low(
        loop: DailyLoop, synthetic: Path) -> None:
    admin = loop.store.operator_session()
    choice = loop.model(admin, "qingzu")
    assert choice.value_basis.kind is propensity.ValueBasisKind.VISIT_CAUSED
    assert choice.basis_text.startswith("visit-caused (qingzu model v1; uplift in take-up")
    assert choice.record.metrics["visit_caused"] == 1.0
    assert 0.5 < choice.record.metrics["auc_no_visit_arm"] <= 1.0
    # the registered artefact carries the uplift model
    assert isinstance(load_model(loop.home, choice.record).visit_value_, VisitValueModel)

    data = loop.county_data(admin, "qingzu")
    scores = score_leads(data, choice.scorer, MONTH)
    assert set(scores["value_basis"]) == {"visit_caused"}
    assert (scores["value_yuan"] >= 0).all() and np.isfinite(scores["value_std_yuan"]).all()
    lockout = choice.value_basis.lockout_months
    recent = _recent_borrowers(data.history, data.loans, lockout)
    assert recent
    mine = scores[scores["lead_id"].isin(recent)]
    assert (mine["value_yuan"] == 0).all() and mine["locked_out"].all()
    top = scores.head(30)
    assert not top["lead_id"].isin(recent).any()
    assert (top["uplift"] > 0).all() and (top["p_uptake"] > top["p_no_visit"]).all()
    # each lead's reasons name the four parts, in both languages
    for en, zh in zip(scores["explanation_en"], scores["explanation_zh"], strict=True):
        assert all(p in en for p in PARTS_EN), en
        assert all(p in zh for p in PARTS_ZH), zh
    assert "not due yet" in mine["explanation_en"].iloc[0]

    # a loan recorded today makes the lead a customer at once
    lead = str(top["lead_id"].iloc[0])
    book = propensity.bank_loan_book(data.history, pd.concat(
        [data.loans, pd.DataFrame({"lead_id": [lead], "month": [MONTH], "loan_yuan": [5e4],
                                   "defaulted": [np.nan]})], ignore_index=True))
    again = score_leads(data, choice.scorer, MONTH, loan_book=book)
    row = again[again["lead_id"] == lead].iloc[0]
    assert row["value_yuan"] == 0 and "this month" in row["explanation_en"]

    day = loop.plan(admin, "qingzu", "2026-11-24", params=PARAMS, rules=RULES)
    assert day.day.plan.meta["value_basis"] == choice.basis_text
    planned = {x for r in day.day.plan.routes for x in r.lead_ids}
    assert planned and not planned & recent


def test_the_bank_records_live_in_the_store_and_survive_a_restart(
        loop: DailyLoop, synthetic: Path, tmp_path: Path, url: str) -> None:
    admin = loop.store.operator_session()
    # no copy of the bank's records under the data directory, none named in the manifest
    home = county_home(loop.home, "qingzu")
    assert not (home / "loans.csv").exists() and not (home / "randomised.csv").exists()
    assert "bank" not in loop.store.learning.county_files(admin, "qingzu")[1]
    want = read_loans(synthetic / "loans.csv")
    assert want is not None
    key = ["lead_id", "month"]
    loop.store.close()
    store = Store.open(url, bcrypt_rounds=4)
    try:
        again = DailyLoop(store, home=loop.home, cache_dir=loop.cache_dir)
        op = store.operator_session()
        data = again.county_data(op, "qingzu")
        assert data.loans is not None and data.history is not None
        pd.testing.assert_frame_equal(
            data.loans.sort_values(key).reset_index(drop=True),
            want.sort_values(key).reset_index(drop=True), check_dtype=False)
        assert int((data.history["visited_by_policy"] == "random").sum()) == 72
        assert int(store.history_frame(op, "qingzu")["randomised"].sum()) == 72
        # a folder without loans.csv: the county has no loan book any more
        folder = tmp_path / "county"
        shutil.copytree(synthetic, folder)
        (folder / "loans.csv").unlink()
        assert again.import_county(op, folder).loans is None
        assert store.loan_book_frame(op, "qingzu") is None
        assert again.county_data(op, "qingzu").loans is None
    finally:
        store.close()


def test_the_county_loan_rule_reaches_the_model_and_a_new_rule_makes_it_stale(
        loop: DailyLoop, synthetic: Path, tmp_path: Path) -> None:
    admin = loop.store.operator_session()
    # the synthetic county keeps the demo's manifest: the officers' one-year rule
    assert json.loads((synthetic / "county.json").read_text(encoding="utf-8"))[
        "loan_rule_months"] == 12
    choice = loop.model(admin, "qingzu")
    assert choice.value_basis.lockout_months == 12
    assert "loans from us in the last 12 months are worth 0" in choice.basis_text
    data = loop.county_data(admin, "qingzu")
    between = (_recent_borrowers(data.history, data.loans, 12)
               - _recent_borrowers(data.history, data.loans, 6))
    assert between
    scores = score_leads(data, choice.scorer, MONTH)
    mine = scores[scores["lead_id"].isin(between)]
    assert len(mine) == len(between) and (mine["value_yuan"] == 0).all()
    assert mine["locked_out"].all()
    assert mine["explanation_en"].str.contains("months ago, not due yet").all()
    # a county stored before its rule was kept with it has the default rule
    crs, stored = loop.store.learning.county_files(admin, "qingzu")
    assert stored.pop("loan_rule_months") == 12
    assert loop.store.learning.save_county_files(admin, "qingzu", crs, stored)
    assert loop.county_data(admin, "qingzu").county.loan_rule_months == LOCKOUT_MONTHS

    # the lender shortens its rule to 6 months: the model is stale and retrained under it
    folder = tmp_path / "county"
    shutil.copytree(synthetic, folder)
    manifest = json.loads((folder / "county.json").read_text(encoding="utf-8"))
    manifest["loan_rule_months"] = 6
    (folder / "county.json").write_text(json.dumps(manifest), encoding="utf-8")
    rep = loop.import_county(admin, folder)
    assert not rep.leads.inserted and not rep.leads.updated
    assert "  loan rule: no visit for a loan within 6 months of one from us" in rep.lines()
    assert choice.record.data_hash not in loop.training_data_hashes(admin, "qingzu")
    again = loop.model(admin, "qingzu")
    assert again.record.version == choice.record.version + 1
    assert again.value_basis.lockout_months == 6
    assert "in the last 6 months are worth 0" in again.basis_text
    scores = score_leads(loop.county_data(admin, "qingzu"), again.scorer, MONTH)
    mine = scores[scores["lead_id"].isin(between)]
    assert not mine["locked_out"].any() and (mine["value_yuan"] > 0).any()


def test_model_artefact_with_uplift_holds_no_personal_data(loop: DailyLoop,
                                                           synthetic: Path) -> None:
    admin = loop.store.operator_session()
    res = loop.retrain(admin, "qingzu")
    assert "values visits visit-caused" in res.message
    path = artefact_path(loop.home, "qingzu", res.record.version)
    assert isinstance(propensity.load_scorer(path).visit_value_, VisitValueModel)
    leads = pd.read_csv(synthetic / "leads.csv", dtype=str)
    blobs = artefact_bytes(path)
    for name, phone, address in zip(leads["name"][:50], leads["phone"][:50],
                                    leads["address"][:50], strict=True):
        for b in blobs:
            assert name.encode() not in b and phone.encode() not in b
            assert address.encode() not in b


def test_history_without_unvisited_months_falls_back_and_says_so(
        tmp_path: Path, cache_dir: Path, synthetic: Path) -> None:
    folder = tmp_path / "county"
    shutil.copytree(synthetic, folder)
    (folder / "loans.csv").unlink()
    data = load_county_data(folder, cache_dir=cache_dir)
    scorer = get_scorer(data, cache_dir=tmp_path / "cache")
    basis = propensity.value_basis_of(scorer)
    assert basis.kind is propensity.ValueBasisKind.UPTAKE_IF_VISITED
    assert scorer.visit_value_ is None
    assert "no unvisited business-months with their outcome" in basis.text()
    assert "未拜访" in basis.text("zh")
    scores = score_leads(data, scorer, MONTH)
    assert set(scores["value_basis"]) == {"uptake_if_visited"}
    # the county's loan rule (the demo's one year) holds here too: loans after visits are
    # in the history
    assert basis.lockout_months == 12 and "in the last 12 months are worth 0" in basis.text()
    recent = _recent_borrowers(data.history, None, basis.lockout_months)
    assert recent - _recent_borrowers(data.history, None, propensity.planning.LOCKOUT_MONTHS)
    mine = scores[scores["lead_id"].isin(recent)]
    assert len(mine) and (mine["value_yuan"] == 0).all()
    assert mine["explanation_en"].str.contains("borrowed from us").all()
    assert not scores.head(20)["lead_id"].isin(recent).any()


def test_demo_plan_prints_its_value_basis(tmp_path: Path, cache_dir: Path,
                                          county_copy: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    def plan() -> str:
        code = main(["--quiet", "--cache-dir", str(cache_dir), "plan", str(county_copy),
                     "--date", "2026-11-24", "--time-limit", "1",
                     "--out", str(tmp_path / "out")])
        assert code == 0
        return capsys.readouterr().out

    # the demo comes with the bank's loan book and randomised visits, and its one-year rule
    out = plan()
    assert "Value basis: visit-caused (uplift in take-up × loan × margin − expected loss; " \
           "uplift model on " in out
    assert "loans from us in the last 12 months are worth 0)" in out
    (county_copy / "loans.csv").unlink()
    out = plan()
    assert "Value basis: uptake if visited (P(loan | visit) × loan × margin, not what the " \
           "visit causes: no unvisited business-months with their outcome" in out
    assert "loans from us in the last 12 months are worth 0)" in out


def test_uplift_criteria_name_what_is_missing(synthetic: Path) -> None:
    history = pd.read_csv(synthetic / "history.csv", dtype={"lead_id": str})
    leads = pd.read_csv(synthetic / "leads.csv", dtype={"lead_id": str})["lead_id"]
    loans = read_loans(synthetic / "loans.csv")
    assert uplift_support(leads, history, loans).ok
    blind = uplift_support(leads, history.drop(columns="visited_by_policy"), loans)
    assert not blind.ok and "randomised visits" in blind.problems[0]
    short = uplift_support(leads, history, loans[loans["month"] >= "2026-08"])
    assert short.months == 3 and not short.ok
    assert any("month(s) of visits inside the loan book's months" in p for p in short.problems)
    assert any(p.endswith("visited business-months (at least 200)") for p in short.problems)
    strict = uplift_support(leads, history, loans, criteria=UpliftCriteria(min_randomised=500))
    assert strict.problems == (f"{strict.randomised} randomised visits (at least 500 marked "
                               "visited_by_policy=random): the exploration share is not known",)
    assert uplift_support(leads, history, None).problems[0].startswith(
        "no unvisited business-months")


def test_a_bad_loan_book_names_file_row_and_field(tmp_path: Path) -> None:
    p = tmp_path / "loans.csv"
    p.write_text("lead_id,month,loan_yuan\nB0001,2025-05,1000\nB0002,2025-13x,5\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_loans(p)
    assert err.value.row == 2 and err.value.field == "month" and err.value.file == str(p)
    p.write_text("lead_id,month,loan_yuan\nB0001,2025-05,-3\n", encoding="utf-8")
    with pytest.raises(InputError, match="loan_yuan"):
        read_loans(p)
    assert read_loans(tmp_path / "none.csv") is None
