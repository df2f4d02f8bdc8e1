"""The Leads page makes the owner's copy of a business's data (PIPL) for a manager at the
branch: made when asked (each copy is audited, so not on every run), downloaded once, gone on
signing out; a lead the store keeps nothing of is said so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.i18n import t
from countyreach.services.workspace import DEMO_PASSWORD, app_now, seed_demo_users
from countyreach.settings import get_settings
from countyreach.store import AuditAction, Store

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


@pytest.fixture(autouse=True)
def _app_env(monkeypatch: pytest.MonkeyPatch, cache_dir: Path, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.setenv("COUNTYREACH_BASEMAP", "0")
    monkeypatch.setenv("COUNTYREACH_STORE", f"sqlite:///{tmp_path / 'copy.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _exports(store: Store) -> int:
    return len(store.audit_log(store.operator_session(),
                               action=AuditAction.EXPORT_PERSONAL_DATA))


def test_a_manager_makes_the_owners_copy_when_asked_and_downloads_it_once(
        tmp_path: Path) -> None:
    store = Store.open(get_settings().store_url, bcrypt_rounds=4, clock=app_now)
    seed_demo_users(store, "qingzu", "庆祖镇", [f"O0{i}" for i in range(1, 7)])
    # the demo county plans from its folder; the store keeps B0007's row and its refusal,
    # and nothing of B0009
    admin = store.operator_session()
    leads = REPO / "data" / "qingzu" / "leads.csv"
    kept = tmp_path / "leads.csv"
    kept.write_text("\n".join(line for line in leads.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("B0009,")) + "\n", encoding="utf-8")
    store.import_leads(kept, "qingzu", session=admin)
    store.opt_out(admin, "qingzu", "B0007", "来电拒绝")
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["store_session"] = store.login("demo-manager", DEMO_PASSWORD)
    at.session_state["goto"] = "leads"
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="explain_lead").set_value("B0007").run()
    assert not [b for b in at.get("download_button")]
    assert _exports(store) == 0  # nothing is read (nor audited) until asked
    at.button(key="person_copy_prepare").click().run()
    assert not at.exception, at.exception
    download = at.get("download_button")
    assert [d.proto.label for d in download] == [t("person_copy_download", "zh")]
    assert _exports(store) == 1
    at.run()  # the page again: the copy is kept, not made again
    assert _exports(store) == 1
    assert at.session_state["person_copy"][0] == ("qingzu", "B0007")
    # a lead the store keeps nothing of is said so, and nothing is audited
    at.selectbox(key="explain_lead").set_value("B0009").run()
    at.button(key="person_copy_prepare").click().run()
    assert [e.value for e in at.error] == ["字段 'lead_id'：县 qingzu 中没有商户 'B0009'"]
    assert _exports(store) == 1
    # signing out forgets a copy not downloaded
    at.button(key="sign_out").click().run()
    assert "person_copy" not in at.session_state
