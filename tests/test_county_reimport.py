"""Importing a county folder again: the folder is the county, and an erasure is for good."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from countyreach.errors import InputError
from countyreach.plan_files import write_plan_files
from countyreach.services.loop import DailyLoop
from countyreach.store import Store
from routing.params import SolveParams
from routing.plan import Route, Stop
from routing.problem import RoutingRules, hhmm

PARAMS = SolveParams(time_limit_s=1.0, workers=1, improvement_steps=3)
RULES = RoutingRules(balance=0.0)


def _edit(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(df).to_csv(path, index=False)


def test_reimport_keeps_an_erased_lead_erased(county_loop: DailyLoop, county_copy: Path) -> None:
    admin = county_loop.store.operator_session()
    leads = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    first = leads.iloc[0]
    county_loop.erase(admin, str(first["phone"]))

    def touch(df: pd.DataFrame) -> pd.DataFrame:  # a lender's routine edit of the sheet
        df.loc[0, "address"] = df.loc[0, "address"] + "（新址）"
        df.loc[1, "address"] = df.loc[1, "address"] + "（新址）"
        return df

    _edit(county_copy / "leads.csv", touch)
    report = county_loop.import_county(admin, county_copy)
    assert report.leads.kept_erased == (first["lead_id"],)
    assert first["lead_id"] not in report.leads.updated
    assert leads.iloc[1]["lead_id"] in report.leads.updated
    assert any("kept erased" in line for line in report.lines())
    with county_loop.store.engine.connect() as conn:
        row = conn.execute(sa.text("select name, phone, address from leads where lead_id = :i"),
                           {"i": first["lead_id"]}).one()
    assert tuple(row) == ("", "", "")
    assert first["lead_id"] in county_loop.store.do_not_visit_ids(admin, "qingzu")


def test_reimport_keeps_an_erased_leads_loans_elsewhere_out(county_loop: DailyLoop,
                                                           county_copy: Path) -> None:
    admin = county_loop.store.operator_session()
    store = county_loop.store
    rows = pd.read_csv(county_copy / "loans_elsewhere.csv", dtype=str, keep_default_na=False)
    borrowed = rows.loc[rows["month"] != "", "lead_id"].iloc[0]  # a loan elsewhere on record
    clean = rows.loc[rows["month"] == "", "lead_id"].iloc[0]  # checked: none
    for lead_id in (borrowed, clean):
        county_loop.erase(admin, lead_id, county_id="qingzu")
    history, book = store.history_frame(admin, "qingzu"), store.loan_book_frame(admin, "qingzu")

    report = county_loop.import_county(admin, county_copy)  # the lender's file still has them
    known = store.loans_elsewhere_frame(admin, "qingzu")
    assert known is not None and not known["lead_id"].isin([borrowed, clean]).any()
    n = int(rows["lead_id"].isin([borrowed, clean]).sum())
    assert f"{n} row(s) of leads erased earlier: not kept" in "\n".join(report.lines())
    # the bank's own records of them carry no personal data and stayed through the erasure:
    # the import brings back nothing the erasure removed
    pd.testing.assert_frame_equal(store.history_frame(admin, "qingzu"), history)
    assert book is not None
    pd.testing.assert_frame_equal(store.loan_book_frame(admin, "qingzu"), book)


def test_leads_and_officers_the_files_drop_are_retired_and_never_planned(
        county_loop: DailyLoop, county_copy: Path) -> None:
    admin = county_loop.store.operator_session()
    leads = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    gone = sorted(leads["lead_id"].iloc[[3, 10, 20]])
    _edit(county_copy / "officers.csv", lambda df: df[df["officer_id"] != "O02"])
    # appointments with an officer who left are refused, as a folder's plan refuses them
    with pytest.raises(InputError, match="officer 'O02' is not in the roster"):
        county_loop.import_county(admin, county_copy)
    _edit(county_copy / "leads.csv", lambda df: df[~df["lead_id"].isin(gone)].assign(
        pinned_officer_id=df["pinned_officer_id"].replace("O02", "")))
    report = county_loop.import_county(admin, county_copy)
    assert report.leads.retired == tuple(gone) and report.officers.retired == ("O02",)
    assert any("retired" in line for line in report.lines())
    # importing the same folder again retires nothing more
    again = county_loop.import_county(admin, county_copy)
    assert again.leads.retired == () and again.leads.counts["unchanged"] == len(leads) - 3

    day = county_loop.plan(admin, "qingzu", "2026-11-24", params=PARAMS, rules=RULES)
    assert {r.officer_id for r in day.day.plan.routes} == {"O01", "O03", "O04", "O05", "O06"}
    assert all(day.excluded[lid] == "retired" for lid in gone)
    visited = {lid for r in day.day.plan.routes for lid in r.lead_ids}
    assert not visited & set(gone)
    # the day's dropped.csv names them with the rule, once each
    files = write_plan_files(day.day.problem, day.day.plan, county_copy / "out",
                             scores=day.day.scores)
    rows = pd.read_csv(next(f for f in files if f.name == "dropped.csv"), dtype=str,
                       keep_default_na=False).set_index("lead_id")
    assert rows.index.is_unique and rows.loc[gone, "reason"].tolist() == ["retired"] * 3
    assert all(rows.loc[gone, "name"] != "")
    # a retired lead's history still teaches the model
    assert set(gone) <= set(county_loop.county_data(admin, "qingzu").leads["lead_id"])

    # listed again, it comes back
    leads.assign(pinned_officer_id=leads["pinned_officer_id"].replace("O02", "")).to_csv(
        county_copy / "leads.csv", index=False)
    back = county_loop.import_county(admin, county_copy)
    assert set(gone) <= set(back.leads.updated)
    later = county_loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert not set(gone) & set(later.excluded)


def test_an_officer_the_roster_drops_whose_account_still_signs_in_is_warned_about(
        county_loop: DailyLoop, county_copy: Path) -> None:
    from countyreach.localize import note_text

    store = county_loop.store
    admin = store.operator_session()
    store.create_user("li", "a long secret 1", "officer", "O02", "qingzu", session=admin)
    store.create_user("wu", "a long secret 1", "officer", "O03", "qingzu", session=admin)
    store.users.set_active("wu", False, session=admin)  # disabled already: nothing to say
    _edit(county_copy / "officers.csv",
          lambda df: df[~df["officer_id"].isin(["O02", "O03"])])
    _edit(county_copy / "leads.csv", lambda df: df.assign(
        pinned_officer_id=df["pinned_officer_id"].replace({"O02": "", "O03": ""})))
    report = county_loop.import_county(admin, county_copy)
    said = [n for n in report.input_warnings if "can still sign in" in n]
    assert said == [f"{county_copy / 'officers.csv'}: officer O02 is not on the roster any "
                    "more, but account 'li' can still sign in: disable it with `countyreach "
                    "users disable li` or on the Account page if they left"]
    zh = note_text(said[0], "zh")
    assert "客户经理 O02 已不在名册上" in zh and "users disable li" in zh
    assert store.users.accounts(admin, "qingzu")[0].active  # left for the admin to decide
    # once disabled, the next import says nothing of them
    store.users.set_active("li", False, session=admin)
    again = county_loop.import_county(admin, county_copy)
    assert not [n for n in again.input_warnings if "can still sign in" in n]


def test_a_corrected_history_month_replaces_the_wrong_one(county_loop: DailyLoop,
                                                          county_copy: Path) -> None:
    admin = county_loop.store.operator_session()
    before = county_loop.store.history_frame(admin, "qingzu")
    hist = pd.read_csv(county_copy / "history.csv", dtype=str, keep_default_na=False)
    wrong = hist.iloc[0]

    def fix(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[0, "month"] = "2024-10" if wrong["month"] != "2024-10" else "2024-09"
        return df

    _edit(county_copy / "history.csv", fix)
    report = county_loop.import_county(admin, county_copy)
    assert (report.history["inserted"], report.history["removed"]) == (1, 1)
    after = county_loop.store.history_frame(admin, "qingzu")
    assert len(after) == len(before)
    old = after[(after["lead_id"] == wrong["lead_id"]) & (after["month"] == wrong["month"])]
    assert old.empty


def test_import_refuses_an_officer_far_outside_naming_the_users_file(
        tmp_path: Path, cache_dir: Path, county_copy: Path) -> None:
    from countyreach.errors import InputError

    def far(df: pd.DataFrame) -> pd.DataFrame:  # a home typed in the wrong province
        df.loc[1, ["start_lat", "end_lat"]] = "39.9"
        df.loc[1, ["start_lon", "end_lon"]] = "116.4"
        return df

    _edit(county_copy / "officers.csv", far)
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=4)
    lp = DailyLoop(store, home=tmp_path / "home", cache_dir=cache_dir)
    with pytest.raises(InputError) as err:
        lp.import_county(store.operator_session(), county_copy)
    assert err.value.file == str(county_copy / "officers.csv") and err.value.row == 2
    with store.engine.connect() as conn:  # nothing of the county was written
        assert conn.execute(sa.text("select count(*) from leads")).scalar() == 0


DATE = "2026-11-24"


def _publish_and_visit_two(loop: DailyLoop) -> tuple[str, tuple[Stop, ...]]:
    """Publish :data:`DATE` and record outcomes for the first two stops of an officer who has
    no appointment; return the officer and those two stops as published."""
    admin = loop.store.operator_session()
    planned = loop.plan(admin, "qingzu", DATE, publish=True, params=PARAMS, rules=RULES)
    assert planned.published
    route = next(r for r in planned.day.plan.routes
                 if r.officer_id in ("O03", "O04", "O05", "O06") and len(r.stops) >= 3)
    for s in route.stops[:2]:
        loop.record_outcome(admin, county_id="qingzu", plan_date=DATE, lead_id=s.lead_id,
                            outcome="met")
    return route.officer_id, route.stops[:2]


def _republished(loop: DailyLoop, county: Path, officer_id: str,
                 made: tuple[Stop, ...]) -> Route:
    """Import ``county`` again and publish the day again: the visits made stay as made.
    Returns the officer's new route."""
    admin = loop.store.operator_session()
    loop.import_county(admin, county)
    res = loop.plan(admin, "qingzu", DATE, publish=True, params=PARAMS, rules=RULES)
    assert res.day.ok, res.day.violations
    assert res.published and not res.refused
    route = next(r for r in res.day.plan.routes if r.officer_id == officer_id)
    assert route.stops[:2] == made
    assert res.day.problem.visited_routes[officer_id] == tuple(s.lead_id for s in made)
    return route


