"""What the pages share: cached resources of the server and this session's state.

Cached resources (``st.cache_resource``) live once per server process: the loaded
county, its map roads and scores, the store and its models (a registered model keyed by
county, version and artefact sha256, scores by the model that made them, so a promotion
is picked up on the next page). Session helpers read ``st.session_state``
(language, chosen county, the current day, the signed-in store session, outcomes waiting
to be sent). What must outlive the server — published plans, outcomes, the do-not-visit
list, users and the language each chose — is in the store only. Nothing here computes
results: that is :mod:`countyreach.services`.

Staying signed in across a reload: Streamlit cannot set a cookie from the server, so a
signed-in page writes the store session's token into a ``SameSite=Strict`` cookie from the
browser (:func:`session_cookie`), living as long as the session. A new browser session (a
reload, a new tab) reads it from the websocket's request (``st.context.cookies``) and is
signed in again only if the store says the token is still live (:func:`resume_session`);
signing out ends the token in the store and clears the cookie. The token never goes into
the URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from countyreach import pipeline
from countyreach.errors import AccessDenied, InputError, ModelError, StoreError
from countyreach.i18n import LANGS, t
from countyreach.input_warnings import collected
from countyreach.localize import message_of, note_text
from countyreach.services import deck as dk
from countyreach.services import maps
from countyreach.services.coverage import build_world
from countyreach.services.day_rules import DayRules, store_day_rules
from countyreach.services.diagnostics import ModelView, model_view
from countyreach.services.loop import DailyLoop
from countyreach.services.model_views import BasisView, basis_view
from countyreach.services.models import load_model
from countyreach.services.officer import OutcomeQueue, do_not_visit_ids
from countyreach.services.visited import VisitedStops
from countyreach.services.visited import visited_stops as visited_stops_of
from countyreach.services.workspace import (
    PlanningModel,
    StoreOpener,
    add_county,
    app_now,
    counties_for,
    county_folders,
    county_id_of,
    planning_model,
    store_counties,
    stored_county_id,
)
from countyreach.settings import get_settings
from countyreach.store import ModelRecord, Session, Store

if TYPE_CHECKING:
    import propensity
    from countyreach.simulation import SimWorld

REPO = Path(__file__).resolve().parents[1]
#: The repository's own counties, offered after the configured ones.
DATA = REPO / "data"
#: The cookie that keeps a browser signed in across reloads: the store session's token.
SESSION_COOKIE = "countyreach_session"


# --------------------------------------------------------------------------- settings


def cache_dir() -> Path:
    """Road-graph and model cache (``COUNTYREACH_CACHE``)."""
    return get_settings().cache_dir


def all_counties() -> dict[str, Path]:
    """Counties by display name: folders of ``COUNTYREACH_DATA`` first, then ``data/``, then
    the counties the store holds with no folder here (``store:<county_id>``: imported with
    ``county import``, files under ``COUNTYREACH_HOME``, as ``plan COUNTY_ID`` finds them)."""
    found = county_folders([*get_settings().data_roots, DATA])
    folders = {county_id_of(p) for p in found.values()}
    loop = store_loop()
    if loop is not None:
        try:
            stored = _stored_counties(get_settings().store_url)
        except (StoreError, InputError):  # the database is away: the folders still plan
            stored = {}
        for name, source in stored.items():
            if (cid := county_id_of(source)) not in folders:
                add_county(found, name.removesuffix(f" ({cid})"), source, cid)
    return found


@st.cache_data(show_spinner=False, ttl=60)
def _stored_counties(url: str) -> dict[str, Path]:
    # a county imported while the app runs shows up within a minute
    loop = store_loop()
    return {} if loop is None else store_counties(loop)


def counties() -> dict[str, Path]:
    """The counties the signed-in user works in (every county before sign-in)."""
    sess = st.session_state.get("store_session")
    found = all_counties()
    mine = counties_for(found, sess.county_id if sess is not None else None)
    return mine or found


# --------------------------------------------------------------------------- cached resources


@st.cache_resource(show_spinner=False)
def _county_loaded(path: str) -> tuple[pipeline.CountyData, tuple[str, ...]]:
    stored = stored_county_id(path)
    if stored is not None:
        # a county the store holds: loaded as `plan COUNTY_ID` loads it (the server's own
        # view, cached for every user; each user's requests are still checked by the store)
        loop = store_loop()
        if loop is None:
            raise StoreError("the store is not reachable")
        admin = loop.store.operator_session()
        return loop.county_data(admin, stored), loop.county_warnings(admin, stored)
    with collected() as notes:
        data = pipeline.load_county_data(path, cache_dir=cache_dir())
    return data, tuple(notes)


def county_data(path: str) -> pipeline.CountyData:
    """The county loaded and snapped once per server process."""
    return _county_loaded(path)[0]


def show_input_warnings() -> None:
    """List what loading the chosen county snapped, skipped or ignored (file and row), in a
    closed expander: the manager sees it where the plan is made, not in the server log."""
    notes = _county_loaded(county_path())[1]
    if notes:
        with st.expander(t("input_warnings", lang(), n=len(notes)), icon=":material/warning:"):
            st.text("\n".join(note_text(note, lang()) for note in notes))  # one a line


@st.cache_resource(show_spinner=False)
def county_roads(path: str) -> list[dict[str, Any]]:
    """Road lines of the county for the offline map layer."""
    return maps.road_paths(county_data(path).graph)


@st.cache_resource(show_spinner=False)
def county_scorer(path: str) -> propensity.LeadScorer:
    """The county folder's file model, with its value basis (trained once, cached on disk):
    used only when the store has no model of the county (see :func:`current_model`)."""
    return pipeline.get_scorer(county_data(path), cache_dir=cache_dir())


@st.cache_resource(show_spinner=False, max_entries=8)
def registry_scorer(home: str, county_id: str, version: int, sha256: str,
                    _record: ModelRecord) -> propensity.LeadScorer:
    """A registered model, loaded once per county, version and artefact sha256 (the key: a
    new promotion loads the new model). ``load_model`` checks the file against the sha256
    first, and builds its path from the validated id and version only."""
    return load_model(Path(home), _record)


def _load_registered(home: Path, record: ModelRecord) -> propensity.LeadScorer:
    return registry_scorer(str(home), record.county_id, record.version,
                           record.artefact_sha256, record)


@st.cache_resource(show_spinner=False, max_entries=16)
def county_scores(path: str, month: str, model_key: str,
                  _scorer: propensity.LeadScorer, rules_key: str = "",
                  _rules: DayRules | None = None) -> pd.DataFrame:
    """Scores of every lead for a month, on the model's value basis (keyed by the model:
    :attr:`PlanningModel.key`), with the store's loan book and do-not-visit list when
    ``_rules`` are given (keyed by :meth:`DayRules.scores_key`), as the plan scores them."""
    if _rules is None:
        return pipeline.score_leads(county_data(path), _scorer, month)
    return pipeline.score_leads(county_data(path), _scorer, month,
                                do_not_visit=_rules.do_not_visit, loan_book=_rules.loan_book)


@st.cache_resource(show_spinner=False, max_entries=4)
def model_view_cached(path: str, month: str, model_key: str,
                      _scorer: propensity.LeadScorer) -> ModelView:
    """The out-of-time model report (trains an evaluation model: minutes, so cached)."""
    return model_view(county_data(path), _scorer, month)


@st.cache_resource(show_spinner=False, max_entries=4)
def sim_world(kind: str, path: str) -> SimWorld:
    """A simulation world: the chosen county on its roads, or 唐县 from place points."""
    return build_world(kind, path, cache_dir=cache_dir())


@st.cache_resource(show_spinner=False)
def store_opener(url: str) -> StoreOpener:
    """The server's one opener of the store at ``url`` (it tries again while it is down)."""
    return StoreOpener(url, get_settings().cache_dir)


