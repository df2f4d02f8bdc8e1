"""Routing bench instances: seeded generators of the families and readers of public formats.

Every instance becomes a :class:`Case`: a :class:`routing.RoutingProblem` plus what the bench
needs to score it (must every lead be served, the best-known value, the unit distances are
reported in). Generated families are written as small JSON files (format
:data:`FORMAT_KIND`, below) and read back through the same reader that ``--dir`` uses, so an
instance generated here and one handed over in a folder go through the same path.

Generated families (all seeded, deterministic per seed; coordinates in km, integer-second
durations ``rint(km / speed * 3600)``, prizes integer yuan, windows bound the *start* of
service):

* ``field`` — the field instance of the README: N leads uniform in 60 × 60 km, 10 officers
  from their own homes, 08:00–16:00, 20 min visits, 30 % of leads with a 2 h window, prizes
  1–100, 40 km/h, driving 3 yuan/h.
* ``longroute`` — VRPTW with long routes: 3–5 officers from one branch, 30–60 stops each
  (every lead must be served), 10 min visits, half the leads with a wide 3–6 h window,
  07:00–19:00, one spare officer (fewer routes is better, the distance is scored).
* ``toptw`` — team orienteering with time windows: 100 leads, 3 officers from one branch,
  every lead with a 1–4 h window, 10–30 min visits, 08:00–18:00: far more leads than time.
* ``shifts`` — heterogeneous shifts: 8 officers, each from their own home, starting 07:00 to
  12:00 and working 4–10 h, some ending at the branch; 300 leads, 20 % with a 2 h window.
* ``clustered`` / ``uniform`` — the same day (300 leads, 8 officers, 08:00–17:00) with leads
  in 15 villages (about 1 km around each centre) or spread uniformly.

Public formats: PCVRPTW in VRPLIB (``PRIZE_SECTION``; cost = driving + prizes not
collected, both × 10, distances truncated to one decimal), Solomon VRPTW (every customer
served, distance truncated to one decimal, in tenths), Chao TOP (distances scaled by 100
and rounded up), TOPTW in the Montemanni/Vansteenwegen format (``_FORMAT.txt``: truncated
to one decimal, in tenths; the number of paths is not in the file and is chosen by the
bench).

Generated-instance JSON (``kind = "countyreach.bench-instance"``, ``format_version = 1``)::

    {"family": ..., "name": ..., "speed_kmh": 40.0, "drive_cost_yuan_per_h": 3.0,
     "required": false,                      # true: every lead must be served (VRPTW)
     "depots": [[x, y], ...],                # km
     "officers": [[start_depot, end_depot, shift_start_s, shift_end_s], ...],
     "leads": [[x, y, service_s, prize, window_start_s | null, window_end_s | null], ...]}
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geo.types import Location, TravelMatrix
from routing.problem import (
    ConstraintMode,
    Depot,
    Lead,
    Officer,
    RoutingProblem,
    RoutingRules,
    TimeWindow,
    end_node_id,
    start_node_id,
)

__all__ = [
    "FORMAT_KIND",
    "GENERATORS",
    "Case",
    "GenInstance",
    "best_known",
    "clustered",
    "field",
    "generated_case",
    "longroute",
    "read_generated",
    "read_pcvrptw",
    "read_solomon",
    "read_top",
    "read_toptw",
    "shifts",
    "toptw",
    "write_generated",
]

H = 3600
FORMAT_KIND = "countyreach.bench-instance"
_NOWHERE = Location(0.0, 0.0)
#: Rules of every bench problem: balance off (PyVRP does not balance, and a balanced plan
#: gives up value by design), skills and locality off (no baseline models them).
def _rules(drive_cost_yuan_per_h: float) -> RoutingRules:
    return RoutingRules(drive_cost_yuan_per_h=drive_cost_yuan_per_h, skills=ConstraintMode.OFF,
                        locality=ConstraintMode.OFF, balance=0.0)


@dataclass(frozen=True, eq=False)
class Case:
    """One bench instance, ready for both solvers.

    Parameters
    ----------
    name, family : str
        Instance name (unique within the family) and family.
    problem : RoutingProblem
        The instance in our types; PyVRP is built from the same problem and matrix.
    required : bool
        Every lead must be served (VRPTW): a plan that misses one is a failure, and the
        score is the driving total (lower is better). Otherwise the score is value collected
        minus driving cost as :class:`RoutingRules` define it (higher is better).
    bks : float or None
        Best-known value: distance for required cases, collected prize otherwise.
    unit : float
        Matrix units per reported distance unit (Solomon: tenths, so 10).
    cost_offset : float or None
        For families whose published objective is a cost to minimise over optional leads
        (PCVRPTW: driving plus the prizes not collected), the cost is ``cost_offset``
        minus our objective, and ``bks`` is such a cost.
    """

    name: str
    family: str
    problem: RoutingProblem
    required: bool
    bks: float | None = None
    unit: float = 1.0
    cost_offset: float | None = None


@dataclass(frozen=True, eq=False)
class GenInstance:
    """A generated instance in the JSON format of the module docstring."""

    family: str
    name: str
    depots: np.ndarray  # (d, 2) km
    officers: list[tuple[int, int, int, int]]
    points: np.ndarray  # (n, 2) km
    service_s: np.ndarray
    prizes: np.ndarray
    windows: list[tuple[int, int] | None]
    required: bool = False
    speed_kmh: float = 40.0
    drive_cost_yuan_per_h: float = 3.0


# --------------------------------------------------------------------------- generators

def _window(rng: np.random.Generator, share: float, earliest: int, latest: int,
            length_s: tuple[int, int]) -> tuple[int, int] | None:
    """A window of a random length starting between ``earliest`` and ``latest`` (minutes)."""
    if rng.random() >= share:
        return None
    length = int(rng.integers(length_s[0], length_s[1] + 1)) // 60 * 60
    start = int(rng.integers(earliest, latest - length + 1)) // 60 * 60
    return start, start + length


def field(n: int, seed: int = 0, n_officers: int = 10) -> GenInstance:
    """The field instance (see the module docstring); the draws of the README's figures."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 60, size=(n, 2))
    homes = rng.uniform(5, 55, size=(n_officers, 2))
    prizes = rng.integers(1, 101, size=n)
    windows: list[tuple[int, int] | None] = []
    for _ in range(n):
        if rng.random() < 0.3:
            a = int(rng.integers(8 * H, 14 * H + 1) // 60 * 60)
            windows.append((a, a + 2 * H))
        else:
            windows.append(None)
    officers = [(k, k, 8 * H, 16 * H) for k in range(n_officers)]
    return GenInstance("field", f"field-n{n}-s{seed}", homes, officers, pts,
                       np.full(n, 20 * 60), prizes, windows)


def longroute(seed: int = 0) -> GenInstance:
    """Long VRPTW routes with wide windows (see the module docstring)."""
    rng = np.random.default_rng(10_000 + seed)
    k = int(rng.integers(3, 6))
    n = int(sum(rng.integers(30, 61, size=k)))
    pts = rng.uniform(0, 40, size=(n, 2))
    depot = rng.uniform(15, 25, size=(1, 2))
    windows = [_window(rng, 0.5, 7 * H, 19 * H, (3 * H, 6 * H)) for _ in range(n)]
    # One officer more than the day was drawn for: using fewer routes is the search's job.
    officers = [(0, 0, 7 * H, 19 * H) for _ in range(k + 1)]
    return GenInstance("longroute", f"longroute-n{n}-s{seed}", depot, officers, pts,
                       np.full(n, 10 * 60), np.ones(n, dtype=np.int64), windows,
                       required=True, speed_kmh=30.0, drive_cost_yuan_per_h=60.0)


def toptw(seed: int = 0, n: int = 100, n_officers: int = 3) -> GenInstance:
    """Team orienteering with time windows (see the module docstring)."""
    rng = np.random.default_rng(20_000 + seed)
    pts = rng.uniform(0, 40, size=(n, 2))
    depot = rng.uniform(15, 25, size=(1, 2))
    prizes = rng.integers(1, 101, size=n)
    service = rng.integers(10, 31, size=n) * 60
    windows = [_window(rng, 1.0, 8 * H, 18 * H, (1 * H, 4 * H)) for _ in range(n)]
    officers = [(0, 0, 8 * H, 18 * H) for _ in range(n_officers)]
    return GenInstance("toptw", f"toptw-n{n}-s{seed}", depot, officers, pts, service, prizes,
                       windows, speed_kmh=30.0)


def shifts(seed: int = 0, n: int = 300, n_officers: int = 8) -> GenInstance:
    """Officers with different shift starts and lengths (see the module docstring)."""
    rng = np.random.default_rng(30_000 + seed)
    pts = rng.uniform(0, 50, size=(n, 2))
    branch = rng.uniform(20, 30, size=(1, 2))
    homes = rng.uniform(5, 45, size=(n_officers, 2))
    depots = np.vstack([branch, homes])
    officers = []
    for k in range(n_officers):
        start = int(rng.choice([7, 8, 9, 10, 12])) * H
        length = int(rng.integers(4, 11)) * H
        end_depot = 0 if rng.random() < 0.3 else k + 1
        officers.append((k + 1, end_depot, start, min(start + length, 22 * H)))
    prizes = rng.integers(1, 101, size=n)
    # Windows inside the team's day, so that every lead has some officer on duty for it.
    day = (min(o[2] for o in officers), max(o[3] for o in officers))
    windows = [_window(rng, 0.2, day[0], day[1], (2 * H, 2 * H)) for _ in range(n)]
    return GenInstance("shifts", f"shifts-n{n}-s{seed}", depots, officers, pts,
                       np.full(n, 20 * 60), prizes, windows)


def clustered(seed: int = 0, n: int = 300, n_officers: int = 8,
              layout: str = "clustered") -> GenInstance:
    """Leads in villages (``layout="clustered"``) or uniform, otherwise the same day."""
    rng = np.random.default_rng(40_000 + seed)
    centres = rng.uniform(3, 47, size=(15, 2))
    village = rng.integers(0, len(centres), size=n)
    around = np.clip(centres[village] + rng.normal(0, 1.0, size=(n, 2)), 0, 50)
    uniform = rng.uniform(0, 50, size=(n, 2))
    homes = centres[rng.integers(0, len(centres), size=n_officers)] + rng.normal(
        0, 2.0, size=(n_officers, 2))
    prizes = rng.integers(1, 101, size=n)
    windows = [_window(rng, 0.3, 8 * H, 17 * H, (2 * H, 2 * H)) for _ in range(n)]
    pts = around if layout == "clustered" else uniform
    officers = [(k, k, 8 * H, 17 * H) for k in range(n_officers)]
    return GenInstance(layout, f"{layout}-n{n}-s{seed}", homes, officers, pts,
                       np.full(n, 20 * 60), prizes, windows)


#: Generators by family, each ``(seed, n) -> list of instances`` (``n`` None: its default).
GENERATORS: dict[str, Any] = {
    "field": lambda seed, n: [field(n or 1000, seed)],
    "longroute": lambda seed, n: [longroute(seed)],
    "toptw": lambda seed, n: [toptw(seed, n or 100)],
    "shifts": lambda seed, n: [shifts(seed, n or 300)],
    "clustered": lambda seed, n: [clustered(seed, n or 300, layout=lay)
                                  for lay in ("clustered", "uniform")],
}


# --------------------------------------------------------------------------- JSON format

def write_generated(inst: GenInstance, folder: Path) -> Path:
    """Write ``inst`` as ``folder/<name>.json`` (the format of the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "kind": FORMAT_KIND, "format_version": 1, "family": inst.family, "name": inst.name,
        "speed_kmh": inst.speed_kmh, "drive_cost_yuan_per_h": inst.drive_cost_yuan_per_h,
        "required": inst.required,
        "depots": [[round(float(x), 4), round(float(y), 4)] for x, y in inst.depots],
        "officers": [list(o) for o in inst.officers],
        "leads": [[round(float(x), 4), round(float(y), 4), int(s), int(p),
                   None if w is None else w[0], None if w is None else w[1]]
                  for (x, y), s, p, w in zip(inst.points, inst.service_s, inst.prizes,
                                             inst.windows, strict=True)],
    }
    path = folder / f"{inst.name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def read_generated(path: Path) -> GenInstance:
    """Read a generated instance written by :func:`write_generated` (or by hand)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("kind") != FORMAT_KIND or doc.get("format_version") != 1:
        raise ValueError(f"{path}: not a {FORMAT_KIND} version 1 file")
    leads = doc["leads"]
    return GenInstance(
        family=str(doc["family"]), name=str(doc.get("name", path.stem)),
        depots=np.array(doc["depots"], dtype=float),
        officers=[(int(a), int(b), int(c), int(d)) for a, b, c, d in doc["officers"]],
        points=np.array([[r[0], r[1]] for r in leads], dtype=float).reshape(-1, 2),
        service_s=np.array([int(r[2]) for r in leads], dtype=np.int64),
        prizes=np.array([int(r[3]) for r in leads], dtype=np.int64),
        windows=[None if r[4] is None else (int(r[4]), int(r[5])) for r in leads],
        required=bool(doc.get("required", False)),
        speed_kmh=float(doc.get("speed_kmh", 40.0)),
        drive_cost_yuan_per_h=float(doc.get("drive_cost_yuan_per_h", 3.0)))


def _required_prize(shift_s: int, drive_cost_per_h: float) -> float:
    # Ten times the cost of driving a whole shift: above any detour a day can hold, so
    # "serve everyone" comes before "drive less".
    return 10.0 * drive_cost_per_h * max(shift_s, 1) / H


#: Prize of a Solomon customer: above any detour (at most ~2,900 tenths), so all are visited
#: (the value the Solomon figures so far were measured with).
SOLOMON_PRIZE = 100_000.0


def generated_case(inst: GenInstance) -> Case:
    """The routing problem of a generated instance."""
    n, d = len(inst.points), len(inst.depots)
    allp = np.vstack([inst.points, inst.depots])
    km = np.sqrt(((allp[:, None, :] - allp[None, :, :]) ** 2).sum(axis=2))
    dur = np.rint(km / inst.speed_kmh * H).astype(np.int64)
    longest = max(b - a for _, _, a, b in inst.officers)
    must = _required_prize(longest, inst.drive_cost_yuan_per_h)
    leads = []
    for i in range(n):
        w = inst.windows[i]
        leads.append(Lead(f"c{i}", f"c{i}", _NOWHERE, "any", service_s=int(inst.service_s[i]),
                          value_yuan=must if inst.required else float(inst.prizes[i]),
                          windows=() if w is None else (TimeWindow(w[0], w[1]),)))
    depots = [Depot(f"d{j}", f"depot {j}", _NOWHERE) for j in range(d)]
    ids, rows = [ld.lead_id for ld in leads], list(range(n))
    officers = []
    for k, (s, e, a, b) in enumerate(inst.officers):
        officers.append(Officer(f"O{k}", f"O{k}", depots[s], depots[e], TimeWindow(a, b)))
        ids += [start_node_id(f"O{k}"), end_node_id(f"O{k}")]
        rows += [n + s, n + e]
    idx = np.array(rows)
    mat = dur[np.ix_(idx, idx)]
    problem = RoutingProblem(tuple(leads), tuple(officers), TravelMatrix(tuple(ids), mat, mat),
                             _rules(inst.drive_cost_yuan_per_h))
    # Required cases report driving in hours (the matrix is in seconds).
    return Case(inst.name, inst.family, problem, inst.required, None,
                float(H) if inst.required else 1.0)


# --------------------------------------------------------------------------- public formats

def best_known(shared: Path, problem: str) -> dict[tuple[str, int], float]:
    """Best-known values of ``problem`` in ``shared/bks.csv`` by (instance, vehicles)."""
    path = shared / "bks.csv"
    if not path.exists():
        return {}
    with path.open() as fh:
        return {(row["instance"], int(row["vehicles"])): float(row["bks"])
                for row in csv.DictReader(fh) if row["problem"] == problem}


def _lookup(bks: dict[tuple[str, int], float], name: str, vehicles: int | None) -> float | None:
    if vehicles is not None:
        return bks.get((name, vehicles))
    found = [v for (n, _), v in bks.items() if n == name]
    return found[0] if len(found) == 1 else None


def _problem(leads: Iterable[Lead], rows: list[int], officers: list[tuple[Officer, int, int]],
             dist: np.ndarray, drive_cost_per_h: float) -> RoutingProblem:
    """A problem over ``dist`` (one row per file point): leads, then each officer's ends."""
    leads = tuple(leads)
    ids = [ld.lead_id for ld in leads]
    rows = list(rows)
    for o, s, e in officers:
        ids += [start_node_id(o.officer_id), end_node_id(o.officer_id)]
        rows += [s, e]
    idx = np.array(rows)
    mat = dist[np.ix_(idx, idx)]
    return RoutingProblem(leads, tuple(o for o, _, _ in officers),
                          TravelMatrix(tuple(ids), mat, mat), _rules(drive_cost_per_h))


def read_solomon(path: Path, bks: dict[tuple[str, int], float] | None = None) -> Case:
    """A Solomon VRPTW file: every customer served, times and distances in tenths.

    Distances are truncated to one decimal (the convention of the best-known solutions);
    the driving cost is one yuan per tenth and each customer is worth far more than any
    detour, so the search serves everyone first and then drives less.
    """
    n_veh, cap, a = _solomon_tables(path)
    xy, demand, ready, due, service = a[:, 1:3], a[:, 3], a[:, 4], a[:, 5], a[:, 6]
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    d = np.floor(real * 10 + 1e-9).astype(np.int64)
    n = len(a) - 1
    shift = TimeWindow(int(round(ready[0] * 10)), int(round(due[0] * 10)))
    leads = [Lead(f"c{i}", f"c{i}", _NOWHERE, "any", service_s=int(round(service[i] * 10)),
                  value_yuan=SOLOMON_PRIZE, load=int(demand[i]),
                  windows=(TimeWindow(int(round(ready[i] * 10)), int(round(due[i] * 10))),))
             for i in range(1, n + 1)]
    depot = Depot("depot", "depot", _NOWHERE)
    officers = [(Officer(f"V{k}", f"V{k}", depot, depot, shift, capacity=cap), 0, 0)
                for k in range(n_veh)]
    problem = _problem(leads, list(range(1, n + 1)), officers, d, 3600.0)
    return Case(path.stem, "solomon", problem, True,
                _lookup(bks or {}, path.stem, None), 10.0)


def _solomon_tables(path: Path) -> tuple[int, int, np.ndarray]:
    """Fleet size, capacity and the customer rows of a Solomon-format file.

    Found by content, not line number: the first all-numeric line after ``VEHICLE`` is the
    fleet, and every all-numeric line of seven fields after ``CUSTOMER`` a customer (the
    Gehring-Homberger files and copies re-saved by other tools differ in blank lines).
    """
    def numbers(line: str) -> list[float] | None:
        try:
            return [float(x) for x in line.split()]
        except ValueError:
            return None

    fleet: list[float] | None = None
    rows: list[list[float]] = []
    section = ""
    for line in path.read_text().splitlines():
        head = line.strip().upper()
        if head.startswith(("VEHICLE", "CUSTOMER")):
            section = head.split()[0]
            continue
        vals = numbers(line) if line.strip() else None
        if not vals:
            continue
        if section == "VEHICLE" and fleet is None and len(vals) == 2:
            fleet = vals
        elif section == "CUSTOMER" and len(vals) == 7:
            rows.append(vals)
    if fleet is None or len(rows) < 2:
        raise ValueError(f"{path}: not a Solomon-format file (VEHICLE and CUSTOMER sections)")
    return int(fleet[0]), int(fleet[1]), np.array(rows)


def read_top(path: Path, bks: dict[tuple[str, int], float] | None = None,
             scale: int = 100) -> Case:
    """A Chao TOP file: ``n``, ``m``, ``tmax`` lines, then ``x y score`` (start first, end last).

    Distances are scaled by ``scale`` and rounded *up*, so an integer route within the limit
    is within it in real numbers too.
    """
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    m, tmax = int(lines[1][1]), float(lines[2][1])
    pts = np.array([[float(v) for v in ln[:3]] for ln in lines[3:]])
    xy, score = pts[:, :2], pts[:, 2]
    n = len(xy)
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    d = np.ceil(real * scale - 1e-9).astype(np.int64)
    limit = int(math.floor(tmax * scale + 1e-9))
    leads = [Lead(f"c{i}", f"c{i}", _NOWHERE, "any", service_s=0, value_yuan=float(score[i]))
             for i in range(1, n - 1)]
    start, end = Depot("start", "start", _NOWHERE), Depot("end", "end", _NOWHERE)
    officers = [(Officer(f"V{k}", f"V{k}", start, end, TimeWindow(0, limit)), 0, n - 1)
                for k in range(m)]
    problem = _problem(leads, list(range(1, n - 1)), officers, d, _tie_break(limit))
    return Case(path.stem, "top", problem, False, _lookup(bks or {}, path.stem, m), float(scale))


def _tie_break(limit: int) -> float:
    # TOP scores prize only, but a search with free driving has nothing to steer by: a drive
    # cost too small to trade against any prize (a whole route costs < 0.5 point) breaks ties.
    return 0.5 * 3600 / max(limit, 1)


def read_toptw(path: Path, paths: int | None = None,
               bks: dict[tuple[str, int], float] | None = None) -> Case:
    """A TOPTW file in the Montemanni/Vansteenwegen format (``_FORMAT.txt``) with ``paths``.

    Line 1 ``k v N t`` (``v`` paths visit every vertex; used when ``paths`` is None), line 2
    ``D Q``, then per vertex ``i x y d S f a list O C``: service ``d``, profit ``S``, window
    ``O``–``C`` for the start of service (the last two fields, after a list of ``a``
    entries). Vertex 0 is start and end, its ``C`` the time budget of each path. Distances
    are Euclidean truncated to one decimal, in tenths; time equals distance.
    """
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    m = int(lines[0][1]) if paths is None else paths
    rows = [ln for ln in lines[2:] if len(ln) >= 7]
    xy = np.array([[float(r[1]), float(r[2])] for r in rows])
    service = [float(r[3]) for r in rows]
    profit = [float(r[4]) for r in rows]
    o_c = [(float(r[-2]), float(r[-1])) for r in rows]
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    d = np.floor(real * 10 + 1e-9).astype(np.int64)
    limit = int(round(o_c[0][1] * 10))
    leads = [Lead(f"c{i}", f"c{i}", _NOWHERE, "any", service_s=int(round(service[i] * 10)),
                  value_yuan=profit[i],
                  windows=(TimeWindow(int(round(o_c[i][0] * 10)), int(round(o_c[i][1] * 10))),))
             for i in range(1, len(rows))]
    depot = Depot("depot", "depot", _NOWHERE)
    officers = [(Officer(f"V{k}", f"V{k}", depot, depot, TimeWindow(0, limit)), 0, 0)
                for k in range(m)]
    problem = _problem(leads, list(range(1, len(rows))), officers, d, _tie_break(limit))
    return Case(f"{path.stem}-m{m}", "toptw", problem, False,
                _lookup(bks or {}, path.stem, m), 10.0)


def _vrplib_sections(text: str) -> tuple[dict[str, str], dict[str, list[list[float]]]]:
    """Specification ``KEY : value`` lines and ``*_SECTION`` rows of a VRPLIB file."""
    spec: dict[str, str] = {}
    sections: dict[str, list[list[float]]] = {}
    current: list[list[float]] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = sections.setdefault(line, [])
        elif ":" in line and current is None:
            key, value = line.split(":", 1)
            spec[key.strip().upper()] = value.strip()
        elif current is not None:
            current.append([float(x) for x in line.split()])
    return spec, sections


def read_pcvrptw(path: Path, bks: dict[tuple[str, int], float] | None = None) -> Case:
    """A prize-collecting VRPTW file in VRPLIB format (the GH1000-based PCVRPTW set).

    Every client is optional; its prize (``PRIZE_SECTION``) is scaled by 10 like the
    distances, which are Euclidean truncated to one decimal, in tenths, with time equal to
    distance. One yuan per tenth of driving, so our objective (prizes collected minus
    driving) is the published cost (driving plus prizes not collected) up to the constant
    ``cost_offset`` (ten times all prizes). Capacity and the fleet size come from the
    file; the depot's window is every vehicle's shift.
    """
    spec, sec = _vrplib_sections(path.read_text())
    xy = np.array([r[1:3] for r in sec["NODE_COORD_SECTION"]])
    demand = [int(r[1]) for r in sec["DEMAND_SECTION"]]
    tw = [(r[1], r[2]) for r in sec["TIME_WINDOW_SECTION"]]
    prize = [r[1] for r in sec["PRIZE_SECTION"]]
    if "SERVICE_TIME_SECTION" in sec:
        service = [r[1] for r in sec["SERVICE_TIME_SECTION"]]
    else:
        service = [0.0] + [float(spec.get("SERVICE_TIME", 0))] * (len(xy) - 1)
    depot_row = int(sec.get("DEPOT_SECTION", [[1]])[0][0]) - 1
    if depot_row != 0:
        raise ValueError(f"{path}: the depot must be node 1 (got {depot_row + 1})")
    real = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    d = np.floor(real * 10 + 1e-9).astype(np.int64)
    n = len(xy) - 1
    leads = [Lead(f"c{i}", f"c{i}", _NOWHERE, "any", service_s=int(round(service[i] * 10)),
                  value_yuan=10.0 * prize[i], load=demand[i],
                  windows=(TimeWindow(int(round(tw[i][0] * 10)), int(round(tw[i][1] * 10))),))
             for i in range(1, n + 1)]
    depot = Depot("depot", "depot", _NOWHERE)
    shift = TimeWindow(int(round(tw[0][0] * 10)), int(round(tw[0][1] * 10)))
    cap = int(spec["CAPACITY"])
    officers = [(Officer(f"V{k}", f"V{k}", depot, depot, shift, capacity=cap), 0, 0)
                for k in range(int(spec["VEHICLES"]))]
    problem = _problem(leads, list(range(1, n + 1)), officers, d, 3600.0)
    return Case(spec.get("NAME", path.stem), "pcvrptw", problem, False,
                _lookup(bks or {}, spec.get("NAME", path.stem), None), 10.0,
                cost_offset=10.0 * float(sum(prize[1:])))
