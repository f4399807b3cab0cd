"""Virtual time for the rate limiter: its sleeps end when the test moves the clock on, so a
429's retry_after or a chat's pace costs no real second and the spacing is exact.

The clock moves only inside `run(work)`: whenever a sleep is pending and nothing else is
ready to run, it jumps to the end of the earliest one, until the work is done (work waiting
on something else, such as storage on its thread, is waited for in real time). What a test
does outside `run` happens at one virtual moment, before any sleeper wakes; `at_once` checks
that some work needed no virtual time at all.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.offline import Call, OfflineBotAPI

T = TypeVar("T")
# Real seconds a test waits for work that should not need the virtual clock at all.
REAL_TIMEOUT = 10.0


@dataclass(order=True)
class _Sleeper:
    until: float
    order: int
    future: asyncio.Future[None] = field(compare=False)


class VirtualTime:
    """A monotonic clock (call it) and its `sleep`, for NewMessageRateLimiter."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[_Sleeper] = []
        self._order = itertools.count()
        self._asleep: asyncio.Event | None = None  # set whenever someone starts sleeping

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, _Sleeper(self.now + seconds, next(self._order), future))
        self._event().set()
        await future  # cancelled: the future is cancelled, and skipped when its time comes

    @property
    def sleeping(self) -> int:
        """How many sleeps are pending."""
        return sum(not s.future.done() for s in self._sleepers)

    async def asleep(self, count: int = 1) -> None:
        """Wait (in real time, at most REAL_TIMEOUT seconds) until `count` sleeps are
        pending: the work started elsewhere has reached the limiter and waits on this clock."""
        async with asyncio.timeout(REAL_TIMEOUT):
            while self.sleeping < count:
                asleep = self._event()
                asleep.clear()
                await asleep.wait()

    def _event(self) -> asyncio.Event:
        if self._asleep is None:
            self._asleep = asyncio.Event()
        return self._asleep

    async def _settle(self) -> None:
        """Let everything that is ready run (not what waits on a thread or a socket)."""
        for _ in range(20):
            await asyncio.sleep(0)

    def _wake_due(self) -> None:
        while self._sleepers and (self._sleepers[0].until <= self.now or self._sleepers[0].future.done()):
            sleeper = heapq.heappop(self._sleepers)
            if not sleeper.future.done():
                sleeper.future.set_result(None)

    def _next_due(self) -> float | None:
        while self._sleepers and self._sleepers[0].future.done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0].until if self._sleepers else None

    async def run(self, work: Awaitable[T], limit: float = 3600.0) -> T:
        """Await `work`, moving the clock on to the earliest sleeper's end each time a sleep
        is pending and the rest of the loop has run, until it is done (at most `limit`
        virtual seconds: work that would wait forever fails instead of hanging)."""
        task: asyncio.Future[T] = asyncio.ensure_future(work)
        deadline = self.now + limit
        try:
            while not task.done():
                await self._settle()
                if task.done():
                    break
                due = self._next_due()
                if due is None:  # working on something else (storage): wait for a sleep or the end
                    asleep = self._event()
                    asleep.clear()
                    waiter = asyncio.ensure_future(asleep.wait())
                    either: set[asyncio.Future[Any]] = {task, waiter}
                    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    continue
                assert due <= deadline, f"still sleeping after {limit} virtual seconds"
                self.now = max(self.now, due)
                self._wake_due()
        finally:
            if not task.done():
                task.cancel()
        return task.result()


async def at_once(time: VirtualTime, work: Awaitable[T]) -> T:
    """Await `work`, which must not wait on the clock at all: it ends without the clock
    moving (work held instead never ends, and fails after REAL_TIMEOUT real seconds)."""
    before = time.now
    result = await asyncio.wait_for(work, REAL_TIMEOUT)
    assert time.now == before
    return result


class _StampedCalls(list[Call]):
    def __init__(self, time: VirtualTime) -> None:
        super().__init__()
        self.time = time

    def append(self, call: Call) -> None:
        call.at = self.time.now
        super().append(call)


class VirtualBotAPI(OfflineBotAPI):
    """The offline Bot API with each call's `at` on the virtual clock."""

    def __init__(self, time: VirtualTime) -> None:
        super().__init__()
        self.time = time
        self.calls = _StampedCalls(time)
