"""What the store hands out and takes in: vocabularies (roles, plan states, ...) and records.

Closed vocabularies are enums whose values are the strings stored in the database, so a
caller may pass either the member or its text; records convert on construction and refuse
a value outside the vocabulary with an :class:`~countyreach.errors.InputError` naming the
field.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from countyreach.errors import InputError
from countyreach.store.checks import check_id, check_password, parse_enum
from countyreach.store.rows import RejectedRow
from propensity.outcomes import FOLLOW_UP_OUTCOMES, Outcome

__all__ = [
    "Role",
    "ROLES",
    "PlanState",
    "ImportMode",
    "ImportKind",
    "AuditAction",
    "OUTCOME_CODES",
    "FOLLOW_UP_CODES",
    "Session",
    "Account",
    "NewAccount",
    "account_county",
    "CountySummary",
    "ImportReport",
    "ImportRejected",
    "PlanVersion",
    "OutcomeRecord",
    "AuditEntry",
    "ModelState",
    "ModelRecord",
    "LeadMatch",
    "Erasure",
]


class Role(enum.StrEnum):
    """What a user may see and do (see :mod:`countyreach.store.access`)."""

    OFFICER = "officer"
    MANAGER = "manager"
    PLANNER = "planner"
    ADMIN = "admin"


#: The role strings, in the order of :class:`Role` (kept for callers that list them).
ROLES: tuple[str, ...] = tuple(r.value for r in Role)


class PlanState(enum.StrEnum):
    """Where a saved plan version stands: ``draft`` -> ``published`` -> ``superseded``."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class ImportMode(enum.StrEnum):
    """What an import does with a file that has bad rows."""

    ALL_OR_NOTHING = "all_or_nothing"  # refuse the file, listing every bad row
    SKIP_BAD = "skip_bad"  # import the good rows, report the bad ones


class ImportKind(enum.StrEnum):
    """Which table an import fills."""

    LEADS = "leads"
    OFFICERS = "officers"


class AuditAction(enum.StrEnum):
    """What an audit-log row records."""

    CREATE_USER = "create_user"
    LOGIN = "login"
    ENSURE_COUNTY = "ensure_county"
    IMPORT_LEADS = "import_leads"
    IMPORT_OFFICERS = "import_officers"
    SAVE_PLAN = "save_plan"
    PUBLISH = "publish"
    RECORD_OUTCOME = "record_outcome"
    DO_NOT_VISIT = "do_not_visit"
    ERASE_PERSONAL_DATA = "erase_personal_data"
    EXPORT_PERSONAL_DATA = "export_personal_data"
    IMPORT_HISTORY = "import_history"
    COUNTY_FILES = "county_files"
    REGISTER_MODEL = "register_model"
    PROMOTE_MODEL = "promote_model"
    FOLLOW_UP = "follow_up"
    TRIM_MATRICES = "trim_matrices"
    DISCARD_DRAFT = "discard_draft"
    RESET_PASSWORD = "reset_password"
    CHANGE_PASSWORD = "change_password"
    DISABLE_USER = "disable_user"
    ENABLE_USER = "enable_user"


class ModelState(enum.StrEnum):
    """Where a registered model stands: ``candidate`` -> ``promoted`` -> ``retired``."""

    CANDIDATE = "candidate"
    PROMOTED = "promoted"
    RETIRED = "retired"


#: Outcome codes an officer can record (:class:`propensity.outcomes.Outcome`).
OUTCOME_CODES: tuple[str, ...] = tuple(o.value for o in Outcome)
#: Outcomes that ask for a follow-up visit.
FOLLOW_UP_CODES: tuple[str, ...] = tuple(o.value for o in FOLLOW_UP_OUTCOMES)


def _set(obj: object, name: str, value: object) -> None:
    # frozen dataclasses normalise their own fields once, in __post_init__
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Session:
    """A logged-in user. Pass it to every store call; the token is checked each time.

    ``role`` accepts a :class:`Role` or its text. The store never trusts this copy's
    role or scope: they are read from the database on every call.
    ``must_change_password``: the password was an admin's choice; until the user picks their
    own, the store lets the session reach their own account only.
    """

    token: str = field(repr=False)
    username: str
    role: Role
    officer_id: str | None
    county_id: str | None
    region: str | None
    expires_at: dt.datetime
    must_change_password: bool = False

    def __post_init__(self) -> None:
        _set(self, "role", parse_enum(Role, self.role, "role"))