def plan_store() -> Store | None:
    """The store (the one system of record), or ``None`` while its database is down."""
    return store_opener(get_settings().store_url).store()


@st.cache_resource(show_spinner=False)
def _loop(url: str, home: str, _store: Store) -> DailyLoop:
    # one per store and data directory: it keeps the store's county data between pages
    return DailyLoop.from_settings(_store)


def store_loop() -> DailyLoop | None:
    """The store's service (:class:`DailyLoop`), or ``None`` while its database is down."""
    s, store = get_settings(), plan_store()
    return None if store is None else _loop(s.store_url, str(s.home_dir), store)


@st.cache_resource(show_spinner=False, ttl=600)
def basemap_reachable() -> bool:
    """Probe the tile server at most every 10 minutes (off here when there is no internet)."""
    return dk.basemap_reachable()


# --------------------------------------------------------------------------- session


def lang() -> str:
    """Interface language of this session."""
    return str(st.session_state.get("lang") or "zh")


def labelled_key(base: str, default: Any) -> str:
    """The key of a choice widget whose option labels depend on the language.

    The browser keeps a multiselect's or selectbox's choice by its label, so once the
    language switches the old labels match no option: the choice shows in the old language,
    then vanishes. Each language gets its own widget (``base_<lang>``), seeded with the
    choice kept under ``base``; the page stores each run's choice there with
    :func:`keep_choice`.
    """
    key = f"{base}_{lang()}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(base, default)
    return key


