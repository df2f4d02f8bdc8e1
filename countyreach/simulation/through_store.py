"""The daily loop simulated through the store: the same service calls the app makes, day by day.

A synthetic county (the map files and roster of a county folder, a synthetic business
population whose hidden truth the simulation keeps, :func:`synthetic_county`) is imported
into a store; then for each working day :func:`run_store_loop`

1. plans the day from the store and publishes it (:meth:`DailyLoop.plan`,
   :meth:`Store.publish`, as a manager);
2. lets every officer, signed in with their own account, open their visit list
   (:meth:`Store.visit_list`) and record the outcome of each stop
   (:meth:`DailyLoop.record_outcome`), several officers at once. Each business decides
   once a month, from its hidden probability of taking a loan after a visit, whether it
   would; the first visit that meets it that month hears "applied", later ones find it
   has applied already ("met"). A business that would not is interested (and books a
   follow-up two working days later, which the next plans must pin to the officer who
   booked it), not interested, or just met;
3. optionally closes the store and opens it again (a server restart) after one day;
4. retrains the model every ``retrain_every`` days (:meth:`DailyLoop.retrain`).

There are no shortcuts: no in-memory copy of the store, no private calls; what the
simulation measures is what the app and the CLI would do. Each day's row says what was
visited, recorded and borrowed, what the visits caused on the hidden truth, which model
planned the day and how well it ranks the leads on the hidden truth, and how long each
phase took.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import propensity
from countyreach.dates import CHINA_TZ
from countyreach.errors import InputError
from countyreach.io import load_county, read_branches, read_villages
from countyreach.services.loop import DailyLoop, StorePlan
from countyreach.services.models import holdout_mask
from countyreach.simulation.loop_report import format_store_loop
from countyreach.store import ModelRecord, Session, Store
from countyreach.store.checks import check_date
from countyreach.store.engine import now_utc
from propensity.outcomes import Outcome
from routing.params import SolveParams
from routing.problem import RoutingRules

__all__ = ["LoopDay", "ModelTruth", "RestartCheck", "StoreLoopResult", "synthetic_county",
           "working_days", "store_clock", "truth_auc", "truth_ceiling_auc", "run_store_loop",
           "format_store_loop"]

#: The map files a synthetic county borrows from the county folder it is built on.
MAP_FILES = ("county.json", "roads.osm.pbf", "villages.csv", "branches.csv")
#: Share of visits where nobody is met.
P_NOT_THERE = 0.08
#: Of the rest (no loan), the share "interested" (books a follow-up), then "not interested";
#: the remainder is "met".
P_INTERESTED_BELOW = 0.35
P_NOT_INTERESTED_BELOW = 0.75
#: A follow-up is booked this many working days after the visit.
FOLLOW_UP_AFTER_DAYS = 2
_ECONOMY_COLUMNS_HIDDEN = ("dist_branch_m", "dist_cluster_core_m", "cluster_size", "branch_id",
                           "phone_is_fictitious")


@dataclass(frozen=True)
class LoopDay:
    """One simulated working day (counts, hidden-truth figures, timings in seconds).

    ``visits`` are the published plan's stops, ``met`` the visits where someone was
    there, ``loans`` the applications recorded (``loan_yuan`` their amounts);
    ``caused_loans`` and ``caused_value_yuan`` are what the day's first meetings of each
    business this month cause on the hidden truth (expected, against no visit);
    ``model_auc_truth`` is the planning model's :func:`truth_auc`; ``follow_ups_due`` were
    booked for this day, ``follow_ups_on_route`` of them are on the booking officer's route.
    """

    plan_date: str
    plan_version: int
    plan_status: str
    violations: int
    model_version: int
    model_auc_truth: float
    visits: int
    outcomes_recorded: int
    met: int
    loans: int
    loan_yuan: float
    caused_loans: float
    caused_value_yuan: float
    follow_ups_due: int
    follow_ups_on_route: int
    follow_ups_booked: int
    retrained_version: int | None
    restarted: bool
    plan_s: float
    publish_s: float
    outcomes_s: float
    retrain_s: float


@dataclass(frozen=True)
class ModelTruth:
    """A model version and how well it ranks the county's leads on the hidden truth."""

    version: int
    promoted: bool
    registry_auc: float | None
    auc_truth: float
    auc_truth_holdout: float
    n_train_visits: int


