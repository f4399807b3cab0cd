"""The PostgreSQL driver (asyncpg): one database shared by several bot processes.

Nothing is cached per process (every answer comes from the database, so a replica never
acts on another's stale copy); a user's multi-step writes lock that user's row
(`FOR UPDATE`), so two replicas cannot both pass a "room left?" check. Erasing: deleted
rows are gone for every query at once (MVCC); their bytes stay in the table's pages until
autovacuum reuses the space. No `VACUUM` is needed for that, and none is run by the bot.

Each connection names the schema its code was written for (`application_name`), so a
migration can see a replica still running older code (bot.storage.schema). Times are UTC
seconds (double precision), as in SQLite, so both drivers return the same records.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from bot.config import check_database_url
from bot.storage.driver import MEMBER, Queries, Row, Transaction, dialect, positional
from bot.storage.interface import NoConsent, StorageUnavailable

DIALECT = {"seq": "seq", "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "lock": " FOR UPDATE"}
APPLICATION = "childhood-all-bot/schema="  # + the schema version the code expects

# Release 0.2's own chain (table schema_version, 1-6; 6 is SQLite's 10 plus the handled
# updates table and the bookmarks' seq column). Frozen: it still runs on an old database and
# is never edited again; new migrations are written once, in bot.storage.schema.
FROZEN: tuple[str, ...] = (
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

# Advisory lock class of the migration lock (bot.storage.coordination keeps its own keys).
MIGRATION_LOCK = (7_405_001, 1)

# The circle's row locked, and whether `:by` is a member of it, in one trip.
_CIRCLE = f"SELECT EXISTS ({MEMBER}) FROM circles WHERE id=:circle FOR UPDATE"


@lru_cache(maxsize=1024)
def _sql(sql: str) -> tuple[str, tuple[str, ...]]:
    return positional(dialect(sql, DIALECT))


def _args(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    text, names = _sql(sql)
    return text, [params[name] for name in names]


async def _reset(conn: asyncpg.Connection) -> None:
    """A pooled connection going back: only a transaction left open is ended. asyncpg's
    default (unlock every advisory lock, close cursors, UNLISTEN, RESET ALL) is one more
    round trip after every query, for session state these connections never change (session
    locks are on the coordination's own connection; the migration lock ends with its
    transaction)."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def _rows(status: str) -> int:
    """Rows changed, from a command tag ("UPDATE 1", "INSERT 0 1", "DELETE 3")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Tx:
    """Queries on one target: the connection a transaction holds, or the pool (each call on
    a connection of its own), timed for the metrics when `timed` is given."""

    def __init__(
        self, target: asyncpg.Connection | asyncpg.Pool, timed: Callable[[float], None] | None = None
    ):
        self._target = target
        self._timed = timed

    async def _call(self, method: str, sql: str, params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            text, args = _args(sql, params)
            return await getattr(self._target, method)(text, *args)
        finally:
            if self._timed is not None:
                self._timed(time.perf_counter() - started)

    async def one(self, sql: str, **params: Any) -> Row | None:
        row: Row | None = await self._call("fetchrow", sql, params)
        return row

    async def all(self, sql: str, **params: Any) -> list[Row]:
        return list(await self._call("fetch", sql, params))

    async def value(self, sql: str, **params: Any) -> Any:
        return await self._call("fetchval", sql, params)

    async def write(self, sql: str, **params: Any) -> int:
        return _rows(await self._call("execute", sql, params))

    async def script(self, sql: str) -> None:
        await self._target.execute(dialect(sql, DIALECT))


class PostgresDriver:
    name = "postgres"
    shared = True  # several processes may use it at once

    def __init__(self, url: str, clock: Callable[[], float], *, schema: int, pool_size: int = 10):
        self.url = check_database_url(url)
        self.clock = clock
        self.pool_size = pool_size
        self.application = f"{APPLICATION}{schema}"
        self._pool: asyncpg.Pool | None = None
        self.latency: Callable[[float], None] | None = None  # metrics hook (seconds)

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                command_timeout=30,
                timeout=10,
                server_settings={"application_name": self.application},
                reset=_reset,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageUnavailable(
                f"DATABASE_URL: cannot reach the database ({exc.__class__.__name__})"
            ) from None
        await self._run_frozen()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("storage is not open")
        return self._pool

    async def _run_frozen(self) -> None:
        async with self.migrating() as tx:
            await tx.script(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION)"
            )
            version = int(await tx.value("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
            for number, script in enumerate(FROZEN[version:], start=version + 1):
                await tx.script(script)
                await tx.write("INSERT INTO schema_version VALUES (:n, :now)", n=number, now=self.clock())

    async def frozen_version(self) -> int:
        return int(await self.value("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def integrity(self) -> str:
        """The server answers (the schema is checked by bot.storage.schema)."""
        await self.ping()
        return "ok"

    async def erased(self) -> None:
        """Nothing to push out: deleted rows are unreadable at once."""

    # ---- queries: each on a pooled connection of its own ----------------------------------
    def _timed(self, seconds: float) -> None:
        if self.latency is not None:
            self.latency(seconds)

    @property
    def _queries(self) -> _Tx:
        return _Tx(self.pool, self._timed)

    async def one(self, sql: str, **params: Any) -> Row | None:
        return await self._queries.one(sql, **params)

    async def all(self, sql: str, **params: Any) -> list[Row]:
        return await self._queries.all(sql, **params)

    async def value(self, sql: str, **params: Any) -> Any:
        return await self._queries.value(sql, **params)

    async def write(self, sql: str, **params: Any) -> int:
        return await self._queries.write(sql, **params)

    async def returning(self, sql: str, **params: Any) -> list[Row]:
        return await self.all(sql, **params)

    async def as_owner(
        self, circle: int, by: int, sql: str, *, consent: bool = True, **params: Any
    ) -> list[Row]:
        """The circle's row locked first, so the statement's snapshot (taken after the lock)
        sees every write another member made to it, from any replica."""
        async with self.owner(circle, by, consent=consent) as tx:
            return await tx.all(sql, circle=circle, by=by, **params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        started = time.perf_counter()
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield _Tx(conn)
        finally:
            self._timed(time.perf_counter() - started)

    @asynccontextmanager
    async def migrating(self) -> AsyncIterator[Transaction]:
        """A transaction under the migration lock: replicas starting together migrate once."""
        async with self.transaction() as tx:
            await tx.value(
                "SELECT pg_advisory_xact_lock(:cls, :key)", cls=MIGRATION_LOCK[0], key=MIGRATION_LOCK[1]
            )
            yield tx

    async def older_processes(self, tx: Queries, schema: int) -> list[int]:
        """Other connections to this database whose application_name says they belong to a
        bot release written for an older schema. (Release 0.2 named none: stop its
        replicas before the first start of a newer one; the README says so.)"""
        rows = await tx.all(
            "SELECT application_name AS name FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name LIKE :prefix",
            prefix=APPLICATION + "%",
        )
        versions = [name[len(APPLICATION) :] for name in (r["name"] for r in rows)]
        return sorted(int(v) for v in versions if v.isdigit() and int(v) < schema)

    @asynccontextmanager
    async def owner(self, circle: int, by: int, *, consent: bool = True) -> AsyncIterator[Transaction]:
        """The circle's row FOR UPDATE: one writer per circle across replicas and members."""
        async with self.transaction() as tx:
            member = await tx.value(_CIRCLE, circle=circle, by=by)
            if consent and not member:
                raise NoConsent(by)
            yield tx
