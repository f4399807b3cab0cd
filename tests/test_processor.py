"""Updates from different chats run concurrently; each chat's updates stay in arrival order."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_application, start_app, stop_app
from bot.offline import OfflineBotAPI, UpdateFactory
from bot.processor import PerChatUpdateProcessor


async def _run(settings, content, updates: list[dict[str, Any]], delay: float, concurrency: int = 64):
    api = OfflineBotAPI(delay=delay)
    settings = type(settings)(**{**settings.__dict__, "concurrency": concurrency})
    app = build_application(settings, request=api, content=content, overall_rate=None)
    seen: list[tuple[int, int]] = []
    done = asyncio.Event()

    async def record(update: Update, context) -> None:
        assert update.effective_chat is not None
        seen.append((update.effective_chat.id, update.update_id))

    finished_count = 0

    async def finished(update: Update, context) -> None:
        # Group 99 runs after the update's own handlers returned (their API calls included).
        nonlocal finished_count
        finished_count += 1
        if finished_count == len(updates):
            done.set()

    app.add_handler(TypeHandler(Update, record), group=-1)
    app.add_handler(TypeHandler(Update, finished), group=99)
    await start_app(app)
    try:
        api.clear()
        started = time.monotonic()
        for raw in updates:
            await app.update_queue.put(Update.de_json(raw, app.bot))
        await asyncio.wait_for(done.wait(), 30)
        elapsed = time.monotonic() - started
    finally:
        await stop_app(app)
    return seen, elapsed, api


async def test_two_chats_progress_in_parallel(settings, content) -> None:
    a, b = UpdateFactory(1), UpdateFactory(2)
    updates = []
    for _ in range(5):
        updates += [a.text("/start"), b.text("/start")]
    delay = 0.1
    # Measured against one chat's five alone, in the same conditions, after a first run that
    # pays the process's one-time costs (a database write costs what the disk's sync costs):
    # two chats in parallel take about as long as one; one after the other they would take
    # five more round trips (0.5 s).
    warm, c = UpdateFactory(3), UpdateFactory(4)
    await _run(settings, content, [warm.text("/start") for _ in range(2)], delay)
    _, alone, _ = await _run(settings, content, [c.text("/start") for _ in range(5)], delay)
    _seen, elapsed, api = await _run(settings, content, updates, delay)
    assert len(api.of("sendMessage")) == 10
    assert elapsed < alone + 5 * delay * 0.6, (elapsed, alone)
    calls_a = [c.at for c in api.of("sendMessage") if int(c.params["chat_id"]) == 1]
    calls_b = [c.at for c in api.of("sendMessage") if int(c.params["chat_id"]) == 2]
    # Interleaved, not one chat after the other.
    assert min(calls_b) < max(calls_a) and min(calls_a) < max(calls_b)


async def test_one_chats_updates_keep_arrival_order(settings, content) -> None:
    a, b, c = UpdateFactory(1), UpdateFactory(2), UpdateFactory(3)
    updates = []
    for i in range(12):
        updates.append([a, b, c][i % 3].text("/help" if i % 2 else "/start"))
    seen, _, api = await _run(settings, content, updates, delay=0.02)
    for chat in (1, 2, 3):
        ids = [uid for cid, uid in seen if cid == chat]
        assert ids == sorted(ids) and len(ids) == 4
        sends = [call for call in api.of("sendMessage") if int(call.params["chat_id"]) == chat]
        replied = ["start" if "Hello" in call.params["text"] else "help" for call in sends]
        sent = [u["message"]["text"].lstrip("/") for u in updates if u["message"]["chat"]["id"] == chat]
        assert replied == sent


async def test_concurrency_limit_is_respected() -> None:
    processor = PerChatUpdateProcessor(2)
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    updates = [Update.de_json(UpdateFactory(i).text("x"), None) for i in range(6)]
    await asyncio.gather(*(processor.process_update(u, work()) for u in updates))
    assert peak == 2
