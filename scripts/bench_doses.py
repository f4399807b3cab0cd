"""The dose reminder job's costs, printed (never asserted).

1. The due-dose scan: 10,000 families with 3 active medicines each (30,000 medicines), on a
   real SQLite file and on PostgreSQL (DATABASE_URL, else a server started as the tests do): the time
   of `medicines.due(now)` when nothing is due and when 1% of families have a dose due now,
   and of `claim_sends` at that minute.
2. A shared due minute: 2,000 families, one member each, one medicine due at 20:00, through
   the real Application (offline Bot API, the production rate limiter on): the job records
   the 2,000 doses and sends 2,000 reminders. Printed: the job's own work per reminder (the
   limiter's waits taken out: its 25 a second is `PER_SECOND`), the wall time at 25 a second
   (2,000 / 25 = 80 s: the bound is Telegram's limit, not the bot), and a bare PTB
   send_message loop beside it for the same number of messages.
3. A blood-count chart (matplotlib, two units, 90 days): first and typical drawing time,
   and a tap's answer through the Application while four charts are drawn off the loop.

    .venv/bin/python scripts/bench_doses.py [--families 10000] [--shared 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiolimiter import AsyncLimiter

from bot.doses import DAY, Schedule
from bot.storage import Member, open_storage

SCHEDULE = Schedule(every=DAY, times=("08:00", "20:00")).dumps()


async def seed(store: Any, families: int, due_share: float, due_at: float) -> None:
    """`families` families of one, 3 medicines each; `due_share` of them due at `due_at`
    (written in bulk on the driver's own connection: the storage API would take minutes)."""
    now = time.time()
    every = max(1, round(1 / due_share)) if due_share else 0
    people = range(1, families + 1)
    tables = [
        ("users(user_id, created_at, consent_at)", [(u, now, now) for u in people]),
        ("circles(id, created_at, timezone)", [(u, now, "Europe/Madrid") for u in people]),
        ("members(user_id, circle_id, role, joined_at)", [(u, u, "full", now) for u in people]),
        (
            "medicines(circle_id, name, dose, schedule, status, next_due_at, created_at, added_by)",
            [
                (
                    u,
                    f"med {k}",
                    "1 tablet",
                    SCHEDULE,
                    "active",
                    due_at if every and u % every == 0 and k == 0 else due_at + 3600 + k,
                    now,
                    u,
                )
                for u in people
                for k in range(3)
            ],
        ),
    ]
    driver = store.driver
    if driver.name == "sqlite":
        for table, rows in tables:
            marks = ", ".join("?" * len(rows[0]))
            await driver.db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        await driver.db.commit()
        return
    async with driver._pool.acquire() as conn:
        for table, rows in tables:
            marks = ", ".join(f"${n}" for n in range(1, len(rows[0]) + 1))
            await conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


async def timed(label: str, call: object, repeat: int = 20) -> None:
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await call()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    size = len(result) if isinstance(result, list) else result
    print(
        f"  {label:<48} median {statistics.median(samples):7.2f} ms   max {max(samples):7.2f} ms   ({size})"
    )


async def scan(url: str | None, families: int) -> None:
    due_at = 1_800_000_000.0
    with tempfile.TemporaryDirectory() as tmp:
        store = open_storage(str(Path(tmp) / "bench.sqlite3"), time.time, url or "")
        await store.open()
        try:
            await seed(store, families, 0.01, due_at)
            print(f"{store.driver.name}: {families:,} families, {3 * families:,} medicines")
            await timed("scan, nothing due", lambda: store.medicines.due(due_at - 60))
            await timed("scan, 1% of families due now", lambda: store.medicines.due(due_at + 5))
            for item in await store.medicines.due(due_at + 5):
                await store.medicines.come_due(
                    item.medicine, due_at, "2026-12-03", "20:00", "1 tablet", due_at + 86400
                )
            claims = iter(range(10_000))
            await timed(
                "claim the minute's sends (first look claims)",
                lambda: store.medicines.claim_sends(due_at + 5 + next(claims), lease=120, by="bench"),
                repeat=1,
            )
            await timed(
                "claim again (all leased: nothing)",
                lambda: store.medicines.claim_sends(due_at + 10, lease=120, by="bench"),
            )
        finally:
            await store.close()


async def shared_minute(count: int) -> None:
    """2,000 families due at one minute, through the real Application."""
    from bot.app import build_application, start_app, stop_app
    from bot.config import load_settings
    from bot.context import services_of
    from bot.offline import OfflineBotAPI
    from handlers.medicines import rounds

    due_at = 1_800_000_000.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"BOT_DB_PATH": str(Path(tmp) / "bench.sqlite3")})
        clock = [due_at - 600]
        api = OfflineBotAPI(record=False)
        app = build_application(settings, request=api, clock=lambda: clock[0])
        await start_app(app)
        try:
            store = services_of(app).storage
            for u in range(1, count + 1):
                await store.users.give_consent(u)
                await store.circles.set_timezone(Member(u, u), "Europe/Madrid")
                med = await store.medicines.start(Member(u, u), "6-MP", limit=30)
                await store.medicines.edit_draft(Member(u, u), med, dose="1 tablet", schedule=SCHEDULE)
                await store.medicines.activate(Member(u, u), med, due_at)
            clock[0] = due_at + 1
            app.bot_data[rounds.LIMITER] = AsyncLimiter(10**6, 1)  # the job's own work only
            (job,) = app.job_queue.get_jobs_by_name(rounds.DOSE_JOB)  # type: ignore[union-attr]
            cpu, start = time.process_time(), time.perf_counter()
            await job.run(app)
            wall, used = time.perf_counter() - start, time.process_time() - cpu
            sent = await store.driver.value("SELECT COUNT(*) FROM dose_sends WHERE sent_at IS NOT NULL")
            print(
                f"shared minute: {sent:,} reminders sent; the job's own work {wall:.2f} s wall, "
                f"{used / max(sent, 1) * 1000:.2f} ms CPU per reminder"
            )
            print(
                f"  at the bot's {rounds.PER_SECOND} a second: the last leaves after "
                f"{count / rounds.PER_SECOND + wall:.0f} s (target: 120 s)"
            )
        finally:
            await stop_app(app)
    # The bare-PTB baseline: the same number of send_message calls, nothing else.
    from telegram import Bot

    bare = Bot("1:bench", request=OfflineBotAPI(record=False))
    await bare.initialize()
    start = time.perf_counter()
    for u in range(1, count + 1):
        await bare.send_message(u, "💊 20:00")
    print(f"  bare PTB baseline: {count:,} send_message in {time.perf_counter() - start:.2f} s")
    await bare.shutdown()


