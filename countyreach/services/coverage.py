"""Planner coverage: how much of a county a team of officers reaches, by team size.

Thin, typed entry points to :mod:`countyreach.simulation` for the Planner page: build a
simulation world, run a sweep over team sizes and strategies, and collect what the page
shows (the recommendation, the two charts, the coverage table). The simulation package is
imported on first use: it is large and only this page needs it.

A :class:`SweepJob` runs in a background thread with progress, an ETA and cancel. Its
scenarios are independent: with a scheduler (``COUNTYREACH_SCHEDULER``: ``local`` or a
Dask scheduler's address) each is a Dask future, and cancel cancels the futures still
pending; without one they run in the thread, one after another.
"""

from __future__ import annotations

import contextlib
import enum
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    "SweepJob",
    "JobState",
    "ScenarioRows",
    "simulate_scenario",
    "left_out",
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


def coverage_view(result: SweepResult, lang: str = "en") -> CoverageView:
    """The recommendation, the coverage and loans charts and the coverage table of a sweep
    (charts in ``lang``)."""
    from countyreach import simulation
    from countyreach.simulation import plots

    return CoverageView(
        recommendation=simulation.recommend(result),
        approximate_travel=bool(result.meta.get("approximate_travel")),
        coverage_chart=plots.coverage_chart(result, lang),
        loans_chart=plots.loans_chart(result, lang),
        curve=simulation.coverage_curve(result))


