"""Map geometry for drawing: what each map layer holds, from the county's own data.

Roads of the routing graph, the network's boundary, village names, leads coloured by
value and rimmed by what the plan does with them, routes along the roads and the
officers' depots. Everything is plain records (what pydeck layers take), so the map
is useful with no tile server; :mod:`countyreach.services.deck` turns them into a map.
"""

from __future__ import annotations

import html
import itertools
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import geo
from countyreach.i18n import drop_reason_label, industry_label, t
from routing.plan import Plan
from routing.problem import RoutingProblem, end_node_id, start_node_id

if TYPE_CHECKING:
    from countyreach.pipeline import CountyData, DayPlan

__all__ = [
    "OFFICER_PALETTE",
    "officer_colours",
    "value_colours",
    "lead_points",
    "officer_legend_html",
    "route_paths",
    "road_paths",
    "boundary_path",
    "village_labels",
    "depot_points",
    "stop_labels",
    "MapData",
    "map_data",
    "route_legs",
]

log = logging.getLogger(__name__)

#: Distinct, colour-blind-friendly route colours (Okabe–Ito, then Tableau) as RGB.
OFFICER_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0),
    (86, 180, 233), (117, 112, 179), (166, 118, 29), (102, 166, 30), (231, 41, 138),
    (27, 158, 119), (217, 95, 2),
)


def officer_colours(officer_ids: Iterable[str],
                    places: Mapping[str, tuple[float, float]] | None = None
                    ) -> dict[str, list[int]]:
    """Give each officer a route colour, repeating a colour only far apart.

    With no more officers than colours each gets its own, in roster order. A larger
    team must share colours; with ``places`` each officer (in roster order) takes the
    colour whose nearest holder is farthest away, so that officers who start at the
    same branch, whose routes fan out from one point, differ, and a colour comes back
    only on the other side of the county.

    Parameters
    ----------
    officer_ids : iterable of str
        Officers in roster order.
    places : mapping, optional
        ``officer_id -> (lat, lon)`` where each officer's day starts (their home or
        branch: not the day's route, so that a colour survives re-planning).

    Returns
    -------
    dict
        ``officer_id -> [r, g, b]``.
    """
    ids = list(officer_ids)
    k = len(OFFICER_PALETTE)
    if places is None or len(ids) <= k:
        return {oid: list(OFFICER_PALETTE[i % k]) for i, oid in enumerate(ids)}
    holders: list[list[tuple[float, float]]] = [[] for _ in range(k)]
    out: dict[str, list[int]] = {}
    for i, oid in enumerate(ids):
        here = places.get(oid)
        if here is None:  # nowhere to measure from: roster order, as for a small team
            c = i % k
        else:
            lat0 = math.radians(here[0])

            def nearest(c: int, here: tuple[float, float] = here, lat0: float = lat0) -> float:
                # equirectangular distance is enough to rank points inside one county
                return min((math.hypot(la - here[0], (lo - here[1]) * math.cos(lat0))
                            for la, lo in holders[c]), default=math.inf)

            c = max(range(k), key=lambda c: (nearest(c), -c))
            holders[c].append(here)
        out[oid] = list(OFFICER_PALETTE[c])
    return out


