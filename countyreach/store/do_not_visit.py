"""The do-not-visit list and the erasure of a business's personal data (PIPL).

A lead goes on the list when the business refuses at the door, by phone or letter, or
asks for its data to be erased; a plan that visits a listed lead cannot be published.
"""

from __future__ import annotations

import json
import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.dates import county_today
from countyreach.errors import AccessDenied, InputError
from countyreach.store import schema as S
from countyreach.store.access import Principal
from countyreach.store.checks import REASON_MAX_CHARS, check_id, check_text
from countyreach.store.counties import ERASED_HASH
from countyreach.store.engine import insert_ignore
from countyreach.store.parsed import forget_all
from countyreach.store.records import (
    AuditAction,
    Erasure,
    LeadMatch,
    OptOut,
    PlanState,
    Role,
    Session,
)
from countyreach.store.repository import Repository
from countyreach.store.rows import pack_text, plan_hash, unpack_text

__all__ = ["DoNotVisitRepository", "PERSONAL_TABLES", "SOURCE_MAX_CHARS", "phone_key",
           "listed", "erased", "is_erased", "withdrawn_stops"]

#: Width of the list's ``source`` column (``hotline``, ``visit``, ``erasure``, ...).
SOURCE_MAX_CHARS = 16
#: Fewest digits a phone number has (a local number without its area code).
PHONE_MIN_DIGITS = 7
#: The tables that keep rows of a lead: what a business's copy of its data holds.
PERSONAL_TABLES = (S.leads, S.visit_history, S.loan_book, S.loans_elsewhere,
                   S.loans_elsewhere_none, S.outcomes, S.follow_ups, S.do_not_visit,
                   S.plan_stops)
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
                *, source: str = "hotline") -> OptOut:
        """Put a lead on the do-not-visit list (a refusal by phone, letter or at the branch).

        Managers and admins; officers refuse at the door with ``record_outcome(opt_out=True)``.
        A published list from the county's today on that has the lead as a stop not visited
        yet no longer shows it (:func:`withdrawn_stops`); those lists are returned, to be
        planned again. A lead listed already keeps its first reason and source.

        Raises
        ------
        InputError
            The county has no such lead (neither in its leads nor in a stored plan): a
            mistyped id would otherwise go on the list and keep the business itself on
            the road.
        """
        check_id(lead_id, "lead_id")
        reason = check_text(reason, "reason", REASON_MAX_CHARS)
        source = check_id(source, "source")[:SOURCE_MAX_CHARS]

        def run(conn: Connection) -> OptOut:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            if not _known_lead(conn, county_id, lead_id):
                raise InputError(f"county {county_id} has no lead {lead_id}", field="lead_id")
            was = lead_id in listed(conn, county_id)
            self.add(conn, who, county_id, lead_id, reason, source)
            withdrawn = _unvisited_days(conn, county_id, lead_id, county_today(self._db.now()))
            return OptOut(county_id, lead_id, withdrawn, was)

        return self._db.write(run)

    def entries(self, session: Session, county_id: str) -> list[tuple[str, str, str, str]]:
        """The county's do-not-visit list: ``(lead_id, source, reason, listed_on)`` by date.

        Managers and admins (the reasons are free text about the business).
        """

        def run(conn: Connection) -> list[tuple[str, str, str, str]]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            d = S.do_not_visit
            rows = conn.execute(sa.select(d.c.lead_id, d.c.source, d.c.reason, d.c.created_at)
                                .where(d.c.county_id == county_id)
                                .order_by(d.c.created_at, d.c.lead_id)).all()
            return [(str(lid), str(src), str(why or ""), county_today(when))
                    for lid, src, why, when in rows]

        return self._db.read(run)

    def erase_personal_data(self, session: Session, county_id: str, lead_id: str,
                            reason: str = "") -> Erasure:
        """Erase a business's personal data on request (PIPL right to deletion).

        Blanks the lead's name, phone, address and extra fields, blanks the notes
        and reasons of its outcomes, scrubs name/phone/address from every stored
        plan version and drops the lead's "why this lead" text from them (it told what
        the bank knew of the business, loans elsewhere included); these are the one change
        a published version ever receives, and its ``content_hash`` keeps recording what
        was originally published. Deletes what the bank knew of its loans from other
        lenders (the imported loans and checks that found none, and what its outcomes
        recorded of them) and puts the lead on the do-not-visit list. Outcome codes and
        amounts stay, without anything that identifies a person. Managers and admins;
        audited.

        A published list that has the lead as a stop not visited yet (no outcome that day)
        no longer shows it to the officer (:func:`withdrawn_stops`, read by
        :meth:`~countyreach.store.plans.PlanRepository.visit_list`): the stored version
        keeps the stop, so it still matches what was checked and published, and a re-plan
        of the day closes the gap. Those from the county's today on are returned.

        The list's reason (``reason``, or an earlier refusal's when the lead was listed
        already) is free text kept for good: the lead's name, phone number (however
        written) and address are dropped from it, and ``Erasure.reason_scrubbed`` says so.
        Give a reason without them, e.g. "owner asked at the branch, 2026-12-05".

        Returns
        -------
        Erasure
        """
        check_id(lead_id, "lead_id")
        reason = check_text(reason, "reason", REASON_MAX_CHARS)

        def run(conn: Connection) -> Erasure:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            person = conn.execute(sa.select(S.leads.c.name, S.leads.c.phone, S.leads.c.address)
                                  .where(S.leads.c.county_id == county_id,
                                         S.leads.c.lead_id == lead_id)).first()
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
            n_versions = _scrub_plans(conn, county_id, lead_id)
            withdrawn = _unvisited_days(conn, county_id, lead_id, county_today(self._db.now()))
            self.add(conn, who, county_id, lead_id, reason or "personal data erased", "erasure")
            scrubbed = person is not None and _scrub_reason(conn, county_id, lead_id, *person)
            self._audit.write(conn, who, AuditAction.ERASE_PERSONAL_DATA, county_id, lead_id,
                              leads=n_leads, plan_versions=n_versions,
                              loans_elsewhere=n_elsewhere, loans_elsewhere_none=n_none,
                              withdrawn=[f"{d}/{o}" for d, o in withdrawn])
            return Erasure(county_id, lead_id, n_versions, withdrawn, scrubbed)

        return self._db.write(run)

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

    def personal_data(self, session: Session, county_id: str,
                      lead_id: str) -> dict[str, list[dict[str, object]]]:
        """Everything the store keeps of one business, for its owner's copy (PIPL right to
        access and copy): each table's rows of the lead, by table name, in the tables'
        own order; the rows of a table that has none are an empty list (a county planned
        from its folder has no lead rows, only what its officers recorded). Managers and
        admins; audited (``export_personal_data``) in the same transaction.

        Raises
        ------
        InputError
            A malformed id, or nothing kept of ``lead_id`` in the county.
        AccessDenied
            Not a manager of the county or an admin.
        """
        check_id(lead_id, "lead_id")

        def run(conn: Connection) -> dict[str, list[dict[str, object]]]:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            out: dict[str, list[dict[str, object]]] = {}
            for table in PERSONAL_TABLES:
                q = sa.select(table).where(table.c.county_id == county_id,
                                           table.c.lead_id == lead_id)
                if "content_hash" in table.c:  # the store's bookkeeping, nobody's data
                    q = q.with_only_columns(*(c for c in table.c if c.name != "content_hash"))
                out[table.name] = [dict(r) for r in conn.execute(q).mappings()]
            # a county planned from its folder keeps no lead rows, but its outcomes and
            # plans are kept all the same
            if not any(out.values()):
                raise InputError(f"no lead {lead_id!r} in county {county_id}",
                                 field="lead_id")
            self._audit.write(conn, who, AuditAction.EXPORT_PERSONAL_DATA, county_id,
                              lead_id, rows={k: len(v) for k, v in out.items()})
            return out

        return self._db.write(run)

    def erased_ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads of the county whose personal data was erased (managers and admins)."""

        def run(conn: Connection) -> frozenset[str]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            return erased(conn, county_id)

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


def erased(conn: Connection, county_id: str) -> frozenset[str]:
    """The county's leads whose personal data was erased, read in the caller's transaction.

    An erasure is for good: imports keep these leads erased whatever the lender's files
    still say (their leads, loans from other lenders), and no outcome is taken for them.
    """
    return frozenset(conn.execute(sa.select(S.leads.c.lead_id).where(
        S.leads.c.county_id == county_id, S.leads.c.content_hash == ERASED_HASH)).scalars())


def is_erased(conn: Connection, county_id: str, lead_id: str) -> bool:
    """Whether the lead's personal data was erased (see :func:`erased`), in the caller's
    transaction."""
    return conn.execute(sa.select(S.leads.c.lead_id).where(
        S.leads.c.county_id == county_id, S.leads.c.lead_id == lead_id,
        S.leads.c.content_hash == ERASED_HASH)).first() is not None


def withdrawn_stops(conn: Connection, county_id: str, plan_date: str,
                    version: int) -> frozenset[str]:
    """Stops of a plan version no officer is sent to: leads on the do-not-visit list (a
    refusal by phone or letter, an erasure) with no outcome recorded on that day.

    A listed business is not to be visited again, so a stop of it not visited yet never
    will be; one visited that day (a refusal at the door included) stays on the list with
    its outcome. Read in the caller's transaction.
    """
    ps, d = S.plan_stops, S.do_not_visit
    return frozenset(conn.execute(
        sa.select(ps.c.lead_id)
        .join(d, sa.and_(d.c.county_id == ps.c.county_id, d.c.lead_id == ps.c.lead_id))
        .where(ps.c.county_id == county_id, ps.c.plan_date == plan_date,
               ps.c.version == version, ~_visited_that_day())
    ).scalars())


def _visited_that_day() -> sa.Exists:
    """Whether a plan stop's lead has an outcome on the stop's day (correlated with
    ``plan_stops``): the stop was visited, so it is history."""
    ps, o = S.plan_stops, S.outcomes
    return sa.exists().where(o.c.county_id == ps.c.county_id,
                             o.c.plan_date == ps.c.plan_date, o.c.lead_id == ps.c.lead_id)


def _known_lead(conn: Connection, county_id: str, lead_id: str) -> bool:
    """Whether the county has the lead: in its leads, or as a stop of a stored plan."""
    for table in (S.leads, S.plan_stops):
        if conn.execute(sa.select(table.c.lead_id).where(
                table.c.county_id == county_id, table.c.lead_id == lead_id).limit(1)
        ).first() is not None:
            return True
    return False


def _unvisited_days(conn: Connection, county_id: str, lead_id: str,
                    today: str) -> tuple[tuple[str, str], ...]:
    """``(plan_date, officer_id)`` of the published lists from ``today`` on that have the
    lead as a stop with no outcome that day."""
    ps, p = S.plan_stops, S.plans
    rows = conn.execute(
        sa.select(ps.c.plan_date, ps.c.officer_id)
        .join(p, sa.and_(p.c.county_id == ps.c.county_id, p.c.plan_date == ps.c.plan_date,
                         p.c.version == ps.c.version))
        .where(ps.c.county_id == county_id, ps.c.lead_id == lead_id,
               ps.c.plan_date >= today, p.c.status == PlanState.PUBLISHED.value,
               ~_visited_that_day())
        .order_by(ps.c.plan_date)).all()
    return tuple((str(d), str(oid)) for d, oid in rows)


def _scrub_plans(conn: Connection, county_id: str, lead_id: str) -> int:
    """Blank the lead's name, phone and address in every stored plan version of the county
    and drop its "why this lead" text; how many versions held either."""
    key = f'"{lead_id}"'
    p = S.plans
    # the texts are stored compressed (revision 0014): the database cannot search them, so
    # each version is read in turn, one at a time (a county's versions may not fit in memory)
    versions = conn.execute(sa.select(p.c.plan_date, p.c.version)
                            .where(p.c.county_id == county_id)).all()
    scrubbed = 0
    for day, version in versions:
        this = (p.c.county_id == county_id, p.c.plan_date == day, p.c.version == version)
        r = conn.execute(sa.select(p.c.problem_z, p.c.plan_json, p.c.explanations_z)
                         .where(*this)).one()
        problem_json, expl_json = unpack_text(r.problem_z), unpack_text(r.explanations_z)
        if f'"lead_id":{key}' not in problem_json and key not in expl_json:
            continue
        problem = json.loads(problem_json)
        for ld in problem.get("leads", []):
            if ld.get("lead_id") == lead_id:
                ld.update(name="", phone="", address="")
        why = json.loads(expl_json or "{}")
        why.pop(lead_id, None)
        # as PlanRepository.save_plan writes them
        problem_json = json.dumps(problem, ensure_ascii=False, separators=(",", ":"))
        expl_json = json.dumps(why, ensure_ascii=False, sort_keys=True)
        conn.execute(p.update().where(*this).values(
            problem_z=pack_text(problem_json), explanations_z=pack_text(expl_json),
            # the texts changed: a page that kept the plan under its hash reads it again
            content_hash=plan_hash(problem_json, r.plan_json, expl_json)))
        scrubbed += 1
    if scrubbed:
        # the versions as they were stay unreachable under their old hashes, but would stay
        # in memory until pushed out: gone now
        forget_all()
    return scrubbed


# A run of digits written as a phone number may be (spaces, dashes, dots, brackets, a +86;
# full-width digits too, as a Chinese input method types them).
_PHONE_RUN_RE = re.compile(r"[+＋]?[0-9０-９][0-9０-９\s\-.()（）－]{5,}[0-9０-９]")


def _scrub_reason(conn: Connection, county_id: str, lead_id: str, name: str, phone: str,
                  address: str) -> bool:
    """Drop the person's name, phone and address from the list's reason of the lead;
    whether it held one."""
    dnv = S.do_not_visit
    where = (dnv.c.county_id == county_id, dnv.c.lead_id == lead_id)
    text = conn.execute(sa.select(dnv.c.reason).where(*where)).scalar() or ""
    clean = text
    # the longest first: a name inside the address goes with the address
    for value in sorted((v.strip() for v in (name, address, phone) if v), key=len,
                        reverse=True):
        if len(value) >= 2:
            clean = clean.replace(value, "")
    wanted = phone_key(phone)
    if wanted is not None:
        clean = _PHONE_RUN_RE.sub(
            lambda m: "" if phone_key(unicodedata.normalize("NFKC", m.group())) == wanted
            else m.group(), clean)
    if clean == text:
        return False
    conn.execute(dnv.update().where(*where).values(reason=" ".join(clean.split())))
    return True
