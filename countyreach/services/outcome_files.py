"""Outcomes files (``countyreach outcomes import``): visits read from a CSV, bad rows kept.

A file with a few typos is fixed in one pass: every row is read, and the rows that could
not be read are kept with their errors, so the store can check the others and one message
names them all (:meth:`countyreach.store.Store.record_outcomes`).
"""

from __future__ import annotations

import json
import re
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countyreach.amounts import read_yuan, yuan_text
from countyreach.csvio import read_csv_table, row_errors, with_row_id
from countyreach.dates import read_date, read_month
from countyreach.errors import DroppedRowWarning, InputError, RowErrors

__all__ = ["OUTCOME_FILE_COLUMNS", "OutcomeFile", "read_outcome_file", "located"]

#: Columns of an outcomes file (``countyreach outcomes import``).
OUTCOME_FILE_COLUMNS = ("county_id", "plan_date", "lead_id", "outcome")
#: Rows a warning of repeated visits lists before it counts the rest (as the blank-row
#: warning of every file does).
REPEATS_LISTED = 10
# One outcome id per file row, the same on every import of the file: re-importing is a no-op.
_OUTCOME_NS = uuid.UUID("6f1c1b1e-8d1a-4c55-9a51-2b4f0d6c3e10")


@dataclass(frozen=True)
class OutcomeFile:
    """An outcomes file as read: the visits of its readable rows, and the others' errors.

    ``visits[k]`` is the keyword arguments of
    :meth:`~countyreach.store.Store.record_outcome` of file row ``rows[k]`` (1-based, after
    the header, blank lines counted); ``errors`` holds one error per unreadable row (or
    second, different row of one visit), located in the file.
    """

    path: Path
    visits: tuple[Mapping[str, Any], ...]
    rows: tuple[int, ...]
    errors: tuple[InputError, ...]


def read_outcome_file(path: str | Path) -> OutcomeFile:
    """Read an outcomes CSV: :data:`OUTCOME_FILE_COLUMNS` and the optional ``consent``,
    ``opt_out``, ``follow_up_on``, ``amount_yuan``, ``reason``, ``other_loan_month``,
    ``other_loan_asked`` (flags yes/no; ``consent`` blank is yes, the others no).

    Cells are read as a lender's sheet writes them: days as ``2026-11-24``, ``2026/11/24`` or
    ``2026年11月24日`` (:func:`countyreach.dates.read_date`), months as
    :func:`countyreach.dates.read_month` reads them, outcome codes in any case
    (``Approved``), amounts as :func:`countyreach.amounts.read_yuan` reads them (``50,000``,
    ``５０，０００``, ``¥50,000``). Each
    visit's ``outcome_id`` is made from its content, so importing the file again records
    nothing new. A visit (county, day, lead) written twice alike is recorded once, with a
    :class:`DroppedRowWarning`; written twice differently it is an error naming both rows.

    Parameters
    ----------
    path : str or Path
        UTF-8 or GBK text (a sheet saved by Excel or WPS on a Chinese desktop).

    Returns
    -------
    OutcomeFile

    Raises
    ------
    InputError
        The file itself is unreadable (missing, not CSV, a required column missing).
    """
    p = Path(path)
    df = read_csv_table(p, OUTCOME_FILE_COLUMNS)
    visits, rows, errors = [], [], []
    first: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
    again: list[str] = []
    typed = df.attrs.get("typed", {})
    for i, rec in zip(df.index, df.to_dict(orient="records"), strict=True):
        try:
            visit = _visit(rec, typed.get((int(i), "amount_yuan")))
        except InputError as exc:
            errors.append(with_row_id(InputError(exc.reason, file=str(p), row=int(i),
                                                 field=exc.field), rec))
            continue
        key = (visit["county_id"], visit["plan_date"], visit["lead_id"])
        if key in first:
            row0, visit0 = first[key]
            if visit0 == visit:  # a row copied twice: one visit, recorded once
                again.append(f"{i} (as row {row0})")
                continue
            field = next(k for k in _DIFFERS if visit0[k] != visit[k])
            errors.append(InputError(
                f"rows {row0} and {i} both record lead {key[2]}'s visit of {key[1]} with "
                f"different {field} ({visit0[field]!r} and {visit[field]!r}): a visit has "
                "one outcome; delete the wrong row", file=str(p), row=int(i), field=field))
            continue
        first[key] = (int(i), visit)
        # the id is the outcome's content, not the file's name or row: the same rows in a
        # copy, or in another order, are there ("1|" keeps the ids files had before a
        # copied row was recorded once)
        text = json.dumps(visit, sort_keys=True, ensure_ascii=False)
        visits.append({"outcome_id": str(uuid.uuid5(_OUTCOME_NS, f"1|{text}")), **visit})
        rows.append(int(i))
    if again:
        # one line a user can read: a pasted block repeats hundreds of rows, all harmless
        listed = ", ".join(again[:REPEATS_LISTED]) + (
            f" and {len(again) - REPEATS_LISTED} more" if len(again) > REPEATS_LISTED else "")
        warnings.warn(f"{p}: row(s) {listed} repeat a visit word for word; it is "
                      "recorded once", DroppedRowWarning, stacklevel=2)
    return OutcomeFile(p, tuple(visits), tuple(rows), tuple(errors))


