"""The lender's loan rule: how long a business that borrowed from us waits for another loan.

A module of its own (no NumPy, no pandas) so that the command line can name the default in its
help without importing the models.
"""

from __future__ import annotations

__all__ = ["LOCKOUT_MONTHS"]

#: The default loan rule: a lead with a loan from us within this many months is worth
#: nothing now (both bases); a county declares its own (``loan_rule_months``).
LOCKOUT_MONTHS = 6
