"""Planning many counties at once: one Dask task per county, failures kept to their county.

``countyreach plan-many COUNTY... --date D`` runs on a local process cluster by default, or on
the scheduler at ``--scheduler tcp://host:8786``. Every county gets its own output folder and a
row in ``summary.csv``; one county's bad file or failed solve is reported there and does not
stop the others.
"""

from __future__ import annotations

import csv
import json
import logging
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from countyreach.errors import USER_ERRORS, InputError
from routing.params import SolveParams
from routing.problem import RoutingRules

__all__ = ["CountyOutcome", "plan_many", "write_summary", "dask_session"]


@dataclass(frozen=True)
class CountyOutcome:
    """How one county's day went."""

    county: str
    status: str  # "planned", "violations" or "error"
    out_dir: str = ""
    visits: int = 0
    value_yuan: float = 0.0
    drive_h: float = 0.0
    violations: int = 0
    seconds: float = 0.0
    message: str = ""
    #: The county's input warnings (far snaps, skipped rows), also in its ``plan.json``.
    warnings: tuple[str, ...] = ()


def plan_one(county: str, plan_date: str, out_root: str, rules: RoutingRules,
             params: SolveParams, cache_dir: str | None,
             out_name: str | None = None) -> CountyOutcome:
    """Plan, check and write one county's day (the body of one Dask task).

    The plan goes to ``out_root/<out_name or county_id>/``, its input warnings into its
    ``plan.json`` (as ``countyreach plan`` keeps them) and the outcome.

    Never raises: a user error becomes an ``error`` outcome with its message, anything else
    an ``error`` with the exception's last line (the full traceback goes to the worker log).
    """
    from countyreach.input_warnings import collected
    from countyreach.io import load_county
    from countyreach.pipeline import plan_day
    from countyreach.plan_files import write_plan_files

    t0 = time.perf_counter()
    label = Path(county).name
    try:
        manifest = load_county(county)
        label = manifest.county_id
        out = Path(out_root) / (out_name or manifest.county_id)
        with collected() as notes:
            day = plan_day(county, plan_date=plan_date, rules=rules, params=params,
                           cache_dir=cache_dir)
        plan = replace(day.plan, meta={**day.plan.meta, "input_warnings": notes})
        write_plan_files(day.problem, plan, out, crs=manifest.crs, scores=day.left_out_facts)
    except USER_ERRORS as exc:
        return CountyOutcome(label, "error", seconds=time.perf_counter() - t0, message=str(exc))
    except Exception as exc:  # isolate the county: the others must still be planned
        traceback.print_exc()
        return CountyOutcome(label, "error", seconds=time.perf_counter() - t0,
                             message=f"{type(exc).__name__}: {exc}")
    return CountyOutcome(
        label, "planned" if day.ok else "violations", str(out),
        visits=len(day.plan.visited_lead_ids), value_yuan=round(day.plan.value_yuan, 1),
        drive_h=round(day.plan.drive_s / 3600, 2), violations=len(day.violations),
        seconds=round(time.perf_counter() - t0, 1),
        message="" if day.ok else "; ".join(v.message for v in day.violations[:3]),
        warnings=tuple(notes))


@contextmanager
def dask_session(scheduler: str | None, n_workers: int) -> Iterator[Any]:
    """A Dask client for the length of a ``with`` block (shared by plan-many and the app).

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); ``None`` or empty starts a
        local cluster of processes that closes with the block.
    n_workers : int
        Worker processes of the local cluster (one thread each).

    Yields
    ------
    distributed.Client
    """
    from distributed import Client, LocalCluster

    # the cluster's start-up and shut-down chatter (INFO) is not the user's news
    logging.getLogger("distributed").setLevel(logging.WARNING)

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    # ":0": the dashboard on a free port (None means Dask's default 8787, which a second
    # cluster on the machine finds taken).
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.WARNING) as cluster, \
            Client(cluster) as client:
        yield client


def plan_many(counties: Sequence[str | Path], plan_date: str, out_root: str | Path, *,
              rules: RoutingRules | None = None, params: SolveParams | None = None,
              scheduler: str | None = None, n_workers: int = 2,
              cache_dir: str | Path | None = None,
              progress: Callable[[CountyOutcome], None] | None = None) -> list[CountyOutcome]:
    """Plan each county as a Dask task and return their outcomes in the order given.

    Parameters
    ----------
    counties : sequence of str or Path
        County folders (or manifests).
    plan_date : str
        ISO date of the day.
    out_root : str or Path
        Each county's plan goes to ``out_root/<county_id>/``.
    rules, params : optional
        As for :func:`countyreach.pipeline.plan_day`. Each task uses one core
        (``params.workers`` is set to 1): the parallelism is across counties.
    scheduler : str, optional
        Address of a running Dask scheduler; default a local process cluster.
    n_workers : int
        Worker processes of the local cluster.
    cache_dir : str or Path, optional
        Road-graph and model cache shared by the workers (a shared disk on a real cluster).
    progress : callable, optional
        Called with each outcome as it arrives.

    Returns
    -------
    list of CountyOutcome
    """
    from distributed import as_completed

    if not counties:
        raise InputError("name at least one county folder", field="counties")
    out = Path(out_root)
    out.mkdir(parents=True, exist_ok=True)
    solve = replace(params or SolveParams(), workers=1)
    names = _out_names(counties)
    with dask_session(scheduler, n_workers) as client:
        futures = {client.submit(plan_one, str(c), plan_date, str(out), rules or RoutingRules(),
                                 solve, None if cache_dir is None else str(cache_dir), names[i],
                                 key=f"plan-{i}-{Path(c).name}", pure=False): i
                   for i, c in enumerate(counties)}
        results: dict[int, CountyOutcome] = {}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # the worker itself died (memory, a killed process)
                results[i] = CountyOutcome(Path(counties[i]).name, "error",
                                           message=f"worker failed: {exc}")
            if progress is not None:
                progress(results[i])
    return [results[i] for i in range(len(counties))]


def _out_names(counties: Sequence[str | Path]) -> list[str | None]:
    """Each county's output folder name: its id, or, where two folders declare the same id
    (a county and its scenario copy), the id and the folder's name, so neither overwrites
    the other's files. ``None``: left to the task (a manifest it will report as bad)."""
    from countyreach.io import load_county

    ids: list[str | None] = []
    for c in counties:
        try:
            ids.append(load_county(c).county_id)
        except USER_ERRORS:
            ids.append(None)
    names: list[str | None] = []
    for i, (c, cid) in enumerate(zip(counties, ids, strict=True)):
        twin = cid is not None and ids.count(cid) > 1
        names.append(f"{cid}-{i + 1}-{Path(c).resolve().name}" if twin else cid)
    return names


def write_summary(outcomes: Sequence[CountyOutcome], out_root: str | Path) -> list[Path]:
    """Write ``summary.csv`` and ``summary.json`` (one row per county) into ``out_root``."""
    out = Path(out_root)
    rows = [{**asdict(o), "warnings": len(o.warnings)} for o in outcomes]
    csv_path = out / "summary.csv"
    with csv_path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.DictWriter(fh, list(rows[0]) if rows else ["county"])
        w.writeheader()
        w.writerows(rows)
    json_path = out / "summary.json"
    json_path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return [csv_path, json_path]