def test_a_visited_leads_corrected_window_and_visit_length_do_not_block_republishing(
        county_loop: DailyLoop, county_copy: Path) -> None:
    # After the morning's visits the lender corrects the sheet: the first lead opens only
    # at 16:30 and the second one's visit takes 90 minutes. What happened stays as it was.
    officer_id, made = _publish_and_visit_two(county_loop)
    first, second = (s.lead_id for s in made)

    def correct(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[df["lead_id"] == first, "windows"] = "16:30-17:00"
        df["service_min"] = ""
        df.loc[df["lead_id"] == second, "service_min"] = "90"
        return df

    _edit(county_copy / "leads.csv", correct)
    _republished(county_loop, county_copy, officer_id, made)


def test_a_shift_shortened_below_the_visits_made_does_not_block_republishing(
        county_loop: DailyLoop, county_copy: Path) -> None:
    # The officer went home ill: the shift now ends before the second visit did. The visits
    # made stand, the officer drives straight back and nothing more is planned for them.
    officer_id, made = _publish_and_visit_two(county_loop)
    ends = hhmm(made[1].departure_s - 60)

    def shorten(df: pd.DataFrame) -> pd.DataFrame:
        mine = df["officer_id"] == officer_id
        df.loc[mine, "shift_end"] = ends
        df.loc[mine, ["lunch_start", "lunch_end", "lunch_min"]] = ""
        return df

    _edit(county_copy / "officers.csv", shorten)
    route = _republished(county_loop, county_copy, officer_id, made)
    assert route.stops == made


def test_a_lead_never_offered_again_is_not_called_off_the_roads_every_day(
        county_loop: DailyLoop, county_copy: Path) -> None:
    # Two leads ~3 km from any mapped road: one the next file no longer lists (retired), one
    # who asked not to be visited. Neither will be planned, so neither is news each day.
    admin = county_loop.store.operator_session()
    leads = pd.read_csv(county_copy / "leads.csv", dtype=str, keep_default_na=False)
    gone, refused = str(leads.loc[4, "lead_id"]), str(leads.loc[6, "lead_id"])

    def far(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[[4, 6], ["lat", "lon"]] = ["35.46156", "115.04808"]
        return df

    _edit(county_copy / "leads.csv", far)
    county_loop.import_county(admin, county_copy)
    first = county_loop.plan(admin, "qingzu", "2026-11-23", params=PARAMS, rules=RULES)
    assert f"lead {refused} is" in "\n".join(first.day.plan.meta["input_warnings"])
    _edit(county_copy / "leads.csv", lambda df: df[df["lead_id"] != gone])
    county_loop.import_county(admin, county_copy)
    county_loop.store.opt_out(admin, "qingzu", refused, reason="asked not to be visited")

    day = county_loop.plan(admin, "qingzu", "2026-11-24", params=PARAMS, rules=RULES)
    said = "\n".join(day.day.plan.meta["input_warnings"])
    assert gone not in said and refused not in said
    reasons = [(d.lead_id, d.reason.value) for d in day.day.plan.dropped
               if d.lead_id in (gone, refused)]
    assert reasons == []  # not offered, so not among the solver's left-out leads
    assert day.day.plan.meta["left_out_leads"][gone] == "retired"
    assert day.day.plan.meta["left_out_leads"][refused] == "do_not_visit"
    files = write_plan_files(day.day.problem, day.day.plan, county_copy / "out",
                             scores=day.day.scores)
    rows = pd.read_csv(next(f for f in files if f.name == "dropped.csv"), dtype=str,
                       keep_default_na=False)
    picked = rows[rows["lead_id"].isin([gone, refused])]
    assert sorted(zip(picked["lead_id"], picked["reason"], strict=True)) == sorted(
        [(gone, "retired"), (refused, "do_not_visit")])

    # listed again, the retired lead is the lender's to fix: it is warned about again
    _edit(county_copy / "leads.csv", lambda df: pd.concat([df, leads.iloc[[4]].assign(
        lat="35.46156", lon="115.04808")]))
    county_loop.import_county(admin, county_copy)
    again = county_loop.plan(admin, "qingzu", "2026-11-25", params=PARAMS, rules=RULES)
    assert f"lead {gone} is" in "\n".join(again.day.plan.meta["input_warnings"])
    assert [d.reason.value for d in again.day.plan.dropped if d.lead_id == gone] == \
        ["off_the_road_network"]
