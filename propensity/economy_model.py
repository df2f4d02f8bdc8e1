"""The synthetic economy as a value: observable businesses, hidden truth, history, loans.

:func:`propensity.economy.generate_economy` builds it (see that module for the story);
this module holds the :class:`Economy` value and its hidden-truth queries: uptake with
and without a visit, loan size, value to the bank, the value a visit causes, and draws of
visit outcomes and of borrowing without a visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from propensity.economy_history import LOAN_COLUMNS, LoanSource
from propensity.errors import DataError
from propensity.features import month_of_year, parse_month
from propensity.visit_truth import (
    NEVER_BORROWED_MONTHS,
    EconomyVariant,
    VisitEffectConfig,
    parse_variant,
    recency_terms,
)

__all__ = ["Economy", "add_months", "month_range"]


def add_months(month: str, k: int) -> str:
    """``YYYY-MM`` shifted by ``k`` months."""
    y, m = parse_month(month)
    idx = y * 12 + (m - 1) + k
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_range(start: str, n: int) -> list[str]:
    """``n`` consecutive months from ``start`` (``YYYY-MM``)."""
    return [add_months(start, k) for k in range(n)]


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True, eq=False)
class Economy:
    """A synthetic county economy: observable businesses, hidden truth, visit history.

    Attributes
    ----------
    businesses : pandas.DataFrame
        What the bank can see, one row per lead (``lead_id, name, industry, village,
        lat, lon, phone, phone_is_fictitious, address, years_operating, staff,
        revenue_band, mobile_pay_flow_yuan, has_existing_loan, past_contacts,
        past_refusals, branch_id, dist_branch_m, dist_cluster_core_m, cluster_size``).
    truth : pandas.DataFrame
        Hidden, indexed by ``lead_id``: ``base_logit, village_effect, cluster_effect,
        branch_effect, latent, uplift_logit, loan_yuan, p_default, dist_true_core_m``.
    history : pandas.DataFrame
        Past visits: ``lead_id, month, visited_by_policy, took_loan, loan_yuan, defaulted``.
    loans : pandas.DataFrame
        Every loan taken during the history: ``lead_id, month, source (visit / walk_in /
        elsewhere), loan_yuan, defaulted``; the bank sees :attr:`loan_book` only.
    calendar : pandas.DataFrame
        Hidden industry x month-of-year cash-need multipliers.
    """

    businesses: pd.DataFrame
    truth: pd.DataFrame
    history: pd.DataFrame
    calendar: pd.DataFrame
    villages: pd.DataFrame
    branches: pd.DataFrame
    start_month: str
    n_months: int
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)
    loans: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LOAN_COLUMNS)))

    @property
    def months(self) -> list[str]:
        """The history months in order."""
        return month_range(self.start_month, self.n_months)

    @property
    def variant(self) -> EconomyVariant:
        """Which hidden truth this economy has (:class:`~propensity.visit_truth.EconomyVariant`)."""
        return parse_variant(self.params.get("variant", EconomyVariant.ADDITIVE))

    @property
    def loan_book(self) -> pd.DataFrame:
        """The loans the bank knows about: taken after a visit or as walk-ins."""
        if self.loans.empty:
            return self.loans
        return self.loans[self.loans["source"] != LoanSource.ELSEWHERE].reset_index(drop=True)

    def credit_coverage(self, share: float, *, seed: int = 0) -> frozenset[str]:
        """The businesses a source of loans elsewhere covers: a seeded random ``share``
        of them (a county's rural credit-information system, credit reports the owners
        agreed to)."""
        if not 0.0 <= share <= 1.0:
            raise DataError(f"share must be in [0, 1], got {share}", field="share")
        ids = self.truth.index.to_numpy()
        rng = np.random.default_rng([self.seed, seed, 31])
        return frozenset(str(x) for x in ids[rng.random(len(ids)) < share])

    def known_loans_elsewhere(self, share: float, *, seed: int = 0) -> pd.DataFrame:
        """Every loan elsewhere of the businesses :meth:`credit_coverage` covers.

        Returns
        -------
        pandas.DataFrame
            ``lead_id, month, loan_yuan`` (the input of
            :func:`~propensity.loan_recency.bank_loan_book`'s ``elsewhere``): the covered
            businesses' loans elsewhere, and a row without a month for each covered
            business that has none (the report shows it clean).
        """
        covered = self.credit_coverage(share, seed=seed)
        cols = ["lead_id", "month", "loan_yuan"]
        other = (self.loans[(self.loans["source"] == LoanSource.ELSEWHERE)
                            & self.loans["lead_id"].astype(str).isin(covered)][cols]
                 if len(self.loans) else pd.DataFrame(columns=cols))
        clean = sorted(covered - set(other["lead_id"].astype(str)))
        none = pd.DataFrame({"lead_id": clean, "month": "", "loan_yuan": np.nan})
        return pd.concat([other.astype({"month": str}), none], ignore_index=True)[cols]

    def loans_elsewhere_told_at_visits(self) -> pd.DataFrame:
        """What the officers' outcome form would hold had they asked at every visit of the
        history: per visit, the month of the business's newest loan elsewhere before it.

        Returns
        -------
        pandas.DataFrame
            ``lead_id, month, loan_yuan, known_month``, one row per visit: the month of the
            newest loan elsewhere before it ('' where the owner said none), NaN amount (an
            owner tells the month, not the amount), known from the visit's month.
        """
        cols = ["lead_id", "month", "loan_yuan", "known_month"]
        if self.history.empty:
            return pd.DataFrame(columns=cols)
        ids = self.history["lead_id"].astype(str).tolist()
        months = self.history["month"].astype(str).tolist()
        told = set(zip(ids, self.newest_loan_elsewhere(ids, months), months, strict=True))
        rows = sorted(told, key=lambda k: (k[2], k[0], k[1]))
        return pd.DataFrame({"lead_id": [r[0] for r in rows], "month": [r[1] for r in rows],
                             "loan_yuan": np.nan, "known_month": [r[2] for r in rows]})

    def newest_loan_elsewhere(self, lead_ids: Sequence[str], months: Sequence[str], *,
                              inclusive: bool = False) -> list[str]:
        """Month of each business's newest loan elsewhere before its ``month`` (with
        ``inclusive``, up to and including it), '' where it has none: what its owner tells
        an officer who asks.

        Parameters
        ----------
        lead_ids, months : sequence of str
            One ``YYYY-MM`` per business.
        inclusive : bool

        Returns
        -------
        list of str
        """
        other = self.loans[self.loans["source"] == LoanSource.ELSEWHERE] if len(self.loans) \
            else self.loans
        by_lead = other.groupby(other["lead_id"].astype(str))["month"].apply(
            lambda m: sorted(m.astype(str))).to_dict() if len(other) else {}
        out = []
        for lid, month in zip(map(str, lead_ids), map(str, months), strict=True):
            before = [m for m in by_lead.get(lid, ()) if m < month or (inclusive and m == month)]
            out.append(before[-1] if before else "")
        return out

    def _rows(self, leads: pd.DataFrame | Iterable[str]) -> npt.NDArray[np.int64]:
        """Positions in ``truth`` of the leads (vectorised; raises for unknown ids)."""
        ids = leads["lead_id"] if isinstance(leads, pd.DataFrame) else list(leads)
        pos = self.truth.index.get_indexer(pd.Index(np.asarray(ids, dtype=object).astype(str)))
        if (pos < 0).any():
            bad = np.asarray(ids, dtype=object)[pos < 0][:5]
            raise DataError(f"unknown lead id(s) {list(bad)}", field="lead_id")
        return np.asarray(pos, np.int64)

    def _truth_rows(self, leads: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
        return self.truth.iloc[self._rows(leads)]

    def months_since_loan(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                          bank_only: bool = False) -> npt.NDArray[np.float64]:
        """Months from each lead's last loan before ``month`` to ``month``.

        Parameters
        ----------
        leads : DataFrame with ``lead_id`` or iterable of lead ids
        month : str
            ``YYYY-MM``.
        bank_only : bool
            Count only the bank's own loans (:attr:`loan_book`) instead of every loan.

        Returns
        -------
        numpy.ndarray
            :data:`~propensity.visit_truth.NEVER_BORROWED_MONTHS` where there was none.
        """
        ids = self.truth.index[self._rows(leads)]
        book = self.loan_book if bank_only else self.loans
        out = np.full(len(ids), NEVER_BORROWED_MONTHS)
        if book.empty:
            return out
        y, m = parse_month(month)
        idx = np.array([parse_month(x) for x in book["month"]], dtype=np.int64)
        age = (y * 12 + m) - (idx[:, 0] * 12 + idx[:, 1])
        ok = age > 0
        last = pd.Series(age[ok]).groupby(book["lead_id"].to_numpy()[ok]).min()
        found = last.reindex(ids).to_numpy(float)
        return np.where(np.isnan(found), out, found)

    def _since(self, leads: pd.DataFrame | Iterable[str], month: str,
               months_since_loan: npt.ArrayLike | None) -> npt.NDArray[np.float64]:
        if months_since_loan is None:
            return self.months_since_loan(leads, month)
        return np.asarray(months_since_loan, float)

    def true_logit(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                   visited: bool = True,
                   months_since_loan: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
        """Hidden log-odds of taking a loan in ``month`` (with or without a visit).

        ``months_since_loan`` (per lead) matters in the ``heterogeneous`` variant only;
        by default it is computed from the economy's own loans before ``month``.
        """
        t = self._truth_rows(leads)
        cal = t["industry"].map(self.calendar[month_of_year(month)]).to_numpy(float)
        z = t["base_logit"].to_numpy(float) + self.params["season"] * np.log(cal)
        effect = t["uplift_logit"].to_numpy(float)
        if self.variant is EconomyVariant.HETEROGENEOUS:
            cfg: VisitEffectConfig = self.params["visit_effect"]
            y0, m0 = parse_month(self.start_month)
            y1, m1 = parse_month(month)
            drift_months = float((y1 - y0) * 12 + (m1 - m0))
            base_shift, mult = recency_terms(cfg, self._since(leads, month, months_since_loan))
            z = z + cfg.core_season_logit * t["cluster_effect"].to_numpy(float) * (cal - 1.0) \
                + cfg.drift_base_logit_per_month * drift_months + base_shift
            effect = effect * cal ** cfg.season_power * mult \
                * max(0.0, 1.0 - cfg.drift_effect_per_month * drift_months)
        if visited:
            z = z + effect
        return np.asarray(z, float)

    def true_p_uptake(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                      visited: bool = True,
                      months_since_loan: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
        """Hidden probability that each lead takes a loan in ``month``.

        Parameters
        ----------
        leads : DataFrame with ``lead_id`` or iterable of lead ids
        month : str
            ``YYYY-MM`` (any month, also beyond the history).
        visited : bool
            With an officer's visit (the default) or without (from any lender).
        months_since_loan : array-like, optional
            Per lead (``heterogeneous`` variant); default from the economy's loans.
        """
        return _sigmoid(self.true_logit(leads, month, visited=visited,
                                        months_since_loan=months_since_loan))

    def true_loan_yuan(self, leads: pd.DataFrame | Iterable[str],
                       month: str) -> npt.NDArray[np.float64]:
        """Hidden expected loan size in ``month`` for a business that borrows."""
        t = self._truth_rows(leads)
        cal = t["industry"].map(self.calendar[month_of_year(month)]).to_numpy(float)
        # E[lognormal(0, s)] = exp(s^2 / 2)
        return np.asarray(t["loan_yuan"].to_numpy(float) * np.sqrt(cal)
                          * np.exp(0.5 * self.params["loan_noise_sd"] ** 2), float)

    def true_value_yuan(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                        margin: float = 0.05, visited: bool = True, lgd: float | None = None,
                        months_since_loan: npt.ArrayLike | None = None
                        ) -> npt.NDArray[np.float64]:
        """Hidden expected value to the bank: P(our loan) x loan x ((1 - PD) m - PD lgd).

        Without a visit only the walk-in share (``own_share``) of the loans is the
        bank's. ``lgd`` defaults to the variant's (0 for ``additive``, so its value is
        the original ``P x loan x (1 - PD) x margin``).
        """
        t = self._truth_rows(leads)
        p = self.true_p_uptake(leads, month, visited=visited,
                               months_since_loan=months_since_loan)
        if not visited:
            p = p * float(self.params.get("own_share", 1.0))
        loss = float(self.params.get("lgd", 0.0)) if lgd is None else float(lgd)
        pd_ = t["p_default"].to_numpy(float)
        return np.asarray(p * self.true_loan_yuan(leads, month)
                          * ((1 - pd_) * margin - pd_ * loss), float)

    def visit_caused_value_yuan(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                                margin: float = 0.05, lgd: float | None = None,
                                months_since_loan: npt.ArrayLike | None = None
                                ) -> npt.NDArray[np.float64]:
        """Hidden value a visit causes: value with a visit minus value without one."""
        since = None if months_since_loan is None else np.asarray(months_since_loan, float)
        if since is None and self.variant is EconomyVariant.HETEROGENEOUS:
            since = self.months_since_loan(leads, month)
        with_visit = self.true_value_yuan(leads, month, visited=True, margin=margin, lgd=lgd,
                                          months_since_loan=since)
        without = self.true_value_yuan(leads, month, visited=False, margin=margin, lgd=lgd,
                                       months_since_loan=since)
        return np.asarray(with_visit - without, dtype=np.float64)

    def visit_caused_p(self, leads: pd.DataFrame | Iterable[str], month: str, *,
                       months_since_loan: npt.ArrayLike | None = None
                       ) -> npt.NDArray[np.float64]:
        """Hidden loans (from this bank) a visit causes: P(loan | visit) - own x P(loan)."""
        since = None if months_since_loan is None else np.asarray(months_since_loan, float)
        if since is None and self.variant is EconomyVariant.HETEROGENEOUS:
            since = self.months_since_loan(leads, month)
        own = float(self.params.get("own_share", 1.0))
        return np.asarray(
            self.true_p_uptake(leads, month, visited=True, months_since_loan=since)
            - own * self.true_p_uptake(leads, month, visited=False, months_since_loan=since),
            float)

    def simulate_visit_outcomes(self, lead_ids: Iterable[str], month: str,
                                rng: np.random.Generator, *,
                                months_since_loan: npt.ArrayLike | None = None
                                ) -> pd.DataFrame:
        """Draw what happens when officers visit ``lead_ids`` in ``month``.

        Returns
        -------
        pandas.DataFrame
            ``lead_id, month, took_loan (0/1), loan_yuan, defaulted (0/1)``.
        """
        ids = [str(x) for x in lead_ids]
        t = self._truth_rows(ids)
        p = self.true_p_uptake(ids, month, visited=True, months_since_loan=months_since_loan)
        took = rng.random(len(ids)) < p
        loan = _draw_loan(t["loan_yuan"].to_numpy(float),
                          t["industry"].map(self.calendar[month_of_year(month)]).to_numpy(float),
                          self.params["loan_noise_sd"], rng)
        dflt = rng.random(len(ids)) < t["p_default"].to_numpy(float)
        return pd.DataFrame({
            "lead_id": ids,
            "month": month,
            "took_loan": took.astype(int),
            "loan_yuan": np.where(took, loan, 0.0),
            "defaulted": (took & dflt).astype(int),
        })

    def simulate_no_visit_loans(self, lead_ids: Iterable[str], month: str,
                                rng: np.random.Generator, *,
                                months_since_loan: npt.ArrayLike | None = None,
                                share_of_month: float = 1.0) -> pd.DataFrame:
        """Draw who borrows without a visit (walk-ins to this bank, or elsewhere).

        Parameters
        ----------
        lead_ids : iterable of str
        month : str
        rng : numpy.random.Generator
        months_since_loan : array-like, optional
            Per lead; default from the economy's loans.
        share_of_month : float
            Part of the month covered (a simulated day is about 1/21 of a month): the
            monthly no-visit probability ``p`` becomes ``1 - (1 - p) ** share``.

        Returns
        -------
        pandas.DataFrame
            ``lead_id, month, took_loan, source ("walk_in"/"elsewhere"), loan_yuan,
            defaulted``.
        """
        ids = [str(x) for x in lead_ids]
        t = self._truth_rows(ids)
        p = self.true_p_uptake(ids, month, visited=False, months_since_loan=months_since_loan)
        p = 1.0 - (1.0 - p) ** float(share_of_month)
        took = rng.random(len(ids)) < p
        own = rng.random(len(ids)) < float(self.params.get("own_share", 1.0))
        loan = _draw_loan(t["loan_yuan"].to_numpy(float),
                          t["industry"].map(self.calendar[month_of_year(month)]).to_numpy(float),
                          self.params["loan_noise_sd"], rng)
        dflt = rng.random(len(ids)) < t["p_default"].to_numpy(float)
        return pd.DataFrame({
            "lead_id": ids, "month": month, "took_loan": took.astype(int),
            "source": np.where(own, LoanSource.WALK_IN, LoanSource.ELSEWHERE),
            "loan_yuan": np.where(took, loan, 0.0), "defaulted": (took & dflt).astype(int)})


def _draw_loan(typical: npt.NDArray[np.float64], cash_need: npt.NDArray[np.float64],
               sd: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    raw = typical * np.sqrt(cash_need) * np.exp(rng.normal(0, sd, len(typical)))
    return np.clip(np.round(raw / 1000) * 1000, 5_000, 3_000_000)
