"""The daily loop end to end through the service the app uses, on SQLite and PostgreSQL.

The driver is the product's own (:func:`countyreach.simulation.through_store.run_store_loop`,
also behind ``countyreach simulate-loop`` and ``bench/bench_loop.py``): a county is imported
(the demo township's roads and roster, a synthetic business population whose hidden truth the
driver keeps); for 20 working days the day is planned and published, six officers record
outcomes concurrently (answers drawn from the hidden truth), follow-ups land on their days,
the model retrains weekly, and the store is closed and reopened mid-run. This test checks
what it did against the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from countyreach.simulation.through_store import format_store_loop, run_store_loop
from countyreach.store import Store
from routing.params import SolveParams
from routing.problem import RoutingRules

DAYS = 20
RESTART_AFTER = 10
PARAMS = SolveParams(time_limit_s=1.0, seed=0, workers=1, improvement_steps=5)
# Workload balancing is routing's own subject (tested there); it is off here so a day
# plans in about a second on a busy 2-core CI machine.
RULES = RoutingRules(balance=0.0)


def test_twenty_days_of_the_loop(url: str, tmp_path: Path, demo_dir: Path,
                                 cache_dir: Path) -> None:
    res = run_store_loop(url, demo_dir, DAYS, "2026-03-02", home=tmp_path / "home",
                         cache_dir=cache_dir, restart_on_day=RESTART_AFTER, retrain_every=5,
                         params=PARAMS, rules=RULES)
    assert res.n_officers == 6 and len(res.days) == DAYS
    store = Store.open(url, bcrypt_rounds=4)
    admin = store.operator_session()
    for d in res.days:
        assert d.violations == 0, d
        # the day's plan is the published version, and every visit got an outcome
        assert store.published_plan(admin, res.county_id, d.plan_date)[2] == d.plan_version
        assert d.outcomes_recorded == d.visits
        # every follow-up booked for today is pinned to the officer who booked it
        assert d.follow_ups_on_route == d.follow_ups_due, d
    assert sum(d.follow_ups_due for d in res.days) > 5
    # the restart lost nothing, and no outcome is lost: every recorded id is stored, once
    assert res.restart is not None and res.restart.after_day == res.days[RESTART_AFTER].plan_date
    assert res.restart.outcomes_before == res.restart.outcomes_after > 0
    with store.engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT outcome_id FROM outcomes")).scalars())
    assert set(res.outcome_ids) <= stored and len(set(res.outcome_ids)) == len(res.outcome_ids)
    assert len(res.outcome_ids) > 200
    # the officers asked every owner they met about loans elsewhere (this economy has none):
    # each "none" is known from its visit's month on
    told = store.loans_elsewhere_frame(admin, res.county_id)
    assert told is not None and (told["month"] == "").all()
    assert set(told["known_month"]) == {d.plan_date[:7] for d in res.days}
    # weekly retraining from the stored history and outcomes
    versions = [m.version for m in res.models]
    assert versions == sorted(versions) and versions[-1] >= versions[0] + 2
    # a weekly retraining whose week added nothing to learn (at a visit-month, the model's
    # grain, every visit of the week repeated a lead already met that month) registers no
    # new version: the promoted one is current
    retrained = [d.retrained_version for d in res.days if d.retrained_version]
    assert len(retrained) == DAYS // 5 and retrained == sorted(retrained)
    assert sorted(set(retrained)) == versions[1:]
    promoted = store.promoted_model(admin, res.county_id)
    assert promoted is not None and promoted.version > versions[0]
    store.close()
    print("\n" + format_store_loop(res))
    assert all(m.auc_truth > 0.5 for m in res.models)


def test_simulate_loop_command_prints_days_and_models(tmp_path: Path, demo_dir: Path,
                                                      cache_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    from countyreach.cli import main

    db = f"sqlite:///{tmp_path / 'sim.sqlite'}"
    code = main(["-q", "--cache-dir", str(cache_dir), "simulate-loop", "--days", "2",
                 "--retrain-every", "2", "--county", str(demo_dir), "--db", db,
                 "--home", str(tmp_path / "home"), "--time-limit", "0.5"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2026-03-02" in out and "2026-03-03" in out and "retrained -> v2" in out
    assert "truth AUC" in out
    # a store with accounts is refused: the simulation writes a synthetic county
    code = main(["-q", "--cache-dir", str(cache_dir), "simulate-loop", "--days", "1",
                 "--county", str(demo_dir), "--db", db, "--home", str(tmp_path / "home")])
    assert code == 2


def test_simulate_loop_runs_days_still_to_come(tmp_path: Path, demo_dir: Path, cache_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The store takes no outcome of a day still to come; a simulated one has come."""
    from countyreach.cli import main

    code = main(["-q", "--cache-dir", str(cache_dir), "simulate-loop", "--days", "1",
                 "--start", "2099-03-02", "--county", str(demo_dir),
                 "--db", f"sqlite:///{tmp_path / 'sim.sqlite'}", "--home", str(tmp_path / "home"),
                 "--time-limit", "0.5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2099-03-02" in out


@pytest.mark.parametrize("argv,field", [
    (["--days", "0"], "'--days'"), (["--start", "2026-13-01"], "'start'"),
    (["--officers", "0"], "'--officers'"), (["--retrain-every", "-1"], "'--retrain-every'"),
    (["--days", "2", "--restart-on-day", "2"], "'restart_on_day'"),
    (["--population-seed", "-3"], "'--population-seed'")])
def test_simulate_loop_refuses_bad_arguments(argv: list[str], field: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from countyreach.cli import main

    db = tmp_path / "sim.sqlite"
    assert main(["-q", "simulate-loop", *argv, "--db", f"sqlite:///{db}"]) == 2
    err = capsys.readouterr().err
    # named as the field, or first in the reason itself ("--days must be 1..366, got 0")
    name = field.strip("'")
    assert f"field {field}" in err or f"error: {name} " in err, err
    assert "Traceback" not in err
    assert not db.exists()  # refused before the store is opened
