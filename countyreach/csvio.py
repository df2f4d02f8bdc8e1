"""CSV primitives for the input readers: encodings, typed row access, coordinate systems.

A :class:`CsvRow` names file, 1-based data row and field in every error it raises, so a
user can fix the file in a spreadsheet. Coordinates are converted to WGS-84 here, at the
edge (:func:`to_wgs84`), and back to the county's declared system for exports
(:func:`from_wgs84`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from pydantic import BaseModel

from countyreach.errors import DataWarning, InputError, RowErrors
from countyreach.headers import canonical_header, zh_header

__all__ = [
    "CRS_CHOICES",
    "CSV_ENCODINGS",
    "CsvRow",
    "ID_RE",
    "cell_items",
    "check_crs",
    "csv_rows",
    "with_row_id",
    "parse_rows",
    "points_to_wgs84",
    "from_wgs84",
    "read_csv_table",
    "to_wgs84",
]

CRS_CHOICES = ("wgs84", "gcj02", "bd09")

#: Text encodings a CSV may come in, tried in order.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


#: What separates the items of a list in one cell: ';' as documented, and what a Chinese
#: input method types for it ('；', '、', '，') or a comma in a quoted cell.
_ITEM_SEPARATORS = re.compile(r"[;；、,，]")


def cell_items(text: str) -> list[str]:
    """The items of a list typed in one cell (``庆北村;庆南村``, ``庆北村；庆南村``,
    ``庆北村、庆南村``); spaces around an item are not part of it, empty items are none.

    Parameters
    ----------
    text : str
        The cell.

    Returns
    -------
    list of str
        The items in the order typed.
    """
    return [x.strip() for x in _ITEM_SEPARATORS.split(text) if x.strip()]


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert one point from ``crs`` to WGS-84.

    Parameters
    ----------
    lat, lon : float
        The point in ``crs``.
    crs : {"wgs84", "gcj02", "bd09"}
        Coordinate system of the input.

    Returns
    -------
    tuple of float
        ``(lat, lon)`` in WGS-84.
    """
    la, lo = points_to_wgs84(np.array([lat], dtype=float), np.array([lon], dtype=float), crs)
    return float(la[0]), float(lo[0])


def points_to_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike,
                    crs: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Convert many points from ``crs`` to WGS-84 at once.

    A lead table of 20,000 rows converted point by point took 5 s (each conversion asks
    whether its point is in China); at once it takes milliseconds.

    Parameters
    ----------
    lat, lon : array_like
        The points in ``crs``.
    crs : {"wgs84", "gcj02", "bd09"}
        Coordinate system of the input.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lat, lon)`` in WGS-84.
    """
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if crs == "wgs84":
        return la, lo
    import geo  # the converters live with the rest of the geodesy

    if crs == "gcj02":
        wla, wlo = geo.gcj02_to_wgs84(la, lo)
    elif crs == "bd09":
        wla, wlo = geo.bd09_to_wgs84(la, lo)
    else:
        raise InputError(f"unknown coordinate system {crs!r}; use one of {CRS_CHOICES}",
                         field="crs")
    return np.asarray(wla, dtype=float), np.asarray(wlo, dtype=float)


def from_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert one WGS-84 point to ``crs`` (for exports in the county's declared system).

    Parameters
    ----------
    lat, lon : float
        The point in WGS-84.
    crs : {"wgs84", "gcj02", "bd09"}
        The system to write.

    Returns
    -------
    tuple of float
        ``(lat, lon)`` in ``crs``.
    """
    crs = check_crs(crs)
    if crs == "wgs84":
        return lat, lon
    import geo

    conv = geo.wgs84_to_gcj02 if crs == "gcj02" else geo.wgs84_to_bd09
    la, lo = conv(lat, lon)
    return float(la), float(lo)


