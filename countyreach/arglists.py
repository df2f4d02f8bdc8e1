"""Lists typed on a command line (``O01,O02``), read one way by every command.

The top CLI (:mod:`countyreach.cli`) and the planner's commands
(:mod:`countyreach.simulation.cli`) both take comma-separated lists; the simulation may not
import the top CLI, so the reader lives here, below both.
"""

from __future__ import annotations

import re

from countyreach.errors import InputError

__all__ = ["given_ids", "id_list"]


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


def given_ids(ids: list[str] | None, option: str) -> list[str] | None:
    """An id list option as a command uses it: None when it was left out (everyone), the ids
    when it names some; refused when given but naming none (``--officers ""``, an empty
    variable in a script), which would otherwise plan everyone unasked.

    Parameters
    ----------
    ids : list of str or None
        The option's value (:func:`id_list`), None when not given.
    option : str
        The option, as the message names it.

    Returns
    -------
    list of str or None

    Raises
    ------
    InputError
        The option was given and names none.
    """
    if ids is not None and not ids:
        raise InputError(f"{option} names no one: leave it out for everyone, or name at least "
                         "one", field=option)
    return ids
