"""Leads ranked, banded, filtered and explained (the Leads page's content).

A lead's value means what the scores' ``value_basis`` says (:func:`propensity.plan_scores`):
the value a visit causes, or the expected value if visited. :func:`value_label` names it,
:func:`lead_value` splits one lead's value into its parts with the reason of each, and
:func:`reason_parts` finds those reasons in a stored explanation (the officer's list).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyreach.i18n import format_percent, format_yuan, industry_label, t
from propensity.loan_recency import RECENCY_CAP_MONTHS
from propensity.planning import LOCKOUT_MONTHS, ValueBasisKind
from propensity.uplift_reasons import PART_PREFIXES, now_reason

__all__ = ["BANDS", "score_bands", "with_bands", "filter_leads", "lead_card", "leads_table",
           "VISIT_CAUSED", "UPTAKE_IF_VISITED", "basis_kind", "value_label", "PART_PREFIXES",
           "reason_parts", "LeadValue", "lead_value"]

#: The two value bases, as the scores' ``value_basis`` column carries them.
VISIT_CAUSED: str = ValueBasisKind.VISIT_CAUSED.value
UPTAKE_IF_VISITED: str = ValueBasisKind.UPTAKE_IF_VISITED.value

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
        ``lead_id`` then name, industry, village, band, uptake, loan, value (headed by its
        basis, :func:`value_label`) and the model's reason under translated headers; on the
        visit-caused basis also the chance without a visit, the uplift and the expected
        loss; whether a recent loan from us makes the lead worth 0, when the scores say.
    """
    why = "explanation_zh" if lang == "zh" else "explanation_en"
    kind = basis_kind(shown)
    cols: dict[str, Any] = {
        "lead_id": shown["lead_id"], t("name", lang): shown["name"],
        t("industry", lang): [industry_label(x, lang) for x in shown["industry"]],
        t("village", lang): shown["village"],
        t("score_band", lang): [t(f"band_{b}", lang) for b in shown["band"]],
        t("p_uptake_visit", lang): shown["p_uptake"].round(3)}
    if kind == VISIT_CAUSED:
        cols[t("p_no_visit", lang)] = shown["p_no_visit"].round(3)
        cols[t("uplift", lang)] = shown["uplift"].round(3)
    cols[t("loan_yuan", lang)] = shown["loan_yuan"].round()
    if kind == VISIT_CAUSED:
        cols[t("col_expected_loss", lang)] = shown["expected_loss_yuan"].round()
    cols[value_label(kind, lang)] = shown["value_yuan"].round()
    if "locked_out" in shown.columns:
        cols[t("col_recent_loan", lang)] = shown["locked_out"].eq(True)
    cols[t("why_lead", lang)] = shown.get(why, "")
    return pd.DataFrame(cols)


def basis_kind(scores: pd.DataFrame | None) -> str | None:
    """The value basis of a score frame (``visit_caused`` or ``uptake_if_visited``).

    ``None`` when the frame does not say (scores made before bases were recorded) or mixes
    bases (no plan does: one scorer values every lead of a month).
    """
    if scores is None or "value_basis" not in scores.columns:
        return None
    kinds = set(scores["value_basis"].dropna().astype(str))
    return kinds.pop() if len(kinds) == 1 else None


def value_label(kind: str | None, lang: str, *, yuan: bool = False) -> str:
    """What a lead's value is called on its basis: visit-caused, or expected if visited.

    Parameters
    ----------
    kind : str or None
        :func:`basis_kind`; ``None`` gives the plain "expected value".
    lang : str
    yuan : bool
        The KPI form, with the currency (``Visit-caused value (¥)``).
    """
    if kind not in (VISIT_CAUSED, UPTAKE_IF_VISITED):
        return t("kpi_value" if yuan else "value", lang)
    return t(f"{'kpi_value' if yuan else 'basis_name'}_{kind}", lang)


# A part's own reason may hold "; " (the season after the loan recency), so the joined
# explanation is cut only where the next part's prefix follows.
_PART_CUT = re.compile("(?:; |；)(?=" + "|".join(
    re.escape(p) for ps in PART_PREFIXES.values() for p in ps) + ")")


def reason_parts(text: str) -> list[tuple[str, str]]:
    """A lead's explanation cut into the reasons of its value's parts, in order.

    Parameters
    ----------
    text : str
        An explanation as scored or stored with a plan, in either language.

    Returns
    -------
    list of (part, reason)
        ``part`` is a key of :data:`PART_PREFIXES`, or ``""`` for text that names no part
        (an uptake model's reasons, a booked follow-up before the parts); empty for no text.
    """
    out = []
    for piece in _PART_CUT.split(text or ""):
        if piece.strip():
            part = next((k for k, ps in PART_PREFIXES.items() if piece.startswith(ps)), "")
            out.append((part, piece.strip()))
    return out


@dataclass(frozen=True)
class LeadValue:
    """One lead's value split into its parts, in one language (the pages only lay it out).

    ``metrics`` are ``(label, figure)`` pairs for a row of metrics; ``parts`` has one row
    per part with its figure and its reason (translated headers); ``worth_zero`` says why
    the lead is worth nothing now (a recent loan from us, the do-not-visit list), else "".
    """

    lead_id: str
    kind: str | None
    value_yuan: float
    metrics: tuple[tuple[str, str], ...]
    parts: pd.DataFrame
    worth_zero: str
    why: str


