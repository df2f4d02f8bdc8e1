"""Model features of a lead: business, spatial and seasonal.

Three groups (:data:`FEATURE_GROUPS`):

* **business** — what an officer or the bank's records know about the business:
  industry, years operating, staff, revenue band, mobile-payment flow, an existing
  loan, past contacts and refusals;
* **spatial** — where it is: great-circle distance to the branch, distance to the
  core of its industry cluster and that cluster's size (agglomerations such as a
  jade-carving village borrow together: suppliers, buyers and neighbours' example).
  Distances and clusters come from :mod:`geo` (``haversine_m`` is re-exported
  here for the package's users);
* **seasonal** — when: month of year as sine/cosine and the *public* cash-need
  index of the industry in that month (:data:`SEASONAL_CASH_NEED`, from the farming
  and trading calendar of the North China plain: planting, harvest, stocking before
  Children's Day, National Day and the Spring Festival).

Input tables may come from CSV files read as text, so every numeric column is
coerced here; a missing or unparsable value becomes ``NaN``, which the gradient
boosting model routes like any other value (it learns where missing values go).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.clusters import ClusterResult, find_clusters
from geo.distance import checked_coords, distance_to_nearest, haversine_m
from geo.errors import GeoInputError
from propensity.errors import DataError

__all__ = [
    "INDUSTRIES",
    "INDUSTRY_NAMES",
    "industry_code",
    "SEASONAL_CASH_NEED",
    "FEATURE_GROUPS",
    "ALL_FEATURES",
    "MONOTONIC",
    "build_features",
    "numeric_inputs",
    "feature_names",
    "isin",
    "parse_month",
    "month_of_year",
    "haversine_m",
    "nearest_distance_m",
    "cluster_features",
    "cash_need_index",
    "categorical",
]

#: Industry codes, in a fixed order (the model's categorical codes).
INDUSTRIES: tuple[str, ...] = (
    "jade_carving",
    "kids_bicycles",
    "pumpkin",
    "jujube",
    "sheep_farm",
    "cattle_farm",
    "fish_feed",
    "clothing",
    "small_shop",
)

#: Plain-language names used in explanations and business names: (English, Chinese).
INDUSTRY_NAMES: Mapping[str, tuple[str, str]] = {
    "jade_carving": ("jade carvers", "玉雕作坊"),
    "kids_bicycles": ("kids' bicycle makers", "童车厂"),
    "pumpkin": ("pumpkin growers", "南瓜种植户"),
    "jujube": ("jujube growers", "红枣种植户"),
    "sheep_farm": ("sheep farms", "养羊场"),
    "cattle_farm": ("cattle farms", "养牛场"),
    "fish_feed": ("fish-feed mills", "鱼饲料厂"),
    "clothing": ("clothing workshops", "服装加工厂"),
    "small_shop": ("village shops", "小卖部"),
}

#: Each industry's names as a lender may write them (casefolded): the code and both names.
_INDUSTRY_BY_NAME: Mapping[str, str] = {
    n.casefold(): code for code, names in INDUSTRY_NAMES.items() for n in (code, *names)}


def industry_code(name: str) -> str:
    """The model's code for an industry as a lender writes it.

    A Chinese lender's file says ``小卖部`` where the model says ``small_shop``: each
    industry's code, and its names in :data:`INDUSTRY_NAMES` (which explanations print),
    read as the code, in any case; any other name is kept as written (scored as 'other',
    matched to skills as written).

    Parameters
    ----------
    name : str
        An industry cell or skill as typed (already stripped).

    Returns
    -------
    str

    Examples
    --------
    >>> industry_code("小卖部"), industry_code("Village shops"), industry_code("饭店")
    ('small_shop', 'small_shop', '饭店')
    """
    return _INDUSTRY_BY_NAME.get(name.casefold(), name)


_RAW_CALENDAR: Mapping[str, Sequence[float]] = {
    # Jan..Dec. Relative cash need; normalised below to a mean of 1 over the year.
    # jade: buy rough stone before the National Day / Mid-Autumn and Spring Festival gift trade
    "jade_carving": (1.0, 0.7, 0.8, 0.8, 0.9, 0.9, 1.1, 1.4, 1.3, 1.0, 1.2, 1.3),
    # kids' bicycles: build stock for Children's Day (1 June) and year-end gifts
    "kids_bicycles": (0.8, 0.7, 1.3, 1.5, 1.3, 0.8, 0.7, 0.8, 1.0, 1.2, 1.2, 1.0),
    # pumpkin: seed, film and fertiliser in spring; harvest labour and storage in Aug-Sep
    "pumpkin": (0.6, 0.8, 1.5, 1.6, 1.2, 0.8, 0.8, 1.3, 1.5, 0.9, 0.6, 0.5),
    # jujube: pruning and fertiliser in spring; picking, drying and processing in Sep-Oct
    "jujube": (0.6, 0.6, 1.1, 1.2, 0.9, 1.0, 0.9, 1.2, 1.6, 1.6, 0.8, 0.6),
    # sheep: lambs bought in spring, winter feed in autumn, fattening before the Spring Festival
    "sheep_farm": (0.9, 0.8, 1.3, 1.2, 0.9, 0.8, 0.8, 0.9, 1.0, 1.3, 1.3, 1.1),
    # cattle: calves in spring, silage in Aug-Sep
    "cattle_farm": (0.9, 0.8, 1.1, 1.1, 0.9, 0.9, 1.0, 1.3, 1.4, 1.1, 1.0, 0.9),
    # fish feed: raw materials before the pond feeding season (Apr-Aug)
    "fish_feed": (0.5, 0.6, 1.2, 1.5, 1.5, 1.4, 1.3, 1.1, 0.9, 0.8, 0.6, 0.5),
    # clothing: autumn/winter stock in Jul-Sep, Spring Festival orders in Nov-Dec
    "clothing": (0.8, 0.6, 0.8, 0.9, 0.9, 1.0, 1.2, 1.4, 1.3, 1.1, 1.2, 1.1),
    # village shops: stock up for the Spring Festival
    "small_shop": (1.4, 0.8, 0.8, 0.9, 0.9, 1.0, 1.0, 0.9, 1.0, 1.0, 1.1, 1.5),
}


def _normalised_calendar() -> pd.DataFrame:
    rows = {k: np.asarray(v, float) / float(np.mean(v)) for k, v in _RAW_CALENDAR.items()}
    cal = pd.DataFrame.from_dict(rows, orient="index", columns=list(range(1, 13)))
    cal.index.name = "industry"
    cal.columns.name = "month"
    return cal.loc[list(INDUSTRIES)]


#: Public prior: industry x month-of-year (1..12) cash-need multipliers, mean 1 per industry.
SEASONAL_CASH_NEED: pd.DataFrame = _normalised_calendar()

FEATURE_GROUPS: Mapping[str, tuple[str, ...]] = {
    "business": (
        "industry",
        "years_operating",
        "staff",
        "revenue_band",
        "mobile_pay_flow_yuan",
        "has_existing_loan",
        "past_contacts",
        "past_refusals",
    ),
    "spatial": ("dist_branch_m", "dist_cluster_core_m", "cluster_size"),
    "seasonal": ("month_sin", "month_cos", "cash_need_index"),
}

ALL_FEATURES: tuple[str, ...] = tuple(f for g in FEATURE_GROUPS.values() for f in g)

#: Directions we are sure of (+1 more likely to borrow, -1 less); the rest are learned freely.
MONOTONIC: Mapping[str, int] = {
    "past_refusals": -1,
    "dist_branch_m": -1,
    "dist_cluster_core_m": -1,
    "cash_need_index": 1,
    "mobile_pay_flow_yuan": 1,
}

_NUMERIC_BUSINESS = (
    "years_operating",
    "staff",
    "revenue_band",
    "mobile_pay_flow_yuan",
    "has_existing_loan",
    "past_contacts",
    "past_refusals",
)
_TRUE_WORDS = {"1", "true", "yes", "y", "t", "是"}
_FALSE_WORDS = {"0", "false", "no", "n", "f", "否", ""}


def feature_names(groups: Sequence[str] = ("business", "spatial", "seasonal")) -> list[str]:
    """Feature columns of the given groups, in the model's order.

    Parameters
    ----------
    groups : sequence of str
        Keys of :data:`FEATURE_GROUPS`.

    Returns
    -------
    list of str
    """
    unknown = [g for g in groups if g not in FEATURE_GROUPS]
    if unknown:
        raise DataError(f"unknown feature group(s) {unknown}; use {list(FEATURE_GROUPS)}",
                         field="feature_groups")
    return [f for g in FEATURE_GROUPS if g in groups for f in FEATURE_GROUPS[g]]


def parse_month(month: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` into ``(year, month)``.

    Raises
    ------
    DataError
        If the text is not a month.
    """
    text = str(month).strip()
    try:
        y_s, m_s = text.split("-")[:2]
        y, m = int(y_s), int(m_s)
    except ValueError:
        raise DataError(f"expected a month like 2025-09, got {month!r}", field="month") from None
    if not (1 <= m <= 12 and 1900 <= y <= 2200):
        raise DataError(f"expected a month like 2025-09, got {month!r}", field="month")
    return y, m


