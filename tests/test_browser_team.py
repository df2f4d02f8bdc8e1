"""Choosing who works today with a lender's real team (45 officers) in a real Chromium.

One ``streamlit run app.py`` server on a copy of the demo township with 45 officers
(:mod:`tests.big_team`), which the app offers in place of ``data/qingzu``
(``COUNTYREACH_DATA`` comes first). On a desktop in English and on a phone in Chinese the
manager keeps everyone, then names two who are off: the control stays one row of three
choices, the two chips fit in one row, the page never scrolls sideways, and the page says
how many work. The manager plans the day and picks one officer's route out of the map.

Uses Debian's Chromium through Playwright, as ``tests/test_browser_app.py``; screenshots go to
the artifacts folder (``$COUNTYREACH_ARTIFACTS`` or ``<tmp>/countyreach-artifacts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from countyreach.i18n import t
from tests.big_team import TEAM, county_with_team
from tests.browser_harness import (  # noqa: F401  (browser_fixture: the browser fixture)
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    AppServer,
    browser_fixture,
    choose_option,
    chromium,
    create_demo_accounts,
    idle,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser

#: Wider than this, the page scrolls sideways (a chip row that ran off the page did).
OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One server for the module on a fresh store and the 45-officer county."""
    chromium()
    work = tmp_path_factory.mktemp("browser-team")
    county_with_team(work / "counties")
    # early on a working day: the manager plans the whole day (after every shift has
    # ended, today cannot be planned)
    srv = AppServer(work, env={"COUNTYREACH_DATA": str(work / "counties"),
                               "COUNTYREACH_CLOCK": "2026-11-24T07:30:00+08:00"})
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def accounts(server: AppServer, browser: Any) -> list[str]:
    """The demo accounts: one per officer of the county."""
    return create_demo_accounts(browser, server.url)


def _manager(server: AppServer, browser: Any, viewport: dict[str, int],
             lang: str) -> tuple[Any, Any, list[str]]:
    """The manager signed in at ``viewport`` in ``lang``: the browser context, its page and
    the page's script errors as they come."""
    phone = viewport is PHONE
    ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, server.url, "demo-manager", DEMO_PASSWORD, lang=lang)
    except BaseException:
        ctx.close()
        raise
    return ctx, page, errors


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "en"), (PHONE, "zh")],
                         ids=["desktop-en", "phone-zh"])
def test_the_manager_names_who_is_off_in_a_team_of_45(
        server: AppServer, browser: Any, accounts: list[str], viewport: dict[str, int],
        lang: str) -> None:
    from playwright.sync_api import expect

    assert f"demo-o{TEAM}" in accounts
    ctx, page, errors = _manager(server, browser, viewport, lang)
    try:
        mode = page.locator(".st-key-duty_mode")
        everyone = mode.get_by_role("radio", name=t("duty_all", lang, n=TEAM), exact=True)
        expect(everyone).to_be_visible(timeout=120_000)
        # everyone works: no chip at all
        expect(page.locator('[data-tag]')).to_have_count(0)
        assert page.evaluate(OVERFLOW_JS) <= 0
        box = mode.bounding_box()
        assert box is not None and box["x"] + box["width"] <= viewport["width"]
        assert box["height"] < 90, box  # one row of three choices (and its label)
        shot(page, f"team-45-all-{lang}")
        mode.get_by_role("radio", name=t("duty_except", lang), exact=True).click()
        idle(page)
        pick = page.locator(".st-key-duty_except_pick input")
        for officer in ("O07", "O45"):
            choose_option(page, pick, officer,
                          page.get_by_role("option", name=re.compile(rf"^{officer}\b")))
            idle(page)
        page.keyboard.press("Escape")
        idle(page)
        expect(page.get_by_text(t("duty_count", lang, n=TEAM - 2, total=TEAM))).to_be_visible()
        chips = page.locator('.st-key-duty_except_pick [data-tag]')
        expect(chips).to_have_count(2)
        tops = {round(b["y"]) for b in (c.bounding_box() for c in chips.all()) if b}
        assert len(tops) == 1, tops  # both in one row
        assert page.evaluate(OVERFLOW_JS) <= 0
        shot(page, f"team-45-except-{lang}")
    finally:
        ctx.close()
    assert not errors, errors


def test_a_page_closed_to_the_user_answers_in_chinese_on_a_phone(
        server: AppServer, browser: Any, accounts: list[str]) -> None:
    """Another role's page, or a page opened after the session ended, says so in the user's
    language: no English "Page not found" from Streamlit."""
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    try:
        # a bookmark of the officer's page, no session: the sign-in page, in Chinese
        page.goto(f"{server.url}/officer?lang=zh", wait_until="domcontentloaded")
        expect(page.get_by_label(t("username", "zh"), exact=True)).to_be_visible(
            timeout=120_000)
        idle(page)
        expect(page.get_by_role("dialog")).to_have_count(0)
        sign_in(page, server.url, "demo-o01", DEMO_PASSWORD, lang="zh")
        page.goto(f"{server.url}/manager?lang=zh", wait_until="domcontentloaded")
        said = page.get_by_text(t("page_not_for_role", "zh", page=t("page_manager", "zh"),
                                  role=t("role_officer", "zh")))
        expect(said).to_be_visible(timeout=120_000)
        idle(page)
        expect(page.get_by_role("dialog")).to_have_count(0)
        shot(page, "closed-page-officer-phone-zh")
        page.get_by_role("link", name=t("go_home", "zh", page=t("page_officer", "zh"))).click()
        expect(page.get_by_role("heading", name=t("page_officer", "zh"))).to_be_visible(
            timeout=60_000)
    finally:
        ctx.close()


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "en"), (PHONE, "zh")],
                         ids=["desktop-en", "phone-zh"])
def test_the_manager_picks_one_route_out_of_a_team_of_45(
        server: AppServer, browser: Any, accounts: list[str], viewport: dict[str, int],
        lang: str) -> None:
    """45 routes on one map are a tangle: the manager picks one officer's out, and the
    legend under the map names that officer alone. Last in the module: the day planned for
    45 officers keeps the server busy past the test."""
    from playwright.sync_api import expect

    ctx, page, errors = _manager(server, browser, viewport, lang)
    try:
        page.locator(".st-key-plan button").click()
        expect(page.get_by_text(t("checker_ok", lang))).to_be_visible(timeout=300_000)
        idle(page)
        legend = page.locator(".officer-legend > span")
        busy = legend.count()
        assert busy > 12, busy  # more routes than colours: the case this control is for
        focus = page.locator(".st-key-map_focus")
        expect(focus.get_by_role("combobox")).to_have_value(t("map_focus_all", lang, n=busy))
        # the last officer with a route (who has one depends on the machine's time)
        pick = legend.nth(busy - 1).inner_text().split()[0]
        # typed, as a manager does in a long list (its options are drawn as it scrolls)
        box = focus.locator("input")
        choose_option(page, box, pick, page.get_by_role("option", name=re.compile(rf"^{pick} ")))
        idle(page)
        expect(legend).to_have_count(1)
        expect(legend).to_contain_text(pick)
        assert page.evaluate(OVERFLOW_JS) <= 0
        shot(page, f"team-45-one-route-{lang}")
    finally:
        ctx.close()
    assert not errors, errors
