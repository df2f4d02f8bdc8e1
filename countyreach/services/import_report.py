"""What ``county import`` did, as the command line reports it, in the user's language.

One line per part (leads, officers, history, map files, loan book, loans elsewhere, loan
rule, input warnings); the words are the catalogue's ``import_*`` entries, the counts and
ids as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from countyreach.i18n import list_text, t

if TYPE_CHECKING:
    from countyreach.services.loop import CountyImport
    from countyreach.store import ImportReport

__all__ = ["import_lines"]


def _rows(r: ImportReport, L: str) -> str:
    n = r.counts
    return (t("import_counts", L, new=n["inserted"], updated=n["updated"],
              unchanged=n["unchanged"])
            + (t("import_retired", L, n=n["retired"], some=list_text(r.retired[:3], L))
               if r.retired else "")
            + (t("import_kept_erased", L, n=n["kept_erased"]) if r.kept_erased else ""))


def import_lines(rep: CountyImport, lang: str = "en") -> list[str]:
    """A short report of a county's import, one line per part.

    Parameters
    ----------
    rep : CountyImport
    lang : {"en", "zh"}

    Returns
    -------
    list of str
    """
    L, h = lang, rep.history
    return [
        t("import_county", L, county=rep.county_id),
        t("import_leads", L, what=_rows(rep.leads, L)),
        t("import_officers", L, what=_rows(rep.officers, L)),
        t("import_history", L, what=t("import_counts", L, new=h["inserted"],
                                      updated=h["updated"], unchanged=h["unchanged"])
          + (t("import_history_removed", L, n=h["removed"]) if h.get("removed") else "")),
        t("import_map_files", L, what=t(
            "import_stored" if rep.map_files_changed else "import_unchanged", L)),
        # the plan's value basis says which applies: the starter's until the county has a
        # model of its own
        t("import_loan_book", L, what=t("import_no_loans", L) if rep.loans is None else t(
            "import_loans", L, n=rep.loans), randomised=rep.randomised or 0),
        t("import_elsewhere", L, what=t("import_none_known", L)
          if rep.loans_elsewhere is None else t("import_known", L, n=rep.loans_elsewhere))
        + (t("import_checked_none", L, n=rep.loans_elsewhere_none)
           if rep.loans_elsewhere_none else "")
        + (t("import_elsewhere_erased", L, n=rep.loans_elsewhere_erased)
           if rep.loans_elsewhere_erased else ""),
        t("import_loan_rule", L, months=rep.loan_rule_months),
        *([t("import_warnings", L, n=len(rep.input_warnings))] if rep.input_warnings else []),
    ]