def month_of_year(month: str) -> int:
    """Month of the year (1..12) of a ``YYYY-MM`` string."""
    return parse_month(month)[1]


def cash_need_index(industry: npt.ArrayLike, month: int,
                    calendar: pd.DataFrame | None = None) -> npt.NDArray[np.float64]:
    """Cash-need multiplier of each industry in a month of the year (NaN for unknown codes).

    Parameters
    ----------
    industry : array-like of str
        Industry codes.
    month : int
        Month of the year, 1..12.
    calendar : pandas.DataFrame, optional
        Industry x month table; default :data:`SEASONAL_CASH_NEED`.
    """
    cal = SEASONAL_CASH_NEED if calendar is None else calendar
    col = cal[int(month)]
    codes = pd.Index(col.index).get_indexer(np.asarray(industry, dtype=object))
    return np.where(codes >= 0, col.to_numpy(float)[np.maximum(codes, 0)], np.nan)


def nearest_distance_m(lat: npt.ArrayLike, lon: npt.ArrayLike, to_lat: npt.ArrayLike,
                       to_lon: npt.ArrayLike) -> tuple[npt.NDArray[np.float64],
                                                       npt.NDArray[np.int64]]:
    """Distance from each point to the nearest of a set of targets, and that target's index.

    :func:`geo.distance_to_nearest`, refusing an empty target set (a county
    without a branch cannot be modelled).

    Parameters
    ----------
    lat, lon : array-like
        WGS-84 positions.
    to_lat, to_lon : array-like
        The targets (e.g. branches).

    Returns
    -------
    distance_m : numpy.ndarray
        Metres to the nearest target.
    index : numpy.ndarray
        Index of that target.

    Raises
    ------
    DataError
        If there are no targets or a position is invalid.
    """
    if len(np.atleast_1d(np.asarray(to_lat, float))) == 0:
        raise DataError("no target points to measure distances to", field="lat")
    try:
        return distance_to_nearest(lat, lon, to_lat, to_lon)
    except GeoInputError as exc:
        raise DataError(exc.reason, field=exc.field) from None


