"""Benchmark of the lead model: quality against the oracle, ablations, real data, speed.

Run: ``python3 bench/bench_propensity.py [--seeds 0 1 2] [--businesses 3000]
[--sections synthetic uplift real speed] [--offset-baselines spline blend stack]``

Every figure is printed next to a baseline measured in the same run:

* AUC on held-out later months (whole population, outcomes drawn from the hidden truth)
  against the oracle AUC of the true probabilities, a plain logistic regression and the
  officers' own heuristic ordering;
* AUC lost when the spatial or the seasonal features are removed;
* value ranking: share of the true expected value captured by the top decile;
* the value a visit causes (issue 18, heterogeneous economy): Qini top 10 % against the
  oracle, top-decile predicted / true, recent borrowers in the top decile, next to the
  plain uptake scorer and the S-learner with the support rule, and the value's
  decomposition (the Qini when one estimated factor, uplift, loan size or default risk,
  replaces the truth's), and the offset learner's out-of-fold calibration on the visits
  (observed / predicted uplift of the randomised visits, the uplift's BLP slope);
* the observables ceiling of that Qini: the truth's expected visit value with latent
  interest, village effect (or with it known) and the effect, loan and default noises
  integrated out (``observables_ceiling.py``), the best any model of the features can do;
* the same Qini, top-decile ratio and ceiling among the leads the lender's one-year loan
  rule leaves open (the simulation's rule: whom a day's visits can really go to);
* UCI Bank Marketing 5-fold AUC (``duration`` dropped) against logistic regression;
* Cai et al. (2015) average treatment effect of the intensive session, and the uplift
  learner's cross-fitted mean effect against its interval;
* scoring throughput on one core against logistic regression and the uncompiled trees.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from observables_ceiling import expected_visit_value_yuan  # noqa: E402

import propensity as P  # noqa: E402
from propensity.external import (  # noqa: E402
    bank_marketing_cv_auc,
    cai2015_ate,
    cai2015_uplift,
    load_bank_marketing,
)

SHARED = REPO.parent / "shared" / "data" / "propensity"
_SECTIONS = ("synthetic", "uplift", "real", "speed")
HOLDOUT = 6


def logistic_baseline(X: pd.DataFrame) -> Pipeline:
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    num = [c for c in X.columns if c not in cat]
    pre = ColumnTransformer([
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), cat),
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
    ])
    return make_pipeline(pre, LogisticRegression(max_iter=2000))


def heuristic_score(b: pd.DataFrame) -> np.ndarray:
    """The officers' ordering (their visit heuristic without its noise)."""
    return np.asarray(-0.45 * b["dist_branch_m"] / 1000 + 0.5 * b["revenue_band"]
                      + 0.35 * np.log1p(b["staff"]) + 0.6 * b["has_existing_loan"]
                      - 0.8 * b["past_refusals"], float)


