"""What the store tests share: the day and password they use, and the helpers they add users,
count rows and record outcomes with. The fixtures built on them (``store``, ``admin``,
``people``, ``published``) are in ``tests/conftest.py``."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from countyreach.store import OutcomeRecord, Session, Store
from propensity.outcomes import Outcome

DAY = "2025-03-03"
PW = "correct horse battery"


def add_user(store: Store, admin: Session, name: str, role: str, **kw: str) -> Session:
    """Create a user through ``admin`` and sign them in."""
    store.create_user(name, PW, role, session=admin, **kw)
    return store.login(name, PW)


def count_rows(store: Store, table: sa.Table) -> int:
    """Rows in ``table``."""
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def record(store: Store, who: Session, lead_id: str, outcome: Outcome | str = "met",
           outcome_id: str | None = None, **kw: object) -> OutcomeRecord:
    """Record an outcome on qingzu's day :data:`DAY` (with consent unless given)."""
    kw.setdefault("consent", True)
    return store.record_outcome(who, outcome_id=outcome_id or str(uuid.uuid4()),
                                county_id="qingzu", plan_date=DAY, lead_id=lead_id,
                                outcome=outcome, **kw)  # type: ignore[arg-type]
