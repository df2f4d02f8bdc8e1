"""The accounts file of ``countyreach users import``: a county's team signed up in one go.

A lender opening a county gives every officer and manager an account; one ``users add`` per
person (a password typed twice each) does not scale to a county's team, let alone 2,000
officers. The accounts file lists them (``username, role`` and, as the role needs,
``officer_id``, ``county_id``, ``region``; Chinese headers such as 用户名, 角色 too); each
new account gets a first password drawn here, written to a file only the admin can read, to
hand over. It is for the first sign-in only: the store lets the user do nothing else until
they pick their own (``must_change_password``).

Every row is checked before anything is stored, every bad row named in one message (file,
row, field), as the county's other files are. A row whose account already exists as the
file describes it is left alone, so the same file can be imported again after adding rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from countyreach.csvio import CsvRow, parse_rows, read_csv_table
from countyreach.errors import InputError
from countyreach.i18n import LANGS, t
from countyreach.store.checks import check_id
from countyreach.store.records import Account, NewAccount, Role, account_county

__all__ = ["ACCOUNT_COLUMNS", "AccountsImport", "first_password", "private_file",
           "read_accounts"]

#: The columns an accounts file may have (``username`` and ``role`` are required).
ACCOUNT_COLUMNS = ("username", "role", "officer_id", "county_id", "region")
#: Letters of a first password: no 0/O, 1/l/I, so that one read out over the phone or
#: copied from paper is typed right the first time.
_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"
#: 12 of 31 letters: about 59 bits, more than five guesses a quarter of an hour will find.
_PASSWORD_CHARS = 12


def first_password() -> str:
    """A random first password (12 letters and digits, none that read alike)."""
    return "".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(_PASSWORD_CHARS))


def _roles() -> dict[str, Role]:
    """Each way a role may be written: its code and its name in every language, any case."""
    names = {r.value: r for r in Role}
    for lang in LANGS:
        names.update({t(f"role_{r.value}", lang).casefold(): r for r in Role})
    return names


@dataclass(frozen=True)
class AccountsImport:
    """What an accounts file asks for: the accounts to create (their first passwords drawn),
    in file order, and the names that already have the account described."""

    new: tuple[NewAccount, ...]
    existing: tuple[str, ...]


def _same(account: Account, wanted: NewAccount) -> bool:
    return (account.role, account.officer_id, account.county_id, account.region) == \
        (wanted.role, wanted.officer_id, wanted.county_id, wanted.region)


def read_accounts(path: Path, *, counties: Sequence[str],
                  roster: Callable[[str], Collection[str]], accounts: Sequence[Account],
                  county: str | None = None) -> AccountsImport:
    """Read and check an accounts file against the store.

    Parameters
    ----------
    path : Path
        CSV or ``.xlsx``: ``username, role`` and, as each role needs, ``officer_id``,
        ``county_id``, ``region``.
    counties : sequence of str
        The counties the store holds.
    roster : callable
        County id -> the officer ids on its roster, asked only for the counties the file's
        officers are in.
    accounts : sequence of Account
        The accounts the store has.
    county : str, optional
        The county of officers and managers that name none (``--county``); with one county
        in the store, it. A planner with none reaches every county, as with ``users add``.

    Returns
    -------
    AccountsImport

    Raises
    ------
    InputError
        Every bad row, named by file, row and field: a malformed name, a name given twice
        or taken by another account, an unknown role or county, an officer not on the
        county's roster or with an account already, a scope the role cannot have.
    """
    df = read_csv_table(path, ["username", "role"], table="accounts")
    if county is None and len(counties) == 1:
        county = counties[0]
    roles, by_name = _roles(), {a.username: a for a in accounts}
    # whose account each officer has: a name in the store, or a name and its row here
    by_officer: dict[tuple[str | None, str], tuple[str, int | None]] = {
        (a.county_id, a.officer_id): (a.username, None) for a in accounts if a.officer_id}
    seen: dict[str, int] = {}
    new: list[NewAccount] = []
    existing: list[str] = []

    def parse(row: CsvRow) -> None:
        cell = {c: str(row.data.get(c, "") or "").strip() for c in ACCOUNT_COLUMNS}
        name = cell["username"]
        try:
            check_id(name, "username")
        except InputError as exc:
            raise row.err("username", exc.reason) from None
        if name in seen:
            raise row.err("username", f"username {name!r} is given twice (row {seen[name]})")
        seen[name] = row.rowno
        role = roles.get(cell["role"].casefold())
        if not cell["role"]:
            raise row.err("role", "the role is empty (officer, manager, planner or admin)")
        if role is None:
            raise row.err("role", f"unknown role {cell['role']!r} (one of officer, manager, "
                                  "planner, admin)")
        if role is Role.ADMIN and (cell["county_id"] or cell["region"] or cell["officer_id"]):
            raise row.err("county_id" if cell["county_id"] else
                          "region" if cell["region"] else "officer_id",
                          "an admin account reaches every county: leave its county_id, "
                          "region and officer_id empty")
        try:  # as `users add`
            where = account_county(role, cell["county_id"], cell["region"], county)
        except InputError as exc:
            raise row.err("county_id", exc.reason) from None
        if where is not None and where not in counties:
            raise row.err("county_id", f"unknown county {where!r} (one of "
                                       f"{', '.join(counties)})" if counties else
                          f"unknown county {where!r}")
        officer = cell["officer_id"] or None
        if role is Role.OFFICER:
            assert where is not None  # account_county gives an officer one
            if officer is None:
                raise row.err("officer_id", "an officer account needs its officer_id (the "
                                            "roster's)")
            if officer not in roster(where):
                raise row.err("officer_id", f"officer {officer!r} is not on {where}'s roster")
        elif officer is not None:
            raise row.err("officer_id", "only an officer account has an officer_id")
        try:
            wanted = NewAccount(name, first_password(), role, officer, where,
                                cell["region"] or None, must_change_password=True)
        except InputError as exc:
            raise row.err(exc.field or "username", exc.reason) from None
        if name in by_name:
            if _same(by_name[name], wanted):
                existing.append(name)
                return
            raise row.err("username", f"username {name!r} is taken by another account "
                                      f"({by_name[name].role.value})")
        if officer is not None:
            holder, at = by_officer.get((where, officer), (None, None))
            if holder is not None and at is None:
                raise row.err("officer_id", f"officer {officer!r} of {where} has an account "
                                            f"already: {holder!r}")
            if holder is not None:
                raise row.err("officer_id", f"officer {officer!r} of {where} is given an "
                                            f"account in row {at} already: {holder!r}")
            by_officer[(where, officer)] = (name, row.rowno)
        new.append(wanted)

    parse_rows(path, df, parse)
    return AccountsImport(tuple(new), tuple(existing))


#: Why :func:`private_file` refuses a first-passwords file that exists.
PASSWORDS_EXIST = ("the file exists (it may hold passwords not handed out yet): move it away "
                   "or give another --out")


def private_file(path: Path, exists: str = PASSWORDS_EXIST) -> BinaryIO:
    """``path`` created for writing, readable by its owner only.

    A file that exists is not overwritten (it may hold what someone has not handed over
    yet): ``exists`` says so, in the caller's words.

    Raises
    ------
    InputError
        ``path`` exists, or its folder does not.
    """
    if not path.parent.is_dir():
        raise InputError("the folder does not exist", file=str(path.parent))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(exists, file=str(path)) from None
    return os.fdopen(fd, "wb")
