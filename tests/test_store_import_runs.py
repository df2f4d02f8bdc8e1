"""Store: importing lead tables — idempotent, all or nothing unless asked, every bad row named,
text stored verbatim, an interrupted import leaves the store as it was, only the county's
managers import.

Every test runs against SQLite and, when ``COUNTYREACH_PG_URL`` is set, against
PostgreSQL with a fresh schema per test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from countyreach.errors import AccessDenied, InputError
from countyreach.store import (
    ImportKind,
    ImportMode,
    ImportRejected,
    Session,
    Store,
)
from countyreach.store import schema as S
from tests.store_people import count_rows

# ----------------------------------------------------------------------------- imports


def test_import_is_idempotent(store: Store, admin: Session, demo_dir: Path) -> None:
    first = store.import_leads(demo_dir / "leads.csv", "qingzu", session=admin)
    assert first.counts == {"inserted": 400, "updated": 0, "unchanged": 0, "rejected": 0,
                            "retired": 0, "kept_erased": 0}
    with store.engine.connect() as c:
        before = c.execute(sa.select(S.leads.c.lead_id, S.leads.c.content_hash,
                                     S.leads.c.updated_at)).all()
    again = store.import_leads(demo_dir / "leads.csv", "qingzu", session=admin)
    assert again.counts == {"inserted": 0, "updated": 0, "unchanged": 400, "rejected": 0,
                            "retired": 0, "kept_erased": 0}
    with store.engine.connect() as c:
        after = c.execute(sa.select(S.leads.c.lead_id, S.leads.c.content_hash,
                                    S.leads.c.updated_at)).all()
    assert sorted(before) == sorted(after)
    off = store.import_officers(demo_dir / "officers.csv", "qingzu", session=admin)
    assert off.counts["inserted"] == 6
    assert store.import_officers(demo_dir / "officers.csv", "qingzu",
                                 session=admin).counts["unchanged"] == 6
    assert [o.officer_id for o in store.officers(admin, "qingzu")][:2] == ["O01", "O02"]


def test_loads_and_capacities_survive_the_store(store: Store, admin: Session,
                                               demo_dir: Path, tmp_path: Path) -> None:
    """What officers carry reaches the plan the same way through the store as from files."""
    from countyreach.io import leads_from_table

    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False).head(5)
    df["load"] = ["2", "", "0", "7", "1"]
    df.to_csv(tmp_path / "leads.csv", index=False)
    off = pd.read_csv(demo_dir / "officers.csv", dtype=str, keep_default_na=False).head(2)
    off["capacity"] = ["6", ""]
    off.to_csv(tmp_path / "officers.csv", index=False)
    store.import_leads(tmp_path / "leads.csv", "qingzu", session=admin)
    store.import_officers(tmp_path / "officers.csv", "qingzu", session=admin)
    table = store.leads_frame(admin, "qingzu")
    assert list(table.columns).count("load") == 1  # a column, not an extra
    assert [ld.load for ld in leads_from_table(table)] == [2, 0, 0, 7, 1]
    assert [o.capacity for o in store.officers(admin, "qingzu")] == [6, None]
    # a changed load is a changed row
    df["load"] = ["3", "", "0", "7", "1"]
    df.to_csv(tmp_path / "leads.csv", index=False)
    rep = store.import_leads(tmp_path / "leads.csv", "qingzu", session=admin)
    assert len(rep.updated) == 1 and len(rep.unchanged) == 4


def test_corrected_file_updates_only_changed_rows(store: Store, admin: Session,
                                                  county_copy: Path) -> None:
    path = county_copy / "leads.csv"
    store.import_leads(path, "qingzu", session=admin)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[df["lead_id"] == "B0002", "phone"] = "13912345678"
    df.to_csv(path, index=False)
    rep = store.import_leads(path, "qingzu", session=admin)
    assert rep.updated == ("B0002",)
    assert len(rep.unchanged) == 399 and not rep.inserted
    leads = store.leads_frame(admin, "qingzu")
    assert leads.set_index("lead_id").loc["B0002", "phone"] == "13912345678"


def _bad_leads(path: Path, demo_dir: Path) -> Path:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False).head(10)
    df.loc[2, "lead_id"] = "1; DROP TABLE leads"          # row 3: SQL-ish id
    df.loc[4, "lat"] = "35,51"                             # row 5: malformed number
    df.loc[6, "name"] = "bad\x07name"                      # row 7: control character
    df.loc[8, "address"] = "长" * 300                      # row 9: over-long
    df.to_csv(path, index=False)
    return path


def test_bad_rows_refuse_an_all_or_nothing_import(store: Store, admin: Session,
                                                  demo_dir: Path, tmp_path: Path) -> None:
    path = _bad_leads(tmp_path / "leads.csv", demo_dir)
    with pytest.raises(ImportRejected) as err:
        store.import_leads(path, "qingzu", session=admin)
    rows = [(r.row, r.field) for r in err.value.report.rejected]
    assert rows == [(3, "lead_id"), (5, "lat"), (7, "name"), (9, "address")]
    assert err.value.row == 3 and err.value.file == str(path)
    assert not err.value.report.committed
    assert count_rows(store, S.leads) == 0


def test_skip_bad_imports_the_good_rows_and_reports_the_rest(
        store: Store, admin: Session, demo_dir: Path, tmp_path: Path) -> None:
    path = _bad_leads(tmp_path / "leads.csv", demo_dir)
    rep = store.import_leads(path, "qingzu", session=admin, mode="skip_bad")
    assert rep.committed and len(rep.inserted) == 6
    assert [r.row for r in rep.rejected] == [3, 5, 7, 9]
    assert "1; DROP TABLE leads" not in set(store.leads_frame(admin, "qingzu")["lead_id"])
    assert count_rows(store, S.leads) == 6  # the table is still there


def test_repeated_id_is_reported(store: Store, admin: Session, demo_dir: Path,
                                 tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False).head(4)
    pasted = df.iloc[[1]]
    # a row pasted twice is the same record: read once, as planning from the folder reads it
    pd.concat([df, pasted]).to_csv(tmp_path / "dup.csv", index=False)
    rep = store.import_leads(tmp_path / "dup.csv", "qingzu", session=admin, mode="skip_bad")
    assert rep.rejected == () and rep.counts["inserted"] == 4
    # its id given to another record: which is right only the lender knows
    pd.concat([df, pasted.assign(name="另一家")]).to_csv(tmp_path / "dup.csv", index=False)
    rep = store.import_leads(tmp_path / "dup.csv", "qingzu", session=admin, mode="skip_bad")
    assert [(r.row, r.field) for r in rep.rejected] == [(5, "lead_id")]
    assert "repeats row 2 with another name" in rep.rejected[0].message


def test_quotes_and_sql_in_text_are_stored_verbatim(store: Store, admin: Session,
                                                    demo_dir: Path, tmp_path: Path) -> None:
    df = pd.read_csv(demo_dir / "leads.csv", dtype=str, keep_default_na=False).head(3)
    evil = "O'Brien'); DROP TABLE leads;--"
    df.loc[0, "name"] = evil
    df.to_csv(tmp_path / "q.csv", index=False)
    store.import_leads(tmp_path / "q.csv", "qingzu", session=admin)
    assert store.leads_frame(admin, "qingzu").set_index("lead_id").loc["B0001", "name"] == evil
    assert count_rows(store, S.leads) == 3


def test_interrupted_import_leaves_the_store_as_it_was(store: Store, admin: Session,
                                                       county_copy: Path) -> None:
    path = county_copy / "leads.csv"
    store.import_leads(path, "qingzu", session=admin)
    with store.engine.connect() as c:
        before = sorted(c.execute(sa.select(S.leads)).all())
    n_audit = count_rows(store, S.audit_log)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["phone"] = "13000000000"
    df.to_csv(path, index=False)

    def crash(done: int, total: int) -> None:
        if done == 50:
            raise KeyboardInterrupt  # the power goes, the user presses Ctrl-C

    with pytest.raises(KeyboardInterrupt):
        store.import_leads(path, "qingzu", session=admin, progress=crash)
    with store.engine.connect() as c:
        assert sorted(c.execute(sa.select(S.leads)).all()) == before
    assert count_rows(store, S.audit_log) == n_audit


def test_file_level_problems_name_the_file(store: Store, admin: Session, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("lead_id,name\nA,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing required column"):
        store.import_leads(tmp_path / "x.csv", "qingzu", session=admin)
    with pytest.raises(InputError, match="file not found"):
        store.import_leads(tmp_path / "nope.csv", "qingzu", session=admin)


def test_only_managers_of_the_county_import(store: Store, people: dict[str, Session],
                                            demo_dir: Path) -> None:
    for who in ("o1", "planner", "outsider"):
        with pytest.raises(AccessDenied):
            store.import_leads(demo_dir / "leads.csv", "qingzu", session=people[who])
    assert store.import_leads(demo_dir / "leads.csv", "qingzu",
                              session=people["manager"]).counts["inserted"] == 400


def test_import_mode_is_an_enum_that_accepts_its_text(store: Store, admin: Session,
                                                     demo_dir: Path) -> None:
    path = demo_dir / "officers.csv"
    with pytest.raises(InputError) as err:
        store.import_officers(path, "qingzu", session=admin, mode="most")
    assert err.value.field == "mode"
    rep = store.import_officers(path, "qingzu", session=admin, mode=ImportMode.SKIP_BAD)
    assert rep.mode is ImportMode.SKIP_BAD and rep.kind is ImportKind.OFFICERS
    again = store.import_officers(path, "qingzu", session=admin, mode="skip_bad")
    assert again.mode is ImportMode.SKIP_BAD and again.counts["unchanged"] == 6

