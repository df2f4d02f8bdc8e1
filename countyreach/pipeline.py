"""From files to a checked day plan: the main job of countyreach.

``plan_day`` is the one path the CLI, the app and the simulation all take:

1. read the county manifest, villages, branches, leads and the officer roster;
2. load the road network (cached) and snap every lead and officer start/end to it;
3. add spatial features (industrial clusters, distance to the branch) and score
   every lead with the propensity model: expected value of a visit in yuan;
4. build the directed travel-time matrix over the real roads (and warn of idle officers);
5. solve the day with OR-Tools and verify the result with the independent checker.

Each stage reports progress through an optional callback (the app's progress bar, the CLI's).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geo
import propensity
import routing
from countyreach.candidates import held_back_leads, offer_day
from countyreach.dates import county_today, parse_date
from countyreach.errors import (
    DataWarning,
    InputError,
    ModelError,
)
from countyreach.io import (
    County,
    leads_from_table,
    load_county,
    read_branches,
    read_history,
    read_leads_table,
    read_officers,
    read_villages,
)
from countyreach.placement import place_on_roads
from countyreach.progress import ProgressFn, noop_progress, within
from countyreach.services.loan_files import (
    LOANS_ELSEWHERE_FILE,
    LOANS_FILE,
    read_loans,
    read_loans_elsewhere,
    warn_loan_rows,
)
from countyreach.table_checks import (
    check_pins,
    known_history,
    warn_idle_officers,
    warn_late_history,
    warn_unmatched_skills,
)
from countyreach.workbook import table_file
from geo.types import TravelMatrix
from propensity.features import isin
from routing.params import SolveParams
from routing.plan import Plan, Violation
from routing.problem import (
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    end_node_id,
    start_node_id,
)

__all__ = ["ProgressFn", "CountyData", "DayPlan", "load_county_data", "assemble_county_data",
           "add_spatial_features", "get_scorer", "score_leads", "build_problem", "plan_day",
           "solve_day", "default_cache_dir", "FILE_MODEL"]

log = logging.getLogger(__name__)

#: What a plan says it was made with when no scorer is given: the folder's file model.
FILE_MODEL = "file model"


def default_cache_dir() -> Path:
    """Folder for prepared road graphs and trained models (``COUNTYREACH_CACHE`` or
    ``~/.cache/countyreach``)."""
    from countyreach.settings import get_settings

    return get_settings().cache_dir


@dataclass(frozen=True, eq=False)
class CountyData:
    """A county loaded, validated and snapped to its road network.

    ``snaps`` maps every lead id and every officer start/end node id to its
    snap on the road graph; ``leads`` keeps the validated input table with the
    spatial features added; ``loans`` is the bank's loan book (``loans.csv``) and
    ``loans_elsewhere`` the loans from other lenders it knows of (``loans_elsewhere.csv``).
    """

    county: County
    graph: Any  # geo.RoadGraph
    villages: pd.DataFrame
    branches: tuple[Depot, ...]
    leads: pd.DataFrame
    officers: tuple[Officer, ...]
    snaps: Mapping[str, Any] = field(repr=False)
    history: pd.DataFrame | None = None
    loans: pd.DataFrame | None = None
    loans_elsewhere: pd.DataFrame | None = None
    #: Leads of the table skipped for lying too far from the roads: lead_id -> why. Plans
    #: list them among the leads left out (:attr:`routing.DropReason.OFF_ROADS`).
    skipped_leads: Mapping[str, str] = field(default_factory=dict)
    #: Their rows (``lead_id``, ``name``, ``village``): the left-out lists name them, as
    #: the lender knows them, though no score or problem holds them.
    skipped_rows: pd.DataFrame | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class DayPlan:
    """A solved, checked day: the problem, the plan, the checker's verdict, the lead scores."""

    county: CountyData
    problem: RoutingProblem
    plan: Plan
    violations: tuple[Violation, ...]
    scores: pd.DataFrame
    timings_s: Mapping[str, float]
    params: SolveParams = field(default_factory=SolveParams)

    @property
    def ok(self) -> bool:
        """True when the independent checker found nothing wrong."""
        return not self.violations

    @property
    def left_out_facts(self) -> pd.DataFrame:
        """The day's scores and, without a value, the leads skipped off the roads: what the
        left-out lists (``dropped.csv``, the manager's table) name each lead by."""
        skipped = self.county.skipped_rows
        if skipped is None or skipped.empty:
            return self.scores
        return pd.concat([self.scores, skipped.assign(value_yuan=np.nan)], ignore_index=True)


