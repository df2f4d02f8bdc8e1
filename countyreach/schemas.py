"""The schemas of a county's files, one pydantic model per kind of row.

Every field's type, range, length and pattern is declared here once; the readers in
:mod:`countyreach.io` validate each CSV row against its model and turn the first problem into
an :class:`~countyreach.errors.InputError` naming file, row and field
(:func:`validate_row`). Rules that tie fields together (a shift that ends after it starts, a
lunch inside the shift) are model validators that name the field to fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from countyreach.amounts import read_yuan
from countyreach.csvio import CONTROL_RE, ID_RE
from countyreach.dates import read_month
from countyreach.errors import InputError
from countyreach.time_windows import clock

__all__ = [
    "FEATURE_RANGES",
    "BranchRow",
    "HistoryRow",
    "LeadRow",
    "OfficerRow",
    "VillageRow",
    "validate_row",
]

#: Model features a leads file may carry, with the range a real value lies in (a value outside
#: is a typo or a unit mix-up, not a business).
FEATURE_RANGES: Mapping[str, tuple[float, float]] = {
    "years_operating": (0, 100),
    "staff": (0, 100_000),
    "mobile_pay_flow_yuan": (0, 1e9),
    "has_existing_loan": (0, 1),
    "past_contacts": (0, 1_000),
    "past_refusals": (0, 1_000),
    "revenue_band": (0, 10),
}


class FieldProblem(ValueError):
    """A rule across fields, broken: names the field the user should change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _blank_to_none(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return None if isinstance(v, str) and v.strip() == "" else v


def _no_control(v: str) -> str:
    if CONTROL_RE.search(v):
        raise ValueError("contains control characters")
    return v


def _id(v: str) -> str:
    if not ID_RE.match(v):
        raise ValueError(f"{v!r} is not a valid id (1-64 of ASCII letters, digits, '-', '_', "
                         "'.', ':')")
    return v


def _clock(v: str) -> int:
    try:
        return clock(v)
    except InputError as exc:
        raise ValueError(exc.reason) from None


def _month(v: Any) -> str:
    # the one month reader (countyreach.dates): 2025-9 is stored as 2025-09
    if not _as_text(v).strip():
        raise ValueError("value is required")
    try:
        return read_month(_as_text(v))
    except InputError as exc:
        raise ValueError(exc.reason) from None


def _as_text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


Text = Annotated[str, BeforeValidator(_as_text), StringConstraints(strip_whitespace=True),
                 AfterValidator(_no_control)]
#: A number that may be left empty; its range is given with ``_range(lo, hi)``.
OptFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]


def _yuan(v: Any) -> float | None:
    # the one amount reader (countyreach.amounts): 50,000 and ¥50,000 are 50000 yuan
    try:
        return read_yuan(v)
    except InputError as exc:
        raise ValueError(exc.reason) from None


#: An amount of yuan that may be left empty (``50,000``, ``¥50,000`` too); its range is given
#: with ``_range(lo, hi)``.
OptYuan = Annotated[float | None, BeforeValidator(_yuan)]
#: A whole number that may be left empty (a count: visits, units); "12.0" is 12, "12.5" refused.
OptInt = Annotated[int | None, BeforeValidator(_blank_to_none)]


def _range(lo: float, hi: float) -> Any:
    return Field(None, ge=lo, le=hi, allow_inf_nan=False)


def _chars(max_len: int, *, required: bool = False) -> Any:
    if required:
        return Field(min_length=1, max_length=max_len)
    return Field("", max_length=max_len)


def _feature(name: str) -> Any:
    return _range(*FEATURE_RANGES[name])


Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_id)]
OptId = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(
    lambda v: None if v is None else _id(v.strip()))]
Clock = Annotated[int, BeforeValidator(lambda v: _clock(str(v).strip()))]
OptClock = Annotated[int | None, BeforeValidator(
    lambda v: None if _blank_to_none(v) is None else _clock(str(v).strip()))]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
DepotKindText = Annotated[str, BeforeValidator(lambda v: _blank_to_none(v) or "home"),
                          StringConstraints(pattern=r"^(home|branch)$")]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class VillageRow(_Row):
    """``villages.csv``: a named place."""

    name: Text = _chars(200, required=True)
    place: Text = _chars(40)
    lat: Lat
    lon: Lon


class BranchRow(_Row):
    """``branches.csv``: a bank branch."""

    branch_id: Id
    name: Text = _chars(200, required=True)
    lat: Lat
    lon: Lon


class LeadRow(_Row):
    """``leads.csv``: a business that could be visited (model features are range-checked)."""

    lead_id: Id
    name: Text = _chars(200, required=True)
    industry: Text = _chars(40, required=True)
    village: Text = _chars(200)
    lat: Lat
    lon: Lon
    phone: Text = _chars(40)
    address: Text = _chars(200)
    service_min: OptFloat = _range(0, 480)
    windows: Text = _chars(2000)
    window_start: Text = _chars(8)
    window_end: Text = _chars(8)
    pinned_officer_id: OptId = None
    load: OptInt = _range(0, 10_000)
    years_operating: OptFloat = _feature("years_operating")
    staff: OptFloat = _feature("staff")
    mobile_pay_flow_yuan: OptYuan = _feature("mobile_pay_flow_yuan")
    has_existing_loan: OptFloat = _feature("has_existing_loan")
    past_contacts: OptFloat = _feature("past_contacts")
    past_refusals: OptFloat = _feature("past_refusals")
    revenue_band: OptFloat = _feature("revenue_band")


