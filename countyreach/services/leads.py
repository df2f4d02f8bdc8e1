"""Leads ranked, banded, filtered and explained (the Leads page's content)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from countyreach.i18n import industry_label, t

__all__ = ["BANDS", "score_bands", "with_bands", "filter_leads", "lead_card", "leads_table"]

#: Score bands of the Leads page, from the top: share of leads with a positive value.
BANDS: tuple[str, ...] = ("high", "medium", "low", "none")

def score_bands(values: Sequence[float] | np.ndarray) -> list[str]:
    """Score band of each expected value: top third ``high``, then ``medium``, ``low``.

    Leads with no value (do-not-visit, not worth visiting) are ``none``.
    Thresholds are terciles of the positive values, so bands follow the county.
    """
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    pos = v[v > 0]
    if pos.size == 0:
        return ["none"] * len(v)
    lo, hi = np.quantile(pos, [1 / 3, 2 / 3])
    return ["none" if x <= 0 else "high" if x >= hi else "medium" if x >= lo else "low"
            for x in v]


def with_bands(scores: pd.DataFrame, leads: pd.DataFrame | None = None) -> pd.DataFrame:
    """Scores with a ``band`` column and, from the lead table, ``cluster_id``."""
    out = scores.copy()
    out["band"] = score_bands(pd.to_numeric(out["value_yuan"], errors="coerce").fillna(0.0)
                              .to_numpy(float))
    if "cluster_id" not in out.columns and leads is not None and "cluster_id" in leads.columns:
        out = out.merge(leads[["lead_id", "cluster_id"]], on="lead_id", how="left")
    return out


def filter_leads(scores: pd.DataFrame, *, industries: Iterable[str] = (),
                 clusters: Iterable[int] = (), villages: Iterable[str] = (),
                 bands: Iterable[str] = ()) -> pd.DataFrame:
    """Keep leads matching every non-empty filter (an empty filter keeps all).

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`with_bands` output.
    industries, clusters, villages, bands : iterable
        Allowed values of ``industry``, ``cluster_id``, ``village``, ``band``.
    """
    mask = pd.Series(True, index=scores.index)
    filters: list[tuple[str, list[Any]]] = [
        ("industry", list(industries)), ("cluster_id", list(clusters)),
        ("village", list(villages)), ("band", list(bands))]
    for col, allowed in filters:
        if allowed and col in scores.columns:
            mask &= scores[col].isin(allowed)
    return scores[mask]


def lead_card(scores: pd.DataFrame, lead_id: str, lang: str) -> dict[str, Any]:
    """What the app shows about one lead: name, numbers and the explanation in ``lang``."""
    row = scores[scores["lead_id"] == lead_id]
    if row.empty:
        raise KeyError(lead_id)
    rec = row.iloc[0]
    col = "explanation_zh" if lang == "zh" else "explanation_en"
    return {
        "lead_id": lead_id,
        "name": str(rec.get("name", "")),
        "industry": industry_label(str(rec.get("industry", "")), lang),
        "village": str(rec.get("village", "") or ""),
        "p_uptake": float(rec.get("p_uptake", float("nan"))),
        "loan_yuan": float(rec.get("loan_yuan", float("nan"))),
        "p_default": float(rec.get("p_default", float("nan"))),
        "value_yuan": float(rec.get("value_yuan", 0.0)),
        "why": str(rec.get(col, "") or ""),
    }


def leads_table(shown: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The Leads page's table of :func:`filter_leads` output, headed and labelled in ``lang``.

    Parameters
    ----------
    shown : pandas.DataFrame
        :func:`with_bands` rows, in the order to show.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        ``lead_id`` then name, industry, village, band, uptake, loan, value and the
        model's reason under translated headers.
    """
    why = "explanation_zh" if lang == "zh" else "explanation_en"
    return pd.DataFrame({
        "lead_id": shown["lead_id"], t("name", lang): shown["name"],
        t("industry", lang): [industry_label(x, lang) for x in shown["industry"]],
        t("village", lang): shown["village"],
        t("score_band", lang): [t(f"band_{b}", lang) for b in shown["band"]],
        t("p_uptake", lang): shown["p_uptake"].round(3),
        t("loan_yuan", lang): shown["loan_yuan"].round(),
        t("value", lang): shown["value_yuan"].round(), t("why_lead", lang): shown.get(why, ""),
    })