@dataclass(frozen=True)
class Account:
    """An account of the app as an admin sees it (:meth:`UserRepository.accounts`).

    ``last_sign_in_at`` is the last sign-in the audit log holds (``None``: never signed in);
    ``active`` False: disabled, signs nobody in; ``must_change_password``: the password is
    still the one an admin chose.
    """

    username: str
    role: Role
    officer_id: str | None
    county_id: str | None
    region: str | None
    active: bool
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None = None
    must_change_password: bool = False

    def __post_init__(self) -> None:
        _set(self, "role", parse_enum(Role, self.role, "role"))


def account_county(role: Role | str, county_id: str | None, region: str | None,
                   default: str | None) -> str | None:
    """The county an account is made for: its own; else ``default`` (the county an admin
    named for a batch, or the store's only county) for an officer, or for a manager with no
    region. A planner with none reaches every county; so does an admin.

    Raises
    ------
    InputError
        An officer, or a manager with no region, and no county given nor ``default``
        (field ``county_id``).
    """
    role = parse_enum(Role, role, "role")
    if county_id:
        return county_id
    if role is Role.OFFICER or (role is Role.MANAGER and not region):
        if default is None:
            raise InputError("which county? an officer account needs its county_id (or "
                             "--county)" if role is Role.OFFICER else
                             "a manager account needs a county_id or a region",
                             field="county_id")
        return default
    return None


@dataclass(frozen=True)
class NewAccount:
    """An account to create (:meth:`UserRepository.create_users`), checked on construction.

    Parameters
    ----------
    username : str
    password : str
        8-128 characters (stored as a bcrypt hash; never shown in a repr).
    role : Role or str
    officer_id, county_id : str, optional
        Both required for an officer: whose route they see.
    region : str, optional
        A manager (or planner) needs a county or a region.
    must_change_password : bool
        The password is the admin's choice: the user picks their own at their first
        sign-in.

    Raises
    ------
    InputError
        A malformed field, or a missing scope for the role.
    """

    username: str
    password: str = field(repr=False)
    role: Role
    officer_id: str | None = None
    county_id: str | None = None
    region: str | None = None
    must_change_password: bool = False

    def __post_init__(self) -> None:
        check_id(self.username, "username")
        check_password(self.password)
        _set(self, "role", parse_enum(Role, self.role, "role"))
        for name in ("officer_id", "county_id", "region"):
            if getattr(self, name) is not None:
                check_id(getattr(self, name), name)
        if self.role is Role.OFFICER and (self.officer_id is None or self.county_id is None):
            raise InputError("an officer account needs officer_id and county_id",
                             field="officer_id")
        if self.role is Role.MANAGER and self.county_id is None and self.region is None:
            raise InputError("a manager account needs a county_id or a region",
                             field="county_id")


@dataclass(frozen=True)
class CountySummary:
    """What the store holds of one county (:meth:`CountyRepository.summaries`): for an
    admin of many counties, which are set up and which are in use."""

    county_id: str
    name: str
    region: str
    leads: int
    """Leads that can be planned (neither retired by an import nor erased)."""
    officers: int
    """Officers on the roster (not retired)."""
    accounts: int
    """Active accounts of the county itself (officers, its managers and planners)."""
    last_published: str | None
    """The latest day with a published plan (ISO date)."""
    model_version: int | None
    """The promoted lead model's version (``None``: plans use the county's file model)."""
    outcomes: int
    """Visit outcomes recorded."""
    last_outcome_at: dt.datetime | None
    map_files: bool = False
    """The county's map files are in the store (``county import``): it is planned from the
    store; without them, from its folder (the store keeps its accounts and plans)."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ids inserted, updated and unchanged, and the rows it rejected.

    ``committed`` is False when nothing was written (an all-or-nothing import with a bad row).
    ``retired``: stored rows the file no longer lists, now never planned (an import asked
    to retire them); ``kept_erased``: leads whose personal data was erased, left erased
    although the file still lists them.
    """

    kind: ImportKind
    file: str
    county_id: str
    mode: ImportMode
    inserted: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    rejected: tuple[RejectedRow, ...]
    committed: bool
    retired: tuple[str, ...] = ()
    kept_erased: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "kind", parse_enum(ImportKind, self.kind, "kind"))
        _set(self, "mode", parse_enum(ImportMode, self.mode, "mode"))

    @property
    def counts(self) -> dict[str, int]:
        """``{"inserted": n, "updated": n, "unchanged": n, "rejected": n, "retired": n,
        "kept_erased": n}``."""
        return {"inserted": len(self.inserted), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "rejected": len(self.rejected),
                "retired": len(self.retired), "kept_erased": len(self.kept_erased)}


