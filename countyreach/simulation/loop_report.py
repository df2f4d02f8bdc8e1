"""What ``simulate-loop`` prints, in the user's language: a line per working day, the totals,
and every model version against the hidden truth (:func:`format_store_loop`).

The words come from the catalogue (``loop_*`` entries of the ``ui`` vocabulary); the
columns are padded by terminal width, where a Chinese character takes two columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from countyreach.i18n import t
from countyreach.plan_summary import cell

if TYPE_CHECKING:
    from countyreach.simulation.through_store import StoreLoopResult

__all__ = ["format_store_loop"]

#: The day table's columns: catalogue key and width.
_DAY_COLS = (("loop_col_day", 11), ("loop_col_model", 6), ("loop_col_auc", 7),
             ("loop_col_visits", 7), ("loop_col_met", 5), ("loop_col_loans", 6),
             ("loop_col_loan_yuan", 11), ("loop_col_caused_loans", 13),
             ("loop_col_caused_yuan", 10), ("loop_col_follow_ups", 7), ("loop_col_plan_s", 8),
             ("loop_col_pub_s", 7), ("loop_col_rec_s", 7), ("loop_col_train_s", 8))
#: The model table's columns.
_MODEL_COLS = (("loop_col_model", 6), ("loop_col_promoted", 10), ("loop_col_held_out_auc", 14),
               ("loop_col_truth_auc", 11), ("loop_col_truth_auc_held_out", 28),
               ("loop_col_training_visits", 17))


def _head(cols: tuple[tuple[str, int], ...], lang: str) -> str:
    # the first column reads left-aligned, the numbers' headers right-aligned
    return "".join(cell(t(key, lang), width, right=i > 0)
                   for i, (key, width) in enumerate(cols))


def format_store_loop(result: StoreLoopResult, lang: str = "en") -> str:
    """The per-day table and the hidden-truth AUC of every model version, as text.

    Parameters
    ----------
    result : StoreLoopResult
    lang : {"en", "zh"}

    Returns
    -------
    str
    """
    L = lang
    lines = [t("loop_head", L, county=result.county_id, officers=result.n_officers,
               leads=result.n_leads, days=len(result.days), setup=f"{result.setup_s:.1f}"),
             _head(_DAY_COLS, L)]
    for d in result.days:
        note = (t("loop_retrained", L, version=d.retrained_version)
                if d.retrained_version else "") + (t("loop_reopened", L) if d.restarted else "")
        lines.append(f"{d.plan_date:<11}{'v' + str(d.model_version):>6}{d.model_auc_truth:>7.3f}"
                     f"{d.visits:>7}{d.met:>5}{d.loans:>6}{d.loan_yuan:>11,.0f}"
                     f"{d.caused_loans:>13.1f}{d.caused_value_yuan:>10,.0f}"
                     f"{f'{d.follow_ups_on_route}/{d.follow_ups_due}':>7}"
                     f"{d.plan_s:>8.2f}{d.publish_s:>7.2f}{d.outcomes_s:>7.2f}"
                     f"{d.retrain_s:>8.2f}{note}")
    tot = result.frame()
    lines.append(f"{cell(t('loop_total', L), 11)}{'':>13}{tot['visits'].sum():>7}"
                 f"{tot['met'].sum():>5}"
                 f"{tot['loans'].sum():>6}{tot['loan_yuan'].sum():>11,.0f}"
                 f"{tot['caused_loans'].sum():>13.1f}{tot['caused_value_yuan'].sum():>10,.0f}")
    lines += ["", t("loop_legend", L, month=result.eval_month,
                    ceiling=f"{result.truth_ceiling_auc:.3f}"),
              "", _head(_MODEL_COLS, L)]
    for m in result.models:
        reg = "n/a" if m.registry_auc is None else f"{m.registry_auc:.3f}"
        promoted = t("loop_yes" if m.promoted else "loop_no", L)
        lines.append(f"{'v' + str(m.version):>6}{cell(promoted, 10, right=True)}{reg:>14}"
                     f"{m.auc_truth:>11.3f}{m.auc_truth_holdout:>28.3f}{m.n_train_visits:>17}")
    if result.restart is not None:
        r = result.restart
        lines.append("\n" + t("loop_restart", L, day=r.after_day, before=r.outcomes_before,
                              after=r.outcomes_after))
    return "\n".join(lines)
