"""What the browser journeys (``tests/test_browser_*.py``) share: the app server they run,
the Chromium they drive, the demo accounts, and the steps every journey takes (sign in,
switch language, open a page from the sidebar, wait until the script is idle, take a
screenshot). A module takes the ``browser`` fixture by importing :func:`browser_fixture`
and defines its own ``server`` (its store, its environment)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("COUNTYREACH_ARTIFACTS")
                 or Path(tempfile.gettempdir()) / "countyreach-artifacts")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Streamlit marks its root with the script's state; "notRunning" means the last run has ended.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
MAP = '[data-testid="stDeckGlJsonChart"]'
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
#: Where .ci/run puts axe-core (``npm install axe-core`` into a temporary folder).
AXE_JS = Path(os.environ.get("COUNTYREACH_AXE_JS")
              or Path(tempfile.gettempdir()) / "countyreach-axe/node_modules/axe-core/axe.min.js")


def require_browser() -> bool:
    """Whether CI demands the browser tests (a missing tool fails instead of skipping)."""
    return os.environ.get("COUNTYREACH_REQUIRE_BROWSER") == "1"


def chromium() -> str:
    """Path of the system Chromium (skip, or fail in CI, when there is none)."""
    for cand in ("/usr/bin/chromium", shutil.which("chromium") or "",
                 shutil.which("chromium-browser") or ""):
        if cand and Path(cand).exists():
            return cand
    if require_browser():
        pytest.fail("Chromium is required (COUNTYREACH_REQUIRE_BROWSER=1) but not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    """``browser``: Chromium for the module (skips, or fails in CI, without one). A module
    imports this name; its tests ask for ``browser``."""
    from playwright.sync_api import expect, sync_playwright

    # Playwright's 5 s default is for a quiet machine: with the suite run in parallel
    # (``-n auto``) a page's rerun shares the cores with another worker's solve, and a check
    # that holds waits no longer than it takes to hold.
    expect.set_options(timeout=30_000)
    path = chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def create_demo_accounts(browser: Any, url: str) -> list[str]:
    """Create the demo accounts through the sign-in page's demo box; their usernames."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(f"{url}/?lang=en", wait_until="domcontentloaded")
        # Until the first run ends the page may not be connected yet: a click then is lost
        # (CI, 2026-12-04, under load: the button was pressed and nothing came back).
        idle(page)
        page.get_by_text("Try the demo").click()
        ready = page.get_by_text("Demo accounts ready:")
        for attempt in range(3):
            page.get_by_role("button", name="Create the demo accounts").click()
            idle(page)
            try:
                expect(ready).to_be_visible(timeout=20_000 if attempt < 2 else 60_000)
                break
            except AssertionError:
                # the run ended and nothing came back: the click was lost (CI, 2026-12-07,
                # with the other worker busy); seeding is idempotent, so it is pressed again
                if attempt == 2:
                    raise
        idle(page)
        expect(page.get_by_role("button", name="Sign in as demo-o01")).to_be_visible()
        shot(page, "signin-desktop")
        return [b.inner_text().removeprefix("Sign in as ").strip() for b in
                page.get_by_role("button", name=re.compile("^Sign in as ")).all()]
    finally:
        page.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """``streamlit run app.py`` on a fixed port and store, which a test may restart."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log_path = workdir / "streamlit.log"
        cache = os.environ.get("COUNTYREACH_CACHE") or str(workdir / "cache")
        self.env = {**os.environ, "COUNTYREACH_CACHE": cache, "PYTHONPATH": str(REPO),
                    "COUNTYREACH_BASEMAP": "0",  # offline map even where tiles answer
                    "COUNTYREACH_DB": f"sqlite:///{workdir / 'store.db'}",
                    "COUNTYREACH_TIME_LIMIT": os.environ.get("COUNTYREACH_TIME_LIMIT", "2"),
                    **(env or {})}
        self.env.pop("COUNTYREACH_STORE", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait for its health endpoint (fail with its log)."""
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.headless", "true", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if not self._healthy():
            pytest.fail("streamlit did not start:\n" + self.log_path.read_text()[-3000:])

    def _healthy(self, attempts: int = 240) -> bool:
        assert self.proc is not None
        for _ in range(attempts):
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            try:
                self.proc.wait(timeout=0.5)  # a server that died is reported at once
                return False
            except subprocess.TimeoutExpired:
                continue
        return False

    def stop(self) -> None:
        """Stop the server (terminate, then kill)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start again: everything in the server's memory is gone."""
        self.stop()
        self.start()


