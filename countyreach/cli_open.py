"""How the command line opens the store (as the app does: its URL, clock and hashing cost)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["open_store", "store_holds"]


def open_store() -> tuple[Any, Any]:
    """The configured store (its clock the app's) and the daily loop over it."""
    from countyreach.services.loop import DailyLoop
    from countyreach.services.workspace import app_now
    from countyreach.settings import get_settings
    from countyreach.store import Store

    # the app's clock (COUNTYREACH_CLOCK when set), as the app opens the store: a day
    # `plan` takes for today is today for the outcomes recorded on it too
    settings = get_settings()
    store = Store.open(settings.store_url, bcrypt_rounds=settings.bcrypt_rounds, clock=app_now)
    return store, DailyLoop.from_settings(store)


def store_holds(county_id: str) -> bool:
    """Whether the configured store holds ``county_id``. Creates no store (a SQLite file that
    is not there holds nothing), and a store that cannot be opened holds nothing either:
    the caller then reads the folder of that name, as before there was a store."""
    from sqlalchemy.engine import make_url

    from countyreach.errors import StoreError
    from countyreach.settings import get_settings

    url = make_url(get_settings().store_url)
    if url.get_backend_name() == "sqlite" and not (url.database
                                                   and Path(url.database).is_file()):
        return False
    try:
        store, _ = open_store()
    except StoreError:
        return False
    with store:
        return county_id in store.learning.county_ids(store.operator_session())
