"""What a tester met running a week of the store's loop on a new county, through the CLI:
an import that names every bad row at once (pins included), store plans that show their
input warnings by county and lead, ``score COUNTY_ID`` and outcome errors named by lead."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.settings import get_settings
from countyreach.store import Store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _edit_leads(folder: Path, **rows: dict[str, str]) -> pd.DataFrame:
    """Change cells of the copy's leads.csv: ``rows={"2": {"lat": "north"}}`` (0-based)."""
    df = pd.read_csv(folder / "leads.csv", dtype=str, keep_default_na=False)
    for pos, cells in rows.items():
        for col, value in cells.items():
            df.loc[int(pos), col] = value
    df.to_csv(folder / "leads.csv", index=False)
    return df


def test_import_names_field_errors_repeated_ids_and_unknown_pins_in_one_message(
        cli_store: str, county_copy: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(county_copy.parent)
    df = _edit_leads(county_copy, **{"2": {"lat": "north"}, "9": {"pinned_officer_id": "O09"}})
    df.loc[5, "lead_id"] = df.loc[4, "lead_id"]  # a pasted row: the id twice
    df.to_csv(county_copy / "leads.csv", index=False)
    code, _, err = run(capsys, "county", "import", str(county_copy))
    assert code == 2 and "Traceback" not in err
    # one pass: each kind of problem, each row once, named by row, field and lead
    assert "row 3, field 'lat'" in err and "(lead_id B0003)" in err
    assert "row 6, field 'lead_id': lead_id 'B0005' repeats row 5" in err
    assert "row 10, field 'pinned_officer_id': officer 'O09' is not in the roster" in err
    assert "(lead_id B0010)" in err
    assert "keeping the first" not in err  # no warning that contradicts the refusal
    store = Store.open(cli_store)
    assert store.learning.county_ids(store.operator_session()) == []  # nothing written
    # the folder's own plan refuses the same pin, naming the row too
    code, _, err = run(capsys, "plan", str(county_copy), "--date", "2026-11-24")
    assert code == 2 and "row 3" in err


def test_a_repeated_lead_is_read_alike_by_the_folders_plan_and_the_import(
        cli_store: str, county_copy: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(county_copy.parent)
    df = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    # a row pasted twice: one lead, both ways, with the same warning
    pd.concat([df, df.iloc[[4]]]).to_csv(county_copy / "leads.csv", index=False)
    said = "row(s) 401 (as row 5) repeat a lead word for word; it is read once"
    code, _, err = run(capsys, "plan", str(county_copy), "--date", "2026-11-24",
                       "--time-limit", "1", "--out", str(county_copy.parent / "out"))
    assert code == 0 and said in err
    code, out, err = run(capsys, "county", "import", str(county_copy))
    assert code == 0 and said in err and "400 new" in out
    # the id given to another business: refused both ways, naming the field that differs
    pd.concat([df, df.iloc[[4]].assign(phone="13900000000")]).to_csv(
        county_copy / "leads.csv", index=False)
    refusal = "row 401, field 'lead_id': lead_id 'B0005' repeats row 5 with another phone"
    for argv in (("plan", str(county_copy), "--date", "2026-11-24"),
                 ("county", "import", str(county_copy))):
        code, _, err = run(capsys, *argv)
        assert code == 2 and refusal in err and "Traceback" not in err
    store = Store.open(cli_store)
    admin = store.operator_session()
    assert "13900000000" not in set(store.leads_frame(admin, "qingzu")["phone"])


def test_a_store_plan_shows_its_input_warnings_by_county_and_lead(
        cli_store: str, county_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    # lead 7 ~120 km away (skipped when the county loads), lead 10 booked with O03
    _edit_leads(county_copy, **{"6": {"lat": "36.4", "lon": "116.2"},
                                "9": {"pinned_officer_id": "O03"}})
    code, out, _ = run(capsys, "county", "import", str(county_copy))
    assert code == 0, out
    # the loan-book line agrees with the plan's value basis (the starter's is visit-caused)
    assert "plans value a visit by its take-up" not in out
    code, out, err = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--officers",
                         "O01,O02", "--time-limit", "1")
    assert code == 0, out + err
    skipped = "county qingzu (store): lead B0007 lies"
    pinned = "lead B0010 is pinned to O03, who is not working on 2026-11-24"
    assert skipped in err and pinned in err
    assert "(store): row" not in err and str(tmp_path / "home") not in err  # no store path
    assert "Input warnings: " in out
    meta = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))["meta"]
    notes = meta["input_warnings"]
    assert any(skipped in n for n in notes) and any(pinned in n for n in notes)


def test_score_ranks_a_stored_county_as_its_plan_values_it(
        cli_store: str, county_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "county", "import", str(county_copy))[0] == 0
    code, out, _ = run(capsys, "score", "qingzu", "--date", "2026-11-24", "--top", "400")
    assert code == 0, out
    first = out.splitlines()[2].split()[0]
    # the business asks not to be visited: the store's rule the plan obeys, score too
    assert run(capsys, "do-not-visit", "qingzu", first, "--reason", "来电拒绝")[0] == 0
    code, out, _ = run(capsys, "score", "qingzu", "--date", "2026-11-24", "--top", "400",
                       "--lang", "zh")
    assert code == 0, out
    assert "qingzu 模型 v1" in out  # the store's promoted model, as `plan qingzu` names it
    assert "starter model" not in out and "未排名" in out
    assert first not in {line.split()[0] for line in out.splitlines()[3:] if line.split()}
    code, out, _ = run(capsys, "plan", "qingzu", "--date", "2026-11-24", "--time-limit", "1")
    assert "Model: qingzu v1" in out


def test_the_folder_score_names_the_starter_model_in_chinese(
        county_copy: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (county_copy / "history.csv").unlink()  # a new county: the starter model scores it
    (county_copy / "loans.csv").unlink(missing_ok=True)
    code, out, _ = run(capsys, "--cache-dir", str(cache_dir), "score", str(county_copy),
                       "--date", "2026-11-24", "--top", "3", "--lang", "zh")
    assert code == 0, out
    assert "起步模型" in out.splitlines()[0] and "starter model" not in out


def test_outcome_errors_name_the_lead_on_every_row(
        cli_store: str, county_copy: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "county", "import", str(county_copy))[0] == 0
    f = tmp_path / "outcomes.csv"
    f.write_text("county_id,plan_date,lead_id,outcome,amount_yuan\n"
                 "qingzu,2099-01-05,B0001,interested,\n"       # a visit still to come
                 "qingzu,2026-11-24,B0002,approved,-50\n"      # a bad amount
                 "qingzu,2026-13-45,B0003,visited,\n",         # the reader's own error
                 encoding="utf-8")
    code, _, err = run(capsys, "outcomes", "import", str(f))
    assert code == 2
    lines = [x for x in err.splitlines() if "row " in x]
    assert len(lines) == 3, err
    for lead, line in zip(("B0001", "B0002", "B0003"), lines, strict=True):
        assert f"(lead_id {lead})" in line, line
    assert get_settings().store_url == cli_store
