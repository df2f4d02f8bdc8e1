"""Why a lead scores as it does: the uptake model's additive terms in plain words.

Explanations are the uptake model's exact additive contributions (log-odds, relative to
an average lead), turned into plain English and Chinese; the seasonal term is split into
the industry's year-round level and this month's deviation from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.errors import DataError
from propensity.features import INDUSTRY_NAMES, parse_month

if TYPE_CHECKING:
    from propensity.scorer import LeadScorer

__all__ = ["explain", "explain_rows"]

FloatArray = npt.NDArray[np.float64]

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_MONTHS_ZH = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
              "十一月", "十二月")

def _fmt_sign(c: float) -> tuple[str, str]:
    return ("(+)", "（+）") if c > 0 else ("(−)", "（−）")


def _reason_text(code: str, c: float, row: Mapping[str, Any], med: Mapping[str, float],
                 moy: int) -> tuple[str, str]:
    s_en, s_zh = _fmt_sign(c)
    ind = str(row.get("industry", ""))
    ind_en, ind_zh = INDUSTRY_NAMES.get(ind, (ind or "this industry", ind or "该行业"))

    def val(name: str) -> float:
        try:
            v = float(row.get(name, np.nan))
        except (TypeError, ValueError):
            return float("nan")
        return v

    if code == "season":
        if c > 0:
            return (f"In season: {ind_en} need cash in {_MONTHS_EN[moy - 1]} {s_en}",
                    f"{_MONTHS_ZH[moy - 1]}{ind_zh}资金需求旺季{s_zh}")
        return (f"Off season: {ind_en} need little cash in {_MONTHS_EN[moy - 1]} {s_en}",
                f"{_MONTHS_ZH[moy - 1]}是{ind_zh}资金淡季{s_zh}")
    if code == "industry":
        if c > 0:
            return (f"Industry: {ind_en} borrow more than most {s_en}",
                    f"行业：{ind_zh}借贷意愿高于一般{s_zh}")
        return (f"Industry: {ind_en} borrow less than most {s_en}",
                f"行业：{ind_zh}借贷意愿低于一般{s_zh}")
    if code == "dist_branch_m":
        d = val("dist_branch_m")
        if np.isnan(d):
            return f"Distance to the branch unknown {s_en}", f"离网点距离未知{s_zh}"
        near = d <= med.get("dist_branch_m", d)
        return ((f"{'Close to' if near else 'Far from'} the branch ({d / 1000:.1f} km) {s_en}"),
                f"{'离网点近' if near else '离网点远'}（{d / 1000:.1f}公里）{s_zh}")
    if code == "cluster":
        d = val("dist_cluster_core_m")
        size = val("cluster_size")
        if np.isnan(d):
            return f"Industry cluster unknown {s_en}", f"产业集群情况未知{s_zh}"
        if d >= 15_000:
            return (f"No {ind_en} cluster nearby {s_en}", f"附近没有{ind_zh}集群{s_zh}")
        if d < 300:
            n = "" if np.isnan(size) else f"{int(size)}-business "
            nz = "" if np.isnan(size) else f"{int(size)}家"
            return (f"In the core of a {n}{ind_en} cluster {s_en}",
                    f"位于{nz}{ind_zh}集群核心{s_zh}")
        return (f"{d / 1000:.1f} km from the core of the {ind_en} cluster {s_en}",
                f"距{ind_zh}集群核心{d / 1000:.1f}公里{s_zh}")
    if code == "past_refusals":
        r = val("past_refusals")
        if np.isnan(r):
            return f"Past refusals unknown {s_en}", f"以往拒绝情况未知{s_zh}"
        if r == 0:
            return f"Never refused an offer {s_en}", f"从未拒绝过贷款{s_zh}"
        return (f"Refused {int(r)} time{'s' if r != 1 else ''} before {s_en}",
                f"此前拒绝过{int(r)}次{s_zh}")
    if code == "past_contacts":
        k = val("past_contacts")
        if np.isnan(k):
            return f"Past contacts unknown {s_en}", f"以往联系情况未知{s_zh}"
        if k == 0:
            return f"Never contacted before {s_en}", f"此前从未联系过{s_zh}"
        return (f"Contacted {int(k)} time{'s' if k != 1 else ''} before {s_en}",
                f"此前联系过{int(k)}次{s_zh}")
    if code == "has_existing_loan":
        v = val("has_existing_loan")
        if np.isnan(v):
            return f"Existing loans unknown {s_en}", f"现有贷款情况未知{s_zh}"
        if v >= 0.5:
            return f"Already has a loan {s_en}", f"已有贷款{s_zh}"
        return f"No existing loan {s_en}", f"目前没有贷款{s_zh}"
    if code == "mobile_pay_flow_yuan":
        v = val("mobile_pay_flow_yuan")
        if np.isnan(v):
            return f"Mobile-payment flow unknown {s_en}", f"移动支付流水未知{s_zh}"
        high = v >= med.get("mobile_pay_flow_yuan", v)
        return (f"{'High' if high else 'Low'} mobile-payment flow (¥{v:,.0f} a month) {s_en}",
                f"移动支付流水{'高' if high else '低'}（每月{v / 10_000:.1f}万元）{s_zh}")
    if code == "revenue_band":
        v = val("revenue_band")
        if np.isnan(v):
            return f"Revenue unknown {s_en}", f"营收未知{s_zh}"
        return f"Revenue band {int(v)} of 5 {s_en}", f"营收档位{int(v)}/5{s_zh}"
    if code == "years_operating":
        v = val("years_operating")
        if np.isnan(v):
            return f"Years in business unknown {s_en}", f"经营年限未知{s_zh}"
        return (f"In business for {int(v)} year{'s' if v != 1 else ''} {s_en}",
                f"已经营{int(v)}年{s_zh}")
    if code == "staff":
        v = val("staff")
        if np.isnan(v):
            return f"Staff unknown {s_en}", f"员工人数未知{s_zh}"
        return f"{int(v)} staff {s_en}", f"员工{int(v)}人{s_zh}"
    return f"{code} {s_en}", f"{code}{s_zh}"


def _reason_matrix(scorer: LeadScorer, businesses: pd.DataFrame, month: str) -> pd.DataFrame:
    """Contributions (calibrated log-odds) per plain-language reason, one row per business."""
    model = scorer.uptake_
    X = scorer.features(businesses, month)
    contrib = model.group_contributions(X)
    out: dict[str, FloatArray] = {}
    season_key = next((k for k in contrib.columns if "+" in k or k == "industry"), None)
    y, _ = parse_month(month)
    for col in contrib.columns:
        feats = col.split("+")
        if col == season_key and len(feats) > 1:
            year = pd.concat([scorer.features(businesses, f"{y:04d}-{k:02d}")
                              for k in range(1, 13)], ignore_index=True)
            year_terms = model.group_contributions(year)[col].to_numpy()
            level = year_terms.reshape(12, len(businesses)).mean(axis=0)
            out["industry"] = level
            out["season"] = contrib[col].to_numpy() - level
        elif feats == ["industry"]:
            out["industry"] = contrib[col].to_numpy()
        elif feats[0] in ("dist_cluster_core_m", "cluster_size"):
            out["cluster"] = out.get("cluster", 0.0) + contrib[col].to_numpy()
        elif len(feats) == 1:
            out[feats[0]] = contrib[col].to_numpy()
    return pd.DataFrame(out, index=businesses.index)


def explain(scorer: LeadScorer, businesses: pd.DataFrame, month: str,
            lead_ids: Iterable[str] | None = None, top_k: int = 3) -> pd.DataFrame:
    """Why each lead scores as it does: its strongest reasons, in English and Chinese.

    Contributions are the uptake model's own additive terms on the log-odds scale,
    relative to an average lead (positive: more likely to borrow than average).

    Parameters
    ----------
    scorer : LeadScorer
        A fitted scorer.
    businesses : pandas.DataFrame
        Leads table.
    month : str
        ``YYYY-MM``.
    lead_ids : iterable of str, optional
        Leads to explain (default all).
    top_k : int
        Reasons per lead.

    Returns
    -------
    pandas.DataFrame
        One row per lead and reason: ``lead_id, rank, reason, contribution_logit,
        text_en, text_zh``.
    """
    scorer.require_fitted()
    b = businesses
    if lead_ids is not None:
        wanted = {str(x) for x in lead_ids}
        b = businesses[businesses["lead_id"].astype(str).isin(wanted)]
        unknown = wanted - set(b["lead_id"].astype(str))
        if unknown:
            raise DataError(f"unknown lead id(s) {sorted(unknown)[:5]}", field="lead_id")
    if b.empty:
        return pd.DataFrame(columns=["lead_id", "rank", "reason", "contribution_logit",
                                     "text_en", "text_zh"])
    reasons = _reason_matrix(scorer, b, month)
    moy = parse_month(month)[1]
    vals = reasons.to_numpy()
    order = np.argsort(-np.abs(vals), axis=1, kind="stable")[:, :max(1, top_k)]
    recs = []
    feats = scorer.features(b, month).drop(columns=["industry"], errors="ignore")
    rows = b.to_dict("records")
    frows = feats.to_dict("records")
    for i, (row, lead) in enumerate(zip(rows, b["lead_id"].astype(str), strict=True)):
        info = dict(row)
        info.update(frows[i])
        for rank, j in enumerate(order[i], start=1):
            c = float(vals[i, j])
            en, zh = _reason_text(reasons.columns[j], c, info, scorer.feature_medians_, moy)
            recs.append((lead, rank, reasons.columns[j], c, en, zh))
    return pd.DataFrame(recs, columns=["lead_id", "rank", "reason", "contribution_logit",
                                       "text_en", "text_zh"])


def explain_rows(scorer: LeadScorer, businesses: pd.DataFrame, month: str, *,
                 top_k: int = 3) -> pd.DataFrame:
    """Joined reason texts per business row (``explanation_en``, ``explanation_zh``)."""
    ex = explain(scorer, businesses, month, top_k=top_k)
    en = ex.groupby("lead_id", sort=False)["text_en"].agg("; ".join)
    zh = ex.groupby("lead_id", sort=False)["text_zh"].agg("；".join)
    ids = businesses["lead_id"].astype(str)
    return pd.DataFrame({"explanation_en": ids.map(en).fillna("").to_numpy(),
                         "explanation_zh": ids.map(zh).fillna("").to_numpy()},
                        index=businesses.index)
