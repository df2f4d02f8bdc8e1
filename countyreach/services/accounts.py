"""The app's accounts as people read them: the account page and ``countyreach users list``.

One owner of how an account is described (its role, what it reaches, whether it can sign in,
when it last did) and of the two-passwords check, for the app and the command line alike.
The store (:class:`countyreach.store.users.UserRepository`) keeps the accounts and decides
who may change what.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from countyreach.dates import county_time
from countyreach.errors import InputError
from countyreach.i18n import t
from countyreach.store import Store
from countyreach.store.records import Account, NewAccount, Session

if TYPE_CHECKING:
    from countyreach.account_files import AccountsImport

__all__ = ["AccountRow", "account_rows", "add_account", "change_own_password",
           "existing_text", "import_accounts", "passwords_csv", "reach_text", "reset_password",
           "same_password"]


@dataclass(frozen=True)
class AccountRow:
    """One account in words, in one language (the columns of the page's table and the CLI's).

    ``active`` is kept as a flag too, so the page can offer Disable or Enable.
    """

    username: str
    role: str
    reach: str
    state: str
    last_sign_in: str
    active: bool


def reach_text(county_id: str | None, officer_id: str | None, region: str | None,
               lang: str) -> str:
    """What an account reaches, in ``lang``: an officer's county and roster id, a manager's
    county or region, else every county."""
    if officer_id:
        return f"{county_id} {officer_id}"
    if county_id:
        return county_id
    return t("users_region", lang, region=region) if region else t("users_all_counties", lang)


def account_rows(accounts: Sequence[Account], lang: str) -> list[AccountRow]:
    """Each account described in ``lang``: what it reaches (:func:`reach_text`) and its last
    sign-in in China time.
    """
    rows = []
    for a in accounts:
        last = county_time(a.last_sign_in_at) if a.last_sign_in_at else t("users_never", lang)
        state = "users_disabled" if not a.active else \
            "users_first_password" if a.must_change_password else "users_active"
        rows.append(AccountRow(a.username, t(f"role_{a.role.value}", lang),
                               reach_text(a.county_id, a.officer_id, a.region, lang),
                               t(state, lang), last, a.active))
    return rows


def same_password(new: str, again: str) -> str:
    """``new``, when it was typed the same twice; else ``InputError`` (field ``password``)."""
    if new != again:
        raise InputError("the two passwords differ", field="password")
    return new


def change_own_password(store: Store, session: Session, current: str, new: str,
                        again: str) -> Session:
    """Change the signed-in user's password, typed twice; their other sessions end.

    Returns the session as it now is: a first password (an admin's choice) replaced, the
    whole app opens to it.

    Raises
    ------
    InputError
        The two new passwords differ, or the new one is not 8-128 characters or is the
        current one.
    AccessDenied
        The current password is wrong.
    """
    return store.users.change_password(session, current, same_password(new, again))


def reset_password(store: Store, session: Session, username: str, new: str,
                   again: str) -> None:
    """An admin gives ``username`` a new password, typed twice, for their next sign-in
    only; the user is signed out everywhere
    (:meth:`~countyreach.store.users.UserRepository.reset_password`)."""
    store.users.reset_password(username, same_password(new, again), session=session)


def add_account(store: Store, session: Session, username: str, role: str, password: str,
                again: str, *, county_id: str | None = None,
                officer_id: str | None = None) -> int:
    """An admin creates an account, its first password typed twice (the user picks their
    own at their first sign-in); the new user id.

    Raises
    ------
    InputError
        The two passwords differ, a name or password the store refuses, a taken name, or an
        officer without a county and roster id.
    AccessDenied
        Not an admin.
    """
    return store.create_user(username, same_password(password, again), role, officer_id,
                             county_id, session=session, must_change_password=True)


def existing_text(names: Sequence[str], lang: str) -> str:
    """What an import says of the accounts it found as its file describes them (the first
    ten named), in ``lang``."""
    listed = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
    return t("users_import_existing", lang, n=len(names), names=listed)


def passwords_csv(accounts: Sequence[NewAccount], lang: str) -> bytes:
    """The first passwords of ``accounts`` as CSV (``username, password, role, reach``),
    UTF-8 with a BOM so that Excel shows Chinese names right."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["username", "password", "role", "reach"])
    for a in accounts:
        out.writerow([a.username, a.password, t(f"role_{a.role.value}", lang),
                      reach_text(a.county_id, a.officer_id, a.region, lang)])
    return buf.getvalue().encode("utf-8-sig")


def import_accounts(store: Store, session: Session, path: Path, lang: str, *,
                    county: str | None = None,
                    progress: Callable[[float], None] | None = None
                    ) -> tuple[AccountsImport, bytes]:
    """An admin creates the accounts an accounts file lists, each with a first password
    (:mod:`countyreach.account_files`), all of them or none.

    Parameters
    ----------
    store : Store
    session : Session
        An admin's session.
    path : Path
        The accounts file (CSV or ``.xlsx``).
    lang : str
        Language of the passwords file's role and reach columns.
    county : str, optional
        The county of officers and managers that name none (with one county in the store,
        it).
    progress : callable, optional
        Called with the share of the passwords hashed so far.

    Returns
    -------
    tuple
        What the file asked for, and the new accounts' first passwords as CSV (empty when
        none was new): to hand out, shown nowhere else.

    Raises
    ------
    InputError
        The file's bad rows (file, row, field), or an unknown ``county``.
    AccessDenied
        Not an admin.
    """
    # read here: the file reader brings pandas, which `users list` does without
    from countyreach.account_files import read_accounts

    counties = store.learning.county_ids(session)
    if county is not None and county not in counties:
        raise InputError(f"unknown county {county!r}", field="--county")
    # the rosters of the counties the file's officers are in, each read once (a lender's
    # store holds hundreds of counties, a team's file names one or two)
    @functools.cache
    def roster(county_id: str) -> frozenset[str]:
        return frozenset(o.officer_id for o in store.officers(session, county_id))

    wanted = read_accounts(path, counties=counties, roster=roster,
                           accounts=store.users.accounts(session), county=county)
    if not wanted.new:
        return wanted, b""
    store.users.create_users(wanted.new, session=session, progress=progress)
    return wanted, passwords_csv(wanted.new, lang)
