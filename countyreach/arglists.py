"""Lists typed on a command line (``O01,O02``), read one way by every command.

The top CLI (:mod:`countyreach.cli`) and the planner's commands
(:mod:`countyreach.simulation.cli`) both take comma-separated lists; the simulation may not
import the top CLI, so the reader lives here, below both.
"""

from __future__ import annotations

import re

__all__ = ["id_list"]


def id_list(text: str) -> list[str]:
    """Items as typed on a command line: ``O01,O02``, ``"O01, O02"`` or with a full-width
    comma (``O01，O02``, as a Chinese input method types it); spaces around an item are not
    part of it, and empty items (``O01,,O02``) are none.

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    list of str
        The items in the order typed.
    """
    return [x.strip() for x in re.split(r"[,，]", text) if x.strip()]
