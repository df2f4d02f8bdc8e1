"""Loan recency from the bank's loan book: the features of a renewal that is due.

Months since a lead's last loan from us and its loans of the last two years, at any
month; :mod:`propensity.uplift` uses them as features and for the loan rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.features import parse_month

__all__ = ["RECENCY_CAP_MONTHS", "loan_recency", "month_index"]

#: Months-since-last-loan features are capped here (never borrowed = the cap).
RECENCY_CAP_MONTHS = 60.0


def month_index(months: Sequence[str] | npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """``12 * year + month`` of each ``YYYY-MM``."""
    ym = [parse_month(str(m)) for m in months]
    return np.array([y * 12 + m for y, m in ym], dtype=np.int64)


def loan_recency(lead_ids: Sequence[str], month: str | Sequence[str],
                 loan_book: pd.DataFrame | None) -> pd.DataFrame:
    """Months since each lead's last loan before ``month`` and its loans in the 24 months.

    Parameters
    ----------
    lead_ids : sequence of str
    month : str or sequence of str
        One month for all leads, or one per lead.
    loan_book : pandas.DataFrame or None
        ``lead_id, month`` of the bank's loans (other columns ignored).

    Returns
    -------
    pandas.DataFrame
        ``months_since_loan`` (capped at 60; 60 = none known) and ``loans_24m``, in input
        order.
    """
    ids = np.asarray([str(x) for x in lead_ids], dtype=object)
    at = (np.full(len(ids), month_index([month])[0]) if isinstance(month, str)
          else month_index(list(month)))
    since = np.full(len(ids), RECENCY_CAP_MONTHS)
    count = np.zeros(len(ids))
    if loan_book is not None and len(loan_book) and len(ids):
        book = pd.DataFrame({"lead_id": loan_book["lead_id"].astype(str).to_numpy(),
                             "m": month_index(loan_book["month"].astype(str).to_numpy())})
        by_lead = book.groupby("lead_id")["m"].apply(np.sort).to_dict()
        for i, (lid, t) in enumerate(zip(ids, at, strict=True)):
            ms = by_lead.get(lid)
            if ms is None:
                continue
            before = ms[ms < t]
            if len(before):
                since[i] = min(RECENCY_CAP_MONTHS, float(t - before[-1]))
                count[i] = float(np.sum(before >= t - 24))
    return pd.DataFrame({"months_since_loan": since, "loans_24m": count})
