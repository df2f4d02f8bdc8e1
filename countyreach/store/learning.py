"""What the loop learns from and with: county map files, visit history, the bank's loan book,
the loans elsewhere it knows of and the model registry.

None of these tables holds personal data: history, loan-book and loans-elsewhere rows are
lead ids, months, labels and amounts (loans-elsewhere rows are still deleted with a lead's
personal data, see :meth:`~countyreach.store.core.Store.erase_personal_data`); the registry
keeps hashes, versions and held-out metrics (the artefacts themselves live under the data
directory, see :mod:`countyreach.services.models`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import InputError
from countyreach.store import schema as S
from countyreach.store.checks import aware, check_id
from countyreach.store.do_not_visit import erased
from countyreach.store.plans import lock_county as lock_county_row
from countyreach.store.records import AuditAction, ModelRecord, ModelState, Role, Session
from countyreach.store.repository import Repository
from countyreach.store.rows import content_hash
from countyreach.store.schema import ID_LEN
from propensity.errors import DataError
from propensity.loan_recency import check_loan_book, check_loans_elsewhere

__all__ = ["LearningRepository", "HISTORY_COLUMNS", "LOAN_BOOK_COLUMNS", "loan_book_rows",
           "randomised_flags", "LOANS_ELSEWHERE_COLUMNS", "ELSEWHERE_FRAME_COLUMNS",
           "LoansElsewhereRows", "loans_elsewhere_rows"]

#: Columns of a stored visit history (the shape :func:`propensity.visit_table` reads).
HISTORY_COLUMNS = ("lead_id", "month", "took_loan", "loan_yuan", "defaulted")
#: Columns of a stored loan book (the shape :func:`propensity.check_loan_book` returns).
LOAN_BOOK_COLUMNS = ("lead_id", "month", "loan_yuan", "defaulted")
#: Columns of stored loans from other lenders (the ``loans_elsewhere`` table).
LOANS_ELSEWHERE_COLUMNS = ("lead_id", "month", "loan_yuan")
#: Columns of what the bank knows of loans elsewhere, as planning and training read it (the
#: ``elsewhere`` of :func:`propensity.bank_loan_book`, :func:`propensity.check_loans_elsewhere`).
ELSEWHERE_FRAME_COLUMNS = ("lead_id", "month", "loan_yuan", "known_month")
_HASH_LEN = 64


def _opt_float(v: Any) -> float | None:
    f = pd.to_numeric(v, errors="coerce")
    return None if f is None or (isinstance(f, float) and math.isnan(f)) else float(f)


def randomised_flags(history: pd.DataFrame) -> list[bool]:
    """Which rows of a visit history were randomised visits (``visited_by_policy`` is
    ``random``); every row is False when the file has no such column."""
    if "visited_by_policy" not in history.columns:
        return [False] * len(history)
    pol = history["visited_by_policy"].astype(str).str.strip().str.lower()
    return [bool(v) for v in (pol == "random")]


def loan_book_rows(loans: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a loan book as the store keeps them, one per lead and month (the last wins).

    The book's rules are :func:`propensity.check_loan_book`'s; the store adds its own limit
    on the length of ids.

    Parameters
    ----------
    loans : pandas.DataFrame
        ``lead_id, month`` and optional ``loan_yuan`` (>= 0), ``defaulted`` (0/1).

    Returns
    -------
    list of dict
        ``lead_id, month, loan_yuan, defaulted`` (``None`` where not known).

    Raises
    ------
    InputError
        Naming the row (1-based) and field of the first value the store cannot keep.
    """
    try:
        book = check_loan_book(loans)
    except DataError as exc:
        raise InputError(exc.reason, row=exc.row, field=exc.field) from None
    out = []
    for i, rec in enumerate(book.to_dict(orient="records"), start=1):
        if len(rec["lead_id"]) > ID_LEN:
            raise InputError(f"a loan's lead_id must be 1-{ID_LEN} characters, got "
                             f"{rec['lead_id']!r}", row=i, field="lead_id")
        amount, d = _opt_float(rec["loan_yuan"]), _opt_float(rec["defaulted"])
        out.append({"lead_id": rec["lead_id"], "month": rec["month"], "loan_yuan": amount,
                    "defaulted": None if d is None else bool(d)})
    return out


