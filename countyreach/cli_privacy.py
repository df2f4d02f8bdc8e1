"""The command line's privacy commands: ``erase`` (a person's data, for good),
``person-data`` (a business's copy of its data), ``do-not-visit`` (a business that asked not
to be visited) and ``audit`` (who did what, when)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from countyreach.cli_open import open_plain_store as _open_plain
from countyreach.cli_open import open_store as _open
from countyreach.errors import InputError

__all__ = ["ERASE_HINT", "cmd_audit", "cmd_erase", "cmd_do_not_visit", "cmd_person_data",
           "dnv_source_label"]


#: Why ``person-data`` refuses a file that exists.
PERSON_COPY_EXISTS = ("the file exists: a business's copy is never written over a file; move "
                      "it away or give another --out")
#: How ``erase`` narrows a request that names several leads.
ERASE_HINT = "give --county ID, or --all-matches to erase every one of them"


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log, newest first, or write it as CSV (``--out``)."""
    import datetime as dt

    from countyreach.dates import check_date
    from countyreach.i18n import t
    from countyreach.services.activity import activity_csv, activity_lines, china_day_start

    since, until = (None if day is None else
                    china_day_start(dt.date.fromisoformat(check_date(day, flag)))
                    for day, flag in ((args.since, "--since"), (args.until, "--until")))
    if until is not None:
        until += dt.timedelta(days=1)  # --until names the last day shown
    store = _open_plain()
    with store:
        admin = store.operator_session()
        if args.county is not None and args.county not in store.learning.county_ids(admin):
            raise InputError(f"unknown county {args.county!r}", field="--county")
        try:
            entries = store.audit_log(admin, args.county, since=since, until=until,
                                      username=args.user, action=args.action,
                                      limit=args.limit)
        except InputError as exc:  # named as the command line's option
            raise InputError(exc.reason, field=f"--{exc.field}") from None
    L = args.lang
    if args.out is not None:
        _write_whole(Path(args.out), activity_csv(entries, L))
        print(t("audit_written", L, n=len(entries), file=args.out))
    else:
        print("\n".join(activity_lines(entries, L)))
    if len(entries) == args.limit:
        print(t("audit_limit", L, n=args.limit))
    return 0


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, into a folder that exists."""
    from geo.files import write_atomically

    if path.is_dir():
        raise InputError("a folder: give a file name", field="--out", file=str(path))
    if not path.parent.is_dir():
        raise InputError("the folder does not exist", field="--out", file=str(path.parent))
    write_atomically(path, data)


def cmd_person_data(args: argparse.Namespace) -> int:
    """Write everything the store keeps of one business to a workbook only the caller can
    read, for its owner (PIPL: the right to a copy)."""
    from countyreach.account_files import private_file
    from countyreach.i18n import t
    from countyreach.services.person_data import person_data, person_workbook

    out = Path(args.out).expanduser()
    if out.exists():  # before the store is read (and the export audited)
        raise InputError(PERSON_COPY_EXISTS, file=str(out))
    store = _open_plain()
    with store:
        data = person_data(store, store.operator_session(), args.person,
                           county_id=args.county)
    L = args.lang
    book = person_workbook(data, L)
    with private_file(out, PERSON_COPY_EXISTS) as fh:
        fh.write(book)
    print(t("person_written", L, county=data.county_id, lead=data.lead_id, n=data.rows,
            file=out))
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from countyreach.i18n import t
    from countyreach.input_warnings import print_warning
    from countyreach.services.erasure import ManyMatches

    store, loop = _open()
    with store:
        try:
            rep = loop.erase(store.operator_session(), args.person, args.reason,
                             county_id=args.county, all_matches=args.all_matches)
        except ManyMatches as exc:  # the same refusal, in the command line's words
            raise ManyMatches(exc.person, exc.matches, ERASE_HINT) from None
    L = args.lang
    for e in rep.erasures:
        print(t("erase_done", L, lead=e.lead_id, county=e.county_id))
        if e.reason_scrubbed:
            print_warning(f"the reason of {e.lead_id} named the person (name, phone or "
                          "address): left out of the reason kept", lang=L)
        _print_withdrawn(e.withdrawn, L)
    _print_replan_advised(rep.replan_advised(), L)
    print(t("erase_models", L, searched=rep.model_files_checked,
            removed=len(rep.model_files_removed)))
    # what the store cannot reach: the user's own files
    print(t("erase_outside", L))
    return 0


def dnv_source_label(source: str, lang: str) -> str:
    """How a lead came onto the do-not-visit list (``hotline``, ``visit``, ``erasure``), in
    ``lang``; a source the catalogue does not name is shown as stored."""
    from countyreach.i18n import t

    label = t(f"dnv_source_{source}", lang)
    return source if label == f"dnv_source_{source}" else label


def cmd_do_not_visit(args: argparse.Namespace) -> int:
    from countyreach.i18n import t
    from countyreach.localize import localize
    from countyreach.plan_summary import cell
    from countyreach.store.checks import check_id

    check_id(args.county, "county")
    store = _open_plain()
    with store:
        session = store.operator_session()
        if args.lead is None:
            entries = store.do_not_visit_entries(session, args.county)
            if not entries:
                print(t("dnv_empty", args.lang, county=args.county))
            for lead_id, source, reason, day in entries:
                print(f"{lead_id:<12} {day}  {cell(dnv_source_label(source, args.lang), 8)} "
                      f"{localize(reason, args.lang)}")
            return 0
        done = store.opt_out(session, args.county, args.lead, args.reason)
    print(t("dnv_already" if done.already_listed else "dnv_added", args.lang,
            lead=done.lead_id, county=done.county_id))
    _print_withdrawn(done.withdrawn, args.lang)
    _print_replan_advised(sorted({(done.county_id, d) for d, _ in done.withdrawn}), args.lang)
    return 0


def _print_withdrawn(withdrawn: Iterable[tuple[str, str]], lang: str) -> None:
    """One line per published list a stop left (``(plan_date, officer_id)``): an erasure's
    and a refusal's alike."""
    from countyreach.i18n import t

    for day, officer_id in withdrawn:
        print(t("cli_withdrawn", lang, officer=officer_id, day=day))


def _print_replan_advised(days: Iterable[tuple[str, str]], lang: str) -> None:
    """The command that plans each ``(county_id, plan_date)`` a stop left again."""
    from countyreach.i18n import t

    for county_id, day in days:
        print(t("dnv_replan", lang, county=county_id, day=day))
