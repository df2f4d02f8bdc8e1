"""Store: migrations, users and sessions, roles, plans, outcomes, audit.

Every test runs against SQLite and, when ``COUNTYREACH_PG_URL`` is set (``.ci/run``
starts a server), against PostgreSQL with a fresh schema per test.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from countyreach.errors import AccessDenied, InputError
from countyreach.store import (
    ROLES,
    AuditAction,
    PlanState,
    Role,
    Session,
    Store,
)
from countyreach.store import schema as S
from countyreach.store.parsed import forget_all
from countyreach.store.rows import unpack_text
from countyreach.store.testing import Clock, synthetic_day
from propensity.outcomes import Outcome
from routing.plan import DroppedLead, DropReason, Plan
from routing.problem import RoutingProblem
from tests.store_people import DAY, PW, add_user, count_rows, record

# ----------------------------------------------------------------------------- migrations


def test_migrations_from_empty_match_the_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == "0017"
        assert compare_metadata(ctx, S.metadata) == []


def test_upgrade_from_0001_keeps_leads_and_gives_them_no_load(url: str, clock: Clock) -> None:
    """A store created before leads had a load column opens with its leads intact."""
    from countyreach.store import make_engine, migrate

    engine = make_engine(url)
    migrate(engine, "0001")
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO counties (county_id, name, region, created_at) "
                             "VALUES ('qingzu', '庆祖镇', 'puyang', :t)"), {"t": now})
        conn.execute(sa.text(
            "INSERT INTO leads (county_id, lead_id, name, industry, lat, lon, service_s, "
            "content_hash, updated_at) VALUES ('qingzu', 'B0001', '老王羊场', 'sheep_farm', "
            "35.5, 115.1, 1200, 'h', :t)"), {"t": now})
    engine.dispose()
    s = Store.open(url, bcrypt_rounds=4, clock=clock)
    s.create_user("admin", PW, "admin")
    leads = s.leads_frame(s.login("admin", PW), "qingzu")
    assert leads.to_dict(orient="records")[0]["name"] == "老王羊场"
    assert int(leads["load"].iloc[0]) == 0
    s.close()


def test_reopening_keeps_data_and_does_not_remigrate(url: str, clock: Clock) -> None:
    s = Store.open(url, bcrypt_rounds=4, clock=clock)
    s.create_user("admin", PW, "admin")
    s.close()
    s2 = Store.open(url, bcrypt_rounds=4, clock=clock)
    assert s2.login("admin", PW).role == "admin"
    s2.close()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    s = Store.open(f"sqlite:///{tmp_path / 'w.sqlite'}", bcrypt_rounds=4)
    with s.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert int(c.exec_driver_sql("PRAGMA busy_timeout").scalar_one()) >= 1000
    s.close()


def test_bad_url_is_an_input_error() -> None:
    with pytest.raises(InputError):
        Store.open("not a url at all")
    with pytest.raises(InputError):
        Store.open("sqlite://")


def test_a_sqlite_file_under_the_home_folder_is_opened_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    s = Store.open("sqlite:///~/stores/s.sqlite", bcrypt_rounds=4)
    s.ensure_county(s.operator_session(), "qingzu", "庆祖镇")
    s.close()
    assert (tmp_path / "stores" / "s.sqlite").is_file()
    again = Store.open("sqlite:///~/stores/s.sqlite", bcrypt_rounds=4)
    try:
        assert "qingzu" in again.learning.county_ids(again.operator_session())
    finally:
        again.close()


# ----------------------------------------------------------------------------- users


def test_only_the_first_user_is_created_without_a_session(store: Store, admin: Session) -> None:
    with pytest.raises(AccessDenied):
        store.create_user("mallory", PW, "admin")


def test_only_admins_create_users(store: Store, people: dict[str, Session]) -> None:
    with pytest.raises(AccessDenied):
        store.create_user("x1", PW, "admin", session=people["manager"])


def test_passwords_are_bcrypt_hashed(store: Store, admin: Session) -> None:
    with store.engine.connect() as c:
        h = c.execute(sa.select(S.users.c.password_hash)).scalar_one()
    assert h.startswith("$2") and PW not in h


def test_wrong_password_and_unknown_user_are_refused_alike(
        store: Store, admin: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    import bcrypt

    checked: list[bytes] = []
    check = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, h: checked.append(h[:7]) or check(pw, h))
    with pytest.raises(AccessDenied, match="wrong username or password"):
        store.login("admin", "not the password")
    with pytest.raises(AccessDenied, match="wrong username or password"):
        store.login("nobody", PW)
    # alike in time too: an unknown name is checked against a hash of the same cost
    assert checked == [b"$2b$04$"] * 2


def test_a_hashing_cost_bcrypt_does_not_take_is_refused_when_the_store_opens(
        tmp_path: Path) -> None:
    for rounds in (3, 32):
        with pytest.raises(InputError, match="between 4 and 31") as err:
            Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", bcrypt_rounds=rounds)
        assert err.value.field == "bcrypt_rounds"
    assert not (tmp_path / "s.sqlite").exists()  # refused before anything is written


def test_expired_session_is_refused(store: Store, people: dict[str, Session],
                                    clock: Clock) -> None:
    s = store.login("mgr", PW, ttl_s=60)
    assert store.do_not_visit_ids(s, "qingzu") == frozenset()
    clock.t += dt.timedelta(seconds=61)
    with pytest.raises(AccessDenied, match="expired"):
        store.do_not_visit_ids(s, "qingzu")


def test_logged_out_or_forged_session_is_refused(store: Store,
                                                 people: dict[str, Session]) -> None:
    s = store.login("mgr", PW)
    store.logout(s)
    with pytest.raises(AccessDenied):
        store.do_not_visit_ids(s, "qingzu")
    forged = Session("made-up-token", "admin", Role.ADMIN, None, None, None,
                     dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(AccessDenied):
        store.do_not_visit_ids(forged, "qingzu")


def test_role_comes_from_the_database_not_the_client(store: Store,
                                                     people: dict[str, Session]) -> None:
    o1 = people["o1"]
    promoted = Session(o1.token, o1.username, Role.ADMIN, None, None, None, o1.expires_at)
    with pytest.raises(AccessDenied):
        store.audit_log(promoted)


def test_roles_are_an_enum_that_accepts_its_text(store: Store, admin: Session) -> None:
    assert tuple(r.value for r in Role) == ROLES
    store.create_user("m2", PW, Role.MANAGER, county_id="qingzu", session=admin)
    store.create_user("p2", PW, "planner", session=admin)
    m2, p2 = store.login("m2", PW), store.login("p2", PW)
    assert m2.role is Role.MANAGER and p2.role is Role.PLANNER and p2.role == "planner"
    with pytest.raises(InputError) as err:
        store.create_user("x2", PW, "superuser", session=admin)
    assert err.value.field == "role"
    with pytest.raises(InputError) as err:  # nor can a client-side session carry one
        Session("t", "u", "root", None, None, None,  # type: ignore[arg-type]
                dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert err.value.field == "role"


@pytest.mark.parametrize("call, field", [
    (lambda s, a: s.login("admin", PW, ttl_s=0), "ttl_s"),
    (lambda s, a: s.create_user("short", "pw", "admin", session=a), "password"),
    (lambda s, a: s.create_user("o9", PW, "officer", session=a), "officer_id"),
    (lambda s, a: s.create_user("m9", PW, "manager", session=a), "county_id"),
    (lambda s, a: s.create_user("admin", PW, "admin", session=a), "username"),
    (lambda s, a: s.ensure_county(a, "x y"), "county_id"),
    (lambda s, a: s.publish(a, "qingzu", DAY, 7), "version"),
    (lambda s, a: s.publish(a, "qingzu", DAY, True), "version"),
    (lambda s, a: s.published_plan(a, "nowhere", DAY), "county_id"),
    (lambda s, a: s.audit_log(a, limit=0), "limit"),
    (lambda s, a: s.outcome_summary(a, "qingzu", by=["name"]), "by"),
    (lambda s, a: s.follow_ups(a, "qingzu", DAY, days=0), "days"),
    (lambda s, a: s.follow_ups(a, "qingzu", "03/03/2025"), "date"),
    (lambda s, a: s.outcomes_frame(a, "qingzu", since="2025-13-01"), "since"),
])
def test_bad_arguments_name_their_field(store: Store, admin: Session,
                                        call: Callable[[Store, Session], object],
                                        field: str) -> None:
    with pytest.raises(InputError) as err:
        call(store, admin)
    assert err.value.field == field


# ----------------------------------------------------------------------------- plans


def test_versions_are_kept_and_published_content_never_changes(
        store: Store, people: dict[str, Session]) -> None:
    m = people["manager"]
    problem, plan = synthetic_day()
    _, plan_b = synthetic_day(reverse=True)
    v1 = store.save_plan(m, "qingzu", DAY, problem, plan)
    with pytest.raises(InputError, match="no published plan"):
        store.published_plan(m, "qingzu", DAY)
    store.publish(m, "qingzu", DAY, v1)
    h1 = store.plan_versions(m, "qingzu", DAY)[0].content_hash
    v2 = store.save_plan(m, "qingzu", DAY, problem, plan_b)
    assert (v1, v2) == (1, 2)
    assert store.published_plan(m, "qingzu", DAY)[2] == 1  # a draft changes nothing
    store.publish(m, "qingzu", DAY, v2)
    vs = store.plan_versions(m, "qingzu", DAY)
    assert [(v.version, v.status) for v in vs] == [(1, "superseded"), (2, "published")]
    assert [v.status for v in vs] == [PlanState.SUPERSEDED, PlanState.PUBLISHED]
    assert vs[0].content_hash == h1
    _, got, version = store.published_plan(m, "qingzu", DAY)
    assert version == 2 and got.routes[0].lead_ids == plan_b.routes[0].lead_ids
    _, old, _ = store.plan(m, "qingzu", DAY, 1)
    assert old.routes[0].lead_ids == plan.routes[0].lead_ids
    store.publish(m, "qingzu", DAY, 1)  # roll back
    assert [v.status for v in store.plan_versions(m, "qingzu", DAY)] == ["published",
                                                                         "superseded"]


def test_the_same_plan_saved_again_is_the_same_draft(store: Store,
                                                      people: dict[str, Session]) -> None:
    """The app keeps a plan as a draft when it is made; publishing it saves it again."""
    m = people["manager"]
    problem, plan = synthetic_day()
    _, plan_b = synthetic_day(reverse=True)
    assert store.save_plan(m, "qingzu", DAY, problem, plan) == 1
    assert store.save_plan(m, "qingzu", DAY, problem, plan) == 1  # nothing new
    assert store.save_plan(m, "qingzu", DAY, problem, plan_b) == 2
    assert store.save_plan(m, "qingzu", DAY, problem, plan) == 3  # not the newest: a new one
    store.publish(m, "qingzu", DAY, 3)
    # published, it is no draft to reuse: the next save is a new version
    assert store.save_plan(m, "qingzu", DAY, problem, plan) == 4
    assert [v.status for v in store.plan_versions(m, "qingzu", DAY)] == [
        "draft", "draft", "published", "draft"]
    assert [e.action for e in store.audit_log(m, "qingzu")].count("save_plan") == 4


def test_a_draft_remade_by_its_author_keeps_its_number_and_leaves_no_stale_parts(
        store: Store, people: dict[str, Session]) -> None:
    """The manager page's one working draft per day: re-optimised, it is remade in place;
    another user's draft, and a published version, are never overwritten."""
    m, admin = people["manager"], people["admin"]
    problem, plan = synthetic_day()
    slow, plan_slow = synthetic_day(reverse=True, leg_s=900)  # another matrix
    assert store.save_plan(m, "qingzu", DAY, problem, plan, replace_draft=True) == 1
    assert store.save_plan(m, "qingzu", DAY, slow, plan_slow, replace_draft=True) == 1
    _, got, _ = store.plan(m, "qingzu", DAY, 1)
    assert [r.lead_ids for r in got.routes] == [r.lead_ids for r in plan_slow.routes]
    assert got.routes[0].stops[1].arrival_s == plan_slow.routes[0].stops[1].arrival_s
    assert _matrix_rows(store) == 1  # the first matrix, named by no version now, is gone
    with store.engine.connect() as c:
        stops = c.execute(sa.select(S.plan_stops.c.lead_id, S.plan_stops.c.seq).where(
            S.plan_stops.c.officer_id == "O01").order_by(S.plan_stops.c.seq)).all()
    assert [r.lead_id for r in stops] == list(plan_slow.routes[0].lead_ids)
    # another user's draft is not theirs to remake
    assert store.save_plan(admin, "qingzu", DAY, problem, plan, replace_draft=True) == 2
    store.publish(m, "qingzu", DAY, 2)
    assert store.save_plan(admin, "qingzu", DAY, slow, plan_slow, replace_draft=True) == 3
    assert [(v.version, v.status, v.created_by) for v in store.plan_versions(
        m, "qingzu", DAY)] == [(1, "draft", "mgr"), (2, "published", "admin"),
                               (3, "draft", "admin")]
    saves = [(e.target, e.detail["remade"]) for e in store.audit_log(m, "qingzu")
             if e.action == "save_plan"]
    assert sorted(saves) == [(f"{DAY} v1", False), (f"{DAY} v1", True), (f"{DAY} v2", False),
                             (f"{DAY} v3", False)]


