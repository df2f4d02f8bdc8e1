"""A database that cannot be opened: the sign-in page says so, and the server reaches it
once it is back, without a restart (it used to keep the first failure for good); a store a
newer countyreach migrated is named with both revisions; the log never shows a password."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from countyreach.i18n import t
from countyreach.services.workspace import StoreOpener, shown_url
from countyreach.settings import get_settings
from countyreach.store import Store

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


def _env(monkeypatch: pytest.MonkeyPatch, cache_dir: Path, url: str) -> None:
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.setenv("COUNTYREACH_BASEMAP", "0")
    monkeypatch.setenv("COUNTYREACH_STORE", url)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _settings_cleared() -> Iterator[None]:
    yield
    get_settings.cache_clear()


def _sign_in_page(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_database_down_at_start_is_reached_once_it_is_back(
        monkeypatch: pytest.MonkeyPatch, cache_dir: Path, tmp_path: Path, lang: str) -> None:
    blocker = tmp_path / "stores"
    blocker.write_text("a file where the store's folder goes: the store cannot be made")
    _env(monkeypatch, cache_dir, f"sqlite:///{blocker / 'app.db'}")
    at = _sign_in_page(lang)
    assert [e.value for e in at.error] == [t("store_down", lang)]
    assert not [w for w in at.text_input if w.key == "login_user"]

    blocker.unlink()  # the database is back
    at.button(key="store_retry").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    assert at.text_input(key="login_user") is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_store_a_newer_countyreach_migrated_is_named_on_the_sign_in_page(
        monkeypatch: pytest.MonkeyPatch, cache_dir: Path, tmp_path: Path, lang: str) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    Store.open(url, bcrypt_rounds=4).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    _env(monkeypatch, cache_dir, url)
    at = _sign_in_page(lang)
    assert [e.value for e in at.error] == [t("store_too_new", lang, revision="0099",
                                             known=head)]
    at.button(key="store_retry").click()
    at.run()  # still too new: still said, the store left as it is
    assert [e.value for e in at.error] == [t("store_too_new", lang, revision="0099",
                                             known=head)]
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() \
            == "0099"


def test_the_opener_tries_again_only_after_its_pause(tmp_path: Path) -> None:
    now = [100.0]
    blocker = tmp_path / "stores"
    blocker.write_text("not a folder")
    opener = StoreOpener(f"sqlite:///{blocker / 'app.db'}", tmp_path / "cache", retry_s=10.0,
                         clock=lambda: now[0])
    assert opener.store() is None
    assert isinstance(opener.error, OSError)
    blocker.unlink()
    now[0] += 9.0
    assert opener.store() is None  # within the pause: not tried, every request is not a try
    now[0] += 1.0
    store = opener.store()
    assert store is not None and opener.error is None
    assert opener.store() is store  # kept
    store.close()


def test_a_retry_asked_for_tries_at_once(tmp_path: Path) -> None:
    blocker = tmp_path / "stores"
    blocker.write_text("not a folder")
    opener = StoreOpener(f"sqlite:///{blocker / 'app.db'}", tmp_path / "cache",
                         clock=lambda: 0.0)
    assert opener.store() is None
    blocker.unlink()
    store = opener.store(retry=True)
    assert store is not None
    store.close()


def test_the_log_of_a_database_down_shows_no_password(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = "postgresql+psycopg2://countyreach:s3cret-pw@127.0.0.1:1/countyreach"
    opener = StoreOpener(url, tmp_path / "cache")
    with caplog.at_level(logging.ERROR):
        assert opener.store() is None
    assert caplog.records, "a store that cannot be opened is logged"
    assert "127.0.0.1" in caplog.text
    assert "s3cret-pw" not in caplog.text
    assert "s3cret-pw" not in str(opener.error)


def test_a_database_down_for_long_is_logged_in_full_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    blocker = tmp_path / "stores"
    blocker.write_text("not a folder")
    opener = StoreOpener(f"sqlite:///{blocker / 'app.db'}", tmp_path / "cache", retry_s=10.0,
                         clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert opener.store() is None
            now[0] += 10.0
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and len(caplog.records) == 3


def test_shown_url_hides_the_password_and_anything_not_a_url() -> None:
    assert shown_url("postgresql://u:pw@db:5432/x") == "postgresql://u:***@db:5432/x"
    assert shown_url("sqlite:///store.db") == "sqlite:///store.db"
    assert "pw" not in shown_url("not a url :pw@")


def test_a_database_lost_during_a_sign_in_is_said_without_its_address(
        monkeypatch: pytest.MonkeyPatch, cache_dir: Path, tmp_path: Path) -> None:
    from countyreach.errors import StoreError
    from countyreach.services.workspace import DEMO_PASSWORD, seed_demo_users

    url = f"sqlite:///{tmp_path / 'app.db'}"
    with Store.open(url, bcrypt_rounds=4) as store:
        seed_demo_users(store, "qingzu", "庆祖镇", ["O01"])
    _env(monkeypatch, cache_dir, url)
    at = _sign_in_page("en")

    def lost(*_: object, **__: object) -> None:  # the server went away mid-request
        raise StoreError('database error: connection to server at "10.0.0.5", port 5432 '
                         "failed: server closed the connection unexpectedly")

    monkeypatch.setattr(Store, "login", lost)
    at.text_input(key="login_user").input("demo-manager")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    next(b for b in at.button if b.label == t("sign_in", "en")).click()
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [t("store_down", "en")]
