"""A business's copy of its own data (PIPL: the right to access and copy): ``countyreach
person-data`` and ``Store.personal_data``. One lead's rows of every table that keeps any,
in a workbook only its maker can read; one business at a time; audited; never over a file."""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.errors import AccessDenied, InputError
from countyreach.services.erasure import ManyMatches
from countyreach.services.person_data import person_data
from countyreach.store import AuditAction, Session, Store
from countyreach.store.do_not_visit import PERSONAL_TABLES
from tests.store_people import PW


def test_the_copy_holds_the_leads_rows_of_every_table_and_is_audited(
        demo_leads_store: Store) -> None:
    store = demo_leads_store
    admin = store.login("admin", PW)
    store.import_loan_book(admin, "qingzu", pd.DataFrame(
        {"lead_id": ["B0001", "B0002"], "month": ["2025-06", "2025-07"],
         "loan_yuan": [50000.0, 30000.0], "defaulted": [0, 0]}))
    store.opt_out(admin, "qingzu", "B0001", "来电拒绝")
    data = store.personal_data(admin, "qingzu", "B0001")
    assert list(data) == [t.name for t in PERSONAL_TABLES]
    lead, = data["leads"]
    assert (lead["name"], lead["phone"]) == ("庆祖镇冯氏制衣厂", "13800000001")
    assert "content_hash" not in lead  # the store's bookkeeping, nobody's data
    assert [(r["month"], r["loan_yuan"]) for r in data["loan_book"]] == [("2025-06", 50000.0)]
    assert [r["reason"] for r in data["do_not_visit"]] == ["来电拒绝"]
    assert data["outcomes"] == [] and data["plan_stops"] == []
    audit, = store.audit_log(admin, action=AuditAction.EXPORT_PERSONAL_DATA)
    assert (audit.username, audit.county_id, audit.target) == ("admin", "qingzu", "B0001")
    assert audit.detail["rows"]["loan_book"] == 1
    with pytest.raises(AccessDenied):  # officers and planners do not hand out copies
        store.personal_data(store.login("wang", PW), "qingzu", "B0001")
    with pytest.raises(AccessDenied):
        store.personal_data(store.login("plan", PW), "qingzu", "B0001")
    with pytest.raises(InputError, match="no lead 'B9999'"):
        store.personal_data(admin, "qingzu", "B9999")


def test_an_erased_business_gets_a_copy_without_what_was_erased(
        demo_leads_store: Store) -> None:
    store = demo_leads_store
    admin = store.login("admin", PW)
    store.erase_personal_data(admin, "qingzu", "B0002", "owner asked at the branch")
    data = store.personal_data(admin, "qingzu", "B0002")
    assert (data["leads"][0]["name"], data["leads"][0]["phone"]) == ("", "")
    assert [r["source"] for r in data["do_not_visit"]] == ["erasure"]


def test_a_name_of_two_businesses_copies_nothing(
        store: Store, people: dict[str, Session], demo_dir: Path) -> None:
    admin = people["admin"]
    for cid in ("qingzu", "other"):
        store.import_leads(demo_dir / "leads.csv", cid, session=admin)
    with pytest.raises(ManyMatches, match="nothing was copied"):
        person_data(store, admin, "13800000007")
    assert store.audit_log(admin, action="export_personal_data") == []
    assert person_data(store, admin, "13800000007", county_id="other").county_id == "other"


def test_countyreach_person_data_writes_a_private_workbook_and_never_over_a_file(
        cli_store: str, demo_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "county", "import", str(demo_dir)]) == 0
    capsys.readouterr()
    out = tmp_path / "copy.xlsx"
    assert main(["-q", "person-data", "138 0000 0001", "--out", str(out), "--lang", "zh"]) == 0
    assert "B0001" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets)[:3] == ["说明", "商户信息", "拜访历史"]
    assert sheets["商户信息"].loc[0, "name"] == "庆祖镇冯氏制衣厂"
    assert len(sheets["拜访历史"]) > 0 and list(sheets["回访安排"].columns)[:2] == [
        "outcome_id", "county_id"]  # an empty table keeps its columns
    # never over a file, and nothing read (nor audited) for it
    assert main(["-q", "person-data", "B0001", "--out", str(out)]) == 2
    assert "never written over" in capsys.readouterr().err
    assert main(["-q", "audit", "--action", "export_personal_data"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # the header and the one export
    assert main(["-q", "person-data", "nobody", "--out", str(tmp_path / "n.xlsx")]) == 2
    assert "no lead has the id, name or phone 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "n.xlsx").exists()


def test_a_county_planned_from_its_folder_still_gives_what_its_officers_recorded(
        store: Store, people: dict[str, Session], published: int) -> None:
    from tests.store_people import record

    # the store holds no lead rows of qingzu here: its plans and outcomes all the same
    record(store, people["o1"], "L01-01", "met", notes="老板说下月再谈")
    data = store.personal_data(people["manager"], "qingzu", "L01-01")
    assert data["leads"] == []
    assert [(o["outcome"], o["notes"]) for o in data["outcomes"]] == [("met", "老板说下月再谈")]
    assert [s["officer_id"] for s in data["plan_stops"]] == ["O01"]