def test_republishing_keeps_recorded_outcomes(store: Store, people: dict[str, Session],
                                              published: int) -> None:
    record(store, people["o1"], "L01-01", "interested")
    problem, plan_b = synthetic_day(reverse=True)
    v2 = store.save_plan(people["manager"], "qingzu", DAY, problem, plan_b)
    store.publish(people["manager"], "qingzu", DAY, v2)
    got = store.visit_outcomes(people["manager"], "qingzu", DAY)
    assert [(r.lead_id, r.outcome, r.plan_version) for r in got] == [("L01-01", "interested",
                                                                      1)]


def test_inconsistent_plan_is_refused(store: Store, people: dict[str, Session]) -> None:
    from dataclasses import replace

    problem, plan = synthetic_day()
    twice = replace(plan, routes=(plan.routes[0], replace(plan.routes[1],
                                                          stops=plan.routes[0].stops)))
    with pytest.raises(InputError, match="visited twice"):
        store.save_plan(people["manager"], "qingzu", DAY, problem, twice)
    with pytest.raises(InputError, match="date"):
        store.save_plan(people["manager"], "qingzu", "2025-02-30", problem, plan)


# ----------------------------------------------------------------------------- access


def test_officer_sees_only_their_own_list(store: Store, people: dict[str, Session],
                                          published: int) -> None:
    day = store.visit_list(people["o1"], "qingzu", DAY)
    assert day.officer_id == "O01" and day.stops[0].lead_id == "L01-01"
    assert day.stops[0].why == "去年贷过款，按时还清"
    assert store.visit_list(people["o1"], "qingzu", DAY, "O01").stops == day.stops
    with pytest.raises(AccessDenied):
        store.visit_list(people["o1"], "qingzu", DAY, "O02")
    problem, plan, _ = store.published_plan(people["o1"], "qingzu", DAY)
    assert [r.officer_id for r in plan.routes] == ["O01"]
    assert {ld.lead_id[:3] for ld in problem.leads} == {"L01"} and not plan.dropped
    assert store.visit_list(people["manager"], "qingzu", DAY, "O02").officer_id == "O02"


