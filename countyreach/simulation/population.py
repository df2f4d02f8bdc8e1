"""The business population of a simulated county, when none is imported.

:func:`synthesise_population` asks the propensity generator (businesses, hidden truth
and a visit history) for a county's villages at the planner's township densities and
industry mix; :class:`PopulationSpec` says how many, where and with which seed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from countyreach.errors import DataWarning, InputError

__all__ = ["PopulationSpec", "synthesise_population"]


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    """How many businesses to synthesise, and where, when none are imported.

    Parameters
    ----------
    n_businesses : int
        Total number of businesses.
    industry_mix : mapping, optional
        Industry code -> share (default: the generator's mix for a plain township).
    township_weight : mapping, optional
        Township name -> relative density (default: proportional to the number
        of villages in the township). Ignored when villages have no township.
    n_history_months : int
        Months of past visits the lender already has (trains the first model).
    start_month : str
        First month of that history; the simulation starts right after it.
    seed : int
        Seed of the generator.
    variant : str
        The economy's hidden truth (:class:`propensity.visit_truth.EconomyVariant`):
        ``heterogeneous`` (default: heterogeneous visit effect, loan recency, drift,
        borrowing without a visit) or ``additive`` (the original economy).
    """

    n_businesses: int = 400
    industry_mix: Mapping[str, float] | None = None
    township_weight: Mapping[str, float] | None = None
    n_history_months: int = 18
    start_month: str = "2024-07"
    seed: int = 0
    variant: str = "heterogeneous"

    def __post_init__(self) -> None:
        from propensity.visit_truth import parse_variant

        try:
            object.__setattr__(self, "variant", parse_variant(self.variant))
        except ValueError as exc:  # propensity.DataError: re-raised as the input error
            raise InputError(str(exc), field="variant") from None
        if not (isinstance(self.n_businesses, int) and self.n_businesses >= 10):
            raise InputError("n_businesses must be an integer >= 10", field="n_businesses")
        if not (isinstance(self.seed, int) and self.seed >= 0):  # numpy's seeds are >= 0
            raise InputError(f"population seed must be an integer >= 0, got {self.seed!r}",
                             field="population_seed")
        if self.township_weight is not None and any(
                not (float(w) >= 0) for w in self.township_weight.values()):
            raise InputError("township weights must be >= 0", field="township_weight")


def synthesise_population(villages: pd.DataFrame, spec: PopulationSpec,
                          branches: pd.DataFrame | None = None) -> Any:
    """Synthesise businesses with the propensity generator at the planner's densities.

    The generator places businesses by its own hidden village weights; to honour
    the planner's township densities and industry mix exactly, it is asked for
    three times as many businesses and the requested number of each
    (township, industry) cell is kept (the first ones in the generator's seeded
    order). A cell the pool cannot fill is warned about.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``name, lat, lon`` (WGS-84), optionally ``township`` and ``place``.
    spec : PopulationSpec
        Size, mix, densities, history length and seed.
    branches : pandas.DataFrame, optional
        ``branch_id, name, lat, lon``.

    Returns
    -------
    propensity.Economy
        Restricted to the kept businesses (truth and history too).
    """
    import propensity

    has_town = "township" in villages.columns and spec.township_weight is not None
    if not has_town and spec.industry_mix is None:
        return propensity.generate_economy(villages, n_businesses=spec.n_businesses,
                                           n_months=spec.n_history_months, seed=spec.seed,
                                           branches=branches, start_month=spec.start_month,
                                           variant=spec.variant)
    mix = dict(spec.industry_mix) if spec.industry_mix is not None else None
    econ = propensity.generate_economy(villages, n_businesses=3 * spec.n_businesses,
                                       n_months=spec.n_history_months, seed=spec.seed,
                                       branches=branches, industry_mix=mix,
                                       start_month=spec.start_month, variant=spec.variant)
    b = econ.businesses
    if has_town:
        assert spec.township_weight is not None
        town_of = dict(zip(villages["name"].astype(str), villages["township"].astype(str),
                           strict=False))
        btown = b["village"].astype(str).map(town_of).fillna("").to_numpy()
        tw = {t: float(spec.township_weight.get(t, 0.0)) for t in sorted(set(btown))}
    else:
        btown = np.array([""] * len(b), dtype=object)
        tw = {"": 1.0}
    total_tw = sum(tw.values())
    if total_tw <= 0:
        raise InputError("every township weight is zero", field="township_weight")
    # Without a planner's mix, keep the generator's own industry draw within each township.
    cells = mix or {"": 1.0}
    total_mix = sum(cells.values())
    industry = b["industry"].to_numpy()
    keep: list[int] = []
    short = []
    for t, wt in tw.items():
        for ind, share in cells.items():
            want = int(round(spec.n_businesses * wt / total_tw * share / total_mix))
            in_cell = (btown == t) & ((industry == ind) if ind else True)
            pool = np.flatnonzero(in_cell)
            if len(pool) < want:
                short.append(f"{t or 'county'}/{ind or 'all'}: {len(pool)} of {want}")
            keep.extend(pool[:want].tolist())
    if short:
        warnings.warn("the generator could not fill every (township, industry) cell: "
                      + "; ".join(short[:6]), DataWarning, stacklevel=2)
    ids = b["lead_id"].to_numpy()[np.sort(np.array(keep, dtype=np.int64))]
    return _restrict_economy(econ, ids)


def _restrict_economy(econ: Any, ids: Sequence[str]) -> Any:
    idset = set(ids)
    b = econ.businesses[econ.businesses["lead_id"].isin(idset)].reset_index(drop=True)
    h = econ.history[econ.history["lead_id"].isin(idset)].reset_index(drop=True)
    loans = econ.loans[econ.loans["lead_id"].isin(idset)].reset_index(drop=True)
    return replace(econ, businesses=b, truth=econ.truth.loc[list(b["lead_id"])], history=h,
                   loans=loans)
