"""Loans from other lenders that the bank knows of (``loans_elsewhere.csv``, revisions 0006
and 0008).

The optional county file is read and checked like the loan book (a bad row names file, row
and field), stored by ``county import`` in the store's ``loans_elsewhere`` table (replaced
whole; a folder without the file leaves the county none; a bad file writes nothing), deleted
with a lead's personal data, and joined to the book planning reads, from the store and from
the folder, as ``source = "elsewhere"``: features only, never the bank's own loan rule. A
row without a month says the lead was checked and has none (``loans_elsewhere_none``): a
lead the file does not name stays unknown. The file is a report of record: it has no
``known_month``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import propensity
from countyreach.cli import main
from countyreach.errors import AccessDenied, InputError
from countyreach.pipeline import load_county_data
from countyreach.services.loop import DailyLoop
from countyreach.services.models import county_history, read_loans_elsewhere
from countyreach.store import AuditEntry, Session, Store
from countyreach.store import schema as S
from countyreach.store.testing import Clock
from propensity.loan_recency import ELSEWHERE, recency_now
from tests.store_people import PW

DAY = "2026-11-24"
# The demo's history ends 2026-10; lender and note columns are the bank's own, and ignored.
ELSEWHERE_CSV = ("lead_id,month,loan_yuan,lender,source_note\n"
                 "B0001,2026-10,50000,庆祖镇信用社,征信报告（客户授权）\n"
                 "B0002,2026-06,,邻县农商行,客户经理笔记\n"
                 "B0001,2025-03,20000,小额贷款公司,县农村信用信息系统\n")
KNOWN = {("B0001", "2026-10", 50000.0), ("B0002", "2026-06", None),
         ("B0001", "2025-03", 20000.0)}
# Two leads the county's credit register shows without any loan elsewhere (B0004 twice).
CHECKED_CSV = ELSEWHERE_CSV + ("B0003,,,县农村信用信息系统,无贷款记录\n"
                               "B0004,,,征信报告（客户授权）,\nB0004,,,,\n")
CHECKED = {("B0003", "", None), ("B0004", "", None)}


def _rows(frame: pd.DataFrame | None) -> set[tuple[object, ...]]:
    assert frame is not None
    return {(r.lead_id, r.month, None if np.isnan(r.loan_yuan) else r.loan_yuan)
            for r in frame.itertuples()}


def _with_file(folder: Path, text: str = ELSEWHERE_CSV) -> Path:
    (folder / "loans_elsewhere.csv").write_text(text, encoding="utf-8")
    return folder


def _replaced(loop: DailyLoop) -> list[AuditEntry]:
    """The audit rows of the county's loans elsewhere being replaced, newest first."""
    return [e for e in loop.store.audit_log(loop.store.operator_session(), "qingzu")
            if e.detail.get("part") == "loans_elsewhere"]


@pytest.fixture()
def loop(url: str, tmp_path: Path, cache_dir: Path) -> Iterator[DailyLoop]:
    store = Store.open(url, bcrypt_rounds=4)
    yield DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    store.close()


# ----------------------------------------------------------------------------- the file


