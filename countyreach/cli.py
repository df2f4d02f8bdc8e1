"""``countyreach`` command line: one entry point, subcommands mirroring the app's jobs.

Examples
--------
countyreach demo                          # plan a day for the embedded demo township
countyreach plan data/qingzu --date 2026-11-24 --out out/
countyreach check out/plan.json           # verify a plan independently of the solver
countyreach score data/qingzu --top 20    # ranked leads with reasons
countyreach app                           # the Streamlit map interface

The system of record (the store at ``COUNTYREACH_DB``)::

countyreach county import data/qingzu     # county, leads, officers, history (idempotent)
countyreach users add wang --role manager --county qingzu   # asks for the password
countyreach plan qingzu --date 2026-11-24 --publish         # plan from the store
countyreach outcomes import outcomes.csv  # outcomes recorded on paper
countyreach retrain qingzu                # new model version and its held-out metrics
countyreach plans qingzu --date 2026-11-24 --publish 1      # a day's versions; roll back
countyreach erase 13800000001 --county qingzu   # a business's personal data, for good
countyreach county list                   # each county: set up and in use
countyreach audit --county qingzu --since 2026-11-01   # who did what, when
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from countyreach.arglists import given_ids, id_list
from countyreach.cli_help import LocalizedParser, all_parsers, help_lang, localize_help
from countyreach.dates import county_today, parse_date
from countyreach.errors import USER_ERRORS, CountyreachError, DataWarning, InputError
from countyreach.i18n import list_text, t
from countyreach.input_warnings import collected, print_warning, show_warning
from countyreach.progress import StageBar, within
from countyreach.synth import ELSEWHERE_SHARE, synth_county
from countyreach.workbook import table_file
from propensity.loan_rule import LOCKOUT_MONTHS
from routing.errors import ProblemError
from routing.params import SolveParams
from routing.problem import RoutingRules

log = logging.getLogger("countyreach")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_COUNTY = REPO_ROOT / "data" / "qingzu"


def _demo_county() -> Path:
    for cand in (Path.cwd() / "data" / "qingzu", DEMO_COUNTY):
        if (cand / "county.json").exists():
            return cand
    raise CountyreachError("the demo county (data/qingzu) is not here: run from the repository")


#: The plan options by the rule or parameter each sets: an error names what the user typed,
#: not the field inside (``--drive-cost``, not ``drive_cost_yuan_per_h``).
_OPTION_OF = {"drive_cost_yuan_per_h": "--drive-cost", "time_limit_s": "--time-limit",
              "seed": "--seed"}


def _as_option(exc: ProblemError) -> ProblemError:
    return type(exc)(exc.reason, field=_OPTION_OF.get(exc.field or "", exc.field))


def plan_rules(args: argparse.Namespace) -> RoutingRules:
    """The routing rules a plan command's options set (``--balance`` in percent).

    Raises
    ------
    InputError, ProblemError
        An option's value is out of its range; the error names the option.
    """
    if not 0.0 <= args.balance <= 100.0:
        raise InputError(f"--balance must be a percentage from 0 to 100, got {args.balance:g}",
                         field="--balance")
    try:
        return RoutingRules(drive_cost_yuan_per_h=args.drive_cost, skills=args.skills,
                            locality=args.locality, balance=args.balance / 100.0)
    except ProblemError as exc:
        raise _as_option(exc) from None


def plan_params(args: argparse.Namespace) -> SolveParams:
    """The solver's budget a command's ``--time-limit`` and ``--seed`` set.

    Raises
    ------
    ProblemError
        An option's value is out of its range; the error names the option.
    """
    try:
        return SolveParams(time_limit_s=args.time_limit, seed=args.seed)
    except ProblemError as exc:
        raise _as_option(exc) from None


def check_out_dir(out: Path) -> Path:
    """Refuse an output folder that cannot be written, before any work is done.

    Raises
    ------
    InputError
        When ``out`` names an existing file, or a folder (or its nearest existing parent)
        this process may not write to.
    """
    if out.exists() and not out.is_dir():
        raise InputError("--out names an existing file; give a folder", field="--out",
                         file=str(out))
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"cannot write into {probe}", field="--out", file=str(out))
    return out


def cmd_plan(args: argparse.Namespace) -> int:
    from countyreach.pipeline import plan_day
    from countyreach.plan_files import write_plan_files
    from countyreach.plan_summary import summary_text, took

    publish = args.command == "plan" and bool(getattr(args, "publish", False))
    store_only = publish or getattr(args, "now", None) is not None
    if args.command == "plan" and _is_county_id(args.county, store_first=store_only,
                                                lang=args.lang):
        from countyreach.cli_loop import cmd_plan_store

        return cmd_plan_store(args)
    if publish:
        raise InputError("--publish plans from the store: give a county id (import the "
                         "folder first with `countyreach county import`)", field="--publish")
    if getattr(args, "now", None) is not None:
        raise InputError("--now re-plans a day published in the store: give a county id",
                         field="--now")
    county = _demo_county() if args.command == "demo" else Path(args.county)
    out = check_out_dir(Path(args.out))
    if args.date is not None:
        date_arg(args.date)
    rules, params = plan_rules(args), plan_params(args)
    progress = StageBar(enabled=not args.quiet, lang=args.lang)
    try:
        with collected() as notes:
            day = plan_day(
                county,
                plan_date=args.date,
                rules=rules,
                params=params,
                officer_ids=given_ids(args.officers, "--officers"),
                cache_dir=args.cache_dir,
                progress=progress,
            )
    finally:
        progress.close()
    for note in notes:
        print_warning(note, lang=args.lang)  # collected: no source line to show, even with -v
    # The plan file is the day's report: what was snapped, skipped or ignored in the input
    # travels with the plan it shaped, not only with this terminal's scrollback.
    plan = replace(day.plan, meta={**day.plan.meta, "input_warnings": notes})
    files = write_plan_files(day.problem, plan, out, crs=day.county.county.crs,
                             scores=day.left_out_facts)
    L = args.lang
    print(summary_text(day.problem, plan, L, scores=day.left_out_facts))
    print()
    print(t("summary_value_basis", L, basis=plan.meta.get(
        "value_basis_zh" if L == "zh" else "value_basis", "n/a")))
    if notes:
        print(t("summary_input_warnings", L, n=len(notes)))
    print_checked(day, files, out, took(day.timings_s["total_s"], L), L)
    if args.command == "demo" and not args.no_users:
        from countyreach.cli_loop import print_demo_users

        print_demo_users(county, args.lang)
    return 0 if day.ok else 1


def print_checked(day: Any, files: Sequence[Path], out: Path, tail: str = "",
                  lang: str = "en") -> None:
    """Print :func:`countyreach.plan_summary.checked_text`."""
    from countyreach.plan_summary import checked_text

    print(checked_text(day, files, out, tail, lang))


def _is_county_id(text: str, *, store_first: bool = False, lang: str = "en") -> bool:
    """A county in the store (an id) rather than a folder; refuses what is neither.

    A valid id the store holds is the store's county even where a folder of that name lies
    in the working directory (planning it from the folder would bypass the store's
    outcomes, rules and model): a warning says so and how to name the folder. So is any
    valid id when ``store_first`` (what only the store can do, ``--publish`` or ``--now``,
    was asked: no warning, the store's command refuses a county it does not hold).

    Raises
    ------
    InputError
        ``text`` is not an existing folder or manifest, and not a valid county id
        (``..``, ``/`` or an absolute path are never ids).
    """
    from countyreach.csvio import ID_RE

    is_id = bool(ID_RE.match(text)) and text not in (".", "..")
    if Path(text).exists():
        if not is_id or store_first:
            return is_id  # the store's command says whether it holds the county
        from countyreach.cli_open import store_holds

        if not store_holds(text, lang):
            return False
        print_warning(f"{text} is the store's county; a folder of that name is here too: "
                      f"give ./{text} to use the folder", lang=lang)
        return True
    if is_id:
        return True
    raise InputError(f"{text!r} is neither a county folder nor a county id (ids are 1-64 "
                     "ASCII letters, digits, '-', '_', '.', ':'; no '/', no '..')", field="county")


def cmd_check(args: argparse.Namespace) -> int:
    from countyreach.serialize import plan_from_dict, problem_from_dict, read_json
    from routing import check_plan

    plan_path = Path(args.plan)
    problem_path = Path(args.problem) if args.problem else plan_path.with_name("problem.json")
    plan = plan_from_dict(read_json(plan_path))
    problem = problem_from_dict(read_json(problem_path))
    violations = check_plan(problem, plan)
    L = args.lang
    if not violations:
        print(t("check_ok", L, path=plan_path, routes=len(plan.routes),
                visits=len(plan.visited_lead_ids), left=len(plan.dropped)))
        return 0
    from countyreach.localize import localize

    print(t("check_violations", L, n=len(violations), path=plan_path))
    for v in violations:
        who = " ".join(x for x in (v.officer_id or "", v.lead_id or "") if x)
        print(f"  [{v.code}] {who}{t('note_sep', L)}{localize(v.message, L)}")
    return 1


def date_arg(text: str) -> dt.date:
    """The ``--date`` of a command.

    Raises
    ------
    InputError
        Naming ``--date``, for text that is not an ISO calendar date.
    """
    return parse_date(text, "--date")


def cmd_score(args: argparse.Namespace) -> int:
    from countyreach.pipeline import get_scorer, load_county_data, score_leads
    from countyreach.services.loan_files import warn_loan_rows
    from countyreach.table_checks import warn_late_history

    day = date_arg(args.date if args.date else county_today())
    if args.top < 1:
        raise InputError(f"--top must be at least 1, got {args.top}", field="--top")
    if _is_county_id(args.county, lang=args.lang):
        from countyreach.cli_loop import cmd_score_store

        return cmd_score_store(args, day.isoformat())
    month = day.strftime("%Y-%m")
    # A first fit on a large county takes a while: its stages on a bar (a terminal only),
    # the input warnings held until the bar is gone so that they do not break it.
    bar = StageBar(enabled=not args.quiet, lang=args.lang)
    try:
        held: AbstractContextManager[list[str]] = collected() if not bar.bar.disable \
            else nullcontext([])
        with held as notes:
            data = load_county_data(args.county, cache_dir=args.cache_dir,
                                    progress=within(bar, 0.0, 0.3))
            # the same checks of dates as planning makes (score printed none)
            warn_loan_rows(data.county.root, data.loans, data.loans_elsewhere, month=month)
            warn_late_history(table_file(data.county.root, "history.csv"), data.history,
                              month)
            scorer = get_scorer(data, cache_dir=args.cache_dir, retrain=args.retrain,
                                progress=within(bar, 0.3, 0.9))
            bar("score leads", 0.9)
            scores = score_leads(data, scorer, month)
    finally:
        bar.close()
    for note in notes:
        print_warning(note, lang=args.lang)
    from countyreach.starter import basis_text

    L = args.lang
    print(t("summary_value_basis", L, basis=basis_text(scorer, None, L)))
    print_scores(scores, args.top, L)
    return 0


def print_scores(scores: Any, top: int, lang: str) -> None:
    """The ``top`` leads of ``scores`` (:func:`countyreach.pipeline.score_leads`) as
    ``score`` prints them, in ``lang``."""
    from countyreach.plan_summary import cell, clip

    L = lang
    col = "explanation_zh" if L == "zh" else "explanation_en"
    print(cell(t("col_lead_id", L), 8) + cell(t("name", L), 22)
          + cell(t("score_col_p", L), 10, right=True)
          + cell(t("score_col_loan", L), 12, right=True)
          + cell(t("score_col_value", L), 12, right=True) + "  " + t("why_lead", L))
    for rec in scores.head(top).itertuples(index=False):
        print(cell(str(rec.lead_id), 8) + cell(clip(str(rec.name), 20), 22)
              + f"{rec.p_uptake:>10.2f}{rec.loan_yuan:>12,.0f}{rec.value_yuan:>12,.0f}  "
              + str(getattr(rec, col, "")))


def cmd_plan_many(args: argparse.Namespace) -> int:
    from countyreach.localize import localize, note_text
    from countyreach.many import plan_many, write_summary

    L = args.lang
    out = check_out_dir(Path(args.out))
    date_arg(args.date)
    if args.workers < 1:
        raise InputError("--workers must be at least 1", field="--workers")

    def show(o: Any) -> None:
        for note in o.warnings:
            # the county's id before the note, which names its own file and row
            print(t("cli_warning", L, message=o.county + t("note_sep", L) + note_text(note, L)),
                  file=sys.stderr)
        if not args.quiet:
            detail = localize(o.message, L) if o.status != "planned" else t(
                "many_detail", L, visits=o.visits, value=f"{o.value_yuan:,.0f}")
            print(t("many_county", L, county=o.county, status=t(f"many_{o.status}", L),
                    seconds=f"{o.seconds:.0f}", detail=detail), flush=True)

    outcomes = plan_many(args.counties, args.date, out,
                         params=plan_params(args),
                         scheduler=args.scheduler, n_workers=args.workers,
                         cache_dir=args.cache_dir, progress=show)
    files = write_summary(outcomes, out)
    ok = sum(o.status == "planned" for o in outcomes)
    print(t("many_done", L, ok=ok, n=len(outcomes), summary=files[0]))
    return 0 if ok == len(outcomes) else 1


def cmd_county_init(args: argparse.Namespace) -> int:
    from countyreach.onboard import init_county

    report = init_county(
        args.dir, args.osm, place=args.place, name=args.name, villages=args.villages,
        branches=args.branches, officers=args.officers, crs=args.crs,
        boundary=args.boundary.split("/") if args.boundary else None,
        cache_dir=args.cache_dir, force=args.force, loan_rule_months=args.loan_rule_months,
        lang=args.lang)
    print(report.text(args.lang))
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    leads, history = synth_county(Path(args.county), n_businesses=args.n, n_months=args.months,
                                  seed=args.seed, start_month=args.start_month,
                                  force=args.force, variant=args.variant,
                                  elsewhere_share=args.elsewhere_share,
                                  industries=args.industries, cache_dir=args.cache_dir)
    written = [str(p) for p in (leads, history, *(Path(args.county) / f for f in (
        "loans.csv", "loans_elsewhere.csv"))) if p.exists()]
    print(t("synth_wrote", args.lang, files=list_text(written[:-1], args.lang),
            last=written[-1], seed=args.seed))
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    import subprocess

    if not 1 <= args.port <= 65535:
        raise InputError(f"--port must be 1 .. 65535, got {args.port}", field="--port")
    app = REPO_ROOT / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    return subprocess.call(cmd)


def _add_plan_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date", help="plan date YYYY-MM-DD (default: today)")
    p.add_argument("--officers", type=id_list,
                   help="comma-separated officer ids working that day (default: all)")
    p.add_argument("--time-limit", type=float, default=10.0, help="solver seconds (default 10)")
    p.add_argument("--drive-cost", type=float, default=60.0, help="yuan per hour driving")
    p.add_argument("--skills", choices=("hard", "soft", "off"), default="soft")
    p.add_argument("--locality", choices=("hard", "soft", "off"), default="soft")
    p.add_argument("--balance", type=float, default=RoutingRules().balance * 100,
                   help="percent of the day's value the plan may give up to even out the "
                        "officers' working hours (default 2; 0 leaves the hours as they fall)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="out", help="output folder (default out/)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the input warnings and errors (default en)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    # The module's examples, without their reStructuredText marks, are the help's epilog.
    examples = (__doc__ or "").split("--------\n", 1)[-1]
    parser = LocalizedParser(
        prog="countyreach",
        description="Plan the day of a rural lender's field officers: whom to visit and in "
                    "what order.",
        epilog="examples:\n" + examples.replace("``", "").replace("::", ":"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--cache-dir", default=None,
                        help="graph/model cache (default ~/.cache/countyreach)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="plan a day for the embedded demo township 庆祖镇")
    _add_plan_args(p)
    p.add_argument("--no-users", action="store_true",
                   help="do not import the demo county into the store or create demo users")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("plan", help="score leads and plan a day for a county")
    p.add_argument("county", help="county folder or county.json (file mode), or the id of a "
                                  "county in the store (which wins over a folder of that "
                                  "name: ./NAME names the folder)")
    _add_plan_args(p)
    p.add_argument("--publish", action="store_true",
                   help="store mode: publish the new version to the officers (exit 3 "
                        "when the checker refuses it: saved as a draft, not published)")
    p.add_argument("--now", metavar="HH:MM",
                   help="store mode: the time it is, so no visit still to make is planned "
                        "earlier; on a published day the stops planned to start before it "
                        "stay their officer's, presumed made (default: today from the time "
                        "it is now, rounded up to 5 minutes; another day whole)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("check", help="verify a plan independently of the solver")
    p.add_argument("plan", help="plan.json")
    p.add_argument("--problem", help="problem.json (default: next to the plan)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("score", help="rank leads by expected value, with reasons")
    p.add_argument("county", help="county folder or county.json (file mode), or the id of a "
                                  "county in the store (which wins over a folder of that "
                                  "name: ./NAME names the folder)")
    p.add_argument("--date", help="day scored, YYYY-MM-DD (default today): its month's "
                                  "season and loan rule")
    p.add_argument("--top", type=int, default=20, help="leads listed (default 20)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the table and reasons (default en)")
    p.add_argument("--retrain", action="store_true", help="retrain the model from history.csv")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("plan-many", help="plan several counties at once on Dask")
    p.add_argument("counties", nargs="+", help="county folders")
    p.add_argument("--date", required=True, help="ISO date of the day")
    p.add_argument("--out", default="out/many", help="each county's plan goes in OUT/<id>/")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds per county")
    p.add_argument("--seed", type=int, default=0, help="solver seed (default 0)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (default: local cluster)")
    p.add_argument("--workers", type=int, default=2, help="local cluster worker processes")
    p.set_defaults(func=cmd_plan_many)

    p = sub.add_parser("county", help="onboard a county")
    county_sub = p.add_subparsers(dest="county_command", required=True)
    q = county_sub.add_parser("init", help="build a county folder from an OSM extract alone")
    q.add_argument("dir", help="the county folder to write (its name is the county id)")
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("--osm", help="OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf)")
    src.add_argument("--place", help='download through osmnx (internet), e.g. "唐县, 保定市"')
    q.add_argument("--name", help="display name (default: the extract's town)")
    q.add_argument("--villages", help="your villages.csv (name, lat, lon) instead of OSM places")
    q.add_argument("--branches", help="your branches.csv (branch_id, name, lat, lon; without "
                                      "it --force keeps the folder's branches.csv)")
    q.add_argument("--officers", type=int, help="officers to create (default 4), shared over "
                                                "the branches by the villages nearest each; "
                                                "without it --force keeps the folder's "
                                                "officers.csv")
    q.add_argument("--crs", choices=("wgs84", "gcj02", "bd09"), default="wgs84",
                   help="coordinate system of the folder's CSV files")
    q.add_argument("--boundary", help='cnmaps names "省/市/县", e.g. "河北省/保定市/唐县"')
    q.add_argument("--loan-rule-months", type=int, default=None,
                   help="months after a loan from us before a business is visited for "
                        f"another (the lender's rule; default {LOCKOUT_MONTHS}, or with "
                        "--force the rule of the county rebuilt)")
    q.add_argument("--force", action="store_true", help="rebuild a folder holding a county")
    q.set_defaults(func=cmd_county_init)

    from countyreach.cli_loop import add_store_subcommands

    add_store_subcommands(sub, county_sub)

    p = sub.add_parser("synth", help="synthesise businesses and visit history for a county")
    p.add_argument("county", help="county folder (villages.csv, branches.csv)")
    # --businesses, as simulate and sweep name it; --n is what it was first called
    p.add_argument("--businesses", "--n", dest="n", type=int, default=400,
                   help="number of businesses (default 400)")
    p.add_argument("--months", type=int, default=24,
                   help="months of visit history (default 24)")
    p.add_argument("--start-month", default="2024-11",
                   help="first month of history, YYYY-MM (default 2024-11)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--force", action="store_true",
                   help="replace existing leads.csv / history.csv")
    p.add_argument("--variant", choices=("additive", "heterogeneous"), default="heterogeneous",
                   help="economy: heterogeneous (default) has walk-in loans and writes "
                        "loans.csv; additive has neither")
    p.add_argument("--elsewhere-share", type=float, default=ELSEWHERE_SHARE,
                   help="share of the businesses whose loans elsewhere the bank knows, e.g. "
                        "from the county's rural credit-information system (written to "
                        f"loans_elsewhere.csv; default {ELSEWHERE_SHARE}, 0 writes none)")
    p.add_argument("--industries", metavar="CODES",
                   help="the county's industries, e.g. jade_carving,clothing or with shares "
                        "jade_carving:3,small_shop:1 (default: the demo region's mix)")
    p.set_defaults(func=cmd_synth)

    from countyreach.simulation.cli import add_subcommands as add_simulation_subcommands

    add_simulation_subcommands(sub)

    p = sub.add_parser("app", help="start the Streamlit map interface")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_app)
    _add_lang_everywhere(parser)
    return parser


def _add_lang_everywhere(parser: argparse.ArgumentParser) -> None:
    """Give every command ``--lang``: a Chinese user's errors and input warnings are Chinese
    whichever command they ran (the commands that print more in Chinese say so in their own
    ``--lang`` help)."""
    for p in list(all_parsers(parser)):  # listed first: the loop adds to their actions
        commands = any(isinstance(a, argparse._SubParsersAction) for a in p._actions)
        if not commands and not any("--lang" in a.option_strings for a in p._actions):
            p.add_argument("--lang", choices=("en", "zh"), default="en",
                           help="language of the errors and input warnings (default en)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (2 for bad input)."""
    parser = build_parser()
    # --help reads in the language of --lang, wherever it stands on the line
    localize_help(parser, help_lang(sys.argv[1:] if argv is None else argv))
    for p in all_parsers(parser):
        p.set_defaults(cli_parser=p)
    args, extra = parser.parse_known_args(argv)
    if extra:  # refused by the command's own parser: its usage names what it takes
        args.cli_parser.error("unrecognized arguments: " + " ".join(extra))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    lang = getattr(args, "lang", None) or "en"
    with warnings.catch_warnings():
        warnings.simplefilter("default", DataWarning)
        warnings.showwarning = partial(show_warning, lang=lang)
        try:
            return int(args.func(args))
        except USER_ERRORS as exc:
            from countyreach.localize import error_text

            print(t("cli_error", lang, message=error_text(exc, lang)), file=sys.stderr)
            return 2
        except BrokenPipeError:
            return _reader_gone()


def _reader_gone() -> int:
    """The reader of standard output left (``countyreach plans x | head``): stop quietly,
    as ``cat`` does, with the shell's code for a broken pipe."""
    try:
        # the interpreter flushes stdout once more at exit: point it at nothing, so that
        # flush cannot fail again and print a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (captured by a caller)
        pass
    return 128 + 13  # SIGPIPE


if __name__ == "__main__":
    raise SystemExit(main())
