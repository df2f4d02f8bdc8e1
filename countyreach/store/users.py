"""Users and sessions: accounts with roles, bcrypt passwords, sign-in and expiring sessions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from countyreach.errors import AccessDenied, InputError, SignInLocked
from countyreach.settings import BCRYPT_ROUNDS_RANGE, DEFAULT_BCRYPT_ROUNDS
from countyreach.store import schema as S
from countyreach.store.access import BOOTSTRAP, Guard, Principal, token_hash
from countyreach.store.audit import AuditLog
from countyreach.store.checks import aware, check_id, check_password, parse_enum
from countyreach.store.engine import Database
from countyreach.store.records import Account, AuditAction, NewAccount, Role, Session

__all__ = ["UserRepository", "DEFAULT_TTL_S", "MAX_TTL_S", "DEFAULT_BCRYPT_ROUNDS",
           "SIGN_IN_MAX_FAILURES", "SIGN_IN_WINDOW_S", "check_bcrypt_rounds",
           "check_password"]

#: Longest bearer token :meth:`UserRepository.resume` looks at (``login`` makes 43 characters).
_TOKEN_MAX_CHARS = 256
#: A session lasts a working day unless asked otherwise.
DEFAULT_TTL_S = 12 * 3600
#: Longest session a login may ask for.
MAX_TTL_S = 30 * 86400
#: The command line's account (see :meth:`UserRepository.operator_session`).
OPERATOR = "countyreach-operator"
# bcrypt looks at the first 72 bytes of a password only
_BCRYPT_MAX_BYTES = 72
#: Failed sign-ins with one name within :data:`SIGN_IN_WINDOW_S` after which the name is
#: refused until the oldest of them is that old: five guesses a quarter of an hour, not as
#: many as the server can hash.
SIGN_IN_MAX_FAILURES = 5
SIGN_IN_WINDOW_S = 15 * 60


def check_bcrypt_rounds(rounds: int) -> int:
    """``rounds`` as an int, refused (``InputError``) outside bcrypt's range 4-31."""
    low, high = BCRYPT_ROUNDS_RANGE
    if not low <= int(rounds) <= high:
        raise InputError("password hashing cost (bcrypt rounds) must be between 4 and 31",
                         field="bcrypt_rounds")
    return int(rounds)


