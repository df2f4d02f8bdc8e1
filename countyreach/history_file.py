"""``history.csv``: a county's past visits and their outcomes, read and checked.

The model learns from these rows and ``county import`` stores them keyed by lead and
month, so both must see the same rows: a lead's two rows of one month are one visit,
and the reader keeps one of them (the last, with a warning when they disagree) before
either looks.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from countyreach.amounts import yuan_text
from countyreach.csvio import CsvRow, parse_rows, read_csv_table
from countyreach.errors import DroppedRowWarning, InputError
from countyreach.schemas import HistoryRow

__all__ = ["HISTORY_COLUMNS", "read_history"]

#: Columns of ``history.csv`` (past visits and their outcomes), with what each holds.
HISTORY_COLUMNS: Mapping[str, str] = {
    "lead_id": "required; the lead visited",
    "month": "required; YYYY-MM of the visit (2025-9, 2025/9 and 2025年9月 read as 2025-09)",
    "took_loan": "0 or 1 (or give 'outcome' instead)",
    "outcome": "optional; an officer's outcome code (met, not_there, interested, ...)",
    "loan_yuan": "optional; amount lent, >= 0 (50,000 and ¥50,000 read as 50000)",
    "defaulted": "optional; 0 or 1",
}

#: What a visit's row says: two rows of a lead and month that differ here disagree.
_SAYS = ("took_loan", "outcome", "loan_yuan", "defaulted", "visited_by_policy")


def read_history(path: str | Path) -> pd.DataFrame:
    """Read and validate past visits and their outcomes (``history.csv``).

    Parameters
    ----------
    path : str or Path
        CSV with the columns of :data:`HISTORY_COLUMNS`; other columns are kept.

    Returns
    -------
    pandas.DataFrame
        ``lead_id`` and ``month`` (``YYYY-MM``, however the file wrote it) as text,
        ``outcome`` in lower case, ``took_loan``/``loan_yuan``/``defaulted`` as numbers (NaN
        where empty), in file order; one row per lead and month (the last, see
        :func:`_one_per_month`). ``attrs["source_rows"]`` holds each row's number in the file
        (blank lines counted), for messages about it.

    Raises
    ------
    InputError
        Naming file, row and field of the first bad value (and every other bad row), or an
        empty file.
    """
    from propensity.outcomes import Outcome

    p = Path(path)
    df = read_csv_table(p, ["lead_id", "month"])
    if "took_loan" not in df.columns and "outcome" not in df.columns:
        raise InputError("needs a 'took_loan' (0/1) or an 'outcome' column", file=str(p),
                         field="took_loan")
    if df.empty:
        raise InputError("the history file has no rows", file=str(p))
    codes = {o.value for o in Outcome}

    def visit(row: CsvRow) -> tuple[str, str]:
        h = row.validate(HistoryRow)
        if "took_loan" in df.columns and "outcome" not in df.columns and h.took_loan is None:
            raise row.err("took_loan", "value is required")
        # an officer's sheet writes "Approved" as readily as "approved"
        if h.outcome and h.outcome.lower() not in codes:
            raise row.err("outcome", f"unknown outcome {h.outcome!r}; use one of {sorted(codes)}")
        return h.lead_id, h.month

    keys = parse_rows(p, df, visit)
    out = df.copy()
    out["lead_id"] = [k[0] for k in keys]
    out["month"] = [k[1] for k in keys]  # 2025-9 compared as text would follow 2025-11
    if "outcome" in out.columns:
        out["outcome"] = out["outcome"].str.lower()
    if "loan_yuan" in out.columns:  # the schema read it so: 50,000 is 50000
        out["loan_yuan"] = out["loan_yuan"].map(yuan_text)
    for c in ("took_loan", "loan_yuan", "defaulted"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c].replace("", None), errors="coerce")
    out = _one_per_month(p, out)
    rows = [int(r) for r in out.index]
    out = out.reset_index(drop=True)  # positions, as every table the model reads
    out.attrs["source_rows"] = rows
    return out


def _one_per_month(path: Path, history: pd.DataFrame) -> pd.DataFrame:
    """``history`` with one row per lead and month, the last: the store keeps one visit per
    lead and month, and training from the file must learn from the same one. Rows that
    disagree are named in one :class:`DroppedRowWarning`; identical copies go silently."""
    key = ["lead_id", "month"]
    said = [c for c in _SAYS if c in history.columns]
    again = history[history.duplicated(key, keep=False)]
    if again.empty:
        return history
    clashes = []
    for (lead, month), rows in again.groupby(key, sort=False):
        if len(rows[said].astype(str).drop_duplicates()) > 1:
            clashes.append(f"{lead} {month}: rows {', '.join(str(int(r)) for r in rows.index)}")
    if clashes:
        warnings.warn(f"{path}: {len(clashes)} lead(s) have rows of one month that disagree "
                      f"({'; '.join(clashes[:5])}{' …' if len(clashes) > 5 else ''}); one visit "
                      "per lead and month is kept, the last row of each, for training and "
                      "import alike", DroppedRowWarning, stacklevel=3)
    return history[~history.duplicated(key, keep="last")]