class LoansElsewhereRows(NamedTuple):
    """Rows of a report of record of loans elsewhere as the store keeps them."""

    #: ``lead_id, month, loan_yuan`` of each loan (``loan_yuan`` ``None`` where not known).
    loans: list[dict[str, Any]]
    #: ``lead_id`` of each lead checked without a loan elsewhere (a row without a month).
    none: list[dict[str, Any]]


def loans_elsewhere_rows(loans: pd.DataFrame) -> LoansElsewhereRows:
    """Rows of a report of record of loans from other lenders, as the store keeps them.

    Checked by :func:`propensity.check_loans_elsewhere`: a row without a month says the
    lead was checked and has none. Whether a loan elsewhere defaulted is not the bank's to
    know, and a ``defaulted`` column is ignored like a ``lender`` or notes.

    Parameters
    ----------
    loans : pandas.DataFrame
        ``lead_id, month`` (``YYYY-MM`` or blank) and optional ``loan_yuan`` (>= 0); other
        columns are ignored. A ``known_month`` must be blank throughout: a report of record
        holds for every month (what an owner tells an officer is kept on the outcome).

    Returns
    -------
    LoansElsewhereRows
        One loan per lead and month, one checked-none row per lead.

    Raises
    ------
    InputError
        Naming the row (1-based) and field of the first value the store cannot keep.
    """
    try:
        book = check_loans_elsewhere(loans.drop(columns="defaulted", errors="ignore"))
    except DataError as exc:
        raise InputError(exc.reason, row=exc.row, field=exc.field) from None
    told = np.flatnonzero((book["known_month"] != "").to_numpy(bool))
    if len(told):
        raise InputError("a report of record has no known_month (what an owner told an "
                         "officer is recorded with the visit's outcome)", row=int(told[0]) + 1,
                         field="known_month")
    out = LoansElsewhereRows([], [])
    seen: set[str] = set()
    for i, rec in enumerate(book.to_dict(orient="records"), start=1):
        if len(rec["lead_id"]) > ID_LEN:
            raise InputError(f"a loan's lead_id must be 1-{ID_LEN} characters, got "
                             f"{rec['lead_id']!r}", row=i, field="lead_id")
        if rec["month"]:
            out.loans.append({"lead_id": rec["lead_id"], "month": rec["month"],
                              "loan_yuan": _opt_float(rec["loan_yuan"])})
        elif rec["lead_id"] not in seen:
            seen.add(rec["lead_id"])
            out.none.append({"lead_id": rec["lead_id"]})
    return out


