"""The audit log as people read it: ``countyreach audit`` and the app's Activity page.

The store writes a row in the same transaction as every change (who, when, what, on which
county: a plan published, an outcome recorded, a business erased, an account disabled) and
reads them back by role: admins every county, managers their own
(:meth:`countyreach.store.audit.AuditLog.entries`). This module is the one owner of how a row
is worded, in one language, for the terminal, the page and the CSV an auditor asks for.
Rows name leads by id and people by username: no business's name or phone is in the log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING, Any

from countyreach.dates import CHINA_TZ, county_time
from countyreach.i18n import t
from countyreach.store.records import AuditAction, AuditEntry

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ActivityRow", "activity_csv", "activity_lines", "activity_rows", "activity_table",
           "action_name", "china_day_start", "detail_text"]

#: A value the log keeps as a sha256 digest (content, data and artefact hashes): shown cut.
_DIGEST = re.compile(r"[0-9a-f]{64}")
#: Items of a list shown in a row's detail before "…".
_LISTED = 5


@dataclass(frozen=True)
class ActivityRow:
    """One audit row in words: when (China time), who, what, on what."""

    when: str
    user: str
    role: str
    action: str
    county: str
    target: str
    detail: str


def action_name(action: AuditAction | str, lang: str) -> str:
    """What a kind of audit row records, in ``lang`` (e.g. "plan published", 发布计划)."""
    return t(f"audit_{AuditAction(action).value}", lang)


def _value(value: Any) -> str:
    if isinstance(value, str) and _DIGEST.fullmatch(value):
        return value[:12]
    if isinstance(value, list | tuple):
        shown = ", ".join(str(v) for v in value[:_LISTED])
        return f"[{shown}{' …' if len(value) > _LISTED else ''}]"
    return str(value)


def detail_text(detail: Mapping[str, Any]) -> str:
    """A row's detail as ``name value; …``, by name: digests cut to 12 characters, lists to
    their first five items, empty lists and values that are none left out."""
    return "; ".join(f"{k} {_value(v)}" for k, v in sorted(detail.items())
                     if v is not None and not (isinstance(v, list | tuple) and not v))


def activity_rows(entries: Sequence[AuditEntry], lang: str) -> list[ActivityRow]:
    """Each entry in words, in ``lang``, in the order given (the store's: newest first)."""
    return [ActivityRow(county_time(e.at), e.username, t(f"role_{e.role.value}", lang),
                        action_name(e.action, lang), e.county_id or "", e.target,
                        detail_text(e.detail)) for e in entries]


def _titles(lang: str) -> list[str]:
    return [t(f"audit_col_{f.name}", lang) for f in fields(ActivityRow)]


def activity_lines(entries: Sequence[AuditEntry], lang: str) -> list[str]:
    """The entries as terminal lines: a header, then one line each (the detail last, as
    long as it is); a line saying there is none when there is none."""
    from countyreach.plan_summary import cell

    if not entries:
        return [t("audit_none", lang)]
    widths = (17, 22, 14, 18, 12, 24)

    def line(values: Sequence[str]) -> str:
        return "".join(cell(v, w) + " " for v, w in zip(values, widths, strict=False)) \
            + values[-1]

    return [line(_titles(lang))] + [line(astuple(r)) for r in activity_rows(entries, lang)]


def activity_table(entries: Sequence[AuditEntry], lang: str) -> pd.DataFrame:
    """The entries as the page's table, columns titled in ``lang``."""
    import pandas as pd  # here: `countyreach audit` in a terminal does without it

    return pd.DataFrame([astuple(r) for r in activity_rows(entries, lang)],
                        columns=_titles(lang))


def activity_csv(entries: Sequence[AuditEntry], lang: str) -> bytes:
    """The entries as CSV, UTF-8 with a BOM (Excel shows Chinese right): what an auditor
    asks for."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(_titles(lang))
    out.writerows(astuple(r) for r in activity_rows(entries, lang))
    return buf.getvalue().encode("utf-8-sig")


def china_day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` on China's clock (the day officers and managers mean)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=CHINA_TZ)
