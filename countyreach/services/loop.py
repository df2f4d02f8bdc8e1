"""The daily loop through the store: import, plan, publish, record, follow up, retrain, erase.

One service layer for the app, the CLI and the simulation. Every call takes the caller's
:class:`~countyreach.store.Session` and the store enforces what that user may do.

* :meth:`DailyLoop.import_county` stores a county folder: county, leads, officers and
  history in the database, its map files (roads, villages, branches) copied under the data
  directory as ``counties/<county_id>/`` (a path built from the validated id only), and
  the bank's records the value a visit causes is learnt from in the store too: the loan
  book (``loans.csv``), which visits were randomised (``visited_by_policy = random``) and
  the loans from other lenders it knows of (``loans_elsewhere.csv``);
* :meth:`DailyLoop.plan` plans a day from the store: leads, officers, outcomes, follow-ups
  (pinned to the officer who booked them), cooling and closed cases, the do-not-visit
  list and the promoted model (see :mod:`countyreach.services.models`); the store's rules
  are read by :mod:`countyreach.services.day_rules`, which the app's manager page plans by
  too. A re-plan of a published day keeps every visited stop in place
  (:mod:`countyreach.services.visited`, the manager page's path too);
* :meth:`DailyLoop.record_outcome`, :meth:`DailyLoop.import_outcomes`,
  :meth:`DailyLoop.retrain` and :meth:`DailyLoop.erase` do the rest of the loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from countyreach.dates import county_today
from countyreach.errors import AccessDenied, InputError
from countyreach.input_warnings import collected
from countyreach.io import (
    County,
    load_county,
    manifest_loan_rule,
    read_branches,
    read_history,
    read_officers,
    read_villages,
)
from countyreach.pipeline import CountyData, DayPlan, assemble_county_data, score_leads
from countyreach.placement import check_county_places
from countyreach.progress import ProgressFn
from countyreach.services.day_rules import DayRules, day_rules
from countyreach.services.erasure import EraseReport, erase_person
from countyreach.services.loan_files import (
    LOANS_ELSEWHERE_FILE,
    LOANS_FILE,
    read_loans,
    read_loans_elsewhere,
    warn_loan_rows,
)
from countyreach.services.model_choice import (
    ModelChoice,
    current_hashes,
    ensure_model,
    learning_cutoff,
)
from countyreach.services.models import (
    RetrainResult,
    mark_randomised,
    retrain,
)
from countyreach.services.outcome_files import OUTCOME_FILE_COLUMNS, located, read_outcome_file
from countyreach.services.publishing import not_published, reasons_to_publish, trim_past_days
from countyreach.services.republish import PlanChanges
from countyreach.services.store_notes import store_notes
from countyreach.services.visited import day_start, plan_store_day, visited_stops
from countyreach.store import ImportReport, OutcomeRecord, Role, Session, Store
from countyreach.store.checks import check_date, check_id
from countyreach.store.learning import loan_book_rows, loans_elsewhere_rows, randomised_flags
from countyreach.store.rows import check_lead_file
from countyreach.table_checks import (
    warn_accounts_off_roster,
    warn_idle_officers,
    warn_unmatched_skills,
)
from countyreach.workbook import table_file, workbook_kind
from geo.files import file_sha256, write_atomically
from propensity.history import check_history
from propensity.outcomes import Outcome
from propensity.planning import LOCKOUT_MONTHS
from routing.params import SolveParams
from routing.problem import Officer, RoutingRules

__all__ = ["CountyImport", "StorePlan", "EraseReport", "DailyLoop", "county_home",
           "OUTCOME_FILE_COLUMNS"]

_MAP_FILES = ("roads", "villages", "branches")


def county_home(home: Path, county_id: str) -> Path:
    """``<home>/counties/<county_id>``, refused unless it resolves under ``home``.

    Raises
    ------
    InputError
        A county id that is not an id (``..``, ``/``, an absolute path).
    """
    check_id(county_id, "county_id")
    root = (Path(home) / "counties").resolve()
    path = (root / county_id).resolve()
    if county_id in (".", "..") or not path.is_relative_to(root) or path == root:
        raise InputError(f"{county_id!r} is not a county id", field="county_id")
    return path


@dataclass(frozen=True)
class CountyImport:
    """What ``county import`` did."""

    county_id: str
    leads: ImportReport
    officers: ImportReport
    history: dict[str, int]
    map_files_changed: bool
    loans: int | None = None
    randomised: int | None = None
    loan_rule_months: int = LOCKOUT_MONTHS
    loans_elsewhere: int | None = None
    #: Leads ``loans_elsewhere.csv`` shows checked without a loan elsewhere (rows without a
    #: month); ``None`` without the file.
    loans_elsewhere_none: int | None = None
    #: Rows of ``loans_elsewhere.csv`` about leads whose personal data was erased: not kept.
    loans_elsewhere_erased: int = 0
    #: The folder's input warnings (soft problems of its files: a phone Excel rounded, a
    #: blank row, a lead far from the roads), each once, as planning from the files says them.
    input_warnings: tuple[str, ...] = ()

    def lines(self, lang: str = "en") -> list[str]:
        """A short report, one line per part, in ``lang``
        (:func:`countyreach.services.import_report.import_lines`)."""
        from countyreach.services.import_report import import_lines

        return import_lines(self, lang)


@dataclass(frozen=True)
class StorePlan:
    """A day planned from the store and saved as a version; ``refused`` says why publishing
    was refused (the checker's violations, which ``day`` lists), empty otherwise."""

    county_id: str
    plan_date: str
    version: int
    published: bool
    day: DayPlan
    model: ModelChoice
    changes: PlanChanges
    follow_ups: dict[str, str]
    excluded: dict[str, str]
    refused: str = ""


class DailyLoop:
    """The loop's service, shared by every session of a process.

    Parameters
    ----------
    store : Store
    home : Path
        The data directory (county map files, model artefacts).
    cache_dir : Path
        Road-graph cache.
    cooling_days : int
        Days a "not interested" lead is not prospected.
    revisit_days : int
        Days a lead met rests before it is prospected again (follow-ups aside).
    on_stale : {"retrain", "refuse"}
        What planning does with a stale model.
    """

    def __init__(self, store: Store, *, home: Path, cache_dir: Path, cooling_days: int = 90,
                 revisit_days: int = 7, on_stale: str = "retrain") -> None:
        self.store = store
        self.home = Path(home)
        self.cache_dir = Path(cache_dir)
        self.cooling_days = int(cooling_days)
        self.revisit_days = int(revisit_days)
        self.on_stale = on_stale
        self._lock = threading.Lock()
        self._data: dict[str, tuple[str, CountyData, tuple[str, ...]]] = {}

    @classmethod
    def from_settings(cls, store: Store) -> DailyLoop:
        """A loop configured by :func:`countyreach.settings.get_settings`."""
        from countyreach.settings import get_settings

        s = get_settings()
        return cls(store, home=s.home_dir, cache_dir=s.cache_dir, cooling_days=s.cooling_days,
                   revisit_days=s.revisit_days, on_stale=s.stale_model)

    # ------------------------------------------------------------------ import
    def import_county(self, session: Session, folder: str | Path) -> CountyImport:
        """Store a county folder (idempotent: importing it again changes nothing).

        Besides leads, officers, history and map files: the bank's loan book (``loans.csv``)
        and which visits were randomised (``history.csv``'s ``visited_by_policy``), kept in
        the store (its ``loan_book`` table and the history's ``randomised`` flag); a folder
        without ``loans.csv`` leaves the county without a loan book. The value a visit
        causes is learnt from them (:mod:`countyreach.services.models`). The loans from
        other lenders the bank knows of (``loans_elsewhere.csv``, the store's
        ``loans_elsewhere`` table, and its rows without a month, the leads it shows checked
        without one, in ``loans_elsewhere_none``) are kept the same way; a folder without
        the file leaves the county none.

        Every input warning of the folder's files (the leads file's, the roster's, the
        loan files') is in the report (:attr:`CountyImport.input_warnings`), said once,
        instead of only reaching whoever listens to Python's warnings.

        Raises
        ------
        InputError
            A bad manifest, file, row or field (nothing of a refused file is stored).
        """
        # a refused import still says what it found before (as it did before it collected)
        with collected(reissue_on_error=True) as notes:
            done = self._import_folder(session, folder)
        return replace(done, input_warnings=tuple(notes))

    def _import_folder(self, session: Session, folder: str | Path) -> CountyImport:
        county = load_county(folder)
        cid = county.county_id
        history = pd.DataFrame()
        hist_path = table_file(county.root, "history.csv")
        if hist_path.exists():
            history = check_history(read_history(hist_path))
        # validate every map file (and the loan files) before anything of the county is written
        villages = read_villages(county.villages, crs=county.crs)
        read_branches(county.branches, crs=county.crs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # check_county_places reads it again, warning
            roster = read_officers(county.officers, crs=county.crs)
        # every bad row of leads.csv in one message (fields, repeated ids, unknown pins),
        # before the file is read for places: a lender fixes it in one pass
        check_lead_file(county.leads, crs=county.crs, officers=roster,
                        roster_name=county.officers.name)
        check_county_places(county, self.cache_dir)
        loans_path = table_file(county.root, LOANS_FILE)
        elsewhere_path = table_file(county.root, LOANS_ELSEWHERE_FILE)
        loans = read_loans(loans_path)
        elsewhere = read_loans_elsewhere(elsewhere_path)
        for path, book, rows in ((loans_path, loans, loan_book_rows),
                                 (elsewhere_path, elsewhere, loans_elsewhere_rows)):
            if book is None:
                continue
            try:
                rows(book)  # what the store would refuse, before anything is written
            except InputError as exc:
                raise InputError(exc.reason, file=str(path), row=exc.row,
                                 field=exc.field) from None
        self.store.ensure_county(session, cid, county.name[:200])
        # the folder is the county: what its files no longer list is retired, not planned
        leads = self.store.import_leads(county.leads, cid, session=session, crs=county.crs,
                                        retire_missing=True)
        # loans of leads on the do-not-visit list or retired are still the bank's records
        every = self.store.leads_frame(session, cid, include_do_not_visit=True,
                                       include_retired=True)
        warn_loan_rows(county.root, loans, elsewhere, lead_ids=every["lead_id"])
        stored = self.store.leads_frame(session, cid)
        officers = self.store.import_officers(county.officers, cid, session=session,
                                              crs=county.crs, retire_missing=True)
        roster = self.store.officers(session, cid)
        warn_unmatched_skills(county, stored, roster, villages)
        warn_idle_officers(county, stored, roster)
        if session.role is Role.ADMIN:  # the accounts are an admin's to read
            warn_accounts_off_roster(county, roster, self.store.users.accounts(session, cid))
        randomised = (sum(randomised_flags(history))
                      if "visited_by_policy" in history.columns else None)
        # history.csv is the county's history before the store; without the file the
        # stored history stays (it is what the model learns from)
        counts = self.store.import_history(session, cid, history, replace=True) \
            if hist_path.exists() else {"inserted": 0, "updated": 0, "unchanged": 0}
        # the latest import says what the county has: a folder without a book removes it
        self.store.import_loan_book(session, cid, loans)
        self.store.import_loans_elsewhere(session, cid, elsewhere)
        changed = self._store_map_files(session, county)
        known = checked = None
        n_erased = 0
        if elsewhere is not None:
            # the store kept none of an erased lead's rows: the report counts what it kept
            kept = elsewhere[~elsewhere["lead_id"].isin(self.store.erased_ids(session, cid))]
            n_erased = len(elsewhere) - len(kept)
            blank = kept["month"] == ""
            known, checked = int((~blank).sum()), int(kept.loc[blank, "lead_id"].nunique())
        return CountyImport(cid, leads, officers, counts, changed,
                            None if loans is None else len(loans),
                            randomised, county.loan_rule_months, known, checked, n_erased)

    def _store_map_files(self, session: Session, county: County) -> bool:
        dest = county_home(self.home, county.county_id)
        dest.mkdir(parents=True, exist_ok=True)
        # files an earlier version kept here; the store holds these records now
        for stale in ("loans.csv", "randomised.csv"):
            (dest / stale).unlink(missing_ok=True)
        files: dict[str, dict[str, str]] = {}
        for key in _MAP_FILES:
            src: Path = getattr(county, key)
            # a workbook is kept as one: its name says what it holds
            name = "roads" + "".join(src.suffixes) if key == "roads" else key + (
                ".xlsx" if workbook_kind(src) == "xlsx" else ".csv")
            target = dest / name
            digest = file_sha256(src)
            if not target.exists() or file_sha256(target) != digest:
                write_atomically(target, src.read_bytes())
            files[key] = {"file": name, "sha256": digest}
        manifest = {"name": county.name, "name_en": county.name_en, "files": files,
                    "loan_rule_months": county.loan_rule_months}
        return self.store.learning.save_county_files(session, county.county_id, county.crs,
                                                     manifest)

    # ------------------------------------------------------------------ county data
    def county_data(self, session: Session, county_id: str) -> CountyData:
        """The county as stored, snapped to its roads (cached until leads, roster, loan book,
        loans elsewhere or randomised visits change)."""
        crs, manifest = self.store.learning.county_files(session, county_id)
        root = county_home(self.home, county_id)
        paths = {}
        for key in _MAP_FILES:
            entry = manifest["files"][key]
            p = (root / entry["file"]).resolve()
            if not p.is_relative_to(root) or not p.exists() or file_sha256(p) != entry["sha256"]:
                raise InputError(f"the stored {key} file of {county_id} is missing or altered; "
                                 "import the county again", file=str(p), field=key)
            paths[key] = p
        # retired leads stay in the data (their history trains the model); the day's
        # rules leave them out (Exclusion.RETIRED)
        table = self.store.leads_frame(session, county_id, include_do_not_visit=True,
                                       include_retired=True)
        officers = self.store.officers(session, county_id)
        stored = self.store.history_frame(session, county_id)
        flagged = stored.loc[stored["randomised"], ["lead_id", "month"]]
        randomised = flagged.reset_index(drop=True) if len(flagged) else None
        loans = self.store.loan_book_frame(session, county_id)
        elsewhere = self.store.loans_elsewhere_frame(session, county_id)
        # never offered, so where they lie is not news every day (nor a reason to list)
        quiet = (self.store.retired_lead_ids(session, county_id)
                 | self.store.do_not_visit_ids(session, county_id))
        key = hashlib.sha256((table.to_csv(index=False) + repr(officers)
                              + repr(sorted(quiet))
                              + repr(sorted(manifest["files"].items()))
                              + repr(manifest.get("loan_rule_months"))
                              + flagged.to_csv(index=False)
                              + ("" if loans is None else loans.to_csv(index=False))
                              + "\nelsewhere\n"
                              + ("" if elsewhere is None else elsewhere.to_csv(index=False))
                              ).encode()).hexdigest()
        with self._lock:
            hit = self._data.get(county_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        with collected() as notes:
            data = self._assemble(county_id, crs, manifest, root, paths, table, officers,
                                  stored, randomised, loans, elsewhere, quiet)
        # what loading snapped or skipped, kept with the data: every plan of it says so
        kept = tuple(store_notes(notes, county_id, leads=data.county.leads,
                                 officers=data.county.officers, root=root,
                                 lead_rows=dict(enumerate(table["lead_id"].astype(str), 1))))
        with self._lock:
            self._data[county_id] = (key, data, kept)
        return data

    def county_warnings(self, session: Session, county_id: str) -> tuple[str, ...]:
        """What loading the stored county snapped, skipped or doubted (the input warnings a
        folder's plan gives), naming the county and the lead (:func:`store_notes`)."""
        self.county_data(session, county_id)
        with self._lock:
            return self._data[county_id][2]

    def _assemble(self, county_id: str, crs: str, manifest: dict[str, Any], root: Path,
                  paths: dict[str, Path], table: pd.DataFrame, officers: tuple[Officer, ...],
                  stored: pd.DataFrame, randomised: pd.DataFrame | None,
                  loans: pd.DataFrame | None, elsewhere: pd.DataFrame | None,
                  quiet: frozenset[str]) -> CountyData:
        """The stored tables as a folder's loaded data, snapped to the stored roads."""
        county = County(county_id=county_id, name=str(manifest.get("name", county_id)),
                        root=root, roads=paths["roads"], villages=paths["villages"],
                        branches=paths["branches"], leads=root / "leads (store)",
                        officers=root / "officers (store)", crs=crs,
                        name_en=str(manifest.get("name_en", "")),
                        loan_rule_months=manifest_loan_rule(manifest))
        villages = read_villages(paths["villages"], crs=crs)
        branches = read_branches(paths["branches"], crs=crs)
        table = table.assign(source_row=range(1, len(table) + 1))
        # no flagged visit reads as no marks at all, so the data hash of a county without
        # randomised visits does not depend on whether its history.csv had the column
        history = mark_randomised(stored.drop(columns="randomised"), randomised)
        data = assemble_county_data(county, villages, branches, table, officers, history,
                                    cache_dir=self.cache_dir, loans=loans,
                                    loans_elsewhere=elsewhere, quiet_leads=quiet)
        return data

    @staticmethod
    def _randomised(data: CountyData) -> pd.DataFrame | None:
        h = data.history
        if h is None or "visited_by_policy" not in h.columns:
            return None
        return h.loc[h["visited_by_policy"] == "random", ["lead_id", "month"]]

    def model(self, session: Session, county_id: str, plan_date: str | None = None, *,
              at: dt.datetime | None = None) -> ModelChoice:
        """The model a plan of ``plan_date`` would use (retrained first if stale and
        allowed). It learns from the outcomes of the days before that day
        (:func:`~countyreach.services.model_choice.learning_cutoff`, today at ``at``,
        default the store's clock); without a date, from every recorded outcome."""
        data = self.county_data(session, county_id)
        before = None if plan_date is None else learning_cutoff(plan_date,
                                                                at or self.store.now())
        return ensure_model(self.store, session, county_id, data.leads, home=self.home,
                            on_stale=self.on_stale, loans=data.loans,
                            randomised=self._randomised(data),
                            loan_rule_months=data.county.loan_rule_months,
                            elsewhere=data.loans_elsewhere, before=before)

    def training_data_hashes(self, session: Session, county_id: str,
                             plan_date: str | None = None) -> tuple[str, str]:
        """The :func:`~countyreach.services.models.data_hash` values a model is current
        under for a plan of ``plan_date`` (default today): trained on the days before it,
        or on every recorded outcome (:func:`~countyreach.services.model_choice.
        current_hashes`). A promoted model with neither is stale.

        Reads the leads' model inputs, so managers and admins only (``AccessDenied``
        otherwise). Nothing is trained: the app checks its model with this on every page.
        """
        data = self.county_data(session, county_id)
        now = self.store.now()
        before = learning_cutoff(plan_date or county_today(now), now)
        return current_hashes(self.store, session, county_id, data.leads,
                              randomised=self._randomised(data), loans=data.loans,
                              loan_rule_months=data.county.loan_rule_months,
                              elsewhere=data.loans_elsewhere, before=before)

    # ------------------------------------------------------------------ plan
    def day_rules(self, session: Session, county_id: str, plan_date: str,
                  data: CountyData | None = None) -> DayRules:
        """The store's rules for the day (:func:`~countyreach.services.day_rules.day_rules`)
        with this loop's cooling and revisit settings; ``data`` default the stored county."""
        return day_rules(self.store, session, county_id, plan_date,
                         data if data is not None else self.county_data(session, county_id),
                         cooling_days=self.cooling_days, revisit_days=self.revisit_days)

    def plan(self, session: Session, county_id: str, plan_date: str, *, publish: bool = False,
             params: SolveParams | None = None, rules: RoutingRules | None = None,
             officer_ids: list[str] | None = None, now_s: int | None = None,
             whole_day: bool = False, at: dt.datetime | None = None) -> StorePlan:
        """Plan a day from the store, save it as a new version and optionally publish it.

        ``now_s`` (seconds since midnight) is the time the day is planned at: what is left
        of each officer's day starts no earlier (:func:`visited_stops`). Without it, today
        is planned from the store's clock (:func:`day_start`), another day whole;
        ``whole_day`` plans today whole too (a simulation's day, whatever the clock); ``at``
        is the moment it is (default the store's clock).

        Returns
        -------
        StorePlan
            A plan the checker rejects is saved as a draft, never published: ``refused``
            says why, and the caller shows the plan and its violations before refusing.
        """
        day = check_date(plan_date, "date")
        if not whole_day:
            now_s = day_start(day, at or self.store.now(), now_s)
        data = self.county_data(session, county_id)
        with collected() as notes:
            choice = self.model(session, county_id, day, at=at)
            rules_of_day = self.day_rules(session, county_id, day, data)
            due, excluded = dict(rules_of_day.follow_ups), dict(rules_of_day.excluded)
            scores = score_leads(data, choice.scorer, day[:7],
                                 do_not_visit=rules_of_day.do_not_visit,
                                 loan_book=rules_of_day.loan_book)
            # a published day keeps its visited stops: the same path as the manager page's
            visits = visited_stops(self.store, session, county_id, day, now_s)
            officers = None
            if officer_ids is not None:
                officers = sorted(set(officer_ids) | set(due.values()))
            dayplan = plan_store_day(data, scores, visits, plan_date=day,
                                     rules=rules or RoutingRules(),
                                     params=params or SolveParams(time_limit_s=5.0),
                                     officer_ids=officers, pins=due,
                                     left_out=rules_of_day.exclude())
        c = data.county
        # the input warnings travel with the plan, as a folder's plan keeps them
        warned = store_notes([*self.county_warnings(session, county_id), *notes], county_id,
                             leads=c.leads, officers=c.officers, root=c.root,
                             lead_rows=dict(zip(data.leads["source_row"],
                                                data.leads["lead_id"].astype(str),
                                                strict=True)))
        meta = {**dict(dayplan.plan.meta), "input_warnings": warned, "model": choice.label,
                "model_version": choice.record.version, "model_stale": choice.stale,
                "model_note": choice.note,
                "value_basis": choice.basis_text,
                "follow_ups": len(due), "fixed_stops": visits.count,
                # as the manager page's plan says it: dropped.csv and the page list these
                "left_out_by_rule": rules_of_day.left_out({**due, **visits.pins}),
                "left_out_leads": rules_of_day.left_out_leads({**due, **visits.pins})}
        dayplan = replace(dayplan, plan=replace(dayplan.plan, meta=meta))
        version = self.store.save_plan(
            session, county_id, day, dayplan.problem, dayplan.plan,
            explanations=reasons_to_publish(scores, dayplan.plan.visited_lead_ids, due))
        refused = not_published(version, day, len(dayplan.violations)) \
            if publish and not dayplan.ok else ""
        if publish and not refused:
            self.store.publish(session, county_id, day, version)
            trim_past_days(self.store, session, county_id)
        return StorePlan(county_id, day, version, publish and not refused, dayplan, choice,
                         visits.changes(dayplan.plan), due, excluded, refused)

    # ------------------------------------------------------------------ outcomes
    def record_outcome(self, session: Session, *, county_id: str, plan_date: str, lead_id: str,
                       outcome: Outcome | str, outcome_id: str | None = None,
                       consent: bool = True, opt_out: bool = False,
                       follow_up_on: str | dt.date | None = None, reason: str = "",
                       amount_yuan: float | str | None = None,
                       notes: str = "", other_loan_month: str | None = None,
                       other_loan_asked: bool = False) -> OutcomeRecord:
        """Record a visit's outcome (idempotent per ``outcome_id``); see
        :meth:`countyreach.store.Store.record_outcome`."""
        return self.store.record_outcome(
            session, outcome_id=outcome_id or str(uuid.uuid4()), county_id=county_id,
            plan_date=plan_date, lead_id=lead_id, outcome=outcome, reason=reason,
            amount_yuan=amount_yuan, notes=notes, consent=consent, opt_out=opt_out,
            follow_up_on=follow_up_on, other_loan_month=other_loan_month,
            other_loan_asked=other_loan_asked)

    def import_outcomes(self, session: Session, path: str | Path) -> dict[str, int]:
        """Record outcomes from a CSV (see
        :func:`~countyreach.services.outcome_files.read_outcome_file`); re-importing is a
        no-op.

        Raises
        ------
        InputError
            Located at the file's first bad row, its message listing every other (at most
            20, as every input file's); nothing is recorded.
        """
        read = read_outcome_file(path)
        before = self.store.now()
        try:
            # one transaction: a bad row leaves the store as it was
            out = self.store.record_outcomes(session, read.visits, rows=read.rows,
                                             bad_rows=read.errors)
        except InputError as exc:
            raise located(exc, read.path, dict(zip(
                read.rows, (str(v["lead_id"]) for v in read.visits), strict=True))) from None
        except AccessDenied as exc:  # not the caller's store at all (a session gone)
            raise InputError(str(exc), file=str(read.path), field="county_id") from None
        fresh = sum(r.recorded_at >= before for r in out)
        return {"recorded": fresh, "already_there": len(out) - fresh}

    # ------------------------------------------------------------------ learning
    def retrain(self, session: Session, county_id: str, *, force: bool = False,
                progress: ProgressFn | None = None) -> RetrainResult:
        """Retrain the county's model from the stored history and outcomes (``progress``:
        the training's stages, as :func:`countyreach.services.models.retrain` reports them)."""
        data = self.county_data(session, county_id)
        return retrain(self.store, session, county_id, data.leads, home=self.home, force=force,
                       loans=data.loans, randomised=self._randomised(data),
                       loan_rule_months=data.county.loan_rule_months,
                       elsewhere=data.loans_elsewhere, progress=progress)

    # ------------------------------------------------------------------ erasure
    def erase(self, session: Session, person: str, reason: str = "", *,
              county_id: str | None = None, all_matches: bool = False) -> EraseReport:
        """Erase a person's data: store rows, plan versions and model files.

        ``person`` is a lead id, a name or a whole phone number; ``county_id`` narrows the
        search to one county, and a request that matches more than one lead erases nothing
        unless ``all_matches`` (see :func:`countyreach.services.erasure.erase_person`).
        Every file under the data directory's ``models/`` and the file-mode model cache is
        searched.

        Raises
        ------
        InputError
            Nobody matches ``person``.
        ManyMatches
            Several leads match and ``all_matches`` is false (nothing erased).
        """
        try:
            return erase_person(self.store, session, person, reason, county_id=county_id,
                                all_matches=all_matches,
                                model_dirs=(self.home / "models", self.cache_dir / "models"))
        finally:
            with self._lock:
                self._data.clear()
