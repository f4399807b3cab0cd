"""One schema, written once: databases of release 0.1 and 0.2 (both backends) migrate with
nothing lost and every id unchanged; a migration refuses to run beside an older process; a
release refuses a newer database; behaviours the two old copies disagreed on, pinned."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.content import Content
from bot.storage import (
    LimitReached,
    NoConsent,
    Prompt,
    Storage,
    StorageUnavailable,
    Store,
    open_storage,
    schema,
)
from bot.storage.postgres import APPLICATION
from tests.harness import Clock, Harness, make, make_settings, who
from tests.pgserver import PostgresServer

COMPAT = Path(__file__).parent / "compat"
EXPECTED = json.loads((COMPAT / "expected_release_0_2.json").read_text())
BASE = 1_780_000_000.0  # the fixtures' clock: their prompt and undo window are still open
USERS = (7, 8, 9)


def without_head(export: dict[str, Any]) -> dict[str, Any]:
    """An export as release 0.2 wrote it. New since: the head (format and schema); an
    appointment's note and removed_at (schema 12, empty on every migrated row); and the
    family (schema 13, format 3): the child's record and settings moved under `circle`, of
    which each migrated parent is the only, full member, who added every item; medicines,
    doses and blood counts (schema 14), the log and the card's facts (schema 15), empty."""
    assert export.pop("export_format") == 3
    assert export.pop("schema_version") == schema.LATEST
    circle = export.pop("circle", None)
    if not export.get("stored"):
        assert circle is None
        return export
    uid = export["user_id"]
    if circle is None:  # kept a language only: in no family, nothing of a child's
        export["settings"].update(time_zone=None, fever_number_c=None, fever_rule=None, treatment=None)
        return {**export, "appointments": [], "care_team_numbers": [], "checklist_marks": [], "questions": []}
    assert {k: circle.pop(k) for k in ("role", "name", "members", "whole_record", "notices")} == {
        "role": "full",
        "name": "",
        "members": 1,
        "whole_record": True,
        "notices": False,
    }
    assert circle.pop("joined_at") in (export["consent_at"], export["created_at"])
    child = circle.pop("child_settings")
    assert (child.pop("phase"), child.pop("phase_since")) == (None, None)  # schema 15
    export["settings"].update(
        time_zone=child["time_zone"],
        fever_number_c=child["fever_number_c"],
        fever_rule=child["fever_rule"],
        treatment=child["treatment"],
    )
    # Schema 14: medicines, doses and blood counts, none on a migrated record.
    assert {k: circle.pop(k) for k in ("medicines", "doses", "blood_counts", "log", "emergency_card")} == {
        "medicines": [],
        "doses": [],
        "blood_counts": [],
        "log": [],
        "emergency_card": {},
    }
    for kind in ("appointments", "care_team_numbers", "questions"):
        for item in circle[kind]:
            assert (item.pop("added_by"), item.pop("changed_by"), item.pop("changed_at")) == (uid, None, None)
    for appointment in circle["appointments"]:
        assert appointment.pop("created_at") > 0  # kept since 0.1, exported since schema 13
        assert appointment.pop("note") == ""
        assert appointment.pop("removed_at") is None
    export.update(circle)
    return export


async def load_postgres_0_2(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute((COMPAT / "postgres_release_0_2.sql").read_text())
        assert await conn.fetchval("SELECT MAX(version) FROM schema_version") == 6
    finally:
        await conn.close()


async def check_release_0_2(storage: Storage, backend: str) -> None:
    assert await storage.schema_version() == schema.LATEST
    assert await storage.integrity_check() == "ok"
    for uid in USERS:
        assert without_head(await storage.export_user(uid)) == EXPECTED[backend][str(uid)]
    # Every id as it was, so buttons in parents' chats still open the same rows.
    assert [q.id for q in await storage.questions.list(7)] == [1, 2, 3]
    assert [c.id for c in await storage.contacts.list(7)] == [1, 2]
    assert [a.id for a in await storage.appointments.upcoming(7, 0)] == [1, 2]
    assert [q.id for q in await storage.questions.list(8)] == [6]
    # Each parent is a family of one whose id is their user id.
    for uid in (7, 8):
        found = await storage.circles.member(uid)
        assert found is not None and (found.circle, found.role) == (uid, "full")
    # New rows number on from the old ones (never reusing an id a button may carry).
    await storage.users.give_consent(8)
    assert await storage.questions.add_own(who(8), "new", limit=200) == 7
    assert await storage.questions.undo_remove(who(7), 4, limit=200)  # within its undo window


async def test_a_release_0_2_sqlite_file_migrates_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(COMPAT / "sqlite_release_0_2.sqlite3", path)
    storage = open_storage(path, Clock(start=BASE + 100))
    await storage.open()
    try:
        await check_release_0_2(storage, "sqlite")
    finally:
        await storage.close()
    with sqlite3.connect(path) as db:  # the frozen chain's own mark is kept
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10
        assert db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] == schema.LATEST


