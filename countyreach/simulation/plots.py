"""Charts a planner would rather look at than read (Altair specs; the app renders them).

Every chart says in its title when travel times are the straight-line
approximation, so an approximate result is never mistaken for a road-based one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from countyreach.simulation.sweep import SweepResult, coverage_curve

__all__ = ["coverage_chart", "loans_chart", "weekly_chart", "policy_chart"]


def _title(text: str, result: SweepResult | None) -> Any:
    if result is not None and result.meta.get("approximate_travel"):
        return {"text": text, "subtitle": str(result.meta.get("travel", "approximate travel"))}
    return text


def coverage_chart(result: SweepResult) -> Any:
    """Officers → share of high-value businesses visited every 30 days, one line per strategy.

    Returns
    -------
    altair.LayerChart
        Mean line with a ±1 sd band over seeds.
    """
    import altair as alt

    c = coverage_curve(result).assign(
        lo=lambda d: (d["coverage"] - d["coverage_sd"]).clip(lower=0),
        hi=lambda d: (d["coverage"] + d["coverage_sd"]).clip(upper=1))
    base = alt.Chart(c).encode(
        x=alt.X("n_officers:Q", title="officers"),
        color=alt.Color("base_strategy:N", title="bases"))
    band = base.mark_area(opacity=0.2).encode(y="lo:Q", y2="hi:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("coverage:Q", title="high-value businesses visited within 30 days",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["base_strategy", "n_officers", alt.Tooltip("coverage:Q", format=".1%"),
                 alt.Tooltip("loans_per_officer_day:Q", format=".2f")])
    return (band + line).properties(title=_title("Coverage by number of officers", result),
                                    width=520, height=300)


def loans_chart(result: SweepResult) -> Any:
    """Officers → loans per officer-day (diminishing returns as territories overlap)."""
    import altair as alt

    c = coverage_curve(result)
    return alt.Chart(c).mark_line(point=True).encode(
        x=alt.X("n_officers:Q", title="officers"),
        y=alt.Y("loans_per_officer_day:Q", title="loans per officer-day"),
        color=alt.Color("base_strategy:N", title="bases"),
        tooltip=["base_strategy", "n_officers",
                 alt.Tooltip("loans_per_officer_day:Q", format=".2f"),
                 alt.Tooltip("cost_per_loan_yuan:Q", format=",.0f")],
    ).properties(title=_title("Loans per officer-day", result), width=520, height=300)


def weekly_chart(weekly: pd.DataFrame, measure: str = "loans_per_officer_day",
                 color: str = "policy") -> Any:
    """A weekly measure over the simulated weeks, one line per ``color`` value."""
    import altair as alt

    d = weekly.groupby([color, "week"], sort=True)[measure].mean().reset_index()
    return alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("week:Q", title="week"), y=alt.Y(f"{measure}:Q", title=measure.replace("_", " ")),
        color=f"{color}:N",
    ).properties(width=520, height=260)


def policy_chart(table: pd.DataFrame) -> Any:
    """Loans per officer-day per policy (the table of :func:`compare_policies`)."""
    import altair as alt

    return alt.Chart(table).mark_bar().encode(
        x=alt.X("policy:N", sort=None, title=None),
        y=alt.Y("loans_per_officer_day:Q", title="loans per officer-day"),
        color=alt.Color("policy:N", legend=None),
        tooltip=["policy", alt.Tooltip("loans_per_officer_day:Q", format=".2f"),
                 alt.Tooltip("vs_nearest:Q", format=".2f")],
    ).properties(title="countyreach against the lender's usual ways", width=360, height=260)
