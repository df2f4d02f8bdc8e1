"""Scenario sweeps: many officers × base strategies × seeds, sequentially or on Dask.

Scenarios are independent, so a sweep is a map. :func:`run_scenarios` runs the
map in this process or on a Dask cluster — a ``distributed.LocalCluster`` of
processes by default, or the scheduler at an address for a real cluster. The
world is shipped to every worker once (``Client.scatter(broadcast=True)``),
bases are chosen before the map (facility location is deterministic), and each
scenario seeds its own generators, so the cluster's result frames equal the
sequential ones exactly.

:func:`coverage_curve` turns a sweep into officers → coverage / loans per
officer-day, :func:`recommend` picks a number of officers, and
:func:`save_sweep` / :func:`load_sweep` keep results comparable across runs
(parquet + JSON metadata with the scenario grid and the code version).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import platform
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from countyreach.errors import InputError
from countyreach.many import dask_session
from countyreach.simulation.engine import simulate, with_bases
from countyreach.simulation.policies import POLICIES, Policy, parse_policy
from countyreach.simulation.scenario import (
    BaseStrategy,
    Scenario,
    SimulationResult,
    parse_base_strategy,
)
from countyreach.simulation.world import SimWorld

__all__ = [
    "SweepResult",
    "Recommendation",
    "check_target_share",
    "scenario_grid",
    "run_scenarios",
    "sweep",
    "coverage_curve",
    "recommend",
    "save_sweep",
    "load_sweep",
    "compare_policies",
]

log = logging.getLogger(__name__)



@dataclass(frozen=True, eq=False)
class SweepResult:
    """All scenarios of a sweep, as tables.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per scenario: its parameters and summary measures.
    weekly : pandas.DataFrame
        Weekly measures of every scenario (``scenario_id`` first).
    meta : mapping
        World, travel model, grid, code version, where it ran.
    """

    summary: pd.DataFrame
    weekly: pd.DataFrame
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """How many officers to hire, and why.

    Attributes
    ----------
    n_officers : int
        The recommendation.
    base_strategy : str
        The base strategy with the best coverage at that size.
    coverage : float
        Mean coverage reached there.
    max_coverage : float
        Best mean coverage anywhere in the sweep.
    loans_per_officer_day : float
        At the recommendation.
    reason : str
        One sentence for the planner.
    """

    n_officers: int
    base_strategy: str
    coverage: float
    max_coverage: float
    loans_per_officer_day: float
    reason: str


def scenario_grid(officers: Iterable[int], strategies: Iterable[BaseStrategy | str],
                  seeds: Iterable[int], *, policy: Policy | str = Policy.COUNTYREACH,
                  **common: Any) -> list[Scenario]:
    """Every combination of officer count, base strategy and seed.

    Parameters
    ----------
    officers, strategies, seeds : iterable
        The grid's axes.
    policy : Policy or str
        Day policy of every scenario.
    **common
        Other :class:`Scenario` fields (``n_weeks``, ``day_time_limit_s`` ...).

    Returns
    -------
    list of Scenario
    """
    out = []
    for n in officers:
        for s in strategies:
            for seed in seeds:
                out.append(Scenario(f"{policy}-n{int(n):02d}-{s}-s{int(seed)}", int(n),
                                    parse_base_strategy(s), parse_policy(policy), int(seed),
                                    **common))
    ids = [s.scenario_id for s in out]
    if len(set(ids)) != len(ids):
        raise InputError("the grid repeats a scenario", field="officers")
    return out


def _run_one(world: SimWorld, scenario: Scenario,
             progress: Callable[[int, int, float], None] | None = None) -> SimulationResult:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the world's data warnings were shown when it was built
        return simulate(world, scenario, progress=progress)


def _frames(results: Sequence[SimulationResult], world: SimWorld,
            meta: Mapping[str, Any]) -> SweepResult:
    from countyreach.simulation.engine import summary_row

    summary = pd.DataFrame([summary_row(r) for r in results])
    summary = summary.drop(columns=["runtime_s"], errors="ignore")
    weekly = pd.concat([r.weekly.assign(scenario_id=r.scenario.scenario_id,
                                        n_officers=r.scenario.n_officers,
                                        base_strategy=r.scenario.base_strategy.value,
                                        policy=r.scenario.policy.value, seed=r.scenario.seed)
                        for r in results], ignore_index=True) if results else pd.DataFrame()
    if len(weekly):
        first = ["scenario_id", "n_officers", "base_strategy", "policy", "seed"]
        weekly = weekly[first + [c for c in weekly.columns if c not in first]]
    return SweepResult(summary, weekly, {**_world_meta(world), **meta})


def _world_meta(world: SimWorld) -> dict[str, Any]:
    return {"world": world.name, "travel": world.travel, "approximate_travel": world.approximate,
            "n_businesses": len(world.businesses), "n_sites": len(world.sites),
            "sim_start_month": world.sim_start_month, **{f"world_{k}": v for k, v in
                                                         world.meta.items()
                                                         if isinstance(v, str | int | float)}}


def run_scenarios(
    world: SimWorld,
    scenarios: Sequence[Scenario],
    *,
    dask: bool | str = False,
    client: Any = None,
    n_workers: int = 2,
    progress: bool = False,
    lang: str = "en",
) -> SweepResult:
    """Run independent scenarios, in this process or on Dask.

    Parameters
    ----------
    world : SimWorld
    scenarios : sequence of Scenario
        Unique ``scenario_id`` values.
    dask : bool or str
        False: run here, one after another. True: a local cluster of
        ``n_workers`` processes. A string: the scheduler address of a cluster.
    client : distributed.Client, optional
        Use this client instead (it is not closed).
    n_workers : int
        Size of the local cluster.
    progress : bool
        tqdm bar over the simulated weeks (in this process) or the scenarios (on Dask).
    lang : {"en", "zh"}
        Language of the bar's words.

    Returns
    -------
    SweepResult
        Rows in the order of ``scenarios`` whatever ran where.
    """
    from tqdm import tqdm

    from countyreach.i18n import t

    ids = [s.scenario_id for s in scenarios]
    if len(set(ids)) != len(ids):
        raise InputError("scenario ids must be unique", field="scenario_id")
    if n_workers < 1:
        raise InputError(f"workers must be at least 1, got {n_workers}", field="workers")
    filled = with_bases(scenarios, world)
    where = "sequential"
    if client is None and dask is False:
        # Counted in weeks, not scenarios: one 13-week scenario is a minute of work, and
        # a bar over scenarios would sit at 0/1 for all of it.
        with tqdm(total=sum(s.n_weeks for s in filled), disable=not progress,
                  unit=t("sim_bar_week", lang), desc=t("sim_bar_simulating", lang)) as bar:
            def week_done(done: int, total: int, seconds: float) -> None:
                bar.update(1)

            results = []
            for s in filled:
                bar.set_postfix_str(_bar_label(s, lang))
                results.append(_run_one(world, s, week_done))
    else:
        with contextlib.ExitStack() as stack:
            cl = client or stack.enter_context(
                dask_session(dask if isinstance(dask, str) else None, n_workers))
            where = f"dask:{cl.scheduler.address}" if hasattr(cl, "scheduler") else "dask"
            wf = cl.scatter(world, broadcast=True)
            futures = cl.map(_run_one, [wf] * len(filled), filled, pure=False)
            results = [f.result() for f in tqdm(futures, disable=not progress,
                                                desc=t("sim_bar_scenarios", lang))]
    meta = {"n_scenarios": len(filled), "ran_on": where,
            "scenarios": [s.params() for s in filled], **_versions()}
    return _frames(results, world, meta)


def _bar_label(scenario: Scenario, lang: str) -> str:
    """The scenario the bar is on: its id in English (as the saved files name it), its
    policy, team and bases in words in another language (an id is English codes)."""
    from countyreach.i18n import t

    if lang == "en":
        return scenario.scenario_id
    return t("sim_bar_scenario", lang, policy=t(f"sim_policy_{scenario.policy.value}", lang),
             n=scenario.n_officers,
             bases=t(f"strategy_{scenario.base_strategy.value}", lang), seed=scenario.seed)


def _versions() -> dict[str, str]:
    import countyreach

    out = {"countyreach": getattr(countyreach, "__version__", "unknown"),
           "python": platform.python_version()}
    try:
        import subprocess

        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, cwd=Path(__file__).parent, check=False)
        if rev.returncode == 0:
            out["git"] = rev.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def sweep(
    world: SimWorld,
    officers: Iterable[int] = range(2, 31, 2),
    strategies: Iterable[BaseStrategy | str] = (BaseStrategy.P_MEDIAN, BaseStrategy.MAX_COVERAGE,
                                                BaseStrategy.BRANCH),
    seeds: Iterable[int] = (0, 1),
    *,
    policy: Policy | str = Policy.COUNTYREACH,
    dask: bool | str = False,
    n_workers: int = 2,
    progress: bool = False,
    lang: str = "en",
    **common: Any,
) -> SweepResult:
    """The planner's sweep: officers × base strategies × seeds (see :func:`scenario_grid`).

    Officer counts above the number of candidate bases still work (several
    officers share a base).

    Returns
    -------
    SweepResult
    """
    grid = scenario_grid(officers, strategies, seeds, policy=policy, **common)
    return run_scenarios(world, grid, dask=dask, n_workers=n_workers, progress=progress,
                         lang=lang)


def coverage_curve(result: SweepResult | pd.DataFrame) -> pd.DataFrame:
    """Mean and spread of the measures per (base strategy, officers).

    Returns
    -------
    pandas.DataFrame
        ``base_strategy, n_officers, coverage, coverage_sd, loans_per_officer_day,
        loans_per_officer_day_sd, cost_per_loan_yuan, drive_h_per_officer_day, n_seeds``.
    """
    s = result.summary if isinstance(result, SweepResult) else result
    g = s.groupby(["base_strategy", "n_officers"], sort=True)
    out = g.agg(coverage=("coverage", "mean"), coverage_sd=("coverage", "std"),
                loans_per_officer_day=("loans_per_officer_day", "mean"),
                loans_per_officer_day_sd=("loans_per_officer_day", "std"),
                cost_per_loan_yuan=("cost_per_loan_yuan", "mean"),
                drive_h_per_officer_day=("drive_h_per_officer_day", "mean"),
                loans=("loans", "mean"), n_seeds=("seed", "nunique")).reset_index()
    return out.fillna({"coverage_sd": 0.0, "loans_per_officer_day_sd": 0.0})


def check_target_share(target_share: float) -> None:
    """Refuse a share of the best coverage that no team can be asked to reach.

    Raises
    ------
    InputError
        Unless ``0 < target_share <= 1``.
    """
    if not 0 < target_share <= 1:
        raise InputError(f"target share must be in (0, 1], got {target_share:g}",
                         field="target_share")


def recommend(result: SweepResult | pd.DataFrame, *, target_share: float = 0.9,
              min_gain_per_officer: float = 0.01) -> Recommendation:
    """The smallest team reaching ``target_share`` of the best coverage, past which
    one more officer adds less than ``min_gain_per_officer`` coverage.

    Parameters
    ----------
    result : SweepResult or its summary
    target_share : float
        Share of the best coverage the team must reach.
    min_gain_per_officer : float
        Marginal coverage per extra officer below which hiring stops paying.

    Returns
    -------
    Recommendation
    """
    check_target_share(target_share)
    curve = coverage_curve(result)
    if curve.empty:
        raise InputError("the sweep has no scenarios", field="summary")
    # per team size the strategy covering most; on a tie the one making more loans
    ranked = curve.sort_values(["n_officers", "coverage", "loans_per_officer_day"],
                               ascending=[True, False, False])
    best = ranked.drop_duplicates("n_officers").reset_index(drop=True)
    top = float(best["coverage"].max())
    ns = best["n_officers"].to_numpy()
    cov = best["coverage"].to_numpy(float)
    pick = len(ns) - 1
    for i in range(len(ns)):
        if cov[i] < target_share * top:
            continue
        if i + 1 < len(ns):
            gain = (cov[i + 1] - cov[i]) / max(1, ns[i + 1] - ns[i])
            if gain >= min_gain_per_officer:
                continue
        pick = i
        break
    row = best.iloc[pick]
    share = ("the best coverage swept" if row.coverage >= top else
             f"{row.coverage / top if top else 0:.0%} of the best, {top:.0%}")
    beyond = (f"more officers add less than {min_gain_per_officer:.0%} each."
              if pick + 1 < len(ns) else
              "this is the largest team swept: sweep larger teams to see whether more "
              "officers still add coverage.")
    s = result.summary if isinstance(result, SweepResult) else result
    days = int((s["n_weeks"] * 7).min()) if "n_weeks" in s.columns and len(s) else None
    # coverage counts the last 30 days, or the whole run when it is shorter
    within = "within 30 days" if days is None or days >= 30 else f"in the {days}-day run"
    n = int(row.n_officers)
    tie = _ties(ranked, n)
    based = (f"based by {row.base_strategy}" if not tie else
             f"based by {row.base_strategy} (as good as {', '.join(tie)})")
    reason = (f"{n} officer{'s' if n != 1 else ''} {based} reach{'es' if n == 1 else ''} "
              f"{row.coverage:.0%} of high-value businesses {within} ({share}); " + beyond)
    return Recommendation(int(row.n_officers), str(row.base_strategy), float(row.coverage), top,
                          float(row.loans_per_officer_day), reason)


def _ties(ranked: pd.DataFrame, n_officers: int) -> list[str]:
    """The other base strategies that did exactly as well as the first of ``ranked`` for a
    team of ``n_officers`` (same coverage and loans): named so that a tie is not read as
    a preference."""
    rows = ranked[ranked["n_officers"] == n_officers]
    if len(rows) < 2:
        return []
    first = rows.iloc[0]
    same = rows.iloc[1:][(rows.iloc[1:]["coverage"] == first["coverage"])
                         & (rows.iloc[1:]["loans_per_officer_day"]
                            == first["loans_per_officer_day"])]
    return [str(x) for x in same["base_strategy"]]


def save_sweep(result: SweepResult, folder: str | Path) -> list[Path]:
    """Write ``summary.parquet``, ``weekly.parquet`` (CSV copies too) and ``meta.json``.

    Returns
    -------
    list of Path
        Files written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, df in (("summary", result.summary), ("weekly", result.weekly)):
        p = out / f"{name}.parquet"
        df.to_parquet(p, index=False)
        df.to_csv(out / f"{name}.csv", index=False)
        files += [p, out / f"{name}.csv"]
    meta = {k: (v if not isinstance(v, float) or math.isfinite(v) else None)
            for k, v in result.meta.items()}
    p = out / "meta.json"
    p.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=_json_default),
                 encoding="utf-8")
    files.append(p)
    return files


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer | np.floating | np.bool_):
        return o.item()
    return str(o)


