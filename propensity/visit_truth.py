"""The hidden effect of a visit in the synthetic economy: variants, heterogeneity, recency.

The synthetic economy (:mod:`propensity.economy`) comes in two named variants
(:class:`EconomyVariant`):

``additive``
    The original economy: log-odds additive in the business facts, a visit adds an uplift
    that grows with the distance to the branch and for little mobile payment; loans
    already taken do not change anything; no drift. Kept so that earlier figures can be
    reproduced.
``heterogeneous``
    What the visit-value model (:mod:`propensity.uplift`) is developed against. The visit
    effect is heterogeneous and non-additive (:class:`VisitEffectConfig`):

    * **segment** — an industry offset, plus a large *interaction*: a business that is
      both far from the branch and has little mobile payment gains much more than the two
      effects added up; young businesses (under three years) do not know the bank yet;
      large businesses near their cluster's core come to the branch on their own;
    * **season** — the effect is multiplied by ``cash_need ** season_power``: an officer
      who arrives when the money is needed changes more;
    * **recent borrowing** — months since the business's last loan (ours or elsewhere)
      ``s``: within ``lockout_months`` both the uptake and the visit effect collapse
      (base log-odds ``- recent_loan_logit * (1 - s / lockout)``, effect times
      ``(s / lockout) ** 2``); between one and two years the business is due for a
      renewal (``+ renewal_logit``) and comes back by itself (effect times
      ``renewal_effect``);
    * **drift** — month by month the uptake without a visit rises and the visit effect
      shrinks (mobile banking spreads), ``drift_base_logit_per_month`` and
      ``drift_effect_per_month``;
    * the base log-odds gains two interactions (cluster core x season, young x small
      staff) so that a linear model of the uptake is not already optimal.

    The effect's scale is solved so that the visit causes ``visit_caused_share`` of the
    visited uptake on average (checked by the tests), and a business not visited borrows
    at its no-visit rate: from this bank with probability ``own_share`` (a walk-in) and
    elsewhere otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

from propensity.errors import DataError

__all__ = ["EconomyVariant", "VisitEffectConfig", "parse_variant", "recency_terms",
           "raw_visit_effect", "solve_truth_scale", "NEVER_BORROWED_MONTHS"]

FloatArray = npt.NDArray[np.float64]

#: Months-since-last-loan of a business that never borrowed (far beyond every rule).
NEVER_BORROWED_MONTHS = 1_000.0


class EconomyVariant(enum.StrEnum):
    """Which hidden truth a synthetic economy has (see the module docstring)."""

    #: The original additive economy without loan recency or drift.
    ADDITIVE = "additive"
    #: Heterogeneous, non-additive visit effect with loan recency and drift.
    HETEROGENEOUS = "heterogeneous"


def parse_variant(value: EconomyVariant | str) -> EconomyVariant:
    """The variant named ``value``.

    Raises
    ------
    DataError
        Naming the choices, for an unknown name.
    """
    try:
        return EconomyVariant(value)
    except ValueError:
        raise DataError(f"economy variant must be one of {[v.value for v in EconomyVariant]}, "
                        f"got {value!r}", field="variant") from None


def _default_industry_effect() -> dict[str, float]:
    # Farms and growers rarely come to town; workshops in clusters hear of loans anyway.
    return {"jade_carving": -0.2, "kids_bicycles": -0.1, "pumpkin": 0.3, "jujube": 0.3,
            "sheep_farm": 0.4, "cattle_farm": 0.3, "fish_feed": 0.0, "clothing": -0.1,
            "small_shop": 0.1}


@dataclass(frozen=True, slots=True)
class VisitEffectConfig:
    """Configuration of the ``heterogeneous`` economy's visit effect (log-odds units).

    Parameters
    ----------
    visit_caused_share : float
        Share of the visited uptake the visit causes, averaged over businesses and the
        months of a year: ``mean(p1 - p0) / mean(p1)``; the effect's scale is solved for it.
    base_effect : float
        Effect every business starts from, before the scale.
    industry_effect : mapping of str to float
        Offset per industry code.
    far_low_pay_effect : float
        Extra effect when the business is farther than ``far_km`` from the branch *and*
        has less than ``low_pay_yuan`` mobile payment a month (an interaction).
    far_km, low_pay_yuan : float
        Thresholds of that interaction.
    per_km_effect : float
        Effect per km from the branch.
    young_effect : float
        Extra effect for businesses operating under three years.
    big_core_effect : float
        Effect (negative) for revenue band >= 4 within 1.5 km of the cluster core.
    near_branch_effect, near_branch_km : float
        Effect (negative) within ``near_branch_km`` of the branch: they come anyway.
    high_pay_effect, high_pay_yuan : float
        Effect (negative) above ``high_pay_yuan`` mobile payment a month: banked already.
    effect_sd : float
        Per-business noise of the effect.
    season_power : float
        The effect is multiplied by ``cash_need ** season_power``.
    lockout_months : float
        Months after a loan in which the uptake and the effect collapse.
    recent_loan_logit : float
        Base log-odds lost right after a loan (linearly recovering over the lockout).
    renewal_logit : float
        Base log-odds gained between one and two years after a loan.
    renewal_effect : float
        Multiplier of the visit effect in that renewal window.
    drift_base_logit_per_month, drift_effect_per_month : float
        Monthly drift of the no-visit log-odds (added) and of the effect (relative).
    core_season_logit, young_small_logit : float
        Interactions in the base log-odds: cluster core x season, young x one-person.
    regulars_logit : float
        Base log-odds of the bank's regulars (near the branch *and* high mobile payment):
        they borrow with or without a visit.
    own_share : float
        Share of no-visit loans taken from this bank (walk-ins); the rest go elsewhere.
    lgd : float
        Loss given default of the truth's value (share of the principal).
    """

    visit_caused_share: float = 0.40
    base_effect: float = 0.6
    industry_effect: Mapping[str, float] = field(default_factory=_default_industry_effect)
    far_low_pay_effect: float = 1.0
    far_km: float = 3.0
    low_pay_yuan: float = 15_000.0
    per_km_effect: float = 0.05
    young_effect: float = 0.45
    big_core_effect: float = -0.6
    near_branch_effect: float = -0.9
    near_branch_km: float = 2.0
    high_pay_effect: float = -0.9
    high_pay_yuan: float = 40_000.0
    effect_sd: float = 0.20
    season_power: float = 1.2
    lockout_months: float = 12.0
    recent_loan_logit: float = 3.0
    renewal_logit: float = 0.4
    renewal_effect: float = 0.5
    drift_base_logit_per_month: float = 0.010
    drift_effect_per_month: float = 0.012
    core_season_logit: float = 0.8
    regulars_logit: float = 1.2
    young_small_logit: float = 0.5
    own_share: float = 0.85
    lgd: float = 0.45

    def __post_init__(self) -> None:
        if not 0.05 <= self.visit_caused_share <= 0.9:
            raise DataError("visit_caused_share must be in [0.05, 0.9]",
                            field="visit_caused_share")
        if not (0 < self.own_share <= 1 and 0 <= self.lgd <= 1):
            raise DataError("own_share must be in (0, 1] and lgd in [0, 1]", field="own_share")
        if self.lockout_months <= 0 or self.effect_sd < 0 or self.far_km < 0:
            raise DataError("lockout_months must be positive and effect_sd, far_km >= 0",
                            field="lockout_months")
        if not 0 <= self.renewal_effect <= 1 or not 0 <= self.drift_effect_per_month < 0.05:
            raise DataError("renewal_effect must be in [0, 1] and drift_effect_per_month "
                            "in [0, 0.05)", field="renewal_effect")


def raw_visit_effect(cfg: VisitEffectConfig, *, industry: npt.NDArray[np.object_],
                     dist_branch_m: FloatArray, pay_yuan: FloatArray, years: FloatArray,
                     band: FloatArray, dist_true_core_m: FloatArray,
                     noise: FloatArray) -> FloatArray:
    """Per-business visit effect before scale, season, recency and drift (>= 0)."""
    km = dist_branch_m / 1000.0
    ind = np.array([cfg.industry_effect.get(str(c), 0.0) for c in industry], float)
    near_core = np.nan_to_num(dist_true_core_m, nan=np.inf) < 1500.0
    u = (cfg.base_effect + ind + cfg.per_km_effect * km
         + cfg.far_low_pay_effect * ((km > cfg.far_km) & (pay_yuan < cfg.low_pay_yuan))
         + cfg.young_effect * (years < 3)
         + cfg.big_core_effect * ((band >= 4) & near_core)
         + cfg.near_branch_effect * (km < cfg.near_branch_km)
         + cfg.high_pay_effect * (pay_yuan > cfg.high_pay_yuan)
         + noise)
    return np.asarray(np.maximum(u, 0.0), float)


def recency_terms(cfg: VisitEffectConfig,
                  months_since_loan: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Base log-odds shift and visit-effect multiplier for months since the last loan.

    Returns
    -------
    (base_shift, effect_multiplier)
    """
    s = np.asarray(months_since_loan, float)
    lock = cfg.lockout_months
    within = s < lock
    frac = np.clip(s / lock, 0.0, 1.0)
    renewal = (s >= lock) & (s < 2 * lock)
    base = np.where(within, -cfg.recent_loan_logit * (1.0 - frac), 0.0) \
        + np.where(renewal, cfg.renewal_logit, 0.0)
    mult = np.where(within, frac**2, np.where(renewal, cfg.renewal_effect, 1.0))
    return np.asarray(base, float), np.asarray(mult, float)


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), float)


