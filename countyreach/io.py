"""Reading the user's input files: county manifest, villages, branches, leads, officers.

Every reader validates row by row and raises :class:`InputError` naming the
file, the 1-based data row and the field, so a user can fix the file in a
spreadsheet. Soft problems (a row pasted twice, an unknown optional column)
become :class:`DroppedRowWarning` / :class:`DataWarning`.

Coordinates in files may be WGS-84 (``wgs84``, GPS/OSM), GCJ-02 (``gcj02``,
Amap/Tencent and most Chinese data) or BD-09 (``bd09``, Baidu): the manifest
or the caller declares which, and they are converted to WGS-84 here, at the
edge, so nothing inside ever sees a shifted coordinate.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from countyreach.amounts import yuan_text
from countyreach.csvio import (
    CRS_CHOICES,
    ID_RE,
    CsvRow,
    cell_items,
    check_crs,
    from_wgs84,
    parse_rows,
    points_to_wgs84,
    read_csv_table,
    to_wgs84,
)
from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.history_file import HISTORY_COLUMNS, read_history
from countyreach.place_files import read_branches, read_villages
from countyreach.repeated_rows import repeated_ids
from countyreach.schemas import (
    FEATURE_RANGES,
    LeadRow,
    OfficerRow,
)
from countyreach.serialize import read_json
from countyreach.time_windows import parse_windows
from countyreach.workbook import table_file
from geo.types import Location
from propensity.features import industry_code
from propensity.loan_rule import LOCKOUT_MONTHS
from routing.problem import Break, Depot, DepotKind, Lead, Officer, TimeWindow

__all__ = [
    "CRS_CHOICES",
    "SERVICE_MIN_BY_INDUSTRY",
    "LEAD_COLUMNS",
    "OFFICER_COLUMNS",
    "County",
    "LOAN_RULE_MAX_MONTHS",
    "check_loan_rule",
    "manifest_loan_rule",
    "load_county",
    "read_villages",
    "read_branches",
    "read_leads_table",
    "read_officers",
    "leads_from_table",
    "to_wgs84",
    "from_wgs84",
    "read_history",
    "FEATURE_RANGES",
    "HISTORY_COLUMNS",
]


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
    "skills": "optional; industries separated by ';' (or '；', '、'; empty: generalist)",
    "localities": "optional; villages separated by ';' (or '；', '、')",
    "lunch_start": "optional, HH:MM: earliest lunch start",
    "lunch_end": "optional, HH:MM: latest lunch start",
    "lunch_min": "optional; lunch minutes",
}

def read_leads_table(path: str | Path, *, crs: str = "wgs84",
                     progress: Callable[[float], None] | None = None) -> pd.DataFrame:
    """Read and validate a leads file.

    Parameters
    ----------
    path : str or Path
        CSV with the columns of :data:`LEAD_COLUMNS`; extra columns (model
        features such as ``years_operating``) are kept.
    crs : str
        Coordinate system of ``lat``/``lon`` in the file.
    progress : callable, optional
        Called with the share of the rows checked so far.

    Returns
    -------
    pandas.DataFrame
        One row per lead, ``lat``/``lon`` in WGS-84, ``service_s`` (int),
        ``windows`` (tuple of :class:`TimeWindow`), ``source_row`` (1-based).

    Raises
    ------
    InputError
        Naming file, row and field of the first bad value, and listing every other
        bad row (:func:`countyreach.csvio.parse_rows`).
    """
    p = Path(path)
    crs = check_crs(crs)
    df = read_csv_table(p, ["lead_id", "name", "industry", "lat", "lon"])

    def lead(row: CsvRow) -> dict[str, Any]:
        v = row.validate(LeadRow)
        industry = industry_code(v.industry)  # 小卖部 is small_shop
        service_min = SERVICE_MIN_BY_INDUSTRY.get(industry, DEFAULT_SERVICE_MIN) \
            if v.service_min is None else v.service_min
        rec: dict[str, Any] = dict(row.data)  # extra columns (model features) kept as text
        if "mobile_pay_flow_yuan" in rec:  # an amount as the schema read it (50,000: 50000)
            rec["mobile_pay_flow_yuan"] = yuan_text(rec["mobile_pay_flow_yuan"])
        rec.update(
            lead_id=v.lead_id, name=v.name, industry=industry, village=v.village,
            lat=v.lat, lon=v.lon, phone=v.phone, address=v.address,
            service_s=int(round(service_min * 60)),
            windows=_parse_windows(row, v),
            pinned_officer_id=v.pinned_officer_id,
            load=int(v.load or 0),
            source_row=row.rowno,
        )
        return rec

    repeats = repeated_ids(p, df, "lead_id")
    if repeats.copies:
        warnings.warn(f"{p}: row(s) {repeats.copies_text()} repeat a lead word for word; it is "
                      "read once", DroppedRowWarning, stacklevel=2)
    records = parse_rows(p, df.iloc[repeats.keep], lead, progress=progress,
                         also=repeats.clashes)
    if not records:
        raise InputError("the leads file has no rows", file=str(p))
    table = pd.DataFrame.from_records(records)
    # converted in one go: point by point, 20,000 leads took 5 s
    table["lat"], table["lon"] = points_to_wgs84(table["lat"], table["lon"], crs)
    _warn_unknown_industries(p, table)
    _warn_short_windows(p, table)
    return _warn_lost_phones(p, table)


def _warn_short_windows(path: Path, table: pd.DataFrame) -> None:
    """Windows say when a visit may start (it may run past their end): a visit longer than
    every window of its lead ends after closing time, which a lender reading opening hours
    would not expect."""
    # three columns zipped, not itertuples over every column: 4 s for 50,000 leads
    short = [(int(row), str(ws[0])) for row, ws, service in
             zip(table["source_row"], table["windows"], table["service_s"], strict=True)
             if ws and all(w.end_s - w.start_s < service for w in ws)]
    if short:
        rows = ", ".join(str(r) for r, _ in short[:10]) + (
            f" and {len(short) - 10} more" if len(short) > 10 else "")
        warnings.warn(f"{path}: {len(short)} lead(s) have windows shorter than their visit "
                      f"(rows {rows}, e.g. {short[0][1]}): a window is when a visit may start, "
                      "so such a visit runs past its end", DataWarning, stacklevel=3)


def _warn_unknown_industries(path: Path, table: pd.DataFrame) -> None:
    """Say once which industries the lead model has never seen (it scores them as 'other')."""
    from propensity.features import INDUSTRIES

    unknown = table.loc[~table["industry"].isin(INDUSTRIES), ["industry", "source_row"]]
    if unknown.empty:
        return
    parts = []
    for industry, rows in unknown.groupby("industry", sort=True)["source_row"]:
        first = ", ".join(str(int(r)) for r in rows.head(3))
        parts.append(f"{industry!r} ({len(rows)} rows: {first}{', …' if len(rows) > 3 else ''})")
    warnings.warn(f"{path}: industries the lead model does not know, scored as 'other' "
                  f"(routing and skills still use them as written): {'; '.join(parts)}",
                  DataWarning, stacklevel=3)


def _parse_windows(row: CsvRow, v: LeadRow) -> tuple[TimeWindow, ...]:
    field = "windows"
    text = row.as_typed("windows")
    if not v.windows and (v.window_start or v.window_end):
        text = f"{v.window_start or '00:00'}-{v.window_end or '23:59'}"
        field = "window_start"
    try:
        return parse_windows(text)
    except InputError as exc:
        raise row.err(field, exc.reason) from None


#: A phone as Excel shows a long number in a narrow column (1.38E+10): its last digits are
#: gone from the saved file, so the number is nobody's.
_SCIENTIFIC_PHONE = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")


def _warn_lost_phones(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with phones Excel wrote in scientific notation blanked, and one warning
    naming their rows: shown on the officer's list, a call would reach nobody."""
    lost = table["phone"].astype(str).str.match(_SCIENTIFIC_PHONE)
    if not lost.any():
        return table
    rows = [f"{int(r)} ({lid})" for r, lid in
            zip(table.loc[lost, "source_row"], table.loc[lost, "lead_id"], strict=True)]
    warnings.warn(f"{path}: {len(rows)} phone(s) were saved by Excel as numbers in scientific "
                  f"notation (rows {', '.join(rows[:10])}{' …' if len(rows) > 10 else ''}, "
                  f"e.g. {table.loc[lost, 'phone'].iloc[0]!r}) and lost their last digits; "
                  "not shown (format the column as text and export again)",
                  DataWarning, stacklevel=3)
    return table.assign(phone=table["phone"].where(~lost, ""))


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
    crs = check_crs(crs)
    df = read_csv_table(p, ["officer_id", "name", "start_lat", "start_lon", "shift_start",
                       "shift_end"], table="officers")
    repeats = repeated_ids(p, df, "officer_id")
    if repeats.copies:
        warnings.warn(f"{p}: row(s) {repeats.copies_text()} repeat an officer word for word; "
                      "it is read once", DroppedRowWarning, stacklevel=2)

    def officer(row: CsvRow) -> Officer:
        v = row.validate(OfficerRow)
        oid = v.officer_id
        start = Depot(f"{oid}-start", v.start_name or v.start_kind,
                      Location(*to_wgs84(v.start_lat, v.start_lon, crs)),
                      DepotKind(v.start_kind))
        if v.end_lat is not None and v.end_lon is not None:
            end_kind = v.end_kind or v.start_kind
            end = Depot(f"{oid}-end", v.end_name or end_kind,
                        Location(*to_wgs84(v.end_lat, v.end_lon, crs)), DepotKind(end_kind))
        else:
            end = Depot(f"{oid}-end", start.name, start.location, start.kind)
        lunch = None
        if v.lunch_start is not None and v.lunch_end is not None and v.lunch_min is not None:
            lunch = Break(TimeWindow(v.lunch_start, v.lunch_end), int(round(v.lunch_min * 60)))
        return Officer(
            officer_id=oid,
            name=v.name,
            start=start,
            end=end,
            shift=TimeWindow(v.shift_start, v.shift_end),
            max_drive_s=None if v.max_drive_min is None else int(round(v.max_drive_min * 60)),
            max_visits=None if v.max_visits is None else int(v.max_visits),
            capacity=None if v.capacity is None else int(v.capacity),
            skills=frozenset(industry_code(i) for i in cell_items(v.skills)),
            localities=frozenset(cell_items(v.localities)),
            lunch=lunch,
        )

    out = parse_rows(p, df.iloc[repeats.keep], officer, also=repeats.clashes)
    if not out:
        raise InputError("the officer roster is empty: add at least one officer", file=str(p))
    return tuple(out)


