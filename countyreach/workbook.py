"""Excel and WPS workbooks (``.xlsx``) read as the text a CSV of the same sheet would hold.

A lender keeps its tables in Excel or WPS; saving each as "CSV UTF-8" first is a step
users forget or get wrong (GBK, a second sheet lost). :func:`read_sheet` reads the first
visible worksheet into a header and rows of text, each cell written as the user sees it
in the sheet (a phone stored as the number 13800138000.0 is ``13800138000``, a shift
typed 08:00 is ``08:00``), and :func:`countyreach.csvio.read_csv_table` reads those as it
reads a CSV's: every header alias, row number and check applies alike.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from countyreach.errors import DataWarning, InputError

__all__ = ["SheetText", "cell_text", "read_sheet", "table_file", "workbook_kind"]

#: How a file's first bytes say it is a workbook: an .xlsx is a zip archive; the old binary
#: formats (.xls, WPS's .et) and password-protected workbooks are OLE compound files.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"

#: Excel shows at most 15 significant digits: a float read with more is noise of the
#: binary form (0.1 + 0.2), never what the user sees or typed.
_SHOWN_DIGITS = 15
#: Whole numbers below this are written without a decimal point (a phone, an amount);
#: beyond it a float no longer holds every integer exactly.
_EXACT_INTEGERS = 2 ** 53

#: A number format that shows a day (``d``, ``dd``, ``aaa``…) or is one of Excel's
#: built-in day formats; a date without one is a month the user typed (``2026-03``).
_DAY_IN_FORMAT = re.compile(r"d|aaa|General", re.IGNORECASE)
#: What a number format holds that is not its codes: quoted text, escapes, colours.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
#: A formula's tag in a sheet's XML, with or without a namespace prefix.
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


class SheetText:
    """A worksheet as text: its header row and its data rows, as a CSV of it would hold.

    Parameters
    ----------
    header : list of str
        The first row's cells (``""`` for a blank one).
    rows : list of list of str
        Every row after it, each as wide as ``header``; blank rows kept, so that row
        ``k`` of the list is data row ``k + 1`` (Excel's row ``k + 2``).
    """

    def __init__(self, header: list[str], rows: list[list[str]]) -> None:
        self.header = header
        self.rows = rows


def workbook_kind(path: Path) -> str | None:
    """Which kind of workbook ``path`` holds, by its first bytes, whatever its name.

    Parameters
    ----------
    path : Path
        A file (a folder is none).

    Returns
    -------
    str or None
        ``"xlsx"`` for a zip archive (what Excel and WPS save), ``"binary"`` for an old
        binary or password-protected workbook, ``None`` for anything else (text).
    """
    if not path.is_file():
        return None
    with path.open("rb") as f:
        start = f.read(8)
    if start.startswith(_ZIP_MAGIC):
        return "xlsx"
    if start.startswith(_OLE_MAGIC):
        return "binary"
    return None


def table_file(folder: Path, name: str) -> Path:
    """The file a folder holds under a CSV's fixed ``name``, or its workbook in its stead.

    ``history.csv`` may come as ``history.xlsx``: the lender gives the table as kept.

    Parameters
    ----------
    folder : Path
        A county folder.
    name : str
        The file's name as the product gives it (``history.csv``; any other suffix is
        taken as named).

    Returns
    -------
    Path
        ``folder / name``, or the ``.xlsx`` of its stem when only that one is there (the
        ``.csv`` whether or not it exists otherwise: callers decide what missing means).

    Raises
    ------
    InputError
        Naming the folder, when it holds both: which one is meant cannot be told.
    """
    csv = folder / name
    if csv.suffix.lower() != ".csv":
        return csv
    xlsx = csv.with_suffix(".xlsx")
    if not xlsx.exists():
        return csv
    if csv.exists():
        raise InputError(f"the folder holds both {csv.name} and {xlsx.name}: keep one of "
                         "them (which one is the table to read?)", file=str(csv.parent))
    return xlsx


def cell_text(value: Any, number_format: str | None = None) -> str:
    """One cell's value written as the sheet shows it.

    Parameters
    ----------
    value : object
        As openpyxl reads it: text, a number, a bool, a date, a time, a duration or
        ``None``.
    number_format : str, optional
        The cell's number format: a date shown without its day is a month.

    Returns
    -------
    str
        Whole numbers without ``.0`` (``13800138000``), other numbers to the 15 digits
        Excel shows, dates ``YYYY-MM-DD`` (``YYYY-MM`` for a month, ``YYYY-MM-DD HH:MM``
        with a time of day), times ``HH:MM`` (``HH:MM:SS`` with seconds), booleans
        ``true``/``false``, nothing ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_INTEGERS:
            return str(int(value))
        return f"{value:.{_SHOWN_DIGITS}g}"
    if isinstance(value, dt.datetime):
        clock = _seconds(value.hour * 3600 + value.minute * 60 + value.second,
                         value.microsecond)
        day = value.date() + dt.timedelta(days=clock // 86400)
        if clock % 86400:
            return f"{day.isoformat()} {_clock_text(clock % 86400)}"
        return _day_text(day, number_format)
    if isinstance(value, dt.date):
        return _day_text(value, number_format)
    if isinstance(value, dt.time):
        return _clock_text(_seconds(value.hour * 3600 + value.minute * 60 + value.second,
                                    value.microsecond))
    if isinstance(value, dt.timedelta):
        return _clock_text(round(value.total_seconds()))
    return str(value)


def _seconds(whole: int, micro: int) -> int:
    # a time is stored as a fraction of a day: 08:00 comes back as 07:59:59.999999
    return whole + round(micro / 1e6)


def _clock_text(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def _day_text(day: dt.date, number_format: str | None) -> str:
    shown = _FORMAT_LITERALS.sub("", number_format or "")
    if shown and not _DAY_IN_FORMAT.search(shown):
        return f"{day.year:04d}-{day.month:02d}"  # "2026-03" typed: Excel keeps March 1st
    return day.isoformat()


def read_sheet(path: Path) -> SheetText:
    """The first visible worksheet of the workbook at ``path``, as text.

    Formulas give the values Excel saved with them. Another visible sheet holding data is
    named in a :class:`DataWarning`: it is not read. Hidden sheets are passed over (a
    lender hides the lists its drop-downs choose from).

    Parameters
    ----------
    path : Path
        An ``.xlsx`` workbook, whatever its name.

    Returns
    -------
    SheetText
        Empty (no header) for a sheet without a filled cell.

    Raises
    ------
    InputError
        Naming the file: not a readable workbook; or its row and field: a formula whose
        value was never saved (a file written by a program, not opened in Excel since).
    """
    from openpyxl import load_workbook  # on first use: a CSV-only run never pays for it

    with path.open("rb") as fh:  # a handle: openpyxl refuses a path not named .xlsx
        try:
            book = load_workbook(fh, read_only=True, data_only=True)
        except Exception:  # zipfile, XML and openpyxl's own errors alike: not a workbook
            raise _unreadable(path) from None
        try:
            return _first_sheet(path, fh, book)
        except _DAMAGED:  # a part of the archive cut short or not XML: found as it is read
            raise _unreadable(path) from None
        finally:
            book.close()


#: What reading a damaged workbook's sheet raises (a zip member cut short, XML that is not).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, SyntaxError)


def _unreadable(path: Path) -> InputError:
    return InputError("not a readable .xlsx workbook (damaged, or another kind of file under "
                      "this name): open it in Excel or WPS and save it again", file=str(path))


def _first_sheet(path: Path, fh: Any, book: Any) -> SheetText:
    sheets = [ws for ws in book.worksheets if ws.sheet_state == "visible"] or \
        book.worksheets[:1]
    if not sheets:
        return SheetText([], [])
    sheet = _sheet_text(sheets[0])
    ignored = [ws.title for ws in sheets[1:] if _has_data(ws)]
    if ignored:
        warnings.warn(f"{path}: read sheet {sheets[0].title}; sheet(s) {', '.join(ignored)} "
                      "also hold data and were not read (put the table in the first sheet, or "
                      "give each table its own file)", DataWarning, stacklevel=4)
    unsaved = _unsaved_formula(fh, sheets[0])
    if unsaved is not None and unsaved[1] <= len(sheet.header):
        row, col = unsaved
        raise InputError("cell has a formula with no saved value: open and save the file in "
                         "Excel or WPS", file=str(path), row=row - 1 or None,
                         field=sheet.header[col - 1].strip() or None)
    return sheet


def _rows(ws: Any, values: bool = False) -> Iterator[Sequence[Any]]:
    # the dimensions a program writes may be wrong or missing: every cell is read
    ws.reset_dimensions()
    return ws.iter_rows(min_row=1, min_col=1, values_only=values)


def _has_data(ws: Any) -> bool:
    return any(v is not None and str(v).strip() for row in _rows(ws, True) for v in row)


def _sheet_text(ws: Any) -> SheetText:
    rows = [[cell_text(c.value, getattr(c, "number_format", None)) for c in row]
            for row in _rows(ws)]
    width = max((len(r) for r in rows), default=0)
    # columns and rows empty to the end are a sheet's formatting, not its table
    filled = [max((i + 1 for i, v in enumerate(r) if v.strip()), default=0) for r in rows]
    width = min(width, max(filled, default=0))
    while rows and not filled[len(rows) - 1]:
        rows.pop()
    if not rows:
        return SheetText([], [])
    padded = [r[:width] + [""] * (width - len(r)) for r in rows]
    return SheetText(padded[0], padded[1:])


def _unsaved_formula(fh: Any, ws: Any) -> tuple[int, int] | None:
    """Excel's ``(row, column)`` of the sheet's first formula saved without a value, or
    ``None``. openpyxl reads such a cell as empty, as it reads a formula whose value is
    ``""`` (``=IF(A2="","",A2)``): only the XML tells them apart."""
    from openpyxl.utils.cell import coordinate_to_tuple

    part = getattr(ws, "_worksheet_path", None)
    if part is None:
        return None
    fh.seek(0)
    with zipfile.ZipFile(fh) as archive:
        with archive.open(part) as src:  # a block scan first: most sheets have no formula
            tail, found = b"", False
            while not found and (block := src.read(1 << 20)):
                found = bool(_FORMULA_TAG.search(tail + block))
                tail = block[-16:]
        if not found:
            return None
        with archive.open(part) as src:
            for _, el in ElementTree.iterparse(src):
                if el.tag.rsplit("}", 1)[-1] != "c":
                    continue
                kids = {k.tag.rsplit("}", 1)[-1]: k.text for k in el}
                # a text result saved empty is t="str" with an empty <v>; a formula never
                # computed has no <v>, or an empty one (openpyxl writes <v/>)
                if "f" in kids and not kids.get("v") and el.get("t") != "str" \
                        and el.get("r"):
                    return coordinate_to_tuple(el.get("r", ""))
                el.clear()
    return None
