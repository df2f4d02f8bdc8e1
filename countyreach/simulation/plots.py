"""Charts a planner would rather look at than read (Altair specs; the app renders them).

Every chart says in its title when travel times are the straight-line
approximation, so an approximate result is never mistaken for a road-based one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from countyreach.i18n import t
from countyreach.simulation.sweep import SweepResult, coverage_curve

__all__ = ["coverage_chart", "loans_chart", "weekly_chart", "policy_chart"]


def _title(text: str, result: SweepResult | None, lang: str) -> Any:
    if result is not None and result.meta.get("approximate_travel"):
        from countyreach.localize import localize

        # the world's note on its travel times, as the command line prints it
        travel = str(result.meta.get("travel", "approximate travel"))
        return {"text": text, "subtitle": localize(travel, lang)}
    return text


def _curve(result: SweepResult, lang: str) -> pd.DataFrame:
    """The coverage curve with each base strategy named in ``lang`` (``bases``)."""
    c = coverage_curve(result)
    return c.assign(bases=[t(f"strategy_{b}", lang) for b in c["base_strategy"]])


def _officers_axis(lang: str) -> Any:
    import altair as alt

    # team sizes are whole officers: no 1.5-officer ticks
    return alt.X("n_officers:Q", title=t("chart_officers", lang),
                 axis=alt.Axis(format="d", tickMinStep=1))


def coverage_chart(result: SweepResult, lang: str = "en") -> Any:
    """Officers → share of high-value businesses visited every 30 days, one line per strategy.

    Parameters
    ----------
    result : SweepResult
    lang : {"en", "zh"}
        Language of titles, axes and strategy names.

    Returns
    -------
    altair.LayerChart
        Mean line with a ±1 sd band over seeds.
    """
    import altair as alt

    c = _curve(result, lang).assign(
        lo=lambda d: (d["coverage"] - d["coverage_sd"]).clip(lower=0),
        hi=lambda d: (d["coverage"] + d["coverage_sd"]).clip(upper=1))
    base = alt.Chart(c).encode(
        x=_officers_axis(lang), color=alt.Color("bases:N", title=t("chart_bases", lang)))
    band = base.mark_area(opacity=0.2).encode(y="lo:Q", y2="hi:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("coverage:Q", title=t("chart_coverage_y", lang),
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["bases", "n_officers", alt.Tooltip("coverage:Q", format=".1%"),
                 alt.Tooltip("loans_per_officer_day:Q", format=".2f")])
    return (band + line).properties(title=_title(t("chart_coverage_title", lang), result, lang),
                                    width=520, height=300)


def loans_chart(result: SweepResult, lang: str = "en") -> Any:
    """Officers → loans per officer-day (diminishing returns as territories overlap); titles,
    axes and strategy names in ``lang``."""
    import altair as alt

    c = _curve(result, lang)
    return alt.Chart(c).mark_line(point=True).encode(
        x=_officers_axis(lang),
        y=alt.Y("loans_per_officer_day:Q", title=t("chart_loans_y", lang)),
        color=alt.Color("bases:N", title=t("chart_bases", lang)),
        tooltip=["bases", "n_officers",
                 alt.Tooltip("loans_per_officer_day:Q", format=".2f"),
                 alt.Tooltip("cost_per_loan_yuan:Q", format=",.0f")],
    ).properties(title=_title(t("chart_loans_y", lang), result, lang), width=520, height=300)


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
    """Visit-caused value per officer-day per policy (the table of :func:`compare_policies`)."""
    import altair as alt

    return alt.Chart(table).mark_bar().encode(
        x=alt.X("policy:N", sort=None, title=None),
        y=alt.Y("caused_value_per_officer_day_yuan:Q",
                title="visit-caused value per officer-day (¥)"),
        color=alt.Color("policy:N", legend=None),
        tooltip=["policy", alt.Tooltip("caused_value_per_officer_day_yuan:Q", format=",.0f"),
                 alt.Tooltip("countyreach_ratio:Q", format=".2f")],
    ).properties(title="countyreach against the lender's usual ways", width=360, height=260)
