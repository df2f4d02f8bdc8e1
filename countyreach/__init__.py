"""countyreach: lead targeting and field-officer routing for rural small-business lending.

The product package: core types (:mod:`countyreach.types`), errors, input readers, the
pipeline from county files to a checked day plan, the CLI, the store and the simulation.
The engines live beside it in ``geo``, ``propensity`` and ``routing``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("countyreach")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