def keep_choice(base: str, value: Any) -> Any:
    """Keep a :func:`labelled_key` widget's ``value`` under ``base``, and return it."""
    st.session_state[base] = value
    return value


def county_path() -> str:
    """Folder of the county chosen in the sidebar (the first one until a choice)."""
    found = counties()
    chosen = st.session_state.get("county")
    if chosen not in found:
        chosen = next(iter(found))
    return str(found[chosen])


def county_id() -> str:
    """Id of the chosen county (from its manifest or the store: a county whose files fail to
    load still has an id, so the store's pages work and :func:`load_county` says why)."""
    return county_id_of(Path(county_path()))


def county_crs() -> str:
    """The chosen county's declared coordinate system, in which its exports give places.

    A county that fails to load stops the page after saying why (:func:`load_county`).
    """
    data = load_county()
    if data is None:
        st.stop()
    return data.county.crs


def load_county() -> pipeline.CountyData | None:
    """The chosen county, or ``None`` after showing why it cannot be loaded."""
    L = lang()
    try:
        with st.spinner(t("loading_county", L)):
            return county_data(county_path())
    except Exception as exc:  # a bad county file must not take the app down
        # an input error lists each bad row on its own line: keep them apart in Markdown
        st.error(t("county_error", L) + t("note_sep", L) + message_of(exc, L).replace("\n", "  \n"))
        return None


def current_model(*, quiet: bool = False) -> PlanningModel | None:
    """The model the chosen county plans, scores and explains with: the store's promoted
    model of the county, else the folder's file model (:func:`planning_model`).

    A stale store model is used as it is (the pages say so: retraining takes minutes and
    is never done in a page); ``None`` after an error or warning on why there is no model
    (nothing shown with ``quiet``).
    """
    path, signed = county_path(), signed_in()
    try:
        return planning_model(store_loop() if signed is not None else None,
                              signed[1] if signed is not None else None, county_id(),
                              lambda: county_scorer(path), load=_load_registered)
    except ModelError as exc:  # the registry's model is missing or altered: never replaced
        if not quiet:
            st.error(t("model_unusable", lang(), why=message_of(exc, lang())))
    except Exception as exc:  # no model (no history): the pages say so and go on
        if not quiet:
            st.warning(f"{t('scores_need_model', lang())} ({message_of(exc, lang())})")
    return None


def show_model(model: PlanningModel) -> None:
    """Which model plans the county, and whether it is stale (a warning when it is)."""
    kind, text = model.notice(lang())
    if kind == "warning":
        st.warning(text, icon=":material/update:")
    elif kind == "info":
        st.info(text, icon=":material/description:")
    else:
        st.caption(text)


def show_plan_model(meta: Mapping[str, Any], county: str) -> None:
    """Which model made a plan of ``county``, from the plan's meta."""
    L = lang()
    version = meta.get("model_version")
    if version is None:
        st.caption(t("plan_model_file", L))
        return
    key = "plan_model_store_stale" if meta.get("model_stale") else "plan_model_store"
    st.caption(t(key, L, county=county, version=version))


def scores(month: str, model: PlanningModel | None = None,
           rules: DayRules | None = None) -> pd.DataFrame | None:
    """The chosen county's scores for ``month`` on ``model`` (default :func:`current_model`),
    by the store's ``rules`` of the day if given (its loan book: the values the plan will
    use), or ``None`` after a warning."""
    model = model or current_model()
    if model is None:
        return None
    try:
        return county_scores(county_path(), month, model.key, model.scorer,
                             "" if rules is None else rules.scores_key(), rules)
    except Exception as exc:
        st.warning(f"{t('scores_need_model', lang())} ({message_of(exc, lang())})")
        return None


def value_basis(model: PlanningModel | None = None) -> BasisView | None:
    """What the chosen county's plans value and why (on ``model``, default
    :func:`current_model`), or ``None`` (its error was shown where the model was asked)."""
    model = model or current_model(quiet=True)
    return None if model is None else basis_view(model.scorer, lang())


