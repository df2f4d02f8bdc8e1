"""The first model fit of a large county: the same results faster.

A 50,000-lead county read and checked its leads file row by row (opening hours parsed per
lead), looked lead ids up through pandas' Arrow ``str`` columns (one Arrow scalar per id),
and built the uplift table's controls business by business. These tests pin the faster
code to what the slow code computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countyreach.errors import InputError
from countyreach.pipeline import load_county_data
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