def load_county_data(
    path: str | Path | County,
    *,
    cache_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
) -> CountyData:
    """Load a county from disk and snap every place to its roads.

    Parameters
    ----------
    path : str, Path or County
        ``county.json`` or its folder (the demo is ``data/qingzu``).
    cache_dir : str or Path, optional
        Where to cache the prepared road graph; default :func:`default_cache_dir`.
    progress : callable, optional
        ``progress(stage, fraction)``.

    Returns
    -------
    CountyData

    Raises
    ------
    InputError
        For a bad file, row or field, a point outside the network, an empty roster.
    """
    report = progress or noop_progress
    county = path if isinstance(path, County) else load_county(path)
    report("read files", 0.0)
    villages = read_villages(county.villages, crs=county.crs)
    branches = read_branches(county.branches, crs=county.crs)
    table = read_leads_table(county.leads, crs=county.crs,
                             progress=lambda f: report("read files", 0.1 * f))
    officers = read_officers(county.officers, crs=county.crs)
    check_pins(county, table, officers)
    warn_unmatched_skills(county, table, officers, villages)
    warn_idle_officers(county, table, officers)
    history_path = table_file(county.root, "history.csv")
    history = known_history(history_path, read_history(history_path), table) \
        if history_path.exists() else None
    loans = read_loans(table_file(county.root, LOANS_FILE))
    elsewhere = read_loans_elsewhere(table_file(county.root, LOANS_ELSEWHERE_FILE))
    warn_loan_rows(county.root, loans, elsewhere, lead_ids=table["lead_id"])
    return assemble_county_data(
        county, villages, branches, table, officers, history, cache_dir=cache_dir,
        progress=report, loans=loans, loans_elsewhere=elsewhere)


def assemble_county_data(county: County, villages: pd.DataFrame, branches: tuple[Depot, ...],
                         table: pd.DataFrame, officers: tuple[Officer, ...],
                         history: pd.DataFrame | None, *, cache_dir: str | Path | None = None,
                         progress: ProgressFn | None = None,
                         loans: pd.DataFrame | None = None,
                         loans_elsewhere: pd.DataFrame | None = None,
                         quiet_leads: Collection[str] = ()) -> CountyData:
    """Snap read county tables to the roads and add spatial features (the store plans
    through this; :func:`load_county_data` reads the tables from a folder first).

    Parameters
    ----------
    county : County
        Where the road file is (and what error messages name).
    villages, branches, table, officers, history, loans, loans_elsewhere
        As the readers return them (``table`` with ``source_row``; ``loans``: loans.csv,
        ``loans_elsewhere``: loans_elsewhere.csv).
    cache_dir : str or Path, optional
        Road-graph cache.
    progress : callable, optional
    quiet_leads : collection of str
        Leads no plan offers (a stored county's retired and do-not-visit leads): placed by
        the same rules, but not warned about and not listed as off the roads when skipped
        (a plan lists them once, with the rule that leaves them out).

    Returns
    -------
    CountyData
    """
    report = progress or noop_progress
    report("load roads", 0.1)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    graph = geo.load_road_graph(county.roads, cache_dir=cache / "graphs")
    given = table
    report("snap places", 0.3)
    placed = place_on_roads(county, graph, table, officers, quiet=quiet_leads)
    table, snap_map, skipped = placed.table, placed.snaps, placed.skipped
    table = add_spatial_features(table, branches)
    if history is not None and skipped:  # named above, not again as unknown leads
        history = history[~history["lead_id"].astype(str).isin(skipped)].reset_index(drop=True)
    hushed = set(quiet_leads)
    skipped = {k: v for k, v in skipped.items() if k not in hushed}
    named = given.loc[isin(given["lead_id"], list(skipped))].reindex(
        columns=["lead_id", "name", "village"], fill_value="").astype(str)
    return CountyData(county, graph, villages, branches, table, officers, snap_map, history,
                      loans, loans_elsewhere, skipped, named.reset_index(drop=True))