def load_sweep(folder: str | Path) -> SweepResult:
    """Read a sweep written by :func:`save_sweep`."""
    p = Path(folder)
    for name in ("summary.parquet", "weekly.parquet", "meta.json"):
        if not (p / name).exists():
            raise InputError("not a saved sweep (missing file)", file=str(p / name))
    return SweepResult(pd.read_parquet(p / "summary.parquet"),
                       pd.read_parquet(p / "weekly.parquet"),
                       json.loads((p / "meta.json").read_text(encoding="utf-8")))


def compare_policies(world: SimWorld, n_officers: int, *,
                     base_strategy: BaseStrategy | str = BaseStrategy.P_MEDIAN,
                     seeds: Sequence[int] = (0,), dask: bool | str = False,
                     progress: bool = False, lang: str = "en",
                     **common: Any) -> pd.DataFrame:
    """The business claim: the value countyreach's visits cause per officer-day against
    each baseline's, with the same seeds (worlds, bases, outcome draws) for every policy.

    ``progress`` shows a bar over the simulated weeks, its words in ``lang`` (see
    :func:`run_scenarios`).

    Returns
    -------
    pandas.DataFrame
        One row per policy (mean over seeds) with ``caused_value_per_officer_day_yuan``,
        ``caused_loans_per_officer_day`` (what the visits cause: with the visit minus
        without), ``loans_per_officer_day`` (every loan the visits led to),
        ``visits_per_officer_day``, ``drive_h_per_officer_day``, ``coverage``,
        ``cost_per_loan_yuan``, ``simulated_loan_yuan``, ``expected_loan_yuan``, and
        ``countyreach_ratio`` with ``countyreach_ratio_lo``/``_hi``: countyreach's caused
        value over the row's, the mean of the per-seed ratios and its 95 % interval
        (:func:`paired_ratio_ci`; NaN with one seed).
    """
    grid = [replace(sc, scenario_id=f"{pol}-s{sc.seed}")
            for pol in POLICIES
            for sc in scenario_grid([n_officers], [base_strategy], seeds, policy=pol, **common)]
    res = run_scenarios(world, grid, dask=dask, progress=progress, lang=lang)
    cols = ["loans_per_officer_day", "visits_per_officer_day", "drive_h_per_officer_day",
            "coverage", "cost_per_loan_yuan", "simulated_loan_yuan", "expected_loan_yuan",
            "expected_loans", "loans", "value_per_officer_day_yuan",
            "caused_value_per_officer_day_yuan", "caused_loans_per_officer_day",
            "travel_matrix_nodes_max"]
    t = res.summary.groupby("policy", sort=False)[cols].mean().reindex(
        [p.value for p in POLICIES])
    ratios = {p.value: paired_ratio_ci(res.summary, Policy.COUNTYREACH.value, p.value)
              for p in POLICIES}
    for col, key in (("countyreach_ratio", "ratio"), ("countyreach_ratio_lo", "lo"),
                     ("countyreach_ratio_hi", "hi")):
        t[col] = [ratios[p][key] for p in t.index]
    return t.reset_index()


