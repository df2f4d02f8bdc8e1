"""Everything the Streamlit app shows, computed without Streamlit.

``app.py`` only lays widgets out; the numbers, tables, map layers, links and
texts it displays are built here from the library's values (:class:`Plan`,
:class:`RoutingProblem`, :class:`~countyreach.pipeline.DayPlan`, the score
frame), so they can be unit-tested on hand-built plans.

Map layers are drawn from the county's own data — roads of the routing graph,
the network's boundary, village names — so the map is useful with no tile
server; an online basemap is an option (see :func:`build_deck`).
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import math
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from countyreach.i18n import drop_reason_label, industry_label, t
from routing.params import SolveParams
from routing.plan import Plan
from routing.problem import RoutingProblem, RoutingRules, hhmm

if TYPE_CHECKING:
    import pydeck

    from countyreach.pipeline import CountyData, DayPlan

__all__ = [
    "OFFICER_PALETTE",
    "OFFLINE_STYLE",
    "offline_style_url",
    "BASEMAP_STYLE_URL",
    "basemap_reachable",
    "BANDS",
    "officer_colours",
    "value_colours",
    "OfficerKpi",
    "plan_kpis",
    "kpi_frame",
    "route_table",
    "dropped_table",
    "table_labels",
    "lead_points",
    "officer_legend_html",
    "route_paths",
    "road_paths",
    "boundary_path",
    "village_labels",
    "depot_points",
    "view_for",
    "build_deck",
    "MapData",
    "map_data",
    "replan",
    "assign_pin",
    "lock_route",
    "unpin",
    "officer_view",
    "score_bands",
    "with_bands",
    "filter_leads",
    "lead_card",
    "ModelView",
    "model_view",
    "feature_drift_now",
    "calibration_chart",
    "lift_chart",
    "importance_chart",
    "drift_chart",
    "OutcomeRecord",
    "SharedBoard",
]

log = logging.getLogger(__name__)

#: Distinct, colour-blind-friendly route colours (Okabe–Ito, then Tableau) as RGB.
OFFICER_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0),
    (86, 180, 233), (117, 112, 179), (166, 118, 29), (102, 166, 30), (231, 41, 138),
    (27, 158, 119), (217, 95, 2),
)

#: Map style with no tile source: a plain paper-coloured background.
OFFLINE_STYLE: dict[str, Any] = {
    "version": 8,
    "name": "countyreach-offline",
    "sources": {},
    "layers": [{"id": "paper", "type": "background",
                "paint": {"background-color": "#f4f2ec"}}],
}

def offline_style_url() -> str:
    """:data:`OFFLINE_STYLE` as a ``data:`` URL (what the map component accepts)."""
    text = json.dumps(OFFLINE_STYLE, separators=(",", ":"))
    return "data:application/json," + urllib.parse.quote(text)


#: Style of the optional online basemap (Carto "positron", what pydeck's "light" names).
BASEMAP_STYLE_URL = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"


def basemap_reachable(url: str = BASEMAP_STYLE_URL, timeout_s: float = 1.5) -> bool:
    """Whether the online basemap's style can be fetched from here (a quick probe).

    The app turns the tile basemap on by default only when this is true; the
    offline layers are drawn either way.
    """
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"),
                                    timeout=timeout_s) as resp:
            return bool(200 <= resp.status < 400)
    except (OSError, ValueError):
        return False


#: Village names are Chinese: prefer CJK fonts (quoted, as pydeck wants literal strings).
_CJK_FONTS = ("'\"Noto Sans CJK SC\", \"WenQuanYi Micro Hei\", \"Microsoft YaHei\", "
              "\"PingFang SC\", sans-serif'")

#: Score bands of the Leads page, from the top: share of leads with a positive value.
BANDS: tuple[str, ...] = ("high", "medium", "low", "none")


def officer_colours(officer_ids: Iterable[str]) -> dict[str, list[int]]:
    """Give each officer a stable route colour (by roster order).

    Parameters
    ----------
    officer_ids : iterable of str
        Officers in roster order.

    Returns
    -------
    dict
        ``officer_id -> [r, g, b]``.
    """
    return {oid: list(OFFICER_PALETTE[i % len(OFFICER_PALETTE)])
            for i, oid in enumerate(officer_ids)}


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


# --------------------------------------------------------------------------- KPIs


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


def kpi_frame(rows: Sequence[OfficerKpi], total: OfficerKpi, lang: str) -> pd.DataFrame:
    """The KPI table shown under the map: one row per officer and a total row."""
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
            t("kpi_value", lang): round(k.value_yuan),
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


def table_labels(lang: str) -> dict[str, str]:
    """Display headers of :func:`route_table` and :func:`dropped_table` columns in ``lang``."""
    return {
        "officer_id": t("officer", lang), "seq": t("col_seq", lang),
        "lead_id": t("col_lead_id", lang), "name": t("name", lang),
        "village": t("village", lang), "industry": t("industry", lang),
        "arrive": t("arrive", lang), "start": t("start", lang), "leave": t("leave", lang),
        "drive_min": t("col_drive_min", lang), "value_yuan": t("value", lang),
        "reason": t("reason", lang), "needed_value_yuan": t("needed_value", lang),
        "detail": t("col_detail", lang),
    }


def dropped_table(problem: RoutingProblem, plan: Plan, lang: str) -> pd.DataFrame:
    """Leads left out, most valuable first, with the reason in ``lang``."""
    leads = problem.lead_by_id
    recs = []
    for d in plan.dropped:
        ld = leads.get(d.lead_id)
        recs.append({
            "lead_id": d.lead_id, "name": ld.name if ld else "",
            "village": ld.village if ld else "",
            "value_yuan": round(ld.value_yuan) if ld else 0,
            "reason": drop_reason_label(d.reason.value, lang),
            "needed_value_yuan": None if d.needed_value_yuan is None
            else round(d.needed_value_yuan),
            "detail": d.detail,
        })
    out = pd.DataFrame(recs, columns=["lead_id", "name", "village", "value_yuan", "reason",
                                      "needed_value_yuan", "detail"])
    return out.sort_values("value_yuan", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- map layers


def lead_points(
    scores: pd.DataFrame,
    lang: str,
    *,
    problem: RoutingProblem | None = None,
    plan: Plan | None = None,
    colours: Mapping[str, list[int]] | None = None,
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

    Returns
    -------
    pandas.DataFrame
        ``lead_id, lon, lat, value_yuan, fill, line, radius, status, officer_id, tip``.
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
    recs = []
    for i, rec in enumerate(df.itertuples(index=False)):
        lid = str(rec.lead_id)
        name = html.escape(str(getattr(rec, "name", "")))
        ind = industry_label(str(getattr(rec, "industry", "")), lang)
        village = html.escape(str(getattr(rec, "village", "") or ""))
        tip = (f"<b>{name}</b> ({html.escape(lid)})<br/>{html.escape(ind)} · {village}<br/>"
               f"{t('value', lang)}: ¥{values[i]:,.0f}")
        officer_id = ""
        if lid in visited:
            officer_id, seq = visited[lid]
            status, line, radius = "visited", [*colours.get(officer_id, [0, 0, 0]), 255], 60
            tip += f"<br/>{t('officer', lang)} {html.escape(officer_id)} #{seq}"
        elif lid in dropped:
            status, line, radius = "dropped", [20, 20, 20, 255], 40
            tip += f"<br/>{t('reason', lang)}: {html.escape(dropped[lid])}"
        elif plan is not None and offered is not None and lid not in offered:
            status, line, radius = "excluded", [150, 150, 150, 255], 30
        else:
            status, line, radius = "candidate", [90, 90, 90, 200], 40
        recs.append({"lead_id": lid, "lon": float(rec.lon), "lat": float(rec.lat),
                     "value_yuan": float(values[i]), "fill": fills[i], "line": line,
                     "radius": radius, "status": status, "officer_id": officer_id, "tip": tip})
    return pd.DataFrame(recs, columns=["lead_id", "lon", "lat", "value_yuan", "fill", "line",
                                       "radius", "status", "officer_id", "tip"])


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
    return " ".join(parts)


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
                        "tip": html.escape(f"{oid} {names.get(oid, '')}".strip())})
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
    size = np.where(villages.get("place", "village").astype(str).isin(["town", "city"]), 16, 12)
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
                         "tip": html.escape(f"{o.officer_id} {o.name} · {t(which, lang)}: "
                                            f"{dep.name}")})
    return pd.DataFrame(recs, columns=["officer_id", "lon", "lat", "color", "tip"])


def view_for(lons: Sequence[float], lats: Sequence[float], width_px: int = 700,
             height_px: int = 560) -> dict[str, float]:
    """Centre and zoom that fit the points in a map of the given size.

    Returns
    -------
    dict
        ``latitude, longitude, zoom``.
    """
    lo = np.asarray(lons, dtype=float)
    la = np.asarray(lats, dtype=float)
    if lo.size == 0:
        return {"latitude": 35.0, "longitude": 105.0, "zoom": 4.0}
    lon0, lon1, lat0, lat1 = lo.min(), lo.max(), la.min(), la.max()
    # Web-Mercator as deck.gl draws it: 512 px span 360 degrees at zoom 0; latitudes are
    # stretched by 1/cos(lat).
    span_x = max(lon1 - lon0, 1e-4)
    span_y = max(lat1 - lat0, 1e-4) / max(math.cos(math.radians((lat0 + lat1) / 2)), 0.1)
    zoom = min(math.log2(360 * width_px / 512 / span_x), math.log2(360 * height_px / 512 / span_y))
    return {"latitude": float((lat0 + lat1) / 2), "longitude": float((lon0 + lon1) / 2),
            "zoom": round(float(zoom) - 0.15, 2)}


@dataclass(frozen=True, eq=False)
class MapData:
    """Everything drawn on a map, as plain records (what pydeck layers take)."""

    roads: list[dict[str, Any]]
    boundary: list[list[float]]
    villages: pd.DataFrame
    leads: pd.DataFrame
    routes: list[dict[str, Any]] = field(default_factory=list)
    depots: pd.DataFrame = field(default_factory=pd.DataFrame)


def map_data(data: CountyData, scores: pd.DataFrame | None, lang: str, *,
             day: DayPlan | None = None, legs: Sequence[Mapping[str, Any]] | None = None,
             roads: list[dict[str, Any]] | None = None,
             only_officer: str | None = None) -> MapData:
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
    """
    if scores is None:
        scores = data.leads[["lead_id", "name", "industry", "village", "lat", "lon"]].assign(
            value_yuan=0.0)
    problem = day.problem if day is not None else None
    plan = day.plan if day is not None else None
    officer_ids = [o.officer_id for o in data.officers]
    colours = officer_colours(officer_ids)
    pts = lead_points(scores, lang, problem=problem, plan=plan, colours=colours)
    routes: list[dict[str, Any]] = []
    depots = pd.DataFrame(columns=["officer_id", "lon", "lat", "color", "tip"])
    if day is not None:
        if legs is None:
            from countyreach.pipeline import route_legs

            legs = route_legs(day.county, day.problem, day.plan)
        names = {o.officer_id: o.name for o in data.officers}
        routes = route_paths(legs, colours, names)
        depots = depot_points(day.problem, colours, lang)
        if only_officer is not None:
            routes = [r for r in routes if r["officer_id"] == only_officer]
            pts = pts[pts["officer_id"] == only_officer].reset_index(drop=True)
            depots = depots[depots["officer_id"] == only_officer].reset_index(drop=True)
    return MapData(roads=roads if roads is not None else road_paths(data.graph),
                   boundary=boundary_path(data.graph), villages=village_labels(data.villages),
                   leads=pts, routes=routes, depots=depots)


