"""The webhook server against hostile or slow clients, and updates that take long (security
audit L1-L4 and M3): the real Application behind the real aiohttp server on 127.0.0.1, fed
over sockets; on SQLite, and two replicas on one PostgreSQL database for the re-post."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.content import Content
from bot.context import services_of
from bot.webhook import SECRET_HEADER, WebhookServer
from tests.fakeapi import free_port
from tests.harness import Harness, make_settings
from tests.pgserver import PostgresServer

SECRET = "s3cret_Token-for-tests"
PARENT = 1001
STRANGER = 5002


class Hook:
    def __init__(self, bot: Harness, server: WebhookServer, port: int):
        self.bot = bot
        self.server = server
        self.port = port
        self.url = f"http://127.0.0.1:{port}/telegram"

    async def post(
        self, session: aiohttp.ClientSession, body: bytes | dict[str, Any], secret: str = SECRET
    ) -> int:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with session.post(self.url, data=data, headers={SECRET_HEADER: secret}) as r:
            return r.status


@pytest.fixture
async def hook(tmp_path: Path, content: Content) -> AsyncIterator[Hook]:
    port = free_port()
    settings = make_settings(
        tmp_path,
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PORT=str(port),
    )
    async with Harness(settings, content) as bot:
        server = WebhookServer(bot.app, settings)
        server.read_timeout = 1.0
        server.answer_within = 0.5
        await server.start()
        try:
            yield Hook(bot, server, port)
        finally:
            await server.stop()


async def exchange(
    port: int, chunks: list[bytes], pause: float = 0.0, within: float = 6.0
) -> tuple[bytes, float]:
    """Send `chunks` (`pause` seconds apart) on a raw connection, then read until the
    server closes it; what came back and how long after the first byte it closed.
    Fails if the server still holds the connection `within` seconds after the start."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    received = b""

    async def feed() -> None:
        for chunk in chunks:
            if writer.is_closing():
                return
            writer.write(chunk)
            try:
                await writer.drain()
            except ConnectionError:
                return
            await asyncio.sleep(pause)

    sender = asyncio.create_task(feed())
    try:
        while True:
            left = within - (time.monotonic() - started)
            try:
                data = await asyncio.wait_for(reader.read(65536), max(left, 0.01))
            except TimeoutError:
                raise AssertionError(
                    f"the connection was still open after {within} s; received {received!r}"
                ) from None
            except ConnectionError:
                data = b""
            if not data:
                return received, time.monotonic() - started
            received += data
    finally:
        sender.cancel()
        writer.close()


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def sent(bot: Harness) -> list[str]:
    """What the bot said or answered to anyone (not its start-up calls)."""
    return [c.method for c in bot.api.calls if "chat_id" in c.params or "callback_query_id" in c.params]


# ---- L1: read timeouts ---------------------------------------------------------------------


async def test_a_client_sending_its_headers_slowly_is_cut_off(hook: Hook) -> None:
    head = b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200 + b"\r\n"
    # One byte every 0.1 s: the connection is never idle, the headers never end.
    _, after = await exchange(hook.port, [bytes([b]) for b in head], pause=0.1)
    assert 0.8 < after < 3.0