async def test_a_release_0_2_postgres_database_migrates_with_nothing_lost(pg_server: PostgresServer) -> None:
    url = pg_server.create_database()
    await load_postgres_0_2(url)
    storage = open_storage("", Clock(start=BASE + 100), url)
    await storage.open()
    try:
        await check_release_0_2(storage, "postgres")
    finally:
        await storage.close()


async def test_old_buttons_open_the_migrated_rows(tmp_path: Path, catalog: dict[str, Content]) -> None:
    """A parent's open prompt and a question button of release 0.2, on the migrated file."""
    settings = make_settings(tmp_path)
    shutil.copy(COMPAT / "sqlite_release_0_2.sqlite3", settings.db_path)
    async with Harness(settings, catalog["en"], clock=Clock(start=BASE + 100)) as bot:
        await bot.send("Cuando tenga 5 años", 7)  # the prompt 0.2 left open answers question 1
        answered = await bot.storage.questions.get(7, 1)
        assert answered is not None and answered.answer == "Cuando tenga 5 años"
        await bot.send("/myquestions", 7)
        await bot.tap_data(make("mo", num=2), 7)  # "Open question 2" as 0.2 packed it
        assert "vacunas necesitan los hermanos" in bot.html(7)


def test_a_release_refuses_a_database_newer_than_itself(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"

    async def run() -> None:
        s = open_storage(path, time.time)
        await s.open()
        await s.close()
        with sqlite3.connect(path) as db:
            db.execute("INSERT INTO schema_migrations VALUES (?, 0)", (schema.LATEST + 1,))
        with pytest.raises(StorageUnavailable, match=r"^BOT_DB_PATH: .*newer than this release"):
            await open_storage(path, time.time).open()

    asyncio.run(run())


async def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    first = open_storage(tmp_path / "bot.sqlite3", time.time)
    await first.open()
    try:
        with pytest.raises(StorageUnavailable, match=r"^BOT_DB_PATH: another bot process"):
            await open_storage(tmp_path / "bot.sqlite3", time.time).open()
    finally:
        await first.close()
    again = open_storage(tmp_path / "bot.sqlite3", time.time)  # free once the first stops
    await again.open()
    await again.close()


async def test_a_migration_waits_for_older_replicas_to_stop(pg_server: PostgresServer) -> None:
    """A replica of an older release (its connections say schema 10) still uses the
    database: the new release stops with one line instead of changing the schema under it."""
    url = pg_server.create_database()
    await load_postgres_0_2(url)  # schema 10
    older = await asyncpg.connect(url, server_settings={"application_name": f"{APPLICATION}10"})
    try:
        with pytest.raises(
            StorageUnavailable,
            match=r"^DATABASE_URL: schema \d+ needs a migration, but bot "
            r"processes written for schema 10 still use the database",
        ):
            await open_storage("", time.time, url).open()
    finally:
        await older.close()
    for _ in range(50):  # the server drops the closed session a moment later
        storage = open_storage("", time.time, url)
        try:
            await storage.open()
            break
        except StorageUnavailable:
            await asyncio.sleep(0.1)
    try:
        assert await storage.schema_version() == schema.LATEST
        # A replica of this release beside it is no obstacle: nothing left to migrate.
        other = open_storage("", time.time, url)
        await other.open()
        await other.close()
    finally:
        await storage.close()


# ---- behaviours the two copies disagreed on, one now -----------------------------------------
@pytest.fixture
async def stores(tmp_path: Path, database_url: str | None) -> AsyncIterator[Callable[[], Store]]:
    opened: list[Store] = []

    def open_one() -> Store:
        s = open_storage(tmp_path / "db.sqlite3", time.time, database_url)
        opened.append(s)
        return s

    yield open_one
    for s in opened:
        await s.close()


@pytest.mark.every_backend
async def test_opening_a_prompt_is_one_guarded_write(stores: Callable[[], Store]) -> None:
    """Both: no consent, no row (NoConsent); a second prompt replaces the first."""
    s = stores()
    await s.open()
    with pytest.raises(NoConsent):
        await s.prompts.open(1, Prompt("answer", 1, "m:0", 0.0, 10.0))
    assert await s.prompts.get(1) is None
    assert (await s.export_user(1))["stored"] is False  # nor a users row
    await s.users.give_consent(1)
    await s.prompts.open(1, Prompt("answer", 1, "m:0", 0.0, 10.0))
    await s.prompts.open(1, Prompt("place", 2, "ao:2", 5.0, 15.0))
    assert await s.prompts.get(1) == Prompt("place", 2, "ao:2", 5.0, 15.0)


@pytest.mark.every_backend
async def test_saving_a_guide_question_at_the_limit(stores: Callable[[], Store]) -> None:
    """Both: saved already is False even with no room left; a removed one comes back with
    its answer when there is room, and LimitReached when there is none."""
    s = stores()
    await s.open()
    await s.users.give_consent(1)
    assert await s.questions.save_guide(who(1), "g1", "G1?", limit=2)
    (q,) = await s.questions.list(1)
    await s.questions.set_answer(who(1), q.id, "kept")
    await s.questions.add_own(who(1), "own", limit=2)
    assert await s.questions.save_guide(who(1), "g1", "G1?", limit=2) is False  # full, but saved
    with pytest.raises(LimitReached):
        await s.questions.save_guide(who(1), "g2", "G2?", limit=2)
    assert await s.questions.remove_guide(who(1), "g1")
    assert await s.questions.save_guide(who(1), "g2", "G2?", limit=2)
    with pytest.raises(LimitReached):  # g1 is removed and there is no room for it
        await s.questions.save_guide(who(1), "g1", "G1?", limit=2)
    await s.questions.remove_guide(who(1), "g2")
    assert await s.questions.save_guide(who(1), "g1", "G1?", limit=2)
    back = await s.questions.get(1, q.id)
    assert back is not None and back.answer == "kept" and back.removed_at is None
    with pytest.raises(NoConsent):
        await s.questions.save_guide(who(2), "g1", "G1?", limit=2)


@pytest.mark.every_backend
async def test_a_language_is_one_upsert_kept_without_consent(stores: Callable[[], Store]) -> None:
    """Both: one row, no consent needed; the next process reads it back (SQLite's copy in
    memory is loaded from the file)."""
    s = stores()
    await s.open()
    await s.users.set_language(4, "es")
    await s.users.set_language(4, "en")
    assert await s.users.language(4) == "en" and not await s.users.has_consent(4)
    assert await s.users.count() == 1
    await s.close()
    again = stores()
    await again.open()
    assert await again.users.language(4) == "en"


# ---- schema 12: an appointment's Undo window and its note -------------------------------------
async def test_a_release_0_2_appointment_takes_a_note_and_undo_after_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(COMPAT / "sqlite_release_0_2.sqlite3", path)
    storage = open_storage(path, Clock(start=BASE + 100))
    await storage.open()
    try:
        assert await storage.appointments.set_note(who(7), 2, "Bring the medicine bottle")
        assert await storage.appointments.remove(who(7), 2)
        assert [a.id for a in await storage.appointments.upcoming(7, 0)] == [1]
        assert await storage.appointments.undo_remove(who(7), 2, removed_after=BASE, after=0, limit=10)
        back = await storage.appointments.get(7, 2)
        assert back is not None and back.note == "Bring the medicine bottle" and back.place == "Day hospital"
    finally:
        await storage.close()
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(appointments)")}
        assert {"note", "removed_at"} <= columns


@pytest.mark.every_backend
async def test_a_deleted_appointment_waits_for_undo_then_is_erased(stores: Callable[[], Store]) -> None:
    """Both: a deleted appointment is not listed, not reminded, not counted toward the limit,
    comes back within the window (if there is room), and purge_removed erases it after."""
    s = stores()
    await s.open()
    await s.users.give_consent(1)
    first = await s.appointments.add(who(1), 5000.0, 4000.0, after=0, limit=2)
    second = await s.appointments.add(who(1), 6000.0, 4000.0, after=0, limit=2)
    with pytest.raises(LimitReached):
        await s.appointments.add(who(1), 7000.0, 4000.0, after=0, limit=2)
    assert await s.appointments.set_note(who(1), first, "Nothing to eat after midnight")
    assert await s.appointments.remove(who(1), first)
    assert not await s.appointments.remove(who(1), first)  # once
    removed_at = (await s.appointments.all_kept(1))[0].removed_at
    assert removed_at is not None
    assert [a.id for a in await s.appointments.upcoming(1, 0)] == [second]
    assert await s.appointments.get(1, first) is None
    assert not await s.appointments.set_place(who(1), first, "x")
    assert not await s.appointments.reschedule(who(1), first, 5500.0, 4500.0)
    assert [a.id for _, _, a in await s.appointments.claim_due(4500.0, lease=60, by="t")] == [second]
    third = await s.appointments.add(who(1), 7000.0, 4000.0, after=0, limit=2)  # room again
    with pytest.raises(LimitReached):  # no room to bring it back
        await s.appointments.undo_remove(who(1), first, removed_after=0, after=0, limit=2)
    await s.appointments.remove(who(1), third)
    assert not await s.appointments.undo_remove(
        who(2), first, removed_after=0, after=0, limit=2
    )  # not theirs
    assert not await s.appointments.undo_remove(who(1), first, removed_after=removed_at + 1, after=0, limit=2)
    assert await s.appointments.undo_remove(who(1), first, removed_after=removed_at, after=0, limit=2)
    back = await s.appointments.get(1, first)
    assert back is not None and back.note == "Nothing to eat after midnight" and back.removed_at is None
    assert await s.appointments.remove(who(1), first)
    assert await s.appointments.purge_removed(removed_at) == 0  # still in its window
    assert await s.appointments.purge_removed(time.time() + 1) == 2  # it, and the third
    assert [a.id for a in await s.appointments.all_kept(1)] == [second]
    assert not await s.appointments.undo_remove(who(1), first, removed_after=0, after=0, limit=2)
