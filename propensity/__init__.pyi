"""The names :mod:`propensity` exports, loaded when first used (see ``__init__.py``)."""

from .drift import FeatureProfile, feature_profile
from .economy import (
    DEFAULT_INDUSTRY_MIX,
    Economy,
    add_months,
    generate_economy,
    month_range,
)
from .evaluation import (
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
from .explanations import explain
from .features import (
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
from .history import history_features, outcomes_to_history, visit_table
from .loan_models import LOAN_PRIOR_YUAN, PD_PRIOR, DefaultModel, LoanSizeModel
from .outcomes import FOLLOW_UP_OUTCOMES, LOAN_OUTCOMES, OUTCOME_UPTAKE, Outcome
from .persistence import load_scorer, save_scorer
from .planning import (
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
from .qini import decile_calibration, qini_coefficient, qini_curve, top_share_ratio
from .retraining import retrain, thompson_values
from .scorer import DEFAULT_MARGIN, SCORE_COLUMNS, LeadScorer
from .uplift import UpliftLearner, VisitValueModel, loan_recency, uplift_table
from .uptake import UptakeModel
from .visit_truth import EconomyVariant, VisitEffectConfig

__all__ = [
    # synthetic economy
    "Economy", "generate_economy", "DEFAULT_INDUSTRY_MIX", "month_range", "add_months",
    # features
    "build_features", "feature_names", "FEATURE_GROUPS", "ALL_FEATURES", "INDUSTRIES",
    "INDUSTRY_NAMES", "SEASONAL_CASH_NEED", "MONOTONIC", "cluster_features", "haversine_m",
    # models and scoring
    "UptakeModel", "LoanSizeModel", "DefaultModel", "LOAN_PRIOR_YUAN", "PD_PRIOR",
    "LeadScorer", "DEFAULT_MARGIN", "SCORE_COLUMNS",
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