def cluster_features(lat: npt.ArrayLike, lon: npt.ArrayLike, industry: npt.ArrayLike, *,
                     clusters: ClusterResult | None = None,
                     no_cluster_m: float = 20_000.0) -> pd.DataFrame:
    """Industry-cluster features from the clusters :func:`geo.find_clusters` finds.

    Each business gets the distance to the core of its industry's cluster (its own
    cluster's medoid, or for a business outside every cluster the nearest core of
    its industry) and the size of that cluster. Industries without any cluster get
    ``no_cluster_m`` and size 1 (the business alone).

    Parameters
    ----------
    lat, lon : array-like
        WGS-84 positions.
    industry : array-like of str
        Industry codes.
    clusters : geo.ClusterResult, optional
        Clusters already found for these businesses (same order); by default
        :func:`geo.find_clusters` with its defaults, as the pipeline finds them.
    no_cluster_m : float
        Distance reported when the industry has no cluster at all.

    Returns
    -------
    pandas.DataFrame
        ``dist_cluster_core_m, cluster_size`` in the input order.

    Raises
    ------
    DataError
        If a position is invalid or ``clusters`` belongs to other businesses.
    """
    ind = np.asarray(industry, dtype=str).ravel()
    try:
        la, lo = checked_coords(lat, lon)
        res = find_clusters(la, lo, ind) if clusters is None else clusters
    except GeoInputError as exc:
        raise DataError(exc.reason, field=exc.field) from None
    if len(res.labels) != len(la):
        raise DataError(f"clusters of {len(res.labels)} businesses given for {len(la)}",
                        field="clusters")
    dist = np.where(np.isnan(res.dist_to_core_m), no_cluster_m, res.dist_to_core_m)
    size = np.where(res.labels >= 0, res.cluster_size, 1).astype(float)
    # A business outside every cluster still feels the nearest one of its industry.
    outside = np.flatnonzero((res.labels < 0) & ~np.isnan(res.dist_to_core_m))
    for code in np.unique(ind[outside]):
        cores = [c for c in res.cores if c.industry == code]
        sel = outside[ind[outside] == code]
        _, nearest = distance_to_nearest(la[sel], lo[sel], [c.lat for c in cores],
                                         [c.lon for c in cores])
        size[sel] = [cores[j].size for j in nearest]
    return pd.DataFrame({"dist_cluster_core_m": dist, "cluster_size": size})


def categorical(values: npt.ArrayLike, categories: Sequence[str]) -> pd.Categorical:
    """``values`` as a categorical over fixed ``categories``; unknown values become missing."""
    cats = pd.Index(list(categories))
    codes = cats.get_indexer(pd.Index(np.asarray(values, dtype=object)))
    return pd.Categorical.from_codes(codes, categories=cats)


