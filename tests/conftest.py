"""Shared fixtures: the demo county folder, the optional ../shared data, a temp cache."""

from __future__ import annotations

import os
import shutil
import sqlite3
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from countyreach.store import Session, Store
from countyreach.store.testing import Clock, fresh_postgres_url, synthetic_day
from routing.params import SolveParams
from routing.problem import RoutingRules
from tests.store_people import DAY, PW, add_user

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "qingzu"
#: A day of the store loop planned fast: balancing is routing's own subject (tested there).
LOOP_PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=5)
LOOP_RULES = RoutingRules(balance=0.0)
SHARED = Path(os.environ.get("COUNTYREACH_SHARED", REPO.parent / "shared"))
# Passwords hashed at bcrypt's least cost: a test signs in hundreds of times, and the cost
# is a setting of its own (tested in test_cli_store.py). Servers the tests start inherit it.
os.environ.setdefault("COUNTYREACH_BCRYPT_ROUNDS", "4")
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


def _writable_demo_copy(dst: Path) -> Path:
    shutil.copytree(DEMO, dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    return dst


@pytest.fixture(scope="session")
def copy_demo() -> Callable[[Path], Path]:
    """Copy the demo county to a new folder (writable) and return that folder."""
    return _writable_demo_copy


@pytest.fixture()
def county_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo county, for tests that corrupt a file on purpose."""
    return _writable_demo_copy(tmp_path / "county")


@pytest.fixture()
def county_loop(tmp_path: Path, cache_dir: Path, county_copy: Path) -> Any:
    """The daily loop over a fresh SQLite store that holds ``county_copy`` (import the copy
    again after changing its files)."""
    from countyreach.services.loop import DailyLoop

    store = Store.open(f"sqlite:///{tmp_path / 'loop.sqlite'}", bcrypt_rounds=4)
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    loop.import_county(store.operator_session(), county_copy)
    return loop


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session so the road graph and model are prepared once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture()
def loop_at(tmp_path: Path, cache_dir: Path, county_copy: Path,
            clock: Clock) -> Callable[[Any], Any]:
    """``loop_at(when)``: the daily loop over a fresh SQLite store holding ``county_copy``,
    whose clock reads ``when`` (an aware datetime) from the import on."""
    from countyreach.services.loop import DailyLoop

    def make(when: Any) -> DailyLoop:
        clock.t = when
        store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=4, clock=clock)
        loop = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
        loop.import_county(store.operator_session(), county_copy)
        return loop

    return make


def copy_store(db: Path, home: Path, to_db: Path, to_home: Path) -> None:
    """A prepared SQLite store and its data directory copied for one test (SQLite's backup:
    a consistent copy of the database)."""
    a, b = sqlite3.connect(db), sqlite3.connect(to_db)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    shutil.copytree(home, to_home)


#: Per worker: the demo county imported and its first model trained, by the clock's time.
_TRAINED: dict[Any, Path] = {}


@pytest.fixture()
def trained_loop_at(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
                    cache_dir: Path, clock: Clock) -> Callable[[Any], Any]:
    """``trained_loop_at(when)``: as :func:`loop_at` for the unchanged demo county, with the
    county's first model already trained and promoted, as its first plan would train it
    (the same data and seed: the same model). For tests whose subject is not that first
    training: the import and the training are done once per worker and per ``when``, and
    each test gets its own copy of the store and data directory."""
    from countyreach.services.loop import DailyLoop

    def make(when: Any) -> DailyLoop:
        src = _TRAINED.get(when)
        if src is None:
            src = tmp_path_factory.mktemp("trained")
            first = Clock()
            first.t = when
            store = Store.open(f"sqlite:///{src / 's.sqlite'}", bcrypt_rounds=4, clock=first)
            loop = DailyLoop(store, home=src / "home", cache_dir=cache_dir)
            admin = store.operator_session()
            loop.import_county(admin, _writable_demo_copy(src / "county"))
            loop.model(admin, "qingzu")
            store.close()
            _TRAINED[when] = src
        copy_store(src / "s.sqlite", src / "home", tmp_path / "s.sqlite", tmp_path / "home")
        clock.t = when
        store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=4, clock=clock)
        return DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)

    return make


@pytest.fixture()
def cli_store(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The command line's store: a fresh SQLite file, its data directory, the shared cache
    (the settings are read again before and after). Yields the store's URL."""
    from countyreach.settings import get_settings

    url = f"sqlite:///{tmp_path / 'cli-store.sqlite'}"
    monkeypatch.setenv("COUNTYREACH_DB", url)
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


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


# ------------------------------------------------------- the store tests' store and people
# A module that defines its own ``store`` (another setup) uses that one instead.


@pytest.fixture()
def store(url: str, clock: Clock) -> Iterator[Store]:
    """A fresh store (bcrypt kept cheap) on the test's database URL and clock."""
    s = Store.open(url, bcrypt_rounds=4, clock=clock)
    yield s
    s.close()


@pytest.fixture()
def demo_leads_store(url: str, clock: Clock, demo_dir: Path) -> Iterator[Store]:
    """A store with the demo's leads in qingzu, an admin (``admin``), a planner (``plan``)
    and an officer (``wang``, O01), all with :data:`tests.store_people.PW`."""
    s = Store.open(url, bcrypt_rounds=4, clock=clock)
    s.create_user("admin", PW, "admin")
    admin = s.login("admin", PW)
    s.ensure_county(admin, "qingzu", "庆祖镇")
    s.import_leads(demo_dir / "leads.csv", "qingzu", session=admin)
    s.create_user("plan", PW, "planner", county_id="qingzu", session=admin)
    s.create_user("wang", PW, "officer", officer_id="O01", county_id="qingzu", session=admin)
    yield s
    s.close()


@pytest.fixture()
def admin(store: Store) -> Session:
    """The first user, an admin, with two counties: qingzu (region puyang) and another."""
    store.create_user("admin", PW, "admin")
    a = store.login("admin", PW)
    store.ensure_county(a, "qingzu", "庆祖镇", region="puyang")
    store.ensure_county(a, "other", "别的县", region="elsewhere")
    return a


@pytest.fixture()
def people(store: Store, admin: Session) -> dict[str, Session]:
    """A manager, a planner and two officers of qingzu, a manager of another county."""
    return {
        "admin": admin,
        "manager": add_user(store, admin, "mgr", "manager", county_id="qingzu"),
        "planner": add_user(store, admin, "plan", "planner", county_id="qingzu"),
        "o1": add_user(store, admin, "wang", "officer", officer_id="O01", county_id="qingzu"),
        "o2": add_user(store, admin, "li", "officer", officer_id="O02", county_id="qingzu"),
        "outsider": add_user(store, admin, "far", "manager", county_id="other"),
    }


@pytest.fixture()
def published(store: Store, people: dict[str, Session]) -> int:
    """Qingzu's synthetic day saved and published by its manager; the version."""
    problem, plan = synthetic_day()
    v = store.save_plan(people["manager"], "qingzu", DAY, problem, plan,
                        explanations={"L01-01": "去年贷过款，按时还清"})
    store.publish(people["manager"], "qingzu", DAY, v)
    return v


#: The test files that take longest, longest first (``--durations=0`` of a full run,
#: 2026-12-06, summed per file). With ``--dist loadfile`` a worker takes a whole file, and
#: pytest-xdist by default hands out the files with the most tests first: a long file of
#: few tests (a browser journey, a month of the loop) came last, and one worker ran it
#: while the other had nothing left. These start first (``--no-loadscope-reorder`` in
#: pyproject: files go out in the order collected); the rest follow, most tests first.
LONG_FILES: tuple[str, ...] = (
    "test_browser_app.py", "test_pipeline_cli.py", "test_browser_manager_controls.py",
    "test_cli_store.py", "test_loop_e2e.py", "test_browser_team.py", "test_browser_accounts.py",
    "test_app_pages.py",
    "test_app_visited_stops.py", "test_county_reimport.py", "test_replan_now.py",
    "test_publish_keeps_visits.py",
    "test_visit_value_planning.py", "test_placement_and_candidates.py",
    "test_simulation_chinese.py", "test_model_registry.py", "test_store_new_county_findings.py",
    "test_do_not_visit.py", "test_app_field_day.py", "test_model_promotion.py",
    "test_simulation_scale.py", "test_simulation_engine.py", "test_loans_elsewhere.py",
    "test_store_core.py", "test_store_trim.py", "test_starter_model.py", "test_uplift.py",
    "test_simulation_sweep.py",
    "test_simulation_learners.py", "test_propensity_external.py", "test_malformed_inputs.py",
    "test_app_value_basis.py", "test_app_retrain.py", "test_loans_elsewhere_model.py",
    "test_coverage_sweep.py",
    "test_routing_construct.py", "test_first_fit.py", "test_propensity_scorer.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect :data:`LONG_FILES` first, then the other files by their number of tests
    (xdist's own order), each file's tests in their own order (the browser journeys
    depend on it)."""
    from collections import Counter

    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0].removeprefix("tests/")

    rank = {name: i for i, name in enumerate(LONG_FILES)}
    sizes = Counter(file_of(item) for item in items)
    items.sort(key=lambda item: (rank.get(file_of(item), len(rank)), -sizes[file_of(item)],
                                 file_of(item)))