def test_other_counties_are_out_of_reach(store: Store, people: dict[str, Session],
                                         published: int) -> None:
    with pytest.raises(AccessDenied):
        store.visit_list(people["outsider"], "qingzu", DAY, "O01")
    with pytest.raises(AccessDenied):
        store.published_plan(people["outsider"], "qingzu", DAY)
    with pytest.raises(AccessDenied):
        store.visit_list(people["o1"], "other", DAY)


def test_region_manager_sees_every_county_of_the_region(store: Store,
                                                        people: dict[str, Session],
                                                        published: int) -> None:
    rm = add_user(store, people["admin"], "regional", "manager", region="puyang")
    assert store.published_plan(rm, "qingzu", DAY)[2] == published
    with pytest.raises(AccessDenied):
        store.published_plan(rm, "other", DAY)


def test_planner_gets_aggregates_without_personal_data(store: Store, people: dict[str, Session],
                                                       published: int, demo_dir: Path) -> None:
    p = people["planner"]
    with pytest.raises(AccessDenied):
        store.visit_list(p, "qingzu", DAY, "O01")
    with pytest.raises(AccessDenied):
        store.leads_frame(p, "qingzu")
    problem, plan, _ = store.published_plan(p, "qingzu", DAY)
    assert len(plan.routes) == 3
    assert all(ld.phone == "" and ld.address == "" and ld.name == ld.lead_id
               for ld in problem.leads)
    record(store, people["o1"], "L01-02", "applied", amount_yuan=50000)
    summary = store.outcome_summary(p, "qingzu", by=["plan_date", "officer_id"])
    assert summary.to_dict("records") == [{"plan_date": DAY, "officer_id": "O01",
                                           "outcome": "applied", "visits": 1,
                                           "amount_yuan": 50000.0}]
    assert not {"name", "phone", "address", "notes"} & set(summary.columns)
    with pytest.raises(AccessDenied):
        record(store, p, "L01-03")


