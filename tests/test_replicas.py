"""Two bot processes in webhook mode on one real PostgreSQL database, fed like Telegram feeds
webhooks: one request per chat at a time, round-robin across the replicas, re-posted when
not answered. One replica is killed with SIGKILL mid-run."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp

from bot.content import Content
from bot.offline import UpdateFactory
from bot.storage import open_storage
from tests.fakeapi import FakeBotAPI, bot_env, bot_process, free_port, tap
from tests.harness import make, who
from tests.pgserver import PostgresServer
from tests.test_webhook import SECRET, wait_listening
from tests.webhook_poster import Telegram

PARENTS = tuple(range(5001, 5021))  # 20 parents
TAPS_EACH = 15
KILL_AFTER = 80  # answered webhooks before replica 0 is killed
REMINDED = 5999  # a parent with a reminder due when both replicas start


async def seed(url: str) -> None:
    storage = open_storage("", time.time, url)
    await storage.open()
    try:
        for uid in (*PARENTS, REMINDED):
            await storage.users.give_consent(uid)
        await storage.circles.set_timezone(who(REMINDED), "Europe/London")
        now = time.time()
        await storage.appointments.add(who(REMINDED), now + 86_400, now - 5, after=now, limit=10)
    finally:
        await storage.close()


async def stored_bookmarks(url: str) -> list[tuple[int, str, str, int]]:
    storage = open_storage("", time.time, url)
    await storage.open()
    try:
        rows = await storage.driver.all("SELECT user_id, section_id, part_id, page FROM bookmarks")
        return [(r["user_id"], r["section_id"], r["part_id"], r["page"]) for r in rows]
    finally:
        await storage.close()


def test_two_replicas_keep_order_lose_nothing_and_survive_a_kill(
    tmp_path: Path, content: Content, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    asyncio.run(seed(url))
    pages = [
        (sec.id, part.id, page)
        for sec in content.sections
        for part in sec.parts
        for page in range(len(part.pages))
    ][:TAPS_EACH]
    added = content.strings("bookmarks.added")
    ports = [free_port(), free_port()]
    with FakeBotAPI() as fake:
        chats: dict[int, list[dict[str, Any]]] = {}
        taps: dict[str, tuple[int, str, str, int]] = {}
        order: dict[int, list[str]] = {}
        for uid in PARENTS:
            parent = UpdateFactory(user_id=uid)
            menu = fake.call("sendMessage", {"chat_id": uid, "text": "menu"})
            chats[uid] = []
            for sid, part, page in pages:  # a burst: each tap right after the last answer
                update = tap(parent, menu, make("b", sid=sid, part=part, page=page, on=True))
                taps[update["callback_query"]["id"]] = (uid, sid, part, page)
                chats[uid].append(update)
            order[uid] = [u["callback_query"]["id"] for u in chats[uid]]
        # Telegram posting one update twice at once (its retry after a slow answer): the
        # chat lock and the handled-update record let only one replica run it.
        doubled = [chats[uid][0] for uid in PARENTS[:5]]

        envs = [
            bot_env(
                fake,
                tmp_path / f"unused{n}.sqlite3",
                DATABASE_URL=url,
                WEBHOOK_URL="https://bot.example.org/telegram",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
                BOT_REPLICAS=str(len(ports)),
            )
            for n, port in enumerate(ports)
        ]
        logs = [tmp_path / "replica0.log", tmp_path / "replica1.log"]
        with bot_process(envs[0], logs[0]) as first, bot_process(envs[1], logs[1]) as second:
            fake.wait_for(
                lambda: len(fake.calls("setWebhook")) >= 2, timeout=60, what="both replicas to register"
            )
            for port in ports:
                wait_listening(port)
            telegram = Telegram(ports, SECRET)

            async def run() -> dict[str, Any]:
                async with aiohttp.ClientSession() as session:
                    twice = [telegram.post(session, port, update) for update in doubled for port in ports]
                    statuses = await asyncio.gather(*twice)
                    for update in doubled:  # its chat's turn is taken: go on from the next
                        telegram.answered_by[update["update_id"]] = ports[0]
                        chats[update["callback_query"]["from"]["id"]].remove(update)

                    async def killer() -> None:
                        while telegram.answered < KILL_AFTER:
                            await asyncio.sleep(0.005)
                        first.send_signal(signal.SIGKILL)
                        telegram.kill(ports[0])

                    kill = asyncio.create_task(killer())
                    await asyncio.gather(*(telegram.chat(session, chats[uid]) for uid in PARENTS))
                    await kill
                    async with session.get(f"http://127.0.0.1:{ports[1]}/healthz/details") as r:
                        health = (r.status, await r.json())
                    async with session.get(f"http://127.0.0.1:{ports[1]}/metrics") as r:
                        metrics = await r.text()
                return {"statuses": statuses, "health": health, "metrics": metrics}

            result = asyncio.run(run())
            assert first.wait(timeout=10) == -signal.SIGKILL
            assert second.poll() is None, "the surviving replica stopped"
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0, logs[1].read_text()
        answers = fake.calls("answerCallbackQuery")
        reminders = [c for c in fake.calls("sendMessage") if int(c.params["chat_id"]) == REMINDED]

    # Every update answered; the posts Telegram made twice at once ran once.
    assert all(status == 200 for status in result["statuses"])
    every = [u for uid in PARENTS for u in chats[uid]] + doubled
    assert all(u["update_id"] in telegram.answered_by for u in every)
    handled = Counter(str(c.params["callback_query_id"]) for c in answers)
    for update in doubled:
        assert handled[update["callback_query"]["id"]] == 1, "a doubled post ran twice"
    # Per chat, the taps were handled in the order the parent made them (first handling of
    # each; a tap the killed replica was running may have run again on the other).
    violations = 0
    for uid in PARENTS:
        seen: list[str] = []
        for call in answers:
            qid = str(call.params["callback_query_id"])
            if taps[qid][0] == uid and qid not in seen:
                seen.append(qid)
        violations += seen != order[uid]
    twice = sum(1 for n in handled.values() if n > 1)
    print(
        f"updates {len(every)}, answered by replica 1 after the kill "
        f"{sum(1 for p in telegram.answered_by.values() if p == ports[1])}, "
        f"re-posts {sum(telegram.posts.values()) - len(telegram.posts)}, "
        f"in flight on it at the kill {telegram.in_flight_at_kill}, "
        f"handled twice {twice}, order violations {violations}"
    )
    assert violations == 0
    assert twice <= telegram.in_flight_at_kill, (
        "more updates ran twice than were in flight on the killed replica"
    )
    assert all(n >= 1 for n in handled.values()) and len(handled) == len(taps)
    # No save the bot confirmed is lost, none is stored twice, none is misfiled.
    stored = asyncio.run(stored_bookmarks(url))
    confirmed = {taps[str(c.params["callback_query_id"])] for c in answers if c.params.get("text") == added}
    assert len(stored) == len(set(stored))
    assert confirmed == set(taps.values()) <= set(stored)
    assert set(stored) <= set(taps.values())
    # The reminder due at start-up went out once, though both replicas run the job.
    assert len(reminders) == 1
    # The survivor reports itself healthy, and its metrics carry no chat or user.
    status, body = result["health"]
    assert status == 200 and body["storage"] == "ok"
    assert body["seconds_since_last_update"] is not None
    metrics = result["metrics"]
    assert 'bot_updates_total{kind="callback_query"}' in metrics
    assert 'bot_api_calls_total{method="answerCallbackQuery",outcome="ok"}' in metrics
    assert "bot_database_seconds_count" in metrics
    labels = re.findall(r'(\w+)="([^"]*)"', metrics)
    assert {name for name, _ in labels} <= {"kind", "method", "outcome", "le"}
    assert not {value for _, value in labels} & {str(uid) for uid in PARENTS}
    by_replica: defaultdict[int, int] = defaultdict(int)
    for port in telegram.answered_by.values():
        by_replica[port] += 1
    assert by_replica[ports[0]] >= KILL_AFTER // 3 and by_replica[ports[1]] > 0