def read_csv_table(path: Path, required: Sequence[str], *,
                   table: str | None = None) -> pd.DataFrame:
    """Read a CSV as text (UTF-8 with or without BOM, or GBK), or the first sheet of an
    Excel or WPS workbook (``.xlsx``, whatever the file's name), requiring ``required``
    columns.

    Cells come stripped of surrounding spaces, full-width numbers made half-width. The
    index is each row's data-row number in the file (1 after the header, a blank line
    counted; in a workbook Excel's row number less one), so every message names the row a
    user finds in the file. Blank rows (empty
    lines, or only separators) are not rows: they are skipped, and one :class:`DataWarning`
    lists those among the data and every row of empty cells (``,,,,``) after it; empty lines
    after the data go without a word (see :func:`_trailing_blank_rows`). The cells as typed,
    where the
    full-width conversion changed them, are in ``attrs["typed"]`` (see :attr:`CsvRow.typed`).
    Headers are read by :func:`~countyreach.headers.canonical_header`, with those of the kind
    of file ``table`` names (``"officers"``: 姓名 is the officer's name). A workbook's cells
    are read as the sheet shows them (:func:`countyreach.workbook.cell_text`).

    Raises
    ------
    InputError
        Naming the file (and the row of a row with too many values): missing, a folder,
        empty (nothing but spaces and line ends), neither UTF-8 nor GBK, not CSV, not a
        readable workbook, a column named twice or a required one missing.
    """
    if not path.exists():
        raise InputError("file not found", file=str(path))
    from countyreach.workbook import workbook_kind

    kind = workbook_kind(path)
    if kind == "binary":
        raise InputError("file is an old binary workbook (.xls, .et) or has a password: open "
                         "it in Excel or WPS and save it as .xlsx (without a password) or CSV "
                         "UTF-8", file=str(path))
    if kind == "xlsx":
        df, header, trailing = _workbook_frame(path)
    else:
        df, header, trailing = _csv_frame(path)
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:  # pandas would rename the second one and silently read only the first
        raise InputError(f"the header names column {twice[0]!r} twice", file=str(path),
                         field=twice[0])
    df.columns = _columns(path, [str(c) for c in df.columns], table)
    df.index = pd.RangeIndex(1, len(df) + 1)
    # Spaces around a cell are a spreadsheet's noise ("B0026 " is lead B0026 in every file)
    stripped = df.apply(lambda col: col.str.strip())
    df = stripped.assign(**{c: stripped[c].str.replace(_DEGREES, "", regex=True)
                            for c in stripped.columns if _COORDINATE_COLUMN.search(str(c))})
    df = df.apply(_halfwidth_numbers)
    typed = {(int(r), str(c)): str(stripped.at[r, c])
             for c in df.columns for r in df.index[(df[c] != stripped[c]).to_numpy()]}
    filled = (df != "").any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    among = [int(r) for r in df.index[:last][~filled[:last]]]
    after = trailing(df.index[last:]) if last < len(df) else []
    df = df.iloc[:last][filled[:last]]
    if among or after:
        blank = among + after
        listed = ", ".join(map(str, blank[:10])) + (f" and {len(blank) - 10} more"
                                                    if len(blank) > 10 else "")
        warnings.warn(f"{path}: row(s) {listed} are blank; skipped" + (
            " (the rows after them keep their numbers)" if among else
            " (rows of empty cells after the data: delete them in the sheet, or check that "
            "nothing was meant to be there)"), DataWarning, stacklevel=2)
    df.attrs["typed"] = {k: v for k, v in typed.items() if k[0] in df.index}
    missing = [c for c in required if c not in df.columns]
    if missing:
        zh = [f"{zh_header(c, table)} ({c})" for c in missing if zh_header(c, table)]
        raise InputError(
            f"missing required column(s) {missing}; the file has {list(df.columns)}"
            + (f" (Chinese headers are read too: {', '.join(zh)})" if zh else ""),
            file=str(path),
            field=missing[0],
        )
    return df


#: A table as read, before the rules every file shares: its cells as text (columns as the
#: header names them, a blank one ``Unnamed: i``), its header as written, and which of the
#: blank rows after its data a sheet holds as rows (see :func:`_trailing_blank_rows`).
_Frame = tuple[pd.DataFrame, list[str], Callable[[pd.Index], list[int]]]


