"""`countyreach plan-many`: counties planned as Dask tasks, one broken county kept to itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main


def _copy(demo_dir: Path, root: Path, county_id: str) -> Path:
    shutil.copytree(demo_dir, root)
    manifest = json.loads((root / "county.json").read_text(encoding="utf-8"))
    manifest["county_id"] = county_id
    (root / "county.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                      encoding="utf-8")
    return root


def test_three_counties_one_broken(demo_dir: Path, tmp_path: Path, cache_dir: Path,
                                   capsys: pytest.CaptureFixture):
    a = _copy(demo_dir, tmp_path / "a", "county-a")
    b = _copy(demo_dir, tmp_path / "b", "county-b")
    broken = _copy(demo_dir, tmp_path / "c", "county-c")
    (broken / "officers.csv").write_text("officer_id,name\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["-q", "--cache-dir", str(cache_dir), "plan-many", str(a), str(b), str(broken),
                 "--date", "2026-11-24", "--time-limit", "2", "--workers", "2",
                 "--out", str(out)])
    assert code == 1  # not every county was planned
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig").set_index("county")
    assert summary.loc["county-c", "status"] == "error"
    assert "officers.csv" in summary.loc["county-c", "message"]
    for good in ("county-a", "county-b"):
        assert summary.loc[good, "visits"] > 0
        plan = out / good / "plan.json"
        assert main(["check", str(plan)]) == 0
    assert not (out / "county-c").exists()
    assert "2 of 3 counties planned and checked" in capsys.readouterr().out
