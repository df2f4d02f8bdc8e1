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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from countyreach.csvio import read_csv_table, row_errors
from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.io import County
from geo.types import UNREACHABLE
from propensity.features import isin
from routing.problem import Officer, RoutingProblem, end_node_id, start_node_id
from routing.schedule import schedule_route

if TYPE_CHECKING:
    from countyreach.store.records import Account

__all__ = ["officer_rows", "known_history", "warn_unmatched_skills", "warn_idle_officers",
           "warn_accounts_off_roster", "check_pins", "pin_errors"]


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
    known = isin(history["lead_id"].astype(str), set(table["lead_id"].astype(str))).to_numpy()
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


def warn_idle_officers(county: County, table: pd.DataFrame, officers: Sequence[Officer],
                       problem: RoutingProblem | None = None) -> None:
    """Warn about officers who cannot make a single visit in their day: a typo (``max_visits``
    0 for 10, 08:00-08:10 for 08:00-18:10) leaves the day empty without a word from the solver.

    Without ``problem`` (a roster read, or imported), what the roster alone decides:
    ``max_visits`` 0, or a shift shorter than the shortest visit of any lead and the lunch
    such a day owes (:meth:`routing.problem.Officer.owes_lunch`). With the day's ``problem``,
    what its travel times add, for the officers the roster check passes (its own cases were
    said when the roster was read): no lead offered fits the day with the drive there and
    back (:func:`routing.schedule.schedule_route`: shift, lunch, drive limit, opening
    windows). An officer who can make one visit is never warned about.

    Parameters
    ----------
    county : County
        Names ``officers.csv`` (and its rows) in the warnings.
    table : pandas.DataFrame
        The leads table (``service_s``).
    officers : sequence of Officer
        The roster.
    problem : RoutingProblem, optional
        The day's problem (its leads, officers working and travel times).
    """
    shortest = int(table["service_s"].min()) if len(table) else 0
    if problem is None:
        idle = [(o.officer_id, why) for o in officers
                if (why := _roster_idle(o, shortest)) is not None]
    else:
        idle = [(o.officer_id, why) for o in officers
                if _roster_idle(o, shortest) is None
                and (why := _idle_on_the_day(problem, o)) is not None]
    if not idle:
        return
    rows = officer_rows(county.officers)
    for oid, why in idle:
        warnings.warn(f"{county.officers}: " + (f"row {rows[oid]}: " if oid in rows else "")
                      + f"officer {oid}: {why}, so they get no visits", DataWarning,
                      stacklevel=3)


def warn_accounts_off_roster(county: County, roster: Sequence[Officer],
                             accounts: Sequence[Account]) -> None:
    """Warn about officers the roster no longer lists whose account can still sign in.

    An import retires an officer the roster drops (someone who left, or a typo) from
    planning, but their account is the admin's to disable: it is not done on a file's word,
    since a roster missing a row would sign a working officer out.

    Parameters
    ----------
    county : County
        Names ``officers.csv`` in the warnings.
    roster : sequence of Officer
        The roster as imported (the officers still on it).
    accounts : sequence of Account
        The county's accounts.
    """
    on_roster = {o.officer_id for o in roster}
    for a in accounts:
        if a.active and a.officer_id is not None and a.officer_id not in on_roster:
            warnings.warn(f"{county.officers}: officer {a.officer_id} is not on the roster "
                          f"any more, but account {a.username!r} can still sign in: disable "
                          f"it with `countyreach users disable {a.username}` or on the "
                          "Account page if they left", DataWarning, stacklevel=2)


def _lunch_owed_s(o: Officer, day_s: int) -> int:
    """The lunch a day of ``day_s`` owes wherever it is put in the shift: none when it can
    end before the lunch window opens or begin after it closes."""
    if o.lunch is None:
        return 0
    early = not o.owes_lunch(o.shift.start_s, o.shift.start_s + day_s)
    late = not o.owes_lunch(o.shift.end_s - day_s, o.shift.end_s)
    return 0 if early or late else o.lunch.duration_s


def _roster_idle(o: Officer, shortest_s: int) -> str | None:
    """Why the roster alone leaves ``o`` no visit of ``shortest_s`` (None: it may not)."""
    if o.max_visits == 0:
        return "max_visits is 0"
    shift_s = o.shift.end_s - o.shift.start_s
    lunch_s = _lunch_owed_s(o, shortest_s)
    if shift_s >= shortest_s + lunch_s:
        return None
    return (f"the shift ({shift_s // 60} min) is shorter than the shortest visit "
            f"({shortest_s // 60} min)" + (f" and the {lunch_s // 60} min lunch it owes"
                                           if lunch_s else ""))


def _idle_on_the_day(problem: RoutingProblem, o: Officer) -> str | None:
    """Why no lead of ``problem`` fits ``o``'s day alone (None: one does)."""
    m, leads = problem.matrix, problem.leads
    if not leads:
        return None
    cols = np.array([m.index[ld.lead_id] for ld in leads])
    out = m.duration_s[m.index[start_node_id(o.officer_id)], cols].astype(float)
    back = m.duration_s[cols, m.index[end_node_id(o.officer_id)]].astype(float)
    drive = np.where((out < UNREACHABLE) & (back < UNREACHABLE), out + back, np.inf)
    need = drive + np.array([ld.service_s for ld in leads], dtype=float)
    # the quickest visits first: for an officer who can, the first usually fits
    order = [int(k) for k in np.argsort(need, kind="stable") if np.isfinite(need[k])]
    if any(schedule_route(o, [leads[k]], m) is not None for k in order):
        return None
    if not order:
        return "no road connects their start and end with any lead"
    k = order[0]
    shift_s = o.shift.end_s - o.shift.start_s
    lunch_s = _lunch_owed_s(o, int(need[k]))
    if need[k] + lunch_s > shift_s:
        return (f"the shift ({shift_s // 60} min) is shorter than the quickest visit from "
                f"their start: {drive[k] / 60:.0f} min of driving there and back and a "
                f"{leads[k].service_s // 60} min visit" + (
                    f", and the {lunch_s // 60} min lunch such a day owes" if lunch_s else ""))
    if o.max_drive_s is not None and drive[order].min() > o.max_drive_s:
        return (f"max_drive_min ({o.max_drive_s // 60}) is less than the shortest drive to a "
                f"lead and back ({drive[order].min() / 60:.0f} min)")
    return ("no lead's visit fits their day (the leads' opening hours, the lunch break or "
            "what they carry)")


def officer_rows(path: Path) -> dict[str, int]:
    """Each officer's row in the roster file (the roster itself keeps none; blank lines
    counted, as every message counts them); empty for a roster that is not a file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the roster's own warnings were given
            df = read_csv_table(path, ["officer_id"], table="officers")
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
