"""P(uptake | visit): a calibrated, explainable bootstrap ensemble of boosted trees.

:class:`UptakeModel` is a bootstrap ensemble of scikit-learn
``HistGradientBoostingClassifier`` members:

* monotonic constraints where the direction is known (more refusals never raise
  the chance of a loan ...);
* no class re-weighting (it would wreck the probabilities), plus Platt scaling fitted on
  the members' *out-of-bag* predictions, which are honest out-of-sample scores even
  with little data (isotonic needs far more rows);
* the members' spread is the model's uncertainty, used for the value's standard
  deviation and for Thompson sampling;
* with ``interaction_groups`` (a partition of the features) every tree uses features of
  one group only, so the log-odds are a sum of one function per group — an
  "explainable boosting" model. Each group's function is then compiled into a lookup
  table (thresholds from the trees, values from the members' own ``decision_function``),
  which makes scoring a few ``searchsorted`` calls per feature and gives exact per-group
  contributions for the explanations. The compiled path is checked against the
  members' own predictions at fit time and switched off if they ever disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from propensity.errors import ModelError
from propensity.uplift_boost import HistBoostClassifier

__all__ = ["UptakeModel", "category_codes", "sigmoid"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def sigmoid(z: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _as_frame(X: Any, names: Sequence[str] | None = None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"Expected a 2-D array, got shape {arr.shape}")
    cols = list(names) if names is not None else [f"x{i}" for i in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=cols)


def category_codes(col: pd.Series, categories: pd.Index) -> npt.NDArray[np.int64]:
    """Category codes of ``col`` over ``categories`` (-1 for missing or unknown values)."""
    if not (isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories.equals(categories)):
        return np.asarray(categories.get_indexer(pd.Index(col.astype(object))), dtype=np.int64)
    return np.asarray(col.cat.codes, dtype=np.int64)


class UptakeModel(ClassifierMixin, BaseEstimator):
    """Calibrated bootstrap ensemble of gradient-boosted trees for P(uptake | visit).

    Parameters
    ----------
    n_members : int
        Bootstrap members (1 = a single model on all rows, no uncertainty).
    learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization, max_bins
        Passed to every ``HistGradientBoostingClassifier`` member.
    max_iter : int
        Upper bound on boosting rounds; the actual number is chosen once by early
        stopping on a ``validation_fraction`` split and then used by every member
        (early stopping inside a bootstrap sample would validate on duplicated rows).
    validation_fraction : float
        Held-out share for choosing the number of rounds.
    monotonic_cst : mapping of str to int, optional
        ``{feature: +1 | -1}``; features absent from ``X`` are ignored.
    interaction_groups : sequence of sequences of str, optional
        Partition of the features into groups that may interact; ``None`` lets every
        feature interact (no compiled path, no per-group contributions).
    calibration : {"sigmoid", "none"}
        Platt scaling on out-of-bag predictions, or none.
    fast_predict : bool
        Compile the additive model into lookup tables when ``interaction_groups`` is given.
    n_threads : int or None
        OpenMP threads of the trees (``None``: all cores). One by default: on a few
        thousand rows threads gain little, and on a busy shared machine OpenMP
        oversubscription can make fitting tens of times slower.
    random_state : int or None
        Seed.
    """

    def __init__(
        self,
        n_members: int = 8,
        learning_rate: float = 0.08,
        max_iter: int = 400,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        max_bins: int = 255,
        validation_fraction: float = 0.15,
        monotonic_cst: Mapping[str, int] | None = None,
        interaction_groups: Sequence[Sequence[str]] | None = None,
        calibration: str = "sigmoid",
        fast_predict: bool = True,
        n_threads: int | None = 1,
        random_state: int | None = None,
    ) -> None:
        self.n_members = n_members
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_bins = max_bins
        self.validation_fraction = validation_fraction
        self.monotonic_cst = monotonic_cst
        self.interaction_groups = interaction_groups
        self.calibration = calibration
        self.fast_predict = fast_predict
        self.n_threads = n_threads
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ----------------------------------------------------------------------------- fit
    def _member(self, n_iter: int, seed: int, tree_order: Sequence[str],
                early_stopping: bool) -> HistGradientBoostingClassifier:
        mono = None
        if self.monotonic_cst:
            mono = {c: int(s) for c, s in self.monotonic_cst.items() if c in tree_order}
        inter = None
        if self.interaction_groups is not None:
            inter = [[list(tree_order).index(c) for c in g if c in tree_order]
                     for g in self.interaction_groups]
            inter = [g for g in inter if g]
        # HistBoostClassifier: a column a county's file leaves blank for every lead (an
        # optional field such as past_contacts) is a constant to the trees; sklearn cannot bin it.
        return HistBoostClassifier(
            learning_rate=self.learning_rate,
            max_iter=n_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            max_bins=self.max_bins,
            monotonic_cst=mono or None,
            interaction_cst=inter,
            categorical_features="from_dtype",
            early_stopping=early_stopping,
            validation_fraction=self.validation_fraction if early_stopping else None,
            n_iter_no_change=20,
            random_state=seed,
        )

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> UptakeModel:
        """Fit the ensemble and its calibration.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Features; categorical columns as pandas ``category`` dtype. NaN is allowed.
        y : array-like of shape (n_samples,)
            Two classes; the larger one (1, True, "yes") is "took a loan".
        sample_weight : ignored
            Accepted for API compatibility; class re-weighting is deliberately not offered.

        Returns
        -------
        UptakeModel
            ``self``.
        """
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            return self._fit(X, y)

    def _fit(self, X: Any, y: Any) -> UptakeModel:
        self.__dict__.pop("_combo_cache", None)
        if self.calibration not in ("sigmoid", "none"):
            raise ValueError(f"calibration must be 'sigmoid' or 'none', got {self.calibration!r}")
        if not isinstance(self.n_members, (int, np.integer)) or self.n_members < 1:
            raise ValueError(f"n_members must be a positive integer, got {self.n_members!r}")
        is_frame = isinstance(X, pd.DataFrame)
        Xf = _as_frame(X)
        y_arr = np.asarray(y)
        if y_arr.ndim != 1 or len(y_arr) != len(Xf):
            raise ValueError("y must be 1-D with one label per row of X")
        if len(Xf) < 2:
            raise ValueError("need at least 2 samples to fit")
        self.classes_ = np.unique(y_arr)
        if len(self.classes_) != 2:
            raise ValueError(f"need exactly two classes in y, got {len(self.classes_)}")
        yb = (y_arr == self.classes_[1]).astype(int)
        if is_frame:
            self.feature_names_in_ = np.asarray(Xf.columns, dtype=object)
        self.n_features_in_ = Xf.shape[1]
        self._columns = [str(c) for c in Xf.columns]
        Xf = Xf.copy()
        Xf.columns = self._columns
        # scikit-learn's boosting numbers the categorical columns first, then the rest (each
        # in order); it reads interaction_cst in that numbering (monotonic_cst it maps itself)
        cat = {c for c in self._columns if isinstance(Xf[c].dtype, pd.CategoricalDtype)}
        self._tree_order = ([c for c in self._columns if c in cat]
                            + [c for c in self._columns if c not in cat])
        rng = check_random_state(self.random_state)
        n = len(Xf)

        probe = self._member(self.max_iter, int(rng.randint(2**31 - 1)), self._tree_order,
                             early_stopping=n >= 200)
        probe.fit(Xf, yb)
        self.n_iter_ = int(max(10, probe.n_iter_))
        self.members_: list[HistGradientBoostingClassifier] = []
        oob_sum = np.zeros(n)
        oob_cnt = np.zeros(n)
        for _ in range(self.n_members):
            seed = int(rng.randint(2**31 - 1))
            member = self._member(self.n_iter_, seed, self._tree_order, early_stopping=False)
            if self.n_members == 1:
                member.fit(Xf, yb)
            else:
                idx = rng.randint(0, n, n)
                while len(np.unique(yb[idx])) < 2:  # a bootstrap sample needs both classes
                    idx = rng.randint(0, n, n)
                member.fit(Xf.iloc[idx], yb[idx])
                oob = np.ones(n, bool)
                oob[idx] = False
                if oob.any():
                    oob_sum[oob] += member.decision_function(Xf.iloc[np.flatnonzero(oob)])
                    oob_cnt[oob] += 1
            self.members_.append(member)

        self.calib_a_, self.calib_b_ = 1.0, 0.0
        has = oob_cnt > 0
        if (self.calibration == "sigmoid" and self.n_members > 1 and has.sum() >= 50
                and len(np.unique(yb[has])) == 2):
            z = (oob_sum[has] / oob_cnt[has])[:, None]
            lr = LogisticRegression(C=1e4, max_iter=1000).fit(z, yb[has])
            a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
            if a > 0:
                self.calib_a_, self.calib_b_ = a, b
        self._compile(Xf)
        return self

    # ------------------------------------------------------------------------ compile
    def _reference(self, Xf: pd.DataFrame) -> pd.DataFrame:
        ref = {}
        for c in self._columns:
            col = Xf[c]
            if isinstance(col.dtype, pd.CategoricalDtype):
                mode = col.mode(dropna=True)
                val = mode.iloc[0] if len(mode) else np.nan
                ref[c] = pd.Categorical([val], categories=col.cat.categories)
            else:
                med = float(np.nanmedian(col.to_numpy(float))) if col.notna().any() else 0.0
                ref[c] = np.array([med])
        return pd.DataFrame(ref)

    def _thresholds(self, j: int) -> FloatArray:
        vals = []
        for m in self.members_:
            for it in m._predictors:  # one TreePredictor per round (binary problem)
                nodes = it[0].nodes
                sel = (nodes["is_leaf"] == 0) & (nodes["feature_idx"] == j) & (
                    nodes["is_categorical"] == 0)
                vals.append(nodes["num_threshold"][sel])
        if not vals:
            return np.empty(0)
        return np.unique(np.concatenate(vals).astype(float))

    def _decisions(self, frame: pd.DataFrame) -> FloatArray:
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            return np.column_stack([m.decision_function(frame) for m in self.members_])

    def _compile(self, Xf: pd.DataFrame) -> None:
        self.compiled_ = False
        self.groups_: list[list[str]] = []
        if not (self.fast_predict and self.interaction_groups is not None):
            return
        groups = [[c for c in g if c in self._columns] for g in self.interaction_groups]
        groups = [g for g in groups if g]
        flat = [c for g in groups for c in g]
        if sorted(flat) != sorted(self._columns) or len(set(flat)) != len(flat):
            log.info("interaction groups do not partition the features: no compiled path")
            return
        self.groups_ = groups
        self._ref = self._reference(Xf)
        self._tables: dict[str, tuple[Any, ...]] = {}
        self._categories: dict[str, pd.Index] = {
            c: Xf[c].cat.categories for c in self._columns
            if isinstance(Xf[c].dtype, pd.CategoricalDtype)}
        tree_index = {c: j for j, c in enumerate(self._tree_order)}
        # Every one-feature table is a grid of the reference lead with that feature varied;
        # the grids go to the trees in one frame (a call's fixed overhead is most of its cost).
        grids, keys = [self._ref], []
        for g in groups:
            if len(g) != 1:
                continue
            c = g[0]
            if c in self._categories:
                cats = self._categories[c]
                grid = self._ref.loc[np.zeros(len(cats) + 1, int)].reset_index(drop=True)
                grid[c] = pd.Categorical([*list(cats), np.nan], categories=cats)
                keys.append((c, "cat", cats))
            else:
                thr = self._thresholds(tree_index[c])
                last = thr[-1] + 1.0 if len(thr) else 0.0
                grid = self._ref.loc[np.zeros(len(thr) + 2, int)].reset_index(drop=True)
                grid[c] = np.concatenate([thr, [last, np.nan]])
                keys.append((c, "num", thr))
            grids.append(grid)
        logits = self._decisions(pd.concat(grids, ignore_index=True)[self._columns])
        self._ref_logit = logits[0]  # (M,)
        at = 1
        for (c, kind, key), grid in zip(keys, grids[1:], strict=True):
            self._tables[c] = (kind, key, logits[at:at + len(grid)] - self._ref_logit)
            at += len(grid)
        sample = Xf.iloc[: min(len(Xf), 500)]
        self.compiled_ = True
        fast = self._member_logits(sample)
        slow = self._decisions(sample)
        err = float(np.max(np.abs(fast - slow)))
        if err > 1e-6:
            log.warning("compiled model disagrees with its trees by %.2e: using the trees", err)
            self.compiled_ = False
        # Training mean of each group's term: explanations are relative to an average lead.
        self.group_means_ = self._group_terms(Xf).mean(axis=0) if self.compiled_ else None

    def _coerce(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "members_")
        shape = np.shape(X)
        if len(shape) != 2 or shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {shape}, but the model was fitted with "
                             f"{self.n_features_in_} features")
        Xf = _as_frame(X, self._columns if not isinstance(X, pd.DataFrame) else None)
        if Xf.shape[1] != self.n_features_in_ and not isinstance(X, pd.DataFrame):
            raise ValueError(f"X has {Xf.shape[1]} features, but the model was fitted with "
                             f"{self.n_features_in_} features")
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            missing = [c for c in self._columns if c not in Xf.columns]
            if missing:
                raise ValueError(f"X lacks feature(s) {missing}")
            Xf = Xf[self._columns]
        elif isinstance(X, pd.DataFrame):
            if Xf.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {Xf.shape[1]} features, but the model was fitted "
                                 f"with {self.n_features_in_} features")
            Xf = Xf.set_axis(self._columns, axis=1)
        return Xf

    def _group_terms(self, Xf: pd.DataFrame) -> FloatArray:
        """Per-group additive terms, shape (n, n_groups, n_members), relative to the reference."""
        n = len(Xf)
        M = len(self.members_)
        out = np.empty((n, len(self.groups_), M))
        for gi, g in enumerate(self.groups_):
            if len(g) == 1:
                kind, keys, table = self._tables[g[0]]
                col = Xf[g[0]]
                if kind == "cat":
                    codes = category_codes(col, keys)
                    idx = np.where(codes < 0, len(keys), codes)
                else:
                    x = pd.to_numeric(col, errors="coerce").to_numpy(float)
                    idx = np.searchsorted(keys, x, side="left")
                    idx[np.isnan(x)] = len(keys) + 1
                out[:, gi, :] = table[idx]
            else:
                out[:, gi, :] = self._multi_group_terms(Xf, g)
        return out

    def _multi_group_terms(self, Xf: pd.DataFrame, g: Sequence[str]) -> FloatArray:
        # Evaluate the group's trees once per distinct combination of its values (a few
        # dozen for industry x month), found by hashing rather than sorting.
        n = len(Xf)
        key = np.zeros(n, dtype=np.int64)
        parts = []
        for c in g:
            col = Xf[c]
            if c in self._categories:
                v = category_codes(col, self._categories[c]).astype(float)
                v[v < 0] = np.nan
            else:
                v = pd.to_numeric(col, errors="coerce").to_numpy(float)
            codes, uniq = pd.factorize(v, use_na_sentinel=False)
            key = key * (len(uniq) + 1) + codes
            parts.append(v)
        inverse, uniq_keys = pd.factorize(key)
        first = np.empty(len(uniq_keys), dtype=np.int64)
        first[inverse[::-1]] = np.arange(n - 1, -1, -1)
        combos = [tuple(None if np.isnan(x) else float(x) for x in row)
                  for row in np.column_stack([v[first] for v in parts])]
        # Terms of combinations seen before come from a cache: the decision calls carry a
        # fixed overhead that would dominate explanations (12 months x a few industries).
        cache = self.__dict__.setdefault("_combo_cache", {})
        gkey = tuple(g)
        todo = [i for i, c in enumerate(combos) if (gkey, c) not in cache]
        if todo:
            grid = self._ref.loc[np.zeros(len(todo), int)].reset_index(drop=True)
            for k, c in enumerate(g):
                vals = np.array([np.nan if combos[i][k] is None else combos[i][k] for i in todo])
                if c in self._categories:
                    codes_c = np.where(np.isnan(vals), -1, vals).astype(int)
                    grid[c] = pd.Categorical.from_codes(codes_c, categories=self._categories[c])
                else:
                    grid[c] = vals
            fresh = self._decisions(grid[self._columns]) - self._ref_logit
            if len(cache) > 100_000:
                cache.clear()
            for row, i in enumerate(todo):
                cache[(gkey, combos[i])] = fresh[row]
        table = np.vstack([cache[(gkey, c)] for c in combos])
        return table[inverse]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_combo_cache", None)  # rebuilt on demand; not part of the model
        return state

    # ------------------------------------------------------------------------ predict
    def _member_logits(self, Xf: pd.DataFrame) -> FloatArray:
        if self.compiled_:
            return self._ref_logit[None, :] + self._group_terms(Xf).sum(axis=1)
        return self._decisions(Xf)

    def member_logits(self, X: Any) -> FloatArray:
        """Uncalibrated log-odds of every member, shape (n_samples, n_members)."""
        return self._member_logits(self._coerce(X))

    def decision_function(self, X: Any) -> FloatArray:
        """Calibrated log-odds of uptake (mean of the members, then Platt scaling)."""
        z = self._member_logits(self._coerce(X)).mean(axis=1)
        return self.calib_a_ * z + self.calib_b_

    def predict_proba(self, X: Any) -> FloatArray:
        """Calibrated probabilities, shape (n_samples, 2); column 1 is uptake."""
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """Most likely class."""
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def member_proba(self, X: Any) -> FloatArray:
        """Calibrated uptake probability of every member, shape (n_samples, n_members)."""
        z = self._member_logits(self._coerce(X))
        return sigmoid(self.calib_a_ * z + self.calib_b_)

    def group_contributions(self, X: Any) -> pd.DataFrame:
        """Exact additive contributions of each interaction group to the calibrated log-odds.

        Each value is the group's term for the row minus its average over the training
        rows, averaged over members and scaled by the calibration slope, so
        ``decision_function(X) == baseline_logit_ + contributions.sum(axis=1)``.

        Raises
        ------
        ModelError
            If the model has no compiled additive form (no ``interaction_groups``).
        """
        Xf = self._coerce(X)
        if not self.compiled_ or self.group_means_ is None:
            raise ModelError("this uptake model has no additive form to explain; fit it with "
                             "interaction_groups")
        terms = self._group_terms(Xf) - self.group_means_[None, :, :]
        contrib = self.calib_a_ * terms.mean(axis=2)
        return pd.DataFrame(contrib, columns=["+".join(g) for g in self.groups_],
                            index=Xf.index)

    @property
    def baseline_logit_(self) -> float:
        """Calibrated log-odds of the average training lead (the explanations' zero)."""
        if not getattr(self, "compiled_", False) or self.group_means_ is None:
            raise ModelError("this uptake model has no additive form")
        z = float(self._ref_logit.mean() + self.group_means_.sum(axis=0).mean())
        return self.calib_a_ * z + self.calib_b_
