"""Points outside the road outline, and the day's candidates chosen before travel times."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countyreach.candidates import choose_candidates
from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.pipeline import DayPlan, load_county_data, plan_day
from countyreach.plan_files import left_out
from countyreach.services.loop import DailyLoop
from routing import DropReason
from tests.conftest import LOOP_PARAMS, LOOP_RULES

DATE = "2026-11-24"


def _hull_edge(cache_dir: Path, demo_dir: Path) -> tuple[float, float]:
    """A point on the eastern edge of the demo network's outline."""
    data = load_county_data(demo_dir, cache_dir=cache_dir)
    minx, miny, maxx, maxy = data.graph.hull.bounds
    lat = (miny + maxy) / 2
    xs = np.linspace(minx, maxx, 2000)
    import shapely

    inside = shapely.contains_xy(data.graph.hull, xs, np.full_like(xs, lat))
    return lat, float(xs[np.flatnonzero(inside)[-1]])


def _move(county: Path, file: str, row: int, lat: float, lon: float, lat_col: str = "lat",
          lon_col: str = "lon") -> None:
    df = pd.read_csv(county / file, dtype=str, keep_default_na=False)
    df.loc[row - 1, lat_col] = f"{lat:.7f}"
    df.loc[row - 1, lon_col] = f"{lon:.7f}"
    if lat_col == "start_lat" and "end_lat" in df.columns:
        df.loc[row - 1, "end_lat"] = f"{lat:.7f}"
        df.loc[row - 1, "end_lon"] = f"{lon:.7f}"
    df.to_csv(county / file, index=False)


def test_a_lead_just_outside_is_snapped_with_the_distance_stated(
        county_copy: Path, demo_dir: Path, cache_dir: Path):
    lat, lon = _hull_edge(cache_dir, demo_dir)
    _move(county_copy, "leads.csv", 3, lat, lon + 0.003)  # ~270 m east of the outline
    with pytest.warns(DataWarning, match=r"leads\.csv: 1 lead\(s\) lie up to \d+ m outside.*3"):
        data = load_county_data(county_copy, cache_dir=cache_dir)
    assert len(data.leads) == 400


def test_a_lead_far_outside_is_skipped_and_listed_and_the_day_goes_on(
        county_copy: Path, demo_dir: Path, cache_dir: Path):
    lat, lon = _hull_edge(cache_dir, demo_dir)
    _move(county_copy, "leads.csv", 7, lat, lon + 0.2)  # ~18 km east
    with pytest.warns(DroppedRowWarning, match=r"row 7: lead \S+ lies [\d,]+ m outside"):
        day = plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir,
                       params=LOOP_PARAMS)
    assert day.ok and len(day.county.leads) == 399
    # the plan's leads left out (and so dropped.csv and the manager's table) list it too
    lead_id = pd.read_csv(county_copy / "leads.csv", dtype=str).loc[6, "lead_id"]
    off = [d for d in day.plan.dropped if d.lead_id == lead_id]
    assert [d.reason for d in off] == [DropReason.OFF_ROADS]
    assert "m outside the county's road network" in off[0].detail


def test_an_officer_home_just_outside_is_fine(county_copy: Path, demo_dir: Path,
                                              cache_dir: Path):
    lat, lon = _hull_edge(cache_dir, demo_dir)
    _move(county_copy, "officers.csv", 2, lat, lon + 0.0007, "start_lat", "start_lon")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        day = plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir,
                       params=LOOP_PARAMS)
    assert day.ok


def test_most_leads_outside_is_a_whole_file_error(county_copy: Path, cache_dir: Path):
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    df["lat"] = (df["lat"].astype(float) + 0.5).map(lambda x: f"{x:.7f}")
    df.to_csv(county_copy / "leads.csv", index=False)
    with pytest.raises(InputError, match=r"leads\.csv.*leads lie outside"):
        load_county_data(county_copy, cache_dir=cache_dir)


