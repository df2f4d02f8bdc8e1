"""How the CLI shows input warnings: one line a warning, naming file and row, and a list of
them for the plan's report (``plan.json`` ``meta.input_warnings``)."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from countyreach.errors import DataWarning

__all__ = ["input_warnings", "show_warning"]

def input_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """Print the input warnings among ``caught`` as the CLI does; re-issue the others.

    Parameters
    ----------
    caught : sequence of warnings.WarningMessage
        What ``warnings.catch_warnings(record=True)`` collected.

    Returns
    -------
    list of str
        The input warnings' messages (:class:`DataWarning`: far snaps, skipped rows, ...),
        each printed once to stderr as ``countyreach: warning: ...``.
    """
    notes: list[str] = []
    for w in caught:
        if issubclass(w.category, DataWarning):
            if str(w.message) not in notes:
                notes.append(str(w.message))
                show_warning(w.message, w.category, w.filename, w.lineno)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return notes


def show_warning(message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: Any = None, line: str | None = None) -> None:
    """``warnings.showwarning`` for the CLI: an input warning as ``countyreach: warning: ...``."""
    # A user reads an input problem with its file and row; the module and source line that
    # raised it are for developers (they still get them with -v).
    if issubclass(category, DataWarning) and not logging.getLogger().isEnabledFor(
            logging.DEBUG):
        print(f"countyreach: warning: {message}", file=file or sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=file or sys.stderr, end="")