class OfficerRow(_Row):
    """``officers.csv``: an officer's day; the shift, lunch and start/end must fit together."""

    officer_id: Id
    name: Text = _chars(200, required=True)
    start_kind: DepotKindText = "home"
    start_name: Text = _chars(200)
    start_lat: Lat
    start_lon: Lon
    end_kind: Annotated[str | None, BeforeValidator(_blank_to_none),
                        StringConstraints(pattern=r"^(home|branch)$")] = None
    end_name: Text = _chars(200)
    end_lat: OptFloat = _range(-90, 90)
    end_lon: OptFloat = _range(-180, 180)
    shift_start: Clock
    shift_end: Clock
    max_drive_min: OptFloat = _range(0, 24 * 60)
    max_visits: OptInt = _range(0, 200)
    capacity: OptInt = _range(1, 100_000)
    skills: Text = _chars(2000)
    localities: Text = _chars(2000)
    lunch_start: OptClock = None
    lunch_end: OptClock = None
    lunch_min: OptFloat = _range(1, 240)

    @model_validator(mode="after")
    def _fits(self) -> OfficerRow:
        if self.shift_end < self.shift_start:
            # a plan is one calendar day: a shift past midnight would need the next day's
            raise FieldProblem("shift_end", "a shift that ends after midnight (a night "
                               "shift) is not supported: a day ends at 24:00; end the shift "
                               "by 24:00")
        if self.shift_end == self.shift_start:
            raise FieldProblem("shift_end", "shift must end after it starts")
        if (self.end_lat is None) != (self.end_lon is None):
            raise FieldProblem("end_lat", "give end_lat and end_lon together")
        lunch = (self.lunch_start, self.lunch_end, self.lunch_min)
        if any(x is not None for x in lunch):
            if self.lunch_start is None or self.lunch_end is None or self.lunch_min is None:
                raise FieldProblem("lunch_start",
                                   "give lunch_start, lunch_end and lunch_min together")
            if self.lunch_end < self.lunch_start:
                raise FieldProblem("lunch_end", "latest lunch start is before the earliest")
            # a shift clear of the window (a morning or an afternoon) owes no lunch; one
            # that runs into it must have room to take it (routing.Officer.owes_lunch)
            runs_into = self.shift_start < self.lunch_end and self.shift_end > self.lunch_start
            if runs_into and (max(self.lunch_start, self.shift_start) + self.lunch_min * 60
                              > self.shift_end):
                raise FieldProblem("lunch_start", "the lunch does not fit in the shift (a "
                                   "shift that ends before the lunch window opens owes none)")
        return self


class HistoryRow(_Row):
    """``history.csv``: a past visit and what came of it."""

    lead_id: Id
    month: Annotated[str, BeforeValidator(_month)]
    took_loan: OptFloat = _range(0, 1)
    outcome: Text = _chars(40)
    loan_yuan: OptYuan = _range(0, 1e9)
    defaulted: OptFloat = _range(0, 1)


M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "float_parsing": "expected a number, got {input!r}",
    "int_parsing": "expected a whole number, got {input!r}",
    "int_from_float": "expected a whole number, got {input!r}",
    "finite_number": "expected a finite number, got {input!r}",
    "string_pattern_mismatch": "{input!r} is not one of the allowed values",
    "string_too_long": "longer than {max_length} characters",
    "greater_than_equal": "{input} is below the smallest allowed value, {ge:g}",
    "less_than_equal": "{input} is above the largest allowed value, {le:g}",
    "missing": "value is required",
}


def validate_row(model: type[M], data: Mapping[str, Any], *, file: str, row: int) -> M:
    """Validate one CSV row against its schema.

    Parameters
    ----------
    model : type of pydantic model
        The row's schema (:class:`LeadRow` …).
    data : mapping
        The row as read (text values; empty cells are empty strings).
    file : str
        The file, for the message.
    row : int
        1-based data row, for the message.

    Returns
    -------
    The validated row.

    Raises
    ------
    InputError
        The first problem, naming file, row and field, in words a user understands.
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        ctx = err.get("ctx") or {}
        problem = ctx.get("error")
        if isinstance(problem, FieldProblem):
            raise InputError(problem.message, file=file, row=row, field=problem.field) from None
        field = str(err["loc"][0]) if err["loc"] else None
        kind = err["type"]
        # an empty cell in a number column is a value left out, not a malformed number
        if kind == "string_too_short" or kind == "missing" or (
                kind in ("float_parsing", "int_parsing") and err.get("input") == ""):
            message = "value is required"
        elif kind in _MESSAGES:
            message = _MESSAGES[kind].format(input=err.get("input"), **ctx)
        elif isinstance(problem, ValueError):
            message = str(problem)
        else:
            message = err["msg"]
        if field is not None and field.endswith("lat") and _swapped(err.get("input"),
                                                                   data.get(field[:-3] + "lon")):
            message += f" (it reads like a longitude: are {field} and {field[:-3]}lon swapped?)"
        raise InputError(message, file=file, row=row, field=field) from None


def _swapped(lat: object, lon: object) -> bool:
    """A latitude beyond ±90 beside a longitude that would be a latitude: columns swapped."""
    try:
        a, b = float(str(lat)), float(str(lon))
    except ValueError:
        return False
    return 90 < abs(a) <= 180 and abs(b) <= 90
