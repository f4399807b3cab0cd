"""Storage on a real SQLite file and a real PostgreSQL database (every test marked for both
runs on both): migrations, reopen, and every repository keyed by user."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast

import pytest

from bot.storage import LimitReached, NoConsent, Prompt, Storage, Store, open_storage, schema
from bot.storage.sqlite import FROZEN
from tests.harness import Clock, who

pytestmark = pytest.mark.every_backend
LIMIT = 200
Opener = Callable[..., Awaitable[Storage]]


@pytest.fixture
async def new_store(tmp_path: Path, database_url: str | None) -> AsyncIterator[Opener]:
    """Opens the backend under test (the same file or database each time); closes them all."""
    opened: list[Storage] = []

    async def open_one(clock: Callable[[], float] = time.time) -> Storage:
        s = open_storage(tmp_path / "db.sqlite3", clock, database_url)
        await s.open()
        opened.append(s)
        return s

    yield open_one
    for s in opened:
        await s.close()


@pytest.fixture
async def store(new_store: Opener) -> Storage:
    return await new_store()


def prompt(kind: str = "answer", ref: int | None = None, now: float = 0.0) -> Prompt:
    return Prompt(kind=kind, ref=ref, origin="m:0", opened_at=now, expires_at=now + 1800)


async def test_migrates_from_empty_and_reopens(new_store: Opener) -> None:
    s = await new_store()
    version = await s.schema_version()
    assert version >= 1
    await s.users.give_consent(1)
    await s.bookmarks.add(1, "diagnosis", "", 2)
    await s.close()
    again = await new_store()  # migrations already applied: nothing runs twice
    assert await again.schema_version() == version
    assert [b.page for b in await again.bookmarks.list(1)] == [2]
    assert await again.integrity_check() == "ok"


@pytest.mark.sqlite_only
async def test_sqlite_file_is_in_wal_mode_at_the_last_migration(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    s = open_storage(path, time.time)
    await s.open()
    assert await s.schema_version() == schema.LATEST
    await s.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.sqlite_only
async def test_release_0_1_database_migrates_with_its_waiting_prompt(tmp_path: Path) -> None:
    """A file written by release 0.1 (schema 1, waiting state in users) opens, keeps every
    row, and its waiting-for-text state becomes a prompt expiring 30 minutes after it began."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(FROZEN[0])
        db.execute("INSERT INTO users VALUES (7, 1.0, 2.0, '+1 555', 'answer', 3, 1000.0)")
        db.execute("INSERT INTO questions(id, user_id, text, created_at) VALUES (3, 7, 'Q?', 5)")
        db.execute("PRAGMA user_version=1")
    s = open_storage(path, time.time)
    await s.open()
    try:
        assert await s.schema_version() == schema.LATEST
        (contact,) = await s.contacts.list(7)  # the one number of 0.1, unnamed
        assert (contact.label, contact.phone) == ("", "+1 555")
        assert [q.text for q in await s.questions.list(7)] == ["Q?"]
        assert await s.prompts.get(7) == Prompt("answer", 3, "mo:3", 1000.0, 2800.0)
        with sqlite3.connect(path) as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(users)")}
        assert "pending" not in columns and "care_phone" not in columns
    finally:
        await s.close()


async def test_writes_need_consent(store: Storage) -> None:
    with pytest.raises(NoConsent):
        await store.bookmarks.add(5, "diagnosis", "", 0)
    with pytest.raises(NoConsent):
        await store.marks.set(who(5), "fever", True)
    with pytest.raises(NoConsent):
        await store.questions.add_own(who(5), "q", limit=LIMIT)
    with pytest.raises(NoConsent):
        await store.questions.save_guide(who(5), "g", "q", limit=LIMIT)
    with pytest.raises(NoConsent):
        await store.prompts.open(5, prompt())
    with pytest.raises(NoConsent):
        await store.contacts.add(who(5), "Ward", "123", limit=5)
    with pytest.raises(NoConsent):
        await store.users.set_skip_gates(5, True)
    assert (await store.export_user(5))["stored"] is False
    assert await store.users.count() == 0


