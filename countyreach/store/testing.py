"""Helpers for tests of the store and of code built on it (synthetic days, fresh databases).

Not used by the product at run time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import sqlalchemy as sa

from geo.types import Location, TravelMatrix
from routing.plan import Plan, PlanStatus, Route, Stop
from routing.problem import (
    Depot,
    DepotKind,
    Lead,
    Officer,
    RoutingProblem,
    TimeWindow,
    end_node_id,
    start_node_id,
)

__all__ = ["synthetic_day", "fresh_postgres_url", "Clock"]


class Clock:
    """A clock a test moves forward (``clock.t += timedelta(...)``); starts 2025-03-03 07:00 UTC.

    Pass it as ``Store.open(..., clock=clock)`` to test expiry without waiting.
    """

    def __init__(self) -> None:
        self.t = dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t


def synthetic_day(n_officers: int = 3, leads_per_officer: int = 4, *,
                  plan_date: str = "2025-03-03", reverse: bool = False,
                  leg_s: int = 600) -> tuple[RoutingProblem, Plan]:
    """A small, consistent day: officer ``O01`` visits ``L01-01``... in order.

    Every leg takes ``leg_s`` seconds and 5 km, every visit 20 minutes. With
    ``reverse`` each officer visits the same leads in the opposite order (a
    different plan over the same problem, as a manager's re-plan would be).
    """
    base = Location(35.52, 115.02)
    officers = []
    leads = []
    for i in range(1, n_officers + 1):
        oid = f"O{i:02d}"
        home = Depot(f"{oid}-home", f"家{i}", Location(base.lat + 0.01 * i, base.lon),
                     DepotKind.HOME)
        officers.append(Officer(oid, f"客户经理{i}", home, home, TimeWindow(8 * 3600, 17 * 3600)))
        for j in range(1, leads_per_officer + 1):
            leads.append(Lead(
                lead_id=f"L{i:02d}-{j:02d}", name=f"测试商户{i}-{j}, 分店",
                location=Location(base.lat + 0.01 * i, base.lon + 0.01 * j),
                industry="small_shop", village=f"村{j}", service_s=1200,
                value_yuan=100.0 * j, phone=f"138 0000 {i:02d}{j:02d}",
                address=f"第{i}组{j}号; 路口", windows=(TimeWindow(8 * 3600, 12 * 3600),)
                if j == 1 else ()))
    nodes = [ld.lead_id for ld in leads]
    for o in officers:
        nodes += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
    n = len(nodes)
    dur = np.full((n, n), leg_s, dtype=np.int64)
    np.fill_diagonal(dur, 0)
    dist = np.where(dur > 0, 5000, 0).astype(np.int64)
    problem = RoutingProblem(tuple(leads), tuple(officers), TravelMatrix(tuple(nodes), dur, dist),
                             plan_date=plan_date)
    routes = []
    for o in officers:
        mine = [ld for ld in leads if ld.lead_id.startswith(f"L{o.officer_id[1:]}-")]
        if reverse:
            mine = mine[::-1]
        t = o.shift.start_s
        stops = []
        for ld in mine:
            t += leg_s
            stops.append(Stop(ld.lead_id, t, t, t + ld.service_s, leg_s, 5000))
            t += ld.service_s
        end = t + leg_s
        routes.append(Route(o.officer_id, tuple(stops), o.shift.start_s, end,
                            leg_s * (len(stops) + 1), 5000 * (len(stops) + 1),
                            sum(ld.value_yuan for ld in mine), leg_s, 5000))
    plan = Plan(PlanStatus.FEASIBLE, tuple(routes), (), plan_date=plan_date, solver="synthetic")
    return problem, plan


@contextmanager
def fresh_postgres_url(base_url: str) -> Iterator[str]:
    """A URL whose connections use a new, empty schema of the database at ``base_url``.

    The schema is dropped on exit, so each test starts from nothing.
    """
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base_url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
