"""Input warnings (:class:`DataWarning`: a lead snapped from off the roads, a row skipped, ...)
as the user sees them: collected for a report, and one line each on a terminal."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from countyreach.errors import DataWarning

__all__ = ["collected", "print_warning", "show_warning"]


@contextmanager
def collected(*, reissue_on_error: bool = False) -> Iterator[list[str]]:
    """Collect the input warnings raised inside the block, each message once.

    Parameters
    ----------
    reissue_on_error : bool
        When the block raises, issue its input warnings again as they came (the caller gets
        no list to show); by default they go unsaid, and the error is all the user reads.

    Yields
    ------
    list of str
        Filled when the block ends. Other warnings are issued again as they came.

    Notes
    -----
    ``warnings.catch_warnings`` swaps process-wide state: a warning another thread raises
    meanwhile may land in this list (the app loads a county once per process, so at most a
    concurrent load's warnings are shown with it).
    """
    notes: list[str] = []
    failed = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            try:
                yield notes
            except BaseException:
                failed = True
                raise
    finally:
        for w in caught:
            if not issubclass(w.category, DataWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            elif not failed:
                if str(w.message) not in notes:
                    notes.append(str(w.message))
            elif reissue_on_error:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def show_warning(message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: Any = None, line: str | None = None, *,
                 lang: str = "en") -> None:
    """``warnings.showwarning`` for the CLI: an input warning as ``countyreach: warning: ...``
    (in ``lang``; bind it with :func:`functools.partial`)."""
    # A user reads an input problem with its file and row; the module and source line that
    # raised it are for developers (they still get them with -v).
    if issubclass(category, DataWarning) and not logging.getLogger().isEnabledFor(
            logging.DEBUG):
        print_warning(str(message), file, lang=lang)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=file or sys.stderr, end="")


def print_warning(message: str, file: Any = None, *, lang: str = "en") -> None:
    """One input warning as the CLI prints it: ``countyreach: warning: MESSAGE`` on stderr,
    in ``lang`` (:func:`countyreach.localize.note_text`)."""
    from countyreach.i18n import t
    from countyreach.localize import note_text

    print(t("cli_warning", lang, message=note_text(message, lang)), file=file or sys.stderr)
