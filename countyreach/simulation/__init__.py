"""Planners' coverage simulation: where to base officers, how many to hire, what it yields.

Build a :class:`SimWorld` for a county (:func:`world_from_county` with its OSM
roads and, when the folder has them, its own leads and officers;
:func:`world_from_places` / :func:`tangxian_world` with the flagged
straight-line approximation), then :func:`simulate` one :class:`Scenario`, or
:func:`sweep` officers × base strategies × seeds (sequentially or on Dask) and
read :func:`coverage_curve` and :func:`recommend`. :func:`compare_policies`
measures countyreach against the nearest-leads and score-order baselines.
"""

from countyreach.simulation.engine import (
    HIGH_VALUE_SHARE,
    choose_bases,
    make_officers,
    simulate,
    truth_reference,
)
from countyreach.simulation.facility import FacilitySolution, allocate_officers, locate_facilities
from countyreach.simulation.policies import POLICIES, Policy
from countyreach.simulation.population import PopulationSpec, synthesise_population
from countyreach.simulation.scenario import (
    BASE_STRATEGIES,
    BaseStrategy,
    Scenario,
    SimulationResult,
    Team,
)
from countyreach.simulation.sweep import (
    Recommendation,
    SweepResult,
    compare_policies,
    coverage_curve,
    load_sweep,
    recommend,
    run_scenarios,
    save_sweep,
    scenario_grid,
    sweep,
)
from countyreach.simulation.tangxian import county_boundary, tangxian_villages, tangxian_world
from countyreach.simulation.traveltime import (
    ApproximateTravelWarning,
    StraightLineModel,
    straight_line_matrix,
)
from countyreach.simulation.world import (
    ShiftTemplate,
    SimWorld,
    world_from_county,
    world_from_places,
)

__all__ = [
    "BASE_STRATEGIES",
    "BaseStrategy",
    "HIGH_VALUE_SHARE",
    "POLICIES",
    "Policy",
    "Scenario",
    "SimulationResult",
    "Team",
    "choose_bases",
    "make_officers",
    "simulate",
    "truth_reference",
    "FacilitySolution",
    "allocate_officers",
    "locate_facilities",
    "Recommendation",
    "SweepResult",
    "compare_policies",
    "coverage_curve",
    "load_sweep",
    "recommend",
    "run_scenarios",
    "save_sweep",
    "scenario_grid",
    "sweep",
    "ApproximateTravelWarning",
    "StraightLineModel",
    "straight_line_matrix",
    "PopulationSpec",
    "ShiftTemplate",
    "SimWorld",
    "county_boundary",
    "synthesise_population",
    "tangxian_villages",
    "tangxian_world",
    "world_from_county",
    "world_from_places",
]
