"""The lender's models inside a simulation: what each policy believes a visit is worth.

* :class:`ScoreLearner` — the plain lead scorer (:class:`propensity.LeadScorer`):
  P(loan | visit) x loan x margin, trained once on the history. The baselines that
  rank by it (``score_order``, ``score_routed``, ``value_nearest``) are what a lender
  with a conventional scorecard does.
* :class:`ValueLearner` — the value a visit *causes*
  (:class:`propensity.uplift.VisitValueModel`), trained on the history and the bank's
  loan book, retrained every ``retrain_weeks`` on the simulated visits and walk-ins.

Both see only what the bank knows: the visit log and its own loans, and the value model
the loans elsewhere of the businesses a credit-information source covers, if any.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from countyreach.simulation.world import SimWorld
from propensity.loan_recency import LoanSource, bank_loan_book, first_of_each

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
    elsewhere_share : float
        Share of the businesses whose loans elsewhere the bank knows of
        (:attr:`covered` lists them).
    ask_at_visits : bool
        The officers ask at each visit about loans elsewhere and record the latest or none
        (:meth:`asked_at_visits`).
    """

    def __init__(self, world: SimWorld, seed: int, margin: float,
                 elsewhere_share: float = 0.0, ask_at_visits: bool = False) -> None:
        from propensity.uplift import VisitValueModel

        econ = world.economy
        self.world = world
        self.seed = seed
        self.margin = margin
        #: Businesses whose loans elsewhere the bank learns of, in the history and after.
        known = econ.known_loans_elsewhere(elsewhere_share, seed=seed)
        # The report lists every business it covers (a row without a month when clean).
        self.covered = frozenset(known["lead_id"].astype(str))
        self.ask_at_visits = ask_at_visits
        # Month of each business's latest loan elsewhere (what an owner can tell an officer
        # who asks): kept only when the officers ask.
        other = econ.loans[econ.loans["source"] == LoanSource.ELSEWHERE] \
            if ask_at_visits and len(econ.loans) else econ.loans.iloc[:0]
        self._latest_other: dict[str, str] = {
            str(r.lead_id): str(r.month) for r in other.sort_values("month").itertuples()}
        self.history = econ.history.copy()
        self.book = bank_loan_book(econ.history, econ.loan_book, known)
        self._cls = VisitValueModel
        self.model = self._fit()
        # Business rows by lead id, to score a day's open leads without the rest.
        self._businesses = world.businesses.set_index(
            world.businesses["lead_id"].astype(str), drop=False)
        self._key: tuple[str, int] | None = None
        self._scored: pd.DataFrame | None = None

    def _fit(self) -> Any:
        return self._cls(margin=self.margin, lockout_months=self.world.loan_rule_months,
                         random_state=self.seed).fit_history(
            self.world.businesses, self.history, self.book)

    def record(self, visits: pd.DataFrame, loans: pd.DataFrame) -> None:
        """Add simulated visits (with ``visited_by_policy``) and the bank's new loans
        (``source`` ``elsewhere``: a loan elsewhere it learnt of).

        The book keeps one loan per lead and month, as a county's loan book does
        (:func:`propensity.loan_recency.check_loan_book`): a business that borrowed can
        still draw a second walk-in later in the month (the truth makes it unlikely, not
        impossible), and two book rows for one lead-month broke the retraining's
        table. The first loan stays (after a visit, the visit's).
        """
        if len(visits):
            self.history = pd.concat([self.history, visits], ignore_index=True)
        if len(loans):
            self.book = first_of_each(pd.concat([self.book, loans], ignore_index=True))

    def loans_learnt(self, no_visit: pd.DataFrame, took: Any) -> pd.DataFrame:
        """Of a day's loans without a visit (``took`` marks who borrowed), those the bank
        learns of: its own walk-ins and the loans elsewhere its credit source covers."""
        cols = ["lead_id", "month", "source", "loan_yuan", "defaulted"]
        got = no_visit[np.asarray(took, bool)]
        if self.ask_at_visits:
            for r in got[got["source"] == LoanSource.ELSEWHERE].itertuples():
                self._latest_other[str(r.lead_id)] = str(r.month)
        known = (got["source"] == LoanSource.WALK_IN) | got["lead_id"].astype(str).isin(
            self.covered)
        return got.loc[known, cols]

    def asked_at_visits(self, lead_ids: Sequence[str], month: str) -> pd.DataFrame:
        """What each business visited in ``month`` tells the officer who asks: the month of
        its latest loan elsewhere, or that it has none (nothing unless
        :attr:`ask_at_visits`); known from ``month`` on, as the outcome form records it."""
        cols = ["lead_id", "month", "source", "loan_yuan", "defaulted", "known_month"]
        if not self.ask_at_visits:
            return pd.DataFrame(columns=cols)
        # The form records the month only, as an officer does.
        rows = []
        for x in map(str, lead_ids):
            m = self._latest_other.get(x, "")
            rows.append({"lead_id": x, "month": m,
                         "source": LoanSource.ELSEWHERE if m else LoanSource.CHECKED,
                         "loan_yuan": np.nan, "defaulted": np.nan, "known_month": month})
        return pd.DataFrame(rows, columns=cols)

    def retrain(self) -> None:
        """Refit on everything recorded so far."""
        self.model = self._fit()
        self._key, self._scored = None, None

    def values(self, month: str, day_key: int,
               lead_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Value per lead (indexed by lead id) for ``month`` with the book as of today.

        Parameters
        ----------
        month : str
            ``YYYY-MM`` of the visit.
        day_key : int
            Identifies the state of the loan book (the simulation passes the week: the
            book changes when a week is recorded), so the cache is refreshed with it.
        lead_ids : sequence of str, optional
            Only these leads (default every business). A simulated day can visit only
            the leads the loan and cooldown rules leave open, about two in five of the
            county, so only those are scored; leads asked for later under the same key
            (a cooldown ended) are scored then. The model scores each row on its own, so
            a lead's value does not depend on which others were scored with it.

        Returns
        -------
        pandas.DataFrame
            :data:`propensity.uplift.VALUE_COLUMNS` (reasons left empty), indexed by lead id.
        """
        key = (month, day_key)
        if key != self._key:
            self._key, self._scored = key, None
        want = pd.Index(self.world.lead_ids if lead_ids is None else lead_ids, dtype=object)
        have = self._scored
        missing = want if have is None else want.difference(have.index, sort=False)
        if len(missing):
            rows = self._businesses.loc[missing].reset_index(drop=True)
            s = self.model.score(rows, month, loan_book=self.book, explain=False)
            s = s.set_index(s["lead_id"].astype(str))
            self._scored = s if have is None else pd.concat([have, s])
        assert self._scored is not None
        return self._scored.loc[want]
