"""The one migration chain, written once for both drivers, and the rules for running it.

The chains of releases 0.1-0.2 are frozen in each driver (SQLite's PRAGMA user_version 1-10,
PostgreSQL's schema_version 1-6): an old database runs them first and arrives at schema 10
on either backend. From 11 on, every migration is one script in `MIGRATIONS`, in SQL both
speak (`{id}` is the one word spelled per driver), recorded in `schema_migrations`; the
one exception, 13, has a part per driver (`BEFORE`), said where it is.

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
    # 13: the care circle. What belongs to the child moves from the person to a circle
    # (questions, appointments, care-team numbers, checklist ticks, and the child's time
    # zone, fever number, fever rule and treatment answer); everyone starts as a circle of
    # one whose id is their user id, so ids and old buttons stay as they were. Members,
    # invites, and one reminder send per member. Each shared item says who added and who
    # last changed it. Spelled per driver in part (MIGRATION_13_*): SQLite cannot drop the
    # old link from those tables to `users`, so it rebuilds them, keeping their id counters.
    """
    CREATE TABLE circles (
        id         BIGINT PRIMARY KEY,
        created_at DOUBLE PRECISION NOT NULL,
        timezone   TEXT,
        fever_c    DOUBLE PRECISION,
        fever_rule TEXT,
        treatment  TEXT,
        erase_at   DOUBLE PRECISION
    );
    CREATE TABLE members (
        user_id        BIGINT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
        circle_id      BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        role           TEXT NOT NULL,
        name           TEXT NOT NULL DEFAULT '',
        joined_at      DOUBLE PRECISION NOT NULL,
        notices        BOOLEAN NOT NULL DEFAULT FALSE,
        unreachable_at DOUBLE PRECISION,
        erase_ok_at    DOUBLE PRECISION
    );
    CREATE INDEX members_circle ON members(circle_id);
    CREATE TABLE invites (
        id          {id},
        token_hash  TEXT UNIQUE,
        circle_id   BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        role        TEXT NOT NULL,
        created_by  BIGINT NOT NULL,
        for_user    BIGINT,
        created_at  DOUBLE PRECISION NOT NULL,
        expires_at  DOUBLE PRECISION NOT NULL,
        used_by     BIGINT,
        used_at     DOUBLE PRECISION,
        approved_at DOUBLE PRECISION,
        revoked_at  DOUBLE PRECISION
    );
    CREATE INDEX invites_circle ON invites(circle_id);
    CREATE INDEX invites_for ON invites(for_user) WHERE for_user IS NOT NULL;
    CREATE INDEX invites_used ON invites(used_by) WHERE used_by IS NOT NULL;
    INSERT INTO circles(id, created_at, timezone, fever_c, fever_rule, treatment)
        SELECT user_id, COALESCE(consent_at, created_at), timezone, fever_c, fever_rule, treatment
        FROM users WHERE consent_at IS NOT NULL
        OR user_id IN (SELECT circle_id FROM questions UNION SELECT circle_id FROM appointments
                       UNION SELECT circle_id FROM contacts UNION SELECT circle_id FROM marks);
    INSERT INTO members(user_id, circle_id, role, joined_at)
        SELECT id, id, 'full', created_at FROM circles;
    ALTER TABLE users DROP COLUMN timezone;
    ALTER TABLE users DROP COLUMN fever_c;
    ALTER TABLE users DROP COLUMN fever_rule;
    ALTER TABLE users DROP COLUMN treatment;
    ALTER TABLE questions ADD COLUMN added_by BIGINT;
    ALTER TABLE questions ADD COLUMN changed_by BIGINT;
    ALTER TABLE questions ADD COLUMN changed_at DOUBLE PRECISION;
    ALTER TABLE appointments ADD COLUMN added_by BIGINT;
    ALTER TABLE appointments ADD COLUMN changed_by BIGINT;
    ALTER TABLE appointments ADD COLUMN changed_at DOUBLE PRECISION;
    ALTER TABLE contacts ADD COLUMN added_by BIGINT;
    ALTER TABLE contacts ADD COLUMN changed_by BIGINT;
    ALTER TABLE contacts ADD COLUMN changed_at DOUBLE PRECISION;
    UPDATE questions SET added_by=circle_id;
    UPDATE appointments SET added_by=circle_id;
    UPDATE contacts SET added_by=circle_id;
    CREATE TABLE reminder_sends (
        appointment_id BIGINT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
        user_id        BIGINT NOT NULL,
        remind_at      DOUBLE PRECISION NOT NULL,
        claimed_at     DOUBLE PRECISION,
        claimed_by     TEXT,
        sent_at        DOUBLE PRECISION,
        PRIMARY KEY (appointment_id, user_id)
    );
    CREATE INDEX reminder_sends_user ON reminder_sends(user_id);
    """,
    # 14: medicines and blood counts, the circle's. A medicine as the pharmacy label says
    # (name, dose and notes as typed; its schedule as JSON, bot.doses), with the next moment
    # a dose is due (the reminder job's one query) and a history of each change; a draft is
    # a medicine being added, kept so a restart loses nothing. Each scheduled dose becomes a
    # row when it comes due (given, skipped, or not marked), with every tap on it in
    # dose_events (Undo included); one reminder send per member per due minute, with the
    # message it became so a Given edits everyone's in place. Counts as the family typed
    # them, with the number read for the chart. Per member: medicine reminders on or off,
    # and worded discreetly.
    # Per circle: the minutes after which an unmarked dose is "not marked".
    """
    CREATE TABLE medicines (
        id          {id},
        circle_id   BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        name        TEXT NOT NULL DEFAULT '',
        dose        TEXT NOT NULL DEFAULT '',
        schedule    TEXT NOT NULL DEFAULT '',
        notes       TEXT NOT NULL DEFAULT '',
        status      TEXT NOT NULL,
        next_due_at DOUBLE PRECISION,
        created_at  DOUBLE PRECISION NOT NULL,
        added_by    BIGINT,
        changed_by  BIGINT,
        changed_at  DOUBLE PRECISION
    );
    CREATE INDEX medicines_circle ON medicines(circle_id, id);
    CREATE INDEX medicines_due ON medicines(next_due_at) WHERE next_due_at IS NOT NULL;
    CREATE TABLE medicine_changes (
        id          {id},
        medicine_id BIGINT NOT NULL REFERENCES medicines(id) ON DELETE CASCADE,
        circle_id   BIGINT NOT NULL,
        at          DOUBLE PRECISION NOT NULL,
        by_user     BIGINT,
        what        TEXT NOT NULL,
        dose        TEXT NOT NULL,
        schedule    TEXT NOT NULL,
        notes       TEXT NOT NULL
    );
    CREATE INDEX medicine_changes_medicine ON medicine_changes(medicine_id, id);
    CREATE TABLE doses (
        id          {id},
        circle_id   BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        medicine_id BIGINT NOT NULL REFERENCES medicines(id) ON DELETE CASCADE,
        due_at      DOUBLE PRECISION,
        day         TEXT NOT NULL,
        clock       TEXT NOT NULL,
        dose        TEXT NOT NULL,
        status      TEXT,
        marked_by   BIGINT,
        marked_at   DOUBLE PRECISION
    );
    CREATE UNIQUE INDEX doses_due ON doses(medicine_id, due_at);
    CREATE INDEX doses_circle ON doses(circle_id, due_at);
    CREATE TABLE dose_events (
        id        {id},
        dose_id   BIGINT NOT NULL REFERENCES doses(id) ON DELETE CASCADE,
        circle_id BIGINT NOT NULL,
        what      TEXT NOT NULL,
        by_user   BIGINT,
        at        DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX dose_events_dose ON dose_events(dose_id, id);
    CREATE TABLE dose_sends (
        circle_id  BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        due_at     DOUBLE PRECISION NOT NULL,
        user_id    BIGINT NOT NULL,
        claimed_at DOUBLE PRECISION,
        claimed_by TEXT,
        sent_at    DOUBLE PRECISION,
        message_id BIGINT,
        again_at   DOUBLE PRECISION,
        PRIMARY KEY (circle_id, due_at, user_id)
    );
    CREATE INDEX dose_sends_user ON dose_sends(user_id);
    CREATE INDEX dose_sends_again ON dose_sends(again_at) WHERE again_at IS NOT NULL;
    CREATE TABLE counts (
        id         {id},
        circle_id  BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        taken_on   TEXT NOT NULL,
        name       TEXT NOT NULL,
        value      TEXT NOT NULL,
        number     DOUBLE PRECISION NOT NULL,
        unit       TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        added_by   BIGINT
    );
    CREATE INDEX counts_circle ON counts(circle_id, name, taken_on);
    ALTER TABLE circles ADD COLUMN dose_window INTEGER NOT NULL DEFAULT 120;
    ALTER TABLE members ADD COLUMN discreet BOOLEAN NOT NULL DEFAULT FALSE;
    ALTER TABLE members ADD COLUMN dose_reminders BOOLEAN NOT NULL DEFAULT TRUE;
    """,
    # 15: day by day. The family's log (a temperature with where it was taken and the number
    # as typed, a symptom with its severity, a note, a photo as Telegram's file id; when it
    # happened, who logged it); the facts the emergency-department card carries, each as the
    # family wrote it with who and when; the treatment phase and the day it began; per
    # member, whether a red-flag entry by another member is told to them.
    """
    CREATE TABLE log_entries (
        id         {id},
        circle_id  BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        at         DOUBLE PRECISION NOT NULL,
        temp_c     DOUBLE PRECISION,
        temp_typed TEXT,
        site       TEXT,
        symptom    TEXT,
        severity   TEXT,
        note       TEXT NOT NULL DEFAULT '',
        photo      TEXT,
        added_by   BIGINT,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX log_entries_circle ON log_entries(circle_id, at);
    CREATE TABLE child_facts (
        circle_id  BIGINT NOT NULL REFERENCES circles(id) ON DELETE CASCADE,
        fact       TEXT NOT NULL,
        value      TEXT NOT NULL,
        changed_by BIGINT,
        changed_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (circle_id, fact)
    );
    ALTER TABLE circles ADD COLUMN phase TEXT;
    ALTER TABLE circles ADD COLUMN phase_since TEXT;
    ALTER TABLE members ADD COLUMN flag_notices BOOLEAN NOT NULL DEFAULT TRUE;
    """,
)

# Migration 13's first part, per driver: the child's tables keyed by circle, not by user.
_CHILD_TABLES = ("questions", "appointments", "contacts", "marks")
MIGRATION_13_POSTGRES = "".join(
    f"ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {t}_user_id_fkey; "
    f"ALTER TABLE {t} RENAME COLUMN user_id TO circle_id; "
    for t in _CHILD_TABLES
)
# SQLite: each table rebuilt without the link (the 12-step recipe of ALTER TABLE's manual),
# its AUTOINCREMENT counter carried over so a deleted item's id is never given again.
_SQLITE_TABLES = {
    "questions": (
        "id INTEGER PRIMARY KEY AUTOINCREMENT, circle_id INTEGER NOT NULL, guide_id TEXT, "
        "text TEXT NOT NULL, created_at REAL NOT NULL, asked_at REAL, answer TEXT, "
        "answered_at REAL, removed_at REAL",
        "id, {owner}, guide_id, text, created_at, asked_at, answer, answered_at, removed_at",
        "CREATE UNIQUE INDEX questions_guide ON questions(circle_id, guide_id) "
        "WHERE guide_id IS NOT NULL; CREATE INDEX questions_user ON questions(circle_id, id); "
        "CREATE INDEX questions_removed ON questions(removed_at) WHERE removed_at IS NOT NULL;",
    ),
    "appointments": (
        "id INTEGER PRIMARY KEY AUTOINCREMENT, circle_id INTEGER NOT NULL, starts_at REAL NOT NULL, "
        "place TEXT NOT NULL DEFAULT '', remind_at REAL NOT NULL, reminded_at REAL, "
        "created_at REAL NOT NULL, claimed_at DOUBLE PRECISION, claimed_by TEXT, "
        "removed_at DOUBLE PRECISION, note TEXT NOT NULL DEFAULT ''",
        "id, {owner}, starts_at, place, remind_at, reminded_at, created_at, claimed_at, "
        "claimed_by, removed_at, note",
        "CREATE INDEX appointments_user ON appointments(circle_id, starts_at); "
        "CREATE INDEX appointments_due ON appointments(remind_at) WHERE reminded_at IS NULL; "
        "CREATE INDEX appointments_removed ON appointments(removed_at) WHERE removed_at IS NOT NULL;",
    ),
    "contacts": (
        "id INTEGER PRIMARY KEY AUTOINCREMENT, circle_id INTEGER NOT NULL, "
        "label TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL, created_at REAL NOT NULL",
        "id, {owner}, label, phone, created_at",
        "CREATE INDEX contacts_user ON contacts(circle_id, id);",
    ),
    "marks": (
        "circle_id INTEGER NOT NULL, item_id TEXT NOT NULL, created_at REAL NOT NULL, "
        "PRIMARY KEY (circle_id, item_id)",
        "{owner}, item_id, created_at",
        "",
    ),
}


def _rebuilt(table: str, columns: str, copied: str, indexes: str) -> str:
    counter = (
        f"DELETE FROM sqlite_sequence WHERE name='{table}_13'; "
        f"INSERT INTO sqlite_sequence(name, seq) SELECT '{table}_13', seq FROM sqlite_sequence "
        f"WHERE name='{table}'; "
        if "AUTOINCREMENT" in columns
        else ""
    )
    return (
        f"CREATE TABLE {table}_13 ({columns}); "
        f"INSERT INTO {table}_13({copied.format(owner='circle_id')}) "
        f"SELECT {copied.format(owner='user_id')} FROM {table}; "
        f"{counter}DROP TABLE {table}; ALTER TABLE {table}_13 RENAME TO {table}; {indexes}"
    )


MIGRATION_13_SQLITE = " ".join(_rebuilt(t, *spec) for t, spec in _SQLITE_TABLES.items())
# The parts of a migration spelled per driver, run before its shared script.
BEFORE: dict[int, dict[str, str]] = {13: {"sqlite": MIGRATION_13_SQLITE, "postgres": MIGRATION_13_POSTGRES}}

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
            if number in BEFORE:
                await tx.script(BEFORE[number][driver.name])
            await tx.script(script)
            await tx.write(
                "INSERT INTO schema_migrations(version, applied_at) VALUES (:version, :now)",
                version=number,
                now=driver.clock(),
            )
    return LATEST
