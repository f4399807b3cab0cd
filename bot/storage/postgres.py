"""The PostgreSQL backend (asyncpg): the same repositories as `bot.storage.sqlite`, for one
database shared by several bot processes.

Differences from the SQLite backend, all because several processes write at once:
- nothing is cached in memory (who has a prompt, which language): every answer comes from
  the database, so a replica never acts on another replica's stale copy;
- a user's multi-step writes lock that user's row (`FOR UPDATE`), so two replicas cannot
  both pass a "room left?" check;
- `chat_lock` takes a PostgreSQL advisory lock per chat and `job_lock` one per timed job, so
  one chat's updates never run at once on two replicas and a job runs on one replica a turn;
- erasing: deleted rows are gone for every query at once (MVCC); their bytes stay in the
  table's pages until autovacuum reuses the space. No `VACUUM` is needed for that, and none
  is run by the bot.

Times are UTC seconds (double precision), as in SQLite, so both backends return the same
records.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.config import check_database_url
from bot.storage.interface import (
    Appointment,
    Bookmark,
    Contact,
    LimitReached,
    NoConsent,
    Prompt,
    SavedQuestion,
    StorageUnavailable,
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

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: the schema the SQLite backend reached at its migration 5, plus the record of
    # webhook updates already handled (replicas answer a re-posted update once).
    """
    CREATE TABLE users (
        user_id       BIGINT PRIMARY KEY,
        created_at    DOUBLE PRECISION NOT NULL,
        consent_at    DOUBLE PRECISION,
        skip_gates    BOOLEAN NOT NULL DEFAULT FALSE,
        timezone      TEXT,
        reminders_off BOOLEAN NOT NULL DEFAULT FALSE,
        language      TEXT
    );
    CREATE TABLE bookmarks (
        user_id    BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        section_id TEXT NOT NULL,
        part_id    TEXT NOT NULL DEFAULT '',
        page       INTEGER NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        seq        BIGINT GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (user_id, section_id, part_id, page)
    );
    CREATE TABLE marks (
        user_id    BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        item_id    TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (user_id, item_id)
    );
    CREATE TABLE questions (
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id     BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        guide_id    TEXT,
        text        TEXT NOT NULL,
        created_at  DOUBLE PRECISION NOT NULL,
        asked_at    DOUBLE PRECISION,
        answer      TEXT,
        answered_at DOUBLE PRECISION,
        removed_at  DOUBLE PRECISION
    );
    CREATE UNIQUE INDEX questions_guide ON questions(user_id, guide_id)
        WHERE guide_id IS NOT NULL;
    CREATE INDEX questions_user ON questions(user_id, id);
    CREATE INDEX questions_removed ON questions(removed_at) WHERE removed_at IS NOT NULL;
    CREATE TABLE prompts (
        user_id    BIGINT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        ref        BIGINT,
        origin     TEXT NOT NULL DEFAULT '',
        opened_at  DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE contacts (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id    BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        label      TEXT NOT NULL DEFAULT '',
        phone      TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX contacts_user ON contacts(user_id, id);
    CREATE TABLE appointments (
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id     BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        starts_at   DOUBLE PRECISION NOT NULL,
        place       TEXT NOT NULL DEFAULT '',
        remind_at   DOUBLE PRECISION NOT NULL,
        reminded_at DOUBLE PRECISION,
        created_at  DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX appointments_user ON appointments(user_id, starts_at);
    CREATE INDEX appointments_due ON appointments(remind_at) WHERE reminded_at IS NULL;
    CREATE TABLE handled_updates (
        update_id  BIGINT PRIMARY KEY,
        handled_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX handled_updates_at ON handled_updates(handled_at);
    """,
    # 2: the family's own fever number (°C), from their care team; NULL: the card's 38.0.
    """
    ALTER TABLE users ADD COLUMN fever_c DOUBLE PRECISION;
    """,
    # 3: the family's country (emergency-number table) and their own local number.
    """
    ALTER TABLE users ADD COLUMN country TEXT;
    ALTER TABLE users ADD COLUMN emergency_number TEXT;
    """,
    # 4: whether the parent keeps the 🚨 button below the chat (NULL: not chosen yet).
    """
    ALTER TABLE users ADD COLUMN urgent_button BOOLEAN;
    """,
    # 5: the care team's fever rule, in their words.
    """
    ALTER TABLE users ADD COLUMN fever_rule TEXT;
    """,
    # 6: whether the child is being treated now (NULL: not answered, taken as in treatment).
    """
    ALTER TABLE users ADD COLUMN treatment TEXT;
    """,
)

# Advisory lock keys: chats use the one-bigint form; jobs and migrations the two-int form
# (PostgreSQL keeps the two key spaces apart), under this class number.
_JOB_CLASS = 7_405_001
_MIGRATION_KEY = 1

_CONSENTED = "EXISTS (SELECT 1 FROM users WHERE user_id=$1 AND consent_at IS NOT NULL)"


def _rows(status: str) -> int:
    """Rows changed, from a command tag ("UPDATE 1", "INSERT 0 1", "DELETE 3")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def job_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") & 0x7FFFFFFF


class Database:
    """Owns the pool: migrations (under an advisory lock), transactions, the lock session."""

    def __init__(self, url: str, clock: Callable[[], float], pool_size: int = 10):
        self.url = check_database_url(url)
        self.clock = clock
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        # One session holds every advisory lock this process takes (chats, jobs): locks
        # are per session, so a handful of in-flight chats cost one connection, not one
        # each; asyncpg runs one query at a time per connection, hence the asyncio lock.
        self._lock_conn: asyncpg.Connection | None = None
        self._lock_guard = asyncio.Lock()
        self._held: dict[int, int] = {}
        self.latency: Callable[[float], None] | None = None  # metrics hook (seconds)

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=1,
                                                   max_size=self.pool_size,
                                                   command_timeout=30, timeout=10)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageUnavailable(
                f"DATABASE_URL: cannot reach the database ({exc.__class__.__name__})") from None
        await self._migrate()

    async def close(self) -> None:
        if self._lock_conn is not None:
            await self._lock_conn.close()
            self._lock_conn = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("storage is not open")
        return self._pool

    async def schema_version(self) -> int:
        value = await self.pool.fetchval(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(value)

    async def _migrate(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            # Replicas starting together: one migrates, the others wait and find it done.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", _JOB_CLASS,
                               _MIGRATION_KEY)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                               "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION)")
            version = int(await conn.fetchval(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version"))
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_version VALUES ($1, $2)", number,
                                   self.clock())

    def _timed(self, started: float) -> None:
        if self.latency is not None:
            self.latency(time.perf_counter() - started)

    async def write(self, sql: str, args: Iterable[Any]) -> int:
        started = time.perf_counter()
        try:
            return _rows(await self.pool.execute(sql, *args))
        finally:
            self._timed(started)

    async def one(self, sql: str, args: Iterable[Any]) -> asyncpg.Record | None:
        started = time.perf_counter()
        try:
            row: asyncpg.Record | None = await self.pool.fetchrow(sql, *args)
            return row
        finally:
            self._timed(started)

    async def all(self, sql: str, args: Iterable[Any]) -> list[asyncpg.Record]:
        started = time.perf_counter()
        try:
            return list(await self.pool.fetch(sql, *args))
        finally:
            self._timed(started)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[asyncpg.Connection]:
        started = time.perf_counter()
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn
        finally:
            self._timed(started)

    async def has_consent(self, user_id: int) -> bool:
        row = await self.one("SELECT consent_at FROM users WHERE user_id=$1", (user_id,))
        return bool(row and row["consent_at"] is not None)

    @staticmethod
    async def lock_user(conn: asyncpg.Connection, user_id: int) -> None:
        """Inside a transaction: NoConsent unless the user agreed; else their row is locked
        until the transaction ends (one writer per user across replicas)."""
        found = await conn.fetchval(
            "SELECT 1 FROM users WHERE user_id=$1 AND consent_at IS NOT NULL FOR UPDATE",
            user_id)
        if not found:
            raise NoConsent(user_id)

    # ---- advisory locks --------------------------------------------------------------------
    async def _locking(self, sql: str, *args: Any) -> Any:
        async with self._lock_guard:
            if self._lock_conn is None or self._lock_conn.is_closed():
                self._held.clear()  # a new session holds nothing
                self._lock_conn = await asyncpg.connect(self.url, timeout=10)
            try:
                return await self._lock_conn.fetchval(sql, *args)
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                # The session is gone, and every lock it held with it.
                self._held.clear()
                self._lock_conn = None
                raise

    @asynccontextmanager
    async def chat_lock(self, key: int, poll: float = 0.005) -> AsyncIterator[None]:
        """Hold chat `key` across every replica while the block runs.

        Waits with pg_try_advisory_lock and a short back-off rather than pg_advisory_lock,
        so one waiting chat never blocks the shared lock session for the others. Within a
        process the update processor already runs a chat's updates one at a time, so the
        wait only happens when two replicas have the same chat at once.
        """
        delay = poll
        while not await self._locking("SELECT pg_try_advisory_lock($1::bigint)", key):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        self._held[key] = self._held.get(key, 0) + 1
        try:
            yield
        finally:
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]
            try:
                await self._locking("SELECT pg_advisory_unlock($1::bigint)", key)
            except Exception:  # a lost session released the lock already
                log.warning("chat lock: the lock session was lost")

    @asynccontextmanager
    async def job_lock(self, name: str) -> AsyncIterator[bool]:
        """True for the one replica that runs this job now; False for the others."""
        key = job_key(name)
        got = bool(await self._locking("SELECT pg_try_advisory_lock($1, $2)", _JOB_CLASS, key))
        try:
            yield got
        finally:
            if got:
                try:
                    await self._locking("SELECT pg_advisory_unlock($1, $2)", _JOB_CLASS, key)
                except Exception:
                    log.warning("job lock: the lock session was lost")


class PgUsers:
    def __init__(self, db: Database):
        self.db = db

    async def language(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT language FROM users WHERE user_id=$1", (user_id,))
        return row["language"] if row else None

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.write(
            "INSERT INTO users(user_id, created_at, language) VALUES ($1, $2, $3) "
            "ON CONFLICT(user_id) DO UPDATE SET language=excluded.language",
            (user_id, self.db.clock(), language))

    async def has_consent(self, user_id: int) -> bool:
        return await self.db.has_consent(user_id)

    async def give_consent(self, user_id: int) -> None:
        now = self.db.clock()
        await self.db.write(
            "INSERT INTO users(user_id, created_at, consent_at) VALUES ($1, $2, $2) "
            "ON CONFLICT(user_id) DO UPDATE SET "
            "consent_at=COALESCE(users.consent_at, excluded.consent_at)", (user_id, now))

    async def skips_gates(self, user_id: int) -> bool:
        row = await self.db.one("SELECT skip_gates FROM users WHERE user_id=$1", (user_id,))
        return bool(row and row["skip_gates"])

    async def set_skip_gates(self, user_id: int, skip: bool) -> None:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await conn.execute("UPDATE users SET skip_gates=$2 WHERE user_id=$1", user_id, skip)

    async def count(self) -> int:
        return int(await self.db.pool.fetchval("SELECT COUNT(*) FROM users"))

    async def timezone(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT timezone FROM users WHERE user_id=$1", (user_id,))
        return row["timezone"] if row else None

    async def set_timezone(self, user_id: int, name: str) -> None:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await conn.execute("UPDATE users SET timezone=$2 WHERE user_id=$1", user_id, name)

    async def set_reminders_off(self, user_id: int, off: bool) -> None:
        await self.db.write("UPDATE users SET reminders_off=$2 WHERE user_id=$1",
                            (user_id, off))

    async def fever_c(self, user_id: int) -> float | None:
        row = await self.db.one("SELECT fever_c FROM users WHERE user_id=$1", (user_id,))
        return float(row["fever_c"]) if row and row["fever_c"] is not None else None

    async def set_fever_c(self, user_id: int, celsius: float | None) -> None:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await conn.execute("UPDATE users SET fever_c=$2 WHERE user_id=$1", user_id, celsius)

    async def treatment(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT treatment FROM users WHERE user_id=$1", (user_id,))
        return row["treatment"] if row else None

    async def set_treatment(self, user_id: int, state: str) -> None:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await conn.execute("UPDATE users SET treatment=$2 WHERE user_id=$1", user_id, state)

    async def fever_rule(self, user_id: int) -> str | None:
        row = await self.db.one("SELECT fever_rule FROM users WHERE user_id=$1", (user_id,))
        return row["fever_rule"] if row else None

    async def set_fever_rule(self, user_id: int, rule: str | None) -> None:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await conn.execute("UPDATE users SET fever_rule=$2 WHERE user_id=$1", user_id, rule)

    async def urgent_button(self, user_id: int) -> bool | None:
        row = await self.db.one("SELECT urgent_button FROM users WHERE user_id=$1", (user_id,))
        return None if row is None or row["urgent_button"] is None else bool(row["urgent_button"])

    async def set_urgent_button(self, user_id: int, on: bool) -> None:
        await self.db.write(
            "INSERT INTO users(user_id, created_at, urgent_button) VALUES ($1, $2, $3) "
            "ON CONFLICT(user_id) DO UPDATE SET urgent_button=excluded.urgent_button",
            (user_id, self.db.clock(), on))

    async def emergency(self, user_id: int) -> tuple[str | None, str | None]:
        row = await self.db.one(
            "SELECT country, emergency_number FROM users WHERE user_id=$1", (user_id,))
        return (row["country"], row["emergency_number"]) if row else (None, None)

    async def set_emergency(self, user_id: int, country: str | None,
                            number: str | None) -> None:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await conn.execute(
                "UPDATE users SET country=$2, emergency_number=$3 WHERE user_id=$1",
                user_id, country, number)


class PgBookmarks:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        changed = await self.db.write(
            "INSERT INTO bookmarks(user_id, section_id, part_id, page, created_at) "
            f"SELECT $1, $2, $3, $4, $5 WHERE {_CONSENTED} ON CONFLICT DO NOTHING",
            (user_id, section_id, part_id, page, self.db.clock()))
        if not changed and not await self.db.has_consent(user_id):
            raise NoConsent(user_id)

    async def remove(self, user_id: int, section_id: str, part_id: str, page: int) -> None:
        await self.db.write(
            "DELETE FROM bookmarks WHERE user_id=$1 AND section_id=$2 AND part_id=$3 AND page=$4",
            (user_id, section_id, part_id, page))

    async def exists(self, user_id: int, section_id: str, part_id: str, page: int) -> bool:
        row = await self.db.one(
            "SELECT 1 FROM bookmarks WHERE user_id=$1 AND section_id=$2 AND part_id=$3 "
            "AND page=$4", (user_id, section_id, part_id, page))
        return row is not None

    async def list(self, user_id: int) -> list[Bookmark]:
        rows = await self.db.all(
            "SELECT section_id, part_id, page, created_at FROM bookmarks WHERE user_id=$1 "
            "ORDER BY created_at DESC, seq DESC", (user_id,))
        return [Bookmark(section_id=r["section_id"], part_id=r["part_id"], page=r["page"],
                         created_at=r["created_at"]) for r in rows]


class PgMarks:
    def __init__(self, db: Database):
        self.db = db

    async def set(self, user_id: int, item_id: str, on: bool) -> None:
        if on:
            changed = await self.db.write(
                "INSERT INTO marks(user_id, item_id, created_at) "
                f"SELECT $1, $2, $3 WHERE {_CONSENTED} ON CONFLICT DO NOTHING",
                (user_id, item_id, self.db.clock()))
            if not changed and not await self.db.has_consent(user_id):
                raise NoConsent(user_id)
        else:
            await self.db.write("DELETE FROM marks WHERE user_id=$1 AND item_id=$2",
                                (user_id, item_id))

    async def all(self, user_id: int) -> dict[str, float]:
        rows = await self.db.all(
            "SELECT item_id, created_at FROM marks WHERE user_id=$1", (user_id,))
        return {r["item_id"]: r["created_at"] for r in rows}

    async def clear(self, user_id: int) -> int:
        return await self.db.write("DELETE FROM marks WHERE user_id=$1", (user_id,))




class PgQuestions:
    def __init__(self, db: Database):
        self.db = db

    async def save_guide(self, user_id: int, guide_id: str, text: str, *, limit: int) -> bool:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            row = await conn.fetchrow(
                "SELECT removed_at IS NULL AS live FROM questions "
                "WHERE user_id=$1 AND guide_id=$2", user_id, guide_id)
            if row is not None and row["live"]:
                return False
            await self._check_room(conn, user_id, limit)
            await conn.execute(
                "INSERT INTO questions(user_id, guide_id, text, created_at) "
                "VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (user_id, guide_id) WHERE guide_id IS NOT NULL DO UPDATE "
                "SET removed_at=NULL, created_at=excluded.created_at",
                user_id, guide_id, text, self.db.clock())
            return True

    async def saved_guide_ids(self, user_id: int) -> set[str]:
        rows = await self.db.all(
            "SELECT guide_id FROM questions WHERE user_id=$1 AND guide_id IS NOT NULL "
            "AND removed_at IS NULL", (user_id,))
        return {r["guide_id"] for r in rows}

    @staticmethod
    async def _check_room(conn: asyncpg.Connection, user_id: int, limit: int) -> None:
        count = await conn.fetchval(
            "SELECT COUNT(*) FROM questions WHERE user_id=$1 AND removed_at IS NULL", user_id)
        if count >= limit:
            raise LimitReached(user_id)

    async def add_own(self, user_id: int, text: str, *, limit: int) -> int:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            await self._check_room(conn, user_id, limit)
            return int(await conn.fetchval(
                "INSERT INTO questions(user_id, text, created_at) VALUES ($1, $2, $3) "
                "RETURNING id", user_id, text, self.db.clock()))

    async def list(self, user_id: int) -> list[SavedQuestion]:
        rows = await self.db.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=$1 AND removed_at IS NULL "
            "ORDER BY created_at, id", (user_id,))
        return [question(r) for r in rows]

    async def get(self, user_id: int, question_id: int) -> SavedQuestion | None:
        row = await self.db.one(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=$1 AND id=$2",
            (user_id, question_id))
        return question(row) if row else None

    async def count(self, user_id: int) -> int:
        return int(await self.db.pool.fetchval(
            "SELECT COUNT(*) FROM questions WHERE user_id=$1 AND removed_at IS NULL", user_id))

    async def mark_asked(self, user_id: int, question_id: int, asked: bool) -> bool:
        return bool(await self.db.write(
            "UPDATE questions SET asked_at=$3 WHERE user_id=$1 AND id=$2 AND removed_at IS NULL",
            (user_id, question_id, self.db.clock() if asked else None)))

    async def set_answer(self, user_id: int, question_id: int, answer: str | None) -> bool:
        now = self.db.clock() if answer else None
        return bool(await self.db.write(
            "UPDATE questions SET answer=$3, answered_at=$4::double precision, "
            "asked_at=COALESCE(asked_at, $4::double precision) "
            "WHERE user_id=$1 AND id=$2 AND removed_at IS NULL",
            (user_id, question_id, answer, now)))

    async def remove(self, user_id: int, question_id: int) -> bool:
        return bool(await self.db.write(
            "UPDATE questions SET removed_at=$3 WHERE user_id=$1 AND id=$2 "
            "AND removed_at IS NULL", (user_id, question_id, self.db.clock())))

    async def remove_guide(self, user_id: int, guide_id: str) -> bool:
        return bool(await self.db.write(
            "UPDATE questions SET removed_at=$3 WHERE user_id=$1 AND guide_id=$2 "
            "AND removed_at IS NULL", (user_id, guide_id, self.db.clock())))

    async def undo_remove(self, user_id: int, question_id: int, *, limit: int) -> bool:
        async with self.db.tx() as conn:
            await conn.execute("SELECT 1 FROM users WHERE user_id=$1 FOR UPDATE", user_id)
            await self._check_room(conn, user_id, limit)
            status = await conn.execute(
                "UPDATE questions SET removed_at=NULL WHERE user_id=$1 AND id=$2 "
                "AND removed_at IS NOT NULL", user_id, question_id)
            return bool(_rows(status))

    async def purge_removed(self, removed_before: float) -> int:
        """Erase, for every user, the questions removed before this moment."""
        return await self.db.write(
            "DELETE FROM questions WHERE removed_at IS NOT NULL AND removed_at < $1",
            (removed_before,))




class PgContacts:
    def __init__(self, db: Database):
        self.db = db

    async def list(self, user_id: int) -> list[Contact]:
        rows = await self.db.all(
            "SELECT id, label, phone, created_at FROM contacts WHERE user_id=$1 ORDER BY id",
            (user_id,))
        return [contact(r) for r in rows]

    async def get(self, user_id: int, contact_id: int) -> Contact | None:
        row = await self.db.one(
            "SELECT id, label, phone, created_at FROM contacts WHERE user_id=$1 AND id=$2",
            (user_id, contact_id))
        return contact(row) if row else None

    async def add(self, user_id: int, label: str, phone: str, *, limit: int) -> int:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            count = await conn.fetchval("SELECT COUNT(*) FROM contacts WHERE user_id=$1",
                                        user_id)
            if count >= limit:
                raise LimitReached(user_id)
            return int(await conn.fetchval(
                "INSERT INTO contacts(user_id, label, phone, created_at) "
                "VALUES ($1, $2, $3, $4) RETURNING id", user_id, label, phone, self.db.clock()))

    async def set_label(self, user_id: int, contact_id: int, label: str) -> bool:
        return bool(await self.db.write(
            "UPDATE contacts SET label=$3 WHERE user_id=$1 AND id=$2",
            (user_id, contact_id, label)))

    async def set_phone(self, user_id: int, contact_id: int, phone: str) -> bool:
        return bool(await self.db.write(
            "UPDATE contacts SET phone=$3 WHERE user_id=$1 AND id=$2",
            (user_id, contact_id, phone)))

    async def remove(self, user_id: int, contact_id: int) -> bool:
        return bool(await self.db.write(
            "DELETE FROM contacts WHERE user_id=$1 AND id=$2", (user_id, contact_id)))




class PgAppointments:
    def __init__(self, db: Database):
        self.db = db

    async def upcoming(self, user_id: int, after: float) -> list[Appointment]:
        rows = await self.db.all(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=$1 AND starts_at > $2 "
            "ORDER BY starts_at, id", (user_id, after))
        return [appointment(r) for r in rows]

    async def get(self, user_id: int, appointment_id: int) -> Appointment | None:
        row = await self.db.one(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE user_id=$1 AND id=$2",
            (user_id, appointment_id))
        return appointment(row) if row else None

    async def add(self, user_id: int, starts_at: float, remind_at: float, *, after: float,
                  limit: int) -> int:
        async with self.db.tx() as conn:
            await self.db.lock_user(conn, user_id)
            count = await conn.fetchval(
                "SELECT COUNT(*) FROM appointments WHERE user_id=$1 AND starts_at > $2",
                user_id, after)
            if count >= limit:
                raise LimitReached(user_id)
            return int(await conn.fetchval(
                "INSERT INTO appointments(user_id, starts_at, remind_at, created_at) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                user_id, starts_at, remind_at, self.db.clock()))

    async def reschedule(self, user_id: int, appointment_id: int, starts_at: float,
                         remind_at: float) -> bool:
        return bool(await self.db.write(
            "UPDATE appointments SET starts_at=$3, remind_at=$4, reminded_at=NULL "
            "WHERE user_id=$1 AND id=$2", (user_id, appointment_id, starts_at, remind_at)))

    async def set_place(self, user_id: int, appointment_id: int, place: str) -> bool:
        return bool(await self.db.write(
            "UPDATE appointments SET place=$3 WHERE user_id=$1 AND id=$2",
            (user_id, appointment_id, place)))

    async def remove(self, user_id: int, appointment_id: int) -> bool:
        return bool(await self.db.write(
            "DELETE FROM appointments WHERE user_id=$1 AND id=$2", (user_id, appointment_id)))

    async def due(self, now: float) -> list[tuple[int, Appointment]]:
        rows = await self.db.all(
            "SELECT a.user_id AS user_id, a.id, a.starts_at, a.place, a.remind_at, "
            "a.reminded_at FROM appointments a JOIN users u ON u.user_id = a.user_id "
            "WHERE a.reminded_at IS NULL AND a.remind_at <= $1 AND NOT u.reminders_off "
            "ORDER BY a.remind_at", (now,))
        return [(r["user_id"], appointment(r)) for r in rows]

    async def mark_reminded(self, user_id: int, appointment_id: int, at: float) -> bool:
        """Once across every replica: only the first UPDATE finds reminded_at empty."""
        return bool(await self.db.write(
            "UPDATE appointments SET reminded_at=$3 WHERE user_id=$1 AND id=$2 "
            "AND reminded_at IS NULL", (user_id, appointment_id, at)))




class PgPrompts:
    """Prompts, asked of the database every time (another replica may have opened one)."""

    def __init__(self, db: Database):
        self.db = db

    async def open(self, user_id: int, prompt: Prompt) -> None:
        changed = await self.db.write(
            "INSERT INTO prompts(user_id, kind, ref, origin, opened_at, expires_at) "
            f"SELECT $1, $2, $3, $4, $5, $6 WHERE {_CONSENTED} "
            "ON CONFLICT(user_id) DO UPDATE SET kind=excluded.kind, ref=excluded.ref, "
            "origin=excluded.origin, opened_at=excluded.opened_at, "
            "expires_at=excluded.expires_at",
            (user_id, prompt.kind, prompt.ref, prompt.origin, prompt.opened_at,
             prompt.expires_at))
        if not changed:
            raise NoConsent(user_id)

    async def get(self, user_id: int) -> Prompt | None:
        row = await self.db.one(
            "SELECT kind, ref, origin, opened_at, expires_at FROM prompts WHERE user_id=$1",
            (user_id,))
        return prompt(row) if row else None

    async def close(self, user_id: int) -> bool:
        return bool(await self.db.write("DELETE FROM prompts WHERE user_id=$1", (user_id,)))


class PostgresStorage:
    """The PostgreSQL backend. Open it once (post_init), close it once (post_shutdown)."""

    def __init__(self, url: str, clock: Callable[[], float], pool_size: int = 10):
        self.database = Database(url, clock, pool_size)
        self.users = PgUsers(self.database)
        self.bookmarks = PgBookmarks(self.database)
        self.marks = PgMarks(self.database)
        self.questions = PgQuestions(self.database)
        self.prompts = PgPrompts(self.database)
        self.contacts = PgContacts(self.database)
        self.appointments = PgAppointments(self.database)

    shared = True  # several processes may use it at once

    async def open(self) -> None:
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    async def schema_version(self) -> int:
        return await self.database.schema_version()

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL has no file of its own to push erased rows out of."""

    async def integrity_check(self) -> str:
        """`ok` when the server answers and the schema is the one this code expects."""
        version = await self.schema_version()
        return "ok" if version == len(MIGRATIONS) else f"schema {version}"

    async def ping(self) -> None:
        await self.database.pool.fetchval("SELECT 1")

    def time_calls(self, hook: Callable[[float], None]) -> None:
        self.database.latency = hook

    def chat_lock(self, key: int) -> Any:
        return self.database.chat_lock(key)

    def job_lock(self, name: str) -> Any:
        return self.database.job_lock(name)

    async def was_handled(self, update_id: int) -> bool:
        row = await self.database.one("SELECT 1 FROM handled_updates WHERE update_id=$1",
                                      (update_id,))
        return row is not None

    async def mark_handled(self, update_id: int) -> None:
        await self.database.write(
            "INSERT INTO handled_updates(update_id, handled_at) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING", (update_id, self.database.clock()))

    async def forget_updates(self, before: float) -> int:
        return await self.database.write("DELETE FROM handled_updates WHERE handled_at < $1",
                                         (before,))

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one user, as plain data."""
        user = await self.database.one(
            f"SELECT {USER_COLUMNS} FROM users WHERE user_id=$1", (user_id,))
        rows = await self.database.all(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE user_id=$1 ORDER BY created_at, id",
            (user_id,))
        return await user_export(self, user_id, user, [question(r) for r in rows])

    async def delete_user(self, user_id: int) -> None:
        """Erase every row of this user in one transaction."""
        async with self.database.tx() as conn:
            for table in ("prompts", "contacts", "appointments", "bookmarks", "marks",
                          "questions", "users"):
                await conn.execute(f"DELETE FROM {table} WHERE user_id=$1", user_id)
