"""The files a planned day is written to: what a manager opens and an officer prints.

``plan.json`` and ``problem.json`` are the plan and what was solved (the checker reads them
back); ``routes/<officer>.csv`` is each officer's day in time order, from leaving the start
through the visits and the lunch break to being back at the end; ``dropped.csv`` is every lead
left out, with its reason.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from countyreach.io import from_wgs84
from countyreach.phones import spreadsheet_phone
from routing.plan import DroppedLead, Plan, Route
from routing.problem import Location, RoutingProblem, hhmm

__all__ = ["ROUTE_COLUMNS", "LeftOut", "RouteRowKind", "left_out", "route_rows",
           "write_plan_files"]

#: Columns of ``routes/<officer>.csv``. ``kind`` says what a row is (:class:`RouteRowKind`);
#: ``seq`` numbers the visits only.
ROUTE_COLUMNS = ("seq", "kind", "lead_id", "name", "industry", "village", "arrival", "start",
                 "departure", "drive_min", "distance_km", "value_yuan", "phone", "address",
                 "lat", "lon", "crs", "lat_wgs84", "lon_wgs84")


class RouteRowKind:
    """What a row of an officer's route CSV is."""

    START = "start"
    VISIT = "visit"
    LUNCH = "lunch"
    END = "end"


def _place(loc: Location, crs: str) -> list[Any]:
    lat, lon = from_wgs84(loc.lat, loc.lon, crs)
    return [round(lat, 7), round(lon, 7), crs, loc.lat, loc.lon]


def route_rows(problem: RoutingProblem, route: Route, crs: str = "wgs84") -> list[list[Any]]:
    """One officer's day as rows of :data:`ROUTE_COLUMNS`, in time order.

    The day opens with a ``start`` row (leave the start place), lists each visit, puts the
    lunch break where it falls (before the first visit that begins after it starts) and
    closes with an ``end`` row (back at the end place, with the last drive).

    Parameters
    ----------
    problem : RoutingProblem
        Holds the leads' names and places and the officer's start and end.
    route : Route
    crs : {"wgs84", "gcj02", "bd09"}
        The system ``lat``/``lon`` are given in.

    Returns
    -------
    list of list
    """
    leads = problem.lead_by_id
    officer = problem.officer_by_id[route.officer_id]
    rows: list[list[Any]] = [["", RouteRowKind.START, "", officer.start.name, "", "", "", "",
                              hhmm(route.start_s), "", "", "", "", "",
                              *_place(officer.start.location, crs)]]
    lunch = route.lunch
    for i, s in enumerate(route.stops, start=1):
        if lunch is not None and s.start_s >= lunch.start_s:
            rows.append(_lunch_row(lunch.start_s, lunch.duration_s))
            lunch = None
        ld = leads[s.lead_id]
        rows.append([i, RouteRowKind.VISIT, s.lead_id, ld.name, ld.industry, ld.village,
                     hhmm(s.arrival_s), hhmm(s.start_s), hhmm(s.departure_s),
                     round(s.drive_s / 60, 1), round(s.distance_m / 1000, 2),
                     round(ld.value_yuan, 1), spreadsheet_phone(ld.phone), ld.address,
                     *_place(ld.location, crs)])
    if lunch is not None:
        rows.append(_lunch_row(lunch.start_s, lunch.duration_s))
    rows.append(["", RouteRowKind.END, "", officer.end.name, "", "", hhmm(route.end_s),
                 "", "", round(route.end_drive_s / 60, 1),
                 round(route.end_distance_m / 1000, 2), "", "", "",
                 *_place(officer.end.location, crs)])
    return rows


def _lunch_row(start_s: int, duration_s: int) -> list[Any]:
    return ["", RouteRowKind.LUNCH, "", "lunch break", "", "", hhmm(start_s), hhmm(start_s),
            hhmm(start_s + duration_s), "", "", "", "", "", "", "", "", "", ""]


