"""Planner coverage: how much of a county a team of officers reaches, by team size.

Thin, typed entry points to :mod:`countyreach.simulation` for the Planner page: build a
simulation world, run a sweep over team sizes and strategies, and collect what the page
shows (the recommendation, the two charts, the coverage table). The simulation package is
imported on first use: it is large and only this page needs it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from countyreach.errors import InputError

if TYPE_CHECKING:
    from countyreach.simulation import Recommendation, SimWorld, SweepResult

__all__ = [
    "WorldKind",
    "DEFAULT_STRATEGIES",
    "SweepRequest",
    "CoverageView",
    "base_strategies",
    "build_world",
    "run_sweep",
    "coverage_view",
]


class WorldKind(enum.StrEnum):
    """Which county the planner simulates."""

    #: The chosen county on its own roads.
    COUNTY = "county"
    #: 唐县 (Tang county) from place points with straight-line travel times.
    TANGXIAN = "tangxian"


#: Strategies selected when the page opens.
DEFAULT_STRATEGIES: tuple[str, ...] = ("p_median", "branch")


def base_strategies() -> tuple[str, ...]:
    """Names of the base strategies a sweep can compare (where officers are based)."""
    from countyreach import simulation

    return tuple(str(s) for s in simulation.BASE_STRATEGIES)


def build_world(kind: str, county_path: str | Path, *, cache_dir: Path) -> SimWorld:
    """The simulation world of ``kind``.

    Parameters
    ----------
    kind : str
        A :class:`WorldKind` value.
    county_path : str or Path
        County folder (used for :attr:`WorldKind.COUNTY`).
    cache_dir : Path
        Road-graph cache.

    Raises
    ------
    InputError
        For an unknown kind.
    """
    from countyreach import simulation

    try:
        world_kind = WorldKind(kind)
    except ValueError:
        raise InputError(f"unknown simulation world {kind!r}", field="kind") from None
    if world_kind is WorldKind.TANGXIAN:
        return simulation.tangxian_world(villages_per_township=4)
    return simulation.world_from_county(county_path, cache_dir=cache_dir)


@dataclass(frozen=True, slots=True)
class SweepRequest:
    """The planner's choices: team sizes ``officers_min..officers_max`` by ``officers_step``.

    Raises
    ------
    InputError
        For an empty team-size range, no strategy, or a non-positive count or time limit.
    """

    officers_min: int
    officers_max: int
    officers_step: int
    strategies: tuple[str, ...]
    n_seeds: int
    n_weeks: int
    day_time_limit_s: float

    def __post_init__(self) -> None:
        if not 1 <= self.officers_min <= self.officers_max:
            raise InputError("team sizes must satisfy 1 <= min <= max", field="officers")
        for name in ("officers_step", "n_seeds", "n_weeks"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1", field=name)
        if not self.strategies:
            raise InputError("choose at least one strategy", field="strategies")
        if not self.day_time_limit_s > 0:
            raise InputError("the day's time limit must be positive", field="day_time_limit_s")

    @property
    def team_sizes(self) -> range:
        """Team sizes to simulate."""
        return range(self.officers_min, self.officers_max + 1, self.officers_step)


def run_sweep(world: SimWorld, request: SweepRequest) -> SweepResult:
    """Simulate every (team size, strategy, seed) of ``request`` in ``world``."""
    from countyreach import simulation

    return simulation.sweep(world, officers=request.team_sizes,
                            strategies=request.strategies, seeds=range(request.n_seeds),
                            n_weeks=request.n_weeks,
                            day_time_limit_s=request.day_time_limit_s)


@dataclass(frozen=True, eq=False)
class CoverageView:
    """What the Planner page shows of a sweep."""

    recommendation: Recommendation
    approximate_travel: bool
    coverage_chart: Any
    loans_chart: Any
    curve: pd.DataFrame


def coverage_view(result: SweepResult) -> CoverageView:
    """The recommendation, the coverage and loans charts and the coverage table of a sweep."""
    from countyreach import simulation
    from countyreach.simulation import plots

    return CoverageView(
        recommendation=simulation.recommend(result),
        approximate_travel=bool(result.meta.get("approximate_travel")),
        coverage_chart=plots.coverage_chart(result),
        loans_chart=plots.loans_chart(result),
        curve=simulation.coverage_curve(result))
