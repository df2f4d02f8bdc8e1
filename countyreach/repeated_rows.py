"""Rows of a file that give an id given before: a row pasted twice, or two records claiming
one id. The one rule of every file with ids (leads, officers), for planning from a folder and
for the store's import alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from countyreach.errors import InputError

__all__ = ["Repeats", "repeated_ids"]


@dataclass(frozen=True)
class Repeats:
    """The rows of a file that give an id given before (:func:`repeated_ids`).

    Attributes
    ----------
    keep : list of int
        Positions (in the table) of the rows to read: each id's first row, and rows without
        an id (their own error says so).
    copies : list of str
        Rows repeating an earlier row word for word, as ``"6 (as row 5)"``: read once.
    clashes : list of InputError
        Rows giving an earlier row's id with other values, each naming the first field that
        differs: which row is right only the lender knows.
    """

    keep: list[int]
    copies: list[str]
    clashes: list[InputError]

    def copies_text(self, limit: int = 10) -> str:
        """The copied rows for one line of a warning: the first ``limit``, the rest counted."""
        more = len(self.copies) - limit
        return ", ".join(self.copies[:limit]) + (f" and {more} more" if more > 0 else "")


def repeated_ids(path: Path, df: pd.DataFrame, id_col: str) -> Repeats:
    """Rows of ``df`` that repeat an id: copies of an earlier row, or clashes with it.

    A row pasted twice is harmless and read once (the caller warns); the same id with other
    values is two records claiming one id, refused. The one rule of every file with ids,
    for planning from a folder and for the store's import alike.

    Parameters
    ----------
    path : Path
        The file, for the messages.
    df : pandas.DataFrame
        Its rows, as :func:`countyreach.csvio.read_csv_table` returns them (index: row in
        the file).
    id_col : str
        The id column (``lead_id``, ``officer_id``).

    Returns
    -------
    Repeats
    """
    first: dict[str, int] = {}
    keep: list[int] = []
    copies: list[str] = []
    clashes: list[InputError] = []
    cols = [str(c) for c in df.columns]

    def cells(pos: int) -> list[str]:  # only for repeats: most files have none
        return [str(v).strip() for v in df.iloc[pos].tolist()]

    ids = df[id_col].astype(str).str.strip().tolist() if id_col in df.columns else []
    for pos, value in enumerate(ids):
        if not value or value not in first:
            first.setdefault(value, pos)
            keep.append(pos)
            continue
        was = first[value]
        row, row0 = int(df.index[pos]), int(df.index[was])
        differ = [c for c, a, b in zip(cols, cells(was), cells(pos), strict=True) if a != b]
        if not differ:
            copies.append(f"{row} (as row {row0})")
            continue
        clashes.append(InputError(f"{id_col} {value!r} repeats row {row0} with another "
                                  f"{differ[0]}",
                                  file=str(path), row=row, field=id_col))
    return Repeats(keep if ids else list(range(len(df))), copies, clashes)
