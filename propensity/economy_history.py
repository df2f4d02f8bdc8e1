"""The synthetic economy's past: officers' visits and every loan taken, month by month.

Each month officers make ``visit_rate x n`` visits. Most follow a biased heuristic (near
the branch, bigger revenue, existing borrowers, few refusals, blind to the season);
``random_share`` of the visits go to uniformly random eligible businesses (the
*exploration share*: every eligible business has the same known chance to be among
them, which is what lets :mod:`propensity.uplift` estimate the visit effect without
confounding). A business is not visited twice within two months nor within a year of a
loan the bank knows about. Visit outcomes are drawn from the truth.

In the ``heterogeneous`` variant businesses nobody visited also borrow, at their
no-visit rate: a share ``own_share`` from this bank (walk-ins, in the bank's loan book)
and the rest elsewhere (only the truth knows). Every loan, wherever taken, counts for
the truth's loan recency. The ``additive`` variant keeps the original history exactly
(no borrowing without a visit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from propensity.loan_recency import LoanSource
from propensity.visit_truth import NEVER_BORROWED_MONTHS, EconomyVariant

if TYPE_CHECKING:
    from propensity.economy_model import Economy

__all__ = ["simulate_history", "LOAN_COLUMNS", "LoanSource"]

#: Columns of an economy's loan table.
LOAN_COLUMNS = ("lead_id", "month", "source", "loan_yuan", "defaulted")


def _months_since(t_idx: int, last: np.ndarray) -> np.ndarray:
    return np.where(last > -10**5, t_idx - last, NEVER_BORROWED_MONTHS).astype(float)


def simulate_history(econ: Economy, rng: np.random.Generator, *, visit_rate: float,
                     random_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the visit history and the loan table of ``econ`` (see the module docstring).

    Returns
    -------
    (history, loans)
        ``history``: ``lead_id, month, visited_by_policy, took_loan, loan_yuan,
        defaulted``; ``loans``: :data:`LOAN_COLUMNS`, one row per loan of any source.
    """
    b = econ.businesses
    n = len(b)
    hetero = econ.variant is EconomyVariant.HETEROGENEOUS
    k = max(1, int(round(visit_rate * n)))
    k_random = int(round(random_share * k))
    heuristic = (-0.45 * b["dist_branch_m"].to_numpy() / 1000.0
                 + 0.5 * b["revenue_band"].to_numpy()
                 + 0.35 * np.log1p(b["staff"].to_numpy())
                 + 0.6 * b["has_existing_loan"].to_numpy()
                 - 0.8 * b["past_refusals"].to_numpy())
    last_visit = np.full(n, -10**6)
    last_loan = np.full(n, -10**6)  # loans the bank knows about (its eligibility rule)
    last_any = np.full(n, -10**6)  # every loan (the truth's recency)
    ids = b["lead_id"].to_numpy()
    frames = []
    loans = []
    for t_idx, month in enumerate(econ.months):
        eligible = (t_idx - last_visit > 2) & (t_idx - last_loan >= 12)
        pool = np.flatnonzero(eligible)
        if not len(pool):
            continue
        rand_pick = rng.choice(pool, size=min(k_random, len(pool)), replace=False)
        rest = np.setdiff1d(pool, rand_pick)
        score = heuristic[rest] + rng.gumbel(0, 1.0, len(rest))
        heur_pick = rest[np.argsort(-score)[: max(0, min(k - len(rand_pick), len(rest)))]]
        picks = np.concatenate([heur_pick, rand_pick])
        since = _months_since(t_idx, last_any) if hetero else None
        out = econ.simulate_visit_outcomes(
            ids[picks], month, rng, months_since_loan=None if since is None else since[picks])
        out.insert(2, "visited_by_policy",
                   ["heuristic"] * len(heur_pick) + ["random"] * len(rand_pick))
        frames.append(out)
        last_visit[picks] = t_idx
        took = picks[out["took_loan"].to_numpy() == 1]
        last_loan[took] = t_idx
        last_any[took] = t_idx
        if len(took):
            got = out[out["took_loan"] == 1]
            loans.append(pd.DataFrame({"lead_id": got["lead_id"].to_numpy(), "month": month,
                                       "source": LoanSource.VISIT,
                                       "loan_yuan": got["loan_yuan"].to_numpy(float),
                                       "defaulted": got["defaulted"].to_numpy(int)}))
        if hetero:
            assert since is not None
            rest_ids = np.setdiff1d(np.arange(n), picks)
            nv = econ.simulate_no_visit_loans(ids[rest_ids], month, rng,
                                              months_since_loan=since[rest_ids])
            took_nv = nv["took_loan"].to_numpy() == 1
            own = nv["source"].to_numpy() == LoanSource.WALK_IN
            last_any[rest_ids[took_nv]] = t_idx
            last_loan[rest_ids[took_nv & own]] = t_idx
            if took_nv.any():
                loans.append(nv.loc[took_nv, list(LOAN_COLUMNS)])
    hist = pd.concat(frames, ignore_index=True)
    hist = hist.sort_values(["month", "lead_id"], kind="stable").reset_index(drop=True)
    loan_df = (pd.concat(loans, ignore_index=True) if loans
               else pd.DataFrame(columns=list(LOAN_COLUMNS)))
    loan_df = loan_df.sort_values(["month", "lead_id"], kind="stable").reset_index(drop=True)
    return hist, loan_df
