"""The lender's models inside a simulation: what each policy believes a visit is worth.

* :class:`ScoreLearner` — the plain lead scorer (:class:`propensity.LeadScorer`):
  P(loan | visit) x loan x margin, trained once on the history. The baselines that
  rank by it (``score_order``, ``score_routed``, ``value_nearest``) are what a lender
  with a conventional scorecard does.
* :class:`ValueLearner` — the value a visit *causes*
  (:class:`propensity.uplift.VisitValueModel`), trained on the history and the bank's
  loan book, retrained every ``retrain_weeks`` on the simulated visits and walk-ins.

Both see only what the bank knows: the visit log and its own loans.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from countyreach.simulation.world import SimWorld

__all__ = ["ScoreLearner", "ValueLearner"]


class ScoreLearner:
    """The conventional lead model, trained once on the history."""

    def __init__(self, world: SimWorld, seed: int) -> None:
        import propensity

        self._p = propensity
        self.world = world
        self.scorer = propensity.LeadScorer(random_state=seed).fit_history(
            world.businesses, world.economy.history)
        self._cache: dict[str, pd.DataFrame] = {}

    def retrain(self, outcomes: pd.DataFrame) -> None:
        """Refit on the history plus ``outcomes`` (the week's simulated visits)."""
        if len(outcomes):
            self.scorer = self._p.retrain(self.scorer, outcomes)
            self._cache.clear()

    def scores(self, month: str) -> pd.DataFrame:
        """Mean expected value per lead this month, indexed by lead id."""
        if month not in self._cache:
            s = self.scorer.score(self.world.businesses, month, explain=False)
            self._cache[month] = s.set_index(s["lead_id"].astype(str))
        return self._cache[month]

    def explore(self, month: str, share: float, rng: np.random.Generator) -> pd.DataFrame:
        """Routing values with Thompson exploration for ``share`` of the leads."""
        v = self._p.thompson_values(self.scorer, self.world.businesses, month, rng,
                                    exploration_share=share)
        return v.set_index(v["lead_id"].astype(str))


class ValueLearner:
    """The value a visit causes, learnt from the visit log and the bank's loan book.

    Parameters
    ----------
    world : SimWorld
    seed : int
    margin : float
    """

    def __init__(self, world: SimWorld, seed: int, margin: float) -> None:
        from propensity.uplift import VisitValueModel

        econ = world.economy
        self.world = world
        self.seed = seed
        self.margin = margin
        self.history = econ.history.copy()
        self.book = econ.loan_book.copy()
        self._cls = VisitValueModel
        self.model = self._fit()
        self._cache: dict[tuple[str, int], pd.DataFrame] = {}

    def _fit(self) -> Any:
        return self._cls(margin=self.margin, random_state=self.seed).fit_history(
            self.world.businesses, self.history, self.book)

    def record(self, visits: pd.DataFrame, loans: pd.DataFrame) -> None:
        """Add simulated visits (with ``visited_by_policy``) and the bank's new loans."""
        if len(visits):
            self.history = pd.concat([self.history, visits], ignore_index=True)
        if len(loans):
            self.book = pd.concat([self.book, loans], ignore_index=True)

    def retrain(self) -> None:
        """Refit on everything recorded so far."""
        self.model = self._fit()
        self._cache.clear()

    def values(self, month: str, day_key: int) -> pd.DataFrame:
        """Value per lead (indexed by lead id) for ``month`` with the book as of today.

        ``day_key`` identifies the state of the loan book (the simulation passes the
        number of loans recorded), so the cache is refreshed when a loan is added.
        """
        key = (month, day_key)
        if key not in self._cache:
            s = self.model.score(self.world.businesses, month, loan_book=self.book,
                                 explain=False)
            self._cache = {key: s.set_index(s["lead_id"].astype(str))}
        return self._cache[key]