def build_deck(md: MapData, *, basemap: bool = False, height_px: int = 560) -> pydeck.Deck:
    """A pydeck map of the layers, drawn offline unless ``basemap`` is set.

    Layers bottom to top: boundary, roads, routes, leads, depots, village names.
    With ``basemap=False`` no tile server is contacted (``map_provider=None``).

    Parameters
    ----------
    md : MapData
    basemap : bool
        Add the Carto light basemap (needs internet).
    height_px : int
        Height the view is fitted to.
    """
    import pydeck as pdk

    layers = []
    if md.boundary:
        layers.append(pdk.Layer(
            "PathLayer", data=[{"path": md.boundary}], id="boundary", get_path="path",
            get_color=[60, 60, 60, 200], width_min_pixels=2, get_width=2,
            width_units="'pixels'", pickable=False))
    if md.roads:
        layers.append(pdk.Layer(
            "PathLayer", data=md.roads, id="roads", get_path="path", get_color="color",
            get_width="width", width_units="'pixels'", width_min_pixels=1, pickable=False))
    if md.routes:
        layers.append(pdk.Layer(
            "PathLayer", data=md.routes, id="routes", get_path="path", get_color="color",
            get_width=5, width_units="'pixels'", width_min_pixels=3, pickable=True,
            joint_rounded=True, cap_rounded=True))
    if not md.leads.empty:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=md.leads, id="leads", get_position=["lon", "lat"],
            get_fill_color="fill", get_line_color="line", get_radius="radius",
            radius_min_pixels=3, radius_max_pixels=14, stroked=True, line_width_min_pixels=1.5,
            pickable=True))
    if not md.depots.empty:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=md.depots, id="depots", get_position=["lon", "lat"],
            get_fill_color=[255, 255, 255, 255], get_line_color="color", get_radius=120,
            radius_min_pixels=6, stroked=True, line_width_min_pixels=3, pickable=True))
    if not md.villages.empty:
        layers.append(pdk.Layer(
            "TextLayer", data=md.villages, id="villages", get_position=["lon", "lat"],
            get_text="name", get_size="size", get_color=[40, 40, 40, 220],
            # pydeck reads bare strings as JS expressions: quote the literal values.
            character_set="'auto'", font_family=_CJK_FONTS,
            get_alignment_baseline="'bottom'", get_pixel_offset=[0, -6], pickable=False))
    # Fit the working area (leads, depots, routes); the road extract may reach further.
    lons: list[float] = list(md.leads["lon"]) if not md.leads.empty else []
    lats: list[float] = list(md.leads["lat"]) if not md.leads.empty else []
    if not md.depots.empty:
        lons += list(md.depots["lon"])
        lats += list(md.depots["lat"])
    for r in md.routes:
        lons += [p[0] for p in r["path"]]
        lats += [p[1] for p in r["path"]]
    if not lons and md.boundary:
        lons = [p[0] for p in md.boundary]
        lats = [p[1] for p in md.boundary]
    view = pdk.ViewState(**view_for(lons, lats, height_px=height_px))
    tooltip = {"html": "{tip}", "style": {"fontSize": "13px"}}
    if basemap:
        return pdk.Deck(layers=layers, initial_view_state=view, map_provider="carto",
                        map_style="light", tooltip=tooltip)
    # A style with no sources, inlined as a data: URL: the map library draws a plain
    # background and never asks a server for tiles, fonts or sprites. (Without any
    # style Streamlit would fall back to an online Carto basemap.)
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None,
                    map_style=offline_style_url(), tooltip=tooltip)


