"""Accounts in a real Chromium: an officer changes their password on a phone, in Chinese; an
admin at a desk disables an officer who left, whose phone (signed in) is signed out at its next
step, and lets them back; an admin imports a team's accounts from a file and downloads their
first passwords, and an officer given a new password chooses their own before anything else;
a manager reads who did what in their county on a phone, and an admin downloads every county's.

One ``streamlit run app.py`` server on a fresh SQLite store with the demo accounts. Uses
Debian's Chromium through Playwright, as ``tests/test_browser_app.py``; screenshots go to the
artifacts folder (``$COUNTYREACH_ARTIFACTS`` or ``<tmp>/countyreach-artifacts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from countyreach.i18n import t
from tests.browser_harness import (  # noqa: F401  (browser_fixture: the browser fixture)
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    SIGNED_IN,
    AppServer,
    browser_fixture,
    choose_option,
    chromium,
    close_sidebar,
    create_demo_accounts,
    idle,
    open_page,
    shot,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

NEW_PW = "a-new-password-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One server for the module on a fresh store."""
    chromium()
    srv = AppServer(tmp_path_factory.mktemp("browser-accounts"),
                    env={"COUNTYREACH_CLOCK": "2026-11-24T07:30:00+08:00"})
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _context(browser: Any, viewport: dict[str, int]) -> Any:
    phone = viewport is PHONE
    return browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)


def _fill(page: Any, *values: str) -> None:
    """Type ``values`` into the password boxes of the page, top to bottom."""
    boxes = page.locator('input[type="password"]')
    for i, value in enumerate(values):
        boxes.nth(i).fill(value)


def test_an_officer_changes_their_password_on_a_phone_in_chinese(
        server: AppServer, browser: Any) -> None:
    from playwright.sync_api import expect

    create_demo_accounts(browser, server.url)
    other = _context(browser, DESKTOP).new_page()  # the same officer, at a branch's desk
    sign_in(other, server.url, "demo-o01", DEMO_PASSWORD)
    phone = _context(browser, PHONE).new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(phone, server.url, "demo-o01", DEMO_PASSWORD, lang="zh")
    open_page(phone, t("page_account", "zh"))
    close_sidebar(phone)
    expect(phone.get_by_role("heading", name=t("page_account", "zh"))).to_be_visible()
    assert phone.get_by_text(t("accounts_subheader", "zh"), exact=True).count() == 0
    _fill(phone, "不是我的密码", NEW_PW, NEW_PW)
    phone.get_by_role("button", name=t("account_change_button", "zh"), exact=True).click()
    expect(phone.get_by_text("当前密码不对")).to_be_visible(timeout=60_000)
    idle(phone)
    _fill(phone, DEMO_PASSWORD, NEW_PW, NEW_PW)
    phone.get_by_role("button", name=t("account_change_button", "zh"), exact=True).click()
    expect(phone.get_by_text(t("account_changed", "zh"))).to_be_visible(timeout=60_000)
    idle(phone)
    # the page fits the phone: nothing runs off its side
    assert phone.evaluate("() => document.documentElement.scrollWidth"
                          " - document.documentElement.clientWidth") <= 0
    shot(phone, "account-changed-phone-zh")
    # the desk's browser was signed out: a reload lands on the sign-in page
    other.reload(wait_until="domcontentloaded")
    expect(other.locator('[class*="st-key-login_user"]')).to_be_visible(timeout=120_000)
    other.context.close()
    # the phone goes on; signed out and in again, the new password is the one
    expect(phone.locator(SIGNED_IN)).to_be_attached()
    sign_out(phone)
    sign_in(phone, server.url, "demo-o01", NEW_PW, lang="zh", stored_language=True)
    phone.context.close()
    assert not errors, errors


