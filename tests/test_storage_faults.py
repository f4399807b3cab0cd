"""The SQLite file when things go wrong around it (security audit M1, M2, L5, M3): owner-only
modes, a file deleted or replaced while the bot runs, a full disk, and a webhook update
posted twice. Each through the real Application; /healthz says what the parent is told."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.content import Content
from bot.storage import NotSaved, open_storage
from bot.webhook import StatusServer, WebhookServer
from tests.fakeapi import free_port
from tests.harness import ROOT, Harness, make, make_settings, sqlite_of, who

PARENT = 1001
SECRET = "s3cret_Token-for-tests"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_file_its_log_and_its_folder_are_the_owners_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: what the bot creates must not depend on it
    try:
        path = tmp_path / "data" / "bot.sqlite3"  # the folder does not exist yet
        s = open_storage(path, time.time)
        await s.open()
        await s.users.give_consent(1)
        await s.questions.add_own(who(1), "kept private", limit=10)
        for part in (path, path.with_name("bot.sqlite3-wal"), path.with_name("bot.sqlite3-shm")):
            assert mode(part) == 0o600, part.name
        assert mode(path.parent) == 0o700
        await s.close()

        # A file an older release left readable to everyone is tightened on the next start.
        older = tmp_path / "older.sqlite3"
        with sqlite3.connect(older) as db:
            db.execute("PRAGMA journal_mode=WAL")
        os.chmod(older, 0o644)
        s = open_storage(older, time.time)
        await s.open()
        await s.users.give_consent(1)
        assert mode(older) == 0o600 and mode(older.with_name("older.sqlite3-wal")) == 0o600
        await s.close()
    finally:
        os.umask(old)


def test_the_image_makes_its_data_folder_the_bot_users_alone() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "install -d -m 0700 -o bot -g bot /data" in dockerfile


@pytest.fixture
async def health(settings: Settings, content: Content) -> AsyncIterator[tuple[Harness, str]]:
    port = free_port()
    async with Harness(settings, content) as bot:
        server = StatusServer(bot.app, settings, port)
        await server.start()
        try:
            yield bot, f"http://127.0.0.1:{port}/healthz"
        finally:
            await server.stop()


async def get_health(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        return r.status, await r.json()


async def bookmark(bot: Harness, page: int) -> str:
    await bot.send("/start")
    await bot.tap_data(make("b", sid="diagnosis", part="", page=page, on=True))
    return str(bot.answers()[-1]["text"])


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_database_file_gone_while_running_refuses_writes_calmly(
    health: tuple[Harness, str], content: Content, how: str
) -> None:
    bot, url = health
    await bot.storage.users.give_consent(PARENT)
    assert await bookmark(bot, 0) == content.strings("bookmarks.added")
    path = sqlite_of(bot).path
    path.unlink()
    if how == "replaced":  # a restore copied over it, say: the open file is not that one
        path.write_bytes(b"")
    # Not "✅ saved" into a file nobody will read again: the parent hears it was not saved.
    assert await bookmark(bot, 1) == content.strings("errors.storage_trouble")
    assert bot.html().startswith(content.strings("errors.storage_trouble"))
    status, body = await get_health(url)
    assert status == 503
    assert body["storage"] == (
        "not saving: the database file is gone"
        if how == "deleted"
        else "not saving: the database file was replaced"
    )
    with pytest.raises(NotSaved):  # every write, not only bookmarks
        await bot.storage.marks.set(who(PARENT), "fever", True)


async def test_a_full_disk_says_not_saved_and_recovers(health: tuple[Harness, str], content: Content) -> None:
    bot, url = health
    await bot.storage.users.give_consent(PARENT)
    await bot.storage.users.give_consent(2)
    db = sqlite_of(bot).db
    (pages,) = await (await db.execute("PRAGMA page_count")).fetchone()  # type: ignore[misc]
    await db.execute(f"PRAGMA max_page_count={pages}")  # the disk is full from now on
    with pytest.raises(NotSaved):
        for page in range(10_000):  # another parent's bookmarks fill the last free room
            await bot.storage.bookmarks.add(2, "diagnosis", "", page)
    assert await bookmark(bot, 0) == content.strings("errors.storage_trouble")
    status, body = await get_health(url)
    assert (status, body["storage"]) == (503, "not saving: the disk is full")
    await db.execute("PRAGMA max_page_count=1073741823")  # room again
    assert await bookmark(bot, 0) == content.strings("bookmarks.added")
    status, body = await get_health(url)
    assert (status, body["storage"]) == (200, "ok")
    assert [b.page for b in await bot.storage.bookmarks.list(PARENT)] == [0]


async def test_an_update_posted_twice_runs_once_on_sqlite(tmp_path: Path, content: Content) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
    )
    async with Harness(settings, content) as bot, aiohttp.ClientSession() as session:
        web = WebhookServer(bot.app, settings)
        await web.start()
        try:
            update = bot.user(PARENT).text("/help")
            for _ in range(2):  # Telegram did not hear the first answer and posts it again
                async with session.post(
                    f"http://127.0.0.1:{port}/telegram",
                    data=json.dumps(update),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                ) as r:
                    assert r.status == 200
            assert len(bot.api.of("sendMessage")) == 1
        finally:
            await web.stop()
