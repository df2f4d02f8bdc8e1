"""What one simulated run is: a :class:`Scenario` in, a :class:`SimulationResult` out.

Closed vocabularies are enums: whose officers work (:class:`Team`), where synthetic
officers are based (:class:`BaseStrategy`) and how they choose the day's visits
(:class:`~countyreach.simulation.policies.Policy`). Names
are accepted at the edges (command line, saved sweeps) and converted here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from countyreach.errors import InputError
from countyreach.simulation.offers import OfferRank
from countyreach.simulation.policies import Policy, parse_policy

if TYPE_CHECKING:
    import pandas as pd  # annotations only: the command line's help names this module's enums

__all__ = [
    "BaseStrategy",
    "BASE_STRATEGIES",
    "Team",
    "parse_team",
    "parse_base_strategy",
    "Scenario",
    "SimulationResult",
]


class BaseStrategy(enum.StrEnum):
    """Where the officers of a scenario start and end their day."""

    #: Facility location minimising the businesses' mean travel time to their base.
    P_MEDIAN = "p_median"
    #: Facility location maximising the businesses within ``cover_s`` of a base.
    MAX_COVERAGE = "max_coverage"
    #: Everyone at the bank branch (or branches).
    BRANCH = "branch"
    #: Seeded random villages.
    RANDOM = "random"
    #: The scenario's own ``bases``.
    GIVEN = "given"


class Team(enum.StrEnum):
    """Whose officers a scenario simulates."""

    #: ``n_officers`` officers with the world's shift, at bases chosen by the base strategy.
    BASES = "bases"
    #: The county's own officers (``officers.csv``): their starts, ends, shifts, lunch
    #: and caps; ``n_officers`` must be the roster's size.
    ROSTER = "roster"


def parse_team(value: Team | str) -> Team:
    """The team named ``value``.

    Raises
    ------
    InputError
        Naming the choices, for an unknown name.
    """
    try:
        return Team(value)
    except ValueError:
        raise InputError(f"team must be one of {[t.value for t in Team]}, got {value!r}",
                         field="team") from None


#: Every base strategy, in the order they are offered.
BASE_STRATEGIES: tuple[BaseStrategy, ...] = tuple(BaseStrategy)


def parse_base_strategy(value: BaseStrategy | str) -> BaseStrategy:
    """The base strategy named ``value``.

    Raises
    ------
    InputError
        Naming the choices, for an unknown name.
    """
    try:
        return BaseStrategy(value)
    except ValueError:
        raise InputError(f"base strategy must be one of {[b.value for b in BaseStrategy]}, "
                         f"got {value!r}", field="base_strategy") from None


@dataclass(frozen=True, slots=True)
class Scenario:
    """One simulated run.

    Parameters
    ----------
    scenario_id : str
        Label (unique within a sweep).
    n_officers : int
        Officers working every day.
    base_strategy : BaseStrategy or str
        ``p_median``, ``max_coverage`` (facility location over the travel
        times), ``branch`` (everyone at the bank branch), ``random`` (seeded
        random villages) or ``given`` (``bases``); a name is converted.
    policy : Policy or str
        ``countyreach``, ``nearest``, ``score_order``, ``score_routed``,
        ``value_nearest`` or ``relationship``; a name is converted.
    seed : int
        Seed of outcomes, exploration and solver.
    n_weeks, days_per_week : int
        Length: a quarter is 13 × 5 working days.
    bases : tuple of str
        One site id per officer (filled by :func:`choose_bases` unless given).
    day_time_limit_s : float
        Routing budget per simulated day when ``route_improvement_steps`` is None.
    route_improvement_steps : int or None
        Improvement steps of the routing search per day, the same for every routed
        policy: reproducible plans, the same on every machine and Dask worker. Default 0:
        the day is the best greedy start ended by the whole-day local search. On the demo
        county with 3,000 businesses every officer fills the 12-visit cap long before the
        shift or the drive cap: 2 steps (the default before) gained neither caused value
        nor drive time over 0 for either routed policy, measured side by side
        (``bench/bench_simulation.py --before``), and were two thirds of a simulated
        week's routing. None: search for ``day_time_limit_s`` (anytime; plans then
        depend on the machine's speed).
    day_offer_per_visit : float
        Leads offered to the day's routing (``countyreach``, ``score_routed``) per visit
        the team can make (at least 30): what a day's routing time grows with. The same
        for both routed policies, like the solver budget.
    day_offer_rank : OfferRank or str
        How the offer is chosen: ``value`` (default) or ``per_minute`` (value per minute
        of straight-line reach, as the product's
        :func:`countyreach.candidates.choose_candidates`; it measured less caused value
        in the simulation, where the visit cap binds long before the drive cap).
    explore_share : float
        Share of the team's daily visits (``countyreach`` only) made to leads drawn
        uniformly from every open lead and always visited: the randomised arm retraining
        calibrates the visit's effect on (``visited_by_policy = random``). Default 0.05:
        two of four officers' 48 visits a day. Before, 0.15 of the visits were offered as
        random leads outside the offer at the offer's median value; the router visited
        the nearest fifth of them (6 % of the visits), which were labelled random but
        were not; on the demo county the honest 0.05 collected 0.7 % more caused value
        than that over 4 weeks and over 13 (5 and 3 seeds).
    cover_s : int
        Coverage radius for ``max_coverage`` bases.
    revisit_cooldown_days : int
        Calendar days before a lead without a loan may be visited again
        (default 28: a high-value business can be seen once a month, the
        coverage measure's window).
    officer_day_cost_yuan, drive_cost_yuan_per_h : float
        Costs for cost per loan (salary and travel).
    margin : float
        Share of a loan that is the lender's value (for expected value).
    retrain_weeks : int
        ``countyreach`` retrains its visit-value model every this many weeks on the
        simulated visits and loans (0: never). The scorecard baselines keep the model
        trained on the history.
    team : Team or str
        ``bases`` (default): ``n_officers`` officers at bases chosen by
        ``base_strategy``; ``roster``: the world's own officers
        (:attr:`~countyreach.simulation.world.SimWorld.roster`), whose starts are
        filled in as ``bases`` with the base strategy ``given``.
    oracle : bool
        ``countyreach`` routed on the hidden truth's caused value of a visit that day
        instead of the model's, without exploration: the most that choosing whom to
        visit can reach with the same officers, routing, offer and rules. A yardstick
        for the bench, not a policy a lender could run.
    elsewhere_share : float
        Share of the businesses whose loans from other lenders ``countyreach``'s model
        knows of (history and simulated weeks alike), as from a county's rural
        credit-information system; 0 (default): only the bank's own loans.
    officers_ask_elsewhere : bool
        ``countyreach``'s officers ask at each visit whether the business borrowed from
        another lender and record the month of its latest such loan (the outcome form's
        field), which its model then knows.
    """

    scenario_id: str
    n_officers: int
    base_strategy: BaseStrategy = BaseStrategy.P_MEDIAN
    policy: Policy = Policy.COUNTYREACH
    seed: int = 0
    n_weeks: int = 13
    days_per_week: int = 5
    bases: tuple[str, ...] = ()
    day_time_limit_s: float = 1.0
    route_improvement_steps: int | None = 0
    day_offer_per_visit: float = 2.0
    day_offer_rank: OfferRank = OfferRank.VALUE
    explore_share: float = 0.05
    cover_s: int = 1800
    revisit_cooldown_days: int = 28
    officer_day_cost_yuan: float = 400.0
    drive_cost_yuan_per_h: float = 60.0
    margin: float = 0.05
    retrain_weeks: int = 4
    team: Team = Team.BASES
    oracle: bool = False
    elsewhere_share: float = 0.0
    officers_ask_elsewhere: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.n_officers, int) and 1 <= self.n_officers <= 500):
            raise InputError(f"n_officers must be in 1..500, got {self.n_officers!r}",
                             field="n_officers")
        # Names are accepted (command line, saved sweeps) and stored as the enums.
        object.__setattr__(self, "base_strategy", parse_base_strategy(self.base_strategy))
        object.__setattr__(self, "policy", parse_policy(self.policy))
        object.__setattr__(self, "team", parse_team(self.team))
        try:
            object.__setattr__(self, "day_offer_rank", OfferRank(self.day_offer_rank))
        except ValueError:
            raise InputError(f"day offer rank must be one of {[r.value for r in OfferRank]}",
                             field="day_offer_rank") from None
        if not self.day_offer_per_visit >= 1.0:
            raise InputError("day offer must be at least one lead per visit",
                             field="day_offer_per_visit")
        if not (1 <= self.n_weeks <= 104 and 1 <= self.days_per_week <= 7):
            raise InputError("n_weeks must be 1..104 and days_per_week 1..7", field="n_weeks")
        if self.bases and len(self.bases) != self.n_officers:
            raise InputError(f"{len(self.bases)} bases for {self.n_officers} officers",
                             field="bases")
        if self.base_strategy is BaseStrategy.GIVEN and not self.bases:
            raise InputError("base strategy 'given' needs one base per officer", field="bases")
        if not 0.0 <= self.explore_share <= 1.0:
            raise InputError("explore share must be in [0, 1]", field="explore_share")
        if not 0.0 <= self.elsewhere_share <= 1.0:
            raise InputError("elsewhere share must be in [0, 1]", field="elsewhere_share")
        if not 0 <= self.retrain_weeks <= 104:
            raise InputError("retrain_weeks must be in 0..104", field="retrain_weeks")
        if self.day_time_limit_s <= 0:
            raise InputError("day time limit must be positive", field="day_time_limit_s")
        if self.oracle and self.policy is not Policy.COUNTYREACH:
            raise InputError("only the countyreach policy can be routed on the truth",
                             field="oracle")

    def params(self) -> dict[str, Any]:
        """The scenario as a flat dict (for result tables and metadata)."""
        d = asdict(self)
        d["bases"] = ";".join(self.bases)
        d["base_strategy"] = self.base_strategy.value
        d["policy"] = self.policy.value
        d["team"] = self.team.value
        d["day_offer_rank"] = self.day_offer_rank.value
        return d


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one scenario produced.

    Attributes
    ----------
    scenario : Scenario
        With ``bases`` filled in.
    visits : pandas.DataFrame
        One row per visit: ``day, week, date, month, officer_id, seq, lead_id,
        arrival_s, high_value, true_value_yuan, true_p_uptake, expected_loan_yuan, took_loan,
        loan_yuan, defaulted``.
    days : pandas.DataFrame
        One row per officer-day: ``day, week, officer_id, visits, loans, drive_s,
        distance_m, end_s``.
    weekly : pandas.DataFrame
        The measures per week (see :func:`countyreach.simulation.metrics.weekly_metrics`).
    summary : mapping
        Totals over the run (with ``runtime_s``, the wall seconds it took).
    cpu_s : float
        This process's CPU seconds for the run: on a shared machine the wall time says
        as much about the other jobs as about the simulation. Kept apart from
        ``summary``, whose other measures the scenario alone determines.
    """

    scenario: Scenario
    visits: pd.DataFrame
    days: pd.DataFrame
    weekly: pd.DataFrame
    summary: Mapping[str, Any] = field(default_factory=dict)
    cpu_s: float = float("nan")
