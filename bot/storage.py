"""The one repository over SQLite: schema, migrations and every domain query, keyed by user."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiosqlite

MAX_QUESTIONS = 200
# A removed question can be brought back for this long, then it is erased for good.
UNDO_SECONDS = 15 * 60

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
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
)


# Appended to an INSERT ... SELECT: the row is written only for a user who agreed to storage.
_CONSENTED = "WHERE EXISTS (SELECT 1 FROM users WHERE user_id=? AND consent_at IS NOT NULL)"


class LimitReached(Exception):
    """The user already has the most saved questions allowed."""


class NoConsent(Exception):
    """A write was attempted for a user who has not agreed to storage."""


@dataclass(frozen=True)
class Bookmark:
    section_id: str
    part_id: str
    page: int
    created_at: float


@dataclass(frozen=True)
class SavedQuestion:
    id: int
    guide_id: str | None
    text: str
    created_at: float
    asked_at: float | None
    answer: str | None
    answered_at: float | None
    removed_at: float | None = None


@dataclass(frozen=True)
class Pending:
    kind: str
    ref: int | None
    since: float


class Repository:
    """All SQL lives here. Open it once (post_init), close it once (post_shutdown)."""

    def __init__(self, path: Path | str, clock: Any = time.time):
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._clock = clock

    # ---- lifecycle ----------------------------------------------------------------------
    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self.path, isolation_level=None)
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
            raise RuntimeError("Repository is not open")
        return self._db

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        version = await self.schema_version()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self._tx() as db:
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version={number}")

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
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

    # One trip to the database thread per read (a cursor costs three: execute, fetch, close);
    # under load every trip waits for the event loop to come round, so this is the hot path.
    async def _write(self, sql: str, args: Iterable[Any]) -> int:
        """One statement, committed on its own (SQLite makes it atomic): one trip, not four.

        Taken under the write lock so it never lands inside another coroutine's open
        transaction on this shared connection. Returns the number of rows changed.
        """
        async with self._write_lock:
            cur = await self.db.execute(sql, tuple(args))
            return int(cur.rowcount)

    async def _write_with_consent(self, user_id: int, sql: str, args: Iterable[Any]) -> int:
        """An INSERT ... SELECT guarded by `_CONSENTED`; NoConsent when it inserted nothing
        because the user has not agreed (rather than because the row was already there)."""
        changed = await self._write(sql, (*args, user_id))
        if not changed and not await self.has_consent(user_id):
            raise NoConsent(user_id)
        return changed

    async def _one(self, sql: str, args: Iterable[Any]) -> Any:
        rows = await self.db.execute_fetchall(sql, tuple(args))
        return next(iter(rows), None)

    async def _all(self, sql: str, args: Iterable[Any]) -> list[Any]:
        return list(await self.db.execute_fetchall(sql, tuple(args)))

    # ---- users and consent --------------------------------------------------------------
    async def has_consent(self, user_id: int) -> bool:
        row = await self._one("SELECT consent_at FROM users WHERE user_id=?", (user_id,))
        return bool(row and row[0] is not None)

    async def give_consent(self, user_id: int) -> None:
        now = self._clock()
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO users(user_id, created_at, consent_at) VALUES (?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET consent_at=COALESCE(consent_at, excluded.consent_at)",
                (user_id, now, now),
            )

    async def _require_user(self, db: aiosqlite.Connection, user_id: int) -> None:
        # Inside a write transaction: one trip, since the write lock is held meanwhile.
        rows = await db.execute_fetchall(
            "SELECT 1 FROM users WHERE user_id=? AND consent_at IS NOT NULL", (user_id,))
        if not rows:
            raise NoConsent(user_id)

    async def count_users(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM users", ())
        return int(row[0])

    # ---- pending text (what the next typed message means) -------------------------------
    async def set_pending(self, user_id: int, kind: str, ref: int | None = None) -> None:
        async with self._tx() as db:
            await self._require_user(db, user_id)
            await db.execute(
                "UPDATE users SET pending=?, pending_ref=?, pending_at=? WHERE user_id=?",
                (kind, ref, self._clock(), user_id),
            )

    async def get_pending(self, user_id: int) -> Pending | None:
        row = await self._one(
            "SELECT pending, pending_ref, pending_at FROM users WHERE user_id=? "
            "AND pending IS NOT NULL", (user_id,))
        return Pending(row[0], row[1], row[2]) if row else None

    async def clear_pending(self, user_id: int) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE users SET pending=NULL, pending_ref=NULL, pending_at=NULL "
                "WHERE user_id=? AND pending IS NOT NULL", (user_id,))

    # ---- settings -----------------------------------------------------------------------
    async def set_phone(self, user_id: int, phone: str | None) -> None:
        async with self._tx() as db:
            await self._require_user(db, user_id)
            await db.execute("UPDATE users SET care_phone=? WHERE user_id=?", (phone, user_id))

    async def get_phone(self, user_id: int) -> str | None:
        row = await self._one("SELECT care_phone FROM users WHERE user_id=?", (user_id,))
        return row[0] if row else None

    # ---- bookmarks ----------------------------------------------------------------------
    async def add_bookmark(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        await self._write_with_consent(
            user_id,
            "INSERT OR IGNORE INTO bookmarks(user_id, section_id, part_id, page, created_at) "
            f"SELECT ?, ?, ?, ?, ? {_CONSENTED}",
            (user_id, section_id, part_id, page, self._clock()))

    async def remove_bookmark(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        await self._write(
            "DELETE FROM bookmarks WHERE user_id=? AND section_id=? AND part_id=? AND page=?",
            (user_id, section_id, part_id, page))

    async def is_bookmarked(self, user_id: int, section_id: str, part_id: str, page: int) -> bool:
        row = await self._one(
            "SELECT 1 FROM bookmarks WHERE user_id=? AND section_id=? AND part_id=? AND page=?",
            (user_id, section_id, part_id, page))
        return row is not None

    async def list_bookmarks(self, user_id: int) -> list[Bookmark]:
        rows = await self._all(
            "SELECT section_id, part_id, page, created_at FROM bookmarks WHERE user_id=? "
            "ORDER BY created_at DESC, rowid DESC", (user_id,))
        return [Bookmark(*row) for row in rows]

    # ---- symptom checklist marks --------------------------------------------------------
    async def set_mark(self, user_id: int, item_id: str, on: bool) -> None:
        if on:
            await self._write_with_consent(
                user_id,
                f"INSERT OR IGNORE INTO marks(user_id, item_id, created_at) SELECT ?, ?, ? {_CONSENTED}",
                (user_id, item_id, self._clock()))
        else:
            await self._write("DELETE FROM marks WHERE user_id=? AND item_id=?", (user_id, item_id))

    async def marks(self, user_id: int) -> dict[str, float]:
        rows = await self._all(
            "SELECT item_id, created_at FROM marks WHERE user_id=?", (user_id,))
        return {row[0]: row[1] for row in rows}

    async def clear_marks(self, user_id: int) -> int:
        async with self._tx() as db:
            cur = await db.execute("DELETE FROM marks WHERE user_id=?", (user_id,))
            return int(cur.rowcount)

    # ---- saved questions ----------------------------------------------------------------
    async def _purge_removed(self, db: aiosqlite.Connection, user_id: int) -> None:
        await db.execute(
            "DELETE FROM questions WHERE user_id=? AND removed_at IS NOT NULL AND removed_at < ?",
            (user_id, self._clock() - UNDO_SECONDS))

    async def _check_room(self, db: aiosqlite.Connection, user_id: int) -> None:
        async with db.execute(
            "SELECT COUNT(*) FROM questions WHERE user_id=? AND removed_at IS NULL", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        if row and row[0] >= MAX_QUESTIONS:
            raise LimitReached(user_id)

    async def save_guide_question(self, user_id: int, guide_id: str, text: str) -> bool:
        """Save one of the guide's questions (its text as it is today). False if already saved.

        The hot path of the question lists, so it is two single statements rather than a
        transaction of seven: erase expired removals, then one guarded upsert that inserts the
        question, or brings back a recently removed copy, only with consent and room left.
        """
        await self._write(
            "DELETE FROM questions WHERE user_id=? AND removed_at IS NOT NULL AND removed_at < ?",
            (user_id, self._clock() - UNDO_SECONDS))
        changed = await self._write(
            "INSERT INTO questions(user_id, guide_id, text, created_at) SELECT ?, ?, ?, ? "
            "WHERE EXISTS (SELECT 1 FROM users WHERE user_id=? AND consent_at IS NOT NULL) "
            "AND (SELECT COUNT(*) FROM questions WHERE user_id=? AND removed_at IS NULL) < ? "
            "ON CONFLICT(user_id, guide_id) WHERE guide_id IS NOT NULL DO UPDATE "
            "SET removed_at=NULL, created_at=excluded.created_at "
            "WHERE questions.removed_at IS NOT NULL",
            (user_id, guide_id, text, self._clock(), user_id, user_id, MAX_QUESTIONS))
        if changed:
            return True
        # Nothing written: say why (rare, so the extra reads are fine here).
        if not await self.has_consent(user_id):
            raise NoConsent(user_id)
        if guide_id in await self.saved_guide_ids(user_id):
            return False
        raise LimitReached(user_id)

    async def saved_guide_ids(self, user_id: int) -> set[str]:
        rows = await self._all(
            "SELECT guide_id FROM questions WHERE user_id=? AND guide_id IS NOT NULL "
            "AND removed_at IS NULL", (user_id,))
        return {row[0] for row in rows}

    async def add_own_question(self, user_id: int, text: str) -> int:
        async with self._tx() as db:
            await self._require_user(db, user_id)
            await self._purge_removed(db, user_id)
            await self._check_room(db, user_id)
            cur = await db.execute(
                "INSERT INTO questions(user_id, text, created_at) VALUES (?, ?, ?)",
                (user_id, text, self._clock()))
            return int(cur.lastrowid or 0)

    async def list_questions(self, user_id: int) -> list[SavedQuestion]:
        rows = await self._all(
            "SELECT id, guide_id, text, created_at, asked_at, answer, answered_at FROM questions "
            "WHERE user_id=? AND removed_at IS NULL ORDER BY created_at, id", (user_id,))
        return [SavedQuestion(*row) for row in rows]

    async def get_question(self, user_id: int, question_id: int) -> SavedQuestion | None:
        row = await self._one(
            "SELECT id, guide_id, text, created_at, asked_at, answer, answered_at, removed_at "
            "FROM questions WHERE user_id=? AND id=?", (user_id, question_id))
        return SavedQuestion(*row) if row else None

    async def count_questions(self, user_id: int) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM questions WHERE user_id=? AND removed_at IS NULL", (user_id,))
        return int(row[0])

    async def mark_asked(self, user_id: int, question_id: int, asked: bool) -> bool:
        async with self._tx() as db:
            cur = await db.execute(
                "UPDATE questions SET asked_at=? WHERE user_id=? AND id=? AND removed_at IS NULL",
                (self._clock() if asked else None, user_id, question_id))
            return bool(cur.rowcount)

    async def set_answer(self, user_id: int, question_id: int, answer: str | None) -> bool:
        async with self._tx() as db:
            now = self._clock()
            cur = await db.execute(
                "UPDATE questions SET answer=?, answered_at=?, asked_at=COALESCE(asked_at, ?) "
                "WHERE user_id=? AND id=? AND removed_at IS NULL",
                (answer, now if answer else None, now if answer else None, user_id, question_id))
            return bool(cur.rowcount)

    async def remove_question(self, user_id: int, question_id: int) -> bool:
        """Hide a question so it can be undone for a while; older removals are erased."""
        async with self._tx() as db:
            await self._purge_removed(db, user_id)
            cur = await db.execute(
                "UPDATE questions SET removed_at=? WHERE user_id=? AND id=? AND removed_at IS NULL",
                (self._clock(), user_id, question_id))
            return bool(cur.rowcount)

    async def undo_remove(self, user_id: int, question_id: int) -> bool:
        async with self._tx() as db:
            await self._purge_removed(db, user_id)
            await self._check_room(db, user_id)
            cur = await db.execute(
                "UPDATE questions SET removed_at=NULL WHERE user_id=? AND id=? "
                "AND removed_at IS NOT NULL", (user_id, question_id))
            return bool(cur.rowcount)

    # ---- the user's own data ------------------------------------------------------------
    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one user, as plain data."""
        user = await self._one(
            "SELECT created_at, consent_at, care_phone, pending FROM users WHERE user_id=?",
            (user_id,))
        if user is None:
            return {"user_id": user_id, "stored": False}
        marks = await self.marks(user_id)
        questions = await self._all(
            "SELECT id, guide_id, text, created_at, asked_at, answer, answered_at, removed_at "
            "FROM questions WHERE user_id=? ORDER BY created_at, id", (user_id,))
        return {
            "user_id": user_id,
            "stored": True,
            "created_at": user[0],
            "consent_at": user[1],
            "settings": {"care_team_phone": user[2]},
            "waiting_for_text": user[3],
            "bookmarks": [asdict(b) for b in await self.list_bookmarks(user_id)],
            "checklist_marks": [{"item_id": k, "created_at": v} for k, v in sorted(marks.items())],
            "questions": [asdict(SavedQuestion(*row)) for row in questions],
        }

    async def delete_user(self, user_id: int) -> None:
        """Erase every row of this user in one transaction, then push it out of the WAL."""
        async with self._tx() as db:
            for table in ("bookmarks", "marks", "questions", "users"):
                await db.execute(f"DELETE FROM {table} WHERE user_id=?", (user_id,))
        async with self._write_lock:
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check", ())
        return str(row[0])


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