def add_spatial_features(table: pd.DataFrame, branches: Sequence[Depot]) -> pd.DataFrame:
    """A copy of ``table`` (``lat, lon, industry``) with ``dist_branch_m``, ``cluster_id``,
    ``dist_cluster_core_m`` and ``cluster_size`` from :mod:`geo`."""
    lat = table["lat"].to_numpy(float)
    lon = table["lon"].to_numpy(float)
    blat = np.array([b.location.lat for b in branches])
    blon = np.array([b.location.lon for b in branches])
    dist_branch_m, _ = geo.distance_to_nearest(lat, lon, blat, blon)
    clusters = geo.find_clusters(lat, lon, table["industry"].to_numpy(str))
    out = table.copy()
    out["dist_branch_m"] = np.asarray(dist_branch_m, dtype=float)
    out["cluster_id"] = np.asarray(clusters.labels)
    out["dist_cluster_core_m"] = np.asarray(clusters.dist_to_core_m, dtype=float)
    out["cluster_size"] = np.asarray(clusters.cluster_size, dtype=float)
    return out


def get_scorer(data: CountyData, *, cache_dir: str | Path | None = None, retrain: bool = False,
               seed: int = 0, progress: ProgressFn | None = None) -> propensity.LeadScorer:
    """Load the county's trained lead scorer, training it from ``history.csv`` when needed.

    File mode: the model file is keyed by county, data, loan rule and code; counties in the
    store use the registry (:mod:`countyreach.services.models`). With a loan book (``loans.csv``)
    that supports it, the scorer carries the value a visit causes (``add_visit_value``).

    Parameters
    ----------
    data : CountyData
        The county (its ``history`` holds past visits and outcomes).
    cache_dir : str or Path, optional
        Where trained models are kept.
    retrain : bool
        Train even when a saved model exists.
    seed : int
        Seed of the training run.
    progress : callable, optional
        ``progress(stage, fraction)`` of this call (a first fit on a large county takes a
        while): ``check model``, ``train uptake``, ``train visit value``, ``save model``.

    Returns
    -------
    propensity.LeadScorer
    """
    from countyreach.services.models import file_model_path

    report = progress or noop_progress
    report("check model", 0.0)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    rule = data.county.loan_rule_months
    path = file_model_path(cache, data.county.county_id, data.leads, data.history, data.loans, rule,
                           data.loans_elsewhere)
    if path.exists() and not retrain:
        try:
            return propensity.load_scorer(path)
        except ModelError as exc:
            log.warning("retraining: %s", exc)
    if data.history is None or data.history.empty:
        from countyreach.starter import starter_note, starter_scorer

        why = f"{data.county.root / 'history.csv'}: no visit history"
        note = starter_note(data.loans is not None and len(data.loans) > 0, rule)
        warnings.warn(f"{why}: {note}", DataWarning, stacklevel=2)
        return starter_scorer(why, cache_dir, rule)
    report("train uptake", 0.1)  # fractions as timed on 50,000 leads
    scorer = propensity.LeadScorer(random_state=seed).fit_history(data.leads, data.history)
    report("train visit value", 0.3)
    propensity.add_visit_value(scorer, data.leads, data.history, data.loans, seed=seed,
                               lockout_months=rule, elsewhere=data.loans_elsewhere)
    report("save model", 0.95)
    path.parent.mkdir(parents=True, exist_ok=True)
    propensity.save_scorer(scorer, path)
    return scorer



def score_leads(data: CountyData, scorer: propensity.LeadScorer, month: str, *,
                do_not_visit: Iterable[str] = (),
                loan_book: pd.DataFrame | None = None) -> pd.DataFrame:
    """Value of visiting each lead this month on the scorer's basis, with explanations.

    Visit-caused when the scorer carries a visit-value model, else uptake if visited (the
    ``value_basis`` column, :func:`propensity.plan_scores`); recent borrowers are worth 0.

    Parameters
    ----------
    loan_book : pandas.DataFrame, optional
        Every loan the bank knows; default the county's history, loan book and loans
        elsewhere.

    Returns
    -------
    pandas.DataFrame
        :data:`propensity.PLAN_SCORE_COLUMNS` plus the lead's name, industry, village.
    """
    book = loan_book if loan_book is not None else propensity.bank_loan_book(
        data.history, data.loans, data.loans_elsewhere)
    scores = propensity.plan_scores(scorer, data.leads, month, loan_book=book,
                                    do_not_visit=tuple(do_not_visit))
    keep = ["lead_id", "name", "industry", "village", "lat", "lon"]
    out = data.leads[keep].merge(scores, on="lead_id", how="left")
    return out.sort_values("value_yuan", ascending=False, kind="stable").reset_index(drop=True)