# ----------------------------------------------------------------------------- outcomes


def test_retried_tap_records_once(store: Store, people: dict[str, Session],
                                  published: int) -> None:
    oid = str(uuid.uuid4())
    a = record(store, people["o1"], "L01-01", "interested", outcome_id=oid)
    b = record(store, people["o1"], "L01-01", Outcome.INTERESTED, outcome_id=oid)
    assert a == b and a.outcome is Outcome.INTERESTED
    assert count_rows(store, S.outcomes) == 1
    with pytest.raises(InputError, match="another visit"):
        record(store, people["o1"], "L01-02", outcome_id=oid)


def test_officer_records_only_on_their_own_route(store: Store, people: dict[str, Session],
                                                 published: int, clock: Clock) -> None:
    with pytest.raises(AccessDenied):
        record(store, people["o1"], "L02-01")
    clock.t += dt.timedelta(hours=10)  # 01:00 of 2025-03-04 in the county: that day's visits
    with pytest.raises(AccessDenied):  # a draft is not a route
        problem, plan = synthetic_day(plan_date="2025-03-04")
        store.save_plan(people["manager"], "qingzu", "2025-03-04", problem, plan)
        store.record_outcome(people["o1"], outcome_id=str(uuid.uuid4()), county_id="qingzu",
                             plan_date="2025-03-04", lead_id="L01-01", outcome="met",
                             consent=True)
    rec = record(store, people["manager"], "L02-01", "not_there")
    assert rec.officer_id == "O02" and rec.recorded_by == "mgr"


