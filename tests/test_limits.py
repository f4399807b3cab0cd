"""Rate limits by class of call: new messages are held under Telegram's limits; edits and
tap answers go out at once, so a tap never waits behind another chat's held message."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.content import Content
from bot.limits import NEW_MESSAGES, NewMessageRateLimiter
from tests.harness import Harness, make


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
