"""The day's candidates: which leads get travel times at all.

A county may hold 100,000 leads while a team of six makes 72 visits. Travel times between
every pair of leads would grow with the square of the table (10,000 leads: 800 MB per
matrix), so the day's candidates are chosen first, by value and reach, and the matrix is built
for them only. The rest are reported as ranked below the day (with the value they had).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import geo
from routing.plan import DroppedLead, DropReason
from routing.problem import Officer, RoutingProblem

__all__ = ["CANDIDATE_MIN", "CANDIDATES_PER_VISIT", "Candidates", "choose_candidates",
           "held_back_leads", "offer_day"]

#: Never fewer candidates than this: below it the matrix is cheap whatever the table's size.
CANDIDATE_MIN = 1_000
#: Candidates per visit the team can make in a day (the solver prunes further itself).
CANDIDATES_PER_VISIT = 8
#: Straight-line speed for judging reach before road travel times exist (rural roads wind).
_REACH_KMH = 25.0
#: Visits a day holds for an officer with no cap (a full day of short visits).
_UNCAPPED_VISITS = 20


@dataclass(frozen=True)
class Candidates:
    """Lead ids offered to the solver, and those held back with their value."""

    offered: tuple[str, ...]
    held_back: Mapping[str, float]


def choose_candidates(table: pd.DataFrame, scores: pd.DataFrame,
                      officers: Sequence[Officer], *,
                      pinned: Sequence[str] = (),
                      limit: int | None = None) -> Candidates:
    """Choose the leads that get travel times: the most value per minute they would take.

    Parameters
    ----------
    table : pandas.DataFrame
        Leads (``lead_id``, ``lat``, ``lon``, ``service_s``).
    scores : pandas.DataFrame
        ``lead_id``, ``value_yuan`` (from the scorer).
    officers : sequence of Officer
        The day's roster (where they start; how many visits they can make).
    pinned : sequence of str
        Appointments: always offered.
    limit : int, optional
        How many to offer; default ``max(CANDIDATE_MIN, CANDIDATES_PER_VISIT × visits)``.

    Returns
    -------
    Candidates
        Everything is offered when the table is within the limit.
    """
    visits = sum(o.max_visits if o.max_visits is not None else _UNCAPPED_VISITS
                 for o in officers)
    k = limit if limit is not None else max(CANDIDATE_MIN, CANDIDATES_PER_VISIT * visits)
    ids = table["lead_id"].astype(str).to_numpy()
    value = pd.Series(scores["value_yuan"].to_numpy(float),
                      index=scores["lead_id"].astype(str)).reindex(ids).fillna(0.0).to_numpy()
    if len(ids) <= k:
        return Candidates(tuple(ids), {})
    starts = np.array([[o.start.location.lat, o.start.location.lon] for o in officers])
    lat = table["lat"].to_numpy(float)
    lon = table["lon"].to_numpy(float)
    # Nearest officer start, straight line: a lead beyond any officer's reach is worth less
    # per minute of the day however valuable it is.
    nearest_m = np.full(len(ids), np.inf)
    for s_lat, s_lon in starts:
        nearest_m = np.minimum(nearest_m, geo.haversine_m(lat, lon, s_lat, s_lon))
    drive_s = 2.0 * nearest_m / (_REACH_KMH / 3.6)
    service_s = table["service_s"].to_numpy(float) if "service_s" in table else 1200.0
    per_minute = np.maximum(value, 0.0) / ((service_s + drive_s) / 60.0)
    order = np.argsort(-per_minute, kind="stable")
    keep = np.zeros(len(ids), dtype=bool)
    keep[order[:k]] = True
    keep |= np.isin(ids, np.asarray(list(pinned), dtype=str))
    held = {str(i): float(v) for i, v in zip(ids[~keep], value[~keep], strict=True)}
    return Candidates(tuple(ids[keep]), held)


def offer_day(leads: pd.DataFrame, scores: pd.DataFrame, officers: Sequence[Officer], *,
              pins: Iterable[str] = (), exclude: Iterable[str] = ()) -> Candidates:
    """The day's offer, as every planning path makes it (a fresh day, a re-plan of a
    published one, the app's and the command line's).

    Parameters
    ----------
    leads : pandas.DataFrame
        The county's whole lead table (``pinned_officer_id`` optional).
    scores : pandas.DataFrame
        ``lead_id``, ``value_yuan``.
    officers : sequence of Officer
        The officers planned today.
    pins : iterable of str
        Leads pinned today (appointments, follow-ups, visited stops): always offered.
    exclude : iterable of str
        Leads not offered at all (the store's rules, the do-not-visit list); a pinned lead
        should not be among them.

    Returns
    -------
    Candidates
        What :func:`choose_candidates` offers of the leads not excluded; the build of the
        problem excludes ``held_back`` too.
    """
    table = leads[~leads["lead_id"].isin(set(exclude))]
    own = table.get("pinned_officer_id", pd.Series("", index=table.index))
    pinned = [*pins, *table.loc[own.fillna("").astype(str) != "", "lead_id"].astype(str)]
    return choose_candidates(table, scores, officers, pinned=pinned)


def held_back_leads(problem: RoutingProblem, held_back: Mapping[str, float],
                    off_roads: Mapping[str, str]) -> tuple[DroppedLead, ...]:
    """The leads a plan leaves out before the solver sees them, each with its reason.

    Parameters
    ----------
    problem : RoutingProblem
        What was offered.
    held_back : mapping lead_id -> value
        :attr:`Candidates.held_back`.
    off_roads : mapping lead_id -> reason
        Leads too far from the roads to be placed.

    Returns
    -------
    tuple of DroppedLead
    """
    # Most valuable first: a manager reading the list looks for what a bigger team would get.
    ranked = sorted(held_back.items(), key=lambda kv: (-kv[1], kv[0]))
    return (*(DroppedLead(lid, DropReason.BELOW_CANDIDATES,
                          f"¥{v:,.0f}: ranked below the {len(problem.leads):,} leads offered "
                          "today by value per minute of the drive and the visit")
              for lid, v in ranked),
            *(DroppedLead(lid, DropReason.OFF_ROADS, why) for lid, why in off_roads.items()
              if lid not in problem.lead_by_id))
