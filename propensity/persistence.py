"""Saving and loading a fitted lead scorer, refusing files of another version."""

from __future__ import annotations

import importlib.metadata
import pickle
import zlib
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

from geo.files import write_atomically
from propensity.errors import ModelError
from propensity.scorer import LeadScorer

__all__ = ["save_scorer", "load_scorer"]

#: The file's first line: format 2 is the models pickled by the standard library's (C)
#: pickler, then zlib-compressed; format 1, joblib's compressed pickle, is still read.
_FORMAT = b"COUNTYREACH-PROPENSITY-2\n"
_FORMAT_JOBLIB = b"COUNTYREACH-PROPENSITY-1\n"
#: zlib level of the models (joblib's ``compress=3`` of format 1).
_LEVEL = 3


def _code_version() -> str:
    # The distribution's version: the package ships inside it, and must not import the
    # application that sits above it.
    try:
        return importlib.metadata.version("countyreach")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0+source"


def _versions(scorer: LeadScorer) -> dict[str, Any]:
    return {"countyreach": _code_version(), "sklearn": sklearn.__version__,
            "numpy": np.__version__, "features": list(scorer.feature_names_)}


def save_scorer(scorer: LeadScorer, path: str | Path) -> Path:
    """Save a fitted scorer with the versions it needs to be loaded safely.

    A visit-value model fitted next to the scorer (``visit_value_``, see
    :func:`propensity.planning.add_visit_value`) is saved with it; it keeps fitted trees,
    coefficients and feature medians, no training rows.

    The file starts with a small header (format, countyreach, scikit-learn and numpy
    versions, feature list) that :func:`load_scorer` checks *before* unpickling the
    models, so an incompatible file fails with a clear message. The training tables
    (``businesses_``, ``history_``) are left out: a model file holds no per-lead rows,
    so no personal data, and erasing a person never has to rewrite it.

    Returns
    -------
    pathlib.Path
        Where it was written.
    """
    scorer.require_fitted()
    # the standard library's pickler, not joblib's: joblib reads back with a pure-Python
    # unpickler, a quarter of a second for a county's model, and every plan loads one
    body = zlib.compress(pickle.dumps(scorer.without_training_data(), protocol=5), _LEVEL)
    # whole or not at all, under a temporary name of this writer's own: two processes saving
    # one model (two plans of a county at once, parallel tests sharing a cache) cannot mix
    header = _FORMAT + pickle.dumps(_versions(scorer), protocol=4)
    return write_atomically(path, header + body)


def load_scorer(path: str | Path) -> LeadScorer:
    """Load a scorer saved by :func:`save_scorer`, checking versions and features.

    Raises
    ------
    ModelError
        If the file is missing, not a countyreach model, or was saved by another
        countyreach / scikit-learn version or with another feature list.
    """
    p = Path(path)
    if not p.exists():
        raise ModelError(f"no saved lead model at {p}")
    with open(p, "rb") as f:
        head = f.read(len(_FORMAT))
        if head not in (_FORMAT, _FORMAT_JOBLIB):
            raise ModelError(f"{p} is not a countyreach lead model (unknown format)")
        try:
            meta = pickle.load(f)
        except Exception as exc:  # a truncated or foreign file
            raise ModelError(f"{p} is damaged: {exc}") from None
        problems = []
        if meta.get("countyreach") != _code_version():
            problems.append(f"countyreach {meta.get('countyreach')} (this is "
                            f"{_code_version()})")
        if meta.get("sklearn") != sklearn.__version__:
            problems.append(f"scikit-learn {meta.get('sklearn')} (installed: "
                            f"{sklearn.__version__})")
        if problems:
            raise ModelError(f"lead model {p} was saved by " + " and ".join(problems)
                             + "; retrain it (countyreach score --retrain)")
        try:
            scorer = joblib.load(f) if head == _FORMAT_JOBLIB else pickle.loads(
                zlib.decompress(f.read()))
        except Exception as exc:
            raise ModelError(f"{p} could not be read: {exc}") from None
    if not isinstance(scorer, LeadScorer):
        raise ModelError(f"{p} does not hold a LeadScorer")
    # Imported here: the visit-value model's modules import the scorer's.
    from propensity.uplift import VisitValueModel

    if not isinstance(getattr(scorer, "visit_value_", None), VisitValueModel | None):
        raise ModelError(f"{p} holds an unknown visit-value model; retrain it")
    if list(meta.get("features", [])) != list(scorer.feature_names_):
        raise ModelError(f"lead model {p} was trained on features {meta.get('features')} but "
                         f"this version builds {scorer.feature_names_}; retrain it")
    return scorer