def value_colours(values: Sequence[float] | np.ndarray, alpha: int = 230) -> list[list[int]]:
    """Colour expected values on a light-yellow to dark-red ramp.

    The ramp is scaled to the 95th percentile so one outlier does not wash out
    every other lead; zero-value leads get the lightest colour.

    Parameters
    ----------
    values : sequence of float
        Expected value per lead, yuan.
    alpha : int
        Opacity 0..255.

    Returns
    -------
    list of [r, g, b, a]
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return []
    top = float(np.nanpercentile(v, 95)) if np.any(v > 0) else 1.0
    frac = np.clip(np.nan_to_num(v, nan=0.0) / (top if top > 0 else 1.0), 0.0, 1.0)
    # Three stops: #ffffb2 (low) -> #fd8d3c (mid) -> #bd0026 (high).
    stops = np.array([[255, 255, 178], [253, 141, 60], [189, 0, 38]], dtype=float)
    pos = frac * 2
    lo = np.minimum(pos.astype(int), 1)
    w = (pos - lo)[:, None]
    rgb = stops[lo] * (1 - w) + stops[lo + 1] * w
    return [[int(round(c)) for c in row] + [alpha] for row in rgb]


def lead_points(
    scores: pd.DataFrame,
    lang: str,
    *,
    problem: RoutingProblem | None = None,
    plan: Plan | None = None,
    colours: Mapping[str, list[int]] | None = None,
    pins: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One map point per lead: fill by expected value, rim by what the plan does with it.

    Visited leads get a rim in their officer's colour, dropped leads a black rim
    and their reason in the tooltip; leads not offered to the solver (do-not-visit,
    done) a grey rim.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``lead_id, name, lat, lon, value_yuan`` (+ ``industry, village``).
    lang : str
    problem, plan : optional
        The day; without them every lead is drawn by value only.
    colours : mapping, optional
        Officer colours (:func:`officer_colours`).
    pins : mapping, optional
        ``lead_id -> officer_id`` of the manager's pins (marked ``pinned`` and in the tip).

    Returns
    -------
    pandas.DataFrame
        ``lead_id, lon, lat, value_yuan, fill, line, radius, status, officer_id, seq,
        pinned, tip``. The tip is plain text (the map shows it as text, never as HTML).
    """
    df = scores.reset_index(drop=True)
    values = pd.to_numeric(df.get("value_yuan", pd.Series(0.0, index=df.index)),
                           errors="coerce").fillna(0.0).to_numpy(float)
    fills = value_colours(values)
    visited: dict[str, tuple[str, int]] = {}
    dropped: dict[str, str] = {}
    if plan is not None:
        for r in plan.routes:
            for seq, lid in enumerate(r.lead_ids, start=1):
                visited[lid] = (r.officer_id, seq)
        for d in plan.dropped:
            reason = drop_reason_label(d.reason.value, lang)
            if d.needed_value_yuan is not None:
                reason += f" (≥ ¥{d.needed_value_yuan:,.0f})"
            dropped[d.lead_id] = reason
    offered = set(problem.lead_by_id) if problem is not None else None
    colours = colours or {}
    pins = pins or {}
    recs = []
    for i, rec in enumerate(df.itertuples(index=False)):
        lid = str(rec.lead_id)
        name = str(getattr(rec, "name", ""))
        ind = industry_label(str(getattr(rec, "industry", "")), lang)
        village = str(getattr(rec, "village", "") or "")
        tip = f"{name} ({lid})\n{ind} · {village}\n{t('value', lang)}: ¥{values[i]:,.0f}"
        officer_id, seq = "", 0
        if lid in visited:
            officer_id, seq = visited[lid]
            status, line, radius = "visited", [*colours.get(officer_id, [0, 0, 0]), 255], 60
            tip += f"\n{t('officer', lang)} {officer_id} · {t('col_seq', lang)} {seq}"
        elif lid in dropped:
            status, line, radius = "dropped", [20, 20, 20, 255], 40
            tip += f"\n{t('reason', lang)}: {dropped[lid]}"
        elif plan is not None and offered is not None and lid not in offered:
            status, line, radius = "excluded", [150, 150, 150, 255], 30
        else:
            status, line, radius = "candidate", [90, 90, 90, 200], 40
        if lid in pins:
            tip += "\n" + t("pinned_to", lang, lead=lid, officer=pins[lid])
        recs.append({"lead_id": lid, "lon": float(rec.lon), "lat": float(rec.lat),
                     "value_yuan": float(values[i]), "fill": fills[i], "line": line,
                     "radius": radius, "status": status, "officer_id": officer_id, "seq": seq,
                     "pinned": lid in pins, "tip": tip})
    return pd.DataFrame(recs, columns=["lead_id", "lon", "lat", "value_yuan", "fill", "line",
                                       "radius", "status", "officer_id", "seq", "pinned",
                                       "tip"])


def stop_labels(leads: pd.DataFrame, colours: Mapping[str, list[int]]) -> pd.DataFrame:
    """The stop number of every visited lead, on a badge in its officer's colour.

    Parameters
    ----------
    leads : pandas.DataFrame
        From :func:`lead_points`.
    colours : mapping
        Officer colours.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, lon, lat, text, color`` (``color`` the badge's RGBA).
    """
    cols = ["lead_id", "lon", "lat", "text", "color"]
    if leads.empty:
        return pd.DataFrame(columns=cols)
    v = leads[leads["status"] == "visited"]
    return pd.DataFrame({
        "lead_id": v["lead_id"], "lon": v["lon"], "lat": v["lat"],
        "text": v["seq"].astype(int).astype(str),
        "color": [[*colours.get(o, [0, 0, 0])[:3], 255] for o in v["officer_id"]],
    }, columns=cols).reset_index(drop=True)