# --------------------------------------------------------------------------- pins


def assign_pin(pins: Mapping[str, str], lead_id: str, officer_id: str) -> dict[str, str]:
    """Pins with ``lead_id`` assigned to ``officer_id`` (replacing an earlier pin)."""
    out = dict(pins)
    out[lead_id] = officer_id
    return out


def unpin(pins: Mapping[str, str], lead_id: str | None = None) -> dict[str, str]:
    """Pins without ``lead_id`` (without any pin when ``lead_id`` is ``None``)."""
    if lead_id is None:
        return {}
    return {k: v for k, v in pins.items() if k != lead_id}


def lock_route(pins: Mapping[str, str], plan: Plan, officer_id: str) -> dict[str, str]:
    """Pin every stop of ``officer_id``'s current route to that officer.

    Re-optimising then keeps those visits with that officer (the solver may
    still reorder them and add others).
    """
    out = dict(pins)
    for r in plan.routes:
        if r.officer_id == officer_id:
            out.update({lid: officer_id for lid in r.lead_ids})
    return out


def replan(day: DayPlan, *, pins: Mapping[str, str], rules: RoutingRules | None = None,
           params: SolveParams | None = None,
           officer_ids: Sequence[str] | None = None) -> DayPlan:
    """Re-optimise a planned day with the manager's pins, reusing its travel matrix.

    Scores, the do-not-visit exclusions and the matrix come from ``day``, so
    only the solver and the checker run (a new matrix is built only when
    ``officer_ids`` adds officers the day did not have).

    Parameters
    ----------
    day : DayPlan
        The current plan.
    pins : mapping lead_id -> officer_id
        Appointments and locked routes.
    rules : RoutingRules, optional
        Default: the day's rules.
    params : SolveParams, optional
        Default: the day's solver parameters.
    officer_ids : sequence of str, optional
        Default: the day's officers.

    Returns
    -------
    DayPlan
    """
    import time

    from countyreach.pipeline import build_problem, solve_day

    t0 = time.perf_counter()
    offered = {ld.lead_id for ld in day.problem.leads}
    excluded = set(day.county.leads["lead_id"].astype(str)) - offered
    ids = list(officer_ids) if officer_ids is not None else [
        o.officer_id for o in day.problem.officers]
    problem = build_problem(
        day.county, day.scores, plan_date=day.problem.plan_date,
        rules=rules or day.problem.rules, officer_ids=ids, pins=dict(pins),
        exclude=excluded, matrix=day.problem.matrix)
    timings = {"load_s": 0.0, "score_s": 0.0, "matrix_s": time.perf_counter() - t0}
    return solve_day(day.county, problem, day.scores, timings, started=t0,
                     params=params or day.params)


