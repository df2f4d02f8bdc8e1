"""Erasing a person's data on request (PIPL), as ``countyreach erase`` and the API do it.

An erasure is for good: the lead's personal data are blanked and it goes on the
do-not-visit list, and nothing brings it back. So the request must name one lead: a lead id
is unique within its county only (``B0007`` of two counties are two businesses), a name may
be two businesses', and a phone matches the whole number only
(:meth:`~countyreach.store.Store.find_leads`). A request that names several leads erases
nothing and lists them (county, lead id, village: nobody's name or phone) unless the caller
narrows it to a county or confirms every match.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from countyreach.errors import InputError
from countyreach.store import Erasure, LeadMatch, Session, Store

__all__ = ["EraseReport", "ManyMatches", "erase_person", "matching_leads", "API_HINT",
           "MATCHES_LISTED"]

#: What an API caller does about a request that names several leads.
API_HINT = ("name the county (county_id=...) or confirm that every match is to be erased "
            "(all_matches=True)")
#: Matches one refusal lists (it counts the rest).
MATCHES_LISTED = 20
_ZLIB_PROBES = 256


@dataclass(frozen=True)
class EraseReport:
    """Whose personal data was erased, and which model files were checked.

    ``leads`` holds ``(county_id, lead_id)`` of each lead erased, ``erasures`` what each
    erasure did (the published lists from today on it was withdrawn from among it).
    """

    leads: tuple[tuple[str, str], ...]
    model_files_checked: int
    model_files_removed: tuple[str, ...]
    erasures: tuple[Erasure, ...] = ()

    def replan_advised(self) -> list[tuple[str, str]]:
        """``(county_id, plan_date)`` of each published day, from today on, a stop was
        withdrawn from: plan it again so the officers' routes close the gap."""
        return sorted({(e.county_id, d) for e in self.erasures for d, _ in e.withdrawn})


class ManyMatches(InputError):
    """A request to erase (or copy, ``erasing`` false) that names more than one lead:
    nothing was erased (copied).

    ``matches`` holds them all; the message lists them (county, lead id, village) and says
    how to narrow the request (``hint``).
    """

    def __init__(self, person: str, matches: Sequence[LeadMatch], hint: str = API_HINT, *,
                 erasing: bool = True) -> None:
        self.person = person
        self.matches = tuple(matches)
        counties = sorted({m.county_id for m in self.matches})
        where = (f"in {len(counties)} counties" if len(counties) > 1
                 else f"in county {counties[0]}")
        why = ("an erasure is for good, so nothing was erased" if erasing else
               "a copy is one business's data, so nothing was copied")
        lines = [f"{person!r} matches {len(self.matches)} leads {where}; {why}. "
                 f"{hint[:1].upper()}{hint[1:]}:"]
        for m in self.matches[:MATCHES_LISTED]:
            lines.append(f"  county {m.county_id}, lead {m.lead_id}, village "
                         f"{m.village or '(none)'}")
        if len(self.matches) > MATCHES_LISTED:
            lines.append(f"  ... and {len(self.matches) - MATCHES_LISTED} more")
        super().__init__("\n".join(lines), field="person")


def matching_leads(store: Store, session: Session, person: str,
                   county_id: str | None = None) -> list[LeadMatch]:
    """The leads a request about ``person`` names (:meth:`~countyreach.store.Store.
    find_leads`), at least one.

    Raises
    ------
    InputError
        Nobody matches ``person`` (in ``county_id``).
    """
    found = store.find_leads(session, person, county_id)
    if not found:
        where = f" in county {county_id}" if county_id is not None else ""
        raise InputError(f"no lead{where} has the id, name or phone {person!r} (a phone "
                         "is matched as a whole number)", field="person")
    return found


def erase_person(store: Store, session: Session, person: str, reason: str = "", *,
                 county_id: str | None = None, all_matches: bool = False,
                 model_dirs: Iterable[Path] = ()) -> EraseReport:
    """Erase the personal data of the lead ``person`` names: store rows, plans, model files.

    Parameters
    ----------
    store : Store
    session : Session
        A manager of the lead's county or an admin.
    person : str
        A lead id, a name or a phone number (the whole number).
    reason : str
        Why (kept on the do-not-visit list and in the audit log).
    county_id : str, optional
        Look in this county only.
    all_matches : bool
        Erase every lead ``person`` matches; without it a request that matches more than
        one lead erases nothing.
    model_dirs : iterable of Path
        Folders of model files. Model files hold no personal data by construction; every
        ``*.joblib`` under them is still searched for the name, phone and address and
        removed if one is found (a file written by an older version).

    Returns
    -------
    EraseReport

    Raises
    ------
    InputError
        Nobody matches ``person`` (in ``county_id``).
    ManyMatches
        Several leads match and ``all_matches`` is false.
    """
    found = matching_leads(store, session, person, county_id)
    if len(found) > 1 and not all_matches:
        raise ManyMatches(person, found)
    needles: list[bytes] = []
    erasures = []
    for m in found:
        row = store.leads_frame(session, m.county_id, include_do_not_visit=True,
                                include_retired=True)
        row = row[row["lead_id"] == m.lead_id]
        for col in ("name", "phone", "address"):
            for v in row[col].astype(str):
                if len(v.strip()) >= 2:
                    needles.append(v.strip().encode("utf-8"))
        erasures.append(store.erase_personal_data(session, m.county_id, m.lead_id, reason))
    checked, removed = 0, []
    for root in set(model_dirs):
        if not root.exists():
            continue
        for f in sorted(root.rglob("*.joblib")):
            checked += 1
            if _holds_any(f, needles):
                f.unlink()
                removed.append(str(f))
    return EraseReport(tuple((m.county_id, m.lead_id) for m in found), checked,
                       tuple(removed), tuple(erasures))


def _holds_any(path: Path, needles: list[bytes]) -> bool:
    """Whether a model file holds one of ``needles``, compressed or not."""
    raw = path.read_bytes()
    blobs = [raw]
    # the artefact is a short header then a zlib stream: find where the stream starts
    start, tries = raw.find(b"\x78"), 0
    while start != -1 and tries < _ZLIB_PROBES:
        tries += 1
        try:
            blobs.append(zlib.decompressobj().decompress(raw[start:]))
            break
        except zlib.error:
            start = raw.find(b"\x78", start + 1)
    return any(n in b for n in needles for b in blobs)
