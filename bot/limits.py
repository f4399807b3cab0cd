"""Telegram's rate limits, by class of call and by chat, through PTB's rate-limiter interface.

What Telegram documents for a bot: about 30 new messages a second across chats, about one a
second in one chat (short bursts are tolerated), 20 a minute in a group; nothing for
editing a message or answering a tap or an inline query; past a limit it answers 429 with
`retry_after`. What is enforced here:

- New messages (NEW_MESSAGES) wait for their turn under three limits at once:
  * across chats, `overall_max_rate` a second (30): a leaky bucket of 30 that drains 30 a
    second, as PTB's AIORateLimiter has it;
  * in one chat, `chat_burst` at once (3), then one a second (`chat_rate`): a reply that
    sends two or three messages goes out at once, a longer run is spaced;
  * in a group, supergroup or channel (chat_id below 0, or an @username), also at most
    `group_max_rate` in any `group_time_period` (20 in 60 s): a bucket of `group_burst` (5)
    that drains (20 - 5) / 60 s, i.e. one every 4 s once the burst is used, so no minute
    ever holds more than 20.
- Every other call (edits, answerCallbackQuery, answerInlineQuery, setMyCommands...) goes
  out at once.
- A 429 is honoured for what it limits. On a new message to chat X, new messages to X are
  paused until its retry_after has passed (other chats, edits and answers go on), then the
  call is retried. On any other call only that call waits and is retried. Up to
  `max_retries` times, then RetryAfter is raised to the caller. A 429 does not say which
  limit it was; one on a message to X is taken as X's, since the overall limit above keeps
  the bot under the broadcast limit, and if the whole bot were flooded each chat would
  be told and paused in turn. Not one global pause, unlike PTB's AIORateLimiter: there a
  single 429 stalls every call of every chat, tap answers too.
- While a call waits (its turn, or a retry_after), the update it belongs to lends its
  processing slot back to PerChatUpdateProcessor (bot.processor.lent_slot) and takes it
  again before the call goes out, so a tap of another chat never waits for a slot that a
  held message is sitting on. The chat's own lock stays held: the chat's order is kept.
  The turn is counted when it is granted, so a call may go out a little after its turn
  (never before it) when all slots are busy at that moment.

Logs name the method and the seconds only: never a chat, a text or the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.processor import lent_slot

log = logging.getLogger(__name__)

# Methods that put a new message into a chat: these count toward Telegram's limits.
NEW_MESSAGES = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendAnimation",
    "sendVoice", "sendVideoNote", "sendMediaGroup", "sendLocation", "sendVenue", "sendContact",
    "sendPoll", "sendDice", "sendSticker", "sendInvoice", "sendGame", "copyMessage",
    "copyMessages", "forwardMessage", "forwardMessages",
})

# Added to every retry_after: Telegram counts whole seconds, and the clock is not exact.
RETRY_MARGIN = 0.1
# Per-chat state is dropped once it is this large (idle buckets and ended pauses only).
_PRUNE_AT = 512

ChatKey = int | str


def chat_of(data: dict[str, Any]) -> ChatKey | None:
    """The chat a call is addressed to: an int id, or an @username (channels, supergroups)."""
    raw = data.get("chat_id")
    if raw is None or raw == "":
        return None
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw))
    except ValueError:
        return str(raw)


def is_group(chat: ChatKey) -> bool:
    """Groups, supergroups and channels have negative ids; only they have @usernames here."""
    return isinstance(chat, str) or chat < 0


def retry_seconds(exc: RetryAfter) -> float:
    """retry_after in seconds (PTB 22 warns on reading it while it still returns an int)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class NewMessageRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits for new messages (overall, per chat, per group) and 429s honoured
    per chat (see the module's docstring). `rate_limit_args` is the retries for one call."""

    def __init__(self, overall_max_rate: float = 30, chat_burst: int = 3,
                 chat_rate: float = 1.0, group_max_rate: int = 20,
                 group_time_period: float = 60, group_burst: int = 5,
                 max_retries: int = 3) -> None:
        if not 0 < group_burst < group_max_rate:
            raise ValueError("group_burst must be positive and below group_max_rate")
        self._overall = AsyncLimiter(overall_max_rate, 1) if overall_max_rate else None
        self._chat_burst = chat_burst
        self._chat_period = chat_burst / chat_rate
        self._group_burst = group_burst
        # Drains group_max_rate - group_burst per group_time_period: a burst plus what drains
        # in any window of that length is exactly group_max_rate.
        self._group_period = group_burst * group_time_period / (group_max_rate - group_burst)
        self._chats: dict[ChatKey, AsyncLimiter] = {}
        self._groups: dict[ChatKey, AsyncLimiter] = {}
        self._paused: dict[ChatKey, float] = {}  # chat -> monotonic time new messages resume
        self._max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    # ---- the limits ------------------------------------------------------------------------
    @staticmethod
    def _bucket(buckets: dict[ChatKey, AsyncLimiter], chat: ChatKey, size: float,
                period: float) -> AsyncLimiter:
        bucket = buckets.get(chat)
        if bucket is None:
            if len(buckets) >= _PRUNE_AT:
                for key, idle in list(buckets.items()):
                    if idle.has_capacity(idle.max_rate):
                        del buckets[key]
            bucket = buckets[chat] = AsyncLimiter(size, period)
        return bucket

    def _limiters(self, chat: ChatKey) -> list[AsyncLimiter]:
        """The buckets a new message to `chat` takes a turn from, the chat's own first."""
        found = [self._bucket(self._chats, chat, self._chat_burst, self._chat_period)]
        if is_group(chat):
            found.append(self._bucket(self._groups, chat, self._group_burst,
                                      self._group_period))
        if self._overall is not None:
            found.append(self._overall)
        return found

    def _pause_left(self, chat: ChatKey) -> float:
        until = self._paused.get(chat)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._paused[chat]
            return 0.0
        return left

    def _pause(self, chat: ChatKey, seconds: float) -> None:
        if len(self._paused) >= _PRUNE_AT:
            now = time.monotonic()
            self._paused = {key: until for key, until in self._paused.items() if until > now}
        until = time.monotonic() + seconds
        self._paused[chat] = max(until, self._paused.get(chat, 0.0))

    async def _turn(self, chat: ChatKey) -> None:
        """Wait until a new message to `chat` may go out, and count it."""
        limiters = self._limiters(chat)
        if not self._pause_left(chat) and all(each.has_capacity() for each in limiters):
            for each in limiters:
                await each.acquire()  # has capacity: returns without waiting
            return
        async with lent_slot():
            # A pause may be lengthened by another 429 while this sleeps: look again.
            while left := self._pause_left(chat):  # noqa: ASYNC110  (a deadline, not an event)
                await asyncio.sleep(left)
            for each in limiters:
                await each.acquire()

    # ---- BaseRateLimiter -------------------------------------------------------------------
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        max_retries = self._max_retries if rate_limit_args is None else rate_limit_args
        chat = chat_of(data) if endpoint in NEW_MESSAGES else None
        for attempt in range(max_retries + 1):
            if chat is not None:
                await self._turn(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc) + RETRY_MARGIN
                if attempt == max_retries:
                    log.warning("429 on %s, retry after %.1f s: given up after %d retries",
                                endpoint, seconds, max_retries)
                    raise
                log.info("429 on %s: retrying after %.1f s", endpoint, seconds)
                if chat is not None:
                    self._pause(chat, seconds)  # the next _turn waits it out
                else:
                    async with lent_slot():
                        await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # the last attempt returned or raised
