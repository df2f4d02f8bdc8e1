"""The starter model: what a county with no usable visit history is valued with.

A lender's first county has its leads and no visits yet; a model cannot learn from nothing,
and refusing to plan would leave nobody to record the outcomes it needs. Until the county's
own history can train one, its leads are valued by the model of the demo township
(``data/qingzu``: synthetic businesses, two years of visits with randomised ones, the bank's
loan book), which knows how business, place, season and loan history move take-up there.
Every plan and retraining that uses it says so; the model page's drift report shows how far
the county's leads lie from the ones it learnt from.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import propensity
from countyreach.errors import InputError

__all__ = ["MIN_OWN_LOANS", "MIN_OWN_VISITS", "STARTER_COUNTY", "STARTER_MODEL", "STARTER_NOTE",
           "basis_text", "starter_note", "starter_scorer", "too_little"]

#: The county the starter model learns from.
STARTER_COUNTY = Path(__file__).resolve().parents[1] / "data" / "qingzu"
#: Fewer visits of the county's own than this (or fewer loans among them) teach less than
#: the starter model knows: a model fitted to a handful of visits ranks by noise.
MIN_OWN_VISITS = 50
MIN_OWN_LOANS = 5
#: The starter model's name in a plan's value basis (the basis then counts the demo's visits,
#: which a new county's manager would otherwise read as their own). The catalogue's
#: ``starter_model_name`` says the same.
STARTER_MODEL = ("starter model learnt on the demo township data/qingzu; the counts that follow "
                 "are the demo's")
#: What a plan or a retraining says when it values leads with the starter model.
STARTER_NOTE = ("values come from the starter model, learnt from the demo township's synthetic "
                "visits (data/qingzu), not from this county; record outcomes (or import "
                "history.csv) and retrain to learn this county")


def too_little(county_id: str, visits: pd.DataFrame, usable: int | None = None) -> str | None:
    """Why ``visits`` (``took_loan`` per visit: the training split) are too few to learn a
    county's own model from, or None when they are enough.

    Parameters
    ----------
    county_id : str
    visits : pandas.DataFrame
        The visits a model would be trained on.
    usable : int, optional
        Every usable visit of the county, held-out ones included (named beside the
        training split, so the count matches what the lender recorded).
    """
    loans = int((visits["took_loan"] == 1).sum()) if len(visits) else 0
    if len(visits) >= MIN_OWN_VISITS and MIN_OWN_LOANS <= loans < len(visits):
        return None
    total = (f"{usable} usable visit(s): {len(visits)} to train on and {usable - len(visits)} "
             "held out to test models" if usable is not None
             else f"{len(visits)} visit(s) to train on")
    return (f"county {county_id} has {total}, {loans} of those trained on with a loan "
            f"(a model of its own needs {MIN_OWN_VISITS} to train on, {MIN_OWN_LOANS} with a "
            "loan and some without)")


def starter_note(loan_book: bool, loan_rule_months: int) -> str:
    """What a plan of a county valued by the starter model says (:data:`STARTER_NOTE`), and,
    when the county gave no loan book either, that its loan rule has nothing to apply to.

    Parameters
    ----------
    loan_book : bool
        Whether the county has loans from us on record (``loans.csv``, or loans in
        its history).
    loan_rule_months : int
        The county's rule, named in the note.
    """
    if loan_book:
        return STARTER_NOTE
    return (f"{STARTER_NOTE}; no loans.csv either: which leads borrowed from us recently is "
            f"unknown, so the {loan_rule_months}-month loan rule leaves out nobody (add the "
            "bank's loans.csv)")


def starter_scorer(why: str, cache_dir: str | Path | None = None,
                   loan_rule_months: int | None = None) -> propensity.LeadScorer:
    """The demo township's model, trained once and cached like any county's file model.

    Parameters
    ----------
    why : str
        Why the county needs it (the error's text if the starter is missing).
    cache_dir : str or Path, optional
        Road-graph and model cache.
    loan_rule_months : int, optional
        The planned county's loan rule (``loan_rule_months``), applied instead of the demo
        township's: the rule is the lender's policy for the county (see
        :func:`propensity.with_loan_rule`).

    Returns
    -------
    propensity.LeadScorer

    Raises
    ------
    InputError
        When the installation has no demo township to learn from.
    """
    from countyreach.pipeline import get_scorer, load_county_data

    if not (STARTER_COUNTY / "county.json").exists():
        raise InputError(f"{why}, and the starter model's county (data/qingzu) is not "
                         "installed", field="history")
    scorer = get_scorer(load_county_data(STARTER_COUNTY, cache_dir=cache_dir),
                        cache_dir=cache_dir)
    if loan_rule_months is not None:
        scorer = propensity.with_loan_rule(scorer, loan_rule_months)
    # named in the plan's value basis (a fresh object: the cache is read from its file)
    scorer.starter_ = STARTER_MODEL
    return scorer


def basis_text(scorer: propensity.LeadScorer, version: int | None, lang: str = "en", *,
               county: str | None = None) -> str:
    """A model's value basis as the plan and ``score`` print it (and a plan keeps it, in
    English): ``visit-caused (qingzu model v3; uplift in take-up …)``, the starter model
    named when it is one (its counts are the demo township's, not the county's).

    Parameters
    ----------
    scorer : propensity.LeadScorer
        The model.
    version : int or None
        Its version in the county's registry (None: a model not in a registry, as a
        county folder's plan and ``score`` use).
    lang : {"en", "zh"}
    county : str, optional
        The county the model is of, named with its version.

    Returns
    -------
    str
    """
    from countyreach.i18n import t

    names = []
    if version is not None:
        names.append(t("store_model_name", lang, county=county, version=version) if county
                     else f"model v{version}")
    if getattr(scorer, "starter_", None):
        names.append(t("starter_model_name", lang))
    return propensity.value_basis_of(scorer).text(
        lang, model=t("name_sep", lang).join(names) or None)
