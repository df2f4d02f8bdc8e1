"""Synthetic county data: businesses, their visit history and the bank's loan records.

``countyreach synth`` fills a county folder (its villages and branches) with what a lender
could observe of a synthetic economy (:func:`propensity.generate_economy`); the hidden
truth stays in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from countyreach.errors import InputError

__all__ = ["ELSEWHERE_SHARE", "NEAR_ROAD_M", "parse_industries", "synth_county"]

#: Share of the businesses whose loans elsewhere the bank knows by default (e.g. from the
#: county's rural credit-information system).
ELSEWHERE_SHARE = 0.5

#: A synthetic business farther than this from every road is moved towards its nearest road
#: (:func:`geo.snap_points` warns about a place farther away).
NEAR_ROAD_M = 500.0
#: Where such a business goes: this far from the road, on its side (a farmyard off its lane).
_YARD_M = 80.0
#: How far inside the roads' outline a business pulled in from outside it lies.
_INSIDE_M = 10.0

#: Visit windows by industry for synthesised leads: growers are in the fields mid-day, factory
#: owners on the shop floor at shift change, some shopkeepers at the wholesale market mornings.
_SYNTH_WINDOWS: dict[str, tuple[float, str]] = {
    "pumpkin": (0.5, "08:00-10:30;15:30-18:00"),
    "jujube": (0.5, "08:00-10:30;15:30-18:00"),
    "kids_bicycles": (0.4, "09:00-11:30;14:00-17:00"),
    "jade_carving": (0.4, "09:00-11:30;14:00-17:00"),
    "clothing": (0.4, "09:00-11:30;14:00-17:00"),
    "small_shop": (0.3, "13:00-18:00"),
}


def synth_county(county_dir: Path, *, n_businesses: int, n_months: int, seed: int,
                 start_month: str, force: bool = False, variant: str = "heterogeneous",
                 elsewhere_share: float = ELSEWHERE_SHARE,
                 industries: str | None = None,
                 cache_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Synthesise a business population and its visit history for a county folder.

    Businesses are placed in the county's villages by the propensity generator;
    the hidden truth stays in memory, only what a lender could observe is written.
    The default ``variant="heterogeneous"`` (:class:`propensity.EconomyVariant`) has
    walk-in loans and randomised visits: the bank's loan book is written too
    (``loans.csv``), so plans value what a visit causes, as a lender's own data would
    let them, with the loans elsewhere the bank knows of (``loans_elsewhere.csv``: every
    loan from other lenders of a random ``elsewhere_share`` of the businesses, as a
    county's rural credit-information system would tell it, and a row without a month
    for each of those businesses it shows without one). ``"additive"`` is the
    earlier economy (no walk-ins, no loan book). ``industries`` (``"jade_carving,clothing"``
    or with shares, ``"jade_carving:3,small_shop:1"``) gives the county its own mix instead
    of the demo region's (:func:`parse_industries`).

    The generator scatters businesses up to 600 m around their village, some of them past
    the last road: those outside the roads' outline or farther than :data:`NEAR_ROAD_M` from
    a road are moved towards their nearest road (nothing else of the economy changes, and no
    random draw), so that a plan of a synthetic county has nothing to snap or skip.
    ``cache_dir`` is the road-graph cache (default: the settings').

    Returns
    -------
    tuple of Path
        ``leads.csv`` and ``history.csv``.

    Raises
    ------
    InputError
        When either file exists and ``force`` is false (a user's own leads are not
        overwritten by accident), or ``elsewhere_share`` is not in [0, 1].
    """
    import numpy as np
    import pandas as pd

    import propensity
    from countyreach.io import from_wgs84, read_branches, read_villages
    from countyreach.serialize import read_json
    from countyreach.services.loan_files import LOANS_ELSEWHERE_FILE, LOANS_FILE
    from countyreach.workbook import table_file

    if not 0.0 <= elsewhere_share <= 1.0:
        raise InputError(f"the share must be in [0, 1], got {elsewhere_share}",
                         field="--elsewhere-share")
    mix = parse_industries(industries) if industries else None
    root = county_dir
    existing = [p for p in (table_file(root, "leads.csv"), table_file(root, "history.csv"))
                if p.exists()]
    if existing and not force:
        raise InputError("already exists; synth would overwrite it (use --force to replace "
                         "it with synthetic data)", file=str(existing[0]))
    # The manifest may not name leads yet: read only what synthesis needs from it.
    manifest = read_json(root / "county.json") if (root / "county.json").exists() else {}
    crs = str(manifest.get("crs", "wgs84"))
    villages = read_villages(root / manifest.get("villages", "villages.csv"), crs=crs)
    branches = read_branches(root / manifest.get("branches", "branches.csv"), crs=crs)
    bdf = pd.DataFrame([{"branch_id": b.depot_id, "name": b.name, "lat": b.location.lat,
                         "lon": b.location.lon} for b in branches])
    econ = propensity.generate_economy(villages, n_businesses=n_businesses, n_months=n_months,
                                       seed=seed, branches=bdf, start_month=start_month,
                                       variant=variant, industry_mix=mix)
    leads = econ.businesses.copy()
    roads = root / str(manifest.get("roads", ""))
    if manifest.get("roads") and roads.is_file():
        leads["lat"], leads["lon"] = _near_roads(roads, leads["lat"].to_numpy(float),
                                                 leads["lon"].to_numpy(float), cache_dir)
    rng = np.random.default_rng(seed + 1)
    windows = []
    for industry in leads["industry"]:
        share, text = _SYNTH_WINDOWS.get(str(industry), (0.0, ""))
        windows.append(text if rng.random() < share else "")
    leads["windows"] = windows
    leads["pinned_officer_id"] = ""
    for col in ("dist_branch_m", "dist_cluster_core_m", "cluster_size", "branch_id",
                "phone_is_fictitious"):
        leads = leads.drop(columns=col, errors="ignore")  # derived again from the map at plan time
    if crs != "wgs84":  # the folder declares its system: write the leads in it too
        pts = [from_wgs84(float(a), float(b), crs) for a, b in zip(leads["lat"], leads["lon"],
                                                                   strict=True)]
        leads["lat"] = [round(p[0], 7) for p in pts]
        leads["lon"] = [round(p[1], 7) for p in pts]
    leads_path = root / "leads.csv"
    history_path = root / "history.csv"
    leads.to_csv(leads_path, index=False)
    econ.history.to_csv(history_path, index=False)
    loans_path = root / LOANS_FILE
    elsewhere_path = root / LOANS_ELSEWHERE_FILE
    elsewhere = econ.known_loans_elsewhere(elsewhere_share, seed=seed)
    if (econ.loan_book["source"] != "visit").any():
        econ.loan_book[["lead_id", "month", "loan_yuan", "defaulted"]].to_csv(loans_path,
                                                                              index=False)
    else:  # an old loan book would describe other businesses
        loans_path.unlink(missing_ok=True)
    if loans_path.exists() and len(elsewhere):
        elsewhere.to_csv(elsewhere_path, index=False)
    else:  # as stale as an old loan book
        elsewhere_path.unlink(missing_ok=True)
    return leads_path, history_path