def progress_callback(bar: Any) -> Callable[[str, float], None]:
    """Report the pipeline's stages on a progress bar, in this session's language."""
    L = lang()

    def report(stage: str, fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"stage_{stage}", L))

    return report


def show_map(md: maps.MapData, key: str, height: int = 560, *,
             selectable: bool = False) -> str | None:
    """Draw the map (offline unless the sidebar's basemap is on) and its attribution.

    With ``selectable`` a click on a lead selects it: its id is returned (else ``None``).
    """
    deck = dk.build_deck(md, basemap=bool(st.session_state.get("basemap", False)),
                         height_px=height)
    if not selectable:
        st.pydeck_chart(deck, key=key, height=height)
        st.caption(t("attribution", lang()))
        return None
    event = st.pydeck_chart(deck, key=key, height=height, on_select="rerun",
                            selection_mode="single-object")
    st.caption(t("attribution", lang()))
    try:
        picked = (event.selection.get("objects") or {}).get("leads") or []
    except AttributeError:  # no selection state (e.g. under AppTest)
        return None
    return str(picked[0].get("lead_id")) if picked else None


def current_day() -> pipeline.DayPlan | None:
    """The manager's planned day in this session, if any."""
    day = st.session_state.get("day")
    # Duck-typed: a module reload (the file watcher) makes a new DayPlan class.
    return day if day is not None and hasattr(day, "plan") else None


def set_day(day: pipeline.DayPlan) -> None:
    """Make ``day`` this session's plan, with its road legs for the map."""
    # "Plan published: … vN" spoke of the plan it replaces: under a new draft it would say
    # the draft is what the officers have
    st.session_state.pop("published_version", None)
    st.session_state["day"] = day
    st.session_state["legs"] = maps.route_legs(day.county, day.problem, day.plan)


def signed_in() -> tuple[Store, Session] | None:
    """``(store, session)`` of the signed-in user; ``None`` (signed out) once it expired."""
    store, sess = plan_store(), st.session_state.get("store_session")
    if store is None or sess is None:
        return None
    if sess.expires_at <= store.now():
        sign_out(t("session_expired", lang()))
        return None
    return store, sess


def start_session(store: Store, sess: Session) -> None:
    """Make ``sess`` this browser session's sign-in and switch to the user's language.

    A language picked on the sign-in page is kept as the user's choice; otherwise the
    language the user chose before (in any browser) is used, if any.
    """
    st.session_state["store_session"] = sess
    st.session_state.pop("clear_cookie", None)
    st.session_state.pop("sign_in_reason", None)
    chose_before = st.session_state.pop("lang_chosen", False)
    with contextlib.suppress(AccessDenied, StoreError):  # a language is not worth failing for
        if chose_before:
            store.users.set_language(sess, lang())
            return
        stored = store.users.language(sess)
        if stored in LANGS:
            st.session_state["lang"] = stored


def resume_session() -> None:
    """Sign this browser session in again from the session cookie, if the store agrees.

    The cookie is only a claim: the store checks the token (known, not signed out, not
    expired, account active) and supplies the user, role and scope. A refused token is
    remembered for this browser session (not checked again) and its cookie cleared.
    """
    if st.session_state.get("store_session") is not None:
        return
    token = st.context.cookies.get(SESSION_COOKIE)
    if not token or token == st.session_state.get("cookie_refused"):
        return
    store = plan_store()
    if store is None:
        return  # the database is away: the cookie may still be good later
    try:
        sess = store.users.resume(token)
    except AccessDenied:
        st.session_state["cookie_refused"] = token
        st.session_state["clear_cookie"] = True
        return
    except StoreError:
        return
    start_session(store, sess)


def remember_language(choice: str) -> None:
    """Keep ``choice`` as the signed-in user's language (before sign-in: until signing in)."""
    signed = signed_in()
    if signed is None:
        st.session_state["lang_chosen"] = True
        return
    with contextlib.suppress(AccessDenied, StoreError):
        signed[0].users.set_language(signed[1], choice)


