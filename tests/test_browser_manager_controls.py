"""The manager's newest controls in a real Chromium, as a manager and an officer use them.

One ``streamlit run app.py`` server for the module on a fresh SQLite store, whose clock
(``COUNTYREACH_CLOCK``) starts at 10:30 in the county on :data:`TODAY`: "today" and "now"
are the same whenever the tests run. The manager plans the day and publishes it (from the
morning: nothing was published yet). Then:

* the business of an officer's second stop asks by phone not to be visited: the manager
  puts it on the do-not-visit list from the lead card, the lead card and the officer's
  published list no longer show the stop, the officer goes on past it to the next visit,
  and after a server restart the stop is still off the list and the day is planned again
  and published;
* the same refusal on a phone in Chinese, for another stop: the control sits at the top of
  the lead card and fits the screen, what it did is said in Chinese, and the stop leaves
  the officer's list;
* the manager plans the published today again "from now" (on a phone, in Chinese): the
  plan says when, nothing still to make on the officer's published list starts earlier, and
  a new draft no longer says "published".

Uses Debian's Chromium through Playwright, as ``tests/test_browser_app.py``; screenshots go to
the artifacts folder (``$COUNTYREACH_ARTIFACTS`` or ``<tmp>/countyreach-artifacts``).
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
    AppServer,
    browser_fixture,
    chromium,
    create_demo_accounts,
    idle,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser

TODAY = "2026-11-24"
#: The app's clock starts here (it runs on while the tests run).
CLOCK = f"{TODAY}T10:30:00+08:00"
OFFICER = "O01"
#: A stop of the officer's page (the next one, a later one, one done): ``[lead, text, done]``.
STOPS_JS = """() => [...document.querySelectorAll('[class*="st-key-stop_"]')].map(e => [
    [...e.classList].find(c => c.startsWith('st-key-stop_')).slice('st-key-stop_'.length),
    e.innerText || e.textContent,  // a stop done is in a closed expander: hidden text
    // a stop done sits inside the "done" expander; a later stop is an expander of its own
    Boolean(e.parentElement.closest('[data-testid="stExpander"]'))])"""
HHMM = re.compile(r"\b(\d\d:\d\d)\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Iterator[AppServer]:
    """One server for the module, on a fresh store, its clock at 10:30 on :data:`TODAY` (the
    worker's road-graph and model cache: what other tests of the demo county prepared is
    read, not prepared again)."""
    chromium()
    srv = AppServer(tmp_path_factory.mktemp("browser-manager"),
                    env={"COUNTYREACH_CLOCK": CLOCK, "COUNTYREACH_CACHE": str(cache_dir)})
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _errors(page: Any) -> list[str]:
    """Uncaught script errors of ``page`` from now on."""
    seen: list[str] = []
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    return seen


#: The unknown field of a message: a time of day, or a published plan's id.
FIELD = r"(\d\d:\d\d|qingzu \S+ v\d+)"


def _pattern(key: str, lang: str) -> re.Pattern[str]:
    """The message ``key`` in ``lang`` with its one field (a time, a plan id) a group."""
    before, after = t(key, lang, time="\x00", plan_id="\x00").split("\x00")
    return re.compile(re.escape(before) + FIELD + re.escape(after))


def _manager(browser: Any, url: str, viewport: dict[str, int], lang: str) -> Any:
    ctx = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE,
                              has_touch=viewport is PHONE)
    page = ctx.new_page()
    sign_in(page, url, "demo-manager", DEMO_PASSWORD, lang=lang)
    return page


def _publish(page: Any, lang: str) -> str:
    """Publish the plan shown, confirming in the dialog; the version the app names."""
    from playwright.sync_api import expect

    page.locator(".st-key-publish button").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=t("publish_yes", lang), exact=True).click()
    done = page.get_by_text(_pattern("published", lang))
    expect(done).to_be_visible(timeout=60_000)
    idle(page)
    found = _pattern("published", lang).search(done.inner_text())
    assert found is not None
    return found.group(1)


def _officer_stops(browser: Any, url: str, viewport: dict[str, int], name: str,
                   lang: str = "en") -> dict[str, tuple[str, bool]]:
    """The officer's published list as their page shows it: ``lead -> (text, done)``."""
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE,
                              has_touch=viewport is PHONE)
    page = ctx.new_page()
    errors = _errors(page)
    try:
        sign_in(page, url, "demo-o01", DEMO_PASSWORD, lang=lang)
        expect(page.locator('[class*="st-key-stop_"]').first).to_be_visible(timeout=120_000)
        idle(page)
        shot(page, name)
        stops = {lead: (text, done) for lead, text, done in page.evaluate(STOPS_JS)}
    finally:
        ctx.close()
    assert not errors, errors
    return stops


