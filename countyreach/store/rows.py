"""Row-by-row validation of lead and officer files, reusing :mod:`countyreach.io`.

The io readers validate a whole file and refuse it when any row is bad, naming every
bad row (:class:`countyreach.errors.RowErrors`). An import that skips bad rows needs
the verdict of each row and the parsed values of the good ones, so the file is
tokenised once and the rows are fed back to the *same* readers in chunks through
temporary CSV files: when a chunk fails, each row the reader named is rejected with
its own message and the rest of the chunk is read again. A clean file costs one
reader call; each chunk with bad rows about two.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tempfile
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from countyreach.csvio import read_csv_table, row_errors
from countyreach.errors import InputError, LocatedError, RowErrors
from countyreach.io import LEAD_COLUMNS, read_leads_table, read_officers
from countyreach.repeated_rows import repeated_ids
from countyreach.serialize import officer_to_dict
from countyreach.table_checks import pin_errors
from routing.problem import Officer

__all__ = ["RejectedRow", "ValidRows", "validate_lead_rows", "validate_officer_rows",
           "content_hash", "plan_hash", "lead_record", "check_lead_file", "pack_text",
           "unpack_text"]

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Extra (model feature) columns are kept as text; same limits as io's text fields.
EXTRA_MAX_LEN = 200
EXTRA_MAX_COLUMNS = 60
_CHUNK = 256
_KNOWN_LEAD_COLUMNS = set(LEAD_COLUMNS) | {"window_start", "window_end"}
# columns read_leads_table adds to each record
_DERIVED = {"service_s", "source_row"}


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row an import refused: 1-based data row, field and the reason (from io's checks)."""

    row: int | None
    field: str | None
    message: str
    record_id: str = ""


@dataclass(frozen=True)
class ValidRows:
    """Outcome of validating a file row by row: the good records and the rejected rows."""

    records: tuple[tuple[int, Any], ...]  # (file row, parsed value)
    rejected: tuple[RejectedRow, ...]