@dataclass(frozen=True)
class RestartCheck:
    """Outcomes in the store just before it was closed and just after it was reopened."""

    after_day: str
    outcomes_before: int
    outcomes_after: int


@dataclass(frozen=True)
class StoreLoopResult:
    """What :func:`run_store_loop` did, day by day and model by model."""

    county_id: str
    n_officers: int
    n_leads: int
    eval_month: str
    truth_ceiling_auc: float
    days: tuple[LoopDay, ...]
    models: tuple[ModelTruth, ...]
    outcome_ids: tuple[str, ...]
    restart: RestartCheck | None
    setup_s: float

    def frame(self) -> pd.DataFrame:
        """The per-day rows as a table."""
        return pd.DataFrame([d.__dict__ for d in self.days])


def store_clock(last_day: str) -> Callable[[], dt.datetime] | None:
    """The store's clock for a simulation that runs to ``last_day`` (None: the wall clock).

    The store takes an outcome only for a visit whose day has come
    (:func:`countyreach.dates.check_visit_made`), so a simulation of days still to come
    runs on a clock moved ahead to the evening of its last day. It moves at the wall
    clock's pace, so sessions expire as they would.

    Parameters
    ----------
    last_day : str
        The simulation's last working day, ``YYYY-MM-DD``.

    Returns
    -------
    callable or None
        A clock for :meth:`countyreach.store.Store.open`, or None when ``last_day`` has come.
    """
    end = dt.datetime.fromisoformat(f"{last_day}T18:00").replace(tzinfo=CHINA_TZ)
    shift = end - now_utc()
    if shift <= dt.timedelta(0):
        return None
    return lambda: now_utc() + shift


def working_days(start: dt.date, n: int) -> list[str]:
    """The first ``n`` weekdays from ``start`` on, as ISO dates."""
    out: list[str] = []
    d = start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def synthetic_county(src: Path, dst: Path, *, n_officers: int | None = None,
                     n_businesses: int = 300, n_months: int = 12, start_month: str = "2025-03",
                     seed: int = 11) -> propensity.Economy:
    """A county folder on ``src``'s roads with a synthetic population and its visit history.

    Parameters
    ----------
    src : Path
        A county folder (its ``county.json``, roads, villages, branches and roster are used).
    dst : Path
        The folder to write (must not exist).
    n_officers : int, optional
        Officers ``O001``, ``O002``… copied in turn from ``src``'s roster (skills and
        localities left empty); default ``src``'s roster as it is.
    n_businesses, n_months, start_month, seed
        The synthetic economy (:func:`propensity.generate_economy`).

    Returns
    -------
    propensity.Economy
        With the hidden truth the answers are drawn from.
    """
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True)
    for name in MAP_FILES:
        shutil.copyfile(src / name, dst / name)
    roster = pd.read_csv(src / "officers.csv", dtype=str, keep_default_na=False)
    if n_officers is not None:
        roster = pd.DataFrame([roster.iloc[i % len(roster)].to_dict() | {
            "officer_id": f"O{i + 1:03d}", "localities": "", "skills": ""}
            for i in range(n_officers)])
    roster.to_csv(dst / "officers.csv", index=False)
    branches = read_branches(dst / "branches.csv")
    bdf = pd.DataFrame([{"branch_id": b.depot_id, "name": b.name, "lat": b.location.lat,
                         "lon": b.location.lon} for b in branches])
    econ = propensity.generate_economy(read_villages(dst / "villages.csv"),
                                       n_businesses=n_businesses, n_months=n_months, seed=seed,
                                       branches=bdf, start_month=start_month)
    leads = econ.businesses.drop(columns=list(_ECONOMY_COLUMNS_HIDDEN), errors="ignore")
    leads.assign(windows="", pinned_officer_id="").to_csv(dst / "leads.csv", index=False)
    econ.history.to_csv(dst / "history.csv", index=False)
    return econ


