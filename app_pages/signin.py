"""Sign-in page: who are you? Demo mode creates one account per role on a fresh store."""

from __future__ import annotations

import logging

import streamlit as st

from app_pages import common as ui
from countyreach.errors import AccessDenied, SignInLocked, StoreError, StoreTooNew
from countyreach.i18n import t
from countyreach.io import load_county, read_officers
from countyreach.localize import error_text
from countyreach.services.workspace import DEMO_PASSWORD, seed_demo_users
from countyreach.settings import get_settings
from countyreach.store import Store

log = logging.getLogger(__name__)

#: Each role's first page after signing in.
HOME = {"officer": "officer", "manager": "manager", "planner": "planner", "admin": "manager"}


def _signed_in(store: Store, user: str, password: str) -> bool:
    """Open a session for ``user``; on success remember it and go to the role's home page."""
    L = ui.lang()
    if not (user or "").strip() or not password:
        st.error(t("sign_in_empty", L))
        return False
    try:
        sess = store.login(user.strip(), password)
    except SignInLocked as exc:
        st.error(t("sign_in_locked", L, minutes=exc.minutes_left(store.now())))
        return False
    except AccessDenied:
        st.error(t("sign_in_wrong", L))
        return False
    except StoreError:  # the database went away: what it said is for the server's log
        log.exception("sign-in failed on the store")
        st.error(t("store_down", L))
        return False
    except Exception as exc:
        st.error(t("sign_in_failed", L, why=error_text(exc, L)))
        return False
    ui.start_session(store, sess)
    st.session_state["goto"] = HOME.get(str(sess.role), "manager")
    return True


def _demo(store: Store) -> None:
    L = ui.lang()
    with st.expander(t("demo_title", L), expanded=bool(st.session_state.get("demo_users"))):
        st.write(t("demo_intro", L, password=DEMO_PASSWORD))
        if st.button(t("demo_button", L), key="demo_seed"):
            folder = next(iter(ui.all_counties().values()))
            county = load_county(folder)
            officers = read_officers(county.officers, crs=county.crs)
            try:
                users = seed_demo_users(store, county.county_id, county.name,
                                        [o.officer_id for o in officers])
            except Exception as exc:
                st.warning(t("demo_refused", L, why=exc))
                return
            st.session_state["demo_users"] = [u.username for u in users]
        names: list[str] = list(st.session_state.get("demo_users") or [])
        if names:
            st.caption(t("demo_ready", L))
            for name in names:
                if st.button(t("demo_sign_in_as", L, user=name), key=f"demo_as_{name}",
                             width="stretch") and _signed_in(store, name, DEMO_PASSWORD):
                    st.rerun()


def _store_down() -> None:
    """Why there is no signing in: the database is down (its address and error are in the
    server's log, not for the page), or a newer countyreach migrated it (said, with the
    revisions, since only the people running the server can mend it)."""
    L = ui.lang()
    opener = ui.store_opener(get_settings().store_url)
    if isinstance(opener.error, StoreTooNew):
        st.error(t("store_too_new", L, revision=opener.error.revision,
                   known=opener.error.known))
    else:
        st.error(t("store_down", L))
    # the server tries again by itself every little while; this is for a user who knows
    # the database is back
    if st.button(t("store_retry", L), key="store_retry") and opener.store(retry=True):
        st.rerun()


def render() -> None:
    """The sign-in form and the demo accounts."""
    L = ui.lang()
    st.title(t("sign_in_title", L))
    reason = st.session_state.get("sign_in_reason")
    if reason:
        st.warning(reason)
    store = ui.plan_store()
    if store is None:
        _store_down()
        return
    st.write(t("sign_in_intro", L))
    with st.form("sign_in_form"):
        user = st.text_input(t("username", L), key="login_user", autocomplete="username")
        password = st.text_input(t("password", L), type="password", key="login_password",
                                 autocomplete="current-password")
        if st.form_submit_button(t("sign_in", L), type="primary") and _signed_in(
                store, user, password):
            st.rerun()
    _demo(store)


render()
