"""A county's own leads and officers in the coverage simulation.

A county folder may carry its businesses (``leads.csv``) and its officers
(``officers.csv``). When it does, :func:`~countyreach.simulation.world.world_from_county`
simulates those businesses, with a hidden truth drawn for them by the synthetic
economy's own model (:func:`propensity.economy.economy_for_businesses`), and keeps the
officers as the world's :attr:`~countyreach.simulation.world.SimWorld.roster`; a
scenario with ``team="roster"`` then simulates those officers at their own starts and
ends, with their shifts, lunch and caps. Without the files the population is
synthesised and officers are placed at chosen bases, as before.

The functions here read the manifest's optional files, build the population and the
roster's matrix nodes, hand the roster to the engine, and describe what a world holds in
one line for the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from countyreach.errors import InputError, LocatedError
from countyreach.io import load_county, manifest_loan_rule, read_leads_table, read_officers
from countyreach.serialize import read_json
from countyreach.simulation.scenario import BaseStrategy, Scenario, Team
from geo.types import Location
from propensity.planning import LOCKOUT_MONTHS
from routing.problem import Officer

if TYPE_CHECKING:
    from countyreach.simulation.population import PopulationSpec
    from countyreach.simulation.world import SimWorld

__all__ = [
    "CountyInputs",
    "describe_travel",
    "county_inputs",
    "county_population",
    "read_roster",
    "roster_nodes",
    "roster_scenario",
    "roster_officers",
    "default_team",
    "describe_population",
    "describe_team",
]

#: World metadata values of ``population``.
POPULATION_LEADS = "county_leads"
POPULATION_SYNTHETIC = "synthetic"


@dataclass(frozen=True, slots=True)
class CountyInputs:
    """The files of a county folder the simulation reads.

    Attributes
    ----------
    name, county_id, crs : str
        From the manifest.
    root : Path
        The folder.
    roads, villages, branches : Path
        Required.
    leads, officers : Path or None
        The county's own businesses and officers, when the manifest names an existing file.
    loan_rule_months : int
        The lender's loan rule (``loan_rule_months``, :func:`countyreach.io.load_county`).
    """

    name: str
    county_id: str
    crs: str
    root: Path
    roads: Path
    villages: Path
    branches: Path
    leads: Path | None
    officers: Path | None
    loan_rule_months: int = LOCKOUT_MONTHS


def county_inputs(path: str | Path) -> CountyInputs:
    """The manifest's files; leads and officers are optional (a planner's county may lack them).

    Parameters
    ----------
    path : str or Path
        County folder or its ``county.json``.

    Returns
    -------
    CountyInputs

    Raises
    ------
    InputError
        For a bad manifest or a missing roads, villages or branches file.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "county.json"
    try:
        c = load_county(p)
        return CountyInputs(c.name, c.county_id, c.crs, c.root, c.roads, c.villages, c.branches,
                            c.leads, c.officers, c.loan_rule_months)
    except LocatedError as exc:
        # load_county insists on leads and officers; here they are optional.
        if exc.field not in ("leads", "officers"):
            raise
    d = read_json(p)
    files: dict[str, Path] = {}
    for k in ("roads", "villages", "branches"):
        f = p.parent / str(d.get(k, ""))
        if not d.get(k) or not f.is_file():
            raise InputError(f"names no existing {k} file", file=str(p), field=k)
        files[k] = f
    optional: dict[str, Path | None] = {}
    for k in ("leads", "officers"):
        f = p.parent / str(d.get(k, ""))
        optional[k] = f if d.get(k) and f.is_file() else None
    return CountyInputs(name=str(d.get("name", p.parent.name)),
                        county_id=str(d.get("county_id", p.parent.name)),
                        crs=str(d.get("crs", "wgs84")), root=p.parent, roads=files["roads"],
                        villages=files["villages"], branches=files["branches"],
                        leads=optional["leads"], officers=optional["officers"],
                        loan_rule_months=manifest_loan_rule(d))


def county_population(leads: Path, crs: str, villages: pd.DataFrame, branches: pd.DataFrame,
                      spec: PopulationSpec,
                      keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None
                      ) -> tuple[Any, dict[str, int]]:
    """The county's own businesses with a hidden truth and a history from the economy.

    Parameters
    ----------
    leads : Path
        The county's leads file (validated by :func:`countyreach.io.read_leads_table`).
    crs : str
        Its coordinate system.
    villages, branches : pandas.DataFrame
        The county's places (WGS-84).
    spec : PopulationSpec
        Seed, variant and history length (its size, mix and densities do not apply).
    keep : callable, optional
        Filters the read leads first (the world skips leads far off its roads, as
        planning does).

    Returns
    -------
    economy : propensity.Economy
        The leads as businesses, in file order.
    service_s : dict
        Minutes at each business as the leads file gives them (or by industry), in seconds.
    """
    from propensity.economy import economy_for_businesses

    table = read_leads_table(leads, crs=crs)
    if keep is not None:
        table = keep(table)
    econ = economy_for_businesses(table, villages, branches, n_months=spec.n_history_months,
                                  seed=spec.seed, start_month=spec.start_month,
                                  variant=spec.variant)
    service = dict(zip(table["lead_id"].astype(str), table["service_s"].astype(int),
                       strict=True))
    return econ, service