def officer_legend_html(names: Mapping[str, str], colours: Mapping[str, list[int]]) -> str:
    """One coloured swatch and name per officer, for the line under the map.

    Parameters
    ----------
    names : mapping
        ``officer_id -> name`` in the order to show.
    colours : mapping
        Officer colours (:func:`officer_colours`).
    """
    parts = []
    for oid, name in names.items():
        r, g, b = colours.get(oid, [0, 0, 0])[:3]
        parts.append(f'<span style="white-space:nowrap"><span style="display:inline-block;'
                     f'width:14px;height:6px;background:rgb({r},{g},{b});margin:0 4px 2px 10px">'
                     f"</span>{html.escape(oid)} {html.escape(name)}</span>")
    return '<div class="officer-legend">' + " ".join(parts) + "</div>"


def route_paths(legs: Sequence[Mapping[str, Any]], colours: Mapping[str, list[int]],
                names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Join the road legs of each route into one coloured path per officer.

    Parameters
    ----------
    legs : sequence of mapping
        From :func:`countyreach.pipeline.route_legs` (``officer_id, seq, path``).
    colours : mapping
        Officer colours.
    names : mapping, optional
        Officer display names for the tooltip.

    Returns
    -------
    list of dict
        ``officer_id, path ([[lon, lat], ...]), color, tip`` — one per officer
        with at least one leg.
    """
    names = names or {}
    out: list[dict[str, Any]] = []
    ordered = sorted(legs, key=lambda leg: (leg["officer_id"], leg["seq"]))
    for oid, group in itertools.groupby(ordered, key=lambda leg: leg["officer_id"]):
        path: list[list[float]] = []
        for leg in group:
            pts = [list(map(float, p)) for p in leg["path"]]
            if path and pts and path[-1] == pts[0]:
                pts = pts[1:]
            path.extend(pts)
        if len(path) >= 2:
            out.append({"officer_id": oid, "path": path, "color": list(colours.get(oid, [0, 0, 0])),
                        "tip": f"{oid} {names.get(oid, '')}".strip()})
    return out


def road_paths(graph: Any) -> list[dict[str, Any]]:
    """Road centre lines of the routing graph as map paths, major roads wider.

    Uses ``geo.road_lines(graph)`` (``[(lon, lat), ...]`` lines with an optional
    ``highway`` class) when geo provides it.

    Returns
    -------
    list of dict
        ``path, width, color``.
    """
    import geo

    fn = getattr(geo, "road_lines", None)
    if fn is None:
        log.warning("geo.road_lines is not available: the map has no road layer")
        return []
    widths = {"motorway": 6, "trunk": 6, "primary": 5, "secondary": 4, "tertiary": 3}
    out = []
    for line in fn(graph):
        if isinstance(line, Mapping):
            coords, kind = line.get("path") or line.get("coords"), str(line.get("highway", ""))
        else:
            coords, kind = line, ""
        if coords is None or len(coords) < 2:
            continue
        w = widths.get(kind.replace("_link", ""), 2)
        shade = 120 if w >= 4 else 165
        out.append({"path": [[float(x), float(y)] for x, y in coords], "width": w,
                    "color": [shade, shade, shade, 255]})
    return out


def boundary_path(graph: Any) -> list[list[float]]:
    """Outline of the road network (its ``hull``) as a closed ``[lon, lat]`` ring."""
    hull = getattr(graph, "hull", None)
    if hull is None or hull.is_empty:
        return []
    geom = hull if hull.geom_type == "Polygon" else hull.convex_hull
    if geom.geom_type != "Polygon":
        return []
    return [[float(x), float(y)] for x, y in geom.exterior.coords]


def village_labels(villages: pd.DataFrame) -> pd.DataFrame:
    """Village names and points for the map's text layer (``name, lon, lat, size``)."""
    if villages is None or villages.empty:
        return pd.DataFrame(columns=["name", "lon", "lat", "size"])
    place = villages["place"].astype(str) if "place" in villages.columns else \
        pd.Series("village", index=villages.index)
    size = np.where(place.isin(["town", "city"]), 16, 12)
    return pd.DataFrame({"name": villages["name"].astype(str),
                         "lon": villages["lon"].astype(float),
                         "lat": villages["lat"].astype(float), "size": size})


def depot_points(problem: RoutingProblem, colours: Mapping[str, list[int]],
                 lang: str) -> pd.DataFrame:
    """Where each officer starts and ends (``officer_id, lon, lat, color, tip``)."""
    recs = []
    for o in problem.officers:
        for which, dep in (("start", o.start), ("end", o.end)):
            if which == "end" and dep.location == o.start.location:
                continue
            recs.append({"officer_id": o.officer_id, "lon": dep.location.lon,
                         "lat": dep.location.lat, "color": [*colours.get(o.officer_id, [0, 0, 0]),
                                                            255],
                         "tip": f"{o.officer_id} {o.name} · {t(which, lang)}: {dep.name}"})
    return pd.DataFrame(recs, columns=["officer_id", "lon", "lat", "color", "tip"])



@dataclass(frozen=True, eq=False)
class MapData:
    """Everything drawn on a map, as plain records (what pydeck layers take)."""

    roads: list[dict[str, Any]]
    boundary: list[list[float]]
    villages: pd.DataFrame
    leads: pd.DataFrame
    routes: list[dict[str, Any]] = field(default_factory=list)
    depots: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Stop numbers on badges in the officers' colours (:func:`stop_labels`).
    stops: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: ``officer_id -> [r, g, b]`` the routes are drawn in (:func:`officer_colours`),
    #: for a legend that matches them.
    colours: dict[str, list[int]] = field(default_factory=dict)


def map_data(data: CountyData, scores: pd.DataFrame | None, lang: str, *,
             day: DayPlan | None = None, legs: Sequence[Mapping[str, Any]] | None = None,
             roads: list[dict[str, Any]] | None = None,
             only_officer: str | None = None,
             focus_officer: str | None = None,
             pins: Mapping[str, str] | None = None) -> MapData:
    """Collect the map's layers for a county, optionally with a planned day.

    Parameters
    ----------
    data : CountyData
    scores : pandas.DataFrame, optional
        Lead scores (without them leads are drawn with value 0).
    lang : str
    day : DayPlan, optional
        The plan whose routes and dropped leads are drawn.
    legs : sequence, optional
        :func:`countyreach.pipeline.route_legs` of ``day`` (computed when missing).
    roads : list, optional
        Precomputed :func:`road_paths` (the app caches them).
    only_officer : str, optional
        Draw only this officer's route and stops (the officer page).
    focus_officer : str, optional
        Draw only this officer's route, start and stop numbers, over every lead
        (the manager picking one officer out of a large team).
    pins : mapping, optional
        The manager's pins (``lead_id -> officer_id``), drawn with a ring.
    """
    if scores is None:
        scores = data.leads[["lead_id", "name", "industry", "village", "lat", "lon"]].assign(
            value_yuan=0.0)
    problem = day.problem if day is not None else None
    plan = day.plan if day is not None else None
    colours = officer_colours([o.officer_id for o in data.officers],
                              {o.officer_id: (o.start.location.lat, o.start.location.lon)
                               for o in data.officers})
    pts = lead_points(scores, lang, problem=problem, plan=plan, colours=colours, pins=pins)
    routes: list[dict[str, Any]] = []
    depots = pd.DataFrame(columns=["officer_id", "lon", "lat", "color", "tip"])
    if day is not None:
        if legs is None:
            legs = route_legs(day.county, day.problem, day.plan)
        names = {o.officer_id: o.name for o in data.officers}
        routes = route_paths(legs, colours, names)
        depots = depot_points(day.problem, colours, lang)
        one = only_officer or focus_officer
        if one is not None:
            routes = [r for r in routes if r["officer_id"] == one]
            depots = depots[depots["officer_id"] == one].reset_index(drop=True)
        if only_officer is not None:
            pts = pts[pts["officer_id"] == only_officer].reset_index(drop=True)
    stops = stop_labels(pts, colours)
    if focus_officer is not None:
        stops = stops[stops["lead_id"].isin(
            pts.loc[pts["officer_id"] == focus_officer, "lead_id"])].reset_index(drop=True)
    return MapData(roads=roads if roads is not None else road_paths(data.graph),
                   boundary=boundary_path(data.graph), villages=village_labels(data.villages),
                   leads=pts, routes=routes, depots=depots, stops=stops, colours=colours)


def route_legs(data: CountyData, problem: RoutingProblem, plan: Plan
               ) -> list[dict[str, Any]]:
    """Road geometry of every leg of every route, for drawing on a map.

    Returns
    -------
    list of dict
        ``officer_id, seq, from_id, to_id, path`` where ``path`` is a list of
        ``[lon, lat]`` pairs (the order map libraries expect).
    """
    out: list[dict[str, Any]] = []
    for r in plan.routes:
        if not r.stops:
            continue
        nodes = [start_node_id(r.officer_id), *r.lead_ids, end_node_id(r.officer_id)]
        for seq, (a, b) in enumerate(itertools.pairwise(nodes)):
            pts = geo.route_geometry(data.graph, data.snaps[a], data.snaps[b])
            out.append({"officer_id": r.officer_id, "seq": seq, "from_id": a, "to_id": b,
                        "path": [[float(lon), float(lat)] for lat, lon in pts]})
    return out
