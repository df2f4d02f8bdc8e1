"""Account page: every user changes their own password here; an admin also sees the
accounts, disables the account of someone who left and gives a new password to a user who
forgot theirs (as ``countyreach users`` does on the server).

A user whose password an admin chose (a new account, a forgotten password) is brought here
first and sees nothing else until they pick their own."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app_pages import common as ui
from countyreach.errors import AccessDenied, InputError
from countyreach.i18n import t
from countyreach.localize import localize, message_of
from countyreach.services import accounts as svc
from countyreach.store import Store
from countyreach.store.records import Role, Session


def _said(exc: Exception) -> str:
    """Why a form was refused, in the page's language: a password field needs no naming."""
    if isinstance(exc, InputError):
        return localize(exc.reason, ui.lang())
    return message_of(exc, ui.lang())


def _own_password(store: Store, sess: Session) -> None:
    """The form that changes the signed-in user's password (the current one asked)."""
    L = ui.lang()
    st.subheader(t("account_password_subheader", L))
    done = st.session_state.pop("account_changed", False)
    if done:
        st.success(t("account_changed", L), icon=":material/check_circle:")
    if sess.must_change_password:
        st.warning(t("account_must_change", L), icon=":material/key:")
    with st.form("own_password", clear_on_submit=True):
        current = st.text_input(t("account_current", L), type="password",
                                autocomplete="current-password", key="own_current")
        new = st.text_input(t("account_new", L), type="password",
                            autocomplete="new-password", key="own_new")
        again = st.text_input(t("account_again", L), type="password",
                              autocomplete="new-password", key="own_again")
        if not st.form_submit_button(t("account_change_button", L), type="primary",
                                    key="own_change"):
            return
    if not (current and new and again):
        st.error(t("account_fill_all", L))
        return
    try:
        now = svc.change_own_password(store, sess, current, new, again)
    except (InputError, AccessDenied) as exc:
        if isinstance(exc, AccessDenied) and "log in again" in str(exc):
            ui.refused(exc)  # the session itself ended: sign in again
        st.error(_said(exc))
        return
    st.session_state["store_session"] = now
    if sess.must_change_password:  # the first password replaced: on to the user's work
        st.session_state["goto_home"] = True
    st.session_state["account_changed"] = True
    st.rerun()


def _accounts(store: Store, sess: Session) -> None:
    """The accounts (admins): who can sign in and when each last did; disable, enable,
    or give one a new password."""
    L = ui.lang()
    st.subheader(t("accounts_subheader", L))
    st.caption(t("accounts_intro", L))
    said = st.session_state.pop("accounts_said", None)
    if said:
        st.success(said, icon=":material/check_circle:")
    try:
        # a lender's thousands of accounts, the sidebar county's first (as `users list
        # --county`: its own, its region's managers and planners, and the admins)
        chosen = ui.county_id()
        only = chosen in store.learning.county_ids(sess) and st.toggle(
            t("accounts_only_county", L, county=chosen), value=True, key="accounts_only")
        rows = svc.account_rows(store.users.accounts(sess, chosen if only else None), L)
    except AccessDenied as exc:
        ui.refused(exc)
        return
    if not rows:
        st.info(t("users_none", L))
        return
    st.dataframe(
        [{t("users_col_name", L): r.username, t("users_col_role", L): r.role,
          t("users_col_reach", L): r.reach, t("users_col_state", L): r.state,
          t("users_col_last", L): r.last_sign_in} for r in rows],
        hide_index=True, width="stretch", key="accounts_table")
    by_name = {r.username: r for r in rows}
    name = st.selectbox(t("accounts_pick", L), list(by_name), key="accounts_pick")
    if name is None:
        return
    row = by_name[name]
    if name == sess.username:
        st.caption(t("accounts_self", L))
        return
    label = t("accounts_disable", L, name=name) if row.active else \
        t("accounts_enable", L, name=name)
    if st.button(label, key="accounts_toggle",
                 icon=":material/block:" if row.active else ":material/check:"):
        try:
            store.users.set_active(name, not row.active, session=sess)
        except (InputError, AccessDenied) as exc:
            st.error(_said(exc))
            return
        st.session_state["accounts_said"] = t(
            "users_disabled_now" if row.active else "users_enabled", L, name=name)
        st.rerun()
    with st.form("reset_password", clear_on_submit=True):
        st.write(t("accounts_reset", L, name=name))
        new = st.text_input(t("account_new", L), type="password",
                            autocomplete="new-password", key="reset_new")
        again = st.text_input(t("account_again", L), type="password",
                              autocomplete="new-password", key="reset_again")
        if not st.form_submit_button(t("accounts_reset_button", L), key="reset_submit"):
            return
    try:
        svc.reset_password(store, sess, name, new, again)
    except (InputError, AccessDenied) as exc:
        st.error(_said(exc))
        return
    st.session_state["accounts_said"] = t("users_password_reset", L, name=name)
    st.rerun()