def read_roster(path: Path, crs: str) -> tuple[Officer, ...]:
    """The county's officers, their start and end places renamed as matrix nodes.

    :func:`countyreach.io.read_officers` names the places ``O01-start``; in a world's
    matrix, which also holds every business and candidate base, they become
    ``officer:O01:start`` so that no business id can be mistaken for an officer's home.
    """
    out = []
    for o in read_officers(path, crs=crs):
        out.append(replace(o, start=replace(o.start, depot_id=f"officer:{o.officer_id}:start"),
                           end=replace(o.end, depot_id=f"officer:{o.officer_id}:end")))
    return tuple(out)


def roster_nodes(roster: Sequence[Officer],
                 taken: Sequence[str]) -> tuple[list[str], list[Location]]:
    """Matrix nodes of the roster's starts and ends (ids, WGS-84 points).

    Raises
    ------
    InputError
        When a node id is already a business or site id.
    """
    ids: list[str] = []
    pts: list[Location] = []
    for o in roster:
        for dep in (o.start, o.end):
            ids.append(dep.depot_id)
            pts.append(dep.location)
    clash = set(ids) & set(taken)
    if clash:
        raise InputError(f"lead id(s) {sorted(clash)[:3]} clash with the officers' places",
                         field="lead_id")
    return ids, pts


def roster_scenario(world: SimWorld, scenario: Scenario) -> Scenario:
    """A roster scenario with the officers' starts as its bases (for the records).

    Raises
    ------
    InputError
        When the world has no roster, or the scenario's team size is not the roster's.
    """
    roster = world.roster
    if not roster:
        raise InputError("the county has no officers.csv: choose a team size instead",
                         field="team")
    if scenario.n_officers != len(roster):
        raise InputError(f"the county's roster has {len(roster)} officers, the scenario "
                         f"{scenario.n_officers}", field="n_officers")
    return replace(scenario, base_strategy=BaseStrategy.GIVEN,
                   bases=tuple(o.start.depot_id for o in roster))


def roster_officers(world: SimWorld, scenario: Scenario) -> tuple[Officer, ...]:
    """The officers a roster scenario simulates (checked as :func:`roster_scenario` does)."""
    roster_scenario(world, scenario)
    return tuple(world.roster)


def default_team(world: SimWorld, n_officers: int | None, *,
                 fallback: int = 6) -> tuple[Team, int]:
    """The team to simulate: the roster unless a team size is asked for.

    Parameters
    ----------
    world : SimWorld
    n_officers : int or None
        The size the user asked for, or None.
    fallback : int
        Size of the synthetic team when neither a size nor a roster is given.

    Returns
    -------
    (Team, int)
        Team and its number of officers.
    """
    if n_officers is None and world.roster:
        return Team.ROSTER, len(world.roster)
    return Team.BASES, int(fallback if n_officers is None else n_officers)


def describe_population(world: SimWorld, lang: str = "en") -> str:
    """``population: the county's 400 leads (leads.csv)`` or ``population: synthetic, …``."""
    from countyreach.i18n import t

    n = f"{len(world.businesses):,}"
    if world.meta.get("population") == POPULATION_LEADS:
        src = Path(str(world.meta.get("population_file", "leads.csv"))).name
        return t("sim_population_leads", lang, n=n, file=src)
    unused = world.meta.get("unused_leads_file")
    note = t("sim_population_unused", lang, file=Path(str(unused)).name) if unused else ""
    return t("sim_population_synthetic", lang, n=n, note=note)


def describe_team(world: SimWorld, team: Team, n_officers: int,
                  base_strategy: BaseStrategy | str | None = None, lang: str = "en") -> str:
    """One line on who works: the roster, or synthetic officers at chosen bases."""
    from countyreach.i18n import t

    if team is Team.ROSTER:
        return t("sim_team_roster", lang, n=len(world.roster),
                 file=Path(str(world.meta.get("roster_file", "officers.csv"))).name)
    how = bases_text(base_strategy, lang)
    note = t("sim_team_unused", lang) if world.roster else ""
    return t("sim_team_bases", lang, n=n_officers, how=how, note=note)


def bases_text(base_strategy: BaseStrategy | str | None, lang: str = "en") -> str:
    """``p_median bases`` (``chosen bases`` without one), in ``lang``."""
    from countyreach.i18n import t

    if not base_strategy:
        return t("sim_bases_chosen", lang)
    value = BaseStrategy(base_strategy).value
    return t("sim_bases_of", lang, strategy=value if lang == "en" else t(f"strategy_{value}",
                                                                         lang))


def describe_travel(world: SimWorld, lang: str = "en") -> str:
    """One line on how the world's travel times are made: one matrix, or per day."""
    from countyreach.i18n import format_number, t
    from countyreach.simulation.traveltime import FULL_MATRIX_MAX_NODES

    n = format_number(len(world.travel_times.node_ids))
    if world.travel_times.on_demand:
        limit = int(world.meta.get("full_matrix_max_nodes", FULL_MATRIX_MAX_NODES))
        return t("sim_travel_on_demand", lang, n=n, limit=format_number(limit))
    return t("sim_travel_full", lang, n=n)
