"""The Activity page under ``AppTest``: a manager reads their county's audit log, narrowed by
what was done and by user, and downloads it; an admin reads every county's; a planner and an
officer do not have the page."""

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
    monkeypatch.setenv("COUNTYREACH_STORE", f"sqlite:///{tmp_path / 'activity.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _page(user: str, lang: str = "en") -> AppTest:
    store = Store.open(get_settings().store_url, bcrypt_rounds=4, clock=app_now)
    seed_demo_users(store, "qingzu", "庆祖镇", [f"O0{i}" for i in range(1, 7)])
    store.login("demo-o02", DEMO_PASSWORD)  # someone else signed in today
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["store_session"] = store.login(user, DEMO_PASSWORD)
    at.session_state["goto"] = "activity"
    at.run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, lang: str = "en") -> list[tuple[str, str]]:
    df = at.dataframe[0].value
    return list(zip(df[t("audit_col_user", lang)], df[t("audit_col_action", lang)],
                    strict=True))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_manager_reads_their_county_narrows_it_and_downloads_it(lang: str) -> None:
    at = _page("demo-manager", lang)
    assert at.title[0].value == t("page_activity", lang)
    signed_in = t("audit_login", lang)
    assert ("demo-o02", signed_in) in _table(at, lang)
    assert ("demo-manager", signed_in) in _table(at, lang)
    assert not [x for x in at.toggle if x.key == "activity_every_county"]  # admins only
    at.selectbox(key="activity_kind").set_value(AuditAction.LOGIN).run()
    assert {a for _, a in _table(at, lang)} == {signed_in}
    at.text_input(key="activity_user").input("demo-o02").run()
    assert _table(at, lang) == [("demo-o02", signed_in)]
    download = at.get("download_button")[0]
    assert download.proto.label == t("activity_download", lang)
    at.text_input(key="activity_user").input("nobody").run()
    assert [i.value for i in at.info] == [t("audit_none", lang)]


def test_an_admin_reads_every_county() -> None:
    at = _page("demo-admin")
    county_col = t("audit_col_county", "en")
    assert set(at.dataframe[0].value[county_col]) == {"qingzu"}  # the sidebar's county
    at.toggle(key="activity_every_county").set_value(True).run()
    assert not at.exception, at.exception
    # and the rows of no county: the demo admin's own account, made by the bootstrap
    every = at.dataframe[0].value
    assert set(every[county_col]) == {"qingzu", ""}
    assert "bootstrap" in set(every[t("audit_col_user", "en")])


def test_a_planner_has_no_activity_page() -> None:
    at = _page("demo-planner")
    assert at.title[0].value != t("page_activity", "en")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/activity.py")
