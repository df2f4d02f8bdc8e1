"""The models behind a lead's value, by their former module name.

The uptake model lives in :mod:`propensity.uptake`, the loan-size and default models in
:mod:`propensity.loan_models`. This module keeps the old import path working, including
for scorers pickled before the split (pickle records a class's module).
"""

from __future__ import annotations

from propensity.loan_models import LOAN_PRIOR_YUAN, PD_PRIOR, DefaultModel, LoanSizeModel
from propensity.uptake import UptakeModel

__all__ = ["UptakeModel", "LoanSizeModel", "DefaultModel", "LOAN_PRIOR_YUAN", "PD_PRIOR"]