def test_an_admin_disables_an_officer_who_left_and_their_phone_is_signed_out(
        server: AppServer, browser: Any) -> None:
    from playwright.sync_api import expect

    create_demo_accounts(browser, server.url)
    phone = _context(browser, PHONE).new_page()
    sign_in(phone, server.url, "demo-o02", DEMO_PASSWORD)
    admin = _context(browser, DESKTOP).new_page()
    errors: list[str] = []
    admin.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(admin, server.url, "demo-admin", DEMO_PASSWORD)
    open_page(admin, t("page_account", "en"))
    expect(admin.get_by_role("heading", name=t("accounts_subheader", "en"))).to_be_visible()
    # typed and picked, again if a rerun closed the list (as choose_option does for a manager)
    choose_option(admin, admin.get_by_label(t("accounts_pick", "en"), exact=True), "demo-o02",
                  admin.get_by_role("option", name="demo-o02", exact=True))
    idle(admin)
    admin.get_by_role("button", name=t("accounts_disable", "en", name="demo-o02")).click()
    expect(admin.get_by_text(t("users_disabled_now", "en", name="demo-o02"))
           ).to_be_visible(timeout=60_000)
    idle(admin)
    shot(admin, "account-disabled-desktop")
    # the officer's next step on the phone: the sign-in page, and the password no longer works
    phone.reload(wait_until="domcontentloaded")
    expect(phone.locator('[class*="st-key-login_user"]')).to_be_visible(timeout=120_000)
    idle(phone)  # a tap before the first run ends is lost
    close_sidebar(phone)
    phone.get_by_label(t("username", "en"), exact=True).fill("demo-o02")
    phone.get_by_role("textbox", name=t("password", "en")).fill(DEMO_PASSWORD)
    phone.get_by_role("button", name=t("sign_in", "en"), exact=True).click()
    expect(phone.get_by_text(t("sign_in_wrong", "en"))).to_be_visible(timeout=60_000)
    # back again: enabled, the officer signs in with the password they had
    admin.get_by_role("button", name=t("accounts_enable", "en", name="demo-o02")).click()
    expect(admin.get_by_text(t("users_enabled", "en", name="demo-o02"))
           ).to_be_visible(timeout=60_000)
    sign_in(phone, server.url, "demo-o02", DEMO_PASSWORD, stored_language=True)
    phone.context.close()
    admin.context.close()
    assert not errors, errors


def test_an_admin_imports_a_team_and_an_officer_given_a_new_password_chooses_their_own(
        server: AppServer, browser: Any, tmp_path: Path) -> None:
    import bcrypt
    import sqlalchemy as sa
    from playwright.sync_api import expect

    from countyreach.store import schema as S

    create_demo_accounts(browser, server.url)
    admin = _context(browser, DESKTOP).new_page()
    errors: list[str] = []
    admin.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(admin, server.url, "demo-admin", DEMO_PASSWORD)
    open_page(admin, t("page_account", "en"))
    # a team's accounts from a file: a mistake is named by the file's name, row and field
    admin.get_by_text(t("accounts_import", "en"), exact=True).click()
    team = tmp_path / "team.csv"
    team.write_text("用户名,角色,工号,县编号\nzheng,区域经理,,qingzu\nliu,客户经理,O09,qingzu\n",
                    encoding="utf-8")
    box = admin.locator('[class*="st-key-accounts_file"]')

    def upload(path: Path) -> None:
        box.locator('input[type="file"]').set_input_files(str(path))
        # in a form, an upload starts no run: it is in once the uploader lists it
        expect(admin.get_by_role("button", name=f"Remove {path.name}")).to_be_visible(
            timeout=60_000)

    upload(team)
    create = admin.get_by_role("button", name=t("accounts_import_button", "en"), exact=True)
    create.click()
    expect(admin.get_by_text("file team.csv, row 2, field 'officer_id': officer 'O09' is not "
                             "on qingzu's roster")).to_be_visible(timeout=60_000)
    idle(admin)
    fixed = tmp_path / "team-fixed.csv"
    fixed.write_text("用户名,角色,工号,县编号\nzheng,区域经理,,qingzu\nchen,planner,,\n",
                     encoding="utf-8")
    upload(fixed)
    create.click()
    expect(admin.get_by_text(t("accounts_imported_page", "en", n=2))).to_be_visible(
        timeout=60_000)
    idle(admin)
    with admin.expect_download() as got:
        admin.get_by_role("button", name=t("accounts_download_passwords", "en")).click()
    rows = dict(line.split(",")[:2] for line in Path(got.value.path()).read_text(
        encoding="utf-8-sig").splitlines()[1:])
    assert set(rows) == {"zheng", "chen"}
    # read from the server's store as it is (a sign-in here would run on this process's
    # clock, not the server's, and end sessions it thinks expired)
    engine = sa.create_engine(f"sqlite:///{server.workdir / 'store.db'}")
    with engine.connect() as c:
        zheng = c.execute(sa.select(S.users).where(S.users.c.username == "zheng")
                          ).mappings().one()
    engine.dispose()
    assert (zheng["role"], zheng["county_id"], zheng["must_change_password"]) == \
        ("manager", "qingzu", True)
    assert bcrypt.checkpw(rows["zheng"].encode(), zheng["password_hash"].encode())
    shot(admin, "accounts-imported-desktop")
    admin.get_by_role("button", name=t("accounts_passwords_kept", "en")).click()
    expect(admin.get_by_text(t("accounts_imported_page", "en", n=2))).to_have_count(
        0, timeout=60_000)
    idle(admin)
    # the same file again makes nothing and says so
    again = tmp_path / "team-again.csv"
    again.write_bytes(fixed.read_bytes())
    upload(again)
    create.click()
    expect(admin.get_by_text(t("users_import_nothing", "en"))).to_be_visible(timeout=60_000)
    expect(admin.get_by_text("2 account(s) already exist")).to_be_visible()
    idle(admin)
    # an officer who forgot their password is given a new one, read out over the phone
    choose_option(admin, admin.get_by_label(t("accounts_pick", "en"), exact=True), "demo-o04",
                  admin.get_by_role("option", name="demo-o04", exact=True))
    idle(admin)
    admin.locator('[class*="st-key-reset_new"] input').fill(NEW_PW)
    admin.locator('[class*="st-key-reset_again"] input').fill(NEW_PW)
    admin.get_by_role("button", name=t("accounts_reset_button", "en"), exact=True).click()
    expect(admin.get_by_text(t("users_password_reset", "en", name="demo-o04"))
           ).to_be_visible(timeout=60_000)
    admin.context.close()
    # the officer signs in on a phone with it: the account page alone, saying why, in Chinese
    phone = _context(browser, PHONE).new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(phone, server.url, "demo-o04", NEW_PW, lang="zh")
    close_sidebar(phone)
    expect(phone.get_by_role("heading", name=t("page_account", "zh"))).to_be_visible()
    expect(phone.get_by_text(t("account_must_change", "zh"))).to_be_visible()
    shot(phone, "account-first-password-phone-zh")
    # a bookmark of the visit list says the same, and shows nothing of the county
    phone.goto(f"{server.url}/officer?lang=zh", wait_until="domcontentloaded")
    expect(phone.get_by_text(t("account_must_change", "zh"))).to_be_visible(timeout=120_000)
    idle(phone)
    close_sidebar(phone)
    phone.get_by_role("link", name=t("go_home", "zh", page=t("page_account", "zh"))).click()
    expect(phone.get_by_role("heading", name=t("page_account", "zh"))).to_be_visible(
        timeout=60_000)
    idle(phone)
    _fill(phone, NEW_PW, "the-officers-own-1", "the-officers-own-1")
    phone.get_by_role("button", name=t("account_change_button", "zh"), exact=True).click()
    # on to their visit list
    expect(phone.get_by_role("heading", name=t("page_officer", "zh"))).to_be_visible(
        timeout=120_000)
    idle(phone)
    phone.context.close()
    assert not errors, errors


