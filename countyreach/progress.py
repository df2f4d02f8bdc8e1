"""Progress of long steps: the pipeline's stage callbacks and the command line's bar.

A step reports ``progress(stage, fraction)``: the app draws it on its progress bar (the
stage's name through the catalogue, ``stage_<name>``), the command line on a tqdm bar on
stderr, shown only when stderr is a terminal, so logs, pipes and tests get no bar.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

__all__ = ["ProgressFn", "StageBar", "noop_progress", "within"]

log = logging.getLogger("countyreach.pipeline")

ProgressFn = Callable[[str, float], None]


def noop_progress(stage: str, fraction: float) -> None:
    """The progress of a caller that shows none (logged at DEBUG)."""
    log.debug("%s %.0f%%", stage, 100 * fraction)


def within(report: ProgressFn, lo: float, hi: float) -> ProgressFn:
    """``report`` for a step that is the ``lo`` .. ``hi`` part of the whole job.

    Parameters
    ----------
    report : callable
        ``report(stage, fraction of the whole job)``.
    lo, hi : float
        Where the step starts and ends, as fractions of the whole job.

    Returns
    -------
    callable
        ``progress(stage, fraction of the step)``.
    """
    return lambda stage, fraction: report(stage, lo + (hi - lo) * fraction)


class StageBar:
    """A tqdm bar on stderr over a job's stages (fractions of the whole job).

    Parameters
    ----------
    enabled : bool
        Draw the bar; it is drawn only when stderr is also a terminal (a bar's carriage
        returns would garble a log or a pipe).
    lang : {"en", "zh"}
        Language of the stage names (the catalogue's ``stage_<name>``, as the app shows them).
    """

    def __init__(self, enabled: bool, lang: str = "en") -> None:
        from tqdm import tqdm

        self.lang = lang

        self.bar = tqdm(total=100, disable=not (enabled and sys.stderr.isatty()),
                        bar_format="{desc:<18} {bar} {n:.0f}%", file=sys.stderr, leave=False)

    def __call__(self, stage: str, fraction: float) -> None:
        from countyreach.i18n import t

        # the stage's name is the pipeline's English key: a name with no entry shows as is
        name = t(f"stage_{stage}", self.lang)
        self.bar.set_description_str(stage if name == f"stage_{stage}" else name)
        self.bar.update(max(0.0, 100 * fraction - self.bar.n))

    def close(self) -> None:
        """Remove the bar."""
        self.bar.close()
