"""routing: the daily plan — prize-collecting vehicle routing over real travel times.

Types (:mod:`routing.problem`, :mod:`routing.plan`, :mod:`routing.params`): a validated,
frozen :class:`RoutingProblem` built apart from solving, :class:`SolveParams` for the search,
and the :class:`Plan` every call returns (infeasible or partial days are a status, not an
exception). Errors are :mod:`routing.errors`.

Modules, from the entry point down:

* :mod:`routing.solver` — :func:`solve` (``solve(problem, params) -> Plan``): candidates
  and their pruning, the starting routes, the search's phases;
* :mod:`routing.finish` — the plan from the search's orders: timing, leads put back,
  balance, drop reasons;
* :mod:`routing.budget` — which phases a day's size leaves room for, and the solve's
  wall clock (:class:`routing.budget.Clock`: the time kept after the search);
* :mod:`routing.lns` — the large-neighbourhood search: steps over a few officers, route
  closing, worker processes, fixed-step (reproducible) and anytime improvement, mixed with
  the ruin-and-recreate steps of :mod:`routing.ils`;
* :mod:`routing.polish` — the whole-day local search: selection moves of team orienteering
  (insert, remove, swap visited for unvisited, relocate), 2-opt, or-opt, 2-opt*, exchange
  and route removal, each confirmed by :func:`schedule_route`;
* :mod:`routing.ils` — ruin and recreate over the whole day, each step followed by that
  local search;
* :mod:`routing.model` — the OR-Tools model of officers and leads and its search
  parameters: the only module that imports OR-Tools;
* :mod:`routing.construct` — greedy starting routes;
* :mod:`routing.reasons` — who may visit a lead and :func:`explain_drops` (a reason for
  every lead left out); :mod:`routing.put_back` — :func:`put_back`, left-out leads whose
  visit pays put back until a deadline;
* :mod:`routing.schedule` — :func:`schedule_route`, the one implementation of route
  timing (arrival, start, departure, waiting, lunch along a visit order): the solver,
  the greedy construction and the drop reasons all time routes with it;
* :mod:`routing.checker` — :func:`check_plan`, the independent plan checker: it verifies
  a plan's stated times against the rules and the matrix, and imports no solver
  (:func:`checked_plan` also writes a failing verdict into the plan's message);
* :mod:`routing.replan` — :func:`replan`, re-plan the rest of the day from where officers
  are;
* :mod:`routing.locks` — locked routes kept exactly (or the plan says why not) and the
  published reference routes a re-plan starts from;
* :mod:`routing.balance` — workload balance: evens out working hours across officers at a
  bounded cost in value, and the spread a plan reports.
"""

# The package's names load on first use, so a command that needs only a few of them
# (``countyreach --help``) does not import scikit-learn, SciPy and OR-Tools first.
# The names and where they come from are listed once, in ``__init__.pyi``.
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