# --------------------------------------------------------------------------- officer view


def officer_view(problem: RoutingProblem, plan: Plan, officer_id: str,
                 scores: pd.DataFrame | None, lang: str) -> Any:
    """The officer's day (:class:`countyreach.officer_day.OfficerDay`) with the model's reasons.

    Stops come in order with times, ``tel:`` and Amap/Baidu links (converted to
    GCJ-02/BD-09 by :mod:`countyreach.officer_day`) and "why this lead" from
    the scores' ``explanation_zh``/``explanation_en``.
    """
    from countyreach.officer_day import officer_day

    col = "explanation_zh" if lang == "zh" else "explanation_en"
    why: dict[str, str] = {}
    if scores is not None and col in scores.columns:
        why = dict(zip(scores["lead_id"].astype(str), scores[col].fillna("").astype(str),
                       strict=True))
    return officer_day(problem, plan, officer_id, why, lang)


# --------------------------------------------------------------------------- leads page


def score_bands(values: Sequence[float] | np.ndarray) -> list[str]:
    """Score band of each expected value: top third ``high``, then ``medium``, ``low``.

    Leads with no value (do-not-visit, not worth visiting) are ``none``.
    Thresholds are terciles of the positive values, so bands follow the county.
    """
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    pos = v[v > 0]
    if pos.size == 0:
        return ["none"] * len(v)
    lo, hi = np.quantile(pos, [1 / 3, 2 / 3])
    return ["none" if x <= 0 else "high" if x >= hi else "medium" if x >= lo else "low"
            for x in v]