def isin(col: pd.Series, values: Iterable[object]) -> pd.Series:
    """``col.isin(values)`` in time linear in both, whatever the column's dtype.

    pandas' Arrow-backed ``str`` columns (pandas 3's default for text) turn every one of
    ``values`` into an Arrow scalar in a Python loop: 0.65 s to look 50,000 lead ids up,
    several times over while a 50,000-lead county trains its first model. On object
    arrays pandas hashes them instead (0.01 s); the answer is the same.

    Parameters
    ----------
    col : pandas.Series
        The column looked up.
    values : iterable
        What it is looked up in (a set, list, array, Series or Index).

    Returns
    -------
    pandas.Series
        Booleans on ``col``'s index.
    """
    vals = values if isinstance(values, (pd.Series, pd.Index, np.ndarray)) else list(values)
    return col.astype(object).isin(np.asarray(vals, dtype=object))


def _to_number(col: pd.Series) -> npt.NDArray[np.float64]:
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        low = col.astype(str).str.strip().str.lower()
        boolish = low.isin(_TRUE_WORDS | _FALSE_WORDS - {""})
        out = pd.to_numeric(col, errors="coerce").to_numpy(float)
        if boolish.any():
            flags = np.where(low.isin(_TRUE_WORDS), 1.0, 0.0)
            out = np.where(boolish.to_numpy() & np.isnan(out), flags, out)
        return out
    return pd.to_numeric(col, errors="coerce").to_numpy(float)


def numeric_inputs(businesses: pd.DataFrame) -> pd.DataFrame:
    """``businesses`` with its numeric feature inputs already numbers, as
    :func:`build_features` reads them (text coerced, yes/no words as 1/0, bad values NaN).

    Row by row the same features, so a table whose features are built month by month
    (:func:`~propensity.history.visit_features`) converts its text once instead of once a
    month: converting Arrow-backed text (pandas 3's default) was most of the feature build
    of a county's training, a hundred months over.

    Returns
    -------
    pandas.DataFrame
        A copy; the other columns as they were.
    """
    cols = [c for c in (*_NUMERIC_BUSINESS, *FEATURE_GROUPS["spatial"], "lat", "lon")
            if c in businesses.columns]
    return businesses.assign(**{c: _to_number(businesses[c]) for c in cols})


def build_features(businesses: pd.DataFrame, month: str, *,
                   groups: Sequence[str] = ("business", "spatial", "seasonal"),
                   calendar: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model features of every business for one month.

    Parameters
    ----------
    businesses : pandas.DataFrame
        One row per lead with ``industry`` and the business columns; ``dist_branch_m``,
        ``dist_cluster_core_m`` and ``cluster_size`` as computed by the generator or the
        pipeline (geo). ``cluster_size``/``dist_cluster_core_m`` are computed from
        ``lat``/``lon`` when absent. Text values are coerced; bad values become NaN.
    month : str
        ``YYYY-MM``.
    groups : sequence of str
        Which of :data:`FEATURE_GROUPS` to build.
    calendar : pandas.DataFrame, optional
        Cash-need table; default the public prior :data:`SEASONAL_CASH_NEED`.

    Returns
    -------
    pandas.DataFrame
        Columns :func:`feature_names` ``(groups)``, same index as ``businesses``;
        ``industry`` is categorical over :data:`INDUSTRIES` (unknown codes are missing).

    Raises
    ------
    DataError
        If ``industry`` is missing or the month is not ``YYYY-MM``.
    """
    moy = month_of_year(month)
    if "industry" not in businesses.columns:
        raise DataError("the leads table has no 'industry' column", field="industry")
    names = feature_names(groups)
    cols: dict[str, object] = {}
    industry = businesses["industry"].astype(str).str.strip()
    if "business" in groups:
        cols["industry"] = categorical(industry, INDUSTRIES)
        for c in _NUMERIC_BUSINESS:
            cols[c] = (_to_number(businesses[c]) if c in businesses.columns
                       else np.full(len(businesses), np.nan))
    if "spatial" in groups:
        have = {c: c in businesses.columns for c in FEATURE_GROUPS["spatial"]}
        if not (have["dist_cluster_core_m"] and have["cluster_size"]) and {
                "lat", "lon"} <= set(businesses.columns):
            cf = cluster_features(_to_number(businesses["lat"]), _to_number(businesses["lon"]),
                                  industry.to_numpy())
            for c in ("dist_cluster_core_m", "cluster_size"):
                if not have[c]:
                    cols[c] = cf[c].to_numpy()
        for c in FEATURE_GROUPS["spatial"]:
            if c not in cols:
                cols[c] = (_to_number(businesses[c]) if have[c]
                           else np.full(len(businesses), np.nan))
    if "seasonal" in groups:
        angle = 2 * math.pi * (moy - 1) / 12
        cols["month_sin"] = np.full(len(businesses), round(math.sin(angle), 12))
        cols["month_cos"] = np.full(len(businesses), round(math.cos(angle), 12))
        cols["cash_need_index"] = cash_need_index(industry.to_numpy(), moy, calendar)
    return pd.DataFrame({c: cols[c] for c in names}, index=businesses.index)
