"""Checks of the villages and branches a lender gives ``county init``, against the roads.

The planner's readers check each file alone; only with the roads read can ``county init`` see
a village typed in the next province, a branch the officers could not drive from, or a whole
file in another coordinate system than declared. Every such problem is reported at init, by
file and row (counted from 1 after the header) with the coordinates as the user typed them,
rather than by a plan that fails later.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geo
from countyreach.csvio import read_csv_table, row_errors
from countyreach.errors import DataWarning, InputError, RowErrors
from countyreach.placement import (
    CRS_NAMES,
    LEAD_MAX_OUTSIDE_M,
    OFFICER_MAX_OUTSIDE_M,
    OFFICER_MAX_SNAP_M,
    crs_misfit,
    outside_m,
)
from geo.types import Location
from routing.problem import Depot

__all__ = ["VILLAGE_MAX_OUTSIDE_M", "BRANCH_MAX_ROAD_M", "check_given_places"]

#: A village farther than this outside the roads' outline is a mistake: the businesses a
#: village holds would lie as far out, farther than a plan keeps a lead.
VILLAGE_MAX_OUTSIDE_M = LEAD_MAX_OUTSIDE_M
#: Officers start at a branch, and a plan refuses a start farther than this from any road.
BRANCH_MAX_ROAD_M = OFFICER_MAX_SNAP_M


def check_given_places(graph: Any, crs: str, *, villages: tuple[Path, pd.DataFrame] | None,
                       branches: tuple[Path, Sequence[Depot]] | None) -> None:
    """Refuse given villages and branches that do not fit the county's roads.

    Parameters
    ----------
    graph : geo.RoadGraph
        The county's roads.
    crs : str
        The coordinate system the files were declared in (``--crs``).
    villages : (Path, pandas.DataFrame), optional
        The user's ``villages.csv`` and what :func:`countyreach.io.read_villages` read from it.
    branches : (Path, sequence of Depot), optional
        The user's ``branches.csv`` and what :func:`countyreach.io.read_branches` read.

    Raises
    ------
    InputError
        When the points fit the roads clearly better in another coordinate system (naming
        the file and ``--crs``); for villages more than :data:`VILLAGE_MAX_OUTSIDE_M` outside
        the roads' outline, and branches more than
        :data:`~countyreach.placement.OFFICER_MAX_OUTSIDE_M` outside it or
        :data:`BRANCH_MAX_ROAD_M` from any road: every such row listed (file, row, field).
    """
    _check_crs(graph, crs, villages, branches)
    if villages is not None:
        _check_villages(graph, crs, *villages)
    if branches is not None:
        _check_branches(graph, crs, *branches)


def _check_crs(graph: Any, crs: str, villages: tuple[Path, pd.DataFrame] | None,
               branches: tuple[Path, Sequence[Depot]] | None) -> None:
    # Villages and branches are declared in one system (--crs), so they are judged together:
    # a handful of branches alone says too little.
    lat: list[float] = []
    lon: list[float] = []
    kinds, files = [], []
    if villages is not None:
        lat += villages[1]["lat"].astype(float).tolist()
        lon += villages[1]["lon"].astype(float).tolist()
        kinds.append("villages")
        files.append(villages[0])
    if branches is not None:
        lat += [b.location.lat for b in branches[1]]
        lon += [b.location.lon for b in branches[1]]
        kinds.append("branches")
        files.append(branches[0])
    if not kinds:
        return
    misfit = crs_misfit(graph, lat, lon, crs, what=" and ".join(kinds))
    if misfit is None:
        return
    if misfit.clear:
        raise InputError(f"{misfit.text}: give --crs {misfit.crs}", file=str(files[0]),
                         field="--crs")
    warnings.warn(f"{files[0]}: {misfit.text}; if the file came from that map, give "
                  f"--crs {misfit.crs}", DataWarning, stacklevel=4)


def _check_villages(graph: Any, crs: str, path: Path, villages: pd.DataFrame) -> None:
    d = outside_m(graph, villages["lat"].to_numpy(float), villages["lon"].to_numpy(float))
    typed, rows = _typed(path)
    errors = [InputError(f"village {villages['name'].iloc[i]!r} at {typed(i, crs)} lies "
                         f"{_far(d[i])} outside the county's road network",
                         file=str(path), row=rows[i], field="lat")
              for i in np.flatnonzero(d > VILLAGE_MAX_OUTSIDE_M)]
    if errors:
        raise _with_hint(row_errors(path, errors), crs)
    _warn_repeated_names(path, villages, rows)


def _check_branches(graph: Any, crs: str, path: Path, branches: Sequence[Depot]) -> None:
    lat = np.array([b.location.lat for b in branches])
    lon = np.array([b.location.lon for b in branches])
    out = outside_m(graph, lat, lon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # every distance is judged below, by row
        road = [s.distance_m for s in geo.snap_points(
            graph, [Location(float(a), float(b)) for a, b in zip(lat, lon, strict=True)],
            None, far_m=float("inf"), max_m=float("inf"))]
    typed, rows = _typed(path)
    errors = []
    for i, b in enumerate(branches):
        where = f"branch {b.depot_id} at {typed(i, crs)}"
        if out[i] > OFFICER_MAX_OUTSIDE_M:
            errors.append(InputError(f"{where} lies {_far(out[i])} outside the county's road "
                                     "network", file=str(path), row=rows[i], field="lat"))
        elif road[i] > BRANCH_MAX_ROAD_M:
            errors.append(InputError(f"{where} is {_far(road[i])} from the nearest road, too "
                                     "far for officers to start from", file=str(path),
                                     row=rows[i], field="lat"))
    if errors:
        raise _with_hint(row_errors(path, errors), crs)


def _typed(path: Path) -> tuple[Any, list[int]]:
    """``typed(i, crs)``: the ``i``-th point's coordinates as the file gives them (the
    readers return them converted to WGS-84, which the user never typed), and each point's
    row in the file (blank lines counted, as every message counts them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader warned about blank rows already
        raw = read_csv_table(path, ["lat", "lon"])

    def typed(i: int, crs: str) -> str:
        return (f"lat {raw['lat'].iloc[i]}, lon {raw['lon'].iloc[i]} "
                f"({CRS_NAMES[crs].split(' (')[0]})")

    return typed, [int(r) for r in raw.index]


def _far(metres: float) -> str:
    return f"{metres / 1000:,.0f} km" if metres >= 10_000 else f"{metres:,.0f} m"


def _with_hint(exc: InputError, crs: str) -> InputError:
    """``exc`` with a hint about the coordinate system, when the points were declared WGS-84."""
    if crs != "wgs84":
        return exc
    reason = (exc.reason + "\n(points from Amap or Tencent are GCJ-02 and from Baidu BD-09: "
              "give --crs gcj02 or --crs bd09)")
    if isinstance(exc, RowErrors):
        return RowErrors(reason, file=exc.file, row=exc.row, field=exc.field, rows=exc.rows)
    return InputError(reason, file=exc.file, row=exc.row, field=exc.field)


def _warn_repeated_names(path: Path, villages: pd.DataFrame, file_rows: list[int]) -> None:
    """Leads' ``village`` and officers' ``localities`` name villages: a name given twice
    cannot tell the two apart (two 李庄村 in one county happen; a suffix settles it)."""
    rows: dict[str, list[int]] = {}
    for i, name in enumerate(villages["name"].astype(str)):
        rows.setdefault(name, []).append(file_rows[i])
    twice = [(n, r) for n, r in rows.items() if len(r) > 1]
    if not twice:
        return
    listed = "; ".join(f"{n!r} (rows {', '.join(map(str, r))})" for n, r in twice[:20])
    more = f"; and {len(twice) - 20} more" if len(twice) > 20 else ""
    warnings.warn(f"{path}: {len(twice)} village name(s) given more than once: {listed}{more}: "
                  "leads' village and officers' localities cannot tell them apart (rename one, "
                  "e.g. with its township)", DataWarning, stacklevel=4)