def test_candidates_are_chosen_by_value_per_minute_with_appointments_kept(
        demo_dir: Path, cache_dir: Path):
    data = load_county_data(demo_dir, cache_dir=cache_dir)
    table = data.leads
    scores = pd.DataFrame({"lead_id": table["lead_id"],
                           "value_yuan": np.linspace(1, 400, len(table))})
    pinned = [str(table["lead_id"].iloc[0])]  # the least valuable lead
    chosen = choose_candidates(table, scores, data.officers, pinned=pinned, limit=50)
    assert len(chosen.offered) == 51 and pinned[0] in chosen.offered
    assert len(chosen.held_back) == len(table) - 51
    offered = scores.set_index("lead_id").loc[list(chosen.offered), "value_yuan"]
    # Reach matters, but no held-back lead beats the median offered one on value alone by far.
    assert offered.median() > np.median(list(chosen.held_back.values()))


def _six_times_the_leads(county_copy: Path) -> None:
    """The county's leads.csv six times over (2,400 leads: more than a day's candidates)."""
    base = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    parts = []
    for k in range(6):  # 2,400 leads: more than the day's candidates
        part = base.copy()
        # The first copy keeps its ids: the visit history the model learns from is theirs.
        part["lead_id"] = list(base["lead_id"]) if k == 0 else [f"{x}-{k}" for x in
                                                                 base["lead_id"]]
        part["pinned_officer_id"] = ""
        if k:
            part["lat"] = (base["lat"].astype(float) + rng.normal(0, 0.002, len(base))).map(
                lambda x: f"{x:.7f}")
        parts.append(part)
    pd.concat(parts).to_csv(county_copy / "leads.csv", index=False)


def _only_candidates_get_travel_times(day: DayPlan) -> None:
    n = len(day.county.leads)
    assert len(day.problem.leads) < n
    assert len(day.problem.matrix) == len(day.problem.leads) + 2 * len(day.problem.officers)
    reasons = {d.lead_id: d.reason for d in day.plan.dropped}
    accounted = set(day.plan.visited_lead_ids) | set(reasons)
    assert accounted == set(day.county.leads["lead_id"])  # a reason for every lead left out
    assert sum(r is DropReason.BELOW_CANDIDATES for r in reasons.values()) == n - len(
        day.problem.leads) - len(day.plan.meta.get("left_out_leads", ()))
    assert day.ok
    # dropped.csv's rows: each lead held back with its name and value, the most valuable first
    held = [x for x in left_out(day.problem, day.plan, day.scores)
            if x.dropped is not None and x.dropped.reason is DropReason.BELOW_CANDIDATES]
    assert held and all(x.name and x.value_yuan is not None for x in held)
    values = [x.value_yuan or 0.0 for x in held]
    assert values == sorted(values, reverse=True)


def test_a_large_table_gets_a_matrix_for_its_candidates_only(
        county_copy: Path, cache_dir: Path):
    _six_times_the_leads(county_copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        day = plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir,
                       params=LOOP_PARAMS)
    _only_candidates_get_travel_times(day)


def test_a_large_table_in_the_store_gets_a_matrix_for_its_candidates_only(
        county_copy: Path, loop_at: Callable[[dt.datetime], DailyLoop]):
    """Planned from the store, fresh and again once published with a visit made, as the
    command line and the manager page plan it (the matrix once grew with the whole table)."""
    _six_times_the_leads(county_copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        loop = loop_at(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC))
    admin = loop.store.operator_session()
    first = loop.plan(admin, "qingzu", DATE, publish=True, params=LOOP_PARAMS, rules=LOOP_RULES)
    _only_candidates_get_travel_times(first.day)
    made = next(r for r in first.day.plan.routes if r.stops).stops[0]
    loop.record_outcome(admin, county_id="qingzu", plan_date=DATE, lead_id=made.lead_id,
                        outcome="not_interested")
    again = loop.plan(admin, "qingzu", DATE, params=LOOP_PARAMS, rules=LOOP_RULES)
    assert again.day.problem.visited_routes  # the re-plan around the visit made
    _only_candidates_get_travel_times(again.day)
