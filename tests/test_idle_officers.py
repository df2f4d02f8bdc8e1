"""An officer who cannot make a single visit in their day is warned about; one who can is not.

The day needs the drive to a lead and back, the visit and the lunch such a day owes, not only
a shift longer than the shortest visit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from countyreach.errors import DataWarning
from countyreach.io import read_leads_table
from countyreach.pipeline import CountyData, build_problem, load_county_data, plan_day
from countyreach.table_checks import warn_idle_officers
from routing.params import SolveParams
from routing.problem import (
    Break,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    start_node_id,
)

DATE = "2026-11-24"
EIGHT = 8 * 3600


def _said(call: Callable[..., object], *args: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(*args)
    return [str(w.message) for w in caught if issubclass(w.category, DataWarning)
            and "so they get no visits" in str(w.message)]


@pytest.fixture(scope="module")
def day(demo_dir: Path, cache_dir: Path) -> tuple[CountyData, RoutingProblem]:
    """The demo county's day over its leads that are open all day (so the quickest visit
    fits whenever the shift starts)."""
    data = load_county_data(demo_dir, cache_dir=cache_dir)
    ids = data.leads["lead_id"]
    scores = pd.DataFrame({"lead_id": ids, "value_yuan": 100.0, "value_std_yuan": 0.0})
    problem = build_problem(data, scores, plan_date=DATE, rules=RoutingRules(),
                            officer_ids=["O01"])
    return data, replace(problem, leads=tuple(ld for ld in problem.leads if not ld.windows))


def _quickest_s(problem: RoutingProblem, officer: Officer) -> int:
    """Drive there and back plus the visit, of the officer's quickest visit."""
    m = problem.matrix
    s, e = m.index[start_node_id(officer.officer_id)], m.index[end_node_id(officer.officer_id)]
    return min(int(m.duration_s[s, m.index[ld.lead_id]] + m.duration_s[m.index[ld.lead_id], e])
               + ld.service_s for ld in problem.leads)


def _warn(data: CountyData, problem: RoutingProblem, officer: Officer) -> list[str]:
    return _said(warn_idle_officers, data.county, data.leads, [officer],
                 replace(problem, officers=(officer,)))


def test_the_drive_to_the_quickest_visit_and_the_lunch_it_owes_count(
        day: tuple[CountyData, RoutingProblem]) -> None:
    data, problem = day
    base = replace(problem.officers[0], lunch=None, max_drive_s=None, max_visits=None)
    need = _quickest_s(problem, base)
    shortest = int(data.leads["service_s"].min())
    assert need - 60 > shortest  # the case: a shift the shortest visit alone would fit

    short = replace(base, shift=TimeWindow(EIGHT, EIGHT + need - 60))
    (said,) = _warn(data, problem, short)
    assert "officer O01" in said and "shorter than the quickest visit from their start" in said
    assert "min of driving there and back" in said

    fits = replace(base, shift=TimeWindow(EIGHT, EIGHT + need + 120))
    assert _warn(data, problem, fits) == []
    # the same day owes a lunch wherever it falls, one the shortest visit alone would leave
    # room for (the roster check passes): it no longer fits
    lunch_s = need + 120 - shortest
    lunch = Break(TimeWindow(EIGHT, EIGHT + need + 120), lunch_s)
    (said,) = _warn(data, problem, replace(fits, lunch=lunch))
    assert f"the {lunch_s // 60} min lunch such a day owes" in said
    # a lunch window the day can end before owes nothing: the officer can still visit
    later = Break(TimeWindow(EIGHT + need + 60, EIGHT + need + 120), lunch_s)
    assert _warn(data, problem, replace(fits, lunch=later)) == []
    # the drive limit is a day too short as well
    (said,) = _warn(data, problem, replace(base, max_drive_s=30))
    assert "max_drive_min (0) is less than the shortest drive to a lead and back" in said


def test_a_roster_that_owes_lunch_in_a_shift_only_a_visit_long_is_warned_about(
        day: tuple[CountyData, RoutingProblem]) -> None:
    data, problem = day
    shortest = int(data.leads["service_s"].min())
    shift = TimeWindow(EIGHT, EIGHT + shortest + 300)
    o = replace(problem.officers[0], shift=shift, lunch=Break(shift, 600))
    (said,) = _said(warn_idle_officers, data.county, data.leads, [o])
    assert f"shorter than the shortest visit ({shortest // 60} min) and the 10 min lunch" in said
    assert _said(warn_idle_officers, data.county, data.leads, [replace(o, lunch=None)]) == []


def test_planning_warns_about_an_officer_no_visit_fits(county_copy: Path,
                                                       cache_dir: Path) -> None:
    shortest_min = -(-int(read_leads_table(county_copy / "leads.csv")["service_s"].min()) // 60)
    roster = pd.read_csv(county_copy / "officers.csv", dtype=str, keep_default_na=False)
    # one minute more than the shortest visit of the county: room for a visit only at the
    # branch's door
    shift_min = shortest_min + 1
    roster.loc[0, ["shift_start", "shift_end", "lunch_start", "lunch_end", "lunch_min"]] = [
        "08:00", f"08:{shift_min:02d}", "", "", ""]
    roster.to_csv(county_copy / "officers.csv", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan_day(county_copy, plan_date=DATE, cache_dir=cache_dir,
                 params=SolveParams(time_limit_s=1.0))
    said = [str(w.message) for w in caught if "so they get no visits" in str(w.message)]
    assert len(said) == 1 and f"row 1: officer O01: the shift ({shift_min} min)" in said[0]
    assert "quickest visit from their start" in said[0]
