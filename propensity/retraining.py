"""Learning from recorded visits: Thompson-sampling exploration and retraining."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import clone

from propensity.errors import DataError
from propensity.history import check_history, outcomes_to_history

if TYPE_CHECKING:
    from propensity.scorer import LeadScorer

__all__ = ["thompson_values", "retrain"]

log = logging.getLogger(__name__)


def thompson_values(scorer: LeadScorer, businesses: pd.DataFrame, month: str,
                    rng: np.random.Generator, exploration_share: float = 0.1, *,
                    margin: float | None = None,
                    do_not_visit: Iterable[str] = ()) -> pd.DataFrame:
    """Values with Thompson-sampling exploration over the bootstrap ensemble.

    Each lead draws one bootstrap member (a sample from the model's approximate
    posterior). For a random ``exploration_share`` of the leads the routing value is
    that sampled value; the rest keep the mean. Leads the model is unsure about then
    sometimes rank high and get visited, so the next retraining learns about them.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, value_mean_yuan, value_sampled_yuan, value_yuan, value_std_yuan,
        explored, do_not_visit``; ``value_yuan`` is what the router should collect.
    """
    if not (0 <= exploration_share <= 1):
        raise DataError(f"exploration_share must be in [0, 1], got {exploration_share!r}",
                         field="exploration_share")
    scorer.require_fitted()
    m = scorer.margin if margin is None else float(margin)
    comp = scorer.components(businesses, month)
    unit = scorer.unit_value_yuan(comp["loan_yuan"], comp["p_default"], m)
    members = comp["p_members"]
    n, k = members.shape
    draw = members[np.arange(n), rng.integers(0, k, n)]
    mean_v = np.maximum(comp["p_uptake"] * unit, 0.0)
    sampled = np.maximum(draw * unit, 0.0)
    explored = rng.random(n) < exploration_share
    ids = businesses["lead_id"].astype(str).to_numpy()
    dnv = np.isin(ids, np.asarray([str(x) for x in do_not_visit], dtype=object))
    value = np.where(explored, sampled, mean_v)
    value[dnv] = 0.0
    return pd.DataFrame({
        "lead_id": ids,
        "value_mean_yuan": np.where(dnv, 0.0, mean_v),
        "value_sampled_yuan": np.where(dnv, 0.0, sampled),
        "value_yuan": value,
        "value_std_yuan": np.where(dnv, 0.0, np.std(members * unit[:, None], axis=1)),
        "explored": explored & ~dnv,
        "do_not_visit": dnv,
    })


def retrain(scorer: LeadScorer, outcomes: pd.DataFrame, *,
            businesses: pd.DataFrame | None = None) -> LeadScorer:
    """A new scorer trained on the old history plus newly recorded visit outcomes.

    Parameters
    ----------
    scorer : LeadScorer
        The current, fitted scorer (unchanged).
    outcomes : pandas.DataFrame
        Officer records ``lead_id, month, outcome, amount_yuan`` (see
        :data:`~propensity.outcomes.OUTCOME_UPTAKE`) or history rows with ``took_loan``.
    businesses : pandas.DataFrame, optional
        Updated leads table; default the one the scorer was trained with. New leads
        in it can be scored and learned from.

    Returns
    -------
    LeadScorer
        A freshly fitted scorer with the same parameters.
    """
    scorer.require_fitted()
    new = outcomes_to_history(outcomes) if "took_loan" not in outcomes.columns else \
        check_history(outcomes)
    hist = pd.concat([scorer.history_, new], ignore_index=True)
    hist = hist.drop_duplicates(["lead_id", "month"], keep="last").reset_index(drop=True)
    b = scorer.businesses_ if businesses is None else businesses
    log.info("retraining on %d visits (%d new)", len(hist), len(new))
    return clone(scorer).fit_history(b, hist)
