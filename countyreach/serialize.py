"""Plans and problems to and from plain JSON-ready dicts.

The plan file a manager publishes and the problem it was solved for are
written side by side, so ``countyreach check`` can verify a plan long after
the solver that made it is gone. Readers validate through the core types, so a
hand-edited file with a bad value fails with an :class:`InputError` naming the
field, not with a ``KeyError``.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from countyreach.errors import InputError
from geo.files import write_atomically
from geo.types import Location, TravelMatrix
from routing.plan import BreakTaken, DroppedLead, DropReason, Plan, PlanStatus, Route, Stop
from routing.problem import (
    Break,
    Depot,
    DepotKind,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
)

__all__ = [
    "FORMAT_VERSION",
    "MATRIX_ENCODING",
    "MATRIX_ENCODING_INT64",
    "lead_to_dict",
    "lead_from_dict",
    "officer_to_dict",
    "officer_from_dict",
    "problem_to_dict",
    "problem_from_dict",
    "matrix_to_dict",
    "matrix_from_dict",
    "plan_to_dict",
    "plan_from_dict",
    "write_json",
    "read_json",
]

FORMAT_VERSION = 1
#: How a problem's travel matrix is written: little-endian int32 split into its four byte
#: planes (every lowest byte, then every second ...; the high planes of seconds and metres
#: are nearly all zero), zlib, base64. A day of 45 officers has 4,400 nodes; as JSON lists
#: its two matrices took 368 MB on disk and, read back as Python ints, gigabytes of memory;
#: byte planes pack a third smaller than whole int64s, which a plan store keeps a copy of per
#: day. A matrix with a value past int32 is written as :data:`MATRIX_ENCODING_INT64`.
MATRIX_ENCODING = "int32le-planes+zlib+base64"
#: The earlier encoding (little-endian int64, zlib, base64), still read and still written
#: for values past int32. Files with plain lists are read too.
MATRIX_ENCODING_INT64 = "int64le+zlib+base64"
_INT32 = np.iinfo(np.int32)


def _window(d: Mapping[str, Any]) -> TimeWindow:
    return TimeWindow(int(d["start_s"]), int(d["end_s"]))


def _window_dict(w: TimeWindow) -> dict[str, int]:
    return {"start_s": w.start_s, "end_s": w.end_s}


def _loc(d: Mapping[str, Any]) -> Location:
    return Location(float(d["lat"]), float(d["lon"]))


def lead_to_dict(lead: Lead) -> dict[str, Any]:
    """Return a JSON-ready dict of ``lead``."""
    return {
        "lead_id": lead.lead_id,
        "name": lead.name,
        "lat": lead.location.lat,
        "lon": lead.location.lon,
        "industry": lead.industry,
        "village": lead.village,
        "service_s": lead.service_s,
        "value_yuan": lead.value_yuan,
        "value_std_yuan": lead.value_std_yuan,
        "windows": [_window_dict(w) for w in lead.windows],
        "pinned_officer_id": lead.pinned_officer_id,
        "load": lead.load,
        "phone": lead.phone,
        "address": lead.address,
    }


def lead_from_dict(d: Mapping[str, Any]) -> Lead:
    """Build a :class:`Lead` from :func:`lead_to_dict` output."""
    return Lead(
        lead_id=str(d["lead_id"]),
        name=str(d.get("name", "")),
        location=_loc(d),
        industry=str(d["industry"]),
        village=str(d.get("village", "")),
        service_s=int(d.get("service_s", 1200)),
        value_yuan=float(d.get("value_yuan", 0.0)),
        value_std_yuan=float(d.get("value_std_yuan", 0.0)),
        windows=tuple(_window(w) for w in d.get("windows", ())),
        pinned_officer_id=d.get("pinned_officer_id"),
        load=int(d.get("load", 0)),
        phone=str(d.get("phone", "")),
        address=str(d.get("address", "")),
    )


def _depot_dict(dep: Depot) -> dict[str, Any]:
    return {
        "depot_id": dep.depot_id,
        "name": dep.name,
        "kind": dep.kind,
        "lat": dep.location.lat,
        "lon": dep.location.lon,
    }


def _depot(d: Mapping[str, Any]) -> Depot:
    return Depot(str(d["depot_id"]), str(d.get("name", "")), _loc(d),
                 DepotKind(str(d.get("kind", "branch"))))


def officer_to_dict(o: Officer) -> dict[str, Any]:
    """Return a JSON-ready dict of officer ``o``."""
    return {
        "officer_id": o.officer_id,
        "name": o.name,
        "start": _depot_dict(o.start),
        "end": _depot_dict(o.end),
        "shift": _window_dict(o.shift),
        "max_drive_s": o.max_drive_s,
        "max_visits": o.max_visits,
        "capacity": o.capacity,
        "skills": sorted(o.skills),
        "localities": sorted(o.localities),
        "lunch": None
        if o.lunch is None
        else {"window": _window_dict(o.lunch.window), "duration_s": o.lunch.duration_s},
    }


def officer_from_dict(d: Mapping[str, Any]) -> Officer:
    """Build an :class:`Officer` from :func:`officer_to_dict` output."""
    lunch = d.get("lunch")
    return Officer(
        officer_id=str(d["officer_id"]),
        name=str(d.get("name", "")),
        start=_depot(d["start"]),
        end=_depot(d["end"]),
        shift=_window(d["shift"]),
        max_drive_s=None if d.get("max_drive_s") is None else int(d["max_drive_s"]),
        max_visits=None if d.get("max_visits") is None else int(d["max_visits"]),
        capacity=None if d.get("capacity") is None else int(d["capacity"]),
        skills=frozenset(d.get("skills", ())),
        localities=frozenset(d.get("localities", ())),
        lunch=None
        if lunch is None
        else Break(_window(lunch["window"]), int(lunch["duration_s"])),
    )


def problem_to_dict(problem: RoutingProblem, *, matrix: bool = True) -> dict[str, Any]:
    """Return a JSON-ready dict of a routing problem.

    Parameters
    ----------
    problem : RoutingProblem
    matrix : bool, default True
        Whether to include the travel matrix (``"matrix"``, last); the store keeps it apart,
        as binary, and would only throw its JSON away.
    """
    r = problem.rules
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "kind": "countyreach.problem",
        "plan_date": problem.plan_date,
        "rules": {
            "drive_cost_yuan_per_h": r.drive_cost_yuan_per_h,
            "skills": r.skills.value,
            "locality": r.locality.value,
            "soft_penalty_yuan": r.soft_penalty_yuan,
            "balance": r.balance,
            "change_cost_yuan": r.change_cost_yuan,
        },
        "done_lead_ids": sorted(problem.done_lead_ids),
        "locked_routes": {k: list(v) for k, v in problem.locked_routes.items()},
        "reference_routes": {k: list(v) for k, v in problem.reference_routes.items()},
        "visited_routes": {k: list(v) for k, v in problem.visited_routes.items()},
        "leads": [lead_to_dict(ld) for ld in problem.leads],
        "officers": [officer_to_dict(o) for o in problem.officers],
    }
    if matrix:
        doc["matrix"] = matrix_to_dict(problem.matrix)
    return doc


def matrix_to_dict(matrix: TravelMatrix) -> dict[str, Any]:
    """Return a JSON-ready dict of a travel matrix (node ids and both encoded arrays).

    Parameters
    ----------
    matrix : TravelMatrix

    Returns
    -------
    dict
        ``node_ids``, ``encoding`` (:data:`MATRIX_ENCODING`, or
        :data:`MATRIX_ENCODING_INT64` when a value does not fit in int32), ``duration_s``,
        ``distance_m``.
    """
    arrays = (matrix.duration_s, matrix.distance_m)
    narrow = all(a.size == 0 or (int(a.min()) >= _INT32.min and int(a.max()) <= _INT32.max)
                 for a in arrays)
    encoding = MATRIX_ENCODING if narrow else MATRIX_ENCODING_INT64
    return {"node_ids": list(matrix.node_ids), "encoding": encoding,
            "duration_s": _encode_matrix(arrays[0], encoding),
            "distance_m": _encode_matrix(arrays[1], encoding)}


def _encode_matrix(a: np.ndarray, encoding: str) -> str:
    if encoding == MATRIX_ENCODING:
        planes = np.ascontiguousarray(a, dtype="<i4").view(np.uint8).reshape(-1, 4).T
        raw = np.ascontiguousarray(planes).tobytes()
    else:
        raw = np.ascontiguousarray(a, dtype="<i8").tobytes()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def _decode_matrix(m: Mapping[str, Any], key: str) -> np.ndarray:
    value = m[key]
    n = len(m["node_ids"])
    encoding = m.get("encoding")
    if encoding is None:  # a file written before the matrix was encoded
        return np.asarray(value, dtype=np.int64)
    if encoding not in (MATRIX_ENCODING, MATRIX_ENCODING_INT64):
        raise InputError(f"matrix encoding {encoding!r} is not supported (this countyreach "
                         f"reads {MATRIX_ENCODING!r} and {MATRIX_ENCODING_INT64!r})",
                         field="matrix.encoding")
    try:
        raw = zlib.decompress(base64.b64decode(str(value), validate=True))
    except (binascii.Error, zlib.error, ValueError):
        raise InputError("the travel matrix is damaged (not valid base64 zlib data)",
                         field=f"matrix.{key}") from None
    width = 4 if encoding == MATRIX_ENCODING else 8
    if len(raw) != width * n * n:
        raise InputError(f"the travel matrix holds {len(raw) // width:,} numbers, not {n}×{n}",
                         field=f"matrix.{key}")
    if width == 8:
        return np.frombuffer(raw, dtype="<i8").reshape(n, n).astype(np.int64)
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(4, n * n)
    return np.ascontiguousarray(planes.T).view("<i4").reshape(n, n).astype(np.int64)


def _rules_from_dict(d: Mapping[str, Any]) -> RoutingRules:
    # Files written before the rules were split from the solver parameters kept both under
    # "settings"; only the rules belong to the problem. Older files lack the later keys
    # (balance, change cost): those take the defaults of RoutingRules.
    raw = d.get("rules", d.get("settings", {}))
    keys = ("drive_cost_yuan_per_h", "skills", "locality", "soft_penalty_yuan", "balance",
            "change_cost_yuan")
    return RoutingRules(**{k: raw[k] for k in keys if k in raw})


def matrix_from_dict(m: Mapping[str, Any]) -> TravelMatrix:
    """Build a :class:`~geo.types.TravelMatrix` from :func:`matrix_to_dict` output (or a
    problem file's matrix in any earlier encoding).

    Raises
    ------
    InputError
        An unknown encoding, or damaged or mis-sized data.
    """
    return TravelMatrix(tuple(m["node_ids"]), _decode_matrix(m, "duration_s"),
                        _decode_matrix(m, "distance_m"))


def problem_from_dict(d: Mapping[str, Any], *,
                      matrix: TravelMatrix | None = None) -> RoutingProblem:
    """Build a :class:`RoutingProblem` from :func:`problem_to_dict` output.

    Parameters
    ----------
    d : mapping
        The problem's dict.
    matrix : TravelMatrix, optional
        The travel matrix, when kept apart from ``d`` (the store keeps it as binary);
        None: ``d["matrix"]``.
    """
    _expect_kind(d, "countyreach.problem")
    if matrix is None:
        matrix = matrix_from_dict(d["matrix"])
    return RoutingProblem(
        leads=tuple(lead_from_dict(x) for x in d["leads"]),
        officers=tuple(officer_from_dict(x) for x in d["officers"]),
        matrix=matrix,
        rules=_rules_from_dict(d),
        plan_date=str(d.get("plan_date", "")),
        done_lead_ids=frozenset(d.get("done_lead_ids", ())),
        locked_routes=_routes_from_dict(d, "locked_routes"),
        reference_routes=_routes_from_dict(d, "reference_routes"),
        visited_routes=_routes_from_dict(d, "visited_routes"),
    )


def _routes_from_dict(d: Mapping[str, Any], key: str) -> dict[str, tuple[str, ...]]:
    # Absent in files written before locks and re-planning existed: no routes then.
    raw = d.get(key) or {}
    if not isinstance(raw, Mapping):
        raise InputError(f"{key} must map officer ids to lists of lead ids", field=key)
    return {str(k): tuple(str(x) for x in v) for k, v in raw.items()}


def _stop_dict(s: Stop) -> dict[str, Any]:
    return {
        "lead_id": s.lead_id,
        "arrival_s": s.arrival_s,
        "start_s": s.start_s,
        "departure_s": s.departure_s,
        "drive_s": s.drive_s,
        "distance_m": s.distance_m,
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return a JSON-ready dict of ``plan``."""
    return {
        "format_version": FORMAT_VERSION,
        "kind": "countyreach.plan",
        "status": plan.status.value,
        "plan_date": plan.plan_date,
        "objective_yuan": plan.objective_yuan,
        "solve_time_s": plan.solve_time_s,
        "solver": plan.solver,
        "message": plan.message,
        "meta": dict(plan.meta),
        "routes": [
            {
                "officer_id": r.officer_id,
                "start_s": r.start_s,
                "end_s": r.end_s,
                "drive_s": r.drive_s,
                "distance_m": r.distance_m,
                "end_drive_s": r.end_drive_s,
                "end_distance_m": r.end_distance_m,
                "value_yuan": r.value_yuan,
                "lunch": None
                if r.lunch is None
                else {"start_s": r.lunch.start_s, "duration_s": r.lunch.duration_s},
                "stops": [_stop_dict(s) for s in r.stops],
            }
            for r in plan.routes
        ],
        "dropped": [
            {
                "lead_id": x.lead_id,
                "reason": x.reason.value,
                "detail": x.detail,
                "needed_value_yuan": x.needed_value_yuan,
            }
            for x in plan.dropped
        ],
    }


def plan_from_dict(d: Mapping[str, Any]) -> Plan:
    """Build a :class:`Plan` from :func:`plan_to_dict` output."""
    _expect_kind(d, "countyreach.plan")
    routes = []
    for r in d["routes"]:
        lunch = r.get("lunch")
        routes.append(
            Route(
                officer_id=str(r["officer_id"]),
                stops=tuple(
                    Stop(
                        str(s["lead_id"]),
                        int(s["arrival_s"]),
                        int(s["start_s"]),
                        int(s["departure_s"]),
                        int(s["drive_s"]),
                        int(s["distance_m"]),
                    )
                    for s in r["stops"]
                ),
                start_s=int(r["start_s"]),
                end_s=int(r["end_s"]),
                drive_s=int(r["drive_s"]),
                distance_m=int(r["distance_m"]),
                value_yuan=float(r["value_yuan"]),
                end_drive_s=int(r.get("end_drive_s", 0)),
                end_distance_m=int(r.get("end_distance_m", 0)),
                lunch=None
                if lunch is None
                else BreakTaken(int(lunch["start_s"]), int(lunch["duration_s"])),
            )
        )
    dropped = tuple(
        DroppedLead(
            str(x["lead_id"]),
            DropReason(x["reason"]),
            str(x.get("detail", "")),
            None if x.get("needed_value_yuan") is None else float(x["needed_value_yuan"]),
        )
        for x in d.get("dropped", ())
    )
    return Plan(
        status=PlanStatus(d["status"]),
        routes=tuple(routes),
        dropped=dropped,
        objective_yuan=float(d.get("objective_yuan", 0.0)),
        solve_time_s=float(d.get("solve_time_s", 0.0)),
        solver=str(d.get("solver", "")),
        plan_date=str(d.get("plan_date", "")),
        message=str(d.get("message", "")),
        meta=dict(d.get("meta", {})),
    )


def _expect_kind(d: Mapping[str, Any], kind: str) -> None:
    if not isinstance(d, Mapping) or d.get("kind") != kind:
        raise InputError(f"not a {kind} document (kind={d.get('kind')!r})", field="kind")
    version = d.get("format_version")
    if version != FORMAT_VERSION:
        raise InputError(
            f"format_version {version!r} is not supported "
            f"(this countyreach reads {FORMAT_VERSION})",
            field="format_version",
        )


def write_json(obj: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``obj`` as UTF-8 JSON (Chinese kept readable) and return the path."""
    # whole or not at all: a crash never leaves a half-written plan next to a good one
    return write_atomically(path, json.dumps(obj, ensure_ascii=False, indent=1).encode())


def read_json(path: str | Path, *, expected: str = "a JSON object") -> dict[str, Any]:
    """Read a JSON object from a UTF-8 file (with or without a BOM).

    Parameters
    ----------
    path : str or Path
        The file.
    expected : str
        How the error describes the object wanted when the file holds something else.

    Raises
    ------
    InputError
        Naming the file (and the line of a syntax error): missing, a folder, unreadable,
        not UTF-8, not JSON or not an object.
    """
    p = Path(path)
    try:
        # utf-8-sig: Notepad on Windows writes a BOM before the JSON.
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError("file not found", file=str(p)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a JSON file", file=str(p)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (save it as UTF-8)", file=str(p)) from None
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", file=str(p)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(p), row=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError(f"expected {expected}", file=str(p))
    return data
