"""Training labels from recorded outcomes: one row per lead and month, an application kept."""

from __future__ import annotations

import pandas as pd

from countyreach.services.models import training_history


def test_a_later_visit_in_the_month_does_not_undo_an_application() -> None:
    history = pd.DataFrame({"lead_id": ["A", "B"], "month": ["2026-02", "2026-03"],
                            "took_loan": [0, 1], "loan_yuan": [0.0, 50_000.0],
                            "defaulted": [0, 0]})
    outcomes = pd.DataFrame({
        "lead_id": ["A", "A", "A", "B", "C", "C"],
        "month": ["2026-03"] * 6,
        "outcome": ["interested", "applied", "met", "not_interested", "applied",
                    "not_there"],
        "amount_yuan": [None, 80_000.0, None, None, None, None]})
    h = training_history(history, outcomes, pd.Series(["A", "B", "C"]))
    march = h[h["month"] == "2026-03"].set_index("lead_id")
    assert len(march) == 3  # one row per lead and month
    assert march.at["A", "took_loan"] == 1 and march.at["A", "loan_yuan"] == 80_000.0
    assert march.at["B", "took_loan"] == 0  # the newer outcome replaces the history row
    assert march.at["C", "took_loan"] == 1  # "not there" says nothing
    assert h[h["month"] == "2026-02"]["took_loan"].tolist() == [0]
