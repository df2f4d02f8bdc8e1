"""Measures of a simulated run, per week and in total.

Per week (``weekly_metrics``):

* ``hv_coverage_30d`` — share of the high-value businesses (top fifth by true
  expected value at the start) visited in the 30 calendar days up to the end
  of the week, counting those that took a loan during the run as served (they
  are customers now and are not visited again within the loan rule);
* ``visits_per_officer_day``, ``loans_per_officer_day``;
* ``drive_h`` (total) and ``drive_h_per_officer_day``;
* ``expected_loan_yuan`` (the hidden truth's expectation for the visits made:
  P(uptake) × expected loan) and ``simulated_loan_yuan`` (what was drawn);
* ``cost_per_loan_yuan`` — (officer-days × day cost + drive hours × drive cost)
  / loans.

``summarise`` gives the same over the whole run; its ``coverage`` is the mean
weekly ``hv_coverage_30d`` over the weeks whose 30-day window lies inside the
run (the last week when the run is shorter than 30 days).

The business figures are what the visits *cause*: ``caused_value_per_officer_day_yuan``
(the truth's value with the visit minus without it, per officer-day) and
``caused_loans_per_officer_day`` (loans from this bank with the visit minus without).
A visit to a business that would have walked in anyway causes little.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["weekly_metrics", "summarise", "COVERAGE_WINDOW_DAYS"]

COVERAGE_WINDOW_DAYS = 30


def _cal_day(week: pd.Series, day: pd.Series, days_per_week: int) -> pd.Series:
    return week * 7 + (day - week * days_per_week)


def weekly_metrics(visits: pd.DataFrame, days: pd.DataFrame, *, n_high_value: int,
                   scenario: Any) -> pd.DataFrame:
    """The measures of each simulated week.

    Parameters
    ----------
    visits, days : pandas.DataFrame
        From :class:`~countyreach.simulation.engine.SimulationResult`.
    n_high_value : int
        Number of high-value businesses in the world.
    scenario : Scenario
        For the week count and the costs.

    Returns
    -------
    pandas.DataFrame
        One row per week, columns as in the module docstring plus ``week,
        officer_days, visits, loans, loan_rate``.
    """
    dpw = int(scenario.days_per_week)
    v_cal = _cal_day(visits["week"], visits["day"], dpw) if len(visits) else pd.Series(dtype=int)
    rows = []
    for w in range(int(scenario.n_weeks)):
        dv = visits[visits["week"] == w]
        dd = days[days["week"] == w]
        officer_days = len(dd)
        n_visits = len(dv)
        loans = int(dv["took_loan"].sum())
        drive_h = float(dd["drive_s"].sum()) / 3600.0
        end_cal = w * 7 + dpw - 1
        if len(visits):
            hv = visits["high_value"].astype(bool) & (v_cal <= end_cal)
            recent = hv & (v_cal > end_cal - COVERAGE_WINDOW_DAYS)
            # A business that took a loan is served (not visited again within the loan rule).
            served = hv & (visits["took_loan"] == 1)
            covered = visits.loc[recent | served, "lead_id"].nunique()
        else:
            covered = 0
        cost = officer_days * scenario.officer_day_cost_yuan \
            + drive_h * scenario.drive_cost_yuan_per_h
        rows.append({
            "week": w,
            "officer_days": officer_days,
            "visits": n_visits,
            "loans": loans,
            "loan_rate": loans / n_visits if n_visits else 0.0,
            "hv_coverage_30d": covered / n_high_value if n_high_value else 0.0,
            "visits_per_officer_day": n_visits / officer_days if officer_days else 0.0,
            "loans_per_officer_day": loans / officer_days if officer_days else 0.0,
            "drive_h": drive_h,
            "drive_h_per_officer_day": drive_h / officer_days if officer_days else 0.0,
            "expected_loan_yuan": float(dv["expected_loan_yuan"].sum()),
            "simulated_loan_yuan": float(dv["loan_yuan"].sum()),
            "cost_per_loan_yuan": cost / loans if loans else float("nan"),
        })
    return pd.DataFrame(rows)


def summarise(visits: pd.DataFrame, days: pd.DataFrame, weekly: pd.DataFrame, *,
              scenario: Any) -> dict[str, Any]:
    """Totals of a run (see the module docstring).

    Returns
    -------
    dict
        ``coverage, officer_days, visits, loans, loans_per_officer_day,
        visits_per_officer_day, drive_h, drive_h_per_officer_day,
        expected_loan_yuan, simulated_loan_yuan, expected_loans, cost_per_loan_yuan,
        value_per_officer_day_yuan, caused_value_per_officer_day_yuan,
        caused_loans_per_officer_day, hv_visit_share``.
    """
    officer_days = len(days)
    n_visits = len(visits)
    loans = int(visits["took_loan"].sum()) if n_visits else 0
    drive_h = float(days["drive_s"].sum()) / 3600.0
    full = weekly[weekly["week"] * 7 + scenario.days_per_week >= COVERAGE_WINDOW_DAYS]
    coverage = float(full["hv_coverage_30d"].mean()) if len(full) else \
        float(weekly["hv_coverage_30d"].iloc[-1]) if len(weekly) else 0.0
    cost = officer_days * scenario.officer_day_cost_yuan + drive_h * scenario.drive_cost_yuan_per_h
    return {
        "coverage": coverage,
        "officer_days": officer_days,
        "visits": n_visits,
        "loans": loans,
        "loans_per_officer_day": loans / officer_days if officer_days else 0.0,
        "visits_per_officer_day": n_visits / officer_days if officer_days else 0.0,
        "drive_h": drive_h,
        "drive_h_per_officer_day": drive_h / officer_days if officer_days else 0.0,
        "expected_loan_yuan": float(visits["expected_loan_yuan"].sum()) if n_visits else 0.0,
        "simulated_loan_yuan": float(visits["loan_yuan"].sum()) if n_visits else 0.0,
        "expected_loans": float(visits["true_p_uptake"].sum()) if n_visits else 0.0,
        "cost_per_loan_yuan": cost / loans if loans else float("nan"),
        "value_per_officer_day_yuan": float(visits["true_value_yuan"].sum()) / officer_days
        if officer_days else 0.0,
        "caused_value_per_officer_day_yuan": float(visits["caused_value_yuan"].sum())
        / officer_days if officer_days and "caused_value_yuan" in visits else 0.0,
        "caused_loans_per_officer_day": float(visits["caused_loans"].sum()) / officer_days
        if officer_days and "caused_loans" in visits else 0.0,
        "hv_visit_share": float(visits["high_value"].mean()) if n_visits else 0.0,
    }
