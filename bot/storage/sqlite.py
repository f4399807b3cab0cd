"""The SQLite backend: one connection owner (Database) and one repository per aggregate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.interface import (
    Appointment,
    Bookmark,
    Contact,
    LimitReached,
    NoConsent,
    Prompt,
    SavedQuestion,
)
from bot.storage.rows import (
    APPOINTMENT_COLUMNS,
    QUESTION_COLUMNS,
    USER_COLUMNS,
    appointment,
    contact,
    prompt,
    question,
    user_export,
)

MIGRATIONS: tuple[str, ...] = (
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

# Appended to an INSERT ... SELECT: the row is written only for a user who agreed to storage.
_CONSENTED = "WHERE EXISTS (SELECT 1 FROM users WHERE user_id=? AND consent_at IS NOT NULL)"


class Database:
    """Owns the connection: pragmas, migrations, the write lock and transactions."""

    def __init__(self, path: Path | str, clock: Callable[[], float]):
        self.path = Path(path)
        self.clock = clock
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self.latency: Callable[[float], None] | None = None  # metrics hook (seconds)

    def _timed(self, started: float) -> None:
        if self.latency is not None:
            self.latency(time.perf_counter() - started)

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        self._db = db
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA busy_timeout=5000")
        await db.execute("PRAGMA foreign_keys=ON")
        # FULL: a save the bot confirmed survives a power cut, not only a crash.
        await db.execute("PRAGMA synchronous=FULL")
        await db.execute("PRAGMA secure_delete=ON")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    async def schema_version(self) -> int:
        row = await self.one("PRAGMA user_version", ())
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        version = await self.schema_version()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self.tx() as db:
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version={number}")

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection, taken IMMEDIATE."""
        async with self._write_lock:
            db = self.db
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def write(self, sql: str, args: Iterable[Any]) -> int:
        """One statement, committed on its own (SQLite makes it atomic): one trip, not four.

        Taken under the write lock so it never lands inside another coroutine's open
        transaction on this shared connection. Returns the number of rows changed.
        """
        started = time.perf_counter()
        try:
            async with self._write_lock:
                cur = await self.db.execute(sql, tuple(args))
                return int(cur.rowcount)
        finally:
            self._timed(started)

    async def write_with_consent(self, user_id: int, sql: str, args: Iterable[Any]) -> int:
        """An INSERT ... SELECT guarded by `_CONSENTED`; NoConsent when it inserted nothing
        because the user has not agreed (rather than because the row was already there)."""
        changed = await self.write(sql, (*args, user_id))
        if not changed and not await self.has_consent(user_id):
            raise NoConsent(user_id)
        return changed

    # One trip to the database thread per read (a cursor costs three: execute, fetch, close).
    async def one(self, sql: str, args: Iterable[Any]) -> aiosqlite.Row | None:
        started = time.perf_counter()
        try:
            rows = await self.db.execute_fetchall(sql, tuple(args))
            return next(iter(rows), None)
        finally:
            self._timed(started)

    async def all(self, sql: str, args: Iterable[Any]) -> list[aiosqlite.Row]:
        started = time.perf_counter()
        try:
            return list(await self.db.execute_fetchall(sql, tuple(args)))
        finally:
            self._timed(started)

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it, so erased text leaves the -wal."""
        async with self._write_lock:
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def has_consent(self, user_id: int) -> bool:
        row = await self.one("SELECT consent_at FROM users WHERE user_id=?", (user_id,))
        return bool(row and row["consent_at"] is not None)

    async def require_consent(self, db: aiosqlite.Connection, user_id: int) -> None:
        """Inside a write transaction: NoConsent unless the user agreed."""
        rows = await db.execute_fetchall(
            "SELECT 1 FROM users WHERE user_id=? AND consent_at IS NOT NULL", (user_id,))
        if not rows:
            raise NoConsent(user_id)


class SqliteUsers:
    """Users; the languages parents chose are also kept in memory, since every update needs
    its parent's (one process writes this backend's file, so the copy stays true)."""

    def __init__(self, db: Database):
        self.db = db
        self._languages: dict[int, str] = {}

    async def load(self) -> None:
        rows = await self.db.all(
            "SELECT user_id, language FROM users WHERE language IS NOT NULL", ())
        self._languages = {r["user_id"]: r["language"] for r in rows}

    async def language(self, user_id: int) -> str | None:
        return self._languages.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        async with self.db.tx() as db:
            await db.execute(
                "INSERT INTO users(user_id, created_at, language) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET language=excluded.language",
                (user_id, self.db.clock(), language))
        self._languages[user_id] = language

    def forget(self, user_id: int) -> None:
        self._languages.pop(user_id, None)

    async def has_consent(self, user_id: int) -> bool:
        return await self.db.has_consent(user_id)

    async def give_consent(self, user_id: int) -> None:
        now = self.db.clock()
        await self.db.write(
            "INSERT INTO users(user_id, created_at, consent_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET consent_at=COALESCE(consent_at, excluded.consent_at)",
            (user_id, now, now))

    async def skips_gates(self, user_id: int) -> bool:
        row = await self.db.one("SELECT skip_gates FROM users WHERE user_id=?", (user_id,))
        return bool(row and row["skip_gates"])

    async def set_skip_gates(self, user_id: int, skip: bool) -> None:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute("UPDATE users SET skip_gates=? WHERE user_id=?",
                             (int(skip), user_id))

    async def count(self) -> int:
        row = await self.db.one("SELECT COUNT(*) AS n FROM users", ())
        return int(row["n"]) if row else 0

    async def timezone(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT timezone FROM users WHERE user_id=?", (user_id,))
        return row["timezone"] if row else None

    async def set_timezone(self, user_id: int, name: str) -> None:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute("UPDATE users SET timezone=? WHERE user_id=?", (name, user_id))

    async def set_reminders_off(self, user_id: int, off: bool) -> None:
        await self.db.write("UPDATE users SET reminders_off=? WHERE user_id=?",
                            (int(off), user_id))

    async def fever_c(self, user_id: int) -> float | None:
        row = await self.db.one("SELECT fever_c FROM users WHERE user_id=?", (user_id,))
        return float(row["fever_c"]) if row and row["fever_c"] is not None else None

    async def set_fever_c(self, user_id: int, celsius: float | None) -> None:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute("UPDATE users SET fever_c=? WHERE user_id=?", (celsius, user_id))

    async def treatment(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT treatment FROM users WHERE user_id=?", (user_id,))
        return row["treatment"] if row else None

    async def set_treatment(self, user_id: int, state: str) -> None:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute("UPDATE users SET treatment=? WHERE user_id=?", (state, user_id))

    async def fever_rule(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT fever_rule FROM users WHERE user_id=?", (user_id,))
        return row["fever_rule"] if row else None

    async def set_fever_rule(self, user_id: int, rule: str | None) -> None:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute("UPDATE users SET fever_rule=? WHERE user_id=?", (rule, user_id))

    async def urgent_button(self, user_id: int) -> bool | None:
        row = await self.db.one("SELECT urgent_button FROM users WHERE user_id=?", (user_id,))
        return None if row is None or row["urgent_button"] is None else bool(row["urgent_button"])

    async def set_urgent_button(self, user_id: int, on: bool) -> None:
        await self.db.write(
            "INSERT INTO users(user_id, created_at, urgent_button) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET urgent_button=excluded.urgent_button",
            (user_id, self.db.clock(), int(on)))

    async def emergency(self, user_id: int) -> tuple[str | None, str | None]:
        row = await self.db.one("SELECT country, emergency_number FROM users WHERE user_id=?",
                                (user_id,))
        return (row["country"], row["emergency_number"]) if row else (None, None)

    async def set_emergency(self, user_id: int, country: str | None,
                            number: str | None) -> None:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute("UPDATE users SET country=?, emergency_number=? WHERE user_id=?",
                             (country, number, user_id))


class SqliteBookmarks:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        await self.db.write_with_consent(
            user_id,
            "INSERT OR IGNORE INTO bookmarks(user_id, section_id, part_id, page, created_at) "
            f"SELECT ?, ?, ?, ?, ? {_CONSENTED}",
            (user_id, section_id, part_id, page, self.db.clock()))

    async def remove(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        await self.db.write(
            "DELETE FROM bookmarks WHERE user_id=? AND section_id=? AND part_id=? AND page=?",
            (user_id, section_id, part_id, page))

    async def exists(self, user_id: int, section_id: str, part_id: str, page: int) -> bool:
        row = await self.db.one(
            "SELECT 1 FROM bookmarks WHERE user_id=? AND section_id=? AND part_id=? AND page=?",
            (user_id, section_id, part_id, page))
        return row is not None

    async def list(self, user_id: int) -> list[Bookmark]:
        rows = await self.db.all(
            "SELECT section_id, part_id, page, created_at FROM bookmarks WHERE user_id=? "
            "ORDER BY created_at DESC, rowid DESC", (user_id,))
        return [Bookmark(section_id=r["section_id"], part_id=r["part_id"], page=r["page"],
                         created_at=r["created_at"]) for r in rows]


class SqliteMarks:
    def __init__(self, db: Database):
        self.db = db

    async def set(self, user_id: int, item_id: str, on: bool) -> None:
        if on:
            await self.db.write_with_consent(
                user_id,
                "INSERT OR IGNORE INTO marks(user_id, item_id, created_at) "
                f"SELECT ?, ?, ? {_CONSENTED}",
                (user_id, item_id, self.db.clock()))
        else:
            await self.db.write("DELETE FROM marks WHERE user_id=? AND item_id=?",
                                (user_id, item_id))

    async def all(self, user_id: int) -> dict[str, float]:
        rows = await self.db.all(
            "SELECT item_id, created_at FROM marks WHERE user_id=?", (user_id,))
        return {r["item_id"]: r["created_at"] for r in rows}

    async def clear(self, user_id: int) -> int:
        return await self.db.write("DELETE FROM marks WHERE user_id=?", (user_id,))




class SqliteQuestions:
    def __init__(self, db: Database):
        self.db = db

    async def save_guide(self, user_id: int, guide_id: str, text: str, *, limit: int) -> bool:
        """Save one of the guide's questions (its text as it is today). False if already saved.

        One guarded upsert: inserts the question, or brings back a recently removed copy
        (with its answer), only with consent and room left.
        """
        changed = await self.db.write(
            "INSERT INTO questions(user_id, guide_id, text, created_at) SELECT ?, ?, ?, ? "
            "WHERE EXISTS (SELECT 1 FROM users WHERE user_id=? AND consent_at IS NOT NULL) "
            "AND (SELECT COUNT(*) FROM questions WHERE user_id=? AND removed_at IS NULL) < ? "
            "ON CONFLICT(user_id, guide_id) WHERE guide_id IS NOT NULL DO UPDATE "
            "SET removed_at=NULL, created_at=excluded.created_at "
            "WHERE questions.removed_at IS NOT NULL",
            (user_id, guide_id, text, self.db.clock(), user_id, user_id, limit))
        if changed:
            return True
        # Nothing written: say why (rare, so the extra reads are fine here).
        if not await self.db.has_consent(user_id):
            raise NoConsent(user_id)
        if guide_id in await self.saved_guide_ids(user_id):
            return False
        raise LimitReached(user_id)

    async def saved_guide_ids(self, user_id: int) -> set[str]:
        rows = await self.db.all(
            "SELECT guide_id FROM questions WHERE user_id=? AND guide_id IS NOT NULL "
            "AND removed_at IS NULL", (user_id,))
        return {r["guide_id"] for r in rows}

    async def _check_room(self, db: aiosqlite.Connection, user_id: int, limit: int) -> None:
        rows = list(await db.execute_fetchall(
            "SELECT COUNT(*) FROM questions WHERE user_id=? AND removed_at IS NULL", (user_id,)))
        if rows and rows[0][0] >= limit:
            raise LimitReached(user_id)

    async def add_own(self, user_id: int, text: str, *, limit: int) -> int:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await self._check_room(db, user_id, limit)
            cur = await db.execute(
                "INSERT INTO questions(user_id, text, created_at) VALUES (?, ?, ?)",
                (user_id, text, self.db.clock()))
            return int(cur.lastrowid or 0)

    async def list(self, user_id: int) -> list[SavedQuestion]:
        rows = await self.db.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=? AND removed_at IS NULL "
            "ORDER BY created_at, id", (user_id,))
        return [question(r) for r in rows]

    async def get(self, user_id: int, question_id: int) -> SavedQuestion | None:
        row = await self.db.one(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=? AND id=?", (user_id, question_id))
        return question(row) if row else None

    async def count(self, user_id: int) -> int:
        row = await self.db.one(
            "SELECT COUNT(*) AS n FROM questions WHERE user_id=? AND removed_at IS NULL",
            (user_id,))
        return int(row["n"]) if row else 0

    async def mark_asked(self, user_id: int, question_id: int, asked: bool) -> bool:
        return bool(await self.db.write(
            "UPDATE questions SET asked_at=? WHERE user_id=? AND id=? AND removed_at IS NULL",
            (self.db.clock() if asked else None, user_id, question_id)))

    async def set_answer(self, user_id: int, question_id: int, answer: str | None) -> bool:
        now = self.db.clock() if answer else None
        return bool(await self.db.write(
            "UPDATE questions SET answer=?, answered_at=?, asked_at=COALESCE(asked_at, ?) "
            "WHERE user_id=? AND id=? AND removed_at IS NULL",
            (answer, now, now, user_id, question_id)))

    async def remove(self, user_id: int, question_id: int) -> bool:
        """Hide a question so it can be undone for a while (purge_removed erases it later)."""
        return bool(await self.db.write(
            "UPDATE questions SET removed_at=? WHERE user_id=? AND id=? AND removed_at IS NULL",
            (self.db.clock(), user_id, question_id)))

    async def remove_guide(self, user_id: int, guide_id: str) -> bool:
        return bool(await self.db.write(
            "UPDATE questions SET removed_at=? WHERE user_id=? AND guide_id=? "
            "AND removed_at IS NULL", (self.db.clock(), user_id, guide_id)))

    async def undo_remove(self, user_id: int, question_id: int, *, limit: int) -> bool:
        async with self.db.tx() as db:
            await self._check_room(db, user_id, limit)
            cur = await db.execute(
                "UPDATE questions SET removed_at=NULL WHERE user_id=? AND id=? "
                "AND removed_at IS NOT NULL", (user_id, question_id))
            return bool(cur.rowcount)

    async def purge_removed(self, removed_before: float) -> int:
        """Erase, for every user, the questions removed before this moment; then push the
        erased text out of the WAL too (secure_delete zeroes it in the pages)."""
        erased = await self.db.write(
            "DELETE FROM questions WHERE removed_at IS NOT NULL AND removed_at < ?",
            (removed_before,))
        if erased:
            await self.db.checkpoint()
        return erased




class SqliteContacts:
    def __init__(self, db: Database):
        self.db = db

    async def list(self, user_id: int) -> list[Contact]:
        rows = await self.db.all(
            "SELECT id, label, phone, created_at FROM contacts WHERE user_id=? ORDER BY id",
            (user_id,))
        return [contact(r) for r in rows]

    async def get(self, user_id: int, contact_id: int) -> Contact | None:
        row = await self.db.one(
            "SELECT id, label, phone, created_at FROM contacts WHERE user_id=? AND id=?",
            (user_id, contact_id))
        return contact(row) if row else None

    async def add(self, user_id: int, label: str, phone: str, *, limit: int) -> int:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            rows = list(await db.execute_fetchall(
                "SELECT COUNT(*) FROM contacts WHERE user_id=?", (user_id,)))
            if rows and rows[0][0] >= limit:
                raise LimitReached(user_id)
            cur = await db.execute(
                "INSERT INTO contacts(user_id, label, phone, created_at) VALUES (?, ?, ?, ?)",
                (user_id, label, phone, self.db.clock()))
            return int(cur.lastrowid or 0)

    async def set_label(self, user_id: int, contact_id: int, label: str) -> bool:
        return bool(await self.db.write(
            "UPDATE contacts SET label=? WHERE user_id=? AND id=?", (label, user_id, contact_id)))

    async def set_phone(self, user_id: int, contact_id: int, phone: str) -> bool:
        return bool(await self.db.write(
            "UPDATE contacts SET phone=? WHERE user_id=? AND id=?", (phone, user_id, contact_id)))

    async def remove(self, user_id: int, contact_id: int) -> bool:
        return bool(await self.db.write(
            "DELETE FROM contacts WHERE user_id=? AND id=?", (user_id, contact_id)))






class SqliteAppointments:
    def __init__(self, db: Database):
        self.db = db

    async def upcoming(self, user_id: int, after: float) -> list[Appointment]:
        rows = await self.db.all(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=? AND starts_at > ? "
            "ORDER BY starts_at, id", (user_id, after))
        return [appointment(r) for r in rows]

    async def get(self, user_id: int, appointment_id: int) -> Appointment | None:
        row = await self.db.one(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=? AND id=?",
            (user_id, appointment_id))
        return appointment(row) if row else None

    async def add(self, user_id: int, starts_at: float, remind_at: float, *, after: float,
                  limit: int) -> int:
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            rows = list(await db.execute_fetchall(
                "SELECT COUNT(*) FROM appointments WHERE user_id=? AND starts_at > ?",
                (user_id, after)))
            if rows and rows[0][0] >= limit:
                raise LimitReached(user_id)
            cur = await db.execute(
                "INSERT INTO appointments(user_id, starts_at, remind_at, created_at) "
                "VALUES (?, ?, ?, ?)", (user_id, starts_at, remind_at, self.db.clock()))
            return int(cur.lastrowid or 0)

    async def reschedule(self, user_id: int, appointment_id: int, starts_at: float,
                         remind_at: float) -> bool:
        """A new time: its reminder is due again (once)."""
        return bool(await self.db.write(
            "UPDATE appointments SET starts_at=?, remind_at=?, reminded_at=NULL "
            "WHERE user_id=? AND id=?", (starts_at, remind_at, user_id, appointment_id)))

    async def set_place(self, user_id: int, appointment_id: int, place: str) -> bool:
        return bool(await self.db.write(
            "UPDATE appointments SET place=? WHERE user_id=? AND id=?",
            (place, user_id, appointment_id)))

    async def remove(self, user_id: int, appointment_id: int) -> bool:
        return bool(await self.db.write(
            "DELETE FROM appointments WHERE user_id=? AND id=?", (user_id, appointment_id)))

    async def due(self, now: float) -> list[tuple[int, Appointment]]:
        """Reminders whose time has come and that were not sent, for parents who still get
        them (every user: this is the reminder job's own query)."""
        rows = await self.db.all(
            f"SELECT a.user_id AS user_id, {', '.join('a.' + c for c in APPOINTMENT_COLUMNS.split(', '))} "
            "FROM appointments a JOIN users u ON u.user_id = a.user_id "
            "WHERE a.reminded_at IS NULL AND a.remind_at <= ? AND u.reminders_off = 0 "
            "ORDER BY a.remind_at", (now,))
        return [(r["user_id"], appointment(r)) for r in rows]

    async def mark_reminded(self, user_id: int, appointment_id: int, at: float) -> bool:
        """Once: only the first call for an appointment's current time changes anything."""
        return bool(await self.db.write(
            "UPDATE appointments SET reminded_at=? WHERE user_id=? AND id=? "
            "AND reminded_at IS NULL", (at, user_id, appointment_id)))




class SqlitePrompts:
    """Prompts, with the set of users who have one kept in memory: every tap and command
    closes the tapping user's prompt, and for the many who have none that costs no trip to
    the database. Sound because this backend has one process writing its file (the write
    lock is in-process); a shared backend (PostgreSQL) asks the database instead."""

    def __init__(self, db: Database):
        self.db = db
        self._open: set[int] = set()

    async def load(self) -> None:
        rows = await self.db.all("SELECT user_id FROM prompts", ())
        self._open = {r["user_id"] for r in rows}

    async def open(self, user_id: int, prompt: Prompt) -> None:
        self._open.add(user_id)  # before the write: a failed write only costs a trip later
        async with self.db.tx() as db:
            await self.db.require_consent(db, user_id)
            await db.execute(
                "INSERT INTO prompts(user_id, kind, ref, origin, opened_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET kind=excluded.kind, "
                "ref=excluded.ref, origin=excluded.origin, opened_at=excluded.opened_at, "
                "expires_at=excluded.expires_at",
                (user_id, prompt.kind, prompt.ref, prompt.origin, prompt.opened_at,
                 prompt.expires_at))

    async def get(self, user_id: int) -> Prompt | None:
        row = await self.db.one(
            "SELECT kind, ref, origin, opened_at, expires_at FROM prompts WHERE user_id=?",
            (user_id,))
        return prompt(row) if row else None

    async def close(self, user_id: int) -> bool:
        if user_id not in self._open:
            return False
        closed = bool(await self.db.write("DELETE FROM prompts WHERE user_id=?", (user_id,)))
        self._open.discard(user_id)
        return closed

    def forget(self, user_id: int) -> None:
        self._open.discard(user_id)


class SqliteStorage:
    """The SQLite backend. Open it once (post_init), close it once (post_shutdown)."""

    shared = False  # one process owns the file

    def __init__(self, path: Path | str, clock: Callable[[], float]):
        self.database = Database(path, clock)
        self.users = SqliteUsers(self.database)
        self.bookmarks = SqliteBookmarks(self.database)
        self.marks = SqliteMarks(self.database)
        self.questions = SqliteQuestions(self.database)
        self.prompts = SqlitePrompts(self.database)
        self.contacts = SqliteContacts(self.database)
        self.appointments = SqliteAppointments(self.database)

    @property
    def path(self) -> Path:
        return self.database.path

    async def open(self) -> None:
        await self.database.open()
        await self.prompts.load()
        await self.users.load()

    async def close(self) -> None:
        await self.database.close()

    async def schema_version(self) -> int:
        return await self.database.schema_version()

    async def checkpoint(self) -> None:
        await self.database.checkpoint()

    async def ping(self) -> None:
        await self.database.one("SELECT 1", ())

    def time_calls(self, hook: Callable[[float], None]) -> None:
        self.database.latency = hook

    @asynccontextmanager
    async def chat_lock(self, key: int) -> AsyncIterator[None]:
        """One process: the update processor already runs a chat's updates in order."""
        yield

    @asynccontextmanager
    async def job_lock(self, name: str) -> AsyncIterator[bool]:
        yield True

    async def was_handled(self, update_id: int) -> bool:
        """One process answers each webhook only after handling it: no re-post to dedupe."""
        return False

    async def mark_handled(self, update_id: int) -> None:
        return None

    async def forget_updates(self, before: float) -> int:
        return 0

    async def integrity_check(self) -> str:
        row = await self.database.one("PRAGMA integrity_check", ())
        return str(row[0]) if row else ""

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one user, as plain data."""
        user = await self.database.one(
            f"SELECT {USER_COLUMNS} FROM users WHERE user_id=?", (user_id,))
        rows = await self.database.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=? ORDER BY created_at, id",
            (user_id,))
        return await user_export(self, user_id, user, [question(r) for r in rows])

    async def delete_user(self, user_id: int) -> None:
        """Erase every row of this user in one transaction, then push it out of the WAL."""
        async with self.database.tx() as db:
            for table in ("prompts", "contacts", "appointments", "bookmarks", "marks",
                          "questions", "users"):
                await db.execute(f"DELETE FROM {table} WHERE user_id=?", (user_id,))
        self.prompts.forget(user_id)
        self.users.forget(user_id)
        await self.checkpoint()


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
