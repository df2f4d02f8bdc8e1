"""``countyreach users``: the app's accounts, kept by whoever runs the store's server.

An officer who leaves is disabled (signed out everywhere at once, their plans and outcomes
kept), one who forgot their password gets a new one, and ``list`` says who can sign in and
when each last did.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from countyreach.cli_open import open_plain_store as _open_plain
from countyreach.errors import InputError

__all__ = ["add_users_subcommands"]


def _password(args: argparse.Namespace) -> str:
    """The new password, from standard input or asked twice on the terminal."""
    from countyreach.i18n import t
    from countyreach.services.accounts import same_password

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    pw = getpass.getpass(t("users_password_prompt", args.lang, name=args.name))
    return same_password(pw, getpass.getpass(t("users_password_again", args.lang)))


def cmd_users_add(args: argparse.Namespace) -> int:
    from countyreach.i18n import t
    from countyreach.store.records import account_county

    store = _open_plain()
    with store:
        admin = store.operator_session()
        county = args.county
        known = store.learning.county_ids(admin)
        among = f" (one of {', '.join(known)})" if known else \
            " (import one first: countyreach county import DIR)"
        try:  # as `users import`: the store's only county, when it has one
            county = account_county(args.role, county, args.region,
                                    known[0] if len(known) == 1 else None)
        except InputError:
            raise InputError("which county? give --county ID" + among,
                             field="--county") from None
        if county is not None and county not in known:
            # An account for a county the store does not hold could never see anything.
            raise InputError(f"unknown county {county!r}{among}", field="--county")
        if args.role == "officer" and not args.officer:
            raise InputError("an officer account needs --officer ID (the roster's officer_id)",
                             field="--officer")
        if args.role == "officer":
            roster = sorted(o.officer_id for o in store.officers(admin, county))
            if args.officer not in roster:
                raise InputError(f"officer {args.officer!r} is not on {county}'s roster (one "
                                 f"of {', '.join(roster)})", field="--officer")
        # the admin chose it: the user picks their own at the first sign-in
        store.create_user(args.name, _password(args), args.role, args.officer, county,
                          region=args.region, session=admin, must_change_password=True)
    from countyreach.services.accounts import reach_text

    L = args.lang
    print(t("users_created", L, name=args.name, where=reach_text(county, None, args.region, L),
            role=args.role if L == "en" else t(f"role_{args.role}", L)))
    return 0


def cmd_users_import(args: argparse.Namespace) -> int:
    """Create the accounts an accounts file lists, each with a first password written to
    ``--out`` (readable by the admin only) to hand over."""
    from pathlib import Path

    from countyreach.account_files import private_file
    from countyreach.i18n import t
    from countyreach.progress import StageBar
    from countyreach.services.accounts import existing_text, import_accounts

    L, out = args.lang, Path(args.out)
    store = _open_plain()
    with store:
        admin = store.operator_session()
        # the passwords' file is claimed first: one that exists is refused before anything
        # is made, and an import that fails leaves no file of passwords nobody has
        with private_file(out) as fh:
            bar = StageBar(enabled=not args.quiet, lang=L)
            try:
                wanted, text = import_accounts(
                    store, admin, Path(args.file), L, county=args.county,
                    progress=lambda done: bar("hash_passwords", done))
                fh.write(text)
            except BaseException:
                out.unlink()
                raise
            finally:
                bar.close()
        if not wanted.new:
            out.unlink()
    if wanted.existing:
        print(existing_text(wanted.existing, L))
    if not wanted.new:
        print(t("users_import_nothing", L))
        return 0
    print(t("users_imported", L, n=len(wanted.new), file=out))
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from countyreach.i18n import t
    from countyreach.plan_summary import cell
    from countyreach.services.accounts import account_rows

    L = args.lang
    store = _open_plain()
    with store:
        admin = store.operator_session()
        if args.county is not None and args.county not in store.learning.county_ids(admin):
            raise InputError(f"unknown county {args.county!r}", field="--county")
        rows = account_rows(store.users.accounts(admin, args.county), L)
    if not rows:
        print(t("users_none", L))
        return 0
    print(cell(t("users_col_name", L), 16) + cell(t("users_col_role", L), 15)
          + cell(t("users_col_reach", L), 22) + cell(t("users_col_state", L), 16)
          + t("users_col_last", L))
    for r in rows:
        print(cell(r.username, 16) + cell(r.role, 15) + cell(r.reach, 22) + cell(r.state, 16)
              + r.last_sign_in)
    return 0


def cmd_users_password(args: argparse.Namespace) -> int:
    from countyreach.i18n import t

    store = _open_plain()
    with store:
        admin = store.operator_session()
        if args.name not in store.users.usernames():
            # said before the password is asked for, not after it was typed twice
            raise InputError(f"no user {args.name!r}", field="username")
        store.users.reset_password(args.name, _password(args), session=admin)
    print(t("users_password_reset", args.lang, name=args.name))
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from countyreach.i18n import t

    store = _open_plain()
    with store:
        changed = store.users.set_active(args.name, active, session=store.operator_session())
    key = ("users_enabled" if active else "users_disabled_now") if changed else \
        ("users_already_enabled" if active else "users_already_disabled")
    print(t(key, args.lang, name=args.name))
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    return _set_active(args, False)


def cmd_users_enable(args: argparse.Namespace) -> int:
    return _set_active(args, True)


def add_users_subcommands(sub: Any) -> None:
    """Add ``users add``, ``users import``, ``users list``, ``users password``,
    ``users disable`` and ``users enable`` to the command line's subcommands ``sub``."""
    p = sub.add_parser("users", help="accounts of the app: add, import, list, reset a "
                                     "password, disable or enable")
    usub = p.add_subparsers(dest="users_command", required=True)
    q = usub.add_parser("add", help="create an account (the password is asked for)")
    q.add_argument("name", help="the account's username")
    q.add_argument("--role", required=True, choices=("officer", "manager", "planner", "admin"))
    q.add_argument("--officer", help="the roster's officer_id (officers)")
    q.add_argument("--county", help="county id (default: the only county in the store)")
    q.add_argument("--region", help="a manager's or planner's region")
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    q.set_defaults(func=cmd_users_add)

    q = usub.add_parser("import", help="create the accounts a file lists (CSV or .xlsx: "
                                       "username, role, officer_id, county_id, region), "
                                       "each with a first password to hand over")
    q.add_argument("file", help="the accounts file")
    q.add_argument("--county", help="the county of officers and managers that name none "
                                    "(default: the only county in the store)")
    q.add_argument("--out", default="first-passwords.csv",
                   help="where the first passwords are written, readable by you only; "
                        "never overwritten (default first-passwords.csv)")
    q.set_defaults(func=cmd_users_import)

    q = usub.add_parser("list", help="the accounts, whether each can sign in, and when each "
                                     "last did")
    q.add_argument("--county", help="only the accounts that reach this county")
    q.set_defaults(func=cmd_users_list)

    q = usub.add_parser("password", help="give a user a new password (asked for) and sign "
                                         "them out everywhere")
    q.add_argument("name", help="the account's username")
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    q.set_defaults(func=cmd_users_password)

    q = usub.add_parser("disable", help="stop an account signing in (someone who left): "
                                        "signed out at once, their plans and outcomes kept")
    q.add_argument("name", help="the account's username")
    q.set_defaults(func=cmd_users_disable)

    q = usub.add_parser("enable", help="let a disabled account sign in again")
    q.add_argument("name", help="the account's username")
    q.set_defaults(func=cmd_users_enable)
