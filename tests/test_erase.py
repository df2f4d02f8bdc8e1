"""Erasing a person leaves no trace in the database or in any model file."""

from __future__ import annotations

import pickle
import zlib
from pathlib import Path

import joblib
import pandas as pd
import pytest
import sqlalchemy as sa

import propensity
from countyreach.errors import InputError
from countyreach.io import read_branches, read_leads_table
from countyreach.pipeline import add_spatial_features
from countyreach.services.loop import DailyLoop
from countyreach.store import Store
from routing.params import SolveParams
from routing.problem import RoutingRules

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=5)
# Workload balancing is routing's own subject (tested there); it is off here so a day
# plans in about a second on a busy 2-core CI machine.
RULES = RoutingRules(balance=0.0)


def _variants(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le")]


def artefact_bytes(path: Path) -> list[bytes]:
    """The file as stored, its zlib stream inflated, and the loaded model pickled plainly."""
    raw = path.read_bytes()
    out = [raw]
    for start in range(len(raw)):
        if raw[start] == 0x78:
            try:
                out.append(zlib.decompressobj().decompress(raw[start:]))
                break
            except zlib.error:
                continue
    out.append(pickle.dumps(propensity.load_scorer(path), protocol=4))
    return out


def database_text(store: Store) -> str:
    with store.engine.connect() as conn:
        parts = []
        for table in sa.MetaData().reflect(bind=conn) or []:
            parts.append(table)
        meta = sa.MetaData()
        meta.reflect(bind=conn)
        for table in meta.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(str(p) for p in parts)


@pytest.fixture()
def loop(tmp_path: Path, cache_dir: Path, demo_dir: Path) -> DailyLoop:
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=4)
    lp = DailyLoop(store, home=tmp_path / "home", cache_dir=tmp_path / "cache")
    lp.import_county(store.operator_session(), demo_dir)
    return lp


def test_model_files_hold_no_personal_data(tmp_path: Path, demo_dir: Path) -> None:
    leads = add_spatial_features(read_leads_table(demo_dir / "leads.csv"),
                                 read_branches(demo_dir / "branches.csv"))
    history = pd.read_csv(demo_dir / "history.csv", dtype={"lead_id": str})
    scorer = propensity.LeadScorer().fit_history(leads, history)
    assert "name" not in scorer.businesses_.columns and "phone" not in scorer.businesses_
    path = propensity.save_scorer(scorer, tmp_path / "m.joblib")
    blobs = artefact_bytes(path)
    for name, phone in zip(leads["name"][:50], leads["phone"][:50], strict=True):
        for b in blobs:
            assert name.encode("utf-8") not in b and phone.encode() not in b
    with pytest.raises(AttributeError, match="no personal data"):
        _ = propensity.load_scorer(path).businesses_


def test_erase_by_phone_leaves_no_trace(loop: DailyLoop, tmp_path: Path) -> None:
    admin = loop.store.operator_session()
    day = loop.plan(admin, "qingzu", "2026-11-24", publish=True, params=PARAMS, rules=RULES)
    lead_id = day.day.plan.routes[0].stops[0].lead_id
    loop.record_outcome(admin, county_id="qingzu", plan_date="2026-11-24", lead_id=lead_id,
                        outcome="interested", notes="老板说下周再来",
                        follow_up_on="2026-11-27")
    loop.retrain(admin, "qingzu")
    row = loop.store.leads_frame(admin, "qingzu").set_index("lead_id").loc[lead_id]
    name, phone, address = str(row["name"]), str(row["phone"]), str(row["address"])
    # an artefact of an older version that pickled the whole lead table, with names
    legacy = tmp_path / "cache" / "models" / "qingzu.joblib"
    legacy.parent.mkdir(parents=True)
    joblib.dump({"businesses": loop.store.leads_frame(admin, "qingzu")}, legacy, compress=3)
    before = database_text(loop.store)
    assert name in before and phone in before  # the search below can find them

    report = loop.erase(admin, phone[:3] + " " + phone[3:], reason="customer asked")
    assert report.leads == (("qingzu", lead_id),)
    assert report.model_files_removed == (str(legacy),) and not legacy.exists()

    after = database_text(loop.store)
    for text in (name, phone, address, "老板说下周再来"):
        assert text not in after
    models = sorted((tmp_path / "home" / "models").rglob("*.joblib"))
    assert len(models) >= 2
    for path in models:
        for blob in artefact_bytes(path):
            for text in (name, phone, address):
                for needle in _variants(text):
                    assert needle not in blob, path
    assert lead_id in loop.store.do_not_visit_ids(admin, "qingzu")
    replanned = loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert lead_id not in {x for r in replanned.day.plan.routes for x in r.lead_ids}
    assert replanned.model.retrained  # the erased lead's data is out of the next model


def test_erase_needs_someone_to_erase(loop: DailyLoop) -> None:
    admin = loop.store.operator_session()
    with pytest.raises(InputError, match="no lead"):
        loop.erase(admin, "nobody-here")
    with pytest.raises(InputError):
        loop.erase(admin, "")
