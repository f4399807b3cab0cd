"""Telegram's rate limits, by class of call and by chat, through PTB's rate-limiter interface.

What Telegram documents for a bot: about 30 new messages a second across chats, about one a
second in one chat (short bursts are tolerated), 20 a minute in a group; nothing for
editing a message or answering a tap or an inline query; past a limit it answers 429 with
`retry_after`. What is enforced here:

- New messages (NEW_MESSAGES) wait for their turn under three limits at once:
  * across chats, one ceiling of `overall_max_rate` a second (bot.ceiling: 500 by default,
    since Telegram documents 30 a second only for bulk notifications), served by priority
    (a red-flag reply, then dose reminders, replies, appointment reminders, notices) and
    halved while 429s come from many chats at once;
  * in one chat, `chat_burst` at once (3), then one a second (`chat_rate`): a reply that
    sends two or three messages goes out at once, a longer run is spaced;
  * in a group, supergroup or channel (chat_id below 0, or an @username), also at most
    `group_max_rate` in any `group_time_period` (20 in 60 s): a bucket of `group_burst` (5)
    that drains (20 - 5) / 60 s, i.e. one every 4 s once the burst is used, so no minute
    ever holds more than 20.
- A red-flag reply (Priority.URGENT) waits for nothing but a 429 pause on its own chat.
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
- Time is read from `clock` and waited with `sleep` (time.monotonic and asyncio.sleep; the
  tests pass virtual ones, so a 429's pause costs them no real second).

Logs name the method and the seconds only: never a chat, a text or the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.ceiling import Ceiling, Priority
from bot.processor import lent_slot

log = logging.getLogger(__name__)

# Methods that put a new message into a chat: these count toward Telegram's limits.
NEW_MESSAGES = frozenset(
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
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)

# Added to every retry_after: Telegram counts whole seconds, and the clock is not exact.
RETRY_MARGIN = 0.1
# Per-chat state is dropped once it is this large (idle buckets and ended pauses only).
_PRUNE_AT = 512

ChatKey = int | str
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# A turn is whole give or take float rounding (a refill computed to the exact moment).
_ROUNDING = 1e-9


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


class Bucket:
    """A leaky bucket on a given clock: up to `max_rate` turns at once, draining `max_rate`
    every `time_period` seconds (aiolimiter's AsyncLimiter, on an injected clock and
    sleep). Waiting turns are granted in the order they were asked for."""

    def __init__(
        self, max_rate: float, time_period: float, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.max_rate = max_rate
        self.time_period = time_period
        self._drain = max_rate / time_period  # turns a second
        self._clock = clock
        self._sleep = sleep
        self._level = 0.0
        self._at = clock()
        self._queue = asyncio.Lock()  # one waiter sleeps at a time; the rest queue in order

    def _leak(self) -> None:
        now = self._clock()
        if self._level:
            self._level = max(0.0, self._level - (now - self._at) * self._drain)
        self._at = now

    def has_capacity(self, amount: float = 1) -> bool:
        self._leak()
        return self._level + amount <= self.max_rate + _ROUNDING

    async def acquire(self) -> None:
        """Wait for a turn and count it (at once, without yielding, when there is room and
        nobody waits)."""
        async with self._queue:
            while not self.has_capacity():
                await self._sleep((self._level + 1 - self.max_rate) / self._drain)
            self._level += 1


class NewMessageRateLimiter(BaseRateLimiter[Priority]):
    """Telegram's limits for new messages (overall, per chat, per group) and 429s honoured
    per chat (see the module's docstring). `rate_limit_args` is a message's Priority."""

    def __init__(
        self,
        overall_max_rate: float = 30,
        chat_burst: int = 3,
        chat_rate: float = 1.0,
        group_max_rate: int = 20,
        group_time_period: float = 60,
        group_burst: int = 5,
        max_retries: int = 3,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not 0 < group_burst < group_max_rate:
            raise ValueError("group_burst must be positive and below group_max_rate")
        self._clock = clock
        self._sleep = sleep
        # Across chats: one ceiling, served by priority, lowered by a crowd of 429s.
        self._overall = Ceiling(overall_max_rate, clock=clock, sleep=sleep) if overall_max_rate else None
        self._chat_burst = chat_burst
        self._chat_period = chat_burst / chat_rate
        self._group_burst = group_burst
        # Drains group_max_rate - group_burst per group_time_period: a burst plus what drains
        # in any window of that length is exactly group_max_rate.
        self._group_period = group_burst * group_time_period / (group_max_rate - group_burst)
        self._chats: dict[ChatKey, Bucket] = {}
        self._groups: dict[ChatKey, Bucket] = {}
        self._paused: dict[ChatKey, float] = {}  # chat -> the clock's time messages resume
        self._max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    # ---- the limits ------------------------------------------------------------------------
    def _new_bucket(self, size: float, period: float) -> Bucket:
        return Bucket(size, period, self._clock, self._sleep)

    def _bucket(self, buckets: dict[ChatKey, Bucket], chat: ChatKey, size: float, period: float) -> Bucket:
        bucket = buckets.get(chat)
        if bucket is None:
            if len(buckets) >= _PRUNE_AT:
                for key, idle in list(buckets.items()):
                    if idle.has_capacity(idle.max_rate):
                        del buckets[key]
            bucket = buckets[chat] = self._new_bucket(size, period)
        return bucket

    def _limiters(self, chat: ChatKey) -> list[Bucket]:
        """The buckets a new message to `chat` takes a turn from, the chat's own first."""
        found = [self._bucket(self._chats, chat, self._chat_burst, self._chat_period)]
        if is_group(chat):
            found.append(self._bucket(self._groups, chat, self._group_burst, self._group_period))
        return found

    def _pause_left(self, chat: ChatKey) -> float:
        until = self._paused.get(chat)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._paused[chat]
            return 0.0
        return left

    def _pause(self, chat: ChatKey, seconds: float) -> None:
        if len(self._paused) >= _PRUNE_AT:
            now = self._clock()
            self._paused = {key: until for key, until in self._paused.items() if until > now}
        until = self._clock() + seconds
        self._paused[chat] = max(until, self._paused.get(chat, 0.0))

    async def _turn(self, chat: ChatKey, priority: Priority) -> None:
        """Wait until a new message to `chat` may go out, and count it. An URGENT one (a
        red-flag reply) waits only for a 429 pause Telegram set on its chat: not for the
        chat's or group's pace, nor for the ceiling."""
        limiters = [] if priority == Priority.URGENT else self._limiters(chat)
        ceiling = self._overall
        if (
            not self._pause_left(chat)
            and all(each.has_capacity() for each in limiters)
            and (ceiling is None or priority == Priority.URGENT or ceiling.free())
        ):
            for each in limiters:
                await each.acquire()  # has capacity: returns without waiting
            if ceiling is not None:
                await ceiling.acquire(priority)  # free: returns without waiting
            return
        async with lent_slot():
            # A pause may be lengthened by another 429 while this sleeps: look again.
            while left := self._pause_left(chat):  # a deadline, not an event
                await self._sleep(left)
            for each in limiters:
                await each.acquire()
            if ceiling is not None:
                await ceiling.acquire(priority)

    # ---- BaseRateLimiter -------------------------------------------------------------------
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> Any:
        """`rate_limit_args`: the message's Priority (REPLY when not given)."""
        priority = Priority.REPLY if rate_limit_args is None else rate_limit_args
        max_retries = self._max_retries
        chat = chat_of(data) if endpoint in NEW_MESSAGES else None
        for attempt in range(max_retries + 1):
            if chat is not None:
                await self._turn(chat, priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc) + RETRY_MARGIN
                if chat is not None and self._overall is not None:
                    self._overall.pushed_back(chat)  # a crowd of them lowers the ceiling
                if attempt == max_retries:
                    log.warning(
                        "429 on %s, retry after %.1f s: given up after %d retries",
                        endpoint,
                        seconds,
                        max_retries,
                    )
                    raise
                log.info("429 on %s: retrying after %.1f s", endpoint, seconds)
                if chat is not None:
                    self._pause(chat, seconds)  # the next _turn waits it out
                else:
                    async with lent_slot():
                        await self._sleep(seconds)
        raise AssertionError("unreachable")  # the last attempt returned or raised
