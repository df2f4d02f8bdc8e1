"""The model registry: keyed by data and code, stale models never used silently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import InputError, ModelError
from countyreach.services.loop import DailyLoop
from countyreach.services.models import StaleModelError, artefact_path, holdout_mask, load_model
from routing.params import SolveParams
from routing.problem import RoutingRules

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=5)
# Workload balancing is routing's own subject (tested there); it is off here so a day
# plans in about a second on a busy 2-core CI machine.
RULES = RoutingRules(balance=0.0)


@pytest.fixture()
def county(county_copy: Path) -> Path:
    return county_copy


@pytest.fixture()
def loop(county_loop: DailyLoop, county: Path) -> DailyLoop:
    return county_loop


def test_changed_history_or_new_outcomes_lead_plan_to_a_new_model(
        loop: DailyLoop, county: Path) -> None:
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    assert first.model.record.version == 1 and first.day.plan.meta["model_version"] == 1
    assert "qingzu v1" in first.day.plan.meta["model"]
    again = loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert again.model.record.version == 1 and not again.model.retrained

    # a corrected history.csv: the same county id, other data -> v2
    hist = pd.read_csv(county / "history.csv", dtype={"lead_id": str})
    hist.loc[hist.index[:40], "took_loan"] = 1 - hist.loc[hist.index[:40], "took_loan"]
    hist.loc[hist["took_loan"] == 0, "loan_yuan"] = 0.0
    hist.to_csv(county / "history.csv", index=False)
    rep = loop.import_county(admin, county)
    assert rep.history["updated"] == 40
    after_history = loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert after_history.model.retrained and after_history.model.record.version == 2
    assert "history, leads or outcomes changed" in after_history.model.note

    # outcomes recorded on the published day -> v3
    lead = first.day.plan.routes[0].stops[0].lead_id
    loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=lead,
                        outcome="approved", amount_yuan=50000)
    after_outcomes = loop.plan(admin, "qingzu", "2026-11-26", params=PARAMS, rules=RULES)
    assert after_outcomes.model.record.version == 3
    assert after_outcomes.excluded[lead] == "approved"
    assert lead not in {x for r in after_outcomes.day.plan.routes for x in r.lead_ids}
    versions = loop.store.models(admin, "qingzu")
    assert [m.status for m in versions][-1] == "promoted"
    assert {m.data_hash for m in versions} == {m.data_hash for m in versions[-3:]}
    assert len({m.data_hash for m in versions}) == 3


def test_stale_model_is_refused_when_retraining_is_not_allowed(loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    loop.retrain(admin, "qingzu")
    strict = DailyLoop(loop.store, home=loop.home, cache_dir=loop.cache_dir, on_stale="refuse")
    assert strict.model(admin, "qingzu").record.version == 1  # current: fine
    loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    _, plan, _ = loop.store.published_plan(admin, "qingzu", "2026-11-24")
    loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24",
                        lead_id=plan.routes[0].stops[0].lead_id, outcome="not_interested")
    with pytest.raises(StaleModelError, match="stale.*countyreach retrain qingzu"):
        strict.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    warn = DailyLoop(loop.store, home=loop.home, cache_dir=loop.cache_dir, on_stale="warn")
    told = warn.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert told.model.stale and "stale" in told.day.plan.meta["model_note"]


def test_a_worse_model_is_not_promoted_without_force(loop: DailyLoop, county: Path) -> None:
    admin = loop.store.operator_session()
    good = loop.retrain(admin, "qingzu")
    assert good.promoted and good.record.metrics["auc"] > 0.55
    # labels flipped for every lead the models train on: the new model learns the opposite
    hist = pd.read_csv(county / "history.csv", dtype={"lead_id": str})
    train = ~holdout_mask(hist["lead_id"])
    hist.loc[train, "took_loan"] = 1 - hist.loc[train, "took_loan"]
    hist.to_csv(county / "history.csv", index=False)
    loop.import_county(admin, county)
    bad = loop.retrain(admin, "qingzu")
    assert not bad.promoted and "--force" in bad.message
    assert loop.store.promoted_model(admin, "qingzu").version == good.record.version
    forced = loop.retrain(admin, "qingzu", force=True)
    assert forced.promoted
    assert loop.store.promoted_model(admin, "qingzu").version == forced.record.version


def test_artefacts_resolve_under_home_and_are_checked(loop: DailyLoop, tmp_path: Path) -> None:
    admin = loop.store.operator_session()
    rec = loop.retrain(admin, "qingzu").record
    path = artefact_path(loop.home, "qingzu", rec.version)
    assert path.is_relative_to((tmp_path / "home" / "models").resolve())
    for bad in ("../x", "/etc/passwd", "..", "a/b"):
        with pytest.raises(InputError):
            artefact_path(loop.home, bad, 1)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ModelError, match="does not match the registry"):
        load_model(loop.home, rec)


def test_outcomes_after_the_loan_book_reach_the_value_model_once_the_book_covers_them(
        loop: DailyLoop, county: Path) -> None:
    # The value of a visit compares visited and unvisited months; who borrowed without a
    # visit is known only where the loan book covers (the demo's ends 2026-10). Visits after
    # it are said to wait for the book, and the lender's next loans.csv lets them in.
    admin = loop.store.operator_session()
    day = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    stops = [s.lead_id for r in day.day.plan.routes for s in r.stops]
    for lead in stops:
        loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=lead,
                            outcome="approved", amount_yuan=80000)
    first = loop.retrain(admin, "qingzu", force=True)
    assert f"{len(stops)} visit(s) after 2026-10" in first.message
    assert "import the lender's current loans.csv" in first.message
    before = first.scorer.uplift_support_.visits

    book = pd.read_csv(county / "loans.csv", dtype={"lead_id": str})
    new = pd.DataFrame({"lead_id": stops, "month": "2026-11", "loan_yuan": 80000.0,
                        "defaulted": 0})
    pd.concat([book, new], ignore_index=True).to_csv(county / "loans.csv", index=False)
    loop.import_county(admin, county)
    second = loop.retrain(admin, "qingzu", force=True)
    assert "after 2026-1" not in second.message
    # every visit of a lead the model learns from (the held-out leads are for its check)
    learnt = int((~holdout_mask(pd.Series(stops))).sum())
    assert learnt and second.scorer.uplift_support_.visits == before + learnt
