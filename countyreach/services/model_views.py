"""What the CLI and the pages say about a model: its held-out metrics and its value basis."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

import propensity
from countyreach.i18n import format_number, t
from countyreach.services.leads import value_label

__all__ = ["BasisView", "basis_criteria", "basis_view", "metric_text"]


def metric_text(metrics: dict[str, Any]) -> str:
    """``AUC 0.712, Brier 0.181, ECE 0.024 on 193 held-out visits``."""
    def f(k: str) -> str:
        v = metrics.get(k)
        return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"

    return (f"AUC {f('auc')}, Brier {f('brier')}, ECE {f('ece')} on "
            f"{int(metrics.get('n_holdout', 0))} held-out visits")


@dataclass(frozen=True)
class BasisView:
    """What the pages say about a model's value basis, in one language.

    ``name`` is the basis (visit-caused value, or expected value if visited) and
    ``value_label`` the heading of a plan's value on it; ``summary`` says what the value
    counts; ``detail`` is the model's own statement with its reasons
    (:meth:`propensity.ValueBasis.text`); on the fallback ``missing`` lists what the
    county's data lacks and ``hint`` how to get the visit-caused basis. ``criteria`` is
    :func:`basis_criteria` (empty when the model did not record its support).
    """

    kind: str
    caused: bool
    title: str
    name: str
    value_label: str
    summary: str
    detail: str
    missing: tuple[str, ...]
    hint: str
    lockout_months: float
    criteria: pd.DataFrame


def basis_criteria(support: propensity.UpliftSupport | None, lang: str) -> pd.DataFrame:
    """The support criteria of a visit-caused model: what each needs, what the data has.

    Parameters
    ----------
    support : propensity.UpliftSupport or None
        As a model records it (``scorer.uplift_support_``); ``None`` gives an empty table.
    lang : str

    Returns
    -------
    pandas.DataFrame
        One row per criterion (the loan book, months, visited and unvisited
        business-months, loans in each arm, randomised visits): criterion, needed, found,
        met, under translated headers. Without a loan book nothing else can be counted
        (found and met are "—").
    """
    cols = [t("col_criterion", lang), t("col_needed", lang), t("col_found", lang),
            t("col_met", lang)]
    if not isinstance(support, propensity.UpliftSupport):
        return pd.DataFrame(columns=cols)
    c, s = support.criteria, support

    def met(ok: bool) -> str:
        return t("crit_met" if ok else "crit_missed", lang)

    book = s.has_loan_book
    rows = [(t("crit_loan_book", lang), t("crit_yes", lang),
             t("crit_yes" if book else "crit_no", lang), met(book))]
    for key, have, need in (("crit_months", s.months, c.min_months),
                            ("crit_visits", s.visits, c.min_visits),
                            ("crit_unvisited", s.unvisited, c.min_unvisited),
                            ("crit_visit_loans", min(s.visit_loans, s.visits - s.visit_loans),
                             c.min_loans_per_arm),
                            ("crit_walk_in", s.walk_in_loans, c.min_loans_per_arm),
                            ("crit_randomised", s.randomised, c.min_randomised)):
        rows.append((t(key, lang), f"≥ {format_number(need)}",
                     format_number(have) if book else "—",
                     met(have >= need) if book else "—"))
    return pd.DataFrame(rows, columns=cols)


def basis_view(scorer: propensity.LeadScorer, lang: str) -> BasisView:
    """What a scorer's plans value, why, and what data would give the visit-caused basis.

    Parameters
    ----------
    scorer : propensity.LeadScorer
        The model plans are made with (:func:`propensity.add_visit_value` recorded its
        basis and support; an older model is uptake if visited and says so).
    lang : str

    Returns
    -------
    BasisView
    """
    basis = propensity.value_basis_of(scorer)
    support = getattr(scorer, "uplift_support_", None)
    kind = basis.kind.value
    caused = basis.kind is propensity.ValueBasisKind.VISIT_CAUSED
    missing: tuple[str, ...] = ()
    if not caused and isinstance(support, propensity.UpliftSupport):
        missing = support.problems_zh if lang == "zh" else support.problems
    name = value_label(kind, lang)
    return BasisView(kind, caused, t("value_basis_title", lang, name=name), name,
                     value_label(kind, lang, yuan=True), t(f"basis_summary_{kind}", lang),
                     basis.text(lang), missing, "" if caused else t("basis_hint", lang),
                     basis.lockout_months, basis_criteria(support, lang))
