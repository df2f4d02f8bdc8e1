"""The core value types reject invalid values with errors that name the field."""

from __future__ import annotations

import numpy as np
import pytest

from geo.errors import LocatedError
from geo.types import UNREACHABLE, Location, TravelMatrix
from routing.problem import (
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    TimeWindow,
    end_node_id,
    hhmm,
    parse_hhmm,
    start_node_id,
)


def test_location_range_is_checked():
    with pytest.raises(LocatedError, match="'lat'"):
        Location(91.0, 0.0)
    with pytest.raises(LocatedError, match="'lon'"):
        Location(0.0, float("nan"))


def test_errors_are_builtin_subclasses():
    with pytest.raises(ValueError):
        TimeWindow(10, 5)


def test_lead_windows_sorted_and_non_overlapping():
    loc = Location(35.5, 115.0)
    lead = Lead("L1", "x", loc, "small_shop",
                windows=(TimeWindow(50_000, 60_000), TimeWindow(30_000, 40_000)))
    assert [w.start_s for w in lead.windows] == [30_000, 50_000]
    with pytest.raises(LocatedError, match="overlap"):
        Lead("L2", "x", loc, "small_shop",
             windows=(TimeWindow(30_000, 40_000), TimeWindow(35_000, 45_000)))


def test_ids_must_be_clean_strings():
    with pytest.raises(LocatedError, match="lead_id"):
        Lead(" L1", "x", Location(0, 0), "shop")
    with pytest.raises(LocatedError, match="lead_id"):
        Lead(1, "x", Location(0, 0), "shop")  # type: ignore[arg-type]


def test_hhmm_round_trip():
    assert hhmm(8 * 3600 + 5 * 60) == "08:05"
    assert parse_hhmm("08:05") == 8 * 3600 + 300
    with pytest.raises(LocatedError):
        parse_hhmm("8h05")


def _officer(oid: str = "O1") -> Officer:
    dep = Depot("D", "branch", Location(35.5, 115.0))
    return Officer(oid, "n", dep, dep, TimeWindow(8 * 3600, 17 * 3600))


def test_matrix_is_read_only_and_validated():
    ids = ("A", "B")
    m = TravelMatrix(ids, [[0, 5], [7, 0]], [[0, 50], [70, 0]])
    assert m.duration("A", "B") == 5 and m.duration("B", "A") == 7
    with pytest.raises(ValueError):
        m.duration_s[0, 1] = 3
    with pytest.raises(LocatedError, match="2x2"):
        TravelMatrix(ids, [[0]], [[0]])
    sub = m.subset(["B"])
    assert sub.node_ids == ("B",) and sub.duration_s.shape == (1, 1)
    assert UNREACHABLE > 24 * 3600


def test_problem_needs_officers_and_matrix_nodes():
    o = _officer()
    ids = ("L1", start_node_id("O1"), end_node_id("O1"))
    m = TravelMatrix(ids, np.zeros((3, 3)), np.zeros((3, 3)))
    lead = Lead("L1", "x", Location(35.5, 115.0), "shop")
    RoutingProblem((lead,), (o,), m)
    with pytest.raises(LocatedError, match="roster is empty"):
        RoutingProblem((lead,), (), m)
    with pytest.raises(LocatedError, match="lacks nodes"):
        RoutingProblem((lead,), (o,), m.subset(ids[:2]))
    with pytest.raises(LocatedError, match="unknown officer"):
        RoutingProblem((Lead("L1", "x", Location(35.5, 115.0), "shop", pinned_officer_id="O9"),),
                       (o,), m)


@pytest.mark.parametrize("bad", [
    {"seed": -1}, {"seed": 2**24}, {"seed": 1.5}, {"workers": 0}, {"time_limit_s": 0.0},
    {"time_limit_s": float("nan")}, {"improvement_steps": -1}])
def test_solve_params_refuse_what_the_solvers_cannot_take(bad: dict[str, object]) -> None:
    from routing.errors import ProblemError
    from routing.params import MAX_SEED, SolveParams

    with pytest.raises(ProblemError) as err:
        SolveParams(**bad)  # type: ignore[arg-type]
    assert err.value.field == next(iter(bad))
    assert SolveParams(seed=MAX_SEED).seed == MAX_SEED
