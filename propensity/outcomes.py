"""The outcome vocabulary: what an officer records after a visit, and what it tells the model.

This is the one owner of outcome codes. The store's check constraint, the app's labels
(``countyreach.i18n``), follow-up rules and the model's training labels all read
:class:`Outcome`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

__all__ = ["Outcome", "OUTCOME_UPTAKE", "FOLLOW_UP_OUTCOMES", "LOAN_OUTCOMES"]


class Outcome(enum.StrEnum):
    """A visit's outcome, in the order an officer is offered them."""

    MET = "met"
    NOT_THERE = "not_there"
    NOT_INTERESTED = "not_interested"
    INTERESTED = "interested"
    APPLIED = "applied"
    APPROVED = "approved"


#: Outcome -> took a loan (None: nobody was met, so the visit says nothing).
OUTCOME_UPTAKE: Mapping[Outcome, int | None] = {
    Outcome.NOT_THERE: None,
    Outcome.MET: 0,
    Outcome.NOT_INTERESTED: 0,
    Outcome.INTERESTED: 0,
    Outcome.APPLIED: 1,
    Outcome.APPROVED: 1,
}

#: Outcomes that call for another visit (the case is still open).
FOLLOW_UP_OUTCOMES: tuple[Outcome, ...] = (Outcome.INTERESTED, Outcome.APPLIED)

#: Outcomes that may carry a loan amount.
LOAN_OUTCOMES: tuple[Outcome, ...] = (Outcome.APPLIED, Outcome.APPROVED)
