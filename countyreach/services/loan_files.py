"""The bank's loan records in a county folder: its own loan book and the loans elsewhere it
knows of.

``loans.csv`` is the bank's loan book: every loan it made, after a visit or not, from its
first month to its last (the outcomes of the months nobody visited). ``loans_elsewhere.csv``
lists loans from other lenders the bank knows of: a credit report the owner agreed to, the
county's rural credit-information system, an officer's notes. A business that borrowed
elsewhere recently has little to gain from a visit; those loans are features only, never
outcomes nor the bank's own loan rule (:func:`propensity.bank_loan_book`). A row of it without
a month says the lead was checked and has none: a lead the file does not name is not known.
Both files are optional; a bad row names the file, row and field.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

import propensity
from countyreach.amounts import read_yuan, yuan_text
from countyreach.csvio import read_csv_table, row_errors, with_row_id
from countyreach.dates import read_month
from countyreach.errors import DataWarning, DroppedRowWarning, InputError
from countyreach.workbook import table_file
from propensity.errors import DataError
from propensity.features import isin
from propensity.loan_recency import coverage

__all__ = ["LOANS_ELSEWHERE_FILE", "LOANS_FILE", "beyond_loan_book", "read_loans",
           "read_loans_elsewhere", "warn_loan_rows"]

#: The bank's loan book in a county folder.
LOANS_FILE = "loans.csv"
#: Loans from other lenders the bank knows of, in a county folder.
LOANS_ELSEWHERE_FILE = "loans_elsewhere.csv"


def _read_book(path: Path, ignore: tuple[str, ...] = (),
               check: Callable[[pd.DataFrame], pd.DataFrame] = propensity.check_loan_book,
               refuse: tuple[tuple[str, str], ...] = (),
               one_per_month: bool = False, blank_month: bool = False) -> pd.DataFrame | None:
    """A loan file read and checked by ``check``; ``refuse``: ``(column, why)`` the file
    must not have; ``one_per_month``: warn about a lead's second row of a month (the
    check keeps the last); ``blank_month``: a row may leave ``month`` empty."""
    p = Path(path)
    if not p.exists():
        return None
    table = read_csv_table(p, ["lead_id", "month"]).drop(columns=list(ignore), errors="ignore")
    for col, why in refuse:
        if col in table.columns:
            raise InputError(why, file=str(p), field=col)
    # every month as YYYY-MM before the check: "2026-9" compared as text follows "2026-11";
    # every amount as a plain number: "50,000" would not be one (refusals quote the cell as
    # typed, full-width digits and all)
    typed = table.attrs.get("typed", {})
    errors = []
    months = []
    for r, m in table["month"].items():
        try:
            months.append("" if blank_month and not m
                          else read_month(typed.get((int(r), "month"), m)))
        except InputError as exc:
            errors.append(InputError(exc.reason + ("; blank: checked, no loan elsewhere"
                                                   if blank_month else ""),
                                     file=str(p), row=int(r), field="month"))
            months.append("")
    table = table.assign(month=months)
    if "loan_yuan" in table.columns:
        bad_month = {e.row for e in errors}  # a row's first problem only
        for r, cell in table["loan_yuan"].items():
            if int(r) in bad_month:
                continue
            try:
                read_yuan(typed.get((int(r), "loan_yuan"), cell), "loan_yuan")
            except InputError as exc:
                errors.append(InputError(exc.reason, file=str(p), row=int(r),
                                         field="loan_yuan"))
        table = table.assign(loan_yuan=table["loan_yuan"].map(yuan_text))
    whole = None
    if not errors:
        try:
            book = check(table)
        except DataError as exc:
            whole = InputError(exc.reason, file=str(p), row=_file_row(table, exc.row),
                               field=exc.field)
        else:
            if one_per_month:
                _warn_repeats(p, table)
            return book
    # Every bad row in one error, so a spreadsheet is fixed in one pass.
    bad_cell = {e.row for e in errors}
    for i in range(len(table)):
        if int(table.index[i]) in bad_cell:
            continue
        try:
            check(table.iloc[[i]])
        except DataError as exc:
            errors.append(InputError(exc.reason, file=str(p), row=int(table.index[i]),
                                     field=exc.field))
    if not errors:  # the whole table failed and no row alone did (cannot happen today)
        assert whole is not None
        raise whole
    errors = [with_row_id(e, table.loc[e.row].to_dict())
              for e in sorted(errors, key=lambda e: e.row or 0)]
    raise row_errors(p, errors) from None


def _file_row(table: pd.DataFrame, position: int | None) -> int | None:
    """The file's row of the check's 1-based ``position`` in ``table`` (blank rows skipped)."""
    if position is None or not 1 <= position <= len(table):
        return position
    return int(table.index[position - 1])


def _warn_repeats(path: Path, table: pd.DataFrame) -> None:
    """One warning naming the rows that share a lead and month with another row."""
    key = table["lead_id"].str.strip() + "|" + table["month"]
    again = table.index[key.duplicated(keep=False).to_numpy()]
    if not len(again):
        return
    rows = ", ".join(str(r) for r in again[:6]) + (" …" if len(again) > 6 else "")
    warnings.warn(f"{path}: rows {rows} give one lead two loans in one month; the book holds "
                  "one loan per lead and month, so the last of each is kept",
                  DroppedRowWarning, stacklevel=3)


def read_loans(path: Path) -> pd.DataFrame | None:
    """A county folder's loan book (``loans.csv``), checked; ``None`` when there is none.

    Parameters
    ----------
    path : Path
        ``loans.csv``: ``lead_id, month`` and optional ``loan_yuan``, ``defaulted``, one row
        per loan the bank made (after a visit or not) from its first month to its last.

    Raises
    ------
    InputError
        Naming the file, row and field of the first bad value, and every other bad row.
    """
    return _read_book(path, one_per_month=True)


#: Why ``loans_elsewhere.csv`` has no ``known_month``.
_KNOWN_MONTH_REFUSED = (
    "loans_elsewhere.csv is a report of record (a credit report, the county's credit "
    "register): it holds for every month and has no known_month column; what an owner tells "
    "an officer is recorded with the visit's outcome")


def read_loans_elsewhere(path: Path) -> pd.DataFrame | None:
    """A county folder's loans from other lenders (``loans_elsewhere.csv``), checked;
    ``None`` when there is none.

    Parameters
    ----------
    path : Path
        ``loans_elsewhere.csv``: ``lead_id, month`` (``YYYY-MM`` the loan was made; blank:
        the lead was checked and has no loan elsewhere) and optional ``loan_yuan`` (>= 0);
        other columns (``lender``, ``source_note``, even a ``defaulted``) are ignored.

    Returns
    -------
    pandas.DataFrame or None
        ``lead_id, month, loan_yuan, known_month`` (:func:`propensity.check_loans_elsewhere`):
        ``month`` '' for a lead checked without one, ``loan_yuan`` NaN where not known,
        ``known_month`` always '' (a report of record holds for every month).

    Raises
    ------
    InputError
        Naming the file, row and field of the first bad value, and every other bad row; or
        the file and ``known_month`` when the file has that column.
    """
    # whether another lender's loan defaulted is not the bank's to know
    book = _read_book(path, ignore=("defaulted",), check=propensity.check_loans_elsewhere,
                      refuse=(("known_month", _KNOWN_MONTH_REFUSED),), blank_month=True)
    return None if book is None else book[["lead_id", "month", "loan_yuan", "known_month"]]


def warn_loan_rows(folder: Path, loans: pd.DataFrame | None, elsewhere: pd.DataFrame | None,
                   *, lead_ids: Iterable[str] | None = None, month: str | None = None) -> None:
    """Warn about rows of a folder's loan files that nothing uses: loans of leads the leads
    table lacks (with ``lead_ids``), and loans dated after ``month`` (the plan's).

    Neither is an error: a bank's book covers more than one county's leads, and a loan
    counts from its month on. But a typo there (a lead id, 2031 for 2021) would leave a
    recent borrower open to a visit, so the user is told.

    Parameters
    ----------
    folder : Path
        The county folder (the warnings name its files).
    loans, elsewhere : pandas.DataFrame or None
        As :func:`read_loans` and :func:`read_loans_elsewhere` return them.
    lead_ids : iterable of str, optional
        The leads table's ids.
    month : str, optional
        ``YYYY-MM`` of the plan.
    """
    known = None if lead_ids is None else {str(x) for x in lead_ids}
    for name, book in ((LOANS_FILE, loans), (LOANS_ELSEWHERE_FILE, elsewhere)):
        if book is None or not len(book):
            continue
        where = table_file(folder, name)  # the file the rows came from: .csv or .xlsx
        ids = book["lead_id"].astype(str)
        known_row = None if known is None else isin(ids, known)
        if known_row is not None and not known_row.all():
            other = ids[~known_row]
            warnings.warn(f"{where}: {len(other)} row(s) name leads that are not in "
                          f"the leads table (e.g. {other.iloc[0]!r}); not used",
                          DroppedRowWarning, stacklevel=2)
        months = book["month"].astype(str)
        late = (months != "") & (months > month) if month is not None else None
        if late is not None and late.any():
            warnings.warn(f"{where}: {int(late.sum())} loan(s) dated after the plan's "
                          f"month {month} (e.g. lead {ids[late].iloc[0]!r} in "
                          f"{months[late].iloc[0]}); a loan counts from its month on",
                          DataWarning, stacklevel=2)


def beyond_loan_book(history: pd.DataFrame, loans: pd.DataFrame | None) -> str:
    """What a retraining says of visits after the loan book's last month ('' for none).

    The value of a visit compares visited and unvisited business-months; an unvisited month's
    outcome (a walk-in loan, or none) is known only where the bank's loan book covers it, so
    visits after its last month teach the uptake model but not the value until the lender's
    current ``loans.csv`` is imported.
    """
    cover = coverage(loans)
    if cover is None or history.empty:
        return ""
    after = history["month"].astype(str).str.slice(0, 7) > cover[1]
    n, last = int(after.sum()), str(history.loc[after, "month"].astype(str).max())[:7]
    if not n:
        return ""
    return (f"; {n} visit(s) after {cover[1]}, the loan book's last month (up to {last}), "
            "teach the uptake model but not the value of a visit, which needs the loan book "
            "for their months (who borrowed without a visit): import the lender's current "
            "loans.csv with `countyreach county import`")
