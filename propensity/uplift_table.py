"""The business-months an uplift model learns from: visits, and months nobody visited.

:func:`uplift_table` builds the rows of :class:`~propensity.uplift.VisitValueModel`:

* **treated** — every visit of the history with its outcome (``randomised`` marks the
  visits of the exploration share, ``visited_by_policy = random``);
* **control** — business-months without a visit whose outcome is a walk-in loan from the
  bank's loan book (every walk-in, and a weighted sample of the months without one, to
  ``max_controls`` rows). A control must be a month the lead
  *could* have been visited: the officers do not revisit a lead within the revisit gap
  (:func:`revisit_gap`, read from the visit log), so the months right after a visit are
  left out. Those leads had just been asked and mostly refused: kept, they make the
  no-visit arm look less interested than the leads a visit would reach, and the visit's
  effect look larger than it is.

:func:`model_features` turns the rows into the models' features, each in its own month.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.errors import DataError
from propensity.features import build_features, isin, numeric_inputs
from propensity.loan_recency import LoanSource, loan_recency, month_index

__all__ = ["uplift_table", "revisit_gap", "model_features", "RECENCY_FEATURES"]

#: Loan-recency columns of every row (features and the loan rule).
RECENCY_FEATURES = ("months_since_loan", "loans_24m", "months_since_other_loan")


def revisit_gap(history: pd.DataFrame) -> int:
    """Fewest months between two visits of one lead in ``history`` (1 without revisits).

    The 1st percentile of the gaps, so that one stray early revisit in a real log does
    not switch the rule off; at least 1 (a revisit the next month is allowed).

    Parameters
    ----------
    history : pandas.DataFrame
        ``lead_id, month`` of the visits.

    Returns
    -------
    int
    """
    if history is None or history.empty:
        return 1
    m = month_index(history["month"].astype(str).str.slice(0, 7).to_numpy())
    v = pd.DataFrame({"lead": history["lead_id"].astype(str).to_numpy(), "m": m})
    v = v.drop_duplicates().sort_values(["lead", "m"], kind="stable")
    gaps = v.groupby("lead")["m"].diff().dropna().to_numpy(float)
    if not len(gaps):
        return 1
    return max(1, int(np.floor(np.percentile(gaps, 1))))


def _walk_ins(book: pd.DataFrame) -> pd.DataFrame:
    """The loan book's loans from us that did not follow a visit (the control arm's
    outcomes; a loan elsewhere is not one)."""
    if not len(book):
        return book
    src = book["source"] if "source" in book.columns else pd.Series(LoanSource.WALK_IN,
                                                                    index=book.index)
    return book[~src.isin([LoanSource.VISIT, LoanSource.ELSEWHERE, LoanSource.CHECKED])]


def uplift_table(businesses: pd.DataFrame, history: pd.DataFrame,
                 loan_book: pd.DataFrame | None, *, max_controls: int = 30_000,
                 random_state: int = 0, gap: int | None = None) -> pd.DataFrame:
    """Treated and control business-months of a history: the input of the visit-value model.

    Parameters
    ----------
    businesses : pandas.DataFrame
        Leads table.
    history : pandas.DataFrame
        Visits: ``lead_id, month, took_loan`` (``visited_by_policy`` = ``random`` marks the
        randomised visits), optional ``loan_yuan, defaulted``.
    loan_book : pandas.DataFrame or None
        The bank's loans ``lead_id, month, source, loan_yuan, defaulted``; walk-ins
        (``source != "visit"``) are the control arm's outcomes.
    max_controls : int
        Control rows kept: every walk-in and a seeded sample of the other months, each
        sampled month weighted by the inverse of its sampling share (``weight``).
    random_state : int
    gap : int, optional
        Months after a visit in which the lead is not a control (those months and the
        ``gap - 1`` before it are left out); default :func:`revisit_gap` of the history.

    Returns
    -------
    pandas.DataFrame
        Business columns plus ``month, visited, randomised, took_loan, loan_yuan,
        defaulted, weight`` and :data:`RECENCY_FEATURES`; ``weight`` is 1 for visits and
        walk-ins and ``unvisited months / sampled`` for a sampled month without a loan.
    """
    if history is None or history.empty:
        raise DataError("no visit history to learn the visit effect from", field="history")
    b = businesses.drop_duplicates("lead_id").reset_index(drop=True)
    b["lead_id"] = b["lead_id"].astype(str)
    h = history.copy()
    h["lead_id"] = h["lead_id"].astype(str)
    h["month"] = h["month"].astype(str).str.slice(0, 7)
    h = h[isin(h["lead_id"], set(b["lead_id"])) & h["took_loan"].notna()]
    if h.empty:
        raise DataError("no visit of a known lead with an outcome", field="history")
    gap = revisit_gap(h) if gap is None else max(1, int(gap))
    months = sorted(h["month"].unique())
    book = loan_book if loan_book is not None else pd.DataFrame(columns=["lead_id", "month"])
    walk = _walk_ins(book)
    walk_key = set(zip(walk["lead_id"].astype(str), walk["month"].astype(str), strict=True))
    # A lead is not a control in a month it was visited nor in the gap - 1 months after.
    v_idx = month_index(h["month"].to_numpy())
    blocked: dict[int, set[str]] = {}
    for lid, t in zip(h["lead_id"], v_idx, strict=True):
        for k in range(gap):
            blocked.setdefault(int(t) + k, set()).add(lid)
    rng = np.random.default_rng(random_state)
    ids = b["lead_id"].to_numpy()
    # Hashed look-ups per month (every business × every month in Python took a second
    # for 50,000 businesses); the same controls in the same order.
    ids_index = pd.Index(ids, dtype=object)
    ctrl_ids, ctrl_months = [], []
    for m in months:
        t = int(month_index([m])[0])
        keep = ~ids_index.isin(list(blocked.get(t, ())))
        ctrl_ids.append(ids[keep])
        ctrl_months.append(np.full(int(keep.sum()), m, dtype=object))
    c_id = np.concatenate(ctrl_ids) if ctrl_ids else np.array([], dtype=object)
    c_m = np.concatenate(ctrl_months) if ctrl_months else np.array([], dtype=object)
    took_all = pd.MultiIndex.from_arrays([pd.Index(c_id, dtype=object),
                                          pd.Index(c_m, dtype=object)]).isin(list(walk_key)) \
        if len(c_id) and walk_key else np.zeros(len(c_id), bool)
    weight = np.ones(len(c_id))
    if len(c_id) > max_controls:
        # Every walk-in is kept (they are rare, and the baseline and the loan models need
        # them); the months without one are sampled and weighted up to their number.
        none = np.flatnonzero(~took_all)
        n_keep = min(len(none), max(max_controls - int(took_all.sum()), max_controls // 2))
        keep = np.sort(np.concatenate([np.flatnonzero(took_all),
                                       rng.choice(none, n_keep, replace=False)]))
        weight = np.where(took_all, 1.0, len(none) / n_keep)[keep]
        c_id, c_m = c_id[keep], c_m[keep]
    took_c, amount, dflt = _control_outcomes(walk, walk_key, c_id, c_m)
    treated = pd.DataFrame({
        "lead_id": h["lead_id"].to_numpy(), "month": h["month"].to_numpy(), "visited": 1,
        "randomised": (h.get("visited_by_policy", pd.Series("", index=h.index)).astype(str)
                       == "random").to_numpy(int),
        "took_loan": h["took_loan"].to_numpy(int),
        "loan_yuan": pd.to_numeric(h.get("loan_yuan", np.nan), errors="coerce"),
        "defaulted": pd.to_numeric(h.get("defaulted", np.nan), errors="coerce"),
        "weight": 1.0})
    control = pd.DataFrame({"lead_id": c_id, "month": c_m, "visited": 0, "randomised": 0,
                            "took_loan": took_c, "loan_yuan": amount, "defaulted": dflt,
                            "weight": weight})
    rows = pd.concat([treated.reset_index(drop=True), control], ignore_index=True)
    rec = loan_recency(rows["lead_id"].tolist(), rows["month"].astype(str).tolist(), book)
    own = [c for c in b.columns if c not in rows.columns]
    out = b.set_index("lead_id").loc[rows["lead_id"], own].reset_index(drop=True)
    out.insert(0, "lead_id", rows["lead_id"].to_numpy())
    for c in rows.columns[1:]:
        out[c] = rows[c].to_numpy()
    for c in RECENCY_FEATURES:
        out[c] = rec[c].to_numpy()
    return out


def _control_outcomes(walk: pd.DataFrame, walk_key: set[tuple[str, str]],
                      c_id: npt.NDArray[np.object_], c_m: npt.NDArray[np.object_]
                      ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64],
                                 npt.NDArray[np.float64]]:
    """Walk-in loan (0/1), its amount and default flag of each control business-month."""
    took = np.array([(x, m) in walk_key for x, m in zip(c_id, c_m, strict=True)], int)
    amount = np.zeros(len(c_id))
    dflt = np.full(len(c_id), np.nan)
    if took.any() and "loan_yuan" in walk.columns:
        rows = walk.assign(lead_id=walk["lead_id"].astype(str)).set_index(["lead_id", "month"])
        got = rows.loc[list(zip(c_id[took == 1], c_m[took == 1], strict=True))]
        amount[took == 1] = got["loan_yuan"].to_numpy(float)
        if "defaulted" in got.columns:
            dflt[took == 1] = got["defaulted"].to_numpy(float)
    return took, amount, dflt


def model_features(rows: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """Model features per row, each in its own month, plus the recency features.

    Parameters
    ----------
    rows : pandas.DataFrame
        Lead rows with ``month`` (``YYYY-MM``) and, optionally, :data:`RECENCY_FEATURES`
        (NaN where absent).
    groups : sequence of str
        Which feature groups to build (:func:`~propensity.features.build_features`).

    Returns
    -------
    pandas.DataFrame
        One row per input row, in order.
    """
    months = rows["month"].astype(str).to_numpy()
    numbers = numeric_inputs(rows)  # once, not once a month
    parts = []
    for m in sorted(set(months)):
        sel = np.flatnonzero(months == m)
        f = build_features(numbers.iloc[sel], m, groups=groups)
        f.index = sel
        parts.append(f)
    X = pd.concat(parts).sort_index()
    for c in RECENCY_FEATURES:
        X[c] = pd.to_numeric(rows[c], errors="coerce").to_numpy(float) if c in rows.columns \
            else np.nan
    return X.reset_index(drop=True)