async def test_every_method_is_keyed_by_user(store: Storage) -> None:
    for uid in (1, 2):
        await store.users.give_consent(uid)
    await store.bookmarks.add(1, "diagnosis", "", 0)
    await store.marks.set(who(1), "fever", True)
    qid = await store.questions.add_own(who(1), "Only mine?", limit=LIMIT)
    await store.questions.save_guide(who(1), "what_type", "What type?", limit=LIMIT)
    contact = await store.contacts.add(who(1), "Ward", "+1 555 0100", limit=5)
    await store.prompts.open(1, prompt("answer", qid))
    # User 2 sees nothing of user 1 and cannot change it through user 1's ids.
    assert await store.bookmarks.list(2) == []
    assert await store.marks.all(2) == {}
    assert await store.questions.list(2) == []
    assert await store.questions.get(2, qid) is None
    assert await store.contacts.list(2) == []
    assert await store.contacts.get(2, contact) is None
    assert not await store.contacts.set_label(who(2), contact, "hijack")
    assert not await store.contacts.set_phone(who(2), contact, "000")
    assert not await store.contacts.remove(who(2), contact)
    assert await store.prompts.get(2) is None
    assert not await store.questions.mark_asked(who(2), qid, True)
    assert not await store.questions.set_answer(who(2), qid, "hijack")
    assert not await store.questions.remove(who(2), qid)
    assert not await store.questions.remove_guide(who(2), "what_type")
    assert not await store.questions.undo_remove(who(2), qid, limit=LIMIT)
    assert not await store.prompts.close(2)
    await store.bookmarks.remove(2, "diagnosis", "", 0)
    await store.marks.clear(who(2))
    await store.delete_user(2)
    assert len(await store.bookmarks.list(1)) == 1
    assert set(await store.marks.all(1)) == {"fever"}
    assert [q.text for q in await store.questions.list(1)] == ["Only mine?", "What type?"]
    assert (await store.prompts.get(1)) is not None


async def test_marks_set_is_idempotent(store: Storage) -> None:
    await store.users.give_consent(1)
    await store.marks.set(who(1), "fever", True)
    await store.marks.set(who(1), "fever", False)
    assert await store.marks.all(1) == {}
    await store.marks.set(who(1), "pale", True)
    await store.marks.set(who(1), "pale", True)
    assert set(await store.marks.all(1)) == {"pale"}
    assert await store.marks.clear(who(1)) == 1


async def test_questions_lifecycle_and_undo(store: Storage) -> None:
    q = store.questions
    await store.users.give_consent(1)
    assert await q.save_guide(who(1), "q1", "Guide question?", limit=LIMIT)
    assert not await q.save_guide(who(1), "q1", "Guide question?", limit=LIMIT)  # double tap
    own = await q.add_own(who(1), "<b>mine</b> & 🙂", limit=LIMIT)
    assert await q.mark_asked(who(1), own, True)
    assert await q.set_answer(who(1), own, "An answer")
    saved = await q.get(1, own)
    assert saved is not None and saved.answer == "An answer" and saved.asked_at is not None
    assert await q.remove(who(1), own)
    assert [x.guide_id for x in await q.list(1)] == ["q1"]
    assert await q.undo_remove(who(1), own, limit=LIMIT)
    assert [x.text for x in await q.list(1)][-1] == "<b>mine</b> & 🙂"
    assert await q.remove_guide(who(1), "q1")
    assert await q.saved_guide_ids(1) == set()
    # Saved again within the window: the same row comes back.
    assert await q.save_guide(who(1), "q1", "Guide question?", limit=LIMIT)
    assert await q.saved_guide_ids(1) == {"q1"}


async def test_question_limit_is_the_callers(store: Storage) -> None:
    q = store.questions
    await store.users.give_consent(1)
    for i in range(3):
        await q.add_own(who(1), f"q{i}", limit=3)
    with pytest.raises(LimitReached):
        await q.add_own(who(1), "one too many", limit=3)
    with pytest.raises(LimitReached):
        await q.save_guide(who(1), "g", "guide", limit=3)
    assert await q.count(1) == 3
    await q.add_own(who(1), "a larger limit lets it in", limit=4)
    assert await q.count(1) == 4


async def test_purge_erases_only_removals_older_than_the_window(new_store: Opener) -> None:
    clock = Clock(start=1000.0)
    s = await new_store(clock)
    for uid in (1, 2):
        await s.users.give_consent(uid)
    old = await s.questions.add_own(who(1), "removed long ago", limit=LIMIT)
    other = await s.questions.add_own(who(2), "another parent's removal", limit=LIMIT)
    await s.questions.remove(who(1), old)
    await s.questions.remove(who(2), other)
    clock.advance(600)
    recent = await s.questions.add_own(who(1), "removed just now", limit=LIMIT)
    await s.questions.remove(who(1), recent)
    kept = await s.questions.add_own(who(1), "still saved", limit=LIMIT)
    assert await s.questions.purge_removed(clock() - 300) == 2
    assert await s.questions.get(1, old) is None
    assert await s.questions.get(2, other) is None
    assert await s.questions.get(1, recent) is not None
    assert await s.questions.get(1, kept) is not None
    assert not await s.questions.undo_remove(who(1), old, limit=LIMIT)


async def test_prompts_open_replace_and_close(store: Storage) -> None:
    await store.users.give_consent(1)
    await store.prompts.open(1, prompt("question"))
    await store.prompts.open(1, prompt("answer", 4, now=10.0))  # one prompt at a time
    assert await store.prompts.get(1) == Prompt("answer", 4, "m:0", 10.0, 1810.0)
    assert await store.prompts.close(1)
    assert not await store.prompts.close(1)
    assert await store.prompts.get(1) is None