#: The fields two rows of one visit may differ in, in the order a message names them.
_DIFFERS = ("outcome", "consent", "opt_out", "follow_up_on", "amount_yuan", "reason",
            "other_loan_month", "other_loan_asked")


def outcome_code(text: str) -> str:
    """The store's outcome code a sheet means: ``not_there`` for ``Not there``, ``not-there``
    or the app's own label of it in either language (``不在``); other text as typed, lower
    case, for the store to refuse by its vocabulary.

    Parameters
    ----------
    text : str
        The ``outcome`` cell.

    Returns
    -------
    str
    """
    from countyreach.i18n import outcome_label
    from countyreach.store.records import OUTCOME_CODES

    typed = str(text).strip()
    code = re.sub(r"[\s\-]+", "_", typed.lower())
    if code in OUTCOME_CODES:
        return code
    for known in OUTCOME_CODES:
        if typed.lower() in (outcome_label(known, "en").lower(), outcome_label(known, "zh")):
            return known
    return code


def _visit(rec: Mapping[str, str], amount_typed: str | None = None) -> dict[str, Any]:
    """One row's visit: the keyword arguments of ``record_outcome`` but its id
    (``amount_typed``: the amount cell as typed, where reading changed it)."""
    def opt(col: str) -> str:
        return (rec.get(col) or "").strip()

    # refused quoting the cell as typed; kept as text (the store checks the range), as
    # plain digits: "50000" as before, so a file imported again keeps its outcome ids
    read_yuan(amount_typed or opt("amount_yuan"), "amount_yuan")

    return dict(
        county_id=rec["county_id"].strip(),
        plan_date=read_date(rec["plan_date"], "plan_date") if opt("plan_date") else "",
        lead_id=rec["lead_id"].strip(),
        outcome=outcome_code(rec["outcome"]),
        consent=_flag(rec.get("consent", "1"), True, "consent"),
        opt_out=_flag(rec.get("opt_out", ""), False, "opt_out"),
        follow_up_on=read_date(opt("follow_up_on"), "follow_up_on") if opt("follow_up_on")
        else None,
        reason=rec.get("reason", ""),
        amount_yuan=yuan_text(opt("amount_yuan")) or None,
        other_loan_month=read_month(opt("other_loan_month"), "other_loan_month")
        if opt("other_loan_month") else None,
        other_loan_asked=_flag(rec.get("other_loan_asked", ""), False, "other_loan_asked"))


def located(exc: InputError, path: Path,
            lead_ids: Mapping[int, str] | None = None) -> InputError:
    """The store's refusal of a file's visits, every bad row located in the file and named
    by its ``lead_id`` (``lead_ids``: file row -> lead id), as the reader names its own."""
    found = exc.rows if isinstance(exc, RowErrors) and exc.rows else (exc,)
    out = []
    for e in found:
        err = InputError(e.reason, file=str(path), row=e.row, field=e.field)
        lead = (lead_ids or {}).get(e.row or 0, "")
        # the reader's own errors carry the id already; the store's do not
        out.append(err if "(lead_id " in e.reason else with_row_id(err, {"lead_id": lead}))
    return row_errors(path, out)


def _flag(text: object, default: bool, name: str) -> bool:
    t = str(text).strip().lower()
    if t == "":
        return default
    if t in ("1", "true", "yes", "y", "是"):
        return True
    if t in ("0", "false", "no", "n", "否"):
        return False
    raise InputError(f"expected yes/no, got {text!r}", field=name)
