"""Why a visit to a lead is worth what it is: one reason per part of its value, zh and en.

The value of a visit (:mod:`propensity.uplift`) has four parts, and each lead gets one
reason for each:

* **likely** — the chance of a loan after a visit;
* **large** — the expected loan and its risk (probability of default, expected loss);
* **now** — the season's cash need and the lead's loan recency (renewal due, borrowed
  recently, never borrowed from us, borrowed from another lender lately);
* **caused by the visit** — the chance without a visit against the chance with one, and
  what makes the visit matter (far from the branch, little mobile payment, a young
  business) or not (would come anyway).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from propensity.features import INDUSTRY_NAMES, month_of_year

__all__ = ["value_reasons", "now_reason", "REASON_PARTS", "PART_PREFIXES"]

#: The parts of a visit's value each lead's reasons name, in order.
REASON_PARTS = ("likely", "large", "now", "visit")
#: How each part's reason begins, in English and Chinese: what a reader of the joined
#: explanation (the app's parts table) finds the parts by.
PART_PREFIXES: dict[str, tuple[str, str]] = {
    "likely": ("Likely:", "可能性："), "large": ("Large:", "额度："),
    "now": ("Now:", "时机："), "visit": ("Visit matters", "拜访作用")}

_MONTHS_ZH = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
              "十一月", "十二月")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _num(f: pd.DataFrame, col: str) -> np.ndarray:
    if col not in f.columns:
        return np.full(len(f), np.nan)
    return pd.to_numeric(f[col], errors="coerce").to_numpy(float)


def _now(since: float, cash: float, lockout: float, moy: int) -> tuple[str, str]:
    if since < 1:
        return ("Now: borrowed from us this month, not due yet", "时机：本月刚在我行贷款，暂不需要")
    if since < lockout:
        return (f"Now: borrowed from us {since:.0f} months ago, not due yet",
                f"时机：{since:.0f}个月前刚在我行贷款，暂不需要")
    if since < 2 * lockout:
        en, zh = (f"Now: renewal due (last loan {since:.0f} months ago)",
                  f"时机：上笔贷款已{since:.0f}个月，该续贷了")
    else:
        # "on record": a county without a loan book knows of no loan, which is not "none"
        en, zh = "Now: no recent loan from us on record", "时机：记录中近期未在我行贷款"
    if np.isfinite(cash) and cash >= 1.1:
        en += f"; {_MONTHS_EN[moy - 1]} is its busy season"
        zh += f"；{_MONTHS_ZH[moy - 1]}是资金旺季"
    elif np.isfinite(cash) and cash <= 0.9:
        en += f"; {_MONTHS_EN[moy - 1]} is a quiet month"
        zh += f"；{_MONTHS_ZH[moy - 1]}是资金淡季"
    return en, zh


#: A loan elsewhere at most this many months old is named in the "now" reason.
_OTHER_LOAN_NAMED_MONTHS = 24


def now_reason(months_since_loan: float, cash_need_index: float, lockout_months: float,
               month: str) -> tuple[str, str]:
    """The "now" reason of one lead: loan recency against the rule, and the season.

    Parameters
    ----------
    months_since_loan : float
        Months since the lead's last loan from us (0 = this month; the cap = never).
    cash_need_index : float
        The season's cash need of its industry (NaN = not known).
    lockout_months : float
        Leads that borrowed more recently than this are worth nothing now.
    month : str
        ``YYYY-MM`` of the visit.

    Returns
    -------
    tuple of str
        English and Chinese text.
    """
    return _now(float(months_since_loan), float(cash_need_index), float(lockout_months),
                month_of_year(month))


def _visit(p1: float, p0: float, km: float, pay: float, years: float, lift: float,
           med: Mapping[str, float], since: float = np.inf,
           support: float = 0.0) -> tuple[str, str]:
    why_en, why_zh = [], []
    if np.isfinite(km) and km > max(3.0, med.get("dist_branch_m", 0.0) / 1000):
        why_en.append(f"{km:.1f} km from the branch")
        why_zh.append(f"离网点{km:.1f}公里")
    if np.isfinite(pay) and pay < 15_000:
        why_en.append("little mobile payment")
        why_zh.append("移动支付少")
    if np.isfinite(years) and years < 3:
        why_en.append("a young business")
        why_zh.append("新开业")
    if lift < 0.02:
        return (f"Visit matters little: {p0:.0%} would borrow from us anyway",
                f"拜访作用小：不拜访也有{p0:.0%}会来我行贷款")
    if since < support:
        # No past visit came this soon after a loan: the effect is the model's assumption
        # (carried from the nearest recency visited), and the officer should know.
        why_en.append(f"no past visit came this soon after a loan: effect assumed as at "
                      f"{support:.0f} months")
        why_zh.append(f"历史上没有贷款后这么快的拜访：拜访作用按{support:.0f}个月时估计")
    tail_en = f" ({', '.join(why_en)})" if why_en else ""
    tail_zh = f"（{'，'.join(why_zh)}）" if why_zh else ""
    return (f"Visit matters: {p0:.0%} without a visit, {p1:.0%} with one{tail_en}",
            f"拜访作用大：不拜访{p0:.0%}，拜访后{p1:.0%}{tail_zh}")


def value_reasons(parts: pd.DataFrame, features: pd.DataFrame, medians: Mapping[str, float],
                  month: str, *, margin: float, lgd: float,
                  lockout_months: float, support_months: float = 0.0) -> pd.DataFrame:
    """One reason per part of each lead's value.

    Parameters
    ----------
    parts : pandas.DataFrame
        ``uplift, p_visit, p_no_visit, loan_yuan, p_default, expected_loss_yuan,
        value_yuan, months_since_loan`` per lead.
    features : pandas.DataFrame
        The model's features of the same leads (same order).
    medians : mapping
        Training medians of the numeric features.
    month : str
    margin, lgd, lockout_months : float
        The value rule's parameters (named in the reasons).
    support_months : float
        The most recent loan recency the visit history covers: a lead whose last loan is
        more recent has its visit effect assumed, and its "visit matters" reason says so.

    Returns
    -------
    pandas.DataFrame
        ``reason_likely_en, reason_large_en, reason_now_en, reason_visit_en,
        explanation_en, explanation_zh`` (the explanations join the four reasons).
    """
    moy = month_of_year(month)
    ind = features["industry"].astype(object).to_numpy() if "industry" in features.columns \
        else np.full(len(features), None)
    band = _num(features, "revenue_band")
    cash = _num(features, "cash_need_index")
    km = _num(features, "dist_branch_m") / 1000
    pay = _num(features, "mobile_pay_flow_yuan")
    years = _num(features, "years_operating")
    refusals = _num(features, "past_refusals")
    p1 = parts["p_visit"].to_numpy(float)
    p0 = parts["p_no_visit"].to_numpy(float)
    lift = parts["uplift"].to_numpy(float)
    loan = parts["loan_yuan"].to_numpy(float)
    pdef = parts["p_default"].to_numpy(float)
    since = parts["months_since_loan"].to_numpy(float)
    other = _num(features, "months_since_other_loan")
    # The model reads loans elsewhere: where nobody checked or asked, the officer can.
    ask = "months_since_other_loan" in features.columns
    cols: dict[str, list[str]] = {k: [] for k in (
        "reason_likely_en", "reason_large_en", "reason_now_en", "reason_visit_en",
        "explanation_en", "explanation_zh")}
    for i in range(len(parts)):
        name_en, name_zh = INDUSTRY_NAMES.get(str(ind[i]), ("this business", "该商户"))
        likely_en = f"Likely: {p1[i]:.0%} chance of a loan after a visit"
        likely_zh = f"可能性：拜访后贷款概率{p1[i]:.0%}"
        if np.isfinite(refusals[i]) and refusals[i] >= 2:
            likely_en += f", despite {refusals[i]:.0f} refusals"
            likely_zh += f"，但曾拒绝{refusals[i]:.0f}次"
        bnd = f", revenue band {band[i]:.0f}" if np.isfinite(band[i]) else ""
        bnd_zh = f"，营收档{band[i]:.0f}" if np.isfinite(band[i]) else ""
        loss = pdef[i] * lgd * loan[i]
        large_en = (f"Large: expected loan ¥{loan[i]:,.0f} ({name_en}{bnd}); default risk "
                    f"{pdef[i]:.1%}, expected loss ¥{loss:,.0f} per loan "
                    f"(margin ¥{loan[i] * margin * (1 - pdef[i]):,.0f})")
        large_zh = (f"额度：预计贷款¥{loan[i]:,.0f}（{name_zh}{bnd_zh}）；违约概率{pdef[i]:.1%}，"
                    f"每笔预期损失¥{loss:,.0f}（利差¥{loan[i] * margin * (1 - pdef[i]):,.0f}）")
        now_en, now_zh = _now(since[i], cash[i], lockout_months, moy)
        if np.isfinite(other[i]) and other[i] < _OTHER_LOAN_NAMED_MONTHS:
            # Why a likely borrower is worth less: it found credit elsewhere not long ago.
            n = round(float(other[i]))
            now_en += f"; borrowed from another lender {n} month{'' if n == 1 else 's'} ago"
            now_zh += f"；{n}个月前在其他机构贷过款"
        elif ask and not np.isfinite(other[i]):
            now_en += "; loans elsewhere not known: ask the owner"
            now_zh += "；他行贷款情况未知，可询问店主"
        visit_en, visit_zh = _visit(p1[i], p0[i], km[i], pay[i], years[i], lift[i], medians,
                                    since[i], support_months)
        cols["reason_likely_en"].append(likely_en)
        cols["reason_large_en"].append(large_en)
        cols["reason_now_en"].append(now_en)
        cols["reason_visit_en"].append(visit_en)
        cols["explanation_en"].append("; ".join((likely_en, large_en, now_en, visit_en)))
        cols["explanation_zh"].append("；".join((likely_zh, large_zh, now_zh, visit_zh)))
    return pd.DataFrame(cols)
