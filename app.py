"""countyreach — the Streamlit map interface for managers, officers and planners.

Run with ``streamlit run app.py`` (or ``countyreach app``). Everyone signs in first
(``app_pages/signin.py``; demo mode creates one account per role on a fresh store);
then each role gets its pages, each in its own file under ``app_pages/``:

* Manager — plan the day, adjust (pin / lock / re-plan with a diff), publish a version;
* Officer — my visits on a phone, navigation, outcome in two taps, offline sheet;
* Leads — ranked, filtered, explained (managers: personal data);
* Planner — coverage of a new county against the number of officers (aggregates only);
* Model — the lead model's report;
* Account — change one's password; admins: the accounts, disable, enable, a new password.

This file sets the page up, signs a reloaded browser in again from its session cookie,
draws the sidebar (language, who is signed in, county, basemap) and hands over to
``st.navigation``. The language is the signed-in user's (kept in the store), else the
URL's ``?lang=``. Pages only lay out widgets: every number,
table, map layer and text comes from :mod:`countyreach.services`, :mod:`countyreach.i18n`
and the library. Configuration is :func:`countyreach.settings.get_settings`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import streamlit as st

REPO = Path(__file__).resolve().parent
# `streamlit run` puts this folder on sys.path; other runners (AppTest) may not, and the
# pages import app_pages.common.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from app_pages import common as ui  # noqa: E402
from countyreach.i18n import LANGS, t  # noqa: E402
from countyreach.settings import get_settings  # noqa: E402

#: Page name -> (i18n key of its title, icon). The name is the file in app_pages/ and
#: the page's URL path.
PAGES: dict[str, tuple[str, str]] = {
    "manager": ("page_manager", ":material/route:"),
    "officer": ("page_officer", ":material/directions_car:"),
    "leads": ("page_leads", ":material/storefront:"),
    "planner": ("page_planner", ":material/map:"),
    "model": ("page_model", ":material/monitoring:"),
    "account": ("page_account", ":material/manage_accounts:"),
    "activity": ("page_activity", ":material/history:"),
}
#: The pages each role may open, its home first. Planners see aggregates only: no lead
#: list, no visit list (personal data).
ROLE_PAGES: dict[str, tuple[str, ...]] = {
    "officer": ("officer", "account"),
    "manager": ("manager", "officer", "leads", "planner", "model", "account", "activity"),
    "planner": ("planner", "model", "account"),
    "admin": ("manager", "officer", "leads", "planner", "model", "account", "activity"),
}
#: Each role's home page.
ROLE_HOME = {r: pages[0] for r, pages in ROLE_PAGES.items()}
LANG_NAMES = {"zh": "中文", "en": "English"}


def _init_language() -> None:
    """The language of this session: the URL's ``?lang=`` on first load, else Chinese."""
    if st.session_state.get("lang") not in LANGS:
        asked = st.query_params.get("lang")
        st.session_state["lang"] = asked if asked in LANGS else LANGS[0]


def _language_changed() -> None:
    """Switch this session's language and keep it as the signed-in user's choice."""
    choice = st.session_state.get("lang_switch")
    if choice in LANGS:
        st.session_state["lang"] = choice
        ui.remember_language(choice)


def sidebar() -> None:
    """Language, the signed-in user, county and basemap, shared by every page."""
    if "basemap" not in st.session_state:
        mode = get_settings().basemap
        st.session_state["basemap"] = mode == "1" or (mode == "auto" and ui.basemap_reachable())
    L = ui.lang()
    # The switch shows the stored language every run; the language lives in "lang" (not
    # in the widget), so a page change or an interrupted run cannot reset it.
    st.session_state["lang_switch"] = L
    with st.sidebar:
        st.segmented_control(t("language", L), list(LANGS), key="lang_switch", required=True,
                             format_func=LANG_NAMES.__getitem__, on_change=_language_changed)
        signed = ui.signed_in()
        if signed is None:
            return
        _, sess = signed
        who = t(f"role_{sess.role}", L)
        st.caption(t("signed_in", L, user=sess.username, role=who))
        if not sess.must_change_password:  # no county is open to a first password
            _county_and_map(L)
        if st.button(t("sign_out", L), key="sign_out", icon=":material/logout:"):
            ui.sign_out()
            st.rerun()


