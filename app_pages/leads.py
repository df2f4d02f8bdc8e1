"""Leads page: the value basis, ranked leads with filters, each lead's value in its parts
with their reasons, and a map; for a manager, the owner's copy of a business's data."""

from __future__ import annotations

import streamlit as st

from app_pages import common as ui
from app_pages import value_cards as cards
from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.i18n import industry_label, t
from countyreach.localize import error_text
from countyreach.services import leads as svc
from countyreach.services import maps
from countyreach.services.person_data import lead_data, person_workbook

#: The workbook's media type.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _owner_copy(lead_id: str) -> None:
    """The picked business's copy of its data, for its owner at the branch (PIPL), as
    ``countyreach person-data`` writes it. Made when asked, not on every run: each copy is
    in the audit log. Kept in this browser session until downloaded (or signing out)."""
    L = ui.lang()
    signed = ui.signed_in()
    if signed is None or signed[1].role not in ("manager", "admin"):
        return
    store, sess = signed
    county = ui.county_id()
    with st.expander(t("person_copy_title", L), icon=":material/folder_shared:"):
        st.caption(t("person_copy_hint", L))
        ready = st.session_state.get("person_copy")
        if ready is not None and ready[0] == (county, lead_id):
            st.download_button(t("person_copy_download", L), ready[1],
                               file_name=f"{county}-{lead_id}.xlsx", key="person_copy_download",
                               mime=XLSX, icon=":material/download:",
                               on_click=lambda: st.session_state.pop("person_copy", None))
            return
        if st.button(t("person_copy_prepare", L), key="person_copy_prepare"):
            try:
                data = lead_data(store, sess, county, lead_id)
            except (InputError, AccessDenied, StoreError) as exc:  # nothing kept of it
                st.error(error_text(exc, L))
                return
            st.session_state["person_copy"] = ((county, lead_id), person_workbook(data, L))
            st.rerun()


def render() -> None:
    """The value basis, ranked leads with filters, a lead's value in parts, and a map."""
    L = ui.lang()
    st.title(t("page_leads", L))
    data = ui.load_county()
    if data is None:
        return
    month = st.session_state.get("plan_date", ui.today()).strftime("%Y-%m")
    model = ui.current_model()
    if model is None:
        return
    scores = ui.scores(month, model)
    if scores is None:
        return
    ui.show_model(model)
    view = ui.value_basis(model)
    if view is not None:
        cards.show_basis(view)
    df = svc.with_bands(scores, data.leads)
    st.subheader(t("filters", L))
    f1, f2, f3, f4 = st.columns(4)
    industries = ui.keep_choice("f_industry", f1.multiselect(
        t("industry", L), sorted(df["industry"].unique()), key=ui.labelled_key("f_industry", []),
        placeholder=t("filter_any", L), format_func=lambda x: industry_label(x, L)))
    clusters = ui.keep_choice("f_cluster", f2.multiselect(
        t("cluster", L), sorted(df["cluster_id"].dropna().unique()),
        key=ui.labelled_key("f_cluster", []), placeholder=t("filter_any", L),
        format_func=lambda c: t("no_cluster", L) if c < 0 else f"#{c}"))
    villages = f3.multiselect(t("village", L), sorted(df["village"].astype(str).unique()),
                              key="f_village", placeholder=t("filter_any", L))
    bands = ui.keep_choice("f_band", f4.multiselect(
        t("score_band", L), list(svc.BANDS), key=ui.labelled_key("f_band", []),
        placeholder=t("filter_any", L), format_func=lambda b: t(f"band_{b}", L)))
    shown = svc.filter_leads(df, industries=industries, clusters=clusters, villages=villages,
                             bands=bands)
    st.caption(t("n_leads", L, n=len(shown)))
    st.dataframe(svc.leads_table(shown, L), hide_index=True, key="leads_table")
    if not shown.empty:
        st.subheader(t("explain", L))
        names = dict(zip(shown["lead_id"], shown["name"], strict=True))
        pick = st.selectbox(t("lead", L), list(shown["lead_id"]), key="explain_lead",
                            format_func=lambda x: f"{x} {names[x]}")
        cards.show_lead_value(svc.lead_value(
            shown, str(pick), L, month=month,
            lockout_months=view.lockout_months if view is not None else None))
        _owner_copy(str(pick))
    md = maps.map_data(data, shown, L, roads=ui.county_roads(ui.county_path()))
    ui.show_map(md, "leads_map")


render()
