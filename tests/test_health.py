"""The webhook server in this process: /healthz while the database answers and while it
does not, and a parent's taps while PostgreSQL restarts (calm answer, then back)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from bot.content import Content
from bot.webhook import WebhookServer
from tests.fakeapi import free_port
from tests.harness import Harness, make, make_settings
from tests.pgserver import PostgresServer

SECRET = "s3cret_Token-for-tests"
PARENT = 1001


async def post(session: aiohttp.ClientSession, port: int, update: dict[str, object]) -> int:
    async with session.post(f"http://127.0.0.1:{port}/telegram", data=json.dumps(update),
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        return response.status


async def test_health_follows_the_database_and_taps_survive_a_restart(
        tmp_path: Path, content: Content) -> None:
    port = free_port()
    with PostgresServer() as server:
        settings = make_settings(tmp_path, DATABASE_URL=server.create_database(),
                                 WEBHOOK_URL="https://bot.example.org/telegram",
                                 WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=str(port))
        async with Harness(settings, content) as bot, aiohttp.ClientSession() as session:
            web = WebhookServer(bot.app, settings)
            await web.start()
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    assert r.status == 200
                    assert await r.json() == {"ok": True, "storage": "ok",
                                              "seconds_since_last_update": None}
                parent = bot.user(PARENT)
                await bot.storage.users.give_consent(PARENT)
                assert await post(session, port, parent.text("/start")) == 200
                menu = bot.last_message()
                page = make("b", sid="diagnosis", part="", page=0, on=True)
                assert await post(session, port, parent.tap(menu, page)) == 200
                assert bot.answers()[-1]["text"] == content.strings("bookmarks.added")

                server.stop()  # the database goes away
                async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                    body = await r.json()
                    assert r.status == 503 and body["storage"] == "unreachable"
                    assert body["seconds_since_last_update"] is not None
                other = make("b", sid="treatment", part="overview", page=0, on=True)
                status = await post(session, port, parent.tap(menu, other))
                # Not saved: the parent is told calmly, and Telegram will post it again.
                assert bot.answers()[-1]["text"] == content.strings("errors.generic")
                assert status in (200, 500)

                server.resume()  # back on the same port: the pool reconnects
                for _ in range(50):
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                        if r.status == 200:
                            break
                    await asyncio.sleep(0.1)
                assert await post(session, port, parent.tap(menu, other)) == 200
                assert bot.answers()[-1]["text"] == content.strings("bookmarks.added")
                saved = {b.section_id for b in await bot.storage.bookmarks.list(PARENT)}
                assert saved == {"diagnosis", "treatment"}  # nothing confirmed was lost
                async with session.get(f"http://127.0.0.1:{port}/metrics") as r:
                    metrics = await r.text()
                assert 'bot_updates_total{kind="callback_query"} 3.0' in metrics
            finally:
                await web.stop()
