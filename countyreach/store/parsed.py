"""Parsed plan versions kept in memory, by content hash: the one cache of the store.

A county of 100 officers opens 100 lists of the same published day; parsing the day's JSON
each time took seconds. The key is a version's content hash, renewed whenever a version is
rewritten in place, so what is kept is never served for changed texts. An erasure also
empties it (:meth:`ParsedPlans.clear`): the erased name, phone and address are then held
by no plan kept in this process's memory either, not only unreachable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from routing.plan import Plan
from routing.problem import RoutingProblem

__all__ = ["Parsed", "ParsedPlans", "PARSED_PLANS", "OFFICER_PARTS", "forget_all"]

#: A version's problem, plan and explanations, as :meth:`PlanRepository.plan` returns them.
Parsed = tuple[RoutingProblem, Plan, Any]


class ParsedPlans:
    """The last ``kept`` parsed versions, least recently read dropped first; thread-safe.

    Parameters
    ----------
    kept : int
        Versions kept.
    """

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._items: OrderedDict[str, Parsed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, content_hash: str) -> Parsed | None:
        """The version parsed under ``content_hash``, or None."""
        with self._lock:
            hit = self._items.get(content_hash)
            if hit is not None:
                self._items.move_to_end(content_hash)
            return hit

    def put(self, content_hash: str, parsed: Parsed) -> None:
        """Keep ``parsed`` under ``content_hash``."""
        with self._lock:
            self._items[content_hash] = parsed
            while len(self._items) > self._kept:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every kept version."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[Parsed]:
        with self._lock:
            return iter(list(self._items.values()))


#: The process's kept versions (the store's values are frozen, so readers share them).
PARSED_PLANS = ParsedPlans(4)

#: Officers' parts of versions (one route, its leads and their rows of the matrix), by
#: ``"<content hash>:<officer id>"``: an officer's list is read without parsing the whole day
#: (:func:`countyreach.store.plan_reading.officer_part`). Small, so many are kept: a county's
#: officers open their lists in the same morning.
OFFICER_PARTS = ParsedPlans(256)


def forget_all() -> None:
    """Forget every kept version and officer's part (an erasure: see the module's note)."""
    PARSED_PLANS.clear()
    OFFICER_PARTS.clear()