def test_the_reader_checks_the_file_and_names_file_row_and_field(tmp_path: Path) -> None:
    p = _with_file(tmp_path, ELSEWHERE_CSV + "B0003,2026-13,1000,x,y\n") / "loans_elsewhere.csv"
    with pytest.raises(InputError) as err:
        read_loans_elsewhere(p)
    assert (err.value.file, err.value.row, err.value.field) == (str(p), 4, "month")
    p.write_text("lead_id,month,loan_yuan\nB0001,2026-01,-5\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_loans_elsewhere(p)
    assert (err.value.file, err.value.row, err.value.field) == (str(p), 1, "loan_yuan")
    p.write_text("lead_id,loan_yuan\nB0001,5\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_loans_elsewhere(p)
    assert err.value.file == str(p) and err.value.field == "month"
    # whether another lender's loan defaulted is not the bank's to know: ignored, even bad
    p.write_text("lead_id,month,defaulted\nB0001,2026-01,maybe\n", encoding="utf-8")
    got = read_loans_elsewhere(p)
    assert got is not None
    assert list(got.columns) == ["lead_id", "month", "loan_yuan", "known_month"]
    assert got["known_month"].tolist() == [""]
    assert _rows(read_loans_elsewhere(_with_file(tmp_path) / "loans_elsewhere.csv")) == KNOWN
    assert read_loans_elsewhere(tmp_path / "none.csv") is None


def test_a_row_without_a_month_is_a_check_that_found_none(tmp_path: Path) -> None:
    got = read_loans_elsewhere(_with_file(tmp_path, CHECKED_CSV) / "loans_elsewhere.csv")
    assert got is not None
    assert _rows(got) == KNOWN | CHECKED
    assert set(got["known_month"]) == {""}  # a report of record: good for every month
    # a lead the file does not name is not known: it has no row at all
    assert "B0005" not in set(got["lead_id"])


def test_a_known_month_column_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    """What an owner tells an officer is recorded with the outcome, not in the file."""
    p = _with_file(tmp_path, "lead_id,month,known_month\nB0001,2026-10,\n") / \
        "loans_elsewhere.csv"
    with pytest.raises(InputError) as err:
        read_loans_elsewhere(p)
    assert (err.value.file, err.value.field) == (str(p), "known_month")
    assert "report of record" in err.value.reason


def test_every_bad_row_is_named_even_among_rows_without_a_month(tmp_path: Path) -> None:
    from countyreach.errors import RowErrors

    # row 3 has a month but no lead (a row of empty cells only would be skipped as blank)
    p = _with_file(tmp_path, "lead_id,month,loan_yuan\nB0001,,\nB0002,10月,\n,2025-01,\n"
                   "B0003,,-1\n") / "loans_elsewhere.csv"
    with pytest.raises(RowErrors) as err:
        read_loans_elsewhere(p)
    assert err.value.file == str(p)
    assert [(e.row, e.field) for e in err.value.rows] == [(2, "month"), (3, "lead_id"),
                                                          (4, "loan_yuan")]


# ----------------------------------------------------------------------------- county import


def test_every_bad_row_of_a_loan_file_is_named_in_one_error(tmp_path: Path) -> None:
    from countyreach.errors import RowErrors
    from countyreach.services.models import read_loans

    for name, read in (("loans_elsewhere.csv", read_loans_elsewhere),
                       ("loans.csv", read_loans)):
        p = tmp_path / name
        p.write_text("lead_id,month,loan_yuan\nB0001,2026-10,5000\nB0002,10月,\n"
                     "B0003,2026-02,-1\n", encoding="utf-8")
        with pytest.raises(RowErrors) as err:
            read(p)
        assert (err.value.file, err.value.row, err.value.field) == (str(p), 2, "month")
        assert [(e.row, e.field) for e in err.value.rows] == [(2, "month"), (3, "loan_yuan")]
        assert "row 3, field 'loan_yuan'" in str(err.value)


def test_two_loans_of_one_lead_in_one_month_are_warned_about(tmp_path: Path) -> None:
    from countyreach.errors import DataWarning
    from countyreach.services.models import read_loans

    p = tmp_path / "loans.csv"
    p.write_text("lead_id,month,loan_yuan\nB0001,2026-10,5000\nB0002,2026-10,\n"
                 "B0001,2026-10,80000\n", encoding="utf-8")
    with pytest.warns(DataWarning, match=r"loans.csv: rows 1, 3 give one lead two loans"):
        book = read_loans(p)
    assert book is not None and len(book) == 2
    assert book.loc[book["lead_id"] == "B0001", "loan_yuan"].tolist() == [80000.0]


def test_county_import_stores_the_rows_and_a_folder_without_the_file_removes_them(
        loop: DailyLoop, county_copy: Path) -> None:
    op = loop.store.operator_session()
    rep = loop.import_county(op, _with_file(county_copy))
    assert rep.loans_elsewhere == 3 and "  loans elsewhere: 3 known" in rep.lines()
    assert _rows(loop.store.loans_elsewhere_frame(op, "qingzu")) == KNOWN
    assert len(_replaced(loop)) == 1
    loop.import_county(op, county_copy)
    assert len(_replaced(loop)) == 1  # unchanged: not audited
    # the file is the whole list: a shorter one replaces it
    _with_file(county_copy, "lead_id,month\nB0007,2026-09\n")
    assert loop.import_county(op, county_copy).loans_elsewhere == 1
    assert _rows(loop.store.loans_elsewhere_frame(op, "qingzu")) == {("B0007", "2026-09", None)}
    assert [e.detail["loans"] for e in _replaced(loop)] == [1, 3]
    (county_copy / "loans_elsewhere.csv").unlink()
    rep = loop.import_county(op, county_copy)
    assert rep.loans_elsewhere is None and "  loans elsewhere: none known" in rep.lines()
    assert loop.store.loans_elsewhere_frame(op, "qingzu") is None
    assert loop.store.loan_book_frame(op, "qingzu") is not None  # the bank's book stays


def test_rows_nothing_can_use_are_warned_about_naming_the_file(
        loop: DailyLoop, county_copy: Path) -> None:
    """A loan of a lead the leads table lacks, or dated after the plan, is kept but
    warned about: a typo there would leave a recent borrower open to a visit."""
    from countyreach.errors import DataWarning
    from countyreach.services.loan_files import read_loans, warn_loan_rows

    _with_file(county_copy, "lead_id,month\nNOPE1,2026-09\nB0002,2031-01\n")
    report = loop.import_county(loop.store.operator_session(), county_copy)
    assert any(re.search(r"loans_elsewhere.csv: 1 row\(s\) name leads.*NOPE1", note)
               for note in report.input_warnings)  # in the import's report
    book = read_loans(county_copy / "loans.csv")
    with pytest.warns(DataWarning) as caught:
        warn_loan_rows(county_copy, book, read_loans_elsewhere(
            county_copy / "loans_elsewhere.csv"), month="2026-11")
    [late] = [str(w.message) for w in caught]
    assert "loans_elsewhere.csv: 1 loan(s) dated after the plan's month 2026-11" in late
    assert "'B0002' in 2031-01" in late


def _none_rows(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(S.loans_elsewhere_none.c.lead_id).where(
            S.loans_elsewhere_none.c.county_id == "qingzu")).scalars())


def test_county_import_stores_the_leads_checked_without_one(loop: DailyLoop,
                                                            county_copy: Path) -> None:
    op = loop.store.operator_session()
    rep = loop.import_county(op, _with_file(county_copy, CHECKED_CSV))
    assert (rep.loans_elsewhere, rep.loans_elsewhere_none) == (3, 2)
    assert "  loans elsewhere: 3 known, 2 lead(s) checked with none" in rep.lines()
    frame = loop.store.loans_elsewhere_frame(op, "qingzu")
    assert frame is not None and _rows(frame) == KNOWN | CHECKED
    assert set(frame["known_month"]) == {""}
    assert _none_rows(loop.store) == {"B0003", "B0004"}
    assert [e.detail["checked_none"] for e in _replaced(loop)] == [2]
    loop.import_county(op, county_copy)
    assert len(_replaced(loop)) == 1  # unchanged: not audited
    # the file is the whole report: without those rows the leads are unknown again
    rep = loop.import_county(op, _with_file(county_copy))
    assert rep.loans_elsewhere_none == 0 and "  loans elsewhere: 3 known" in rep.lines()
    assert _none_rows(loop.store) == set()
    assert _rows(loop.store.loans_elsewhere_frame(op, "qingzu")) == KNOWN
    top = _replaced(loop)[0]
    assert (top.detail["loans"], top.detail["replaced"]) == (3, 3)
    assert (top.detail["checked_none"], top.detail["replaced_none"]) == (0, 2)


def test_a_bad_file_writes_nothing(loop: DailyLoop, county_copy: Path) -> None:
    op = loop.store.operator_session()
    bad = ELSEWHERE_CSV + f"{'B' * 65},2026-01,1\n"  # a lead id longer than the store keeps
    with pytest.raises(InputError) as err:
        loop.import_county(op, _with_file(county_copy, bad))
    assert err.value.file == str(county_copy / "loans_elsewhere.csv")
    assert (err.value.row, err.value.field) == (4, "lead_id")
    assert loop.store.learning.county_ids(op) == []  # not even the county
    # a county already imported keeps what it had
    loop.import_county(op, _with_file(county_copy))
    n_audit = len(loop.store.audit_log(op, "qingzu"))
    leads = loop.store.leads_frame(op, "qingzu")
    (county_copy / "loans.csv").unlink()  # would empty the loan book, were it imported
    with pytest.raises(InputError) as err:
        loop.import_county(op, _with_file(county_copy, ELSEWHERE_CSV + "B0009,2026-13,1\n"))
    assert (err.value.row, err.value.field) == (4, "month")
    assert _rows(loop.store.loans_elsewhere_frame(op, "qingzu")) == KNOWN
    assert loop.store.loan_book_frame(op, "qingzu") is not None
    assert len(loop.store.audit_log(op, "qingzu")) == n_audit
    pd.testing.assert_frame_equal(loop.store.leads_frame(op, "qingzu"), leads)


# ----------------------------------------------------------------------------- the store


@pytest.fixture()
def store(demo_leads_store: Store) -> Store:
    return demo_leads_store


def _known(tmp_path: Path) -> pd.DataFrame:
    got = read_loans_elsewhere(_with_file(tmp_path) / "loans_elsewhere.csv")
    assert got is not None
    return got


def test_the_rows_follow_the_access_rules_of_the_loan_book(store: Store,
                                                           tmp_path: Path) -> None:
    admin = store.login("admin", PW)
    assert store.import_loans_elsewhere(admin, "qingzu", _known(tmp_path)) == 3
    plan, officer = store.login("plan", PW), store.login("wang", PW)
    assert _rows(store.loans_elsewhere_frame(plan, "qingzu")) == KNOWN
    with pytest.raises(AccessDenied):
        store.loans_elsewhere_frame(officer, "qingzu")
    with pytest.raises(AccessDenied):
        store.import_loans_elsewhere(plan, "qingzu", None)
    assert store.import_loans_elsewhere(admin, "qingzu", None) == 0
    assert store.loans_elsewhere_frame(admin, "qingzu") is None


def test_erasure_deletes_the_leads_loans_elsewhere(store: Store, tmp_path: Path) -> None:
    """Known only by the owner's consent or a third party's register: erased with the lead
    (its own loan-book rows stay, pseudonymous, see test_store_loan_book)."""
    admin = store.login("admin", PW)
    store.import_loans_elsewhere(admin, "qingzu", _known(tmp_path))
    store.import_loan_book(admin, "qingzu", pd.DataFrame({"lead_id": ["B0001"],
                                                          "month": ["2025-01"]}))
    store.erase_personal_data(admin, "qingzu", "B0001", "asked at the branch")
    assert _rows(store.loans_elsewhere_frame(admin, "qingzu")) == {("B0002", "2026-06", None)}
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(S.loans_elsewhere).where(
            S.loans_elsewhere.c.lead_id == "B0001")).scalar_one()
    assert left == 0
    top = store.audit_log(admin, "qingzu")[0]
    assert top.detail["loans_elsewhere"] == 2
    book = store.loan_book_frame(admin, "qingzu")
    assert book is not None and book["lead_id"].tolist() == ["B0001"]


