"""Reading a county's map points: its villages and the bank's branches.

Like every reader (:mod:`countyreach.io`), they validate row by row and name file, row and
field; coordinates are converted from the declared system to WGS-84 here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from countyreach.csvio import CsvRow, check_crs, parse_rows, read_csv_table, to_wgs84
from countyreach.errors import InputError
from countyreach.schemas import BranchRow, VillageRow
from geo.types import Location
from routing.problem import Depot, DepotKind

__all__ = ["read_villages", "read_branches"]


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
        Columns ``name, place, lat, lon`` in WGS-84, one row per data row of the file, in
        its order (blank rows skipped, as :func:`~countyreach.csvio.read_csv_table` does).

    Raises
    ------
    InputError
        Naming file, row and field of each bad value, or a file with no villages.
    """
    p = Path(path)
    crs = check_crs(crs)
    df = read_csv_table(p, ["name", "lat", "lon"])

    def village(row: CsvRow) -> dict[str, Any]:
        v = row.validate(VillageRow)
        la, lo = to_wgs84(v.lat, v.lon, crs)
        return {"name": v.name, "place": v.place or "village", "lat": la, "lon": lo}

    out = parse_rows(p, df, village)
    if not out:  # as for branches: a county without villages has nowhere to put a business
        raise InputError("no villages in file", file=str(p))
    return pd.DataFrame(out, columns=["name", "place", "lat", "lon"])


def read_branches(path: str | Path, *, crs: str = "wgs84") -> tuple[Depot, ...]:
    """Read bank branches (``branch_id, name, lat, lon``) as :class:`Depot` values.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    crs : str
        Coordinate system of the file.

    Returns
    -------
    tuple of Depot
        In WGS-84, one per data row, in file order.

    Raises
    ------
    InputError
        Naming file, row and field of each bad value or repeated ``branch_id`` (which branch
        a plan starts from would be a guess), or a file with no branches.
    """
    p = Path(path)
    crs = check_crs(crs)
    df = read_csv_table(p, ["branch_id", "name", "lat", "lon"])
    seen: dict[str, int] = {}

    def branch(row: CsvRow) -> Depot:
        b = row.validate(BranchRow)
        if b.branch_id in seen:
            raise row.err("branch_id", f"branch {b.branch_id!r} appears twice (row "
                                       f"{seen[b.branch_id]} too)")
        seen[b.branch_id] = row.rowno
        return Depot(b.branch_id, b.name, Location(*to_wgs84(b.lat, b.lon, crs)),
                     DepotKind.BRANCH)

    out = parse_rows(p, df, branch)
    if not out:
        raise InputError("no branches in file", file=str(p))
    return tuple(out)
