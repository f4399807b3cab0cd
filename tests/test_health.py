"""The webhook server in this process: /healthz while the database answers and while it
does not, and a parent's taps while PostgreSQL restarts (calm answer, then back)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from bot.content import Content
from bot.offline import UpdateFactory
from bot.webhook import WebhookServer
from tests.fakeapi import FakeBotAPI, bot_env, bot_process, free_port, polling, stop
from tests.harness import Harness, make, make_settings
from tests.pgserver import PostgresServer
from tests.test_webhook import wait_listening

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
                for junk in (b"not json", b"[1]", b'{"update_id": "x"}'):
                    async with session.post(f"http://127.0.0.1:{port}/telegram", data=junk,
                                            headers={"X-Telegram-Bot-Api-Secret-Token":
                                                     SECRET}) as r:
                        assert r.status == 400, junk  # refused calmly, nothing handled
                assert bot.api.calls == [c for c in bot.api.calls if c.method != "sendMessage"]
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


def test_long_polling_serves_health_and_metrics_on_metrics_port(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "bot.log"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with FakeBotAPI() as fake:
        env = bot_env(fake, tmp_path / "bot.sqlite3", METRICS_PORT=str(port))
        with bot_process(env, log) as proc:
            fake.wait_for(polling(fake), proc=proc, what="the bot to poll")
            wait_listening(port)
            fake.add_updates(UpdateFactory(4001).text("/help"))
            fake.wait_for(lambda: bool(fake.calls("sendMessage")), proc=proc, what="a reply")
            with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                health = json.loads(r.read())
            with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                metrics = r.read().decode()
            with pytest.raises(urllib.error.HTTPError):  # nothing else is served there
                opener.open(f"http://127.0.0.1:{port}/telegram", timeout=5)
            assert stop(proc) == 0, log.read_text()
    assert health["ok"] is True and health["storage"] == "ok"
    assert health["seconds_since_last_update"] is not None
    assert 'bot_updates_total{kind="message"} 1.0' in metrics
    assert 'bot_api_calls_total{method="sendMessage",outcome="ok"} 1.0' in metrics
    assert 'bot_api_calls_total{method="getUpdates"' not in metrics  # PTB's own client