class LearningRepository(Repository):
    """County map files, visit history and registered models of each county.

    Built like every :class:`~countyreach.store.repository.Repository`.
    """

    # ---------------------------------------------------------------- county files
    def save_county_files(self, session: Session, county_id: str, crs: str,
                          manifest: Mapping[str, Any]) -> bool:
        """Record the county's map files (names and sha256 in ``manifest``); True if changed.

        Managers of the county and admins.
        """
        check_id(county_id, "county_id")
        text = json.dumps(dict(manifest), ensure_ascii=False, sort_keys=True)
        h = content_hash(dict(manifest))

        def run(conn: Connection) -> bool:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            old = conn.execute(sa.select(S.county_files.c.content_hash).where(
                S.county_files.c.county_id == county_id)).scalar()
            if old == h:
                return False
            values = {"crs": crs, "manifest_json": text, "content_hash": h,
                      "updated_at": self._db.now()}
            if old is None:
                conn.execute(S.county_files.insert().values(county_id=county_id, **values))
            else:
                conn.execute(S.county_files.update()
                             .where(S.county_files.c.county_id == county_id).values(**values))
            self._audit.write(conn, who, AuditAction.COUNTY_FILES, county_id, county_id,
                              content_hash=h)
            return True

        return self._db.write(run)

    def county_files(self, session: Session, county_id: str) -> tuple[str, dict[str, Any]]:
        """``(crs, manifest)`` of the county's map files (every role of the county).

        Raises
        ------
        InputError
            The county was never imported with its map files.
        """

        def run(conn: Connection) -> Any:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN,
                               Role.PLANNER, Role.OFFICER)
            return conn.execute(sa.select(S.county_files).where(
                S.county_files.c.county_id == county_id)).mappings().first()

        row = self._db.read(run)
        if row is None:
            raise InputError(f"county {county_id!r} has no map files in the store: import it "
                             "with `countyreach county import DIR`", field="county_id")
        return str(row["crs"]), json.loads(row["manifest_json"])

    def county_ids(self, session: Session) -> list[str]:
        """Every county the store knows (admins) or the caller's own county."""

        def run(conn: Connection) -> list[str]:
            who = self._guard.principal(conn, session)
            rows = conn.execute(sa.select(S.counties.c.county_id, S.counties.c.region)
                                .order_by(S.counties.c.county_id)).all()
            return [str(cid) for cid, region in rows if self._guard.covers(who, cid, region)]

        return self._db.read(run)

    # ---------------------------------------------------------------- visit history
    def import_history(self, session: Session, county_id: str,
                       history: pd.DataFrame, *, replace: bool = False) -> dict[str, int]:
        """Insert or update visit-history rows (keyed by lead and month); idempotent.

        Parameters
        ----------
        history : pandas.DataFrame
            Checked rows ``lead_id, month, took_loan`` (0/1) and optional ``loan_yuan``,
            ``defaulted`` (see :func:`propensity.history.check_history`) and
            ``visited_by_policy``: ``random`` marks a randomised visit (stored as
            ``randomised``; without the column no row of the file is randomised).
        replace : bool
            ``history`` is the county's whole history (a county folder's ``history.csv``):
            stored rows it does not hold are deleted, so a corrected month replaces the
            wrong one instead of standing beside it.

        Returns
        -------
        dict
            ``{"inserted": n, "updated": n, "unchanged": n, "removed": n}``.
        """
        check_id(county_id, "county_id")
        # one visit per lead and month, the last row of each (as the file reader keeps it):
        # a key's second row would otherwise update a row not yet inserted
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        for rec, rand in zip(history.to_dict(orient="records"), randomised_flags(history),
                             strict=True):
            d = _opt_float(rec.get("defaulted"))
            key = (str(rec["lead_id"]), str(rec["month"])[:7])
            row: dict[str, Any] = {
                "lead_id": key[0], "month": key[1], "took_loan": int(rec["took_loan"]),
                "loan_yuan": _opt_float(rec.get("loan_yuan")),
                "defaulted": None if d is None else int(d), "randomised": rand}
            by_key.pop(key, None)  # re-inserted: the key keeps its last row's place
            by_key[key] = row
        rows = list(by_key.values())

        def run(conn: Connection) -> dict[str, int]:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            h = S.visit_history
            have: dict[tuple[Any, ...], tuple[Any, ...]] = {
                (r.lead_id, r.month): (r.took_loan, r.loan_yuan, r.defaulted, bool(r.randomised))
                for r in conn.execute(sa.select(h).where(h.c.county_id == county_id))}
            counts = {"inserted": 0, "updated": 0, "unchanged": 0, "removed": 0}
            fresh = []
            for r in rows:
                key = (r["lead_id"], r["month"])
                now = (r["took_loan"], r["loan_yuan"], r["defaulted"], r["randomised"])
                if key not in have:
                    fresh.append({"county_id": county_id, **r})
                    have[key] = now
                    counts["inserted"] += 1
                elif have[key] != now:
                    conn.execute(h.update().where(h.c.county_id == county_id,
                                                  h.c.lead_id == key[0], h.c.month == key[1])
                                 .values(took_loan=now[0], loan_yuan=now[1], defaulted=now[2],
                                         randomised=now[3]))
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            if fresh:
                conn.execute(h.insert(), fresh)
            if replace:
                listed = {(r["lead_id"], r["month"]) for r in rows}
                for lead_id, month in sorted(set(have) - listed):
                    conn.execute(h.delete().where(h.c.county_id == county_id,
                                                  h.c.lead_id == lead_id, h.c.month == month))
                    counts["removed"] += 1
            if counts["inserted"] or counts["updated"] or counts["removed"]:
                self._audit.write(conn, who, AuditAction.IMPORT_HISTORY, county_id,
                                  county_id, **counts)
            return counts

        return self._db.write(run)

    def history_frame(self, session: Session, county_id: str) -> pd.DataFrame:
        """The county's stored visit history (no personal data).

        Returns
        -------
        pandas.DataFrame
            :data:`HISTORY_COLUMNS` and ``randomised`` (bool: the visit was chosen at
            random).
        """
        cols = [*HISTORY_COLUMNS, "randomised"]

        def run(conn: Connection) -> pd.DataFrame:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            h = S.visit_history
            rows = conn.execute(sa.select(*(h.c[c] for c in cols))
                                .where(h.c.county_id == county_id)
                                .order_by(h.c.month, h.c.lead_id)).mappings().all()
            out = pd.DataFrame(rows, columns=cols)
            return out.assign(randomised=out["randomised"].astype(bool))

        return self._db.read(run)

    # ---------------------------------------------------------------- loan book
    def import_loan_book(self, session: Session, county_id: str,
                         loans: pd.DataFrame | None) -> int:
        """Replace the county's loan book in one transaction; the number of loans stored.

        Same callers as :meth:`import_history` (managers of the county, admins); audited
        when the book changes.

        Parameters
        ----------
        loans : pandas.DataFrame or None
            The whole book (see :func:`loan_book_rows`); ``None``: the county has none, and
            its stored rows are deleted.

        Raises
        ------
        InputError
            A row the store cannot keep (nothing is changed).
        """
        check_id(county_id, "county_id")
        rows = [] if loans is None else loan_book_rows(loans)

        def run(conn: Connection) -> int:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            old = _replace_rows(conn, county_id, S.loan_book, LOAN_BOOK_COLUMNS, rows)
            if old is not None:
                self._audit.write(conn, who, AuditAction.IMPORT_HISTORY, county_id, county_id,
                                  part="loan_book", loans=len(rows), replaced=old)
            return len(rows)

        return self._db.write(run)

    def loan_book_frame(self, session: Session, county_id: str) -> pd.DataFrame | None:
        """The county's stored loan book; ``None`` when it has none.

        Same readers as :meth:`history_frame`.

        Returns
        -------
        pandas.DataFrame or None
            :data:`LOAN_BOOK_COLUMNS`, ``loan_yuan`` and ``defaulted`` as floats (NaN where
            not known), as :func:`propensity.check_loan_book` returns them.
        """
        out = self._county_rows(session, county_id, S.loan_book, LOAN_BOOK_COLUMNS)
        if out is None:
            return None
        return out.assign(defaulted=[float("nan") if d is None else float(d)
                                     for d in out["defaulted"]])

    def import_loans_elsewhere(self, session: Session, county_id: str,
                               loans: pd.DataFrame | None) -> int:
        """Replace the county's report of record of loans from other lenders in one
        transaction: its loans and the leads it shows without one; how many loans are stored.

        Same callers as :meth:`import_loan_book`; audited when either part changes (with how
        many loans and checked leads were stored and replaced). Rows of a lead whose
        personal data was erased are not kept, whatever the report says: the erasure
        withdrew what the bank knew of its loans elsewhere, for good (a lender's file
        exported before the erasure still holds them).

        Parameters
        ----------
        loans : pandas.DataFrame or None
            The whole report (see :func:`loans_elsewhere_rows`; a row without a month: the
            lead was checked and has none); ``None``: the bank has none, and the county's
            stored rows are deleted.

        Raises
        ------
        InputError
            A row the store cannot keep (nothing is changed).
        """
        check_id(county_id, "county_id")
        rows = LoansElsewhereRows([], []) if loans is None else loans_elsewhere_rows(loans)

        def run(conn: Connection) -> int:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            gone = erased(conn, county_id)
            loans = [r for r in rows.loans if r["lead_id"] not in gone]
            none = [r for r in rows.none if r["lead_id"] not in gone]
            old = _replace_rows(conn, county_id, S.loans_elsewhere, LOANS_ELSEWHERE_COLUMNS,
                                loans)
            old_none = _replace_rows(conn, county_id, S.loans_elsewhere_none, ("lead_id",),
                                     none)
            if old is not None or old_none is not None:
                self._audit.write(conn, who, AuditAction.IMPORT_HISTORY, county_id, county_id,
                                  part="loans_elsewhere", loans=len(loans),
                                  replaced=len(loans) if old is None else old,
                                  checked_none=len(none),
                                  replaced_none=len(none) if old_none is None else old_none,
                                  kept_erased=len(rows.loans) + len(rows.none)
                                  - len(loans) - len(none))
            return len(loans)

        return self._db.write(run)

    def loans_elsewhere_frame(self, session: Session, county_id: str) -> pd.DataFrame | None:
        """What the bank knows of the county's loans from other lenders; ``None``: nothing.

        Read in one transaction: the imported report of record (``loans_elsewhere.csv``: its
        loans, and its leads without one) and what owners told officers (every outcome that
        recorded a month, or that the officer asked and the owner had none). Same readers
        as :meth:`history_frame`.

        Returns
        -------
        pandas.DataFrame or None
            :data:`ELSEWHERE_FRAME_COLUMNS`, as :func:`propensity.check_loans_elsewhere`
            reads them: ``month`` '' where a check found none, ``loan_yuan`` float (NaN where
            not known), ``known_month`` '' for the report of record (it holds for every
            month) and the visit's month for what an owner told an officer. Exact duplicates
            are dropped; sorted by month, lead and known month.
        """
        o, t, n = S.outcomes, S.loans_elsewhere, S.loans_elsewhere_none

        def run(conn: Connection) -> tuple[list[Any], list[Any], list[Any]]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            loans = conn.execute(sa.select(t.c.lead_id, t.c.month, t.c.loan_yuan)
                                 .where(t.c.county_id == county_id)).all()
            none = conn.execute(sa.select(n.c.lead_id).where(n.c.county_id == county_id)).all()
            told = conn.execute(
                sa.select(o.c.lead_id, o.c.other_loan_month, o.c.plan_date)
                .where(o.c.county_id == county_id,
                       sa.or_(o.c.other_loan_month.is_not(None),
                              o.c.other_loan_asked.is_(True)))).all()
            return list(loans), list(none), list(told)

        loans, none, told = self._db.read(run)
        rows = ([(str(r[0]), str(r[1]), _opt_float(r[2]), "") for r in loans]
                + [(str(r[0]), "", None, "") for r in none]
                + [(str(r[0]), "" if r[1] is None else str(r[1]), None, str(r[2])[:7])
                   for r in told])
        if not rows:
            return None
        out = pd.DataFrame(rows, columns=list(ELSEWHERE_FRAME_COLUMNS), dtype=object)
        out["loan_yuan"] = pd.to_numeric(out["loan_yuan"]).astype(float)
        out = out.drop_duplicates()
        return out.sort_values(["month", "lead_id", "known_month"], kind="stable"
                               ).reset_index(drop=True)

    def _county_rows(self, session: Session, county_id: str, table: sa.Table,
                     cols: tuple[str, ...]) -> pd.DataFrame | None:
        """The county's rows of ``table`` (``None`` when none), ids and months as text and
        ``loan_yuan`` as float."""

        def run(conn: Connection) -> list[Any]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            return list(conn.execute(sa.select(*(table.c[c] for c in cols))
                                     .where(table.c.county_id == county_id)
                                     .order_by(table.c.month, table.c.lead_id)).mappings().all())

        rows = self._db.read(run)
        if not rows:
            return None
        out = pd.DataFrame(rows, columns=list(cols)).astype({"lead_id": object, "month": object})
        return out.assign(loan_yuan=pd.to_numeric(out["loan_yuan"]).astype(float))

    # ---------------------------------------------------------------- model registry
    def register_model(self, session: Session, county_id: str, *, data_hash: str,
                       code_version: str, artefact_sha256: str, n_train: int,
                       metrics: Mapping[str, Any], version: int) -> ModelRecord:
        """Register an artefact already written as ``version`` (see :meth:`next_model_version`).

        Raises
        ------
        InputError
            A malformed hash, or the version is taken.
        """
        check_id(county_id, "county_id")
        for name, value in (("data_hash", data_hash), ("artefact_sha256", artefact_sha256)):
            if not isinstance(value, str) or len(value) != _HASH_LEN:
                raise InputError(f"{name} must be a sha256 hex digest", field=name)
        metrics_json = json.dumps(dict(metrics), sort_keys=True, default=float)

        def run(conn: Connection) -> ModelRecord:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            lock_county_row(conn, county_id)
            taken = conn.execute(sa.select(S.models.c.version).where(
                S.models.c.county_id == county_id, S.models.c.version == version)).first()
            if taken:
                raise InputError(f"model version {version} of {county_id} exists",
                                 field="version")
            values = dict(county_id=county_id, version=version,
                          status=ModelState.CANDIDATE.value, data_hash=data_hash,
                          code_version=code_version[:64], artefact_sha256=artefact_sha256,
                          n_train=int(n_train), metrics_json=metrics_json,
                          created_by=who.username, created_at=self._db.now())
            conn.execute(S.models.insert().values(**values))
            self._audit.write(conn, who, AuditAction.REGISTER_MODEL, county_id,
                              f"v{version}", data_hash=data_hash, code_version=code_version)
            return _model_record(values)

        return self._db.write(run)

    def next_model_version(self, session: Session, county_id: str) -> int:
        """The version number the county's next model gets."""

        def run(conn: Connection) -> int:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(S.models.c.version),
                                                               0))
                                    .where(S.models.c.county_id == county_id)).scalar_one()) + 1

        return self._db.read(run)

    def promote_model(self, session: Session, county_id: str, version: int) -> None:
        """Make ``version`` the county's model; the previously promoted one is retired."""

        def run(conn: Connection) -> None:
            who = self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN)
            lock_county_row(conn, county_id)
            m = S.models
            found = conn.execute(sa.select(m.c.status).where(
                m.c.county_id == county_id, m.c.version == version)).scalar()
            if found is None:
                raise InputError(f"no model version {version} of {county_id}", field="version")
            if found == ModelState.PROMOTED:
                return
            conn.execute(m.update().where(m.c.county_id == county_id,
                                          m.c.status == ModelState.PROMOTED.value)
                         .values(status=ModelState.RETIRED.value))
            conn.execute(m.update().where(m.c.county_id == county_id, m.c.version == version)
                         .values(status=ModelState.PROMOTED.value))
            self._audit.write(conn, who, AuditAction.PROMOTE_MODEL, county_id, f"v{version}")

        self._db.write(run)

    def models(self, session: Session, county_id: str) -> list[ModelRecord]:
        """Every registered model of the county, oldest first (planners may read it)."""

        def run(conn: Connection) -> list[ModelRecord]:
            self._guard.county(conn, session, county_id, Role.MANAGER, Role.ADMIN, Role.PLANNER)
            rows = conn.execute(sa.select(S.models).where(S.models.c.county_id == county_id)
                                .order_by(S.models.c.version)).mappings().all()
            return [_model_record(r) for r in rows]

        return self._db.read(run)