class ImportRejected(InputError):
    """An all-or-nothing import refused because of bad rows; ``report`` lists every one."""

    def __init__(self, report: ImportReport) -> None:
        first = report.rejected[0]
        more = f" (and {len(report.rejected) - 1} more bad rows)" if len(report.rejected) > 1 \
            else ""
        super().__init__(first.message + more + "; nothing was imported", file=report.file,
                         row=first.row, field=first.field)
        self.report = report


@dataclass(frozen=True)
class PlanVersion:
    """One saved version of a county's plan for a day."""

    county_id: str
    plan_date: str
    version: int
    status: PlanState
    content_hash: str
    created_by: str
    created_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None

    def __post_init__(self) -> None:
        _set(self, "status", parse_enum(PlanState, self.status, "status"))


@dataclass(frozen=True)
class OutcomeRecord:
    """One recorded visit outcome (as stored)."""

    outcome_id: str
    county_id: str
    plan_date: str
    officer_id: str
    lead_id: str
    outcome: Outcome
    reason: str
    amount_yuan: float | None
    notes: str
    consent: bool
    opt_out: bool
    plan_version: int | None
    recorded_by: str
    recorded_at: dt.datetime
    #: ``YYYY-MM`` of a loan the owner took from another lender, as they told the officer.
    other_loan_month: str | None = None
    #: The officer asked about loans elsewhere (without a month: the owner said none).
    other_loan_asked: bool = False

    def __post_init__(self) -> None:
        _set(self, "outcome", parse_enum(Outcome, self.outcome, "outcome"))


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when."""

    audit_id: int
    at: dt.datetime
    username: str
    role: Role
    action: AuditAction
    county_id: str | None
    target: str
    detail: Mapping[str, Any]

    def __post_init__(self) -> None:
        _set(self, "role", parse_enum(Role, self.role, "role"))
        _set(self, "action", parse_enum(AuditAction, self.action, "action"))


@dataclass(frozen=True)
class ModelRecord:
    """One registered lead model of a county (the registry row, not the artefact)."""

    county_id: str
    version: int
    status: ModelState
    data_hash: str
    code_version: str
    artefact_sha256: str
    n_train: int
    metrics: Mapping[str, Any]
    created_by: str
    created_at: dt.datetime

    def __post_init__(self) -> None:
        _set(self, "status", parse_enum(ModelState, self.status, "status"))
        if not isinstance(self.version, int) or self.version < 1:
            raise InputError(f"model version must be a positive integer, got {self.version!r}",
                             field="version")


@dataclass(frozen=True)
class LeadMatch:
    """A lead an erasure request names: where it is, and nothing of whom it names.

    Enough for a manager to tell apart two matches (lead ids repeat across counties, and
    a name may be two businesses') without showing anyone's name or phone.
    """

    county_id: str
    lead_id: str
    village: str


@dataclass(frozen=True)
class Erasure:
    """What erasing one lead's personal data did.

    ``withdrawn`` holds ``(plan_date, officer_id)`` of each published list, from the
    county's today on, that had the lead as a stop not visited yet: the stop is no longer
    shown to the officer, and the day should be planned again so the route closes the gap.
    """

    county_id: str
    lead_id: str
    plan_versions: int
    withdrawn: tuple[tuple[str, str], ...] = ()
    #: The do-not-visit list's reason named the person (name, phone or address): those
    #: words were dropped from what is kept.
    reason_scrubbed: bool = False


@dataclass(frozen=True)
class OptOut:
    """What putting a lead on the do-not-visit list did.

    ``withdrawn`` is as :class:`Erasure`'s: the published lists, from the county's today
    on, that had the lead as a stop not visited yet, no longer show it. ``already_listed``
    says the lead was on the list before (its first reason and source are kept).
    """

    county_id: str
    lead_id: str
    withdrawn: tuple[tuple[str, str], ...] = ()
    already_listed: bool = False