@pytest.mark.sqlite_only
async def test_delete_user_erases_rows_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    s = open_storage(path, time.time)
    await s.open()
    await s.users.give_consent(1)
    await s.users.give_consent(2)
    secret = "ZEBRA-QUOKKA-7731 question text"
    await s.questions.add_own(who(1), secret, limit=LIMIT)
    await s.prompts.open(1, prompt())
    await s.questions.add_own(who(2), "kept", limit=LIMIT)
    await s.delete_user(1)
    assert (await s.export_user(1))["stored"] is False
    assert await s.prompts.get(1) is None
    assert (await s.export_user(2))["stored"] is True
    await s.close()
    for file in tmp_path.iterdir():
        assert secret.encode() not in file.read_bytes(), file.name


async def test_failed_write_rolls_back(store: Storage) -> None:
    await store.users.give_consent(1)
    with pytest.raises(LimitReached):
        async with cast(Store, store).driver.transaction() as tx:
            await tx.write("INSERT INTO marks(circle_id, item_id, created_at) VALUES (1, 'x', 0)")
            raise LimitReached(1)
    assert await store.marks.all(1) == {}
    await store.marks.set(who(1), "fever", True)  # the connection is usable afterwards
    assert set(await store.marks.all(1)) == {"fever"}


async def test_a_prompt_opened_before_a_restart_is_still_closed_by_the_next_tap(new_store: Opener) -> None:
    """The SQLite backend remembers who has a prompt (so taps of everyone else cost no
    trip); after a restart it reads that back from the file. PostgreSQL always asks."""
    s = await new_store()
    await s.users.give_consent(1)
    await s.prompts.open(1, prompt())
    await s.close()
    again = await new_store()
    assert not await again.prompts.close(2)
    assert await again.prompts.close(1)
    assert await again.prompts.get(1) is None


async def test_erased_user_is_not_readable_back_by_any_query(store: Storage) -> None:
    await store.users.give_consent(1)
    await store.users.set_language(1, "es")
    await store.questions.add_own(who(1), "Secret question", limit=LIMIT)
    await store.bookmarks.add(1, "diagnosis", "", 0)
    await store.contacts.add(who(1), "Ward", "+1 555", limit=5)
    await store.appointments.add(who(1), 2e9, 2e9 - 3600, after=0, limit=10)
    await store.delete_user(1)
    assert (await store.export_user(1))["stored"] is False
    assert await store.users.language(1) is None
    assert not await store.users.has_consent(1)
    assert await store.questions.list(1) == []
    assert await store.appointments.claim_due(3e9, lease=60, by="t") == []
    assert await store.users.count() == 0


async def test_language_kept_without_consent_and_appointments_due_once(store: Storage) -> None:
    await store.users.set_language(3, "es")
    assert await store.users.language(3) == "es"
    assert not await store.users.has_consent(3)
    await store.users.give_consent(3)
    assert await store.users.language(3) == "es"  # consent keeps the row's language
    first = await store.appointments.add(who(3), 1000.0, 500.0, after=0, limit=10)
    await store.appointments.add(who(3), 5000.0, 4000.0, after=0, limit=10)
    ((uid, circle, due),) = await store.appointments.claim_due(600.0, lease=60, by="a")
    assert (uid, circle, due.id) == (3, 3, first)
    assert await store.appointments.claim_due(601.0, lease=60, by="b") == []  # leased to a
    assert await store.appointments.mark_sent(3, due, 600.0)
    assert not await store.appointments.mark_sent(3, due, 601.0)
    assert await store.appointments.claim_due(4500.0, lease=60, by="a") != []
    # One whose appointment has begun is never sent (its round is closed).
    late = await store.appointments.add(who(3), 7000.0, 6000.0, after=0, limit=10)
    assert await store.appointments.claim_due(7001.0, lease=60, by="a") == []
    assert (await store.appointments.get(3, late)).reminded_at == 7001.0  # type: ignore[union-attr]
    await store.appointments.add(who(3), 9000.0, 8000.0, after=0, limit=10)
    await store.users.set_reminders_off(3, True)
    assert await store.appointments.claim_due(8500.0, lease=60, by="a") == []


async def test_contacts_limit_order_and_changes(store: Storage) -> None:
    c = store.contacts
    await store.users.give_consent(1)
    ids = [await c.add(who(1), f"Line {n}", f"0{n}0 000", limit=3) for n in range(3)]
    with pytest.raises(LimitReached):
        await c.add(who(1), "One too many", "999", limit=3)
    assert await c.set_label(who(1), ids[1], "Ward, nights")
    assert await c.set_phone(who(1), ids[1], "0161 000")
    assert await c.remove(who(1), ids[0])
    assert [(x.label, x.phone) for x in await c.list(1)] == [
        ("Ward, nights", "0161 000"),
        ("Line 2", "020 000"),
    ]
    assert (await store.export_user(1))["circle"]["care_team_numbers"][0]["label"] == "Ward, nights"
    await store.delete_user(1)
    assert await c.list(1) == []
