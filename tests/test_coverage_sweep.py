"""The Planner's sweep job: in-process or on Dask, with progress and cancel.

The Dask runs use an in-process ``LocalCluster`` (one worker, one thread) handed to the job
by its scheduler address, the way ``COUNTYREACH_SCHEDULER`` names a real cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from countyreach.errors import InputError
from countyreach.services import coverage as svc
from countyreach.settings import Settings
from tests.conftest import demo_world

TIMEOUT_S = 600
#: Two team sizes, one strategy, one seed, one week: two small scenarios.
SMALL = svc.SweepRequest(officers_min=1, officers_max=2, officers_step=1,
                         strategies=("branch",), n_seeds=1, n_weeks=1, day_time_limit_s=0.2)


@pytest.fixture(scope="module")
def world() -> Any:
    return demo_world(300)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a one-worker, in-process Dask cluster."""
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def in_process(world: Any) -> svc.SweepJob:
    job = svc.SweepJob(world, SMALL).start()
    assert job.wait(TIMEOUT_S), "the sweep did not finish"
    return job


def test_in_process_sweep_reports_progress_and_a_result(in_process: svc.SweepJob) -> None:
    job = in_process
    assert job.state is svc.JobState.DONE, job.error
    assert (job.done, job.total, job.fraction) == (2, 2, 1.0)
    assert job.eta_s == 0
    assert sorted(job.result.summary["n_officers"]) == [1, 2]
    assert job.result.meta["ran_on"] == "app"


def test_dask_sweep_equals_the_in_process_one(world: Any, scheduler: str,
                                              in_process: svc.SweepJob) -> None:
    seen: list[tuple[int, int]] = []
    job = svc.SweepJob(world, SMALL, scheduler=scheduler,
                       on_scenario=lambda done, total: seen.append((done, total))).start()
    assert job.wait(TIMEOUT_S), "the sweep did not finish"
    assert job.state is svc.JobState.DONE, job.error
    assert seen == [(1, 2), (2, 2)]  # progress as each future arrives
    assert job.result.meta["ran_on"] == f"dask:{scheduler}"
    # the same rows in the same (scenario) order, whichever future finished first
    pd.testing.assert_frame_equal(job.result.summary, in_process.result.summary)
    pd.testing.assert_frame_equal(job.result.weekly, in_process.result.weekly)
    view = svc.coverage_view(job.result)
    assert view.recommendation.n_officers in (1, 2)


@pytest.mark.parametrize("on_dask", [False, True], ids=["in-process", "dask"])
def test_cancel_after_the_first_scenario_stops_the_sweep(world: Any, scheduler: str,
                                                         on_dask: bool) -> None:
    wide = svc.SweepRequest(officers_min=1, officers_max=6, officers_step=1,
                            strategies=("branch",), n_seeds=1, n_weeks=1,
                            day_time_limit_s=0.2)
    jobs: list[svc.SweepJob] = []

    def first_then_cancel(done: int, total: int) -> None:
        if done == 1:
            jobs[0].cancel()

    job = svc.SweepJob(world, wide, scheduler=scheduler if on_dask else "",
                       on_scenario=first_then_cancel)
    jobs.append(job)
    job.start()
    assert job.wait(TIMEOUT_S), "the cancelled sweep did not end"
    assert job.state is svc.JobState.CANCELLED
    assert job.done == 1 and job.total == 6
    assert job.result is None


@pytest.mark.slow
def test_local_setting_starts_a_process_cluster_for_the_sweep(world: Any) -> None:
    job = svc.SweepJob(world, SMALL, scheduler="local", n_workers=1).start()
    assert job.wait(TIMEOUT_S), "the sweep did not finish"
    assert job.state is svc.JobState.DONE, job.error
    assert job.done == 2 and job.result.meta["ran_on"] == "dask:local"


def test_cancel_before_any_scenario_on_dask(world: Any, scheduler: str) -> None:
    job = svc.SweepJob(world, SMALL, scheduler=scheduler)
    job.cancel()
    job.start()
    assert job.wait(TIMEOUT_S)
    assert job.state is svc.JobState.CANCELLED and job.done == 0


def test_an_unreachable_scheduler_fails_the_job_not_the_app(world: Any) -> None:
    job = svc.SweepJob(world, SMALL, scheduler="inproc://nowhere/0/0").start()
    assert job.wait(TIMEOUT_S)
    assert job.state is svc.JobState.FAILED and job.error


@pytest.mark.parametrize("value", ["", "local", "tcp://10.0.0.5:8786", "dask-head:8786"])
def test_scheduler_setting_accepts_local_and_addresses(value: str) -> None:
    assert Settings(scheduler=value).scheduler == value


@pytest.mark.parametrize("value", ["http://x", "somewhere", "tcp:// x"])
def test_scheduler_setting_refuses_other_text(value: str, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    from countyreach.settings import get_settings

    monkeypatch.setenv("COUNTYREACH_SCHEDULER", value)
    get_settings.cache_clear()
    try:
        with pytest.raises(InputError, match="COUNTYREACH_SCHEDULER"):
            get_settings()
    finally:
        get_settings.cache_clear()