def truth_auc(econ: propensity.Economy, scorer: propensity.LeadScorer, leads: pd.DataFrame,
              month: str) -> float:
    """Expected AUC of the model's uptake against outcomes drawn from the hidden truth.

    Every lead counts as a taker with weight ``p`` and as a non-taker with weight
    ``1 - p`` (``p`` its hidden probability of taking a loan after a visit in ``month``):
    the AUC of infinitely many draws, without sampling noise.
    """
    p_true = econ.true_p_uptake(list(leads["lead_id"]), month)
    return _expected_auc(p_true, scorer.score(leads, month, explain=False)["p_uptake"])


def truth_ceiling_auc(econ: propensity.Economy, leads: pd.DataFrame, month: str) -> float:
    """The best :func:`truth_auc` a model can reach: that of the hidden probabilities."""
    p_true = econ.true_p_uptake(list(leads["lead_id"]), month)
    return _expected_auc(p_true, p_true)


def _expected_auc(p_true: np.ndarray, scores: object) -> float:
    s = np.asarray(scores, float)
    n = len(p_true)
    return float(roc_auc_score(np.r_[np.ones(n), np.zeros(n)], np.r_[s, s],
                               sample_weight=np.r_[p_true, 1.0 - p_true]))


class _Businesses:
    """The businesses' side of the simulation, shared by the officers' threads.

    Each business decides once a month, from its hidden probability of taking a loan after
    a visit, whether it would take one; the first visit that meets it that month hears
    the answer ("applied"), later visits find it has applied already ("met"). Follow-ups
    the officers booked are kept here too (due day -> lead -> officer).
    """

    def __init__(self, econ: propensity.Economy, lead_ids: Sequence[str], seed: int) -> None:
        self.econ = econ
        self.lead_ids = [str(x) for x in lead_ids]
        self.seed = seed
        self.lock = threading.Lock()
        self.booked: dict[str, dict[str, str]] = {}
        self._takes: dict[str, set[str]] = {}
        self._met: dict[str, set[str]] = {}
        self._applied: dict[str, set[str]] = {}

    def takes(self, month: str) -> set[str]:
        """The businesses that would take a loan in ``month`` if an officer met them."""
        with self.lock:
            if month not in self._takes:
                rng = np.random.default_rng([self.seed, int(month.replace("-", ""))])
                p = self.econ.true_p_uptake(self.lead_ids, month)
                self._takes[month] = {lid for lid, yes in zip(
                    self.lead_ids, rng.random(len(p)) < p, strict=True) if yes}
            return self._takes[month]

    def meet(self, lead_id: str, month: str) -> tuple[bool, bool]:
        """(first meeting this month, applied already this month) — and note the meeting."""
        with self.lock:
            met = self._met.setdefault(month, set())
            first = lead_id not in met
            met.add(lead_id)
            return first, lead_id in self._applied.setdefault(month, set())

    def applied(self, lead_id: str, month: str) -> None:
        with self.lock:
            self._applied.setdefault(month, set()).add(lead_id)

    def book(self, due_day: str, lead_id: str, officer_id: str) -> None:
        with self.lock:
            self.booked.setdefault(due_day, {})[lead_id] = officer_id

    def due(self, day: str) -> dict[str, str]:
        with self.lock:
            return dict(self.booked.get(day, {}))


@dataclass(frozen=True)
class _Visit:
    lead_id: str
    outcome: Outcome
    amount_yuan: float | None
    outcome_id: str
    first_meeting: bool


