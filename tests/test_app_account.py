"""The account page under ``AppTest``: an officer changes their password (the current one asked,
the new one twice); an admin lists the accounts, disables someone who left and gives a new
password to one who forgot theirs. Each test has a store of its own: the page changes
passwords that other tests sign in with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.errors import AccessDenied
from countyreach.i18n import t
from countyreach.services.workspace import DEMO_PASSWORD, app_now, seed_demo_users
from countyreach.settings import get_settings
from countyreach.store import Store

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
NEW_PW = "a-new-password-1"


@pytest.fixture(autouse=True)
def _app_env(monkeypatch: pytest.MonkeyPatch, cache_dir: Path, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.setenv("COUNTYREACH_BASEMAP", "0")
    monkeypatch.setenv("COUNTYREACH_STORE", f"sqlite:///{tmp_path / 'accounts.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _store() -> Store:
    store = Store.open(get_settings().store_url, bcrypt_rounds=4, clock=app_now)
    seed_demo_users(store, "qingzu", "庆祖镇", [f"O0{i}" for i in range(1, 7)])
    return store


def _account_page(user: str, lang: str = "en") -> tuple[AppTest, Store]:
    store = _store()
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["store_session"] = store.login(user, DEMO_PASSWORD)
    at.session_state["goto"] = "account"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_account", lang)
    return at, store


def _change(at: AppTest, current: str, new: str, again: str) -> AppTest:
    at.text_input(key="own_current").input(current)
    at.text_input(key="own_new").input(new)
    at.text_input(key="own_again").input(again)
    at.button(key="own_change").click()
    return at.run()


def test_an_officer_changes_their_password_and_their_phone_is_signed_out(tmp_path: Path) -> None:
    at, store = _account_page("demo-o01")
    phone = store.login("demo-o01", DEMO_PASSWORD)
    # an officer sees their own password only: no accounts
    assert t("accounts_subheader", "en") not in [s.value for s in at.subheader]
    _change(at, "not my password", NEW_PW, NEW_PW)
    assert [e.value for e in at.error] == ["the current password is wrong"]
    _change(at, DEMO_PASSWORD, NEW_PW, NEW_PW + "x")
    assert [e.value for e in at.error] == ["the two passwords differ"]
    _change(at, DEMO_PASSWORD, "short", "short")
    assert "8 to 128" in at.error[0].value
    with pytest.raises(AccessDenied):
        store.login("demo-o01", NEW_PW)  # none of these changed it
    _change(at, DEMO_PASSWORD, NEW_PW, NEW_PW)
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("account_changed", "en")]
    with pytest.raises(AccessDenied):
        store.users.resume(phone.token)  # the officer's other sign-in ended
    assert store.login("demo-o01", NEW_PW).officer_id == "O01"
    # the page goes on signed in: this browser's session was kept
    at.run()
    assert at.title[0].value == t("page_account", "en") and not at.error


def test_an_officer_reads_the_page_in_chinese(tmp_path: Path) -> None:
    at, _ = _account_page("demo-o01", "zh")
    _change(at, "不是我的密码", NEW_PW, NEW_PW)
    assert [e.value for e in at.error] == ["当前密码不对"]
    labels = [w.label for w in at.text_input]
    assert labels == [t("account_current", "zh"), t("account_new", "zh"),
                      t("account_again", "zh")]


def test_an_admin_disables_an_officer_who_left_and_resets_a_password(tmp_path: Path) -> None:
    at, store = _account_page("demo-admin")
    phone = store.login("demo-o02", DEMO_PASSWORD)
    table = at.dataframe[0].value
    names = list(table[t("users_col_name", "en")])
    assert "demo-o02" in names and "demo-manager" in names
    row = table[table[t("users_col_name", "en")] == "demo-o02"].iloc[0]
    assert row[t("users_col_state", "en")] == "active"
    assert row[t("users_col_reach", "en")] == "qingzu O02"
    # the admin's own account: its password above, never disabled here
    at.selectbox(key="accounts_pick").set_value("demo-admin").run()
    assert t("accounts_self", "en") in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "accounts_toggle"]
    at.selectbox(key="accounts_pick").set_value("demo-o02").run()
    toggle = at.button(key="accounts_toggle")
    assert toggle.label == t("accounts_disable", "en", name="demo-o02")
    toggle.click().run()
    assert [s.value for s in at.success] == [t("users_disabled_now", "en", name="demo-o02")]
    with pytest.raises(AccessDenied):
        store.users.resume(phone.token)
    table = at.dataframe[0].value
    row = table[table[t("users_col_name", "en")] == "demo-o02"].iloc[0]
    assert row[t("users_col_state", "en")] == "disabled"
    assert at.button(key="accounts_toggle").label == t("accounts_enable", "en", name="demo-o02")
    at.button(key="accounts_toggle").click().run()
    assert store.login("demo-o02", DEMO_PASSWORD)
    # a new password for one who forgot theirs
    at.text_input(key="reset_new").input(NEW_PW)
    at.text_input(key="reset_again").input(NEW_PW)
    at.button(key="reset_submit").click()
    at.run()
    assert [s.value for s in at.success] == [t("users_password_reset", "en", name="demo-o02")]
    assert store.login("demo-o02", NEW_PW).officer_id == "O02"


def test_the_sign_in_page_says_a_name_is_held_back_after_too_many_failures() -> None:
    from countyreach.store.users import SIGN_IN_MAX_FAILURES

    _store().close()
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()

    def sign_in(password: str) -> list[str]:
        at.text_input(key="login_user").input("demo-o03")
        at.text_input(key="login_password").input(password)
        at.button[0].click().run()
        assert not at.exception, at.exception
        return [e.value for e in at.error]

    for _ in range(SIGN_IN_MAX_FAILURES):
        assert sign_in("a wrong guess") == [t("sign_in_wrong", "zh")]
    # the right password now: held back, said in the user's language, with the wait
    assert sign_in(DEMO_PASSWORD) == [t("sign_in_locked", "zh", minutes=15)]
    assert at.title[0].value == t("sign_in_title", "zh")


def test_an_admin_adds_an_officer_account_from_the_roster() -> None:
    at, store = _account_page("demo-admin", "zh")
    at.selectbox(key="add_role").set_value("officer").run()
    # no roster in the store yet: said, and nothing to create
    assert at.warning[0].value == t("accounts_no_roster", "zh", county="qingzu")
    assert not [b for b in at.button if b.key == "add_submit"]
    store.import_officers(REPO / "data" / "qingzu" / "officers.csv", "qingzu",
                          session=store.login("demo-admin", DEMO_PASSWORD))
    at.run()
    at.text_input(key="add_name").input("zhao")
    at.selectbox(key="add_role").set_value("officer").run()
    assert at.selectbox(key="add_role").format_func("officer") == t("role_officer", "zh")
    at.selectbox(key="add_county").set_value("qingzu").run()
    roster = at.selectbox(key="add_officer").options
    assert roster == [f"O0{i}" for i in range(1, 7)]  # the county's roster, nothing typed
    at.selectbox(key="add_officer").set_value("O04")
    at.text_input(key="add_new").input(NEW_PW)
    at.text_input(key="add_again").input(NEW_PW + "x")
    at.button(key="add_submit").click().run()
    assert [e.value for e in at.error] == ["两次输入的密码不一致"]
    at.text_input(key="add_again").input(NEW_PW)
    at.button(key="add_submit").click().run()
    assert not at.error and not at.exception
    assert [s.value for s in at.success] == [t("users_created", "zh", name="zhao",
                                               role=t("role_officer", "zh"), where="qingzu")]
    session = store.login("zhao", NEW_PW)
    assert (session.role, session.officer_id, session.county_id) == ("officer", "O04", "qingzu")
    # a name already taken is refused, in the page's language
    at.text_input(key="add_name").input("demo-o01")
    at.selectbox(key="add_role").set_value("planner").run()
    at.text_input(key="add_new").input(NEW_PW)
    at.text_input(key="add_again").input(NEW_PW)
    at.button(key="add_submit").click().run()
    assert [e.value for e in at.error] == ["用户 'demo-o01' 已存在"]


def test_a_first_password_opens_the_account_page_alone_until_replaced() -> None:
    store = _store()
    store.users.reset_password("demo-o03", NEW_PW,
                               session=store.login("demo-admin", DEMO_PASSWORD))
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["lang"] = "zh"
    at.session_state["store_session"] = store.login("demo-o03", NEW_PW)
    at.session_state["goto"] = "officer"  # a bookmark of the visit list
    at.run()
    assert not at.exception, at.exception
    # the account page, saying why; no county to pick, nothing of the county's shown
    assert at.title[0].value == t("page_account", "zh")
    assert [w.value for w in at.warning] == [t("account_must_change", "zh")]
    assert not [s for s in at.sidebar.selectbox if s.key == "county"]
    assert [b.key for b in at.sidebar.button] == ["sign_out"]
    _change(at, NEW_PW, "my-own-password", "my-own-password")
    assert not at.exception and not at.error
    # on to the officer's own page, the county in the sidebar again
    assert at.title[0].value == t("page_officer", "zh")
    assert at.sidebar.selectbox(key="county").value.startswith("庆祖镇")
    assert not store.login("demo-o03", "my-own-password").must_change_password


def test_an_admin_sees_the_sidebar_countys_accounts_first() -> None:
    at, store = _account_page("demo-admin")
    admin = store.login("demo-admin", DEMO_PASSWORD)
    store.create_user("far", NEW_PW, "manager", county_id="other", session=admin)
    store.create_user("east", NEW_PW, "planner", session=admin)  # every county
    at.run()
    names = set(at.dataframe[0].value[t("users_col_name", "en")])
    assert at.toggle(key="accounts_only").label == t("accounts_only_county", "en",
                                                     county="qingzu")
    assert "east" in names and "demo-o01" in names and "far" not in names
    at.toggle(key="accounts_only").set_value(False).run()
    assert "far" in set(at.dataframe[0].value[t("users_col_name", "en")])
    assert "far" in at.selectbox(key="accounts_pick").options
