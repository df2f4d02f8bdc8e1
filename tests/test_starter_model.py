"""A county with no visit history of its own is planned with the starter model, and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import DataWarning
from countyreach.pipeline import plan_day
from countyreach.services.loop import DailyLoop
from countyreach.starter import MIN_OWN_VISITS, STARTER_MODEL
from countyreach.store import Store
from routing.params import SolveParams
from routing.problem import RoutingRules

DATE = "2026-11-24"
PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=5)
RULES = RoutingRules(balance=0.0)


@pytest.fixture()
def new_county(county_copy: Path) -> Path:
    """The lender's first county: leads, officers and roads, no visits, no loan book."""
    for name in ("history.csv", "loans.csv", "loans_elsewhere.csv"):
        (county_copy / name).unlink(missing_ok=True)
    manifest = json.loads((county_copy / "county.json").read_text(encoding="utf-8"))
    manifest.update(county_id="firstcounty", name="首个县")
    (county_copy / "county.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                             encoding="utf-8")
    return county_copy


def test_a_folder_without_history_is_planned_with_the_starter_model(
        new_county: Path, cache_dir: Path) -> None:
    with pytest.warns(DataWarning, match=r"history\.csv: no visit history: values come from "
                                         r"the starter model"):
        day = plan_day(new_county, plan_date=DATE, cache_dir=cache_dir, params=PARAMS,
                       rules=RULES)
    assert day.ok and day.plan.routes and any(r.stops for r in day.plan.routes)
    assert STARTER_MODEL in day.plan.meta["value_basis"]
    assert day.scores["value_yuan"].gt(0).any()


def test_a_store_county_without_history_plans_publishes_and_learns_once_it_can(
        new_county: Path, tmp_path: Path, cache_dir: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=4)
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    admin = store.operator_session()
    loop.import_county(admin, new_county)
    first = loop.plan(admin, "firstcounty", DATE, publish=True, params=PARAMS, rules=RULES)
    assert first.published and first.day.ok
    assert first.model.record.n_train == 0 and "starter model" in first.model.note
    # the value basis the plan keeps (the CLI prints it, the app shows it) says whose counts
    # it gives: the demo township's, not this county's
    assert f"model v1, {STARTER_MODEL}" in first.day.plan.meta["value_basis"]
    again = loop.plan(admin, "firstcounty", "2026-11-25", params=PARAMS, rules=RULES)
    assert "the starter model" in again.model.label or "the starter model" in again.model.note

    # a morning's outcomes are still too little to learn a county's own model from
    stops = [s.lead_id for r in first.day.plan.routes for s in r.stops][:20]
    for i, lead in enumerate(stops):
        loop.record_outcome(admin, county_id="firstcounty", plan_date=DATE, lead_id=lead,
                            outcome="approved" if i % 4 == 0 else "not_interested",
                            amount_yuan=50000 if i % 4 == 0 else None)
    few = loop.retrain(admin, "firstcounty")
    assert few.record.n_train == 0 and "starter model" in few.message
    assert "usable visit(s): " in few.message and "to train on" in few.message

    # once the lender's history is imported, the county's own model takes over
    history = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "qingzu"
                          / "history.csv", dtype={"lead_id": str})
    history.to_csv(new_county / "history.csv", index=False)
    loop.import_county(admin, new_county)
    # (promoted by hand: the starter is the same history's model, as good on held-out visits)
    own = loop.retrain(admin, "firstcounty", force=True)
    assert own.promoted and own.record.n_train > MIN_OWN_VISITS
    assert "starter model" not in own.message


def test_the_starter_applies_the_countys_loan_rule(new_county: Path, cache_dir: Path) -> None:
    """The loan rule is the lender's policy for the county planned, not the demo's 12 months:
    a lead that borrowed from us 8 months ago is not worth 0 under a 6-month rule."""
    manifest = json.loads((new_county / "county.json").read_text(encoding="utf-8"))
    manifest["loan_rule_months"] = 6
    (new_county / "county.json").write_text(json.dumps(manifest), encoding="utf-8")
    leads = pd.read_csv(new_county / "leads.csv", dtype=str)
    pd.DataFrame({"lead_id": leads["lead_id"][:3], "month": ["2026-03", "2026-08", "2026-11"],
                  "loan_yuan": 50000}).to_csv(new_county / "loans.csv", index=False)
    with pytest.warns(DataWarning, match="starter model"):
        day = plan_day(new_county, plan_date=DATE, cache_dir=cache_dir, params=PARAMS,
                       rules=RULES)
    assert "loans from us in the last 6 months are worth 0" in day.plan.meta["value_basis"]
    value = day.scores.set_index("lead_id")["value_yuan"]
    eight, three, now = leads["lead_id"][:3]
    assert value[eight] > 0 and value[three] == 0 and value[now] == 0


def test_a_county_without_a_loan_book_is_told_the_loan_rule_has_nothing_to_apply_to(
        new_county: Path, cache_dir: Path) -> None:
    with pytest.warns(DataWarning, match=r"no loans\.csv either: which leads borrowed from "
                                         r"us recently is unknown"):
        day = plan_day(new_county, plan_date=DATE, cache_dir=cache_dir, params=PARAMS,
                       rules=RULES)
    reasons = " ".join(day.scores["explanation_en"].astype(str))
    assert "no recent loan with us" not in reasons


def test_retrain_and_plan_of_a_stored_county_name_the_starter_in_the_value_basis(
        new_county: Path, cli_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # what the lender reads after `retrain` and `plan COUNTY_ID`: the counts that follow
    # are the demo township's (they read "model v1; uplift model on 960 visited …")
    from countyreach.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["-q", "county", "import", str(new_county)]) == 0
    assert main(["-q", "plan", "firstcounty", "--date", DATE, "--time-limit", "1"]) == 0
    assert main(["-q", "retrain", "firstcounty"]) in (0, 1)
    out = capsys.readouterr().out
    basis = [line for line in out.splitlines() if "alue basis: " in line]
    assert len(basis) == 2 and all(STARTER_MODEL in line for line in basis), basis
