"""A loan elsewhere the owner tells the officer about (``outcomes.other_loan_month``, 0007).

Recorded with the customer's consent only, checked (a month, not after the visit), kept on
the outcome, read with the imported loans elsewhere by planning and training, blanked when
the lead's personal data is erased; the CSV import of outcomes takes it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from countyreach.errors import InputError
from countyreach.services import officer as svc
from countyreach.services.loop import DailyLoop
from countyreach.services.workspace import DEMO_PASSWORD, seed_demo_users
from countyreach.store import Store
from countyreach.store import schema as S
from tests.test_app_services import _plan, _problem

DAY = "2026-11-24"


@pytest.fixture()
def store(url: str) -> Iterator[Store]:
    """Demo accounts and the hand-built plan (O1 visits L1, L2) published for ``DAY``."""
    st = Store.open(url, bcrypt_rounds=4)
    seed_demo_users(st, "c1", "Test county", ["O1", "O2"])
    manager = st.login("demo-manager", DEMO_PASSWORD)
    st.publish(manager, "c1", DAY, st.save_plan(manager, "c1", DAY, _problem(), _plan()))
    yield st
    st.close()


def _record(store: Store, lead: str = "L1", **kw: Any) -> Any:
    me = store.login("demo-o1", DEMO_PASSWORD)
    args: dict[str, Any] = {"outcome": "met", "consent": True, **kw}
    return store.record_outcome(me, outcome_id=str(uuid.uuid4()), county_id="c1",
                                plan_date=DAY, lead_id=lead, **args)


def _told(store: Store) -> set[tuple[str, str]]:
    frame = store.loans_elsewhere_frame(store.login("demo-manager", DEMO_PASSWORD), "c1")
    return set() if frame is None else {(r.lead_id, r.month) for r in frame.itertuples()}


def test_a_recorded_loan_elsewhere_joins_the_loans_elsewhere_planning_reads(
        store: Store) -> None:
    rec = _record(store, other_loan_month="2026-09")
    assert rec.other_loan_month == "2026-09"
    assert _told(store) == {("L1", "2026-09")}
    manager = store.login("demo-manager", DEMO_PASSWORD)
    assert store.visit_outcomes(manager, "c1", DAY)[0].other_loan_month == "2026-09"
    # An imported loan in the same month is the same loan, with the import's amount.
    store.import_loans_elsewhere(manager, "c1", pd.DataFrame(
        {"lead_id": ["L1", "L3"], "month": ["2026-09", "2025-02"], "loan_yuan": [8e4, 1e4]}))
    frame = store.loans_elsewhere_frame(manager, "c1")
    assert frame is not None and len(frame) == 2
    assert frame.set_index("lead_id").loc["L1", "loan_yuan"] == 8e4
    # An outcome without one adds nothing.
    _record(store, "L2")
    assert _told(store) == {("L1", "2026-09"), ("L3", "2025-02")}


@pytest.mark.parametrize("month", ["2026-13", "Sept", "2026-9", "2026-12", "2015-01"])
def test_a_loan_month_that_is_not_a_past_month_is_refused_by_name(store: Store,
                                                                   month: str) -> None:
    with pytest.raises(InputError) as err:
        _record(store, other_loan_month=month)
    assert err.value.field == "other_loan_month"
    assert _told(store) == set()


def test_without_consent_no_loan_elsewhere_is_recorded(store: Store) -> None:
    with pytest.raises(InputError) as err:
        _record(store, consent=False, other_loan_month="2026-09")
    assert err.value.field == "consent"
    assert _told(store) == set()


def test_erasure_blanks_the_recorded_loan_elsewhere(store: Store) -> None:
    _record(store, other_loan_month="2026-09")
    _record(store, "L2", other_loan_month="2026-01")
    admin = store.login("demo-manager", DEMO_PASSWORD)
    store.erase_personal_data(admin, "c1", "L1", "asked at the branch")
    assert _told(store) == {("L2", "2026-01")}
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(S.outcomes.c.other_loan_month).where(
            S.outcomes.c.lead_id == "L1")).scalars().all()
    assert left == [None]


def test_the_phones_queue_carries_it_to_the_store(store: Store) -> None:
    me = store.login("demo-o1", DEMO_PASSWORD)
    ids: dict[str, str] = {}
    plain = svc.outcome_id(ids, DAY, "L1", "met", False)
    told = svc.outcome_id(ids, DAY, "L1", "met", False, "2026-10")
    assert plain != told  # saving again with what the owner said is a new record
    queue = svc.OutcomeQueue()
    queue.put(svc.PendingOutcome(told, "c1", DAY, "L1", "met", True, False, "2026-10"))
    report = svc.send_pending(store, me, queue)
    assert len(report.sent) == 1 and _told(store) == {("L1", "2026-10")}
    assert svc.recent_months(DAY)[:3] == ["2026-11", "2026-10", "2026-09"]
    assert svc.recent_months("2026-02-01", 3) == ["2026-02", "2026-01", "2025-12"]


def test_the_outcomes_file_takes_the_column(store: Store, tmp_path: Path) -> None:
    p = tmp_path / "outcomes.csv"
    p.write_text("county_id,plan_date,lead_id,outcome,other_loan_month\n"
                 f"c1,{DAY},L1,met,2026-08\nc1,{DAY},L2,met,\n", encoding="utf-8")
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")
    assert loop.import_outcomes(store.login("demo-o1", DEMO_PASSWORD), p)["recorded"] == 2
    assert _told(store) == {("L1", "2026-08")}
    p.write_text("county_id,plan_date,lead_id,outcome,other_loan_month\n"
                 f"c1,{DAY},L2,met,2026-8\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        loop.import_outcomes(store.login("demo-o1", DEMO_PASSWORD), p)
    assert (err.value.row, err.value.field) == (1, "other_loan_month")


def test_upgrade_from_0006_adds_the_column(url: str) -> None:
    from countyreach.store import make_engine, migrate

    engine = make_engine(url)
    migrate(engine, "0006")
    with engine.begin() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("outcomes")}
        assert "other_loan_month" not in cols
    engine.dispose()
    with Store.open(url, bcrypt_rounds=4) as s, s.engine.connect() as conn:
        cols = {c["name"] for c in sa.inspect(conn).get_columns("outcomes")}
    assert "other_loan_month" in cols
