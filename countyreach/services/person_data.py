"""A business's copy of its own data, on request (PIPL: the right to access and copy):
``countyreach person-data``.

The owner of a business (or someone they authorise) asks the bank what it keeps about them.
The request names one lead as an erasure does (:meth:`~countyreach.store.Store.find_leads`:
a lead id within its county, a name, or a whole phone number), and one lead only: a name
that is two businesses' would hand one owner the other's data, so such a request copies
nothing and lists the matches (county, lead id, village) to narrow it. The copy is every row
the store keeps of the lead (:data:`countyreach.store.do_not_visit.PERSONAL_TABLES`), one
sheet a table, in a workbook readable by whoever made it only; the export is in the audit
log.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from countyreach.dates import county_time
from countyreach.i18n import t
from countyreach.services.erasure import ManyMatches, matching_leads
from countyreach.store import Session, Store
from countyreach.store.do_not_visit import PERSONAL_TABLES

__all__ = ["PersonData", "COPY_HINT", "lead_data", "person_data", "person_workbook"]

#: How a request that names several leads is narrowed.
COPY_HINT = "give --county ID, or the lead id: a copy is one business's data"


@dataclass(frozen=True)
class PersonData:
    """What the store keeps of one lead: each table's rows (column -> value), by table."""

    county_id: str
    lead_id: str
    tables: dict[str, list[dict[str, Any]]]

    @property
    def rows(self) -> int:
        """Rows in the copy, every table's."""
        return sum(len(r) for r in self.tables.values())


def person_data(store: Store, session: Session, person: str, *,
                county_id: str | None = None, hint: str = COPY_HINT) -> PersonData:
    """Everything the store keeps of the one lead ``person`` names (audited).

    Parameters
    ----------
    store : Store
    session : Session
        A manager of the lead's county or an admin.
    person : str
        A lead id, a name or a phone number (the whole number).
    county_id : str, optional
        Look in this county only.
    hint : str
        How a request that names several leads is narrowed (the caller's words).

    Returns
    -------
    PersonData

    Raises
    ------
    InputError
        Nobody matches ``person``.
    ManyMatches
        Several leads match: nothing is copied.
    """
    found = matching_leads(store, session, person, county_id)
    if len(found) > 1:
        raise ManyMatches(person, found, hint, erasing=False)
    return lead_data(store, session, found[0].county_id, found[0].lead_id)


def lead_data(store: Store, session: Session, county_id: str, lead_id: str) -> PersonData:
    """Everything the store keeps of the lead ``lead_id`` of ``county_id`` (audited): the
    app's copy of the lead a manager has picked.

    Raises
    ------
    InputError
        Nothing is kept of the lead.
    AccessDenied
        Not a manager of the county or an admin.
    """
    return PersonData(county_id, lead_id, store.personal_data(session, county_id, lead_id))


def _cell(value: Any) -> Any:
    """A stored value as a spreadsheet shows it: a moment in China time, the rest as is."""
    if isinstance(value, dt.datetime):
        return county_time(value)
    return value


def person_workbook(data: PersonData, lang: str) -> bytes:
    """The copy as an ``.xlsx`` workbook: a first sheet saying whose data it is and what
    each sheet holds, then one sheet a table (its columns as the store names them)."""
    import pandas as pd  # here: the CLI's other commands do without it

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as book:
        about: list[tuple[str, object]] = [(t("person_about_county", lang), data.county_id),
                 (t("person_about_lead", lang), data.lead_id)]
        about += [(t(f"person_sheet_{name}", lang), len(rows))
                  for name, rows in data.tables.items()]
        pd.DataFrame(about, columns=[t("person_about_what", lang),
                                     t("person_about_value", lang)]).to_excel(
            book, sheet_name=t("person_sheet_about", lang)[:31], index=False)
        columns = {table.name: [c.name for c in table.c if c.name != "content_hash"]
                   for table in PERSONAL_TABLES}
        for name, rows in data.tables.items():
            # an empty table keeps its columns: the owner sees what would be kept
            frame = pd.DataFrame([{k: _cell(v) for k, v in r.items()} for r in rows],
                                 columns=columns.get(name))
            frame.to_excel(book, sheet_name=t(f"person_sheet_{name}", lang)[:31],
                           index=False)
    return buf.getvalue()