def _csv_frame(path: Path) -> _Frame:
    """A CSV file's cells, in the first of :data:`CSV_ENCODINGS` that decodes it."""
    if _blank_file(path):  # pandas would say "No columns to parse from file"
        raise _empty_file(path)
    # Excel and WPS on Chinese desktops save "CSV" as GBK (GB18030 is its superset); UTF-8,
    # with or without a BOM, is tried first because GB18030 would also decode some UTF-8.
    for encoding in CSV_ENCODINGS:
        try:
            # blank lines kept: pandas would skip them and every later row's number shift
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding,
                             skip_blank_lines=False)
            header = _header(path, encoding)
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserError as exc:
            raise _parser_error(path, exc) from None
        except pd.errors.EmptyDataError:
            # the file is not empty (checked above): its first line is, above the header
            raise _blank_first_line(path) from None
        except IsADirectoryError:
            raise InputError("is a folder, not a CSV file", file=str(path)) from None
    else:
        raise InputError("file is neither UTF-8 nor GBK text (save it as CSV UTF-8)",
                         file=str(path))
    if not isinstance(df.index, pd.RangeIndex):
        # pandas takes a first data row wider than the header to mean the file has an index
        # column and shifts every column one to the right ("50,000" unquoted on row 1 made
        # each lead_id a plan_date): refused as any other row with too many values
        raise _too_wide(path, encoding, len(header))
    return df, header, lambda rows: _trailing_blank_rows(path, encoding, rows)


def _workbook_frame(path: Path) -> _Frame:
    """A workbook's first sheet's cells, as a CSV of it would hold them."""
    from countyreach.workbook import read_sheet

    sheet = read_sheet(path)
    if not sheet.header:
        raise _empty_file(path)
    if not any(c.strip() for c in sheet.header):
        raise _blank_first_line(path)
    # named as pandas names a CSV's blank header cell, so that both read alike
    names = [c if c.strip() else f"Unnamed: {i}" for i, c in enumerate(sheet.header)]
    df = pd.DataFrame(sheet.rows, columns=range(len(names)), dtype=object)
    df.columns = names
    # the rows of empty cells at a sheet's end are its formatting, never typed: no word
    return df.astype(str), [c.strip() for c in sheet.header], lambda rows: []


def _empty_file(path: Path) -> InputError:
    return InputError("empty file: no header row and no data rows (was the sheet saved "
                      "before it was filled in?)", file=str(path))


def _blank_first_line(path: Path) -> InputError:
    return InputError("the first line is blank: the header must be the first line "
                      "(delete the blank lines above it)", file=str(path))


def _columns(path: Path, header: list[str], table: str | None = None) -> list[str]:
    """The columns ``header`` names in a ``table`` file
    (:func:`~countyreach.headers.canonical_header`: 纬度 is lat), refusing two headers that
    name one column (``lat`` and ``纬度``)."""
    names = [canonical_header(h, table) for h in header]
    for i, name in enumerate(names):
        if name in names[:i]:
            first = header[names.index(name)].strip()
            raise InputError(f"the header names column {name!r} twice (as {first!r} and "
                             f"{header[i].strip()!r})", file=str(path), field=name)
    return names


#: A cell of digits, signs and separators only: a number, time, window, month, date or phone.
_NUMERIC_CELL = re.compile(r"^[0-9.,:;+\-\s/eE]*$")


#: Coordinate columns (``lat``, ``start_lon`` …), and a degree sign after a coordinate as a GPS
#: or a map shows it (``35.5183°``, ``35.5183° N``, ``115.0187°E``, ``35.5183°北``): dropped, the
#: user's file quoted as typed if the number is refused. South and west are no county's.
_COORDINATE_COLUMN = re.compile(r"(^|_)(lat|lon)$")
_DEGREES = re.compile(r"(?<=\d)\s*°\s*[NnEe北东]?$")


def _halfwidth_numbers(col: pd.Series) -> pd.Series:
    """``col`` with full-width numbers made half-width ("３５．１" -> "35.1", "０８：００" ->
    "08:00"): what a Chinese input method types reads as what was meant, in every field and
    file alike. Names and other text keep what was typed, full-width brackets included."""
    wide = col.str.contains(r"[^\x00-\x7f]", regex=True)
    if not wide.any():
        return col
    norm = col[wide].map(lambda v: unicodedata.normalize("NFKC", v).strip())
    numeric = norm[norm.str.match(_NUMERIC_CELL)]
    out = col.copy()
    out.loc[numeric.index] = numeric
    return out


def _trailing_blank_rows(path: Path, encoding: str, rows: pd.Index) -> list[int]:
    """Of the blank ``rows`` after a file's data, those a sheet holds as rows: empty cells
    with their separators (``,,,,``), which a spreadsheet exports for rows whose contents
    were cleared but not deleted, so the user is told. Empty lines at the end of a file
    (an editor's or an export's trailing newlines) are no rows of any sheet: not listed."""
    with path.open(encoding=encoding, newline="") as fh:
        records = list(csv.reader(fh))
    tail = records[len(records) - len(rows):] if len(records) > len(rows) else []
    if len(tail) != len(rows):  # the two readers disagree: list them all rather than none
        return [int(r) for r in rows]
    return [int(r) for r, rec in zip(rows, tail, strict=True) if len(rec) > 1]


