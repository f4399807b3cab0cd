"""The SQLite driver: one process owns one file (the default backend).

The file, its write-ahead log and its folder are the bot user's alone (0600/0700); a lock
file beside it keeps a second bot process away (the in-process caches and the write lock
are sound only with one writer). Before every write the driver checks that the open file is
still the one on disk: a file deleted or replaced while the bot runs, or a full disk, makes
writes fail with NotSaved, and `ping` (so /healthz) report it, instead of "saved" into a
file nobody will read again.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.driver import MEMBER, Queries, Row, Transaction, dialect
from bot.storage.interface import NoConsent, NotSaved, StorageUnavailable

# The spelling of the words the two dialects write differently (bot.storage.driver).
DIALECT = {"seq": "rowid", "id": "INTEGER PRIMARY KEY AUTOINCREMENT", "lock": ""}

# Release 0.1 and 0.2's own chain (PRAGMA user_version 1-10). Frozen: it still runs on an
# old file, and is never edited again; new migrations are written once, in bot.storage.schema.
FROZEN: tuple[str, ...] = (
    # 1: the first schema (release 0.1)
    """
    CREATE TABLE users (
        user_id     INTEGER PRIMARY KEY,
        created_at  REAL NOT NULL,
        consent_at  REAL,
        care_phone  TEXT,
        pending     TEXT,
        pending_ref INTEGER,
        pending_at  REAL
    );
    CREATE TABLE bookmarks (
        user_id    INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        section_id TEXT NOT NULL,
        part_id    TEXT NOT NULL DEFAULT '',
        page       INTEGER NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (user_id, section_id, part_id, page)
    );
    CREATE TABLE marks (
        user_id    INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        item_id    TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (user_id, item_id)
    );
    CREATE TABLE questions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        guide_id    TEXT,
        text        TEXT NOT NULL,
        created_at  REAL NOT NULL,
        asked_at    REAL,
        answer      TEXT,
        answered_at REAL,
        removed_at  REAL
    );
    CREATE UNIQUE INDEX questions_guide ON questions(user_id, guide_id)
        WHERE guide_id IS NOT NULL;
    CREATE INDEX questions_user ON questions(user_id, id);
    """,
    # 2: prompts get their own table (typed, with an origin and an expiry); the old
    # waiting-for-text columns move there, expiring 30 minutes after they were set, with
    # the view release 0.1's Cancel went back to as their origin (its button data).
    """
    CREATE TABLE prompts (
        user_id    INTEGER PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        ref        INTEGER,
        origin     TEXT NOT NULL DEFAULT '',
        opened_at  REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    INSERT INTO prompts(user_id, kind, ref, origin, opened_at, expires_at)
        SELECT user_id, pending, pending_ref,
               CASE pending WHEN 'answer' THEN 'mo:' || pending_ref WHEN 'question' THEN 'm:0'
                            WHEN 'phone' THEN 'st' ELSE '' END,
               COALESCE(pending_at, 0),
               COALESCE(pending_at, 0) + 1800
        FROM users WHERE pending IS NOT NULL;
    ALTER TABLE users DROP COLUMN pending;
    ALTER TABLE users DROP COLUMN pending_ref;
    ALTER TABLE users DROP COLUMN pending_at;
    CREATE INDEX questions_removed ON questions(removed_at) WHERE removed_at IS NOT NULL;
    """,
    # 3: several care-team numbers, each with a label (the one number moves over, with an
    # empty label the bot shows as "Care team"); the parent's choice about hard pages.
    """
    CREATE TABLE contacts (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id    INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        label      TEXT NOT NULL DEFAULT '',
        phone      TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX contacts_user ON contacts(user_id, id);
    INSERT INTO contacts(user_id, label, phone, created_at)
        SELECT user_id, '', care_phone, COALESCE(consent_at, created_at)
        FROM users WHERE care_phone IS NOT NULL;
    ALTER TABLE users DROP COLUMN care_phone;
    ALTER TABLE users ADD COLUMN skip_gates INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: appointments with their reminder (computed in the parent's time zone when saved,
    # stored in UTC so the reminder job is one query), the time zone, reminders off (403).
    """
    CREATE TABLE appointments (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        starts_at   REAL NOT NULL,
        place       TEXT NOT NULL DEFAULT '',
        remind_at   REAL NOT NULL,
        reminded_at REAL,
        created_at  REAL NOT NULL
    );
    CREATE INDEX appointments_user ON appointments(user_id, starts_at);
    CREATE INDEX appointments_due ON appointments(remind_at) WHERE reminded_at IS NULL;
    ALTER TABLE users ADD COLUMN timezone TEXT;
    ALTER TABLE users ADD COLUMN reminders_off INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: the language a parent chose (not health data: kept without the consent to saving).
    """
    ALTER TABLE users ADD COLUMN language TEXT;
    """,
    # 6: the family's own fever number (°C), from their care team; NULL: the card's 38.0.
    """
    ALTER TABLE users ADD COLUMN fever_c REAL;
    """,
    # 7: the family's country (a row of the emergency-number table, confirmed or chosen)
    # and the local emergency number they saved themselves.
    """
    ALTER TABLE users ADD COLUMN country TEXT;
    ALTER TABLE users ADD COLUMN emergency_number TEXT;
    """,
    # 8: whether the parent keeps the 🚨 button below the chat (NULL: not chosen yet; kept
    # like the language: it says nothing about the child).
    """
    ALTER TABLE users ADD COLUMN urgent_button INTEGER;
    """,
    # 9: the care team's fever rule, in their words ("38.0 twice an hour apart, or 38.5 once").
    """
    ALTER TABLE users ADD COLUMN fever_rule TEXT;
    """,
    # 10: whether the child is being treated now (treated, new, finished, unsure; NULL: not
    # answered, taken as in treatment).
    """
    ALTER TABLE users ADD COLUMN treatment TEXT;
    """,
)


@lru_cache(maxsize=1024)
def _sql(sql: str) -> str:
    return dialect(sql, DIALECT)


class _Tx:
    """Queries inside a transaction the driver opened (its write lock is held)."""

    def __init__(self, db: aiosqlite.Connection):
        self._db = db

    async def one(self, sql: str, **params: Any) -> Row | None:
        rows = await self._db.execute_fetchall(_sql(sql), params)
        return next(iter(rows), None)

    async def all(self, sql: str, **params: Any) -> list[Row]:
        return list(await self._db.execute_fetchall(_sql(sql), params))

    async def value(self, sql: str, **params: Any) -> Any:
        row = await self.one(sql, **params)
        return None if row is None else row[0]

    async def write(self, sql: str, **params: Any) -> int:
        cursor = await self._db.execute(_sql(sql), params)
        return int(cursor.rowcount)

    async def script(self, sql: str) -> None:
        for statement in (s.strip() for s in _sql(sql).split(";")):
            if statement:
                await self._db.execute(statement)


class SqliteDriver:
    name = "sqlite"
    shared = False  # one process owns the file

    def __init__(self, path: Path | str, clock: Callable[[], float]):
        self.path = Path(path)
        self.clock = clock
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._lock_fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self._trouble: str | None = None  # why the last write was refused, until one is kept
        self.latency: Callable[[float], None] | None = None  # metrics hook (seconds)

    # ---- opening and closing ---------------------------------------------------------------
    async def open(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        self._lock_fd = _take_lock(self.path.with_name(self.path.name + ".lock"))
        # Owner-only, created so (never a moment world-readable), and tightened on files an
        # older release left 0644; SQLite gives the -wal and -shm the file's own mode.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        for suffix in ("", "-wal", "-shm", ".lock"):
            part = self.path.with_name(self.path.name + suffix)
            if part.exists():
                os.chmod(part, 0o600)
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        self._db = db
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA busy_timeout=5000")
        await db.execute("PRAGMA foreign_keys=ON")
        # FULL: a save the bot confirmed survives a power cut, not only a crash.
        await db.execute("PRAGMA synchronous=FULL")
        await db.execute("PRAGMA secure_delete=ON")
        stat = os.stat(self.path)
        self._identity = (stat.st_dev, stat.st_ino)
        await self._run_frozen()

    async def close(self) -> None:
        if self._db is not None:
            try:
                await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await self._db.close()
                self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # the lock goes with it
            self._lock_fd = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    async def _run_frozen(self) -> None:
        version = int((await self.value("PRAGMA user_version")) or 0)
        for number, script in enumerate(FROZEN[version:], start=version + 1):
            async with self.transaction() as tx:
                for statement in (s.strip() for s in script.split(";")):
                    if statement:
                        await self.db.execute(statement)  # as written then: no dialect words
                await tx.write(f"PRAGMA user_version={number}")

    async def frozen_version(self) -> int:
        return int((await self.value("PRAGMA user_version")) or 0)

    # ---- health ------------------------------------------------------------------------------
    def _check_file(self) -> None:
        """NotSaved unless the open file is still the file on disk."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise NotSaved("the database file is gone") from None
        if (stat.st_dev, stat.st_ino) != self._identity:
            raise NotSaved("the database file was replaced")

    async def ping(self) -> None:
        self._check_file()
        if self._trouble:
            raise NotSaved(self._trouble)
        await self.value("SELECT 1")

    async def integrity(self) -> str:
        return str(await self.value("PRAGMA integrity_check"))

    async def erased(self) -> None:
        """Copy the WAL into the file and truncate it, so erased text leaves the -wal too
        (secure_delete zeroes it in the pages)."""
        async with self._write_lock:
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- queries -----------------------------------------------------------------------------
    def _timed(self, started: float) -> None:
        if self.latency is not None:
            self.latency(time.perf_counter() - started)

    async def one(self, sql: str, **params: Any) -> Row | None:
        # One trip to the database thread per read (a cursor costs three).
        started = time.perf_counter()
        try:
            rows = await self.db.execute_fetchall(_sql(sql), params)
            return next(iter(rows), None)
        finally:
            self._timed(started)

    async def all(self, sql: str, **params: Any) -> list[Row]:
        started = time.perf_counter()
        try:
            return list(await self.db.execute_fetchall(_sql(sql), params))
        finally:
            self._timed(started)

    async def value(self, sql: str, **params: Any) -> Any:
        row = await self.one(sql, **params)
        return None if row is None else row[0]

    async def write(self, sql: str, **params: Any) -> int:
        """One statement, committed on its own (SQLite makes it atomic): one trip, not four.
        Under the write lock, so it never lands inside another coroutine's transaction."""
        started = time.perf_counter()
        try:
            async with self._write_lock, self._kept():
                cursor = await self.db.execute(_sql(sql), params)
                return int(cursor.rowcount)
        finally:
            self._timed(started)

    async def returning(self, sql: str, **params: Any) -> list[Row]:
        """One writing statement with RETURNING, committed on its own; the rows it wrote."""
        started = time.perf_counter()
        try:
            async with self._write_lock, self._kept():
                return list(await self.db.execute_fetchall(_sql(sql), params))
        finally:
            self._timed(started)

    async def as_owner(
        self, circle: int, by: int, sql: str, *, consent: bool = True, **params: Any
    ) -> list[Row]:
        """One process writes this file, one statement at a time under the write lock: a
        single statement sees no other write between its guard and its change."""
        return await self.returning(sql, circle=circle, by=by, **params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction at a time on the shared connection, taken IMMEDIATE."""
        started = time.perf_counter()
        try:
            async with self._write_lock, self._kept():
                db = self.db
                await db.execute("BEGIN IMMEDIATE")
                try:
                    yield _Tx(db)
                except BaseException:
                    if db.in_transaction:
                        await db.execute("ROLLBACK")
                    raise
                await db.execute("COMMIT")
        finally:
            self._timed(started)

    def migrating(self) -> AbstractAsyncContextManager[Transaction]:
        """BEGIN IMMEDIATE: no other writer; the lock file keeps other processes away."""
        return self.transaction()

    async def older_processes(self, tx: Queries, schema: int) -> list[int]:
        """None: the lock file lets one process at a time use the file."""
        return []

    @asynccontextmanager
    async def owner(self, circle: int, by: int, *, consent: bool = True) -> AsyncIterator[Transaction]:
        """The process's write lock and BEGIN IMMEDIATE: nothing else writes meanwhile."""
        async with self.transaction() as tx:
            if consent and await tx.value(MEMBER, circle=circle, by=by) is None:
                raise NoConsent(by)
            yield tx

    @asynccontextmanager
    async def _kept(self) -> AsyncIterator[None]:
        """Around a write: refused while the file is not ours any more; a full disk is
        remembered (ping reports it) until a write is kept again."""
        self._check_file()
        try:
            yield
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                self._trouble = "the disk is full"
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                raise NotSaved(self._trouble) from None
            raise
        self._trouble = None


def _take_lock(path: Path) -> int:
    """An exclusive lock held while the bot runs: a second process on the same file stops
    at start-up with one line instead of writing beside the first."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StorageUnavailable("BOT_DB_PATH: another bot process is using this database file") from None
    return fd
