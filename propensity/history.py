"""Visit histories: checked outcome rows, and the visit table the lead scorer learns from.

A *visit history* names leads: ``lead_id, month`` and either ``took_loan`` (0/1, with
optional ``loan_yuan`` and ``defaulted``) or the officer's ``outcome`` code
(:class:`~propensity.outcomes.Outcome`). A *visit table* (:func:`visit_table`) is the
history joined to the leads table: one row per visit with the business's own columns,
the ``month`` of the visit and its outcome columns. It is the ``X`` of
:meth:`propensity.LeadScorer.fit` and :meth:`~propensity.LeadScorer.predict_proba`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from propensity.errors import DataError, DroppedRowWarning
from propensity.features import (
    FEATURE_GROUPS,
    build_features,
    isin,
    numeric_inputs,
    parse_month,
)
from propensity.outcomes import OUTCOME_UPTAKE

__all__ = [
    "OUTCOME_COLUMNS",
    "check_history",
    "outcomes_to_history",
    "history_features",
    "visit_table",
    "visit_features",
]

#: What a visit produced; in a visit table these are labels, never features.
OUTCOME_COLUMNS = ("took_loan", "loan_yuan", "defaulted")


def check_history(history: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of a visit history with ``took_loan`` as 0/1 (uninformative rows dropped).

    Other columns are kept unchanged. Officer ``outcome`` rows are converted with
    :func:`outcomes_to_history` when there is no ``took_loan`` column.

    Raises
    ------
    DataError
        Naming the row and field of a bad month, a ``took_loan`` that is not 0/1 or a
        missing column.
    """
    if not isinstance(history, pd.DataFrame):
        raise DataError("visit history must be a table", field="history")
    missing = [c for c in ("lead_id", "month") if c not in history.columns]
    if missing:
        raise DataError(f"visit history lacks column(s) {missing}", field=missing[0])
    h = history.copy()
    if "took_loan" not in h.columns:
        if "outcome" not in h.columns:
            raise DataError("visit history needs 'took_loan' (0/1) or an officer 'outcome'",
                             field="took_loan")
        h = outcomes_to_history(h)
    h["lead_id"] = h["lead_id"].astype(str)
    h["month"] = h["month"].astype(str).str.slice(0, 7)
    for i, m in enumerate(h["month"]):
        try:
            parse_month(m)
        except DataError:
            raise DataError(f"expected a month like 2025-09, got {m!r}", row=i + 1,
                             field="month") from None
    h["took_loan"] = pd.to_numeric(h["took_loan"], errors="coerce")
    bad = h["took_loan"].notna() & ~h["took_loan"].isin([0, 1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"took_loan must be 0 or 1, got {history['took_loan'].iloc[i]!r}",
                         row=i + 1, field="took_loan")
    for c in ("loan_yuan", "defaulted"):
        h[c] = pd.to_numeric(h[c], errors="coerce") if c in h.columns else np.nan
    return h[h["took_loan"].notna()].reset_index(drop=True)


def outcomes_to_history(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Turn officer-recorded outcomes into training rows.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        ``lead_id, month, outcome`` (one of :data:`~propensity.outcomes.OUTCOME_UPTAKE`)
        and optionally ``amount_yuan``. ``applied`` and ``approved`` count as uptake;
        ``not_there`` rows carry no information and are dropped.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, month, took_loan, loan_yuan, defaulted`` (defaults are not known yet: NaN).

    Raises
    ------
    DataError
        Naming the row and field of an unknown outcome or a missing column.
    """
    missing = [c for c in ("lead_id", "month", "outcome") if c not in outcomes.columns]
    if missing:
        raise DataError(f"outcomes lack column(s) {missing}", field=missing[0])
    out = outcomes.copy()
    codes = out["outcome"].astype(str).str.strip().str.lower()
    unknown = ~codes.isin(list(OUTCOME_UPTAKE))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(f"unknown outcome {outcomes['outcome'].iloc[i]!r}; use one of "
                         f"{[str(o) for o in OUTCOME_UPTAKE]}", row=i + 1, field="outcome")
    took = codes.map(OUTCOME_UPTAKE)
    amount = (pd.to_numeric(out["amount_yuan"], errors="coerce") if "amount_yuan" in out.columns
              else pd.Series(np.nan, index=out.index))
    res = pd.DataFrame({
        "lead_id": out["lead_id"].astype(str),
        "month": out["month"].astype(str).str.slice(0, 7),
        "took_loan": pd.to_numeric(took, errors="coerce"),
        "loan_yuan": np.where(took == 1, amount, 0.0),
        "defaulted": np.nan,
    })
    return res[res["took_loan"].notna()].reset_index(drop=True)


def _known_visits(businesses: pd.DataFrame,
                  history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leads indexed by id, and the checked history rows whose lead is in the table."""
    h = check_history(history)
    if "lead_id" not in businesses.columns:
        raise DataError("the leads table has no 'lead_id' column", field="lead_id")
    b = businesses.drop_duplicates("lead_id").set_index(businesses["lead_id"].drop_duplicates()
                                                        .astype(str).to_numpy())
    known = isin(h["lead_id"], b.index)
    if not known.all():
        warnings.warn(f"{int((~known).sum())} history row(s) name leads that are not in the "
                      f"leads table (e.g. {h.loc[~known, 'lead_id'].iloc[0]!r}); skipped",
                      DroppedRowWarning, stacklevel=3)
        h = h[known].reset_index(drop=True)
    return b, h


def visit_features(visits: pd.DataFrame,
                   groups: Sequence[str] = tuple(FEATURE_GROUPS)) -> pd.DataFrame:
    """Model features of every row of a visit table, each in the month of its visit.

    Parameters
    ----------
    visits : pandas.DataFrame
        Business columns plus ``month`` (``YYYY-MM``).
    groups : sequence of str
        Feature groups (see :func:`~propensity.features.feature_names`).

    Returns
    -------
    pandas.DataFrame
        One row per visit, in input order, with a fresh range index.
    """
    if "month" not in visits.columns:
        raise DataError("the visit table has no 'month' column", field="month")
    months = visits["month"].astype(str).str.slice(0, 7).to_numpy()
    positions = pd.Series(np.arange(len(visits)))
    visits = numeric_inputs(visits)  # once, not once a month
    frames = []
    # One feature build per month: the seasonal terms are shared within a month, and
    # features derived from the table itself are computed over that month's visits.
    for month, pos in positions.groupby(months, sort=True):
        f = build_features(visits.iloc[pos.to_numpy()], str(month), groups=groups)
        f.index = pos.to_numpy()
        frames.append(f)
    if not frames:
        raise DataError("no visits in the table", field="month")
    return pd.concat(frames).loc[np.arange(len(visits))].reset_index(drop=True)


def history_features(businesses: pd.DataFrame, history: pd.DataFrame,
                     groups: Sequence[str] = tuple(FEATURE_GROUPS)) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Features of every history row (the business as known, in the month of the visit).

    Rows whose lead is not in ``businesses`` are dropped with a
    :class:`~propensity.errors.DroppedRowWarning`.

    Returns
    -------
    (X, rows)
        Feature frame and the matching (checked) history rows, aligned by position.
    """
    b, h = _known_visits(businesses, history)
    if h.empty:
        raise DataError("no usable history rows to train on", field="history")
    rows = b.loc[h["lead_id"].to_numpy()].reset_index(drop=True)
    rows["month"] = h["month"].to_numpy()
    return visit_features(rows, groups), h


def visit_table(businesses: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Join a visit history to its leads table: the input of :class:`~propensity.LeadScorer`.

    Parameters
    ----------
    businesses : pandas.DataFrame
        Leads table, one row per ``lead_id`` (later duplicates are ignored).
    history : pandas.DataFrame
        Visit history (``lead_id, month, took_loan, loan_yuan, defaulted`` or officer
        ``outcome`` rows); rows naming unknown leads are dropped with a
        :class:`~propensity.errors.DroppedRowWarning`.

    Returns
    -------
    pandas.DataFrame
        One row per usable visit: the business's columns, then ``month``, ``took_loan``,
        ``loan_yuan`` and ``defaulted`` (these replace same-named business columns).
    """
    b, h = _known_visits(businesses, history)
    own = [c for c in b.columns if c not in ("month", *OUTCOME_COLUMNS)]
    out = b.loc[h["lead_id"].to_numpy(), own].reset_index(drop=True)
    out["lead_id"] = h["lead_id"].to_numpy()
    for c in ("month", *OUTCOME_COLUMNS):
        out[c] = h[c].to_numpy()
    return out