@pytest.fixture(scope="module")
def published(server: AppServer, browser: Any) -> None:
    """The demo accounts, and the manager's plan of :data:`TODAY` published (from 08:00:
    nothing was published yet)."""
    from playwright.sync_api import expect

    assert "demo-manager" in create_demo_accounts(browser, server.url)
    page = _manager(browser, server.url, DESKTOP, "en")
    # the app's today is the clock's
    expect(page.get_by_role("spinbutton", name="day, Date")).to_have_attribute(
        "aria-valuenow", str(int(TODAY[-2:])))
    page.locator(".st-key-plan button").click()
    expect(page.get_by_text(t("checker_ok", "en"))).to_be_visible(timeout=240_000)
    idle(page)
    assert _publish(page, "en") == f"qingzu {TODAY} v1"
    page.context.close()


def _title(text: str) -> str:
    """A stop's business name from its text on the officer's page (``2. name · 08:40``)."""
    found = re.search(r"^\d+\. (.+?)(?: · \d\d:\d\d.*)?$", text, re.MULTILINE)
    assert found is not None, text
    return found.group(1)


def _seq(text: str) -> int:
    """A stop's number on the officer's page."""
    found = re.search(r"^(\d+)\. ", text, re.MULTILINE)
    assert found is not None, text
    return int(found.group(1))


def test_a_refusal_by_phone_leaves_the_officers_list_for_good(
        server: AppServer, browser: Any, published: None) -> None:
    from playwright.sync_api import expect

    stops = _officer_stops(browser, server.url, PHONE, "dnv-officer-before-phone")
    (refused, (refused_text, _)), (later, _) = list(stops.items())[1:3]
    name = _title(refused_text)
    page = _manager(browser, server.url, DESKTOP, "en")
    errors = _errors(page)
    page.get_by_label(t("search_lead", "en")).fill(refused)
    page.keyboard.press("Enter")
    idle(page)
    card = page.locator('[class*="st-key-lead_card"]').filter(has_text=refused)
    where = card.locator('[data-testid="stMetric"]').filter(has_text=t("officer", "en")).locator(
        '[data-testid="stMetricValue"]')
    expect(where).to_have_text(f"{OFFICER} #2")
    # a rerun may still show the card's stale copy beside the new one: wait for one card
    dnv = page.get_by_text(t("dnv_title", "en"))
    expect(dnv).to_have_count(1, timeout=30_000)
    dnv.click()
    page.get_by_label(t("dnv_reason", "en")).fill("called the branch: no visits")
    page.keyboard.press("Enter")
    idle(page)
    shot(page, "dnv-manager-card-desktop")
    page.locator(".st-key-dnv_button button").click()
    # what happened, in words: listed, and withdrawn from the officer's published list
    done = page.get_by_test_id("stAlertContentSuccess").filter(
        has_text=t("dnv_done", "en", lead=refused))
    expect(done).to_be_visible(timeout=60_000)
    expect(done).to_contain_text(t("dnv_withdrawn", "en", officer=OFFICER, date=TODAY))
    idle(page)
    expect(page.get_by_text(t("dnv_listed", "en"))).to_be_visible()
    expect(page.locator(".st-key-dnv_button")).to_have_count(0)
    # the published day the manager is shown is the officers': the stop is gone from it
    expect(where).to_have_text("—")
    shot(page, "dnv-manager-done-desktop")
    stops = _officer_stops(browser, server.url, PHONE, "dnv-officer-after-phone")
    assert refused not in stops and all(name not in text for text, _ in stops.values())
    assert later in stops
    # the officer goes on past it: the next visit is made
    officer = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(officer, server.url, "demo-o01", DEMO_PASSWORD)
    stop = officer.locator(f".st-key-stop_{later}")
    expect(stop).to_be_visible(timeout=120_000)
    idle(officer)
    if stop.get_by_role("radio", name="Interested", exact=True).count() == 0:
        stop.locator("summary").click()  # a later stop: open it
        idle(officer)
    interested = stop.get_by_role("radio", name="Interested", exact=True)
    save = stop.get_by_role("button", name=t("save", "en"), exact=True)
    interested.click()
    try:
        expect(save).to_be_enabled(timeout=15_000)
    except AssertionError:
        # the tap fell into a rerun and was lost: tap again, as one would (a second tap on
        # a choice that did register would clear it)
        if not interested.is_checked():
            interested.click()
        expect(save).to_be_enabled(timeout=30_000)
    idle(officer)  # a tap on Save while the choice's rerun is drawn lands on a stale button
    save.click()
    expect(officer.get_by_text(re.compile(r"Done: 1 stop"))).to_be_visible(timeout=60_000)
    idle(officer)
    officer.context.close()
    page.context.close()
    assert not errors, errors
    server.restart()
    stops = _officer_stops(browser, server.url, PHONE, "dnv-officer-restarted-phone")
    assert refused not in stops and stops[later][1]  # still off; the visit made is done
    # the day planned again is published: the stop passed over is no visit made
    page = _manager(browser, server.url, DESKTOP, "en")
    page.locator(".st-key-plan button").click()
    expect(page.get_by_text(_pattern("replanned_at", "en"))).to_be_visible(timeout=240_000)
    idle(page)
    assert _publish(page, "en") == f"qingzu {TODAY} v2"
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    shot(page, "dnv-manager-republished-desktop")
    page.context.close()
    stops = _officer_stops(browser, server.url, PHONE, "dnv-officer-republished-phone")
    assert refused not in stops and stops[later][1]