@dataclass(frozen=True)
class County:
    """A county (or township) on disk: the manifest and the files it names.

    The manifest ``county.json`` holds ``county_id``, ``name``, ``roads`` (OSM
    file), ``villages``, ``branches``, ``leads``, ``officers`` (paths relative
    to the manifest), ``crs`` (coordinate system of the CSV files) and optionally
    ``loan_rule_months``: the lender's rule that a business is not lent to again within
    that many months of a loan from us, so a visit to it is worth nothing until then
    (default :data:`propensity.planning.LOCKOUT_MONTHS`).
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
    loan_rule_months: int = LOCKOUT_MONTHS


#: Longest loan rule a manifest may declare (months): five years is longer than any
#: loan term the lender offers, so a larger figure is a typo (days, say).
LOAN_RULE_MAX_MONTHS = 60


def check_loan_rule(value: Any) -> int:
    """A manifest's ``loan_rule_months``: whole months, 0 to :data:`LOAN_RULE_MAX_MONTHS`.

    Parameters
    ----------
    value : Any
        As read from JSON (an integer, or a string holding one).

    Returns
    -------
    int

    Raises
    ------
    InputError
        Not a whole number of months in range (the error names the field).
    """
    try:
        months = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        months = None
    if months is None or not 0 <= months <= LOAN_RULE_MAX_MONTHS:
        raise InputError(f"expected whole months from 0 to {LOAN_RULE_MAX_MONTHS} (how long "
                         f"after a loan from us a business is not lent to again), got "
                         f"{value!r}", field="loan_rule_months")
    return months


def manifest_loan_rule(manifest: Mapping[str, Any]) -> int:
    """The loan rule a county manifest declares, checked, or the default when it declares none.

    Parameters
    ----------
    manifest : mapping
        ``county.json`` as read.

    Returns
    -------
    int
        Whole months (:func:`check_loan_rule`); :data:`propensity.planning.LOCKOUT_MONTHS`
        when the manifest has no ``loan_rule_months``.
    """
    return check_loan_rule(manifest.get("loan_rule_months", LOCKOUT_MONTHS))


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
    d = read_json(p, expected='a JSON object {"county_id": …}')
    root = p.parent

    def need(key: str) -> str:
        if key not in d or not str(d[key]).strip():
            raise InputError("value is required", file=str(p), field=key)
        return str(d[key])

    county_id = need("county_id").strip()
    if not ID_RE.match(county_id):
        raise InputError(f"{county_id!r} is not a valid county id (1-64 of ASCII letters, digits, "
                         "'-', '_', '.', ':'; it names the county's files and records)",
                         file=str(p), field="county_id")
    try:
        crs = check_crs(str(d.get("crs", "wgs84")))
    except InputError as exc:
        raise InputError(exc.reason, file=str(p), field="crs") from None
    try:
        rule = manifest_loan_rule(d)
    except InputError as exc:
        raise InputError(exc.reason, file=str(p), field=exc.field) from None
    # a table named leads.csv may be kept as leads.xlsx: the lender's file as kept
    files = {k: root / need(k) if k == "roads" else table_file(root, need(k))
             for k in ("roads", "villages", "branches", "leads", "officers")}
    for k, f in files.items():
        if not f.exists():
            raise InputError(f"names a file that does not exist: {f}", file=str(p), field=k)
    unknown = set(d) - {"county_id", "name", "name_en", "crs", "roads", "villages", "branches",
                        "leads", "officers", "attribution", "notes", "boundary",
                        "loan_rule_months"}
    if unknown:
        warnings.warn(f"{p}: ignoring unknown keys {sorted(unknown)}", DataWarning, stacklevel=2)
    return County(
        county_id=county_id,
        name=need("name"),
        name_en=str(d.get("name_en", "")),
        root=root,
        crs=crs,
        loan_rule_months=rule,
        **files,
    )