async def charts() -> None:
    """A count's chart (two units, 90 days), drawn on the heavy-work threads, and a tap's
    answer through the Application while four are being drawn, beside one with none."""
    from datetime import date, timedelta

    from telegram import Update

    from bot.app import build_application, start_app, stop_app
    from bot.charts import Labels, Point, draw
    from bot.config import load_settings
    from bot.context import services_of
    from bot.offline import OfflineBotAPI, UpdateFactory

    labels = Labels(
        "Platelets", "Entered by your family; the lab report is the record.", "<", ">", ("Jan",) * 12
    )
    start = date(2026, 9, 3)
    points = [
        Point(start + timedelta(days=3 * i), 40 + i, str(40 + i), "x10^9/L", "platelets") for i in range(30)
    ]
    points += [
        Point(start + timedelta(days=9 * i), 4e4 + i, str(40000 + i), "/mm3", "platelets") for i in range(10)
    ]
    first = time.perf_counter()
    draw(points, labels, start, date(2026, 12, 3))
    first_ms = (time.perf_counter() - first) * 1000
    samples = []
    for _ in range(10):
        begin = time.perf_counter()
        chart = draw(points, labels, start, date(2026, 12, 3))
        samples.append((time.perf_counter() - begin) * 1000)
    print(
        f"chart: first {first_ms:.0f} ms (fonts loaded), then median {statistics.median(samples):.0f} ms, "
        f"max {max(samples):.0f} ms; {len(chart.png):,} bytes, {len(chart.panels)} panels (target 300 ms)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        app = build_application(
            load_settings({"BOT_DB_PATH": str(Path(tmp) / "b.sqlite3")}), request=OfflineBotAPI()
        )
        await start_app(app)
        try:
            heavy = services_of(app).heavy
            parents = iter(range(1, 10_000))  # a new chat each time: no per-chat wait

            async def tap_ms() -> float:
                begin = time.perf_counter()
                parent = UpdateFactory(user_id=next(parents), first_name="P", language="en")
                await app.process_update(Update.de_json(parent.text("/start"), app.bot))
                return (time.perf_counter() - begin) * 1000

            idle = [await tap_ms() for _ in range(20)]
            drawing = [
                asyncio.ensure_future(heavy.run(draw, points, labels, start, date(2026, 12, 3)))
                for _ in range(4)
            ]
            busy = []
            while not all(d.done() for d in drawing):
                busy.append(await tap_ms())
            await asyncio.gather(*drawing)
            print(
                f"  a tap's answer: median {statistics.median(idle):.1f} ms idle, "
                f"{statistics.median(busy):.1f} ms (max {max(busy):.1f}) "
                f"while 4 charts draw ({len(busy)} taps)"
            )
        finally:
            await stop_app(app)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--shared", type=int, default=2_000)
    args = parser.parse_args()
    await scan(None, args.families)
    url = os.environ.get("DATABASE_URL")
    if url:
        await scan(url, args.families)
    else:
        try:
            from tests.pgserver import PostgresServer, PostgresUnavailable

            with PostgresServer() as server:
                await scan(server.create_database(), args.families)
        except (ImportError, PostgresUnavailable) as exc:
            print(f"PostgreSQL skipped: {exc}")
    await charts()
    await shared_minute(args.shared)


if __name__ == "__main__":
    asyncio.run(main())
