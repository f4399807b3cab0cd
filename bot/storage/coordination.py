"""What several processes agree on, apart from the data: which process runs a chat's update
now (chat lock), which runs a timed job this turn (job lock), and which webhook updates
were handled already (a re-post from Telegram runs once).

`Local` is for one process (SQLite): the update processor already runs a chat's updates in
order and there is no other process to share a job with; `Advisory` (PostgreSQL) takes
advisory locks on one session of its own. Both record handled updates in the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.storage.driver import Driver

log = logging.getLogger(__name__)

# Advisory lock keys: chats use the one-bigint form; jobs the two-int form (PostgreSQL keeps
# the two key spaces apart), under this class number (key 1 is the migration lock).
_JOB_CLASS = 7_405_001


class HandledUpdates:
    """Update ids handled, a day long (the purge job forgets older ones)."""

    def __init__(self, db: Driver):
        self.db = db

    async def was_handled(self, update_id: int) -> bool:
        return (
            await self.db.value("SELECT 1 FROM handled_updates WHERE update_id=:id", id=update_id) is not None
        )

    async def mark_handled(self, update_id: int) -> None:
        await self.db.write(
            "INSERT INTO handled_updates(update_id, handled_at) VALUES (:id, :now) ON CONFLICT DO NOTHING",
            id=update_id,
            now=self.db.clock(),
        )

    async def forget_updates(self, before: float) -> int:
        return await self.db.write("DELETE FROM handled_updates WHERE handled_at < :before", before=before)


class Local(HandledUpdates):
    """One process owns the database."""

    @asynccontextmanager
    async def chat_lock(self, key: int) -> AsyncIterator[None]:
        yield  # the update processor already runs one chat's updates one at a time

    @asynccontextmanager
    async def job_lock(self, name: str) -> AsyncIterator[bool]:
        yield True

    async def close(self) -> None:
        return None


def job_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") & 0x7FFFFFFF


class Advisory(HandledUpdates):
    """PostgreSQL advisory locks, all held by one session of this process: locks are per
    session, so a handful of chats in flight cost one connection, not one each; asyncpg
    runs one query at a time per connection, hence the asyncio lock around it."""

    def __init__(self, db: Driver, url: str, application: str):
        super().__init__(db)
        self.url = url
        self.application = application
        self._conn: Any = None  # an asyncpg connection (imported only for PostgreSQL)
        self._guard = asyncio.Lock()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _locking(self, sql: str, *args: Any) -> Any:
        import asyncpg

        async with self._guard:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(
                    self.url, timeout=10, server_settings={"application_name": self.application}
                )
            try:
                return await self._conn.fetchval(sql, *args)
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                # The session is gone, and every lock it held with it.
                self._conn = None
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
        try:
            yield
        finally:
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
