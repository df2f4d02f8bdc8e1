"""Checks across a county's tables: what one file says about another's rows.

A history row of a lead the leads table lacks, an officer's skill no lead has, an
appointment with an officer the roster does not know: each file is valid alone, so the
readers cannot see these. They are warnings when the day can go on (named by file and row),
errors when it cannot.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from countyreach.csvio import read_csv_table, row_errors
from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.io import County
from routing.problem import Officer

__all__ = ["officer_rows", "known_history", "warn_unmatched_skills", "warn_idle_officers",
           "check_pins", "pin_errors"]


def known_history(path: Path, history: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The history's rows of leads in the leads table; the others skipped with a warning
    naming the file and the first such row (a lead no longer listed, or a typo).

    Parameters
    ----------
    path : Path
        ``history.csv`` (the warning names it).
    history : pandas.DataFrame
        As :func:`countyreach.io.read_history` returns it (file order).
    table : pandas.DataFrame
        The leads table.

    Returns
    -------
    pandas.DataFrame
        The rows of known leads.
    """
    known = history["lead_id"].astype(str).isin(set(table["lead_id"].astype(str))).to_numpy()
    if known.all():
        return history
    first = int(np.flatnonzero(~known)[0])
    # read_history keeps each row's number in the file (blank lines counted)
    row = history.attrs.get("source_rows", range(1, len(history) + 1))[first]
    warnings.warn(f"{path}: {int((~known).sum())} row(s) name leads that are not in the leads "
                  f"table (e.g. row {row}: {history['lead_id'].iloc[first]!r}); skipped",
                  DroppedRowWarning, stacklevel=3)
    return history[known].reset_index(drop=True)


#: A plan month further than this after the county's latest visit is probably a typo.
FAR_MONTHS = 24


def warn_late_history(path: Path, history: pd.DataFrame | None, month: str) -> None:
    """Warn about visits dated after the plan's ``month`` (a typo, 2027 for 2024, that would
    make a lead look visited, or lent to, in the future the plan is made for), and about a
    plan month far before or after every visit (a date typed years off).

    Parameters
    ----------
    path : Path
        ``history.csv`` (the warning names it).
    history : pandas.DataFrame or None
        The county's history (``lead_id``, ``month``).
    month : str
        ``YYYY-MM`` of the plan.
    """
    if history is None or history.empty:
        return
    months = history["month"].astype(str).str.slice(0, 7)
    late = np.flatnonzero((months > month).to_numpy())
    if len(late):
        first = int(late[0])
        warnings.warn(f"{path}: {len(late)} visit(s) dated after the plan's month {month} "
                      f"(e.g. lead {history['lead_id'].iloc[first]!r} in "
                      f"{months.iloc[first]}); check the months", DataWarning, stacklevel=3)
    # A date typed years off (1990, 2099) makes every loan look long past, or not yet made.
    last = str(months.max())
    gap = (int(month[:4]) - int(last[:4])) * 12 + int(month[5:7]) - int(last[5:7])
    if gap > FAR_MONTHS or month < str(months.min()):
        warnings.warn(f"{path}: the plan's month {month} lies far from the county's visits "
                      f"({months.min()} to {last}): loan recency and the season are judged as "
                      "of that month; check the date", DataWarning, stacklevel=3)


def warn_unmatched_skills(county: County, table: pd.DataFrame, officers: Sequence[Officer],
                           villages: pd.DataFrame) -> None:
    """Warn about skills no lead's industry has and localities that are no village, per
    officer: a typo there leaves an officer idle when skills or localities are enforced.

    Parameters
    ----------
    county : County
        Names ``officers.csv`` in the warnings.
    table : pandas.DataFrame
        The leads table (``industry``, optional ``village``).
    officers : sequence of Officer
        The roster.
    villages : pandas.DataFrame
        ``villages.csv`` (``name``).
    """
    industries = set(table["industry"].astype(str))
    places = set(table.get("village", pd.Series(dtype=str)).astype(str)) | set(
        villages["name"].astype(str))
    for o in officers:
        for what, given, known, of in (("skills", o.skills, industries, "lead's industry"),
                                       ("localities", o.localities, places, "village")):
            odd = sorted(set(given) - known)
            if odd:
                warnings.warn(f"{county.officers}: officer {o.officer_id}'s {what} "
                              f"{', '.join(map(repr, odd))} match no {of}",
                              DataWarning, stacklevel=3)


