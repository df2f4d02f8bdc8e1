"""The store's rules for planning one day, with one owner for the CLI, the app and the loop.

A county in the store is planned by its records, whoever plans it: follow-ups due that day
are pinned to the officer who booked them; leads the store says not to prospect (cooling
after "not interested", the revisit rest, a pending application, an approval, an opt-out)
and the do-not-visit list are left out; the loan rule reads the bank's loan book together
with the loans officers recorded, and scoring reads the loans elsewhere the bank knows of
too (never the loan rule's: :func:`propensity.bank_loan_book`). :func:`day_rules` reads
them once; :meth:`countyreach.services.loop.DailyLoop.plan` (CLI, simulation) and the
manager page (:func:`store_day_rules`) plan with the same :class:`DayRules`.

A manager's pins in the app combine with the follow-ups (:meth:`DayRules.with_manual_pins`):
they never bring back a lead the store leaves out, and a manager who pins a follow-up lead
to another officer moves the booked visit (it stays pinned, so it is still made). That is
what a manager reassigning work expects, e.g. when the officer who booked it is off that
day; without a manual pin the follow-up goes to its officer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from countyreach.errors import AccessDenied, InputError, StoreError
from countyreach.i18n import t
from countyreach.services.models import county_history
from countyreach.store import Session, Store
from countyreach.store.checks import check_date
from countyreach.store.follow_ups import Exclusion
from propensity import bank_loan_book

if TYPE_CHECKING:
    from countyreach.pipeline import CountyData
    from countyreach.services.loop import DailyLoop

__all__ = ["DayRules", "day_rules", "store_day_rules", "rule_counts_text"]


@dataclass(frozen=True)
class DayRules:
    """What the store requires of one county's day.

    Attributes
    ----------
    follow_ups : mapping lead_id -> officer_id
        Follow-ups due that day, with the officer who booked each.
    excluded : mapping lead_id -> str
        Leads not prospected that day and why (an :class:`~countyreach.store.follow_ups.
        Exclusion` value).
    do_not_visit : frozenset of str
        The county's do-not-visit list (scored at 0 and never offered).
    loan_book : pandas.DataFrame
        Every loan the bank knows, recorded loans included (for the loan rule), and the
        loans from other lenders it knows of (``source = "elsewhere"``: features only).
    """

    follow_ups: Mapping[str, str]
    excluded: Mapping[str, str]
    do_not_visit: frozenset[str]
    loan_book: pd.DataFrame

    def exclude(self, pins: Iterable[str] = ()) -> set[str]:
        """Leads not offered to the solver: the excluded and do-not-visit leads, except the
        ``pins`` (the store's own pins: follow-ups, stops already visited)."""
        return (set(self.excluded) | self.do_not_visit) - set(pins)

    def with_manual_pins(self, manual: Mapping[str, str]) -> dict[str, str]:
        """The follow-up pins combined with a manager's ``manual`` pins.

        A manual pin on a lead the store leaves out is dropped (the store's rules win); a
        manual pin on a follow-up lead moves it to that officer (see the module's note).
        Entries that are not lead ids (the app's route locks) pass through.
        """
        barred = self.exclude(self.follow_ups)
        return {**self.follow_ups, **{k: v for k, v in manual.items() if k not in barred}}

    def officers(self, on_duty: Iterable[str], pins: Mapping[str, str]) -> list[str]:
        """The day's officers: ``on_duty`` and every officer a follow-up is still pinned to
        in ``pins`` (the visit was promised; :meth:`DailyLoop.plan` does the same)."""
        kept = {oid for lid, oid in self.follow_ups.items() if pins.get(lid) == oid}
        return sorted(set(on_duty) | kept)

    def scores_key(self) -> str:
        """A digest of what scoring reads of these rules (the loan book, the do-not-visit
        list): the app keeps scores made by the same rules."""
        book = b"" if self.loan_book is None else \
            pd.util.hash_pandas_object(self.loan_book, index=False).to_numpy().tobytes()
        return hashlib.sha256(book + "\n".join(sorted(self.do_not_visit)).encode()).hexdigest()

    def left_out(self, pins: Iterable[str] = ()) -> dict[str, int]:
        """How many leads each rule leaves out (given the day's ``pins``), by reason."""
        return dict(sorted(Counter(self.left_out_leads(pins).values()).items()))

    def left_out_leads(self, pins: Iterable[str] = ()) -> dict[str, str]:
        """Each lead the rules leave out (given the day's ``pins``) and its rule (an
        :class:`~countyreach.store.follow_ups.Exclusion` value), by lead id."""
        return {lid: self.excluded.get(lid, Exclusion.DO_NOT_VISIT.value)
                for lid in sorted(self.exclude(pins))}


def day_rules(store: Store, session: Session, county_id: str, date: str | dt.date,
              data: CountyData, *, cooling_days: int, revisit_days: int) -> DayRules:
    """Read the store's rules for ``county_id`` on ``date``.

    Parameters
    ----------
    store : Store
    session : Session
        A manager or admin of the county (the store refuses anyone else).
    county_id : str
    date : str or datetime.date
        The day planned.
    data : CountyData
        The county's data (its lead ids join recorded outcomes to the history).
    cooling_days, revisit_days : int
        Days a "not interested" lead cools; days a lead met rests (follow-ups aside).

    Returns
    -------
    DayRules
    """
    day = check_date(date, "date")
    # Loans recorded by officers count for the loan rule as soon as they are recorded.
    book = bank_loan_book(county_history(store, session, county_id, data.leads),
                          store.loan_book_frame(session, county_id),
                          store.loans_elsewhere_frame(session, county_id))
    excluded = {k: v.value for k, v in store.prospect_exclusions(
        session, county_id, day, cooling_days=cooling_days, revisit_days=revisit_days).items()}
    return DayRules(store.due_follow_ups(session, county_id, day), excluded,
                    frozenset(store.do_not_visit_ids(session, county_id)), book)


def store_day_rules(loop: DailyLoop | None, session: Session | None, county_id: str,
                    date: str | dt.date, data: CountyData) -> DayRules | None:
    """The store's rules for a day the app plans, with the loop's cooling and rest settings.

    Returns
    -------
    DayRules or None
        ``None`` when there is no store or user, or the county was never imported into the
        store (the app then plans from the county folder as before).
    """
    if loop is None or session is None:
        return None
    try:
        loop.store.learning.county_files(session, county_id)  # imported with its map files
    except (InputError, AccessDenied, StoreError):
        return None
    return day_rules(loop.store, session, county_id, date, data,
                     cooling_days=loop.cooling_days, revisit_days=loop.revisit_days)


def rule_counts_text(counts: Mapping[str, int], lang: str) -> str:
    """Leads left out by each of the store's rules, ``label: n`` in ``lang`` ("" for none).

    Parameters
    ----------
    counts : mapping of str to int
        Leads left out by each rule's code (``cooling``, ``visited_recently`` ...).
    lang : str

    Returns
    -------
    str
        The rules named as the plan names them, never their codes.
    """
    return t("summary_list_sep", lang).join(
        t("rule_line", lang, label=t(f"rule_{k}", lang), n=n) for k, n in counts.items())
