"""Shared fixtures: the demo county folder, the optional ../shared data, a temp cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "qingzu"
SHARED = Path(os.environ.get("COUNTYREACH_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The embedded demo county (read-only: copy it before changing files)."""
    return DEMO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` with the real benchmark data; tests using it skip when it is absent."""
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    return SHARED


@pytest.fixture()
def county_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo county, for tests that corrupt a file on purpose."""
    dst = tmp_path / "county"
    shutil.copytree(DEMO, dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    return dst


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session so the road graph and model are prepared once."""
    return tmp_path_factory.mktemp("cache")
