"""Write the release-0.2 storage fixtures: databases filled by the storage code of commit
25d8d2e (SQLite at PRAGMA user_version 10, PostgreSQL at schema_version 6), which a newer
storage layer must migrate with nothing lost and every id unchanged.

Not a test (no `test_` prefix): run it against a checkout of that commit, so that `bot` and
`tests.pgserver` are imported from the old code, never from this working tree:

    git worktree add ../old-0.2 25d8d2e      # from the repository's root
    (cd ../old-0.2 && PYTHONPATH=. ../$(basename $PWD)/.venv/bin/python \\
        ../$(basename $PWD)/tests/compat/make_fixtures.py)
    git worktree remove --force ../old-0.2

It writes, next to itself (or into the directory given as the only argument):
- sqlite_release_0_2.sqlite3: the SQLite file (closed cleanly, VACUUMed, no -wal/-shm);
- postgres_release_0_2.sql: `pg_dump --inserts --no-owner --no-privileges --no-comments` of
  the PostgreSQL database, cleaned so that asyncpg's `await conn.execute(text)` loads it into
  an empty database (psql meta-commands such as `\\restrict` removed; the
  `set_config('search_path', '', false)` line removed when it would leave the connection
  unable to run unqualified queries, which is tested on every run);
- expected_release_0_2.json: what the old code's `export_user` reads back for users 7, 8
  and 9 from each fixture ("sqlite", "postgres"), the ids of every row, the schema versions,
  the row counts and the id sequences.

Deterministic: a fixed clock (CLOCK_BASE, +1.0 a call), reset to CLOCK_BASE after the
storage is opened (PostgreSQL's migrations read the clock for schema_version.applied_at,
SQLite's do not), so both backends hold the same times. Both get the same data:
- user 7 (consented, every setting, 3 bookmarks, 2 checklist marks, 4 questions: answered,
  asked, from the guide, removed within the undo window; 2 care-team numbers;
  2 appointments, one already reminded; an open "answer" prompt on the first question);
- user 8 (consented; one bookmark; urgent button off, reminders off; one question, whose
  first one was erased (removed, then purged) so the question ids have a gap);
- user 9 (a language only, no consent).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMMIT = "25d8d2e"
CLOCK_BASE = 1_780_000_000.0
DAY = 86_400.0
USERS = (7, 8, 9)
SQLITE_FILE = "sqlite_release_0_2.sqlite3"
POSTGRES_FILE = "postgres_release_0_2.sql"
EXPECTED_FILE = "expected_release_0_2.json"
SQLITE_VERSION = 10  # PRAGMA user_version the release's SQLite migrations end at
POSTGRES_VERSION = 6  # MAX(version) in schema_version the release's migrations end at
SEARCH_PATH_LINE = "SELECT pg_catalog.set_config('search_path', '', false);"
TABLES = ("users", "bookmarks", "marks", "questions", "prompts", "contacts", "appointments")

# The limits the release's handlers pass (handlers/questions.py, privacy.py, appointments.py).
MAX_QUESTIONS = 200
MAX_CONTACTS = 5
MAX_AHEAD = 10


class Clock:
    """CLOCK_BASE, then one second later on every call."""

    def __init__(self) -> None:
        self.now = CLOCK_BASE

    def reset(self) -> None:
        self.now = CLOCK_BASE

    def __call__(self) -> float:
        now = self.now
        self.now += 1.0
        return now


@dataclass
class Old:
    """The release's modules, imported by name so that type checkers of a newer tree never
    resolve them against its own `bot` package."""

    sqlite: Any
    postgres: Any
    interface: Any
    pgserver: Any
    where: str


def old_code() -> Old:
    sqlite_mod = importlib.import_module("bot.storage.sqlite")
    postgres_mod = importlib.import_module("bot.storage.postgres")
    interface = importlib.import_module("bot.storage.interface")
    pgserver = importlib.import_module("tests.pgserver")
    where = str(Path(str(sqlite_mod.__file__)).resolve().parents[2])
    if Path(where) == Path(__file__).resolve().parents[2]:
        sys.exit(
            f"bot.storage comes from {where}, this working tree: run this against a "
            f"checkout of {COMMIT} (see the docstring)"
        )
    if (len(sqlite_mod.MIGRATIONS), len(postgres_mod.MIGRATIONS)) != (SQLITE_VERSION, POSTGRES_VERSION):
        sys.exit(
            f"{where} is not release {COMMIT}: it has {len(sqlite_mod.MIGRATIONS)} SQLite "
            f"and {len(postgres_mod.MIGRATIONS)} PostgreSQL migrations"
        )
    return Old(sqlite_mod, postgres_mod, interface, pgserver, where)


# ---- the data -------------------------------------------------------------------------------


async def fill(storage: Any, clock: Clock, prompt_type: Any) -> dict[str, Any]:
    """The same calls on either backend; the ids each call returned, per user."""
    users = storage.users
    await users.give_consent(7)
    await users.give_consent(8)

    # User 7: every setting.
    await users.set_language(7, "es")
    await users.set_timezone(7, "Europe/Madrid")
    await users.set_skip_gates(7, True)
    await users.set_fever_c(7, 38.3)
    await users.set_fever_rule(7, "38.0 twice an hour apart")
    await users.set_treatment(7, "treated")
    await users.set_emergency(7, "es", "112")
    await users.set_urgent_button(7, True)
    await users.set_reminders_off(7, False)

    bookmarks7 = [("treatment", "chemotherapy", 2), ("diagnosis", "", 1), ("coping", "", 0)]
    for section_id, part_id, page in bookmarks7:
        await storage.bookmarks.add(7, section_id, part_id, page)
    marks7 = ["fever", "infections"]
    for item_id in marks7:
        await storage.marks.set(7, item_id, True)

    q = storage.questions
    answered = await q.add_own(
        7, "¿Cuándo podrá volver al colegio? ¿Y a la piscina 'cubierta'?", limit=MAX_QUESTIONS
    )
    await q.set_answer(7, answered, "Cuando los neutrófilos suban.\nPreguntar otra vez en dos semanas.")
    asked = await q.add_own(7, "¿Qué vacunas necesitan los hermanos?", limit=MAX_QUESTIONS)
    await q.mark_asked(7, asked, True)
    await q.save_guide(7, "leukemia_type", "¿Qué tipo de leucemia tiene mi hijo?", limit=MAX_QUESTIONS)
    guide = next(s.id for s in await q.list(7) if s.guide_id == "leukemia_type")
    removed = await q.add_own(7, "Pregunta que se quitó (todavía se puede deshacer)", limit=MAX_QUESTIONS)

    contacts7 = [
        await storage.contacts.add(7, "Ward, nights", "+34 600 000 001", limit=MAX_CONTACTS),
        await storage.contacts.add(7, "", "+34 600 000 002", limit=MAX_CONTACTS),
    ]

    soon = CLOCK_BASE + DAY
    later = CLOCK_BASE + 14 * DAY
    reminded = await storage.appointments.add(7, soon, soon - DAY, after=CLOCK_BASE, limit=MAX_AHEAD)
    hospital = await storage.appointments.add(7, later, later - DAY, after=CLOCK_BASE, limit=MAX_AHEAD)
    await storage.appointments.set_place(7, hospital, "Day hospital")
    await storage.appointments.mark_reminded(7, reminded, clock())

    # User 8: one of everything a little; its first question erased for a gap in the ids.
    erased = await q.add_own(8, "First question of user 8 (erased)", limit=MAX_QUESTIONS)
    await storage.bookmarks.add(8, "follow_up", "", 0)
    await users.set_urgent_button(8, False)
    await users.set_reminders_off(8, True)
    await q.remove(8, erased)
    purged = await q.purge_removed(clock())  # before user 7's removal below: only this one
    assert purged == 1, purged
    kept8 = await q.add_own(8, "¿Hace falta repetir la analítica antes de la consulta?", limit=MAX_QUESTIONS)

    # User 7's removal (within the undo window at the fixture's clock), then an open prompt.
    await q.remove(7, removed)
    opened = clock()
    await storage.prompts.open(
        7,
        prompt_type(
            kind="answer", ref=answered, origin=f"mo:{answered}", opened_at=opened, expires_at=opened + 1800.0
        ),
    )

    # User 9: a language, nothing else (kept without the consent to saving).
    await users.set_language(9, "en")

    return {
        "7": {
            "questions": {"answered": answered, "asked": asked, "guide": guide, "removed": removed},
            "contacts": contacts7,
            "appointments": {"reminded": reminded, "day_hospital": hospital},
            "prompt_ref": answered,
        },
        "8": {"questions": {"erased": erased, "kept": kept8}},
        "9": {},
    }


async def exports(storage: Any) -> dict[str, Any]:
    return {str(u): await storage.export_user(u) for u in USERS}


# ---- SQLite ---------------------------------------------------------------------------------


async def fill_sqlite(old: Old, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    clock = Clock()
    storage = old.sqlite.SqliteStorage(path, clock)
    await storage.open()
    clock.reset()
    try:
        ids = await fill(storage, clock, old.interface.Prompt)
        return ids, await exports(storage)
    finally:
        await storage.close()


async def read_sqlite(old: Old, path: Path) -> tuple[int, dict[str, Any]]:
    storage = old.sqlite.SqliteStorage(path, Clock())
    await storage.open()
    try:
        return await storage.schema_version(), await exports(storage)
    finally:
        await storage.close()


def sidecars(path: Path) -> list[str]:
    return [
        p.name for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()
    ]


def sqlite_facts(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path, isolation_level=None) as db:
        facts = {
            "user_version": db.execute("PRAGMA user_version").fetchone()[0],
            "journal_mode": db.execute("PRAGMA journal_mode").fetchone()[0],
            "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
            "row_counts": {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES},
            "sequences": dict(db.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name")),
            "bookmark_rowids": [
                list(r)
                for r in db.execute(
                    "SELECT rowid, user_id, section_id, part_id, page FROM bookmarks ORDER BY rowid"
                )
            ],
        }
    db.close()
    return facts


def make_sqlite(old: Old, out: Path, work: Path) -> dict[str, Any]:
    built = work / SQLITE_FILE
    ids, before = asyncio.run(fill_sqlite(old, built))
    left = sidecars(built)
    assert not left, f"the closed storage left {left}"
    rowids_before = sqlite_facts(built)["bookmark_rowids"]
    db = sqlite3.connect(built, isolation_level=None)
    db.execute("VACUUM")
    db.close()
    assert not sidecars(built), sidecars(built)
    target = out / SQLITE_FILE
    for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(built, target)
    header = target.read_bytes()[:100]
    # Bytes 18 and 19: file format write/read version, 2 for WAL (persistent in the file).
    header_wal = header[18] == 2 and header[19] == 2

    # Read back (on copies, so the fixture itself is never opened for writing).
    probe = work / "probe.sqlite3"
    shutil.copyfile(target, probe)
    facts = sqlite_facts(probe)
    facts["bookmark_rowids_before_vacuum"] = rowids_before
    facts["header_says_wal"] = header_wal
    reread = work / "reread.sqlite3"
    shutil.copyfile(target, reread)
    version, after = asyncio.run(read_sqlite(old, reread))
    assert version == SQLITE_VERSION == facts["user_version"], (version, facts["user_version"])
    assert after == before, "the VACUUMed file reads back differently"
    assert not sidecars(target), sidecars(target)
    facts["size"] = target.stat().st_size
    return {"ids": ids, "export": after, "facts": facts}


# ---- PostgreSQL -----------------------------------------------------------------------------


async def fill_postgres(old: Old, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    clock = Clock()
    storage = old.postgres.PostgresStorage(url, clock)
    await storage.open()
    clock.reset()
    try:
        ids = await fill(storage, clock, old.interface.Prompt)
        return ids, await exports(storage)
    finally:
        await storage.close()


async def read_postgres(old: Old, url: str) -> tuple[int, dict[str, Any]]:
    storage = old.postgres.PostgresStorage(url, Clock())
    await storage.open()
    try:
        return await storage.schema_version(), await exports(storage)
    finally:
        await storage.close()


async def pg_facts(url: str) -> dict[str, Any]:
    asyncpg = importlib.import_module("asyncpg")
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY tablename"
            )
        ]
        contents = {
            t: sorted(r[0] for r in await conn.fetch(f"SELECT row_to_json(x)::text FROM {t} x"))
            for t in tables
        }
        sequences = {
            r["sequencename"]: r["last_value"]
            for r in await conn.fetch(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public' "
                "ORDER BY sequencename"
            )
        }
        return {
            "schema_version": await conn.fetchval("SELECT max(version) FROM schema_version"),
            "row_counts": {t: len(rows) for t, rows in contents.items()},
            "contents": contents,
            "sequences": sequences,
        }
    finally:
        await conn.close()


async def load_dump(url: str, text: str) -> str | None:
    """Load the dump the way a test would (one simple-query execute), then run unqualified
    queries on the same connection; None if that all worked, else the error."""
    asyncpg = importlib.import_module("asyncpg")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(text)
        await conn.fetchval("SELECT max(version) FROM schema_version")
        await conn.fetchval("SELECT COUNT(*) FROM users")
        return None
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"
    finally:
        await conn.close()


def pg_dump(server: Any, url: str) -> str:
    name = url.rsplit("/", 1)[1]
    done = subprocess.run(
        [
            str(server.bin / "pg_dump"),
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            name,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


def make_postgres(old: Old, out: Path) -> dict[str, Any]:
    with old.pgserver.PostgresServer() as server:
        url = server.create_database("release")
        ids, export = asyncio.run(fill_postgres(old, url))
        source = asyncio.run(pg_facts(url))
        assert source["schema_version"] == POSTGRES_VERSION, source["schema_version"]
        raw = pg_dump(server, url)

        lines = raw.splitlines()
        meta = [line.split(" ", 1)[0] for line in lines if line.startswith("\\")]
        text = "\n".join(line for line in lines if not line.startswith("\\")) + "\n"
        with_search_path = asyncio.run(load_dump(server.create_database("probe"), text))
        removed_search_path = False
        if with_search_path is not None:
            text = "\n".join(line for line in text.splitlines() if line != SEARCH_PATH_LINE) + "\n"
            removed_search_path = True
        loaded_url = server.create_database("loaded")
        error = asyncio.run(load_dump(loaded_url, text))
        assert error is None, error
        loaded = asyncio.run(pg_facts(loaded_url))
        assert loaded["schema_version"] == POSTGRES_VERSION, loaded["schema_version"]
        assert loaded["row_counts"] == source["row_counts"], (loaded["row_counts"], source["row_counts"])
        assert loaded["contents"] == source["contents"], "the reloaded dump holds other rows"
        assert loaded["sequences"] == source["sequences"], (loaded["sequences"], source["sequences"])
        version, reread = asyncio.run(read_postgres(old, loaded_url))
        assert version == POSTGRES_VERSION, version
        assert reread == export, "the reloaded dump reads back differently"

    target = out / POSTGRES_FILE
    target.write_text(text, encoding="utf-8")
    return {
        "ids": ids,
        "export": reread,
        "facts": {
            "schema_version": loaded["schema_version"],
            "row_counts": loaded["row_counts"],
            "sequences": loaded["sequences"],
            "size": target.stat().st_size,
            "meta_commands_removed": meta,
            "search_path_line_broke_unqualified_queries": with_search_path,
            "search_path_line_removed": removed_search_path,
        },
    }


# ---- both -----------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    out = Path(argv[1]).resolve() if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    old = old_code()
    print(f"release storage from {old.where}")
    with tempfile.TemporaryDirectory(prefix="fixtures-") as work:
        lite = make_sqlite(old, out, Path(work))
    pg = make_postgres(old, out)
    assert lite["ids"] == pg["ids"], (lite["ids"], pg["ids"])

    expected = {
        "written_by": f"bot/storage at commit {COMMIT} (release 0.2), tests/compat/make_fixtures.py",
        "clock": {
            "base": CLOCK_BASE,
            "step": 1.0,
            "note": "reset to base after open(); every time in the data is on this clock",
        },
        "schema": {
            "sqlite_user_version": lite["facts"]["user_version"],
            "postgres_schema_version": pg["facts"]["schema_version"],
        },
        "row_counts": {
            "sqlite": lite["facts"]["row_counts"],
            "postgres": {t: pg["facts"]["row_counts"][t] for t in sorted(pg["facts"]["row_counts"])},
        },
        "sequences": {"sqlite": lite["facts"]["sequences"], "postgres": pg["facts"]["sequences"]},
        "ids": {"sqlite": lite["ids"], "postgres": pg["ids"]},
        "same_export_for_both_backends": lite["export"] == pg["export"],
        "sqlite": lite["export"],
        "postgres": pg["export"],
    }
    (out / EXPECTED_FILE).write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    summary = {
        "sqlite": {k: v for k, v in lite["facts"].items()},
        "postgres": pg["facts"],
        "same_export_for_both_backends": expected["same_export_for_both_backends"],
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