def _answer(u: float, takes: bool, applied_already: bool) -> Outcome:
    """What the officer records (``u`` uniform on [0, 1))."""
    if u < P_NOT_THERE:
        return Outcome.NOT_THERE
    if applied_already:
        return Outcome.MET
    if takes:
        return Outcome.APPLIED
    if u < P_INTERESTED_BELOW:
        return Outcome.INTERESTED
    return Outcome.NOT_INTERESTED if u < P_NOT_INTERESTED_BELOW else Outcome.MET


def _officer_day(loop: DailyLoop, session: Session, world: _Businesses, county_id: str,
                 officer_id: str, day: str, follow_up_day: str | None,
                 seed: int) -> list[_Visit]:
    """One officer's day: open the published list, record every stop's outcome."""
    rng = np.random.default_rng(seed)
    stops = loop.store.visit_list(session, county_id, day, lang="en").stops
    ids = [s.lead_id for s in stops]
    if not ids:
        return []
    month = day[:7]
    takes = world.takes(month)
    loan = world.econ.true_loan_yuan(ids, month)
    # what each owner says when asked about loans elsewhere ('' none)
    told = dict(zip(ids, world.econ.newest_loan_elsewhere(ids, [month] * len(ids),
                                                          inclusive=True), strict=True))
    out = []
    for lead_id, loan_yuan in zip(ids, loan, strict=True):
        u = float(rng.random())
        first, applied_already = (False, False) if u < P_NOT_THERE else \
            world.meet(lead_id, month)
        outcome = _answer(u, lead_id in takes, applied_already)
        follow = follow_up_day if outcome is Outcome.INTERESTED else None
        amount = float(round(loan_yuan / 1000) * 1000) if outcome is Outcome.APPLIED else None
        # Officers ask every owner they meet about loans from other lenders.
        met = outcome is not Outcome.NOT_THERE
        rec = loop.record_outcome(session, county_id=county_id, plan_date=day, lead_id=lead_id,
                                  outcome=outcome, follow_up_on=follow, amount_yuan=amount,
                                  other_loan_asked=met,
                                  other_loan_month=(told[lead_id] or None) if met else None)
        out.append(_Visit(lead_id, outcome, amount, rec.outcome_id, first))
        if outcome is Outcome.APPLIED:
            world.applied(lead_id, month)
        if follow is not None:
            world.book(follow, lead_id, officer_id)
    return out


def _empty_store(store: Store) -> None:
    if store.users.usernames():
        raise InputError("the simulation writes a synthetic county and its accounts: give it "
                         "an empty database (this one has accounts)", field="--db")


