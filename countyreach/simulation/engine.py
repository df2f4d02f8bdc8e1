"""Rolling multi-week simulation: plan each day, visit, draw outcomes, retrain weekly.

One scenario = one world, a number of officers at chosen bases, one policy, a
seed and a length. Each working day:

1. the leads that may be visited are those not visited in the last
   ``revisit_cooldown_days`` and without a loan from the bank within the world's loan
   rule (:attr:`SimWorld.loan_rule_months`: the county's, a year for synthetic worlds);
2. the policy makes the day's routes (see :mod:`countyreach.simulation.policies`);
3. the visits happen: :meth:`propensity.Economy.simulate_visit_outcomes` draws
   loans from the hidden truth with a generator seeded by (seed, day), so the
   same visits on the same day have the same outcomes under every policy;
4. the outcomes join the lender's history; every ``retrain_weeks`` weeks the
   ``countyreach`` policy retrains its visit-value model on it.

Everything random comes from generators seeded by the scenario's seed, and the
day's routing uses a solver seed, so a scenario is a pure function of
(world, scenario).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from countyreach.errors import InputError
from countyreach.simulation.county_team import roster_officers, roster_scenario
from countyreach.simulation.learners import ScoreLearner, ValueLearner
from countyreach.simulation.offers import (
    baseline_offer,
    day_offer,
    team_visits,
    territory_offer,
)
from countyreach.simulation.policies import (
    ROUTED_POLICIES,
    Policy,
    nearest_plan,
    score_order_plan,
    territories,
    value_nearest_plan,
)
from countyreach.simulation.scenario import (
    BASE_STRATEGIES,
    BaseStrategy,
    Scenario,
    SimulationResult,
    Team,
    parse_base_strategy,
)
from countyreach.simulation.world import SimWorld
from geo.types import Location, TravelMatrix
from propensity.loan_recency import LoanSource
from propensity.visit_truth import NEVER_BORROWED_MONTHS, EconomyVariant
from routing.params import SolveParams
from routing.plan import Plan, PlanStatus
from routing.problem import (
    Break,
    ConstraintMode,
    Depot,
    DepotKind,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
)

__all__ = ["BaseStrategy", "BASE_STRATEGIES", "parse_base_strategy", "Policy", "Scenario",
           "SimulationResult", "choose_bases", "make_officers", "simulate", "truth_reference",
           "HIGH_VALUE_SHARE"]

log = logging.getLogger(__name__)

#: The "high-value businesses" of the coverage measure: the top fifth by true
#: expected value of a visit at the start of the simulation.
HIGH_VALUE_SHARE = 0.2

_CAL_DAYS_PER_WEEK = 7
_DAYS_PER_MONTH = 365.25 / 12
#: Policies that rank by the conventional scorecard.
_SCORE_POLICIES = frozenset({Policy.SCORE_ORDER, Policy.SCORE_ROUTED, Policy.VALUE_NEAREST})


def choose_bases(world: SimWorld, n_officers: int, strategy: BaseStrategy | str, *,
                 seed: int = 0,
                 cover_s: int = 1800) -> tuple[str, ...]:
    """A base (site id) for each officer by the given strategy.

    Parameters
    ----------
    world : SimWorld
    n_officers : int
    strategy : BaseStrategy or str
        See :class:`Scenario` (``given`` is not resolved here).
    seed : int
        For ``random`` and the facility solver.
    cover_s : int
        Coverage radius for ``max_coverage``.

    Returns
    -------
    tuple of str
        Site ids, one per officer (a site may host several officers).
    """
    from countyreach.simulation.facility import allocate_officers, locate_facilities

    strategy = parse_base_strategy(strategy)
    sites = world.site_ids
    if strategy is BaseStrategy.BRANCH:
        branches = world.branch_site_ids or sites[:1]
        return tuple(branches[i % len(branches)] for i in range(n_officers))
    if strategy is BaseStrategy.RANDOM:
        rng = np.random.default_rng([seed, 7])
        villages = [s for s, k in zip(world.sites["site_id"], world.sites["kind"], strict=True)
                    if k != "branch"] or list(sites)
        pick = rng.choice(len(villages), size=n_officers, replace=n_officers > len(villages))
        return tuple(villages[int(i)] for i in pick)
    if strategy not in (BaseStrategy.P_MEDIAN, BaseStrategy.MAX_COVERAGE):
        raise InputError(f"cannot choose bases by {strategy!r}", field="base_strategy")
    cost, weight, _ = world.demand()
    k = min(n_officers, len(sites))
    sol = locate_facilities(cost, weight, k, sites, objective=strategy.value, cover_s=cover_s,
                            seed=seed)
    return allocate_officers(n_officers, sol, weight)


def make_officers(world: SimWorld, bases: Sequence[str]) -> tuple[Officer, ...]:
    """Officers ``S01``, ``S02`` ... starting and ending their day at their bases."""
    sh = world.shift
    site = world.sites.set_index("site_id")
    out = []
    for i, b in enumerate(bases, start=1):
        row = site.loc[b]
        kind = DepotKind.BRANCH if row["kind"] == "branch" else DepotKind.HOME
        dep = Depot(b, str(row["name"]), Location(float(row["lat"]), float(row["lon"])), kind)
        out.append(Officer(
            officer_id=f"S{i:02d}", name=f"officer {i}", start=dep, end=dep,
            shift=TimeWindow(sh.start_s, sh.end_s), max_drive_s=sh.max_drive_s,
            max_visits=sh.max_visits,
            lunch=Break(TimeWindow(sh.lunch_start_s, sh.lunch_end_s), sh.lunch_s)))
    return tuple(out)


def _first_monday(month: str) -> dt.date:
    d = dt.date.fromisoformat(f"{month}-01")
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _eligible(world: SimWorld, cal: int, last_visit: np.ndarray, last_loan: np.ndarray,
              cooldown_days: int) -> np.ndarray:
    """Leads that may be visited on calendar day ``cal``: one rule for every policy (the
    world's loan rule: 12 months is 365 calendar days)."""
    lockout_days = round(world.loan_rule_months * 365 / 12)
    return (cal - last_visit >= cooldown_days) & (cal - last_loan >= lockout_days)


def _loan_days(loans: pd.DataFrame, lead_ids: np.ndarray, first_day: dt.date) -> np.ndarray:
    """Calendar day (relative to the first simulated day) of each lead's last loan.

    A loan of the history's month ``M`` counts from the middle of ``M``; leads without
    one get ``-10**6`` (no loan rule applies).
    """
    out = np.full(len(lead_ids), -10**6)
    if loans is None or loans.empty:
        return out
    day = np.array([(dt.date.fromisoformat(f"{m}-15") - first_day).days
                    for m in loans["month"].astype(str)])
    last = pd.Series(day).groupby(loans["lead_id"].astype(str).to_numpy()).max()
    found = last.reindex(lead_ids.astype(str)).to_numpy(float)
    return np.where(np.isnan(found), out, found).astype(np.int64)


def _checkable(plan: Plan, ids: Sequence[str], officers: Sequence[Officer],
               mat: TravelMatrix, rules: RoutingRules, service: dict[str, int],
               date: dt.date, values: dict[str, float]) -> tuple[Plan, RoutingProblem]:
    """A greedy baseline's day as a problem and plan the routing checker accepts."""
    import routing

    problem = RoutingProblem(
        tuple(Lead(x, x, Location(0.0, 0.0), "any", service_s=service[x],
                   value_yuan=max(0.0, values.get(x, 0.0))) for x in ids),
        tuple(officers), mat, rules, date.isoformat())
    # The baselines only pick visits; the checker wants a reason for every lead.
    seen = {s.lead_id for r in plan.routes for s in r.stops}
    left = [ld for ld in problem.leads if ld.lead_id not in seen]
    return replace(plan, dropped=routing.explain_drops(problem, plan.routes, left)), problem


def _months_since(cal: int, last_any: np.ndarray) -> np.ndarray:
    return np.where(last_any > -10**5, (cal - last_any) / _DAYS_PER_MONTH,
                    NEVER_BORROWED_MONTHS)


def simulate(world: SimWorld, scenario: Scenario, *, check: bool = False,
             progress: Callable[[int, int, float], None] | None = None,
             values: Callable[[str, list[str]], Any] | None = None) -> SimulationResult:
    """Run one scenario on a world.

    Parameters
    ----------
    world : SimWorld
    scenario : Scenario
        Bases are chosen with :func:`choose_bases` when not given; a ``roster`` team
        is the world's own officers (:attr:`SimWorld.roster`).
    check : bool
        Verify every day's plan with :func:`routing.check_plan` and raise on a
        violation (tests; costs time).
    progress : callable, optional
        Called after every simulated week with ``(weeks done, weeks, seconds of that
        week)`` (the bench prints it); weeks are also logged at INFO.
    values : callable, optional
        ``values(month, lead_ids)`` -> yuan per lead, routed on instead of a model and
        without exploration (the bench's observables ceilings; ``oracle`` comes first).

    Returns
    -------
    SimulationResult
    """
    import routing

    t_start, cpu_start = time.perf_counter(), time.process_time()
    sc = scenario
    sc = with_bases([sc], world)[0]
    if sc.team is Team.ROSTER:
        officers = roster_officers(world, sc)
    else:
        unknown = set(sc.bases) - set(world.site_ids)
        if unknown:
            raise InputError(f"unknown base site(s) {sorted(unknown)[:3]}", field="bases")
        officers = make_officers(world, sc.bases)
    econ = world.economy
    lead_ids = np.array(world.lead_ids)
    service = dict(zip(lead_ids, world.businesses["service_s"].astype(int), strict=True))
    first_day = _first_monday(world.sim_start_month)
    start_month = first_day.strftime("%Y-%m")
    true_v = econ.true_value_yuan(list(lead_ids), start_month, margin=sc.margin)
    # High value among the businesses a visit may serve: a recent borrower under the loan
    # lockout is no one's to reach, whatever the team, so it is not in the coverage target.
    open_now = _eligible(world, 0, _loan_days(econ.history, lead_ids, first_day),
                         _loan_days(econ.loan_book, lead_ids, first_day),
                         sc.revisit_cooldown_days)
    true_v = np.where(open_now, true_v, 0.0)
    cut = np.quantile(true_v[open_now], 1 - HIGH_VALUE_SHARE) if open_now.any() else np.inf
    high_value = open_now & (true_v >= cut)
    pos = {x: i for i, x in enumerate(lead_ids)}

    hetero = econ.variant is EconomyVariant.HETEROGENEOUS
    # In the additive economy nobody borrows without a visit, so the uptake model already is
    # the visit's effect (and an uplift model has no unvisited borrowers to learn from).
    given = sc.oracle or values is not None
    uplift = sc.policy is Policy.COUNTYREACH and hetero and not given
    score_learner = ScoreLearner(world, sc.seed) if sc.policy in _SCORE_POLICIES or (
        sc.policy is Policy.COUNTYREACH and not uplift and not given) else None
    value_learner = ValueLearner(world, sc.seed, sc.margin, sc.elsewhere_share,
                                 sc.officers_ask_elsewhere) if uplift else None
    territory_cache: dict[str, list[str]] | None = None
    # Loans already in the history count for the loan rules: the bank's own loans for
    # the lender's rule (the world's), every loan (also elsewhere) for the truth's recency.
    last_visit = _loan_days(econ.history, lead_ids, first_day)
    last_loan = _loan_days(econ.loan_book, lead_ids, first_day)
    last_any = _loan_days(econ.loans, lead_ids, first_day)
    borrowers = set(econ.loan_book["lead_id"].astype(str)) | set(
        world.businesses.loc[world.businesses["has_existing_loan"].astype(float) > 0,
                             "lead_id"].astype(str))
    week_visits: list[pd.DataFrame] = []
    week_loans: list[pd.DataFrame] = []
    visit_rows: list[dict[str, Any]] = []
    day_rows: list[dict[str, Any]] = []
    rng_explore = np.random.default_rng([sc.seed, 11])
    # Reproducible days: the same scenario gives the same plans on any machine and in any
    # Dask worker, which sweeps and comparisons rely on.
    # No workload balancing: a simulated team is judged by what its visits cause, and
    # balancing was two thirds of the routing time of a simulated day.
    rules = RoutingRules(drive_cost_yuan_per_h=sc.drive_cost_yuan_per_h,
                         skills=ConstraintMode.OFF, locality=ConstraintMode.OFF, balance=0.0)
    params = SolveParams(time_limit_s=sc.day_time_limit_s, seed=sc.seed, workers=1,
                         improvement_steps=sc.route_improvement_steps)
    cap = team_visits(officers)
    explore_margin = sc.drive_cost_yuan_per_h / 3600.0 * max(
        o.shift.end_s - o.shift.start_s for o in officers)
    month_share = 12.0 / (52.0 * sc.days_per_week)  # a working day's share of a month
    n_days = sc.n_weeks * sc.days_per_week
    t_week = time.perf_counter()
    on_demand = world.travel_times.on_demand
    largest_matrix = 0
    for day in range(n_days):
        week, wd = divmod(day, sc.days_per_week)
        cal = week * _CAL_DAYS_PER_WEEK + wd
        date = first_day + dt.timedelta(days=cal)
        month = date.strftime("%Y-%m")
        eligible = _eligible(world, cal, last_visit, last_loan, sc.revisit_cooldown_days)
        ids = [str(x) for x in lead_ids[eligible]]
        since = _months_since(cal, last_any)
        explored: set[str] = set()
        problem = None
        mat: TravelMatrix | None = None
        if not ids:
            plan = Plan(PlanStatus.FEASIBLE, (), ())
        elif sc.policy in ROUTED_POLICIES:
            std = np.zeros(len(ids))
            if sc.oracle:
                vals = np.maximum(econ.visit_caused_value_yuan(
                    ids, month, margin=sc.margin,
                    months_since_loan=since[eligible] if hetero else None), 0.0)
            elif values is not None:
                vals = np.maximum(np.asarray(values(month, ids), float), 0.0)
            elif value_learner is not None:
                # Scored once a week (the book is recorded weekly) for every lead that may
                # open this week: visits and loans only close leads, so the leads open on
                # the week's last day by today's state include every later day's.
                week_open = _eligible(world, week * _CAL_DAYS_PER_WEEK + sc.days_per_week - 1,
                                      last_visit, last_loan, sc.revisit_cooldown_days)
                vals = value_learner.values(month, week, lead_ids[week_open]).loc[
                    ids, "value_yuan"].to_numpy(float)
            else:
                assert score_learner is not None
                sco = score_learner.scores(month).loc[ids]
                vals = sco["value_yuan"].to_numpy(float)
                std = sco["value_std_yuan"].to_numpy(float)
            keep = list(day_offer(world.businesses.iloc[np.flatnonzero(eligible)], vals,
                                  officers, per_visit=sc.day_offer_per_visit,
                                  rank=sc.day_offer_rank))
            n_exp = min(int(round(sc.explore_share * cap)), len(ids))
            if value_learner is not None and n_exp:
                # Exploration: leads drawn uniformly from every open lead, prized above any
                # other lead plus a whole shift of driving, so the day makes every one of
                # them: the randomised arm retraining calibrates the visit's effect on.
                # (Drawn from outside the offer and valued like its median, the router
                # kept the ones nearest its routes: the visits labelled random were
                # nearer the branch and had 38 % less caused P than the average open lead.)
                pick = rng_explore.choice(len(ids), n_exp, replace=False)
                vals = vals.copy()
                vals[pick] = float(vals.max(initial=0.0)) + explore_margin
                explored = {ids[i] for i in pick}
                keep = sorted(set(keep) | set(pick.tolist()))
            leads = tuple(
                Lead(lead_id=ids[i], name=ids[i], location=Location(0.0, 0.0),
                     industry="any", service_s=service[ids[i]], value_yuan=float(vals[i]),
                     value_std_yuan=float(std[i]))
                for i in sorted(int(x) for x in keep))
            mat = world.travel_times.day_matrix([ld.lead_id for ld in leads], officers)
            problem = RoutingProblem(leads, officers, mat, rules, date.isoformat())
            plan = routing.solve(problem, params)
        else:
            if sc.policy is Policy.RELATIONSHIP:
                ids = [x for x in ids if x in borrowers] or ids
            day_values: dict[str, float] = {}
            if sc.policy is Policy.SCORE_ORDER:
                assert score_learner is not None
                if territory_cache is None:
                    territory_cache = territories(world.travel_times, world.lead_ids, officers,
                                                  score_learner.scores(start_month).loc[
                                                      list(world.lead_ids), "value_yuan"])
                allowed = set(ids)
                terr = {k: [x for x in v if x in allowed] for k, v in territory_cache.items()}
                if on_demand:
                    terr = territory_offer(terr, officers)
                    ids = [x for v in terr.values() for x in v]
                mat = world.travel_times.day_matrix(ids, officers)
                plan = score_order_plan(officers, terr, mat, service, {}, date.isoformat())
            else:
                if sc.policy is Policy.VALUE_NEAREST:
                    assert score_learner is not None
                    v = score_learner.scores(month).loc[ids, "value_yuan"].to_numpy(float)
                    day_values = dict(zip(ids, v, strict=True))
                if on_demand:  # the product's day's candidates, not every open lead
                    ids = baseline_offer(world.businesses.iloc[[pos[x] for x in ids]],
                                         np.array([day_values[x] for x in ids])
                                         if day_values else None, officers)
                mat = world.travel_times.day_matrix(ids, officers)
                if sc.policy is Policy.VALUE_NEAREST:
                    plan = value_nearest_plan(officers, ids, mat, service, day_values,
                                              date.isoformat())
                else:
                    plan = nearest_plan(officers, ids, mat, service, {}, date.isoformat())
            if check:
                plan, problem = _checkable(plan, ids, officers, mat, rules, service, date,
                                           day_values)
        if mat is not None:
            largest_matrix = max(largest_matrix, len(mat))
        if check and problem is not None:
            bad = routing.check_plan(problem, plan)
            if bad:
                raise AssertionError(f"{sc.policy} day {day}: {bad[:3]}")
        visited = [s.lead_id for r in plan.routes for s in r.stops]
        vpos = np.array([pos[x] for x in visited], dtype=np.int64)
        since_v = since[vpos] if hetero else None
        out = econ.simulate_visit_outcomes(visited, month, np.random.default_rng([sc.seed, day]),
                                           months_since_loan=since_v)
        took = dict(zip(out["lead_id"], out["took_loan"].astype(int), strict=True))
        amount = dict(zip(out["lead_id"], out["loan_yuan"].astype(float), strict=True))
        dflt = dict(zip(out["lead_id"], out["defaulted"].astype(int), strict=True))
        if visited:
            p_true = econ.true_p_uptake(visited, month, months_since_loan=since_v)
            exp_loan = p_true * econ.true_loan_yuan(visited, month)
            tv = econ.true_value_yuan(visited, month, margin=sc.margin,
                                      months_since_loan=since_v)
            cv = econ.visit_caused_value_yuan(visited, month, margin=sc.margin,
                                              months_since_loan=since_v)
            cp = econ.visit_caused_p(visited, month, months_since_loan=since_v)
        else:
            exp_loan = tv = p_true = cv = cp = np.zeros(0)
        k = 0
        for r in plan.routes:
            loans = 0
            for seq, s in enumerate(r.stops, start=1):
                i = pos[s.lead_id]
                last_visit[i] = cal
                if took[s.lead_id]:
                    last_loan[i] = last_any[i] = cal
                    loans += 1
                visit_rows.append({
                    "day": day, "week": week, "date": date.isoformat(), "month": month,
                    "officer_id": r.officer_id, "seq": seq, "lead_id": s.lead_id,
                    "arrival_s": s.arrival_s, "high_value": bool(high_value[i]),
                    "true_value_yuan": float(tv[k]), "true_p_uptake": float(p_true[k]),
                    "expected_loan_yuan": float(exp_loan[k]),
                    "caused_value_yuan": float(cv[k]), "caused_loans": float(cp[k]),
                    "explored": s.lead_id in explored,
                    "took_loan": took[s.lead_id], "loan_yuan": amount[s.lead_id],
                    "defaulted": dflt[s.lead_id]})
                k += 1
            day_rows.append({"day": day, "week": week, "officer_id": r.officer_id,
                             "visits": len(r.stops), "loans": loans, "drive_s": r.drive_s,
                             "distance_m": r.distance_m, "end_s": r.end_s})
        routed = {r.officer_id for r in plan.routes}
        for o in officers:
            if o.officer_id not in routed:
                day_rows.append({"day": day, "week": week, "officer_id": o.officer_id,
                                 "visits": 0, "loans": 0, "drive_s": 0, "distance_m": 0,
                                 "end_s": o.shift.start_s})
        if hetero:
            # Businesses nobody visited today borrow at their no-visit rate (the same draws
            # under every policy): walk-ins to this bank, or elsewhere.
            nv = econ.simulate_no_visit_loans(list(lead_ids), month,
                                              np.random.default_rng([sc.seed, day, 29]),
                                              months_since_loan=since,
                                              share_of_month=month_share)
            got = nv["took_loan"].to_numpy() == 1
            got[vpos] = False
            last_any[got] = cal
            own = got & (nv["source"].to_numpy() == LoanSource.WALK_IN)
            last_loan[own] = cal
            if value_learner is not None:
                week_loans.append(value_learner.loans_learnt(nv, got))
        if len(out) and value_learner is not None:
            week_loans.append(value_learner.asked_at_visits(visited, month))
            rec = out.copy()
            rec.insert(2, "visited_by_policy", ["random" if x in explored else sc.policy.value
                                                for x in rec["lead_id"]])
            week_visits.append(rec)
            got_v = rec[rec["took_loan"] == 1]
            week_loans.append(got_v.assign(source="visit")[
                ["lead_id", "month", "source", "loan_yuan", "defaulted"]])
        if wd == sc.days_per_week - 1:
            if value_learner is not None:
                value_learner.record(pd.concat(week_visits, ignore_index=True) if week_visits
                                     else pd.DataFrame(),
                                     pd.concat(week_loans, ignore_index=True) if week_loans
                                     else pd.DataFrame())
                week_visits, week_loans = [], []
                if sc.retrain_weeks and (week + 1) % sc.retrain_weeks == 0 \
                        and day < n_days - 1:
                    value_learner.retrain()
            now = time.perf_counter()
            log.info("%s: week %d/%d simulated in %.1f s", sc.scenario_id, week + 1,
                     sc.n_weeks, now - t_week)
            if progress is not None:
                progress(week + 1, sc.n_weeks, now - t_week)
            t_week = now
    from countyreach.simulation.metrics import summarise, weekly_metrics

    visits = pd.DataFrame(visit_rows, columns=[
        "day", "week", "date", "month", "officer_id", "seq", "lead_id", "arrival_s",
        "high_value", "true_value_yuan", "true_p_uptake", "expected_loan_yuan",
        "caused_value_yuan", "caused_loans", "explored", "took_loan", "loan_yuan", "defaulted"])
    days = pd.DataFrame(day_rows, columns=["day", "week", "officer_id", "visits", "loans",
                                           "drive_s", "distance_m", "end_s"])
    days = days.sort_values(["day", "officer_id"], kind="stable").reset_index(drop=True)
    weekly = weekly_metrics(visits, days, n_high_value=int(high_value.sum()), scenario=sc)
    summary = summarise(visits, days, weekly, scenario=sc)
    summary["runtime_s"] = time.perf_counter() - t_start
    summary["approximate_travel"] = world.approximate
    # what the day's travel times cost: a large world builds them for the day's leads only
    summary["travel_matrix_nodes_max"] = largest_matrix
    return SimulationResult(sc, visits, days, weekly, summary,
                            cpu_s=time.process_time() - cpu_start)


def truth_reference(world: SimWorld, scenario: Scenario) -> dict[str, float]:
    """Loans per officer-day of a lender who knew the hidden truth and never had to drive.

    Every simulated day the officers' combined visit cap goes to the leads that may
    be visited (the cooldown and the world's loan rule of :func:`simulate`) with the
    highest true P(uptake) that day, and outcomes are drawn from the truth with
    :func:`simulate`'s per-day generators. No policy can know the truth, so this is
    a reference, not a competitor: it shows how much better than the baselines
    choosing *whom* to visit can do in this world at all. When the officers' visits
    over the run are about as many as the businesses, every policy ends up visiting
    nearly everyone and the reference sits close to the baselines.

    It ignores travel, the shift and the drive cap (the visit cap still holds), and
    choosing greedily day by day is not optimal over a whole run, so it is a yardstick
    rather than a strict upper bound.

    Parameters
    ----------
    world : SimWorld
    scenario : Scenario
        ``n_officers``, ``seed``, length and ``revisit_cooldown_days`` are used;
        ``policy`` and bases are ignored.

    Returns
    -------
    dict
        ``loans_per_officer_day`` (drawn), ``expected_loans_per_officer_day`` (sum of
        the true P(uptake) of the visits), ``visits_per_officer_day`` and
        ``visits_per_business`` (visits over the run / businesses).
    """
    sc = scenario
    econ = world.economy
    lead_ids = np.array(world.lead_ids)
    n = len(lead_ids)
    per_day = sum((o.max_visits if o.max_visits is not None else world.shift.max_visits)
                  for o in world.roster) if sc.team is Team.ROSTER \
        else sc.n_officers * world.shift.max_visits
    first_day = _first_monday(world.sim_start_month)
    last_visit = _loan_days(econ.history, lead_ids, first_day)
    last_loan = _loan_days(econ.loan_book, lead_ids, first_day)
    hetero = econ.variant is EconomyVariant.HETEROGENEOUS
    p_month: dict[str, np.ndarray] = {}
    n_days = sc.n_weeks * sc.days_per_week
    visits = loans = 0
    expected = 0.0
    for day in range(n_days):
        week, wd = divmod(day, sc.days_per_week)
        cal = week * _CAL_DAYS_PER_WEEK + wd
        month = (first_day + dt.timedelta(days=cal)).strftime("%Y-%m")
        if hetero:  # the truth depends on loan recency, which changes every day
            p = econ.true_p_uptake(list(lead_ids), month,
                                   months_since_loan=_months_since(cal, last_loan))
        else:
            if month not in p_month:
                p_month[month] = econ.true_p_uptake(list(lead_ids), month)
            p = p_month[month]
        pool = np.flatnonzero(_eligible(world, cal, last_visit, last_loan,
                                        sc.revisit_cooldown_days))
        pick = pool[np.argsort(-p[pool], kind="stable")[:per_day]]
        if not len(pick):
            continue
        out = econ.simulate_visit_outcomes(
            lead_ids[pick], month, np.random.default_rng([sc.seed, day]),
            months_since_loan=_months_since(cal, last_loan)[pick] if hetero else None)
        took = out["took_loan"].to_numpy(int) == 1
        last_visit[pick] = cal
        last_loan[pick[took]] = cal
        visits += len(pick)
        loans += int(took.sum())
        expected += float(p[pick].sum())
    officer_days = n_days * sc.n_officers
    return {"loans_per_officer_day": loans / officer_days,
            "expected_loans_per_officer_day": expected / officer_days,
            "visits_per_officer_day": visits / officer_days,
            "visits_per_business": visits / n if n else 0.0}


def summary_row(result: SimulationResult) -> dict[str, Any]:
    """Scenario parameters and summary measures as one flat row."""
    return {**result.scenario.params(), **dict(result.summary)}


def with_bases(scenarios: Sequence[Scenario], world: SimWorld) -> list[Scenario]:
    """Fill in every scenario's bases once (deterministically), before distributing them."""
    memo: dict[tuple[int, BaseStrategy, int, int], tuple[str, ...]] = {}
    out = []
    for sc in scenarios:
        if sc.team is Team.ROSTER:
            out.append(roster_scenario(world, sc))
            continue
        if sc.bases:
            out.append(sc)
            continue
        # Facility location does not depend on the seed (the solvers prove
        # optimality); random bases do.
        key = (sc.n_officers, sc.base_strategy,
               sc.seed if sc.base_strategy is BaseStrategy.RANDOM else 0, sc.cover_s)
        if key not in memo:
            memo[key] = choose_bases(world, sc.n_officers, sc.base_strategy, seed=key[2],
                                     cover_s=sc.cover_s)
        out.append(replace(sc, bases=memo[key]))
    return out

