"""Onboarding a county the project has never seen: a county folder from an OSM extract alone.

``countyreach county init DIR --osm FILE`` writes ``county.json``, the roads, ``villages.csv``,
``branches.csv``, ``officers.csv`` and ``boundary.geojson``, and says every assumption it made,
so a planner can check them before the first plan. Leads come afterwards: the lender's own
``leads.csv``, or ``countyreach synth DIR`` for a synthetic population.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geo
from countyreach.csvio import ID_RE, check_crs, from_wgs84
from countyreach.errors import DataWarning, InputError
from countyreach.i18n import t
from countyreach.io import check_loan_rule, manifest_loan_rule, read_branches, read_villages
from countyreach.onboard_checks import check_given_places
from countyreach.onboard_team import BranchShare, nearest_branch_counts, share_officers
from countyreach.placement import CRS_NAMES
from countyreach.serialize import read_json
from countyreach.workbook import table_file
from geo.places import outline_of_roads, places_from_roads, read_osm_places
from geo.types import Location
from propensity.planning import LOCKOUT_MONTHS
from routing.problem import Depot

__all__ = ["OnboardReport", "init_county", "download_extract"]

#: The working day an onboarded team is given until the lender edits officers.csv.
_SHIFT = ("08:00", "17:30")
_LUNCH = ("11:30", "13:00", 45)
_MAX_VISITS = 12
_MAX_DRIVE_MIN = 240
_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf")


@dataclass
class OnboardReport:
    """What ``county init`` wrote and assumed."""

    root: Path
    files: list[Path] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def text(self, lang: str = "en") -> str:
        """The report as the CLI prints it, in ``lang`` (each assumption through the
        catalogue's ``message`` templates, :func:`countyreach.localize.localize`)."""
        from countyreach.i18n import t
        from countyreach.localize import localize

        L = lang
        lines = [t("init_folder", L, root=self.root)]
        lines += [t("init_wrote", L, name=p.name) for p in self.files]
        lines.append(t("init_assumptions", L))
        lines += [f"  - {localize(a, L)}" for a in self.assumptions]
        lines.append(t("init_next", L, leads=self.root / "leads.csv", root=self.root))
        return "\n".join(lines)


def _osm_suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(_OSM_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return ".osm.pbf" if suffix == ".pbf" else suffix
    raise InputError(f"expected an OSM extract ({', '.join(_OSM_SUFFIXES)})", file=str(path),
                     field="--osm")


def download_extract(place: str, dest: Path) -> Path:
    """Download a place's drivable roads through osmnx and save them as an OSM XML file.

    Needs internet (Overpass). ``place`` is a name Nominatim knows, e.g. ``"唐县, 保定市"``.

    Raises
    ------
    InputError
        When the download fails (no internet, unknown place).
    """
    import osmnx as ox

    try:
        g = ox.graph_from_place(place, network_type="drive", simplify=False, retain_all=False)
        ox.io.save_graph_xml(g, filepath=dest)
    except Exception as exc:  # osmnx raises many types for network and lookup failures
        raise InputError(f"could not download roads for {place!r}: {exc}", field="--place") \
            from None
    return dest


def _target(root: str | Path) -> Path:
    """The folder to write: ``.`` and ``..`` stand for the folders they name, whose names
    become the county id (as any folder's would)."""
    out = Path(root)
    return out.resolve() if out.name in ("", ".", "..") else out


def _check_target(root: Path, force: bool) -> None:
    if root.exists() and not root.is_dir():
        raise InputError("exists and is not a folder", file=str(root))
    if (root / "county.json").exists() and not force:
        raise InputError("already holds a county (county.json); use --force to rebuild it",
                         file=str(root))
    if not root.name:
        raise InputError("has no folder name to become the county id: give a folder such as "
                         "counties/guixi", file=str(root))
    if not ID_RE.match(root.name):
        # The id names files and store records, and is typed on the command line: ASCII only,
        # which a Chinese name is not (贵溪 -> guixi).
        raise InputError(f"the folder name {root.name!r} becomes the county id: use 1-64 ASCII "
                         "letters (a-z, A-Z), digits, '-', '_' or '.', starting with a letter "
                         "or digit (e.g. guixi for 贵溪)", file=str(root))


def _previous_manifest(root: Path) -> dict[str, Any]:
    """The ``county.json`` a ``--force`` rebuild replaces (empty when none, or unreadable:
    the rebuild is how a broken folder is mended)."""
    try:
        old = read_json(root / "county.json") if (root / "county.json").is_file() else {}
    except Exception:  # any unreadable manifest is replaced, as --force asks
        return {}
    return old if isinstance(old, dict) else {}


def _central(graph: geo.RoadGraph, places: pd.DataFrame) -> int:
    """Row of the place with the least mean driving time to every other place."""
    pts = [Location(float(a), float(b)) for a, b in zip(places["lat"], places["lon"],
                                                         strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the given villages were checked against the roads by file row before
        snaps = geo.snap_points(graph, pts, [f"p{i}" for i in range(len(pts))],
                                far_m=float("inf"), max_m=float("inf"))
    mat = geo.travel_matrix(graph, snaps)
    reach = np.minimum(mat.duration_s, 10**7).astype(float)
    return int(np.argmin(reach.mean(axis=1) + reach.mean(axis=0)))


def init_county(root: str | Path, osm: str | Path | None = None, *, place: str | None = None,
                name: str | None = None, villages: str | Path | None = None,
                branches: str | Path | None = None, officers: int | None = None,
                crs: str = "wgs84",
                boundary: Sequence[str] | None = None, cache_dir: str | Path | None = None,
                force: bool = False, loan_rule_months: int | None = None,
                lang: str = "en") -> OnboardReport:
    """Build a county folder from an OSM extract (or a place name, with internet).

    Parameters
    ----------
    root : str or Path
        The folder to write; its name becomes the county id.
    osm : str or Path, optional
        ``.osm``/``.osm.bz2``/``.osm.pbf`` extract. Either this or ``place``.
    place : str, optional
        A place name to download through osmnx (internet needed).
    name : str, optional
        Display name (default: the first city or town among the villages, else in the
        extract, else the folder name).
    villages, branches : str or Path, optional
        The lender's own files (``name, lat, lon`` / ``branch_id, name, lat, lon``) in ``crs``,
        instead of OSM place nodes and a branch at the most central village. Without
        ``branches``, a ``--force`` rebuild keeps the folder's ``branches.csv`` (the
        lender's, edited since), checked against the roads as a given file is.
    officers : int, optional
        Officers to create (default 4), shared over the branches: one each, the rest in
        proportion to the villages nearest each branch by road. Without it, a ``--force``
        rebuild keeps the folder's ``officers.csv`` (the lender's roster, edited since) and
        its name unless ``name`` is given.
    lang : {"en", "zh"}
        The language of the names it makes up for the planner to replace (``客户经理 1``,
        ``东门村（假定网点）``).
    crs : {"wgs84", "gcj02", "bd09"}
        Coordinate system of the CSV files in the folder (the given ones, and the lender's
        leads to come); generated points are written in it too.
    boundary : sequence of str, optional
        ``(province, city, county)`` names for a cnmaps boundary; default the roads' outline.
    cache_dir : str or Path, optional
        Road-graph cache.
    force : bool
        Rebuild a folder that already holds a county. Its ``leads.csv`` and history are kept
        (not converted: a changed ``crs`` is warned about), and so is its loan rule unless
        ``loan_rule_months`` is given.
    loan_rule_months : int, optional
        The lender's loan rule written to ``county.json``: a business with a loan from us
        within this many months is not visited for a loan (0-60). Default: the rule of the
        county a ``--force`` rebuild replaces, else
        :data:`propensity.planning.LOCKOUT_MONTHS`.

    Returns
    -------
    OnboardReport

    Raises
    ------
    InputError
        For a bad request or input file (naming the file, row and field or option), a given
        village or branch the roads do not reach, or a boundary the roads do not meet.
    """
    out = _target(root)
    crs = check_crs(crs)
    _check_target(out, force)
    previous = _previous_manifest(out)
    rule_kept = loan_rule_months is None and "loan_rule_months" in previous
    try:
        if loan_rule_months is not None:
            loan_rule_months = check_loan_rule(loan_rule_months)
        else:
            loan_rule_months = manifest_loan_rule(previous)
    except InputError as exc:
        if loan_rule_months is not None:
            raise InputError(exc.reason, field="--loan-rule-months") from None
        loan_rule_months, rule_kept = LOCKOUT_MONTHS, False  # a broken old rule is not kept
    # the lender's roster, branches and the county's name, edited since, survive a rebuild
    roster = _kept(out, "officers.csv", previous, officers is None)
    kept_branches = _kept(out, "branches.csv", previous, branches is None)
    written = ["villages.csv"] + ["branches.csv"] * (kept_branches is None) \
        + ["officers.csv"] * (roster is None)
    for csv_name in written:  # the rebuild's table beside the lender's workbook of it
        book = out / Path(csv_name).with_suffix(".xlsx").name
        if book.is_file():
            raise InputError(f"{book.name} is in the folder and this rebuild writes {csv_name}: "
                             f"a county with both is refused; move {book.name} out of the "
                             "folder first", file=str(book))
    if name is None and previous.get("name"):
        name = str(previous["name"])
    if officers is None:
        officers = 4
    if officers < 1 or officers > 500:
        raise InputError(f"--officers must be 1-500, got {officers}", field="--officers")
    if (osm is None) == (place is None):
        raise InputError("give an OSM extract (--osm FILE) or a place name (--place NAME)",
                         field="--osm")
    if boundary:
        _named_boundary(boundary)  # a wrong name is refused before the roads are read
    given_villages = read_villages(villages, crs=crs) if villages is not None else None
    given_branches = read_branches(branches, crs=crs) if branches is not None else None
    if kept_branches is not None:
        given_branches = _read_kept_branches(kept_branches, crs)
    report = OnboardReport(out)
    staging = out.parent / f".{out.name}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        if osm is not None:
            src = Path(osm)
            if not src.exists():
                raise InputError("file not found", file=str(src), field="--osm")
            roads = staging / f"roads{_osm_suffix(src)}"
            shutil.copyfile(src, roads)
        else:
            assert place is not None
            roads = src = download_extract(place, staging / "roads.osm")
            report.assumptions.append(f"roads downloaded from OpenStreetMap for {place!r}")
        # Read from the user's own file, so that a problem with it names that file and not
        # the staging copy.
        graph = geo.load_road_graph(src, cache_dir=None if cache_dir is None
                                    else Path(cache_dir) / "graphs")
        # A two-way road is two edges over one geometry: count it once.
        idx = np.arange(len(graph.edge_u))
        once = (graph.edge_reverse < 0) | (idx < graph.edge_reverse)
        km = float(graph.edge_length_m[once].sum()) / 1000.0
        report.assumptions.append(
            f"drivable roads: {len(graph.node_ids):,} junctions, {km:,.0f} km of road, the "
            "largest connected network of the extract")
        branches_file = kept_branches or (None if branches is None else Path(str(branches)))
        check_given_places(
            graph, crs,
            villages=None if given_villages is None else (Path(str(villages)), given_villages),
            branches=None if given_branches is None or branches_file is None
            else (branches_file, given_branches))
        villages_df = _villages(graph, src, given_villages, report)
        county_name = name or _county_name(
            villages_df, src if given_villages is not None else None, out.name)
        branches_df = _branches(graph, villages_df, given_branches, report,
                                kept=kept_branches is not None, lang=lang)
        outline = _boundary(graph, src, boundary, report)
        _write_csv(_to_crs(villages_df, crs), staging / "villages.csv", report)
        if kept_branches is not None:
            # the lender's file as they saved it: not rewritten, as officers.csv is not
            shutil.copyfile(kept_branches, staging / kept_branches.name)
            report.files.append(staging / kept_branches.name)
        else:
            _write_csv(_to_crs(branches_df, crs), staging / "branches.csv", report)
        if roster is not None:
            shutil.copyfile(roster, staging / roster.name)
            report.files.append(staging / roster.name)
            report.assumptions.append("officers: officers.csv kept from the county replaced "
                                      "(--officers N writes a new roster)")
        else:
            _write_csv(_officers(graph, branches_df, villages_df, officers, crs, report, lang),
                       staging / "officers.csv", report)
        (staging / "boundary.geojson").write_text(json.dumps({
            "type": "Feature", "properties": {"name": county_name},
            "geometry": outline.__geo_interface__}, ensure_ascii=False), encoding="utf-8")
        report.files.append(staging / "boundary.geojson")
        manifest = {
            "county_id": out.name, "name": county_name, "crs": crs, "roads": roads.name,
            "villages": "villages.csv", "leads": "leads.csv", "boundary": "boundary.geojson",
            "branches": kept_branches.name if kept_branches else "branches.csv",
            "officers": roster.name if roster else "officers.csv",
            "loan_rule_months": loan_rule_months,
            "attribution": "Roads and places © OpenStreetMap contributors (ODbL 1.0).",
        }
        (staging / "county.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                             encoding="utf-8")
        report.files.insert(0, staging / "county.json")
        report.files.insert(1, roads)
        report.assumptions.append(f"county id {out.name!r} (the folder name), name "
                                  f"{county_name!r}, CSV coordinates in {crs.upper()}")
        report.assumptions.append(
            f"loan rule: a business with a loan from us in the last {loan_rule_months} months "
            "is not visited for a loan " + (
                "(kept from the county.json replaced; --loan-rule-months sets another)"
                if rule_kept else "(county.json's loan_rule_months; set the lender's own)"))
        # Everything was written to a staging folder; only a complete county replaces ``out``.
        out.mkdir(parents=True, exist_ok=True)
        for p in staging.iterdir():
            shutil.move(str(p), out / p.name)
        report.files = [out / p.name for p in report.files]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _warn_kept_files(out, previous, crs, [p for p in (
        table_file(out, "leads.csv"), out / kept_branches.name if kept_branches else None,
        out / roster.name if roster else None) if p is not None])
    return report


def _kept(root: Path, name: str, previous: dict[str, Any], keep: bool) -> Path | None:
    """``root / name`` (or its .xlsx, :func:`~countyreach.workbook.table_file`) when a
    rebuild keeps it (a county is replaced, no option asks for a new one, and the file is
    there), else None."""
    path = table_file(root, name)
    return path if previous and keep and path.is_file() else None


def _read_kept_branches(path: Path, crs: str) -> tuple[Depot, ...]:
    """The kept ``branches.csv``, read as a given one: a bad row is refused (the lender's
    edits are not replaced behind their back), saying how to get new branches instead."""
    try:
        return read_branches(path, crs=crs)
    except InputError as exc:
        # after a list of bad rows the advice gets a line of its own
        sep = "\n" if "\n" in exc.reason else "; "
        raise InputError(f"{exc.reason}{sep}branches.csv is kept on --force: fix it, or give "
                         "--branches FILE", file=exc.file, row=exc.row,
                         field=exc.field) from None


def _villages(graph: geo.RoadGraph, roads: Path, given: pd.DataFrame | None,
              report: OnboardReport) -> pd.DataFrame:
    if given is not None:
        report.assumptions.append(f"villages: the {len(given)} given")
        return given[["name", "place", "lat", "lon"]].reset_index(drop=True)
    places = read_osm_places(roads)
    if len(places):
        import shapely

        area = outline_of_roads(graph.node_lat, graph.node_lon)
        inside = shapely.contains_xy(area, places["lon"].to_numpy(), places["lat"].to_numpy())
        left = int((~inside).sum())
        places = places[inside].reset_index(drop=True)
        report.assumptions.append(
            f"villages: {len(places)} named OSM place nodes "
            f"({', '.join(sorted(set(places['place'])))})"
            + (f"; {left} outside the road network left out" if left else ""))
    if len(places) >= 2:
        return places[["name", "place", "lat", "lon"]]
    degree = np.bincount(graph.edge_u, minlength=len(graph.node_ids)) + np.bincount(
        graph.edge_v, minlength=len(graph.node_ids))
    stand_in = places_from_roads(graph.node_lat, graph.node_lon, degree)
    report.assumptions.append(
        f"villages: the extract names fewer than two settlements, so {len(stand_in)} stand-ins "
        "were placed at the busiest road junction of each 2 km cell (named 地点 01 …)")
    if len(stand_in) == 0:
        raise InputError("the extract has too few roads to place any village", file=str(roads))
    return stand_in[["name", "place", "lat", "lon"]]


def _county_name(villages: pd.DataFrame, roads: Path | None, fallback: str) -> str:
    """The first city, else town, of ``villages``, else of the extract ``roads``, else
    ``fallback``: the lender's own villages file rarely lists its town, and the extract's
    town names the county better than the folder does."""
    for kind in ("city", "town"):
        hit = villages[villages["place"] == kind]
        if len(hit):
            return str(hit.iloc[0]["name"])
    if roads is not None:
        return _county_name(read_osm_places(roads, kinds=("city", "town")), None, fallback)
    return fallback


def _branches(graph: geo.RoadGraph, villages: pd.DataFrame,
              given: Sequence[Depot] | None, report: OnboardReport, *,
              kept: bool = False, lang: str = "en") -> pd.DataFrame:
    if given is not None:
        rows = [{"branch_id": b.depot_id, "name": b.name, "lat": b.location.lat,
                 "lon": b.location.lon} for b in given]
        report.assumptions.append(
            f"branches: branches.csv kept from the county replaced, {len(rows)} "
             "(--branches FILE gives new ones)" if kept else
             f"branches: the {len(rows)} given")
        return pd.DataFrame(rows)
    i = _central(graph, villages)
    v = villages.iloc[i]
    report.assumptions.append(
        f"one branch, at {v['name']}: the village with the shortest mean drive to and from all "
        "others (give --branches for the real ones)")
    return pd.DataFrame([{"branch_id": "B01",
                          "name": t("placeholder_branch", lang, village=v["name"]),
                          "lat": float(v["lat"]), "lon": float(v["lon"])}])


def _named_boundary(names: Sequence[str]) -> Any:
    """The cnmaps outline of ``省/市/县`` names, or an input error naming ``--boundary``."""
    parts: list[str | None] = [p.strip() or None for p in names]
    if not 1 <= len(parts) <= 3 or parts[0] is None:
        raise InputError(f"expected 省/市/县 names like 河北省/保定市/唐县, got "
                         f"{'/'.join(names)!r}", field="--boundary")
    parts = [*parts, None, None][:3]
    try:
        return geo.county_boundary(str(parts[0]), parts[1], parts[2])
    except geo.GeoError:
        raise InputError(f"cnmaps has no area named {'/'.join(names)!r} (give 省/市/县 as "
                         "cnmaps spells them, e.g. 河北省/保定市/唐县)",
                         field="--boundary") from None


def _boundary(graph: geo.RoadGraph, roads: Path, names: Sequence[str] | None,
              report: OnboardReport) -> Any:
    if names:
        outline = _named_boundary(names)
        if not outline.intersects(graph.hull):
            # a boundary of another county (or an extract of another place): every lead of
            # the county would be judged against an area its roads never reach
            lon0, lat0, lon1, lat1 = graph.hull.bounds
            raise InputError(f"{'/'.join(names)} does not overlap the roads of {roads} (lat "
                             f"{lat0:.2f}-{lat1:.2f}, lon {lon0:.2f}-{lon1:.2f}): check the names "
                             "and the extract", field="--boundary")
        report.assumptions.append(f"boundary: {'/'.join(names)} from cnmaps "
                                  f"({geo.area_km2(outline):,.0f} km²)")
        return outline
    outline = outline_of_roads(graph.node_lat, graph.node_lon)
    report.assumptions.append(f"boundary: the roads' outline widened by 500 m "
                              f"({geo.area_km2(outline):,.0f} km²)")
    return outline


def _warn_kept_files(root: Path, previous: dict[str, Any], crs: str,
                     kept: Sequence[Path]) -> None:
    """Say that kept files with coordinates (``leads.csv``, and the lender's branches and
    roster) are now read in the rebuilt folder's system.

    The files are the lender's: they are neither converted nor removed. A rebuild with
    another ``--crs`` usually mends a wrong declaration (the points were in the new system all
    along), but a file written in the old one (``synth``'s leads, say) is now misread by
    ~0.5 km.
    """
    try:
        before = check_crs(str(previous.get("crs", "wgs84")))
    except InputError:
        return
    if before == crs:
        return
    for path in kept:
        if not path.exists():
            continue
        warnings.warn(f"{path}: kept, and now read as {CRS_NAMES[crs]} (the folder was "
                      f"{CRS_NAMES[before]}); if its coordinates are {CRS_NAMES[before]}, "
                      f"rebuild with --crs {before} or convert them" + (
                          f" (for synthetic leads: `countyreach synth {root} --force`)"
                          if path.name == "leads.csv" else ""), DataWarning, stacklevel=3)


def _to_crs(df: pd.DataFrame, crs: str) -> pd.DataFrame:
    out = df.copy()
    pts = [from_wgs84(float(a), float(b), crs) for a, b in zip(df["lat"], df["lon"], strict=True)]
    out["lat"] = [round(p[0], 7) for p in pts]
    out["lon"] = [round(p[1], 7) for p in pts]
    return out


def _officers(graph: geo.RoadGraph, branches: pd.DataFrame, villages: pd.DataFrame, n: int,
              crs: str, report: OnboardReport, lang: str = "en") -> pd.DataFrame:
    """``n`` generalist officers, shared over the branches (:mod:`countyreach.onboard_team`)."""
    if len(branches) == 1:
        share = BranchShare((n,), (len(villages),))
    else:
        share = share_officers(n, nearest_branch_counts(graph, branches, villages))
    rows: list[dict[str, Any]] = []
    for (_, branch), count in zip(branches.iterrows(), share.officers, strict=True):
        lat, lon = from_wgs84(float(branch["lat"]), float(branch["lon"]), crs)
        rows += [{"officer_id": f"O{k:02d}", "name": t("placeholder_officer", lang, n=k),
                  "start_kind": "branch",
                  "start_name": branch["name"], "start_lat": round(lat, 7),
                  "start_lon": round(lon, 7), "shift_start": _SHIFT[0],
                  "shift_end": _SHIFT[1], "max_drive_min": _MAX_DRIVE_MIN,
                  "max_visits": _MAX_VISITS, "skills": "", "localities": "",
                  "lunch_start": _LUNCH[0], "lunch_end": _LUNCH[1], "lunch_min": _LUNCH[2]}
                 for k in range(len(rows) + 1, len(rows) + count + 1)]
    day = (f"{_SHIFT[0]}-{_SHIFT[1]}, lunch {_LUNCH[2]} min starting {_LUNCH[0]}-{_LUNCH[1]}, "
           f"at most {_MAX_VISITS} visits and {_MAX_DRIVE_MIN} min of driving a day")
    if len(branches) == 1:
        report.assumptions.append(
            f"{n} generalist officers based at {branches.iloc[0]['name']}, {day}")
        return pd.DataFrame(rows)
    per_branch = ", ".join(f"{name} {o} ({v} village{'' if v == 1 else 's'})" for name, o, v in zip(
        branches["name"], share.officers, share.villages, strict=True))
    rule = ("one to each branch, the rest in proportion to the villages nearest each branch "
            "by road" if n >= len(branches) else
            "one each to the branches with the most villages nearest them by road; "
            f"{len(branches) - n} branch(es) without an officer")
    report.assumptions.append(f"{n} generalist officers, {day}")
    report.assumptions.append(f"officers per branch: {per_branch}: {rule} (edit "
                              "officers.csv's start_* to move them)")
    return pd.DataFrame(rows)


def _write_csv(df: pd.DataFrame, path: Path, report: OnboardReport) -> None:
    df.to_csv(path, index=False, encoding="utf-8")
    report.files.append(path)
