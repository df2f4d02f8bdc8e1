"""Rolling multi-week simulation: plan each day, visit, draw outcomes, retrain weekly.

One scenario = one world, a number of officers at chosen bases, one policy, a
seed and a length. Each working day:

1. the leads that may be visited are those not visited in the last
   ``revisit_cooldown_days`` and without a loan in the last year;
2. the policy makes the day's routes (see :mod:`countyreach.simulation.policies`);
3. the visits happen: :meth:`propensity.Economy.simulate_visit_outcomes` draws
   loans from the hidden truth with a generator seeded by (seed, day), so the
   same visits on the same day have the same outcomes under every policy;
4. the outcomes join the lender's history; at the end of each week the
   ``countyreach`` policy retrains its lead model on it.

Everything random comes from generators seeded by the scenario's seed, and the
day's routing uses a solver seed, so a scenario is a pure function of
(world, scenario).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from countyreach.errors import InputError
from countyreach.simulation.policies import Policy, nearest_plan, score_order_plan
from countyreach.simulation.scenario import (
    BASE_STRATEGIES,
    BaseStrategy,
    Scenario,
    SimulationResult,
    parse_base_strategy,
)
from countyreach.simulation.world import SimWorld
from geo.types import Location, TravelMatrix
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
    end_node_id,
    start_node_id,
)

__all__ = [
    "BaseStrategy",
    "BASE_STRATEGIES",
    "parse_base_strategy",
    "Policy",
    "Scenario",
    "SimulationResult",
    "choose_bases",
    "make_officers",
    "simulate",
    "truth_reference",
    "HIGH_VALUE_SHARE",
]

log = logging.getLogger(__name__)

#: The "high-value businesses" of the coverage measure: the top fifth by true
#: expected value of a visit at the start of the simulation.
HIGH_VALUE_SHARE = 0.2

_CAL_DAYS_PER_WEEK = 7

#: Calendar days a business that took a loan is not visited again (it is a customer now).
_LOAN_LOCKOUT_DAYS = 365


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


def _day_matrix(world: SimWorld, lead_ids: Sequence[str],
                officers: Sequence[Officer]) -> TravelMatrix:
    """The world matrix restricted to today's leads, with officer start/end node ids."""
    idx = world.matrix.index
    rows = [idx[x] for x in lead_ids]
    ids = list(lead_ids)
    for o in officers:
        rows += [idx[o.start.depot_id], idx[o.end.depot_id]]
        ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
    sub = np.ix_(rows, rows)
    return TravelMatrix(tuple(ids), world.matrix.duration_s[sub], world.matrix.distance_m[sub])


def _first_monday(month: str) -> dt.date:
    d = dt.date.fromisoformat(f"{month}-01")
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _eligible(cal: int, last_visit: np.ndarray, last_loan: np.ndarray,
              cooldown_days: int) -> np.ndarray:
    """Leads that may be visited on calendar day ``cal``: one rule for every policy."""
    return (cal - last_visit >= cooldown_days) & (cal - last_loan >= _LOAN_LOCKOUT_DAYS)


class _Learner:
    """The lender's lead model: trained on the history, retrained on new outcomes."""

    def __init__(self, world: SimWorld, seed: int) -> None:
        import propensity

        self._p = propensity
        self.world = world
        self.scorer = propensity.LeadScorer(random_state=seed).fit_history(
            world.businesses, world.economy.history)
        self._cache: dict[str, pd.DataFrame] = {}

    def retrain(self, outcomes: pd.DataFrame) -> None:
        """Refit on the history plus ``outcomes`` (the week's simulated visits)."""
        if len(outcomes):
            self.scorer = self._p.retrain(self.scorer, outcomes)
            self._cache.clear()

    def scores(self, month: str) -> pd.DataFrame:
        """Mean expected value per lead this month, indexed by lead id."""
        if month not in self._cache:
            s = self.scorer.score(self.world.businesses, month, explain=False)
            self._cache[month] = s.set_index(s["lead_id"].astype(str))
        return self._cache[month]

    def explore(self, month: str, share: float, rng: np.random.Generator) -> pd.DataFrame:
        """Routing values with Thompson exploration for ``share`` of the leads."""
        v = self._p.thompson_values(self.scorer, self.world.businesses, month, rng,
                                    exploration_share=share)
        return v.set_index(v["lead_id"].astype(str))


