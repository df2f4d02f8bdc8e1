"""Reading the user's input files: county manifest, villages, branches, leads, officers.

Every reader validates row by row and raises :class:`InputError` naming the
file, the 1-based data row and the field, so a user can fix the file in a
spreadsheet. Soft problems (a duplicated lead, an unknown optional column)
become :class:`DroppedRowWarning` / :class:`DataWarning`.

Coordinates in files may be WGS-84 (``wgs84``, GPS/OSM), GCJ-02 (``gcj02``,
Amap/Tencent and most Chinese data) or BD-09 (``bd09``, Baidu): the manifest
or the caller declares which, and they are converted to WGS-84 here, at the
edge, so nothing inside ever sees a shifted coordinate.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from countyreach.errors import DataWarning, DroppedRowWarning, InputError, LocatedError
from geo.types import Location
from routing.problem import Break, Depot, DepotKind, Lead, Officer, TimeWindow, parse_hhmm

__all__ = [
    "CRS_CHOICES",
    "SERVICE_MIN_BY_INDUSTRY",
    "LEAD_COLUMNS",
    "OFFICER_COLUMNS",
    "County",
    "load_county",
    "read_villages",
    "read_branches",
    "read_leads_table",
    "read_officers",
    "leads_from_table",
    "to_wgs84",
]

CRS_CHOICES = ("wgs84", "gcj02", "bd09")

#: Default minutes at a business by industry: a farm visit includes walking the
#: fields or pens, a shop visit is a conversation at the counter.
SERVICE_MIN_BY_INDUSTRY: Mapping[str, int] = {
    "jade_carving": 25,
    "kids_bicycles": 25,
    "toys": 25,
    "pumpkin": 30,
    "jujube": 30,
    "sheep_farm": 35,
    "cattle_farm": 35,
    "fish_feed": 20,
    "clothing": 20,
    "small_shop": 15,
}
DEFAULT_SERVICE_MIN = 20

LEAD_COLUMNS: Mapping[str, str] = {
    "lead_id": "required; letters, digits, - _ . : only",
    "name": "required; business name shown to the officer",
    "industry": "required; industry code, e.g. sheep_farm, small_shop",
    "village": "optional; village name (locality matching, grouping)",
    "lat": "required; latitude in the declared coordinate system",
    "lon": "required; longitude in the declared coordinate system",
    "phone": "optional",
    "address": "optional",
    "service_min": "optional; minutes at the business (default by industry)",
    "windows": "optional; visit windows 'HH:MM-HH:MM;HH:MM-HH:MM' (empty: any time)",
    "pinned_officer_id": "optional; appointment: must be visited by this officer",
    "load": "optional; units of what officers carry that the visit uses (kits, QR plates)",
}

OFFICER_COLUMNS: Mapping[str, str] = {
    "officer_id": "required",
    "name": "required",
    "start_kind": "home or branch",
    "start_name": "label of the start place",
    "start_lat": "required",
    "start_lon": "required",
    "end_kind": "optional; home or branch (default: same as start)",
    "end_name": "optional",
    "end_lat": "optional (default: start)",
    "end_lon": "optional (default: start)",
    "shift_start": "required, HH:MM",
    "shift_end": "required, HH:MM",
    "max_drive_min": "optional",
    "max_visits": "optional",
    "capacity": "optional; units an officer carries for the day (see leads' load)",
    "skills": "optional; industries separated by ';' (empty: generalist)",
    "localities": "optional; villages separated by ';'",
    "lunch_start": "optional, HH:MM: earliest lunch start",
    "lunch_end": "optional, HH:MM: latest lunch start",
    "lunch_min": "optional; lunch minutes",
}

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert one point from ``crs`` to WGS-84.

    Parameters
    ----------
    lat, lon : float
        The point in ``crs``.
    crs : {"wgs84", "gcj02", "bd09"}
        Coordinate system of the input.

    Returns
    -------
    tuple of float
        ``(lat, lon)`` in WGS-84.
    """
    if crs == "wgs84":
        return lat, lon
    import geo  # the converters live with the rest of the geodesy

    if crs == "gcj02":
        la, lo = geo.gcj02_to_wgs84(lat, lon)
    elif crs == "bd09":
        la, lo = geo.bd09_to_wgs84(lat, lon)
    else:
        raise InputError(f"unknown coordinate system {crs!r}; use one of {CRS_CHOICES}",
                         field="crs")
    return float(la), float(lo)


def _read_csv(path: Path, required: Sequence[str]) -> pd.DataFrame:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("file is not UTF-8 text (save it as CSV UTF-8)", file=str(path)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV file: {exc}", file=str(path)) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"missing required column(s) {missing}; the file has {list(df.columns)}",
            file=str(path),
            field=missing[0],
        )
    return df


