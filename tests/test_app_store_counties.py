"""The app with the store's counties: a county imported with ``county import`` and no folder
under ``COUNTYREACH_DATA`` is listed and opens; a county whose files fail to load, or one the
user does not work in, is said so in the user's language, without a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from countyreach.settings import get_settings
from countyreach.store import Store

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "a-long-test-password"


@pytest.fixture()
def app_store(tmp_path: Path, cache_dir: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The app's store and data directory, fresh for the test (the demo folder still listed)."""
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.setenv("COUNTYREACH_DB", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COUNTYREACH_BASEMAP", "0")
    monkeypatch.delenv("COUNTYREACH_STORE", raising=False)
    get_settings.cache_clear()
    yield Store.open(get_settings().store_url, bcrypt_rounds=4)
    get_settings.cache_clear()


def _officer(store: Store, name: str, county: str) -> None:
    store.create_user(name, PASSWORD, "officer", "O01", county,
                      session=store.operator_session())


def _open(store: Store, user: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["lang"] = lang
    at.session_state["store_session"] = store.login(user, PASSWORD)
    at.session_state["goto"] = "officer"
    at.run()
    assert not at.exception, at.exception
    return at


def test_an_officer_of_a_county_only_the_store_holds_opens_their_list(
        app_store: Store, county_copy: Path) -> None:
    from countyreach.services.loop import DailyLoop

    manifest = json.loads((county_copy / "county.json").read_text(encoding="utf-8"))
    manifest.update(county_id="guixi", name="贵溪市")
    (county_copy / "county.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                            encoding="utf-8")
    DailyLoop.from_settings(app_store).import_county(app_store.operator_session(), county_copy)
    _officer(app_store, "gx-o01", "guixi")
    at = _open(app_store, "gx-o01")
    assert at.selectbox(key="county").value == "贵溪市"
    assert not at.error, [e.value for e in at.error]
    assert any("No published plan" in i.value for i in at.info), [i.value for i in at.info]


def test_a_county_the_user_does_not_work_in_is_refused_in_their_language(
        app_store: Store) -> None:
    # the store knows the county but holds no files of it yet: the app has nothing to show
    app_store.ensure_county(app_store.operator_session(), "yujiang", "余江区")
    _officer(app_store, "yj-o01", "yujiang")
    at = _open(app_store, "yj-o01", lang="zh")
    text = " ".join(e.value for e in at.error)
    assert "yujiang" in text and "您的账号" in text, text
    assert "no access to county" not in text


def test_the_officer_page_says_why_a_county_fails_to_load(
        app_store: Store, county_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from countyreach.services.loop import DailyLoop

    DailyLoop.from_settings(app_store).import_county(app_store.operator_session(), county_copy)
    # then the folder's file is edited: the store's copy stays good, the folder fails to load
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df.loc[99, "pinned_officer_id"] = "O09"  # not on the roster: the folder cannot load
    df.to_csv(county_copy / "leads.csv", index=False)
    monkeypatch.setenv("COUNTYREACH_DATA", str(county_copy))
    get_settings.cache_clear()
    _officer(app_store, "qz-o01", "qingzu")
    at = _open(app_store, "qz-o01")  # no exception: checked by _open
    assert any("No published plan" in i.value for i in at.info), (
        [i.value for i in at.info], [e.value for e in at.error], [w.value for w in at.warning])
    # a manager looking at the officer's list meets the load error as a message
    app_store.create_user("qz-m", PASSWORD, "manager", county_id="qingzu",
                          session=app_store.operator_session())
    at = _open(app_store, "qz-m")
    text = " ".join(e.value for e in at.error)
    assert "row 100" in text and "pinned_officer_id" in text, text
