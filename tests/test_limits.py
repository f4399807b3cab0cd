"""Rate limits by class of call: new messages are held under Telegram's limits (overall, per
chat, per group); edits and tap answers go out at once, so a tap never waits behind another
chat's held message; a 429 pauses only what it limits; a held message lends its slot.

The limiter runs on virtual time (tests/virtual_time.py): a held call waits until the test
moves the clock on, and each call's `at` is the virtual moment it reached the Bot API, so
the spacing asserted is exact and costs no real second."""

from __future__ import annotations

import asyncio
import itertools
import logging
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
from tests.virtual_time import VirtualBotAPI, VirtualTime, at_once


def virtual(settings: Settings, content: Content, overall_rate: float = 30) -> Harness:
    """The production rate limiter at `overall_rate`, on the harness's virtual time."""
    time = VirtualTime()
    return Harness(settings, content, VirtualBotAPI(time), overall_rate=overall_rate, limiter_time=time)


def time_of(bot: Harness) -> VirtualTime:
    assert isinstance(bot.api, VirtualBotAPI)
    return bot.api.time


async def test_a_tap_is_not_held_behind_another_chats_new_message(
    settings: Settings, content: Content
) -> None:
    # One new message per second across chats: the second /start has to wait its turn.
    async with virtual(settings, content, overall_rate=1) as bot:
        t = time_of(bot)
        assert isinstance(bot.app.bot.rate_limiter, NewMessageRateLimiter)
        await at_once(t, bot.send("/start", 2001))
        await t.run(bot.send("/start", 2002))  # within the same second: held for a second
        assert bot.api.last("sendMessage").at - bot.api.of("sendMessage")[0].at >= 1.0
        menu = bot.last_message(2002)
        held = asyncio.ensure_future(bot.send("/start", 2003))
        await t.asleep()  # it has reached the limiter and waits its turn
        before = len(bot.api.of("sendMessage"))
        # Meanwhile a third parent taps "Read the guide" on their menu: edited and answered
        # while the other chat's new message is still waiting.
        await at_once(t, bot.tap_data(make("c"), 2002, message=menu))
        assert not held.done()
        assert len(bot.api.of("sendMessage")) == before
        assert bot.api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
        await t.run(held)
        assert len(bot.api.of("sendMessage")) == before + 1
        assert bot.api.last("sendMessage").at > bot.api.last("answerCallbackQuery").at


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


def test_which_calls_and_chats_are_limited() -> None:
    assert chat_of({"chat_id": "42"}) == 42 and chat_of({"chat_id": "@news"}) == "@news"
    assert chat_of({"text": "no chat"}) is None
    assert is_group(GROUP) and is_group("@news") and not is_group(A)


async def test_one_chat_gets_a_short_burst_then_one_message_a_second(
    settings: Settings, content: Content
) -> None:
    async with virtual(settings, content) as bot:
        t = time_of(bot)
        for _ in range(5):
            await t.run(bot.send("/start", A))
        sent = [c.at for c in calls(bot, "sendMessage", A)]
        assert len(sent) == 5
        assert sent[2] == sent[0]  # three at once
        assert all(
            later - earlier == pytest.approx(1.0)  # then one a second
            for earlier, later in itertools.pairwise(sent[2:])
        )
        # Another chat is not held by A's pace.
        await at_once(t, bot.send("/start", B))
        assert calls(bot, "sendMessage", B)[0].at == sent[-1]


async def test_a_group_gets_twenty_a_minute_on_top_of_the_chat_pace(
    settings: Settings, content: Content
) -> None:
    async with virtual(settings, content) as bot:
        t = time_of(bot)
        for i in range(6):
            await t.run(bot.app.bot.send_message(chat_id=GROUP, text=f"notice {i}"))
        sent = [c.at for c in calls(bot, "sendMessage", GROUP)]
        assert sent[2] == sent[0]  # the chat's burst of three
        assert sent[3] - sent[2] >= 0.9 and sent[4] - sent[3] >= 0.9  # one a second
        # The group's bucket of 5 drains one every 4 s: the sixth waits past the 3 s the
        # chat's pace alone would give.
        assert sent[5] - sent[0] >= 3.5
        # Edits in the group are not held.
        before = t.now
        await at_once(t, bot.app.bot.edit_message_text(chat_id=GROUP, message_id=1, text="corrected"))
        assert calls(bot, "editMessageText", GROUP)[0].at == before