def test_a_bad_row_changes_neither_part(store: Store, tmp_path: Path) -> None:
    """Loans and checked leads are replaced in one transaction, or not at all."""
    admin = store.login("admin", PW)
    checked = read_loans_elsewhere(_with_file(tmp_path, CHECKED_CSV) / "loans_elsewhere.csv")
    assert checked is not None
    assert store.import_loans_elsewhere(admin, "qingzu", checked) == 3
    n_audit = len(store.audit_log(admin, "qingzu"))
    bad = [({"lead_id": ["B0009", "B" * 65], "month": ["2026-01", ""]}, (2, "lead_id")),
           ({"lead_id": ["B0009"], "month": [""], "known_month": ["2026-10"]},
            (1, "known_month")),
           ({"lead_id": ["B0009", "B0010"], "month": ["", "2026-1x"]}, (2, "month"))]
    for frame, where in bad:
        with pytest.raises(InputError) as err:
            store.import_loans_elsewhere(admin, "qingzu", pd.DataFrame(frame))
        assert (err.value.row, err.value.field) == where
    assert _rows(store.loans_elsewhere_frame(admin, "qingzu")) == KNOWN | CHECKED
    assert _none_rows(store) == {"B0003", "B0004"}
    assert len(store.audit_log(admin, "qingzu")) == n_audit
    # a frame of checked leads only is a report too
    only = pd.DataFrame({"lead_id": ["B0007"], "month": [""]})
    assert store.import_loans_elsewhere(admin, "qingzu", only) == 0
    got = store.loans_elsewhere_frame(admin, "qingzu")
    assert got is not None and got.to_dict(orient="list") == {
        "lead_id": ["B0007"], "month": [""], "loan_yuan": [pytest.approx(np.nan, nan_ok=True)],
        "known_month": [""]}


