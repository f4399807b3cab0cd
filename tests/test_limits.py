"""Rate limits by class of call: new messages are held under Telegram's limits (overall, per
chat, per group); edits and tap answers go out at once, so a tap never waits behind another
chat's held message; a 429 pauses only what it limits; a held message lends its slot."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.config import Settings
from bot.content import Content
from bot.limits import NEW_MESSAGES, NewMessageRateLimiter, chat_of, is_group
from bot.offline import ApiError, Call
from tests.harness import Harness, make, make_settings


async def test_a_tap_is_not_held_behind_another_chats_new_message(settings: Settings,
                                                                 content: Content) -> None:
    # One new message per second across chats: the second /start has to wait its turn.
    async with Harness(settings, content, overall_rate=1) as bot:
        assert isinstance(bot.app.bot.rate_limiter, NewMessageRateLimiter)
        await bot.send("/start", 2001)
        await bot.send("/start", 2002)  # within the same second: held for about a second
        menu = bot.last_message(2002)
        held = asyncio.ensure_future(bot.send("/start", 2003))
        await asyncio.sleep(0)  # let it reach the limiter
        before = len(bot.api.of("sendMessage"))
        # Meanwhile a third parent taps "Read the guide" on their menu: edited and answered
        # while the other chat's new message is still waiting.
        await bot.tap_data(make("c"), 2002, message=menu)
        assert not held.done()
        assert len(bot.api.of("sendMessage")) == before
        assert bot.api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
        await held
        assert len(bot.api.of("sendMessage")) == before + 1


def test_only_new_messages_are_held() -> None:
    assert {"sendMessage", "sendDocument", "copyMessage"} <= NEW_MESSAGES
    assert not {"editMessageText", "answerCallbackQuery", "setMyCommands"} & NEW_MESSAGES


# ---- Telegram's limits by class of call and by chat ------------------------------------------
A, B = 3001, 3002
GROUP = -100123


# PTB's own RetryAfter constructor reads its deprecated int `retry_after`; not our code.
PTB_RETRY_AFTER = pytest.mark.filterwarnings("ignore:.*retry_after.*")


class RateLimitOnce:
    """A fault hook: Telegram answers 429 (retry after 1 s) to the first `method` call for
    `chat`, and nothing else fails."""

    def __init__(self, method: str, chat: int) -> None:
        self.method, self.chat, self.refused = method, chat, False

    def __call__(self, method: str, params: dict[str, Any]) -> ApiError | None:
        if self.refused or method != self.method or int(params.get("chat_id", 0)) != self.chat:
            return None
        self.refused = True
        return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})


def calls(bot: Harness, method: str, chat: int) -> list[Call]:
    return [c for c in bot.api.of(method) if int(c.params["chat_id"]) == chat]


async def until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_which_calls_and_chats_are_limited() -> None:
    assert chat_of({"chat_id": "42"}) == 42 and chat_of({"chat_id": "@news"}) == "@news"
    assert chat_of({"text": "no chat"}) is None
    assert is_group(GROUP) and is_group("@news") and not is_group(A)


async def test_one_chat_gets_a_short_burst_then_one_message_a_second(
        settings: Settings, content: Content) -> None:
    async with Harness(settings, content, overall_rate=30) as bot:
        for _ in range(5):
            await bot.send("/start", A)
        sent = [c.at for c in calls(bot, "sendMessage", A)]
        assert len(sent) == 5
        assert sent[2] - sent[0] < 0.5  # three at once
        assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(sent[2:]))
        # Another chat is not held by A's pace.
        await bot.send("/start", B)
        assert calls(bot, "sendMessage", B)[0].at - sent[-1] < 0.5


async def test_a_group_gets_twenty_a_minute_on_top_of_the_chat_pace(
        settings: Settings, content: Content) -> None:
    async with Harness(settings, content, overall_rate=30) as bot:
        for i in range(6):
            await bot.app.bot.send_message(chat_id=GROUP, text=f"notice {i}")
        sent = [c.at for c in calls(bot, "sendMessage", GROUP)]
        assert sent[2] - sent[0] < 0.5  # the chat's burst of three
        assert sent[3] - sent[2] >= 0.9 and sent[4] - sent[3] >= 0.9  # one a second
        # The group's bucket of 5 drains one every 4 s: the sixth waits past the 3 s the
        # chat's pace alone would give.
        assert sent[5] - sent[0] >= 3.5
        # Edits in the group are not held.
        before = time.monotonic()
        await bot.app.bot.edit_message_text(chat_id=GROUP, message_id=1, text="corrected")
        assert calls(bot, "editMessageText", GROUP)[0].at - before < 0.5


@PTB_RETRY_AFTER
async def test_a_429_on_one_chats_message_pauses_only_that_chat(
        settings: Settings, content: Content, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.limits")
    async with Harness(settings, content, overall_rate=30) as bot:
        await bot.send("/start", B)
        menu = bot.last_message(B)
        bot.api.fault = limit = RateLimitOnce("sendMessage", A)
        held = asyncio.ensure_future(bot.send("/start", A))
        await until(lambda: limit.refused)
        # Meanwhile chat B taps (answer and edit) and gets a new message: none of it waits.
        await bot.tap_data(make("c"), B, message=menu)
        await bot.send("/help", B)
        assert not held.done()
        await held
        refused, retried = calls(bot, "sendMessage", A)
        assert retried.at - refused.at >= 1.0  # retry_after honoured for chat A
        for method in ("answerCallbackQuery", "editMessageText"):
            assert bot.api.last(method).at < retried.at
        assert calls(bot, "sendMessage", B)[-1].at < retried.at
    assert "429 on sendMessage: retrying after 1.1 s" in caplog.messages


@PTB_RETRY_AFTER
async def test_a_429_on_an_edit_is_retried_after_retry_after(
        settings: Settings, content: Content) -> None:
    async with Harness(settings, content, overall_rate=30) as bot:
        await bot.send("/start", A)
        await bot.send("/start", B)
        menu_a, menu_b = bot.last_message(A), bot.last_message(B)
        menu_text = menu_a["text"]
        bot.api.fault = limit = RateLimitOnce("editMessageText", A)
        tapped = asyncio.ensure_future(bot.tap_data(make("c"), A, message=menu_a))
        await until(lambda: limit.refused)
        await bot.tap_data(make("c"), B, message=menu_b)  # another chat's edit: not held
        assert not tapped.done()
        await tapped
        refused, retried = calls(bot, "editMessageText", A)
        assert retried.at - refused.at >= 1.0
        assert calls(bot, "editMessageText", B)[0].at < retried.at
        # The retry went through: A sees the same page B does.
        assert bot.text(A) == bot.text(B) != menu_text


@PTB_RETRY_AFTER
@pytest.mark.parametrize("wait", ["turn", "429"])
async def test_a_held_message_lends_its_processing_slot_to_another_chats_tap(
        tmp_path: Path, content: Content, wait: str) -> None:
    """One update at a time: chat A's new message waits in the limiter (its chat's turn, or
    a 429's retry_after) while chat B's tap is processed and answered."""
    settings = make_settings(tmp_path, BOT_CONCURRENCY="1")
    async with Harness(settings, content, overall_rate=30) as bot:
        await bot.process(bot.user(B).text("/start"))
        menu = bot.last_message(B)
        if wait == "turn":
            for _ in range(3):  # A's burst is used up: its next message waits about 1 s
                await bot.process(bot.user(A).text("/start"))
        else:
            bot.api.fault = RateLimitOnce("sendMessage", A)
        update = bot.user(A).text("/start")
        started = asyncio.Event()

        async def mark(u: Update, context: object) -> None:
            if u.update_id == update["update_id"]:
                started.set()

        bot.app.add_handler(TypeHandler(Update, mark), group=-10)
        held = asyncio.ensure_future(bot.process(update))
        await started.wait()  # A's update has the only slot (until it lends it)
        public = {k: v for k, v in menu.items() if not k.startswith("_")}
        await bot.process(bot.user(B).tap(public, make("c")))
        assert not held.done()
        answered = bot.api.last("answerCallbackQuery").at
        await held
        assert answered < calls(bot, "sendMessage", A)[-1].at
        # A took its slot back and gave it up again at the end: B is processed once more.
        await asyncio.wait_for(bot.process(bot.user(B).text("/help")), 10)


def test_replicas_share_the_bots_limits(tmp_path) -> None:
    """Telegram counts the bot's messages, whichever process sends them: two replicas keep
    to 15 a second across chats and 10 a minute per group each."""
    from bot.app import build_application
    from bot.offline import OfflineBotAPI
    from tests.harness import make_settings

    settings = make_settings(tmp_path, BOT_REPLICAS="2")
    assert settings.replicas == 2
    app = build_application(settings, request=OfflineBotAPI())
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, NewMessageRateLimiter)
    assert limiter._overall is not None and limiter._overall.max_rate == 15
    assert limiter._group_burst == 5
    assert round(limiter._group_burst * 60 / limiter._group_period) == 10 - 5
