"""Per-chat ordered, cross-chat concurrent update processing (PTB's update-processor hook),
and the processing slot an update may lend back while it only waits (bot.limits)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

from bot.metrics import Metrics


def chat_key(update: object) -> int | None:
    """The chat (or, failing that, user) whose updates must stay in order."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class Slot:
    """One update's place among the processor's `max_concurrent_updates`.

    Only the task the processor runs the update in may lend it (`lent_slot`): tasks that
    update starts copy the context variable below, but they never held the slot, so for
    them lending does nothing. `held` is kept exactly, so the processor gives back only a
    slot that is still taken, even when the update was cancelled while taking it again.
    """

    __slots__ = ("_held", "_owner", "_semaphore")

    def __init__(self, semaphore: asyncio.Semaphore):
        self._semaphore = semaphore
        self._owner = asyncio.current_task()
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def mine(self) -> bool:
        return self._held and asyncio.current_task() is self._owner

    async def take(self) -> None:
        await self._semaphore.acquire()
        self._held = True  # no await in between: a cancelled acquire leaves it False

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._semaphore.release()


# The slot of the update whose handlers run in this context (None outside the processor:
# jobs, the tests' direct process_update calls).
_current_slot: ContextVar[Slot | None] = ContextVar("update_slot", default=None)


@contextlib.asynccontextmanager
async def lent_slot() -> AsyncIterator[None]:
    """Give the current update's processing slot back for the time of the body, and take it
    again before the caller goes on.

    The rate limiter waits inside this (for a new message's turn, or a 429's retry_after),
    so an update that only waits lets another chat's update (a tap) use its slot. The chat's
    own lock is not touched: the chat's later updates still wait for this one, in order.
    Outside an update run by PerChatUpdateProcessor, or in a task the update started, this
    does nothing.
    """
    slot = _current_slot.get()
    if slot is None or not slot.mine():
        yield
        return
    slot.give_back()
    try:
        yield
    finally:
        await slot.take()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently and each chat's updates in arrival order.

    PTB's `process_update` takes the global semaphore before calling `do_process_update`,
    which would let a chat's second update hold a slot while waiting for its first. So the
    semaphore given to the base class is effectively unbounded and the real limit is taken
    here, after the chat's lock (chat lock first, then the global slot). The slot is put in
    a context variable for the update's handlers, so the rate limiter can lend it back while
    a call only waits (`lent_slot`); the chat lock stays held meanwhile.
    """

    def __init__(self, max_concurrent_updates: int, metrics: Metrics | None = None):
        super().__init__(max_concurrent_updates=2**30)
        self.metrics = metrics
        self._limit = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @property
    def limit(self) -> int:
        return self._limit

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        slot = Slot(self._slots)
        await slot.take()
        token = _current_slot.set(slot)
        try:
            await coroutine
        finally:
            _current_slot.reset(token)
            slot.give_back()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.metrics is None:
            await self._ordered(update, coroutine)
            return
        self.metrics.received(update)
        started = time.perf_counter()
        try:
            await self._ordered(update, coroutine)
        finally:
            self.metrics.handling.observe(time.perf_counter() - started)

    async def _ordered(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await self._run(coroutine)
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # asyncio.Lock wakes waiters in FIFO order, so a chat's updates keep arrival order.
            async with lock:
                await self._run(coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def not_the_senders_chat(update: Update) -> bool:
    """A message or a tap in a private chat whose id is not its sender's. Telegram never
    sends one (a private chat's id is its user's); a forged one would have the bot answer
    into, or read the data of, another parent's chat."""
    pairs = [(m.chat, m.from_user) for m in (update.message, update.edited_message) if m is not None]
    query = update.callback_query
    if query is not None and query.message is not None:
        pairs.append((query.message.chat, query.from_user))
    return any(chat.type == ChatType.PRIVATE and (user is None or user.id != chat.id) for chat, user in pairs)
