"""What the store holds of each county (``CountyRepository.summaries``, ``countyreach county
list``): leads and officers that can be planned, accounts, the last published day, the
promoted model, the outcomes recorded; each user sees the counties they reach."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from countyreach.cli import main
from countyreach.errors import AccessDenied
from countyreach.store import Session, Store
from countyreach.store.testing import Clock
from tests.store_people import DAY, PW, record

HASH = "0" * 64


def test_each_county_says_what_it_holds_and_how_far_it_is_in_use(
        store: Store, people: dict[str, Session], published: int, demo_dir: Path,
        clock: Clock) -> None:
    admin = people["admin"]
    store.import_leads(demo_dir / "leads.csv", "qingzu", session=admin)
    store.import_officers(demo_dir / "officers.csv", "qingzu", session=admin)
    store.users.set_active("li", False, session=admin)  # disabled: not counted
    for version in (1, 2):
        store.learning.register_model(admin, "qingzu", data_hash=HASH, code_version="test",
                                      artefact_sha256=HASH, n_train=10, metrics={},
                                      version=version)
    store.learning.promote_model(admin, "qingzu", 1)
    first = record(store, people["o1"], "L01-01")
    clock.t += dt.timedelta(minutes=5)
    last = record(store, people["manager"], "L02-01", "not_there")

    other, qingzu = store.counties.summaries(admin)  # by county id
    assert (qingzu.county_id, qingzu.name, qingzu.region) == ("qingzu", "庆祖镇", "puyang")
    assert qingzu.leads == 400 and qingzu.officers == 6
    assert qingzu.accounts == 3  # mgr, plan, wang (li disabled; the admin reaches all)
    assert qingzu.last_published == DAY and qingzu.model_version == 1
    assert qingzu.outcomes == 2
    assert not qingzu.map_files  # its leads imported alone: planned from its folder
    assert qingzu.last_outcome_at == last.recorded_at > first.recorded_at
    assert (other.county_id, other.leads, other.officers, other.accounts) == ("other", 0, 0, 1)
    assert (other.last_published, other.model_version, other.outcomes,
            other.last_outcome_at) == (None, None, 0, None)


def test_retired_and_erased_leads_are_not_counted(
        store: Store, people: dict[str, Session], demo_dir: Path, tmp_path: Path) -> None:
    admin = people["admin"]
    store.import_leads(demo_dir / "leads.csv", "qingzu", session=admin)
    lines = (demo_dir / "leads.csv").read_text(encoding="utf-8").splitlines()
    fewer = tmp_path / "leads.csv"
    fewer.write_text("\n".join(lines[:-10]) + "\n", encoding="utf-8")  # ten closed
    store.import_leads(fewer, "qingzu", session=admin, retire_missing=True)
    lead = lines[1].split(",")[0]
    store.erase_personal_data(admin, "qingzu", lead)
    assert store.counties.summaries(admin)[1].leads == 400 - 10 - 1


def test_a_manager_sees_their_county_and_an_officer_none(
        store: Store, people: dict[str, Session]) -> None:
    assert [c.county_id for c in store.counties.summaries(people["manager"])] == ["qingzu"]
    assert [c.county_id for c in store.counties.summaries(people["outsider"])] == ["other"]
    with pytest.raises(AccessDenied):
        store.counties.summaries(people["o1"])
    # a regional manager sees the region's counties, a head-office planner every county
    admin = people["admin"]
    store.create_user("zhao", PW, "manager", region="puyang", session=admin)
    store.create_user("hq", PW, "planner", session=admin)
    for name, seen in (("zhao", ["qingzu"]), ("hq", ["other", "qingzu"])):
        who = store.login(name, PW)
        assert [c.county_id for c in store.counties.summaries(who)] == seen
        assert store.learning.county_ids(who) == seen


def test_county_list_prints_one_line_per_county_in_either_language(
        cli_store: str, demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "county", "list"]) == 0
    assert "countyreach county import" in capsys.readouterr().out
    assert main(["-q", "county", "import", str(demo_dir)]) == 0
    capsys.readouterr()
    assert main(["-q", "county", "list"]) == 0
    head, row = capsys.readouterr().out.splitlines()
    assert head.split()[:5] == ["county", "planned", "from", "leads", "officers"]
    assert row.split()[:9] == ["qingzu", "store", "400", "6", "0", "—", "—", "0", "—"]
    assert row.index("400") + 3 == head.index("leads") + 5  # right-aligned under it
    assert row.endswith("庆祖镇（河南省濮阳市濮阳县）")
    assert main(["-q", "county", "list", "--lang", "zh"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.split()[:3] == ["县编号", "规划依据", "客户"]
