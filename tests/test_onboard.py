"""`countyreach county init`: a county folder from an OSM extract alone; synth, plan, check."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.io import load_county, read_branches, read_officers, read_villages

DATE = "2026-11-24"


def _onboard_and_plan(osm: Path, root: Path, cache_dir: Path, *extra: str) -> Path:
    assert main(["-q", "--cache-dir", str(cache_dir), "county", "init", str(root),
                 "--osm", str(osm), *extra]) == 0
    assert main(["synth", str(root), "--n", "200", "--months", "12"]) == 0
    out = root.parent / f"{root.name}-plan"
    assert main(["-q", "--cache-dir", str(cache_dir), "plan", str(root), "--date", DATE,
                 "--time-limit", "2", "--out", str(out)]) == 0
    assert main(["check", str(out / "plan.json")]) == 0
    return out


def test_the_demo_extract_alone_becomes_a_county_that_plans(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture):
    root = tmp_path / "qingzu-new"
    out = _onboard_and_plan(demo_dir / "roads.osm.pbf", root, cache_dir, "--officers", "3",
                            "--loan-rule-months", "9")
    printed = capsys.readouterr().out
    assert "Assumptions" in printed and "branch" in printed and "villages" in printed
    assert "loan rule: a business with a loan from us in the last 9 months" in printed
    county = load_county(root)
    assert county.county_id == "qingzu-new" and county.crs == "wgs84"
    assert county.loan_rule_months == 9
    villages = read_villages(county.villages)
    # The extract's own place nodes: the demo's hand-made villages.csv came from the same.
    assert len(villages) >= 50 and "庆北村" in set(villages["name"])
    assert len(read_officers(county.officers)) == 3
    assert len(read_branches(county.branches)) == 1
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert sum(len(r["stops"]) for r in plan["routes"]) > 0


def test_a_gcj02_folder_writes_its_generated_points_in_gcj02(
        demo_dir: Path, tmp_path: Path, cache_dir: Path):
    wgs = tmp_path / "w"
    gcj = tmp_path / "g"
    for root, crs in ((wgs, "wgs84"), (gcj, "gcj02")):
        assert main(["-q", "--cache-dir", str(cache_dir), "county", "init", str(root),
                     "--osm", str(demo_dir / "roads.osm.pbf"), "--crs", crs]) == 0
    a = pd.read_csv(wgs / "villages.csv")
    b = pd.read_csv(gcj / "villages.csv")
    shift = ((a["lat"] - b["lat"]) ** 2 + (a["lon"] - b["lon"]) ** 2) ** 0.5
    assert (shift > 1e-3).all()  # GCJ-02 lies ~500 m from WGS-84 here
    # Read back through the declared system, the points are where they were.
    back = read_villages(gcj / "villages.csv", crs="gcj02")
    assert ((back["lat"] - a["lat"]).abs() < 1e-5).all()


def _grid_without_places(path: Path, n: int = 8, step_deg: float = 0.006) -> Path:
    """A hand-made OSM file: an n x n grid of residential roads (~540 m apart), no place
    nodes, like an extract whose settlements nobody tagged."""
    nodes = [f'  <node id="{1 + i * n + j}" lat="{35.5 + i * step_deg:.5f}" '
             f'lon="{115.0 + j * step_deg:.5f}" version="1"/>'
             for i in range(n) for j in range(n)]
    ways, wid = [], 1000
    for i in range(n):
        for refs in ([1 + i * n + j for j in range(n)], [1 + j * n + i for j in range(n)]):
            wid += 1
            nds = "".join(f'<nd ref="{r}"/>' for r in refs)
            ways.append(f'  <way id="{wid}" version="1">{nds}'
                        '<tag k="highway" v="residential"/></way>')
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" '
                    'generator="countyreach-tests">\n' + "\n".join(nodes + ways)
                    + "\n</osm>\n", encoding="utf-8")
    return path


def test_an_extract_without_villages_becomes_a_county_that_plans(
        tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture):
    # init places stand-in villages at road junctions; synth puts businesses there.
    osm = _grid_without_places(tmp_path / "grid.osm")
    out = _onboard_and_plan(osm, tmp_path / "grid", cache_dir)
    captured = capsys.readouterr()
    assert "stand-ins" in captured.out
    assert "businesses are placed at the" in captured.err
    assert set(read_villages(tmp_path / "grid" / "villages.csv")["place"]) == {"junction"}
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert sum(len(r["stops"]) for r in plan["routes"]) > 0


def test_the_shared_guixi_extract_becomes_a_county_that_plans(
        shared_dir: Path, tmp_path: Path, cache_dir: Path):
    osm = shared_dir / "data" / "osm" / "jiangxi_guixi_city.osm.pbf"
    if not osm.exists():
        pytest.skip("Guixi extract not in ../shared")
    _onboard_and_plan(osm, tmp_path / "guixi", cache_dir, "--crs", "gcj02")


@pytest.mark.parametrize("case", ["exists", "not_osm", "not_osm_name", "missing", "bad_id",
                                  "no_officers", "bad_loan_rule", "unknown_boundary",
                                  "bad_boundary"])
def test_init_refuses_bad_requests_with_exit_2(case: str, demo_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture):
    osm = demo_dir / "roads.osm.pbf"
    root = tmp_path / "c"
    args = ["county", "init", str(root), "--osm", str(osm)]
    if case == "exists":
        root.mkdir()
        (root / "county.json").write_text("{}", encoding="utf-8")
    elif case == "not_osm":
        (tmp_path / "extract.osm").write_text("lead_id,name\n", encoding="utf-8")
        args[-1] = str(tmp_path / "extract.osm")
    elif case == "not_osm_name":
        args[-1] = str(demo_dir / "leads.csv")
    elif case == "missing":
        args[-1] = str(tmp_path / "nowhere.osm.pbf")
    elif case == "bad_id":
        args[2] = str(tmp_path / "bad name!")
    elif case == "no_officers":
        args += ["--officers", "0"]
    elif case == "unknown_boundary":
        args += ["--boundary", "无此省"]
    elif case == "bad_boundary":
        args += ["--boundary", "a/b/c/d"]
    else:
        args += ["--loan-rule-months", "365"]  # days, not months
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("countyreach: error:") and "Traceback" not in err
    if case == "bad_loan_rule":
        assert "'--loan-rule-months'" in err and "got 365" in err
    if case.endswith("boundary"):
        assert "'--boundary'" in err
    if case == "not_osm":  # the user's file, not the staging copy, is named
        assert str(tmp_path / "extract.osm") in err and ".partial" not in err
        assert not (tmp_path / ".c.partial").exists()
    if case == "exists":
        assert (root / "county.json").read_text(encoding="utf-8") == "{}"
    else:
        assert not (root / "county.json").exists()


def test_a_rebuild_beside_the_lenders_workbook_of_a_table_it_writes_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture):
    # the roster kept as officers.xlsx: a rebuild that writes a new officers.csv would leave
    # the county with both (refused when read), so it is refused first, nothing replaced
    osm = _grid_without_places(tmp_path / "grid.osm", n=4)
    root = tmp_path / "grid"
    assert main(["county", "init", str(root), "--osm", str(osm)]) == 0
    pd.read_csv(root / "officers.csv", dtype=str).to_excel(root / "officers.xlsx", index=False)
    (root / "officers.csv").unlink()
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    capsys.readouterr()
    assert main(["county", "init", str(root), "--osm", str(osm), "--force",
                 "--officers", "3", "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "文件夹中已有 officers.xlsx，而这次重建会写入 officers.csv" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before
    # without --officers the roster is kept as it is: the rebuild goes ahead
    assert main(["county", "init", str(root), "--osm", str(osm), "--force"]) == 0
    assert (root / "officers.xlsx").is_file() and not (root / "officers.csv").exists()
