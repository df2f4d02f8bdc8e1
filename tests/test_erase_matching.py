"""Whom ``erase`` means: a lead id, name or whole phone number, in one county unless told."""

from __future__ import annotations

import pytest

from countyreach.store import Store
from tests.store_people import PW


@pytest.mark.parametrize("typed", ["13800000007", "138 0000 0007", "138-0000-0007",
                                   "+86 138 0000 0007", "0086 13800000007", "(138)00000007"])
def test_a_phone_matches_the_whole_number_however_it_is_written(
        demo_leads_store: Store, typed: str) -> None:
    admin = demo_leads_store.login("admin", PW)
    assert [(m[0], m[1]) for m in demo_leads_store.find_leads(admin, typed)] == [
        ("qingzu", "B0007")]


@pytest.mark.parametrize("fragment", ["1380000", "13800000", "0000007", "+86 1380000"])
def test_a_part_of_a_phone_matches_nobody(demo_leads_store: Store, fragment: str) -> None:
    # every demo phone starts 1380000: a fragment used to match all 400 leads
    admin = demo_leads_store.login("admin", PW)
    assert demo_leads_store.find_leads(admin, fragment) == []