def _replace_rows(conn: Connection, county_id: str, table: sa.Table, cols: tuple[str, ...],
                  rows: list[dict[str, Any]]) -> int | None:
    """Replace the county's rows of ``table`` by ``rows`` in the caller's transaction: how
    many it had before, ``None`` when they were the same (nothing written)."""

    def key(r: Mapping[str, Any] | sa.RowMapping) -> tuple[Any, ...]:
        # the database may hand a flag back as 0/1
        return tuple(None if r[c] is None else bool(r[c]) if c == "defaulted" else r[c]
                     for c in cols)

    have = {key(r) for r in conn.execute(sa.select(*(table.c[c] for c in cols)).where(
        table.c.county_id == county_id)).mappings()}
    if have == {key(r) for r in rows}:
        return None
    # the file is the whole list: replacing it drops what the bank no longer lists
    conn.execute(table.delete().where(table.c.county_id == county_id))
    if rows:
        conn.execute(table.insert(), [{"county_id": county_id, **r} for r in rows])
    return len(have)


def _model_record(r: Mapping[str, Any] | sa.RowMapping) -> ModelRecord:
    metrics = r["metrics_json"]
    return ModelRecord(
        county_id=str(r["county_id"]), version=int(r["version"]), status=r["status"],
        data_hash=str(r["data_hash"]), code_version=str(r["code_version"]),
        artefact_sha256=str(r["artefact_sha256"]), n_train=int(r["n_train"]),
        metrics=json.loads(metrics) if isinstance(metrics, str) else dict(metrics),
        created_by=str(r["created_by"]), created_at=aware(r["created_at"]))