def solve_truth_scale(z0: FloatArray, season_z: FloatArray, cal: FloatArray, u_raw: FloatArray,
                      cfg: VisitEffectConfig, target_uptake: float) -> tuple[float, float]:
    """Scale of the visit effect and intercept that meet both targets.

    The intercept gives an average visited uptake of ``target_uptake`` and the scale a
    visit-caused share of ``cfg.visit_caused_share`` (both averaged over the businesses
    and the twelve months of a year, before any loan or drift).

    Parameters
    ----------
    z0 : (n,) base log-odds without intercept
    season_z : (n, 12) month-dependent base terms
    cal : (n, 12) cash-need multipliers
    u_raw : (n,) raw visit effect (:func:`raw_visit_effect`)
    cfg : VisitEffectConfig
    target_uptake : float

    Returns
    -------
    (scale, intercept)
    """
    base = z0[:, None] + season_z
    shape = u_raw[:, None] * cal ** cfg.season_power

    def intercept_for(scale: float) -> float:
        z = base + scale * shape
        # Brent's method: the mean uptake rises with the intercept; ~10 evaluations where
        # bisection took 50, each a sigmoid over every business-month (20,000 businesses:
        # 12 s of a simulation's start)
        def gap(b: float) -> float:
            return float(_sigmoid(z + b).mean()) - target_uptake

        lo, hi = -15.0, 15.0
        if gap(lo) >= 0.0 or gap(hi) <= 0.0:  # out of reach: the nearer end, as bisection did
            return lo if gap(lo) >= 0.0 else hi
        return float(brentq(gap, lo, hi, xtol=1e-12))

    def share(scale: float) -> tuple[float, float]:
        b = intercept_for(scale)
        p1 = _sigmoid(base + scale * shape + b)
        p0 = _sigmoid(base + b)
        return float((p1 - p0).mean() / p1.mean()), b

    lo_s, hi_s = 0.0, 20.0
    if share(hi_s)[0] < cfg.visit_caused_share:  # out of reach: the largest scale tried
        scale = hi_s
    else:
        scale = float(brentq(lambda s: share(s)[0] - cfg.visit_caused_share, lo_s, hi_s,
                             xtol=1e-10))
    return scale, share(scale)[1]
