"""Stops officers already visited on a published day: one path that keeps them in place.

A manager may plan a day again after it was published, e.g. at noon when an officer is
ill. The stops officers already visited that morning (those with a recorded outcome) must
not move: :func:`visited_stops` reads each officer's *fixed prefix* of the published plan
(:func:`~countyreach.services.republish.fixed_prefixes`). Planned again at a given time
(``--now``, the page's "from now"), every stop planned to start before it is presumed made
by its officer too, recorded or not (:attr:`VisitedStops.fixed`): officers who write their
outcomes up in the evening keep their morning, and go on from where it left them.
:meth:`VisitedStops.solve`
plans the rest of the day around it
(:func:`~countyreach.services.republish.solve_around`). :func:`plan_store_day` builds the
day's problem by the store's rules around those stops and solves it; the CLI
(:meth:`countyreach.services.loop.DailyLoop.plan`), the manager page's "plan" button and
its re-optimise (:func:`countyreach.services.planning.replan`) all go through it, so they
keep the same stops fixed.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

import propensity
from countyreach.candidates import offer_day
from countyreach.dates import CHINA_TZ
from countyreach.errors import DataWarning, InputError
from countyreach.pipeline import (
    CountyData,
    DayPlan,
    ProgressFn,
    build_problem,
    plan_day,
    score_leads,
    solve_day,
)
from countyreach.services.republish import (
    PlanChanges,
    fixed_prefixes,
    from_now,
    plan_changes,
    solve_around,
)
from countyreach.store.checks import check_date
from countyreach.store.plans import without_stops
from routing.params import SolveParams
from routing.plan import Plan, Stop
from routing.problem import RoutingProblem, RoutingRules, hhmm

if TYPE_CHECKING:
    from countyreach.services.day_rules import DayRules
    from countyreach.store import Session, Store

__all__ = ["VisitedStops", "visited_stops", "published_as_sent", "plan_store_day",
           "plan_manager_day", "day_start", "START_STEP_S", "passed_appointments"]

#: A day planned from now starts at the next multiple of this: the manager needs a moment
#: to publish, and the officers to set off.
START_STEP_S = 300


def day_start(plan_date: str, now: dt.datetime, given_s: int | None = None) -> int | None:
    """When the day being planned starts: the one rule of the CLI and the manager page.

    Officers cannot go back in time: today is planned from the time it is in the county,
    rounded up to :data:`START_STEP_S` (shifts that start later keep their start). Another
    day is planned whole.

    Parameters
    ----------
    plan_date : str
        The day planned, ``YYYY-MM-DD``.
    now : datetime
        The moment (timezone-aware: the store's or the app's clock).
    given_s : int, optional
        The time the user gave (``--now HH:MM``, seconds since midnight): it wins.

    Returns
    -------
    int or None
        Seconds since midnight of ``plan_date``; ``None`` for a day other than today with
        no time given.
    """
    if given_s is not None:
        return given_s
    local = now.astimezone(CHINA_TZ)
    if local.date().isoformat() != plan_date:
        return None
    s = local.hour * 3600 + local.minute * 60 + local.second
    return -(-s // START_STEP_S) * START_STEP_S


def passed_appointments(problem: RoutingProblem, now_s: int) -> RoutingProblem:
    """A new day planned from ``now_s`` (officers already moved to it): refused when every
    shift is over, and an appointment that can no longer be kept offered to everyone, with
    a warning (the officer's shift is over, or the business's windows closed before now).

    Parameters
    ----------
    problem : RoutingProblem
        The day, each officer's shift starting at ``now_s`` or later
        (:func:`~countyreach.services.republish.from_now`).
    now_s : int
        Seconds since midnight the day is planned from.

    Returns
    -------
    RoutingProblem

    Raises
    ------
    InputError
        When no officer has time left: nothing can be planned, and an empty plan whose
        appointments all count as broken would only mislead.
    """
    left = {o.officer_id: o for o in problem.officers if o.shift.end_s - now_s > 0}
    if not left:
        ended = hhmm(max(o.shift.end_s for o in problem.officers))
        raise InputError(f"today's shifts ended by {ended} and it is {hhmm(now_s)}: nothing "
                         "is left to plan today; plan another day (--date) or from an "
                         "earlier time (--now HH:MM)", field="now")
    leads = []
    for ld in problem.leads:
        pin = ld.pinned_officer_id
        if pin is not None and ld.lead_id not in problem.done_lead_ids:
            if pin not in left:
                warnings.warn(f"appointment {ld.lead_id} with {pin} can no longer be kept: "
                              f"their shift is over at {hhmm(now_s)}; offering it to everyone",
                              DataWarning, stacklevel=2)
                ld = replace(ld, pinned_officer_id=None, pinned_position=None)
            elif ld.windows and all(w.end_s < now_s for w in ld.windows):
                warnings.warn(f"appointment {ld.lead_id} with {pin} can no longer be kept: the "
                              f"business's hours today ended before {hhmm(now_s)}",
                              DataWarning, stacklevel=2)
                ld = replace(ld, pinned_officer_id=None, pinned_position=None)
        leads.append(ld)
    return replace(problem, leads=tuple(leads))


@dataclass(frozen=True)
class VisitedStops:
    """The published plan of a day and, per officer, the stops that stay as published.

    Attributes
    ----------
    published : Plan or None
        The day's published plan (``None``: the day was never published).
    version : int or None
        Its version in the store.
    recorded : mapping officer_id -> tuple of Stop
        Each officer's stops up to the last one with a recorded outcome (skipped stops in
        between included), in the published order; officers with none are absent.
    visited : frozenset of str
        The leads with a recorded outcome that day (the recorded prefix's stops without
        one were passed over on the way to a later visit).
    now_s : int, optional
        When the day is planned (again), seconds since midnight (:func:`day_start`): nothing
        left of anyone's day starts earlier (:func:`~countyreach.services.republish.
        solve_around`), and every published stop planned to start before it is presumed
        made (:attr:`presumed`); a day not published yet is planned from it (the plan's
        meta says ``planned_from`` when a shift had begun).
    """

    published: Plan | None = None
    version: int | None = None
    recorded: Mapping[str, tuple[Stop, ...]] = field(default_factory=dict)
    visited: frozenset[str] = frozenset()
    now_s: int | None = None

    @property
    def fixed(self) -> dict[str, tuple[Stop, ...]]:
        """Per officer, the published stops that stay theirs, in place: the recorded
        prefix, or the longer prefix of stops planned to start before :attr:`now_s`.

        The one rule of the CLI's ``--now`` and the manager page's "from now": many officers
        write their outcomes up at the end of the day, so a stop whose time has come is
        presumed made (or under way) by its officer rather than handed to someone else.
        """
        out = dict(self.recorded)
        if self.published is None or self.now_s is None:
            return out
        for r in self.published.routes:
            begun = tuple(s for s in r.stops if s.start_s < self.now_s)
            if len(begun) > len(out.get(r.officer_id, ())):
                out[r.officer_id] = begun
        return out

    @property
    def presumed(self) -> dict[str, tuple[str, ...]]:
        """Per officer, the fixed stops presumed made: planned to start before
        :attr:`now_s`, after the officer's last recorded visit (officers with none absent).
        Outcomes recorded for them later are accepted as for any published stop."""
        out = {}
        for oid, stops in self.fixed.items():
            after = tuple(s.lead_id for s in stops[len(self.recorded.get(oid, ())):])
            if after:
                out[oid] = after
        return out

    @property
    def count(self) -> int:
        """How many stops stay fixed."""
        return sum(len(stops) for stops in self.fixed.values())

    @property
    def pins(self) -> dict[str, str]:
        """Every fixed stop's lead pinned to its officer (lead_id -> officer_id)."""
        return {s.lead_id: oid for oid, stops in self.fixed.items() for s in stops}

    def officers(self, on_duty: Iterable[str]) -> list[str]:
        """``on_duty`` and every officer with a fixed stop: whoever visited this morning
        is in today's plan, whether or not the manager ticked them (see
        :meth:`finish_off_duty`)."""
        return sorted(set(on_duty) | set(self.fixed))

    def finish_off_duty(self, problem: RoutingProblem, on_duty: Iterable[str]
                        ) -> RoutingProblem:
        """``problem`` with the day of each officer not ``on_duty`` ending after their
        fixed stops: an officer the manager unticks at noon (taken ill) keeps the visits made
        and drives home, and their other leads go to the officers on duty."""
        off = set(self.kept_off_duty(on_duty))
        if not off:
            return problem
        fixed = set(self.pins)
        # their appointments still to come go to whoever can keep them, as for any officer
        # not on duty
        leads = tuple(replace(ld, pinned_officer_id=None)
                      if ld.pinned_officer_id in off and ld.lead_id not in fixed else ld
                      for ld in problem.leads)
        return replace(problem, leads=leads, officers=tuple(
            replace(o, max_visits=len(self.fixed[o.officer_id])) if o.officer_id in off else o
            for o in problem.officers))

    def kept_off_duty(self, on_duty: Iterable[str]) -> list[str]:
        """Officers not in ``on_duty`` who are kept on duty for their fixed stops."""
        return sorted(set(self.fixed) - set(on_duty))

    def solve(self, data: CountyData, problem: RoutingProblem, scores: pd.DataFrame,
              params: SolveParams, timings: Mapping[str, float] | None = None, *,
              started: float | None = None,
              held_back: Mapping[str, float] | None = None) -> DayPlan:
        """Solve ``problem`` keeping the fixed stops, and check the plan.

        Parameters
        ----------
        data : CountyData
        problem : RoutingProblem
            The whole day: every fixed stop's lead among its leads, pinned to its officer.
        scores : pandas.DataFrame
            The scores the problem's values came from.
        params : SolveParams
        timings : mapping, optional
            Stage timings so far (``solve_s`` and ``total_s`` are added).
        started : float, optional
            ``time.perf_counter()`` when the whole job started.
        held_back : mapping lead_id -> value, optional
            Leads not offered to the solver (:func:`countyreach.candidates.offer_day`),
            listed among the leads left out.

        Returns
        -------
        DayPlan
            Without fixed stops, :func:`countyreach.pipeline.solve_day`'s; with them, the
            published prefixes then the re-planned rest, verified by the independent checker
            over the whole day, whose problem names the fixed stops as
            :attr:`routing.RoutingProblem.visited_routes`.
        """
        if self.published is None and self.now_s is not None:
            # a new day planned from a time: nobody's day starts before it
            now_s = self.now_s
            begun = any(o.shift.start_s < now_s for o in problem.officers)
            problem = passed_appointments(replace(
                problem, officers=tuple(from_now(o, now_s) for o in problem.officers)), now_s)
            day = solve_day(data, problem, scores, timings, started=started, params=params,
                            held_back=held_back)
            if not begun:  # every shift starts later: the day is planned whole
                return day
            return replace(day, plan=replace(day.plan, meta={
                **day.plan.meta, "planned_from": hhmm(now_s)}))
        if self.published is None or not (self.fixed or self.now_s is not None):
            return solve_day(data, problem, scores, timings, started=started, params=params,
                             held_back=held_back)
        # The visits made are history: the checker judges them as they were made, not
        # against data corrected since (and the saved problem says which they were).
        problem = replace(problem, visited_routes={
            oid: tuple(s.lead_id for s in stops) for oid, stops in self.fixed.items()})

        published = self.published

        def around(problem: RoutingProblem, params: SolveParams) -> Plan:
            plan = solve_around(problem, published, self.fixed, params, self.now_s)
            if self.now_s is None:
                return plan
            return replace(plan, meta={
                **plan.meta, "replanned_at": hhmm(self.now_s),
                # what the manager is told: whose stops stayed theirs without an outcome
                "presumed_made": {oid: list(ids) for oid, ids in self.presumed.items()}})

        return solve_day(data, problem, scores, timings, started=started, params=params,
                         held_back=held_back, solver=around)

    def changes(self, new: Plan) -> PlanChanges:
        """What ``new`` changes for officers against the published plan."""
        return plan_changes(self.published, new, self.fixed, self.visited,
                            presumed=self.presumed, now_s=self.now_s)


def visited_stops(store: Store, session: Session, county_id: str,
                  date: str | dt.date, now_s: int | None = None) -> VisitedStops:
    """The day's published plan and the stops its officers already visited.

    Parameters
    ----------
    store : Store
    session : Session
        A manager or admin of the county.
    county_id : str
    date : str or datetime.date
    now_s : int, optional
        The time of day the day is planned (seconds since midnight, :func:`day_start`):
        what is left of each officer's day starts no earlier, and the stops of a published
        day planned to start before it stay their officer's, presumed made
        (:attr:`VisitedStops.fixed`). Without it, after the last visit recorded (from the
        start of the shift for an officer with none).

    Returns
    -------
    VisitedStops
        Empty when the day has no published plan; visited = a recorded outcome that day.
    """
    day = check_date(date, "date")
    if not any(v.status == "published" for v in store.plan_versions(session, county_id, day)):
        return VisitedStops(now_s=now_s)
    visited = {r.lead_id for r in store.visit_outcomes(session, county_id, day)}
    # A stop withdrawn since (the business asked not to be visited) is not history even
    # when the officer went on past it: kept in a fixed prefix, every re-plan would carry
    # it and the store would refuse to publish any of them.
    _, published, version = published_as_sent(store, session, county_id, day, visited)
    return VisitedStops(published, version, fixed_prefixes(published, visited),
                        frozenset(visited), now_s)


def published_as_sent(store: Store, session: Session, county_id: str, date: str | dt.date,
                      visited: Iterable[str] | None = None) -> tuple[RoutingProblem, Plan, int]:
    """The day's published plan as the officers have it now: without the stops withdrawn
    since it was published (a business put on the do-not-visit list, not visited that day).

    The other stops keep their published times, as on the officers' lists
    (:meth:`countyreach.store.Store.visit_list`), until the day is planned again.

    Parameters
    ----------
    store : Store
    session : Session
        Any role that may read the published plan (an officer gets their own route).
    county_id : str
    date : str or datetime.date
    visited : iterable of str, optional
        The leads with an outcome that day, when the caller has read them already.

    Returns
    -------
    tuple
        ``(problem, plan, version)`` as :meth:`countyreach.store.Store.published_plan`.

    Raises
    ------
    InputError
        The day has no published plan.
    """
    day = check_date(date, "date")
    problem, plan, version = store.published_plan(session, county_id, day)
    if visited is None:
        visited = {r.lead_id for r in store.visit_outcomes(session, county_id, day)}
    withdrawn = store.do_not_visit_ids(session, county_id) - set(visited)
    return problem, without_stops(plan, frozenset(withdrawn)), version


def plan_store_day(data: CountyData, scores: pd.DataFrame, visits: VisitedStops, *,
                   plan_date: str, rules: RoutingRules, params: SolveParams,
                   officer_ids: Iterable[str] | None = None,
                   pins: Mapping[str, str] | None = None,
                   left_out: Iterable[str] = ()) -> DayPlan:
    """Plan a day keeping the visited stops in place: the CLI's and the app's one path.

    Every lead not ``left_out`` is offered (as the CLI always did); the visited stops are
    pinned to their officer and offered even if a rule would now leave them out (e.g. the
    "not interested" recorded this morning starts its cooling today).

    Parameters
    ----------
    data : CountyData
    scores : pandas.DataFrame
        From :func:`countyreach.pipeline.score_leads` (with the store's loan book).
    visits : VisitedStops
        :func:`visited_stops` (empty for a day not published yet).
    plan_date : str
    rules : RoutingRules
    params : SolveParams
    officer_ids : iterable of str, optional
        Officers on duty (default the roster); officers with fixed stops are added.
    pins : mapping lead_id -> officer_id, optional
        Follow-ups and a manager's pins; a fixed stop's own pin wins over them.
    left_out : iterable of str
        Leads not offered (:meth:`DayRules.exclude`), unless pinned.

    Returns
    -------
    DayPlan
    """
    pins = {**dict(pins or {}), **visits.pins}
    officers = None if officer_ids is None else visits.officers(officer_ids)
    exclude = set(left_out) - set(pins)
    # Travel times for the day's candidates only, as a fresh day's plan: a county of 20,000
    # leads would otherwise need a matrix of 3 GB per copy.
    chosen = offer_day(data.leads, scores, [o for o in data.officers
                                            if officers is None or o.officer_id in officers]
                       or data.officers, pins=pins, exclude=exclude)
    # a pin to an officer not working falls back to everyone, with a warning the plan keeps
    problem = build_problem(data, scores, plan_date=plan_date, rules=rules,
                            officer_ids=officers, pins=pins,
                            exclude=exclude | set(chosen.held_back))
    if officer_ids is not None:
        problem = visits.finish_off_duty(problem, officer_ids)
    return visits.solve(data, problem, scores, params, held_back=chosen.held_back)


def plan_manager_day(data: CountyData, visits: VisitedStops, rules_of_day: DayRules | None,
                     *, plan_date: str, on_duty: Iterable[str],
                     manual_pins: Mapping[str, str], scorer: propensity.LeadScorer,
                     model_meta: Mapping[str, Any], rules: RoutingRules, params: SolveParams,
                     do_not_visit: Iterable[str] = (), cache_dir: str | Path | None = None,
                     progress: ProgressFn | None = None) -> DayPlan:
    """The manager page's "plan the day": the store's rules, the pins, the visited stops.

    A day not published yet (or not visited yet) is planned by
    :func:`countyreach.pipeline.plan_day`; a published day with visited stops by
    :func:`plan_store_day`, as the CLI plans it. The plan's meta says what the store's rules
    did (``follow_ups``, ``left_out_by_rule`` and each lead left out with its rule,
    ``left_out_leads``), how many stops stayed fixed (``fixed_stops``) and, planned again
    from a time, whose were presumed made without an outcome (``presumed_made``).

    Parameters
    ----------
    data : CountyData
        The county as the page loaded it.
    visits : VisitedStops
    rules_of_day : DayRules or None
        The store's rules (:func:`countyreach.services.day_rules.store_day_rules`);
        ``None`` for a county the store does not hold (the folder and ``do_not_visit``).
    plan_date : str
    on_duty : iterable of str
        The officers the manager ticked (follow-ups' and visited stops' officers added).
    manual_pins : mapping lead_id -> officer_id
        The manager's pins (:meth:`DayRules.with_manual_pins` combines them).
    scorer : propensity.LeadScorer
    model_meta : mapping
        What the plan's meta says of ``scorer``.
    rules : RoutingRules
    params : SolveParams
    do_not_visit : iterable of str
        Only without ``rules_of_day``: the store's do-not-visit list.
    cache_dir, progress : optional
        As :func:`countyreach.pipeline.plan_day`.

    Returns
    -------
    DayPlan
    """
    if rules_of_day is None:
        dnv, book, barred = frozenset(do_not_visit), None, set(do_not_visit)
        # as with the store's rules, a pin never brings back a lead not to visit
        pins = {k: v for k, v in manual_pins.items() if k not in dnv}
        officers = sorted(on_duty)
    else:
        pins = rules_of_day.with_manual_pins(manual_pins)
        officers = rules_of_day.officers(on_duty, pins)
        dnv, book, barred = rules_of_day.do_not_visit, rules_of_day.loan_book, \
            rules_of_day.exclude()
    if not visits.fixed and visits.now_s is None:
        planned = plan_day(data, plan_date=plan_date, rules=rules, params=params,
                           officer_ids=visits.officers(officers), pins=pins, do_not_visit=dnv,
                           exclude=barred - set(pins), loan_book=book, cache_dir=cache_dir,
                           progress=progress, scorer=scorer, model_meta=model_meta)
        meta: dict[str, Any] = dict(planned.plan.meta)
    else:
        report = progress or (lambda stage, fraction: None)
        report("score leads", 0.4)
        scores = score_leads(data, scorer, plan_date[:7], do_not_visit=dnv, loan_book=book)
        report("optimise routes", 0.65)
        planned = plan_store_day(data, scores, visits, plan_date=plan_date, rules=rules,
                                 params=params, officer_ids=officers, pins=pins,
                                 left_out=barred)
        meta = {**planned.plan.meta, "value_basis": propensity.value_basis_of(scorer).text(),
                **model_meta}
        report("done", 1.0)
    if visits.published is not None:
        meta["fixed_stops"] = visits.count
    if rules_of_day is not None:
        held = {**pins, **visits.pins}
        meta.update(follow_ups=len(rules_of_day.follow_ups),
                    left_out_by_rule=rules_of_day.left_out(held),
                    left_out_leads=rules_of_day.left_out_leads(held))
    return replace(planned, plan=replace(planned.plan, meta=meta))
