"""countyreach — the Streamlit map interface for managers, officers and planners.

Run with ``streamlit run app.py`` (or ``countyreach app``). One page per job, each in
its own file under ``app_pages/``:

* Manager — plan the day, adjust (pin / lock / re-optimise), publish;
* Officer — my visits on a phone, navigation, outcome in two taps, offline sheet;
* Leads — ranked, filtered, explained;
* Planner — coverage of a new county against the number of officers;
* Model — the lead model's report.

This file sets the page up, draws the sidebar (language, role, region, basemap,
sign-in) and hands over to ``st.navigation``. Pages only lay out widgets: every
number, table, map layer and text comes from :mod:`countyreach.services`,
:mod:`countyreach.i18n` and the library. Configuration is
:func:`countyreach.settings.get_settings` (the ``COUNTYREACH_*`` variables).
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
from countyreach.i18n import t  # noqa: E402
from countyreach.settings import get_settings  # noqa: E402

#: Page name -> (i18n key of its title, icon). The name is the file in app_pages/ and
#: the page's URL path.
PAGES: dict[str, tuple[str, str]] = {
    "manager": ("page_manager", ":material/route:"),
    "officer": ("page_officer", ":material/directions_car:"),
    "leads": ("page_leads", ":material/storefront:"),
    "planner": ("page_planner", ":material/map:"),
    "model": ("page_model", ":material/monitoring:"),
}
#: Each role's home page.
ROLE_HOME = {"manager": "manager", "officer": "officer", "planner": "planner"}


def sidebar() -> None:
    """Language, role, region and basemap choices shared by every page."""
    st.session_state.setdefault("lang", "zh")
    if "basemap" not in st.session_state:
        mode = get_settings().basemap
        st.session_state["basemap"] = mode == "1" or (mode == "auto" and ui.basemap_reachable())
    with st.sidebar:
        st.segmented_control(t("language", ui.lang()), ["zh", "en"], key="lang", required=True,
                             format_func=lambda x: "中文" if x == "zh" else "English")
        L = ui.lang()
        st.selectbox(t("role", L), list(ROLE_HOME), key="role",
                     format_func=lambda r: t(f"role_{r}", L), on_change=_go_home)
        st.selectbox(t("county", L), list(ui.counties()), key="county")
        st.toggle(t("basemap", L), key="basemap", help=t("basemap_help", L))
        _sign_in_box(L)


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


def _go_home() -> None:
    """Changing role opens that role's home page."""
    st.session_state["goto"] = ROLE_HOME.get(str(st.session_state.get("role")), "manager")


def _sign_in_box(L: str) -> None:
    """Optional sign-in to the database store (plans and outcomes that outlive the server)."""
    store = ui.plan_store()
    if store is None:
        return
    sess = st.session_state.get("store_session")
    if sess is not None:
        st.caption(t("signed_in", L, user=sess.username, role=sess.role))
        if st.button(t("sign_out", L), key="sign_out"):
            try:
                store.logout(sess)
            finally:
                st.session_state.pop("store_session", None)
            st.rerun()
        return
    with st.expander(t("sign_in", L)), st.form("sign_in_form", border=False):
        user = st.text_input(t("username", L), key="login_user")
        password = st.text_input(t("password", L), type="password", key="login_password")
        if st.form_submit_button(t("sign_in", L)):
            try:
                st.session_state["store_session"] = store.login(user, password)
                st.rerun()
            except Exception as exc:
                st.error(t("sign_in_failed", L, why=exc))
    st.caption(t("store_off", L))


def main() -> None:
    """Build the navigation and run the chosen page.

    ``st.session_state["goto"]`` (set by the role selector, or by a test)
    switches to that page once.
    """
    # A favicon drawn here: Material/emoji icons would be fetched from a CDN, and the
    # app must work offline.
    st.set_page_config(page_title="countyreach", page_icon=_favicon(), layout="wide")
    sidebar()
    L = ui.lang()
    home = ROLE_HOME.get(str(st.session_state.get("role", "manager")), "manager")
    pages = {name: st.Page(REPO / "app_pages" / f"{name}.py", title=t(key, L), icon=icon,
                           url_path=name, default=(name == home))
             for name, (key, icon) in PAGES.items()}
    nav = st.navigation(list(pages.values()))
    goto = st.session_state.pop("goto", None)
    if goto in pages and pages[goto] is not nav:
        st.switch_page(pages[goto])
    nav.run()


main()
