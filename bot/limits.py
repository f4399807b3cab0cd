"""Telegram's rate limits, by class of call, through PTB's own rate limiter.

Telegram documents about 30 new messages a second across chats (and 20 a minute in a group)
for a bot; it documents no limit for editing a message or answering a tap, and answers 429
with `retry_after` when any limit is passed. PTB's AIORateLimiter holds every call that
names a chat, edits included, so under load a tap that only edits its own message waited
behind other chats' new messages (seconds, in the benchmark). Here only calls that send a
new message are held; every call still retries a 429 after the `retry_after` Telegram gives.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

# Methods that put a new message into a chat: these count toward Telegram's limits.
NEW_MESSAGES = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendAnimation",
    "sendVoice", "sendVideoNote", "sendMediaGroup", "sendLocation", "sendVenue", "sendContact",
    "sendPoll", "sendDice", "sendSticker", "sendInvoice", "sendGame", "copyMessage",
    "copyMessages", "forwardMessage", "forwardMessages",
})


class NewMessageRateLimiter(AIORateLimiter):
    """AIORateLimiter for new messages only; edits and callback answers are not held."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint not in NEW_MESSAGES:
            # Without a chat the parent class applies no limiter, but still retries 429s.
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)
