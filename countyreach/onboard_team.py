"""How ``county init`` shares a new roster over the lender's branches.

An officer starts and ends the day at their branch, so a roster all at one branch of three
sends every officer across the county from one corner. ``county init`` has no leads yet
(they come after it), only the villages: each branch is given the villages it is nearest to
by road, and the officers follow the villages, every branch staffed while there are officers
enough.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import geo
from geo.types import Location

__all__ = ["BranchShare", "nearest_branch_counts", "share_officers"]


@dataclass(frozen=True)
class BranchShare:
    """Officers given to each branch, in the branches' order.

    Attributes
    ----------
    officers : tuple of int
        Officers based at each branch (they sum to the roster's size).
    villages : tuple of int
        Villages nearest to each branch by road, the weights the officers follow.
    """

    officers: tuple[int, ...]
    villages: tuple[int, ...]


def _points(df: pd.DataFrame) -> list[Location]:
    return [Location(float(a), float(b)) for a, b in zip(df["lat"], df["lon"], strict=True)]


def nearest_branch_counts(graph: geo.RoadGraph, branches: pd.DataFrame,
                          villages: pd.DataFrame) -> tuple[int, ...]:
    """How many villages each branch is the nearest to, by the drive there and back.

    Parameters
    ----------
    graph : geo.RoadGraph
        The county's roads.
    branches, villages : pandas.DataFrame
        ``lat``, ``lon`` in WGS-84 (already checked against the roads).

    Returns
    -------
    tuple of int
        One count per branch, in the branches' order; ties go to the earlier branch.
    """
    pts = _points(branches) + _points(villages)
    with warnings.catch_warnings():
        # both were checked against the roads by file row before: a snap is no news here
        warnings.simplefilter("ignore")
        snaps = geo.snap_points(graph, pts, [f"p{i}" for i in range(len(pts))],
                                far_m=float("inf"), max_m=float("inf"))
    dur = geo.travel_matrix(graph, snaps).duration_s.astype(float)
    k = len(branches)
    # an officer drives out from the branch and back to it: both legs count
    there_and_back = dur[:k, k:] + dur[k:, :k].T
    nearest = np.argmin(there_and_back, axis=0)
    return tuple(int(c) for c in np.bincount(nearest, minlength=k))


def share_officers(n: int, villages_near: Sequence[int]) -> BranchShare:
    """Share ``n`` officers over branches in proportion to the villages nearest each.

    Every branch gets one officer first (a lender who lists a branch staffs it), the rest go
    one at a time to the branch with the most villages per officer (the Sainte-Laguë rule,
    which favours neither large nor small branches: shares as proportional as whole officers
    allow). With fewer officers than branches, the branches with the most villages get one
    each.

    Parameters
    ----------
    n : int
        Officers to share (at least 1).
    villages_near : sequence of int
        Villages nearest to each branch (:func:`nearest_branch_counts`).

    Returns
    -------
    BranchShare
        Ties go to the branch listed first.
    """
    k = len(villages_near)
    weights = np.asarray(villages_near, dtype=float)
    seats = np.zeros(k, dtype=int)
    if n < k:
        # stable sort: among branches with as many villages, the file's order decides
        seats[np.argsort(-weights, kind="stable")[:n]] = 1
    else:
        seats[:] = 1
        for _ in range(n - k):
            seats[int(np.argmax(weights / (seats + 0.5)))] += 1
    return BranchShare(tuple(int(s) for s in seats), tuple(int(v) for v in villages_near))
