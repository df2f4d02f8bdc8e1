"""The store's subcommands of ``countyreach``: the daily loop from the command line.

They mirror the app's jobs and go through the same service (:mod:`countyreach.services.loop`)
as the app and the simulation. The command line acts as the built-in operator account (an
admin); every change is in the audit log under its name.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from countyreach.arglists import given_ids
from countyreach.cli_open import open_plain_store as _open_plain
from countyreach.cli_open import open_store as _open
from countyreach.cli_privacy import cmd_audit, cmd_do_not_visit, cmd_erase, cmd_person_data
from countyreach.cli_users import add_users_subcommands
from countyreach.errors import InputError
from countyreach.progress import StageBar

__all__ = ["add_store_subcommands", "cmd_plan_store", "print_demo_users", "NOT_PUBLISHED_EXIT"]

#: ``plan COUNTY --publish``'s exit code when the plan was saved as a draft and not
#: published (the checker found violations).
NOT_PUBLISHED_EXIT = 3


def cmd_county_import(args: argparse.Namespace) -> int:
    from countyreach.input_warnings import print_warning

    store, loop = _open()
    with store:
        report = loop.import_county(store.operator_session(), Path(args.dir))
    for note in report.input_warnings:
        print_warning(note, lang=args.lang)  # as `plan` prints a folder's warnings: one line each
    print("\n".join(report.lines(args.lang)))
    return 0


def cmd_county_trim(args: argparse.Namespace) -> int:
    from countyreach.i18n import format_number, t
    from countyreach.services.publishing import trim_past_days
    from countyreach.store.checks import check_id

    check_id(args.county, "county")
    if args.keep_days is not None and args.keep_days < 1:
        raise InputError("--keep-days must be at least 1 (today's plan stays whole)",
                         field="--keep-days")
    store = _open_plain()
    with store:
        _check_stored(store, args.county)
        res = trim_past_days(store, store.operator_session(), args.county,
                             keep_days=args.keep_days, max_days=None)
        sizes = store.vacuum(store.operator_session()) if args.vacuum and res else None
    L = args.lang
    if res is None:  # the store failed: logged by the service
        raise InputError("the store could not trim the travel matrices (see the log)")
    if not res.days:
        print(t("trim_none", L, county=args.county))
    else:
        print(t("trim_done", L, county=args.county, days=len(res.days), first=res.days[0],
                last=res.days[-1], versions=res.versions,
                before=format_number(res.bytes_before / 1e6, digits=1),
                after=format_number(res.bytes_after / 1e6, digits=2)))
    if args.vacuum:
        print(t("vacuum_done", L, before=format_number(sizes[0] / 1e6, digits=1),
                after=format_number(sizes[1] / 1e6, digits=1)) if sizes is not None
              else t("vacuum_not_sqlite", L))
    return 0


def cmd_county_list(args: argparse.Namespace) -> int:
    from countyreach.services.county_overview import county_lines

    store = _open_plain()
    with store:
        counties = store.counties.summaries(store.operator_session())
    print("\n".join(county_lines(counties, args.lang)))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from countyreach.i18n import format_number, t
    from countyreach.input_warnings import print_warning
    from countyreach.services.backup import BACKUP_DB, BACKUP_HOME, back_up
    from countyreach.settings import get_settings

    settings = get_settings()
    store = _open_plain()
    with store:
        done = back_up(store, settings.store_url, settings.home_dir, Path(args.dir))
    L = args.lang
    for model in done.missing:
        print_warning(f"the file of model {model} is missing or does not match the registry: "
                      "not in the backup (retrain the county)", lang=L)
    print(t("backup_postgres", L) if done.database_bytes is None else
          t("backup_store", L, mb=format_number(done.database_bytes / 1e6, digits=1),
            revision=done.revision))
    print(t("backup_files", L, n=done.files, mb=format_number(done.files_bytes / 1e6,
                                                               digits=1)))
    if done.database_bytes is not None:  # a PostgreSQL store's copy is pg_dump's
        print(t("backup_use", L, db=f"sqlite:///{done.folder / BACKUP_DB}",
                home=done.folder / BACKUP_HOME))
    return 0


def cmd_plan_store(args: argparse.Namespace) -> int:
    from countyreach.cli import check_out_dir, plan_params, plan_rules, print_checked
    from countyreach.i18n import t
    from countyreach.input_warnings import print_warning
    from countyreach.localize import localize
    from countyreach.plan_files import write_plan_files
    from countyreach.plan_summary import summary_text
    from countyreach.services.day_rules import rule_counts_text
    from countyreach.services.workspace import app_now
    from countyreach.starter import basis_text
    from countyreach.time_windows import clock

    now_s = None
    if args.now is not None:
        # read as a file's time of day is: at most 24:00 (raw HH:MM took 25:00 and re-planned
        # from after every shift), and 8点半 as said
        try:
            now_s = clock(args.now)
        except InputError as exc:
            raise InputError(exc.reason, field="--now") from None
    rules, params = plan_rules(args), plan_params(args)
    store, loop = _open()
    with store:
        # A name that is neither a folder nor a stored county is the first thing to say: a
        # user who mistyped a folder is not helped by being asked for a date.
        _check_stored(store, args.county)
        if args.date is None:
            raise InputError("store mode needs --date YYYY-MM-DD", field="--date")
        out = check_out_dir(Path(args.out))
        res = loop.plan(store.operator_session(), args.county, args.date, publish=args.publish,
                        params=params, rules=rules,
                        officer_ids=given_ids(args.officers, "--officers"), now_s=now_s,
                        # the app's clock (COUNTYREACH_CLOCK when set): the same today
                        at=app_now())
    day = res.day
    notes = list(day.plan.meta.get("input_warnings", ()))
    for note in notes:
        print_warning(note, lang=args.lang)
    L = args.lang
    print(summary_text(day.problem, day.plan, L, scores=day.left_out_facts))
    print()
    r = res.model.record
    print(t("plan_store_model", L, county=r.county_id, version=r.version,
            data=r.data_hash[:8], code=r.code_version))
    if res.model.note:
        print(f"  {localize(res.model.note, L)}")
    basis = basis_text(res.model.scorer, r.version, L, county=r.county_id)
    print(t("summary_value_basis", L, basis=basis))
    if notes:
        print(t("summary_input_warnings", L, n=len(notes)))
    # as the plan keeps it (DayRules.left_out): a follow-up pinned today is planned, not
    # also counted among the leads the rules leave out (res.excluded still has it)
    left = dict(day.plan.meta.get("left_out_by_rule") or {})
    print(t("plan_store_follow_ups", L, n=len(res.follow_ups), out=sum(left.values()))
          + (t("summary_left_out_why", L, why=rule_counts_text(left, L)) if left else ""))
    state = t("plan_store_published" if res.published else "plan_store_refused"
              if res.refused else "plan_store_draft", L)
    print(t("plan_store_version", L, version=res.version, county=res.county_id,
            day=res.plan_date, state=state)
          + (t("plan_store_rest_of_day", L, time=day.plan.meta["replanned_at"])
             if "replanned_at" in day.plan.meta else ""))
    if "planned_from" in day.plan.meta:
        # the shifts had begun: officers cannot be sent to visits in the past
        print(t("plan_store_from_now" if now_s is not None else "plan_store_from_clock", L,
                time=day.plan.meta["planned_from"]))
    lines = res.changes.lines(L)
    print(t("plan_store_changes" if lines else "plan_store_no_changes", L))
    for line in lines:
        print("  " + line)
    files = write_plan_files(day.problem, day.plan, out, crs=day.county.county.crs,
                             scores=day.left_out_facts)
    print_checked(day, files, out, lang=L)
    if res.refused:  # refused only now, so that the violations above say why
        # its own exit code: not bad input (2), and a script must not take it for published
        print(t("cli_error", L, message=localize(res.refused, L)), file=sys.stderr)
        return NOT_PUBLISHED_EXIT
    return 0 if day.ok else 1


def _check_stored(store: Any, county_id: str) -> None:
    """Refuse a county id the store does not hold, naming those it does."""
    known = store.learning.county_ids(store.operator_session())
    if county_id in known:
        return
    if Path(county_id).is_dir():  # --publish or --now beside a folder never imported
        raise InputError(f"the store holds no county {county_id!r}: a folder of that name is "
                         f"here, which `countyreach county import {county_id}` stores",
                         field="county")
    if not known:
        raise InputError(f"there is no county folder or stored county named {county_id!r} "
                         "(the store holds no county yet; `countyreach county import DIR` "
                         "stores a county folder)", field="county")
    held = ", ".join(sorted(known)[:10]) + (", …" if len(known) > 10 else "")
    raise InputError(f"there is no county folder or stored county named "
                     f"{county_id!r} (the store holds {held}; `countyreach "
                     "county import DIR` stores a county folder)", field="county")


def cmd_score_store(args: argparse.Namespace, day: str) -> int:
    """``score COUNTY_ID``: the stored county ranked as ``plan COUNTY_ID`` values it (the
    promoted model, the loan book, the do-not-visit list), leads the store's rules leave
    out today (resting after a visit, cooling, closed) counted, not ranked."""
    from countyreach.cli import print_scores
    from countyreach.i18n import t
    from countyreach.input_warnings import collected, print_warning
    from countyreach.pipeline import score_leads
    from countyreach.services.day_rules import rule_counts_text
    from countyreach.starter import basis_text

    if args.retrain:
        raise InputError(f"a stored county is retrained with `countyreach retrain "
                         f"{args.county}` (score uses its promoted model)", field="--retrain")
    store, loop = _open()
    with store:
        _check_stored(store, args.county)
        session = store.operator_session()
        data = loop.county_data(session, args.county)
        with collected() as notes:
            choice = loop.model(session, args.county, day)
            rules = loop.day_rules(session, args.county, day, data)
            scores = score_leads(data, choice.scorer, day[:7], do_not_visit=rules.do_not_visit,
                                 loan_book=rules.loan_book)
        notes = [*loop.county_warnings(session, args.county), *notes]
    L = args.lang
    for note in notes:
        print_warning(note, lang=L)
    # the plan's own rule: follow-ups due today are offered whatever else the rules say
    out = rules.exclude(rules.follow_ups)
    record = choice.record
    print(t("summary_value_basis", L, basis=basis_text(choice.scorer, record.version, L,
                                                       county=record.county_id)))
    why = Counter(str(rules.excluded.get(lid, "do_not_visit")) for lid in out)
    if out:
        print(t("score_not_prospected", L, n=len(out),
                why=rule_counts_text(dict(sorted(why.items())), L)))
    print_scores(scores[~scores["lead_id"].isin(out)], args.top, L)
    return 0


def cmd_outcomes_import(args: argparse.Namespace) -> int:
    from countyreach.i18n import t

    store, loop = _open()
    with store:
        counts = loop.import_outcomes(store.operator_session(), Path(args.file))
    print(t("outcomes_recorded", args.lang, recorded=counts["recorded"],
            already=counts["already_there"]))
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from countyreach.i18n import t
    from countyreach.localize import localize
    from countyreach.services.model_views import metric_text
    from countyreach.starter import basis_text
    from countyreach.store.checks import check_id

    check_id(args.county, "county")
    store, loop = _open()
    # drawn on a terminal only, never in a log
    bar = StageBar(enabled=not args.quiet, lang=args.lang)
    try:
        with store:
            res = loop.retrain(store.operator_session(), args.county, force=args.force,
                               progress=bar)
    finally:
        bar.close()
    L, v = args.lang, res.record.version
    print(t("retrain_model", L, county=args.county, version=v,
            message=localize(res.message, L)))
    print(t("retrain_held_out", L, metrics=localize(metric_text(dict(res.record.metrics)), L)))
    print(t("retrain_basis", L, basis=basis_text(res.scorer, v, L, county=args.county)))
    if res.previous is not None and res.previous_auc is not None:
        print(t("retrain_previous", L, version=res.previous.version,
                auc=f"{res.previous_auc:.3f}"))
    return 0 if res.promoted else 1


def cmd_models(args: argparse.Namespace) -> int:
    from countyreach.dates import county_time
    from countyreach.i18n import t
    from countyreach.localize import localize
    from countyreach.plan_summary import cell
    from countyreach.services.model_views import metric_text
    from countyreach.store.checks import check_id

    L = args.lang
    check_id(args.county, "county")
    store = _open_plain()
    with store:
        session = store.operator_session()
        if args.promote is not None:
            store.learning.promote_model(session, args.county, args.promote)
            print(t("models_promoted", L, county=args.county, version=args.promote))
        records = store.models(session, args.county)
    if not records:
        print(t("models_none", L, county=args.county))
    else:
        print(t("models_heading", L, county=args.county))
    for m in records:
        kind = t("models_starter", L) if m.n_train == 0 else t("models_visits", L, n=m.n_train)
        status = m.status.value if L == "en" else t(f"models_status_{m.status.value}", L)
        print(f"v{m.version:<3} {cell(status, 10)} {county_time(m.created_at)}  "
              f"{cell(kind, 12)} {localize(metric_text(dict(m.metrics)), L)}  "
              + t("models_data_code", L, data=m.data_hash[:8], code=m.code_version))
    return 0


def cmd_plans(args: argparse.Namespace) -> int:
    from countyreach.dates import county_time, county_today
    from countyreach.i18n import t
    from countyreach.localize import localize
    from countyreach.plan_summary import cell
    from countyreach.services import publishing
    from countyreach.store.checks import check_date, check_id

    L = args.lang
    check_id(args.county, "county")
    store = _open_plain()
    with store:
        session = store.operator_session()
        _check_stored(store, args.county)
        day = check_date(args.date) if args.date else county_today(store.now())
        refused = ""
        if args.publish is not None:
            refused = publishing.publish_version(store, session, args.county, day,
                                                 args.publish)
            if not refused:
                print(t("plans_did_publish", L, version=args.publish, county=args.county,
                        date=day))
        if args.discard is not None:
            store.discard_draft(session, args.county, day, args.discard)
            print(t("plans_did_discard", L, version=args.discard, county=args.county,
                    date=day))
        versions = store.plan_versions(session, args.county, day)
        others = [] if versions else store.plans.plan_dates(session, args.county)
    if not versions:
        print(t("plans_none", L, county=args.county, date=day))
        if others:
            print(t("plans_other_days", L, dates=", ".join(others)))
    else:
        print(t("plans_heading", L, county=args.county, date=day))
    for v in versions:
        status = t(f"state_{v.status}", L)  # as the manager page says it
        line = f"v{v.version:<3} {cell(status, 10)} {county_time(v.created_at)}  {v.created_by}"
        if v.published_at is not None:
            line += "  " + t("plans_published_by", L, when=county_time(v.published_at),
                             by=v.published_by or "")
        print(line)
    if refused:  # last, as `plan --publish` says it: its own exit code, not bad input
        print(t("cli_error", L, message=localize(refused, L)), file=sys.stderr)
        return NOT_PUBLISHED_EXIT
    return 0


def print_demo_users(county_dir: Path, lang: str = "en") -> None:
    """Import the demo county into the store, seed the demo users and print new ones once,
    in ``lang``.

    The accounts are :func:`countyreach.services.workspace.seed_demo_users`'s, the same
    the app's "Try the demo" creates.
    """
    from countyreach.i18n import t
    from countyreach.io import load_county
    from countyreach.plan_summary import cell
    from countyreach.services.workspace import seed_demo_users

    store, loop = _open()
    with store:
        admin = store.operator_session()
        loop.import_county(admin, county_dir)
        county = load_county(county_dir)
        users = seed_demo_users(store, county.county_id, county.name,
                                [o.officer_id for o in store.officers(admin, county.county_id)],
                                session=admin)
        store.logout(admin)
    new = [u for u in users if u.created]
    if not new:
        print(t("demo_users_exist", lang))
        return
    print("\n" + t("demo_users_created", lang))
    for u in new:
        role = u.role if lang == "en" else t(f"role_{u.role}", lang)
        print(f"  {cell(role, 8)} {u.username:<16} "
              + t("demo_user_password", lang, password=u.password))


def add_store_subcommands(sub: Any, county_sub: Any) -> None:
    """Add ``county import``, ``county list``, ``county trim``, ``backup``, ``outcomes import``,
    ``retrain``, ``models``, ``plans``, ``users`` (:mod:`countyreach.cli_users`),
    ``do-not-visit``, ``person-data``, ``audit``, ``erase``."""
    q = county_sub.add_parser("import", help="store a county folder: leads, officers, history "
                                             "and map files (idempotent)")
    q.add_argument("dir", help="the county folder (county.json)")
    q.set_defaults(func=cmd_county_import)
    q = county_sub.add_parser("list", help="the counties in the store: planned from the store "
                                           "or a folder, their leads, officers and accounts, "
                                           "the last published day, the model, the outcomes "
                                           "recorded")
    q.set_defaults(func=cmd_county_list)
    q = county_sub.add_parser("trim", help="keep only the legs their routes use of the travel "
                                           "matrices of days past the retention (after each "
                                           "publish, a few days at a time)")
    q.add_argument("county", help="county id in the store")
    q.add_argument("--keep-days", type=int, metavar="N",
                   help="days before today that stay whole (default COUNTYREACH_MATRIX_KEEP_"
                        "DAYS, 35)")
    q.add_argument("--vacuum", action="store_true",
                   help="then shrink a SQLite store's file to its data (all counties; holds "
                        "off other writers while it runs)")
    q.set_defaults(func=cmd_county_trim)

    p = sub.add_parser("backup", help="copy the store and the files it names (models, map "
                                      "files) into a new folder, while the app runs")
    p.add_argument("dir", help="a new or empty folder")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("outcomes", help="visit outcomes in the store")
    osub = p.add_subparsers(dest="outcomes_command", required=True)
    q = osub.add_parser("import", help="record outcomes from a CSV (county_id, plan_date, "
                                       "lead_id, outcome[, consent, opt_out, follow_up_on, "
                                       "amount_yuan, reason, other_loan_month, "
                                       "other_loan_asked])")
    q.add_argument("file")
    q.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the messages: errors, warnings, counts (default en)")
    q.set_defaults(func=cmd_outcomes_import)

    p = sub.add_parser("retrain", help="retrain a county's lead model from stored history "
                                       "and outcomes")
    p.add_argument("county", help="county id")
    p.add_argument("--force", action="store_true", help="promote even a worse model")
    p.set_defaults(func=cmd_retrain)

    p = sub.add_parser("models", help="a county's model versions (and promote one back)")
    p.add_argument("county", help="county id in the store")
    p.add_argument("--promote", type=int, metavar="V",
                   help="make version V the county's model (roll back a retraining)")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("plans", help="a county's plan versions of a day (publish one, roll "
                                     "back to an earlier one, or discard a draft)")
    p.add_argument("county", help="county id in the store")
    p.add_argument("--date", help="the day YYYY-MM-DD (default: today in the county)")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--publish", type=int, metavar="V",
                     help="publish version V, a draft or an earlier one (exit 3 when the "
                          "checker refuses it)")
    act.add_argument("--discard", type=int, metavar="V", help="discard draft version V")
    p.set_defaults(func=cmd_plans)

    add_users_subcommands(sub)

    p = sub.add_parser("do-not-visit", help="a business asked not to be visited (by phone, "
                                            "letter or at the branch); without a lead, list "
                                            "the county's do-not-visit list")
    p.add_argument("county", help="county id in the store")
    p.add_argument("lead", nargs="?", help="the lead id")
    p.add_argument("--reason", default="", help="why, kept on the list (e.g. '来电拒绝, "
                                                "2026-12-05')")
    p.set_defaults(func=cmd_do_not_visit)

    p = sub.add_parser("person-data", help="a business's copy of everything the store keeps "
                                           "of it (lead id, name or whole phone number), "
                                           "as a workbook only you can read; audited")
    p.add_argument("person", help="a lead id, a name or a phone number (the whole number)")
    p.add_argument("--county", help="look in this county only (lead ids repeat across "
                                    "counties)")
    p.add_argument("--out", default="person-data.xlsx",
                   help="the workbook to write, never over a file (default person-data.xlsx)")
    p.set_defaults(func=cmd_person_data)

    p = sub.add_parser("audit", help="who did what, when: the audit log, newest first (plans "
                                     "published, outcomes recorded, businesses erased, "
                                     "accounts changed, sign-ins)")
    p.add_argument("--county", help="one county's rows (default: every county)")
    p.add_argument("--user", help="one user's rows (their username)")
    p.add_argument("--action", help="one kind of row, e.g. publish, record_outcome, "
                                     "erase_personal_data, login")
    p.add_argument("--since", metavar="DATE", help="from this day on (China time, YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="up to this day (China time, YYYY-MM-DD)")
    p.add_argument("--limit", type=int, default=200, help="most rows, the newest (default 200)")
    p.add_argument("--out", metavar="FILE", help="write the rows as CSV (for Excel) instead")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("erase", help="erase a business's personal data for good (lead id, "
                                     "name or whole phone number; one lead unless "
                                     "--all-matches)")
    p.add_argument("person", help="a lead id, a name or a phone number (the whole number)")
    p.add_argument("--county", help="look in this county only (lead ids repeat across "
                                    "counties)")
    p.add_argument("--all-matches", action="store_true",
                   help="erase every lead that matches (without it a request that matches "
                        "more than one lead erases nothing and lists them)")
    p.add_argument("--reason", default="", help="why, kept for good on the do-not-visit "
                                                "list (e.g. 'owner asked at the branch'); the "
                                                "person's name, phone and address are left out")
    p.set_defaults(func=cmd_erase)
