"""The first model fit of a large county: the same results faster, and progress shown.

A 50,000-lead county read and checked its leads file row by row (opening hours parsed per
lead), looked lead ids up through pandas' Arrow ``str`` columns (one Arrow scalar per id),
and built the uplift table's controls business by business; the `plan`, `score` and
`retrain` commands showed nothing while it ran. These tests pin the faster code to what
the slow code computed, and check what the progress reports say and where they go.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countyreach.cli import main
from countyreach.errors import InputError
from countyreach.io import read_leads_table
from countyreach.pipeline import get_scorer, load_county_data
from countyreach.time_windows import parse_windows
from propensity.features import isin
from propensity.loan_recency import month_index
from propensity.uplift_table import uplift_table

DATE = "2026-11-24"


def test_isin_answers_as_pandas_does_on_text_columns():
    col = pd.Series(["L1", "L2", None, "L3", "L2"], dtype="str")
    for values in ({"L2", "L3"}, ["L9"], pd.Series(["L1", "L3"], dtype="str"),
                   pd.Index(["L3"]), np.array(["L1", "L2"], dtype=object), set()):
        assert isin(col, values).tolist() == col.isin(values).tolist()
    assert isin(col, {"L2"}).index.equals(col.index)


def test_windows_parsed_once_per_text_are_the_windows_and_errors_are_not_kept():
    a = parse_windows("08:00-12:00; 14:00-18:00")
    assert a == parse_windows("08:00-12:00; 14:00-18:00")
    assert [(w.start_s, w.end_s) for w in a] == [(8 * 3600, 12 * 3600), (14 * 3600, 18 * 3600)]
    for _ in range(2):  # the second time fails as the first did
        with pytest.raises(InputError, match="ends before it starts"):
            parse_windows("12:00-08:00")


def _controls_one_by_one(businesses: pd.DataFrame, history: pd.DataFrame,
                         gap: int) -> set[tuple[str, str]]:
    """The uplift table's candidate controls as the code before computed them."""
    ids = businesses["lead_id"].astype(str).to_numpy()
    h = history.assign(lead_id=history["lead_id"].astype(str),
                       month=history["month"].astype(str).str.slice(0, 7))
    blocked = {(lid, int(t) + k) for lid, t in zip(h["lead_id"], month_index(
        h["month"].to_numpy()), strict=True) for k in range(gap)}
    return {(x, m) for m in sorted(h["month"].unique())
            for x in ids if (x, int(month_index([m])[0])) not in blocked}


def test_uplift_table_controls_are_the_ones_looked_up_one_by_one(demo_dir: Path):
    data = load_county_data(demo_dir)
    # every control kept (no sampling), so the table's unvisited rows are all of them
    table = uplift_table(data.leads, data.history, data.loans, max_controls=10**7, gap=2)
    got = table.loc[~table["visited"].astype(bool), ["lead_id", "month"]]
    want = _controls_one_by_one(data.leads, data.history, 2)
    assert len(got) == len(want)
    assert set(zip(got["lead_id"].astype(str), got["month"].astype(str), strict=True)) == want


def test_reading_a_large_leads_file_reports_its_rows(demo_dir: Path, tmp_path: Path):
    rows = list(csv.DictReader((demo_dir / "leads.csv").open(encoding="utf-8")))
    big = [dict(r, lead_id=f"X{k:05d}", phone="")
           for k, r in enumerate(rows[i % len(rows)] for i in range(4_100))]
    path = tmp_path / "leads.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(big)
    seen: list[float] = []
    table = read_leads_table(path, progress=seen.append)
    assert len(table) == 4_100
    assert seen == [0.0, 2_000 / 4_100, 4_000 / 4_100]


def test_the_first_fit_reports_its_stages_in_order(demo_dir: Path, tmp_path: Path):
    data = load_county_data(demo_dir)
    seen: list[tuple[str, float]] = []
    get_scorer(data, cache_dir=tmp_path, progress=lambda s, f: seen.append((s, f)))
    assert [s for s, _ in seen] == ["check model", "train uptake", "train visit value",
                                    "save model"]
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] < 1.0
    # a saved model is loaded: nothing to train, only the check is reported
    seen.clear()
    get_scorer(data, cache_dir=tmp_path, progress=lambda s, f: seen.append((s, f)))
    assert seen == [("check model", 0.0)]


def test_score_draws_no_bar_when_stderr_is_no_terminal(demo_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture):
    # no -q: the bar is asked for, but stderr is captured (as in a pipe or a log)
    assert main(["--cache-dir", str(tmp_path), "score", str(demo_dir), "--date", DATE,
                 "--top", "2"]) == 0
    out, err = capsys.readouterr()
    assert "train visit value" not in err and "\r" not in err
    assert "train" not in out and len(out.strip().splitlines()) == 4


def test_retraining_in_the_store_reports_the_same_stages(county_loop):
    seen: list[tuple[str, float]] = []
    session = county_loop.store.operator_session()
    res = county_loop.retrain(session, "qingzu", force=True,
                              progress=lambda s, f: seen.append((s, f)))
    assert res.record.n_train > 0  # the county's own model was trained, not the starter
    assert [s for s, _ in seen] == ["check model", "train uptake", "train visit value",
                                    "save model"]
    assert [f for _, f in seen] == sorted(f for _, f in seen)
