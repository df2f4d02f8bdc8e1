"""What an outcome file may record: visits made (not ahead), of people not erased, and a file
with bad rows names them all at once."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from countyreach.errors import InputError
from countyreach.services.loop import DailyLoop
from countyreach.store import Session, Store
from countyreach.store import schema as S
from countyreach.store.testing import Clock, synthetic_day
from tests.store_people import DAY, count_rows

HEADER = "county_id,plan_date,lead_id,outcome,consent,follow_up_on,reason\n"
AHEAD = "2025-03-04"  # the day after DAY


@pytest.fixture()
def loop(store: Store, people: dict[str, Session], published: int, tmp_path: Path) -> DailyLoop:
    """The published synthetic day of :data:`DAY` (the store's today), its leads imported."""
    problem, _ = synthetic_day()
    leads = tmp_path / "leads.csv"
    pd.DataFrame([{"lead_id": ld.lead_id, "name": ld.name, "industry": ld.industry,
                   "village": ld.village, "lat": ld.location.lat, "lon": ld.location.lon,
                   "phone": ld.phone, "address": ld.address} for ld in problem.leads]
                 ).to_csv(leads, index=False)
    store.import_leads(leads, "qingzu", session=people["admin"])
    return DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_an_erased_lead_takes_no_outcome(loop: DailyLoop, people: dict[str, Session],
                                        tmp_path: Path) -> None:
    store, manager = loop.store, people["manager"]
    tapped = str(uuid.uuid4())
    store.record_outcome(people["o1"], outcome_id=tapped, county_id="qingzu", plan_date=DAY,
                         lead_id="L01-03", outcome="met", consent=True)
    store.erase_personal_data(manager, "qingzu", "L01-02", "owner asked")
    store.erase_personal_data(manager, "qingzu", "L01-03", "owner asked")
    path = _file(tmp_path, f"qingzu,{DAY},L01-01,interested,yes,,",
                 f"qingzu,{DAY},L01-02,interested,yes,2025-03-10,call owner on 13812345678")
    with pytest.raises(InputError) as err:
        loop.import_outcomes(manager, path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 2, "lead_id")
    assert "erased" in err.value.reason and "do-not-visit" in err.value.reason
    with store.engine.connect() as c:  # nothing of the file, no follow-up booked
        assert c.execute(sa.select(S.outcomes.c.lead_id)).scalars().all() == ["L01-03"]
    assert count_rows(store, S.follow_ups) == 0
    # the officer's phone is refused the same way ...
    with pytest.raises(InputError, match="erased"):
        store.record_outcome(people["o1"], outcome_id=str(uuid.uuid4()), county_id="qingzu",
                             plan_date=DAY, lead_id="L01-02", outcome="met", consent=True)
    # ... but a tap stored before the erasure, sent again, still gets its answer
    again = store.record_outcome(people["o1"], outcome_id=tapped, county_id="qingzu",
                                 plan_date=DAY, lead_id="L01-03", outcome="met", consent=True)
    assert again.outcome_id == tapped and again.notes == ""


def test_a_visit_still_to_come_takes_no_outcome(loop: DailyLoop, people: dict[str, Session],
                                               clock: Clock, tmp_path: Path) -> None:
    store, manager = loop.store, people["manager"]
    problem, plan = synthetic_day(plan_date=AHEAD)
    store.publish(manager, "qingzu", AHEAD, store.save_plan(manager, "qingzu", AHEAD,
                                                            problem, plan))
    path = _file(tmp_path, f"qingzu,{DAY},L01-01,met,yes,,",
                 f"qingzu,{AHEAD},L01-02,met,yes,,")
    # 15:00 in the county on DAY: the published day ahead has not come
    with pytest.raises(InputError) as err:
        loop.import_outcomes(manager, path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 2, "plan_date")
    assert "has not happened yet" in err.value.reason
    assert count_rows(store, S.outcomes) == 0
    with pytest.raises(InputError, match="has not happened yet"):  # nor from the phone
        store.record_outcome(people["o1"], outcome_id=str(uuid.uuid4()), county_id="qingzu",
                             plan_date=AHEAD, lead_id="L01-01", outcome="met", consent=True)
    # the county's day, not the server's: 01:00 of AHEAD in the county is 17:00 UTC of DAY
    clock.t += dt.timedelta(hours=10)
    assert loop.import_outcomes(manager, path) == {"recorded": 2, "already_there": 0}


def test_a_file_with_several_bad_rows_names_them_all(loop: DailyLoop,
                                                     people: dict[str, Session],
                                                     tmp_path: Path) -> None:
    """The README's promise for every input file: all its bad rows in one message."""
    path = _file(tmp_path,
                 f"qingzu,{DAY},L01-01,met,yes,,",          # good
                 f"qingzu,{DAY},L01-02,maybe,yes,,",        # 2: no such outcome
                 f"qingzu,{DAY},NOBODY,met,yes,,",          # 3: not on a published route
                 "qingzu,2025-13-40,L01-03,met,yes,,",      # 4: not a date
                 f"nowhere,{DAY},L01-04,met,yes,,",         # 5: no such county
                 f"qingzu,{DAY},L02-01,met,perhaps,,",      # 6: consent not yes/no
                 f"qingzu,{DAY},L02-02,met,yes,,")          # good
    with pytest.raises(InputError) as err:
        loop.import_outcomes(people["admin"], path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 2, "outcome")
    text = str(err.value)
    for row, field in ((3, "lead_id"), (4, "plan_date"), (5, "county_id"), (6, "consent")):
        assert f"row {row}, field {field!r}" in text, text
    assert "row 7" not in text and "row 1," not in text
    assert count_rows(loop.store, S.outcomes) == 0  # nothing written
