"""The one migration chain, written once for both drivers, and the rules for running it.

The chains of releases 0.1-0.2 are frozen in each driver (SQLite's PRAGMA user_version 1-10,
PostgreSQL's schema_version 1-6): an old database runs them first and arrives at schema 10
on either backend. From 11 on, every migration is one script in `MIGRATIONS`, in SQL both
speak (`{id}` is the one word spelled per driver), recorded in `schema_migrations`.

A migration runs when the first process of a new release opens the database, under the
driver's migration lock. It refuses (the process stops with one line) while a process of an
older release still uses the database (PostgreSQL names each connection's schema; SQLite's
lock file admits one process), and a release refuses a database newer than itself.
"""

from __future__ import annotations

from bot.storage.driver import Driver, Queries
from bot.storage.interface import StorageUnavailable

FROZEN_END = 10  # where the frozen chains leave both backends

MIGRATIONS: tuple[str, ...] = (
    # 11: reminders claimed with a lease (at, by whom), so a send that fails after the claim
    # is tried again once the lease runs out; webhook updates handled, on SQLite too, so a
    # re-post runs once on every backend.
    """
    ALTER TABLE appointments ADD COLUMN claimed_at DOUBLE PRECISION;
    ALTER TABLE appointments ADD COLUMN claimed_by TEXT;
    CREATE TABLE IF NOT EXISTS handled_updates (
        update_id  BIGINT PRIMARY KEY,
        handled_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX IF NOT EXISTS handled_updates_at ON handled_updates(handled_at);
    """,
    # 12: a deleted appointment is kept for the Undo window (removed_at), then erased by a
    # job, as removed questions are; the family's note for the day before (kept as typed,
    # '' for none), shown in the appointment and its reminder.
    """
    ALTER TABLE appointments ADD COLUMN removed_at DOUBLE PRECISION;
    ALTER TABLE appointments ADD COLUMN note TEXT NOT NULL DEFAULT '';
    CREATE INDEX IF NOT EXISTS appointments_removed ON appointments(removed_at)
        WHERE removed_at IS NOT NULL;
    """,
)

LATEST = FROZEN_END + len(MIGRATIONS)  # the schema this release's code is written for

_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
)


async def current(tx: Queries) -> int:
    value = await tx.value("SELECT MAX(version) FROM schema_migrations")
    return FROZEN_END if value is None else int(value)


async def migrate(driver: Driver) -> int:
    """Bring the database to LATEST (the frozen chain already ran when the driver opened);
    returns the version. StorageUnavailable, naming the setting, when it must not run."""
    setting = "DATABASE_URL" if driver.shared else "BOT_DB_PATH"
    async with driver.migrating() as tx:
        await tx.script(_TABLE)
        version = await current(tx)
        if version > LATEST:
            raise StorageUnavailable(
                f"{setting}: the database is at schema {version}, newer than this release "
                f"(schema {LATEST}); run the newer release"
            )
        if version == LATEST:
            return version
        older = await driver.older_processes(tx, LATEST)
        if older:
            raise StorageUnavailable(
                f"{setting}: schema {LATEST} needs a migration, but bot processes written for "
                f"schema {min(older)} still use the database ({len(older)} connections); "
                "stop them all, then start this release"
            )
        for number, script in enumerate(MIGRATIONS[version - FROZEN_END :], start=version + 1):
            await tx.script(script)
            await tx.write(
                "INSERT INTO schema_migrations(version, applied_at) VALUES (:version, :now)",
                version=number,
                now=driver.clock(),
            )
    return LATEST