def simulate(world: SimWorld, scenario: Scenario, *, check: bool = False) -> SimulationResult:
    """Run one scenario on a world.

    Parameters
    ----------
    world : SimWorld
    scenario : Scenario
        Bases are chosen with :func:`choose_bases` when not given.
    check : bool
        Verify every day's plan with :func:`routing.check_plan` and raise on a
        violation (tests; costs time).

    Returns
    -------
    SimulationResult
    """
    import routing

    t_start = time.perf_counter()
    sc = scenario
    sc = with_bases([sc], world)[0]
    bases = sc.bases
    unknown = set(bases) - set(world.site_ids)
    if unknown:
        raise InputError(f"unknown base site(s) {sorted(unknown)[:3]}", field="bases")
    officers = make_officers(world, bases)
    econ = world.economy
    lead_ids = np.array(world.lead_ids)
    n = len(lead_ids)
    service = dict(zip(lead_ids, world.businesses["service_s"].astype(int), strict=True))
    first_day = _first_monday(world.sim_start_month)
    start_month = first_day.strftime("%Y-%m")
    true_v = econ.true_value_yuan(list(lead_ids), start_month, margin=sc.margin)
    cut = np.quantile(true_v, 1 - HIGH_VALUE_SHARE)
    high_value = true_v >= cut
    pos = {x: i for i, x in enumerate(lead_ids)}

    learner = _Learner(world, sc.seed) if sc.policy is not Policy.NEAREST else None
    territory_cache: dict[str, list[str]] | None = None
    last_visit = np.full(n, -10**6)
    last_loan = np.full(n, -10**6)
    week_frames: list[pd.DataFrame] = []
    visit_rows: list[dict[str, Any]] = []
    day_rows: list[dict[str, Any]] = []
    rng_explore = np.random.default_rng([sc.seed, 11])
    # Reproducible days: the same scenario gives the same plans on any machine and in any
    # Dask worker, which sweeps and comparisons rely on.
    rules = RoutingRules(drive_cost_yuan_per_h=sc.drive_cost_yuan_per_h,
                         skills=ConstraintMode.OFF, locality=ConstraintMode.OFF)
    params = SolveParams(time_limit_s=sc.day_time_limit_s, seed=sc.seed, workers=1,
                         improvement_steps=sc.route_improvement_steps)
    n_days = sc.n_weeks * sc.days_per_week
    for day in range(n_days):
        week, wd = divmod(day, sc.days_per_week)
        cal = week * _CAL_DAYS_PER_WEEK + wd
        date = first_day + dt.timedelta(days=cal)
        month = date.strftime("%Y-%m")
        eligible = _eligible(cal, last_visit, last_loan, sc.revisit_cooldown_days)
        ids = [str(x) for x in lead_ids[eligible]]
        if not ids:
            plan = Plan(PlanStatus.FEASIBLE, (), ())
            problem = None
        elif sc.policy is Policy.COUNTYREACH:
            assert learner is not None
            scores = learner.explore(month, sc.explore_share, rng_explore).loc[ids]
            vals = scores["value_yuan"].to_numpy(float)
            # Offer the solver the most valuable leads: several times what a day can hold.
            cap = sum(o.max_visits or 20 for o in officers)
            keep = np.argsort(-vals, kind="stable")[: max(4 * cap, 40)]
            leads = tuple(
                Lead(lead_id=ids[i], name=ids[i],
                     location=Location(0.0, 0.0), industry="any", service_s=service[ids[i]],
                     value_yuan=float(vals[i]),
                     value_std_yuan=float(scores.at[ids[i], "value_std_yuan"]))
                for i in sorted(keep.tolist()))
            mat = _day_matrix(world, [ld.lead_id for ld in leads], officers)
            problem = RoutingProblem(leads, officers, mat, rules, date.isoformat())
            plan = routing.solve(problem, params)
        else:
            mat = _day_matrix(world, ids, officers)
            problem = None
            if sc.policy is Policy.NEAREST:
                plan = nearest_plan(officers, ids, mat, service, {}, date.isoformat())
            else:
                assert learner is not None
                if territory_cache is None:
                    territory_cache = _territories(world, officers, learner.scores(start_month))
                allowed = set(ids)
                terr = {k: [x for x in v if x in allowed] for k, v in territory_cache.items()}
                plan = score_order_plan(officers, terr, mat, service, {}, date.isoformat())
            if check:
                problem = RoutingProblem(
                    tuple(Lead(x, x, Location(0.0, 0.0), "any", service_s=service[x])
                          for x in ids), officers, mat, rules, date.isoformat())
                # The baselines only pick visits; the checker wants a reason for every lead.
                seen = {s.lead_id for r in plan.routes for s in r.stops}
                left = [ld for ld in problem.leads if ld.lead_id not in seen]
                plan = replace(
                    plan, dropped=routing.explain_drops(problem, plan.routes, left))
        if check and problem is not None:
            bad = routing.check_plan(problem, plan)
            if bad:
                raise AssertionError(f"{sc.policy} day {day}: {bad[:3]}")
        visited = [s.lead_id for r in plan.routes for s in r.stops]
        out = econ.simulate_visit_outcomes(visited, month, np.random.default_rng([sc.seed, day]))
        took = dict(zip(out["lead_id"], out["took_loan"].astype(int), strict=True))
        amount = dict(zip(out["lead_id"], out["loan_yuan"].astype(float), strict=True))
        dflt = dict(zip(out["lead_id"], out["defaulted"].astype(int), strict=True))
        if visited:
            p_true = econ.true_p_uptake(visited, month)
            exp_loan = p_true * econ.true_loan_yuan(visited, month)
            tv = econ.true_value_yuan(visited, month, margin=sc.margin)
        else:
            exp_loan = tv = p_true = np.zeros(0)
        k = 0
        for r in plan.routes:
            loans = 0
            for seq, s in enumerate(r.stops, start=1):
                i = pos[s.lead_id]
                last_visit[i] = cal
                if took[s.lead_id]:
                    last_loan[i] = cal
                    loans += 1
                visit_rows.append({
                    "day": day, "week": week, "date": date.isoformat(), "month": month,
                    "officer_id": r.officer_id, "seq": seq, "lead_id": s.lead_id,
                    "arrival_s": s.arrival_s, "high_value": bool(high_value[i]),
                    "true_value_yuan": float(tv[k]), "true_p_uptake": float(p_true[k]),
                    "expected_loan_yuan": float(exp_loan[k]),
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
        if len(out):
            rec = out.copy()
            rec.insert(2, "visited_by_policy", sc.policy.value)
            week_frames.append(rec)
        if wd == sc.days_per_week - 1 and sc.policy is Policy.COUNTYREACH and day < n_days - 1:
            assert learner is not None
            if week_frames:
                learner.retrain(pd.concat(week_frames, ignore_index=True))
            week_frames = []
    from countyreach.simulation.metrics import summarise, weekly_metrics

    visits = pd.DataFrame(visit_rows, columns=[
        "day", "week", "date", "month", "officer_id", "seq", "lead_id", "arrival_s",
        "high_value", "true_value_yuan", "true_p_uptake", "expected_loan_yuan", "took_loan",
        "loan_yuan", "defaulted"])
    days = pd.DataFrame(day_rows, columns=["day", "week", "officer_id", "visits", "loans",
                                           "drive_s", "distance_m", "end_s"])
    days = days.sort_values(["day", "officer_id"], kind="stable").reset_index(drop=True)
    weekly = weekly_metrics(visits, days, n_high_value=int(high_value.sum()), scenario=sc)
    summary = summarise(visits, days, weekly, scenario=sc)
    summary["runtime_s"] = time.perf_counter() - t_start
    summary["approximate_travel"] = world.approximate
    return SimulationResult(sc, visits, days, weekly, summary)


def truth_reference(world: SimWorld, scenario: Scenario) -> dict[str, float]:
    """Loans per officer-day of a lender who knew the hidden truth and never had to drive.

    Every simulated day the officers' combined visit cap goes to the leads that may
    be visited (the cooldown and one-year loan rules of :func:`simulate`) with the
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
    per_day = sc.n_officers * world.shift.max_visits
    first_day = _first_monday(world.sim_start_month)
    last_visit = np.full(n, -10**6)
    last_loan = np.full(n, -10**6)
    p_month: dict[str, np.ndarray] = {}
    n_days = sc.n_weeks * sc.days_per_week
    visits = loans = 0
    expected = 0.0
    for day in range(n_days):
        week, wd = divmod(day, sc.days_per_week)
        cal = week * _CAL_DAYS_PER_WEEK + wd
        month = (first_day + dt.timedelta(days=cal)).strftime("%Y-%m")
        if month not in p_month:
            p_month[month] = econ.true_p_uptake(list(lead_ids), month)
        p = p_month[month]
        pool = np.flatnonzero(_eligible(cal, last_visit, last_loan, sc.revisit_cooldown_days))
        pick = pool[np.argsort(-p[pool], kind="stable")[:per_day]]
        if not len(pick):
            continue
        out = econ.simulate_visit_outcomes(lead_ids[pick], month,
                                           np.random.default_rng([sc.seed, day]))
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


def _territories(world: SimWorld, officers: Sequence[Officer],
                 scores: pd.DataFrame) -> dict[str, list[str]]:
    """Leads split by nearest base (officers sharing a base take turns), in score order."""
    idx = world.matrix.index
    d = world.matrix.duration_s
    ids = list(world.lead_ids)
    base_ids = sorted({o.start.depot_id for o in officers}, key=list(world.site_ids).index)
    cols = np.array([idx[b] for b in base_ids])
    rows = np.array([idx[x] for x in ids])
    nearest = np.argmin(d[np.ix_(cols, rows)], axis=0)
    order = np.argsort(-scores.loc[ids, "value_yuan"].to_numpy(float), kind="stable")
    by_base: dict[str, list[str]] = {b: [] for b in base_ids}
    for i in order:
        by_base[base_ids[int(nearest[i])]].append(ids[int(i)])
    out: dict[str, list[str]] = {}
    for b in base_ids:
        mine = [o.officer_id for o in officers if o.start.depot_id == b]
        for j, oid in enumerate(mine):
            out[oid] = by_base[b][j::len(mine)]
    return out


def summary_row(result: SimulationResult) -> dict[str, Any]:
    """Scenario parameters and summary measures as one flat row."""
    return {**result.scenario.params(), **dict(result.summary)}


def with_bases(scenarios: Sequence[Scenario], world: SimWorld) -> list[Scenario]:
    """Fill in every scenario's bases once (deterministically), before distributing them."""
    memo: dict[tuple[int, BaseStrategy, int, int], tuple[str, ...]] = {}
    out = []
    for sc in scenarios:
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

