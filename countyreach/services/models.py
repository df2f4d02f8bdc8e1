"""The model registry: which lead model a county plans with, and when it must be retrained.

A model is registered under its county, the hash of the data it was trained on (the
leads' model inputs, the stored history and the recorded outcomes) and the code version
(countyreach, scikit-learn, the feature list and the source of :mod:`propensity`). The
promoted model is the one planning uses; when the data or the code changed it is *stale*
and is never used silently: it is retrained, or the caller is told
(:class:`StaleModelError`). Which data a plan's model must match (the days before the plan's)
is :mod:`countyreach.services.model_choice`'s.

Artefacts are written under ``<home>/models/<county_id>/v<version>.joblib``: the path is
built from a validated id and an integer and checked to resolve under the data directory,
the file's sha256 is kept in the registry and checked before loading, and the file holds
no personal data (:func:`propensity.save_scorer` leaves the training tables out).

Held-out metrics use a fixed share of the county's leads (chosen by a hash of the lead id)
that no model of the county is ever trained on, so successive versions are compared on
visits neither has seen.

Which value plans optimise: a model is a :class:`propensity.LeadScorer` (P(loan | visit),
loan size, default) and, when the county's data supports it, the value a visit causes
fitted next to it (:func:`propensity.add_visit_value`, criteria in
:class:`propensity.UpliftCriteria`): the visit history with its randomised visits
(``visited_by_policy = random``) and the bank's loan book (``loans.csv``, whose walk-in
loans are the outcomes of the months nobody visited). Without a loan book the plan values
a visit by its take-up and says so (:attr:`ModelChoice.basis_text`); the app's pages show
the basis, its reasons and the support criteria met or missed
(:func:`countyreach.services.model_views.basis_view`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

import propensity
from countyreach.errors import InputError, ModelError
from countyreach.progress import ProgressFn, noop_progress
from countyreach.services.loan_files import beyond_loan_book, read_loans, read_loans_elsewhere
from countyreach.services.promotion import judge_promotion
from countyreach.store import ModelRecord, ModelState, Session, Store
from countyreach.store.checks import check_id
from geo.files import file_sha256
from propensity.errors import DataWarning, DroppedRowWarning
from propensity.features import isin
from propensity.history import check_history
from propensity.planning import LOCKOUT_MONTHS, uplift_holdout_metrics
from propensity.scorer import MODEL_INPUT_COLUMNS

__all__ = ["HOLDOUT_SHARE", "AUC_TOLERANCE", "StaleModelError", "RetrainResult",
           "code_version", "training_history", "data_hash", "artefact_path", "holdout_mask",
           "retrain", "model_freshness", "tried_on", "STALE_WHY", "load_model",
           "file_model_path", "read_loans", "read_loans_elsewhere",
           "mark_randomised", "county_history", "county_histories"]

#: Share of a county's leads kept out of every model's training, for held-out metrics.
HOLDOUT_SHARE = 0.2
#: A routine retraining is "worse" when its held-out AUC is below the promoted one's by more
#: than this (differences smaller than this are noise at a few hundred visits); the rest of
#: the promotion rule is :mod:`countyreach.services.promotion`'s.
AUC_TOLERANCE = 0.01


class StaleModelError(InputError):
    """The promoted model no longer matches the data or the code, and may not be retrained."""


@dataclass(frozen=True)
class RetrainResult:
    """What a retraining produced: the new version, its metrics, and whether it was promoted."""

    record: ModelRecord
    scorer: propensity.LeadScorer
    promoted: bool
    previous: ModelRecord | None
    previous_auc: float | None
    message: str

    @property
    def value_basis(self) -> propensity.ValueBasis:
        """What plans with this model value (see :class:`ModelChoice`)."""
        return propensity.value_basis_of(self.scorer)


def code_version() -> str:
    """``<countyreach version>+<12 hex>`` over scikit-learn, the features and propensity's code."""
    try:
        base = importlib.metadata.version("countyreach")
    except importlib.metadata.PackageNotFoundError:
        base = "0.0.0"
    h = hashlib.sha256()
    h.update(sklearn.__version__.encode())
    h.update(",".join(propensity.LeadScorer().feature_names_).encode())
    root = Path(propensity.__file__).resolve().parent
    for p in sorted(root.glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return f"{base}+{h.hexdigest()[:12]}"


def training_history(history: pd.DataFrame, outcomes: pd.DataFrame,
                     lead_ids: pd.Series) -> pd.DataFrame:
    """Stored history plus recorded outcomes, one row per lead and month, known leads only.

    A recorded outcome replaces a history row of the same lead and month (it is newer).
    Several visits of a lead in one month make one row: it took a loan that month if any
    of them recorded an application (a later visit, say a follow-up where the officer
    recorded "met", does not undo it); otherwise the latest visit's row.
    """
    parts = [check_history(history)] if len(history) else []
    if len(outcomes):
        rec = propensity.outcomes_to_history(outcomes)
        # stable: within a lead-month, the latest uptake row last, else the latest row
        rec = rec.sort_values("took_loan", kind="stable")
        parts.append(rec.drop_duplicates(["lead_id", "month"], keep="last"))
    if not parts:
        return pd.DataFrame(columns=["lead_id", "month", "took_loan", "loan_yuan", "defaulted"])
    h = pd.concat(parts, ignore_index=True)
    h = h[isin(h["lead_id"].astype(str), set(lead_ids.astype(str)))]
    h = h.drop_duplicates(["lead_id", "month"], keep="last")
    return h.sort_values(["month", "lead_id"], kind="stable").reset_index(drop=True)


def _model_inputs(leads: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in MODEL_INPUT_COLUMNS if c in leads.columns]
    return leads[cols].sort_values("lead_id", kind="stable").reset_index(drop=True)


def data_hash(leads: pd.DataFrame, history: pd.DataFrame,
              loans: pd.DataFrame | None = None,
              loan_rule_months: int = LOCKOUT_MONTHS,
              elsewhere: pd.DataFrame | None = None) -> str:
    """sha256 of what a model learns from: the leads' model inputs, the training history
    (with which visits were randomised), the bank's loan book, its loan rule and what it
    knows of loans elsewhere (none known hashes as before they existed; any known hash with
    when each was learnt, since a model trained when an unlisted lead counted as having none
    would read a lead nobody asked wrongly)."""
    h = hashlib.sha256()
    h.update(f"loan rule {int(loan_rule_months)} months\n".encode())
    h.update(_model_inputs(leads).to_csv(index=False, float_format="%.6g").encode())
    cols = ["lead_id", "month", "took_loan", "loan_yuan", "defaulted"]
    h.update(history[cols].to_csv(index=False, float_format="%.6g").encode())
    if "visited_by_policy" in history.columns:
        h.update(",".join(history["visited_by_policy"].fillna("").astype(str)).encode())
    if loans is not None and len(loans):
        h.update(b"loans\n" + loans.to_csv(index=False, float_format="%.6g").encode())
    if elsewhere is not None and len(elsewhere):
        cols = [c for c in ("lead_id", "month", "loan_yuan") if c in elsewhere.columns]
        known = elsewhere[cols].assign(known_month=elsewhere["known_month"]
                                       if "known_month" in elsewhere.columns else "")
        h.update(b"elsewhere\n" + known.to_csv(index=False, float_format="%.6g").encode())
    return h.hexdigest()


def mark_randomised(history: pd.DataFrame, randomised: pd.DataFrame | None) -> pd.DataFrame:
    """``history`` with ``visited_by_policy = random`` on the randomised visits' rows.

    ``randomised`` holds ``lead_id, month`` of the visits chosen at random (the store flags
    them on its history rows, see :meth:`countyreach.services.loop.DailyLoop.import_county`);
    ``None`` leaves the history as it is.
    """
    if randomised is None:
        return history
    keys = set(zip(randomised["lead_id"].astype(str), randomised["month"].astype(str),
                   strict=True))
    pol = ["random" if k in keys else "" for k in
           zip(history["lead_id"].astype(str), history["month"].astype(str), strict=True)]
    return history.assign(visited_by_policy=pol)


def county_history(store: Store, session: Session, county_id: str, leads: pd.DataFrame,
                   randomised: pd.DataFrame | None = None, *,
                   before: str | None = None) -> pd.DataFrame:
    """The stored history plus recorded outcomes (:func:`training_history`), the
    randomised visits marked (:func:`mark_randomised`); ``before`` (``YYYY-MM-DD``) keeps
    the outcomes of the days planned before it only."""
    return county_histories(store, session, county_id, leads, randomised, cuts=(before,))[0]


def county_histories(store: Store, session: Session, county_id: str, leads: pd.DataFrame,
                     randomised: pd.DataFrame | None = None, *,
                     cuts: Sequence[str | None] = (None,)) -> list[pd.DataFrame]:
    """:func:`county_history` for each of ``cuts`` (``before``, ``None`` for every
    outcome), the stored history read once."""
    # the store's flag column is not history data: callers pass it as ``randomised``
    stored = store.history_frame(session, county_id).drop(columns="randomised", errors="ignore")
    return [mark_randomised(training_history(
        stored, store.outcomes_frame(session, county_id, before=cut), leads["lead_id"]),
        randomised) for cut in cuts]


def holdout_mask(lead_ids: pd.Series) -> np.ndarray:
    """True for the leads no model is trained on (a fixed :data:`HOLDOUT_SHARE` by id hash)."""
    cut = int(HOLDOUT_SHARE * 2**32)
    return np.array([int.from_bytes(hashlib.sha256(str(x).encode()).digest()[:4], "big") < cut
                     for x in lead_ids], dtype=bool)


def artefact_path(home: Path, county_id: str, version: int) -> Path:
    """``<home>/models/<county_id>/v<version>.joblib``, refused unless it resolves under home.

    Raises
    ------
    InputError
        A county id that is not an id, or a path that would leave the data directory.
    """
    check_id(county_id, "county_id")
    if county_id in (".", "..") or not isinstance(version, int) or version < 1:
        raise InputError(f"not a model of a county: {county_id!r} v{version!r}",
                         field="county_id")
    root = (Path(home) / "models").resolve()
    path = (root / county_id / f"v{version}.joblib").resolve()
    if not path.is_relative_to(root):
        raise InputError(f"{county_id!r} does not name a folder under {root}",
                         field="county_id")
    return path


def file_model_path(cache_dir: Path, county_id: str, leads: pd.DataFrame,
                    history: pd.DataFrame | None, loans: pd.DataFrame | None = None,
                    loan_rule_months: int = LOCKOUT_MONTHS,
                    elsewhere: pd.DataFrame | None = None) -> Path:
    """The file-mode model of a county folder: keyed by county, data hash and code version.

    A changed ``history.csv`` or leads table, or another version of the code, gets its own
    file, so an old model is never loaded for new data (``countyreach plan DIR``).

    Raises
    ------
    InputError
        A county id that would leave ``cache_dir/models/files``.
    """
    check_id(county_id, "county_id")
    h = training_history(history if history is not None else pd.DataFrame(), pd.DataFrame(),
                         leads["lead_id"])
    root = (Path(cache_dir) / "models" / "files").resolve()
    name = (f"{county_id}-{data_hash(leads, h, loans, loan_rule_months, elsewhere)[:16]}-"
            f"{code_version().rsplit('+', 1)[-1]}.joblib")
    path = (root / name).resolve()
    if county_id in (".", "..") or not path.is_relative_to(root):
        raise InputError(f"{county_id!r} does not name a file under {root}", field="county_id")
    return path


def load_model(home: Path, record: ModelRecord) -> propensity.LeadScorer:
    """Load a registered artefact after checking its sha256 against the registry.

    Raises
    ------
    ModelError
        Missing, altered, or unreadable by this version.
    """
    path = artefact_path(home, record.county_id, record.version)
    if not path.exists():
        raise ModelError(f"model file of {record.county_id} v{record.version} is missing "
                         f"({path}); retrain the county")
    if file_sha256(path) != record.artefact_sha256:
        raise ModelError(f"model file {path} does not match the registry (altered?); "
                         "retrain the county")
    return propensity.load_scorer(path)


def _metrics(scorer: propensity.LeadScorer, visits: pd.DataFrame) -> dict[str, float]:
    if visits.empty or visits["took_loan"].nunique() < 2:
        return {"n_holdout": float(len(visits))}
    p = scorer.predict_proba(visits)[:, 1]
    rep = propensity.report_from_predictions(visits["took_loan"].to_numpy(int), p)
    return {"auc": float(rep.auc), "brier": float(rep.brier), "ece": float(rep.ece),
            "n_holdout": float(len(visits)), "base_rate": float(rep.base_rate)}


def _basis_metrics(scorer: propensity.LeadScorer, held_leads: pd.DataFrame,
                   history: pd.DataFrame, loans: pd.DataFrame | None,
                   elsewhere: pd.DataFrame | None) -> dict[str, float]:
    """What the value basis rests on, and each uplift arm's held-out AUC (numbers only)."""
    basis = propensity.value_basis_of(scorer)
    out = {"visit_caused": float(basis.kind is propensity.ValueBasisKind.VISIT_CAUSED),
           "lockout_months": basis.lockout_months}
    sup = getattr(scorer, "uplift_support_", None)
    if sup is not None:
        out.update({"n_unvisited_months": float(sup.unvisited),
                    "n_walk_in_loans": float(sup.walk_in_loans),
                    "n_randomised": float(sup.randomised)})
    out.update(uplift_holdout_metrics(scorer, held_leads, history, loans, elsewhere))
    return out


def retrain(store: Store, session: Session, county_id: str, leads: pd.DataFrame, *,
            home: Path, force: bool = False, seed: int = 0, loans: pd.DataFrame | None = None,
            randomised: pd.DataFrame | None = None,
            loan_rule_months: int = LOCKOUT_MONTHS,
            elsewhere: pd.DataFrame | None = None,
            progress: ProgressFn | None = None, before: str | None = None) -> RetrainResult:
    """Train a new model from the store's history and outcomes; register it, and promote it
    when the held-out visits show it is good enough (:func:`~countyreach.services.
    promotion.judge_promotion`).

    The model is a lead scorer and, when the data supports it, the value a visit causes
    (see the module notes); both learn from the same leads, never the held-out ones.

    Promotion judges the held-out AUC of P(loan | visit), the uptake part every model has:
    enough held-out visits with and without a loan to tell, an AUC above chance beyond
    noise, and, on the same visits, no worse than the promoted model (by more than
    :data:`AUC_TOLERANCE`; replacing the starter model, an interval of the difference
    that rules "worse" out; giving up a visit-caused value basis, clearly better). The
    visit-caused part itself is not compared between versions: its effect is a difference
    of two arms' loan rates, which the tens of held-out randomised visits of a county
    cannot measure; each arm's held-out AUC is recorded (``auc_visit_arm``,
    ``auc_no_visit_arm``) and a change of value basis is said in the message.

    A county with too few visits of its own keeps the starter model, saved again for the
    current data (not called a promotion); so does one whose own model is not promoted
    over the starter, and a county's first model is the starter unless its own passes.
    The message names every usable visit beside the training and held-out split.

    Parameters
    ----------
    store, session
        A manager of the county or an admin.
    county_id : str
    leads : pandas.DataFrame
        The county's leads with their model inputs (spatial features added).
    home : Path
        The data directory (artefacts go under ``models/``).
    force : bool
        Train even when the promoted model is current (same data, same code), and promote
        even a worse model.
    seed : int
        Training seed.
    loans : pandas.DataFrame, optional
        The bank's loan book (:func:`read_loans`); without it the visit's effect is not
        estimated.
    randomised : pandas.DataFrame, optional
        ``lead_id, month`` of the randomised visits (:func:`mark_randomised`).
    loan_rule_months : int
        The county's loan rule (``county.json``'s ``loan_rule_months``): leads with a loan
        from us within it are worth 0 (:func:`propensity.add_visit_value`).
    elsewhere : pandas.DataFrame, optional
        The loans from other lenders the bank knows of (``loans_elsewhere.csv``): a
        feature of the value a visit causes.
    progress : callable, optional
        ``progress(stage, fraction)`` of the training (as :func:`countyreach.pipeline.
        get_scorer` reports it).
    before : str, optional
        ``YYYY-MM-DD``: learn from the outcomes of the days planned before it only (a plan's
        model, :func:`countyreach.services.model_choice.ensure_model`); default every
        recorded outcome.

    Returns
    -------
    RetrainResult
        ``record`` is the version trained (the county's own model, or the starter);
        ``promoted`` whether plans use it now.
    """
    report = progress or noop_progress
    report("check model", 0.0)
    history = county_history(store, session, county_id, leads, randomised, before=before)
    current = store.promoted_model(session, county_id)
    now_hash = data_hash(leads, history, loans, loan_rule_months, elsewhere)
    if not force and model_freshness(current, now_hash) == "current":
        assert current is not None
        return RetrainResult(current, load_model(home, current), True, current, None,
                             f"v{current.version} is current (trained on these data by this "
                             "code): nothing to retrain; --force trains a new version")
    tried = None if force else tried_on(store, session, county_id, now_hash)
    if tried is not None:
        return RetrainResult(tried, load_model(home, tried), False, current, None,
                             f"v{tried.version} was trained on these data by this code and not "
                             "promoted: nothing new to train on; --force trains a new version "
                             "and promotes it")
    inputs = _model_inputs(leads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowWarning)
        visits = propensity.visit_table(inputs, history) if len(history) else history
    held = holdout_mask(visits["lead_id"])
    train, test = visits[~held].reset_index(drop=True), visits[held].reset_index(drop=True)
    held_leads = holdout_mask(inputs["lead_id"])
    from countyreach.starter import starter_note, starter_scorer, too_little

    split = f"{len(visits)} usable visits: {len(train)} to train on, {len(test)} held out"
    previous = store.promoted_model(session, county_id)
    old, previous_auc, previous_kind = None, None, None
    if previous is not None:
        try:
            old = load_model(home, previous)
            previous_auc = _metrics(old, test).get("auc")
            previous_kind = propensity.value_basis_of(old).kind
        except ModelError:
            old = None  # unreadable by this code: it cannot compete
    was_starter = previous is not None and previous.n_train == 0

    def save(model: propensity.LeadScorer, n_train: int, metrics: dict[str, float]
             ) -> ModelRecord:
        version = store.learning.next_model_version(session, county_id)
        path = artefact_path(home, county_id, version)
        propensity.save_scorer(model, path)
        return store.learning.register_model(
            session, county_id, data_hash=now_hash, code_version=code_version(),
            artefact_sha256=file_sha256(path), n_train=n_train, metrics=metrics, version=version)

    def starter(why: str) -> tuple[propensity.LeadScorer, ModelRecord]:
        model = starter_scorer(why, loan_rule_months=loan_rule_months)
        record = save(model, 0, _metrics(model, test))
        store.learning.promote_model(session, county_id, record.version)
        return model, store.promoted_model(session, county_id) or record

    why = too_little(county_id, train, len(visits))
    note = starter_note(loans is not None and len(loans) > 0, loan_rule_months)
    tail = beyond_loan_book(history, loans)
    if why is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            report("train uptake", 0.1)
            scorer = propensity.LeadScorer(random_state=seed).fit(train, leads=inputs)
            report("train visit value", 0.3)
            propensity.add_visit_value(scorer, inputs[~held_leads], history, loans, seed=seed,
                                       lockout_months=loan_rule_months, elsewhere=elsewhere)
        report("save model", 0.95)
        kind = propensity.value_basis_of(scorer).kind
        lost = previous_kind is propensity.ValueBasisKind.VISIT_CAUSED and kind is not \
            previous_kind
        verdict = judge_promotion(
            test["took_loan"].to_numpy(int), _p_loan(scorer, test),
            None if old is None or previous_auc is None else _p_loan(old, test),
            old_name=f"v{previous.version}" + (" (the starter)" if was_starter else "")
            if previous is not None else "", old_is_starter=was_starter, basis_lost=lost,
            tolerance=AUC_TOLERANCE)
        if previous is None and not verdict.promote and not force:
            # no model yet to keep: the county is planned with the starter until its own
            # model shows on held-out visits that it ranks them better than chance
            why = f"its own model is not used: {verdict.reason}"
    if why is not None:
        scorer, record = starter(why)
        done = "still the starter model" if was_starter else "the starter model is used"
        msg = f"{done} ({split}); {why}: {note}"
        return RetrainResult(record, scorer, True, previous, previous_auc, msg + tail)
    metrics = _metrics(scorer, test)
    metrics.update(_basis_metrics(scorer, inputs[held_leads], history, loans, elsewhere))
    record = save(scorer, len(train), metrics)
    promote = force or verdict.promote
    change = f"; {'values' if promote else 'would value'} visits " \
        f"{kind.value.replace('_', '-')}" + ("" if previous_kind is None or previous_kind is kind
                                           else (
        f"; value basis {'changes' if promote else 'would change'} from "
        f"{previous_kind.value.replace('_', '-')} to {kind.value.replace('_', '-')}: plan "
        "values would not compare with earlier plans"))
    if promote:
        store.learning.promote_model(session, county_id, record.version)
        record = store.promoted_model(session, county_id) or record
        msg = (f"v{record.version} promoted" + (" (--force)" if not verdict.promote else "")
               + f": the county's own model ({verdict.reason}; {split}){change}")
        return RetrainResult(record, scorer, True, previous, previous_auc, msg + tail)
    msg = (f"v{record.version} not promoted: {verdict.reason} ({split}){change}; "
           "`--force` promotes it anyway")
    if was_starter:  # the starter stays, saved for these data: plans do not retrain again
        _, kept = starter(f"v{record.version} was not promoted")
        msg += f"; the starter model stays, saved as v{kept.version} for these data"
    return RetrainResult(record, scorer, False, previous, previous_auc, msg + tail)


def _p_loan(scorer: propensity.LeadScorer, visits: pd.DataFrame) -> np.ndarray:
    return np.asarray(scorer.predict_proba(visits)[:, 1], dtype=float)


#: Why a promoted model is not current, by :func:`model_freshness`'s answer.
STALE_WHY = {"none": "no model yet", "code": "trained by other code",
             "data": "trained before the latest data (history, leads or outcomes changed)"}


def tried_on(store: Store, session: Session, county_id: str, want_data: str
             ) -> ModelRecord | None:
    """The latest model trained on ``want_data`` by this code and never promoted: a retrain
    of these data that lost to the promoted model (training again gives the same model, so
    planning does not, until the data change).

    Parameters
    ----------
    store, session
        A manager of the county or an admin.
    county_id : str
    want_data : str
        The :func:`data_hash` a model would be trained on now.

    Returns
    -------
    ModelRecord or None
        None when no such candidate is registered.
    """
    found = [m for m in store.models(session, county_id)
             if m.data_hash == want_data and m.code_version == code_version()
             and m.status is ModelState.CANDIDATE]
    return found[-1] if found else None


def model_freshness(record: ModelRecord | None, want_data: str | Collection[str]) -> str:
    """``"current"``, or why not: ``"none"`` (no model), ``"code"`` (trained by other code,
    checked first: such a model may not even load) or ``"data"`` (other data than
    ``want_data``: the :func:`data_hash` a model would be trained on now, or the hashes any
    of which is current, see :func:`countyreach.services.model_choice.ensure_model`)."""
    if record is None:
        return "none"
    if record.code_version != code_version():
        return "code"
    wants = {want_data} if isinstance(want_data, str) else set(want_data)
    return "current" if record.data_hash in wants else "data"
