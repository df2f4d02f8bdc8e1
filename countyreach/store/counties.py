"""Counties and what is imported into them: leads and officer rosters from CSV files.

Imports are idempotent: each row's content hash decides whether it is inserted, updated
or left alone, so importing the same file twice changes nothing and a corrected file
updates only the rows that changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.serialize import officer_from_dict
from countyreach.store import schema as S
from countyreach.store.checks import aware, check_id, check_text, parse_enum
from countyreach.store.records import (
    AuditAction,
    CountySummary,
    ImportKind,
    ImportMode,
    ImportRejected,
    ImportReport,
    Role,
    Session,
)
from countyreach.store.repository import Repository
from countyreach.store.rows import (
    ValidRows,
    content_hash,
    officer_record,
    validate_lead_rows,
    validate_officer_rows,
)
from routing.problem import Officer, TimeWindow

__all__ = ["CountyRepository", "LEAD_TABLE_COLUMNS", "ERASED_HASH"]

#: Columns of :meth:`CountyRepository.leads_frame` before the extra (feature) columns,
#: as :func:`countyreach.io.read_leads_table` shapes them.
LEAD_TABLE_COLUMNS = ("lead_id", "name", "industry", "village", "lat", "lon", "phone",
                      "address", "service_s", "windows", "pinned_officer_id", "load")
COUNTY_NAME_MAX_CHARS = 200
#: The content hash of a lead whose personal data was erased (no file row hashes to it).
ERASED_HASH = "erased"
# Rejected row numbers kept in one audit row (the report itself lists them all).
_AUDIT_REJECTED_ROWS = 100
_IMPORT_AUDIT = {ImportKind.LEADS: AuditAction.IMPORT_LEADS,
                 ImportKind.OFFICERS: AuditAction.IMPORT_OFFICERS}


class CountyRepository(Repository):
    """Counties, and the leads and officers imported into them.

    Built like every :class:`~countyreach.store.repository.Repository`.
    """

    def ensure_county(self, session: Session, county_id: str, name: str = "",
                      region: str = "") -> None:
        """Create a county, or update its name and region (admins)."""
        check_id(county_id, "county_id")
        name = check_text(name, "name", COUNTY_NAME_MAX_CHARS)
        if region:
            check_id(region, "region")

        def run(conn: Connection) -> None:
            who = self._guard.principal(conn, session)
            self._guard.require(who, Role.ADMIN)
            exists = conn.execute(sa.select(S.counties.c.county_id)
                                  .where(S.counties.c.county_id == county_id)).first()
            if exists:
                conn.execute(S.counties.update().where(S.counties.c.county_id == county_id)
                             .values(name=name, region=region))
            else:
                conn.execute(S.counties.insert().values(county_id=county_id, name=name,
                                                        region=region, created_at=self._db.now()))
            self._audit.write(conn, who, AuditAction.ENSURE_COUNTY, county_id, county_id,
                              name=name, region=region)

        self._db.write(run)

    def import_leads(self, path: str | Path, county_id: str, *, session: Session,
                     mode: ImportMode | str = ImportMode.ALL_OR_NOTHING, crs: str = "wgs84",
                     progress: Callable[[int, int], None] | None = None,
                     retire_missing: bool = False) -> ImportReport:
        """Import (insert or update) the leads of a county from a CSV file.

        Rows are validated by :func:`countyreach.io.read_leads_table`. A lead whose
        personal data was erased stays erased whatever the file says (``kept_erased``).

        Parameters
        ----------
        path : str or Path
            Leads CSV (see :data:`countyreach.io.LEAD_COLUMNS`).
        county_id : str
        session : Session
            A manager of the county or an admin.
        mode : ImportMode or {"all_or_nothing", "skip_bad"}
            With a bad row, refuse the whole file (raising :class:`ImportRejected`
            that lists every bad row) or import the good rows and report the bad ones.
        crs : str
            Coordinate system of the file (``wgs84``, ``gcj02``, ``bd09``).
        progress : callable, optional
            Called as ``progress(done, total)`` after each row is written, inside
            the transaction: an exception it raises rolls the whole import back.
        retire_missing : bool
            The file is the county's whole table: stored leads it does not list are
            retired (kept with their outcomes and history, never planned). Otherwise
            leads missing from the file are left as they are (a file of new leads). A
            retired lead a file lists again comes back either way.

        Returns
        -------
        ImportReport
        """
        rows = validate_lead_rows(path, crs=crs)
        return self._import(ImportKind.LEADS, path, county_id, session, mode, rows, progress,
                            retire_missing)

    def import_officers(self, path: str | Path, county_id: str, *, session: Session,
                        mode: ImportMode | str = ImportMode.ALL_OR_NOTHING, crs: str = "wgs84",
                        progress: Callable[[int, int], None] | None = None,
                        retire_missing: bool = False) -> ImportReport:
        """Import a county's officer roster (validated by :func:`countyreach.io.read_officers`).

        Same contract as :meth:`import_leads`.
        """
        rows = validate_officer_rows(path, crs=crs)
        return self._import(ImportKind.OFFICERS, path, county_id, session, mode, rows,
                            progress, retire_missing)

    def _import(self, kind: ImportKind, path: str | Path, county_id: str, session: Session,
                mode: ImportMode | str, rows: ValidRows,
                progress: Callable[[int, int], None] | None,
                retire_missing: bool) -> ImportReport:
        the_mode = parse_enum(ImportMode, mode, "mode",
                              "mode must be all_or_nothing or skip_bad")
        check_id(county_id, "county_id")
        if kind is ImportKind.LEADS:
            table, key = S.leads, "lead_id"
            items = [(r["lead_id"], r, content_hash(r)) for _, r in rows.records]
        else:
            table, key = S.officers, "officer_id"
            items = []
            for _, o in rows.records:
                d = officer_record(o)
                items.append((o.officer_id, d, content_hash(d)))
        base = ImportReport(kind, str(path), county_id, the_mode, (), (), (), rows.rejected,
                            False)
        if rows.rejected and the_mode is ImportMode.ALL_OR_NOTHING:
            # still check the caller may import here before telling them about their file
            self._db.read(lambda c: self._guard.county(c, session, county_id,
                                                       Role.MANAGER, Role.ADMIN))
            raise ImportRejected(base)

        def run(conn: Connection) -> ImportReport:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            existing = {r[0]: (r[1], r[2] is not None) for r in conn.execute(
                sa.select(table.c[key], table.c.content_hash, table.c.retired_at)
                .where(table.c.county_id == county_id)).all()}
            inserted: list[str] = []
            updated: list[str] = []
            unchanged: list[str] = []
            kept_erased: list[str] = []
            now = self._db.now()
            for i, (rid, rec, h) in enumerate(items, start=1):
                values = _row_values(kind, rec)
                if rid not in existing:
                    conn.execute(table.insert().values(county_id=county_id, content_hash=h,
                                                       updated_at=now, **values))
                    inserted.append(rid)
                elif existing[rid][0] == ERASED_HASH:
                    # an erasure is for good: the lender's file may still hold the person
                    kept_erased.append(rid)
                elif existing[rid][0] != h or existing[rid][1]:  # changed, or listed again
                    conn.execute(table.update()
                                 .where(table.c.county_id == county_id, table.c[key] == rid)
                                 .values(content_hash=h, updated_at=now, retired_at=None,
                                         **values))
                    updated.append(rid)
                else:
                    unchanged.append(rid)
                if progress is not None:
                    progress(i, len(items))
            retired: list[str] = []
            if retire_missing:
                listed = {rid for rid, _, _ in items}
                retired = sorted(rid for rid, (_, gone) in existing.items()
                                 if rid not in listed and not gone)
                for rid in retired:
                    conn.execute(table.update()
                                 .where(table.c.county_id == county_id, table.c[key] == rid)
                                 .values(retired_at=now, updated_at=now))
            report = replace(base, inserted=tuple(inserted), updated=tuple(updated),
                             unchanged=tuple(unchanged), committed=True,
                             retired=tuple(retired), kept_erased=tuple(kept_erased))
            self._audit.write(
                conn, who, _IMPORT_AUDIT[kind], county_id, Path(path).name,
                mode=the_mode.value, **report.counts,
                rejected_rows=[r.row for r in rows.rejected][:_AUDIT_REJECTED_ROWS])
            return report

        return self._db.write(run)

    def officers(self, session: Session, county_id: str) -> tuple[Officer, ...]:
        """The county's imported officer roster, without retired officers (managers, admins)."""

        def run(conn: Connection) -> tuple[Officer, ...]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            rows = conn.execute(sa.select(S.officers.c.data_json)
                                .where(S.officers.c.county_id == county_id,
                                       S.officers.c.retired_at.is_(None))
                                .order_by(S.officers.c.officer_id)).scalars().all()
            return tuple(officer_from_dict(json.loads(r)) for r in rows)

        return self._db.read(run)

    def summaries(self, session: Session) -> list[CountySummary]:
        """Each county the caller may see (admins: all; managers and planners: their county
        or region), with what it holds and how far it is in use, by county id.

        One grouped query per table, whatever the number of counties.

        Raises
        ------
        AccessDenied
            An officer.
        """

        def grouped(conn: Connection, column: Any, *values: Any,
                    where: tuple[Any, ...] = ()) -> dict[str, tuple[Any, ...]]:
            rows = conn.execute(sa.select(column, *values).where(*where).group_by(column)).all()
            return {str(k): tuple(v) for k, *v in rows if k is not None}

        def run(conn: Connection) -> list[CountySummary]:
            who = self._guard.principal(conn, session)
            self._guard.require(who, Role.MANAGER, Role.PLANNER, Role.ADMIN)
            counties = conn.execute(sa.select(S.counties.c.county_id, S.counties.c.name,
                                              S.counties.c.region)
                                    .order_by(S.counties.c.county_id)).all()
            n = sa.func.count()
            leads = grouped(conn, S.leads.c.county_id, n,
                            where=(S.leads.c.retired_at.is_(None),
                                   S.leads.c.content_hash != ERASED_HASH))
            officers = grouped(conn, S.officers.c.county_id, n,
                               where=(S.officers.c.retired_at.is_(None),))
            accounts = grouped(conn, S.users.c.county_id, n,
                               where=(S.users.c.active.is_(True),))
            published = grouped(conn, S.plans.c.county_id, sa.func.max(S.plans.c.plan_date),
                                where=(S.plans.c.status == "published",))
            models = grouped(conn, S.models.c.county_id, sa.func.max(S.models.c.version),
                             where=(S.models.c.status == "promoted",))
            outcomes = grouped(conn, S.outcomes.c.county_id, n,
                               sa.func.max(S.outcomes.c.recorded_at))
            with_maps = set(conn.execute(sa.select(S.county_files.c.county_id)).scalars())
            out = []
            for cid, name, region in counties:
                if not self._guard.covers(who, cid, region):
                    continue
                n_outcomes, last = outcomes.get(cid, (0, None))
                out.append(CountySummary(
                    str(cid), str(name), str(region), int(leads.get(cid, (0,))[0]),
                    int(officers.get(cid, (0,))[0]), int(accounts.get(cid, (0,))[0]),
                    published.get(cid, (None,))[0], models.get(cid, (None,))[0],
                    int(n_outcomes), aware(last), cid in with_maps))
            return out

        return self._db.read(run)

    def retired_lead_ids(self, session: Session, county_id: str) -> frozenset[str]:
        """Leads an import no longer lists: kept with their history, never planned (managers,
        admins)."""

        def run(conn: Connection) -> frozenset[str]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            return frozenset(conn.execute(
                sa.select(S.leads.c.lead_id).where(S.leads.c.county_id == county_id,
                                                   S.leads.c.retired_at.is_not(None))
            ).scalars().all())

        return self._db.read(run)

    def leads_frame(self, session: Session, county_id: str, *,
                    include_do_not_visit: bool = False,
                    include_retired: bool = False) -> pd.DataFrame:
        """The county's leads shaped like :func:`countyreach.io.read_leads_table` output.

        Do-not-visit and retired leads are left out unless asked for, so a plan built
        from this table never offers them. Managers and admins only (personal data).
        """

        def run(conn: Connection) -> pd.DataFrame:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            q = sa.select(S.leads).where(S.leads.c.county_id == county_id)
            if not include_retired:
                q = q.where(S.leads.c.retired_at.is_(None))
            if not include_do_not_visit:
                dnv = sa.select(S.do_not_visit.c.lead_id).where(
                    S.do_not_visit.c.county_id == county_id)
                q = q.where(S.leads.c.lead_id.not_in(dnv))
            return pd.DataFrame(conn.execute(q.order_by(S.leads.c.lead_id)).mappings().all())

        df = self._db.read(run)
        if df.empty:
            return pd.DataFrame(columns=list(LEAD_TABLE_COLUMNS))
        out = df[[c for c in LEAD_TABLE_COLUMNS if c != "windows"]].copy()
        out["windows"] = [tuple(TimeWindow(int(a), int(b)) for a, b in json.loads(w))
                          for w in df["windows_json"]]
        extras = pd.DataFrame([json.loads(x) for x in df["extra_json"]], index=df.index)
        out = pd.concat([out, extras.drop(columns=[c for c in extras.columns if c in out],
                                          errors="ignore")], axis=1)
        return out


def _row_values(kind: ImportKind, rec: Mapping[str, Any]) -> dict[str, Any]:
    """The table columns of one validated record (the content hash is added by the caller)."""
    if kind is ImportKind.LEADS:
        return {
            "lead_id": rec["lead_id"], "name": rec["name"], "industry": rec["industry"],
            "village": rec["village"], "lat": rec["lat"], "lon": rec["lon"],
            "phone": rec["phone"], "address": rec["address"], "service_s": rec["service_s"],
            "windows_json": json.dumps(rec["windows"]),
            "pinned_officer_id": rec["pinned_officer_id"],
            "load": rec["load"],
            "extra_json": json.dumps(rec["extra"], ensure_ascii=False, sort_keys=True),
        }
    return {"officer_id": rec["officer_id"], "name": rec["name"],
            "data_json": json.dumps(rec, ensure_ascii=False, sort_keys=True)}
