"""The app plans, scores and explains with the store's promoted model of the county, so the
outcomes officers record reach its plans through retraining; the file model only when the
store has none (under ``AppTest`` and at the service the pages call).

The county is imported into a temporary store as ``countyreach county import`` does
(:meth:`DailyLoop.import_county`) and retrained as ``countyreach retrain`` does; the demo
accounts are seeded into it. A stale promoted model plans with a warning: a page never
retrains (that takes minutes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from countyreach.dates import county_today
from countyreach.errors import ModelError
from countyreach.i18n import t
from countyreach.localize import localize
from countyreach.pipeline import FILE_MODEL
from countyreach.services.loop import DailyLoop
from countyreach.services.models import artefact_path
from countyreach.services.publishing import publish_to_store
from countyreach.services.workspace import DEMO_PASSWORD, planning_model, seed_demo_users
from countyreach.settings import get_settings
from countyreach.store import Store
from tests.conftest import LOOP_PARAMS, LOOP_RULES, copy_store
from tests.test_app_pages import APP, DATE, TIMEOUT, _plan

COUNTY = "qingzu"
OFFICERS = [f"O0{i}" for i in range(1, 7)]


@dataclass
class World:
    """A temporary store the app is configured to use, its service and its operator."""

    store: Store
    loop: DailyLoop

    @property
    def admin(self):  # type: ignore[no-untyped-def]
        return self.store.operator_session()


def _configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache_dir: Path) -> str:
    """Point the app at a store and data directory of this test (the cache is shared)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("COUNTYREACH_CACHE", str(cache_dir))
    monkeypatch.setenv("COUNTYREACH_STORE", url)
    monkeypatch.setenv("COUNTYREACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COUNTYREACH_TIME_LIMIT", "2")
    monkeypatch.setenv("COUNTYREACH_BASEMAP", "0")
    get_settings.cache_clear()
    return url


@pytest.fixture()
def imported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache_dir: Path,
             demo_dir: Path) -> Iterator[World]:
    """The demo county imported into the app's store (no model yet), with the demo users."""
    store = Store.open(_configure(monkeypatch, tmp_path, cache_dir), bcrypt_rounds=4)
    loop = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    world = World(store, loop)
    loop.import_county(world.admin, demo_dir)
    seed_demo_users(store, COUNTY, "庆祖镇", OFFICERS, session=world.admin)
    yield world
    store.close()
    get_settings.cache_clear()


#: Per worker: the template of :func:`imported_trained` (the store file and its home).
_TRAINED: dict[str, Path] = {}


@pytest.fixture()
def imported_trained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                     tmp_path_factory: pytest.TempPathFactory, cache_dir: Path,
                     demo_dir: Path) -> Iterator[World]:
    """As :func:`imported`, with the county's first model already trained and promoted, as
    the first plan through the service (:meth:`DailyLoop.plan`) would train it: the same
    data and seed, the same model. For tests whose first step is such a plan and whose
    subject is not that training: the import and the training are done once per worker,
    and each test gets its own copy of the store and of its home."""
    src = _TRAINED.get("src")
    if src is None:
        src = tmp_path_factory.mktemp("imported-trained")
        store = Store.open(f"sqlite:///{src / 'store.sqlite'}", bcrypt_rounds=4)
        loop = DailyLoop(store, home=src / "home", cache_dir=cache_dir)
        admin = store.operator_session()
        loop.import_county(admin, demo_dir)
        seed_demo_users(store, COUNTY, "庆祖镇", OFFICERS, session=admin)
        loop.model(admin, COUNTY)
        store.close()
        _TRAINED["src"] = src
    url = _configure(monkeypatch, tmp_path, cache_dir)
    copy_store(src / "store.sqlite", src / "home", tmp_path / "store.sqlite", tmp_path / "home")
    store = Store.open(url, bcrypt_rounds=4)
    world = World(store, DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir))
    yield world
    store.close()
    get_settings.cache_clear()


@pytest.fixture()
def not_imported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                 cache_dir: Path) -> Iterator[Store]:
    """A store with the demo users but not the county (as in ``test_app_pages``): no model."""
    store = Store.open(_configure(monkeypatch, tmp_path, cache_dir), bcrypt_rounds=4)
    seed_demo_users(store, COUNTY, "庆祖镇", OFFICERS)
    yield store
    store.close()
    get_settings.cache_clear()


def _open(store: Store, page: str | None = None, lang: str = "en",
          user: str = "demo-manager") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.session_state["plan_date"] = dt.date.fromisoformat(DATE)
    at.session_state["store_session"] = store.login(user, DEMO_PASSWORD)
    if page is not None:
        at.session_state["goto"] = page
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(el.value) for el in getattr(at, kind)]


def _notice(key: str, lang: str, version: int | None = None) -> str:
    return t(key, lang, county=COUNTY, version=version)


def _replan(at: AppTest) -> dict[str, object]:
    """Plan the day again on the open page; the new plan's meta."""
    at.button(key="plan").click().run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at, "error")
    return dict(at.session_state["day"].plan.meta)


