"""The phone's own outcome queue: what the server does with the taps the browser kept.

The browser part (``app_pages/offline_outcomes/frontend``) runs in Chromium in
``tests/test_browser_app.py``; here the Python side is checked against a real store:
each tap is checked (:func:`countyreach.services.officer.browser_outcome`), a good one is
recorded once however often it is sent, a bad one is refused with a reason and
acknowledged so the browser stops sending it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app_pages import offline_outcomes as phone
from countyreach.errors import InputError
from countyreach.i18n import LANGS, STRINGS, t
from countyreach.services import officer as svc
from propensity.outcomes import Outcome
from tests.test_app_services import _plan, _problem

DAY = "2026-11-24"
LISTS = {DAY: {"L1", "L2"}}


def _item(**change: Any) -> dict[str, Any]:
    """One tap as the browser keeps it (officer O1's first stop, interested)."""
    item: dict[str, Any] = {"id": str(uuid.uuid4()), "county_id": "c1", "officer_id": "O1",
                            "plan_date": DAY, "lead_id": "L1", "outcome": "interested",
                            "consent": False, "opt_out": False,
                            "tapped_at": "2026-11-24T09:12:00.000Z"}
    item.update(change)
    return item


# ------------------------------------------------------------------- checking one tap


def test_a_good_tap_keeps_the_browsers_id() -> None:
    raw = _item(outcome="applied", consent=True, opt_out=True)
    got = svc.browser_outcome(raw, "c1", "O1", LISTS)
    assert got == svc.PendingOutcome(raw["id"], "c1", DAY, "L1", Outcome.APPLIED, True,
                                     True)
    assert svc.browser_item_id(raw) == raw["id"]


def test_a_tap_carries_what_the_owner_said_of_loans_elsewhere() -> None:
    none = _item(consent=True, other_loan_asked=True, other_loan_month=None)
    assert svc.browser_outcome(none, "c1", "O1", LISTS) == svc.PendingOutcome(
        none["id"], "c1", DAY, "L1", Outcome.INTERESTED, True, False, None, True)
    month = _item(consent=True, other_loan_month="2026-09")  # a month was asked
    got = svc.browser_outcome(month, "c1", "O1", LISTS)
    assert (got.other_loan_month, got.other_loan_asked) == ("2026-09", True)
    # an older phone's tap has neither: not asked
    got = svc.browser_outcome(_item(), "c1", "O1", LISTS)
    assert (got.other_loan_month, got.other_loan_asked) == (None, False)


def test_the_component_offers_not_asked_first_and_says_what_each_answer_records() -> None:
    choices = phone.loan_choices(DAY, "en")
    assert choices[:3] == [
        {"value": "not_asked", "label": "Not asked", "asked": False, "month": None},
        {"value": "none", "label": "Asked: no loan elsewhere", "asked": True, "month": None},
        {"value": "2026-11", "label": "Borrowed from another lender in 2026-11",
         "asked": True, "month": "2026-11"}]
    assert len(choices) == 2 + 24
    assert phone.loan_choices(DAY, "zh")[1]["label"] == t("other_loan_asked_none", "zh")


@pytest.mark.parametrize(("change", "field"), [
    ({"id": "not-a-uuid"}, "outcome_id"),
    ({"id": str(uuid.uuid4()).upper()}, "outcome_id"),  # stored lower-case: acks would miss
    ({"id": 42}, "outcome_id"),
    ({"outcome": "maybe"}, "outcome"),
    ({"outcome": None}, "outcome"),
    ({"lead_id": "L9"}, "lead_id"),  # not on the list of the day
    ({"plan_date": "2026-11-25"}, "lead_id"),  # no list that day
    ({"officer_id": "O2"}, "lead_id"),  # another officer's tap
    ({"county_id": "c2"}, "lead_id"),
    ({"outcome": "applied"}, "consent"),
    ({"outcome": "approved", "consent": False}, "consent"),
    ({"consent": "yes"}, "item"),
    ({"plan_date": None}, "item"),
    ({"plan_date": "24/11/2026"}, "item"),
    ({"other_loan_asked": True}, "consent"),  # what the owner said needs their consent too
    ({"other_loan_month": "2026-09"}, "consent"),
    ({"consent": True, "other_loan_asked": "yes"}, "item"),
    ({"consent": True, "other_loan_month": "Sept"}, "other_loan_month"),
    ({"consent": True, "other_loan_month": 202609}, "other_loan_month"),
])
def test_a_bad_tap_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        svc.browser_outcome(_item(**change), "c1", "O1", LISTS)
    assert err.value.field == field


def test_what_is_not_an_object_is_refused_and_cannot_be_answered() -> None:
    with pytest.raises(InputError) as err:
        svc.browser_outcome(["L1"], "c1", "O1", LISTS)
    assert err.value.field == "item"
    assert svc.browser_item_id(["L1"]) is None
    assert svc.browser_item_id({"id": "x" * 65}) is None
    assert svc.browser_item_id({"id": ""}) is None
    assert svc.browser_item_id({"id": "junk"}) == "junk"  # refused, but answered by its id


# ------------------------------------------------------------------- through the store


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Any]:
    """A SQLite store with demo accounts and the hand-built plan published for ``DAY``."""
    from countyreach.services.workspace import DEMO_PASSWORD, seed_demo_users
    from countyreach.store import Store

    st = Store.open(f"sqlite:///{tmp_path / 'store.db'}", bcrypt_rounds=4)
    seed_demo_users(st, "c1", "Test county", ["O1", "O2"])
    manager = st.login("demo-manager", DEMO_PASSWORD)
    st.publish(manager, "c1", DAY, st.save_plan(manager, "c1", DAY, _problem(), _plan()))
    yield st
    st.close()


