"""CPU-heavy work off the event loop: a PDF of 200 questions, later a chart.

The event loop answers every parent's taps; a job that computes for a few hundred
milliseconds on it would hold every other chat's answer that long. Such work runs on a
small pool of threads of its own (not the loop's default executor, which other libraries
share), started on first use so a bot that never draws one pays nothing. Python's GIL
still lets only one thread compute at a time, but it hands the loop a turn every
`sys.getswitchinterval()` (5 ms), so a tap waits a few milliseconds, not the whole job;
tests/test_offload.py checks that through the real Application. A chart library that
holds the GIL for long stretches would need processes instead: measure before moving.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

WORKERS = 2  # heavy jobs at once; more wait their turn (the machine has few cores)


class Heavy:
    """The pool for CPU-heavy work; one per Application, closed with it."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` on the pool; the caller awaits it without holding the loop."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="heavy")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish the jobs under way (a PDF being drawn is sent); start no more."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