def test_the_app_plans_with_the_promoted_model_and_follows_retraining(
        imported: World) -> None:
    w = imported
    # imported, not yet trained: the page asks for a model, not for another import
    page = _open(w.store, "model")
    assert _notice("model_file_not_trained", "en") in _texts(page, "info")
    assert _notice("model_file_no_model", "en") not in _texts(page, "info")
    first = w.loop.retrain(w.admin, COUNTY)  # what `countyreach retrain qingzu` does
    assert first.promoted and first.record.version == 1

    at = _plan(_open(w.store))
    meta = at.session_state["day"].plan.meta
    assert meta["model_version"] == 1 and f"{COUNTY} v1" in str(meta["model"])
    assert meta["model_stale"] is False
    assert _notice("model_store_current", "en", 1) in _texts(at, "caption")
    assert _notice("plan_model_store", "en", 1) in _texts(at, "caption")

    # the manager publishes; officers record outcomes: v1 no longer covers the data
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    publish_to_store(w.store, manager, at.session_state["day"], "en")
    stops = [s.lead_id for r in at.session_state["day"].plan.routes for s in r.stops][:4]
    for lead, outcome in zip(stops, ["interested", "not_interested", "met", "applied"],
                             strict=False):
        w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=DATE, lead_id=lead,
                              outcome=outcome)
    at.run()
    stale = _notice("model_store_data", "en", 1)
    assert stale in _texts(at, "warning")  # used, and said to be stale
    meta = _replan(at)
    assert meta["model_version"] == 1 and meta["model_stale"] is True
    assert _notice("plan_model_store_stale", "en", 1) in _texts(at, "caption")
    assert [m.version for m in w.store.models(w.admin, COUNTY)] == [1]  # no page retrained

    # retraining on the recorded outcomes promotes v2: the app's next plan uses it
    second = w.loop.retrain(w.admin, COUNTY, force=True)
    assert second.promoted and second.record.version == 2
    at.run()
    assert stale not in _texts(at, "warning")
    assert _notice("model_store_current", "en", 2) in _texts(at, "caption")
    meta = _replan(at)
    assert meta["model_version"] == 2 and f"{COUNTY} v2" in str(meta["model"])
    assert meta["value_basis"].startswith("visit-caused (model v2")  # the demo has a loan book
    assert _notice("plan_model_store", "en", 2) in _texts(at, "caption")
    # a re-plan keeps the model the day's values came from
    at.button(key="reoptimise").click().run()
    assert not at.exception, at.exception
    assert at.session_state["day"].plan.meta["model_version"] == 2

    # the model page names the version, in Chinese too, with its held-out figures
    page = _open(w.store, "model", lang="zh")
    captions = _texts(page, "caption")
    assert _notice("model_store_current", "zh", 2) in captions
    assert any(c.startswith("v2 训练时的留出集指标：AUC 0.") for c in captions), captions


def test_without_a_store_model_the_app_plans_with_the_file_model_and_says_so(
        not_imported: Store) -> None:
    at = _plan(_open(not_imported))
    meta = at.session_state["day"].plan.meta
    assert meta["model"] == FILE_MODEL and "model_version" not in meta
    assert _notice("model_file_no_model", "en") in _texts(at, "info")
    assert t("plan_model_file", "en") in _texts(at, "caption")
    zh = _open(not_imported, "model", lang="zh")
    assert _notice("model_file_no_model", "zh") in _texts(zh, "info")


def test_the_store_model_is_loaded_only_if_its_file_matches_the_registry(
        imported: World) -> None:
    """The service the pages call: a planner gets the model unchecked, an altered file is
    refused (never replaced by the file model), a county without a model gets the file
    model."""
    w = imported
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    planner = w.store.login("demo-planner", DEMO_PASSWORD)

    def file_model() -> object:
        raise AssertionError("the file model is for counties the store has no model of")

    def no_model() -> object:
        return "file"

    assert planning_model(w.loop, manager, COUNTY, no_model).scorer == "file"  # no model yet
    rec = w.loop.retrain(w.admin, COUNTY).record
    mine = planning_model(w.loop, manager, COUNTY, file_model)
    assert mine.record == rec and mine.freshness == "current" and not mine.stale
    theirs = planning_model(w.loop, planner, COUNTY, file_model)
    assert theirs.freshness == "unchecked" and theirs.key == mine.key
    path = artefact_path(w.loop.home, COUNTY, rec.version)
    path.write_bytes(path.read_bytes() + b"altered")
    with pytest.raises(ModelError, match="does not match the registry"):
        planning_model(w.loop, manager, COUNTY, file_model)


def test_todays_outcomes_leave_the_model_current_and_the_page_says_they_wait(
        imported: World) -> None:
    """An outcome of today is learnt by the next retraining, not the next page: the page
    says which days the model learnt from, not that it is stale."""
    w = imported
    manager = w.store.login("demo-manager", DEMO_PASSWORD)
    today = county_today(w.store.now())
    day = w.loop.plan(w.admin, COUNTY, today, publish=True, whole_day=True,
                      params=LOOP_PARAMS, rules=LOOP_RULES)
    lead = next(r.stops[0].lead_id for r in day.day.plan.routes if r.stops)
    w.loop.record_outcome(w.admin, county_id=COUNTY, plan_date=today, lead_id=lead,
                          outcome="interested")

    def file_model() -> object:
        raise AssertionError("the store has a model")

    now = planning_model(w.loop, manager, COUNTY, file_model)
    assert now.record == day.model.record and now.freshness == "waiting" and not now.stale
    assert now.waits_from == today
    kind, text = now.notice("en")
    assert kind == "caption" and f"the outcomes of the days before {today}" in text
    assert now.notice("zh")[1] == t("model_store_waiting", "zh", county=COUNTY,
                                    version=now.record.version, day=today)
    note = now.meta["model_note"]
    assert now.meta["model_stale"] is False and "next retraining" in note
    assert localize(note, "zh") == (f"模型 {COUNTY} v{now.record.version}（当前；{today} "
                                    "及以后的拜访结果在下次重新训练时学习）")
