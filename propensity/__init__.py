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

# The package's names load on first use, so a command that needs only a few of them
# (``countyreach --help``) does not import scikit-learn, SciPy and OR-Tools first.
# The names and where they come from are listed once, in ``__init__.pyi``.
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
