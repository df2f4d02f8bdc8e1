"""How the command line opens the store (as the app does: its URL, clock and hashing cost)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["open_plain_store", "open_store", "store_holds"]


def open_plain_store() -> Any:
    """The configured store, its clock the app's: for the commands that need no planning
    (accounts, listings), which then start without loading the models."""
    from countyreach.settings import app_now, get_settings
    from countyreach.store import Store

    # the app's clock (COUNTYREACH_CLOCK when set), as the app opens the store: a day
    # `plan` takes for today is today for the outcomes recorded on it too
    settings = get_settings()
    return Store.open(settings.store_url, bcrypt_rounds=settings.bcrypt_rounds, clock=app_now)


def open_store() -> tuple[Any, Any]:
    """The configured store (:func:`open_plain_store`) and the daily loop over it."""
    from countyreach.services.loop import DailyLoop

    store = open_plain_store()
    return store, DailyLoop.from_settings(store)


def store_holds(county_id: str, lang: str = "en") -> bool:
    """Whether the configured store holds ``county_id``.

    Creates no store: a SQLite file that is not there holds nothing. A store that cannot be
    opened holds nothing either, and a warning says so: the caller then reads the folder of
    that name, as before there was a store. A URL that is no database URL is refused as
    every store command refuses it (:class:`~countyreach.errors.InputError`).
    """
    from countyreach.errors import InputError, StoreError
    from countyreach.i18n import t
    from countyreach.localize import localize
    from countyreach.settings import get_settings
    from countyreach.store.engine import sqlite_file

    try:
        path = sqlite_file(get_settings().store_url)
    except InputError:
        path = None  # opening it says what is wrong, in the store's words
    if path is not None and not path.is_file():
        return False
    try:
        store = open_plain_store()
    except StoreError as exc:
        reason = " ".join(str(exc).split())  # a driver's message spans lines
        # a message naming no file: localised whole (an input warning's first ": " may
        # follow a file's path, and the URL in the reason would read as one)
        said = localize(f"the store could not be opened, so {county_id} is read from the "
                        f"folder of that name ({reason})", lang)
        print(t("cli_warning", lang, message=said), file=sys.stderr)
        return False
    with store:
        return county_id in store.learning.county_ids(store.operator_session())
