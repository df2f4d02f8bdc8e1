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
from typing import TYPE_CHECKING

import numpy as np

from routing.problem import Officer

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OfferRank", "OFFER_MIN", "baseline_offer", "day_offer", "team_visits",
           "territory_offer"]

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
    # pandas and the candidates here, not above: the command line's help names OfferRank
    import pandas as pd

    from countyreach.candidates import choose_candidates

    ids = table["lead_id"].astype(str).to_numpy()
    scores = pd.DataFrame({"lead_id": ids, "value_yuan": values_yuan})
    offered = choose_candidates(table, scores, officers, limit=k).offered
    return np.flatnonzero(np.isin(ids, np.asarray(offered, dtype=str)))


def baseline_offer(table: pd.DataFrame, values_yuan: np.ndarray | None,
                   officers: Sequence[Officer]) -> list[str]:
    """The leads a greedy baseline chooses among on a world too large for one matrix.

    The product's day's candidates (:func:`countyreach.candidates.choose_candidates`, its
    default size): by value per minute of reach for a baseline that values leads, by
    reach alone (every lead worth the same) for one that goes to the nearest. A day of
    12 visits an officer stays among the leads nearest the officer's start, so the
    baseline's day is made of the same leads as when it could look at all of them.

    Parameters
    ----------
    table : pandas.DataFrame
        The leads open today (``lead_id``, ``lat``, ``lon``, ``service_s``).
    values_yuan : numpy.ndarray or None
        The baseline's value of each lead (in ``table`` order); None: by reach alone.
    officers : sequence of Officer
        The day's team.

    Returns
    -------
    list of str
        Offered lead ids, in ``table`` order.
    """
    import pandas as pd

    from countyreach.candidates import choose_candidates

    ids = table["lead_id"].astype(str).to_numpy()
    value = np.ones(len(ids)) if values_yuan is None else np.asarray(values_yuan, float)
    offered = set(choose_candidates(table, pd.DataFrame({"lead_id": ids, "value_yuan": value}),
                                    officers).offered)
    return [x for x in ids if x in offered]


def territory_offer(territory: dict[str, list[str]],
                    officers: Sequence[Officer]) -> dict[str, list[str]]:
    """Each officer's territory cut to the head a day can reach in score order.

    The score-order baseline stops at its first lead that does not fit, so an officer
    capped at ``v`` visits never looks past the first ``v + 1`` of the territory: a head of
    :data:`~countyreach.candidates.CANDIDATES_PER_VISIT` leads a visit makes the same day.
    """
    from countyreach.candidates import CANDIDATES_PER_VISIT

    cap = {o.officer_id: CANDIDATES_PER_VISIT * (
        o.max_visits if o.max_visits is not None else _UNCAPPED_VISITS) for o in officers}
    return {k: v[:cap.get(k, 0)] for k, v in territory.items()}
