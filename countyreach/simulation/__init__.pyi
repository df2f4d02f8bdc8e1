"""The names :mod:`countyreach.simulation` exports, loaded when first used."""

from .engine import (
    HIGH_VALUE_SHARE,
    choose_bases,
    make_officers,
    simulate,
    truth_reference,
)
from .facility import FacilitySolution, allocate_officers, locate_facilities
from .policies import POLICIES, Policy
from .population import PopulationSpec, synthesise_population
from .scenario import (
    BASE_STRATEGIES,
    BaseStrategy,
    Scenario,
    SimulationResult,
    Team,
)
from .sweep import (
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
from .tangxian import county_boundary, tangxian_villages, tangxian_world
from .traveltime import (
    ApproximateTravelWarning,
    StraightLineModel,
    straight_line_matrix,
)
from .world import (
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
