"""`county init` with the lender's own villages and branches, rebuilds, boundaries, folder
names, and `synth`'s businesses: what a user gets wrong is refused or warned about at init,
by file and row, not by a plan that fails later."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geo
from countyreach.cli import main
from countyreach.io import load_county

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


def test_every_given_village_off_the_roads_is_listed_by_row_as_typed(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    df = _in_gcj02(_villages(demo_dir)).astype({"lat": str, "lon": str})
    far = list(range(2, 25))  # 23 villages typed a degree north: rows 3 to 25
    df.loc[far, "lat"] = [f"{float(x) + 1:.7f}" for x in df.loc[far, "lat"]]
    df.loc[2, "lat"], df.loc[2, "lon"] = "36.5000", "115.05"  # as the lender typed it
    villages = tmp_path / "villages.csv"
    df.to_csv(villages, index=False)
    assert _init(demo_dir, cache_dir, tmp_path / "c", "--villages", str(villages),
                 "--crs", "gcj02") == 2
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert f"file {villages}, row 3, field 'lat'" in first
    assert "at lat 36.5000, lon 115.05 (GCJ-02)" in first and "outside" in first
    assert "WGS-84" not in err and "'p2'" not in err
    # every bad row: the first, 19 more listed, the last 3 counted
    assert "22 more row(s)" in err and "  row 4, field 'lat'" in err
    assert "  row 22, field 'lat'" in err and "... and 3 more" in err


@pytest.mark.parametrize("case", ["far", "repeated_id", "repeated_village"])
def test_init_checks_given_branches_like_villages(
        case: str, demo_dir: Path, tmp_path: Path, cache_dir: Path,
        capsys: pytest.CaptureFixture[str]):
    branches = tmp_path / "branches.csv"
    rows = ["branch_id,name,lat,lon", "QZ,庆祖镇营业所,35.5183384,115.0186801"]
    if case == "far":
        rows.append("ZZ,远处营业所,37.18,115.02")  # 185 km north of the roads
    if case == "repeated_id":
        rows.append("QZ,新营业所,35.50,115.05")
    branches.write_text("\n".join(rows) + "\n", encoding="utf-8")
    extra = ["--branches", str(branches)]
    if case == "repeated_village":
        df = _villages(demo_dir).drop_duplicates("name").reset_index(drop=True)
        df.loc[4, "name"] = df.loc[3, "name"]
        df.to_csv(tmp_path / "villages.csv", index=False)
        extra += ["--villages", str(tmp_path / "villages.csv")]
    code = _init(demo_dir, cache_dir, tmp_path / "c", *extra)
    err = capsys.readouterr().err
    if case == "far":
        assert code == 2
        assert f"file {branches}, row 2, field 'lat': branch ZZ at lat 37.18, lon 115.02" in err
        assert "km outside the county's road network" in err
    elif case == "repeated_id":
        assert code == 2
        assert f"file {branches}, row 2, field 'branch_id'" in err and "'QZ'" in err
    else:
        assert code == 0
        assert "warning:" in err and "rows 4, 5" in err and "more than once" in err


def test_force_keeps_the_loan_rule_and_says_how_kept_leads_are_read(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    root = tmp_path / "c"
    assert _init(demo_dir, cache_dir, root, "--loan-rule-months", "12") == 0
    shutil.copyfile(demo_dir / "leads.csv", root / "leads.csv")
    capsys.readouterr()
    assert _init(demo_dir, cache_dir, root, "--force", "--crs", "gcj02") == 0
    out, err = capsys.readouterr()
    assert load_county(root).loan_rule_months == 12 and "kept from the county.json" in out
    assert f"{root / 'leads.csv'}: kept, and now read as GCJ-02" in err
    assert (root / "leads.csv").read_bytes() == (demo_dir / "leads.csv").read_bytes()
    # the rule given wins; the system unchanged, nothing to say about the leads
    assert _init(demo_dir, cache_dir, root, "--force", "--crs", "gcj02",
                 "--loan-rule-months", "3") == 0
    assert load_county(root).loan_rule_months == 3
    assert "leads.csv" not in capsys.readouterr().err


def test_force_keeps_the_lenders_roster_and_name_unless_told(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    root = tmp_path / "c"
    assert _init(demo_dir, cache_dir, root, "--officers", "2", "--name", "某县") == 0
    roster = pd.read_csv(root / "officers.csv", dtype=str)
    roster.loc[0, "name"], roster.loc[0, "shift_end"] = "王建军", "16:00"  # the lender's edits
    roster.to_csv(root / "officers.csv", index=False)
    edited = (root / "officers.csv").read_bytes()
    capsys.readouterr()
    assert _init(demo_dir, cache_dir, root, "--force") == 0
    assert (root / "officers.csv").read_bytes() == edited
    assert "officers.csv kept" in capsys.readouterr().out
    assert json.loads((root / "county.json").read_text(encoding="utf-8"))["name"] == "某县"
    # --officers writes a new roster, as asked
    assert _init(demo_dir, cache_dir, root, "--force", "--officers", "3") == 0
    assert len(pd.read_csv(root / "officers.csv")) == 3


def test_force_keeps_the_lenders_branches_unless_told(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    root = tmp_path / "c"
    assert _init(demo_dir, cache_dir, root, "--officers", "2") == 0
    # the lender puts their real branch in, as a spreadsheet saves it
    (root / "branches.csv").write_bytes(
        "branch_id,name,lat,lon\r\nQZ,庆祖镇营业所,35.5183384,115.0186801\r\n".encode("gbk"))
    edited = (root / "branches.csv").read_bytes()
    capsys.readouterr()
    assert _init(demo_dir, cache_dir, root, "--force") == 0
    assert (root / "branches.csv").read_bytes() == edited
    assert "branches: branches.csv kept from the county replaced" in capsys.readouterr().out
    # a kept file is checked as a given one: a bad row is refused, not replaced
    (root / "branches.csv").write_text("branch_id,name,lat,lon\nQZ,庆祖镇营业所,north,115.0\n",
                                       encoding="utf-8")
    assert _init(demo_dir, cache_dir, root, "--force") == 2
    err = capsys.readouterr().err
    assert f"file {root / 'branches.csv'}, row 1, field 'lat'" in err
    assert "kept on --force" in err and "--branches FILE" in err
    # --branches gives new ones, as asked
    assert _init(demo_dir, cache_dir, root, "--force", "--branches",
                 str(demo_dir / "branches.csv")) == 0
    assert (root / "branches.csv").read_bytes() != edited
    assert "branches: the " in capsys.readouterr().out


def test_villages_in_another_system_than_declared_are_caught_at_init(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    villages = tmp_path / "villages.csv"
    _in_gcj02(_villages(demo_dir)).to_csv(villages, index=False)
    assert _init(demo_dir, cache_dir, tmp_path / "w", "--villages", str(villages)) == 0
    err = capsys.readouterr().err
    assert f"{villages}: the villages lie a median" in err
    assert "if read as GCJ-02" in err and "give --crs gcj02" in err
    assert _init(demo_dir, cache_dir, tmp_path / "g", "--villages", str(villages),
                 "--crs", "gcj02") == 0
    assert "median" not in capsys.readouterr().err


def test_given_villages_without_their_town_name_the_county_after_the_extracts_town(
        demo_dir: Path, tmp_path: Path, cache_dir: Path):
    villages = tmp_path / "villages.csv"
    # the lender's own list: name and position only, no place kinds, no town among them
    _villages(demo_dir).query("place != 'town'")[["name", "lat", "lon"]].to_csv(
        villages, index=False)
    root = tmp_path / "c"
    assert _init(demo_dir, cache_dir, root, "--villages", str(villages)) == 0
    manifest = json.loads((root / "county.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "庆祖镇"  # not the folder's "c"


def test_a_boundary_away_from_the_roads_is_refused(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    pytest.importorskip("cnmaps")
    root = tmp_path / "c"
    # the demo's roads are in Henan, 唐县 in Hebei
    assert _init(demo_dir, cache_dir, root, "--boundary", "河北省/保定市/唐县") == 2
    err = capsys.readouterr().err
    assert "'--boundary'" in err and "does not overlap the roads" in err
    assert not (root / "county.json").exists()


def test_folder_names_say_ascii_and_dot_is_the_current_folder(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch):
    assert _init(demo_dir, cache_dir, tmp_path / "贵溪") == 2
    assert "use 1-64 ASCII letters" in capsys.readouterr().err
    here = tmp_path / "guixi"
    here.mkdir()
    monkeypatch.chdir(here)
    assert _init(demo_dir, cache_dir, Path(".")) == 0
    assert json.loads((here / "county.json").read_text(encoding="utf-8"))["county_id"] == "guixi"


def test_synth_puts_businesses_inside_the_roads_outline_and_near_a_road(
        tmp_path: Path, cache_dir: Path):
    from countyreach.placement import outside_m
    from countyreach.synth import NEAR_ROAD_M
    from tests.test_onboard import _grid_without_places

    # roads with no place nodes: villages at the outer junctions, businesses around them
    osm = _grid_without_places(tmp_path / "grid.osm")
    root = tmp_path / "c"
    assert main(["-q", "--cache-dir", str(cache_dir), "county", "init", str(root),
                 "--osm", str(osm)]) == 0
    # the same folder without roads: the generator's own placement, for comparison
    bare = tmp_path / "bare"
    shutil.copytree(root, bare)
    manifest = json.loads((bare / "county.json").read_text(encoding="utf-8"))
    del manifest["roads"]
    (bare / "county.json").write_text(json.dumps(manifest), encoding="utf-8")
    for folder in (root, bare):
        assert main(["--cache-dir", str(cache_dir), "synth", str(folder)]) == 0
    leads = pd.read_csv(root / "leads.csv", dtype=str)
    given = pd.read_csv(bare / "leads.csv", dtype=str)
    graph = geo.load_road_graph(root / "roads.osm", cache_dir=cache_dir / "graphs")
    lat, lon = leads["lat"].astype(float), leads["lon"].astype(float)
    assert (outside_m(graph, lat, lon) == 0).all()
    snaps = geo.snap_points(graph, [geo.Location(a, b) for a, b in zip(lat, lon, strict=True)],
                            max_m=float("inf"))
    assert max(s.distance_m for s in snaps) <= NEAR_ROAD_M
    glat, glon = given["lat"].astype(float), given["lon"].astype(float)
    moved = (leads["lat"] != given["lat"]) | (leads["lon"] != given["lon"])
    assert 0 < moved.sum() < len(leads) // 4
    assert (outside_m(graph, glat[moved], glon[moved]) > 0).any()  # the ones that needed it
    # nothing else of the economy changed
    assert leads.drop(columns=["lat", "lon"]).equals(given.drop(columns=["lat", "lon"]))
    assert (root / "history.csv").read_bytes() == (bare / "history.csv").read_bytes()


def test_a_village_off_the_roads_is_named_by_its_row_in_the_file_after_a_blank_line(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    rows = _villages(demo_dir).head(30).to_csv(index=False).splitlines()
    rows.insert(3, "")  # a blank line after data row 2: later rows keep their file numbers
    far = "北边村,village,36.9,115.0"  # ~150 km north of the township
    (tmp_path / "v.csv").write_text("\n".join([*rows, far]) + "\n", encoding="utf-8")
    assert _init(demo_dir, cache_dir, tmp_path / "c", "--villages", str(tmp_path / "v.csv")) == 2
    err = capsys.readouterr().err
    assert "row 32" in err and "北边村" in err, err


def test_officers_are_shared_over_the_given_branches_and_the_count_is_printed(
        demo_dir: Path, tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]):
    from countyreach.io import read_officers

    branches = tmp_path / "branches.csv"
    # the township's centre, a northern and an eastern office, all on its roads
    branches.write_text("branch_id,name,lat,lon\nB01,庆祖支行,35.5183384,115.0186801\n"
                        "B02,北部网点,35.552,114.99\nB03,东部网点,35.51,115.07\n",
                        encoding="utf-8")
    root = tmp_path / "three"
    assert _init(demo_dir, cache_dir, root, "--branches", str(branches),
                 "--officers", "7") == 0
    out = capsys.readouterr().out
    roster = read_officers(root / "officers.csv")
    per_branch = pd.Series([o.start.name for o in roster]).value_counts()
    assert set(per_branch.index) == {"庆祖支行", "北部网点", "东部网点"}
    assert per_branch.sum() == 7
    line = next(s for s in out.splitlines() if "officers per branch:" in s)
    for name, n in per_branch.items():
        assert f"{name} {n} (" in line
    assert "one to each branch, the rest in proportion to the villages nearest" in line
    # the centre has the most villages nearest it, so the most officers
    assert per_branch["庆祖支行"] == per_branch.max()


def test_the_share_of_officers_follows_the_villages_and_staffs_every_branch() -> None:
    from countyreach.onboard_team import share_officers

    assert share_officers(7, [27, 13, 20]).officers == (3, 2, 2)
    assert share_officers(3, [50, 1, 1]).officers == (1, 1, 1)
    assert share_officers(6, [50, 1, 1]).officers == (4, 1, 1)
    # fewer officers than branches: the branches with the most villages, ties to the first
    assert share_officers(2, [5, 9, 5]).officers == (1, 1, 0)
    assert share_officers(1, [4, 4]).officers == (1, 0)
    assert share_officers(4, [0, 0]).officers == (3, 1)