class _Row:
    """Typed access to one CSV row that names file, row and field on error."""

    def __init__(self, path: Path, rowno: int, data: Mapping[str, str]) -> None:
        self.path = path
        self.rowno = rowno
        self.data = data

    def err(self, field: str, message: str) -> InputError:
        return InputError(message, file=str(self.path), row=self.rowno, field=field)

    def text(self, field: str, *, required: bool = False, max_len: int = 200) -> str:
        value = str(self.data.get(field, "") or "").strip()
        if required and not value:
            raise self.err(field, "value is required")
        if _CONTROL_RE.search(value):
            raise self.err(field, "contains control characters")
        if len(value) > max_len:
            raise self.err(field, f"longer than {max_len} characters")
        return value

    def ident(self, field: str, *, required: bool = True) -> str | None:
        value = self.text(field, required=required)
        if not value:
            return None
        if not _ID_RE.match(value):
            raise self.err(
                field,
                f"{value!r} is not a valid id (1-64 of letters, digits, '-', '_', '.', ':')",
            )
        return value

    def number(self, field: str, *, required: bool = True, lo: float | None = None,
               hi: float | None = None) -> float | None:
        raw = self.text(field, required=required)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.err(field, f"expected a number, got {raw!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.err(field, f"expected a finite number, got {raw!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.err(field, f"{value:g} is outside [{lo}, {hi}]")
        return value

    def time(self, field: str, *, required: bool = True) -> int | None:
        raw = self.text(field, required=required)
        if not raw:
            return None
        try:
            return parse_hhmm(raw)
        except LocatedError as exc:
            raise self.err(field, exc.reason) from None

    def latlon(self, lat_field: str, lon_field: str, crs: str) -> Location:
        lat = self.number(lat_field, lo=-90, hi=90)
        lon = self.number(lon_field, lo=-180, hi=180)
        assert lat is not None and lon is not None
        la, lo = to_wgs84(lat, lon, crs)
        return Location(la, lo)


def _rows(path: Path, df: pd.DataFrame) -> list[_Row]:
    return [_Row(path, i + 1, rec) for i, rec in enumerate(df.to_dict(orient="records"))]


def _check_crs(crs: str) -> str:
    crs = crs.lower().replace("-", "").replace("_", "")
    if crs not in CRS_CHOICES:
        raise InputError(f"unknown coordinate system {crs!r}; use one of {CRS_CHOICES}",
                         field="crs")
    return crs


def read_villages(path: str | Path, *, crs: str = "wgs84") -> pd.DataFrame:
    """Read village points.

    Parameters
    ----------
    path : str or Path
        CSV with at least ``name, lat, lon`` (the OSM places export also has ``place``).
    crs : str
        Coordinate system of the file.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, place, lat, lon`` in WGS-84.
    """
    p = Path(path)
    crs = _check_crs(crs)
    df = _read_csv(p, ["name", "lat", "lon"])
    out = []
    for row in _rows(p, df):
        loc = row.latlon("lat", "lon", crs)
        out.append({"name": row.text("name", required=True),
                    "place": row.text("place") or "village", "lat": loc.lat, "lon": loc.lon})
    return pd.DataFrame(out, columns=["name", "place", "lat", "lon"])


def read_branches(path: str | Path, *, crs: str = "wgs84") -> tuple[Depot, ...]:
    """Read bank branches (``branch_id, name, lat, lon``) as :class:`Depot` values."""
    p = Path(path)
    crs = _check_crs(crs)
    df = _read_csv(p, ["branch_id", "name", "lat", "lon"])
    out = []
    for row in _rows(p, df):
        bid = row.ident("branch_id")
        assert bid is not None
        out.append(Depot(bid, row.text("name", required=True), row.latlon("lat", "lon", crs),
                         DepotKind.BRANCH))
    if not out:
        raise InputError("no branches in file", file=str(p))
    return tuple(out)


def read_leads_table(path: str | Path, *, crs: str = "wgs84") -> pd.DataFrame:
    """Read and validate a leads file.

    Parameters
    ----------
    path : str or Path
        CSV with the columns of :data:`LEAD_COLUMNS`; extra columns (model
        features such as ``years_operating``) are kept.
    crs : str
        Coordinate system of ``lat``/``lon`` in the file.

    Returns
    -------
    pandas.DataFrame
        One row per lead, ``lat``/``lon`` in WGS-84, ``service_s`` (int),
        ``windows`` (tuple of :class:`TimeWindow`), ``source_row`` (1-based).

    Raises
    ------
    InputError
        Naming file, row and field of the first bad value.
    """
    p = Path(path)
    crs = _check_crs(crs)
    df = _read_csv(p, ["lead_id", "name", "industry", "lat", "lon"])
    seen: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    for row in _rows(p, df):
        lead_id = row.ident("lead_id")
        assert lead_id is not None
        if lead_id in seen:
            warnings.warn(
                f"{p}: row {row.rowno}: lead_id {lead_id!r} repeats row {seen[lead_id]}; "
                "keeping the first", DroppedRowWarning, stacklevel=2)
            continue
        seen[lead_id] = row.rowno
        loc = row.latlon("lat", "lon", crs)
        industry = row.text("industry", required=True, max_len=40)
        svc = row.number("service_min", required=False, lo=0, hi=480)
        service_min = SERVICE_MIN_BY_INDUSTRY.get(industry, DEFAULT_SERVICE_MIN) if svc is None \
            else svc
        windows = _parse_windows(row)
        rec: dict[str, Any] = dict(row.data)
        rec.update(
            lead_id=lead_id,
            name=row.text("name", required=True),
            industry=industry,
            village=row.text("village"),
            lat=loc.lat,
            lon=loc.lon,
            phone=row.text("phone", max_len=40),
            address=row.text("address"),
            service_s=int(round(service_min * 60)),
            windows=windows,
            pinned_officer_id=row.ident("pinned_officer_id", required=False),
            load=int(row.number("load", required=False, lo=0, hi=10_000) or 0),
            source_row=row.rowno,
        )
        records.append(rec)
    if not records:
        raise InputError("the leads file has no rows", file=str(p))
    return pd.DataFrame.from_records(records)


def _parse_windows(row: _Row) -> tuple[TimeWindow, ...]:
    text = row.text("windows")
    if not text and (row.text("window_start") or row.text("window_end")):
        text = f"{row.text('window_start') or '00:00'}-{row.text('window_end') or '23:59'}"
        field = "window_start"
    else:
        field = "windows"
    if not text:
        return ()
    out = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        bits = part.split("-")
        if len(bits) != 2:
            raise row.err(field, f"expected HH:MM-HH:MM, got {part!r}")
        try:
            a, b = parse_hhmm(bits[0]), parse_hhmm(bits[1])
        except LocatedError as exc:
            raise row.err(field, exc.reason) from None
        if b < a:
            raise row.err(field, f"window {part!r} ends before it starts")
        out.append(TimeWindow(a, b))
    try:
        Lead("x", "x", Location(0, 0), "x", windows=tuple(out))
    except LocatedError as exc:
        raise row.err(field, exc.reason) from None
    return tuple(out)


def leads_from_table(
    table: pd.DataFrame,
    values: Mapping[str, float] | None = None,
    stds: Mapping[str, float] | None = None,
) -> tuple[Lead, ...]:
    """Build :class:`Lead` values from :func:`read_leads_table` output and scores.

    Parameters
    ----------
    table : pandas.DataFrame
        Validated leads.
    values, stds : mapping of lead_id to yuan, optional
        Expected value of a visit and its standard deviation (from the scorer).

    Returns
    -------
    tuple of Lead
    """
    values = values or {}
    stds = stds or {}

    def opt(value: Any) -> str:
        # pandas turns missing optional text into NaN or None depending on the path it took
        return "" if value is None or (isinstance(value, float) and value != value) else str(value)

    def _load(value: Any) -> int:
        # Tables from older stores and files have no load column (or NaN in it).
        if value is None or (isinstance(value, float) and value != value):
            return 0
        return int(value)

    out = []
    for rec in table.to_dict(orient="records"):
        lid = str(rec["lead_id"])
        out.append(
            Lead(
                lead_id=lid,
                name=str(rec["name"]),
                location=Location(float(rec["lat"]), float(rec["lon"])),
                industry=str(rec["industry"]),
                village=opt(rec.get("village")),
                service_s=int(rec["service_s"]),
                value_yuan=max(0.0, float(values.get(lid, 0.0))),
                value_std_yuan=max(0.0, float(stds.get(lid, 0.0))),
                windows=tuple(rec.get("windows") or ()),
                pinned_officer_id=opt(rec.get("pinned_officer_id")) or None,
                load=_load(rec.get("load")),
                phone=opt(rec.get("phone")),
                address=opt(rec.get("address")),
            )
        )
    return tuple(out)


def read_officers(path: str | Path, *, crs: str = "wgs84") -> tuple[Officer, ...]:
    """Read the officer roster.

    Parameters
    ----------
    path : str or Path
        CSV with the columns of :data:`OFFICER_COLUMNS`.
    crs : str
        Coordinate system of the start/end coordinates.

    Returns
    -------
    tuple of Officer

    Raises
    ------
    InputError
        For a bad value (naming file, row, field) or an empty roster.
    """
    p = Path(path)
    crs = _check_crs(crs)
    df = _read_csv(p, ["officer_id", "name", "start_lat", "start_lon", "shift_start",
                       "shift_end"])
    out: list[Officer] = []
    seen: set[str] = set()
    for row in _rows(p, df):
        oid = row.ident("officer_id")
        assert oid is not None
        if oid in seen:
            raise row.err("officer_id", f"officer {oid!r} appears twice")
        seen.add(oid)
        start_kind = row.text("start_kind") or "home"
        if start_kind not in ("home", "branch"):
            raise row.err("start_kind", f"must be home or branch, got {start_kind!r}")
        start = Depot(f"{oid}-start", row.text("start_name") or start_kind,
                      row.latlon("start_lat", "start_lon", crs), DepotKind(start_kind))
        if row.text("end_lat") or row.text("end_lon"):
            end_kind = row.text("end_kind") or start_kind
            if end_kind not in ("home", "branch"):
                raise row.err("end_kind", f"must be home or branch, got {end_kind!r}")
            end = Depot(f"{oid}-end", row.text("end_name") or end_kind,
                        row.latlon("end_lat", "end_lon", crs), DepotKind(end_kind))
        else:
            end = Depot(f"{oid}-end", start.name, start.location, start.kind)
        s0, s1 = row.time("shift_start"), row.time("shift_end")
        assert s0 is not None and s1 is not None
        if s1 <= s0:
            raise row.err("shift_end", "shift must end after it starts")
        drive = row.number("max_drive_min", required=False, lo=0, hi=24 * 60)
        visits = row.number("max_visits", required=False, lo=0, hi=200)
        capacity = row.number("capacity", required=False, lo=0, hi=100_000)
        lunch = None
        l0, l1 = row.time("lunch_start", required=False), row.time("lunch_end", required=False)
        lmin = row.number("lunch_min", required=False, lo=1, hi=240)
        if l0 is not None or l1 is not None or lmin is not None:
            if l0 is None or l1 is None or lmin is None:
                raise row.err("lunch_start", "give lunch_start, lunch_end and lunch_min together")
            if l1 < l0:
                raise row.err("lunch_end", "latest lunch start is before the earliest")
            lunch = Break(TimeWindow(l0, l1), int(round(lmin * 60)))
        out.append(
            Officer(
                officer_id=oid,
                name=row.text("name", required=True),
                start=start,
                end=end,
                shift=TimeWindow(s0, s1),
                max_drive_s=None if drive is None else int(round(drive * 60)),
                max_visits=None if visits is None else int(visits),
                capacity=None if capacity is None else int(capacity),
                skills=frozenset(s.strip() for s in row.text("skills").split(";") if s.strip()),
                localities=frozenset(
                    s.strip() for s in row.text("localities", max_len=2000).split(";")
                    if s.strip()),
                lunch=lunch,
            )
        )
    if not out:
        raise InputError("the officer roster is empty: add at least one officer", file=str(p))
    return tuple(out)


@dataclass(frozen=True)
class County:
    """A county (or township) on disk: the manifest and the files it names.

    The manifest ``county.json`` holds ``county_id``, ``name``, ``roads`` (OSM
    file), ``villages``, ``branches``, ``leads``, ``officers`` (paths relative
    to the manifest) and ``crs`` (coordinate system of the CSV files).
    """

    county_id: str
    name: str
    root: Path
    roads: Path
    villages: Path
    branches: Path
    leads: Path
    officers: Path
    crs: str = "wgs84"
    name_en: str = ""


def load_county(path: str | Path) -> County:
    """Read a county manifest (a ``county.json`` or the folder holding one).

    Parameters
    ----------
    path : str or Path
        The manifest or its folder.

    Returns
    -------
    County
    """
    p = Path(path)
    if p.is_dir():
        p = p / "county.json"
    if not p.exists():
        raise InputError("county manifest not found (expected county.json)", file=str(p))
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(p), row=exc.lineno) from None
    root = p.parent

    def need(key: str) -> str:
        if key not in d or not str(d[key]).strip():
            raise InputError("value is required", file=str(p), field=key)
        return str(d[key])

    files = {k: root / need(k) for k in ("roads", "villages", "branches", "leads", "officers")}
    for k, f in files.items():
        if not f.exists():
            raise InputError(f"names a file that does not exist: {f}", file=str(p), field=k)
    unknown = set(d) - {"county_id", "name", "name_en", "crs", "roads", "villages", "branches",
                        "leads", "officers", "attribution", "notes"}
    if unknown:
        warnings.warn(f"{p}: ignoring unknown keys {sorted(unknown)}", DataWarning, stacklevel=2)
    return County(
        county_id=need("county_id"),
        name=need("name"),
        name_en=str(d.get("name_en", "")),
        root=root,
        crs=_check_crs(str(d.get("crs", "wgs84"))),
        **files,
    )

