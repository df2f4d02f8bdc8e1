"""Activity page: who did what, when, in the sidebar's county (an admin: any county, or all).

The store's audit log (``countyreach audit``): plans saved and published, outcomes recorded,
businesses put on the do-not-visit list or erased, accounts created, reset or disabled,
sign-ins. Managers read their county's rows, admins every county's; narrowed by days, user
and kind, newest first, and downloaded as CSV for an auditor.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages import common as ui
from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.i18n import format_number, t
from countyreach.localize import error_text
from countyreach.services.activity import (
    action_name,
    activity_csv,
    activity_table,
    china_day_start,
)
from countyreach.store.records import AuditAction, Role

#: Rows one page shows at most (the newest): a county's busy month is a few thousand.
PAGE_ROWS = 2000
#: Days shown when the page opens: the last week.
DEFAULT_DAYS = 7


def render() -> None:
    """The filters, the table and its download."""
    L = ui.lang()
    st.title(t("page_activity", L))
    st.caption(t("activity_intro", L))
    signed = ui.signed_in()
    if signed is None:
        return
    store, sess = signed
    county: str | None = ui.county_id()
    if sess.role is Role.ADMIN and st.toggle(t("activity_every_county", L),
                                             key="activity_every_county"):
        county = None
    today = ui.today()
    c1, c2, c3 = st.columns([2, 2, 3])
    days = c1.date_input(t("activity_days", L), (today - dt.timedelta(days=DEFAULT_DAYS - 1),
                                                 today),
                         max_value=today, key="activity_days", format="YYYY-MM-DD")
    user = c2.text_input(t("activity_user", L), key="activity_user",
                         placeholder=t("filter_any", L)).strip() or None
    kind = c3.selectbox(t("activity_kind", L), [None, *AuditAction], key="activity_kind",
                        format_func=lambda a: t("filter_any", L) if a is None
                        else action_name(a, L))
    # a range being picked has its first day only until the second is clicked
    first, last = (days[0], days[-1]) if isinstance(days, tuple) and days else (today, today)
    try:
        entries = store.audit_log(sess, county, since=china_day_start(first),
                                  until=china_day_start(last + dt.timedelta(days=1)),
                                  username=user, action=kind, limit=PAGE_ROWS)
    except (AccessDenied, InputError, StoreError) as exc:
        st.error(error_text(exc, L))
        return
    if not entries:
        st.info(t("audit_none", L))
        return
    if len(entries) == PAGE_ROWS:
        st.warning(t("activity_limit", L, n=format_number(PAGE_ROWS)))
    st.caption(t("activity_count", L, n=format_number(len(entries))))
    st.dataframe(activity_table(entries, L), hide_index=True, key="activity_table")
    st.download_button(t("activity_download", L), activity_csv(entries, L),
                       file_name=f"audit-{county or 'all'}-{first}-{last}.csv",
                       mime="text/csv", key="activity_download",
                       icon=":material/download:")


render()