def run_store_loop(store_url: str, county_dir: Path, days: int, start_date: dt.date | str, *,
                   home: Path, cache_dir: Path, restart_on_day: int | None = None,
                   retrain_every: int | None = 5, params: SolveParams | None = None,
                   rules: RoutingRules | None = None, n_officers: int | None = None,
                   n_businesses: int = 300, seed: int = 11, officer_threads: int = 6,
                   cooling_days: int = 30, bcrypt_rounds: int = 4,
                   progress: Callable[[LoopDay], None] | None = None) -> StoreLoopResult:
    """Run the daily loop for ``days`` working days through the store at ``store_url``.

    Parameters
    ----------
    store_url : str
        SQLAlchemy URL of an empty store (``sqlite:///…`` or ``postgresql…``); it is
        opened here, and opened again on a restart.
    county_dir : Path
        The county folder whose roads, villages, branches and roster are used.
    days : int
        Working days to simulate (weekends are skipped).
    start_date : date or str
        The first day (ISO).
    home, cache_dir : Path
        The loop's data directory (the synthetic county folder is written under
        ``home/simulation``) and road-graph cache.
    restart_on_day : int, optional
        Close the store after this day's outcomes (0-based) and open it again.
    retrain_every : int, optional
        Retrain after every ``retrain_every``-th day (None: never).
    params, rules
        Solver parameters and routing rules of every plan (default: a reproducible search
        of 5 improvement steps, no workload balancing).
    n_officers, n_businesses, seed
        The synthetic county (:func:`synthetic_county`).
    officer_threads : int
        Officers recording at the same time.
    cooling_days : int
        Days a "not interested" lead is left alone.
    bcrypt_rounds : int
        Password hashing cost of the simulated accounts (random passwords).
    progress : callable, optional
        Called with each day's row when the day is done.

    Returns
    -------
    StoreLoopResult

    Raises
    ------
    InputError
        ``days`` below 1 or ``start_date`` not a date, the store has accounts already, or
        a day's plan has checker violations (it cannot be published).
    """
    t_setup = time.perf_counter()
    if days < 1:
        raise InputError(f"days must be at least 1, got {days}", field="days")
    for name, value, ok, rule in (
            ("officers", n_officers, n_officers is None or n_officers >= 1, "at least 1"),
            ("retrain_every", retrain_every, retrain_every is None or retrain_every >= 1,
             "at least 1 (or none)"),
            ("restart_on_day", restart_on_day,
             restart_on_day is None or 0 <= restart_on_day < days, f"a day 0 .. {days - 1}"),
            ("population_seed", seed, seed >= 0, "at least 0")):
        if not ok:
            raise InputError(f"{name} must be {rule}, got {value}", field=name)
    start = dt.date.fromisoformat(check_date(start_date, "start"))
    dates = working_days(start, days)
    params = params or SolveParams(time_limit_s=1.0, seed=0, workers=1, improvement_steps=5)
    rules = rules or RoutingRules(balance=0.0)
    home, cache_dir = Path(home), Path(cache_dir)
    folder = home / "simulation" / f"county-{secrets.token_hex(4)}"
    econ = synthetic_county(Path(county_dir), folder, n_officers=n_officers,
                            n_businesses=n_businesses, seed=seed)
    cid = load_county(folder).county_id

    clock = store_clock(dates[-1])

    def open_loop() -> DailyLoop:
        store = Store.open(store_url, bcrypt_rounds=bcrypt_rounds, clock=clock)
        return DailyLoop(store, home=home, cache_dir=cache_dir, cooling_days=cooling_days,
                         on_stale="warn")

    loop = open_loop()
    try:
        _empty_store(loop.store)
        admin = loop.store.operator_session()
        loop.import_county(admin, folder)
        manager = _account(loop.store, admin, cid, "sim-manager", "manager", None)
        officers = {o.officer_id: _account(loop.store, admin, cid, f"sim-{o.officer_id.lower()}",
                                           "officer", o.officer_id)
                    for o in loop.store.officers(admin, cid)}
        leads = loop.county_data(manager, cid).leads
        eval_month = dates[-1][:7]
        models: dict[int, ModelTruth] = {}
        first = loop.model(manager, cid)
        models[first.record.version] = _truth(econ, first.scorer, first.record, True, leads,
                                              eval_month)
        setup_s = time.perf_counter() - t_setup
        world = _Businesses(econ, list(leads["lead_id"]), seed)
        rows: list[LoopDay] = []
        recorded: list[str] = []
        restart: RestartCheck | None = None
        for i, day in enumerate(dates):
            t0 = time.perf_counter()
            res = loop.plan(manager, cid, day, params=params, rules=rules, whole_day=True)
            t1 = time.perf_counter()
            if not res.day.ok:
                raise InputError(f"the plan of {day} (v{res.version}) has "
                                 f"{len(res.day.violations)} checker violation(s): "
                                 f"{res.day.violations[0].message}", field="plan")
            loop.store.publish(manager, cid, day, res.version)
            t2 = time.perf_counter()
            routes = {r.officer_id: set(r.lead_ids) for r in res.day.plan.routes}
            due = world.due(day)
            on_route = sum(res.follow_ups.get(lid) == oid and lid in routes.get(oid, ())
                           for lid, oid in due.items())
            follow_day = dates[i + FOLLOW_UP_AFTER_DAYS] \
                if i + FOLLOW_UP_AFTER_DAYS < len(dates) else None
            with ThreadPoolExecutor(max_workers=max(1, officer_threads)) as pool:
                futures = [pool.submit(_officer_day, loop, s, world, cid, oid, day, follow_day,
                                       1000 * i + k)
                           for k, (oid, s) in enumerate(sorted(officers.items()))]
                visits = [v for f in futures for v in f.result()]
            t3 = time.perf_counter()
            recorded += [v.outcome_id for v in visits]
            restarted = restart_on_day is not None and i == restart_on_day
            if restarted:  # the server restarts: a new store on the same database
                n_before = len(loop.store.outcomes_frame(manager, cid))
                loop.store.close()
                loop = open_loop()
                restart = RestartCheck(day, n_before, len(loop.store.outcomes_frame(manager,
                                                                                    cid)))
            t4 = time.perf_counter()
            new_version = None
            if retrain_every and i % retrain_every == retrain_every - 1:
                rt = loop.retrain(manager, cid)
                new_version = rt.record.version
                models[new_version] = _truth(econ, rt.scorer, rt.record, rt.promoted, leads,
                                             eval_month)
            t5 = time.perf_counter()
            row = _day_row(econ, day, res, models, visits, due, on_route,
                           sum(v.outcome is Outcome.INTERESTED for v in visits)
                           if follow_day else 0, new_version, restarted,
                           (t1 - t0, t2 - t1, t3 - t2, t5 - t4))
            rows.append(row)
            if progress is not None:
                progress(row)
        return StoreLoopResult(cid, len(officers), len(leads), eval_month,
                               truth_ceiling_auc(econ, leads, eval_month), tuple(rows),
                               tuple(models[v] for v in sorted(models)), tuple(recorded),
                               restart, setup_s)
    finally:
        loop.store.close()


