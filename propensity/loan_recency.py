"""The bank's loan book and loan recency: the features of a renewal that is due.

Months since a lead's last loan from us and its loans of the last two years, at any
month; :mod:`propensity.uplift` uses them as features and for the loan rule. The loan book
is checked here (:func:`check_loan_book`) and joined to the visit history's loans
(:func:`bank_loan_book`); it is taken to be complete from its first month to its last
(:func:`coverage`).

Loans from other lenders that the bank knows of (a credit report the owner agreed to, a
county's rural credit-information system, an officer's notes) join the same book with
``source = "elsewhere"``. They are never outcomes (a loan elsewhere is not a walk-in to
us) and never trigger the bank's own loan rule; they give the feature
``months_since_other_loan``: a business that found credit elsewhere last month has little
to gain from a visit today, and without it that business looks most in need of credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.errors import DataError
from propensity.features import parse_month
from propensity.history import check_history

__all__ = ["RECENCY_CAP_MONTHS", "ELSEWHERE", "LoanSource", "loan_recency", "month_index",
           "check_loan_book", "bank_loan_book", "recency_now", "coverage", "in_coverage",
           "own_loans", "newest_loan_months", "check_loans_elsewhere", "first_of_each"]

#: Months-since-last-loan features are capped here (never borrowed = the cap).
RECENCY_CAP_MONTHS = 60.0


class LoanSource:
    """Where a loan came from: the values of a joined book's (and an economy's loan
    table's) ``source`` column."""

    VISIT = "visit"
    WALK_IN = "walk_in"
    ELSEWHERE = "elsewhere"
    #: A check of the loans elsewhere that found none (a joined book's row, not a loan).
    CHECKED = "checked"


#: Sources of a joined book's rows that are not loans from us.
_NOT_OURS = (LoanSource.ELSEWHERE, LoanSource.CHECKED)


#: ``source`` of a loan from another lender in a joined book (:func:`bank_loan_book`).
ELSEWHERE = LoanSource.ELSEWHERE


def own_loans(book: pd.DataFrame) -> pd.DataFrame:
    """The rows of a joined book that are loans from us (every row without ``source``)."""
    if "source" not in book.columns or not len(book):
        return book
    return book[~book["source"].astype(str).isin(_NOT_OURS)]