@pytest.mark.parametrize("kw, field", [
    ({"outcome": "maybe"}, "outcome"),
    ({"outcome": "applied", "amount_yuan": "about 12000"}, "amount_yuan"),  # 12,000 is read
    ({"outcome": "applied", "amount_yuan": float("nan")}, "amount_yuan"),
    ({"outcome": "applied", "amount_yuan": -5}, "amount_yuan"),
    ({"outcome": "met", "amount_yuan": 100}, "amount_yuan"),
    ({"notes": "x" * 501}, "notes"),
    ({"notes": "身份证 410928199001011234"}, "notes"),
    ({"notes": "卡号 6222 0212 3456 7890 123"}, "notes"),
    ({"reason": "a\x00b", "outcome": "not_interested"}, "reason"),
    ({"consent": False, "notes": "老板说下月再来"}, "consent"),
    ({"consent": False, "outcome": "applied"}, "consent"),
    ({"outcome_id": "1; DROP TABLE outcomes"}, "outcome_id"),
    ({"lead_id": "L01-01' OR '1'='1"}, "lead_id"),
])
def test_malformed_outcomes_are_rejected(store: Store, people: dict[str, Session],
                                         published: int, kw: dict[str, object],
                                         field: str) -> None:
    args: dict[str, object] = {"lead_id": "L01-01", "outcome": "met", **kw}
    lead = args.pop("lead_id")
    outcome = args.pop("outcome")
    with pytest.raises(InputError) as err:
        record(store, people["o1"], lead, outcome, **args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert count_rows(store, S.outcomes) == 0


def test_opt_out_puts_the_lead_on_the_do_not_visit_list(store: Store,
                                                        people: dict[str, Session],
                                                        published: int) -> None:
    m = people["manager"]
    record(store, people["o1"], "L01-03", "not_interested", reason="不需要贷款",
            opt_out=True, consent=False)
    record(store, people["o1"], "L01-03", "not_interested", opt_out=True, consent=False)
    assert store.do_not_visit_ids(m, "qingzu") == {"L01-03"}
    store.opt_out(m, "qingzu", "L02-02", "客户来电拒绝")
    assert store.do_not_visit_ids(people["o2"], "qingzu") == {"L01-03", "L02-02"}
    problem, plan = synthetic_day()
    v = store.save_plan(m, "qingzu", DAY, problem, plan)
    with pytest.raises(InputError, match="do-not-visit"):
        store.publish(m, "qingzu", DAY, v)


def test_do_not_visit_leads_leave_the_planning_table(store: Store, people: dict[str, Session],
                                                     demo_dir: Path) -> None:
    m = people["manager"]
    store.import_leads(demo_dir / "leads.csv", "qingzu", session=m)
    store.opt_out(m, "qingzu", "B0001", "客户来电拒绝")
    ids = set(store.leads_frame(m, "qingzu")["lead_id"])
    assert "B0001" not in ids and len(ids) == 399
    assert "B0001" in set(store.leads_frame(m, "qingzu", include_do_not_visit=True)["lead_id"])


def test_outcomes_feed_retraining_and_follow_ups(store: Store, people: dict[str, Session],
                                                 published: int) -> None:
    from propensity.scorer import outcomes_to_history

    o1, o2, m = people["o1"], people["o2"], people["manager"]
    record(store, o1, "L01-01", "interested")
    record(store, o1, "L01-02", "applied", amount_yuan=80000)
    record(store, o1, "L01-03", "not_there", consent=False)
    record(store, o2, "L02-01", "met")
    record(store, o2, "L02-02", "interested", opt_out=True)  # interested, yet refuses visits
    record(store, o1, "L01-04", "interested")
    record(store, o1, "L01-04", "approved", amount_yuan=30000)  # corrected later that day
    frame = store.outcomes_frame(people["planner"], "qingzu")
    assert list(frame.columns) == ["lead_id", "month", "outcome", "amount_yuan"]
    assert len(frame) == 6 and set(frame["month"]) == {"2025-03"}
    hist = outcomes_to_history(frame)
    assert hist.set_index("lead_id").loc["L01-02", "took_loan"] == 1
    assert hist.set_index("lead_id").loc["L01-04", "loan_yuan"] == 30000
    assert store.follow_ups(m, "qingzu", "2025-03-04") == ["L01-02", "L01-01"]
    assert store.follow_ups(m, "qingzu", "2025-03-30") == []  # out of the 14-day window
    assert store.outcomes_frame(m, "qingzu", since="2025-03-04").empty


def test_every_write_is_audited(store: Store, people: dict[str, Session],
                                published: int) -> None:
    record(store, people["o1"], "L01-01", "met")
    log = store.audit_log(people["admin"])
    actions = [e.action for e in log]
    for a in ("create_user", "ensure_county", "login", "save_plan", "publish",
              "record_outcome"):
        assert a in actions
    rec = next(e for e in log if e.action == "record_outcome")
    assert rec.username == "wang" and rec.county_id == "qingzu" and rec.at.tzinfo is not None
    assert rec.role is Role.OFFICER and rec.action is AuditAction.RECORD_OUTCOME
    mine = store.audit_log(people["manager"], "qingzu")
    assert mine and all(e.county_id == "qingzu" for e in mine)
    with pytest.raises(AccessDenied):
        store.audit_log(people["o1"], "qingzu")
    with pytest.raises(AccessDenied):
        store.audit_log(people["outsider"], "qingzu")


def test_cli_alembic_ini_points_at_the_migrations(tmp_path: Path) -> None:
    """``alembic -c countyreach/alembic.ini -x url=...`` works for operators too."""
    from alembic import command
    from alembic.config import Config

    ini = Path(__file__).resolve().parents[1] / "countyreach" / "alembic.ini"
    copy = tmp_path / "alembic.ini"
    shutil.copy(ini, copy)
    cfg = Config(str(ini))
    cfg.cmd_opts = type("Opts", (), {"x": [f"url=sqlite:///{tmp_path / 'cli.sqlite'}"]})()
    command.upgrade(cfg, "head")
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert "outcomes" in sa.inspect(eng).get_table_names()
    eng.dispose()


def _matrix_rows(store: Store) -> int:
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(S.plan_matrices))
                   .scalar_one())