def build_problem(
    data: CountyData,
    scores: pd.DataFrame,
    *,
    plan_date: str,
    rules: RoutingRules,
    officer_ids: Sequence[str] | None = None,
    pins: Mapping[str, str] | None = None,
    exclude: Iterable[str] = (),
    matrix: TravelMatrix | None = None,
) -> RoutingProblem:
    """Turn scored leads and the roster into a routing problem over real travel times.

    Parameters
    ----------
    data : CountyData
    scores : pandas.DataFrame
        From :func:`score_leads`.
    plan_date : str
        ISO date of the day.
    rules : RoutingRules
        Drive cost and skill/locality policy.
    officer_ids : sequence of str, optional
        Officers working that day (default: the whole roster).
    pins : mapping lead_id -> officer_id, optional
        Appointments made in the app, on top of the file's ``pinned_officer_id``.
    exclude : iterable of str
        Leads not offered at all (do-not-visit list, already visited).
    matrix : TravelMatrix, optional
        A matrix over a superset of the nodes, reused instead of recomputed.
    """
    officers = data.officers
    if officer_ids is not None:
        wanted = set(officer_ids)
        unknown = wanted - {o.officer_id for o in officers}
        if unknown:
            ids = sorted(o.officer_id for o in officers)
            raise InputError(f"unknown officer(s) {', '.join(sorted(unknown))} (the county's "
                             f"roster: {', '.join(ids[:12])}{', …' if len(ids) > 12 else ''})",
                             field="officer_ids")
        officers = tuple(o for o in officers if o.officer_id in wanted)
    if not officers:
        raise InputError("no officers selected for the day", field="officer_ids")
    excluded = set(exclude)
    table = data.leads[~data.leads["lead_id"].isin(excluded)]
    values = dict(zip(scores["lead_id"], scores["value_yuan"], strict=True))
    stds = dict(zip(scores["lead_id"], scores["value_std_yuan"], strict=True))
    leads = leads_from_table(table, values, stds)
    active = {o.officer_id for o in officers}
    fixed: list[Lead] = []
    for ld in leads:
        pin = (pins or {}).get(ld.lead_id, ld.pinned_officer_id)
        if pin is not None and pin not in active:
            warnings.warn(f"lead {ld.lead_id} is pinned to {pin}, who is not working on "
                          f"{plan_date}; offering it to everyone", DataWarning, stacklevel=2)
            pin = None
        fixed.append(replace(ld, pinned_officer_id=pin) if pin != ld.pinned_officer_id else ld)
    node_ids = [ld.lead_id for ld in fixed]
    for o in officers:
        node_ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
    if matrix is None or not set(node_ids) <= set(matrix.node_ids):
        matrix = geo.travel_matrix(data.graph, [data.snaps[i] for i in node_ids])
    else:
        matrix = matrix.subset(node_ids)
    return RoutingProblem(tuple(fixed), officers, matrix, rules, plan_date)


