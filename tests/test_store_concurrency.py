"""Concurrency: 20 officers record outcomes while a manager republishes the plan.

No outcome may be lost or duplicated (retried taps included, even when the retry
races the original on another connection), and every plan version must survive
with its content unchanged — on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from countyreach.store import Session, Store
from countyreach.store import schema as S
from countyreach.store.testing import fresh_postgres_url, synthetic_day

PG_URL = os.environ.get("COUNTYREACH_PG_URL")
DAY = "2025-03-03"
PW = "correct horse battery"
N_OFFICERS = 20
LEADS_EACH = 5
REPUBLISHES = 8


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgresql", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not PG_URL, reason="COUNTYREACH_PG_URL not set")]),
])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'c.sqlite'}", bcrypt_rounds=4)
        yield s
        s.close()
    else:
        assert PG_URL
        with fresh_postgres_url(PG_URL) as url:
            s = Store.open(url, bcrypt_rounds=4)
            yield s
            s.close()


def test_officers_record_while_the_manager_republishes(store: Store) -> None:
    store.create_user("admin", PW, "admin")
    admin = store.login("admin", PW)
    store.ensure_county(admin, "qingzu")
    store.create_user("mgr", PW, "manager", county_id="qingzu", session=admin)
    manager = store.login("mgr", PW)
    officers: dict[str, Session] = {}
    for i in range(1, N_OFFICERS + 1):
        oid = f"O{i:02d}"
        store.create_user(f"officer{i}", PW, "officer", officer_id=oid, county_id="qingzu",
                          session=admin)
        officers[oid] = store.login(f"officer{i}", PW)

    problem, plan = synthetic_day(N_OFFICERS, LEADS_EACH, plan_date=DAY)
    _, plan_rev = synthetic_day(N_OFFICERS, LEADS_EACH, plan_date=DAY, reverse=True)
    v1 = store.save_plan(manager, "qingzu", DAY, problem, plan)
    store.publish(manager, "qingzu", DAY, v1)

    taps = {oid: [(str(uuid.uuid4()), f"L{oid[1:]}-{j:02d}") for j in range(1, LEADS_EACH + 1)]
            for oid in officers}
    start = threading.Barrier(N_OFFICERS + 5 + 1)
    errors: list[BaseException] = []
    hashes: dict[int, str] = {}

    def officer(oid: str) -> None:
        try:
            start.wait()
            for outcome_id, lead_id in taps[oid]:
                for _ in range(2):  # the phone retries every tap once
                    store.record_outcome(officers[oid], outcome_id=outcome_id,
                                         county_id="qingzu", plan_date=DAY, lead_id=lead_id,
                                         outcome="interested", notes="想扩大店面",
                                         consent=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def racing_retry(oid: str) -> None:
        # the same taps sent again over another connection, racing the originals
        try:
            start.wait()
            for outcome_id, lead_id in reversed(taps[oid]):
                store.record_outcome(officers[oid], outcome_id=outcome_id, county_id="qingzu",
                                     plan_date=DAY, lead_id=lead_id, outcome="interested",
                                     notes="想扩大店面", consent=True)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    def republisher() -> None:
        try:
            start.wait()
            for k in range(REPUBLISHES):
                v = store.save_plan(manager, "qingzu", DAY, problem,
                                    plan_rev if k % 2 == 0 else plan)
                store.publish(manager, "qingzu", DAY, v)
                hashes[v] = next(x.content_hash for x in
                                 store.plan_versions(manager, "qingzu", DAY) if x.version == v)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=officer, args=(oid,)) for oid in officers]
    threads += [threading.Thread(target=racing_retry, args=(f"O{i:02d}",)) for i in range(1, 6)]
    threads.append(threading.Thread(target=republisher))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    with store.engine.connect() as c:
        rows = c.execute(sa.select(S.outcomes.c.outcome_id, S.outcomes.c.lead_id,
                                   S.outcomes.c.officer_id, S.outcomes.c.plan_version)).all()
        n_audit = c.execute(sa.select(sa.func.count()).select_from(S.audit_log)
                            .where(S.audit_log.c.action == "record_outcome")).scalar_one()
    expected = {(o, lid, oid) for oid, ts in taps.items() for o, lid in ts}
    assert len(rows) == N_OFFICERS * LEADS_EACH  # nothing lost, nothing doubled
    assert {(r.outcome_id, r.lead_id, r.officer_id) for r in rows} == expected
    assert n_audit == N_OFFICERS * LEADS_EACH
    assert all(1 <= r.plan_version <= 1 + REPUBLISHES for r in rows)

    versions = store.plan_versions(manager, "qingzu", DAY)
    assert [v.version for v in versions] == list(range(1, REPUBLISHES + 2))
    assert [v.status for v in versions] == ["superseded"] * REPUBLISHES + ["published"]
    assert set(hashes) == set(range(2, REPUBLISHES + 2))  # every republish read its hash back
    assert all(v.content_hash == hashes[v.version] for v in versions if v.version in hashes)
    for v in versions:  # every version reads back whole
        _, p, _ = store.plan(manager, "qingzu", DAY, v.version)
        assert len(p.visited_lead_ids) == N_OFFICERS * LEADS_EACH
    assert len(store.outcomes_frame(manager, "qingzu")) == N_OFFICERS * LEADS_EACH


_OPEN_WHEN_TOLD = """
import sys
from countyreach.store import Store
print("ready", flush=True)
sys.stdin.readline()
Store.open(sys.argv[1], bcrypt_rounds=4).close()
print("opened", flush=True)
"""


def test_servers_opening_a_new_store_at_once_all_open_it(url: str) -> None:
    """Two app servers (or the app and a command) started together on a new database each
    migrate it: on PostgreSQL all but the first failed on the tables the first had made."""
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_WHEN_TOLD, url],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        for p in procs:  # every one imported and waiting: then all are told at once
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("\n")
            p.stdin.flush()
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [(p.returncode, out.strip()) for p, (out, _) in zip(procs, results, strict=True)] \
        == [(0, "opened")] * 4, [err[-500:] for _, err in results]
    with Store.open(url, bcrypt_rounds=4) as store:  # one schema, at head, usable
        store.create_user("admin", PW, "admin")
