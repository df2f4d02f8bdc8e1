"""What the owner tells the officer of loans elsewhere (``outcomes.other_loan_month``, 0007,
and ``outcomes.other_loan_asked``, 0008).

A month the owner borrowed from another lender, or that they were asked and have none:
recorded with the customer's consent only, checked (a month, not after the visit), kept on
the outcome, read with the imported loans elsewhere by planning and training as known from
the visit's month on (``known_month``), blanked when the lead's personal data is erased; the
CSV import of outcomes takes both too. Not asked (the default) is not the same as none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from countyreach.errors import DroppedRowWarning, InputError
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


def _known(store: Store) -> set[tuple[str, str, str]]:
    """``(lead_id, month, known_month)`` of what the bank knows of loans elsewhere."""
    frame = store.loans_elsewhere_frame(store.login("demo-manager", DEMO_PASSWORD), "c1")
    return set() if frame is None else {(r.lead_id, r.month, r.known_month)
                                        for r in frame.itertuples()}


def test_a_recorded_loan_elsewhere_joins_the_loans_elsewhere_planning_reads(
        store: Store) -> None:
    rec = _record(store, other_loan_month="2026-09")
    assert rec.other_loan_month == "2026-09" and rec.other_loan_asked  # a month was asked
    # known from the visit's month on, not as if the bank had always known it
    assert _known(store) == {("L1", "2026-09", "2026-11")}
    manager = store.login("demo-manager", DEMO_PASSWORD)
    assert store.visit_outcomes(manager, "c1", DAY)[0].other_loan_month == "2026-09"
    # The same loan in the report of record: known for every month, with its amount.
    store.import_loans_elsewhere(manager, "c1", pd.DataFrame(
        {"lead_id": ["L1", "L3"], "month": ["2026-09", "2025-02"], "loan_yuan": [8e4, 1e4]}))
    frame = store.loans_elsewhere_frame(manager, "c1")
    assert frame is not None and list(frame.columns) == ["lead_id", "month", "loan_yuan",
                                                         "known_month"]
    assert _known(store) == {("L1", "2026-09", ""), ("L1", "2026-09", "2026-11"),
                             ("L3", "2025-02", "")}
    amounts = frame.set_index(["lead_id", "known_month"])["loan_yuan"]
    assert amounts[("L1", "")] == 8e4 and np.isnan(amounts[("L1", "2026-11")])
    # An outcome that did not ask adds nothing.
    _record(store, "L2")
    assert _told(store) == {("L1", "2026-09"), ("L3", "2025-02")}


def test_asked_with_no_loan_elsewhere_is_a_check_known_from_the_visit(store: Store) -> None:
    rec = _record(store, other_loan_asked=True)
    assert rec.other_loan_asked and rec.other_loan_month is None
    frame = store.loans_elsewhere_frame(store.login("demo-manager", DEMO_PASSWORD), "c1")
    assert frame is not None
    assert frame[["lead_id", "month", "known_month"]].values.tolist() == [["L1", "", "2026-11"]]
    assert np.isnan(frame["loan_yuan"]).all()
    # the same answer saved again is one row of what the bank knows
    _record(store, other_loan_asked=True)
    assert _known(store) == {("L1", "", "2026-11")}
    manager = store.login("demo-manager", DEMO_PASSWORD)
    assert store.visit_outcomes(manager, "c1", DAY)[0].other_loan_asked


def test_not_asked_is_not_none(store: Store) -> None:
    rec = _record(store)
    assert not rec.other_loan_asked and rec.other_loan_month is None
    assert store.loans_elsewhere_frame(store.login("demo-manager", DEMO_PASSWORD), "c1") is None
    with pytest.raises(InputError) as err:
        _record(store, other_loan_asked="yes")
    assert err.value.field == "other_loan_asked"


@pytest.mark.parametrize("month", ["2026-13", "Sept", "2026-9", "2026-12", "2015-01"])
def test_a_loan_month_that_is_not_a_past_month_is_refused_by_name(store: Store,
                                                                   month: str) -> None:
    with pytest.raises(InputError) as err:
        _record(store, other_loan_month=month)
    assert err.value.field == "other_loan_month"
    assert _told(store) == set()


@pytest.mark.parametrize("told", [{"other_loan_month": "2026-09"}, {"other_loan_asked": True},
                                  {"other_loan_month": "2026-09", "other_loan_asked": True}])
def test_without_consent_nothing_of_loans_elsewhere_is_recorded(store: Store,
                                                                told: dict[str, Any]) -> None:
    with pytest.raises(InputError) as err:
        _record(store, consent=False, **told)
    assert err.value.field == "consent"
    assert _told(store) == set()
    assert not _record(store, consent=False).other_loan_asked


def test_erasure_blanks_the_recorded_loan_elsewhere(store: Store) -> None:
    _record(store, other_loan_month="2026-09")
    _record(store, other_loan_asked=True)
    _record(store, "L2", other_loan_month="2026-01")
    admin = store.login("demo-manager", DEMO_PASSWORD)
    store.erase_personal_data(admin, "c1", "L1", "asked at the branch")
    assert _known(store) == {("L2", "2026-01", "2026-11")}
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(S.outcomes.c.other_loan_month,
                                      S.outcomes.c.other_loan_asked).where(
            S.outcomes.c.lead_id == "L1")).all()
    assert [tuple(r) for r in left] == [(None, None), (None, None)]
    assert not any(r.other_loan_asked for r in store.visit_outcomes(admin, "c1", DAY)
                   if r.lead_id == "L1")


def test_the_phones_queue_carries_it_to_the_store(store: Store) -> None:
    me = store.login("demo-o1", DEMO_PASSWORD)
    ids: dict[str, str] = {}
    plain = svc.outcome_id(ids, DAY, "L1", "met", False)
    told = svc.outcome_id(ids, DAY, "L1", "met", False, "2026-10")
    assert plain != told  # saving again with what the owner said is a new record
    none = svc.outcome_id(ids, DAY, "L2", "met", False, None, True)
    assert none != svc.outcome_id(ids, DAY, "L2", "met", False)  # nor is "asked: none"
    queue = svc.OutcomeQueue()
    queue.put(svc.PendingOutcome(told, "c1", DAY, "L1", "met", True, False, "2026-10"))
    queue.put(svc.PendingOutcome(none, "c1", DAY, "L2", "met", True, False, None, True))
    report = svc.send_pending(store, me, queue)
    assert len(report.sent) == 2
    assert _known(store) == {("L1", "2026-10", "2026-11"), ("L2", "", "2026-11")}
    assert svc.recent_months(DAY)[:3] == ["2026-11", "2026-10", "2026-09"]
    assert svc.recent_months("2026-02-01", 3) == ["2026-02", "2026-01", "2025-12"]


def test_the_forms_choices_say_not_asked_first() -> None:
    choices = svc.other_loan_choices(DAY, 3)
    assert choices == [svc.OtherLoan.NOT_ASKED, svc.OtherLoan.NONE, "2026-11", "2026-10",
                       "2026-09"]
    assert [svc.other_loan_answer(c) for c in (None, *choices[:3])] == [
        (False, None), (False, None), (True, None), (True, "2026-11")]


def test_the_outcomes_file_takes_the_column(store: Store, tmp_path: Path) -> None:
    p = tmp_path / "outcomes.csv"
    p.write_text("county_id,plan_date,lead_id,outcome,other_loan_month\n"
                 f"c1,{DAY},L1,met,2026-08\nc1,{DAY},L2,met,\n", encoding="utf-8")
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")
    assert loop.import_outcomes(store.login("demo-o1", DEMO_PASSWORD), p)["recorded"] == 2
    assert _told(store) == {("L1", "2026-08")}
    # 2026-8 is read as 2026-08 (countyreach.dates.read_month); a month 13 is no month
    p.write_text("county_id,plan_date,lead_id,outcome,other_loan_month\n"
                 f"c1,{DAY},L2,met,2026-13\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        loop.import_outcomes(store.login("demo-o1", DEMO_PASSWORD), p)
    assert (err.value.row, err.value.field) == (1, "other_loan_month")


def test_the_same_outcomes_from_a_copy_or_in_another_order_are_already_there(
        store: Store, tmp_path: Path) -> None:
    rows = [f"c1,{DAY},L1,met,2026-08", f"c1,{DAY},L2,met,", f"c1,{DAY},L2,met,"]
    head = "county_id,plan_date,lead_id,outcome,other_loan_month\n"
    first, copy = tmp_path / "outcomes.csv", tmp_path / "outcomes (1).csv"
    first.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    copy.write_text(head + "\n".join(reversed(rows)) + "\n", encoding="utf-8")
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")
    me = store.login("demo-o1", DEMO_PASSWORD)
    # two identical rows in one file are one visit's record, copied (recorded once, warned)
    with pytest.warns(DroppedRowWarning, match="repeat a visit word for word"):
        assert loop.import_outcomes(me, first) == {"recorded": 2, "already_there": 0}
    with pytest.warns(DroppedRowWarning):
        assert loop.import_outcomes(me, copy) == {"recorded": 0, "already_there": 2}
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from outcomes")).scalar() == 2


def test_the_outcomes_file_takes_whether_the_owner_was_asked(store: Store,
                                                              tmp_path: Path) -> None:
    p = tmp_path / "outcomes.csv"
    head = "county_id,plan_date,lead_id,outcome,other_loan_month,other_loan_asked\n"
    p.write_text(head + f"c1,{DAY},L1,met,,true\nc1,{DAY},L2,met,,false\n", encoding="utf-8")
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")
    me = store.login("demo-o1", DEMO_PASSWORD)
    assert loop.import_outcomes(me, p)["recorded"] == 2
    # L2's outcome corrected by a later file (one file giving a visit two outcomes is refused)
    p.write_text(head + f"c1,{DAY},L2,interested,2026-07,\n", encoding="utf-8")
    assert loop.import_outcomes(me, p)["recorded"] == 1
    assert _known(store) == {("L1", "", "2026-11"), ("L2", "2026-07", "2026-11")}
    p.write_text("county_id,plan_date,lead_id,outcome,other_loan_asked\n"
                 f"c1,{DAY},L1,met,perhaps\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        loop.import_outcomes(me, p)
    assert (err.value.row, err.value.field) == (1, "other_loan_asked")
    p.write_text("county_id,plan_date,lead_id,outcome,consent,other_loan_asked\n"
                 f"c1,{DAY},L1,met,0,1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        loop.import_outcomes(me, p)
    assert (err.value.row, err.value.field) == (1, "consent")


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


def test_upgrade_from_0007_backfills_asked_and_adds_the_checked_table(url: str) -> None:
    """An outcome that recorded a month was asked; the others stay unknown (NULL)."""
    import datetime as dt

    from countyreach.store import make_engine, migrate

    engine = make_engine(url)
    migrate(engine, "0007")
    now = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    with engine.begin() as conn:
        assert "loans_elsewhere_none" not in sa.inspect(conn).get_table_names()
        conn.execute(sa.text("INSERT INTO counties (county_id, name, region, created_at) "
                             "VALUES ('c1', 'Test county', '', :t)"), {"t": now})
        for oid, lead, month in ((str(uuid.uuid4()), "L1", "2026-09"),
                                 (str(uuid.uuid4()), "L2", None)):
            conn.execute(sa.text(
                "INSERT INTO outcomes (outcome_id, county_id, plan_date, officer_id, lead_id, "
                "outcome, consent, opt_out, recorded_by, recorded_at, other_loan_month) "
                "VALUES (:o, 'c1', :d, 'O1', :l, 'met', :c, :x, 'demo-o1', :t, :m)"),
                {"o": oid, "d": DAY, "l": lead, "c": True, "x": False, "t": now, "m": month})
    engine.dispose()
    with Store.open(url, bcrypt_rounds=4) as s:
        with s.engine.connect() as conn:
            assert "loans_elsewhere_none" in sa.inspect(conn).get_table_names()
            got = dict(conn.execute(sa.select(S.outcomes.c.lead_id,
                                              S.outcomes.c.other_loan_asked)).all())
        assert got == {"L1": True, "L2": None}
        seed_demo_users(s, "c1", "Test county", ["O1"])
        frame = s.loans_elsewhere_frame(s.login("demo-manager", DEMO_PASSWORD), "c1")
    assert frame is not None
    assert frame[["lead_id", "month", "known_month"]].values.tolist() == [
        ["L1", "2026-09", "2026-11"]]


def test_a_block_of_repeated_visits_is_one_short_warning(store: Store, tmp_path: Path) -> None:
    head = "county_id,plan_date,lead_id,outcome\n"
    rows = [f"c1,{DAY},L1,met", f"c1,{DAY},L2,met"]
    p = tmp_path / "outcomes.csv"
    # a pasted block: the two visits and 540 copies of them under
    p.write_text(head + "\n".join(rows * 271) + "\n", encoding="utf-8")
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")
    me = store.login("demo-o1", DEMO_PASSWORD)
    with pytest.warns(DroppedRowWarning) as caught:
        assert loop.import_outcomes(me, p) == {"recorded": 2, "already_there": 0}
    (note,) = [str(w.message) for w in caught]
    assert note.startswith(f"{p}: row(s) 3 (as row 1), 4 (as row 2), 5 (as row 1), ")
    assert ", 12 (as row 2) and 530 more repeat a visit word for word" in note
    assert "13 (as row 1)" not in note and len(note) < 400