def with_bands(scores: pd.DataFrame, leads: pd.DataFrame | None = None) -> pd.DataFrame:
    """Scores with a ``band`` column and, from the lead table, ``cluster_id``."""
    out = scores.copy()
    out["band"] = score_bands(pd.to_numeric(out["value_yuan"], errors="coerce").fillna(0.0)
                              .to_numpy(float))
    if "cluster_id" not in out.columns and leads is not None and "cluster_id" in leads.columns:
        out = out.merge(leads[["lead_id", "cluster_id"]], on="lead_id", how="left")
    return out


def filter_leads(scores: pd.DataFrame, *, industries: Iterable[str] = (),
                 clusters: Iterable[int] = (), villages: Iterable[str] = (),
                 bands: Iterable[str] = ()) -> pd.DataFrame:
    """Keep leads matching every non-empty filter (an empty filter keeps all).

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`with_bands` output.
    industries, clusters, villages, bands : iterable
        Allowed values of ``industry``, ``cluster_id``, ``village``, ``band``.
    """
    mask = pd.Series(True, index=scores.index)
    filters: list[tuple[str, list[Any]]] = [
        ("industry", list(industries)), ("cluster_id", list(clusters)),
        ("village", list(villages)), ("band", list(bands))]
    for col, allowed in filters:
        if allowed and col in scores.columns:
            mask &= scores[col].isin(allowed)
    return scores[mask]


def lead_card(scores: pd.DataFrame, lead_id: str, lang: str) -> dict[str, Any]:
    """What the app shows about one lead: name, numbers and the explanation in ``lang``."""
    row = scores[scores["lead_id"] == lead_id]
    if row.empty:
        raise KeyError(lead_id)
    rec = row.iloc[0]
    col = "explanation_zh" if lang == "zh" else "explanation_en"
    return {
        "lead_id": lead_id,
        "name": str(rec.get("name", "")),
        "industry": industry_label(str(rec.get("industry", "")), lang),
        "village": str(rec.get("village", "") or ""),
        "p_uptake": float(rec.get("p_uptake", float("nan"))),
        "loan_yuan": float(rec.get("loan_yuan", float("nan"))),
        "p_default": float(rec.get("p_default", float("nan"))),
        "value_yuan": float(rec.get("value_yuan", 0.0)),
        "why": str(rec.get(col, "") or ""),
    }