def synthetic(seed: int, n: int) -> dict[str, float]:
    villages = pd.read_csv(REPO / "data" / "qingzu" / "villages.csv")
    econ = P.generate_economy(villages, n_businesses=n, n_months=24, seed=seed)
    train, _ = P.temporal_split(econ.history, HOLDOUT)
    rng = np.random.default_rng(10_000 + seed)
    months = econ.months[-HOLDOUT:]
    truth = [econ.true_p_uptake(econ.businesses, m) for m in months]
    y = np.concatenate([(rng.random(len(p)) < p).astype(int) for p in truth])
    oracle = roc_auc_score(y, np.concatenate(truth))
    out: dict[str, float] = {"oracle_auc": oracle, "n_eval": len(y), "n_train": len(train)}
    for name, groups in (("full", ("business", "spatial", "seasonal")),
                         ("no_spatial", ("business", "seasonal")),
                         ("no_seasonal", ("business", "spatial"))):
        t = time.perf_counter()
        sc = P.LeadScorer(feature_groups=groups, random_state=seed).fit_history(
            econ.businesses, train)
        out[f"fit_s_{name}"] = time.perf_counter() - t
        p = np.concatenate([sc.uptake_.predict_proba(sc.features(econ.businesses, m))[:, 1]
                            for m in months])
        out[f"auc_{name}"] = roc_auc_score(y, p)
        if name == "full":
            out["ece"] = P.expected_calibration_error(y, p)
            full = sc
    X, rows = P.history_features(econ.businesses, train)
    lr = logistic_baseline(X).fit(X, rows["took_loan"])
    p_lr = np.concatenate([lr.predict_proba(full.features(econ.businesses, m))[:, 1]
                           for m in months])
    out["auc_logistic"] = roc_auc_score(y, p_lr)
    out["ece_logistic"] = P.expected_calibration_error(y, p_lr)
    out["auc_heuristic"] = roc_auc_score(y, np.tile(heuristic_score(econ.businesses),
                                                    len(months)))
    # Value ranking in one held-out month: share of true value in the model's top decile.
    month = months[2]
    true_v = econ.true_value_yuan(econ.businesses, month)
    k = len(true_v) // 10
    best = np.sort(true_v)[::-1][:k].sum()
    v_model = full.score(econ.businesses, month, explain=False)["value_yuan"].to_numpy()
    out["top_decile_value_share_model"] = true_v[np.argsort(-v_model)[:k]].sum() / best
    h = heuristic_score(econ.businesses)
    out["top_decile_value_share_heuristic"] = true_v[np.argsort(-h)[:k]].sum() / best
    return out


def _true_parts(econ: P.Economy, month: str) -> dict[str, np.ndarray]:
    """The truth's factors of each lead's visit-caused value (diagnostics only).

    ``uplift`` is the loans from us a visit causes, ``loan`` the expected loan, ``net``
    the margin net of the expected loss per yuan, so ``value = uplift x loan x net``.
    """
    b = econ.businesses
    pd_true = econ.truth["p_default"].reindex(b["lead_id"].astype(str)).to_numpy(float)
    lgd = float(econ.params.get("lgd", 0.0))
    since = econ.months_since_loan(b, month, bank_only=True)
    own = float(econ.params.get("own_share", 1.0))
    return {"value": econ.visit_caused_value_yuan(b, month),
            "since_any": econ.months_since_loan(b, month, bank_only=False),
            "uplift": econ.visit_caused_p(b, month), "loan": econ.true_loan_yuan(b, month),
            "net": (1 - pd_true) * 0.05 - pd_true * lgd, "since": since,
            # P(loan from us) with and without a visit, as the model estimates them
            "p_visit": econ.true_p_uptake(b, month),
            "p_no_visit": own * econ.true_p_uptake(b, month, visited=False),
            # the truth's value had the business's loans elsewhere no effect: all the
            # bank's data could tell
            "value_bank_recency": econ.visit_caused_value_yuan(b, month,
                                                               months_since_loan=since)}


