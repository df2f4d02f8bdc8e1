"""Where the app finds its counties and its store, and the demo's accounts.

Both come from :func:`countyreach.settings.get_settings`: the configured county roots
(searched before the repository's own ``data/``) and the store URL. Demo mode seeds one
account per role so a newcomer can try the manager's, the officer's and the planner's
pages on a fresh store: :func:`seed_demo_users` is the one seeder of demo accounts, for
the app's "Try the demo" and for ``countyreach demo``.

Which lead model the app plans, scores and explains with (:func:`planning_model`): the
store's promoted model of the county whenever the store has one, so the outcomes officers
record reach the app's plans through retraining; the county folder's file model only when
the store has none.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

import propensity
from countyreach.dates import county_today
from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.i18n import t
from countyreach.pipeline import FILE_MODEL
from countyreach.serialize import read_json
from countyreach.services.models import STALE_WHY, load_model, model_freshness
from countyreach.settings import app_now, get_settings
from countyreach.store import ModelRecord, Session, Store
from countyreach.store.records import Role

if TYPE_CHECKING:
    from countyreach.services.loop import DailyLoop

__all__ = ["county_folders", "StoreOpener", "shown_url", "app_now", "county_id_of", "counties_for",
           "DEMO_PASSWORD", "STORE_COUNTY", "stored_county_id", "store_counties",
           "DemoUser", "demo_usernames", "seed_demo_users", "FILE_MODEL", "PlanningModel",
           "planning_model"]

log = logging.getLogger(__name__)


def county_folders(roots: Iterable[Path]) -> dict[str, Path]:
    """County folders (each with a ``county.json``) by display name.

    Parameters
    ----------
    roots : iterable of Path
        County folders or folders of county folders, in order of preference: a name
        found in an earlier root hides the same name further on.

    Returns
    -------
    dict
        ``name -> folder``; the name is the manifest's ``name``, else the folder's (with
        the county id where another county has the name, see :func:`add_county`).
    """
    manifests: list[Path] = []
    for root in roots:
        manifests += [root / "county.json"] if (root / "county.json").exists() else sorted(
            root.glob("*/county.json"))
    out: dict[str, Path] = {}
    for manifest in manifests:
        try:
            meta = read_json(manifest)
        except InputError as exc:
            log.warning("skipping a county: %s", exc)
            continue
        add_county(out, str(meta.get("name") or manifest.parent.name), manifest.parent,
                   str(meta.get("county_id") or manifest.parent.name))
    return out


def add_county(found: dict[str, Path], name: str, source: Path, county_id: str) -> None:
    """List county ``county_id`` (from ``source``) in ``found`` under its display ``name``.

    A county listed already under that name hides this one only if it is the same county
    (an earlier root's copy of it); another county of the same name, common for townships
    (城关镇 is in hundreds of counties), is listed as ``name (county_id)`` so that neither
    hides the other.
    """
    if name in found and county_id_of(found[name]) != county_id:
        name = f"{name} ({county_id})"
    found.setdefault(name, source)


def shown_url(url: str) -> str:
    """``url`` as logs and messages may show it: without its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing in it is worth showing
        return "(not a database URL)"


class StoreOpener:
    """The store at one URL for a long-lived server: opened on first use and kept.

    The app must still plan when the database is down, so a failure only turns the
    store's features (sign-in, durable plans) off, and is logged. It is not kept for good:
    the next request at least ``retry_s`` seconds later (or one that asks to retry) tries
    again, so a database that was down when the server started is reached once it is back,
    without a restart. :attr:`error` is why the last try failed.

    Parameters
    ----------
    url : str
        SQLAlchemy URL (``sqlite:///…`` or ``postgresql…``).
    cache_dir : Path
        Created first: the default SQLite file lives there.
    retry_s : float
        Seconds between tries while the database cannot be opened.
    clock : callable
        Monotonic seconds (the tests' own clock).
    """

    def __init__(self, url: str, cache_dir: Path, *, retry_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url, self.cache_dir, self.retry_s, self._clock = url, cache_dir, retry_s, clock
        self._lock = threading.Lock()  # one try at a time for every session of the server
        self._store: Store | None = None
        self._failed_at: float | None = None
        self.error: Exception | None = None

    def store(self, *, retry: bool = False) -> Store | None:
        """The store, or ``None`` while it cannot be opened.

        Parameters
        ----------
        retry : bool
            Try now even if the last failed try was less than ``retry_s`` ago (the user
            asked to try again).
        """
        with self._lock:
            if self._store is not None:
                return self._store
            if (not retry and self._failed_at is not None
                    and self._clock() - self._failed_at < self.retry_s):
                return None
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                self._store = Store.open(self.url, bcrypt_rounds=get_settings().bcrypt_rounds,
                                         clock=app_now)
                self.error = None
            except Exception as exc:  # whatever it is, the app goes on without the store
                if self.error is None or str(self.error) != str(exc):
                    log.exception("plan store unavailable at %s", shown_url(self.url))
                else:  # the same again, every retry_s while it lasts: one line, no traceback
                    log.warning("plan store still unavailable at %s: %s",
                                shown_url(self.url), exc)
                self._failed_at, self.error = self._clock(), exc
            return self._store


# ------------------------------------------------------------ the counties a user may open


#: How the app names a county the store holds without a folder: ``store:<county_id>``.
STORE_COUNTY = "store:"


def stored_county_id(source: str | Path) -> str | None:
    """The county id of a ``store:<county_id>`` source (:data:`STORE_COUNTY`), else ``None``
    (a folder)."""
    text = str(source)
    return text[len(STORE_COUNTY):] if text.startswith(STORE_COUNTY) else None


def store_counties(loop: Any) -> dict[str, Path]:
    """The counties a store holds, by name, as ``store:<county_id>`` sources.

    Parameters
    ----------
    loop : countyreach.services.loop.DailyLoop
        Its store is read with the operator's session (the server's own view: what a user
        may see of a county is still checked on each of their requests).

    Returns
    -------
    dict
        ``name -> Path("store:<county_id>")``, each county with its imported map files
        (what :meth:`DailyLoop.county_data` loads, as ``plan COUNTY_ID`` does).
    """
    admin = loop.store.operator_session()
    out: dict[str, Path] = {}
    try:
        for cid in loop.store.learning.county_ids(admin):
            try:
                _, manifest = loop.store.learning.county_files(admin, cid)
            except InputError:  # a county created without its files: nothing to load
                continue
            add_county(out, str(manifest.get("name") or cid), Path(f"{STORE_COUNTY}{cid}"), cid)
    finally:
        loop.store.logout(admin)  # listed every minute: no session is left behind
    return out


def county_id_of(folder: Path) -> str:
    """The ``county_id`` a county folder's manifest declares (else the folder's name); a
    ``store:<county_id>`` source's id."""
    stored = stored_county_id(folder)
    if stored is not None:
        return stored
    try:
        meta = read_json(folder / "county.json")
    except InputError:
        return folder.name
    return str(meta.get("county_id") or folder.name)


def counties_for(folders: Mapping[str, Path], county_id: str | None) -> dict[str, Path]:
    """The county folders a signed-in user works in.

    Parameters
    ----------
    folders : mapping
        ``name -> folder`` (:func:`county_folders`).
    county_id : str or None
        The user's county; ``None`` (a region's manager, a head-office planner, an
        admin) keeps every folder: the store still refuses counties outside their scope.

    Returns
    -------
    dict
        ``name -> folder``, in the order given.
    """
    if county_id is None:
        return dict(folders)
    return {name: p for name, p in folders.items() if county_id_of(p) == county_id}


# --------------------------------------------------------------------------- demo mode


#: The demo's shared password (shown on the sign-in page: demo accounts guard nothing).
DEMO_PASSWORD = "countyreach-demo"
DEMO_ADMIN = "demo-admin"
#: The region the demo county is put in (a manager of the demo sees it).
DEMO_REGION = "demo"


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One account of the demo: sign in with ``username`` and :data:`DEMO_PASSWORD`.

    ``created`` is True when this call created it (False: it existed already).
    """

    username: str
    role: Role
    officer_id: str | None = None
    created: bool = False

    @property
    def password(self) -> str:
        """The demo's shared, public password (:data:`DEMO_PASSWORD`)."""
        return DEMO_PASSWORD


def demo_usernames(officer_ids: Sequence[str]) -> tuple[DemoUser, ...]:
    """The demo's accounts: one manager, one planner and one per officer."""
    return (DemoUser("demo-manager", Role.MANAGER), DemoUser("demo-planner", Role.PLANNER),
            *(DemoUser(f"demo-{oid.lower()}", Role.OFFICER, oid) for oid in officer_ids))


def seed_demo_users(store: Store, county_id: str, county_name: str,
                    officer_ids: Sequence[str], *,
                    session: Session | None = None) -> tuple[DemoUser, ...]:
    """Create the demo's accounts for one county (idempotent) so a newcomer can try each role.

    The one seeder of demo accounts, for the app's "Try the demo" and ``countyreach demo``
    (which imports the demo county first and passes its operator session). It creates
    the county (in :data:`DEMO_REGION`) and a manager, a planner and one officer account
    per officer, all with :data:`DEMO_PASSWORD`; accounts that exist are left alone.

    Without ``session`` an empty store gets a demo admin (the store's bootstrap rule: only
    the first user may be created without a session), which creates the accounts. A store
    that already has users takes demo accounts only when its demo admin exists; when it
    has none but the demo accounts exist already (seeded by ``countyreach demo``) they are
    returned as they are. Any other store with real users is left alone.

    Parameters
    ----------
    store : Store
    county_id, county_name : str
        The county the demo accounts work in.
    officer_ids : sequence of str
        The county's officers (one account each).
    session : Session, optional
        An admin's session to create the accounts with (the command line's operator).

    Returns
    -------
    tuple of DemoUser
        Every demo account of the county, ``created`` True for the ones made now.

    Raises
    ------
    AccessDenied
        No ``session``, and the store has users but neither a demo admin nor the demo
        accounts (demo mode is for a fresh store).
    """
    users = demo_usernames(officer_ids)
    if session is not None:
        return _create_demo_users(store, session, county_id, county_name, users)
    try:
        admin = store.login(DEMO_ADMIN, DEMO_PASSWORD, ttl_s=600)
    except AccessDenied:
        try:  # refused when the store already has users
            store.create_user(DEMO_ADMIN, DEMO_PASSWORD, Role.ADMIN)
        except AccessDenied:
            if _demo_accounts_exist(store, users):
                return users
            raise
        admin = store.login(DEMO_ADMIN, DEMO_PASSWORD, ttl_s=600)
    try:
        return _create_demo_users(store, admin, county_id, county_name, users)
    finally:
        store.logout(admin)


def _create_demo_users(store: Store, admin: Session, county_id: str, county_name: str,
                       users: Sequence[DemoUser]) -> tuple[DemoUser, ...]:
    store.ensure_county(admin, county_id, county_name, DEMO_REGION)
    out = []
    for user in users:
        try:
            store.create_user(user.username, DEMO_PASSWORD, user.role,
                              user.officer_id if user.role is Role.OFFICER else None,
                              county_id, session=admin)
            out.append(replace(user, created=True))
        except InputError as exc:
            if "already exists" not in str(exc):
                raise
            out.append(user)
    return tuple(out)


def _demo_accounts_exist(store: Store, users: Sequence[DemoUser]) -> bool:
    """Every demo account exists and the demo manager signs in with the demo password."""
    if not {u.username for u in users} <= set(store.users.usernames()):
        return False
    try:
        store.logout(store.login(users[0].username, DEMO_PASSWORD, ttl_s=60))
    except AccessDenied:
        return False
    return True


# --------------------------------------------------------------------------- the app's model

#: ``load(home, record)``: a registered model, its file checked against the registry.
Loader = Callable[[Path, ModelRecord], propensity.LeadScorer]


@dataclass(frozen=True, eq=False)
class PlanningModel:
    """The lead model the app plans, scores and explains a county with, and its standing.

    ``record`` is the store's promoted model, used as it is: a page never retrains (that
    takes minutes), so a stale model plans and the page says so (``COUNTYREACH_STALE_MODEL
    =warn``). ``freshness`` is ``"current"``, ``"waiting"`` (current for today's plans,
    trained before the outcomes of ``waits_from``, today, which the next retraining learns:
    :mod:`countyreach.services.model_choice`), ``"data"`` or ``"code"`` (stale: trained on
    other data, or by other code) or ``"unchecked"`` (the user may not read the leads the
    check covers). Without ``record`` it is the folder's file model and ``freshness`` says
    why: ``"not_stored"`` (the store does not hold the county, for this user),
    ``"no_model"`` (it holds the county, not yet a model of it) or ``"no_store"``.
    """

    scorer: propensity.LeadScorer
    county_id: str
    record: ModelRecord | None
    freshness: str
    waits_from: str = ""

    @property
    def key(self) -> str:
        """What caches of the model's scores are keyed by: a new promotion is a new key."""
        r = self.record
        return FILE_MODEL if r is None else f"{r.county_id}/v{r.version}/{r.artefact_sha256}"

    @property
    def stale(self) -> bool:
        """Whether the store's model was trained on other data or by other code."""
        return self.freshness in ("data", "code")

    @property
    def label(self) -> str:
        """``model qingzu v3 (data 1a2b3c4d, code 0.1.0+5e6f)``, or :data:`FILE_MODEL`."""
        r = self.record
        if r is None:
            return FILE_MODEL
        return f"model {r.county_id} v{r.version} (data {r.data_hash[:8]}, code {r.code_version})"

    @property
    def meta(self) -> dict[str, Any]:
        """What a plan made with this model keeps in its meta (the daily loop's keys)."""
        if self.record is None:
            return {"model": FILE_MODEL, "model_note": f"file model ({self.freshness})"}
        v = self.record.version
        note = (f"model v{v} is stale ({STALE_WHY[self.freshness]}): used until the next "
                f"`countyreach retrain {self.county_id}`" if self.stale
                else f"model {self.county_id} v{v} (current; outcomes of {self.waits_from} "
                "and later are learnt by the next retraining)" if self.freshness == "waiting"
                else f"model {self.county_id} v{v} ({self.freshness})")
        return {"model": self.label, "model_version": v, "model_stale": self.stale,
                "model_note": note,
                "value_basis": propensity.value_basis_of(self.scorer).text(model=f"model v{v}")}

    def notice(self, lang: str) -> tuple[str, str]:
        """``(kind, text)``: which model plans, in ``lang``; ``kind`` is ``"caption"``,
        ``"info"`` (the file model) or ``"warning"`` (a stale model)."""
        c = self.county_id
        if self.record is None:
            key = {"no_store": "model_file_no_store", "no_model": "model_file_not_trained",
                   "not_stored": "model_file_no_model"}[self.freshness]
            return "info", t(key, lang, county=c)
        v = self.record.version
        text = {"current": t("model_store_current", lang, county=c, version=v),
                "waiting": t("model_store_waiting", lang, county=c, version=v,
                             day=self.waits_from),
                "data": t("model_store_data", lang, county=c, version=v),
                "code": t("model_store_code", lang, county=c, version=v),
                "unchecked": t("model_store_unchecked", lang, county=c, version=v)}
        return ("warning" if self.stale else "caption"), text[self.freshness]


def planning_model(loop: DailyLoop | None, session: Session | None, county_id: str,
                   file_scorer: Callable[[], propensity.LeadScorer], *,
                   load: Loader = load_model) -> PlanningModel:
    """The model the app plans ``county_id`` with: the store's promoted one, else the file model.

    Parameters
    ----------
    loop : DailyLoop or None
        The store's service (``None``: the store is down).
    session : Session or None
        The signed-in user.
    county_id : str
    file_scorer : callable
        Returns the county folder's file model; called only when the store has no model.
    load : callable
        ``load(home, record)``: :func:`~countyreach.services.models.load_model`, which checks
        the artefact's sha256 against the registry (the app passes a cached one).

    Returns
    -------
    PlanningModel

    Raises
    ------
    ModelError
        The promoted model's file is missing, altered or unreadable: said, never replaced
        by another model silently.
    """
    if loop is None or session is None:
        return PlanningModel(file_scorer(), county_id, None, "no_store")
    try:
        record = loop.store.promoted_model(session, county_id)
        if record is None:
            loop.store.learning.county_files(session, county_id)  # imported?
    except (AccessDenied, InputError):  # a county the store does not hold (for this user)
        return PlanningModel(file_scorer(), county_id, None, "not_stored")
    except StoreError:
        return PlanningModel(file_scorer(), county_id, None, "no_store")
    if record is None:  # imported, never trained: importing again would not help
        return PlanningModel(file_scorer(), county_id, None, "no_model")
    scorer = load(loop.home, record)
    try:
        learn, every = loop.training_data_hashes(session, county_id)
    except AccessDenied:  # a planner: the check reads the leads' model inputs
        return PlanningModel(scorer, county_id, record, "unchecked")
    fresh = model_freshness(record, (learn, every))
    if fresh == "current" and record.data_hash != every:
        return PlanningModel(scorer, county_id, record, "waiting",
                             county_today(loop.store.now()))
    return PlanningModel(scorer, county_id, record, fresh)
