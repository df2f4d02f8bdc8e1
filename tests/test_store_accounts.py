"""Accounts over their lifetime: listed for admins, disabled when someone leaves (signed out at
once, their records kept), a new password for a user who forgot theirs, and one's own
password changed. On SQLite and PostgreSQL alike (the ``store`` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from countyreach.errors import AccessDenied, InputError, SignInLocked
from countyreach.store import Store
from countyreach.store import schema as S
from countyreach.store.records import AuditAction, NewAccount, Role, Session
from countyreach.store.testing import Clock
from countyreach.store.users import OPERATOR, SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_S
from tests.store_people import DAY, PW

NEW_PW = "a-new-password-1"


def _actions(store: Store, admin: Session) -> list[str]:
    return [e.action for e in store.audit.entries(admin)]


def test_an_admin_lists_the_accounts_with_their_last_sign_in(
        store: Store, people: dict[str, Session], clock: Clock) -> None:
    admin = people["admin"]
    clock.t += dt.timedelta(hours=1)
    store.login("wang", PW)
    assert store.operator_session()  # the CLI's account exists, and is not listed
    accounts = {a.username: a for a in store.users.accounts(admin)}
    assert OPERATOR not in accounts
    assert set(accounts) == {"admin", "mgr", "plan", "wang", "li", "far"}
    wang = accounts["wang"]
    assert (wang.role, wang.officer_id, wang.county_id, wang.active) == \
        (Role.OFFICER, "O01", "qingzu", True)
    assert wang.last_sign_in_at == store.now()
    assert accounts["li"].last_sign_in_at == store.now() - dt.timedelta(hours=1)
    store.create_user("new", PW, "planner", county_id="qingzu", session=admin)
    assert {a.username: a for a in store.users.accounts(admin)}["new"].last_sign_in_at is None
    # a county's accounts: its own, its region's, and those that reach every county
    assert {a.username for a in store.users.accounts(admin, "other")} == {"admin", "far"}
    store.create_user("east", PW, "manager", region="puyang", session=admin)
    assert "east" in {a.username for a in store.users.accounts(admin, "qingzu")}
    assert "east" not in {a.username for a in store.users.accounts(admin, "other")}


def test_only_admins_list_or_change_accounts(store: Store, people: dict[str, Session]) -> None:
    for who in ("manager", "planner", "o1"):
        with pytest.raises(AccessDenied):
            store.users.accounts(people[who])
        with pytest.raises(AccessDenied):
            store.users.set_active("li", False, session=people[who])
        with pytest.raises(AccessDenied):
            store.users.reset_password("li", NEW_PW, session=people[who])
    assert store.login("li", PW)


def test_a_disabled_account_is_signed_out_at_once_and_its_records_kept(
        store: Store, people: dict[str, Session], published: int) -> None:
    admin, officer = people["admin"], people["o1"]
    assert store.published_plan(officer, "qingzu", DAY)[1].routes
    assert store.users.set_active("wang", False, session=admin) is True
    with pytest.raises(AccessDenied):  # the phone already signed in stops at its next call
        store.published_plan(officer, "qingzu", DAY)
    with pytest.raises(AccessDenied):
        store.users.resume(officer.token)
    with pytest.raises(AccessDenied, match="wrong username or password"):
        store.login("wang", PW)
    assert store.users.set_active("wang", False, session=admin) is False  # nothing to do
    assert not {a.username: a for a in store.users.accounts(admin)}["wang"].active
    # enabled again: signs in with the password it had, and its route is still there
    assert store.users.set_active("wang", True, session=admin) is True
    again = store.login("wang", PW)
    assert store.published_plan(again, "qingzu", DAY)[1].routes
    assert _actions(store, admin).count(AuditAction.DISABLE_USER.value) == 1
    assert _actions(store, admin).count(AuditAction.ENABLE_USER.value) == 1


def test_an_admin_cannot_disable_their_own_account_or_the_operators(
        store: Store, people: dict[str, Session]) -> None:
    admin = people["admin"]
    with pytest.raises(InputError, match="their own account"):
        store.users.set_active("admin", False, session=admin)
    for name in (OPERATOR, "nobody"):
        with pytest.raises(InputError, match="no user"):
            store.users.set_active(name, False, session=admin)
        with pytest.raises(InputError, match="no user"):
            store.users.reset_password(name, NEW_PW, session=admin)
    assert store.users.accounts(admin)[0].active


def test_a_new_password_from_an_admin_ends_the_users_sessions(
        store: Store, people: dict[str, Session]) -> None:
    admin, officer = people["admin"], people["o2"]
    with pytest.raises(InputError, match="8 to 128"):
        store.users.reset_password("li", "short", session=admin)
    assert store.users.resume(officer.token)  # a refused reset changed nothing
    store.users.reset_password("li", NEW_PW, session=admin)
    with pytest.raises(AccessDenied):
        store.users.resume(officer.token)
    with pytest.raises(AccessDenied):
        store.login("li", PW)
    assert store.login("li", NEW_PW).username == "li"
    assert AuditAction.RESET_PASSWORD.value in _actions(store, admin)


def test_a_user_changes_their_own_password_and_their_other_sessions_end(
        store: Store, people: dict[str, Session]) -> None:
    here = people["o1"]
    phone = store.login("wang", PW)
    with pytest.raises(AccessDenied, match="current password is wrong"):
        store.users.change_password(here, "not-my-password", NEW_PW)
    with pytest.raises(InputError, match="is the current one"):
        store.users.change_password(here, PW, PW)
    with pytest.raises(InputError, match="8 to 128"):
        store.users.change_password(here, PW, "short")
    assert store.users.resume(phone.token)
    store.users.change_password(here, PW, NEW_PW)
    assert store.users.resume(here.token).username == "wang"  # this browser goes on
    with pytest.raises(AccessDenied):
        store.users.resume(phone.token)
    with pytest.raises(AccessDenied):
        store.login("wang", PW)
    assert store.login("wang", NEW_PW)
    assert AuditAction.CHANGE_PASSWORD.value in _actions(store, people["admin"])


def test_an_expired_session_changes_no_password(store: Store, people: dict[str, Session],
                                                clock: Clock) -> None:
    here = people["o1"]
    clock.t = here.expires_at + dt.timedelta(seconds=1)
    with pytest.raises(AccessDenied, match="expired"):
        store.users.change_password(here, PW, NEW_PW)
    assert store.login("wang", PW)


def test_a_name_with_too_many_failed_sign_ins_is_refused_for_a_while(
        store: Store, people: dict[str, Session], clock: Clock) -> None:
    for _ in range(SIGN_IN_MAX_FAILURES):
        with pytest.raises(AccessDenied, match="wrong username or password"):
            store.login("wang", "a guess 1234")
        clock.t += dt.timedelta(seconds=10)
    # the right password too: the name is refused, not the password checked
    with pytest.raises(SignInLocked, match="try again in 15 min") as refused:
        store.login("wang", PW)
    assert refused.value.until == store.now() + dt.timedelta(
        seconds=SIGN_IN_WINDOW_S - 10 * SIGN_IN_MAX_FAILURES)
    assert store.login("li", PW)  # another name is not held back
    # a session opened before goes on; the name signs in once the oldest failure is old
    assert store.users.resume(people["o1"].token)
    clock.t = refused.value.until
    assert store.login("wang", PW).username == "wang"
    # and the success forgot the failures: four more are not a lock
    for _ in range(SIGN_IN_MAX_FAILURES - 1):
        with pytest.raises(AccessDenied):
            store.login("wang", "a guess 1234")
    assert store.login("wang", PW)


def test_a_name_nobody_has_is_locked_alike(store: Store, people: dict[str, Session]) -> None:
    for _ in range(SIGN_IN_MAX_FAILURES):
        with pytest.raises(AccessDenied, match="wrong username or password"):
            store.login("nobody", "a guess 1234")
    with pytest.raises(SignInLocked):  # as a real name is: the refusal names no account
        store.login("nobody", "a guess 1234")
    with store.engine.connect() as c:  # the names typed are not kept, only their hashes
        kept = [r[0] for r in c.execute(sa.select(S.sign_in_failures.c.name_hash))]
    assert len(kept) == SIGN_IN_MAX_FAILURES and "nobody" not in kept


def test_a_new_password_from_an_admin_lifts_the_lock(
        store: Store, people: dict[str, Session]) -> None:
    for _ in range(SIGN_IN_MAX_FAILURES):
        with pytest.raises(AccessDenied):
            store.login("li", "a guess 1234")
    with pytest.raises(SignInLocked):
        store.login("li", PW)
    store.users.reset_password("li", NEW_PW, session=people["admin"])
    assert store.login("li", NEW_PW).username == "li"


def test_guesses_of_the_current_password_count_as_failed_sign_ins(
        store: Store, people: dict[str, Session]) -> None:
    here = people["o1"]  # a phone left signed in, in other hands
    for _ in range(SIGN_IN_MAX_FAILURES):
        with pytest.raises(AccessDenied, match="current password is wrong"):
            store.users.change_password(here, "a guess 1234", NEW_PW)
    with pytest.raises(SignInLocked):
        store.users.change_password(here, PW, NEW_PW)
    with pytest.raises(SignInLocked):
        store.login("wang", PW)


# ------------------------------------------------------------ first passwords (an admin's)
def test_a_first_password_opens_the_users_own_account_only(
        store: Store, people: dict[str, Session]) -> None:
    store.create_user("zhou", PW, "officer", "O02", "qingzu", session=people["admin"],
                      must_change_password=True)
    first = store.login("zhou", PW)
    assert first.must_change_password and store.users.resume(first.token).must_change_password
    # the store itself refuses the rest, whatever the client draws
    with pytest.raises(AccessDenied, match="choose your own password first"):
        store.learning.county_ids(first)
    with pytest.raises(AccessDenied, match="choose your own password first"):
        store.officers(first, "qingzu")
    store.users.set_language(first, "zh")  # its own account is open to it
    assert store.users.language(first) == "zh"
    assert {a.username: a for a in store.users.accounts(people["admin"])}[
        "zhou"].must_change_password
    now = store.users.change_password(first, PW, NEW_PW)
    assert not now.must_change_password and now.token == first.token
    assert store.learning.county_ids(now) == ["qingzu"]  # the same session goes on
    assert not store.login("zhou", NEW_PW).must_change_password
    assert not {a.username: a for a in store.users.accounts(people["admin"])}[
        "zhou"].must_change_password


def test_a_new_password_from_an_admin_is_for_the_next_sign_in_only(
        store: Store, people: dict[str, Session]) -> None:
    assert not store.login("li", PW).must_change_password
    store.users.reset_password("li", NEW_PW, session=people["admin"])
    li = store.login("li", NEW_PW)
    assert li.must_change_password
    with pytest.raises(AccessDenied, match="choose your own password first"):
        store.learning.county_ids(li)
    assert not store.users.change_password(li, NEW_PW, PW).must_change_password


def test_many_accounts_are_created_at_once_or_none(
        store: Store, people: dict[str, Session]) -> None:
    admin = people["admin"]
    before = {a.username for a in store.users.accounts(admin)}
    team = [NewAccount(f"o{k}", f"first-pw-{k}", "officer", f"O0{k}", "qingzu",
                       must_change_password=True) for k in (3, 4, 5)]
    hashed: list[float] = []
    # a name taken in the store leaves it as it was, though every password was hashed
    with pytest.raises(InputError, match="'li' already exists"):
        store.users.create_users([*team, NewAccount("li", PW, "planner")], session=admin,
                                 progress=hashed.append)
    assert hashed == [0.25, 0.5, 0.75, 1.0]
    assert {a.username for a in store.users.accounts(admin)} == before
    with pytest.raises(InputError, match="'o3' is listed twice"):
        store.users.create_users([*team, team[0]], session=admin)
    with pytest.raises(AccessDenied):
        store.users.create_users(team, session=people["manager"])
    ids = store.users.create_users(team, session=admin)
    assert len(set(ids)) == 3
    made = {a.username: a for a in store.users.accounts(admin)}
    assert {(made[a.username].officer_id, made[a.username].must_change_password)
            for a in team} == {("O03", True), ("O04", True), ("O05", True)}
    assert store.login("o4", "first-pw-4").officer_id == "O04"
    assert _actions(store, admin).count(AuditAction.CREATE_USER.value) >= 3


@pytest.mark.parametrize(("fields", "field"), [
    ({"username": "two words"}, "username"),
    ({"password": "short"}, "password"),
    ({"role": "boss"}, "role"),
    ({"officer_id": None}, "officer_id"),
    ({"role": "manager", "officer_id": None, "county_id": None}, "county_id"),
])
def test_a_new_account_is_checked_when_made(fields: dict[str, object], field: str) -> None:
    given: dict[str, object] = {"username": "zhou", "password": PW, "role": "officer",
                                "officer_id": "O02", "county_id": "qingzu"}
    with pytest.raises(InputError) as err:
        NewAccount(**{**given, **fields})  # type: ignore[arg-type]
    assert err.value.field == field
    assert "first-pw" not in repr(NewAccount("a", "first-pw-1", "admin"))  # no password shown


def test_migration_0017_keeps_every_session_and_password(
        store: Store, people: dict[str, Session]) -> None:
    """Adding ``must_change_password`` to a store in use signs nobody out (SQLite would
    rebuild the users table in a batch copy and its foreign keys end every session), and
    the passwords users have stay theirs."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    from countyreach.store import migrate

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parents[1]
                                               / "countyreach" / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    migrate(store.engine)
    for who in people.values():
        assert not store.users.resume(who.token).must_change_password
    assert store.learning.county_ids(people["o1"]) == ["qingzu"]


def test_a_store_a_newer_countyreach_migrated_is_refused_and_left_as_it_is(
        tmp_path: object, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Software rolled back after an upgrade (or two servers of different versions on one
    database): the store says which revision it has, untouched, and the CLI exits 2."""
    from pathlib import Path

    from countyreach.cli import main
    from countyreach.errors import StoreError
    from countyreach.settings import get_settings

    url = f"sqlite:///{Path(str(tmp_path)) / 'newer.db'}"
    Store.open(url, bcrypt_rounds=4).close()
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreError, match="revision 0099, newer than this countyreach"):
        Store.open(url, bcrypt_rounds=4)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0099"
    engine.dispose()
    monkeypatch.setenv("COUNTYREACH_DB", url)
    monkeypatch.delenv("COUNTYREACH_STORE", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["-q", "users", "list", "--lang", "zh"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "系统库的数据结构版本为 0099，比本版 countyreach 所知的更新（最多到 " in err
    assert "Traceback" not in err