class UserRepository:
    """Creates users and opens and closes their sessions.

    Parameters
    ----------
    db : Database
    guard : Guard
    audit : AuditLog
    bcrypt_rounds : int
        Cost of password hashing (12 in production; tests use 4).
    """

    def __init__(self, db: Database, guard: Guard, audit: AuditLog, *,
                 bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS) -> None:
        self._db = db
        self._guard = guard
        self._audit = audit
        self.bcrypt_rounds = check_bcrypt_rounds(bcrypt_rounds)

    @property
    def _dummy_hash(self) -> bytes:
        # checked against when the user does not exist, so timing reveals nothing: a bcrypt
        # hash of this cost (its salt written out, no password has it), checked as a real
        # one is, where hashing one would cost every command that opens the store a hash
        return b"$2b$%02d$countyreachNoSuchUser.%s" % (self.bcrypt_rounds, b"." * 31)

    def _hash(self, password: str) -> str:
        return bcrypt.hashpw(password.encode("utf-8"),
                             bcrypt.gensalt(self.bcrypt_rounds)).decode("ascii")

    def create_user(self, username: str, password: str, role: Role | str,
                    officer_id: str | None = None, county_id: str | None = None, *,
                    region: str | None = None, session: Session | None = None,
                    must_change_password: bool = False) -> int:
        """Create a user (admins only; the very first user may be created without a session).

        Parameters
        ----------
        username, password : str
            Login; the password (8-128 characters) is stored as a bcrypt hash.
        role : Role or {"officer", "manager", "planner", "admin"}
        officer_id : str, optional
            Required for officers: whose route they see.
        county_id : str, optional
            Required for officers; a manager's (or planner's) county.
        region : str, optional
            A manager or planner who covers every county of this region.
        session : Session, optional
            An admin's session; omitted only to bootstrap an empty store.
        must_change_password : bool
            The password is the admin's choice, handed over: the user picks their own at
            their first sign-in before anything else (:meth:`Guard.principal`).

        Returns
        -------
        int
            The new user id.

        Raises
        ------
        InputError
            A malformed field, a missing scope for the role, or a taken username.
        AccessDenied
            Not an admin (or no session once the store has a user).
        """
        new = NewAccount(username, password, parse_enum(Role, role, "role"), officer_id,
                         county_id, region, must_change_password)
        pw_hash = self._hash(password)

        def run(conn: Connection) -> int:
            # The operator account (made by the first command run against the store, or by
            # the app listing the store's counties) signs nobody in: a store with only it
            # still takes its first user without a session.
            n_users = conn.execute(sa.select(sa.func.count()).select_from(S.users)
                                   .where(S.users.c.username != OPERATOR)).scalar_one()
            if session is None:
                if n_users:
                    raise AccessDenied("only an admin can create users")
                who = BOOTSTRAP
            else:
                who = self._guard.principal(conn, session)
                self._guard.require(who, Role.ADMIN)
            return self._insert(conn, who, new, pw_hash)

        return self._db.write(run)

    def _insert(self, conn: Connection, who: Principal, new: NewAccount, pw_hash: str) -> int:
        """Insert ``new`` (its password hashed) and audit it; a taken name is refused."""
        if conn.execute(sa.select(S.users.c.user_id)
                        .where(S.users.c.username == new.username)).first():
            raise InputError(f"user {new.username!r} already exists", field="username")
        uid = conn.execute(S.users.insert().values(
            username=new.username, password_hash=pw_hash, role=new.role.value,
            officer_id=new.officer_id, county_id=new.county_id, region=new.region,
            active=True, must_change_password=new.must_change_password,
            created_at=self._db.now(),
        ).returning(S.users.c.user_id)).scalar_one()
        self._audit.write(conn, who, AuditAction.CREATE_USER, new.county_id, new.username,
                          role=new.role.value, officer_id=new.officer_id, region=new.region)
        return int(uid)

    def create_users(self, accounts: Sequence[NewAccount], *, session: Session,
                     progress: Callable[[float], None] | None = None) -> list[int]:
        """Create many accounts at once (admins): all of them, or none.

        Every password is hashed first (on every core: bcrypt's cost makes a county's
        officers take seconds, a lender's thousands minutes), then one transaction inserts
        them, so a name already taken leaves the store as it was.

        Parameters
        ----------
        accounts : sequence of NewAccount
        session : Session
            An admin's session.
        progress : callable, optional
            Called with the share of the passwords hashed so far, as they are.

        Returns
        -------
        list of int
            The new user ids, in the order of ``accounts``.

        Raises
        ------
        InputError
            A name given twice or already taken (nothing is created).
        AccessDenied
            Not an admin.
        """
        twice = sorted(n for n, k in Counter(a.username for a in accounts).items() if k > 1)
        if twice:
            raise InputError(f"user {twice[0]!r} is listed twice", field="username")
        self._db.read(lambda c: self._guard.require(self._guard.principal(c, session),
                                                    Role.ADMIN))
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            hashes = []
            # bcrypt hashes outside the GIL: threads use every core
            for k, h in enumerate(pool.map(lambda a: self._hash(a.password), accounts), 1):
                hashes.append(h)
                if progress is not None:
                    progress(k / len(accounts))

        def run(conn: Connection) -> list[int]:
            who = self._guard.principal(conn, session)
            self._guard.require(who, Role.ADMIN)
            return [self._insert(conn, who, a, h) for a, h in zip(accounts, hashes, strict=True)]

        return self._db.write(run)

    def login(self, username: str, password: str, ttl_s: float = DEFAULT_TTL_S) -> Session:
        """Check a password and open a session that expires after ``ttl_s`` seconds.

        After :data:`SIGN_IN_MAX_FAILURES` failures with one name within
        :data:`SIGN_IN_WINDOW_S`, that name is refused (its password not even checked) until
        the oldest of them is that old; a name nobody has is counted alike, so the refusal
        tells nothing of which accounts exist. A sign-in that succeeds, or a new password
        from an admin, clears the name's failures.

        Raises
        ------
        SignInLocked
            Too many recent failures with this name (an :class:`AccessDenied`).
        AccessDenied
            Unknown user, wrong password or a disabled account (one message for all).
        InputError
            ``ttl_s`` outside (0, 30 days].
        """
        if not isinstance(username, str) or not isinstance(password, str):
            raise AccessDenied("wrong username or password")
        if not (0 < ttl_s <= MAX_TTL_S):
            raise InputError("session lifetime must be between 0 and 30 days", field="ttl_s")
        name = token_hash(username)
        now = self._db.now()
        self._check_not_locked(name, now)
        row = self._db.read(lambda c: c.execute(
            sa.select(S.users).where(S.users.c.username == username)).mappings().first())
        stored = row["password_hash"].encode("ascii") if row else self._dummy_hash
        # bcrypt runs for unknown users too, so timing does not reveal which names exist
        ok = bcrypt.checkpw(password.encode("utf-8")[:_BCRYPT_MAX_BYTES], stored)
        if row is None or not ok or not row["active"]:
            self._db.write(lambda c: self._failed(c, name, now))
            raise AccessDenied("wrong username or password")
        token = secrets.token_urlsafe(32)
        expires = now + dt.timedelta(seconds=ttl_s)
        who = Principal(row["user_id"], row["username"], row["role"], row["officer_id"],
                        row["county_id"], row["region"])

        def run(conn: Connection) -> None:
            conn.execute(S.sessions.delete().where(S.sessions.c.expires_at < now))
            self._cleared(conn, name)
            conn.execute(S.sessions.insert().values(
                token_hash=token_hash(token), user_id=row["user_id"], created_at=now,
                expires_at=expires))
            self._audit.write(conn, who, AuditAction.LOGIN, row["county_id"], username)

        self._db.write(run)
        return Session(token, row["username"], who.role, row["officer_id"], row["county_id"],
                       row["region"], expires, bool(row["must_change_password"]))

    def _check_not_locked(self, name: str, now: dt.datetime) -> None:
        """Refuse ``name`` (a hash) while it has too many failures in the window."""
        since = now - dt.timedelta(seconds=SIGN_IN_WINDOW_S)
        recent = self._db.read(lambda c: c.execute(
            sa.select(S.sign_in_failures.c.at)
            .where(S.sign_in_failures.c.name_hash == name, S.sign_in_failures.c.at > since)
            .order_by(S.sign_in_failures.c.at.desc())
            .limit(SIGN_IN_MAX_FAILURES)).scalars().all())
        if len(recent) < SIGN_IN_MAX_FAILURES:
            return
        raise SignInLocked(aware(recent[-1]) + dt.timedelta(seconds=SIGN_IN_WINDOW_S), now)

    @staticmethod
    def _failed(conn: Connection, name: str, now: dt.datetime) -> None:
        """Count a failed sign-in with ``name`` (a hash); forget failures past the window."""
        conn.execute(S.sign_in_failures.delete().where(
            S.sign_in_failures.c.at <= now - dt.timedelta(seconds=SIGN_IN_WINDOW_S)))
        conn.execute(S.sign_in_failures.insert().values(name_hash=name, at=now))

    @staticmethod
    def _cleared(conn: Connection, name: str) -> None:
        """Forget the failed sign-ins with ``name`` (a hash): it signed in, or has a new
        password."""
        conn.execute(S.sign_in_failures.delete().where(S.sign_in_failures.c.name_hash == name))

    def operator_session(self, ttl_s: float = 3600.0) -> Session:
        """A session of the built-in operator account, for the command line on the server.

        Whoever can run the CLI against this database can already read it; the operator
        account (an admin, created on first use with a random password nobody knows, so it
        cannot sign in to the app) makes what they do go through the same checks and into
        the audit log under its name.
        """
        now = self._db.now()
        token = secrets.token_urlsafe(32)

        def run(conn: Connection) -> Principal:
            row = conn.execute(sa.select(S.users).where(
                S.users.c.username == OPERATOR)).mappings().first()
            if row is None:
                uid = conn.execute(S.users.insert().values(
                    username=OPERATOR, password_hash=self._hash(secrets.token_urlsafe(32)),
                    role=Role.ADMIN.value, active=True, created_at=now,
                ).returning(S.users.c.user_id)).scalar_one()
                who = Principal(int(uid), OPERATOR, Role.ADMIN, None, None, None)
                self._audit.write(conn, BOOTSTRAP, AuditAction.CREATE_USER, None, OPERATOR,
                                  role=Role.ADMIN.value)
            else:
                who = Principal(row["user_id"], OPERATOR, Role.ADMIN, None, None, None)
            conn.execute(S.sessions.insert().values(
                token_hash=token_hash(token), user_id=who.user_id, created_at=now,
                expires_at=now + dt.timedelta(seconds=ttl_s)))
            return who

        self._db.write(run)
        return Session(token, OPERATOR, Role.ADMIN, None, None, None,
                       now + dt.timedelta(seconds=ttl_s))

    def usernames(self) -> list[str]:
        """Every account's name (the operator account left out)."""
        return [str(u) for u in self._db.read(lambda c: c.execute(
            sa.select(S.users.c.username).where(S.users.c.username != OPERATOR)
            .order_by(S.users.c.username)).scalars().all())]

    def logout(self, session: Session) -> None:
        """End a session (its token stops working at once)."""
        self._db.write(lambda c: c.execute(
            S.sessions.delete().where(S.sessions.c.token_hash == token_hash(session.token))))

    def resume(self, token: str) -> Session:
        """The live session of a bearer token, for a browser that comes back with it.

        The app keeps the token of a signed-in browser (a cookie) so that a reload does not
        sign the user out; this is where that token is checked. Nothing of the caller's is
        trusted but the token itself: the user, role, scope and expiry come from the
        database.

        Parameters
        ----------
        token : str
            The :attr:`Session.token` that :meth:`login` handed out.

        Returns
        -------
        Session
            The same session (same token and expiry), as the database knows it.

        Raises
        ------
        AccessDenied
            An unknown, logged-out or expired token, or a disabled account.
        """
        if not isinstance(token, str) or not 0 < len(token) <= _TOKEN_MAX_CHARS:
            raise AccessDenied("session is not valid; please log in again")
        row = self._db.read(lambda c: c.execute(
            sa.select(S.users, S.sessions.c.expires_at)
            .join(S.sessions, S.sessions.c.user_id == S.users.c.user_id)
            .where(S.sessions.c.token_hash == token_hash(token))).mappings().first())
        if row is None:
            raise AccessDenied("session is not valid (logged out?); please log in again")
        expires = aware(row["expires_at"])
        if expires <= self._db.now():
            raise AccessDenied("session expired; please log in again")
        if not row["active"]:
            raise AccessDenied("account is disabled")
        return Session(token, row["username"], row["role"], row["officer_id"],
                       row["county_id"], row["region"], expires, bool(row["must_change_password"]))

    def language(self, session: Session) -> str | None:
        """The interface language the session's user chose (``None``: not chosen yet).

        Raises
        ------
        AccessDenied
            The session is not live.
        """
        def run(conn: Connection) -> str | None:
            who = self._guard.principal(conn, session, own_account=True)
            value = conn.execute(sa.select(S.users.c.language).where(
                S.users.c.user_id == who.user_id)).scalar()
            return str(value) if value else None

        return self._db.read(run)

    def set_language(self, session: Session, language: str) -> None:
        """Keep ``language`` as the session's user's interface language (any role, own only).

        Parameters
        ----------
        session : Session
        language : str
            One of :data:`countyreach.i18n.LANGS`.

        Raises
        ------
        InputError
            A language the app does not speak.
        AccessDenied
            The session is not live.
        """
        from countyreach.i18n import LANGS

        if language not in LANGS:
            raise InputError(f"unsupported language {language!r} (one of {', '.join(LANGS)})",
                             field="language")

        def run(conn: Connection) -> None:
            who = self._guard.principal(conn, session, own_account=True)
            conn.execute(S.users.update().where(S.users.c.user_id == who.user_id)
                         .values(language=language))

        self._db.write(run)

    # ------------------------------------------------------------ accounts (admins)
    def accounts(self, session: Session, county_id: str | None = None) -> list[Account]:
        """The app's accounts, by name, with their last sign-in (admins only).

        Parameters
        ----------
        session : Session
            An admin's session.
        county_id : str, optional
            Only the accounts that reach this county: its own, its region's managers and
            planners, and the accounts of every county.

        Raises
        ------
        AccessDenied
            Not an admin.
        """
        if county_id is not None:
            check_id(county_id, "county_id")

        def run(conn: Connection) -> list[Account]:
            self._guard.require(self._guard.principal(conn, session), Role.ADMIN)
            last = {name: at for name, at in conn.execute(
                sa.select(S.audit_log.c.username, sa.func.max(S.audit_log.c.at))
                .where(S.audit_log.c.action == AuditAction.LOGIN.value)
                .group_by(S.audit_log.c.username))}
            query = sa.select(S.users).where(S.users.c.username != OPERATOR)
            if county_id is not None:
                region = sa.select(S.counties.c.region).where(
                    S.counties.c.county_id == county_id).scalar_subquery()
                # its own accounts, its region's, and those of every county (admins)
                query = query.where(sa.or_(
                    S.users.c.county_id == county_id,
                    S.users.c.county_id.is_(None) & (S.users.c.region.is_(None)
                                                     | (S.users.c.region == region))))
            rows = conn.execute(query.order_by(S.users.c.username)).mappings().all()
            return [Account(r["username"], r["role"], r["officer_id"], r["county_id"],
                            r["region"], bool(r["active"]), aware(r["created_at"]),
                            aware(last[r["username"]]) if r["username"] in last else None,
                            bool(r["must_change_password"]))
                    for r in rows]

        return self._db.read(run)

    def _account(self, conn: Connection, username: str) -> sa.RowMapping:
        """The row of ``username``, an account the app signs in (not the operator's)."""
        check_id(username, "username")
        row = conn.execute(sa.select(S.users).where(
            S.users.c.username == username)).mappings().first()
        if row is None or username == OPERATOR:
            raise InputError(f"no user {username!r}", field="username")
        return row

    def reset_password(self, username: str, password: str, *, session: Session) -> None:
        """Give ``username`` a new password (admins): for a user who forgot theirs.

        The user's sessions end at once, so a browser signed in with the old password (a
        lost phone, say) is signed out. The new password is for their next sign-in only:
        they pick their own then, before anything else.

        Raises
        ------
        InputError
            No such user, or a password that is not 8-128 characters.
        AccessDenied
            Not an admin.
        """
        pw_hash = self._hash(check_password(password))

        def run(conn: Connection) -> None:
            who = self._guard.principal(conn, session)
            self._guard.require(who, Role.ADMIN)
            row = self._account(conn, username)
            conn.execute(S.users.update().where(S.users.c.user_id == row["user_id"])
                         .values(password_hash=pw_hash, must_change_password=True))
            conn.execute(S.sessions.delete().where(S.sessions.c.user_id == row["user_id"]))
            self._cleared(conn, token_hash(username))
            self._audit.write(conn, who, AuditAction.RESET_PASSWORD, row["county_id"],
                              username)

        self._db.write(run)

    def change_password(self, session: Session, old_password: str,
                        new_password: str) -> Session:
        """Change the session's own password (any role), given the one it has now.

        The user's other sessions end (another browser, a phone left signed in); this one
        goes on, returned as it now is (a password an admin chose has been replaced, so the
        whole app opens to it). A wrong current password counts as a failed sign-in with the
        user's name (:meth:`login`): a session left open on a shared phone cannot be used to
        guess it.

        Returns
        -------
        Session
            ``session``, its ``must_change_password`` cleared.

        Raises
        ------
        SignInLocked
            Too many recent failures with the user's name.
        AccessDenied
            ``old_password`` is wrong, or the session is not live.
        InputError
            The new password is not 8-128 characters, or is the old one.
        """
        check_password(new_password)
        if not isinstance(old_password, str):
            raise AccessDenied("the current password is wrong")
        if new_password == old_password:
            raise InputError("the new password is the current one", field="password")

        def current(conn: Connection) -> tuple[str, str]:
            me = self._guard.principal(conn, session, own_account=True)
            return me.username, str(conn.execute(sa.select(S.users.c.password_hash).where(
                S.users.c.user_id == me.user_id)).scalar_one())

        username, stored = self._db.read(current)
        name, now = token_hash(username), self._db.now()
        self._check_not_locked(name, now)
        if not bcrypt.checkpw(old_password.encode("utf-8")[:_BCRYPT_MAX_BYTES],
                              stored.encode("ascii")):
            self._db.write(lambda c: self._failed(c, name, now))
            raise AccessDenied("the current password is wrong")
        pw_hash = self._hash(new_password)

        def run(conn: Connection) -> None:
            me = self._guard.principal(conn, session, own_account=True)
            conn.execute(S.users.update().where(S.users.c.user_id == me.user_id)
                         .values(password_hash=pw_hash, must_change_password=False))
            conn.execute(S.sessions.delete().where(
                (S.sessions.c.user_id == me.user_id)
                & (S.sessions.c.token_hash != token_hash(session.token))))
            self._audit.write(conn, me, AuditAction.CHANGE_PASSWORD, me.county_id,
                              me.username)

        self._db.write(run)
        return dataclasses.replace(session, must_change_password=False)

    def set_active(self, username: str, active: bool, *, session: Session) -> bool:
        """Disable an account (an officer who left) or enable it again (admins).

        A disabled account signs nobody in and its sessions end at once; its plans,
        outcomes and audit rows stay. Returns whether anything changed.

        Raises
        ------
        InputError
            No such user, or an admin disabling their own account.
        AccessDenied
            Not an admin.
        """
        def run(conn: Connection) -> bool:
            who = self._guard.principal(conn, session)
            self._guard.require(who, Role.ADMIN)
            row = self._account(conn, username)
            if row["user_id"] == who.user_id and not active:
                raise InputError("an admin cannot disable their own account",
                                 field="username")
            if bool(row["active"]) == bool(active):
                return False
            conn.execute(S.users.update().where(S.users.c.user_id == row["user_id"])
                         .values(active=bool(active)))
            if not active:
                conn.execute(S.sessions.delete().where(
                    S.sessions.c.user_id == row["user_id"]))
            self._audit.write(conn, who, AuditAction.ENABLE_USER if active
                              else AuditAction.DISABLE_USER, row["county_id"], username)
            return True

        return self._db.write(run)