def value_decomposition(s: pd.DataFrame, true: dict[str, np.ndarray], margin: float,
                        lgd: float,
                        ceilings: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """Qini top 10 % when one estimated factor of the value replaces the truth's.

    Every ranking applies the model's loan rule (``locked_out`` leads are worth 0), so
    ``rule`` is the most the rule leaves and each ``only_*`` figure is what that one
    estimate loses from it; ``model`` is all three estimates together. Each of
    ``ceilings`` (name -> the truth's expected value given the observables, see
    :func:`observables_ceiling.expected_visit_value_yuan`) is ranked under the same rule.
    """
    from propensity.qini import top_share_ratio

    locked = s["locked_out"].to_numpy(bool)
    net_est = (1 - s["p_default"].to_numpy()) * margin - s["p_default"].to_numpy() * lgd
    est = {"uplift": s["uplift"].to_numpy(float), "loan": s["loan_yuan"].to_numpy(float),
           "net": net_est}

    def q(uplift: np.ndarray, loan: np.ndarray, net: np.ndarray) -> float:
        return top_share_ratio(np.where(locked, 0.0, uplift * loan * net), true["value"], 0.1)

    out = {"rule": q(true["uplift"], true["loan"], true["net"])}
    for name in ("uplift", "loan", "net"):
        parts = {k: (est[k] if k == name else true[k]) for k in ("uplift", "loan", "net")}
        out[f"only_{name}"] = q(parts["uplift"], parts["loan"], parts["net"])
    out["model"] = top_share_ratio(s["value_yuan"].to_numpy(float), true["value"], 0.1)
    for name, expected in (ceilings or {}).items():
        out[name] = top_share_ratio(np.where(locked, 0.0, expected), true["value"], 0.1)
    return out


def _top_decile_parts(s: pd.DataFrame, true: dict[str, np.ndarray], margin: float,
                      lgd: float) -> dict[str, float]:
    """Predicted over true for each factor of the value in the top decile by value."""
    top = np.argsort(-s["value_yuan"].to_numpy(), kind="stable")[: len(s) // 10]
    pd_pred = s["p_default"].to_numpy()[top]
    m_pred = (1 - pd_pred) * margin - pd_pred * lgd
    since = true["since"][top]
    return {"value": float(s["value_yuan"].to_numpy()[top].mean() / true["value"][top].mean()),
            "uplift": float(s["uplift"].to_numpy()[top].mean() / true["uplift"][top].mean()),
            "loan": float(s["loan_yuan"].to_numpy()[top].mean() / true["loan"][top].mean()),
            "margin": float(m_pred.mean() / true["net"][top].mean()),
            "recent6": float((since < 6).mean()),
            "recent6_12": float(((since >= 6) & (since < 12)).mean()),
            # adverse selection on what the bank cannot see: a loan elsewhere more recent
            # than the last from us, and the ratio against the truth that ignores it
            "elsewhere": float((true["since_any"][top] < since).mean()),
            "elsewhere_all": float((true["since_any"] < true["since"]).mean()),
            "value_bank": float(s["value_yuan"].to_numpy()[top].mean()
                                / true["value_bank_recency"][top].mean())}


#: The lender's loan rule in the simulation (``countyreach.simulation``: no visit, and so no
#: loan from us, within a year of our last loan): the leads it leaves open are the ones a
#: ranking can send an officer to.
OPEN_AFTER_MONTHS = 12


def open_lead_figures(s: pd.DataFrame, true: dict[str, np.ndarray],
                      ceilings: dict[str, np.ndarray]) -> dict[str, float]:
    """Qini top 10 % and top-decile predicted / true among the leads the loan rule leaves open.

    The oracle over all leads also ranks businesses that borrowed from us within the year,
    whose visit the truth values (it captures loans they would take elsewhere) but the
    lender's one-year rule forbids; among the open leads both rankings compete for the
    visits a day can really make, as in the simulation.
    """
    from propensity.qini import top_share_ratio

    ok = true["since"] >= OPEN_AFTER_MONTHS
    value = s["value_yuan"].to_numpy(float)[ok]
    truth = true["value"][ok]
    top = np.argsort(-value, kind="stable")[: len(value) // 10]
    out = {"open_share": float(ok.mean()), "open_qini10": top_share_ratio(value, truth, 0.1),
           "open_top_value": float(value[top].mean() / truth[top].mean()),
           "open_bank_recency": top_share_ratio(true["value_bank_recency"][ok], truth, 0.1)}
    # The estimated uplift's two log-odds parts, one at a time with the truth's other part
    # (and the truth's loan and margin): where the uplift's ranking error comes from.
    def log_odds(p: np.ndarray) -> np.ndarray:
        return np.asarray(logit(np.clip(p, 1e-9, 1 - 1e-9)), float)

    b_true, b_est = log_odds(true["p_no_visit"]), log_odds(s["p_no_visit"].to_numpy(float))
    e_true = log_odds(true["p_visit"]) - b_true
    e_est = log_odds(s["p_visit"].to_numpy(float)) - b_est
    worth = true["loan"] * true["net"]
    for name, (b, e) in (("open_only_baseline", (b_est, e_true)),
                         ("open_only_effect", (b_true, e_est))):
        out[name] = top_share_ratio(((expit(b + e) - expit(b)) * worth)[ok], truth, 0.1)
    for name, expected in ceilings.items():
        out[f"open_{name}"] = top_share_ratio(expected[ok], truth, 0.1)
    return out


#: The models of the uplift section: the default and the S-learner with the support rule
#: (the default before issue 18's rework), fitted on the same table.
UPLIFT_MODELS = (("s_support", {"learner": "s", "recency_support": True}), ("offset", {}))


def uplift_models(offset_baselines: Sequence[str] = ()) -> tuple[tuple[str, dict[str, Any]], ...]:
    """:data:`UPLIFT_MODELS` plus the offset learner with each other no-visit baseline
    (``offset_<baseline>``, see :class:`~propensity.uplift_offset.OffsetUplift`)."""
    from propensity.uplift_offset import OffsetUplift

    return UPLIFT_MODELS + tuple((f"offset_{b}", {"offset": OffsetUplift(baseline=b)})
                                 for b in offset_baselines)


def uplift_figures(seed: int, n: int, models: Sequence[tuple[str, dict[str, Any]]]
                   = UPLIFT_MODELS, elsewhere_share: float = 0.0,
                   elsewhere_told: bool = False) -> dict[str, dict[str, float]]:
    """Issue 18's acceptance figures on the heterogeneous economy, in one run.

    ``s_support`` is the S-learner with the recency support rule (the default before the
    offset learner), ``offset`` the default; same economy, seed and table. Each model
    also gets :func:`value_decomposition` (the truth's factors are diagnostics only).
    ``elsewhere_share``: the bank also knows the loans elsewhere of that share of the
    businesses (:meth:`~propensity.Economy.known_loans_elsewhere`), for fitting and scoring;
    ``elsewhere_told``: and what owners told at every visit of the history
    (:meth:`~propensity.Economy.loans_elsewhere_told_at_visits`).
    """
    from propensity.qini import qini_coefficient, top_share_ratio
    from propensity.uplift import VisitValueModel, uplift_table

    villages = pd.read_csv(REPO / "data" / "qingzu" / "villages.csv")
    econ = P.generate_economy(villages, n_businesses=n, n_months=24, seed=seed,
                              variant="heterogeneous")
    month = P.add_months(econ.start_month, econ.n_months)
    plain = P.LeadScorer(random_state=seed).fit_history(econ.businesses, econ.history).score(
        econ.businesses, month, explain=False)
    true = _true_parts(econ, month)
    # Its own fixed-seed draws, so no other figure of the run moves.
    ceilings = {"ceiling": expected_visit_value_yuan(econ, month),
                "ceiling_village": expected_visit_value_yuan(econ, month, village_known=True),
                "ceiling_bank": expected_visit_value_yuan(econ, month, bank_recency=True)}
    t = time.perf_counter()
    known = econ.known_loans_elsewhere(elsewhere_share, seed=seed)
    if elsewhere_told:
        known = pd.concat([known, econ.loans_elsewhere_told_at_visits()], ignore_index=True)
    book = P.bank_loan_book(econ.history, econ.loan_book, known)
    table = uplift_table(econ.businesses, econ.history, book, random_state=seed)
    table_s = time.perf_counter() - t
    out: dict[str, dict[str, float]] = {}
    for name, params in models:
        t = time.perf_counter()
        vm = VisitValueModel(random_state=seed, **params).fit(table)
        fit_s = table_s + time.perf_counter() - t
        ours = vm.score(econ.businesses, month, loan_book=book, explain=False)
        cal = getattr(getattr(vm, "offset_", None), "calibration_", {})
        out[name] = {"qini10": top_share_ratio(ours["value_yuan"], true["value"], 0.1),
                     "qini_coef": qini_coefficient(ours["value_yuan"], true["value"]),
                     "qini_loans": qini_coefficient(ours["uplift"], true["uplift"]),
                     "lockout": vm.lockout_months_, "fit_s": fit_s,
                     "oof_ratio": float(cal.get("ratio", float("nan"))),
                     "blp_slope": float(cal.get("blp_slope_visits", float("nan"))),
                     **{f"dec_{k}": v for k, v in
                        value_decomposition(ours, true, vm.margin, vm.lgd,
                                            ceilings).items()},
                     **{f"top_{k}": v for k, v in
                        _top_decile_parts(ours, true, vm.margin, vm.lgd).items()},
                     **open_lead_figures(ours, true, ceilings)}
    out["plain"] = {"qini10": top_share_ratio(plain["value_yuan"], true["value"], 0.1),
                    "qini_coef": qini_coefficient(plain["value_yuan"], true["value"]),
                    "qini_loans": qini_coefficient(plain["p_uptake"], true["uplift"])}
    return out


def bank_baseline_auc(path: Path) -> float:
    X, y = load_bank_marketing(path)
    aucs = []
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        m = logistic_baseline(X).fit(X.iloc[tr], y[tr])
        aucs.append(roc_auc_score(y[te], m.predict_proba(X.iloc[te])[:, 1]))
    return float(np.mean(aucs))


def scoring_rate_60k() -> float:
    """Leads per second of the scorer on the setup tests/test_propensity_scorer.py uses."""
    villages = pd.read_csv(REPO / "data" / "qingzu" / "villages.csv")
    econ = P.generate_economy(villages, n_businesses=1500, n_months=24, seed=5)
    sc = P.LeadScorer(random_state=1).fit_history(econ.businesses, econ.history)
    big = pd.concat([econ.businesses] * 40, ignore_index=True)
    big["lead_id"] = [f"L{i}" for i in range(len(big))]
    sc.score(big.head(1000), "2026-09", explain=False)  # warm caches
    t = time.perf_counter()
    sc.score(big, "2026-09", explain=False)
    return len(big) / (time.perf_counter() - t)


def throughput(n_leads: int) -> dict[str, float]:
    villages = pd.read_csv(REPO / "data" / "qingzu" / "villages.csv")
    econ = P.generate_economy(villages, n_businesses=2000, n_months=24, seed=0)
    sc = P.LeadScorer(random_state=0).fit_history(econ.businesses, econ.history)
    reps = int(np.ceil(n_leads / len(econ.businesses)))
    big = pd.concat([econ.businesses] * reps, ignore_index=True).head(n_leads)
    big["lead_id"] = [f"L{i:07d}" for i in range(len(big))]
    X, rows = P.history_features(econ.businesses, econ.history)
    lr = logistic_baseline(X).fit(X, rows["took_loan"])
    slow = P.UptakeModel(n_members=sc.n_members, monotonic_cst=dict(P.MONOTONIC),
                         interaction_groups=sc.uptake_.interaction_groups, fast_predict=False,
                         random_state=0).fit(X, rows["took_loan"])
    res: dict[str, float] = {"n_leads": float(len(big)),
                             "scorer_60k": scoring_rate_60k()}
    with threadpool_limits(1):
        sc.score(big.head(2000), "2026-09", explain=False)  # warm caches
        for name, fn in (
            ("scorer", lambda: sc.score(big, "2026-09", explain=False)),
            ("scorer_explain_top1000",
             lambda: sc.score(big, "2026-09", explain=True, explain_limit=1000)),
            ("logistic_baseline",
             lambda: lr.predict_proba(P.build_features(big, "2026-09"))),
            ("uncompiled_trees",
             lambda: slow.predict_proba(P.build_features(big, "2026-09"))),
        ):
            t = time.perf_counter()
            fn()
            res[name] = len(big) / (time.perf_counter() - t)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--businesses", type=int, default=3000)
    ap.add_argument("--leads", type=int, default=200_000, help="leads for the speed test")
    ap.add_argument("--sections", nargs="+", default=list(_SECTIONS), choices=_SECTIONS,
                    help="parts of the benchmark to run (default: all)")
    ap.add_argument("--elsewhere-share", type=float, default=0.0,
                    help="uplift section: the bank also knows the loans from other lenders of "
                         "this share of the businesses (a credit-information system)")
    ap.add_argument("--elsewhere-told", action="store_true",
                    help="uplift section: the bank also knows what owners told at every visit "
                         "of the history (the newest loan elsewhere before it, month only, or "
                         "none; known from that visit on)")
    ap.add_argument("--offset-baselines", nargs="*", default=[],
                    choices=["gbm", "spline", "blend", "stack"],
                    help="also fit the offset learner with these no-visit baselines "
                         "(uplift section; rows offset_<baseline>)")
    args = ap.parse_args()

    if "synthetic" in args.sections:
        _synthetic_section(args)
    if "uplift" in args.sections:
        _uplift_section(args)
    if "real" in args.sections:
        _real_section()
    if "speed" in args.sections:
        _speed_section(args)
    return 0


def _synthetic_section(args: argparse.Namespace) -> None:
    print(f"== synthetic county economy: {args.businesses} businesses, 24 months, "
          f"last {HOLDOUT} held out ==")
    rows = []
    for seed in args.seeds:
        r = synthetic(seed, args.businesses)
        rows.append(r)
        print(f"seed {seed}: train {r['n_train']:.0f} visits, eval {r['n_eval']:.0f} "
              f"lead-months | AUC {r['auc_full']:.4f} oracle {r['oracle_auc']:.4f} "
              f"ratio {r['auc_full'] / r['oracle_auc']:.3f} ECE {r['ece']:.4f} | "
              f"logistic AUC {r['auc_logistic']:.4f} (ECE {r['ece_logistic']:.4f}), "
              f"officer heuristic AUC {r['auc_heuristic']:.4f} | "
              f"-spatial {r['auc_full'] - r['auc_no_spatial']:+.4f} "
              f"-seasonal {r['auc_full'] - r['auc_no_seasonal']:+.4f} | "
              f"top-decile true value captured: model {r['top_decile_value_share_model']:.3f} "
              f"heuristic {r['top_decile_value_share_heuristic']:.3f} | "
              f"fit {r['fit_s_full']:.1f}s")
    df = pd.DataFrame(rows)
    print(f"mean: AUC/oracle {(df['auc_full'] / df['oracle_auc']).mean():.3f} (target >= 0.93), "
          f"ECE {df['ece'].mean():.4f} (target <= 0.03), "
          f"AUC lost without spatial {(df['auc_full'] - df['auc_no_spatial']).mean():.4f}, "
          f"without seasonal {(df['auc_full'] - df['auc_no_seasonal']).mean():.4f}; "
          f"model vs logistic AUC {(df['auc_full'] - df['auc_logistic']).mean():+.4f}")


def _uplift_section(args: argparse.Namespace) -> None:
    print("\n== value a visit causes (heterogeneous economy; issue 18) ==")
    print("s_support = S-learner with the recency support rule (the default before), offset "
          "= the default (seasonal log-odds effect on a no-visit baseline); same economy, "
          "seed and uplift table, fitted in this run. Decomposition: Qini top 10 % when one "
          "estimated factor replaces the truth's (loan rule applied to all), see "
          "value_decomposition; observables ceiling = ranking by the truth's expected value "
          "over the unobservables (strict: village effect integrated out; village known), "
          "see observables_ceiling.py. Loans elsewhere known for "
          f"{args.elsewhere_share:.0%} of the businesses (--elsewhere-share)"
          + (", and as told at every visit of the history (--elsewhere-told)."
             if args.elsewhere_told else "."))
    models = uplift_models(args.offset_baselines)
    rows = []
    for seed in args.seeds:
        u = uplift_figures(seed, args.businesses, models, args.elsewhere_share,
                           args.elsewhere_told)
        pl = u["plain"]
        print(f"seed {seed}: plain uptake scorer: Qini top 10 % {pl['qini10']:.3f}, "
              f"coefficient (value) {pl['qini_coef']:.3f}, (caused loans) "
              f"{pl['qini_loans']:.3f}")
        for name, _ in models:
            r = u[name]
            rows.append({"seed": seed, "model": name, "plain_qini10": pl["qini10"], **r})
            print(f"  {name:<9} lockout {r['lockout']:.0f} mo | Qini top 10 % "
                  f"{r['qini10']:.3f} (target >= 0.8) | coefficient (value) "
                  f"{r['qini_coef']:.3f} | (caused loans) {r['qini_loans']:.3f} | top decile "
                  f"predicted / true: value {r['top_value']:.2f} (target 0.75..1.25) = uplift "
                  f"{r['top_uplift']:.2f} x loan {r['top_loan']:.2f} x margin-net-of-loss "
                  f"{r['top_margin']:.2f} (approx.) | top decile borrowed from us "
                  f"< 6 months ago {r['top_recent6']:.1%} (target <= 10 %), 6-12 months "
                  f"{r['top_recent6_12']:.1%} | borrowed elsewhere more recently than from us "
                  f"{r['top_elsewhere']:.0%} (all leads {r['top_elsewhere_all']:.0%}); "
                  f"predicted / true with only the bank's loans known "
                  f"{r['top_value_bank']:.2f} | fit {r['fit_s']:.1f}s")
            print(f"  {'':<9} decomposition, Qini top 10 %: truth with the loan rule "
                  f"{r['dec_rule']:.3f} | estimated uplift only {r['dec_only_uplift']:.3f} | "
                  f"estimated loan only {r['dec_only_loan']:.3f} | estimated default risk "
                  f"only {r['dec_only_net']:.3f} | all estimated (model) {r['dec_model']:.3f}"
                  f" | observables ceiling {r['dec_ceiling']:.3f} (village known "
                  f"{r['dec_ceiling_village']:.3f}, only the bank's loans known "
                  f"{r['dec_ceiling_bank']:.3f})"
                  + (f" | out-of-fold randomised visits observed / predicted uplift "
                     f"{r['oof_ratio']:.2f}" if np.isfinite(r["oof_ratio"]) else "")
                  + (f" | out-of-fold BLP slope of the uplift on the visits "
                     f"{r['blp_slope']:.2f}" if np.isfinite(r["blp_slope"]) else ""))
            print(f"  {'':<9} among the {r['open_share']:.0%} of leads the one-year loan rule "
                  f"leaves open: Qini top 10 % {r['open_qini10']:.3f} (target >= 0.8) | top "
                  f"decile predicted / true {r['open_top_value']:.2f} | observables ceiling "
                  f"{r['open_ceiling']:.3f} (village known {r['open_ceiling_village']:.3f})"
                  f" | truth with only the bank's loans known {r['open_bank_recency']:.3f} | "
                  f"observables ceiling with only the bank's loans known "
                  f"{r['open_ceiling_bank']:.3f} | "
                  f"estimated no-visit baseline only {r['open_only_baseline']:.3f}, estimated "
                  f"visit effect only {r['open_only_effect']:.3f}")
    df = pd.DataFrame(rows)
    for name, _ in models:
        d = df[df["model"] == name]
        print(f"mean {name} over seeds {' '.join(map(str, args.seeds))}: Qini top 10 % "
              f"{d['qini10'].mean():.3f} [{d['qini10'].min():.3f}, {d['qini10'].max():.3f}] "
              f"(plain uptake {d['plain_qini10'].mean():.3f}) | top decile predicted / true "
              f"{d['top_value'].mean():.2f} [{d['top_value'].min():.2f}, "
              f"{d['top_value'].max():.2f}] | recent < 6 months "
              f"{d['top_recent6'].mean():.1%} | borrowed elsewhere more recently "
              f"{d['top_elsewhere'].mean():.0%} (all leads {d['top_elsewhere_all'].mean():.0%}), "
              f"predicted / true with only the bank's loans known "
              f"{d['top_value_bank'].mean():.2f} [{d['top_value_bank'].min():.2f}, "
              f"{d['top_value_bank'].max():.2f}] | rule {d['dec_rule'].mean():.3f}, uplift only "
              f"{d['dec_only_uplift'].mean():.3f}, loan only {d['dec_only_loan'].mean():.3f}, "
              f"default risk only {d['dec_only_net'].mean():.3f}, observables ceiling "
              f"{d['dec_ceiling'].mean():.3f} (village known "
              f"{d['dec_ceiling_village'].mean():.3f}, only the bank's loans known "
              f"{d['dec_ceiling_bank'].mean():.3f}) | fit "
              f"{d['fit_s'].mean():.1f}s")
        print(f"  among the leads the one-year loan rule leaves open: Qini top 10 % "
              f"{d['open_qini10'].mean():.3f} [{d['open_qini10'].min():.3f}, "
              f"{d['open_qini10'].max():.3f}] | top decile predicted / true "
              f"{d['open_top_value'].mean():.2f} [{d['open_top_value'].min():.2f}, "
              f"{d['open_top_value'].max():.2f}] | observables ceiling "
              f"{d['open_ceiling'].mean():.3f} (village known "
              f"{d['open_ceiling_village'].mean():.3f}) | truth with only the bank's loans "
              f"known {d['open_bank_recency'].mean():.3f} (observables ceiling "
              f"{d['open_ceiling_bank'].mean():.3f}) | estimated baseline only "
              f"{d['open_only_baseline'].mean():.3f}, effect only "
              f"{d['open_only_effect'].mean():.3f}")


def _real_section() -> None:
    print("\n== real data ==")
    bank = SHARED / "bank-additional-full.csv"
    if bank.exists():
        t = time.perf_counter()
        res = bank_marketing_cv_auc(bank)
        dt = time.perf_counter() - t
        base = bank_baseline_auc(bank)
        print(f"Bank Marketing (no duration) 5-fold AUC: UptakeModel {res['auc_mean']:.4f} "
              f"(ECE {res['ece_mean']:.4f}, {dt:.1f}s) vs logistic regression {base:.4f} "
              f"(published ~0.80; target >= 0.79)")
    else:
        print("Bank Marketing: ../shared not available, skipped")
    cai = SHARED / "social_insure_Cai2015.csv"
    if cai.exists():
        est = cai2015_ate(cai)
        lo, hi = est.ci95
        print(f"Cai et al. 2015 intensive-session ATE on take-up: {est.ate:+.4f} "
              f"(village FE, clustered SE {est.se:.4f}, 95% CI {lo:+.3f}..{hi:+.3f}; "
              f"raw difference in means {est.difference_in_means:+.4f}; n={est.n}, "
              f"{est.n_clusters} villages)")
        up = cai2015_uplift(cai)
        print(f"Cai et al. 2015 uplift check: cross-fitted S-learner mean effect "
              f"{up.mean_uplift:+.4f} (sd across households {up.uplift_sd:.4f}, "
              f"{up.n_folds} folds of villages) inside the experiment's 95% CI: "
              f"{'yes' if up.covered else 'NO'}")
    else:
        print("Cai 2015: ../shared not available, skipped")


def _speed_section(args: argparse.Namespace) -> None:
    print("\n== scoring throughput, one core ==")
    tp = throughput(args.leads)
    print(f"{tp['n_leads']:.0f} leads: LeadScorer {tp['scorer']:,.0f} leads/s (target >= 100,000); "
          f"with reasons for the top 1,000 {tp['scorer_explain_top1000']:,.0f} leads/s; "
          f"baseline logistic regression {tp['logistic_baseline']:,.0f} leads/s; "
          f"same ensemble without compiled tables {tp['uncompiled_trees']:,.0f} leads/s "
          f"(compiled speed-up x{tp['scorer'] / tp['uncompiled_trees']:.1f})")
    # The figure the test suite no longer asserts (timing belongs here, not in tests):
    # the scorer of a 1,500-business economy on 40 copies of its leads, no reasons.
    print(f"test-suite setup (60,000 leads, no reasons): {tp['scorer_60k']:,.0f} leads/s "
          "(floor used to be 30,000)")


if __name__ == "__main__":
    raise SystemExit(main())
