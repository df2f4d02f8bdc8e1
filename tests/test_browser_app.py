"""A real browser drives the real app: ``streamlit run app.py``, plan the demo day, see routes.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright; never
downloads a browser. Skips when Chromium is absent unless
``COUNTYREACH_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
The screenshot goes to ``screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

MAP = '[data-testid="stDeckGlJsonChart"]'
# Streamlit marks its root with the script's state; "notRunning" means the last run has ended.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for cand in ("/usr/bin/chromium", shutil.which("chromium") or "",
                 shutil.which("chromium-browser") or ""):
        if cand and Path(cand).exists():
            return cand
    if os.environ.get("COUNTYREACH_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium is required (COUNTYREACH_REQUIRE_BROWSER=1) but not installed")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


def _route_pixels(png: bytes) -> int:
    """Pixels of a map image within a small distance of an officer route colour."""
    import io

    import numpy as np
    from PIL import Image

    from countyreach.services.maps import OFFICER_PALETTE

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    hits = np.zeros(img.shape[:2], dtype=bool)
    for colour in OFFICER_PALETTE[:6]:
        hits |= np.abs(img - np.array(colour)).sum(axis=2) < 30
    return int(hits.sum())


def _routes_drawn(map_chart: Any, baseline: int, attempts: int = 40) -> int:
    """Route pixels on the map once deck.gl has drawn the routes (bounded attempts).

    Each attempt is one screenshot of the map; it stops as soon as the routes show.
    """
    routed = baseline
    for _ in range(attempts):
        routed = _route_pixels(map_chart.screenshot())
        if routed > baseline + 300:
            break
    return routed


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], attempts: int = 120) -> bool:
    """Whether the server's health endpoint answered within ``attempts`` tries.

    Between tries it waits for the server process to exit (at most 0.5 s): a server that
    died is reported at once instead of after every remaining attempt.
    """
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        try:
            proc.wait(timeout=0.5)
            return False
        except subprocess.TimeoutExpired:
            continue
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``streamlit run app.py`` server on a free port, killed afterwards."""
    _chromium()
    port = _free_port()
    cache = os.environ.get("COUNTYREACH_CACHE") or str(tmp_path_factory.mktemp("app-cache"))
    # The app's default solver budget (5 s), as a user gets it.
    env = {**os.environ, "COUNTYREACH_CACHE": cache, "PYTHONPATH": str(REPO),
           "COUNTYREACH_BASEMAP": "0"}  # offline map even where a tile server answers
    env.pop("COUNTYREACH_TIME_LIMIT", None)
    log_path = tmp_path_factory.mktemp("app-log") / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            if not _wait_healthy(url, proc):
                pytest.fail("streamlit did not start:\n" + log_path.read_text()[-3000:])
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_plan_demo_day_in_browser(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            # The map must not need the internet: record every request leaving the machine.
            page.on("request", lambda req: outside.append(req.url)
                    if not req.url.startswith(("http://127.0.0.1", "data:", "blob:",
                                               "ws://127.0.0.1")) else None)
            page.goto(app_url, wait_until="domcontentloaded")
            # Switch to English so the test reads stable labels.
            page.get_by_role("radio", name="English").click()
            plan = page.get_by_role("button", name="Plan the day")
            expect(plan).to_be_visible(timeout=180_000)
            before_map = page.locator(MAP).first.locator("canvas").first
            expect(before_map).to_be_visible(timeout=60_000)
            # No routes before planning: whatever matches their colours now is the baseline.
            baseline = _route_pixels(page.locator(MAP).first.screenshot())
            plan.click()
            expect(page.get_by_text("Independent check: no violations")).to_be_visible(
                timeout=180_000)
            # Streamlit fills the page while the script runs: CI once had the status line but
            # no metrics row 5 s later. Wait for the run to end before reading the page.
            expect(page.locator(IDLE)).to_be_attached(timeout=120_000)
            chart = page.locator(MAP).first.locator("canvas").first
            expect(chart).to_be_visible(timeout=60_000)
            metric = page.locator('[data-testid="stMetric"]').filter(has_text="Visits")
            expect(metric).to_be_visible(timeout=30_000)
            visits = int(metric.locator('[data-testid="stMetricValue"]').inner_text().strip())
            assert visits > 0
            # Routes are drawn in the officers' colours: count such pixels on the canvas.
            routed = _routes_drawn(page.locator(MAP).first, baseline)
            assert routed > baseline + 300, f"no routes on the map ({baseline} -> {routed} px)"
            page.screenshot(path=str(SHOTS / "manager-plan.png"), full_page=True)
            # Planning again on the warm server: the progress bar shows and goes, and the
            # new plan is checked and drawn. (How long it takes is measured in bench/.)
            status = page.locator('[data-testid="stProgress"]')
            page.get_by_role("button", name="Plan the day").click()
            expect(status).to_be_visible(timeout=30_000)
            expect(status).to_be_hidden(timeout=120_000)
            expect(page.locator(IDLE)).to_be_attached(timeout=120_000)
            expect(page.get_by_text("Independent check: no violations")).to_be_visible()
            expect(metric).to_be_visible()
            again = _routes_drawn(page.locator(MAP).first, baseline)
            assert again > baseline + 300, f"no routes after planning again ({again} px)"
        finally:
            browser.close()
    assert not outside, f"the app contacted outside hosts: {sorted(set(outside))[:5]}"