def newest_loan_months(X: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Months since each row's newest known loan, ours or elsewhere (NaN: none given).

    Parameters
    ----------
    X : pandas.DataFrame
        Rows with ``months_since_loan`` and, where known, ``months_since_other_loan``.

    Returns
    -------
    numpy.ndarray
    """
    def col(name: str) -> npt.NDArray[np.float64]:
        if name not in X.columns:
            return np.full(len(X), np.nan)
        return np.asarray(pd.to_numeric(X[name], errors="coerce"), float)

    return np.asarray(np.fmin(col("months_since_loan"), col("months_since_other_loan")), float)


def _elsewhere(book: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of a joined book about loans elsewhere: the loans and the checks."""
    if book is None or "source" not in book.columns or not len(book):
        return None
    out = book[book["source"].astype(str).isin(_NOT_OURS)]
    return out if len(out) else None


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
        ``months_since_loan`` (capped at 60; 60 = none known) and ``loans_24m`` of our
        loans, and ``months_since_other_loan``: months since the newest loan elsewhere the
        bank knew of before ``month`` (capped at 60 where it knew the lead had none), NaN
        where it did not know (nobody checked or asked); in input order.
    """
    return _recency(lead_ids, month, loan_book, this_month=False)


def _recency(lead_ids: Sequence[str], month: str | Sequence[str],
             loan_book: pd.DataFrame | None, *, this_month: bool) -> pd.DataFrame:
    """:func:`loan_recency`; with ``this_month`` the loans elsewhere and checks of the
    month itself count (:func:`recency_now`)."""
    ids = np.asarray([str(x) for x in lead_ids], dtype=object)
    at = (np.full(len(ids), month_index([month])[0]) if isinstance(month, str)
          else month_index(list(month)))
    since, count = _since(ids, at, None if loan_book is None else own_loans(loan_book))
    other = _since_other(ids, at, _elsewhere(loan_book), this_month=this_month)
    return pd.DataFrame({"months_since_loan": since, "loans_24m": count,
                         "months_since_other_loan": other})


def _since_other(ids: npt.NDArray[np.object_], at: npt.NDArray[np.int64],
                 rows: pd.DataFrame | None, *, this_month: bool) -> npt.NDArray[np.float64]:
    """Months since the newest loan elsewhere known at each ``at`` (capped; the cap where
    the lead was checked without one known, NaN where unknown).

    What an owner told an officer is known from the visit's month on (``known_month``);
    counting it in the months before would make exactly the leads visited later look
    checked, and the leads nobody visited look unknown only when scored. With
    ``this_month`` a loan or check of ``at``'s own month counts (planning ``at``)."""
    out = np.full(len(ids), np.nan)
    if rows is None or not len(rows) or not len(ids):
        return out
    known_txt = (rows["known_month"].astype(str).to_numpy() if "known_month" in rows.columns
                 else np.full(len(rows), "", dtype=object))
    known = np.full(len(rows), np.iinfo(np.int64).min // 2, dtype=np.int64)
    has = np.asarray([len(k) >= 7 for k in known_txt], bool)
    known[has] = month_index(known_txt[has])
    loan = (rows["source"].astype(str) == ELSEWHERE).to_numpy(bool)
    m = np.full(len(rows), -1, dtype=np.int64)
    m[loan] = month_index(rows["month"].astype(str).to_numpy()[loan])
    frame = pd.DataFrame({"lead_id": rows["lead_id"].astype(str).to_numpy(), "known": known,
                          "m": m, "loan": loan})
    by_lead = {lid: (g["known"].to_numpy(), g["m"].to_numpy(), g["loan"].to_numpy())
               for lid, g in frame.groupby("lead_id")}
    for i, (lid, t) in enumerate(zip(ids, at, strict=True)):
        got = by_lead.get(lid)
        if got is None:
            continue
        k, lm, is_loan = got
        seen = k <= t if this_month else k < t
        if not seen.any():
            continue
        before = seen & is_loan & ((lm <= t) if this_month else (lm < t))
        out[i] = (min(RECENCY_CAP_MONTHS, float(t - lm[before].max())) if before.any()
                  else RECENCY_CAP_MONTHS)
    return out


def _since(ids: npt.NDArray[np.object_], at: npt.NDArray[np.int64],
           loans: pd.DataFrame | None) -> tuple[npt.NDArray[np.float64],
                                                npt.NDArray[np.float64]]:
    """Months since the last of ``loans`` before each ``at`` (capped), and the count in
    the 24 months before it."""
    since = np.full(len(ids), RECENCY_CAP_MONTHS)
    count = np.zeros(len(ids))
    if loans is None or not len(loans) or not len(ids):
        return since, count
    book = pd.DataFrame({"lead_id": loans["lead_id"].astype(str).to_numpy(),
                         "m": month_index(loans["month"].astype(str).to_numpy())})
    by_lead = book.groupby("lead_id")["m"].apply(np.sort).to_dict()
    for i, (lid, t) in enumerate(zip(ids, at, strict=True)):
        ms = by_lead.get(lid)
        if ms is None:
            continue
        before = ms[ms < t]
        if len(before):
            since[i] = min(RECENCY_CAP_MONTHS, float(t - before[-1]))
            count[i] = float(np.sum(before >= t - 24))
    return since, count


def check_loan_book(loans: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the bank's loan book: ``lead_id, month, loan_yuan, defaulted``.

    Parameters
    ----------
    loans : pandas.DataFrame
        One row per loan: ``lead_id``, ``month`` (``YYYY-MM`` the loan was made), optional
        ``loan_yuan`` (finite, >= 0) and ``defaulted`` (0/1). Other columns are ignored: whether a
        loan followed a visit is read from the visit history, not from the book.

    Returns
    -------
    pandas.DataFrame
        The four columns, ``lead_id`` and ``month`` as text, one row per lead and month.

    Raises
    ------
    DataError
        Naming the row and field of a bad month, amount or default flag, or a missing column.
    """
    missing = [c for c in ("lead_id", "month") if c not in loans.columns]
    if missing:
        raise DataError(f"the loan book lacks column(s) {missing}", field=missing[0])
    out = pd.DataFrame({"lead_id": loans["lead_id"].astype("string").str.strip().fillna(""),
                        "month": loans["month"].astype("string").str.strip().fillna("")
                        .str.slice(0, 7)}).astype(object)
    if (out["lead_id"] == "").any():
        raise DataError("a loan without a lead_id", row=int(np.flatnonzero(
            (out["lead_id"] == "").to_numpy())[0]) + 1, field="lead_id")
    for i, m in enumerate(out["month"], start=1):
        try:
            parse_month(m)
        except DataError:
            raise DataError(f"expected a month like 2025-09, got {m!r}", row=i,
                            field="month") from None
    for col, allowed in (("loan_yuan", None), ("defaulted", (0.0, 1.0))):
        out[col] = _optional_number(loans, col, allowed)
    return out.drop_duplicates(["lead_id", "month"], keep="last").reset_index(drop=True)


def _optional_number(loans: pd.DataFrame, col: str,
                     allowed: tuple[float, ...] | None = None) -> npt.NDArray[np.float64]:
    """``col`` as floats, NaN where blank or absent; any other value must be one of
    ``allowed`` or, without it, finite and >= 0 (else a DataError naming row and field)."""
    raw = loans[col] if col in loans.columns else pd.Series("", index=loans.index)
    text = raw.astype("string").str.strip().fillna("")
    blank = text.isin(["", "nan", "NaN", "None"]).to_numpy(bool)
    val = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    fine = val.isin(allowed) if allowed is not None else (val >= 0) & np.isfinite(val)
    bad = ~blank & ~fine.to_numpy(bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{col} cannot be {text.iloc[i]!r}", row=i + 1, field=col)
    return np.asarray(val.to_numpy(float), float)


def check_loans_elsewhere(loans: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of what the bank knows of a county's loans from other lenders.

    A row with a ``month`` is a loan elsewhere taken that month; a row without one says the
    lead's loans elsewhere were checked and none was found. ``known_month`` is when the bank
    learnt it: blank for a report of record (a credit report, the county's credit register:
    as good for any month of the history), the visit's month for what an owner told an
    officer (known only from then on, so a lead nobody asked stays unknown instead of
    looking as if it had no loan elsewhere).

    Parameters
    ----------
    loans : pandas.DataFrame
        ``lead_id`` and ``month`` (``YYYY-MM`` or blank), optional ``loan_yuan`` (finite,
        >= 0) and ``known_month`` (``YYYY-MM`` or blank); other columns are ignored.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, month, loan_yuan, known_month``; ``month`` and ``known_month`` as text
        ('' where blank); one row per lead, month and known month.

    Raises
    ------
    DataError
        Naming the row and field of a bad month, amount or known month, a loan known
        before it was taken, or a missing column.
    """
    missing = [c for c in ("lead_id", "month") if c not in loans.columns]
    if missing:
        raise DataError(f"the loans elsewhere lack column(s) {missing}", field=missing[0])

    def text(col: str) -> pd.Series:
        raw = loans[col] if col in loans.columns else pd.Series("", index=loans.index)
        t = raw.astype("string").str.strip().fillna("")
        return t.where(~t.isin(["nan", "NaN", "None"]), "").astype(object)

    ids, month, known = text("lead_id"), text("month"), text("known_month")
    for i in range(len(loans)):
        if ids.iloc[i] == "":
            raise DataError("a row without a lead_id", row=i + 1, field="lead_id")
        for col, m in (("month", month.iloc[i]), ("known_month", known.iloc[i])):
            if m == "":
                continue
            try:
                parse_month(m[:7])
            except DataError:
                raise DataError(f"expected a month like 2025-09 (or blank), got {m!r}",
                                row=i + 1, field=col) from None
        if month.iloc[i] and known.iloc[i] and known.iloc[i][:7] < month.iloc[i][:7]:
            raise DataError(f"a loan of {month.iloc[i][:7]} cannot be known in "
                            f"{known.iloc[i][:7]}", row=i + 1, field="known_month")
    out = pd.DataFrame({"lead_id": ids.to_numpy(object),
                        "month": month.str.slice(0, 7).to_numpy(object),
                        "loan_yuan": _optional_number(loans, "loan_yuan"),
                        "known_month": known.str.slice(0, 7).to_numpy(object)})
    return out.drop_duplicates(["lead_id", "month", "known_month"], keep="last"
                               ).reset_index(drop=True)


def bank_loan_book(history: pd.DataFrame | None,
                   loans: pd.DataFrame | None = None,
                   elsewhere: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every loan the bank knows: the visit history's loans, the loan book's and the
    loans elsewhere it knows of.

    Parameters
    ----------
    history : pandas.DataFrame or None
        Visit history (and recorded outcomes) with ``took_loan``.
    loans : pandas.DataFrame, optional
        The loan book (:func:`check_loan_book`).
    elsewhere : pandas.DataFrame, optional
        What the bank knows of loans from other lenders (:func:`check_loans_elsewhere`:
        loans, and checks that found none): features only, never outcomes nor the loan
        rule's. A lead it does not list is not known.

    Returns
    -------
    pandas.DataFrame
        ``lead_id, month, source, loan_yuan, defaulted, known_month``; ``source`` is
        ``visit`` where the lead was visited that month, ``walk_in`` for the book's other
        loans, ``elsewhere`` for the other lenders' and ``checked`` for a check that found
        none (``month`` ''); ``known_month`` is '' except for what the bank learnt at a
        visit. One loan from us per lead and month; elsewhere one row per lead, month and
        known month.
    """
    cols = ["lead_id", "month", "source", "loan_yuan", "defaulted", "known_month"]
    h = check_history(history) if history is not None and len(history) else None
    visited = set() if h is None else set(zip(h["lead_id"], h["month"], strict=True))
    parts = []
    if h is not None:
        took = h[h["took_loan"] == 1]
        parts.append(took.assign(source=LoanSource.VISIT, known_month="")[cols])
    if loans is not None and len(loans):
        book = check_loan_book(loans)
        src = [LoanSource.VISIT if k in visited else LoanSource.WALK_IN
               for k in zip(book["lead_id"], book["month"], strict=True)]
        parts.append(book.assign(source=src, known_month="")[cols])
    if elsewhere is not None and len(elsewhere):
        other = check_loans_elsewhere(elsewhere)
        kind = np.where(other["month"] == "", LoanSource.CHECKED, ELSEWHERE)
        parts.append(other.assign(source=kind, defaulted=np.nan)[cols])
    if not parts:
        return pd.DataFrame(columns=cols)
    # the visit's record of a loan from us wins
    return first_of_each(pd.concat(parts, ignore_index=True))


def first_of_each(book: pd.DataFrame) -> pd.DataFrame:
    """The first row of a joined book for each loan from us per lead and month, and for
    each loan elsewhere or check per lead, month and month it was learnt.

    Parameters
    ----------
    book : pandas.DataFrame
        ``lead_id, month, source`` and optionally ``known_month`` (blank or missing: '').

    Returns
    -------
    pandas.DataFrame
        The rows kept, in order, re-indexed.
    """
    src = book["source"].astype(str)
    ours = ~src.isin(_NOT_OURS)
    known = (book["known_month"].fillna("").astype(str) if "known_month" in book.columns
             else pd.Series("", index=book.index))
    key = book[["lead_id", "month"]].assign(_src=src.where(~ours, "ours"),
                                            _known=known.where(~ours, ""))
    return book[~key.duplicated()].reset_index(drop=True)


def recency_now(lead_ids: Sequence[str], month: str,
                loan_book: pd.DataFrame | None) -> pd.DataFrame:
    """Loan recency when planning ``month``: a loan made this month is 0 months ago.

    :func:`loan_recency` counts loans *before* a month (in training the month's loan is the
    outcome); when planning, a loan already made this month makes the lead a customer.

    Parameters
    ----------
    lead_ids : sequence of str
    month : str
        ``YYYY-MM`` being planned.
    loan_book : pandas.DataFrame or None
        Every loan the bank knows (:func:`bank_loan_book`).

    Returns
    -------
    pandas.DataFrame
        ``months_since_loan, loans_24m, months_since_other_loan`` in input order.
    """
    ids = [str(x) for x in lead_ids]
    rec = _recency(ids, month, loan_book, this_month=True)
    book = None if loan_book is None else own_loans(loan_book)
    if book is not None and len(book):
        now = book["month"].astype(str).str.slice(0, 7) == month
        this = set(book.loc[now, "lead_id"].astype(str))
        rec.loc[np.isin(np.asarray(ids, dtype=object), list(this)), "months_since_loan"] = 0.0
    return rec


def coverage(loans: pd.DataFrame | None) -> tuple[str, str] | None:
    """First and last month of a loan book (``None`` without one): the months it covers."""
    if loans is None or not len(loans):
        return None
    m = loans["month"].astype(str).str.slice(0, 7)
    return str(m.min()), str(m.max())


def in_coverage(history: pd.DataFrame, cover: tuple[str, str]) -> pd.DataFrame:
    """The rows of ``history`` inside the months ``cover`` (see :func:`coverage`)."""
    m = history["month"].astype(str).str.slice(0, 7)
    return history[(m >= cover[0]) & (m <= cover[1])].reset_index(drop=True)