def test_erasure_deletes_the_leads_checked_none_rows(store: Store, tmp_path: Path) -> None:
    admin = store.login("admin", PW)
    checked = read_loans_elsewhere(_with_file(tmp_path, CHECKED_CSV) / "loans_elsewhere.csv")
    store.import_loans_elsewhere(admin, "qingzu", checked)
    store.erase_personal_data(admin, "qingzu", "B0003", "asked at the branch")
    assert _none_rows(store) == {"B0004"}
    assert _rows(store.loans_elsewhere_frame(admin, "qingzu")) == KNOWN | {
        ("B0004", "", None)}
    top = store.audit_log(admin, "qingzu")[0]
    assert (top.detail["loans_elsewhere"], top.detail["loans_elsewhere_none"]) == (0, 1)


def test_upgrade_from_0005_adds_the_table(url: str, clock: Clock, tmp_path: Path) -> None:
    from countyreach.store import make_engine, migrate

    engine = make_engine(url)
    migrate(engine, "0005")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO counties (county_id, name, region, created_at) "
                             "VALUES ('qingzu', '庆祖镇', 'puyang', :t)"),
                     {"t": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)})
        assert "loans_elsewhere" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    with Store.open(url, bcrypt_rounds=4, clock=clock) as s:
        s.create_user("admin", PW, "admin")
        admin = s.login("admin", PW)
        assert s.loans_elsewhere_frame(admin, "qingzu") is None
        assert s.import_loans_elsewhere(admin, "qingzu", _known(tmp_path)) == 3


