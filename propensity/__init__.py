"""propensity: whom to visit — calibrated, explained expected value per lead.

* :func:`generate_economy` — a seeded synthetic county economy with a hidden truth
  (uptake, loan size, default, seasonal cash need, cluster and village effects, visit
  uplift) and a biased visit history, for development and tests;
* :func:`build_features` / :data:`FEATURE_GROUPS` — business, spatial and seasonal features;
* :class:`UptakeModel` — calibrated bootstrap ensemble of monotone gradient-boosted trees
  (compiled to lookup tables for fast scoring); :class:`LoanSizeModel`, :class:`DefaultModel`;
* :class:`LeadScorer` — a scikit-learn estimator over visit tables (:func:`visit_table`):
  value in yuan = P(uptake) x loan x (1 - PD) x margin, with its uncertainty and
  bilingual reasons (:func:`explain`);
* :func:`add_visit_value`, :func:`plan_scores` — the value a plan optimises: visit-caused
  (:class:`VisitValueModel`) when the visit log and loan book support it, else uptake if
  visited, with the loan rule in both (:class:`ValueBasis`);
* :func:`retrain`, :func:`thompson_values` — learning from recorded visits, with exploration;
* :func:`model_report`, :func:`feature_drift`, :func:`temporal_split`,
  :func:`village_group_cv` — honest evaluation; :func:`save_scorer` / :func:`load_scorer`.
"""

from __future__ import annotations

from propensity.drift import FeatureProfile, feature_profile
from propensity.economy import (
    DEFAULT_INDUSTRY_MIX,
    Economy,
    add_months,
    generate_economy,
    month_range,
)
from propensity.evaluation import (
    ModelReport,
    calibration_bins,
    calibration_plot_data,
    expected_calibration_error,
    feature_drift,
    lift_table,
    model_report,
    plot_calibration,
    report_from_predictions,
    temporal_split,
    village_group_cv,
)
from propensity.explanations import explain
from propensity.features import (
    ALL_FEATURES,
    FEATURE_GROUPS,
    INDUSTRIES,
    INDUSTRY_NAMES,
    MONOTONIC,
    SEASONAL_CASH_NEED,
    build_features,
    cluster_features,
    feature_names,
    haversine_m,
)
from propensity.history import history_features, outcomes_to_history, visit_table
from propensity.loan_models import LOAN_PRIOR_YUAN, PD_PRIOR, DefaultModel, LoanSizeModel
from propensity.outcomes import FOLLOW_UP_OUTCOMES, LOAN_OUTCOMES, OUTCOME_UPTAKE, Outcome
from propensity.persistence import load_scorer, save_scorer
from propensity.planning import (
    PLAN_SCORE_COLUMNS,
    UpliftCriteria,
    UpliftSupport,
    ValueBasis,
    ValueBasisKind,
    add_visit_value,
    bank_loan_book,
    check_loan_book,
    check_loans_elsewhere,
    plan_scores,
    value_basis_of,
    with_loan_rule,
)
from propensity.qini import decile_calibration, qini_coefficient, qini_curve, top_share_ratio
from propensity.retraining import retrain, thompson_values
from propensity.scorer import DEFAULT_MARGIN, SCORE_COLUMNS, LeadScorer
from propensity.uplift import UpliftLearner, VisitValueModel, loan_recency, uplift_table
from propensity.uptake import UptakeModel
from propensity.visit_truth import EconomyVariant, VisitEffectConfig

ValueModel = LeadScorer  # the name used in the design notes

__all__ = [
    # synthetic economy
    "Economy", "generate_economy", "DEFAULT_INDUSTRY_MIX", "month_range", "add_months",
    # features
    "build_features", "feature_names", "FEATURE_GROUPS", "ALL_FEATURES", "INDUSTRIES",
    "INDUSTRY_NAMES", "SEASONAL_CASH_NEED", "MONOTONIC", "cluster_features", "haversine_m",
    # models and scoring
    "UptakeModel", "LoanSizeModel", "DefaultModel", "LOAN_PRIOR_YUAN", "PD_PRIOR",
    "LeadScorer", "ValueModel", "DEFAULT_MARGIN", "SCORE_COLUMNS",
    "Outcome", "OUTCOME_UPTAKE", "FOLLOW_UP_OUTCOMES", "LOAN_OUTCOMES",
    "explain", "thompson_values", "retrain", "outcomes_to_history", "history_features",
    "visit_table",
    "save_scorer", "load_scorer",
    # the value a visit causes (uplift) and its evaluation on the hidden truth
    "VisitValueModel", "UpliftLearner", "loan_recency", "uplift_table", "EconomyVariant",
    "VisitEffectConfig", "qini_curve", "qini_coefficient", "top_share_ratio",
    "decile_calibration",
    # what a plan's values mean: visit-caused when the data supports it, and the loan rule
    "ValueBasis", "ValueBasisKind", "UpliftCriteria", "UpliftSupport", "add_visit_value",
    "plan_scores", "bank_loan_book", "check_loan_book", "check_loans_elsewhere",
    "value_basis_of", "with_loan_rule", "PLAN_SCORE_COLUMNS",
    # evaluation
    "ModelReport", "model_report", "report_from_predictions", "calibration_bins",
    "calibration_plot_data", "plot_calibration", "expected_calibration_error", "lift_table",
    "feature_drift", "FeatureProfile", "feature_profile", "temporal_split", "village_group_cv",
]