async def test_a_client_sending_its_body_slowly_is_cut_off(hook: Hook) -> None:
    head = (
        f"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\n{SECRET_HEADER}: {SECRET}\r\n"
        "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    ).encode()
    body = [b"{"] + [b" "] * 400  # one byte every 0.1 s: 40 s for the whole body
    received, after = await exchange(hook.port, [head, *body], pause=0.1)
    assert after < 3.5
    assert status_of(received) == 408
    assert not sent(hook.bot)  # nothing was handled


async def test_an_idle_connection_is_closed(hook: Hook) -> None:
    _, after = await exchange(hook.port, [])
    assert 0.8 < after < 3.0


# ---- L2: the secret header as bytes ------------------------------------------------------


@pytest.mark.parametrize(
    "given", [b"\xff\xfe\xfd", "s3cret_Tøken".encode(), SECRET.encode() + b"\xff", b"\xc3"]
)
async def test_a_secret_that_is_not_ascii_or_not_utf8_is_refused(hook: Hook, given: bytes) -> None:
    body = json.dumps(hook.bot.user(PARENT).text("/start")).encode()
    request = (
        b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + SECRET_HEADER.encode()
        + b": "
        + given
        + b"\r\n"
        + b"Content-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    received, _ = await exchange(hook.port, [request])
    assert status_of(received) == 403
    assert not sent(hook.bot)


async def test_the_secret_given_twice_is_refused(hook: Hook) -> None:
    body = json.dumps(hook.bot.user(PARENT).text("/start")).encode()
    request = (
        b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + (SECRET_HEADER + ": " + SECRET + "\r\n").encode() * 2
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    received, _ = await exchange(hook.port, [request])
    assert status_of(received) == 403


# ---- L3: bodies that are not updates -----------------------------------------------------


def nested_replies(depth: int) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": 1, "date": 0, "chat": {"id": PARENT, "type": "private"}}
    for _ in range(depth):
        message = {
            "message_id": 1,
            "date": 0,
            "chat": {"id": PARENT, "type": "private"},
            "from": {"id": PARENT, "is_bot": False, "first_name": "P"},
            "text": "/start",
            "reply_to_message": message,
        }
    return {"update_id": 77, "message": message}


CHAT = {"id": PARENT, "type": "private"}
HOSTILE: list[bytes | dict[str, Any]] = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"update_id": 1, "x": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
    nested_replies(300),  # json takes it; PTB's objects (or a handler) would recurse on it
    b'{"update_id": 1' + b"9" * 5000 + b"}",  # an int Python refuses to parse
    {"update_id": True},
    {"update_id": 1, "message": "x"},
    {"update_id": 1, "message": []},
    {"update_id": 1, "message": {"chat": 5}},
    {"update_id": 1, "message": {"message_id": 1, "date": "soon", "chat": CHAT}},
    {"update_id": 1, "message": {"message_id": 1, "date": 10**30, "chat": CHAT}},
    {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": CHAT, "entities": 5}},
    {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": CHAT, "photo": {"a": 1}}},
    {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": "1001", "type": "private"}}},
    {"update_id": 1, "callback_query": {"from": "x"}},
    {"update_id": 1, "callback_query": []},
]


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_json_is_refused_400(hook: Hook, body: bytes | dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as session:
        assert await hook.post(session, body) == 400
        assert not sent(hook.bot)
        # The server is still fine afterwards.
        assert await hook.post(session, hook.bot.user(PARENT).text("/help")) == 200
    assert hook.bot.api.of("sendMessage")


# ---- L4: a private chat is its sender's ---------------------------------------------------


async def test_a_private_chat_that_is_not_the_senders_is_refused_quietly(
    hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    bot = hook.bot
    await bot.storage.users.give_consent(PARENT)
    stranger = bot.user(STRANGER)
    forged = stranger.text("please read me what you stored")
    forged["message"]["chat"] = {"id": PARENT, "type": "private", "first_name": "P"}
    edited = stranger.text("/mydata")
    edited["edited_message"] = edited.pop("message")
    edited["edited_message"]["chat"] = {"id": PARENT, "type": "private"}
    no_sender = bot.user(PARENT).text("/mydata")
    del no_sender["message"]["from"]
    parents_message = {
        "message_id": 3,
        "date": 0,
        "text": "menu",
        "chat": {"id": PARENT, "type": "private", "first_name": "P"},
        "from": {"id": 42, "is_bot": True, "first_name": "Bot"},
    }
    tap = stranger.tap(parents_message, "h")
    caplog.set_level(logging.INFO, logger="bot.webhook")
    async with aiohttp.ClientSession() as session:
        for update in (forged, edited, no_sender, tap):
            # 200: Telegram must not post it again; nothing was run.
            assert await hook.post(session, update) == 200
        assert sent(bot) == []
        assert not await bot.storage.coordination.was_handled(forged["update_id"])
        refused = [r for r in caplog.records if "private chat" in r.getMessage()]
        assert len(refused) == 4
        assert all("read me" not in r.getMessage() and "mydata" not in r.getMessage() for r in caplog.records)

        # The sender's own chat, and a group (whose id is never a member's), run as usual.
        assert await hook.post(session, bot.user(PARENT).text("/help")) == 200
        group = stranger.text("/start")
        group["message"]["chat"] = {"id": -100123, "type": "group", "title": "G"}
        assert await hook.post(session, group) == 200
        own_tap = bot.user(PARENT).tap(bot.api.chat_messages(PARENT)[-1], "h")
        assert await hook.post(session, own_tap) == 200
    chats = {int(c.params["chat_id"]) for c in bot.api.of("sendMessage")}
    assert chats == {PARENT, -100123}
    assert bot.api.of("answerCallbackQuery")


# ---- M3: a long update answers Telegram early, and still runs once, in its chat's order ---


class Slow:
    """A test-only first handler: an update whose text is "slow" takes `seconds`."""

    def __init__(self, hook: Hook, seconds: float):
        self.seconds = seconds
        self.runs: list[tuple[int, float, float | None]] = []  # update_id, started, ended
        self.order: list[int] = []
        hook.bot.app.add_handler(TypeHandler(Update, self.handle), group=-1000)

    async def handle(self, update: Update, context: object) -> None:
        self.order.append(update.update_id)
        message = update.effective_message
        if message is None or message.text != "slow":
            return
        self.runs.append((update.update_id, time.monotonic(), None))
        await asyncio.sleep(self.seconds)
        self.runs[-1] = (update.update_id, self.runs[-1][1], time.monotonic())

    @property
    def finished(self) -> bool:
        return bool(self.runs) and all(ended is not None for _, _, ended in self.runs)


async def timed_post(hook: Hook, session: aiohttp.ClientSession, update: dict[str, Any]) -> tuple[int, float]:
    """The status, and when it came."""
    status = await hook.post(session, update)
    return status, time.monotonic()


async def test_a_long_update_is_answered_early_runs_once_and_keeps_its_chats_order(hook: Hook) -> None:
    bot = hook.bot
    slow = Slow(hook, seconds=2.5)
    parent = bot.user(PARENT)
    long_one = parent.text("slow")
    coordination = bot.storage.coordination
    metrics = services_of(bot.app).metrics
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        status = await hook.post(session, long_one)
        answered = time.monotonic() - started
        # Answered within the limit (0.5 s) while the update still runs...
        assert status == 200 and answered < 1.5, answered
        assert len(slow.runs) == 1 and not slow.finished
        # ...and recorded as handled by then, so a re-post of it is skipped.
        assert await coordination.was_handled(long_one["update_id"])

        # Telegram's re-post of it, and the chat's next update, while it still runs: both
        # wait for the chat's turn (the next one is not answered before it runs, so the
        # chat's later updates cannot overtake it).
        repost = asyncio.create_task(timed_post(hook, session, long_one))
        await asyncio.sleep(0.05)
        next_one = parent.text("/help")
        after = asyncio.create_task(timed_post(hook, session, next_one))
        (repost_status, _), (after_status, after_at) = await asyncio.gather(repost, after)
        assert slow.finished
        ((_, _, ended),) = slow.runs  # it ran once
        assert ended is not None
        assert repost_status == 200 and after_status == 200
        assert after_at > ended  # its turn came after the long one
        assert b"bot_updates_duplicate_total 1.0" in metrics.render()
        # The chat's updates ran in their order; the re-post was never run.
        assert slow.order == [long_one["update_id"], next_one["update_id"]]
    # Both replies go out (the next update waited past its own limit, so it was answered as
    # soon as it ran: a stop finishes it).
    await hook.server.stop()
    assert len(bot.api.of("sendMessage")) == 2


async def test_a_repost_to_another_replica_waits_for_the_chat_lock_and_is_skipped(
    tmp_path: Path, content: Content, pg_server: PostgresServer
) -> None:
    """Two replicas on one PostgreSQL database: the long update runs on the first (answered
    early), Telegram's re-post of it and the chat's next update go to the second, whose
    chat lock (an advisory lock) waits for the first's."""
    url = pg_server.create_database()
    hooks = []
    async with AsyncExitStack() as stack:
        for n in range(2):
            port = free_port()
            settings = make_settings(
                tmp_path / str(n),
                DATABASE_URL=url,
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_URL="https://bot.example.org/telegram",
                WEBHOOK_PORT=str(port),
            )
            bot = await stack.enter_async_context(Harness(settings, content))
            server = WebhookServer(bot.app, settings, answer_within=0.5)
            await server.start()
            stack.push_async_callback(server.stop)
            hooks.append(Hook(bot, server, port))
        first, second = hooks
        slow = [Slow(hook, seconds=2.5) for hook in hooks]
        parent = first.bot.user(PARENT)
        long_one, next_one = parent.text("slow"), parent.text("/help")
        session = await stack.enter_async_context(aiohttp.ClientSession())
        started = time.monotonic()
        assert await first.post(session, long_one) == 200
        assert time.monotonic() - started < 1.5
        repost = asyncio.create_task(timed_post(second, session, long_one))
        await asyncio.sleep(0.05)
        after = asyncio.create_task(timed_post(second, session, next_one))
        (repost_status, _), (after_status, after_at) = await asyncio.gather(repost, after)
        assert (repost_status, after_status) == (200, 200)
        ((_, _, ended),) = slow[0].runs
        assert ended is not None and after_at > ended
        assert slow[1].runs == []  # the re-post never ran
        assert slow[1].order == [next_one["update_id"]]
        assert b"bot_updates_duplicate_total 1.0" in services_of(second.bot.app).metrics.render()
        # The next update waited past its own limit, so it was answered as soon as it ran;
        # a stop finishes it.
        for hook in hooks:
            await hook.server.stop()
        assert len(first.bot.api.of("sendMessage")) == len(second.bot.api.of("sendMessage")) == 1


async def test_a_quick_update_is_recorded_only_once_handled(hook: Hook) -> None:
    bot = hook.bot
    seen: list[bool] = []
    update = bot.user(PARENT).text("/help")

    async def peek(_: Update, __: object) -> None:
        seen.append(await bot.storage.coordination.was_handled(update["update_id"]))

    bot.app.add_handler(TypeHandler(Update, peek), group=-1000)
    async with aiohttp.ClientSession() as session:
        assert await hook.post(session, update) == 200
    assert seen == [False]
    assert await bot.storage.coordination.was_handled(update["update_id"])


async def test_stopping_finishes_an_update_answered_early(hook: Hook) -> None:
    slow = Slow(hook, seconds=1.5)
    async with aiohttp.ClientSession() as session:
        assert await hook.post(session, hook.bot.user(PARENT).text("slow")) == 200
    assert not slow.finished
    await hook.server.stop()
    assert slow.finished
    assert hook.bot.api.of("sendMessage")  # its reply went out before the stop returned
