"""The simulated lender's visit-value model: scored for the leads a day can visit, the
same values as scoring the whole county; progress and CPU time of a simulated run."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from countyreach.simulation import Scenario, simulate
from countyreach.simulation.learners import ValueLearner
from countyreach.simulation.sweep import run_scenarios
from tests.conftest import demo_world


@pytest.fixture(scope="module")
def world():
    return demo_world(500)


@pytest.fixture(scope="module")
def learner(world):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ValueLearner(world, seed=0, margin=0.05)


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if c.startswith(("reason", "expl"))])


def test_a_subset_is_scored_as_in_the_whole_county(world, learner, monkeypatch):
    month = world.sim_start_month
    whole = learner.model.score(world.businesses, month, loan_book=learner.book, explain=False)
    whole = whole.set_index(whole["lead_id"].astype(str))
    ids = list(world.lead_ids)
    scored: list[int] = []
    score = learner.model.score

    def counting(rows, *a, **k):
        scored.append(len(rows))
        return score(rows, *a, **k)

    monkeypatch.setattr(learner.model, "score", counting)
    first = learner.values(month, 0, ids[:50])
    pd.testing.assert_frame_equal(_numeric(first), _numeric(whole.loc[ids[:50]]))
    # Later in the week a cooldown ends: only the leads not yet scored are scored.
    later = learner.values(month, 0, ids[25:120])
    pd.testing.assert_frame_equal(_numeric(later), _numeric(whole.loc[ids[25:120]]))
    assert scored == [50, 70]
    # Nothing new: nothing scored.
    learner.values(month, 0, ids[100:110])
    assert scored == [50, 70]
    # A new week (the loan book was recorded) scores afresh.
    learner.values(month, 1, ids[:10])
    assert scored == [50, 70, 10]
    # Without ids, every business.
    assert len(learner.values(month, 1)) == len(ids)


def test_progress_is_reported_every_week_and_cpu_time_is_kept(world):
    sc = Scenario("t", 2, policy="nearest", n_weeks=3, days_per_week=1, seed=1)
    seen: list[tuple[int, int]] = []
    r = simulate(world, sc, progress=lambda done, total, sec: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert r.cpu_s > 0 and r.summary["runtime_s"] > 0
    # Saved sweeps hold what the scenario produced, not how long this machine took.
    res = run_scenarios(world, [sc], progress=True)
    assert not {"cpu_s", "runtime_s"} & set(res.summary.columns)


def test_the_ceiling_routes_on_the_truth_without_a_model(world, monkeypatch):
    from countyreach.errors import InputError
    from countyreach.simulation import learners

    def no_model(*a, **k):
        raise AssertionError("the ceiling must not fit a model")

    monkeypatch.setattr(learners.ValueLearner, "_fit", no_model)
    monkeypatch.setattr(learners.ScoreLearner, "__init__", no_model)
    sc = Scenario("t", 2, policy="countyreach", n_weeks=1, days_per_week=2, oracle=True)
    r = simulate(world, sc, check=True)
    assert len(r.visits) > 0 and not r.visits["explored"].any()
    # Every visit the truth chose causes something (a model's choice need not).
    assert (r.visits["caused_value_yuan"] > 0).all()
    with pytest.raises(InputError):
        Scenario("t", 2, policy="value_nearest", oracle=True)


def test_every_exploration_visit_drawn_is_made(world):
    # Two officers make 24 visits a day; a share of 0.1 is two randomised visits, which the
    # day must make whatever the router would rather do (else "random" would mean "near").
    sc = Scenario("t", 2, policy="countyreach", n_weeks=1, days_per_week=3, seed=2,
                  explore_share=0.1)
    r = simulate(world, sc, check=True)
    assert r.visits.groupby("day")["explored"].sum().tolist() == [2, 2, 2]


def test_the_bank_learns_the_loans_elsewhere_its_source_covers_and_its_officers_hear(world):
    econ = world.economy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covered = ValueLearner(world, seed=0, margin=0.05, elsewhere_share=1.0)
        asking = ValueLearner(world, seed=0, margin=0.05, ask_at_visits=True)
        silent = ValueLearner(world, seed=0, margin=0.05)
    other = econ.loans[econ.loans["source"] == "elsewhere"]
    assert (covered.book["source"] == "elsewhere").sum() == len(other) > 0
    assert not (asking.book["source"] == "elsewhere").any()
    # A day without visits: walk-ins are learnt; loans elsewhere only where covered.
    nv = pd.DataFrame({"lead_id": [*other["lead_id"].iloc[:2].tolist(), "nobody"],
                       "month": "2030-01", "took_loan": [1, 1, 0],
                       "source": ["elsewhere", "walk_in", "elsewhere"],
                       "loan_yuan": [5e4, 6e4, 0.0], "defaulted": [0, 0, 0]})
    took = nv["took_loan"] == 1
    assert covered.loans_learnt(nv, took)["source"].tolist() == ["elsewhere", "walk_in"]
    assert asking.loans_learnt(nv, took)["source"].tolist() == ["walk_in"]
    # A visit to that business: its owner tells of the newest loan elsewhere (month only).
    lead = str(nv["lead_id"].iloc[0])
    told = asking.asked_at_visits([lead, "nobody"], "2030-02")
    # ... and a business without one says so: a check, known from the visit on.
    assert told[["lead_id", "month", "source", "known_month"]].values.tolist() == [
        [lead, "2030-01", "elsewhere", "2030-02"], ["nobody", "", "checked", "2030-02"]]
    assert told["loan_yuan"].isna().all()
    assert silent.asked_at_visits([lead], "2030-02").empty


def test_a_run_whose_officers_ask_records_what_the_owners_tell(world, monkeypatch):
    recorded: list[pd.DataFrame] = []
    record = ValueLearner.record

    def spy(self, visits, loans):
        recorded.append(loans)
        return record(self, visits, loans)

    monkeypatch.setattr(ValueLearner, "record", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = simulate(world, Scenario("ask", n_officers=2, n_weeks=1, days_per_week=3,
                                       officers_ask_elsewhere=True))
    loans = pd.concat(recorded)
    told = loans[loans["source"] == "elsewhere"]
    visited = set(res.visits["lead_id"].astype(str))
    other = world.economy.loans
    had = set(other.loc[other["source"] == "elsewhere", "lead_id"].astype(str))
    assert len(told) and set(told["lead_id"]) <= visited
    assert visited & had <= set(told["lead_id"])
    # Every visited business was asked: the rest said they had none.
    checked = loans[loans["source"] == "checked"]
    assert set(checked["lead_id"]) | set(told["lead_id"]) == visited
