"""`county init` with the lender's own villages and branches, rebuilds, boundaries, folder
names, and `synth`'s businesses: what a user gets wrong is refused or warned about at init,
by file and row, not by a plan that fails later."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geo
from countyreach.cli import main

ROADS = "roads.osm.pbf"


def _init(demo_dir: Path, cache_dir: Path, root: Path, *extra: str) -> int:
    return main(["-q", "--cache-dir", str(cache_dir), "county", "init", str(root),
                 "--osm", str(demo_dir / ROADS), *extra])


def _villages(demo_dir: Path) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "villages.csv")[["name", "place", "lat", "lon"]]


def _in_gcj02(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    lat, lon = geo.wgs84_to_gcj02(df["lat"].to_numpy(float), df["lon"].to_numpy(float))
    out["lat"], out["lon"] = np.round(lat, 7), np.round(lon, 7)
    return out


@pytest.mark.parametrize("with_branches", [False, True])
def test_a_villages_file_with_only_a_header_is_refused_by_name(
        with_branches: bool, demo_dir: Path, tmp_path: Path, cache_dir: Path,
        capsys: pytest.CaptureFixture[str]):
    villages = tmp_path / "villages.csv"
    villages.write_text("name,lat,lon\n", encoding="utf-8")
    extra = ["--branches", str(demo_dir / "branches.csv")] if with_branches else []
    root = tmp_path / "c"
    assert _init(demo_dir, cache_dir, root, "--villages", str(villages), *extra) == 2
    err = capsys.readouterr().err
    assert f"file {villages}: no villages in file" in err and "Traceback" not in err
    assert not (root / "county.json").exists()
