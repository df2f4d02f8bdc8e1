"""One seeder of demo accounts for the app's "Try the demo" and ``countyreach demo``."""

from __future__ import annotations

from pathlib import Path

from countyreach.services.workspace import DEMO_PASSWORD, seed_demo_users
from countyreach.store import Store

NAMES = ["demo-manager", "demo-planner", "demo-o1", "demo-o2"]


def test_the_command_lines_accounts_are_the_apps(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}", bcrypt_rounds=4)
    admin = store.operator_session()  # what `countyreach demo` passes
    made = seed_demo_users(store, "c1", "Test county", ["O1", "O2"], session=admin)
    assert [u.username for u in made] == NAMES and all(u.created for u in made)
    assert {u.password for u in made} == {DEMO_PASSWORD}
    assert "demo-admin" not in store.users.usernames()  # no public-password admin
    again = seed_demo_users(store, "c1", "Test county", ["O1", "O2"], session=admin)
    assert not any(u.created for u in again)
    # the app's "Try the demo" on that store finds the same accounts instead of refusing
    app = seed_demo_users(store, "c1", "Test county", ["O1", "O2"])
    assert [u.username for u in app] == NAMES and not any(u.created for u in app)
    assert store.login("demo-o2", DEMO_PASSWORD).officer_id == "O2"
    assert store.login("demo-manager", DEMO_PASSWORD).role == "manager"
    store.close()