def _account(store: Store, admin: Session, county_id: str, username: str, role: str,
             officer_id: str | None) -> Session:
    """A simulated user with a random password, signed in."""
    password = secrets.token_urlsafe(24)
    store.create_user(username, password, role, officer_id, county_id, session=admin)
    return store.login(username, password)


def _truth(econ: propensity.Economy, scorer: propensity.LeadScorer, record: ModelRecord,
           promoted: bool, leads: pd.DataFrame, month: str) -> ModelTruth:
    held = holdout_mask(leads["lead_id"])
    auc = dict(record.metrics).get("auc")
    return ModelTruth(record.version, promoted, None if auc is None else float(auc),
                      truth_auc(econ, scorer, leads, month),
                      truth_auc(econ, scorer, leads[held], month), int(record.n_train))


def _day_row(econ: propensity.Economy, day: str, res: StorePlan, models: dict[int, ModelTruth],
             visits: Sequence[_Visit], due: dict[str, str], on_route: int, booked: int,
             new_version: int | None, restarted: bool,
             timings_s: tuple[float, float, float, float]) -> LoopDay:
    met = [v.lead_id for v in visits if v.outcome is not Outcome.NOT_THERE]
    first = [v.lead_id for v in visits if v.first_meeting]
    month = day[:7]
    caused_p = econ.visit_caused_p(first, month) if first else np.zeros(0)
    caused_v = econ.visit_caused_value_yuan(first, month) if first else np.zeros(0)
    version = res.model.record.version
    plan = res.day.plan
    return LoopDay(
        plan_date=day, plan_version=res.version, plan_status=plan.status.value,
        violations=len(res.day.violations), model_version=version,
        model_auc_truth=models[version].auc_truth if version in models else float("nan"),
        visits=sum(len(r.stops) for r in plan.routes), outcomes_recorded=len(visits),
        met=len(met), loans=sum(v.outcome is Outcome.APPLIED for v in visits),
        loan_yuan=float(sum(v.amount_yuan or 0.0 for v in visits)),
        caused_loans=float(caused_p.sum()), caused_value_yuan=float(caused_v.sum()),
        follow_ups_due=len(due), follow_ups_on_route=on_route, follow_ups_booked=booked,
        retrained_version=new_version, restarted=restarted, plan_s=timings_s[0],
        publish_s=timings_s[1], outcomes_s=timings_s[2], retrain_s=timings_s[3])
