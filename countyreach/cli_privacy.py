"""The command line's privacy commands: ``erase`` (a person's data, for good) and
``do-not-visit`` (a business that asked not to be visited)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from countyreach.cli_open import open_plain_store as _open_plain
from countyreach.cli_open import open_store as _open

__all__ = ["ERASE_HINT", "cmd_erase", "cmd_do_not_visit", "dnv_source_label"]


#: How ``erase`` narrows a request that names several leads.
ERASE_HINT = "give --county ID, or --all-matches to erase every one of them"


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
