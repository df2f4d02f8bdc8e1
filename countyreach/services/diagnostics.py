"""Model diagnostics: the lead model evaluated out of time, feature drift, their charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from countyreach.i18n import t

if TYPE_CHECKING:
    from countyreach.pipeline import CountyData

__all__ = [
    "ModelView",
    "model_view",
    "feature_drift_now",
    "calibration_chart",
    "lift_chart",
    "importance_chart",
    "drift_chart",
]

@dataclass(frozen=True, eq=False)
class ModelView:
    """The model page's content.

    ``report`` is measured on the last ``holdout_months`` of the history by a
    scorer trained only on the months before them (an honest, out-of-time
    check); ``drift`` compares the deployed scorer's training features with
    this month's leads (population stability index per feature).
    """

    report: Any  # propensity.ModelReport
    drift: pd.DataFrame
    holdout_months: int
    train_months: tuple[str, ...]
    test_months: tuple[str, ...]
    deployed_months: tuple[str, ...]


def model_view(data: CountyData, scorer: Any, month: str, *, holdout_months: int = 6,
               seed: int = 0, permutation_repeats: int = 2) -> ModelView:
    """Evaluate the county's lead model out of time and measure drift since training.

    Parameters
    ----------
    data : CountyData
        With its visit ``history``.
    scorer : propensity.LeadScorer
        The deployed (fitted) scorer.
    month : str
        ``YYYY-MM`` of the leads compared against the training features.
    holdout_months : int
        Most recent months held out for the report.
    seed : int
        Seed of the evaluation model and the permutations.
    permutation_repeats : int
        Repeats of the permutation importance.

    Raises
    ------
    InputError
        When the history is missing or too short to hold months out.
    """
    import propensity
    from countyreach.errors import InputError

    if data.history is None or data.history.empty:
        raise InputError("no visit history (history.csv) to evaluate the model on",
                         file=str(data.county.root / "history.csv"))
    train, test = propensity.temporal_split(data.history, holdout_months)
    # Same model configuration as the deployed scorer, trained without the held-out months.
    params = {**scorer.get_params(), "random_state": seed}
    held = propensity.LeadScorer(**params).fit_history(data.leads, train)
    report = propensity.model_report(held, test, data.leads,
                                     permutation_repeats=permutation_repeats, random_state=seed)
    return ModelView(report, feature_drift_now(scorer, data.leads, month), holdout_months,
                     _months(train), _months(test),
                     tuple(str(m) for m in getattr(scorer, "train_months_", ())))


def _months(df: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted(df["month"].astype(str).str.slice(0, 7).unique()))


def feature_drift_now(scorer: Any, leads: pd.DataFrame, month: str) -> pd.DataFrame:
    """Drift of the non-seasonal features between the scorer's training rows and ``leads``.

    Seasonal features (month, cash-need calendar) differ between one month and
    a multi-month training set by design, so they are left out.

    Returns
    -------
    pandas.DataFrame
        ``feature, psi, status`` (most drifted first).
    """
    import propensity

    seasonal = set(propensity.FEATURE_GROUPS.get("seasonal", ()))
    drift = propensity.feature_drift(scorer.train_profile_, scorer.features(leads, month))
    return drift[~drift["feature"].isin(seasonal)].reset_index(drop=True)


def calibration_chart(report: Any, lang: str) -> Any:
    """Reliability diagram: predicted vs observed uptake per bin, with the diagonal."""
    import altair as alt

    d = report.calibration[["pred_mean", "obs_rate", "count"]].dropna()
    top = float(max(d["pred_mean"].max(), d["obs_rate"].max(), 0.05)) if len(d) else 1.0
    diag = alt.Chart(pd.DataFrame({"x": [0.0, top], "y": [0.0, top]})).mark_line(
        color="grey", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    pts = alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("pred_mean:Q", title=t("predicted", lang), axis=alt.Axis(format="%")),
        y=alt.Y("obs_rate:Q", title=t("observed", lang), axis=alt.Axis(format="%")),
        size=alt.Size("count:Q", legend=None),
        tooltip=[alt.Tooltip("pred_mean:Q", format=".1%"), alt.Tooltip("obs_rate:Q", format=".1%"),
                 "count:Q"])
    return (diag + pts).properties(title=t("calibration", lang), height=300)


def lift_chart(report: Any, lang: str) -> Any:
    """Uptake lift by score decile (1 = highest scores)."""
    import altair as alt

    return alt.Chart(report.lift).mark_bar().encode(
        x=alt.X("group:O", title="decile"),
        y=alt.Y("lift:Q", title=t("lift", lang)),
        tooltip=["group", alt.Tooltip("obs_rate:Q", format=".1%"),
                 alt.Tooltip("lift:Q", format=".2f"), "count"],
    ).properties(title=t("lift", lang), height=300)


def importance_chart(report: Any, lang: str, top: int = 15) -> Any:
    """Permutation importance (drop in AUC) of the most important features."""
    import altair as alt

    d = report.feature_importance.head(top)
    return alt.Chart(d).mark_bar().encode(
        x=alt.X("importance_mean:Q", title="Δ AUC"),
        y=alt.Y("feature:N", sort="-x", title=None),
        tooltip=["feature", alt.Tooltip("importance_mean:Q", format=".4f"),
                 alt.Tooltip("importance_std:Q", format=".4f")],
    ).properties(title=t("importance", lang), height=22 * max(len(d), 3))


def drift_chart(drift: pd.DataFrame, lang: str, top: int = 15) -> Any:
    """Population stability index per feature, coloured stable / moderate / major."""
    import altair as alt

    status = ("stable", "moderate", "major")
    label = {s: t(f"drift_{s}", lang) for s in status}
    d = drift.head(top).assign(band=lambda x: x["status"].map(label))
    scale = alt.Scale(domain=[label[s] for s in status],
                      range=["#009e73", "#e69f00", "#d55e00"])
    return alt.Chart(d).mark_bar().encode(
        x=alt.X("psi:Q", title="PSI"),
        y=alt.Y("feature:N", sort="-x", title=None),
        color=alt.Color("band:N", scale=scale, title=None),
        tooltip=["feature", alt.Tooltip("psi:Q", format=".3f"), "band"],
    ).properties(title=t("drift", lang), height=22 * max(len(d), 3))
