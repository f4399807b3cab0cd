"""The ceiling on new messages across chats, on virtual time: priorities, URGENT never held,
a crowd of 429s lowers it and quiet raises it again."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.ceiling import CROWD, RECOVER_AFTER, Ceiling, Priority
from bot.limits import NewMessageRateLimiter


class VirtualTime:
    """A clock that moves only when a waiter sleeps (the event loop still runs the rest)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


async def test_a_surge_of_replies_is_not_held_at_the_default_ceiling() -> None:
    t = VirtualTime()
    ceiling = Ceiling(clock=t.clock, sleep=t.sleep)
    await asyncio.gather(*(ceiling.acquire() for _ in range(1000)))
    assert t.now <= 1.1  # 1,000 replies within about a second (500 burst + 500 a second)


async def test_waiting_messages_go_by_priority_then_arrival() -> None:
    t = VirtualTime()
    ceiling = Ceiling(10, floor=1, clock=t.clock, sleep=t.sleep)
    for _ in range(10):
        await ceiling.acquire()  # the burst is spent
    order: list[str] = []

    async def send(name: str, priority: Priority) -> None:
        await ceiling.acquire(priority)
        order.append(name)

    await asyncio.gather(
        send("notice", Priority.NOTICE),
        send("reminder", Priority.REMINDER),
        send("reply 1", Priority.REPLY),
        send("dose", Priority.DOSE),
        send("reply 2", Priority.REPLY),
        send("urgent", Priority.URGENT),
    )
    assert order == ["urgent", "dose", "reply 1", "reply 2", "reminder", "notice"]


async def test_urgent_never_waits_even_behind_a_broadcast() -> None:
    t = VirtualTime()
    ceiling = Ceiling(30, clock=t.clock, sleep=t.sleep)
    broadcast = [asyncio.create_task(ceiling.acquire(Priority.NOTICE)) for _ in range(300)]
    await asyncio.sleep(0)
    started = t.now
    await ceiling.acquire(Priority.URGENT)
    assert t.now == started  # not one virtual moment spent waiting
    await asyncio.gather(*broadcast)
    assert t.now >= 9.0  # the broadcast itself kept to 30 a second


async def test_a_crowd_of_429s_lowers_the_ceiling_once_then_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t = VirtualTime()
    ceiling = Ceiling(480, clock=t.clock, sleep=t.sleep)
    caplog.set_level(logging.WARNING, "bot.ceiling")
    for chat in range(CROWD - 1):
        ceiling.pushed_back(chat)
    ceiling.pushed_back(1)  # the same chat again is not a crowd
    assert ceiling.rate == 480
    ceiling.pushed_back(CROWD)
    assert ceiling.rate == 240
    lowered = [r for r in caplog.records if "at most 240" in r.getMessage()]
    assert len(lowered) == 1  # logged once
    for chat in range(CROWD):  # another crowd: halved again, never below the floor
        ceiling.pushed_back(100 + chat)
    assert ceiling.rate == 120
    for rounds in range(10):
        for chat in range(CROWD):
            ceiling.pushed_back(200 + 10 * rounds + chat)
    assert ceiling.rate == 30
    t.now += RECOVER_AFTER + 1
    await ceiling.acquire()
    assert ceiling.rate == 45
    for _ in range(10):
        t.now += RECOVER_AFTER + 1
        await ceiling.acquire()
    assert ceiling.rate == 480
    assert [r for r in caplog.records if "back to 480" in r.getMessage()]


async def test_a_cancelled_waiter_leaves_no_hole() -> None:
    t = VirtualTime()
    ceiling = Ceiling(2, floor=1, clock=t.clock, sleep=t.sleep)
    await ceiling.acquire()
    await ceiling.acquire()
    gone = asyncio.create_task(ceiling.acquire())
    kept = asyncio.create_task(ceiling.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    await kept
    assert gone.cancelled()


# ---- through the production rate limiter -----------------------------------------------------
async def send(
    limiter: NewMessageRateLimiter,
    chat: int,
    priority: Priority | None = None,
    fail: BaseException | None = None,
) -> None:
    async def call() -> None:
        if fail is not None:
            raise fail

    await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, priority)


async def test_a_red_flag_reply_goes_out_though_its_chat_used_its_burst() -> None:
    t = VirtualTime()
    limiter = NewMessageRateLimiter(30, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        await send(limiter, 7)  # the chat's burst of 3
    await send(limiter, 7, Priority.URGENT)
    assert t.now == 0.0  # not held by the chat's pace
    await send(limiter, 7)
    assert t.now >= 0.9  # an ordinary fourth message waits for its turn


async def test_a_crowd_of_429s_through_the_limiter_lowers_the_ceiling() -> None:
    t = VirtualTime()
    limiter = NewMessageRateLimiter(400, clock=t.clock, sleep=t.sleep, max_retries=0)
    ceiling = limiter._overall
    assert ceiling is not None
    for chat in range(1, CROWD + 1):  # Telegram pushes back on five chats at one moment
        with pytest.raises(RetryAfter):
            await send(limiter, chat, fail=RetryAfter(timedelta(seconds=1)))
    assert ceiling.rate == 200
    await send(limiter, 99)  # other chats go on, under the lower ceiling
