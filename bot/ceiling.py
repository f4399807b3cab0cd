"""One ceiling on new messages across chats, served by priority, lowered when Telegram
pushes back from many chats at once and raised again after.

Telegram documents about 30 messages a second for *bulk notifications* and about one a
second in one chat (20 a minute in a group); it does not document a ceiling for replies to
the parents who wrote, and answers 429 with `retry_after` past whatever limit applies. So the
ceiling is set high (DEFAULT_RATE: a surge of 1,000 parents in two seconds is answered in
about two seconds, not thirty), each chat and group keeps its own pace (bot.limits), what the
bot starts itself is budgeted where it starts (reminders at 25 a second), and 429s from many
chats within a moment lower the ceiling (halved, down to FLOOR_RATE), logged once; after
RECOVER_AFTER seconds without another, it rises again step by step.

Waiting new messages are served by priority, then in arrival order: a red-flag reply first,
then dose reminders, replies, appointment reminders, notices. A red-flag reply is never held
by the ceiling at all: it takes its turn at once (an URGENT message is rare and must not
wait behind a broadcast), and still counts against the ceiling.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from enum import IntEnum

log = logging.getLogger(__name__)

DEFAULT_RATE = 500.0  # new messages a second across chats, before any 429 says otherwise
FLOOR_RATE = 30.0  # never below Telegram's documented bulk rate
CROWD = 5  # 429s from this many chats ...
WITHIN = 2.0  # ... within this many seconds lower the ceiling
RECOVER_AFTER = 30.0  # seconds without a lowering before each step back up
RECOVER_STEP = 1.5  # the factor of each step back up
_ONE = 1 - 1e-9  # a whole token, give or take float rounding


class Priority(IntEnum):
    """Which new message goes first when several wait (lower goes first). From 1, not 0:
    PTB drops a falsy `rate_limit_args` on its way to the rate limiter."""

    URGENT = 1  # the reply to a red flag: never waits for the ceiling
    DOSE = 2  # a dose reminder
    REPLY = 3  # the answer to a parent's own message or tap (the default)
    REMINDER = 4  # an appointment reminder
    NOTICE = 5  # a notice to many parents


class Ceiling:
    """A token bucket of `rate` a second (a second's worth of burst), granted by priority."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        floor: float = FLOOR_RATE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.configured = rate
        self.rate = rate
        self.floor = min(floor, rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = rate
        self._at = clock()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self._pushback: deque[tuple[float, object]] = deque()
        self._lowered_at: float | None = None

    # ---- the bucket ----------------------------------------------------------------------
    def _refill(self) -> None:
        now = self._clock()
        self._recover(now)
        self._tokens = min(self.rate, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def free(self) -> bool:
        """Whether a REPLY would get its turn at once (nobody waiting, a token left)."""
        self._refill()
        return not self._waiting and self._tokens >= _ONE

    async def acquire(self, priority: Priority = Priority.REPLY) -> None:
        """Wait for this message's turn (at once for URGENT), and count it."""
        self._refill()
        if priority == Priority.URGENT or (not self._waiting and self._tokens >= _ONE):
            self._tokens -= 1  # URGENT may take the bucket below zero: others wait longer
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(priority), next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve())
        try:
            await future
        except asyncio.CancelledError:
            if not future.done() or future.cancelled():
                self._waiting = [w for w in self._waiting if w[2] is not future]
                heapq.heapify(self._waiting)
            else:  # granted just as it was cancelled: give the turn back
                self._tokens += 1
            raise

    async def _serve(self) -> None:
        """Grant turns to the waiting, best priority first, as tokens come."""
        while self._waiting:
            self._refill()
            if self._tokens >= _ONE:
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():
                    self._tokens -= 1
                    future.set_result(None)
                continue
            # At least a tenth of a millisecond: a float remainder must not spin the loop.
            await self._sleep(max((1 - self._tokens) / self.rate, 1e-4))

    # ---- pushback --------------------------------------------------------------------------
    def pushed_back(self, chat: object) -> None:
        """A 429 on a new message to `chat`. From CROWD chats within WITHIN seconds, the
        ceiling is halved (not below the floor), once per crowd."""
        now = self._clock()
        self._pushback.append((now, chat))
        while self._pushback and self._pushback[0][0] < now - WITHIN:
            self._pushback.popleft()
        if len({c for _, c in self._pushback}) < CROWD or self.rate <= self.floor:
            return
        self._refill()
        self.rate = max(self.floor, self.rate / 2)
        self._tokens = min(self._tokens, self.rate)
        self._lowered_at = now
        self._pushback.clear()
        log.warning(
            "429s from %d chats within %.0f s: new messages now at most %.0f a second",
            CROWD,
            WITHIN,
            self.rate,
        )

    def _recover(self, now: float) -> None:
        if self._lowered_at is None or now - self._lowered_at < RECOVER_AFTER:
            return
        self.rate = min(self.configured, self.rate * RECOVER_STEP)
        if self.rate >= self.configured:
            self._lowered_at = None
            log.warning(
                "no 429 crowd for %.0f s: new messages back to %.0f a second", RECOVER_AFTER, self.rate
            )
        else:
            self._lowered_at = now