def curve_table(curve: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The coverage curve as the Planner page's table: strategy names and headers in
    ``lang``, coverage in percent, one row per strategy and team size."""
    from countyreach.i18n import t

    return pd.DataFrame({
        t("chart_bases", lang): [t(f"strategy_{b}", lang) for b in curve["base_strategy"]],
        t("chart_officers", lang): curve["n_officers"].astype(int),
        t("col_share", lang): (100 * curve["coverage"]).round(1),
        t("chart_loans_y", lang): curve["loans_per_officer_day"].round(2),
        t("col_cost_per_loan", lang): curve["cost_per_loan_yuan"].round(0),
        t("col_drive_h_per_day", lang): curve["drive_h_per_officer_day"].round(1),
        t("col_seeds", lang): curve["n_seeds"].astype(int),
    })


class JobState(enum.StrEnum):
    """Where a background sweep stands."""

    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, eq=False)
class ScenarioRows:
    """What the page keeps of one simulated scenario (small enough to ship from a worker).

    Attributes
    ----------
    summary : dict
        The scenario's parameters and summary measures (one row of the sweep's summary).
    weekly : pandas.DataFrame
        Its weekly measures, with ``scenario_id``.
    visits : pandas.DataFrame
        Its visits, with ``n_officers`` and ``base_strategy``.
    """

    summary: dict[str, Any]
    weekly: pd.DataFrame
    visits: pd.DataFrame


def simulate_scenario(world: Any, scenario: Any) -> ScenarioRows:
    """Simulate one scenario (with its bases chosen) and keep what the page shows.

    The body of one Dask task of a sweep; also run in-process when no scheduler is set.

    Parameters
    ----------
    world : SimWorld
    scenario : Scenario
        From :func:`countyreach.simulation.scenario_grid`, bases filled in.

    Returns
    -------
    ScenarioRows
    """
    import warnings

    from countyreach import simulation
    from countyreach.simulation.engine import summary_row

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the world's data warnings were shown when it was built
        res = simulation.simulate(world, scenario)
    return ScenarioRows(
        summary_row(res), res.weekly.assign(scenario_id=scenario.scenario_id),
        res.visits.assign(n_officers=scenario.n_officers,
                          base_strategy=str(scenario.base_strategy)))


@dataclass(eq=False)
class SweepJob:
    """A sweep running in a background thread: progress, ETA, cancel, result.

    Without a scheduler the scenarios run in that thread one after another, and
    :meth:`cancel` stops before the next one starts (a scenario in progress finishes:
    the simulation has no cancellation point inside). With one, every scenario is a Dask
    future and :meth:`cancel` cancels those not finished. The page polls :attr:`done`,
    :attr:`fraction` and :attr:`eta_s` to draw its bar.

    Parameters
    ----------
    world : SimWorld
    request : SweepRequest
    scheduler : str
        ``""`` (in this process), ``"local"`` (a Dask cluster of ``n_workers`` processes,
        started for this sweep) or a Dask scheduler's address (``tcp://host:8786``); see
        :attr:`countyreach.settings.Settings.scheduler`.
    n_workers : int
        Worker processes of the ``local`` cluster.
    on_scenario : callable, optional
        Called in the sweep's thread with ``(done, total)`` after each scenario.
    """

    world: Any
    request: SweepRequest
    scheduler: str = ""
    n_workers: int = 2
    on_scenario: Callable[[int, int], None] | None = None
    state: JobState = JobState.RUNNING
    done: int = 0
    total: int = 0
    result: Any = None
    error: str = ""
    visits: list[pd.DataFrame] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _started: float = field(default_factory=time.monotonic)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: tuple[Any, Any] | None = None  # (client, futures) while on Dask

    def start(self) -> SweepJob:
        """Lay out the scenarios (so :attr:`total` is known at once), start the thread.

        Returns
        -------
        SweepJob
            ``self``.
        """
        from countyreach import simulation

        r = self.request
        grid = simulation.scenario_grid(r.team_sizes, r.strategies, range(r.n_seeds),
                                        n_weeks=r.n_weeks, day_time_limit_s=r.day_time_limit_s)
        self.total = len(grid)
        self._thread = threading.Thread(target=self._run, args=(grid,), name="countyreach-sweep",
                                        daemon=True)
        self._thread.start()
        return self

    def _run(self, grid: list[Any]) -> None:
        from countyreach.simulation.engine import with_bases

        try:
            scenarios = with_bases(grid, self.world)
            rows = self._on_dask(scenarios) if self.scheduler else self._here(scenarios)
            if rows is None:
                self.state = JobState.CANCELLED
                return
            self.result = self._sweep_result(rows)
            self.state = JobState.DONE
        except Exception as exc:  # shown on the page; the server keeps running
            self.error = str(exc)
            self.state = JobState.FAILED

    def _finished(self, rows: ScenarioRows) -> None:
        self.visits.append(rows.visits)
        self.done += 1
        if self.on_scenario is not None:
            self.on_scenario(self.done, self.total)

    def _here(self, scenarios: Sequence[Any]) -> list[ScenarioRows] | None:
        out = []
        for sc in scenarios:
            if self._cancel.is_set():
                return None
            rows = simulate_scenario(self.world, sc)
            out.append(rows)
            self._finished(rows)
        return out

    def _on_dask(self, scenarios: Sequence[Any]) -> list[ScenarioRows] | None:
        from distributed import as_completed

        from countyreach.many import dask_session

        address = None if self.scheduler == "local" else self.scheduler
        with dask_session(address, self.n_workers) as client:
            if self._cancel.is_set():
                return None
            world = client.scatter(self.world, broadcast=True, hash=False)
            tag = uuid.uuid4().hex[:8]
            futures = [client.submit(simulate_scenario, world, sc, pure=False,
                                     key=f"countyreach-sweep-{tag}-{sc.scenario_id}")
                       for sc in scenarios]
            with self._lock:
                self._pending = (client, futures)
            if self._cancel.is_set():
                client.cancel(futures)
            self._started = time.monotonic()  # the pace from here: the cluster is up
            order = {f.key: i for i, f in enumerate(futures)}
            out: list[ScenarioRows | None] = [None] * len(futures)
            try:
                for fut in as_completed(futures):
                    if self._cancel.is_set():
                        return None
                    rows = fut.result()
                    out[order[fut.key]] = rows
                    self._finished(rows)
            finally:
                with self._lock:
                    self._pending = None
                client.cancel(futures)  # nothing left running on the cluster for this sweep
        return [r for r in out if r is not None]

    def _sweep_result(self, rows: Sequence[ScenarioRows]) -> Any:
        from countyreach import simulation

        summary = pd.DataFrame([r.summary for r in rows]).drop(columns=["runtime_s"],
                                                                errors="ignore")
        return simulation.SweepResult(
            summary, pd.concat([r.weekly for r in rows], ignore_index=True),
            {"n_scenarios": self.total,
             "ran_on": f"dask:{self.scheduler}" if self.scheduler else "app",
             "approximate_travel": bool(getattr(self.world, "approximate", False))})

    def cancel(self) -> None:
        """Stop the sweep: no new scenario starts, and pending Dask futures are cancelled."""
        self._cancel.set()
        with self._lock:
            pending = self._pending
        if pending is not None:
            client, futures = pending
            # the sweep may be closing its client at this moment: then nothing is left to stop
            with contextlib.suppress(Exception):
                client.cancel(futures)

    @property
    def fraction(self) -> float:
        """Share of scenarios finished."""
        return self.done / self.total if self.total else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far (``None`` before the first scenario finishes)."""
        if not self.done or not self.total:
            return None
        pace = (time.monotonic() - self._started) / self.done
        return pace * (self.total - self.done)

    def wait(self, timeout_s: float) -> bool:
        """Block until the sweep ends (or ``timeout_s``); whether it ended."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return self.state is not JobState.RUNNING


def left_out(world: Any, visits: pd.DataFrame, n_officers: int,
             base_strategy: str) -> pd.DataFrame:
    """Villages and how much of them one team reached: the areas a team of that size leaves out.

    Parameters
    ----------
    world : SimWorld
        Its ``businesses`` (``lead_id, village, lat, lon``).
    visits : pandas.DataFrame
        Visits of the sweep (:attr:`SweepJob.visits`, concatenated).
    n_officers : int
    base_strategy : str
        The recommended team.

    Returns
    -------
    pandas.DataFrame
        ``village, lat, lon, businesses, reached, share`` per village, least reached first.
    """
    biz = world.businesses
    mine = visits[(visits["n_officers"] == n_officers)
                  & (visits["base_strategy"] == str(base_strategy))]
    reached = set(mine["lead_id"].astype(str))
    b = biz.assign(reached=biz["lead_id"].astype(str).isin(reached))
    out = b.groupby("village", sort=False).agg(
        lat=("lat", "mean"), lon=("lon", "mean"), businesses=("lead_id", "size"),
        reached=("reached", "sum")).reset_index()
    out["share"] = out["reached"] / out["businesses"]
    return out.sort_values(["share", "businesses"], ascending=[True, False]).reset_index(drop=True)
