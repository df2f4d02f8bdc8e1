"""Where to base N officers: p-median and maximal-coverage facility location.

Both models are solved exactly with OR-Tools, warm-started (CP-SAT) from a
greedy solution: p-median as a MIP (SCIP through ``ortools.linear_solver``),
maximal coverage with CP-SAT; either backend can solve either model and they
cross-check each other in the tests.

This is the only module of :mod:`countyreach.simulation` that imports OR-Tools
(the project rule keeps OR-Tools in ``routing/solver.py``; the lead agreed this
exception for facility location, which routing does not do).

Models
------
*p-median*: open exactly ``k`` sites, assign every demand point to one open
site, minimise the weighted sum of travel times. It places officers where the
average trip is shortest.

*maximal coverage*: open exactly ``k`` sites, maximise the weight of demand
within ``cover_s`` of an open site. It places officers so that as much business
as possible is within, say, 30 minutes. Ties are broken by the p-median cost,
so the chosen sites are also central among the covered demand.

Determinism: CP-SAT runs with one worker, a fixed seed and a *deterministic*
time budget, and SCIP is deterministic when it proves optimality (county-sized
models of tens of sites and villages solve in well under a second), so the same
inputs give the same sites on any machine load; sweeps also compute bases once,
before scenarios are distributed, so a cluster reproduces the sequential run.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from countyreach.errors import InputError

__all__ = [
    "OBJECTIVES",
    "FacilitySolution",
    "locate_facilities",
    "greedy_facilities",
    "allocate_officers",
]

log = logging.getLogger(__name__)

OBJECTIVES = ("p_median", "max_coverage")

#: Weights are scaled to integers for CP-SAT; this is the resolution.
_WEIGHT_SCALE = 1000


@dataclass(frozen=True, slots=True)
class FacilitySolution:
    """Chosen sites and what they achieve.

    Attributes
    ----------
    objective : str
        ``p_median`` or ``max_coverage``.
    site_ids : tuple of str
        Opened sites, in input order.
    assignment : tuple of str
        For each demand point, the open site with the shortest travel time.
    weighted_cost_s : float
        Sum over demand of weight × travel time to its site.
    mean_cost_s : float
        Weighted mean travel time to the nearest open site.
    covered_share : float
        Share of demand weight within ``cover_s`` of an open site.
    cover_s : int
        Coverage radius used for ``covered_share``.
    status : str
        ``optimal``, ``feasible`` (budget ran out) or ``infeasible``.
    solver : str
        ``cp-sat``, ``mip`` or ``greedy``.
    solve_time_s : float
        Wall-clock seconds.
    """

    objective: str
    site_ids: tuple[str, ...]
    assignment: tuple[str, ...]
    weighted_cost_s: float
    mean_cost_s: float
    covered_share: float
    cover_s: int
    status: str
    solver: str
    solve_time_s: float


def _validate(cost_s: npt.ArrayLike, weights: npt.ArrayLike, k: int,
              site_ids: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    c = np.asarray(cost_s)
    w = np.asarray(weights, dtype=float)
    if c.ndim != 2:
        raise InputError(f"cost matrix must be sites × demand, got shape {c.shape}", field="cost_s")
    n_sites, n_dem = c.shape
    if len(site_ids) != n_sites:
        raise InputError(f"{len(site_ids)} site ids for {n_sites} cost rows", field="site_ids")
    if len(set(site_ids)) != len(site_ids):
        raise InputError("site ids must be unique", field="site_ids")
    if w.shape != (n_dem,):
        raise InputError(f"{w.shape[0] if w.ndim else 0} weights for {n_dem} demand points",
                         field="weights")
    if n_sites == 0 or n_dem == 0:
        raise InputError("need at least one candidate site and one demand point", field="cost_s")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("demand weights must be finite and >= 0", field="weights")
    if not np.isfinite(c).all() or (c < 0).any():
        raise InputError("travel times must be finite and >= 0", field="cost_s")
    if not (isinstance(k, int | np.integer) and 1 <= k <= n_sites):
        raise InputError(f"number of sites must be in [1, {n_sites}], got {k!r}", field="k")
    return np.rint(c).astype(np.int64), w


def _summarise(objective: str, chosen: Sequence[int], c: npt.NDArray[np.int64],
               w: npt.NDArray[np.float64], cover_s: int, site_ids: Sequence[str],
               status: str, solver: str, t0: float) -> FacilitySolution:
    idx = np.array(sorted(chosen), dtype=np.int64)
    sub = c[idx]
    best = sub.argmin(axis=0)
    near = sub[best, np.arange(c.shape[1])]
    total_w = float(w.sum())
    weighted = float((w * near).sum())
    return FacilitySolution(
        objective=objective,
        site_ids=tuple(site_ids[i] for i in idx),
        assignment=tuple(site_ids[idx[b]] for b in best),
        weighted_cost_s=weighted,
        mean_cost_s=weighted / total_w if total_w > 0 else float(near.mean()),
        covered_share=float(w[near <= cover_s].sum() / total_w) if total_w > 0
        else float((near <= cover_s).mean()),
        cover_s=int(cover_s),
        status=status,
        solver=solver,
        solve_time_s=time.perf_counter() - t0,
    )


def _greedy(objective: str, c: npt.NDArray[np.int64], w: npt.NDArray[np.float64], k: int,
            cover_s: int) -> list[int]:
    """Add the site that improves the objective most, ``k`` times (ties: lowest index)."""
    n_sites = c.shape[0]
    chosen: list[int] = []
    near = np.full(c.shape[1], np.iinfo(np.int64).max // 4, dtype=np.int64)
    covered = np.zeros(c.shape[1], dtype=bool)
    for _ in range(k):
        best_j, best_score = -1, None
        for j in range(n_sites):
            if j in chosen:
                continue
            new_near = np.minimum(near, c[j])
            cost = float((w * new_near).sum())
            if objective == "max_coverage":
                gain = float(w[(c[j] <= cover_s) & ~covered].sum())
                score: tuple[float, float] = (-gain, cost)
            else:
                score = (cost, 0.0)
            if best_score is None or score < best_score:
                best_j, best_score = j, score
        chosen.append(best_j)
        near = np.minimum(near, c[best_j])
        covered |= c[best_j] <= cover_s
    return chosen


def greedy_facilities(cost_s: npt.ArrayLike, weights: npt.ArrayLike, k: int,
                      site_ids: Sequence[str], *, objective: str = "p_median",
                      cover_s: int = 1800) -> FacilitySolution:
    """Greedy-add heuristic for either model (the warm start of the exact solvers).

    Parameters are those of :func:`locate_facilities`.
    """
    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise InputError(f"objective must be one of {OBJECTIVES}, got {objective!r}",
                         field="objective")
    c, w = _validate(cost_s, weights, k, site_ids)
    chosen = _greedy(objective, c, w, int(k), cover_s)
    return _summarise(objective, chosen, c, w, cover_s, site_ids, "feasible", "greedy", t0)


def _solve_cp_sat(objective: str, c: npt.NDArray[np.int64], wi: npt.NDArray[np.int64], k: int,
                  cover_s: int, hint: Sequence[int], seed: int,
                  deterministic_time: float) -> tuple[list[int] | None, str]:
    n_sites, n_dem = c.shape
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"open_{j}") for j in range(n_sites)]
    m.add(sum(x) == k)
    hint_set = set(hint)
    for j in range(n_sites):
        m.add_hint(x[j], j in hint_set)
    if objective == "p_median":
        # Radius formulation (Elloumi 2010): cost_i = d_i1 + sum_k (d_i,k+1 - d_ik) u_ik,
        # where u_ik = 1 when no open site is within d_ik. Far tighter than
        # assignment variables, which CP-SAT cannot bound well.
        terms = []
        for i in range(n_dem):
            if wi[i] == 0:
                continue
            levels = np.unique(c[:, i])
            for lo, hi in itertools.pairwise(levels):
                u = m.new_bool_var(f"u_{i}_{lo}")
                within = [x[j] for j in range(n_sites) if c[j, i] <= lo]
                m.add_bool_or([*within, u])
                m.add_hint(u, not any(c[j, i] <= lo for j in hint))
                terms.append((int(wi[i]) * int(hi - lo), u))
        m.minimize(sum(coef * u for coef, u in terms))
    else:
        # Covered weight first; among equal coverage, the smaller p-median cost
        # of the covered demand (scaled so it can never outweigh one unit of coverage).
        cover_terms = []
        for i in range(n_dem):
            near = [j for j in range(n_sites) if c[j, i] <= cover_s]
            if not near or wi[i] == 0:
                continue
            z = m.new_bool_var(f"z_{i}")
            m.add_bool_or([x[j] for j in near]).only_enforce_if(z)
            m.add_hint(z, any(j in hint_set for j in near))
            cover_terms.append((int(wi[i]), z))
        site_cost = (wi[None, :] * np.minimum(c, cover_s)).sum(axis=1)
        scale = int(site_cost.max()) * k + 1
        m.maximize(sum(scale * coef * z for coef, z in cover_terms)
                   - sum(int(site_cost[j]) * x[j] for j in range(n_sites)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    solver.parameters.max_deterministic_time = float(deterministic_time)
    st = solver.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, "infeasible" if st == cp_model.INFEASIBLE else "timeout"
    chosen = [j for j in range(n_sites) if solver.boolean_value(x[j])]
    return chosen, "optimal" if st == cp_model.OPTIMAL else "feasible"


def _solve_mip(objective: str, c: npt.NDArray[np.int64], w: npt.NDArray[np.float64], k: int,
               cover_s: int, time_limit_s: float) -> tuple[list[int] | None, str]:
    n_sites, n_dem = c.shape
    s = pywraplp.Solver.CreateSolver("SCIP") or pywraplp.Solver.CreateSolver("CBC")
    if s is None:  # pragma: no cover - both ship with OR-Tools wheels
        return None, "infeasible"
    s.SetTimeLimit(int(time_limit_s * 1000))
    x = [s.BoolVar(f"open_{j}") for j in range(n_sites)]
    s.Add(sum(x) == k)
    obj = s.Objective()
    if objective == "p_median":
        for i in range(n_dem):
            ys = [s.NumVar(0.0, 1.0, f"y_{i}_{j}") for j in range(n_sites)]
            s.Add(sum(ys) == 1)
            for j, y in enumerate(ys):
                s.Add(y <= x[j])
                obj.SetCoefficient(y, float(w[i] * c[j, i]))
        obj.SetMinimization()
    else:
        site_cost = (w[None, :] * np.minimum(c, cover_s)).sum(axis=1)
        scale = float(site_cost.max()) * k + 1.0
        for i in range(n_dem):
            near = [j for j in range(n_sites) if c[j, i] <= cover_s]
            if not near or w[i] == 0:
                continue
            z = s.NumVar(0.0, 1.0, f"z_{i}")
            s.Add(z <= sum(x[j] for j in near))
            obj.SetCoefficient(z, scale * float(w[i]))
        for j in range(n_sites):
            obj.SetCoefficient(x[j], -float(site_cost[j]))
        obj.SetMaximization()
    st = s.Solve()
    if st not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, "infeasible" if st == pywraplp.Solver.INFEASIBLE else "timeout"
    chosen = [j for j in range(n_sites) if x[j].solution_value() > 0.5]
    return chosen, "optimal" if st == pywraplp.Solver.OPTIMAL else "feasible"


def locate_facilities(
    cost_s: npt.ArrayLike,
    weights: npt.ArrayLike,
    k: int,
    site_ids: Sequence[str],
    *,
    objective: str = "p_median",
    cover_s: int = 1800,
    solver: str = "auto",
    seed: int = 0,
    deterministic_time: float = 20.0,
    time_limit_s: float = 30.0,
) -> FacilitySolution:
    """Open ``k`` of the candidate sites by the p-median or maximal-coverage model.

    Parameters
    ----------
    cost_s : array_like
        ``(n_sites, n_demand)`` travel time in seconds from each site to each
        demand point (use the round trip / 2 when the officer returns to base).
    weights : array_like
        ``(n_demand,)`` demand weight (number of businesses, or expected value).
    k : int
        Number of sites to open, ``1 <= k <= n_sites``.
    site_ids : sequence of str
        Names of the candidate sites.
    objective : {"p_median", "max_coverage"}
        What to optimise (see the module docstring).
    cover_s : int
        Coverage radius in seconds (maximal coverage; reported for both).
    solver : {"auto", "cp-sat", "mip", "greedy"}
        Exact CP-SAT (deterministic), SCIP MIP, or the greedy heuristic.
        ``auto`` uses the MIP for p-median (its LP relaxation is nearly tight,
        so SCIP proves optimality in seconds where CP-SAT struggles with the
        assignment variables) and CP-SAT for maximal coverage.
    seed : int
        CP-SAT seed.
    deterministic_time : float
        CP-SAT budget in deterministic seconds (independent of machine load).
    time_limit_s : float
        MIP wall-clock budget.

    Returns
    -------
    FacilitySolution
        Always a value; if the exact solver finds nothing in its budget the greedy
        sites are returned with status ``feasible`` and solver ``greedy``.
    """
    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise InputError(f"objective must be one of {OBJECTIVES}, got {objective!r}",
                         field="objective")
    if solver not in ("auto", "cp-sat", "mip", "greedy"):
        raise InputError(f"solver must be auto, cp-sat, mip or greedy, got {solver!r}",
                         field="solver")
    if solver == "auto":
        solver = "mip" if objective == "p_median" else "cp-sat"
    if not (isinstance(cover_s, int | np.integer) and cover_s >= 0):
        raise InputError("coverage radius must be integer seconds >= 0", field="cover_s")
    c, w = _validate(cost_s, weights, k, site_ids)
    k = int(k)
    hint = _greedy(objective, c, w, k, int(cover_s))
    if solver == "greedy":
        return _summarise(objective, hint, c, w, int(cover_s), site_ids, "feasible", "greedy", t0)
    if solver == "cp-sat":
        total = float(w.sum())
        wi = (np.rint(w * _WEIGHT_SCALE / total).astype(np.int64) if total > 0
              else np.ones_like(w, dtype=np.int64))
        chosen, status = _solve_cp_sat(objective, c, wi, k, int(cover_s), hint, seed,
                                       deterministic_time)
    else:
        chosen, status = _solve_mip(objective, c, w, k, int(cover_s), time_limit_s)
    if chosen is None or len(chosen) != k:
        log.warning("facility %s solver found no solution (%s); using greedy sites", solver,
                    status)
        return _summarise(objective, hint, c, w, int(cover_s), site_ids, "feasible", "greedy", t0)
    return _summarise(objective, chosen, c, w, int(cover_s), site_ids, status, solver, t0)


def allocate_officers(n_officers: int, solution: FacilitySolution,
                      weights: npt.ArrayLike) -> tuple[str, ...]:
    """Base for each of ``n_officers`` officers: one per open site, extra ones by demand.

    When there are more officers than open sites, the extra officers go to the
    sites with the most assigned demand per officer (D'Hondt / highest averages),
    ties to the earlier site.

    Parameters
    ----------
    n_officers : int
        Officers to place, >= number of open sites.
    solution : FacilitySolution
        The open sites and the assignment of demand to them.
    weights : array_like
        The demand weights used to solve.

    Returns
    -------
    tuple of str
        Site id per officer, grouped by site in the solution's order.
    """
    w = np.asarray(weights, dtype=float)
    if len(w) != len(solution.assignment):
        raise InputError("weights do not match the solution's demand points", field="weights")
    if n_officers < len(solution.site_ids):
        raise InputError(f"{n_officers} officers for {len(solution.site_ids)} sites",
                         field="n_officers")
    load = {s: 0.0 for s in solution.site_ids}
    for site, wt in zip(solution.assignment, w, strict=True):
        load[site] += float(wt)
    count = dict.fromkeys(solution.site_ids, 1)
    for _ in range(n_officers - len(solution.site_ids)):
        best = max(solution.site_ids, key=lambda s: (load[s] / (count[s] + 1),
                                                     -solution.site_ids.index(s)))
        count[best] += 1
    return tuple(s for s in solution.site_ids for _ in range(count[s]))
