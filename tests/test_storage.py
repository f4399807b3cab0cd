"""The repository on a real SQLite file: migrations, reopen, and every method keyed by user."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import MAX_QUESTIONS, MIGRATIONS, LimitReached, NoConsent, Repository


@pytest.fixture
async def repo(tmp_path: Path):
    r = Repository(tmp_path / "db.sqlite3")
    await r.open()
    yield r
    await r.close()


async def test_migrates_from_empty_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    r = Repository(path)
    await r.open()
    assert await r.schema_version() == len(MIGRATIONS)
    await r.give_consent(1)
    await r.add_bookmark(1, "diagnosis", "", 2)
    await r.close()
    again = Repository(path)
    await again.open()
    assert await again.schema_version() == len(MIGRATIONS)
    assert [b.page for b in await again.list_bookmarks(1)] == [2]
    assert await again.integrity_check() == "ok"
    await again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_writes_need_consent(repo: Repository) -> None:
    with pytest.raises(NoConsent):
        await repo.add_bookmark(5, "diagnosis", "", 0)
    with pytest.raises(NoConsent):
        await repo.set_mark(5, "fever", True)
    assert (await repo.export_user(5))["stored"] is False
    assert await repo.count_users() == 0


async def test_every_method_is_keyed_by_user(repo: Repository) -> None:
    for uid in (1, 2):
        await repo.give_consent(uid)
    await repo.add_bookmark(1, "diagnosis", "", 0)
    await repo.set_mark(1, "fever", True)
    qid = await repo.add_own_question(1, "Only mine?")
    await repo.save_guide_question(1, "what_type", "What type?")
    await repo.set_phone(1, "+1 555 0100")
    await repo.set_pending(1, "answer", qid)
    # User 2 sees nothing of user 1 and cannot change it through user 1's ids.
    assert await repo.list_bookmarks(2) == []
    assert await repo.marks(2) == {}
    assert await repo.list_questions(2) == []
    assert await repo.get_question(2, qid) is None
    assert await repo.get_phone(2) is None
    assert await repo.get_pending(2) is None
    assert not await repo.mark_asked(2, qid, True)
    assert not await repo.set_answer(2, qid, "hijack")
    assert not await repo.remove_question(2, qid)
    await repo.remove_bookmark(2, "diagnosis", "", 0)
    await repo.clear_marks(2)
    await repo.delete_user(2)
    assert len(await repo.list_bookmarks(1)) == 1
    assert set(await repo.marks(1)) == {"fever"}
    assert [q.text for q in await repo.list_questions(1)] == ["Only mine?", "What type?"]
    assert (await repo.get_pending(1)) is not None


async def test_marks_toggle_and_set_are_idempotent(repo: Repository) -> None:
    await repo.give_consent(1)
    await repo.set_mark(1, "fever", True)
    await repo.set_mark(1, "fever", False)
    assert await repo.marks(1) == {}
    await repo.set_mark(1, "pale", True)
    await repo.set_mark(1, "pale", True)
    assert set(await repo.marks(1)) == {"pale"}
    assert await repo.clear_marks(1) == 1


async def test_questions_lifecycle_and_undo(repo: Repository) -> None:
    await repo.give_consent(1)
    assert await repo.save_guide_question(1, "q1", "Guide question?")
    assert not await repo.save_guide_question(1, "q1", "Guide question?")  # double tap
    own = await repo.add_own_question(1, "<b>mine</b> & 🙂")
    assert await repo.mark_asked(1, own, True)
    assert await repo.set_answer(1, own, "An answer")
    q = await repo.get_question(1, own)
    assert q is not None and q.answer == "An answer" and q.asked_at is not None
    assert await repo.remove_question(1, own)
    assert [x.guide_id for x in await repo.list_questions(1)] == ["q1"]
    assert await repo.undo_remove(1, own)
    assert [x.text for x in await repo.list_questions(1)][-1] == "<b>mine</b> & 🙂"
    first = (await repo.list_questions(1))[0]
    assert first.guide_id == "q1" and await repo.remove_question(1, first.id)
    assert await repo.saved_guide_ids(1) == set()


async def test_question_limit(repo: Repository) -> None:
    await repo.give_consent(1)
    for i in range(MAX_QUESTIONS):
        await repo.add_own_question(1, f"q{i}")
    with pytest.raises(LimitReached):
        await repo.add_own_question(1, "one too many")
    with pytest.raises(LimitReached):
        await repo.save_guide_question(1, "g", "guide")
    assert await repo.count_questions(1) == MAX_QUESTIONS


async def test_removed_questions_are_erased_after_the_undo_window(tmp_path: Path) -> None:
    now = [1000.0]
    r = Repository(tmp_path / "db.sqlite3", clock=lambda: now[0])
    await r.open()
    await r.give_consent(1)
    qid = await r.add_own_question(1, "temporary")
    await r.remove_question(1, qid)
    now[0] += 3600
    await r.add_own_question(1, "next")  # any write purges expired removals
    assert await r.get_question(1, qid) is None
    assert not await r.undo_remove(1, qid)
    await r.close()


async def test_delete_user_erases_rows_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    r = Repository(path)
    await r.open()
    await r.give_consent(1)
    await r.give_consent(2)
    secret = "ZEBRA-QUOKKA-7731 question text"
    await r.add_own_question(1, secret)
    await r.add_own_question(2, "kept")
    await r.delete_user(1)
    assert (await r.export_user(1))["stored"] is False
    assert (await r.export_user(2))["stored"] is True
    await r.close()
    for file in tmp_path.iterdir():
        assert secret.encode() not in file.read_bytes(), file.name


async def test_failed_write_rolls_back(repo: Repository) -> None:
    await repo.give_consent(1)
    with pytest.raises(LimitReached):
        async with repo._tx() as db:
            await db.execute("INSERT INTO marks(user_id, item_id, created_at) VALUES (1, 'x', 0)")
            raise LimitReached(1)
    assert await repo.marks(1) == {}
    await repo.set_mark(1, "fever", True)  # the connection is usable afterwards
    assert set(await repo.marks(1)) == {"fever"}