def test_a_published_today_is_planned_again_from_now(
        server: AppServer, browser: Any, published: None) -> None:
    from playwright.sync_api import expect

    # the officer's published list before: a stop whose time has come when the day is
    # planned again is presumed made (officers write up at the end of the day) and stays
    published_at = {lead: m.group(1) for lead, (text, _) in _officer_stops(
        browser, server.url, DESKTOP, "from-now-officer-before-desktop").items()
        if (m := HHMM.search(text)) is not None}
    page = _manager(browser, server.url, PHONE, "zh")
    errors = _errors(page)
    shown = page.get_by_text(t("showing_published", "zh", date=TODAY))
    expect(shown).to_be_visible(timeout=120_000)
    box = page.get_by_role("checkbox", name=t("from_now", "zh"))
    expect(box).to_be_checked()
    shot(page, "from-now-manager-before-phone-zh")
    page.locator(".st-key-plan button").click()
    expect(shown).to_have_count(0, timeout=240_000)  # the new plan, not the published one
    said = page.get_by_text(_pattern("replanned_at", "zh"))
    expect(said).to_be_visible(timeout=240_000)
    idle(page)
    found = _pattern("replanned_at", "zh").search(said.inner_text())
    assert found is not None
    at = found.group(1)
    assert "10:30" <= at < "12:00", at  # the clock's time, run on for as long as this took
    shot(page, "from-now-manager-replanned-phone-zh")
    _publish(page, "zh")
    stops = _officer_stops(browser, server.url, DESKTOP, "from-now-officer-desktop")
    # what is still to make: the stops after the last one done (those passed over before it
    # are the morning's, kept as published)
    last = max((_seq(text) for text, done in stops.values() if done), default=0)
    left = {lead: HHMM.search(text) for lead, (text, done) in stops.items()
            if not done and _seq(text) > last}
    assert left, stops
    early = {lead: m.group(1) for lead, m in left.items() if m is None or m.group(1) < at}
    # before now: only the published stops presumed made, kept where they were
    moved = {lead: when for lead, when in early.items() if published_at.get(lead) != when}
    assert not moved, f"planned before {at}, not as published: {moved}"
    assert any(m is not None and m.group(1) >= at for m in left.values()), left
    # planned again, the new draft does not say it is published
    page.locator(".st-key-plan button").click()
    expect(page.get_by_text(_pattern("published", "zh"))).to_have_count(0, timeout=240_000)
    expect(said).to_be_visible(timeout=240_000)
    idle(page)
    expect(page.get_by_text(_pattern("published", "zh"))).to_have_count(0)
    shot(page, "from-now-manager-draft-phone-zh")
    page.context.close()
    assert not errors, errors


def test_a_refusal_is_listed_in_chinese_on_a_phone(
        server: AppServer, browser: Any, published: None) -> None:
    """The manager, on a phone in Chinese, lists a business that called to refuse visits: the
    control is at the top of the lead card, fits the screen, and says in Chinese what it did;
    the stop leaves the officer's list."""
    from playwright.sync_api import expect

    stops = _officer_stops(browser, server.url, PHONE, "dnv-zh-officer-before-phone", "zh")
    refused = [lead for lead, (_, done) in stops.items() if not done][-1]
    page = _manager(browser, server.url, PHONE, "zh")
    errors = _errors(page)
    expect(page.get_by_text(t("showing_published", "zh", date=TODAY))).to_be_visible(
        timeout=120_000)
    idle(page)
    page.get_by_label(t("search_lead", "zh")).fill(refused)
    page.keyboard.press("Enter")
    idle(page)
    card = page.locator('[class*="st-key-lead_card"]').filter(has_text=refused)
    expect(card).to_be_visible(timeout=60_000)
    card.get_by_text(t("dnv_title", "zh")).click()
    page.get_by_label(t("dnv_reason", "zh")).fill("来电告知：请勿上门")
    page.keyboard.press("Enter")
    idle(page)
    button = page.locator(".st-key-dnv_button button")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # the control comes before the card's value breakdown, which is a screen long here
    parts = card.get_by_text(t("value_parts", "zh"))
    parts_box = parts.bounding_box()
    assert parts_box is not None and box["y"] < parts_box["y"]
    shot(page, "dnv-manager-card-phone-zh")
    button.click()
    done = page.get_by_test_id("stAlertContentSuccess").filter(
        has_text=t("dnv_done", "zh", lead=refused))
    expect(done).to_be_visible(timeout=60_000)
    expect(done).to_contain_text(t("dnv_withdrawn", "zh", officer=OFFICER, date=TODAY))
    idle(page)
    expect(page.get_by_text(t("dnv_listed", "zh"))).to_be_visible()
    sideways = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 0
    shot(page, "dnv-manager-done-phone-zh")
    page.context.close()
    assert not errors, errors
    stops = _officer_stops(browser, server.url, PHONE, "dnv-zh-officer-after-phone", "zh")
    assert refused not in stops
