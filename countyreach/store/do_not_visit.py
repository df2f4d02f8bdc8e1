"""The do-not-visit list and the erasure of a business's personal data (PIPL).

A lead goes on the list when the business refuses at the door, by phone or letter, or
asks for its data to be erased; a plan that visits a listed lead cannot be published.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import AccessDenied, InputError
from countyreach.store import schema as S
from countyreach.store.access import Principal
from countyreach.store.checks import REASON_MAX_CHARS, check_id, check_text
from countyreach.store.counties import ERASED_HASH
from countyreach.store.engine import insert_ignore
from countyreach.store.records import AuditAction, LeadMatch, Role, Session
from countyreach.store.repository import Repository

__all__ = ["DoNotVisitRepository", "SOURCE_MAX_CHARS", "phone_key"]

#: Width of the list's ``source`` column (``hotline``, ``visit``, ``erasure``, ...).
SOURCE_MAX_CHARS = 16
#: Fewest digits a phone number has (a local number without its area code).
PHONE_MIN_DIGITS = 7
# What a phone number may be written with: digits, one leading +, spaces, dashes, dots and
# brackets (138 0000 0001, +86-138-0000-0001, (0393)1234567).
_PHONE_TEXT_RE = re.compile(r"^\+?[\d\s\-.()]+$")


def phone_key(text: object) -> str | None:
    """The digits that identify a phone number, or None when ``text`` is not one.

    Separators go, and so does China's country code (``+86``, ``0086``): a number written
    ``+86 138 0000 0001`` is ``13800000001``. A domestic number starts with 1 (mobile) or
    0 (area code), so 12 or more digits starting with 86 carry the country code.

    Parameters
    ----------
    text : object
        A phone number as typed or stored.

    Returns
    -------
    str or None
        Its digits; None for text that is not a phone number (a name, an id with letters)
        or has fewer than :data:`PHONE_MIN_DIGITS` digits.
    """
    t = str(text or "").strip()
    if not _PHONE_TEXT_RE.match(t):
        return None
    digits = re.sub(r"\D", "", t)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    return digits if len(digits) >= PHONE_MIN_DIGITS else None


class DoNotVisitRepository(Repository):
    """Leads that must not be visited again, and erasure of personal data.

    Built like every :class:`~countyreach.store.repository.Repository`.
    """

    def add(self, conn: Connection, who: Principal, county_id: str, lead_id: str,
            reason: str, source: str) -> None:
        """Put a lead on the list inside the caller's transaction (once; audited when new)."""
        done = conn.execute(insert_ignore(conn, S.do_not_visit, ["county_id", "lead_id"]).values(
            county_id=county_id, lead_id=lead_id, reason=reason[:REASON_MAX_CHARS],
            source=source, created_by=who.username, created_at=self._db.now())).rowcount
        if done:
            self._audit.write(conn, who, AuditAction.DO_NOT_VISIT, county_id, lead_id,
                              source=source)

    def opt_out(self, session: Session, county_id: str, lead_id: str, reason: str = "",
                *, source: str = "hotline") -> None:
        """Put a lead on the do-not-visit list (a refusal by phone, letter or at the branch).

        Managers and admins; officers refuse at the door with ``record_outcome(opt_out=True)``.
        """
        check_id(lead_id, "lead_id")
        reason = check_text(reason, "reason", REASON_MAX_CHARS)
        source = check_id(source, "source")[:SOURCE_MAX_CHARS]

        def run(conn: Connection) -> None:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            self.add(conn, who, county_id, lead_id, reason, source)

        self._db.write(run)

    def erase_personal_data(self, session: Session, county_id: str, lead_id: str,
                            reason: str = "") -> None:
        """Erase a business's personal data on request (PIPL right to deletion).

        Blanks the lead's name, phone, address and extra fields, blanks the notes
        and reasons of its outcomes, scrubs name/phone/address from every stored
        plan version (the one change a published version ever receives; its
        ``content_hash`` keeps recording what was originally published), deletes what the
        bank knew of its loans from other lenders (the imported loans and checks that found
        none, and what its outcomes recorded of them) and puts the lead on the
        do-not-visit list. Outcome codes and amounts stay, without anything that
        identifies a person. Managers and admins; audited.
        """
        check_id(lead_id, "lead_id")
        reason = check_text(reason, "reason", REASON_MAX_CHARS)

        def run(conn: Connection) -> None:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            n_leads = conn.execute(
                S.leads.update().where(S.leads.c.county_id == county_id,
                                       S.leads.c.lead_id == lead_id)
                .values(name="", phone="", address="", extra_json="{}",
                        content_hash=ERASED_HASH, updated_at=self._db.now())).rowcount
            conn.execute(S.outcomes.update().where(S.outcomes.c.county_id == county_id,
                                                   S.outcomes.c.lead_id == lead_id)
                         .values(notes="", reason="", other_loan_month=None,
                                 other_loan_asked=None))
            # known only by the owner's consent or a third party's register: not the bank's
            # own records, which stay pseudonymous (see Store.erase_personal_data)
            n_elsewhere = conn.execute(S.loans_elsewhere.delete().where(
                S.loans_elsewhere.c.county_id == county_id,
                S.loans_elsewhere.c.lead_id == lead_id)).rowcount
            n_none = conn.execute(S.loans_elsewhere_none.delete().where(
                S.loans_elsewhere_none.c.county_id == county_id,
                S.loans_elsewhere_none.c.lead_id == lead_id)).rowcount
            rows = conn.execute(
                sa.select(S.plans.c.plan_date, S.plans.c.version, S.plans.c.problem_json)
                .where(S.plans.c.county_id == county_id,
                       S.plans.c.problem_json.contains(f'"lead_id":"{lead_id}"'))).all()
            for r in rows:
                d = json.loads(r.problem_json)
                for ld in d.get("leads", []):
                    if ld.get("lead_id") == lead_id:
                        ld.update(name="", phone="", address="")
                conn.execute(S.plans.update().where(
                    S.plans.c.county_id == county_id, S.plans.c.plan_date == r.plan_date,
                    S.plans.c.version == r.version).values(
                    problem_json=json.dumps(d, ensure_ascii=False, separators=(",", ":"))))
            self.add(conn, who, county_id, lead_id, reason or "personal data erased", "erasure")
            self._audit.write(conn, who, AuditAction.ERASE_PERSONAL_DATA, county_id, lead_id,
                              leads=n_leads, plan_versions=len(rows),
                              loans_elsewhere=n_elsewhere, loans_elsewhere_none=n_none)

        self._db.write(run)

    def find_leads(self, session: Session, person: str,
                   county_id: str | None = None) -> list[LeadMatch]:
        """Every lead whose id, name or phone is ``person``, by county and lead id.

        An id or a name matches as written. A phone matches the whole number, compared by
        :func:`phone_key` (``138 0000 0001`` and ``+86 13800000001`` find ``13800000001``),
        never a part of it: an erasure is for good, and ``1380000`` is nobody's number but
        a part of many.

        Parameters
        ----------
        session : Session
            A manager or an admin.
        person : str
            A lead id, a name or a phone number.
        county_id : str, optional
            Search this county only. Lead ids are unique within a county, not across
            counties (``B0007`` of two counties are two businesses). Without it every
            county the caller manages (admins: all) is searched.

        Returns
        -------
        list of LeadMatch

        Raises
        ------
        InputError
            ``person`` blank, or ``county_id`` malformed or (for an admin) unknown.
        AccessDenied
            Not a manager or admin, or ``county_id`` is not the caller's.
        """
        text = check_text(person, "person", 200)
        if not text:
            raise InputError("say whom to erase: a lead id, a name or a phone number",
                             field="person")
        if county_id is not None:
            check_id(county_id, "county_id")
        wanted = phone_key(text)

        def run(conn: Connection) -> list[LeadMatch]:
            who = self._guard.principal(conn, session)
            self._guard.require(who, Role.MANAGER, Role.ADMIN)
            if county_id is not None:
                self._guard.scope(conn, who, county_id, Role.MANAGER, Role.ADMIN)
            ld = S.leads
            cond = [ld.c.lead_id == text, ld.c.name == text]
            if wanted is not None:
                # the stored number's last digit narrows the rows read; phone_key decides
                cond.append(ld.c.phone.like(f"%{wanted[-1]}"))
            q = (sa.select(ld.c.county_id, ld.c.lead_id, ld.c.village, ld.c.name, ld.c.phone)
                 .where(sa.or_(*cond)).order_by(ld.c.county_id, ld.c.lead_id))
            if county_id is not None:
                q = q.where(ld.c.county_id == county_id)
            out = []
            for cid, lead_id, village, name, phone in conn.execute(q).all():
                if text not in (lead_id, name) and (wanted is None
                                                    or phone_key(phone) != wanted):
                    continue
                try:
                    self._guard.scope(conn, who, cid, Role.MANAGER, Role.ADMIN)
                except AccessDenied:
                    continue
                out.append(LeadMatch(str(cid), str(lead_id), str(village or "")))
            return out

        return self._db.read(run)

    def ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads that must not be planned again (every role of the county)."""

        def run(conn: Connection) -> frozenset[str]:
            self._guard.county(conn, session, county_id,
                               Role.OFFICER, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            return listed(conn, county_id)

        return self._db.read(run)


def listed(conn: Connection, county_id: str) -> frozenset[str]:
    """The county's do-not-visit lead ids, read in the caller's transaction."""
    return frozenset(conn.execute(sa.select(S.do_not_visit.c.lead_id).where(
        S.do_not_visit.c.county_id == county_id)).scalars())
