"""Which model a plan uses: the promoted one when it is current, else retrained or refused.

A plan of day *D* learns from the stored history and the outcomes of the days before *D*
(:func:`learning_cutoff`; a past day's plan, from the days before today). Outcomes officers
record during the day are learnt from the next day's plan, so a noon re-plan keeps the
morning's model and its scores: an afternoon route does not reshuffle because a model was
retrained, and nobody waits for a retraining mid-day. A model trained on every recorded
outcome (``countyreach retrain``) is current too. The registry itself is
:mod:`countyreach.services.models`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import propensity
from countyreach.dates import check_date, county_today
from countyreach.services.models import (
    STALE_WHY,
    StaleModelError,
    county_histories,
    data_hash,
    load_model,
    model_freshness,
    retrain,
    tried_on,
)
from countyreach.store import ModelRecord, Session, Store
from propensity.planning import LOCKOUT_MONTHS

__all__ = ["ModelChoice", "current_hashes", "ensure_model", "learning_cutoff"]


def learning_cutoff(plan_date: str, now: dt.datetime) -> str:
    """The first day whose outcomes a plan of ``plan_date`` does not learn from.

    ``plan_date`` itself, or today (in the county, at ``now``) for a day already past:
    re-planning an old day does not train a model that forgets what came since.

    Parameters
    ----------
    plan_date : str
        ``YYYY-MM-DD``.
    now : datetime
        The store's clock.

    Returns
    -------
    str
        ``YYYY-MM-DD``.
    """
    return max(check_date(plan_date, "date"), county_today(now))


@dataclass(frozen=True)
class ModelChoice:
    """The model a plan uses, and why (``note`` is printed and kept in the plan's meta)."""

    record: ModelRecord
    scorer: propensity.LeadScorer
    retrained: bool
    stale: bool
    note: str

    @property
    def label(self) -> str:
        """``qingzu v3 (data 1a2b3c4d, code 0.1.0+5e6f)``: what the plan output names."""
        r = self.record
        return f"{r.county_id} v{r.version} (data {r.data_hash[:8]}, code {r.code_version})"

    @property
    def value_basis(self) -> propensity.ValueBasis:
        """What the plan's lead values are: visit-caused, or uptake if visited and why."""
        return propensity.value_basis_of(self.scorer)

    @property
    def basis_text(self) -> str:
        """``visit-caused (qingzu model v3; uplift in take-up × loan …)``: printed with the
        plan and kept in its meta (:func:`countyreach.starter.basis_text`)."""
        from countyreach.starter import basis_text

        return basis_text(self.scorer, self.record.version, county=self.record.county_id)


def current_hashes(store: Store, session: Session, county_id: str, leads: pd.DataFrame, *,
                   randomised: pd.DataFrame | None = None, loans: pd.DataFrame | None = None,
                   loan_rule_months: int = LOCKOUT_MONTHS,
                   elsewhere: pd.DataFrame | None = None,
                   before: str | None = None) -> tuple[str, str]:
    """``(learn, every)``: the :func:`~countyreach.services.models.data_hash` a model would
    be trained on for a plan learning up to ``before`` (:func:`learning_cutoff`), and the
    one of every recorded outcome; a model registered under either is current.

    Parameters are :func:`ensure_model`'s. The two are equal without ``before`` or when no
    outcome of ``before`` or later is recorded.
    """
    cuts = (None,) if before is None else (None, before)
    hs = county_histories(store, session, county_id, leads, randomised, cuts=cuts)
    every = data_hash(leads, hs[0], loans, loan_rule_months, elsewhere)
    if len(hs) == 1 or hs[1].equals(hs[0]):  # nothing recorded on or after the cut
        return every, every
    return data_hash(leads, hs[1], loans, loan_rule_months, elsewhere), every


def ensure_model(store: Store, session: Session, county_id: str, leads: pd.DataFrame, *,
                 home: Path, on_stale: str = "retrain", seed: int = 0,
                 loans: pd.DataFrame | None = None,
                 randomised: pd.DataFrame | None = None,
                 loan_rule_months: int = LOCKOUT_MONTHS,
                 elsewhere: pd.DataFrame | None = None,
                 before: str | None = None) -> ModelChoice:
    """The model to plan with: the promoted one if it is current, else retrained or refused.

    Parameters
    ----------
    on_stale : {"retrain", "warn", "refuse"}
        What to do when the promoted model was trained on other data or by other code:
        retrain it now; use it and say so (``stale`` and ``note``; a model of other code
        is still retrained), for a team that retrains on a schedule; or refuse.
    loans, randomised, elsewhere : pandas.DataFrame, optional
        The loan book, the randomised visits and the loans elsewhere (see
        :func:`retrain`); part of the data a model is current for.
    loan_rule_months : int
        The county's loan rule (see :func:`retrain`); a model trained under another rule
        is stale.
    before : str, optional
        ``YYYY-MM-DD`` (:func:`learning_cutoff`): a model trained on the outcomes of the
        days before it is current, and a retraining learns from those. A model trained on
        every recorded outcome is current too. Default: every recorded outcome.

    Raises
    ------
    StaleModelError
        ``on_stale="refuse"`` and the promoted model is stale (or there is none).
    """
    wants = current_hashes(store, session, county_id, leads, randomised=randomised,
                           loans=loans, loan_rule_months=loan_rule_months,
                           elsewhere=elsewhere, before=before)
    want, want_all = wants
    current = store.promoted_model(session, county_id)
    fresh = model_freshness(current, wants)
    if current is not None and fresh == "current":
        waits = current.data_hash != want_all
        return ModelChoice(current, load_model(home, current), False, False,
                           f"model {county_id} v{current.version} (current"
                           + ("; the starter model" if current.n_train == 0 else "")
                           + (f"; outcomes of {before} and later are learnt by a later day's "
                              "plan" if waits else "") + ")")
    why = STALE_WHY[fresh]
    if on_stale == "warn" and current is not None and fresh == "data":
        return ModelChoice(current, load_model(home, current), False, True,
                           f"model v{current.version} is stale ({why}): used until the next "
                           f"`countyreach retrain {county_id}`")
    lost = tried_on(store, session, county_id, want) if fresh == "data" else None
    if on_stale == "retrain" and current is not None and lost is not None:
        auc = lost.metrics.get("auc")
        return ModelChoice(current, load_model(home, current), False, True,
                           f"model v{current.version} is kept: v{lost.version}, trained on the "
                           "latest data, was not promoted (held-out AUC "
                           + ("n/a" if auc is None else f"{float(auc):.3f}") + "); retrained "
                           "again when the data change (`countyreach models "
                           f"{county_id} --promote {lost.version}` uses it)")
    if on_stale == "refuse":
        raise StaleModelError(f"the lead model of {county_id} is stale ({why}); run "
                              f"`countyreach retrain {county_id}`", field="model")
    res = retrain(store, session, county_id, leads, home=home, seed=seed, loans=loans,
                  randomised=randomised, loan_rule_months=loan_rule_months,
                  elsewhere=elsewhere, before=before)
    if res.promoted:
        return ModelChoice(res.record, res.scorer, True, False,
                           f"retrained ({why}): {res.message}")
    kept = store.promoted_model(session, county_id)
    if kept is not None and model_freshness(kept, wants) == "current":
        # the starter model, saved again for these data when the county's own lost
        return ModelChoice(kept, load_model(home, kept), True, False,
                           f"retrained ({why}): {res.message}")
    assert current is not None  # a first model is always promoted
    return ModelChoice(current, load_model(home, current), True, True,
                       f"WARNING: planning with stale model v{current.version} ({why}); "
                       f"{res.message}")
