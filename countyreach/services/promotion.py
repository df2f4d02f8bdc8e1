"""When a retrained lead model may replace the promoted one: an honest rule, said plainly.

A county's held-out visits are few at first (a fifth of the leads, visited once or twice), and
an AUC measured on fifteen of them can land anywhere between 0.3 and 0.7 by chance. So a new
model is promoted only when the held-out visits can tell:

1. at least :data:`MIN_HELDOUT_LOANS` held-out visits with a loan and as many without;
2. its held-out AUC is above chance beyond noise: the lower end of its
   :data:`CONFIDENCE` interval (DeLong, :func:`propensity.auc_compare.compare_aucs`) is
   above 0.5;
3. against the promoted model, on the same held-out visits: a routine retraining (the
   county's own model again, same value basis) may not be worse by more than
   ``tolerance``; replacing the starter model must have the interval of the difference
   exclude "worse by more than ``tolerance``"; giving up a visit-caused value basis (plans
   would value visits by take-up instead, on another scale) must be clearly better, the
   interval of the difference above 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from propensity.auc_compare import AucComparison, compare_aucs

__all__ = ["MIN_HELDOUT_LOANS", "CONFIDENCE", "Verdict", "judge_promotion"]

#: Held-out visits with a loan (and without) a promotion needs: fewer cannot tell a model
#: from chance (the interval of an AUC on 10 + 10 visits is about ±0.25).
MIN_HELDOUT_LOANS = 10
#: Confidence level of the intervals a promotion rests on.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Verdict:
    """Whether a new model may be promoted, and why in plain words.

    Attributes
    ----------
    promote : bool
    reason : str
        What the held-out visits showed (the AUC with its interval, the difference with the
        promoted model's), or why they cannot tell.
    comparison : AucComparison or None
        ``None`` when the held-out visits were too few to compare anything.
    """

    promote: bool
    reason: str
    comparison: AucComparison | None = None


def _interval(lo_hi: tuple[float, float], signed: bool = False) -> str:
    fmt = "{:+.3f}" if signed else "{:.3f}"
    return f"{fmt.format(lo_hi[0])} to {fmt.format(lo_hi[1])}"


def judge_promotion(y: np.ndarray, p_new: np.ndarray, p_old: np.ndarray | None = None, *,
                    old_name: str = "the promoted model", old_is_starter: bool = False,
                    basis_lost: bool = False, tolerance: float = 0.01) -> Verdict:
    """Judge a new model against the promoted one on the held-out visits (module notes).

    Parameters
    ----------
    y : numpy.ndarray
        0/1: whether each held-out visit brought a loan.
    p_new : numpy.ndarray
        The new model's P(loan | visit) of each held-out visit.
    p_old : numpy.ndarray, optional
        The promoted model's, on the same visits (``None``: no model to compare with).
    old_name : str
        How the message names the promoted model (``v2, the starter model``).
    old_is_starter : bool
        The promoted model is the starter model (not learnt from this county).
    basis_lost : bool
        The promoted model values visits by what they cause and the new one would not.
    tolerance : float
        How much worse a routine retraining may rank the held-out visits (noise).

    Returns
    -------
    Verdict
    """
    y = np.asarray(y, dtype=int)
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    if min(n_pos, n_neg) < MIN_HELDOUT_LOANS:
        return Verdict(False, f"too few held-out visits to tell: {len(y)}, {n_pos} with a loan "
                              f"(a promotion needs {MIN_HELDOUT_LOANS} with a loan and "
                              f"{MIN_HELDOUT_LOANS} without)")
    c = compare_aucs(y, p_new, p_old, level=CONFIDENCE)
    pct = f"{CONFIDENCE:.0%}"
    own = (f"held-out AUC {c.auc_new:.3f} ({pct} interval {_interval(c.new_interval)}) on "
           f"{len(y)} held-out visits, {n_pos} with a loan")
    if c.new_interval[0] <= 0.5:
        return Verdict(False, f"{own}: not above chance (0.5) beyond noise", c)
    if p_old is None:
        return Verdict(True, own, c)
    lo = c.diff_interval[0]
    versus = (f"{own}; {old_name} {c.auc_old:.3f} on the same visits, difference "
              f"{c.diff:+.3f} ({pct} interval {_interval(c.diff_interval, signed=True)})")
    if basis_lost and lo <= 0:
        return Verdict(False, f"{versus}: not clearly better, and it would give up valuing "
                              "visits by what they cause", c)
    if old_is_starter and lo <= -tolerance:
        return Verdict(False, f"{versus}: the held-out visits cannot rule out that it ranks "
                              f"them worse than the starter model", c)
    if c.diff < -tolerance:
        return Verdict(False, f"{versus}: worse than {old_name}", c)
    return Verdict(True, versus, c)