def _login(store: Any, user: str) -> Any:
    from countyreach.services.workspace import DEMO_PASSWORD

    return store.login(user, DEMO_PASSWORD)


def _lists(store: Any, session: Any) -> Any:
    def on_list(day: str) -> set[str]:
        listed = svc.visit_list(store, session, "c1", day, "O1", "en")
        return {s.lead_id for s in listed.stops} if listed is not None else set()

    return on_list


def _sync(store: Any, session: Any, items: list[Any], queue: svc.OutcomeQueue,
          acks: dict[str, phone.Ack]) -> list[tuple[str, str]]:
    """What the officer page does with one value of the component."""
    refused = phone.take(items, county_id="c1", officer_id="O1", lists=_lists(store, session),
                         queue=queue, acks=acks, lang="en")
    phone.acknowledge(svc.send_pending(store, session, queue), acks)
    return refused


def _inserts(store: Any, lead: str) -> int:
    from countyreach.store.records import AuditAction

    return sum(1 for e in store.audit_log(_login(store, "demo-manager"), "c1")
               if e.action is AuditAction.RECORD_OUTCOME and e.target == f"{DAY}/{lead}")


def test_a_tap_sent_twice_is_recorded_once(store: Any) -> None:
    me = _login(store, "demo-o1")
    tap = _item()
    queue, acks = svc.OutcomeQueue(), {}
    assert _sync(store, me, [tap], queue, acks) == []
    assert acks == {tap["id"]: phone.Ack(tap["id"], True)}
    # the same value again (any rerun before the browser dropped it): nothing new
    assert _sync(store, me, [tap, dict(tap)], queue, acks) == []
    # a new session (a server restart lost the answers) gets it once more: the store's id
    again: dict[str, phone.Ack] = {}
    _sync(store, _login(store, "demo-o1"), [tap], svc.OutcomeQueue(), again)
    assert again == {tap["id"]: phone.Ack(tap["id"], True)}
    [record] = [r for r in store.visit_outcomes(me, "c1", DAY) if r.lead_id == "L1"]
    assert record.outcome_id == tap["id"] and record.outcome == "interested"
    assert _inserts(store, "L1") == 1