def _num(rec: pd.Series, col: str) -> float:
    try:
        v = float(rec.get(col, math.nan))
    except (TypeError, ValueError):
        return math.nan
    return v


def _flag(rec: pd.Series, col: str) -> bool:
    # a missing flag (NaN after a merge) is not a yes
    v = rec.get(col)
    return isinstance(v, bool | np.bool_) and bool(v)


def _since_text(since: float, lang: str) -> str:
    if not math.isfinite(since):
        return "—"
    if since >= RECENCY_CAP_MONTHS:
        return t("since_never", lang)
    if since < 1:
        return t("since_this_month", lang)
    if round(since) == 1:
        return t("since_one_month", lang)
    return t("since_months", lang, m=f"{since:.0f}")


def _strip_part(reason: str) -> str:
    """The reason without its part's name (the table's first column names the part)."""
    for prefix in (p for k in ("likely", "large", "now") for p in PART_PREFIXES[k]):
        if reason.startswith(prefix):
            return reason[len(prefix):].strip()
    return reason


def lead_value(scores: pd.DataFrame, lead_id: str, lang: str, *, month: str,
               lockout_months: float | None = None) -> LeadValue:
    """One lead's value split into its parts, each with its figure and reason.

    Visit-caused: likely (P(loan if visited)), caused by the visit (without a visit against
    with one, the uplift), large (the expected loan), risk (default, expected loss of the
    loans the visit causes), now (our last loan to it), and the value. Uptake if visited:
    likely (with the model's reasons), large, risk, now and the value.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`countyreach.pipeline.score_leads` rows (older frames without the parts'
        columns show what they have).
    lead_id : str
    lang : str
    month : str
        ``YYYY-MM`` the scores are for.
    lockout_months : float, optional
        The loan rule of the scorer's basis (:attr:`propensity.ValueBasis.lockout_months`);
        default the rule's floor (:data:`propensity.planning.LOCKOUT_MONTHS`).

    Raises
    ------
    KeyError
        ``lead_id`` is not in ``scores``.
    """
    row = scores[scores["lead_id"].astype(str) == str(lead_id)]
    if row.empty:
        raise KeyError(lead_id)
    rec = row.iloc[0]
    lockout = float(LOCKOUT_MONTHS if lockout_months is None else lockout_months)
    kind = basis_kind(row)
    why = str(rec.get("explanation_zh" if lang == "zh" else "explanation_en", "") or "")
    reasons = dict(reason_parts(why))
    p1, p0 = _num(rec, "p_uptake"), _num(rec, "p_no_visit")
    loan, pdef = _num(rec, "loan_yuan"), _num(rec, "p_default")
    loss, value = _num(rec, "expected_loss_yuan"), _num(rec, "value_yuan")
    since = _num(rec, "months_since_loan")
    lift = _num(rec, "uplift")
    pts = f"{(lift if math.isfinite(lift) else p1 - p0) * 100:.0f}"
    caused = kind == VISIT_CAUSED
    if not caused:  # the uptake model's reasons explain its chance of a loan
        reasons["likely"] = reasons.pop("", "")
        if math.isfinite(since):
            now_en, now_zh = now_reason(since, math.nan, lockout, month)
            reasons["now"] = now_zh if lang == "zh" else now_en
    name = value_label(kind, lang)
    rows = [(t("part_likely", lang), format_percent(p1), reasons.get("likely", ""))]
    if caused:
        rows.append((t("part_visit", lang), t("fig_uplift", lang, p0=format_percent(p0),
                                               p1=format_percent(p1), pts=pts),
                     reasons.get("visit", "")))
    rows += [(t("part_large", lang), format_yuan(loan), reasons.get("large", "")),
             (t("part_risk", lang), f"{format_percent(pdef, 1)} · {format_yuan(loss)}",
              t(f"why_risk_{kind or UPTAKE_IF_VISITED}", lang)),
             (t("part_now", lang), _since_text(since, lang), reasons.get("now", ""))]
    zero = ""
    if _flag(rec, "do_not_visit"):
        zero = t("worth_zero_dnv", lang)
    elif _flag(rec, "locked_out"):
        zero = t("worth_zero_loan", lang, since=_since_text(since, lang),
                 months=f"{lockout:.0f}")
    rows.append((name, format_yuan(value), zero or t(f"why_value_{kind or UPTAKE_IF_VISITED}",
                                                      lang)))
    parts = pd.DataFrame([(a, b, _strip_part(c) or "—") for a, b, c in rows],
                         columns=[t("col_part", lang), t("col_figure", lang),
                                  t("why_lead", lang)])
    metrics = [(t("p_uptake_visit", lang), format_percent(p1))]
    if caused:
        metrics += [(t("p_no_visit", lang), format_percent(p0)),
                    (t("uplift", lang), t("fig_pts", lang, pts=pts))]
    metrics += [(t("expected_loan", lang), format_yuan(loan)),
                (t("expected_loss", lang), format_yuan(loss)), (name, format_yuan(value))]
    return LeadValue(str(lead_id), kind, value, tuple(metrics), parts, zero, why)