def idle(page: Any, timeout_ms: int = 180_000) -> None:
    """Wait until Streamlit's script run has ended."""
    from playwright.sync_api import expect

    expect(page.locator(IDLE)).to_be_attached(timeout=timeout_ms)


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under the artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def choose_option(page: Any, box: Any, text: str, option: Any, attempts: int = 3) -> None:
    """Type ``text`` into the combobox ``box`` and click ``option`` in its list, as a
    manager does in a long list. A rerun of a busy page can close the list as it is typed
    into (CI, with another worker solving; Enter then kept the first choice): the list is
    opened and typed into again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        box.click()
        box.fill(text)
        try:
            option.click(timeout=20_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            idle(page)


def click_when_enabled(page: Any, button: Any, name: str, timeout_ms: int = 60_000) -> None:
    """Click ``button`` once it is enabled; if it stays disabled, fail with what the page
    says (its alerts, a button's hover reason) and a screenshot named ``name``, so a
    journey that fails in CI tells why."""
    from playwright.sync_api import expect

    try:
        expect(button).to_be_enabled(timeout=timeout_ms)
    except AssertionError:
        path = shot(page, f"{name}-disabled")
        alerts = page.locator('[data-testid^="stAlertContent"]').all_inner_texts()
        raise AssertionError(f"{name}: the button stayed disabled; the page says "
                             f"{alerts!r} (screenshot {path})") from None
    button.click()


#: The sidebar's sign-out button: there once someone is signed in, in either language.
SIGNED_IN = ".st-key-sign_out"
LANG_NAMES = {"zh": "中文", "en": "English"}


def sign_in(page: Any, url: str, user: str, password: str, *, lang: str = "en",
            stored_language: bool = False) -> None:
    """Open the app in ``lang`` and sign in through the form.

    The app then speaks the user's stored language (chosen in an earlier journey); unless
    ``stored_language``, the helper switches to ``lang`` when it differs.
    """
    from playwright.sync_api import expect

    from countyreach.i18n import t

    page.goto(f"{url}/?lang={lang}", wait_until="domcontentloaded")
    username = page.get_by_label(t("username", lang), exact=True)
    expect(username).to_be_visible(timeout=120_000)
    close_sidebar(page)  # a phone's sidebar opened to sign out stays open over the form
    username.fill(user)
    page.get_by_role("textbox", name=t("password", lang)).fill(password)
    page.get_by_role("button", name=t("sign_in", lang), exact=True).click()
    expect(page.locator(SIGNED_IN)).to_be_attached(timeout=120_000)
    idle(page)
    # the page writes the session cookie from the browser once it is drawn: a journey that
    # opens another page at once must not outrun it (on a busy machine it came after idle)
    page.wait_for_function("() => document.cookie.includes('countyreach_session=')",
                           timeout=120_000)
    if not stored_language:
        switch_language(page, lang)


def switch_language(page: Any, lang: str) -> None:
    """Choose ``lang`` in the sidebar's switch (nothing to do when it is already chosen)."""
    from playwright.sync_api import expect

    from countyreach.i18n import t

    choice = page.get_by_test_id("stSidebar").get_by_role("radio", name=LANG_NAMES[lang])
    if choice.get_attribute("aria-checked") == "true":
        return
    sidebar(page).get_by_role("radio", name=LANG_NAMES[lang]).click()
    expect(page.locator(SIGNED_IN).get_by_role("button", name=t("sign_out", lang))
           ).to_be_attached(timeout=60_000)
    idle(page)


def sign_out(page: Any) -> None:
    """Sign out with the sidebar's button and wait for the sign-in page."""
    from playwright.sync_api import expect

    sidebar(page).locator(SIGNED_IN).get_by_role("button").click()
    expect(page.locator('[class*="st-key-login_user"]')).to_be_visible(timeout=60_000)
    idle(page)


def ui_text(page: Any) -> list[str]:
    """Interface text on the page: titles, labels, buttons, tabs, alerts, metric labels.

    Data (names in tables and selected values, map canvases, the titles of stops and lead
    cards, which are business names, the language switch's own "中文") is left out: only
    the app's words are checked.
    """
    return list(page.evaluate("""() => {
      const sel = ['h1','h2','h3','h4','label','button','[role=tab]','summary',
                   '[data-testid=stAlertContentInfo]','[data-testid=stAlertContentSuccess]',
                   '[data-testid=stAlertContentWarning]','[data-testid=stAlertContentError]',
                   '[data-testid=stSidebarNavLink]','[data-testid=stMetricLabel]'];
      const out = [];
      for (const el of document.querySelectorAll(sel.join(','))) {
        if (el.closest('[data-testid=stButtonGroup]') &&
            el.closest('[data-testid=stSidebar]')) continue;  // 中文 / English
        // a stop's or a lead's title is the business's name: data, not interface
        if (el.matches('h1,h2,h3,h4,summary') &&
            el.closest('[class*=st-key-stop_],[class*=st-key-lead_card]')) continue;
        const text = (el.innerText || '').trim();
        if (text) out.push(text);
      }
      return out;
    }"""))


DEMO_PASSWORD = "countyreach-demo"


def sidebar(page: Any) -> Any:
    """The sidebar, opened first on a phone (where it starts collapsed)."""
    bar = page.get_by_test_id("stSidebar")
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.count() and expand.is_visible():
        expand.click()
    return bar


def close_sidebar(page: Any) -> None:
    """Close the sidebar where it covers the page (a phone, after a tap in its navigation),
    as one closes it with its button."""
    from playwright.sync_api import expect

    size = page.viewport_size
    if size is None or size["width"] >= 768:  # beside the page, not over it
        return
    bar = page.get_by_test_id("stSidebar")
    if bar.get_attribute("data-collapsed") != "false" or \
            not page.get_by_test_id("stSidebarCollapseButton").count():
        return
    page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    expect(bar).to_have_attribute("data-collapsed", "true")


def open_page(page: Any, title: str) -> None:
    """Open a page from the sidebar's navigation (a reload would start a new session)."""
    if page.get_by_role("heading", name=title, exact=True).count():
        return  # already there (a role with one page has no navigation)
    link = sidebar(page).get_by_role("link", name=title, exact=True)
    link.click()
    idle(page)
