"""Input warnings of a county planned from the store, in words its user can act on.

The checks that warn (a lead snapped from off the roads, a pin to an officer not working)
name the file and row they read, as a folder's user needs. A stored county has no file
the user saw: its tables live in the store, and the rows are the store's order. So each
warning of a stored county names the county and the lead (or officer) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["store_notes"]


def store_notes(notes: Iterable[str], county_id: str, *, leads: Path, officers: Path,
                root: Path, lead_rows: Mapping[int, str]) -> list[str]:
    """The warnings ``notes`` of a stored county, its file paths and rows replaced.

    Parameters
    ----------
    notes : iterable of str
        Collected input warnings (:func:`countyreach.input_warnings.collected`).
    county_id : str
        The stored county.
    leads, officers : Path
        The names the county's loaded data gives its leads and roster.
    root : Path
        The county's data folder (its ``county.json`` is named by the CRS check).
    lead_rows : mapping int -> str
        ``source_row`` -> ``lead_id`` of the table the warnings were raised on.

    Returns
    -------
    list of str
        Each note once, in order.
    """
    where = f"county {county_id} (store)"
    out: list[str] = []
    for note in notes:
        text = note
        for path, what in ((leads, "leads"), (officers, "officers")):
            prefix = f"{path}: "
            if not text.startswith(prefix):
                continue
            rest = text[len(prefix):]
            # "row 7: lead GX0007 ..." names the lead already; the row is the store's order
            rest, named = re.subn(r"^row \d+: ", "", rest)
            rest = re.sub(r"\(rows ([\d, ]+)((?: and \d+ more)?)\)",
                          lambda m: "(leads " + ", ".join(
                              lead_rows.get(int(r), r)
                              for r in m.group(1).split(", ")) + m.group(2) + ")", rest)
            text = f"{where}: {rest}" if named else f"{where}, {what}: {rest}"
        text = text.replace(f"{root / 'county.json'}: ", f"{where}: ")
        if text not in out:
            out.append(text)
    return out