def session_cookie() -> None:
    """Write (signed in) or clear (just signed out) the session cookie in the browser.

    Drawn on every run: setting the same cookie again is harmless, and a run cut short by
    a page switch cannot lose it. ``SameSite=Strict`` keeps other sites' requests from
    carrying it, ``Secure`` is added when the app is served over HTTPS, and it expires
    with the store session.
    """
    sess = st.session_state.get("store_session")
    if sess is not None:
        store = plan_store()
        now = store.now() if store is not None else sess.expires_at
        age = max(int((sess.expires_at - now).total_seconds()), 0)
        # a script literal that cannot close the script element, whatever the token holds
        value = json.dumps(str(sess.token)).replace("<", "\\u003c")
    elif st.session_state.get("clear_cookie"):
        age, value = 0, '""'
    else:
        return
    st.html(f"""<script>(() => {{
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "{SESSION_COOKIE}=" + {value} + "; path=/; max-age={age}; SameSite=Strict"
    + secure;
}})();</script>""", unsafe_allow_javascript=True)


def role() -> str:
    """The signed-in user's role (``""`` when nobody is signed in)."""
    sess = st.session_state.get("store_session")
    return str(sess.role) if sess is not None else ""


def sign_out(reason: str = "") -> None:
    """Forget this browser session's sign-in (the store ends the token too)."""
    store, sess = plan_store(), st.session_state.pop("store_session", None)
    if store is not None and sess is not None:
        # an expired or unreachable session is gone either way
        with contextlib.suppress(Exception):
            store.logout(sess)
    for key in ("day", "legs", "pins", "follow_up_pins", "outcome_queue", "published_version",
                "first_passwords", "person_copy"):  # passwords and a business's copy go too
        st.session_state.pop(key, None)
    st.session_state["clear_cookie"] = True
    if reason:
        st.session_state["sign_in_reason"] = reason


def refused(exc: Exception) -> None:
    """Say why the store refused (an expired session signs out; another county names theirs)."""
    if isinstance(exc, AccessDenied) and "log in again" in str(exc):
        sign_out(t("session_expired", lang()))
        st.rerun()
    sess = st.session_state.get("store_session")
    if isinstance(exc, AccessDenied) and "no access to county" in str(exc) \
            and sess is not None and sess.county_id:
        chosen = county_id()
        st.error(t("county_not_stored", lang(), county=chosen) if chosen == sess.county_id
                 else t("no_county_access", lang(), mine=sess.county_id, county=chosen))
        return
    st.error(t("refused", lang(), why=exc))


def outcome_queue() -> OutcomeQueue:
    """Outcomes of this browser session still waiting for the store."""
    return st.session_state.setdefault("outcome_queue", OutcomeQueue())


def do_not_visit() -> set[str]:
    """Leads not to plan in the chosen county: the store's do-not-visit list."""
    signed = signed_in()
    if signed is None:
        return set()
    return do_not_visit_ids(*signed, county_id())


def store_rules(plan_date: str, data: pipeline.CountyData) -> DayRules | None:
    """The store's rules for the chosen county's day (follow-ups, exclusions, do-not-visit,
    loan book: :mod:`countyreach.services.day_rules`), the same the CLI plans by; ``None``
    when nobody is signed in or the store does not hold the county (planned from the folder)."""
    signed = signed_in()
    return store_day_rules(store_loop() if signed is not None else None,
                           signed[1] if signed is not None else None, county_id(), plan_date,
                           data)


def visited_stops(plan_date: str) -> VisitedStops:
    """The chosen county's published plan of ``plan_date`` and the stops its officers already
    visited (:func:`countyreach.services.visited.visited_stops`): empty when nobody is
    signed in or the store has no published plan of the day."""
    signed = signed_in()
    if signed is None:
        return VisitedStops()
    try:
        return visited_stops_of(*signed, county_id(), plan_date)
    except (InputError, AccessDenied, StoreError):  # a county the store does not hold
        return VisitedStops()


def today() -> dt.date:
    """Today in the counties (UTC+8), whatever the server's zone: an officer opening the
    list at 07:30 must see that day's, not yesterday's on a server that keeps UTC."""
    from countyreach.dates import county_today

    return dt.date.fromisoformat(county_today(app_now()))


def url_date() -> dt.date | None:
    """The day the URL names (``?date=YYYY-MM-DD``): a reload or a shared link opens on the
    day that was picked, not on today."""
    try:
        return dt.date.fromisoformat(str(st.query_params.get("date", "")))
    except ValueError:
        return None


def keep_date_in_url(day: dt.date) -> None:
    """Put the picked day in the URL (and take it out for today, which needs none)."""
    if day == today():
        st.query_params.pop("date", None)
    elif st.query_params.get("date") != day.isoformat():
        st.query_params["date"] = day.isoformat()

