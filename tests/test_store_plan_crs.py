"""A plan made from the store exports its routes in the county's declared coordinate system,
as a plan made from the folder does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from countyreach.cli import main
from tests.test_pipeline_cli import DATE, _to_gcj02


def test_a_store_plan_writes_routes_in_the_countys_system(
        tmp_path: Path, county_copy: Path, cli_store: str) -> None:
    _to_gcj02(county_copy, "bd09")  # Baidu's numbers, declared as such
    out = tmp_path / "out"
    assert main(["-q", "county", "import", str(county_copy)]) == 0
    assert main(["-q", "plan", "qingzu", "--date", DATE, "--time-limit", "2",
                 "--out", str(out)]) == 0
    given = pd.read_csv(county_copy / "leads.csv", dtype={"lead_id": str}).set_index("lead_id")
    routes = pd.concat([pd.read_csv(f, dtype={"lead_id": str})
                        for f in (out / "routes").glob("*.csv")])
    routes = routes[routes["kind"] == "visit"]
    assert len(routes) > 0 and set(routes["crs"]) == {"bd09"}
    for rec in routes.itertuples():
        assert abs(rec.lat - given.at[rec.lead_id, "lat"]) < 1e-5
        assert abs(rec.lon - given.at[rec.lead_id, "lon"]) < 1e-5