def paired_ratio_ci(summary: pd.DataFrame, policy: str, baseline: str,
                    measure: str = "caused_value_per_officer_day_yuan") -> dict[str, float]:
    """Mean ratio of ``policy`` over ``baseline`` across seeds, with a 95 % t-interval.

    The ratio is taken per seed (the same world, bases and outcome draws under both
    policies), then averaged; the interval is Student's t over the seeds.

    Parameters
    ----------
    summary : pandas.DataFrame
        :attr:`SweepResult.summary` rows with ``policy``, ``seed`` and ``measure``.
    policy, baseline : str
    measure : str

    Returns
    -------
    dict
        ``ratio, lo, hi, n_seeds``.
    """
    from scipy import stats

    a = summary[summary["policy"] == policy].set_index("seed")[measure]
    b = summary[summary["policy"] == baseline].set_index("seed")[measure]
    r = (a / b).dropna()
    n = len(r)
    if n < 2:
        v = float(r.mean()) if n else float("nan")
        return {"ratio": v, "lo": float("nan"), "hi": float("nan"), "n_seeds": n}
    half = float(stats.t.ppf(0.975, n - 1) * r.std(ddof=1) / np.sqrt(n))
    return {"ratio": float(r.mean()), "lo": float(r.mean()) - half,
            "hi": float(r.mean()) + half, "n_seeds": n}
