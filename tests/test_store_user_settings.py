"""What the store keeps for a signed-in user between browsers: the language, the session.

The language a user chose survives closing and reopening the store (a server restart, or
another browser); a session token handed back by a browser (the app's cookie) is resumed
only while the store still says it is live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from countyreach.errors import AccessDenied, InputError
from countyreach.store import Store
from countyreach.store.testing import Clock

PW = "a long secret"
@pytest.fixture()
def store(url: str, clock: Clock) -> Iterator[Store]:
    s = Store.open(url, bcrypt_rounds=4, clock=clock)
    s.create_user("admin", PW, "admin")
    admin = s.login("admin", PW)
    s.ensure_county(admin, "qingzu", "庆祖镇")
    s.create_user("wang", PW, "manager", county_id="qingzu", session=admin)
    s.create_user("li", PW, "officer", officer_id="O01", county_id="qingzu", session=admin)
    yield s
    s.close()


def test_a_chosen_language_survives_reopening_the_store(store: Store, url: str,
                                                        clock: Clock) -> None:
    wang = store.login("wang", PW)
    assert store.users.language(wang) is None  # nothing chosen yet
    store.users.set_language(wang, "en")
    store.close()
    with Store.open(url, bcrypt_rounds=4, clock=clock) as again:
        # another browser: a new sign-in finds the choice
        assert again.users.language(again.login("wang", PW)) == "en"
        # it is wang's alone
        assert again.users.language(again.login("li", PW)) is None


def test_an_unsupported_language_is_refused(store: Store) -> None:
    wang = store.login("wang", PW)
    with pytest.raises(InputError, match="language"):
        store.users.set_language(wang, "fr")
    assert store.users.language(wang) is None


def test_a_signed_out_session_cannot_read_or_set_the_language(store: Store) -> None:
    wang = store.login("wang", PW)
    store.logout(wang)
    with pytest.raises(AccessDenied):
        store.users.set_language(wang, "en")
    with pytest.raises(AccessDenied):
        store.users.language(wang)


def test_a_live_token_resumes_its_session(store: Store) -> None:
    li = store.login("li", PW)
    back = store.users.resume(li.token)
    assert (back.username, back.role, back.officer_id, back.county_id, back.expires_at) == \
        (li.username, li.role, li.officer_id, li.county_id, li.expires_at)
    assert back.token == li.token


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 10_000])
def test_an_unknown_token_resumes_nothing(store: Store, token: str) -> None:
    with pytest.raises(AccessDenied):
        store.users.resume(token)


def test_a_logged_out_token_resumes_nothing(store: Store) -> None:
    li = store.login("li", PW)
    store.logout(li)
    with pytest.raises(AccessDenied):
        store.users.resume(li.token)


def test_an_expired_token_resumes_nothing(store: Store, clock: Clock) -> None:
    li = store.login("li", PW, ttl_s=60)
    clock.t += dt.timedelta(seconds=61)
    with pytest.raises(AccessDenied, match="expired"):
        store.users.resume(li.token)