def _add_account(store: Store, sess: Session) -> None:
    """A new account (admins): a name, a role, the county and, for an officer, who on its
    roster; the first password typed twice, to hand over (they change it on this page)."""
    L = ui.lang()
    with st.expander(t("accounts_add", L), icon=":material/person_add:"):
        name = st.text_input(t("username", L), key="add_name", autocomplete="off")
        role = st.selectbox(t("accounts_add_role", L), [r.value for r in Role], key="add_role",
                            format_func=lambda r: t(f"role_{r}", L))
        counties = store.learning.county_ids(sess)
        county = officer = None
        if role != Role.ADMIN.value:
            county = st.selectbox(t("county", L), counties, key="add_county")
        if role == Role.OFFICER.value and county is not None:
            roster = sorted(o.officer_id for o in store.officers(sess, county))
            if not roster:  # an officer account sees its own route on the roster only
                st.warning(t("accounts_no_roster", L, county=county))
                return
            officer = st.selectbox(t("accounts_add_officer", L), roster, key="add_officer")
        new = st.text_input(t("account_new", L), type="password", autocomplete="new-password",
                            key="add_new")
        again = st.text_input(t("account_again", L), type="password",
                              autocomplete="new-password", key="add_again")
        if not st.button(t("accounts_add_button", L), key="add_submit", type="primary"):
            return
        try:
            svc.add_account(store, sess, name.strip(), role, new, again,
                            county_id=county, officer_id=officer)
        except (InputError, AccessDenied) as exc:
            st.error(_said(exc))
            return
    st.session_state["accounts_said"] = t(
        "users_created", L, name=name.strip(), role=t(f"role_{role}", L),
        where=svc.reach_text(county, None, None, L))
    for key in ("add_name", "add_new", "add_again"):
        st.session_state.pop(key, None)
    st.rerun()


def _import_accounts(store: Store, sess: Session) -> None:
    """A county's team at once (admins): an accounts file uploaded, every row checked, the
    first passwords offered for download once, as ``countyreach users import`` writes them."""
    L = ui.lang()
    with st.expander(t("accounts_import", L), icon=":material/group_add:"):
        made = st.session_state.get("first_passwords")
        if made is not None:
            # kept for this browser session until the admin says they have them: the store
            # keeps hashes only, so they are shown nowhere else
            st.success(t("accounts_imported_page", L, n=made[0]), icon=":material/check_circle:")
            if made[2]:
                st.info(made[2])
            st.download_button(t("accounts_download_passwords", L), made[1],
                               file_name="first-passwords.csv", mime="text/csv",
                               key="first_passwords_download", icon=":material/download:",
                               on_click="ignore")
            if st.button(t("accounts_passwords_kept", L), key="first_passwords_done"):
                st.session_state.pop("first_passwords", None)
                st.rerun()
            return
        st.caption(t("accounts_import_help", L))
        with st.form("import_accounts", clear_on_submit=True, border=False):
            upload = st.file_uploader(t("accounts_import_file", L), type=["csv", "xlsx"],
                                      key="accounts_file")
            submitted = st.form_submit_button(t("accounts_import_button", L), type="primary")
        if not submitted:
            return
        if upload is None:
            st.error(t("accounts_import_need_file", L))
            return
        with tempfile.TemporaryDirectory() as tmp:
            # the upload's own name is only shown, never a path here
            path = Path(tmp) / ("accounts.xlsx" if upload.name.lower().endswith(".xlsx")
                                else "accounts.csv")
            path.write_bytes(upload.getvalue())
            chosen = ui.county_id()  # officers and managers that name none are in it
            bar = st.progress(0.0, text=t("stage_hash_passwords", L))

            def hashed(done: float) -> None:
                bar.progress(done, text=t("stage_hash_passwords", L))

            try:
                wanted, text = svc.import_accounts(
                    store, sess, path, L,
                    county=chosen if chosen in store.learning.county_ids(sess) else None,
                    progress=hashed)
            except (InputError, AccessDenied) as exc:
                bar.empty()
                # every bad row by the file's name as the admin knows it, row and field
                st.error(message_of(exc, L).replace(str(path), upload.name))
                return
        bar.empty()
        said = svc.existing_text(wanted.existing, L) if wanted.existing else ""
        if not wanted.new:
            if said:
                st.info(said)
            st.info(t("users_import_nothing", L))
            return
    st.session_state["first_passwords"] = (len(wanted.new), text, said)
    st.rerun()


def render() -> None:
    """The signed-in user's account; an admin's accounts below it."""
    L = ui.lang()
    st.title(t("page_account", L))
    signed = ui.signed_in()
    if signed is None:
        return
    store, sess = signed
    st.caption(t("signed_in", L, user=sess.username, role=t(f"role_{sess.role}", L)))
    _own_password(store, sess)
    if sess.role is Role.ADMIN and not sess.must_change_password:
        _accounts(store, sess)
        _add_account(store, sess)
        _import_accounts(store, sess)


render()