def content_hash(obj: Any) -> str:
    """sha256 of the canonical JSON of ``obj`` (sorted keys, no whitespace)."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_text(text: str) -> bytes:
    """A plan version's JSON text as the store keeps it (``plans.problem_z``,
    ``plans.explanations_z``): UTF-8, zlib-compressed (a problem's leads shrink ~5x)."""
    return zlib.compress(text.encode("utf-8"), 6)


def unpack_text(packed: bytes | None) -> str:
    """The text :func:`pack_text` packed (``""`` for none)."""
    return zlib.decompress(packed).decode("utf-8") if packed else ""


def plan_hash(problem_json: str, plan_json: str, explanations_json: str) -> str:
    """sha256 of a stored plan version's three texts: its ``content_hash`` (renewed whenever
    the texts are rewritten, as an erasure does)."""
    return hashlib.sha256("\n".join((problem_json, plan_json, explanations_json)).encode()
                          ).hexdigest()


def _tokenise(path: Path) -> pd.DataFrame:
    # The same reader as io's (UTF-8 or GBK); io has already accepted the file as a whole
    # (encoding, header, required columns) before this is called.
    return read_csv_table(path, ())


def _file_level(reader: Callable[[Path], Any], path: Path) -> tuple[Any, LocatedError | None]:
    """Run the reader on the whole file: (result, None), or (None, row error); file errors raise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reader(path), None
    except LocatedError as exc:
        if exc.row is None:
            raise
        return None, exc


def _chunked(path: Path, raw: pd.DataFrame, rows: Sequence[int],
             reader: Callable[[Path], Any], split: Callable[[Any], list[Any]]
             ) -> tuple[list[tuple[int, Any]], list[RejectedRow]]:
    """Validate raw rows (0-based positions ``rows``) with ``reader`` chunk by chunk."""
    good: list[tuple[int, Any]] = []
    bad: list[RejectedRow] = []
    with tempfile.TemporaryDirectory(prefix="countyreach-import-") as tmp:
        chunk_path = Path(tmp) / path.name
        for start in range(0, len(rows), _CHUNK):
            part = list(rows[start:start + _CHUNK])
            while part:  # each failed call takes at least one row out
                raw.iloc[part].to_csv(chunk_path, index=False, encoding="utf-8")
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        parsed = split(reader(chunk_path))
                except LocatedError as exc:
                    if exc.row is None:  # e.g. "no rows": cannot happen for a non-empty chunk
                        raise
                    errors = exc.rows if isinstance(exc, RowErrors) else (exc,)
                    out = set()
                    for err in errors:
                        k = (err.row or 1) - 1
                        bad.append(RejectedRow(_file_row(raw, part[k]), err.field, err.reason,
                                               _raw_id(raw, part[k])))
                        out.add(k)
                    part = [r for k, r in enumerate(part) if k not in out]
                    continue
                good.extend(zip((_file_row(raw, r) for r in part), parsed, strict=True))
                break
    return good, bad


_ID_COLUMN = {"leads": "lead_id", "officers": "officer_id"}


def _file_row(raw: pd.DataFrame, pos: int) -> int:
    """The file's row number of position ``pos`` (read_csv_table's index: blank lines count)."""
    return int(raw.index[pos])


def _raw_id(raw: pd.DataFrame, pos: int) -> str:
    for col in ("lead_id", "officer_id"):
        if col in raw.columns:
            return str(raw.iloc[pos][col]).strip()[:64]
    return ""


def _duplicates(path: Path, raw: pd.DataFrame,
                id_col: str) -> tuple[list[int], list[RejectedRow]]:
    """Positions to validate (each id's first row; a row copied word for word is read once,
    as the file readers do) and the rows that give an id again with other values, rejected
    (:func:`countyreach.repeated_rows.repeated_ids`)."""
    repeats = repeated_ids(path, raw, id_col)
    return repeats.keep, [RejectedRow(e.row, e.field, e.reason, _raw_id(raw, raw.index.get_loc(
        e.row))) for e in repeats.clashes]


def _check_extras(path: Path, rowno: int, rec: Mapping[str, Any]) -> dict[str, str]:
    extras: dict[str, str] = {}
    for key, value in rec.items():
        if key in _KNOWN_LEAD_COLUMNS or key in _DERIVED:
            continue
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) \
            else str(value).strip()
        if _CONTROL_RE.search(text):
            raise InputError("contains control characters", file=str(path), row=rowno,
                             field=str(key))
        if len(text) > EXTRA_MAX_LEN:
            raise InputError(f"longer than {EXTRA_MAX_LEN} characters", file=str(path),
                             row=rowno, field=str(key))
        extras[str(key)] = text
    return extras


def lead_record(rec: Mapping[str, Any], extras: Mapping[str, str]) -> dict[str, Any]:
    """The stored columns of one validated lead (``read_leads_table`` record)."""

    def opt(v: Any) -> str:
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    return {
        "lead_id": str(rec["lead_id"]),
        "name": str(rec["name"]),
        "industry": str(rec["industry"]),
        "village": opt(rec.get("village")),
        "lat": float(rec["lat"]),
        "lon": float(rec["lon"]),
        "phone": opt(rec.get("phone")),
        "address": opt(rec.get("address")),
        "service_s": int(rec["service_s"]),
        "windows": [[w.start_s, w.end_s] for w in (rec.get("windows") or ())],
        "pinned_officer_id": opt(rec.get("pinned_officer_id")) or None,
        "load": int(rec.get("load") or 0),
        "extra": dict(sorted(extras.items())),
    }


def validate_lead_rows(path: str | Path, *, crs: str = "wgs84") -> ValidRows:
    """Validate a leads file row by row with :func:`countyreach.io.read_leads_table`.

    Parameters
    ----------
    path : str or Path
        The leads CSV.
    crs : str
        Coordinate system of the file.

    Returns
    -------
    ValidRows
        ``records`` holds ``(row, lead_record dict)`` of every good row; ``rejected`` every
        bad row with io's message, repeated ids and unsafe extra columns included.

    Raises
    ------
    InputError
        For problems of the whole file (missing, not UTF-8, missing columns).
    """
    p = Path(path)

    def reader(q: Path) -> pd.DataFrame:
        return read_leads_table(q, crs=crs)

    def split(df: pd.DataFrame) -> list[Any]:
        return list(df.to_dict(orient="records"))

    table, _err = _file_level(reader, p)
    raw = _tokenise(p)
    raw.columns = [str(c).strip() for c in raw.columns]
    extra_cols = [c for c in raw.columns if c not in _KNOWN_LEAD_COLUMNS]
    if len(extra_cols) > EXTRA_MAX_COLUMNS:
        raise InputError(f"{len(extra_cols)} unknown columns (at most {EXTRA_MAX_COLUMNS})",
                         file=str(p), field=extra_cols[EXTRA_MAX_COLUMNS])
    keep, rejected = _duplicates(p, raw, "lead_id")
    if table is not None and not rejected:
        good = list(zip((int(r) for r in table["source_row"]), split(table), strict=True))
    else:
        good, bad = _chunked(p, raw, keep, reader, split)
        rejected += bad
    records: list[tuple[int, Any]] = []
    for rowno, rec in good:
        try:
            extras = _check_extras(p, rowno, rec)
        except LocatedError as exc:
            rejected.append(RejectedRow(rowno, exc.field, exc.reason, str(rec["lead_id"])))
            continue
        records.append((rowno, lead_record(rec, extras)))
    rejected.sort(key=lambda r: r.row or 0)
    return ValidRows(tuple(records), tuple(rejected))


def check_lead_file(path: str | Path, *, crs: str, officers: Sequence[Officer],
                    roster_name: str = "officers.csv") -> ValidRows:
    """Refuse a leads file with any bad row, every problem in one message: field errors,
    repeated ``lead_id`` and appointments with officers the roster lacks.

    A lender then fixes the file in one pass (the file-mode readers' style: each row's first
    problem, 20 listed, the rest counted), instead of meeting one class of error per run.

    Parameters
    ----------
    path : str or Path
        The leads CSV.
    crs : str
        Its coordinate system.
    officers : sequence of Officer
        The roster the file's ``pinned_officer_id`` must name.
    roster_name : str
        The roster's file name, for the message.

    Returns
    -------
    ValidRows
        Every row, none rejected.

    Raises
    ------
    InputError
        Located at the first bad row, listing the others
        (:func:`countyreach.csvio.row_errors`); or a problem of the whole file.
    """
    p = Path(path)
    rows = validate_lead_rows(p, crs=crs)
    errors = []
    for r in rows.rejected:
        named = r.record_id and r.field != "lead_id" and "(lead_id " not in r.message
        errors.append(InputError(r.message + (f" (lead_id {r.record_id})" if named else ""),
                                 file=str(p), row=r.row, field=r.field))
    pins = pd.DataFrame([(rowno, rec["lead_id"], rec["pinned_officer_id"])
                         for rowno, rec in rows.records],
                        columns=["source_row", "lead_id", "pinned_officer_id"])
    errors += pin_errors(p, pins, officers, roster_name)
    if not errors:
        return rows
    first: dict[int | None, InputError] = {}
    for err in sorted(errors, key=lambda e: e.row or 0):
        first.setdefault(err.row, err)  # each row's first problem
    raise row_errors(p, list(first.values()))


def validate_officer_rows(path: str | Path, *, crs: str = "wgs84") -> ValidRows:
    """Validate an officer roster row by row with :func:`countyreach.io.read_officers`.

    Returns
    -------
    ValidRows
        ``records`` holds ``(row, Officer)``.
    """
    p = Path(path)

    def reader(q: Path) -> tuple[Officer, ...]:
        return read_officers(q, crs=crs)

    def split(officers: tuple[Officer, ...]) -> list[Any]:
        return list(officers)

    roster, _err = _file_level(reader, p)
    raw = _tokenise(p)
    raw.columns = [str(c).strip() for c in raw.columns]
    keep, rejected = _duplicates(p, raw, "officer_id")
    if roster is not None and not rejected:
        good = list(zip(range(1, len(roster) + 1), roster, strict=True))
    else:
        good, bad = _chunked(p, raw, keep, reader, split)
        rejected += bad
    rejected.sort(key=lambda r: r.row or 0)
    return ValidRows(tuple(good), tuple(rejected))


def officer_record(o: Officer) -> dict[str, Any]:
    """The stored JSON of one officer."""
    return officer_to_dict(o)
