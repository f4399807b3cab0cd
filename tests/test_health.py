"""The webhook server in this process: /healthz (only ok or not, outside) and
/healthz/details (why, for loopback only) while the database answers and while it does not,
and a parent's taps while PostgreSQL restarts (calm answer, then back)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from aiohttp.web import HTTPNotFound

from bot.content import Content
from bot.offline import UpdateFactory
from bot.webhook import StatusServer, WebhookServer
from tests.fakeapi import FakeBotAPI, bot_env, bot_process, free_port, polling, stop
from tests.harness import Harness, make, make_settings, sqlite_of
from tests.pgserver import PostgresServer
from tests.test_webhook import wait_listening

SECRET = "s3cret_Token-for-tests"
PARENT = 1001


async def post(session: aiohttp.ClientSession, port: int, update: dict[str, object]) -> int:
    async with session.post(
        f"http://127.0.0.1:{port}/telegram",
        data=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    ) as response:
        return response.status


async def get_health(
    session: aiohttp.ClientSession, port: int, path: str = "/healthz"
) -> tuple[int, dict[str, object]]:
    async with session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.json()


async def test_health_follows_the_database_and_taps_survive_a_restart(
    tmp_path: Path, content: Content
) -> None:
    port = free_port()
    with PostgresServer() as server:
        settings = make_settings(
            tmp_path,
            DATABASE_URL=server.create_database(),
            WEBHOOK_URL="https://bot.example.org/telegram",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_PORT=str(port),
        )
        async with Harness(settings, content) as bot, aiohttp.ClientSession() as session:
            web = WebhookServer(bot.app, settings)
            await web.start()
            try:
                assert await get_health(session, port) == (200, {"ok": True})
                assert await get_health(session, port, "/healthz/details") == (
                    200,
                    {"ok": True, "storage": "ok", "seconds_since_last_update": None},
                )
                for junk in (b"not json", b"[1]", b'{"update_id": "x"}'):
                    async with session.post(
                        f"http://127.0.0.1:{port}/telegram",
                        data=junk,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    ) as r:
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
                # Outside: only that the bot is not healthy; why, on the loopback route.
                assert await get_health(session, port) == (503, {"ok": False})
                status, body = await get_health(session, port, "/healthz/details")
                assert status == 503 and body["storage"] == "unreachable"
                assert body["seconds_since_last_update"] is not None
                other = make("b", sid="treatment", part="overview", page=0, on=True)
                failed = parent.tap(menu, other)
                status = await post(session, port, failed)
                # Not saved: the error handler tells the parent calmly, and the update is
                # answered 200 (PTB hands a handler's error to the error handler, so it
                # never reaches the webhook): Telegram does not post it again.
                assert bot.answers()[-1]["text"] == content.strings("errors.generic")
                assert status == 200

                server.resume()  # back on the same port: the pool reconnects
                for _ in range(50):
                    if (await get_health(session, port))[0] == 200:
                        break
                    await asyncio.sleep(0.1)
                # It ran without the chat lock, and was not recorded as handled.
                assert not await bot.storage.coordination.was_handled(failed["update_id"])
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


async def test_the_details_are_served_to_loopback_only(tmp_path: Path, content: Content) -> None:
    """The webhook port is the one the proxy exposes: /healthz/details answers only a
    request straight from this host; the internal status port (long polling) says
    everything on /healthz as well."""
    port = free_port()
    settings = make_settings(
        tmp_path,
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
    )
    async with Harness(settings, content) as bot:
        web = WebhookServer(bot.app, settings)
        inside = StatusServer(bot.app, settings, free_port())
        for remote in ("127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"):
            request = make_mocked_request("GET", "/healthz/details").clone(remote=remote)
            assert (await web.health_details(request)).status == 200, remote
        for remote in ("203.0.113.9", "10.0.0.2", "::ffff:10.0.0.2", "2001:db8::1", ""):
            request = make_mocked_request("GET", "/healthz/details").clone(remote=remote)
            with pytest.raises(HTTPNotFound):
                await web.health_details(request)
            assert (await inside.health_details(request)).status == 200
            inside_health = await inside.health(request)
            assert inside_health.text is not None and '"storage": "ok"' in inside_health.text
        # A proxy on this host connects from loopback too: its header gives it away.
        for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
            request = make_mocked_request("GET", "/healthz/details", headers={header: "203.0.113.9"})
            with pytest.raises(HTTPNotFound):
                await web.health_details(request.clone(remote="127.0.0.1"))


async def test_not_saving_is_said_on_the_details_route(tmp_path: Path, content: Content) -> None:
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
            await bot.storage.users.give_consent(PARENT)
            sqlite_of(bot).path.unlink()  # reachable, but a write would not be kept
            assert await get_health(session, port) == (503, {"ok": False})
            status, body = await get_health(session, port, "/healthz/details")
            assert (status, body["storage"]) == (503, "not saving: the database file is gone")
            async with session.get(
                f"http://127.0.0.1:{port}/healthz/details", headers={"X-Forwarded-For": "203.0.113.9"}
            ) as r:
                assert r.status == 404
        finally:
            await web.stop()