@PTB_RETRY_AFTER
async def test_a_429_on_one_chats_message_pauses_only_that_chat(
    settings: Settings, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.limits")
    async with virtual(settings, content) as bot:
        t = time_of(bot)
        await at_once(t, bot.send("/start", B))
        menu = bot.last_message(B)
        bot.api.fault = limit = RateLimitOnce("sendMessage", A)
        held = asyncio.ensure_future(bot.send("/start", A))
        await t.asleep()  # refused, and waiting out its retry_after
        assert limit.refused
        # Meanwhile chat B taps (answer and edit) and gets a new message: none of it waits.
        await at_once(t, bot.tap_data(make("c"), B, message=menu))
        await at_once(t, bot.send("/help", B))
        assert not held.done()
        await t.run(held)
        refused, retried = calls(bot, "sendMessage", A)
        assert retried.at - refused.at >= 1.0  # retry_after honoured for chat A
        for method in ("answerCallbackQuery", "editMessageText"):
            assert bot.api.last(method).at < retried.at
        assert calls(bot, "sendMessage", B)[-1].at < retried.at
    assert "429 on sendMessage: retrying after 1.1 s" in caplog.messages


@PTB_RETRY_AFTER
async def test_a_429_on_an_edit_is_retried_after_retry_after(settings: Settings, content: Content) -> None:
    async with virtual(settings, content) as bot:
        t = time_of(bot)
        await at_once(t, bot.send("/start", A))
        await at_once(t, bot.send("/start", B))
        menu_a, menu_b = bot.last_message(A), bot.last_message(B)
        menu_text = menu_a["text"]
        bot.api.fault = limit = RateLimitOnce("editMessageText", A)
        tapped = asyncio.ensure_future(bot.tap_data(make("c"), A, message=menu_a))
        await t.asleep()  # refused, and waiting out its retry_after
        assert limit.refused
        # Another chat's edit: not held.
        await at_once(t, bot.tap_data(make("c"), B, message=menu_b))
        assert not tapped.done()
        await t.run(tapped)
        refused, retried = calls(bot, "editMessageText", A)
        assert retried.at - refused.at >= 1.0
        assert calls(bot, "editMessageText", B)[0].at < retried.at
        # The retry went through: A sees the same page B does.
        assert bot.text(A) == bot.text(B) != menu_text


@PTB_RETRY_AFTER
@pytest.mark.parametrize("wait", ["turn", "429"])
async def test_a_held_message_lends_its_processing_slot_to_another_chats_tap(
    tmp_path: Path, content: Content, wait: str
) -> None:
    """One update at a time: chat A's new message waits in the limiter (its chat's turn, or
    a 429's retry_after) while chat B's tap is processed and answered."""
    settings = make_settings(tmp_path, BOT_CONCURRENCY="1")
    async with virtual(settings, content) as bot:
        t = time_of(bot)
        await at_once(t, bot.process(bot.user(B).text("/start")))
        menu = bot.last_message(B)
        if wait == "turn":
            for _ in range(3):  # A's burst is used up: its next message waits 1 s
                await at_once(t, bot.process(bot.user(A).text("/start")))
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
        await t.asleep()  # A's new message waits on the clock, in the limiter
        public = {k: v for k, v in menu.items() if not k.startswith("_")}
        # B's tap gets the slot A lent (or never ends, and fails after 10 real seconds).
        await at_once(t, bot.process(bot.user(B).tap(public, make("c"))))
        assert not held.done()
        answered = bot.api.last("answerCallbackQuery").at
        await t.run(held)
        assert answered < calls(bot, "sendMessage", A)[-1].at
        # A took its slot back and gave it up again at the end: B is processed once more.
        await at_once(t, bot.process(bot.user(B).text("/help")))


def test_replicas_share_the_bots_limits(tmp_path) -> None:
    """Telegram counts the bot's messages, whichever process sends them: two replicas keep
    to half the ceiling across chats (NEW_MESSAGES_PER_SECOND) and 10 a minute per group each."""
    from bot.app import build_application
    from bot.offline import OfflineBotAPI
    from tests.harness import make_settings

    settings = make_settings(tmp_path, BOT_REPLICAS="2", NEW_MESSAGES_PER_SECOND="300")
    assert settings.replicas == 2
    app = build_application(settings, request=OfflineBotAPI(), overall_rate=settings.new_messages_per_second)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, NewMessageRateLimiter)
    assert limiter._overall is not None and limiter._overall.configured == 150
    assert limiter._group_burst == 5
    assert round(limiter._group_burst * 60 / limiter._group_period) == 10 - 5


async def test_a_red_flag_is_answered_at_once_though_its_chat_used_its_burst(
    settings: Settings, content: Content
) -> None:
    """Through the real Application: three commands use the chat's burst, so a fourth reply
    would wait its turn (about a second); a red flag typed then is answered at once."""
    async with virtual(settings, content) as bot:
        t = time_of(bot)
        for _ in range(3):
            await at_once(t, bot.send("/help", 2001))
        await at_once(t, bot.send("she has a fever of 39 and his port is red", 2001))
        alert = bot.api.last("sendMessage").params["text"]
        assert alert.startswith(content.strings("redflags.title"))
        await t.run(bot.send("/help", 2001))  # an ordinary reply is held for its turn
        assert bot.api.last("sendMessage").at - bot.api.of("sendMessage")[0].at >= 0.9