def _header(path: Path, encoding: str) -> list[str]:
    """The header's column names as written (stripped), duplicates kept."""
    with path.open(encoding=encoding, newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def _too_wide(path: Path, encoding: str, want: int) -> InputError:
    """The first row with more values than the header's ``want`` columns, as
    :func:`_parser_error` names a later one (rows from 1 after the header, blank lines
    counted)."""
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row, rec in enumerate(reader, 1):
            if len(rec) > want:
                return _columns_error(path, row, want, len(rec))
    return InputError("not a readable CSV file: rows wider than the header", file=str(path))


def _columns_error(path: Path, row: int, want: int, got: int) -> InputError:
    return InputError(f"{got} values where the header has {want} columns (a comma inside a "
                      "value? put the value in double quotes)", file=str(path), row=row)


#: A UTF-8 byte-order mark: all that Excel's "CSV UTF-8" of an empty sheet may hold.
_BOM = b"\xef\xbb\xbf"


def _blank_file(path: Path) -> bool:
    """Whether ``path`` holds nothing but spaces and line ends (0 bytes among them)."""
    if not path.is_file():
        return False  # a folder is named as one by the reader
    with path.open("rb") as fh:
        # read in blocks: a table's first block has its header and settles it
        block = fh.read(1 << 16).removeprefix(_BOM)
        while block:
            if block.strip():
                return False
            block = fh.read(1 << 16)
    return True


def _parser_error(path: Path, exc: Exception) -> InputError:
    """pandas' tokenizer error in the project's words: a row (from 1 after the header)."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if m is None:
        return InputError(f"not a readable CSV file: {exc}", file=str(path))
    want, line, got = (int(g) for g in m.groups())
    return _columns_error(path, line - 1, want, got)


M = TypeVar("M", bound="BaseModel")


class CsvRow:
    """One CSV row: validated against its schema, and every error names file, row and field.

    ``rowno`` is the row's data-row number in the file (1 after the header); ``typed``
    holds the cells as the user typed them where reading changed them (full-width digits),
    so a refusal can quote what the user sees in the file.
    """

    def __init__(self, path: Path, rowno: int, data: Mapping[str, str],
                 typed: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.rowno = rowno
        self.data = data
        self.typed = dict(typed or {})

    def as_typed(self, field: str) -> str:
        """The cell ``field`` as the user typed it (stripped)."""
        return self.typed.get(field, str(self.data.get(field, "") or ""))

    def validate(self, model: type[M]) -> M:
        """This row validated against its schema (see :mod:`countyreach.schemas`); a refused
        value is quoted as the user typed it (``'５，００'``, not the ``'5,00'`` read)."""
        from countyreach.schemas import validate_row

        try:
            return validate_row(model, self.data, file=str(self.path), row=self.rowno)
        except InputError as exc:
            field = exc.field
            if field is None or field not in self.typed:
                raise
            read = repr(str(self.data.get(field, "")).strip())
            raise InputError(exc.reason.replace(read, repr(self.typed[field])),
                             file=exc.file, row=exc.row, field=field) from None

    def err(self, field: str, message: str) -> InputError:
        return InputError(message, file=str(self.path), row=self.rowno, field=field)



def csv_rows(path: Path, df: pd.DataFrame) -> list[CsvRow]:
    """The rows of a table :func:`read_csv_table` read, each with its row in the file."""
    typed: dict[int, dict[str, str]] = {}
    for (r, c), text in df.attrs.get("typed", {}).items():
        typed.setdefault(r, {})[c] = text
    # column by column: to_dict walks pandas' arrow-backed strings a cell at a time,
    # 1.5 of the 7 CPU s of reading 50,000 leads
    cols = [str(c) for c in df.columns]
    values = [df[c].to_numpy(dtype=object) for c in df.columns]
    return [CsvRow(path, int(r), dict(zip(cols, rec, strict=True)), typed.get(int(r)))
            for r, rec in zip(df.index, zip(*values, strict=True), strict=True)]


#: Columns that name a row's record, quoted with the row's errors (a row number alone
#: sends the user to the wrong line when the file was sorted since).
ID_COLUMNS = ("lead_id", "officer_id", "branch_id")


def with_row_id(exc: InputError, data: Mapping[str, object]) -> InputError:
    """``exc`` with the row's id (``lead_id`` …) added to its reason, where the row has one
    and the error is not about the id itself.

    Parameters
    ----------
    exc : InputError
        A row's error.
    data : mapping
        The row's cells.

    Returns
    -------
    InputError
    """
    for col in ID_COLUMNS:
        value = str(data.get(col, "") or "").strip()
        if value and exc.field != col and ID_RE.match(value):
            return InputError(f"{exc.reason} ({col} {value})", file=exc.file, row=exc.row,
                              field=exc.field)
    return exc


#: Rows between two progress reports of :func:`parse_rows`.
_PROGRESS_ROWS = 2_000
#: One error lists at most this many bad rows; it counts the rest.
MAX_LISTED_ROW_ERRORS = 20

T = TypeVar("T")


def parse_rows(path: Path, df: pd.DataFrame, parse: Callable[[CsvRow], T], *,
               progress: Callable[[float], None] | None = None,
               also: Sequence[InputError] = ()) -> list[T]:
    """``parse`` applied to every row of a file, every bad row reported in one error.

    A lender's file with a few typos is then fixed in one pass instead of one run per typo.

    Parameters
    ----------
    path : Path
        The file, for the messages.
    df : pandas.DataFrame
        Its rows, as :func:`read_csv_table` returns them.
    parse : callable
        Turns one :class:`CsvRow` into a value, raising :class:`InputError` for a bad one.
    progress : callable, optional
        Called with the share of the rows read, every :data:`_PROGRESS_ROWS` rows (50,000
        leads take seconds to check).
    also : sequence of InputError
        Errors of rows found before parsing (ids given again:
        :attr:`countyreach.repeated_rows.Repeats.clashes`), reported with the
        rest in row order.

    Returns
    -------
    list
        ``parse``'s values in file order.

    Raises
    ------
    InputError
        Located at the first bad row (file, row, field). With more than one bad row a
        :class:`countyreach.errors.RowErrors`, whose message lists the others (each row's
        first problem, at most :data:`MAX_LISTED_ROW_ERRORS`) and counts any beyond, and
        whose ``rows`` holds every row's error.
    """
    out: list[T] = []
    errors: list[InputError] = []
    for k, row in enumerate(csv_rows(path, df)):
        if progress is not None and k % _PROGRESS_ROWS == 0:
            progress(k / len(df))
        try:
            out.append(parse(row))
        except InputError as exc:
            errors.append(with_row_id(exc, row.data))
    if not errors and not also:
        return out
    raise row_errors(path, sorted([*errors, *also], key=lambda e: e.row or 0))


def row_errors(path: str | Path, errors: Sequence[InputError]) -> InputError:
    """One error for a file's bad rows: the first, or a :class:`RowErrors` located at the
    first whose message lists the others (at most :data:`MAX_LISTED_ROW_ERRORS`).

    Parameters
    ----------
    path : str or Path
        The file (named in the message).
    errors : sequence of InputError
        Each bad row's own error, in row order (at least one).

    Returns
    -------
    InputError
    """
    first, rest = errors[0], list(errors[1:])
    if not rest:
        return first
    lines = [f"{len(rest)} more row(s) of {path} have errors too:"]
    for other in rest[:MAX_LISTED_ROW_ERRORS - 1]:
        lines.append(f"  row {other.row}, field {other.field!r}: {other.reason}"
                     if other.field is not None else f"  row {other.row}: {other.reason}")
    if len(rest) > MAX_LISTED_ROW_ERRORS - 1:
        lines.append(f"  ... and {len(rest) - (MAX_LISTED_ROW_ERRORS - 1)} more")
    return RowErrors(first.reason + "\n" + "\n".join(lines), file=first.file, row=first.row,
                     field=first.field, rows=tuple(errors))


def check_crs(crs: str) -> str:
    crs = crs.lower().replace("-", "").replace("_", "")
    if crs not in CRS_CHOICES:
        raise InputError(f"unknown coordinate system {crs!r}; use one of {CRS_CHOICES}",
                         field="crs")
    return crs
