"""What changed between two plans, per officer (for the manager's re-plan and publish).

Uses :func:`countyreach.services.planning.plan_diff` when the planning service has it;
until then this computes the same per-officer view from the two plans' routes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from countyreach.i18n import list_text, t
from countyreach.services import planning as pl
from routing.plan import Plan


@dataclass(frozen=True, slots=True)
class Change:
    """One officer's changes: leads added to and removed from the route, stops re-ordered."""

    officer_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    moved: tuple[str, ...]


def changes(before: Plan, after: Plan) -> list[Change]:
    """Per-officer changes from ``before`` to ``after`` (officers with no change left out)."""
    diff = getattr(pl, "plan_diff", None)
    if diff is not None:
        return [Change(d.officer_id, tuple(d.added), tuple(d.removed), tuple(d.moved))
                for d in diff(before, after) if d.added or d.removed or d.moved]
    old = {r.officer_id: list(r.lead_ids) for r in before.routes}
    new = {r.officer_id: list(r.lead_ids) for r in after.routes}
    out = []
    for oid in sorted(set(old) | set(new)):
        a, b = old.get(oid, []), new.get(oid, [])
        kept_a = [x for x in a if x in b]
        kept_b = [x for x in b if x in a]
        moved = tuple(x for i, x in enumerate(kept_b) if kept_a[i] != x)
        c = Change(oid, tuple(x for x in b if x not in a), tuple(x for x in a if x not in b),
                   moved)
        if c.added or c.removed or c.moved:
            out.append(c)
    return out


def changes_frame(items: list[Change], names: dict[str, str], lang: str) -> pd.DataFrame:
    """The changes as a table: officer, added, removed, re-ordered (lead names)."""
    def show(ids: tuple[str, ...]) -> str:
        return list_text((names.get(i, i) for i in ids), lang) or "—"

    return pd.DataFrame([{t("officer", lang): c.officer_id, t("diff_added", lang): show(c.added),
                          t("diff_removed", lang): show(c.removed),
                          t("diff_moved", lang): show(c.moved)} for c in items])
