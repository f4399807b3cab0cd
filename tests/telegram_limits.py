"""Telegram's documented limits on new messages, as the fake Bot API enforces them.

Telegram's bot FAQ asks bots to stay under about 30 messages a second across chats, about
one message a second in a private chat (short bursts pass) and 20 messages a minute in a
group; beyond that it answers 429 "Too Many Requests: retry after N" with
`parameters.retry_after`. Only calls that put a new message in a chat count: editing a
message or answering a tap has no documented limit. Each limit is a token bucket (a burst,
then a sustained rate), so the policy is lenient at the edges as Telegram is. This list is
the fake's own, independent of the bot's (bot/limits.py), so the fake can catch the bot
missing a method.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

NEW_MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendSticker",
        "sendInvoice",
        "sendGame",
        "sendPaidMedia",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)

OVERALL_RATE = 30.0  # new messages a second across all chats
OVERALL_BURST = 30.0
PRIVATE_RATE = 1.0  # a second, in one private chat
PRIVATE_BURST = 4.0  # a few quick messages in a row pass
GROUP_RATE = 20.0 / 60.0  # 20 a minute in one group (negative chat_id)
GROUP_BURST = 20.0


@dataclass
class Bucket:
    """`burst` tokens at most, refilled at `rate` a second; one token per message."""

    rate: float
    burst: float
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def wait(self) -> float:
        """Seconds until one token is there (0 if it is there now)."""
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class TelegramLimits:
    """Decides, per Bot API call, whether Telegram would refuse it with 429.

    `check` returns None when the call passes (and counts it), or the `retry_after` seconds
    (a whole number, at least 1) Telegram would give; a refused call is not counted.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        overall: tuple[float, float] = (OVERALL_RATE, OVERALL_BURST),
        private: tuple[float, float] = (PRIVATE_RATE, PRIVATE_BURST),
        group: tuple[float, float] = (GROUP_RATE, GROUP_BURST),
    ) -> None:
        self.clock = clock
        self._overall_limit = overall
        self._private_limit = private
        self._group_limit = group
        self._overall = self._bucket(overall, clock())
        self._chats: dict[int, Bucket] = {}
        self.refused: Counter[str] = Counter()  # 429s answered, by method
        self.refused_by: Counter[str] = Counter()  # ... by the limit passed (overall, chat)
        self.passed = 0

    @staticmethod
    def _bucket(limit: tuple[float, float], now: float) -> Bucket:
        rate, burst = limit
        return Bucket(rate=rate, burst=burst, tokens=burst, at=now)

    def reset(self) -> None:
        self._overall = self._bucket(self._overall_limit, self.clock())
        self._chats.clear()
        self.refused.clear()
        self.refused_by.clear()
        self.passed = 0

    def check(self, method: str, params: Mapping[str, Any]) -> int | None:
        if method not in NEW_MESSAGE_METHODS:
            return None
        try:
            chat_id = int(params.get("chat_id", 0))
        except (TypeError, ValueError):
            return None  # not a chat id (e.g. @channel): the API itself answers that
        now = self.clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            limit = self._group_limit if chat_id < 0 else self._private_limit
            chat = self._chats[chat_id] = self._bucket(limit, now)
        self._overall.refill(now)
        chat.refill(now)
        wait = max(self._overall.wait(), chat.wait())
        if wait > 0:
            self.refused[method] += 1
            if self._overall.wait() > 0:
                self.refused_by["overall"] += 1
            if chat.wait() > 0:
                self.refused_by["group" if chat_id < 0 else "private chat"] += 1
            return max(1, math.ceil(wait))
        self._overall.tokens -= 1.0
        chat.tokens -= 1.0
        self.passed += 1
        return None

    @staticmethod
    def error(retry_after: int) -> dict[str, Any]:
        """The body Telegram answers with (HTTP status 429)."""
        return {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }
