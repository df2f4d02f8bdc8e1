"""What ``plan`` prints after solving, in the user's language: the plan as a table, the
checker's verdict and the files written.

Every line's words come from the catalogue (``summary_*`` entries of the ``ui``
vocabulary), so the English and the Chinese terminal say the same; ids, numbers and
file names are printed as they are. A table's columns are padded by terminal width, where a
Chinese character takes two columns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from countyreach.i18n import drop_reason_label, status_label, t
from routing.plan import DropReason, Plan, Violation
from routing.problem import RoutingProblem, hhmm

__all__ = ["summary_text", "checked_text", "violation_text", "took", "cell", "clip"]


#: The officer column's widest (terminal columns): longer names are cut.
_OFFICER_MAX_COLS = 28


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal columns."""
    while _width(text) > width:
        text = text[:-1]
    return text


def cell(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a table that lines up in Chinese too)."""
    pad = " " * max(0, width - _width(text))
    return pad + text if right else text + pad


def _reason(reason: str, lang: str) -> str:
    # English keeps the code a script or a support ticket quotes; Chinese reads its label
    return reason if lang == "en" else drop_reason_label(reason, lang)


def violation_text(v: Violation, lang: str = "en") -> str:
    """``[time_window] ...``: a violation the checker found, its message in ``lang``.

    The checker (in :mod:`routing`, which knows no language) writes English; the rule's code
    stays as written (a support ticket quotes it), the message is read back through the
    catalogue's templates (:func:`countyreach.localize.localize`).
    """
    from countyreach.localize import localize

    return f"[{v.code}] {localize(v.message, lang)}"


def _note(message: str, lang: str) -> str:
    """A plan's message (the solver's, the checker's verdict) in ``lang``; the plan file
    keeps it in English."""
    from countyreach.localize import localize

    return localize(message, lang)


def summary_text(problem: RoutingProblem, plan: Plan, lang: str = "en",
                 scores: Any = None) -> str:
    """The plan as a table a manager reads in a terminal.

    Parameters
    ----------
    problem, plan
        What was solved and the answer.
    lang : {"en", "zh"}
    scores : pandas.DataFrame, optional
        ``lead_id`` and ``name`` of leads the problem does not hold (the day's
        :attr:`~countyreach.pipeline.DayPlan.left_out_facts`: a lead skipped off the roads),
        so the leads left out are named as ``dropped.csv`` names them.

    Returns
    -------
    str
    """
    L = lang
    names = {o.officer_id: o.name for o in problem.officers}
    status = plan.status.value if L == "en" else status_label(plan.status.value, L)
    labels = {r.officer_id: f"{r.officer_id} {names.get(r.officer_id, '')}".rstrip()
              for r in plan.routes}
    # as wide as the longest officer's label (within reason): init's made-up names differ in
    # their last character (客户经理 1, 客户经理 2), which a fixed width cut off
    wide = min(max([14, *(_width(v) + 1 for v in labels.values())]), _OFFICER_MAX_COLS)
    lines = [
        t("summary_head", L, date=plan.plan_date, status=status, solver=plan.solver,
          seconds=f"{plan.solve_time_s:.1f}"),
        *([t("summary_note", L, note=_note(plan.message, L))] if plan.message else []),
        "",
        cell(t("summary_col_officer", L), wide) + cell(t("summary_col_visits", L), 7, right=True)
        + cell(t("summary_col_start", L), 7, right=True)
        + cell(t("summary_col_end", L), 7, right=True)
        + cell(t("summary_col_drive_h", L), 9, right=True)
        + cell(t("summary_col_km", L), 7, right=True)
        + cell(t("summary_col_value", L), 14, right=True),
    ]
    for r in plan.routes:
        label = clip(labels[r.officer_id], wide - 1)
        lines.append(
            f"{cell(label, wide)}{len(r.stops):>7}{hhmm(r.start_s):>7}{hhmm(r.end_s):>7}"
            f"{r.drive_s / 3600:>9.2f}{r.distance_m / 1000:>7.1f}{r.value_yuan:>14,.0f}")
    total_visits = sum(len(r.stops) for r in plan.routes)
    lines.append(
        f"{cell(t('summary_total', L), wide)}{total_visits:>7}{'':>7}{'':>7}"
        f"{plan.drive_s / 3600:>9.2f}"
        f"{sum(r.distance_m for r in plan.routes) / 1000:>7.1f}{plan.value_yuan:>14,.0f}")
    counts: dict[str, int] = {}
    for d in plan.dropped:
        counts[d.reason.value] = counts.get(d.reason.value, 0) + 1
    lines.append("")
    # The pipeline adds the leads it ranked below the day's candidates to the dropped ones,
    # so the leads considered are the visits plus every lead left out, not the problem's.
    why = t("summary_list_sep", L).join(
        t("summary_reason_count", L, reason=_reason(k, L), n=v)
        for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    lines.append(t("summary_left_out", L, n=len(plan.dropped),
                   of=total_visits + len(plan.dropped))
                 + (t("summary_left_out_why", L, why=why) if counts else ""))
    leads = problem.lead_by_id
    others: dict[str, str] = {}
    if scores is not None and len(scores) and "name" in scores:
        others = {str(k): str(v) for k, v in zip(scores["lead_id"], scores["name"].fillna(""),
                                                 strict=True)}
    # a lead skipped off the roads has no value (it is in no problem): named after the most
    # valuable, each with its name, for the lender to fix its coordinates
    off = [d for d in plan.dropped if d.reason is DropReason.OFF_ROADS]
    top = sorted((d for d in plan.dropped if d.reason is not DropReason.OFF_ROADS),
                 key=lambda d: -leads[d.lead_id].value_yuan if d.lead_id in leads else 0)[:5]
    for d in top:
        ld = leads.get(d.lead_id)
        need = "" if d.needed_value_yuan is None else t(
            "summary_would_need", L, value=f"{d.needed_value_yuan:,.0f}")
        lines.append(t("summary_left_out_lead", L, lead=d.lead_id,
                       name=ld.name if ld else others.get(d.lead_id, ""),
                       value=f"{ld.value_yuan if ld else 0:,.0f}",
                       reason=_reason(d.reason.value, L), need=need))
    for d in off[:5]:
        ld = leads.get(d.lead_id)
        lines.append(t("summary_left_out_off_roads", L, lead=d.lead_id,
                       name=ld.name if ld else others.get(d.lead_id, ""),
                       reason=_reason(d.reason.value, L)))
    if len(off) > 5:
        lines.append(t("summary_left_out_more_off_roads", L, n=len(off) - 5))
    return "\n".join(lines)


def checked_text(day: Any, files: Sequence[Path], out: Path, tail: str = "",
                 lang: str = "en") -> str:
    """The checker's verdict on a planned day, the files written, and the first violations.

    Parameters
    ----------
    day : countyreach.pipeline.DayPlan
    files : sequence of Path
        What :func:`~countyreach.plan_files.write_plan_files` wrote.
    out : Path
    tail : str
        Appended to the line (the time taken, :func:`took`).
    lang : {"en", "zh"}

    Returns
    -------
    str
    """
    L = lang
    verdict = t("summary_checker_ok", L) if day.ok else t("summary_checker_violations", L,
                                                  n=len(day.violations))
    lines = [t("summary_checker_wrote", L, verdict=verdict, n=len(files), out=out) + tail]
    lines += ["  " + violation_text(v, L) for v in day.violations[:20]]
    return "\n".join(lines)


def took(seconds: float, lang: str = "en") -> str:
    """`` in 4.7 s``: how long planning took, the end of :func:`checked_text`'s line."""
    return t("summary_checker_took", lang, seconds=f"{seconds:.1f}")
