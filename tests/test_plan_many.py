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
    # a scenario copy that kept the county's id: its files must not overwrite the county's
    b = _copy(demo_dir, tmp_path / "b", "county-a")
    leads = pd.read_csv(b / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[6, ["lat", "lon"]] = ["36.4", "116.2"]  # ~120 km away: skipped with a warning
    leads.to_csv(b / "leads.csv", index=False)
    broken = _copy(demo_dir, tmp_path / "c", "county-c")
    (broken / "officers.csv").write_text("officer_id,name\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["-q", "--cache-dir", str(cache_dir), "plan-many", str(a), str(b), str(broken),
                 "--date", "2026-11-24", "--time-limit", "2", "--workers", "2",
                 "--out", str(out)])
    assert code == 1  # not every county was planned
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert summary["status"].tolist() == ["planned", "planned", "error"]
    assert "officers.csv" in summary.loc[2, "message"]
    folders = [Path(x) for x in summary.loc[:1, "out_dir"]]
    assert len(set(folders)) == 2 and all(f.parent == out for f in folders)
    for folder, visits in zip(folders, summary.loc[:1, "visits"], strict=True):
        assert visits > 0
        assert main(["check", str(folder / "plan.json")]) == 0
    assert summary["warnings"].tolist() == [0, 1, 0]
    plan_b = json.loads((folders[1] / "plan.json").read_text(encoding="utf-8"))
    assert any("row 7" in w for w in plan_b["meta"]["input_warnings"])
    assert not (out / "county-c").exists()
    captured = capsys.readouterr()
    assert "2 of 3 counties planned and checked" in captured.out
    assert "countyreach: warning: county-a: " in captured.err and "row 7" in captured.err
    assert "INFO" not in captured.err