def plan_day(
    county: str | Path | CountyData,
    *,
    plan_date: str | None = None,
    rules: RoutingRules | None = None,
    params: SolveParams | None = None,
    officer_ids: Sequence[str] | None = None,
    pins: Mapping[str, str] | None = None,
    do_not_visit: Iterable[str] = (), exclude: Iterable[str] = (),
    cache_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    scorer: propensity.LeadScorer | None = None,
    model_meta: Mapping[str, Any] | None = None, loan_book: pd.DataFrame | None = None,
) -> DayPlan:
    """Plan one day for a county: score, route, check.

    Parameters
    ----------
    county : str, Path or CountyData
        A county folder/manifest, or already loaded data (the app keeps it).
    plan_date : str, optional
        ISO date; default today. Its month drives the seasonal features.
    rules : RoutingRules, optional
        Drive cost and skill/locality policy.
    params : SolveParams, optional
        Solver parameters (time limit, seed, workers).
    officer_ids : sequence of str, optional
        Officers working that day.
    pins : mapping, optional
        lead_id -> officer_id appointments.
    do_not_visit : iterable of str
        Lead ids that must not be offered (opt-outs).
    cache_dir : str or Path, optional
        Graph and model cache.
    progress : callable, optional
        ``progress(stage, fraction)``.
    scorer : propensity.LeadScorer, optional
        The lead model to plan with, e.g. the store's promoted model of the county
        (:func:`countyreach.services.workspace.planning_model`); default the folder's file
        model (:func:`get_scorer`), and the plan's meta says so (:data:`FILE_MODEL`).
    model_meta : mapping, optional
        What the plan's meta says of ``scorer`` (``model``, ``model_version``, …).
    exclude, loan_book : optional
        The store's rules (:mod:`countyreach.services.day_rules`): leads scored but not
        offered today, and the loan book the loan rule reads (:func:`score_leads`).

    Returns
    -------
    DayPlan
        Always a value: an infeasible day is a plan with that status.
    """
    report = progress or noop_progress
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = county if isinstance(county, CountyData) else load_county_data(
        county, cache_dir=cache_dir, progress=report)
    timings["load_s"] = time.perf_counter() - t0
    day = plan_date or county_today()
    month = parse_date(day, "date").strftime("%Y-%m")
    if not isinstance(county, CountyData):  # a folder's files (the store's: at import)
        warn_loan_rows(data.county.root, data.loans, data.loans_elsewhere, month=month)
        warn_late_history(table_file(data.county.root, "history.csv"), data.history, month)
    report("score leads", 0.4)
    t = time.perf_counter()
    if scorer is None:
        scorer = get_scorer(data, cache_dir=cache_dir, progress=within(report, 0.4, 0.5))
        model_meta = {"model": FILE_MODEL}
        report("score leads", 0.5)
    dnv = set(do_not_visit)
    scores = score_leads(data, scorer, month, do_not_visit=dnv, loan_book=loan_book)
    timings["score_s"] = time.perf_counter() - t
    report("travel times", 0.55)
    t = time.perf_counter()
    working = [o for o in data.officers if officer_ids is None or o.officer_id in officer_ids]
    dnv |= set(exclude)
    # Travel times for the day's candidates only: memory stays linear in the lead table.
    chosen = offer_day(data.leads, scores, working or data.officers, pins=pins or {},
                       exclude=dnv)
    problem = build_problem(data, scores, plan_date=day, rules=rules or RoutingRules(),
                            officer_ids=officer_ids, pins=pins,
                            exclude=dnv | set(chosen.held_back))
    warn_idle_officers(data.county, data.leads, problem.officers, problem)
    timings["matrix_s"] = time.perf_counter() - t
    report("optimise routes", 0.65)
    from countyreach.starter import basis_text

    day_plan = solve_day(data, problem, scores, timings, started=t0, params=params,
                         held_back=chosen.held_back)
    meta = {**day_plan.plan.meta, "model": "model given by the caller",
            "value_basis": basis_text(scorer, None),
            # what a Chinese terminal prints (the app words its own from the model)
            "value_basis_zh": basis_text(scorer, None, "zh"), **(model_meta or {})}
    report("done", 1.0)
    return replace(day_plan, plan=replace(day_plan.plan, meta=meta))


def solve_day(data: CountyData, problem: RoutingProblem, scores: pd.DataFrame,
              timings: Mapping[str, float] | None = None, *,
              started: float | None = None, params: SolveParams | None = None,
              held_back: Mapping[str, float] | None = None,
              solver: Callable[[RoutingProblem, SolveParams], Plan] | None = None) -> DayPlan:
    """Solve a built problem and verify the plan with the independent checker (for
    :func:`plan_day`, a re-optimisation with pins, a re-plan around the stops made).

    Parameters
    ----------
    data : CountyData
    problem : RoutingProblem
    scores : pandas.DataFrame
        The scores the problem's lead values came from.
    timings : mapping, optional
        Stage timings so far; ``solve_s`` and ``total_s`` are added.
    started : float, optional
        ``time.perf_counter()`` when the whole job started (for ``total_s``).
    params : SolveParams, optional
        Solver parameters (default :class:`routing.SolveParams`); kept on the day for re-plans.
    held_back : mapping lead_id -> value, optional
        Leads not offered to the solver (see :mod:`countyreach.candidates`); the plan lists
        them among the leads left out, with their reason.
    solver : callable, optional
        ``(problem, params) -> plan``; default :func:`routing.solve`.

    Returns
    -------
    DayPlan
    """
    times = dict(timings or {})
    t = time.perf_counter()
    params = params or SolveParams()
    plan = (solver or routing.solve)(problem, params)
    plan = replace(plan, dropped=(*plan.dropped, *held_back_leads(
        problem, held_back or {}, data.skipped_leads)))
    times["solve_s"] = time.perf_counter() - t
    plan, violations = routing.checked_plan(problem, plan)
    times["total_s"] = time.perf_counter() - (t if started is None else started)
    # kept with the plan, so a plan read back from the store says how long it took too
    plan = replace(plan, solve_time_s=times["solve_s"],
                   meta={**plan.meta, "planned_in_s": round(times["total_s"], 2)})
    return DayPlan(data, problem, plan, tuple(violations), scores, times, params)
