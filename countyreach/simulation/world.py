"""A county to simulate: places, business population with hidden truth, travel times.

A :class:`SimWorld` is everything the coverage simulation needs and nothing it
must recompute per scenario: the businesses (observable table and the hidden
truth of the propensity generator), the candidate officer bases, and their
travel times (:class:`~countyreach.simulation.traveltime.TravelTimes`: one matrix
over businesses and bases up to 5,000 places, the road graph's snaps to build each
day's matrix from above that). Worlds are plain frozen values that pickle, so a
sweep ships one world to every Dask worker once.

Builders
--------
* :func:`world_from_county` — a county folder (``county.json``) with an OSM road
  file, e.g. the demo ``data/qingzu``; travel times over the real roads, or the
  flagged straight-line approximation on request. The county's own ``leads.csv``
  and ``officers.csv`` are used when present
  (:mod:`countyreach.simulation.county_team`).
* :func:`world_from_places` — villages/townships and a boundary only (a county
  nobody has a road extract for); straight-line × detour-factor times, flagged.
* :func:`~countyreach.simulation.tangxian.tangxian_world` — 唐县 from the bundled
  adcode township data and the ``cnmaps`` boundary (:mod:`countyreach.simulation.tangxian`).

The synthetic business population is :mod:`countyreach.simulation.population`.
A world's ``meta["population"]`` says which it holds: ``county_leads`` or ``synthetic``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from countyreach.errors import DataWarning, InputError
from countyreach.io import SERVICE_MIN_BY_INDUSTRY, read_branches, read_villages
from countyreach.placement import OFFICER_MAX_OUTSIDE_M, leads_inside
from countyreach.simulation.county_team import (
    POPULATION_LEADS,
    POPULATION_SYNTHETIC,
    county_inputs,
    county_population,
    read_roster,
    roster_nodes,
)
from countyreach.simulation.population import PopulationSpec, synthesise_population
from countyreach.simulation.traveltime import (
    FULL_MATRIX_MAX_NODES,
    StraightLineModel,
    TravelTimes,
    world_travel_times,
)
from geo.types import Location, TravelMatrix
from routing.problem import Officer, parse_hhmm

__all__ = [
    "ShiftTemplate",
    "PopulationSpec",
    "SimWorld",
    "synthesise_population",
    "world_from_county",
    "world_from_places",
    "REPO_DATA",
    "SYNTHETIC_LOAN_RULE_MONTHS",
]

REPO_DATA = Path(__file__).resolve().parents[2] / "data"
#: The loan rule of a synthetic world: the economy's officers never visit within a year of
#: a loan (:mod:`propensity.economy_history`), and its simulation follows the same rule.
SYNTHETIC_LOAN_RULE_MONTHS = 12


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """The working day every simulated officer has (the demo roster's defaults).

    Parameters
    ----------
    start_s, end_s : int
        Shift start and end, seconds since midnight.
    lunch_start_s, lunch_end_s : int
        Window in which the lunch break must start.
    lunch_s : int
        Lunch duration.
    max_drive_s : int
        Cap on driving per day.
    max_visits : int
        Cap on visits per day.
    """

    start_s: int = parse_hhmm("08:00")
    end_s: int = parse_hhmm("17:30")
    lunch_start_s: int = parse_hhmm("11:30")
    lunch_end_s: int = parse_hhmm("13:00")
    lunch_s: int = 45 * 60
    max_drive_s: int = 240 * 60
    max_visits: int = 12

    def __post_init__(self) -> None:
        if not 0 <= self.start_s < self.end_s <= 48 * 3600:
            raise InputError("shift must end after it starts", field="end_s")
        if not self.start_s <= self.lunch_start_s <= self.lunch_end_s <= self.end_s:
            raise InputError("lunch window must lie inside the shift", field="lunch_start_s")
        if self.lunch_s <= 0 or self.max_drive_s < 0 or self.max_visits < 0:
            raise InputError("lunch, drive cap and visit cap must be positive",
                             field="lunch_s")


@dataclass(frozen=True, eq=False)
class SimWorld:
    """A county ready to simulate.

    Attributes
    ----------
    name : str
        Display name.
    economy : propensity.Economy
        Businesses, hidden truth and visit history.
    businesses : pandas.DataFrame
        The observable lead table (``economy.businesses`` plus ``service_s``).
    sites : pandas.DataFrame
        Candidate officer bases: ``site_id, name, kind (branch/town/village), lat, lon``.
    travel_times : TravelTimes
        Travel times among every business id and every site id: one matrix over all of
        them in a small world, built for the places asked in a large one.
    travel : str
        How the times were made (road network, or the approximation's label).
    approximate : bool
        True when the times are straight-line × detour factor.
    shift : ShiftTemplate
        Every officer's working day.
    sim_start_month : str
        First simulated month (the month after the history).
    boundary : shapely geometry or None
        County outline (WGS-84), for maps.
    meta : mapping
        Provenance (files, seeds, sizes); ``population`` is ``county_leads`` (the
        county's own leads, ``population_file``) or ``synthetic``.
    roster : tuple of Officer
        The county's own officers (``officers.csv``), their start and end places
        nodes of ``travel_times``; empty when the county has none or it was not asked for.
    loan_rule_months : int
        The lender's loan rule every policy follows: no visit for a loan within this many
        months of the bank's last loan to the business. A county's world takes the
        county's (``county.json``), a synthetic one the one-year rule its history follows.
    """

    name: str
    economy: Any
    businesses: pd.DataFrame
    sites: pd.DataFrame
    travel_times: TravelTimes
    travel: str
    approximate: bool
    shift: ShiftTemplate = ShiftTemplate()
    sim_start_month: str = "2026-01"
    boundary: Any = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    roster: tuple[Officer, ...] = ()
    loan_rule_months: int = SYNTHETIC_LOAN_RULE_MONTHS

    @property
    def matrix(self) -> TravelMatrix:
        """The matrix over every place of a small world (see :attr:`travel_times`).

        Raises
        ------
        ValueError
            When the world is too large for one (its times are built per day).
        """
        if self.travel_times.full is None:
            raise ValueError(f"{self.name} has {len(self.travel_times.node_ids):,} places, "
                             "too many for one matrix: use travel_times")
        return self.travel_times.full

    @property
    def lead_ids(self) -> tuple[str, ...]:
        """Business ids in table order."""
        return tuple(self.businesses["lead_id"].astype(str))

    @property
    def site_ids(self) -> tuple[str, ...]:
        """Candidate base ids in table order."""
        return tuple(self.sites["site_id"].astype(str))

    @property
    def branch_site_ids(self) -> tuple[str, ...]:
        """Sites that are bank branches."""
        return tuple(self.sites.loc[self.sites["kind"] == "branch", "site_id"].astype(str))

    def demand(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Facility-location input: businesses grouped by village.

        Returns
        -------
        cost_s : numpy.ndarray
            ``(n_sites, n_villages)`` mean of (out + back) / 2 travel time from
            each site to the village's businesses.
        weight : numpy.ndarray
            Number of businesses per village.
        villages : list of str
            Village names (demand point labels).
        """
        groups = self.businesses.groupby("village", sort=True).indices
        names = list(groups)
        out_s, back_s = self.travel_times.to_and_from(self.site_ids, self.lead_ids)
        rt = (out_s + back_s) / 2.0
        cost = np.zeros((len(self.site_ids), len(names)))
        weight = np.zeros(len(names))
        for g, name in enumerate(names):
            rows = groups[name]
            cost[:, g] = rt[:, rows].mean(axis=1)
            weight[g] = len(rows)
        return cost, weight, names


def _service_s(industry: pd.Series) -> np.ndarray:
    return np.array([int(SERVICE_MIN_BY_INDUSTRY.get(str(i), 20)) * 60 for i in industry])


def _sites_table(villages: pd.DataFrame, branches: pd.DataFrame) -> pd.DataFrame:
    rows = [{"site_id": f"site:{r.branch_id}", "name": str(r.name), "kind": "branch",
             "lat": float(r.lat), "lon": float(r.lon)} for r in branches.itertuples()]
    for i, r in enumerate(villages.itertuples(), start=1):
        kind = str(getattr(r, "place", "village") or "village")
        rows.append({"site_id": f"site:v{i:03d}", "name": str(r.name),
                     "kind": "town" if kind == "town" else "village",
                     "lat": float(r.lat), "lon": float(r.lon)})
    return pd.DataFrame(rows, columns=["site_id", "name", "kind", "lat", "lon"])


def _month_after(start: str, n: int) -> str:
    y, m = (int(x) for x in start.split("-"))
    k = y * 12 + m - 1 + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def _finish(name: str, econ: Any, sites: pd.DataFrame, times: TravelTimes, travel: str,
            approximate: bool, spec: PopulationSpec, shift: ShiftTemplate | None,
            boundary: Any, meta: Mapping[str, Any], *,
            service_s: Mapping[str, int] | None = None,
            roster: tuple[Officer, ...] = (),
            loan_rule_months: int = SYNTHETIC_LOAN_RULE_MONTHS) -> SimWorld:
    b = econ.businesses.copy()
    b["lead_id"] = b["lead_id"].astype(str)
    # A county's leads file may set its own minutes per business; otherwise by industry.
    b["service_s"] = _service_s(b["industry"]) if service_s is None else \
        b["lead_id"].map(service_s).astype(int).to_numpy()
    return SimWorld(
        name=name, economy=econ, businesses=b, sites=sites, travel_times=times,
        travel=travel,
        approximate=approximate, shift=shift or ShiftTemplate(),
        sim_start_month=_month_after(spec.start_month, spec.n_history_months),
        boundary=boundary,
        meta={"population": POPULATION_SYNTHETIC, **meta, "n_businesses": len(b),
              "population_seed": spec.seed, "n_history_months": spec.n_history_months,
              "travel": travel, "n_roster_officers": len(roster),
              "full_travel_matrix": times.full is not None},
        roster=roster, loan_rule_months=loan_rule_months,
    )


def world_from_county(
    path: str | Path,
    spec: PopulationSpec | None = None,
    *,
    travel: str = "roads",
    detour: StraightLineModel | None = None,
    shift: ShiftTemplate | None = None,
    cache_dir: str | Path | None = None,
    own_leads: bool | None = None,
    own_officers: bool = True,
    full_matrix_max_nodes: int = FULL_MATRIX_MAX_NODES,
) -> SimWorld:
    """A world on a county folder with an OSM road file (the demo is ``data/qingzu``).

    When the folder has a leads file (see ``own_leads``), the businesses are those
    leads, with a hidden truth drawn for them by the economy
    (:func:`~countyreach.simulation.county_team.county_population`); otherwise a
    population is synthesised in the villages by ``spec``. When it has an officers
    file (and ``own_officers``), the officers become the world's ``roster``.

    Parameters
    ----------
    path : str or Path
        County folder or ``county.json``.
    spec : PopulationSpec, optional
        Business population to synthesise in the county's villages; with the county's
        own leads only its seed, variant, start month and history length apply.
    travel : {"roads", "straight_line"}
        Real road travel times, or the flagged approximation.
    detour : StraightLineModel, optional
        Factor and speed of the approximation.
    shift : ShiftTemplate, optional
        Officers' working day.
    cache_dir : str or Path, optional
        Road graph cache.
    own_leads : bool, optional
        True: the county's leads when it has a leads file; False: always synthesise
        by ``spec``. None (default): the county's leads unless a ``spec`` is given (a
        caller who sizes a population wants that population, as ``--businesses`` on
        the command line does).
    own_officers : bool
        Read the county's officers file into ``roster`` when it has one.
    full_matrix_max_nodes : int
        Most places (businesses, bases, the roster's places) one travel matrix is built
        over; a larger world builds each day's matrix for the day's candidates only.

    Returns
    -------
    SimWorld
    """
    use_leads = spec is None if own_leads is None else own_leads
    spec = spec or PopulationSpec()
    county = county_inputs(path)
    villages = read_villages(county.villages, crs=county.crs)
    branch_depots = read_branches(county.branches, crs=county.crs)
    branches = pd.DataFrame([{"branch_id": d.depot_id, "name": d.name, "lat": d.location.lat,
                              "lon": d.location.lon} for d in branch_depots])
    service: dict[str, int] | None = None
    meta: dict[str, Any] = {"county": str(county.root), "county_id": county.county_id,
                            "full_matrix_max_nodes": full_matrix_max_nodes}
    graph = None
    if travel == "roads":
        import geo
        from countyreach.pipeline import default_cache_dir

        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        graph = geo.load_road_graph(county.roads, cache_dir=cache / "graphs")
    if use_leads and county.leads is not None:
        leads_file, crs = county.leads, county.crs
        # As planning: leads a little outside the roads are snapped (a warning), far ones
        # skipped with their row named.
        keep = None if graph is None else (
            lambda t: leads_inside(leads_file, crs, graph, t))
        econ, service = county_population(county.leads, county.crs, villages, branches, spec,
                                          keep=keep)
        meta.update(population=POPULATION_LEADS, population_file=str(county.leads))
    else:
        econ = synthesise_population(villages, spec, branches)
        if county.leads is not None:
            meta["unused_leads_file"] = str(county.leads)
    roster = read_roster(county.officers, county.crs) \
        if own_officers and county.officers is not None else ()
    if roster:
        meta["roster_file"] = str(county.officers)
    sites = _sites_table(villages, branches)
    ids, points = _nodes(econ.businesses, sites)
    more_ids, more_points = roster_nodes(roster, ids)
    ids, points = ids + more_ids, points + more_points
    if graph is not None:
        import geo

        with warnings.catch_warnings():
            # Synthetic farms sit in fields: far snaps are expected and reported once.
            warnings.simplefilter("ignore", DataWarning)
            # Leads were kept within LEAD_MAX_OUTSIDE_M of the outline, officers' places
            # may lie up to OFFICER_MAX_OUTSIDE_M outside: planning's slack.
            snaps = geo.snap_points(graph, points, ids, far_m=OFFICER_MAX_OUTSIDE_M)
        times = world_travel_times(ids, points, graph=graph, snaps=snaps,
                                   full_max_nodes=full_matrix_max_nodes)
        label = f"OSM road network ({county.roads.name})"
        approximate = False
    elif travel == "straight_line":
        model = detour or StraightLineModel()
        times = world_travel_times(ids, points, model=model,
                                   full_max_nodes=full_matrix_max_nodes)
        label, approximate = model.label, True
    else:
        raise InputError(f"travel must be roads or straight_line, got {travel!r}", field="travel")
    return _finish(county.name, econ, sites, times, label, approximate, spec, shift, None,
                   meta, service_s=service, roster=roster,
                   loan_rule_months=county.loan_rule_months)


def _nodes(businesses: pd.DataFrame, sites: pd.DataFrame) -> tuple[list[str], list[Location]]:
    ids = list(businesses["lead_id"].astype(str)) + list(sites["site_id"])
    pts = [Location(float(a), float(b)) for a, b in zip(businesses["lat"], businesses["lon"],
                                                        strict=True)]
    pts += [Location(float(a), float(b)) for a, b in zip(sites["lat"], sites["lon"], strict=True)]
    return ids, pts


def world_from_places(
    name: str,
    villages: pd.DataFrame,
    spec: PopulationSpec | None = None,
    *,
    branches: pd.DataFrame | None = None,
    boundary: Any = None,
    detour: StraightLineModel | None = None,
    shift: ShiftTemplate | None = None,
    sites: pd.DataFrame | None = None,
) -> SimWorld:
    """A world from place points only, with straight-line × detour-factor travel times.

    Used when no road extract exists for the county; every result made on it is
    flagged approximate (:class:`~countyreach.simulation.traveltime.ApproximateTravelWarning`).

    Parameters
    ----------
    name : str
        County name.
    villages : pandas.DataFrame
        ``name, lat, lon`` (WGS-84), optional ``township``, ``place``.
    spec : PopulationSpec, optional
        Business population.
    branches : pandas.DataFrame, optional
        ``branch_id, name, lat, lon``; default one branch at the first town row.
    boundary : shapely geometry, optional
        County outline for maps.
    detour : StraightLineModel, optional
        Factor and speed.
    shift : ShiftTemplate, optional
        Officers' day.
    sites : pandas.DataFrame, optional
        Candidate bases (``site_id, name, kind, lat, lon``); default branches plus
        every town row (or every village when there are no towns).

    Returns
    -------
    SimWorld
    """
    spec = spec or PopulationSpec()
    if branches is None:
        towns = villages[villages.get("place", pd.Series(dtype=str)) == "town"] \
            if "place" in villages.columns else villages.iloc[:0]
        first = towns.iloc[0] if len(towns) else villages.iloc[0]
        branches = pd.DataFrame({"branch_id": ["BR1"], "name": [f"{first['name']}营业所"],
                                 "lat": [float(first["lat"])], "lon": [float(first["lon"])]})
    econ = synthesise_population(villages, spec, branches)
    if sites is None:
        cand = villages[villages["place"] == "town"] if "place" in villages.columns else villages
        sites = _sites_table(cand if len(cand) else villages, branches)
    ids, points = _nodes(econ.businesses, sites)
    model = detour or StraightLineModel()
    times = world_travel_times(ids, points, model=model)
    return _finish(name, econ, sites, times, model.label, True, spec, shift, boundary,
                   {"county": name})