# ----------------------------------------------------------------------------- planning


def _session(loop: DailyLoop) -> Session:
    return loop.store.operator_session()


def test_the_day_rules_book_holds_the_loans_elsewhere_and_not_as_ours(
        loop: DailyLoop, county_copy: Path, cache_dir: Path) -> None:
    op = _session(loop)
    loop.import_county(op, _with_file(county_copy))
    data = loop.county_data(op, "qingzu")
    assert data.loans_elsewhere is not None and _rows(data.loans_elsewhere) == KNOWN
    book = loop.day_rules(op, "qingzu", DAY).loan_book
    other = book[book["source"] == ELSEWHERE]
    assert {(r.lead_id, r.month) for r in other.itertuples()} == {k[:2] for k in KNOWN}
    ids = ["B0001", "B0002", "B0003"]
    now = recency_now(ids, DAY[:7], book)
    # B0003 is in no report and nobody asked: not known
    np.testing.assert_array_equal(now["months_since_other_loan"], [1.0, 5.0, np.nan])
    # the bank's own loan rule reads only its loans
    ours = propensity.bank_loan_book(county_history(loop.store, op, "qingzu", data.leads),
                                     data.loans)
    pd.testing.assert_series_equal(now["months_since_loan"],
                                   recency_now(ids, DAY[:7], ours)["months_since_loan"])
    # the folder path reads the same file
    folder = load_county_data(county_copy, cache_dir=cache_dir)
    assert folder.loans_elsewhere is not None and _rows(folder.loans_elsewhere) == KNOWN


def test_synth_writes_the_known_loans_elsewhere_and_share_0_removes_them(
        county_copy: Path) -> None:
    args = ["synth", str(county_copy), "--n", "40", "--months", "12", "--force"]
    assert main([*args, "--elsewhere-share", "1"]) == 0
    known = read_loans_elsewhere(county_copy / "loans_elsewhere.csv")
    assert known is not None and len(known)
    leads = set(pd.read_csv(county_copy / "leads.csv", dtype=str)["lead_id"])
    # every business covered: the clean ones listed without a month
    assert set(known["lead_id"]) == leads and (known["month"] == "").any()
    assert main([*args, "--elsewhere-share", "0"]) == 0
    assert not (county_copy / "loans_elsewhere.csv").exists()
    assert main([*args, "--elsewhere-share", "1.5"]) == 2


def test_the_county_model_learns_from_the_loans_elsewhere(county_copy: Path,
                                                           cache_dir: Path) -> None:
    from countyreach.pipeline import get_scorer, score_leads
    from countyreach.services.models import file_model_path

    plain = load_county_data(county_copy, cache_dir=cache_dir)
    data = load_county_data(_with_file(county_copy), cache_dir=cache_dir)
    rule = data.county.loan_rule_months
    # Another file, another model: a model never plans with loans elsewhere it did not see.
    assert file_model_path(cache_dir, "qingzu", data.leads, data.history, data.loans, rule,
                           data.loans_elsewhere) != file_model_path(
        cache_dir, "qingzu", plain.leads, plain.history, plain.loans, rule)
    scorer = get_scorer(data, cache_dir=cache_dir)
    model = scorer.visit_value_
    assert model is not None
    assert "months_since_other_loan" in model.feature_medians_
    s = score_leads(data, scorer, DAY[:7]).set_index("lead_id")
    # B0001 borrowed elsewhere last month, B0002 five months ago: their "now" reasons say
    # so (B0001 is also within our loan rule); B0003 did not.
    assert "another lender 1 month ago" in s.loc["B0001", "reason_now_en"]
    assert "another lender 5 months ago" in s.loc["B0002", "reason_now_en"]
    assert not s.loc["B0002", "locked_out"]
    assert "another lender" not in s.loc["B0003", "reason_now_en"]
    # nobody checked B0003 or asked its owner: the reason asks the officer to
    assert "loans elsewhere not known: ask the owner" in s.loc["B0003", "reason_now_en"]
    assert "loans elsewhere not known" not in s.loc["B0002", "reason_now_en"]
