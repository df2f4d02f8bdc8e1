"""Planning and re-planning the day: KPIs, tables, pins and locks, publishing to the store.

The manager page shows these values; they are built from the library's
:class:`~routing.plan.Plan`, :class:`~routing.problem.RoutingProblem` and
:class:`~countyreach.pipeline.DayPlan`, so they can be tested on hand-built plans.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from countyreach.i18n import drop_reason_label, industry_label, t
from countyreach.plan_files import left_out
from countyreach.services.day_rules import rule_counts_text
from countyreach.services.leads import value_label
from countyreach.store.compaction import TRIMMED_META
from routing.params import SolveParams
from routing.plan import Plan
from routing.problem import RoutingProblem, RoutingRules, hhmm

if TYPE_CHECKING:
    from countyreach.pipeline import DayPlan
    from countyreach.services.visited import VisitedStops

__all__ = [
    "OfficerKpi",
    "plan_kpis",
    "kpi_frame",
    "route_table",
    "dropped_table",
    "table_labels",
    "assign_pin",
    "unpin",
    "lock_route",
    "unlock_route",
    "LOCK_PREFIX",
    "locked_routes",
    "appointments",
    "OfficerDiff",
    "plan_diff",
    "replan",
    "MODEL_META",
    "STORE_RULES_META",
    "store_rules_text",
    "planned_in_s",
    "plan_summary",
]

#: The plan's meta that says which model valued its leads (kept by a re-plan).
MODEL_META = ("value_basis", "model", "model_version", "model_stale", "model_note")
#: The plan's meta that says what the store's rules did to the day (kept by a re-plan).
STORE_RULES_META = ("follow_ups", "left_out_by_rule", "left_out_leads")


@dataclass(frozen=True, slots=True)
class OfficerKpi:
    """Key figures of one route (or of the whole plan when ``officer_id`` is ``None``)."""

    officer_id: str | None
    name: str
    visits: int
    drive_s: int
    distance_m: int
    expected_loans: float
    expected_loan_yuan: float
    value_yuan: float
    start_s: int | None = None
    end_s: int | None = None

    @property
    def drive_h(self) -> float:
        """Driving hours."""
        return self.drive_s / 3600


def _score_lookup(scores: pd.DataFrame | None, column: str) -> dict[str, float]:
    if scores is None or column not in scores.columns:
        return {}
    col = pd.to_numeric(scores[column], errors="coerce").fillna(0.0)
    return dict(zip(scores["lead_id"].astype(str), col.astype(float), strict=True))


def plan_kpis(problem: RoutingProblem, plan: Plan,
              scores: pd.DataFrame | None = None) -> tuple[list[OfficerKpi], OfficerKpi]:
    """Visits, driving, expected loans and value per officer and in total.

    Expected loans are the sum of the visited leads' loan probabilities
    (``p_uptake``), expected lending the sum of ``p_uptake * loan_yuan``; both
    are zero when no scores are given.

    Parameters
    ----------
    problem : RoutingProblem
    plan : Plan
    scores : pandas.DataFrame, optional
        From :func:`countyreach.pipeline.score_leads`.

    Returns
    -------
    (list of OfficerKpi, OfficerKpi)
        One entry per officer of the problem (in roster order, officers without
        a route get zeros) and the total.
    """
    p_up = _score_lookup(scores, "p_uptake")
    loan = _score_lookup(scores, "loan_yuan")
    by_officer = {r.officer_id: r for r in plan.routes}
    rows: list[OfficerKpi] = []
    for o in problem.officers:
        r = by_officer.get(o.officer_id)
        if r is None:
            rows.append(OfficerKpi(o.officer_id, o.name, 0, 0, 0, 0.0, 0.0, 0.0))
            continue
        ids = r.lead_ids
        rows.append(OfficerKpi(
            o.officer_id, o.name, len(ids), r.drive_s, r.distance_m,
            float(sum(p_up.get(i, 0.0) for i in ids)),
            float(sum(p_up.get(i, 0.0) * loan.get(i, 0.0) for i in ids)),
            float(r.value_yuan),
            r.start_s if ids else None, r.end_s if ids else None))
    total = OfficerKpi(
        None, "", sum(k.visits for k in rows), sum(k.drive_s for k in rows),
        sum(k.distance_m for k in rows), sum(k.expected_loans for k in rows),
        sum(k.expected_loan_yuan for k in rows), sum(k.value_yuan for k in rows))
    return rows, total


def kpi_frame(rows: Sequence[OfficerKpi], total: OfficerKpi, lang: str, *,
              basis: str | None = None) -> pd.DataFrame:
    """The KPI table shown under the map: one row per officer and a total row.

    Parameters
    ----------
    rows, total
        :func:`plan_kpis`.
    lang : str
    basis : str, optional
        The plan's value basis (:func:`countyreach.services.leads.basis_kind` of its
        scores): the value column is headed visit-caused value or expected value if visited.
    """
    recs = []
    for k in [*rows, total]:
        label = t("total", lang) if k.officer_id is None else f"{k.officer_id} {k.name}"
        recs.append({
            t("officer", lang): label,
            t("kpi_visits", lang): k.visits,
            t("start", lang): "" if k.start_s is None else hhmm(k.start_s),
            t("end", lang): "" if k.end_s is None else hhmm(k.end_s),
            t("kpi_drive_h", lang): round(k.drive_h, 2),
            t("kpi_distance_km", lang): round(k.distance_m / 1000, 1),
            t("kpi_loans", lang): round(k.expected_loans, 2),
            t("kpi_loan_yuan", lang): round(k.expected_loan_yuan),
            value_label(basis, lang, yuan=True): round(k.value_yuan),
        })
    return pd.DataFrame(recs)


def route_table(problem: RoutingProblem, plan: Plan, lang: str) -> pd.DataFrame:
    """Every stop of every route in order, with times, for the manager's table.

    Returns
    -------
    pandas.DataFrame
        Columns ``officer_id, seq, lead_id, name, village, industry, arrive,
        start, leave, drive_min, value_yuan`` (header text stays in English
        identifiers; the app relabels).
    """
    leads = problem.lead_by_id
    recs = []
    for r in plan.routes:
        for seq, s in enumerate(r.stops, start=1):
            ld = leads.get(s.lead_id)
            recs.append({
                "officer_id": r.officer_id, "seq": seq, "lead_id": s.lead_id,
                "name": ld.name if ld else "", "village": ld.village if ld else "",
                "industry": industry_label(ld.industry, lang) if ld else "",
                "arrive": hhmm(s.arrival_s), "start": hhmm(s.start_s),
                "leave": hhmm(s.departure_s), "drive_min": round(s.drive_s / 60, 1),
                "value_yuan": round(ld.value_yuan) if ld else 0,
            })
    cols = ["officer_id", "seq", "lead_id", "name", "village", "industry", "arrive", "start",
            "leave", "drive_min", "value_yuan"]
    return pd.DataFrame(recs, columns=cols)


def table_labels(lang: str, basis: str | None = None) -> dict[str, str]:
    """Display headers of :func:`route_table` and :func:`dropped_table` columns in ``lang``.

    ``basis`` names the value column by the plan's value basis (see :func:`kpi_frame`).
    """
    return {
        "officer_id": t("officer", lang), "seq": t("col_seq", lang),
        "lead_id": t("col_lead_id", lang), "name": t("name", lang),
        "village": t("village", lang), "industry": t("industry", lang),
        "arrive": t("arrive", lang), "start": t("start", lang), "leave": t("leave", lang),
        "drive_min": t("col_drive_min", lang), "value_yuan": value_label(basis, lang),
        "reason": t("reason", lang), "needed_value_yuan": t("needed_value", lang),
        "detail": t("col_detail", lang),
    }


def dropped_table(problem: RoutingProblem, plan: Plan, lang: str, *,
                  scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Leads left out, most valuable first, with the reason in ``lang``.

    Parameters
    ----------
    problem : RoutingProblem
    plan : Plan
        Its dropped leads, and the leads the store's rules left out before planning
        (``plan.meta["left_out_leads"]``: lead_id -> rule), each with its rule.
    lang : str
    scores : pandas.DataFrame, optional
        The day's scores: name, village and value of the leads the rules left out (which
        the problem does not hold).
    """
    recs = []
    for x in left_out(problem, plan, scores):
        d = x.dropped
        recs.append({
            "lead_id": x.lead_id, "name": x.name, "village": x.village,
            "value_yuan": 0 if x.value_yuan is None else round(x.value_yuan),
            "reason": t("left_out_by_store", lang, rule=t(f"rule_{x.rule}", lang))
            if d is None else drop_reason_label(d.reason.value, lang),
            "needed_value_yuan": None if d is None or d.needed_value_yuan is None
            else round(d.needed_value_yuan),
            "detail": "" if d is None else d.detail,
        })
    out = pd.DataFrame(recs, columns=["lead_id", "name", "village", "value_yuan", "reason",
                                      "needed_value_yuan", "detail"])
    return out.sort_values("value_yuan", ascending=False, kind="stable").reset_index(drop=True)