def test_a_days_versions_share_one_stored_matrix(store: Store, people: dict[str, Session],
                                                published: int) -> None:
    import numpy as np

    m = people["manager"]
    problem, plan = synthetic_day()
    again = store.save_plan(m, "qingzu", DAY, problem, plan)  # a re-optimisation, say
    assert _matrix_rows(store) == 1
    with store.engine.connect() as c:
        texts = [unpack_text(z) for z in c.execute(sa.select(S.plans.c.problem_z)).scalars()]
    assert len(texts) == 2 and not any('"matrix":' in t for t in texts)
    for v in (published, again):
        back, _, _ = store.plan(m, "qingzu", DAY, v)
        assert back.matrix.node_ids == problem.matrix.node_ids
        assert np.array_equal(back.matrix.duration_s, problem.matrix.duration_s)
        assert np.array_equal(back.matrix.distance_m, problem.matrix.distance_m)
    assert store.visit_list(people["o1"], "qingzu", DAY).stops


def test_migration_0010_moves_stored_matrices_out_and_back(store: Store,
                                                          people: dict[str, Session],
                                                          published: int) -> None:
    """A store of plans saved with the matrix inline (0009) upgrades without losing one."""
    now, inline, after = _down_and_up(store, "0009", "problem_json")
    assert '"matrix":{' in inline[0] and inline[1] != now[0][1]  # as 0009 kept them
    assert after == now and _matrix_rows(store) == 1  # the same texts, hash and matrix
    back, _, _ = store.plan(people["manager"], "qingzu", DAY, published)
    assert back.matrix.node_ids == synthetic_day()[0].matrix.node_ids