def write_plan_files(problem: RoutingProblem, plan: Plan, out: Path,
                     crs: str = "wgs84", scores: pd.DataFrame | None = None) -> list[Path]:
    """Write ``plan.json``, ``problem.json``, one CSV per officer and ``dropped.csv``.

    Parameters
    ----------
    problem, plan
        What was solved and the answer.
    out : Path
        Output folder (created).
    crs : {"wgs84", "gcj02", "bd09"}
        The county's declared coordinate system: route CSVs give ``lat``/``lon`` in it (what
        the officer's map app expects) and, labelled, ``lat_wgs84``/``lon_wgs84`` beside.
    scores : pandas.DataFrame, optional
        The day's scores: name and value of the leads the store's rules left out
        (``plan.meta["left_out_leads"]``), which ``dropped.csv`` lists first, with the rule.

    Returns
    -------
    list of Path
        Files written.
    """
    from countyreach.serialize import plan_to_dict, problem_to_dict, write_json

    out.mkdir(parents=True, exist_ok=True)
    files = [write_json(plan_to_dict(plan), out / "plan.json"),
             write_json(problem_to_dict(problem), out / "problem.json")]
    (out / "routes").mkdir(exist_ok=True)
    # An earlier plan's officers not in this one: their lists (names, phones) would be read
    # as today's. routes/ holds only the plan's files.
    mine = {f"{r.officer_id}.csv" for r in plan.routes}
    for old in (out / "routes").glob("*.csv"):
        if old.name not in mine:
            old.unlink()
    for r in plan.routes:
        p = out / "routes" / f"{r.officer_id}.csv"
        with p.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(ROUTE_COLUMNS)
            w.writerows(route_rows(problem, r, crs))
        files.append(p)
    files.append(_write_dropped(problem, plan, out / "dropped.csv", scores))
    return files


@dataclass(frozen=True)
class LeftOut:
    """A lead left out of a plan: by a store rule before planning (``rule``, an
    :class:`~countyreach.store.follow_ups.Exclusion` value) or by the plan (``dropped``)."""

    lead_id: str
    name: str
    village: str
    value_yuan: float | None
    rule: str | None = None
    dropped: DroppedLead | None = None


def left_out(problem: RoutingProblem, plan: Plan,
             scores: pd.DataFrame | None = None) -> list[LeftOut]:
    """Every lead left out of ``plan``, once each: first those the store's rules left out
    before planning (``plan.meta["left_out_leads"]``; name and value from ``scores``, since
    the problem does not hold them), then the plan's own leads left out (those held back
    before the solver also named and valued from ``scores``). ``dropped.csv``
    and the manager page's table are both built from it."""
    leads = problem.lead_by_id
    ruled = plan.meta.get("left_out_leads")
    visited = set(plan.visited_lead_ids)
    # name, village and value of the leads the problem does not hold (ruled out, held back)
    known: dict[str, tuple[str, str, float | None]] = {} if scores is None else {
        str(lid): (str(name), str(village), None if pd.isna(value) else float(value))
        for lid, name, village, value in zip(scores["lead_id"], scores["name"],
                                             scores["village"], scores["value_yuan"],
                                             strict=True)}
    out: list[LeftOut] = []
    for lid, rule in (ruled.items() if isinstance(ruled, Mapping) else ()):
        if lid in leads or lid in visited:  # offered or kept after all
            continue
        out.append(LeftOut(lid, *known.get(lid, ("", "", None)), rule=str(rule)))
    ruled_ids = {x.lead_id for x in out}
    for d in plan.dropped:
        if d.lead_id in ruled_ids:  # one row per lead: the store's rule says why first
            continue
        ld = leads.get(d.lead_id)
        facts = (ld.name, ld.village, ld.value_yuan) if ld is not None else known.get(
            d.lead_id, ("", "", None))  # held back before the solver, or off the roads
        out.append(LeftOut(d.lead_id, *facts, dropped=d))
    return out


def _write_dropped(problem: RoutingProblem, plan: Plan, p: Path,
                   scores: pd.DataFrame | None) -> Path:
    with p.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["lead_id", "name", "value_yuan", "reason", "needed_value_yuan", "detail"])
        for x in left_out(problem, plan, scores):
            d = x.dropped
            w.writerow([x.lead_id, x.name,
                        "" if x.value_yuan is None else round(x.value_yuan, 1),
                        x.rule if d is None else d.reason.value,
                        "" if d is None or d.needed_value_yuan is None
                        else round(d.needed_value_yuan, 1),
                        "left out by the store's rules before planning" if d is None
                        else d.detail])
    return p
