"""Shared fixtures: the demo county folder, the optional ../shared data, a temp cache."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from countyreach.store.testing import Clock, fresh_postgres_url

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "qingzu"
SHARED = Path(os.environ.get("COUNTYREACH_SHARED", REPO.parent / "shared"))
PG_URL = os.environ.get("COUNTYREACH_PG_URL")
#: Store backends: SQLite always, PostgreSQL when ``.ci/run`` (or you) set COUNTYREACH_PG_URL.
STORE_BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not PG_URL, reason="COUNTYREACH_PG_URL not set")]),
]


def demo_world(n_businesses: int) -> Any:
    """A simulation world on the demo township with ``n_businesses`` synthetic businesses
    (its warnings, e.g. far snaps of synthetic places, are the fixture's, not the test's)."""
    from countyreach.simulation import PopulationSpec, world_from_county

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return world_from_county(DEMO, PopulationSpec(n_businesses=n_businesses))


@pytest.fixture(scope="module")
def villages() -> Any:
    """The demo township's village points (one copy per test module, which may change it)."""
    import pandas as pd

    return pd.read_csv(DEMO / "villages.csv")


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


@pytest.fixture(params=STORE_BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        assert PG_URL
        with fresh_postgres_url(PG_URL) as u:
            yield u


@pytest.fixture()
def clock() -> Clock:
    """A clock the test moves forward."""
    return Clock()