def test_bad_taps_are_refused_with_a_reason_and_answered(store: Any) -> None:
    me = _login(store, "demo-o1")
    bad = {
        "unknown": _item(outcome="maybe"),
        "not on the list": _item(lead_id="L9"),
        "no consent": _item(lead_id="L2", outcome="applied"),
        "bad id": _item(id="1234"),
    }
    queue, acks = svc.OutcomeQueue(), {}
    refused = _sync(store, me, [*bad.values(), {"no": "id"}, "junk"], queue, acks)
    why = {item["id"]: acks[item["id"]].why for item in bad.values()}
    assert why == {bad["unknown"]["id"]: t("offline_bad_outcome", "en"),
                   bad["not on the list"]["id"]: t("offline_not_on_list", "en"),
                   bad["no consent"]["id"]: t("needs_consent", "en"),
                   bad["bad id"]["id"]: t("offline_bad_id", "en")}
    assert not any(a.ok for a in acks.values())
    assert sorted(lead for lead, _ in refused) == ["L1", "L1", "L2", "L9"]
    assert len(queue) == 0 and store.visit_outcomes(me, "c1", DAY) == []
    # answered: sent again, they are not checked (nor shown) again
    assert _sync(store, me, list(bad.values()), queue, acks) == []


def test_a_tap_that_asked_reaches_the_loans_elsewhere_the_store_knows(store: Any) -> None:
    me = _login(store, "demo-o1")
    taps = [_item(consent=True, other_loan_asked=True),
            _item(lead_id="L2", consent=True, other_loan_asked=True,
                  other_loan_month="2026-08")]
    acks: dict[str, phone.Ack] = {}
    assert _sync(store, me, taps, svc.OutcomeQueue(), acks) == []
    assert all(a.ok for a in acks.values())
    frame = store.loans_elsewhere_frame(_login(store, "demo-manager"), "c1")
    assert sorted(map(tuple, frame[["lead_id", "month", "known_month"]].values.tolist())) == [
        ("L1", "", "2026-11"), ("L2", "2026-08", "2026-11")]
    # a month the store refuses (after the visit) comes back with the store's reason
    late = _item(lead_id="L2", consent=True, other_loan_month="2027-01")
    _sync(store, me, [late], svc.OutcomeQueue(), acks)
    assert not acks[late["id"]].ok and "2027-01" in acks[late["id"]].why


def test_a_tap_the_store_refuses_is_answered_with_the_stores_reason(store: Any) -> None:
    me = _login(store, "demo-o1")
    tap = _item()
    store.record_outcome(me, outcome_id=tap["id"], county_id="c1", plan_date=DAY, lead_id="L2",
                         outcome="met", consent=False)  # the id is taken by another visit
    acks: dict[str, phone.Ack] = {}
    _sync(store, me, [tap], svc.OutcomeQueue(), acks)
    assert not acks[tap["id"]].ok and "another visit" in acks[tap["id"]].why


def test_a_tap_waits_while_the_database_is_away(store: Any) -> None:
    me = _login(store, "demo-o1")
    tap = _item()
    queue, acks = svc.OutcomeQueue(), {}
    phone.take([tap], county_id="c1", officer_id="O1", lists=_lists(store, me), queue=queue,
               acks=acks, lang="en")
    assert phone.acknowledge(svc.send_pending(None, me, queue), acks) == 0
    assert acks == {} and len(queue) == 1  # not answered: the browser keeps it too
    assert phone.take([tap], county_id="c1", officer_id="O1", lists=_lists(store, me),
                      queue=queue, acks=acks, lang="en") == []
    assert len(queue) == 1  # the same tap is not queued twice
    assert phone.acknowledge(svc.send_pending(store, me, queue), acks) == 1
    assert acks[tap["id"]].ok


# ------------------------------------------------------------------- the component's words


def test_the_component_gets_every_word_it_shows_from_the_catalogue() -> None:
    for key in [*phone.TEXT_KEYS.values(), *phone.REASON_KEYS.values()]:
        assert set(STRINGS.get(key, {})) == set(LANGS), key
    script = (phone.FRONTEND / "outcome_queue.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bT\.(\w+)", script))
    assert used and used <= set(phone.TEXT_KEYS), used - set(phone.TEXT_KEYS)
    # no sentences of its own: the script's string literals are code (selectors, classes, keys)
    code = re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", script, flags=re.S))
    literals = re.findall(r'"([^"\n]*)"|`([^`]*)`', code)
    prose = [a or b for a, b in literals if re.search(r"[A-Za-z]{2,}( [A-Za-z]+){2}", a or b)]
    assert prose == [], prose
    assert (phone.FRONTEND / "index.html").exists()
