"""The bank's loan book and randomised visits live in the store (revision 0005).

They survive closing and reopening the store, follow its access rules, are replaced whole
by each import (no book: none kept), and erasure keeps them as it keeps the visit history:
pseudonymous rows of lead ids, months and amounts. A database at 0004 upgrades with its
history intact and unmarked.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from countyreach.errors import AccessDenied, InputError
from countyreach.store import Session, Store
from countyreach.store import schema as S
from countyreach.store.testing import Clock
from tests.store_people import PW

HISTORY = pd.DataFrame({
    "lead_id": ["B0001", "B0002", "B0003"], "month": ["2025-01", "2025-01", "2025-02"],
    "visited_by_policy": ["random", "heuristic", "Random "], "took_loan": [1, 0, 0],
    "loan_yuan": [30000.0, np.nan, np.nan], "defaulted": [0, np.nan, np.nan]})
LOANS = pd.DataFrame({"lead_id": ["B0001", "B0004", "B0001"],
                      "month": ["2025-01", "2025-03", "2025-06"],
                      "loan_yuan": [30000.0, 50000.0, np.nan],
                      "defaulted": [0.0, np.nan, 1.0]})


@pytest.fixture()
def store(demo_leads_store: Store) -> Store:
    return demo_leads_store


def _admin(store: Store) -> Session:
    return store.login("admin", PW)


def _book(frame: pd.DataFrame | None) -> set[tuple[object, ...]]:
    assert frame is not None
    return {(r.lead_id, r.month, None if np.isnan(r.loan_yuan) else r.loan_yuan,
             None if np.isnan(r.defaulted) else r.defaulted) for r in frame.itertuples()}


def test_loan_book_and_randomised_flags_survive_reopening(store: Store, url: str,
                                                          clock: Clock) -> None:
    admin = _admin(store)
    store.import_history(admin, "qingzu", HISTORY)
    assert store.import_loan_book(admin, "qingzu", LOANS) == 3
    store.close()
    with Store.open(url, bcrypt_rounds=4, clock=clock) as again:
        admin = _admin(again)
        h = again.history_frame(admin, "qingzu")
        assert h["randomised"].dtype == bool
        assert dict(zip(h["lead_id"], h["randomised"], strict=True)) == {
            "B0001": True, "B0002": False, "B0003": True}
        book = again.loan_book_frame(admin, "qingzu")
        assert book is not None and list(book.columns) == ["lead_id", "month", "loan_yuan",
                                                            "defaulted"]
        assert _book(book) == {("B0001", "2025-01", 30000.0, 0.0),
                               ("B0004", "2025-03", 50000.0, None),
                               ("B0001", "2025-06", None, 1.0)}
        # planners read both, as they read the history; officers read neither
        plan = again.login("plan", PW)
        assert again.loan_book_frame(plan, "qingzu") is not None
        with pytest.raises(AccessDenied):
            again.loan_book_frame(again.login("wang", PW), "qingzu")
        with pytest.raises(AccessDenied):
            again.import_loan_book(plan, "qingzu", None)


def test_reimport_replaces_the_book_and_none_removes_it(store: Store) -> None:
    admin = _admin(store)
    store.import_loan_book(admin, "qingzu", LOANS)
    n_audit = len(store.audit_log(admin, "qingzu"))
    assert store.import_loan_book(admin, "qingzu", LOANS) == 3
    assert len(store.audit_log(admin, "qingzu")) == n_audit  # unchanged: not audited
    store.import_loan_book(admin, "qingzu", LOANS.iloc[1:])
    assert {r[:2] for r in _book(store.loan_book_frame(admin, "qingzu"))} == {
        ("B0004", "2025-03"), ("B0001", "2025-06")}
    top = store.audit_log(admin, "qingzu")[0]
    assert top.detail["part"] == "loan_book" and top.detail["loans"] == 2
    assert store.import_loan_book(admin, "qingzu", None) == 0
    assert store.loan_book_frame(admin, "qingzu") is None


def test_a_history_without_the_policy_column_unmarks_its_rows(store: Store) -> None:
    admin = _admin(store)
    assert store.import_history(admin, "qingzu", HISTORY)["inserted"] == 3
    counts = store.import_history(admin, "qingzu", HISTORY.drop(columns="visited_by_policy"))
    assert counts == {"inserted": 0, "updated": 2, "unchanged": 1, "removed": 0}
    assert not store.history_frame(admin, "qingzu")["randomised"].any()


def test_a_bad_loan_row_changes_nothing(store: Store) -> None:
    admin = _admin(store)
    store.import_loan_book(admin, "qingzu", LOANS)
    bad = pd.concat([LOANS, pd.DataFrame({"lead_id": ["B0009"], "month": ["2025-13"]})],
                    ignore_index=True)
    with pytest.raises(InputError) as err:
        store.import_loan_book(admin, "qingzu", bad)
    assert err.value.row == 4 and err.value.field == "month"
    assert len(_book(store.loan_book_frame(admin, "qingzu"))) == 3


def test_erasure_keeps_loan_rows_as_it_keeps_the_history(store: Store) -> None:
    """History and loan rows carry no name, phone or address: they stay, pseudonymous."""
    admin = _admin(store)
    store.import_history(admin, "qingzu", HISTORY)
    store.import_loan_book(admin, "qingzu", LOANS)
    store.erase_personal_data(admin, "qingzu", "B0001", "asked at the branch")
    leads = store.leads_frame(admin, "qingzu", include_do_not_visit=True)
    assert leads.loc[leads["lead_id"] == "B0001", "name"].iloc[0] == ""
    assert (store.history_frame(admin, "qingzu")["lead_id"] == "B0001").sum() == 1
    book = store.loan_book_frame(admin, "qingzu")
    assert book is not None and (book["lead_id"] == "B0001").sum() == 2
    assert "B0001" in store.do_not_visit_ids(admin, "qingzu")


def test_upgrade_from_0004_keeps_history_unmarked(url: str, clock: Clock) -> None:
    from countyreach.store import make_engine, migrate

    engine = make_engine(url)
    migrate(engine, "0004")
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO counties (county_id, name, region, created_at) "
                             "VALUES ('qingzu', '庆祖镇', 'puyang', :t)"), {"t": now})
        conn.execute(sa.text("INSERT INTO visit_history (county_id, lead_id, month, took_loan) "
                             "VALUES ('qingzu', 'B0001', '2025-01', 1)"))
        assert "loan_book" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    with Store.open(url, bcrypt_rounds=4, clock=clock) as s:
        s.create_user("admin", PW, "admin")
        admin = _admin(s)
        h = s.history_frame(admin, "qingzu")
        assert h[["lead_id", "month", "took_loan"]].values.tolist() == [["B0001", "2025-01", 1]]
        assert h["randomised"].tolist() == [False]
        assert s.loan_book_frame(admin, "qingzu") is None
        s.import_loan_book(admin, "qingzu", LOANS)
        with s.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(S.loan_book)
                                ).scalar_one() == 3
