"""Plans that last: the countyreach database.

A SQL store behind SQLAlchemy — a SQLite file by default, PostgreSQL by URL —
with Alembic migrations applied on open. It keeps leads, officers, counties,
versioned plans (draft → published; a new publish never overwrites what
officers recorded), visit outcomes, the do-not-visit list and an audit log,
and enforces who may see what (officer: own route; manager: county or region;
planner: aggregates without personal data).

Example
-------
>>> store = Store.open("sqlite:///countyreach.sqlite")          # doctest: +SKIP
>>> store.create_user("admin", "a long secret", Role.ADMIN)     # doctest: +SKIP
>>> admin = store.login("admin", "a long secret")               # doctest: +SKIP
"""

from countyreach.store.core import Store
from countyreach.store.engine import make_engine, migrate
from countyreach.store.follow_ups import Exclusion
from countyreach.store.records import (
    FOLLOW_UP_CODES,
    OUTCOME_CODES,
    ROLES,
    AuditAction,
    AuditEntry,
    Erasure,
    ImportKind,
    ImportMode,
    ImportRejected,
    ImportReport,
    LeadMatch,
    ModelRecord,
    ModelState,
    OptOut,
    OutcomeRecord,
    PlanState,
    PlanVersion,
    Role,
    Session,
)
from countyreach.store.rows import RejectedRow, validate_lead_rows, validate_officer_rows

__all__ = [
    "Store",
    "Session",
    "Role",
    "ROLES",
    "PlanState",
    "ImportMode",
    "ImportKind",
    "AuditAction",
    "OUTCOME_CODES",
    "FOLLOW_UP_CODES",
    "ImportReport",
    "ImportRejected",
    "RejectedRow",
    "PlanVersion",
    "OutcomeRecord",
    "AuditEntry",
    "ModelRecord",
    "ModelState",
    "LeadMatch",
    "Erasure",
    "OptOut",
    "Exclusion",
    "make_engine",
    "migrate",
    "validate_lead_rows",
    "validate_officer_rows",
]