def _county_and_map(L: str) -> None:
    """The sidebar's county and basemap switches (drawn inside its ``with st.sidebar``)."""
    found = ui.counties()
    if st.session_state.get("county") not in found:
        st.session_state["county"] = next(iter(found))
    st.selectbox(t("county", L), list(found), key="county")
    st.toggle(t("basemap", L), key="basemap", help=t("basemap_help", L))


@st.cache_resource(show_spinner=False)
def _favicon() -> Any:
    """A 32 px route-marker icon (PIL image, served by Streamlit itself)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(6, 26), (14, 12), (22, 20), (27, 6)], fill=(0, 114, 178, 255), width=4)
    for x, y in ((6, 26), (27, 6)):
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(213, 94, 0, 255))
    return img


def _not_for_role(name: str, home: Any, first_password: bool = False) -> Any:
    """A page saying that ``name`` is not open to the user's role (or not yet: their
    password is still the one an admin chose), with a link ``home``."""

    def closed() -> None:
        L = ui.lang()
        role = t(f"role_{ui.role()}", L)
        st.title(t(PAGES[name][0], L))
        st.warning(t("account_must_change", L) if first_password else
                   t("page_not_for_role", L, page=t(PAGES[name][0], L), role=role),
                   icon=":material/block:")
        st.page_link(home, label=t("go_home", L, page=home.title), icon=":material/home:")

    closed.__name__ = f"closed_{name}"
    return closed


def main() -> None:
    """Sign in, then build the navigation of the user's role and run the chosen page.

    ``st.session_state["goto"]`` (set after signing in, or by a test) switches to that
    page once.
    """
    # A favicon drawn here: Material/emoji icons would be fetched from a CDN, and the
    # app must work offline.
    st.set_page_config(page_title="countyreach", page_icon=_favicon(), layout="wide")
    _init_language()
    # A reload is a new browser session: the session cookie signs it in again (if the
    # store still says the token is live), on the page of its URL, in the user's language.
    ui.resume_session()
    sidebar()
    L = ui.lang()
    # The URL keeps the language, so a reload or a bookmark opens in it.
    if st.query_params.get("lang") != L:
        st.query_params["lang"] = L
    signed = ui.signed_in()
    if signed is None:
        sign_in = st.Page(REPO / "app_pages" / "signin.py", title=t("sign_in", L),
                          icon=":material/login:", url_path="signin", default=True)
        # A bookmark or a reload of a page after the session ended signs in on that page's
        # address: without it Streamlit says "Page not found" in English
        elsewhere = [st.Page(REPO / "app_pages" / "signin.py", title=t("sign_in", L),
                             url_path=name, visibility="hidden") for name in PAGES]
        nav = st.navigation([sign_in, *elsewhere], position="hidden")
        with st.sidebar:
            ui.session_cookie()
        nav.run()
        return
    role = str(signed[1].role)
    allowed = ROLE_PAGES.get(role, ())
    # a password an admin chose opens the account page alone, until the user picks their
    # own (the store refuses the rest to such a session anyway)
    first_password = signed[1].must_change_password
    if first_password:
        allowed = ("account",)
    pages = {name: st.Page(REPO / "app_pages" / f"{name}.py", title=t(PAGES[name][0], L),
                           icon=PAGES[name][1], url_path=name, default=(i == 0))
             for i, name in enumerate(allowed)}
    # the other roles' pages answer in the user's language (Streamlit's own "Page not
    # found" is English): a link home instead
    home = next(iter(pages.values()), None)
    closed = [st.Page(_not_for_role(name, home, first_password), title=t(PAGES[name][0], L),
                      url_path=name, visibility="hidden")
              for name in PAGES if name not in pages and home]
    nav = st.navigation([*pages.values(), *closed])
    goto = st.session_state.pop("goto", None)
    if st.session_state.pop("goto_home", False):  # the first password was just replaced
        goto = allowed[0]
    if goto in pages and pages[goto] is not nav:
        st.switch_page(pages[goto])
    with st.sidebar:
        ui.session_cookie()
    nav.run()


main()
