"""Errors and warnings of the propensity package."""

from __future__ import annotations

from geo.errors import DataWarning, LocatedError

__all__ = ["PropensityError", "DataError", "ModelError", "DataWarning", "DroppedRowWarning"]


class PropensityError(Exception):
    """Base class of every error the propensity package raises on purpose."""


class DataError(PropensityError, LocatedError):
    """A lead or history table given to the model is not valid (names file, row, field)."""


class ModelError(PropensityError, RuntimeError):
    """A propensity model is missing, unfitted, or was saved by an incompatible version."""


class DroppedRowWarning(DataWarning):
    """An input row was skipped."""