def warn_idle_officers(county: County, table: pd.DataFrame,
                       officers: Sequence[Officer]) -> None:
    """Warn about officers the roster gives no room for a visit: ``max_visits`` 0, or a
    shift shorter than the shortest visit of any lead. Either leaves the officer's day empty
    without a word from the solver (a typo, 0 for 10, or 08:00-08:10 for 08:00-18:10).

    Parameters
    ----------
    county : County
        Names ``officers.csv`` (and its rows) in the warnings.
    table : pandas.DataFrame
        The leads table (``service_s``).
    officers : sequence of Officer
        The roster.
    """
    shortest = int(table["service_s"].min()) if len(table) else 0
    idle = []
    for o in officers:
        if o.max_visits == 0:
            idle.append((o.officer_id, "max_visits is 0"))
        elif o.shift.end_s - o.shift.start_s < shortest:
            idle.append((o.officer_id, f"the shift ({(o.shift.end_s - o.shift.start_s) // 60} "
                                       f"min) is shorter than the shortest visit "
                                       f"({shortest // 60} min)"))
    if not idle:
        return
    rows = officer_rows(county.officers)
    for oid, why in idle:
        at = f"row {rows[oid]}: " if oid in rows else ""
        warnings.warn(f"{county.officers}: {at}officer {oid}: {why}, so they get no visits",
                      DataWarning, stacklevel=3)


def officer_rows(path: Path) -> dict[str, int]:
    """Each officer's row in the roster file (the roster itself keeps none; blank lines
    counted, as every message counts them); empty for a roster that is not a file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the roster's own warnings were given
            df = read_csv_table(path, ["officer_id"])
    except InputError:
        return {}
    return {str(v): int(r) for r, v in df["officer_id"].items()}


def pin_errors(leads_file: Path, table: pd.DataFrame, officers: Sequence[Officer],
               roster_name: str = "officers.csv") -> list[InputError]:
    """Each appointment with an officer the roster does not know (a typo, not a wish).

    Parameters
    ----------
    leads_file : Path
        The leads file (named in the errors).
    table : pandas.DataFrame
        Its rows: ``pinned_officer_id`` (optional) and ``source_row``, ``lead_id``.
    officers : sequence of Officer
        The roster.
    roster_name : str
        The roster's file name, for the message.

    Returns
    -------
    list of InputError
        One per such row, in file order, naming the row, ``pinned_officer_id`` and the lead.
    """
    known = {o.officer_id for o in officers}
    if "pinned_officer_id" not in table.columns:
        return []
    shown = ", ".join(sorted(known)[:8]) + ("…" if len(known) > 8 else "")
    errors = []
    for rec in table[["pinned_officer_id", "source_row", "lead_id"]].itertuples(index=False):
        pin = rec.pinned_officer_id
        if isinstance(pin, str) and pin and pin not in known:
            errors.append(InputError(f"officer {pin!r} is not in the roster ({roster_name}: "
                                     f"{shown}) (lead_id {rec.lead_id})", file=str(leads_file),
                                     row=int(rec.source_row), field="pinned_officer_id"))
    return errors


def check_pins(county: County, table: pd.DataFrame, officers: Sequence[Officer]) -> None:
    """Refuse appointments with officers the roster does not know (:func:`pin_errors`).

    Raises
    ------
    InputError
        Naming ``leads.csv``, the row and ``pinned_officer_id`` (every such row listed).
    """
    errors = pin_errors(county.leads, table, officers, county.officers.name)
    if errors:
        raise row_errors(county.leads, errors)