def _near_roads(roads: Path, lat: Any, lon: Any, cache_dir: str | Path | None) -> tuple[Any, Any]:
    """Businesses inside the roads' outline and within :data:`NEAR_ROAD_M` of a road.

    Those already so keep their place; each other one moves to :data:`_YARD_M` from its
    nearest road point, on its own side, or, where that is still outside the outline (a road
    on the outline's edge), :data:`_INSIDE_M` from the road point towards the outline's middle
    (inside, as the outline is convex). Returned rounded as the generator rounds.
    """
    import warnings

    import numpy as np

    import geo
    from countyreach.placement import outside_m
    from countyreach.settings import get_settings
    from geo.types import Location

    cache = Path(cache_dir) if cache_dir is not None else get_settings().cache_dir
    graph = geo.load_road_graph(roads, cache_dir=cache / "graphs")
    lat, lon = np.array(lat, dtype=float), np.array(lon, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # far ones are the point: they are moved below
        snaps = geo.snap_points(graph, [Location(float(a), float(b)) for a, b in
                                        zip(lat, lon, strict=True)],
                                far_m=float("inf"), max_m=float("inf"))
    d = np.array([s.distance_m for s in snaps])
    move = np.flatnonzero((d > NEAR_ROAD_M) | (outside_m(graph, lat, lon) > 0))
    if not len(move):
        return lat, lon
    rlat = np.array([snaps[i].snapped.lat for i in move])
    rlon = np.array([snaps[i].snapped.lon for i in move])
    # degrees are nearly metres-proportional over a few hundred metres
    keep = np.minimum(1.0, _YARD_M / np.maximum(d[move], 1e-9))
    lat[move] = rlat + (lat[move] - rlat) * keep
    lon[move] = rlon + (lon[move] - rlon) * keep
    still = move[outside_m(graph, lat[move], lon[move]) > 0]
    if len(still):
        mid = graph.hull.centroid
        k = np.searchsorted(move, still)
        span = np.asarray(geo.haversine_m(rlat[k], rlon[k], mid.y, mid.x), dtype=float)
        step = np.minimum(1.0, _INSIDE_M / np.maximum(span, 1e-9))
        lat[still] = rlat[k] + (mid.y - rlat[k]) * step
        lon[still] = rlon[k] + (mid.x - rlon[k]) * step
    return np.round(lat, 7), np.round(lon, 7)


def parse_industries(text: str) -> dict[str, float]:
    """``"jade_carving,clothing"`` (equal shares) or ``"jade_carving:3,small_shop:1"``.

    Raises
    ------
    InputError
        Naming ``--industries``: an unknown code (the known ones listed), a share that is
        not a positive number, or nothing given.
    """
    from propensity.features import INDUSTRIES

    mix: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        code, _, share = part.partition(":")
        code = code.strip()
        if code not in INDUSTRIES:
            raise InputError(f"unknown industry {code!r}; use some of {', '.join(INDUSTRIES)}",
                             field="--industries")
        try:
            weight = float(share) if share.strip() else 1.0
        except ValueError:
            weight = -1.0
        if not weight > 0:
            raise InputError(f"the share of {code!r} must be a positive number, got {share!r}",
                             field="--industries")
        mix[code] = mix.get(code, 0.0) + weight
    if not mix:
        raise InputError("name at least one industry", field="--industries")
    total = sum(mix.values())
    return {k: v / total for k, v in mix.items()}

