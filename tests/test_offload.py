"""Heavy work off the event loop: a parent's tap is answered while a chart-sized job
computes (bot.offload), through the real Application."""

from __future__ import annotations

import asyncio
import time

from bot.context import services_of
from bot.offload import Heavy
from tests.harness import Harness, make

JOB_SECONDS = 1.0  # about what drawing a chart costs on a slow machine, with room to spare


def compute(seconds: float) -> int:
    """Pure Python arithmetic for `seconds` of wall time: it holds the GIL as a chart
    library's Python parts would."""
    end, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        n += sum(i * i for i in range(200))
    return n


async def test_a_tap_is_answered_while_a_heavy_job_computes(bot: Harness) -> None:
    await bot.send("/start")
    job = asyncio.create_task(services_of(bot.app).heavy.run(compute, JOB_SECONDS))
    await asyncio.sleep(0)  # the job is on the pool now
    await bot.tap_data(make("m", page=0))  # reads the database: the loop has to turn
    answered = [c for c in bot.api.calls if c.method == "answerCallbackQuery"]
    # Answered and the home shown while the job still runs: had the job run on the loop,
    # the tap would only have been handled after it finished.
    assert answered and not job.done()
    assert bot.html() == bot.content.strings("questions.empty").strip()
    assert await job > 0


async def test_the_pool_starts_on_first_use_and_closes() -> None:
    heavy = Heavy()
    assert heavy.workers >= 1
    assert await heavy.run(compute, 0.01) > 0
    heavy.close()
    assert await heavy.run(sum, [1, 2, 3]) == 6  # a closed pool starts again if needed
    heavy.close()