#: Key prefix of a locked route among the pins. The app keeps its pins as one ``str -> str``
#: mapping in the session; a lock travels in it as ``"@lock:<officer_id>"`` -> the JSON list
#: of the route's lead ids (in order), the same ``@`` convention as the matrix's depot nodes.
LOCK_PREFIX = "@lock:"


def appointments(pins: Mapping[str, str]) -> dict[str, str]:
    """The appointments among ``pins`` (lead_id -> officer_id), without the locks."""
    return {k: v for k, v in pins.items() if not k.startswith(LOCK_PREFIX)}


def locked_routes(pins: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The locked routes among ``pins``: officer_id -> lead ids in order."""
    return {k[len(LOCK_PREFIX):]: tuple(json.loads(v)) for k, v in pins.items()
            if k.startswith(LOCK_PREFIX)}


def assign_pin(pins: Mapping[str, str], lead_id: str, officer_id: str) -> dict[str, str]:
    """Pins with ``lead_id`` assigned to ``officer_id`` (replacing an earlier pin).

    The later decision wins: a lead that sat in another officer's locked route leaves that
    lock (the rest of the locked order stays), and ``officer_id``'s own lock, which keeps
    exactly its stops, is released when it does not hold the lead (the route must change
    to take the visit).
    """
    out = dict(pins)
    for oid, order in locked_routes(pins).items():
        if lead_id in order and oid != officer_id:
            out[LOCK_PREFIX + oid] = json.dumps([x for x in order if x != lead_id])
        elif oid == officer_id and lead_id not in order:
            del out[LOCK_PREFIX + oid]
    out[lead_id] = officer_id
    return out


def unpin(pins: Mapping[str, str], lead_id: str | None = None) -> dict[str, str]:
    """Pins without ``lead_id`` (without any pin or lock when ``lead_id`` is ``None``)."""
    if lead_id is None:
        return {}
    return {k: v for k, v in pins.items() if k != lead_id}


def lock_route(pins: Mapping[str, str], plan: Plan, officer_id: str) -> dict[str, str]:
    """Lock ``officer_id``'s route as it is in ``plan``: same stops, same order.

    Re-optimising keeps a locked route exactly (re-timed only); when it no longer fits the
    day the new plan says why (:attr:`routing.Plan.message`) instead of changing it.
    The lock is the later decision: it cancels the appointments of the route's leads with
    other officers, and ``officer_id``'s appointments of leads the route does not hold
    (which the locked route could never keep).
    """
    out = dict(pins)
    for r in plan.routes:
        if r.officer_id == officer_id:
            for lid, oid in appointments(pins).items():
                if (lid in r.lead_ids) != (oid == officer_id):
                    del out[lid]
            out[LOCK_PREFIX + officer_id] = json.dumps(list(r.lead_ids))
    return out


def unlock_route(pins: Mapping[str, str], officer_id: str) -> dict[str, str]:
    """Pins without ``officer_id``'s lock."""
    return {k: v for k, v in pins.items() if k != LOCK_PREFIX + officer_id}


@dataclass(frozen=True, slots=True)
class OfficerDiff:
    """What a re-plan changed on one officer's route.

    ``added``: visits the officer did not have; ``removed``: visits the officer no longer
    makes (dropped or given to someone else); ``moved``: visits the officer keeps but out of
    their former order (not on the longest run of kept visits still in the same order, so a
    stop inserted at the front moves nothing). Each in the order of the route it comes from.
    """

    officer_id: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("added", "removed", "moved"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def changed(self) -> bool:
        """Whether anything on this officer's route changed."""
        return bool(self.added or self.removed or self.moved)


def _in_order(before: Sequence[str], after: Sequence[str]) -> set[str]:
    """The longest common subsequence of two orders of the same visits (as a set)."""
    n, m = len(before), len(after)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (table[i + 1][j + 1] + 1 if before[i] == after[j]
                           else max(table[i + 1][j], table[i][j + 1]))
    out: set[str] = set()
    i = j = 0
    while i < n and j < m:
        if before[i] == after[j]:
            out.add(before[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def plan_diff(before: Plan, after: Plan) -> tuple[OfficerDiff, ...]:
    """Per officer, what ``after`` adds, removes and reorders against ``before``.

    Parameters
    ----------
    before, after : Plan
        The published (or current) plan and the re-planned one.

    Returns
    -------
    tuple of OfficerDiff
        One per officer of either plan (``after``'s route order, then officers only
        ``before`` has), unchanged officers included (``changed`` is False).
    """
    old = {r.officer_id: r.lead_ids for r in before.routes}
    new = {r.officer_id: r.lead_ids for r in after.routes}
    out: list[OfficerDiff] = []
    for oid in [*new, *(o for o in old if o not in new)]:
        a, b = old.get(oid, ()), new.get(oid, ())
        kept_a = [x for x in a if x in set(b)]
        kept_b = [x for x in b if x in set(a)]
        same = _in_order(kept_a, kept_b)
        out.append(OfficerDiff(oid, tuple(x for x in b if x not in set(a)),
                               tuple(x for x in a if x not in set(b)),
                               tuple(x for x in kept_b if x not in same)))
    return tuple(out)


def replan(day: DayPlan, *, pins: Mapping[str, str], rules: RoutingRules | None = None,
           params: SolveParams | None = None, officer_ids: Sequence[str] | None = None,
           visited: VisitedStops | None = None) -> DayPlan:
    """Re-optimise a planned day with the manager's pins, reusing its travel matrix.

    Scores, the do-not-visit exclusions and the matrix come from ``day``, so
    only the solver and the checker run (a new matrix is built only when
    ``officer_ids`` adds officers the day did not have).

    Parameters
    ----------
    day : DayPlan
        The current plan.
    pins : mapping lead_id -> officer_id
        Appointments, and locked routes as :func:`lock_route` records them. The day's
        plan is the reference: every change against it costs
        ``rules.change_cost_yuan``; when the pins add appointments, the officers they do not
        concern keep their routes exactly.
    rules : RoutingRules, optional
        Default: the day's rules.
    params : SolveParams, optional
        Default: the day's solver parameters.
    officer_ids : sequence of str, optional
        Default: the day's officers.
    visited : VisitedStops, optional
        The published day's visited stops (:func:`countyreach.services.visited.
        visited_stops`): they stay fixed in place on their officer, who stays on duty;
        locks and the reference plan apply to the rest of each route.

    Returns
    -------
    DayPlan
    """
    from countyreach.pipeline import build_problem
    from countyreach.services.visited import VisitedStops

    t0 = time.perf_counter()
    visited = visited or VisitedStops()
    fixed = visited.pins
    offered = {ld.lead_id for ld in day.problem.leads} | set(fixed)
    excluded = set(day.county.leads["lead_id"].astype(str)) - offered
    ids = visited.officers(officer_ids if officer_ids is not None else [
        o.officer_id for o in day.problem.officers])
    problem = build_problem(
        day.county, day.scores, plan_date=day.problem.plan_date,
        rules=rules or day.problem.rules, officer_ids=ids,
        pins={**appointments(pins), **fixed}, exclude=excluded,
        # a past day's stored matrix keeps only its routes' legs: built again for a re-plan
        matrix=None if day.plan.meta.get(TRIMMED_META) else day.problem.matrix)
    known = {ld.lead_id for ld in problem.leads}
    working = {o.officer_id for o in problem.officers}
    locks = {oid: tuple(x for x in order if x in known)
             for oid, order in locked_routes(pins).items() if oid in working}
    reference = {r.officer_id: tuple(x for x in r.lead_ids if x in known)
                 for r in day.plan.routes if r.officer_id in working}
    # A new appointment is the manager's edit to one officer's day: the officers it does not
    # concern keep their routes exactly (locked to the published order), so a pin never
    # reshuffles someone else's stops. Without new appointments the whole day is re-planned
    # (a change still costs ``rules.change_cost_yuan``).
    # A visited stop's pin is not the manager's edit, and a manager's pin of it does not hold.
    before = {ld.lead_id: ld.pinned_officer_id for ld in day.problem.leads}
    new_pins = {lid: oid for lid, oid in appointments(pins).items()
                if before.get(lid) != oid and lid not in fixed}
    holder = {x: r.officer_id for r in day.plan.routes for x in r.lead_ids}
    touched = set(new_pins.values()) | {holder[x] for x in new_pins if x in holder}
    if new_pins and working == {r.officer_id for r in day.plan.routes}:
        for oid, order in reference.items():
            if oid not in touched and oid not in locks:
                locks[oid] = order
    if fixed:
        locks, reference = _around_fixed(locks, reference, visited)
    # An appointment made in the leads file for a lead now locked elsewhere: the lock wins.
    locked_to = {x: oid for oid, order in locks.items() for x in order}
    leads = tuple(replace(ld, pinned_officer_id=locked_to[ld.lead_id])
                  if ld.lead_id in locked_to and ld.pinned_officer_id not in (
                      None, locked_to[ld.lead_id]) else ld for ld in problem.leads)
    problem = replace(problem, leads=leads, locked_routes=locks, reference_routes=reference)
    timings = {"load_s": 0.0, "score_s": 0.0, "matrix_s": time.perf_counter() - t0}
    new = visited.solve(day.county, problem, day.scores, params or day.params, timings,
                        started=t0)
    # The re-planned day values its leads with the day's scores, so it keeps their basis and
    # the model they came from (the solver's plan knows nothing of them, and a published
    # plan must say them).
    kept = {k: v for k, v in day.plan.meta.items() if k in (*MODEL_META, *STORE_RULES_META)}
    if visited.published is not None:
        kept["fixed_stops"] = visited.count
    return replace(new, plan=replace(new.plan, meta={**new.plan.meta, **kept})) if kept else new


def _around_fixed(locks: Mapping[str, tuple[str, ...]],
                  reference: Mapping[str, tuple[str, ...]],
                  visited: VisitedStops) -> tuple[dict[str, tuple[str, ...]],
                                                  dict[str, tuple[str, ...]]]:
    """Locks and reference routes made to agree with the fixed stops.

    A lock begins with its officer's fixed stops (the checker compares the whole route with
    it; the solver leaves those done visits out) and never holds another officer's; the
    reference is the rest of each route, which the officer now starts from the last fixed
    stop, so only a change to that rest costs.
    """
    fixed = visited.pins
    own = {oid: tuple(s.lead_id for s in stops) for oid, stops in visited.fixed.items()}
    new_locks = {oid: (*own.get(oid, ()), *(x for x in order if x not in fixed))
                 for oid, order in locks.items()}
    new_reference = {oid: tuple(x for x in order if x not in fixed)
                     for oid, order in reference.items()}
    return new_locks, new_reference


def store_rules_text(meta: Mapping[str, object], lang: str) -> str | None:
    """What the store's rules did to a planned day (from its meta), in ``lang``.

    Returns
    -------
    str or None
        Follow-ups pinned and leads left out by each rule; ``None`` for a day planned
        without the store's rules (a county the store does not hold).
    """
    left = meta.get("left_out_by_rule")
    if not isinstance(left, Mapping):
        return None
    reasons = rule_counts_text(left, lang) or t("store_rules_none", lang)
    return t("store_rules_caption", lang, follow_ups=meta.get("follow_ups", 0),
             n=sum(int(n) for n in left.values()), reasons=reasons)


def planned_in_s(day: DayPlan) -> float | None:
    """How long planning ``day`` took, in seconds, if known.

    This session's timing of a plan it made, else the time saved with the plan (a day read
    back from the store), else ``None``: a plan saved before plans kept it.
    """
    total = day.timings_s.get("total_s")
    if total is None:
        total = day.plan.meta.get("planned_in_s")
    return float(total) if isinstance(total, int | float) else None


def plan_summary(day: DayPlan, lang: str) -> str:
    """The plan's one-line summary: date, visits, officers and, when known, how long it took."""
    said = {"date": day.plan.plan_date, "visits": len(day.plan.visited_lead_ids),
            "officers": len(day.problem.officers)}
    secs = planned_in_s(day)
    return t("plan_summary_untimed", lang, **said) if secs is None \
        else t("plan_summary", lang, secs=secs, **said)