# --------------------------------------------------------------------------- model page


@dataclass(frozen=True, eq=False)
class ModelView:
    """The model page's content.

    ``report`` is measured on the last ``holdout_months`` of the history by a
    scorer trained only on the months before them (an honest, out-of-time
    check); ``drift`` compares the deployed scorer's training features with
    this month's leads (population stability index per feature).
    """

    report: Any  # propensity.ModelReport
    drift: pd.DataFrame
    holdout_months: int
    train_months: tuple[str, ...]
    test_months: tuple[str, ...]
    deployed_months: tuple[str, ...]


def model_view(data: CountyData, scorer: Any, month: str, *, holdout_months: int = 6,
               seed: int = 0, permutation_repeats: int = 2) -> ModelView:
    """Evaluate the county's lead model out of time and measure drift since training.

    Parameters
    ----------
    data : CountyData
        With its visit ``history``.
    scorer : propensity.LeadScorer
        The deployed (fitted) scorer.
    month : str
        ``YYYY-MM`` of the leads compared against the training features.
    holdout_months : int
        Most recent months held out for the report.
    seed : int
        Seed of the evaluation model and the permutations.
    permutation_repeats : int
        Repeats of the permutation importance.

    Raises
    ------
    InputError
        When the history is missing or too short to hold months out.
    """
    import propensity
    from countyreach.errors import InputError

    if data.history is None or data.history.empty:
        raise InputError("no visit history (history.csv) to evaluate the model on",
                         file=str(data.county.root / "history.csv"))
    train, test = propensity.temporal_split(data.history, holdout_months)
    # Same model configuration as the deployed scorer, trained without the held-out months.
    params = {**scorer.get_params(), "random_state": seed}
    held = propensity.LeadScorer(**params).fit_history(data.leads, train)
    report = propensity.model_report(held, test, data.leads,
                                     permutation_repeats=permutation_repeats, random_state=seed)
    return ModelView(report, feature_drift_now(scorer, data.leads, month), holdout_months,
                     _months(train), _months(test),
                     tuple(str(m) for m in getattr(scorer, "train_months_", ())))


def _months(df: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted(df["month"].astype(str).str.slice(0, 7).unique()))


def feature_drift_now(scorer: Any, leads: pd.DataFrame, month: str) -> pd.DataFrame:
    """Drift of the non-seasonal features between the scorer's training rows and ``leads``.

    Seasonal features (month, cash-need calendar) differ between one month and
    a multi-month training set by design, so they are left out.

    Returns
    -------
    pandas.DataFrame
        ``feature, psi, status`` (most drifted first).
    """
    import propensity

    seasonal = set(propensity.FEATURE_GROUPS.get("seasonal", ()))
    drift = propensity.feature_drift(scorer.train_X_sample_, scorer.features(leads, month))
    return drift[~drift["feature"].isin(seasonal)].reset_index(drop=True)


def calibration_chart(report: Any, lang: str) -> Any:
    """Reliability diagram: predicted vs observed uptake per bin, with the diagonal."""
    import altair as alt

    d = report.calibration[["pred_mean", "obs_rate", "count"]].dropna()
    top = float(max(d["pred_mean"].max(), d["obs_rate"].max(), 0.05)) if len(d) else 1.0
    diag = alt.Chart(pd.DataFrame({"x": [0.0, top], "y": [0.0, top]})).mark_line(
        color="grey", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    pts = alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("pred_mean:Q", title=t("predicted", lang), axis=alt.Axis(format="%")),
        y=alt.Y("obs_rate:Q", title=t("observed", lang), axis=alt.Axis(format="%")),
        size=alt.Size("count:Q", legend=None),
        tooltip=[alt.Tooltip("pred_mean:Q", format=".1%"), alt.Tooltip("obs_rate:Q", format=".1%"),
                 "count:Q"])
    return (diag + pts).properties(title=t("calibration", lang), height=300)


