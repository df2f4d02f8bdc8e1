"""The day's offer to the routing of a simulated day: which eligible leads the solver sees.

A simulated team of four makes 48 visits a day out of ~3,000 eligible businesses. The
routed policies (``countyreach``, ``score_routed``) hand the solver only the leads worth
a place in the day, chosen the way the product chooses its day's candidates
(:func:`countyreach.candidates.choose_candidates`): the most value per minute of reach
(service plus the straight-line round trip from the nearest officer's start). The
solver's improvement steps re-solve a few officers over their leads and the offered ones
nearest their routes, so the offer's size is what a simulated day's routing time grows
with; both routed policies get the same offer size and the same solver budget.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from countyreach.candidates import choose_candidates
from routing.problem import Officer

__all__ = ["OfferRank", "OFFER_MIN", "day_offer", "team_visits"]

#: Never fewer leads offered than this (a small team still gets a choice).
OFFER_MIN = 30
#: Visits of an officer without a cap (a full day of short visits).
_UNCAPPED_VISITS = 20


class OfferRank(enum.StrEnum):
    """How the day's offer is ranked."""

    #: Value per minute of reach (:func:`countyreach.candidates.choose_candidates`).
    PER_MINUTE = "per_minute"
    #: Value alone (the simulation before issue 18's speed work).
    VALUE = "value"


def team_visits(officers: Sequence[Officer]) -> int:
    """Visits the team can make in a day (officers without a cap count 20)."""
    return sum(o.max_visits if o.max_visits is not None else _UNCAPPED_VISITS
               for o in officers)


def day_offer(table: pd.DataFrame, values_yuan: np.ndarray, officers: Sequence[Officer], *,
              per_visit: float, rank: OfferRank = OfferRank.PER_MINUTE) -> np.ndarray:
    """Positions (into ``table``) of the leads offered to the day's routing.

    Parameters
    ----------
    table : pandas.DataFrame
        The eligible leads (``lead_id``, ``lat``, ``lon``, ``service_s``), in the order of
        ``values_yuan``.
    values_yuan : numpy.ndarray
        Each lead's value of a visit today (the policy's belief), in yuan.
    officers : sequence of Officer
        The day's team (where they start, how many visits they can make).
    per_visit : float
        Leads offered per visit the team can make (at least :data:`OFFER_MIN`).
    rank : OfferRank
        Value per minute of reach (default) or value alone.

    Returns
    -------
    numpy.ndarray
        Sorted positions of the offered leads.
    """
    n = len(table)
    k = max(int(math.ceil(per_visit * team_visits(officers))), OFFER_MIN)
    if n <= k:
        return np.arange(n)
    if rank is OfferRank.VALUE:
        return np.sort(np.argsort(-values_yuan, kind="stable")[:k])
    ids = table["lead_id"].astype(str).to_numpy()
    scores = pd.DataFrame({"lead_id": ids, "value_yuan": values_yuan})
    offered = choose_candidates(table, scores, officers, limit=k).offered
    return np.flatnonzero(np.isin(ids, np.asarray(offered, dtype=str)))