#: The texts revision 0014 keeps compressed, by the column that held them before.
_PACKED = {"problem_json": "problem_z", "explanations_json": "explanations_z"}


def _down_and_up(store: Store, revision: str, column: str
                 ) -> tuple[list[tuple[str, str]], tuple[str, str], list[tuple[str, str]]]:
    """The plans' ``column`` and content hash, by version: as stored now, the one version as
    the store downgraded to ``revision`` keeps it, and after migrating back up."""
    from alembic import command
    from alembic.config import Config

    from countyreach.store import migrate

    def texts() -> list[tuple[str, str]]:
        # the problem's and the reasons' texts are kept compressed since 0014
        stored = S.plans.c[_PACKED.get(column, column)]
        with store.engine.connect() as c:
            return [(unpack_text(a) if isinstance(a, bytes) else str(a), str(b))
                    for a, b in c.execute(sa.select(stored, S.plans.c.content_hash)
                                          .order_by(S.plans.c.version))]

    now = texts()
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1]
                                               / "countyreach" / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    with store.engine.connect() as c:
        a, b = c.execute(sa.text(f"SELECT {column}, content_hash FROM plans")).one()
    migrate(store.engine)
    return now, (str(a), str(b)), texts()


def _left_out_day() -> tuple[RoutingProblem, Plan]:
    """The synthetic day with officer O03's leads left out (O03 stays home), as a
    re-optimisation might leave them."""
    problem, plan = synthetic_day()
    gone = next(r for r in plan.routes if r.officer_id == "O03")
    dropped = tuple(DroppedLead(lid, DropReason.NO_CAPACITY, "every qualified officer's "
                                "day is full", None) for lid in gone.lead_ids)
    return problem, replace(plan, routes=tuple(r for r in plan.routes if r is not gone),
                            dropped=dropped)


def _dropped_rows(store: Store) -> int:
    with store.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(S.plan_dropped))
                   .scalar_one())