def lift_chart(report: Any, lang: str) -> Any:
    """Uptake lift by score decile (1 = highest scores)."""
    import altair as alt

    return alt.Chart(report.lift).mark_bar().encode(
        x=alt.X("group:O", title="decile"),
        y=alt.Y("lift:Q", title=t("lift", lang)),
        tooltip=["group", alt.Tooltip("obs_rate:Q", format=".1%"),
                 alt.Tooltip("lift:Q", format=".2f"), "count"],
    ).properties(title=t("lift", lang), height=300)


def importance_chart(report: Any, lang: str, top: int = 15) -> Any:
    """Permutation importance (drop in AUC) of the most important features."""
    import altair as alt

    d = report.feature_importance.head(top)
    return alt.Chart(d).mark_bar().encode(
        x=alt.X("importance_mean:Q", title="Δ AUC"),
        y=alt.Y("feature:N", sort="-x", title=None),
        tooltip=["feature", alt.Tooltip("importance_mean:Q", format=".4f"),
                 alt.Tooltip("importance_std:Q", format=".4f")],
    ).properties(title=t("importance", lang), height=22 * max(len(d), 3))


def drift_chart(drift: pd.DataFrame, lang: str, top: int = 15) -> Any:
    """Population stability index per feature, coloured stable / moderate / major."""
    import altair as alt

    d = drift.head(top)
    scale = alt.Scale(domain=["stable", "moderate", "major"],
                      range=["#009e73", "#e69f00", "#d55e00"])
    return alt.Chart(d).mark_bar().encode(
        x=alt.X("psi:Q", title="PSI"),
        y=alt.Y("feature:N", sort="-x", title=None),
        color=alt.Color("status:N", scale=scale, title=None),
        tooltip=["feature", alt.Tooltip("psi:Q", format=".3f"), "status"],
    ).properties(title=t("drift", lang), height=22 * max(len(d), 3))


# --------------------------------------------------------------------------- shared board


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """One visit outcome an officer recorded (``opt_out``: do not visit again)."""

    plan_date: str
    officer_id: str
    lead_id: str
    outcome: str
    recorded_at: str
    opt_out: bool = False


class SharedBoard:
    """Published plans and recorded outcomes shared by every session of one app server.

    The manager publishes on a desktop and the officer opens the list on a
    phone: two browser sessions. Without a signed-in database store this board
    is what connects them (it lives as long as the server process); with the
    store the app writes to both, so pages read one place.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._published: dict[str, Any] = {}
        self._outcomes: dict[str, dict[tuple[str, str], OutcomeRecord]] = {}

    def publish(self, county_key: str, day: Any) -> None:
        """Make ``day`` the published plan of the county."""
        with self._lock:
            self._published[county_key] = day

    def published(self, county_key: str) -> Any | None:
        """The county's published plan, if any."""
        with self._lock:
            return self._published.get(county_key)

    def record(self, county_key: str, plan_date: str, officer_id: str, lead_id: str,
               outcome: str, *, opt_out: bool = False) -> OutcomeRecord:
        """Record (or correct) the outcome of a visit.

        Raises
        ------
        InputError
            For an outcome code not in :data:`countyreach.i18n.OUTCOMES`.
        """
        import datetime as dt

        from countyreach.errors import InputError
        from countyreach.i18n import OUTCOMES

        if outcome not in OUTCOMES:
            raise InputError(f"unknown outcome {outcome!r}; use one of {list(OUTCOMES)}",
                             field="outcome")
        rec = OutcomeRecord(plan_date, officer_id, lead_id, outcome,
                            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), opt_out)
        with self._lock:
            self._outcomes.setdefault(county_key, {})[(plan_date, lead_id)] = rec
        return rec

    def outcomes(self, county_key: str, plan_date: str | None = None) -> dict[str, str]:
        """``lead_id -> outcome`` recorded for the county (on ``plan_date`` when given)."""
        with self._lock:
            recs = list(self._outcomes.get(county_key, {}).values())
        return {r.lead_id: r.outcome for r in recs
                if plan_date is None or r.plan_date == plan_date}

    def do_not_visit(self, county_key: str) -> set[str]:
        """Leads whose business asked not to be visited again."""
        with self._lock:
            recs = list(self._outcomes.get(county_key, {}).values())
        return {r.lead_id for r in recs if r.opt_out}