def test_a_manager_reads_who_did_what_on_a_phone_and_an_admin_downloads_every_county(
        server: AppServer, browser: Any) -> None:
    from playwright.sync_api import expect

    create_demo_accounts(browser, server.url)
    phone = _context(browser, PHONE).new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(phone, server.url, "demo-manager", DEMO_PASSWORD, lang="zh")
    open_page(phone, t("page_activity", "zh"))
    close_sidebar(phone)
    table = phone.locator('[data-testid="stDataFrame"]')
    expect(table).to_be_visible(timeout=60_000)
    idle(phone)
    count = phone.get_by_text(re.compile(r"^共 \d+ 条"))
    every = count.inner_text()
    # only logins, picked in Chinese: the manager's own sign-in of a moment ago is there
    choose_option(phone, phone.get_by_label(t("activity_kind", "zh"), exact=True),
                  t("audit_login", "zh"),
                  phone.get_by_role("option", name=t("audit_login", "zh"), exact=True))
    expect(count).not_to_have_text(every, timeout=60_000)  # the page ran with the choice
    idle(phone)
    with phone.expect_download() as got:
        phone.get_by_role("button", name=t("activity_download", "zh")).click()
    lines = Path(got.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "时间,用户,角色,操作,县,对象,详情"
    rows = [line.split(",") for line in lines[1:]]
    assert rows and {r[3] for r in rows} == {"登录"} and {r[4] for r in rows} == {"qingzu"}
    assert "demo-manager" in {r[1] for r in rows}
    assert got.value.suggested_filename.startswith("audit-qingzu-")
    assert phone.evaluate("() => document.documentElement.scrollWidth"
                          " - document.documentElement.clientWidth") <= 0
    shot(phone, "activity-phone-zh")
    phone.context.close()
    assert not errors, errors

    admin = _context(browser, DESKTOP).new_page()
    sign_in(admin, server.url, "demo-admin", DEMO_PASSWORD)
    open_page(admin, t("page_activity", "en"))
    count = admin.get_by_text(re.compile(r"^\d+ rows, newest first"))
    county_only = count.inner_text()
    admin.get_by_text(t("activity_every_county", "en"), exact=True).click()
    expect(count).not_to_have_text(county_only, timeout=60_000)
    idle(admin)
    with admin.expect_download() as got:
        admin.get_by_role("button", name=t("activity_download", "en")).click()
    assert got.value.suggested_filename.startswith("audit-all-")
    counties = {line.split(",")[4] for line in Path(got.value.path()).read_text(
        encoding="utf-8-sig").splitlines()[1:]}
    assert counties == {"qingzu", ""}  # and the rows of no county (the admin's account)
    shot(admin, "activity-every-county-desktop")
    admin.context.close()