def test_a_days_versions_share_one_stored_left_out_list(store: Store,
                                                        people: dict[str, Session]) -> None:
    m = people["manager"]
    problem, plan = _left_out_day()
    first = store.save_plan(m, "qingzu", DAY, problem, plan)
    again = store.save_plan(m, "qingzu", DAY, problem, replace(plan, solve_time_s=2.0))
    assert _dropped_rows(store) == 1
    with store.engine.connect() as c:
        texts = c.execute(sa.select(S.plans.c.plan_json)).scalars().all()
    assert len(texts) == 2 and not any('"dropped":' in t for t in texts)
    for v in (first, again):
        _, back, _ = store.plan(m, "qingzu", DAY, v)
        assert back.dropped == plan.dropped
    # the content hash covers the list it names: another list, another hash
    other = store.save_plan(m, "qingzu", DAY, problem, replace(plan, dropped=plan.dropped[1:]))
    hashes = {v.version: v.content_hash for v in store.plan_versions(m, "qingzu", DAY)}
    assert hashes[other] != hashes[first] and _dropped_rows(store) == 2


def test_migration_0011_moves_stored_left_out_lists_out_and_back(
        store: Store, people: dict[str, Session]) -> None:
    """A store of plans saved with the left-out list inline (0010) upgrades losing none."""
    problem, plan = _left_out_day()
    version = store.save_plan(people["manager"], "qingzu", DAY, problem, plan)
    now, inline, after = _down_and_up(store, "0010", "plan_json")
    assert '"dropped":[{' in inline[0] and inline[1] != now[0][1]  # as 0010 kept them
    assert after == now and _dropped_rows(store) == 1  # the same texts, hash and list
    _, back, _ = store.plan(people["manager"], "qingzu", DAY, version)
    assert back.dropped == plan.dropped


@pytest.mark.parametrize("column", sorted(_PACKED))
def test_migration_0014_compresses_the_texts_and_back(store: Store, people: dict[str, Session],
                                                     published: int, column: str) -> None:
    """A store of 0013 keeps the same texts and hashes through the upgrade and back; stored
    compressed, the texts read the same."""
    now, text, after = _down_and_up(store, "0013", column)
    assert text == now[0]  # 0013's text column held the same text, under the same hash
    assert after == now
    with store.engine.connect() as c:
        packed = c.execute(sa.select(S.plans.c[_PACKED[column]])).scalar_one()
    assert isinstance(packed, bytes) and unpack_text(packed) == now[0][0]
    forget_all()
    assert store.visit_list(people["o1"], "qingzu", DAY).stops[0].why == "去年贷过款，按时还清"
    _, back, _ = store.plan(people["manager"], "qingzu", DAY, published)
    assert back.routes == synthetic_day()[1].routes


def test_erasure_removes_personal_data_everywhere(store: Store, people: dict[str, Session],
                                                  published: int) -> None:
    from countyreach.store.parsed import PARSED_PLANS

    m = people["manager"]
    record(store, people["o1"], "L01-02", "interested", notes="老板姓张，下周再来")
    store.plan(m, "qingzu", DAY, published)  # the version read, and kept parsed in memory
    assert any("测试商户1-2" in p.lead_by_id["L01-02"].name for p, _, _ in PARSED_PLANS)
    store.erase_personal_data(m, "qingzu", "L01-02", "客户要求删除")
    assert not any(p.lead_by_id["L01-02"].name for p, _, _ in PARSED_PLANS)
    with store.engine.connect() as c:
        text = "\n".join(map(unpack_text, c.execute(sa.select(S.plans.c.problem_z)).scalars()))
        notes = c.execute(sa.select(S.outcomes.c.notes)).scalars().all()
    assert "测试商户1-2" not in text and "138 0000 0102" not in text
    assert "测试商户1-1" in text  # other businesses untouched
    assert notes == [""]
    assert "L01-02" in store.do_not_visit_ids(m, "qingzu")
    stop = next(s for s in store.visit_list(m, "qingzu", DAY, "O01").stops
                if s.lead_id == "L01-02")
    assert stop.name == "" and stop.phone == ""
    assert store.outcomes_frame(m, "qingzu")["outcome"].tolist() == ["interested"]
    with pytest.raises(AccessDenied):
        store.erase_personal_data(people["o1"], "qingzu", "L01-01")
