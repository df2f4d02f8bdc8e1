"""Each county the store holds, as people read it: ``countyreach county list`` and the
planner page's "Counties in the store".

An admin of hundreds of counties (or a planner of a region) asks which counties are set up
(leads, officers, accounts) and which are in use (the last published day, the promoted
model, the outcomes officers recorded). The store counts them
(:meth:`countyreach.store.counties.CountyRepository.summaries`); this module words them, in
one language, for the terminal and for the page alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from countyreach.dates import county_time
from countyreach.i18n import format_number, t
from countyreach.store.records import CountySummary

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "county_lines", "county_table"]

#: The columns, in order: the name last (as long as it is, it would push the others apart).
COLUMNS = ("county", "source", "leads", "officers", "accounts", "published", "model",
           "outcomes", "last_outcome", "name")
#: Terminal width and alignment of each column but the name.
_WIDTHS = {"county": (14, False), "source": (13, False), "leads": (8, True), "officers": (8, True),
           "accounts": (8, True), "published": (11, False), "model": (6, False),
           "outcomes": (8, True), "last_outcome": (17, False)}
NONE = "—"


def _texts(c: CountySummary, lang: str) -> dict[str, str]:
    return {"county": c.county_id,
            "source": t("county_source_store" if c.map_files else "county_source_folder", lang),
            "leads": format_number(c.leads),
            "officers": format_number(c.officers), "accounts": format_number(c.accounts),
            "published": c.last_published or NONE,
            "model": NONE if c.model_version is None else f"v{c.model_version}",
            "outcomes": format_number(c.outcomes),
            "last_outcome": county_time(c.last_outcome_at) if c.last_outcome_at else NONE,
            "name": c.name}


def county_lines(counties: Sequence[CountySummary], lang: str) -> list[str]:
    """The counties as a terminal table in ``lang`` (a header and one line each; aligned in
    Chinese too), or one line saying how to import the first when there is none."""
    from countyreach.plan_summary import cell

    if not counties:
        return [t("county_list_none", lang)]

    def line(texts: dict[str, str]) -> str:
        return "".join(cell(texts[k], w, right=right) + " "
                       for k, (w, right) in _WIDTHS.items()) + texts["name"]

    return [line({k: t(f"county_col_{k}", lang) for k in COLUMNS})] + \
        [line(_texts(c, lang)) for c in counties]


def county_table(counties: Sequence[CountySummary], lang: str) -> pd.DataFrame:
    """The counties as a table for the page: counts as numbers (to sort by), the columns
    titled in ``lang``."""
    import pandas as pd  # here: `county list` in a terminal does without it

    rows = []
    for c in counties:
        texts = _texts(c, lang)
        rows.append({**texts, "leads": c.leads, "officers": c.officers,
                     "accounts": c.accounts, "outcomes": c.outcomes})
    return pd.DataFrame(rows, columns=list(COLUMNS)).rename(
        columns={k: t(f"county_col_{k}", lang) for k in COLUMNS})
