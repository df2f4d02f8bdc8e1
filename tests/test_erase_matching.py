"""Whom ``erase`` means: a lead id, name or whole phone number, and one lead unless told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from countyreach.cli import main
from countyreach.settings import get_settings
from countyreach.store import Store
from countyreach.store import schema as S
from tests.store_people import PW


@pytest.mark.parametrize("typed", ["13800000007", "138 0000 0007", "138-0000-0007",
                                   "+86 138 0000 0007", "0086 13800000007", "(138)00000007"])
def test_a_phone_matches_the_whole_number_however_it_is_written(
        demo_leads_store: Store, typed: str) -> None:
    admin = demo_leads_store.login("admin", PW)
    assert [(m.county_id, m.lead_id) for m in demo_leads_store.find_leads(admin, typed)] == [
        ("qingzu", "B0007")]


@pytest.mark.parametrize("fragment", ["1380000", "13800000", "0000007", "+86 1380000"])
def test_a_part_of_a_phone_matches_nobody(demo_leads_store: Store, fragment: str) -> None:
    # every demo phone starts 1380000: a fragment used to match all 400 leads
    admin = demo_leads_store.login("admin", PW)
    assert demo_leads_store.find_leads(admin, fragment) == []


@pytest.fixture()
def two_counties(tmp_path: Path, demo_dir: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store at ``COUNTYREACH_DB`` whose counties qingzu and guixi both hold the demo's
    leads: the same lead ids (and phones) in two counties are two businesses."""
    monkeypatch.setenv("COUNTYREACH_DB", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COUNTYREACH_CACHE", str(tmp_path / "cache"))
    get_settings.cache_clear()
    store = Store.open(get_settings().store_url, bcrypt_rounds=4)
    admin = store.operator_session()
    for cid in ("qingzu", "guixi"):
        store.ensure_county(admin, cid, cid)
        store.import_leads(demo_dir / "leads.csv", cid, session=admin)
    yield store
    store.close()
    get_settings.cache_clear()


def _erased(store: Store) -> set[tuple[str, str]]:
    admin = store.operator_session()
    out = set()
    for cid in ("qingzu", "guixi"):
        leads = store.leads_frame(admin, cid, include_do_not_visit=True)
        out |= {(cid, lid) for lid in leads.loc[leads["name"] == "", "lead_id"]}
    return out


def test_an_id_of_two_counties_is_erased_only_in_the_county_named(
        two_counties: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "erase", "B0007", "--reason", "owner asked"]) == 2
    err = capsys.readouterr().err
    assert "nothing was erased" in err and "--county" in err and "Traceback" not in err
    assert "county guixi, lead B0007, village" in err
    assert "county qingzu, lead B0007, village" in err
    assert "冯氏" not in err and "13800000007" not in err  # nobody's name or phone
    assert _erased(two_counties) == set()

    assert main(["-q", "erase", "B0007", "--county", "qingzu"]) == 0
    out = capsys.readouterr().out
    assert "Erased B0007 of qingzu" in out
    # what the store cannot reach is named, so the user can delete those copies
    assert "Not changed, outside the store: plan folders written with --out" in out
    assert _erased(two_counties) == {("qingzu", "B0007")}


def test_erasing_several_leads_at_once_needs_all_matches(
        two_counties: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "erase", "138 0000 0009"]) == 2
    assert "matches 2 leads in 2 counties" in capsys.readouterr().err
    assert main(["-q", "erase", "1380000"]) == 2  # a fragment: nobody's phone
    assert "no lead has" in capsys.readouterr().err
    assert _erased(two_counties) == set()

    assert main(["-q", "erase", "138 0000 0009", "--all-matches"]) == 0
    assert _erased(two_counties) == {("qingzu", "B0009"), ("guixi", "B0009")}


def test_a_county_the_caller_does_not_have_is_refused(two_counties: Store,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "erase", "B0007", "--county", "nowhere"]) == 2
    assert "unknown county 'nowhere'" in capsys.readouterr().err


def test_the_reason_kept_leaves_the_person_out(two_counties: Store,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    reason = "庆祖镇冯氏制衣厂老板要求删除，电话 138-0000-0001；13800000002 是别人"
    assert main(["-q", "erase", "B0001", "--county", "qingzu", "--reason", reason]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "B0001" in err
    with two_counties.engine.connect() as c:
        kept = c.execute(sa.select(S.do_not_visit.c.reason).where(
            S.do_not_visit.c.county_id == "qingzu")).scalar_one()
    assert "冯氏" not in kept and "0001" not in kept
    assert "老板要求删除" in kept and "13800000002" in kept  # the rest of it, as written
