"""How the pages show a value: the value basis box and a lead's value parts."""

from __future__ import annotations

import streamlit as st

from app_pages.common import lang
from countyreach.i18n import t
from countyreach.services.leads import LeadValue
from countyreach.services.model_views import BasisView

__all__ = ["show_basis", "show_value_parts", "show_lead_value"]


def show_basis(view: BasisView, *, criteria: bool = False) -> None:
    """The value basis in a box: what the value counts, the model's reasons and, on the
    fallback, what data is missing and how to get the visit-caused basis."""
    L = lang()
    with st.container(border=True, key="value_basis"):
        st.markdown(f"**{view.title}**")
        st.caption(view.summary)
        st.caption(t("basis_detail", L, text=view.detail))
        if view.missing:
            st.warning(t("basis_missing", L) + "\n\n" + "\n".join(
                f"- {why}" for why in view.missing))
        if view.hint:
            st.info(view.hint, icon=":material/lightbulb:")
        if criteria:
            st.markdown(f"**{t('basis_criteria', L)}**")
            if view.criteria.empty:
                st.caption(t("basis_criteria_unknown", L))
            else:
                st.table(view.criteria, hide_index=True)


def show_value_parts(value: LeadValue) -> None:
    """A lead's value parts as a list, for narrow places (the manager's lead card)."""
    L = lang()
    st.markdown("\n".join(
        "- " + t("part_line" if why != "—" else "part_line_bare", L, part=f"**{part}**",
                 figure=figure, why=why)
        for part, figure, why in value.parts.itertuples(index=False)))


def show_lead_value(value: LeadValue) -> None:
    """One lead's value: its figures, why it is worth 0 (if so), and its parts with reasons."""
    for col, (label, figure) in zip(st.columns(len(value.metrics)), value.metrics,
                                    strict=True):
        col.metric(label, figure)
    if value.worth_zero:
        st.warning(value.worth_zero, icon=":material/block:")
    st.table(value.parts, hide_index=True)
