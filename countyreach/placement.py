"""Places outside the road network's outline: kept with a warning when near, skipped when far.

A county's leads file comes from many hands; a farm a few hundred metres past the last mapped
road, or a typo that puts one business in the next province, must not stop the day for the
other few thousand. Near points are snapped (the warning states how far outside they are);
far leads are skipped and listed with file, row and reason. Officers are the day itself: an
officer whose start or end is far outside is an input error naming the row. When most leads
lie outside, the file as a whole is wrong (usually its coordinate system), and that is an
error too; so are leads declared WGS-84 that sit far closer to the roads read as GCJ-02 or
BD-09 (:func:`check_crs_mixup`).
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

import geo
from countyreach.csvio import points_to_wgs84
from countyreach.errors import (
    DataWarning,
    DroppedRowWarning,
    FarSnapWarning,
    InputError,
    LocatedError,
)
from countyreach.io import County, read_leads_table, read_officers
from countyreach.table_checks import officer_rows
from geo.types import Location
from routing.problem import Officer, end_node_id, start_node_id

__all__ = ["LEAD_MAX_OUTSIDE_M", "OFFICER_MAX_OUTSIDE_M", "crs_hint", "outside_m",
           "keep_inside", "leads_inside", "CRS_CHECK_MIN_POINTS", "CrsMisfit", "crs_misfit",
           "check_crs_mixup", "check_county_places", "LEAD_MAX_SNAP_M", "Placed", "place_on_roads"]

#: A lead farther than this outside the road network's outline is skipped.
LEAD_MAX_OUTSIDE_M = 1_000.0
#: A lead farther than this from every road is skipped (no drive reaches its door).
LEAD_MAX_SNAP_M = 1_000.0
#: An officer's start or end farther than this outside the outline is an input error.
OFFICER_MAX_OUTSIDE_M = 2_000.0
#: Officers start at a home or branch; one farther than this from every road is a data error.
OFFICER_MAX_SNAP_M = 2_000.0
#: When more than this share of the leads lies far outside, the file is wrong as a whole.
_MOSTLY_OUTSIDE = 0.5


#: How a coordinate system is named to the user.
CRS_NAMES = {"wgs84": "WGS-84", "gcj02": "GCJ-02 (Amap, Tencent)", "bd09": "BD-09 (Baidu)"}


def crs_hint(county: County | str) -> str:
    """A hint about the coordinate system (a county's, or a name), for points that miss
    the roads."""
    if (county if isinstance(county, str) else county.crs) == "wgs84":
        return (" (if the file came from Amap/Tencent it is GCJ-02, from Baidu BD-09: declare "
                "\"crs\" in county.json)")
    return ""


def outside_m(graph: Any, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Metres each point lies outside the road network's outline (0 inside).

    Parameters
    ----------
    graph : geo.RoadGraph
        The county's roads (its ``hull`` is the outline).
    lat, lon : array of float
        WGS-84 points.

    Returns
    -------
    numpy.ndarray
        Great-circle distance to the nearest point of the outline for points outside it.
    """
    import shapely

    pts = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    inside = shapely.contains(graph.hull, pts)
    out: npt.NDArray[np.float64] = np.zeros(len(pts), dtype=np.float64)
    if inside.all():
        return out
    far = np.flatnonzero(~inside)
    lines = shapely.shortest_line(pts[far], graph.hull)
    coords = shapely.get_coordinates(lines).reshape(len(far), 2, 2)
    out[far] = np.asarray(geo.haversine_m(coords[:, 0, 1], coords[:, 0, 0], coords[:, 1, 1],
                               coords[:, 1, 0]), dtype=np.float64)
    return out


def keep_inside(county: County, graph: Any, table: pd.DataFrame,
                officers: Sequence[Officer], *, warn_near: bool = True,
                quiet: Collection[str] = ()) -> pd.DataFrame:
    """Leads near enough to the roads to plan; far ones skipped with a warning naming the row.

    Parameters
    ----------
    county : County
        Names the files in messages.
    graph : geo.RoadGraph
        The county's roads.
    table : pandas.DataFrame
        Validated leads (``lat``, ``lon`` in WGS-84, ``source_row``).
    officers : sequence of Officer
        The roster.
    warn_near, quiet
        As :func:`leads_inside`.

    Returns
    -------
    pandas.DataFrame
        The leads to plan with (far ones removed).

    Raises
    ------
    InputError
        For an officer far outside, or when most leads lie far outside (a whole-file mistake).
    """
    rows = officer_rows(Path(county.officers))
    for k, o in enumerate(officers, start=1):
        i = rows.get(o.officer_id, k)
        for which, dep in (("start", o.start), ("end", o.end)):
            off_m = float(outside_m(graph, [dep.location.lat], [dep.location.lon])[0])
            if off_m > OFFICER_MAX_OUTSIDE_M:
                raise InputError(
                    f"officer {o.officer_id}'s {which} lies {off_m:,.0f} m outside the county's "
                    f"road network" + crs_hint(county),
                    file=str(county.officers), row=i, field=f"{which}_lat")
            if off_m > 0:
                warnings.warn(f"{county.officers}: row {i}: officer {o.officer_id}'s {which} "
                              f"lies {off_m:,.0f} m outside the road network; snapped to the "
                              "nearest road", DataWarning, stacklevel=3)
    return leads_inside(county.leads, county.crs, graph, table, warn_near=warn_near,
                        quiet=quiet)


def check_county_places(county: County, cache_dir: Path) -> None:
    """Check a county folder's officers and leads against its roads, as planning will.

    The store's import calls it before writing, so an officer far outside is refused naming
    the user's ``officers.csv`` and its row (planning from the store would name only the
    stored roster), far leads are warned about where the lender can fix them, and a
    coordinate system declared clearly wrong is refused before the stored county's places
    are overwritten with shifted ones (:func:`place_on_roads`, the rules planning applies).

    Parameters
    ----------
    county : County
    cache_dir : Path
        The road-graph cache (``graphs/`` under it), shared with planning.

    Raises
    ------
    InputError
        As :func:`place_on_roads`.
    """
    graph = geo.load_road_graph(county.roads, cache_dir=cache_dir / "graphs")
    place_on_roads(county, graph, read_leads_table(county.leads, crs=county.crs),
                   read_officers(county.officers, crs=county.crs))


def leads_inside(leads_file: Path, crs: str, graph: Any, table: pd.DataFrame, *,
                 warn_near: bool = True, quiet: Collection[str] = ()) -> pd.DataFrame:
    """The leads part of :func:`keep_inside` (the simulation's population uses it too).

    Parameters
    ----------
    leads_file : Path
        Named in the warnings and errors.
    crs : str
        The file's coordinate system (for the hint when most leads miss the roads).
    graph : geo.RoadGraph
    table : pandas.DataFrame
        Validated leads (``lat``, ``lon`` in WGS-84, ``source_row``).
    warn_near : bool
        Warn about the leads a little outside the outline (snapped, kept).
    quiet : collection of str
        Leads placed and skipped by the same rules but not warned about: no plan offers
        them (a stored county's retired and do-not-visit leads), so a warning every day
        would ask the lender to fix a row that no longer matters.

    Returns
    -------
    pandas.DataFrame
        The leads within :data:`LEAD_MAX_OUTSIDE_M` of the network's outline.

    Raises
    ------
    InputError
        When most leads lie far outside (a whole-file mistake).
    """
    if table.empty:
        return table
    d = outside_m(graph, table["lat"].to_numpy(float), table["lon"].to_numpy(float))
    far: npt.NDArray[np.bool_] = np.asarray(d > LEAD_MAX_OUTSIDE_M)
    if far.mean() > _MOSTLY_OUTSIDE:
        first = table.iloc[int(np.flatnonzero(far)[0])]
        raise InputError(
            f"{int(far.sum())} of {len(table)} leads lie outside the county's road network "
            f"(lead {first['lead_id']} {d[far][0]:,.0f} m outside): the file does not "
            "belong to this county's roads" + crs_hint(crs),
            file=str(leads_file), row=int(first["source_row"]), field="lat")
    loud = ~table["lead_id"].astype(str).isin(set(quiet)).to_numpy()
    if warn_near:
        _warn_near(leads_file, table, d, np.asarray((d > 0) & ~far & loud))
    for k in np.flatnonzero(far & loud):
        rec = table.iloc[int(k)]
        warnings.warn(f"{leads_file}: row {int(rec['source_row'])}: lead {rec['lead_id']} "
                      f"lies {d[k]:,.0f} m outside the county's road network; skipped",
                      DroppedRowWarning, stacklevel=3)
    return table[~far].reset_index(drop=True) if far.any() else table


def _warn_near(leads_file: Path, table: pd.DataFrame, d: npt.NDArray[np.float64],
               near: npt.NDArray[np.bool_]) -> None:
    """One warning for the leads a little outside the outline, snapped to the nearest road."""
    if near.any():
        warnings.warn(f"{leads_file}: {int(near.sum())} lead(s) lie up to "
                      f"{d[near].max():,.0f} m outside the road network (rows "
                      f"{_rows(table, near)}); snapped to the nearest road",
                      DataWarning, stacklevel=4)


@dataclass(frozen=True)
class Placed:
    """A county's leads and officers on its roads (:func:`place_on_roads`).

    Attributes
    ----------
    table : pandas.DataFrame
        The leads to plan with (those too far from the roads removed).
    snaps : dict
        Each kept lead's snap by ``lead_id`` and each officer's start and end by
        :func:`routing.problem.start_node_id` / ``end_node_id``.
    skipped : dict
        Each skipped lead's id and why, as the plan's left-out table states it.
    """

    table: pd.DataFrame
    snaps: dict[str, Any]
    skipped: dict[str, str]


def place_on_roads(county: County, graph: Any, table: pd.DataFrame,
                   officers: Sequence[Officer], *, quiet: Collection[str] = ()) -> Placed:
    """Leads and officers snapped to the roads, by every rule planning applies.

    The one owner of those rules, so that ``county import`` (:func:`check_county_places`)
    refuses and warns about exactly what a plan would: leads far outside the outline and
    leads far from every road are skipped, a clearly misdeclared coordinate system and an
    officer far from the roads are errors. A lead is called snapped only once it is known
    to be kept (one that is both a little outside the outline and too far from a road is
    skipped, not also listed as snapped).

    Parameters
    ----------
    county : County
        Names the files in messages; its ``crs`` is checked.
    graph : geo.RoadGraph
    table : pandas.DataFrame
        Validated leads (``lat``, ``lon`` in WGS-84, ``source_row``).
    officers : sequence of Officer
    quiet : collection of str
        Leads placed by the same rules without a warning (:func:`leads_inside`).

    Returns
    -------
    Placed

    Raises
    ------
    InputError
        As :func:`keep_inside` and :func:`check_crs_mixup`, or for an officer's start or
        end farther than ``OFFICER_MAX_SNAP_M`` from every road.
    """
    given = table
    table = keep_inside(county, graph, table, officers, warn_near=False, quiet=quiet)
    out = given[~given["lead_id"].isin(table["lead_id"])]
    skipped = {str(lid): f"lies {d:,.0f} m outside the county's road network" for lid, d in
               zip(out["lead_id"], outside_m(graph, out["lat"], out["lon"]), strict=True)}
    ids: list[str] = list(table["lead_id"])
    points = [Location(float(a), float(b)) for a, b in zip(table["lat"], table["lon"], strict=True)]
    for o in officers:
        ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
        points += [o.start.location, o.end.location]
    with warnings.catch_warnings():
        # Far snaps are judged below, per file row, where the user can act on them.
        warnings.simplefilter("ignore", FarSnapWarning)
        # Every point lies inside the network's area or near it (checked above, per row).
        snaps = geo.snap_points(graph, points, ids, far_m=OFFICER_MAX_OUTSIDE_M,
                                max_m=float("inf"))
    snap_map = dict(zip(ids, snaps, strict=True))
    check_crs_mixup(county, graph, table, snap_map)
    table = _drop_roadless_leads(county, table, snap_map, skipped, frozenset(quiet))
    rows = officer_rows(Path(county.officers))
    for k, o in enumerate(officers, start=1):
        for node in (start_node_id(o.officer_id), end_node_id(o.officer_id)):
            if snap_map[node].distance_m > OFFICER_MAX_SNAP_M:
                raise InputError(
                    f"officer {o.officer_id}'s start/end is {snap_map[node].distance_m:,.0f} m "
                    "from the nearest road", file=str(county.officers),
                    row=rows.get(o.officer_id, k),
                    field="start_lat" if node.startswith("@start") else "end_lat")
    if not table.empty:
        d = outside_m(graph, table["lat"].to_numpy(float), table["lon"].to_numpy(float))
        loud = ~table["lead_id"].astype(str).isin(set(quiet)).to_numpy()
        _warn_near(county.leads, table, d, np.asarray((d > 0) & loud))
    return Placed(table, snap_map, skipped)


def _drop_roadless_leads(county: County, table: pd.DataFrame, snaps: Mapping[str, Any],
                         skipped: dict[str, str], quiet: frozenset[str]) -> pd.DataFrame:
    """Skip leads with no road within reach, warning with file and row (and adding each to
    ``skipped``); the day goes on."""
    far = [rec for rec in table[["lead_id", "source_row"]].itertuples(index=False)
           if snaps[rec.lead_id].distance_m > LEAD_MAX_SNAP_M]
    for rec in far:
        skipped[str(rec.lead_id)] = (f"{snaps[rec.lead_id].distance_m:,.0f} m from the nearest "
                                     "mapped road")
        if str(rec.lead_id) in quiet:
            continue
        warnings.warn(
            f"{county.leads}: row {rec.source_row}: lead {rec.lead_id} is "
            f"{snaps[rec.lead_id].distance_m:,.0f} m from the nearest mapped road "
            f"(limit {LEAD_MAX_SNAP_M:,.0f} m); skipped", DroppedRowWarning, stacklevel=4)
    if not far:
        return table
    return table[~table["lead_id"].isin({r.lead_id for r in far})].reset_index(drop=True)


def _rows(table: pd.DataFrame, mask: npt.NDArray[np.bool_], limit: int = 10) -> str:
    rows = [str(int(r)) for r in table.loc[mask, "source_row"].head(limit)]
    more = int(mask.sum()) - len(rows)
    return ", ".join(rows) + (f" and {more} more" if more > 0 else "")


#: Fewer points than this say too little about a coordinate system to judge it.
CRS_CHECK_MIN_POINTS = 20


@dataclass(frozen=True)
class CrsMisfit:
    """Points that fit the roads better read in another coordinate system.

    Attributes
    ----------
    crs : str
        The system they fit better (``wgs84``, ``gcj02`` or ``bd09``).
    text : str
        What was measured, e.g. "the leads lie a median 480 m from the roads, but 60 m if
        read as GCJ-02 (Amap, Tencent) instead of WGS-84".
    clear : bool
        Unmistakable (an error) rather than likely (a warning).
    """

    crs: str
    text: str
    clear: bool


def crs_misfit(graph: Any, lat: npt.ArrayLike, lon: npt.ArrayLike, declared: str,
               d_now: npt.ArrayLike | None = None, *, what: str = "leads") -> CrsMisfit | None:
    """Whether points read in their declared system would fit the roads better in another.

    A coordinate system declared wrong (Amap/Tencent points, GCJ-02, or Baidu points, BD-09,
    read as WGS-84, and so on) moves every point ~0.5 km; reading the numbers in the right
    system brings them closer to the roads. Where the roads are sparse that is unmistakable;
    where they are dense a 0.5 km shift still lands most points near some road, so a clear but
    smaller gain is only likely.

    Parameters
    ----------
    graph : geo.RoadGraph
        The roads.
    lat, lon : array of float
        The points in WGS-84, as read in the ``declared`` system.
    declared : str
        The system the points were declared in.
    d_now : array of float, optional
        Each point's distance to the nearest road, when already known (snapped otherwise).
    what : str
        What the points are, for the text ("leads", "villages").

    Returns
    -------
    CrsMisfit or None
        None when fewer than :data:`CRS_CHECK_MIN_POINTS` points are given or no other
        system fits clearly better.
    """
    lat_w, lon_w = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if len(lat_w) < CRS_CHECK_MIN_POINTS:
        return None
    if d_now is None:
        d_now = _road_distances(graph, lat_w, lon_w)
    d_now = np.asarray(d_now, dtype=float)
    now = float(np.median(d_now))
    # the numbers as the file gives them (the points come converted to WGS-84)
    given = (lat_w, lon_w)
    if declared != "wgs84":
        conv = geo.wgs84_to_gcj02 if declared == "gcj02" else geo.wgs84_to_bd09
        given = conv(*given)
    best: CrsMisfit | None = None
    best_m = float("inf")
    for crs in ("wgs84", "gcj02", "bd09"):
        if crs == declared:
            continue
        alt_lat, alt_lon = points_to_wgs84(given[0], given[1], crs)
        try:
            d_alt = _road_distances(graph, alt_lat, alt_lon)
        except LocatedError:
            continue
        then = float(np.median(d_alt))
        text = (f"the {what} lie a median {now:,.0f} m from the roads, but {then:,.0f} m if "
                f"read as {CRS_NAMES[crs]} instead of {CRS_NAMES[declared]}")
        # Correct rural data sits a median ~70-90 m from the mapped roads (farmyards,
        # unmapped lanes); read in a wrong system it moves ~0.5 km and most points get farther.
        if now >= 150 and then < 0.5 * now:
            return CrsMisfit(crs, text, clear=True)
        if then < 0.85 * now and float(np.mean(d_alt < d_now)) > 0.55 and then < best_m:
            best, best_m = CrsMisfit(crs, text, clear=False), then
    return best


def _road_distances(graph: Any, lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Metres from each WGS-84 point to the nearest road (however far)."""
    pts = [Location(float(a), float(b)) for a, b in zip(np.asarray(lat, dtype=float),
                                                         np.asarray(lon, dtype=float),
                                                         strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snaps = geo.snap_points(graph, pts, None, far_m=float("inf"), max_m=float("inf"))
    return np.array([s.distance_m for s in snaps], dtype=float)


def check_crs_mixup(county: County, graph: Any, table: pd.DataFrame,
                    snaps: Mapping[str, Any]) -> None:
    """Catch a leads file whose coordinate system is declared wrong (:func:`crs_misfit`).

    The officers' map links would be off by the shift, so a likely misfit is a warning and
    an unmistakable one an error.

    Raises
    ------
    InputError
        Naming ``county.json`` and ``crs``, when another system fits the roads far better.
    """
    if len(table) < CRS_CHECK_MIN_POINTS:
        return
    sample = table.sample(n=min(400, len(table)), random_state=0)
    d_now = np.array([snaps[i].distance_m for i in sample["lead_id"]])
    misfit = crs_misfit(graph, sample["lat"].to_numpy(float), sample["lon"].to_numpy(float),
                        county.crs, d_now)
    if misfit is None:
        return
    if misfit.clear:
        raise InputError(f"{misfit.text}: set \"crs\": \"{misfit.crs}\" in county.json",
                         file=str(county.root / "county.json"), field="crs")
    warnings.warn(f"{county.root / 'county.json'}: {misfit.text}; if the file came from that "
                  f"map, set \"crs\": \"{misfit.crs}\"", DataWarning, stacklevel=3)
